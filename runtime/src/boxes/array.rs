//! ArrayBox: a growable list of values, shared by reference.

use super::string::clamp_index;
use super::{Call, Method};
use crate::error::{err, RtResult};
use crate::object::{new_obj, Obj};
use crate::ops::{display, equals, sort_order};
use crate::value::Value;

pub use crate::array::{Element, Items};
type C<'a> = Call<'a, Items>;

pub fn new_array(items: Vec<Value>) -> Value {
    new_obj(Obj::Array(Items::new(items)))
}

fn index_error<T>(i: i64, len: usize) -> RtResult<T> {
    err(format!("Index out of range: {i} (length {len})"))
}

/// Element `i`, or null out of range (`get`).
pub fn get(items: &Items, i: i64) -> Value {
    match items.element(i) {
        // SAFETY: a live element, copied before anything else runs.
        Some(Element::Packed(n)) => Value::Int(unsafe { *n }),
        Some(Element::Boxed(v)) => unsafe { (*v).clone() },
        None => Value::Null,
    }
}

/// Replace element `i` (`set`); the old element is released after the borrow ends.
pub fn set(items: &Items, i: i64, value: Value) -> RtResult {
    let old = match (items.element(i), value) {
        (None, _) => return index_error(i, items.len()),
        // SAFETY: a live element, written before anything else runs.
        (Some(Element::Packed(n)), Value::Int(new)) => unsafe { Value::Int(std::mem::replace(&mut *n, new)) },
        (Some(_), value) => std::mem::replace(&mut items.borrow_mut()[i as usize], value),
    };
    drop(old);
    Ok(Value::Void)
}

pub fn push(items: &Items, value: Value) -> Value {
    items.push(value);
    Value::Void
}

pub fn length(items: &Items) -> Value {
    Value::Int(items.len() as i64)
}

fn insert(c: &C) -> RtResult {
    let (i, len) = (c.args.int(0)?, c.this.len());
    if i < 0 || i as usize > len {
        return index_error(i, len);
    }
    c.this.borrow_mut().insert(i as usize, c.args.get(1).clone());
    Ok(Value::Void)
}

fn remove(c: &C) -> RtResult {
    let (i, len) = (c.args.int(0)?, c.this.len());
    if i < 0 || i as usize >= len {
        return index_error(i, len);
    }
    let removed = c.this.borrow_mut().remove(i as usize);
    Ok(removed)
}

fn index_of(c: &C) -> RtResult {
    let pos = c.this.borrow().iter().position(|v| equals(v, c.args.get(0)));
    Ok(Value::Int(pos.map_or(-1, |p| p as i64)))
}

fn clear(c: &C) -> RtResult {
    let old = std::mem::take(&mut *c.this.borrow_mut());
    drop(old);
    Ok(Value::Void)
}

fn join(c: &C) -> RtResult {
    let sep = c.args.text(0)?;
    // A snapshot: an element's `toString` may change the array.
    let snapshot = c.this.snapshot();
    let parts = snapshot.iter().map(display).collect::<RtResult<Vec<_>>>()?;
    Ok(Value::str(parts.join(&sep)))
}

fn slice(c: &C) -> RtResult {
    let len = c.this.len();
    let (start, end) = (clamp_index(c.args.int(0)?, len), clamp_index(c.args.int(1)?, len));
    let part = if start < end { c.this.borrow()[start..end].to_vec() } else { Vec::new() };
    Ok(new_array(part))
}

/// Reorder the elements in place; the array itself is the result.
fn reorder(c: &C, f: fn(&mut Vec<Value>)) -> RtResult {
    f(&mut c.this.borrow_mut());
    Ok(c.recv.clone())
}

pub static METHODS: &[Method<Items>] = &[
    Method { name: "push", aliases: &["add"], arity: 1, run: |c| Ok(push(c.this, c.args.get(0).clone())) },
    Method { name: "pop", aliases: &[], arity: 0, run: |c| Ok(c.this.borrow_mut().pop().unwrap_or(Value::Null)) },
    Method { name: "get", aliases: &[], arity: 1, run: |c| Ok(get(c.this, c.args.int(0)?)) },
    Method { name: "set", aliases: &[], arity: 2, run: |c| set(c.this, c.args.int(0)?, c.args.get(1).clone()) },
    Method { name: "length", aliases: &["size", "len"], arity: 0, run: |c| Ok(length(c.this)) },
    Method { name: "insert", aliases: &[], arity: 2, run: insert },
    Method { name: "remove", aliases: &[], arity: 1, run: remove },
    Method { name: "indexOf", aliases: &[], arity: 1, run: index_of },
    Method {
        name: "contains",
        aliases: &[],
        arity: 1,
        run: |c| Ok(Value::Bool(c.this.borrow().iter().any(|v| equals(v, c.args.get(0))))),
    },
    Method { name: "clear", aliases: &[], arity: 0, run: clear },
    Method { name: "join", aliases: &[], arity: 1, run: join },
    Method { name: "sort", aliases: &[], arity: 0, run: |c| reorder(c, |v| v.sort_by(sort_order)) },
    Method { name: "reverse", aliases: &[], arity: 0, run: |c| reorder(c, |v| v.reverse()) },
    Method { name: "slice", aliases: &[], arity: 2, run: slice },
    Method { name: "isEmpty", aliases: &[], arity: 0, run: |c| Ok(Value::Bool(c.this.is_empty())) },
    Method { name: "toString", aliases: &[], arity: 0, run: |c| Ok(Value::str(display(c.recv)?)) },
];
