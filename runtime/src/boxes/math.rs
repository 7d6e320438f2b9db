//! MathBox: numeric functions.

use super::{random, Call, Method};
use crate::ops::sort_order;
use crate::value::Value;
use crate::RtResult;

type C<'a> = Call<'a, ()>;

fn unary(c: &C, f: fn(f64) -> f64) -> RtResult {
    Ok(Value::Float(f(c.args.num(0)?)))
}

/// `floor`, `ceil`, `round`: an Integer stays itself.
fn to_int(c: &C, f: fn(f64) -> f64) -> RtResult {
    match c.args.get(0) {
        Value::Int(n) => Ok(Value::Int(*n)),
        _ => Ok(Value::Int(f(c.args.num(0)?) as i64)),
    }
}

fn abs(c: &C) -> RtResult {
    match c.args.get(0) {
        Value::Int(n) => Ok(Value::Int(n.wrapping_abs())),
        _ => Ok(Value::Float(c.args.num(0)?.abs())),
    }
}

/// `max` / `min`: whichever argument wins, as it is (an Integer stays an Integer).
fn pick(c: &C, max: bool) -> RtResult {
    c.args.num(0)?;
    c.args.num(1)?;
    let (x, y) = (c.args.get(0), c.args.get(1));
    let x_first = sort_order(x, y) != std::cmp::Ordering::Less;
    Ok(if x_first == max { x.clone() } else { y.clone() })
}

fn pow(c: &C) -> RtResult {
    match (c.args.get(0), c.args.get(1)) {
        (Value::Int(b), Value::Int(e)) if *e >= 0 => Ok(Value::Int(b.wrapping_pow(*e as u32))),
        _ => Ok(Value::Float(c.args.num(0)?.powf(c.args.num(1)?))),
    }
}

pub static METHODS: &[Method<()>] = &[
    Method { name: "abs", aliases: &[], arity: 1, run: abs },
    Method { name: "max", aliases: &[], arity: 2, run: |c| pick(c, true) },
    Method { name: "min", aliases: &[], arity: 2, run: |c| pick(c, false) },
    Method { name: "pow", aliases: &[], arity: 2, run: pow },
    Method { name: "sqrt", aliases: &[], arity: 1, run: |c| unary(c, f64::sqrt) },
    Method { name: "sin", aliases: &[], arity: 1, run: |c| unary(c, f64::sin) },
    Method { name: "cos", aliases: &[], arity: 1, run: |c| unary(c, f64::cos) },
    Method { name: "tan", aliases: &[], arity: 1, run: |c| unary(c, f64::tan) },
    Method { name: "exp", aliases: &[], arity: 1, run: |c| unary(c, f64::exp) },
    Method { name: "log", aliases: &[], arity: 1, run: |c| unary(c, f64::ln) },
    Method { name: "atan2", aliases: &[], arity: 2, run: |c| Ok(Value::Float(c.args.num(0)?.atan2(c.args.num(1)?))) },
    Method { name: "floor", aliases: &[], arity: 1, run: |c| to_int(c, f64::floor) },
    Method { name: "ceil", aliases: &[], arity: 1, run: |c| to_int(c, f64::ceil) },
    Method { name: "round", aliases: &[], arity: 1, run: |c| to_int(c, f64::round) },
    Method { name: "random", aliases: &[], arity: 0, run: |_| Ok(Value::Float(random::shared_float())) },
    Method { name: "getPi", aliases: &["pi"], arity: 0, run: |_| Ok(Value::Float(std::f64::consts::PI)) },
    Method { name: "getE", aliases: &["e"], arity: 0, run: |_| Ok(Value::Float(std::f64::consts::E)) },
];
