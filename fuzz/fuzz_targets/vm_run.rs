//! Programs the front end accepts, run on the VM with a step limit: every loop back-edge
//! and call past the budget raises an error the program cannot outrun. Whatever the
//! program does, the run ends with an exit status, never a panic.
#![no_main]
use libfuzzer_sys::fuzz_target;
use nyash_runtime::error::Exception;
use nyash_runtime::hooks::NativeCode;
use nyash_runtime::Value;
use std::cell::Cell;
use std::rc::Rc;

/// Steps (calls plus loop back-edges) a run may take.
const STEPS: u32 = 100_000;

struct Fuel(Cell<u32>);

/// The code a back-edge past the budget moves to: it raises. (It leaves the frame's values
/// to leak: one frame per run.)
unsafe extern "C" fn out_of_fuel(_frame: *mut Value, _out: *mut Value) -> u32 {
    nyash_runtime::pending::raise(Exception::runtime("step limit reached"))
}

impl nyashc::vm::Tiering for Fuel {
    fn native(&self, _func: u32) -> Option<NativeCode> {
        None
    }
    fn on_call(&self, _func: u32) {
        self.0.set(self.0.get().saturating_sub(1));
    }
    fn on_back_edge(&self, _func: u32, _block: u32) -> Option<NativeCode> {
        let left = self.0.get().saturating_sub(1);
        self.0.set(left);
        (left == 0).then_some(out_of_fuel as NativeCode)
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let text = text.to_string();
    nyash_runtime::program::on_big_stack(move || {
        let Ok(module) = nyashc::driver::compile_text("fuzz.nyash", text, std::io::sink()) else { return 0 };
        nyashc::vm::run(&module, Some(Rc::new(Fuel(Cell::new(STEPS)))))
    });
});
