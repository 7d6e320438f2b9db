//! Builtin boxes: one file per box, each a table of methods.
//!
//! A method is a row: its name, its aliases, its arity and the function that runs it on
//! the box's typed contents ([`Method`]). A call finds its row by the method's symbol id
//! through a per-thread index that learns each (box kind, symbol) pair once, so the call
//! path does no string matching and allocates nothing; the arity check and the "Unknown
//! method" error come from the table, in that order (a method that does not exist is
//! unknown whatever the argument count).
//!
//! Adding a method is one row in its box's file; adding a box is one file, one
//! [`Kind`], one arm in [`call`] and, if it can be made with `new`, one constructor row.

mod array;
mod buffer;
mod console;
mod debug;
mod error;
pub mod hot;
pub mod json;
mod map;
mod math;
mod number;
pub mod nyashstd;
mod random;
mod regexp;
mod stream;
mod string;
mod system;

use crate::class::{sym_name, Sym};
use crate::error::{err, Exception, RtResult};
use crate::object::{new_obj, Obj};
use crate::ops::display;
use crate::value::Value;
use std::cell::RefCell;

pub use array::new_array;
pub use nyashstd::Namespace;
pub use stream::Stream;

/// One method of a builtin box whose contents are a `T`.
pub struct Method<T: ?Sized + 'static> {
    pub name: &'static str,
    pub aliases: &'static [&'static str],
    /// Arguments, not counting the receiver.
    pub arity: usize,
    pub run: fn(&Call<T>) -> RtResult,
}

impl<T: ?Sized> Method<T> {
    fn answers_to(&self, name: &str) -> bool {
        self.name == name || self.aliases.contains(&name)
    }

    fn signature(&self) -> Signature {
        Signature { name: self.name, aliases: self.aliases, arity: self.arity }
    }
}

/// A method call as its function sees it: the box's contents, the receiver itself, and
/// the arguments (already checked against the arity).
pub struct Call<'a, T: ?Sized> {
    pub this: &'a T,
    pub recv: &'a Value,
    pub args: Args<'a>,
}

/// A builtin call's arguments, with the conversions every method needs. Error messages
/// name the box and the method as the program called it.
pub struct Args<'a> {
    pub owner: &'a str,
    pub method: Sym,
    pub values: &'a [Value],
}

impl Args<'_> {
    pub fn get(&self, i: usize) -> &Value {
        &self.values[i]
    }

    pub fn int(&self, i: usize) -> RtResult<i64> {
        match &self.values[i] {
            Value::Int(n) => Ok(*n),
            Value::Float(f) => Ok(*f as i64),
            other => self.expected("an integer", other),
        }
    }

    pub fn num(&self, i: usize) -> RtResult<f64> {
        match &self.values[i] {
            Value::Int(n) => Ok(*n as f64),
            Value::Float(f) => Ok(*f),
            other => self.expected("a number", other),
        }
    }

    pub fn text(&self, i: usize) -> RtResult<String> {
        display(&self.values[i])
    }

    fn expected<T>(&self, what: &str, got: &Value) -> RtResult<T> {
        err(format!("{} expects {what}, got {}", self.describe(), got.type_name()))
    }

    /// "Method 'm' of Box", as error messages begin.
    fn describe(&self) -> String {
        format!("Method '{}' of {}", sym_name(self.method), self.owner)
    }
}

/// The kinds of builtin box a method call can reach, each with its own table.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
#[repr(u8)]
pub enum Kind {
    Integer,
    Float,
    Bool,
    String,
    Array,
    Map,
    Console,
    Math,
    Debug,
    Error,
    Time,
    Random,
    File,
    Json,
    Regex,
    Buffer,
    Stream,
    StdString,
    StdInteger,
    StdBool,
    StdArray,
    /// Boxes with no methods of their own but `toString` (futures, user instances reached
    /// as builtin receivers).
    Plain,
}

const KINDS: usize = Kind::Plain as usize + 1;

/// Rows of the [`Kind::Plain`] table (and the `toString` every box has).
static PLAIN: &[Method<Value>] =
    &[Method { name: "toString", aliases: &[], arity: 0, run: |c| Ok(Value::str(display(c.recv)?)) }];

/// Row sentinels in the symbol index.
const UNRESOLVED: u16 = u16::MAX;
const ABSENT: u16 = u16::MAX - 1;

