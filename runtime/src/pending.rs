//! The exception a failing compiled call reports: parked here, with the status
//! [`RAISED`], until a handler (`nyrt_catch`) or the caller takes it.

use crate::error::Exception;
use std::cell::RefCell;

/// The statuses of compiled functions and of the runtime calls that can fail.
pub const OK: u32 = 0;
pub const RAISED: u32 = 1;

thread_local! {
    static PENDING: RefCell<Option<Exception>> = const { RefCell::new(None) };
}

/// Raise `e` for compiled code: park it and return the failure status.
pub fn raise(e: Exception) -> u32 {
    let old = PENDING.with(|p| p.replace(Some(e)));
    drop(old);
    RAISED
}

/// Run `f` with the pending exception set aside and put it back afterwards: a `fini` that
/// runs while compiled code unwinds (its releases drop boxes) may raise and catch
/// exceptions of its own without replacing the one on its way to a handler.
pub fn keeping_pending<R>(f: impl FnOnce() -> R) -> R {
    let saved = PENDING.with(|p| p.take());
    let result = f();
    let leftover = PENDING.with(|p| p.replace(saved));
    drop(leftover);
    result
}

/// Take the exception a compiled function reported with [`RAISED`].
pub fn take_pending() -> Exception {
    PENDING.with(|p| p.take()).unwrap_or_else(|| Exception::runtime("compiled code reported a missing exception"))
}
