//! Programs the front end accepts, through the one MIR-to-Cranelift lowering (both entries
//! of every function, with Cranelift's verifier on): no panic, no verifier error.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let text = text.to_string();
    nyash_runtime::program::on_big_stack(move || {
        let Ok(module) = nyashc::driver::compile_text("fuzz.nyash", text, std::io::sink()) else { return 0 };
        let mut jit = nyashc::jit::Jit::new(&module).expect("the JIT is available");
        for func in 0..module.functions.len() as u32 {
            if let Err(e) = jit.compile(&module, func) {
                panic!("function {func} does not compile: {e}");
            }
        }
        0
    });
});
