//! The hot builtin methods: calls that the VM and compiled code send straight to their
//! function when the receiver is a builtin box that has them, without dispatch. The
//! compiler marks a call site [`Hot`] by its method name and argument count; at run time
//! any other receiver (a user box may define `get` too) takes the ordinary BoxCall path,
//! so the fast path changes no behaviour, errors included.

use super::{array, map, string};
use crate::error::RtResult;
use crate::object::Obj;
use crate::value::Value;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
#[repr(u32)]
pub enum Hot {
    /// `get(i)`: ArrayBox (an Integer index), MapBox.
    Get,
    /// `set(i, v)`: ArrayBox (an Integer index), MapBox.
    Set,
    /// `length()`: ArrayBox, StringBox.
    Length,
    /// `push(v)`: ArrayBox.
    Push,
    /// `has(k)`: MapBox.
    Has,
}

/// Every hot method with its name and argument count.
const ALL: [(Hot, &str, usize); 5] = [
    (Hot::Get, "get", 1),
    (Hot::Set, "set", 2),
    (Hot::Length, "length", 0),
    (Hot::Push, "push", 1),
    (Hot::Has, "has", 1),
];

impl Hot {
    /// The hot method a call site of `method` with `args` arguments is, if any.
    pub fn of(method: &str, args: usize) -> Option<Hot> {
        ALL.iter().find(|(_, m, n)| *m == method && *n == args).map(|h| h.0)
    }

    /// The number compiled code passes for this method.
    pub fn code(self) -> u32 {
        self as u32
    }

    /// The method a number from compiled code stands for; `None` for a number that is
    /// none (a compiler bug, which then takes the ordinary path).
    pub fn from_code(code: u32) -> Option<Hot> {
        ALL.get(code as usize).map(|h| h.0)
    }
}

/// Run the hot method on `recv` if `recv` is a box that has it and the arguments need no
/// conversion; `None` sends the call down the ordinary path.
pub fn try_call(hot: Hot, recv: &Value, args: &[&Value]) -> Option<RtResult> {
    let obj = match recv {
        Value::Str(s) if hot == Hot::Length => return Some(Ok(Value::Int(string::char_len(s) as i64))),
        Value::Obj(o) => &**o,
        _ => return None,
    };
    Some(match (hot, obj, args) {
        (Hot::Get, Obj::Array(items), [Value::Int(i)]) => Ok(array::get(items, *i)),
        (Hot::Set, Obj::Array(items), [Value::Int(i), v]) => array::set(items, *i, (*v).clone()),
        (Hot::Length, Obj::Array(items), []) => Ok(array::length(items)),
        (Hot::Push, Obj::Array(items), [v]) => Ok(array::push(items, (*v).clone())),
        (Hot::Get, Obj::Map(m), [k]) => Ok(map::get(m, k)),
        (Hot::Set, Obj::Map(m), [k, v]) => Ok(map::set(m, (*k).clone(), (*v).clone())),
        (Hot::Has, Obj::Map(m), [k]) => Ok(map::has(m, k)),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for (hot, name, args) in ALL {
            assert_eq!(Hot::from_code(hot.code()), Some(hot));
            assert_eq!(Hot::of(name, args), Some(hot));
        }
        assert_eq!(Hot::from_code(ALL.len() as u32), None);
        assert_eq!(Hot::of("get", 2), None);
    }
}
