//! BufferBox: a growable run of bytes, read from the front. Bytes come in as an ArrayBox
//! of Integers 0 to 255, as a StringBox (its UTF-8 bytes) or as another BufferBox, and go
//! out as an ArrayBox of Integers.

use super::string::clamp_index;
use super::{new_array, Args, Call, Method};
use crate::error::{err, RtResult};
use crate::object::{new_obj, Obj};
use crate::value::Value;
use std::cell::RefCell;

type C<'a> = Call<'a, RefCell<Vec<u8>>>;

pub fn new_buffer(bytes: Vec<u8>) -> Value {
    new_obj(Obj::Buffer(RefCell::new(bytes)))
}

/// Argument `i` as bytes. Copied out first, so that a buffer may be written into itself.
pub fn bytes_arg(a: &Args, i: usize) -> RtResult<Vec<u8>> {
    let bad = |what: String| err(format!("{}: bytes must be integers 0 to 255, got {what}", a.describe()));
    match a.get(i) {
        Value::Str(s) => Ok(s.as_str().as_bytes().to_vec()),
        Value::Obj(o) => match &**o {
            Obj::Buffer(b) => Ok(b.borrow().clone()),
            Obj::Array(items) => {
                let items = items.borrow().clone();
                items
                    .iter()
                    .map(|v| match v {
                        Value::Int(n) if (0..=255).contains(n) => Ok(*n as u8),
                        Value::Int(n) => bad(n.to_string()),
                        other => bad(other.type_name()),
                    })
                    .collect()
            }
            _ => a.expected("an ArrayBox of bytes, a StringBox or a BufferBox", a.get(i)),
        },
        other => a.expected("an ArrayBox of bytes, a StringBox or a BufferBox", other),
    }
}

/// A count of bytes (argument `i`): an error if negative.
pub fn count_arg(a: &Args, i: usize) -> RtResult<usize> {
    let n = a.int(i)?;
    if n < 0 {
        return err(format!("{}: a byte count cannot be negative ({n})", a.describe()));
    }
    Ok(n as usize)
}

pub fn byte_array(bytes: &[u8]) -> Value {
    new_array(bytes.iter().map(|&b| Value::Int(b as i64)).collect())
}

fn write(c: &C) -> RtResult {
    let bytes = bytes_arg(&c.args, 0)?;
    let mut buffer = c.this.borrow_mut();
    buffer.extend_from_slice(&bytes);
    Ok(Value::Int(buffer.len() as i64))
}

fn read(c: &C) -> RtResult {
    let n = count_arg(&c.args, 0)?;
    let mut buffer = c.this.borrow_mut();
    let n = n.min(buffer.len());
    let taken: Vec<u8> = buffer.drain(..n).collect();
    Ok(byte_array(&taken))
}

fn slice(c: &C) -> RtResult {
    let buffer = c.this.borrow();
    let (start, end) = (clamp_index(c.args.int(0)?, buffer.len()), clamp_index(c.args.int(1)?, buffer.len()));
    Ok(new_buffer(buffer.get(start..end).unwrap_or_default().to_vec()))
}

pub static METHODS: &[Method<RefCell<Vec<u8>>>] = &[
    Method { name: "write", aliases: &[], arity: 1, run: write },
    Method { name: "append", aliases: &[], arity: 1, run: write },
    Method { name: "read", aliases: &[], arity: 1, run: read },
    Method { name: "readAll", aliases: &[], arity: 0, run: |c| Ok(byte_array(&c.this.borrow())) },
    Method { name: "slice", aliases: &[], arity: 2, run: slice },
    Method {
        name: "length",
        aliases: &["size", "len"],
        arity: 0,
        run: |c| Ok(Value::Int(c.this.borrow().len() as i64)),
    },
    Method { name: "isEmpty", aliases: &[], arity: 0, run: |c| Ok(Value::Bool(c.this.borrow().is_empty())) },
    Method {
        name: "clear",
        aliases: &[],
        arity: 0,
        run: |c| {
            c.this.borrow_mut().clear();
            Ok(Value::Void)
        },
    },
    Method {
        name: "toText",
        aliases: &[],
        arity: 0,
        run: |c| Ok(Value::str(String::from_utf8_lossy(&c.this.borrow()).into_owned())),
    },
];
