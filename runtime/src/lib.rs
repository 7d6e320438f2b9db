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
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
pub use value::Value;