thread_local! {
    /// For each symbol, its row in each kind's table (or `ABSENT`), learnt on first use.
    static INDEX: RefCell<Vec<[u16; KINDS]>> = const { RefCell::new(Vec::new()) };
}

/// The row of `method` in the table `rows` of `kind`: a load once the pair has been seen.
fn row<T: ?Sized>(kind: Kind, rows: &'static [Method<T>], method: Sym) -> Option<&'static Method<T>> {
    let known = INDEX.with(|index| index.borrow().get(method as usize).map(|r| r[kind as usize]));
    let found = match known {
        Some(r) if r != UNRESOLVED => r,
        _ => {
            let name = sym_name(method);
            let r = rows.iter().position(|m| m.answers_to(&name)).map_or(ABSENT, |r| r as u16);
            INDEX.with(|index| {
                let mut index = index.borrow_mut();
                if index.len() <= method as usize {
                    index.resize(method as usize + 1, [UNRESOLVED; KINDS]);
                }
                index[method as usize][kind as usize] = r;
            });
            r
        }
    };
    rows.get(found as usize)
}

/// Run `method` of a box of `kind` whose contents are `this`.
fn run<T: ?Sized>(
    kind: Kind,
    owner: &str,
    rows: &'static [Method<T>],
    this: &T,
    recv: &Value,
    method: Sym,
    values: &[Value],
) -> RtResult {
    let Some(m) = row(kind, rows, method) else {
        if method == crate::class::SYM_TO_STRING && kind != Kind::Plain {
            return run(Kind::Plain, owner, PLAIN, recv, recv, method, values);
        }
        return Err(unknown_method(&sym_name(method), owner));
    };
    if values.len() != m.arity {
        return Err(wrong_arity(owner, &sym_name(method), values.len(), m.arity));
    }
    (m.run)(&Call { this, recv, args: Args { owner, method, values } })
}

/// Run a builtin method on a value that is not a user instance.
pub fn call(recv: &Value, method: Sym, args: &[Value]) -> RtResult {
    call_as(recv, method, args, None)
}

/// Run a builtin method; errors name `owner` if given (the user box whose instance
/// forwarded the call to its inner value) rather than the builtin box.
pub fn call_as(recv: &Value, method: Sym, args: &[Value], owner: Option<&str>) -> RtResult {
    macro_rules! on {
        ($kind:ident, $owner:expr, $table:expr, $this:expr) => {
            run(Kind::$kind, owner.unwrap_or($owner), $table, $this, recv, method, args)
        };
    }
    match recv {
        Value::Int(n) => on!(Integer, "IntegerBox", number::INT, n),
        Value::Float(f) => on!(Float, "FloatBox", number::FLOAT, f),
        Value::Bool(b) => on!(Bool, "BoolBox", number::BOOL, b),
        Value::Str(s) => on!(String, "StringBox", string::METHODS, &**s),
        Value::Null | Value::Void => err(format!("Cannot call method '{}' on {}", sym_name(method), recv.type_name())),
        Value::Obj(o) => match &**o {
            Obj::Array(items) => on!(Array, "ArrayBox", array::METHODS, items),
            Obj::Map(entries) => on!(Map, "MapBox", map::METHODS, entries),
            Obj::Console => on!(Console, "ConsoleBox", console::METHODS, &()),
            Obj::Math => on!(Math, "MathBox", math::METHODS, &()),
            Obj::Debug => on!(Debug, "DebugBox", debug::METHODS, &()),
            Obj::Error(e) => on!(Error, "ErrorBox", error::METHODS, e),
            Obj::Time(start) => on!(Time, "TimeBox", system::TIME, start),
            Obj::Random(state) => on!(Random, "RandomBox", random::METHODS, state),
            Obj::File(path) => on!(File, "FileBox", system::FILE, path.as_str()),
            Obj::Json(doc) => on!(Json, "JSONBox", json::METHODS, doc),
            Obj::Regex(re) => on!(Regex, "RegexBox", regexp::METHODS, re),
            Obj::Buffer(bytes) => on!(Buffer, "BufferBox", buffer::METHODS, bytes),
            Obj::Stream(stream) => on!(Stream, "StreamBox", stream::METHODS, stream),
            Obj::Std(Namespace::String) => on!(StdString, "string", nyashstd::STRING, &()),
            Obj::Std(Namespace::Integer) => on!(StdInteger, "integer", nyashstd::INTEGER, &()),
            Obj::Std(Namespace::Bool) => on!(StdBool, "bool", nyashstd::BOOL, &()),
            Obj::Std(Namespace::Array) => on!(StdArray, "array", nyashstd::ARRAY, &()),
            Obj::Instance(_) | Obj::Future(_) | Obj::Caught(_) => on!(Plain, &o.type_name(), PLAIN, recv),
        },
    }
}

/// A method as the compiler checks it, whatever the contents of its box.
pub struct Signature {
    pub name: &'static str,
    pub aliases: &'static [&'static str],
    pub arity: usize,
}

