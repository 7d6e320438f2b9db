//! ErrorBox: what runtime errors raise, and what a catch variable holds for a thrown
//! value that is not an instance.

use super::{Args, Method};
use crate::object::{new_obj, ErrorBox, Obj};
use crate::ops::display;
use crate::value::Value;

/// `new ErrorBox(message)`.
pub fn construct(a: &Args) -> crate::RtResult {
    Ok(new_obj(Obj::Error(ErrorBox { message: a.text(0)?, is_runtime: false })))
}

pub static METHODS: &[Method<ErrorBox>] = &[
    Method { name: "message", aliases: &["getMessage"], arity: 0, run: |c| Ok(Value::str(c.this.message.as_str())) },
    Method { name: "toString", aliases: &[], arity: 0, run: |c| Ok(Value::str(display(c.recv)?)) },
];
