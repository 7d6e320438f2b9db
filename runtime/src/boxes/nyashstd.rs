//! `using nyashstd`: the namespaces `string`, `integer`, `bool` and `array`, each a table
//! of functions like a builtin box's (`console` is ConsoleBox itself). The compiler checks
//! a namespace call against its table and calls it on the namespace's box, so a call
//! goes through the same dispatch, arity check and error wording as any builtin method.
//!
//! The functions are those of the original Nyash standard library, plus `string.lower`
//! and `string.length`; unlike a method, a function insists on the kind of its argument
//! (`string.upper(5)` is an error, not "5").

use super::{new_array, Args, Call, Method};
use crate::error::{err, RtResult};
use crate::value::Value;

/// The namespaces and the builtin box each one calls.
pub const NAMESPACES: &[(&str, &str)] = &[
    ("string", "nyashstd.string"),
    ("integer", "nyashstd.integer"),
    ("bool", "nyashstd.bool"),
    ("array", "nyashstd.array"),
    ("console", "ConsoleBox"),
];

/// A namespace as a value: what `string.upper(s)` calls `upper` on.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Namespace {
    String,
    Integer,
    Bool,
    Array,
}

type C<'a> = Call<'a, ()>;

/// The argument itself if it is of the kind `check` accepts, else an error naming `what`.
fn only(a: &Args, what: &str, check: fn(&Value) -> bool) -> RtResult {
    let v = a.get(0);
    if check(v) {
        Ok(v.clone())
    } else {
        err(format!(
            "Function '{}.{}' expects {what}, got {}",
            a.owner,
            crate::class::sym_name(a.method),
            v.type_name()
        ))
    }
}

fn string(c: &C) -> RtResult<String> {
    only(&c.args, "a string", |v| matches!(v, Value::Str(_))).and_then(|v| crate::ops::display(&v))
}

pub static STRING: &[Method<()>] = &[
    Method { name: "create", aliases: &[], arity: 1, run: |c| Ok(Value::str(string(c)?)) },
    Method { name: "upper", aliases: &[], arity: 1, run: |c| Ok(Value::str(string(c)?.to_uppercase())) },
    Method { name: "lower", aliases: &[], arity: 1, run: |c| Ok(Value::str(string(c)?.to_lowercase())) },
    Method { name: "length", aliases: &[], arity: 1, run: |c| Ok(Value::Int(string(c)?.chars().count() as i64)) },
];

pub static INTEGER: &[Method<()>] = &[Method {
    name: "create",
    aliases: &[],
    arity: 1,
    run: |c| only(&c.args, "an integer", |v| matches!(v, Value::Int(_))),
}];

pub static BOOL: &[Method<()>] = &[Method {
    name: "create",
    aliases: &[],
    arity: 1,
    run: |c| only(&c.args, "a bool", |v| matches!(v, Value::Bool(_))),
}];

pub static ARRAY: &[Method<()>] =
    &[Method { name: "create", aliases: &[], arity: 0, run: |_| Ok(new_array(Vec::new())) }];
