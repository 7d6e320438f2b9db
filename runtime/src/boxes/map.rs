//! MapBox's methods (its storage is `crate::map`).

use super::{new_array, Call, Method};
use crate::map::NyMap;
use crate::ops::display;
use crate::value::Value;
use std::cell::RefCell;

pub type Entries = RefCell<NyMap>;
type C<'a> = Call<'a, Entries>;

/// `set`: the replaced key and value are released after the borrow ends.
pub fn set(map: &Entries, key: Value, value: Value) -> Value {
    let old = map.borrow_mut().set(key, value);
    drop(old);
    Value::Void
}

/// `get`: void if absent.
pub fn get(map: &Entries, key: &Value) -> Value {
    map.borrow().get(key).unwrap_or(Value::Void)
}

pub fn has(map: &Entries, key: &Value) -> Value {
    Value::Bool(map.borrow().has(key))
}

fn delete(c: &C) -> crate::RtResult {
    let old = c.this.borrow_mut().delete(c.args.get(0));
    Ok(old.map_or(Value::Void, |(_, v)| v))
}

fn clear(c: &C) -> crate::RtResult {
    let old = c.this.borrow_mut().clear();
    drop(old);
    Ok(Value::Void)
}

fn column(c: &C, pick: fn((Value, Value)) -> Value) -> crate::RtResult {
    Ok(new_array(c.this.borrow().entries().into_iter().map(pick).collect()))
}

pub static METHODS: &[Method<Entries>] = &[
    Method {
        name: "set",
        aliases: &["put"],
        arity: 2,
        run: |c| Ok(set(c.this, c.args.get(0).clone(), c.args.get(1).clone())),
    },
    Method { name: "get", aliases: &[], arity: 1, run: |c| Ok(get(c.this, c.args.get(0))) },
    Method { name: "has", aliases: &["containsKey"], arity: 1, run: |c| Ok(has(c.this, c.args.get(0))) },
    Method { name: "delete", aliases: &["remove"], arity: 1, run: delete },
    Method { name: "keys", aliases: &[], arity: 0, run: |c| column(c, |(k, _)| k) },
    Method { name: "values", aliases: &[], arity: 0, run: |c| column(c, |(_, v)| v) },
    Method { name: "size", aliases: &["length"], arity: 0, run: |c| Ok(Value::Int(c.this.borrow().len() as i64)) },
    Method { name: "clear", aliases: &[], arity: 0, run: clear },
    Method { name: "isEmpty", aliases: &[], arity: 0, run: |c| Ok(Value::Bool(c.this.borrow().is_empty())) },
    Method { name: "toString", aliases: &[], arity: 0, run: |c| Ok(Value::str(display(c.recv)?)) },
];
