//! JSONBox: a parsed JSON document, read and edited by key.
//!
//! Values cross the boundary converted: JSON scalars become Nyash values, arrays become
//! ArrayBoxes, objects become JSONBoxes (so `get` can be chained); going back, MapBoxes
//! and JSONBoxes become objects and ArrayBoxes arrays.

use super::{new_array, Call, Method};
use crate::error::{err, RtResult};
use crate::object::{new_obj, Obj};
use crate::ops::display;
use crate::value::Value;
use serde_json::Value as Json;
use std::cell::RefCell;

pub fn parse(text: &str) -> RtResult {
    match serde_json::from_str::<Json>(text) {
        Ok(doc) => Ok(new_obj(Obj::Json(Box::new(RefCell::new(doc))))),
        Err(e) => err(format!("JSON parse error: {e}")),
    }
}

pub fn to_nyash(j: &Json) -> Value {
    match j {
        Json::Null => Value::Null,
        Json::Bool(b) => Value::Bool(*b),
        Json::Number(n) => n.as_i64().map_or_else(|| Value::Float(n.as_f64().unwrap_or(f64::NAN)), Value::Int),
        Json::String(s) => Value::str(s.as_str()),
        Json::Array(items) => new_array(items.iter().map(to_nyash).collect()),
        Json::Object(_) => new_obj(Obj::Json(Box::new(RefCell::new(j.clone())))),
    }
}

pub fn from_nyash(v: &Value) -> RtResult<Json> {
    convert(v, &mut Vec::new())
}

/// `v` as JSON, inside the containers on `path` (JSON has no way to say that a container
/// contains itself: that is an error, as in JavaScript).
fn convert(v: &Value, path: &mut Vec<usize>) -> RtResult<Json> {
    Ok(match v {
        Value::Void | Value::Null => Json::Null,
        Value::Bool(b) => Json::Bool(*b),
        Value::Int(n) => Json::from(*n),
        Value::Float(f) => serde_json::Number::from_f64(*f).map_or(Json::Null, Json::Number),
        Value::Str(s) => Json::String(s.as_str().to_string()),
        Value::Obj(o) => match &**o {
            Obj::Json(doc) => doc.borrow().clone(),
            Obj::Array(_) | Obj::Map(_) if path.contains(&o.addr()) => {
                return err("Cannot convert a container that contains itself to JSON")
            }
            // Snapshots in statements of their own: the conversion may run user code
            // (`toString`), which may change the container.
            Obj::Array(items) => {
                let snapshot = items.borrow().clone();
                path.push(o.addr());
                let elements = snapshot.iter().map(|e| convert(e, path)).collect::<RtResult<Vec<_>>>()?;
                path.pop();
                Json::Array(elements)
            }
            Obj::Map(map) => {
                let mut object = serde_json::Map::new();
                let entries = map.borrow().entries();
                path.push(o.addr());
                for (k, val) in entries {
                    object.insert(display(&k)?, convert(&val, path)?);
                }
                path.pop();
                Json::Object(object)
            }
            _ => Json::String(display(v)?),
        },
    })
}

/// `doc[key]`: a member of an object, or an element of an array by index.
fn member<'j>(doc: &'j Json, key: &Value) -> RtResult<Option<&'j Json>> {
    Ok(match doc {
        Json::Array(items) => match key {
            Value::Int(i) if *i >= 0 => items.get(*i as usize),
            _ => None,
        },
        _ => doc.get(display(key)?),
    })
}

fn get(doc: &RefCell<Json>, key: &Value) -> RtResult {
    Ok(member(&doc.borrow(), key)?.map_or(Value::Void, to_nyash))
}

fn has(doc: &RefCell<Json>, key: &Value) -> RtResult {
    Ok(Value::Bool(member(&doc.borrow(), key)?.is_some()))
}

fn set(doc: &RefCell<Json>, key: &Value, value: &Value) -> RtResult {
    let (key, value) = (display(key)?, from_nyash(value)?);
    match &mut *doc.borrow_mut() {
        Json::Object(object) => {
            object.insert(key, value);
            Ok(Value::Void)
        }
        _ => err("JSONBox.set: the document is not an object"),
    }
}

fn keys(doc: &RefCell<Json>) -> Value {
    let keys = match &*doc.borrow() {
        Json::Object(object) => object.keys().map(|k| Value::str(k.as_str())).collect(),
        _ => Vec::new(),
    };
    new_array(keys)
}

fn stringify(doc: &RefCell<Json>) -> Value {
    Value::str(doc.borrow().to_string())
}

type Doc = RefCell<Json>;

pub static METHODS: &[Method<Doc>] = &[
    Method { name: "get", aliases: &[], arity: 1, run: |c: &Call<Doc>| get(c.this, c.args.get(0)) },
    Method { name: "has", aliases: &[], arity: 1, run: |c| has(c.this, c.args.get(0)) },
    Method { name: "set", aliases: &[], arity: 2, run: |c| set(c.this, c.args.get(0), c.args.get(1)) },
    Method { name: "keys", aliases: &[], arity: 0, run: |c| Ok(keys(c.this)) },
    Method { name: "stringify", aliases: &["toString"], arity: 0, run: |c| Ok(stringify(c.this)) },
];
