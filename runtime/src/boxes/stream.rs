//! StreamBox: bytes written at the end and read from a position that only `read` moves
//! forward and `reset` moves back to the start; reading does not remove what it reads.

use super::buffer::{bytes_arg, count_arg, new_buffer};
use super::{Call, Method};
use crate::value::Value;
use crate::RtResult;
use std::cell::RefCell;

#[derive(Default)]
pub struct Stream {
    pub bytes: Vec<u8>,
    pub position: usize,
}

type C<'a> = Call<'a, RefCell<Stream>>;

fn write(c: &C) -> RtResult {
    let bytes = bytes_arg(&c.args, 0)?;
    c.this.borrow_mut().bytes.extend_from_slice(&bytes);
    Ok(Value::Void)
}

fn read(c: &C) -> RtResult {
    let n = count_arg(&c.args, 0)?;
    let mut s = c.this.borrow_mut();
    let (start, end) = (s.position, (s.position + n).min(s.bytes.len()));
    s.position = end;
    Ok(new_buffer(s.bytes[start..end].to_vec()))
}

pub static METHODS: &[Method<RefCell<Stream>>] = &[
    Method { name: "write", aliases: &[], arity: 1, run: write },
    Method { name: "read", aliases: &[], arity: 1, run: read },
    Method { name: "position", aliases: &[], arity: 0, run: |c| Ok(Value::Int(c.this.borrow().position as i64)) },
    Method {
        name: "length",
        aliases: &["size", "len"],
        arity: 0,
        run: |c| Ok(Value::Int(c.this.borrow().bytes.len() as i64)),
    },
    Method {
        name: "reset",
        aliases: &[],
        arity: 0,
        run: |c| {
            c.this.borrow_mut().position = 0;
            Ok(Value::Void)
        },
    },
];
