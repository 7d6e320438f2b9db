//! TimeBox and FileBox: the clock and the file system.

use super::{Call, Method};
use crate::error::Exception;
use crate::value::Value;
use std::time::Instant;

fn now_ms() -> Value {
    let ms = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis());
    Value::Int(ms as i64)
}

pub static TIME: &[Method<Instant>] = &[
    Method { name: "now", aliases: &[], arity: 0, run: |_| Ok(now_ms()) },
    Method { name: "elapsed", aliases: &[], arity: 0, run: |c| Ok(Value::Int(c.this.elapsed().as_millis() as i64)) },
];

type F<'a> = Call<'a, str>;

/// Run a file operation on the box's path; an I/O error names the path.
fn file_op(c: &F, op: impl FnOnce(&str) -> std::io::Result<Value>) -> crate::RtResult {
    op(c.this).map_err(|e| Exception::runtime(format!("FileBox '{}': {e}", c.this)))
}

fn append(path: &str, text: &str) -> std::io::Result<Value> {
    use std::io::Write;
    let mut f = std::fs::OpenOptions::new().append(true).create(true).open(path)?;
    f.write_all(text.as_bytes()).map(|_| Value::Void)
}

pub static FILE: &[Method<str>] = &[
    Method {
        name: "read",
        aliases: &[],
        arity: 0,
        run: |c| file_op(c, |p| std::fs::read_to_string(p).map(Value::str)),
    },
    Method {
        name: "write",
        aliases: &[],
        arity: 1,
        run: |c| {
            let text = c.args.text(0)?;
            file_op(c, |p| std::fs::write(p, text).map(|_| Value::Void))
        },
    },
    Method {
        name: "append",
        aliases: &[],
        arity: 1,
        run: |c| {
            let text = c.args.text(0)?;
            file_op(c, |p| append(p, &text))
        },
    },
    Method { name: "exists", aliases: &[], arity: 0, run: |c| Ok(Value::Bool(std::path::Path::new(c.this).exists())) },
    Method {
        name: "delete",
        aliases: &[],
        arity: 0,
        run: |c| file_op(c, |p| std::fs::remove_file(p).map(|_| Value::Void)),
    },
];
