//! ConsoleBox: standard output, standard error and standard input.

use super::{Call, Method};
use crate::io;
use crate::value::Value;

/// Write the first argument's string form (and `end`) with `write`.
fn emit(c: &Call<()>, write: fn(&str), end: &str) -> crate::RtResult {
    write(&(c.args.text(0)? + end));
    Ok(Value::Void)
}

pub static METHODS: &[Method<()>] = &[
    Method { name: "log", aliases: &["println"], arity: 1, run: |c| emit(c, io::write_stdout, "\n") },
    Method { name: "print", aliases: &[], arity: 1, run: |c| emit(c, io::write_stdout, "") },
    Method { name: "warn", aliases: &["error"], arity: 1, run: |c| emit(c, io::write_stderr, "\n") },
    Method { name: "readLine", aliases: &[], arity: 0, run: |_| Ok(io::read_line().map_or(Value::Null, Value::str)) },
];
