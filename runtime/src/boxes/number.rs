//! IntegerBox, FloatBox and BoolBox: unboxed values with methods.

use super::Method;
use crate::ops::{display, equals};
use crate::value::Value;

fn to_string<T: ?Sized>(c: &super::Call<T>) -> crate::RtResult {
    Ok(Value::str(display(c.recv)?))
}

fn equal<T: ?Sized>(c: &super::Call<T>) -> crate::RtResult {
    Ok(Value::Bool(equals(c.recv, c.args.get(0))))
}

pub static INT: &[Method<i64>] = &[
    Method { name: "toString", aliases: &[], arity: 0, run: to_string },
    Method { name: "equals", aliases: &[], arity: 1, run: equal },
    Method { name: "abs", aliases: &[], arity: 0, run: |c| Ok(Value::Int(c.this.wrapping_abs())) },
    Method { name: "toFloat", aliases: &[], arity: 0, run: |c| Ok(Value::Float(*c.this as f64)) },
    Method { name: "toInteger", aliases: &["floor", "ceil", "round"], arity: 0, run: |c| Ok(Value::Int(*c.this)) },
    Method { name: "sqrt", aliases: &[], arity: 0, run: |c| Ok(Value::Float((*c.this as f64).sqrt())) },
];

pub static FLOAT: &[Method<f64>] = &[
    Method { name: "toString", aliases: &[], arity: 0, run: to_string },
    Method { name: "equals", aliases: &[], arity: 1, run: equal },
    Method { name: "abs", aliases: &[], arity: 0, run: |c| Ok(Value::Float(c.this.abs())) },
    Method { name: "toFloat", aliases: &[], arity: 0, run: |c| Ok(Value::Float(*c.this)) },
    Method { name: "toInteger", aliases: &[], arity: 0, run: |c| Ok(Value::Int(*c.this as i64)) },
    Method { name: "floor", aliases: &[], arity: 0, run: |c| Ok(Value::Int(c.this.floor() as i64)) },
    Method { name: "ceil", aliases: &[], arity: 0, run: |c| Ok(Value::Int(c.this.ceil() as i64)) },
    Method { name: "round", aliases: &[], arity: 0, run: |c| Ok(Value::Int(c.this.round() as i64)) },
    Method { name: "sqrt", aliases: &[], arity: 0, run: |c| Ok(Value::Float(c.this.sqrt())) },
];

pub static BOOL: &[Method<bool>] = &[
    Method { name: "toString", aliases: &[], arity: 0, run: to_string },
    Method { name: "equals", aliases: &[], arity: 1, run: equal },
    Method { name: "toFloat", aliases: &[], arity: 0, run: |c| Ok(Value::Float(*c.this as i64 as f64)) },
    Method { name: "toInteger", aliases: &["abs"], arity: 0, run: |c| Ok(Value::Int(*c.this as i64)) },
];
