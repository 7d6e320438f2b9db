//! The value word shared by the VM, the JIT and native executables.
//!
//! A `Value` is 16 bytes with a defined layout, two whole words: the tag is the first
//! (`repr(u64)`: only its low byte is ever non-zero) and every payload, a Bool's too, is
//! the second. Compiled code tests the tag and reads an integer without calling into the
//! runtime, and Rust moves a value as two word copies: with a byte tag and a Bool beside
//! it, the bytes between were copied piecewise, and each move through memory stalled on
//! store forwarding. Integers, floats, bools, null and void are unboxed; strings and every
//! other box live on the heap behind a non-atomic reference count with a header the
//! runtime owns (`rc::Ref`): Nyash programs are single-threaded, so atomics would only
//! cost time.

use crate::object::{Obj, STRING_CLASS};
use crate::rc::Ref;

/// The tag byte of each kind of value, for compiled code (the discriminants below).
pub mod tag {
    pub const VOID: u8 = 0;
    pub const NULL: u8 = 1;
    pub const BOOL: u8 = 2;
    pub const INT: u8 = 3;
    pub const FLOAT: u8 = 4;
    pub const STR: u8 = 5;
    pub const OBJ: u8 = 6;
    /// Tags at or above this hold a reference.
    pub const FIRST_HEAP: u8 = STR;
}

/// A value's size, and where its payload sits (the tag is the first word; a Bool is the
/// low byte of the payload word).
pub const SLOT_BYTES: i32 = 16;
pub const PAYLOAD_OFFSET: i32 = 8;

#[repr(u64)]
#[derive(Clone, Default)]
pub enum Value {
    #[default]
    Void = tag::VOID as u64,
    Null = tag::NULL as u64,
    Bool(bool) = tag::BOOL as u64,
    Int(i64) = tag::INT as u64,
    Float(f64) = tag::FLOAT as u64,
    Str(Ref<NyStr>) = tag::STR as u64,
    Obj(Ref<Obj>) = tag::OBJ as u64,
}

/// An immutable string. Nyash indexes strings by characters; remembering whether the text
/// is ASCII makes those operations O(1) in the common case.
pub struct NyStr {
    text: Box<str>,
    ascii: bool,
}

impl crate::rc::Body for NyStr {}

impl NyStr {
    pub fn as_str(&self) -> &str {
        &self.text
    }
    pub fn is_ascii(&self) -> bool {
        self.ascii
    }
}

impl Value {
    pub fn str(s: impl Into<Box<str>>) -> Value {
        let text = s.into();
        let ascii = text.is_ascii();
        Value::str_of(text, ascii)
    }

    /// A string whose ASCII-ness the caller knows (a concatenation knows it from its
    /// parts' without scanning the whole result again).
    pub fn str_of(text: Box<str>, ascii: bool) -> Value {
        debug_assert_eq!(text.is_ascii(), ascii);
        Value::Str(Ref::new(STRING_CLASS, NyStr { text, ascii }))
    }

    pub fn obj(o: Obj) -> Value {
        Value::Obj(Ref::new(o.class_id(), o))
    }

    /// The box kind's name, as error messages show it.
    pub fn type_name(&self) -> String {
        match self {
            Value::Void => "void".into(),
            Value::Null => "null".into(),
            Value::Bool(_) => "BoolBox".into(),
            Value::Int(_) => "IntegerBox".into(),
            Value::Float(_) => "FloatBox".into(),
            Value::Str(_) => "StringBox".into(),
            Value::Obj(o) => o.type_name(),
        }
    }

    /// Truthiness, as `if`, `loop`, `not`, `and` and `or` see it.
    pub fn truthy(&self) -> bool {
        match self {
            Value::Void | Value::Null => false,
            Value::Bool(b) => *b,
            Value::Int(n) => *n != 0,
            Value::Float(f) => *f != 0.0,
            Value::Str(s) => !s.as_str().is_empty(),
            Value::Obj(_) => true,
        }
    }

    /// Does this value hold a reference (so that overwriting it must release something)?
    #[inline(always)]
    pub fn is_heap(&self) -> bool {
        matches!(self, Value::Str(_) | Value::Obj(_))
    }

    /// Does dropping this value free a box (so that its release may run user code)?
    pub fn is_last_reference(&self) -> bool {
        match self {
            Value::Str(s) => s.is_last(),
            Value::Obj(o) => o.is_last(),
            _ => false,
        }
    }

    /// Overwrite a slot, skipping the release when the old value holds no reference.
    #[inline(always)]
    pub fn replace_in(slot: &mut Value, value: Value) {
        if slot.is_heap() {
            *slot = value;
        } else {
            // SAFETY: the old value owns nothing, so not dropping it leaks nothing.
            unsafe { std::ptr::write(slot, value) }
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Str(s) => Some(s.as_str()),
            _ => None,
        }
    }
}

/// Float string form: Rust's shortest round-trip `{}`, with `inf`/`-inf`/`NaN`.
pub fn format_float(f: f64) -> String {
    format!("{f}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn value_word_is_sixteen_bytes_with_tag_first() {
        assert_eq!(std::mem::size_of::<Value>(), SLOT_BYTES as usize);
        let v = Value::Int(-5);
        let words: [u64; 2] = unsafe { std::mem::transmute(v) };
        assert_eq!(words[0], tag::INT as u64);
        assert_eq!(words[1] as i64, -5);
    }

    /// Compiled code reads these offsets directly (see the codegen's value access).
    #[test]
    fn payload_offsets() {
        fn bytes(v: Value) -> [u8; 16] {
            unsafe { std::mem::transmute(v) }
        }
        let t = bytes(Value::Bool(true));
        assert_eq!((t[0], t[PAYLOAD_OFFSET as usize]), (tag::BOOL, 1));
        assert_eq!(t[1..8], [0; 7], "the tag word is the tag alone");
        let f = bytes(Value::Float(1.5));
        assert_eq!(f[0], tag::FLOAT);
        let payload = PAYLOAD_OFFSET as usize;
        assert_eq!(f64::from_le_bytes(f[payload..payload + 8].try_into().unwrap()), 1.5);
        assert_eq!(bytes(Value::str("s"))[0], tag::STR);
        assert_eq!(bytes(Value::obj(Obj::Console))[0], tag::OBJ);
        // A zeroed slot is void: compiled frames start zeroed.
        let zero: Value = unsafe { std::mem::zeroed() };
        assert!(matches!(zero, Value::Void));
    }

    /// Compiled code counts references inline: a string's or box's payload points at the
    /// reference count (the header's first word, see `rc`).
    #[test]
    fn payload_points_at_the_strong_count() {
        fn strong_behind_payload(v: &Value) -> usize {
            let words: &[usize; 2] = unsafe { &*(v as *const Value as *const [usize; 2]) };
            unsafe { *(words[1] as *const usize) }
        }
        for v in [Value::str("text"), Value::obj(Obj::Console)] {
            assert_eq!(strong_behind_payload(&v), 1);
            let copies = [v.clone(), v.clone()];
            assert_eq!(strong_behind_payload(&v), 3);
            drop(copies);
            assert_eq!(strong_behind_payload(&v), 1);
        }
    }

    #[test]
    fn float_forms() {
        assert_eq!(format_float(3.0), "3");
        assert_eq!(format_float(0.1 + 0.2), "0.30000000000000004");
        assert_eq!(format_float(1e21), "1000000000000000000000");
        assert_eq!(format_float(f64::NEG_INFINITY), "-inf");
    }
}
