//! RegexBox: a compiled regular expression (the `regex` crate's syntax), searched and
//! replaced over text. It holds no text of its own, so every method takes the text.

use super::{new_array, Args, Call, Method};
use crate::error::{err, RtResult};
use crate::object::{new_obj, Obj};
use crate::value::Value;
use regex::Regex;

type C<'a> = Call<'a, Regex>;

/// `new RegexBox(pattern)`; a pattern that does not compile is a runtime error.
pub fn construct(a: &Args) -> RtResult {
    let pattern = a.text(0)?;
    match Regex::new(&pattern) {
        Ok(re) => Ok(new_obj(Obj::Regex(re))),
        Err(e) => err(format!("Invalid regex pattern '{pattern}': {}", what_is_wrong(&e.to_string()))),
    }
}

/// The regex crate's messages draw the pattern over several lines; a runtime error is
/// one line, so keep the last one, which says what is wrong.
fn what_is_wrong(message: &str) -> &str {
    let last = message.lines().rev().find(|l| !l.trim().is_empty()).map_or(message, str::trim);
    last.strip_prefix("error: ").unwrap_or(last)
}

fn strings<'a>(parts: impl Iterator<Item = &'a str>) -> Value {
    new_array(parts.map(Value::str).collect())
}

pub static METHODS: &[Method<Regex>] = &[
    Method {
        name: "test",
        aliases: &["isMatch"],
        arity: 1,
        run: |c| Ok(Value::Bool(c.this.is_match(&c.args.text(0)?))),
    },
    Method {
        name: "find",
        aliases: &[],
        arity: 1,
        run: |c| Ok(c.this.find(&c.args.text(0)?).map_or(Value::Null, |m| Value::str(m.as_str()))),
    },
    Method {
        name: "findAll",
        aliases: &[],
        arity: 1,
        run: |c: &C| Ok(strings(c.this.find_iter(&c.args.text(0)?).map(|m| m.as_str()))),
    },
    Method {
        name: "replace",
        aliases: &["replaceAll"],
        arity: 2,
        run: |c| Ok(Value::str(c.this.replace_all(&c.args.text(0)?, c.args.text(1)?.as_str()).into_owned())),
    },
    Method { name: "split", aliases: &[], arity: 1, run: |c: &C| Ok(strings(c.this.split(&c.args.text(0)?))) },
    Method { name: "pattern", aliases: &[], arity: 0, run: |c| Ok(Value::str(c.this.as_str())) },
];
