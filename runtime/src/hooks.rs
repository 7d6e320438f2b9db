//! How the runtime calls back into user code.
//!
//! Some builtin operations run user methods: printing an instance calls its `toString`,
//! dropping the last reference to an instance runs its `fini`. The runtime does not know
//! how user functions are executed (VM, JIT or native code), so the executor installs an
//! [`Invoker`] before running a program.

use crate::class::FuncId;
use crate::{Exception, Value};
use std::cell::RefCell;
use std::rc::Rc;

pub trait Invoker {
    /// Call user function `func`, which takes `args` over; for methods `args[0]` is `me`.
    fn call(&self, func: FuncId, args: Vec<Value>) -> Result<Value, Exception>;
}

/// Machine code of a compiled user function: `(args, out) -> status` (see `abi`).
pub type NativeCode = unsafe extern "C" fn(*mut Value, *mut Value) -> u32;

thread_local! {
    static INVOKER: RefCell<Option<Rc<dyn Invoker>>> = const { RefCell::new(None) };
    /// Compiled functions, which compiled callers call directly (not through the invoker).
    static NATIVE: RefCell<Vec<Option<NativeCode>>> = const { RefCell::new(Vec::new()) };
}

pub fn set_native(func: FuncId, code: NativeCode) {
    NATIVE.with(|n| {
        let mut n = n.borrow_mut();
        if n.len() <= func as usize {
            n.resize(func as usize + 1, None);
        }
        n[func as usize] = Some(code);
    });
}

pub fn native(func: FuncId) -> Option<NativeCode> {
    NATIVE.with(|n| n.borrow().get(func as usize).copied().flatten())
}

pub fn install(invoker: Rc<dyn Invoker>) {
    INVOKER.with(|i| *i.borrow_mut() = Some(invoker));
}

pub fn uninstall() {
    // Taken out first so that whatever the invoker owns is dropped with no borrow held.
    let old = INVOKER.with(|i| i.borrow_mut().take());
    drop(old);
    NATIVE.with(|n| n.borrow_mut().clear());
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
    if let Err(e) = crate::pending::keeping_pending(|| call(func, vec![me])) {
        crate::io::flush_stdout();
        eprintln!("warning: error in fini: {}", crate::error::describe(&e));
    }
}
