//! Releasing what dying boxes held, without recursion.
//!
//! A box's last release releases its fields, elements or entries, and each of those may be
//! the last reference to another box: released recursively, a linked list of a million
//! nodes would need a million nested frames (and its `fini`s would count toward the
//! recursion limit). Instead the values that die with a box go on a work list, which the
//! outermost release works through. They go on in reverse and come off the end, so boxes
//! die (and their `fini`s run) in exactly the order a recursive release would take them:
//! a box, then everything it alone held, depth first, slot by slot.

use crate::value::Value;
use std::cell::{Cell, UnsafeCell};

/// The work list, and whether a release is working through it further up this thread's
/// stack. One thread-local, reached once per release that has something to do.
struct Work {
    releasing: Cell<bool>,
    /// Never borrowed across a drop: each access below is one push or pop.
    waiting: UnsafeCell<Vec<Value>>,
}

thread_local! {
    static WORK: Work = const { Work { releasing: Cell::new(false), waiting: UnsafeCell::new(Vec::new()) } };
}

/// Release `values` in order, as a dying box's contents.
pub fn release(mut values: Vec<Value>) {
    // SAFETY: the values move out of the vector, which then frees only its buffer.
    unsafe {
        release_moved(values.as_mut_ptr(), values.len());
        values.set_len(0);
    }
}

/// Release the `len` values at `ptr` in order, as a dying box's contents kept in its own
/// block (an instance's fields).
///
/// # Safety
/// The values are live, and the caller gives them up: it must not read or drop them
/// again, only free their memory.
#[inline(always)]
pub unsafe fn release_moved(ptr: *mut Value, len: usize) {
    let values = std::slice::from_raw_parts_mut(ptr, len);
    // With no last reference among them, dropping the values runs nothing: no recursion.
    // Otherwise every reference goes on the list, so that each is given up in its turn
    // (one that is not the last yet may be by then).
    if values.iter().any(Value::is_last_reference) {
        WORK.with(|work| work.release(values));
    } else {
        std::ptr::drop_in_place(values);
    }
}

impl Work {
    /// # Safety
    /// As `release_moved`'s: the values are moved out of `values`.
    unsafe fn release(&self, values: &mut [Value]) {
        // SAFETY (each access to `waiting`): the reference lives for one call that runs
        // no other code.
        let base = {
            let waiting = &mut *self.waiting.get();
            let base = waiting.len();
            waiting.reserve(values.len());
            for value in values.iter().rev() {
                if value.is_heap() {
                    waiting.push(std::ptr::read(value));
                }
            }
            base
        };
        if self.releasing.replace(true) {
            return;
        }
        // The boxes released here may add their own contents above `base`; entries below
        // it belong to a release further up that runs user code (a `fini`) which got here.
        while (*self.waiting.get()).len() > base {
            let value = (*self.waiting.get()).pop();
            drop(value);
        }
        self.releasing.set(false);
    }
}

/// Run user code (a `fini`) from inside a release: what it releases, it releases
/// completely before it goes on, as anywhere else in the program.
pub fn outside_release<R>(f: impl FnOnce() -> R) -> R {
    let was = WORK.with(|work| work.releasing.replace(false));
    let result = f();
    WORK.with(|work| work.releasing.set(was));
    result
}
