//! MapBox storage: insertion ordered, keyed by value.

use crate::value::Value;
use indexmap::IndexMap;

/// A key as the map hashes it. Numbers that are equal (`5` and `5.0`) are one key, as
/// `==` says; boxes other than strings are keys by identity.
#[derive(Hash, PartialEq, Eq)]
enum Key {
    Void,
    Int(i64),
    Float(u64),
    Str(Box<str>),
    Bool(bool),
    Ref(usize),
}

fn key_of(v: &Value) -> Key {
    match v {
        Value::Void | Value::Null => Key::Void,
        Value::Int(n) => Key::Int(*n),
        Value::Float(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => Key::Int(*f as i64),
        Value::Float(f) => Key::Float(f.to_bits()),
        Value::Str(s) => Key::Str(s.as_str().into()),
        Value::Bool(b) => Key::Bool(*b),
        Value::Obj(o) => Key::Ref(o.addr()),
    }
}

#[derive(Default)]
pub struct NyMap {
    entries: IndexMap<Key, (Value, Value)>,
}

impl Drop for NyMap {
    fn drop(&mut self) {
        crate::release::release(self.entries.drain(..).flat_map(|(_, (k, v))| [k, v]).collect());
    }
}

impl NyMap {
    pub fn set(&mut self, k: Value, v: Value) -> Option<(Value, Value)> {
        let key = key_of(&k);
        match self.entries.get_mut(&key) {
            // Overwriting keeps the entry's position.
            Some(slot) => Some((std::mem::replace(&mut slot.0, k), std::mem::replace(&mut slot.1, v))),
            None => {
                self.entries.insert(key, (k, v));
                None
            }
        }
    }
    pub fn get(&self, k: &Value) -> Option<Value> {
        self.entries.get(&key_of(k)).map(|(_, v)| v.clone())
    }
    pub fn has(&self, k: &Value) -> bool {
        self.entries.contains_key(&key_of(k))
    }
    pub fn delete(&mut self, k: &Value) -> Option<(Value, Value)> {
        self.entries.shift_remove(&key_of(k))
    }
    pub fn len(&self) -> usize {
        self.entries.len()
    }
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
    pub fn clear(&mut self) -> Vec<(Value, Value)> {
        self.entries.drain(..).map(|(_, kv)| kv).collect()
    }
    pub fn entries(&self) -> Vec<(Value, Value)> {
        self.entries.values().cloned().collect()
    }
    /// The value under the same key as `key` (of another map), without cloning.
    pub fn value_like(&self, key: &Value) -> Option<&Value> {
        self.entries.get(&key_of(key)).map(|(_, v)| v)
    }
    pub fn iter(&self) -> impl Iterator<Item = &(Value, Value)> {
        self.entries.values()
    }
}
