//! StringBox: immutable text, indexed by characters.

use super::{new_array, Call, Method};
use crate::error::{err, RtResult};
use crate::ops::equals;
use crate::value::{NyStr, Value};

pub fn char_len(s: &NyStr) -> usize {
    if s.is_ascii() {
        s.as_str().len()
    } else {
        s.as_str().chars().count()
    }
}

/// Byte offset of character `i` (clamped to the end).
fn byte_at(s: &NyStr, i: usize) -> usize {
    if s.is_ascii() {
        return i.min(s.as_str().len());
    }
    s.as_str().char_indices().nth(i).map_or(s.as_str().len(), |(b, _)| b)
}

fn char_index(s: &str, byte: usize) -> i64 {
    s[..byte].chars().count() as i64
}

pub fn clamp_index(i: i64, len: usize) -> usize {
    i.clamp(0, len as i64) as usize
}

type C<'a> = Call<'a, NyStr>;

fn text<'a>(c: &'a C) -> &'a str {
    c.this.as_str()
}

fn substring(c: &C) -> RtResult {
    let len = char_len(c.this);
    let (start, end) = (clamp_index(c.args.int(0)?, len), clamp_index(c.args.int(1)?, len));
    if start >= end {
        return Ok(Value::str(""));
    }
    Ok(Value::str(&text(c)[byte_at(c.this, start)..byte_at(c.this, end)]))
}

fn char_at(c: &C) -> RtResult {
    let i = c.args.int(0)?;
    let len = char_len(c.this);
    if i < 0 || i as usize >= len {
        return err(format!("Index out of range: {i} (length {len})"));
    }
    let start = byte_at(c.this, i as usize);
    let ch = text(c)[start..].chars().next().unwrap_or(' ');
    Ok(Value::str(ch.to_string()))
}

fn index_of(c: &C) -> RtResult {
    let needle = c.args.text(0)?;
    Ok(Value::Int(text(c).find(&needle).map_or(-1, |b| char_index(text(c), b))))
}

fn last_index_of(c: &C) -> RtResult {
    let needle = c.args.text(0)?;
    Ok(Value::Int(text(c).rfind(&needle).map_or(-1, |b| char_index(text(c), b))))
}

fn replace(c: &C) -> RtResult {
    let (from, to) = (c.args.text(0)?, c.args.text(1)?);
    if from.is_empty() {
        return Ok(c.recv.clone());
    }
    Ok(Value::str(text(c).replace(&from, &to)))
}

fn split(c: &C) -> RtResult {
    let sep = c.args.text(0)?;
    let parts: Vec<Value> = if sep.is_empty() {
        text(c).chars().map(|ch| Value::str(ch.to_string())).collect()
    } else {
        text(c).split(sep.as_str()).map(Value::str).collect()
    };
    Ok(new_array(parts))
}

/// A predicate on the text and the first argument's string form.
fn test(c: &C, f: fn(&str, &str) -> bool) -> RtResult {
    Ok(Value::Bool(f(text(c), &c.args.text(0)?)))
}

pub static METHODS: &[Method<NyStr>] = &[
    Method { name: "length", aliases: &["len", "size"], arity: 0, run: |c| Ok(Value::Int(char_len(c.this) as i64)) },
    Method { name: "substring", aliases: &[], arity: 2, run: substring },
    Method { name: "get", aliases: &["charAt"], arity: 1, run: char_at },
    Method { name: "indexOf", aliases: &["find"], arity: 1, run: index_of },
    Method { name: "lastIndexOf", aliases: &[], arity: 1, run: last_index_of },
    Method { name: "contains", aliases: &[], arity: 1, run: |c| test(c, |s, x| s.contains(x)) },
    Method { name: "startsWith", aliases: &[], arity: 1, run: |c| test(c, |s, x| s.starts_with(x)) },
    Method { name: "endsWith", aliases: &[], arity: 1, run: |c| test(c, |s, x| s.ends_with(x)) },
    Method { name: "equals", aliases: &[], arity: 1, run: |c| Ok(Value::Bool(equals(c.recv, c.args.get(0)))) },
    Method { name: "isEmpty", aliases: &[], arity: 0, run: |c| Ok(Value::Bool(text(c).is_empty())) },
    Method { name: "replace", aliases: &[], arity: 2, run: replace },
    Method { name: "split", aliases: &[], arity: 1, run: split },
    Method { name: "trim", aliases: &[], arity: 0, run: |c| Ok(Value::str(text(c).trim())) },
    Method { name: "toUpper", aliases: &["toUpperCase"], arity: 0, run: |c| Ok(Value::str(text(c).to_uppercase())) },
    Method { name: "toLower", aliases: &["toLowerCase"], arity: 0, run: |c| Ok(Value::str(text(c).to_lowercase())) },
    Method { name: "toInteger", aliases: &[], arity: 0, run: |c| Ok(Value::Int(text(c).trim().parse().unwrap_or(0))) },
    Method {
        name: "toFloat",
        aliases: &[],
        arity: 0,
        run: |c| Ok(Value::Float(text(c).trim().parse().unwrap_or(0.0))),
    },
    Method {
        name: "concat",
        aliases: &[],
        arity: 1,
        run: |c| Ok(Value::str(format!("{}{}", text(c), c.args.text(0)?))),
    },
    Method { name: "toString", aliases: &[], arity: 0, run: |c| Ok(c.recv.clone()) },
];
