//! The Nyash runtime: the single implementation of values and builtin boxes.
//!
//! The VM links this crate as a Rust library; the JIT and native executables call the
//! same functions. See `value.rs` for the value word every backend shares.

pub mod abi;
pub mod array;
pub mod boxes;
pub mod class;
pub mod dispatch;
pub mod error;
pub mod heap;
pub mod hooks;
pub mod image;
pub mod io;
pub mod map;
pub mod object;
pub mod ops;
pub mod pending;
pub mod program;
pub mod rc;
pub mod release;
pub mod value;

pub use error::{Exception, Loc, RtResult};

/// Every box, string and array buffer is a heap allocation, and programs make and free
/// millions of them: mimalloc's thread-local free lists make that several times cheaper
/// than the system allocator, in the VM, the JIT and native executables alike.
#[global_allocator]
static ALLOCATOR: Allocator = Allocator;

/// mimalloc, and one clear end where it has no memory to give: Rust's own reaction is a
/// message with a backtrace, then an abort, different for each backend.
struct Allocator;

/// The allocator underneath: the system's with the `system-alloc` feature, for memory
/// checkers that watch `malloc` (`make memcheck`).
#[cfg(not(feature = "system-alloc"))]
const UNDERNEATH: mimalloc::MiMalloc = mimalloc::MiMalloc;
#[cfg(feature = "system-alloc")]
const UNDERNEATH: std::alloc::System = std::alloc::System;

// SAFETY: every call goes to the allocator underneath unchanged; only a failure is
// intercepted.
unsafe impl std::alloc::GlobalAlloc for Allocator {
    unsafe fn alloc(&self, layout: std::alloc::Layout) -> *mut u8 {
        or_out_of_memory(UNDERNEATH.alloc(layout))
    }
    unsafe fn alloc_zeroed(&self, layout: std::alloc::Layout) -> *mut u8 {
        or_out_of_memory(UNDERNEATH.alloc_zeroed(layout))
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: std::alloc::Layout, new_size: usize) -> *mut u8 {
        or_out_of_memory(UNDERNEATH.realloc(ptr, layout, new_size))
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: std::alloc::Layout) {
        UNDERNEATH.dealloc(ptr, layout)
    }
}

/// `ptr`, unless the allocation failed: then the program ends with its output so far, one
/// line on stderr and status 70, all written without allocating. (Where the system lets a program take more
/// memory than there is, the system may end it first.)
fn or_out_of_memory(ptr: *mut u8) -> *mut u8 {
    if ptr.is_null() {
        io::end_with_error("error: out of memory\n")
    }
    ptr
}
pub use value::Value;