impl Signature {
    fn of<T: ?Sized>(rows: &'static [Method<T>]) -> Vec<Signature> {
        let plain = PLAIN.iter().filter(|p| !rows.iter().any(|m| m.answers_to(p.name)));
        rows.iter().map(Method::signature).chain(plain.map(Method::signature)).collect()
    }

    pub fn answers_to(&self, name: &str) -> bool {
        self.name == name || self.aliases.contains(&name)
    }
}

/// The methods of the builtin box called `box_name` (the table [`call`] uses for it), or
/// `None` if there is no such box.
pub fn signatures(box_name: &str) -> Option<Vec<Signature>> {
    Some(match box_name {
        "IntegerBox" => Signature::of(number::INT),
        "FloatBox" => Signature::of(number::FLOAT),
        "BoolBox" => Signature::of(number::BOOL),
        "StringBox" => Signature::of(string::METHODS),
        "ArrayBox" => Signature::of(array::METHODS),
        "MapBox" => Signature::of(map::METHODS),
        "ConsoleBox" => Signature::of(console::METHODS),
        "MathBox" => Signature::of(math::METHODS),
        "DebugBox" => Signature::of(debug::METHODS),
        "ErrorBox" => Signature::of(error::METHODS),
        "TimeBox" => Signature::of(system::TIME),
        "RandomBox" => Signature::of(random::METHODS),
        "FileBox" => Signature::of(system::FILE),
        "JSONBox" => Signature::of(json::METHODS),
        "RegexBox" => Signature::of(regexp::METHODS),
        "BufferBox" => Signature::of(buffer::METHODS),
        "StreamBox" => Signature::of(stream::METHODS),
        "nyashstd.string" => Signature::of(nyashstd::STRING),
        "nyashstd.integer" => Signature::of(nyashstd::INTEGER),
        "nyashstd.bool" => Signature::of(nyashstd::BOOL),
        "nyashstd.array" => Signature::of(nyashstd::ARRAY),
        "NullBox" => Vec::new(),
        _ => return None,
    })
}

pub fn unknown_method(method: &str, type_name: &str) -> Exception {
    Exception::runtime(format!("Unknown method '{method}' for {type_name}"))
}

pub fn wrong_arity(owner: &str, method: &str, given: usize, want: usize) -> Exception {
    Exception::runtime(arity_message(owner, method, given, want))
}

/// The one wording of a wrong argument count, at compile time and at run time.
pub fn arity_message(owner: &str, method: &str, given: usize, want: usize) -> String {
    format!("Method '{method}' of {owner} takes {}, {given} given", arguments(want))
}

/// "1 argument", "2 arguments".
pub fn arguments(n: usize) -> String {
    format!("{n} argument{}", if n == 1 { "" } else { "s" })
}

/// A constructor: `new Name(args)` of a builtin box.
struct Constructor {
    name: &'static str,
    make: fn(&Args) -> RtResult,
    /// Argument counts it accepts.
    arities: &'static [usize],
}

/// The value itself, or `default` with no argument (`new IntegerBox(5)` is 5).
fn first_or(a: &Args, default: Value) -> Value {
    a.values.first().cloned().unwrap_or(default)
}

