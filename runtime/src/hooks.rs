//! How the runtime calls back into user code.
//!
//! Some builtin operations run user methods: printing an instance calls its `toString`,
//! dropping the last reference to an instance runs its `fini`. The runtime does not know
//! how user functions are executed (VM, JIT or native code), so the executor installs an
//! [`Invoker`] before running a program.

use crate::class::FuncId;
use crate::{Exception, Value};
use std::cell::{Cell, RefCell};
use std::rc::Rc;

pub trait Invoker {
    /// Call user function `func`, which takes `args` over; for methods `args[0]` is `me`.
    fn call(&self, func: FuncId, args: Vec<Value>) -> Result<Value, Exception>;
}

/// Machine code of a compiled user function: `(args, out) -> status` (see `abi`).
pub type NativeCode = unsafe extern "C" fn(*mut Value, *mut Value) -> u32;

thread_local! {
    static INVOKER: RefCell<Option<Rc<dyn Invoker>>> = const { RefCell::new(None) };
    /// The running program's code table: each function's machine code, or null. It is
    /// the JIT's (or an executable's function table), which compiled callers read too;
    /// the runtime only reads it.
    static NATIVE: Cell<(*const Option<NativeCode>, usize)> = const { Cell::new((std::ptr::null(), 0)) };
}

/// Point the runtime at the code table of the program about to run (`len` functions). It
/// must outlive the program (until [`uninstall`]).
pub fn set_native_table(table: *const Option<NativeCode>, len: usize) {
    NATIVE.with(|n| n.set((table, len)));
}

pub fn native(func: FuncId) -> Option<NativeCode> {
    let (table, len) = NATIVE.with(|n| n.get());
    if (func as usize) < len {
        // SAFETY: in bounds of a table that outlives the program.
        unsafe { *table.add(func as usize) }
    } else {
        None
    }
}

pub fn install(invoker: Rc<dyn Invoker>) {
    INVOKER.with(|i| *i.borrow_mut() = Some(invoker));
}

pub fn uninstall() {
    // Taken out first so that whatever the invoker owns is dropped with no borrow held.
    let old = INVOKER.with(|i| i.borrow_mut().take());
    drop(old);
    set_native_table(std::ptr::null(), 0);
}

pub fn call(func: FuncId, args: Vec<Value>) -> Result<Value, Exception> {
    let invoker = INVOKER.with(|i| i.borrow().clone());
    match invoker {
        Some(inv) => inv.call(func, args),
        None => Err(Exception::runtime("no executor installed for user code")),
    }
}

/// A `fini` triggered by a release has nowhere to send an error: it is reported on stderr
/// and the program goes on, as a destructor's failure does in most languages.
pub fn run_finaliser(func: FuncId, me: Value) {
    let outcome = crate::release::outside_release(|| crate::pending::keeping_pending(|| call(func, vec![me])));
    if let Err(e) = outcome {
        crate::io::flush_stdout();
        eprintln!("warning: error in fini: {}", crate::error::describe(&e));
    }
}
