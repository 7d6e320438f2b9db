//! nyashc: the Nyash compiler. See docs/ARCHITECTURE.md for the code map.
pub mod aot;
pub mod codegen;
pub mod compare;
pub mod debuginfo;
pub mod diag;
pub mod driver;
pub mod jit;
pub mod mir;
pub mod profile;
pub mod syntax;
pub mod targets;
pub mod tier;
pub mod vm;
