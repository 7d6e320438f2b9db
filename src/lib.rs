//! nyashc: the Nyash compiler. See docs/ARCHITECTURE.md for the code map.
pub mod diag;
pub mod driver;
pub mod mir;
pub mod syntax;
pub mod vm;
