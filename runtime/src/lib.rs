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

/// mimalloc (the system's `malloc` with the `system-alloc` feature, for memory checkers
/// that watch it: `make memcheck`), and one clear end where it has no memory to give:
/// Rust's own reaction is a message with a backtrace, then an abort, different for each
/// backend.
struct Allocator;

/// Can the plain entry points serve `layout`? They align every block for any type of its
/// size (16 bytes from 16 bytes on), as C's `malloc` does.
fn plain(layout: std::alloc::Layout) -> bool {
    layout.align() <= 16 && layout.align() <= layout.size()
}

#[cfg(not(feature = "system-alloc"))]
mod underneath {
    use libmimalloc_sys as mi;
    use std::ffi::c_void;
    pub unsafe fn malloc(size: usize) -> *mut u8 {
        mi::mi_malloc(size) as *mut u8
    }
    pub unsafe fn free(ptr: *mut u8) {
        mi::mi_free(ptr as *mut c_void)
    }
    pub unsafe fn realloc(ptr: *mut u8, size: usize) -> *mut u8 {
        mi::mi_realloc(ptr as *mut c_void, size) as *mut u8
    }
    pub unsafe fn aligned(size: usize, align: usize) -> *mut u8 {
        mi::mi_malloc_aligned(size, align) as *mut u8
    }
    pub unsafe fn realloc_aligned(ptr: *mut u8, _old: usize, size: usize, align: usize) -> *mut u8 {
        mi::mi_realloc_aligned(ptr as *mut c_void, size, align) as *mut u8
    }
}

#[cfg(feature = "system-alloc")]
mod underneath {
    use libc::c_void;
    pub unsafe fn malloc(size: usize) -> *mut u8 {
        libc::malloc(size) as *mut u8
    }
    pub unsafe fn free(ptr: *mut u8) {
        libc::free(ptr as *mut c_void)
    }
    pub unsafe fn realloc(ptr: *mut u8, size: usize) -> *mut u8 {
        libc::realloc(ptr as *mut c_void, size) as *mut u8
    }
    pub unsafe fn aligned(size: usize, align: usize) -> *mut u8 {
        let mut ptr = std::ptr::null_mut();
        let align = align.max(std::mem::size_of::<usize>());
        if libc::posix_memalign(&mut ptr, align, size) == 0 {
            ptr as *mut u8
        } else {
            std::ptr::null_mut()
        }
    }
    pub unsafe fn realloc_aligned(ptr: *mut u8, old: usize, size: usize, align: usize) -> *mut u8 {
        let new = aligned(size, align);
        if !new.is_null() {
            std::ptr::copy_nonoverlapping(ptr, new, old.min(size));
            free(ptr);
        }
        new
    }
}

// SAFETY: every call goes to the allocator underneath, by the plain entry points where
// they align enough; only a failure is intercepted.
unsafe impl std::alloc::GlobalAlloc for Allocator {
    unsafe fn alloc(&self, layout: std::alloc::Layout) -> *mut u8 {
        or_out_of_memory(if plain(layout) {
            underneath::malloc(layout.size())
        } else {
            underneath::aligned(layout.size(), layout.align())
        })
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: std::alloc::Layout, new_size: usize) -> *mut u8 {
        let new = std::alloc::Layout::from_size_align_unchecked(new_size, layout.align());
        or_out_of_memory(if plain(layout) && plain(new) {
            underneath::realloc(ptr, new_size)
        } else {
            underneath::realloc_aligned(ptr, layout.size(), new_size, layout.align())
        })
    }
    /// Both allocators free any of their blocks by its address alone.
    unsafe fn dealloc(&self, ptr: *mut u8, _layout: std::alloc::Layout) {
        underneath::free(ptr)
    }
}

/// A block of `size` bytes for a heap value (`rc.rs`), aligned as the allocator aligns
/// every block; `free_block` gives it back without being told its size, so that a box
/// and the fields it holds can share one block whose size only its maker knows.
///
/// # Safety
/// The block is uninitialised; `size` is at least 16.
pub(crate) unsafe fn block(size: usize) -> *mut u8 {
    or_out_of_memory(underneath::malloc(size))
}

/// # Safety
/// `ptr` came from `block` and is not used again.
pub(crate) unsafe fn free_block(ptr: *mut u8) {
    underneath::free(ptr)
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
