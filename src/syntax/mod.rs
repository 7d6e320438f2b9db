//! The front end: source text to AST.
pub mod ast;
pub mod lexer;
pub mod parser;
pub mod span;
