//! RandomBox (and MathBox's `random`): xorshift64*, small, fast, and deterministic for a
//! given seed.

use super::{Args, Call, Method};
use crate::error::err;
use crate::object::{new_obj, Obj};
use crate::value::Value;
use crate::RtResult;
use std::cell::Cell;

type C<'a> = Call<'a, Cell<u64>>;

thread_local! {
    static SHARED_STATE: Cell<u64> = Cell::new(seed_from_clock());
}

fn seed_from_clock() -> u64 {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(1, |d| d.as_nanos());
    (nanos as u64) | 1
}

fn next_u64(state: &Cell<u64>) -> u64 {
    let mut x = state.get();
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    state.set(x);
    x.wrapping_mul(0x2545_F491_4F6C_DD1D)
}

fn next_float(state: &Cell<u64>) -> f64 {
    (next_u64(state) >> 11) as f64 / (1u64 << 53) as f64
}

/// MathBox's `random()`, from one generator per program.
pub fn shared_float() -> f64 {
    SHARED_STATE.with(next_float)
}

/// `new RandomBox()` seeds from the clock, `new RandomBox(seed)` from the seed.
pub fn construct(a: &Args) -> RtResult {
    let seed = if a.values.is_empty() { seed_from_clock() } else { a.int(0)? as u64 | 1 };
    Ok(new_obj(Obj::Random(Cell::new(seed))))
}

fn rand_int(c: &C) -> RtResult {
    let (lo, hi) = (c.args.int(0)?, c.args.int(1)?);
    if hi < lo {
        return err(format!("randInt: empty range {lo}..{hi}"));
    }
    let span = (hi as i128 - lo as i128 + 1) as u128;
    Ok(Value::Int((lo as i128 + (next_u64(c.this) as u128 % span) as i128) as i64))
}

/// `choice(array)` / `shuffle(array)`: `f` on the array's elements.
fn on_array(c: &C, what: &str, f: fn(&Cell<u64>, &mut Vec<Value>) -> Value) -> RtResult {
    match c.args.get(0) {
        Value::Obj(o) => match &**o {
            Obj::Array(items) => Ok(f(c.this, &mut items.borrow_mut())),
            _ => err(format!("{what}: expected an ArrayBox")),
        },
        _ => err(format!("{what}: expected an ArrayBox")),
    }
}

fn choice(state: &Cell<u64>, items: &mut Vec<Value>) -> Value {
    if items.is_empty() {
        return Value::Null;
    }
    items[(next_u64(state) % items.len() as u64) as usize].clone()
}

fn shuffle(state: &Cell<u64>, items: &mut Vec<Value>) -> Value {
    for i in (1..items.len()).rev() {
        items.swap(i, (next_u64(state) % (i as u64 + 1)) as usize);
    }
    Value::Void
}

pub static METHODS: &[Method<Cell<u64>>] = &[
    Method { name: "random", aliases: &[], arity: 0, run: |c| Ok(Value::Float(next_float(c.this))) },
    Method { name: "randInt", aliases: &[], arity: 2, run: rand_int },
    Method { name: "choice", aliases: &[], arity: 1, run: |c| on_array(c, "choice", choice) },
    Method { name: "shuffle", aliases: &[], arity: 1, run: |c| on_array(c, "shuffle", shuffle) },
];