static CONSTRUCTORS: &[Constructor] = &[
    Constructor { name: "ArrayBox", arities: &[0], make: |_| Ok(new_array(Vec::new())) },
    Constructor { name: "MapBox", arities: &[0], make: |_| Ok(new_obj(Obj::Map(Box::default()))) },
    Constructor { name: "ConsoleBox", arities: &[0], make: |_| Ok(new_obj(Obj::Console)) },
    Constructor { name: "MathBox", arities: &[0], make: |_| Ok(new_obj(Obj::Math)) },
    Constructor { name: "DebugBox", arities: &[0], make: |_| Ok(new_obj(Obj::Debug)) },
    Constructor { name: "TimeBox", arities: &[0], make: |_| Ok(new_obj(Obj::Time(std::time::Instant::now()))) },
    Constructor { name: "RandomBox", arities: &[0, 1], make: random::construct },
    Constructor { name: "FileBox", arities: &[1], make: |a| Ok(new_obj(Obj::File(a.text(0)?))) },
    Constructor { name: "ErrorBox", arities: &[1], make: error::construct },
    Constructor { name: "IntegerBox", arities: &[0, 1], make: |a| Ok(first_or(a, Value::Int(0))) },
    Constructor { name: "FloatBox", arities: &[0, 1], make: |a| Ok(first_or(a, Value::Float(0.0))) },
    Constructor { name: "BoolBox", arities: &[0, 1], make: |a| Ok(first_or(a, Value::Bool(false))) },
    Constructor {
        name: "StringBox",
        arities: &[0, 1],
        make: |a| Ok(if a.values.is_empty() { Value::str("") } else { Value::str(a.text(0)?) }),
    },
    Constructor { name: "NullBox", arities: &[0], make: |_| Ok(Value::Null) },
    Constructor { name: "JSONBox", arities: &[1], make: |a| json::parse(&a.text(0)?) },
    Constructor { name: "RegexBox", arities: &[1], make: regexp::construct },
    Constructor { name: "BufferBox", arities: &[0], make: |_| Ok(buffer::new_buffer(Vec::new())) },
    Constructor { name: "StreamBox", arities: &[0], make: |_| Ok(new_obj(Obj::Stream(RefCell::default()))) },
    Constructor { name: "nyashstd.string", arities: &[0], make: |_| Ok(new_obj(Obj::Std(Namespace::String))) },
    Constructor { name: "nyashstd.integer", arities: &[0], make: |_| Ok(new_obj(Obj::Std(Namespace::Integer))) },
    Constructor { name: "nyashstd.bool", arities: &[0], make: |_| Ok(new_obj(Obj::Std(Namespace::Bool))) },
    Constructor { name: "nyashstd.array", arities: &[0], make: |_| Ok(new_obj(Obj::Std(Namespace::Array))) },
];

/// `new Name(args)` of a builtin box.
pub fn construct(name: &str, args: &[Value]) -> RtResult {
    let Some(c) = CONSTRUCTORS.iter().find(|c| c.name == name) else {
        return err(format!("unknown box `{name}`"));
    };
    if !c.arities.contains(&args.len()) {
        let want = *c.arities.last().unwrap_or(&0);
        return Err(wrong_arity(c.name, "birth", args.len(), want));
    }
    (c.make)(&Args { owner: c.name, method: crate::class::intern("birth"), values: args })
}

/// Is `name` a builtin box (for the compiler's checks)?
pub fn is_builtin_box(name: &str) -> bool {
    CONSTRUCTORS.iter().any(|c| c.name == name)
}

/// Can `new name()` make the builtin box `name` with no arguments? (A box delegating to
/// it then starts with such an inner value.)
pub fn constructs_without_arguments(name: &str) -> bool {
    CONSTRUCTORS.iter().any(|c| c.name == name && c.arities.contains(&0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::class::intern;

    #[test]
    fn unknown_methods_are_unknown_whatever_the_argument_count() {
        let e = call(&Value::Float(1.5), intern("frob"), &[Value::Int(1)]).err().unwrap();
        assert!(
            matches!(&e.value, Value::Obj(o) if matches!(&**o, Obj::Error(b) if b.message == "Unknown method 'frob' for FloatBox"))
        );
    }

    #[test]
    fn every_constructible_box_has_signatures() {
        for c in CONSTRUCTORS {
            assert!(signatures(c.name).is_some_and(|s| s.iter().all(|m| m.name != "birth")), "{}", c.name);
        }
        assert!(signatures("StringBox").unwrap().iter().any(|m| m.answers_to("len") && m.arity == 0));
    }

    #[test]
    fn aliases_reach_the_same_row() {
        let s = Value::str("héllo");
        for name in ["length", "len", "size"] {
            assert!(matches!(call(&s, intern(name), &[]), Ok(Value::Int(5))));
        }
    }
}
