//! Builtin boxes: their constructors and methods (LANGUAGE.md section 8), and BoxCall
//! dispatch for every receiver.

use crate::class::{self, sym_name, FuncId, Sym};
use crate::error::{err, Exception, RtResult};
use crate::io;
use crate::map::NyMap;
use crate::object::{finalise_now, new_obj, ErrorBox, Obj};
use crate::ops::{display, equals, sort_order};
use crate::value::{NyStr, Value};
use std::cell::{Cell, RefCell};

/// Where a method call goes.
pub enum Dispatch {
    /// A user method: call `func` with `me` followed by the arguments.
    User(FuncId),
    /// A builtin method, already done.
    Done(Value),
}

/// BoxCall: find `method` for `recv` and run it if it is builtin.
pub fn dispatch(recv: &Value, method: Sym, args: &[Value]) -> RtResult<Dispatch> {
    if let Value::Obj(o) = recv {
        if let Obj::Instance(inst) = &**o {
            if method == class::SYM_FINI && args.is_empty() {
                return finalise_now(recv).map(Dispatch::Done);
            }
            let found = class::with(inst.class, |c| c.methods.get(&method).copied());
            if let Some(m) = found {
                if args.len() != m.arity as usize {
                    check_arity(&class::name(inst.class), &sym_name(method), args, m.arity as usize)?;
                }
                return Ok(Dispatch::User(m.func));
            }
            let class = class::get(inst.class);
            let name = sym_name(method);
            let inner = inst.inner.borrow().clone();
            return match &*name {
                "toString" => Ok(Dispatch::Done(Value::str(display(recv)?))),
                _ if !matches!(inner, Value::Void) => call_builtin(&inner, &name, args).map(Dispatch::Done),
                _ => Err(unknown_method(&name, &class.name)),
            };
        }
    }
    call_builtin(recv, &sym_name(method), args).map(Dispatch::Done)
}

/// A whole method call: dispatch, then run the user method if that is where it goes
/// (`resolved` learns which, for callers that cache it).
pub fn box_call(recv: Value, method: Sym, args: Vec<Value>, resolved: impl FnOnce(FuncId)) -> RtResult {
    match dispatch(&recv, method, &args)? {
        Dispatch::Done(v) => Ok(v),
        Dispatch::User(func) => {
            resolved(func);
            let mut full = Vec::with_capacity(args.len() + 1);
            full.push(recv);
            full.extend(args);
            crate::hooks::call(func, full)
        }
    }
}

/// `new Name(args)` of a builtin box.
pub fn construct(name: &str, args: &[Value]) -> RtResult {
    new_builtin(name, args).unwrap_or_else(|| err(format!("unknown box `{name}`")))
}

pub fn unknown_method(method: &str, type_name: &str) -> Exception {
    Exception::runtime(format!("Unknown method '{method}' for {type_name}"))
}

pub fn check_arity(owner: &str, method: &str, args: &[Value], want: usize) -> RtResult<()> {
    if args.len() == want {
        return Ok(());
    }
    let plural = if want == 1 { "" } else { "s" };
    err(format!("Method '{method}' of {owner} takes {want} argument{plural}, {} given", args.len()))
}

/// Run a builtin method on a value that is not a user instance.
pub fn call_builtin(recv: &Value, method: &str, args: &[Value]) -> RtResult {
    let a = Args { owner: recv.type_name(), method, args };
    match recv {
        Value::Str(s) => string_method(s, &a),
        Value::Int(_) | Value::Float(_) | Value::Bool(_) => number_method(recv, &a),
        Value::Null | Value::Void => err(format!("Cannot call method '{method}' on {}", recv.type_name())),
        Value::Obj(o) => match &**o {
            Obj::Array(items) => array_method(recv, items, &a),
            Obj::Map(map) => map_method(recv, map, &a),
            Obj::Console => console_method(&a),
            Obj::Math => math_method(&a),
            Obj::Debug => debug_method(&a),
            Obj::Error(e) => error_method(recv, e, &a),
            Obj::Time(start) => time_method(start, &a),
            Obj::Random(state) => random_method(state, &a),
            Obj::File(path) => file_method(path, &a),
            Obj::Json(doc) => json_method(doc, &a),
            Obj::Instance(_) | Obj::Future(_) | Obj::Caught(_) => match method {
                "toString" => a.want(0).and_then(|_| Ok(Value::str(display(recv)?))),
                _ => Err(a.unknown()),
            },
        },
    }
}

/// A builtin call's arguments, with the checks every method needs.
struct Args<'a> {
    owner: String,
    method: &'a str,
    args: &'a [Value],
}

impl Args<'_> {
    fn want(&self, n: usize) -> RtResult<()> {
        check_arity(&self.owner, self.method, self.args, n)
    }
    fn unknown(&self) -> Exception {
        unknown_method(self.method, &self.owner)
    }
    fn int(&self, i: usize) -> RtResult<i64> {
        match &self.args[i] {
            Value::Int(n) => Ok(*n),
            Value::Float(f) => Ok(*f as i64),
            other => {
                err(format!("Method '{}' of {} expects an integer, got {}", self.method, self.owner, other.type_name()))
            }
        }
    }
    fn num(&self, i: usize) -> RtResult<f64> {
        match &self.args[i] {
            Value::Int(n) => Ok(*n as f64),
            Value::Float(f) => Ok(*f),
            other => {
                err(format!("Method '{}' of {} expects a number, got {}", self.method, self.owner, other.type_name()))
            }
        }
    }
    fn text(&self, i: usize) -> RtResult<String> {
        display(&self.args[i])
    }
}

fn char_len(s: &NyStr) -> usize {
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

fn clamp_index(i: i64, len: usize) -> usize {
    i.clamp(0, len as i64) as usize
}

fn string_method(s: &NyStr, a: &Args) -> RtResult {
    let text = s.as_str();
    let bool_of = |b: bool| Ok(Value::Bool(b));
    match a.method {
        "length" | "len" | "size" => a.want(0).map(|_| Value::Int(char_len(s) as i64)),
        "substring" => {
            a.want(2)?;
            let len = char_len(s);
            let (start, end) = (clamp_index(a.int(0)?, len), clamp_index(a.int(1)?, len));
            if start >= end {
                return Ok(Value::str(""));
            }
            Ok(Value::str(&text[byte_at(s, start)..byte_at(s, end)]))
        }
        "get" | "charAt" => {
            a.want(1)?;
            let i = a.int(0)?;
            if i < 0 || i as usize >= char_len(s) {
                return err(format!("Index out of range: {i} (length {})", char_len(s)));
            }
            let start = byte_at(s, i as usize);
            let c = text[start..].chars().next().unwrap_or(' ');
            Ok(Value::str(c.to_string()))
        }
        "indexOf" | "find" => {
            a.want(1)?;
            let needle = a.text(0)?;
            Ok(Value::Int(text.find(&needle).map_or(-1, |b| char_index(text, b))))
        }
        "lastIndexOf" => {
            a.want(1)?;
            let needle = a.text(0)?;
            Ok(Value::Int(text.rfind(&needle).map_or(-1, |b| char_index(text, b))))
        }
        "contains" => a.want(1).and_then(|_| bool_of(text.contains(&a.text(0)?))),
        "startsWith" => a.want(1).and_then(|_| bool_of(text.starts_with(&a.text(0)?))),
        "endsWith" => a.want(1).and_then(|_| bool_of(text.ends_with(&a.text(0)?))),
        "equals" => a.want(1).and_then(|_| bool_of(equals(&Value::str(text), &a.args[0]))),
        "isEmpty" => a.want(0).and_then(|_| bool_of(text.is_empty())),
        "replace" => {
            a.want(2)?;
            let (from, to) = (a.text(0)?, a.text(1)?);
            if from.is_empty() {
                return Ok(Value::str(text));
            }
            Ok(Value::str(text.replace(&from, &to)))
        }
        "split" => {
            a.want(1)?;
            let sep = a.text(0)?;
            let parts: Vec<Value> = if sep.is_empty() {
                text.chars().map(|c| Value::str(c.to_string())).collect()
            } else {
                text.split(sep.as_str()).map(Value::str).collect()
            };
            Ok(new_array(parts))
        }
        "trim" => a.want(0).map(|_| Value::str(text.trim())),
        "toUpper" | "toUpperCase" => a.want(0).map(|_| Value::str(text.to_uppercase())),
        "toLower" | "toLowerCase" => a.want(0).map(|_| Value::str(text.to_lowercase())),
        "toInteger" => a.want(0).map(|_| Value::Int(text.trim().parse().unwrap_or(0))),
        "toFloat" => a.want(0).map(|_| Value::Float(text.trim().parse().unwrap_or(0.0))),
        "concat" => a.want(1).and_then(|_| Ok(Value::str(format!("{text}{}", a.text(0)?)))),
        "toString" => a.want(0).map(|_| Value::str(text)),
        _ => Err(a.unknown()),
    }
}

fn number_method(v: &Value, a: &Args) -> RtResult {
    a.want(if matches!(a.method, "equals") { 1 } else { 0 })?;
    match (a.method, v) {
        ("toString", _) => Ok(Value::str(display(v)?)),
        ("equals", _) => Ok(Value::Bool(equals(v, &a.args[0]))),
        ("abs", Value::Int(n)) => Ok(Value::Int(n.wrapping_abs())),
        ("abs", Value::Float(f)) => Ok(Value::Float(f.abs())),
        ("toFloat", Value::Int(n)) => Ok(Value::Float(*n as f64)),
        ("toFloat", Value::Float(f)) => Ok(Value::Float(*f)),
        ("toFloat", Value::Bool(b)) => Ok(Value::Float(*b as i64 as f64)),
        ("toInteger", Value::Int(n)) => Ok(Value::Int(*n)),
        ("toInteger", Value::Float(f)) => Ok(Value::Int(*f as i64)),
        ("toInteger", Value::Bool(b)) => Ok(Value::Int(*b as i64)),
        ("floor", Value::Float(f)) => Ok(Value::Int(f.floor() as i64)),
        ("ceil", Value::Float(f)) => Ok(Value::Int(f.ceil() as i64)),
        ("round", Value::Float(f)) => Ok(Value::Int(f.round() as i64)),
        ("floor" | "ceil" | "round", Value::Int(n)) => Ok(Value::Int(*n)),
        ("sqrt", Value::Float(f)) => Ok(Value::Float(f.sqrt())),
        ("sqrt", Value::Int(n)) => Ok(Value::Float((*n as f64).sqrt())),
        _ => Err(a.unknown()),
    }
}

pub fn new_array(items: Vec<Value>) -> Value {
    new_obj(Obj::Array(RefCell::new(items)))
}

fn array_method(recv: &Value, items: &RefCell<Vec<Value>>, a: &Args) -> RtResult {
    let len = items.borrow().len();
    let index_error = |i: i64| err(format!("Index out of range: {i} (length {len})"));
    match a.method {
        "push" | "add" => {
            a.want(1)?;
            items.borrow_mut().push(a.args[0].clone());
            Ok(Value::Void)
        }
        "pop" => a.want(0).map(|_| items.borrow_mut().pop().unwrap_or(Value::Null)),
        "get" => {
            a.want(1)?;
            let i = a.int(0)?;
            Ok(if i < 0 { None } else { items.borrow().get(i as usize).cloned() }.unwrap_or(Value::Null))
        }
        "set" => {
            a.want(2)?;
            let i = a.int(0)?;
            if i < 0 || i as usize >= len {
                return index_error(i);
            }
            let old = std::mem::replace(&mut items.borrow_mut()[i as usize], a.args[1].clone());
            drop(old);
            Ok(Value::Void)
        }
        "length" | "size" | "len" => a.want(0).map(|_| Value::Int(len as i64)),
        "insert" => {
            a.want(2)?;
            let i = a.int(0)?;
            if i < 0 || i as usize > len {
                return index_error(i);
            }
            items.borrow_mut().insert(i as usize, a.args[1].clone());
            Ok(Value::Void)
        }
        "remove" => {
            a.want(1)?;
            let i = a.int(0)?;
            if i < 0 || i as usize >= len {
                return index_error(i);
            }
            let removed = items.borrow_mut().remove(i as usize);
            Ok(removed)
        }
        "indexOf" => {
            a.want(1)?;
            let pos = items.borrow().iter().position(|v| equals(v, &a.args[0]));
            Ok(Value::Int(pos.map_or(-1, |p| p as i64)))
        }
        "contains" => a.want(1).map(|_| Value::Bool(items.borrow().iter().any(|v| equals(v, &a.args[0])))),
        "clear" => {
            a.want(0)?;
            let old = std::mem::take(&mut *items.borrow_mut());
            drop(old);
            Ok(Value::Void)
        }
        "join" => {
            a.want(1)?;
            let sep = a.text(0)?;
            let snapshot = items.borrow().clone();
            let parts = snapshot.iter().map(display).collect::<RtResult<Vec<_>>>()?;
            Ok(Value::str(parts.join(&sep)))
        }
        "sort" => {
            a.want(0)?;
            items.borrow_mut().sort_by(sort_order);
            Ok(recv.clone())
        }
        "reverse" => {
            a.want(0)?;
            items.borrow_mut().reverse();
            Ok(recv.clone())
        }
        "slice" => {
            a.want(2)?;
            let (start, end) = (clamp_index(a.int(0)?, len), clamp_index(a.int(1)?, len));
            let part = if start < end { items.borrow()[start..end].to_vec() } else { Vec::new() };
            Ok(new_array(part))
        }
        "isEmpty" => a.want(0).map(|_| Value::Bool(len == 0)),
        "toString" => a.want(0).and_then(|_| Ok(Value::str(display(recv)?))),
        _ => Err(a.unknown()),
    }
}

fn map_method(recv: &Value, map: &RefCell<NyMap>, a: &Args) -> RtResult {
    match a.method {
        "set" | "put" => {
            a.want(2)?;
            let old = map.borrow_mut().set(a.args[0].clone(), a.args[1].clone());
            drop(old);
            Ok(Value::Void)
        }
        "get" => a.want(1).map(|_| map.borrow().get(&a.args[0]).unwrap_or(Value::Void)),
        "has" | "containsKey" => a.want(1).map(|_| Value::Bool(map.borrow().has(&a.args[0]))),
        "delete" | "remove" => {
            a.want(1)?;
            let old = map.borrow_mut().delete(&a.args[0]);
            Ok(old.map_or(Value::Void, |(_, v)| v))
        }
        "keys" => a.want(0).map(|_| new_array(map.borrow().entries().into_iter().map(|(k, _)| k).collect())),
        "values" => a.want(0).map(|_| new_array(map.borrow().entries().into_iter().map(|(_, v)| v).collect())),
        "size" | "length" => a.want(0).map(|_| Value::Int(map.borrow().len() as i64)),
        "clear" => {
            a.want(0)?;
            let old = map.borrow_mut().clear();
            drop(old);
            Ok(Value::Void)
        }
        "isEmpty" => a.want(0).map(|_| Value::Bool(map.borrow().is_empty())),
        "toString" => a.want(0).and_then(|_| Ok(Value::str(display(recv)?))),
        _ => Err(a.unknown()),
    }
}

fn console_method(a: &Args) -> RtResult {
    match a.method {
        "log" | "println" => {
            a.want(1)?;
            io::write_stdout(&(a.text(0)? + "\n"));
        }
        "print" => {
            a.want(1)?;
            io::write_stdout(&a.text(0)?);
        }
        "warn" | "error" => {
            a.want(1)?;
            io::write_stderr(&(a.text(0)? + "\n"));
        }
        "readLine" => {
            a.want(0)?;
            return Ok(io::read_line().map_or(Value::Null, Value::str));
        }
        _ => return Err(a.unknown()),
    }
    Ok(Value::Void)
}

fn math_method(a: &Args) -> RtResult {
    let unary = |f: fn(f64) -> f64| -> RtResult { a.want(1).and_then(|_| Ok(Value::Float(f(a.num(0)?)))) };
    let to_int = |f: fn(f64) -> f64| -> RtResult {
        a.want(1)?;
        match a.args[0] {
            Value::Int(n) => Ok(Value::Int(n)),
            _ => Ok(Value::Int(f(a.num(0)?) as i64)),
        }
    };
    match a.method {
        "abs" => {
            a.want(1)?;
            match a.args[0] {
                Value::Int(n) => Ok(Value::Int(n.wrapping_abs())),
                _ => Ok(Value::Float(a.num(0)?.abs())),
            }
        }
        "max" | "min" => {
            a.want(2)?;
            let (x, y) = (&a.args[0], &a.args[1]);
            a.num(0)?;
            a.num(1)?;
            let x_first = sort_order(x, y) != std::cmp::Ordering::Less;
            Ok(if x_first == (a.method == "max") { x.clone() } else { y.clone() })
        }
        "pow" => {
            a.want(2)?;
            match (&a.args[0], &a.args[1]) {
                (Value::Int(b), Value::Int(e)) if *e >= 0 => Ok(Value::Int(b.wrapping_pow(*e as u32))),
                _ => Ok(Value::Float(a.num(0)?.powf(a.num(1)?))),
            }
        }
        "sqrt" => unary(f64::sqrt),
        "sin" => unary(f64::sin),
        "cos" => unary(f64::cos),
        "tan" => unary(f64::tan),
        "exp" => unary(f64::exp),
        "log" => unary(f64::ln),
        "atan2" => a.want(2).and_then(|_| Ok(Value::Float(a.num(0)?.atan2(a.num(1)?)))),
        "floor" => to_int(f64::floor),
        "ceil" => to_int(f64::ceil),
        "round" => to_int(f64::round),
        "random" => a.want(0).map(|_| Value::Float(next_random(&MATH_RANDOM_STATE.with(|s| s.clone())))),
        "getPi" | "pi" => a.want(0).map(|_| Value::Float(std::f64::consts::PI)),
        "getE" | "e" => a.want(0).map(|_| Value::Float(std::f64::consts::E)),
        _ => Err(a.unknown()),
    }
}

thread_local! {
    static MATH_RANDOM_STATE: std::rc::Rc<Cell<u64>> = std::rc::Rc::new(Cell::new(seed_from_clock()));
}

fn seed_from_clock() -> u64 {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(1, |d| d.as_nanos());
    (nanos as u64) | 1
}

/// xorshift64*: small, fast, and deterministic for a given seed.
fn next_u64(state: &Cell<u64>) -> u64 {
    let mut x = state.get();
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    state.set(x);
    x.wrapping_mul(0x2545_F491_4F6C_DD1D)
}

fn next_random(state: &Cell<u64>) -> f64 {
    (next_u64(state) >> 11) as f64 / (1u64 << 53) as f64
}

fn debug_method(a: &Args) -> RtResult {
    match a.method {
        "startMemoryTracking" => a.want(0).map(|_| {
            crate::heap::reset_peak();
            Value::Void
        }),
        "stopMemoryTracking" => a.want(0).map(|_| Value::Void),
        "memoryReport" => a.want(0).map(|_| Value::str(crate::heap::report())),
        "trackBox" => a.want(2).map(|_| Value::Void),
        _ => Err(a.unknown()),
    }
}

fn error_method(recv: &Value, e: &ErrorBox, a: &Args) -> RtResult {
    match a.method {
        "message" | "getMessage" => a.want(0).map(|_| Value::str(e.message.as_str())),
        "toString" => a.want(0).and_then(|_| Ok(Value::str(display(recv)?))),
        _ => Err(a.unknown()),
    }
}

fn time_method(start: &std::time::Instant, a: &Args) -> RtResult {
    match a.method {
        "now" => a.want(0).map(|_| {
            let ms = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis());
            Value::Int(ms as i64)
        }),
        "elapsed" => a.want(0).map(|_| Value::Int(start.elapsed().as_millis() as i64)),
        _ => Err(a.unknown()),
    }
}

fn random_method(state: &Cell<u64>, a: &Args) -> RtResult {
    match a.method {
        "random" => a.want(0).map(|_| Value::Float(next_random(state))),
        "randInt" => {
            a.want(2)?;
            let (lo, hi) = (a.int(0)?, a.int(1)?);
            if hi < lo {
                return err(format!("randInt: empty range {lo}..{hi}"));
            }
            let span = (hi as i128 - lo as i128 + 1) as u128;
            Ok(Value::Int((lo as i128 + (next_u64(state) as u128 % span) as i128) as i64))
        }
        "choice" | "shuffle" => {
            a.want(1)?;
            let Value::Obj(o) = &a.args[0] else {
                return err(format!("{}: expected an ArrayBox", a.method));
            };
            let Obj::Array(items) = &**o else {
                return err(format!("{}: expected an ArrayBox", a.method));
            };
            let mut items = items.borrow_mut();
            if a.method == "choice" {
                if items.is_empty() {
                    return Ok(Value::Null);
                }
                return Ok(items[(next_u64(state) % items.len() as u64) as usize].clone());
            }
            for i in (1..items.len()).rev() {
                items.swap(i, (next_u64(state) % (i as u64 + 1)) as usize);
            }
            Ok(Value::Void)
        }
        _ => Err(a.unknown()),
    }
}

fn file_method(path: &str, a: &Args) -> RtResult {
    let io_err = |e: std::io::Error| Exception::runtime(format!("FileBox '{path}': {e}"));
    match a.method {
        "read" => a.want(0).and_then(|_| std::fs::read_to_string(path).map(Value::str).map_err(io_err)),
        "write" => a.want(1).and_then(|_| std::fs::write(path, a.text(0)?).map(|_| Value::Void).map_err(io_err)),
        "append" => a.want(1).and_then(|_| {
            use std::io::Write;
            let mut f = std::fs::OpenOptions::new().append(true).create(true).open(path).map_err(io_err)?;
            f.write_all(a.text(0)?.as_bytes()).map(|_| Value::Void).map_err(io_err)
        }),
        "exists" => a.want(0).map(|_| Value::Bool(std::path::Path::new(path).exists())),
        "delete" => a.want(0).and_then(|_| std::fs::remove_file(path).map(|_| Value::Void).map_err(io_err)),
        _ => Err(a.unknown()),
    }
}

fn json_method(doc: &RefCell<serde_json::Value>, a: &Args) -> RtResult {
    use crate::json;
    match a.method {
        "get" => a.want(1).and_then(|_| json::get(doc, &a.args[0])),
        "has" => a.want(1).and_then(|_| json::has(doc, &a.args[0])),
        "set" => a.want(2).and_then(|_| json::set(doc, &a.args[0], &a.args[1])),
        "keys" => a.want(0).map(|_| json::keys(doc)),
        "stringify" | "toString" => a.want(0).map(|_| json::stringify(doc)),
        _ => Err(a.unknown()),
    }
}

/// `new Name(args)` for builtin boxes; `None` if `name` is not a builtin box.
pub fn new_builtin(name: &str, args: &[Value]) -> Option<RtResult> {
    let a = Args { owner: name.to_string(), method: "birth", args };
    let first_or = |default: Value| -> RtResult {
        match args {
            [] => Ok(default),
            [v] => Ok(v.clone()),
            _ => a.want(1).map(|_| Value::Void),
        }
    };
    Some(match name {
        "ArrayBox" => a.want(0).map(|_| new_array(Vec::new())),
        "MapBox" => a.want(0).map(|_| new_obj(Obj::Map(RefCell::new(NyMap::default())))),
        "ConsoleBox" => a.want(0).map(|_| new_obj(Obj::Console)),
        "MathBox" => a.want(0).map(|_| new_obj(Obj::Math)),
        "DebugBox" => a.want(0).map(|_| new_obj(Obj::Debug)),
        "TimeBox" => a.want(0).map(|_| new_obj(Obj::Time(std::time::Instant::now()))),
        "RandomBox" => match args {
            [] => Ok(new_obj(Obj::Random(Cell::new(seed_from_clock())))),
            _ => a.want(1).and_then(|_| Ok(new_obj(Obj::Random(Cell::new(a.int(0)? as u64 | 1))))),
        },
        "FileBox" => a.want(1).and_then(|_| Ok(new_obj(Obj::File(a.text(0)?)))),
        "ErrorBox" => {
            a.want(1).and_then(|_| Ok(new_obj(Obj::Error(ErrorBox { message: a.text(0)?, is_runtime: false }))))
        }
        "IntegerBox" => first_or(Value::Int(0)),
        "FloatBox" => first_or(Value::Float(0.0)),
        "BoolBox" => first_or(Value::Bool(false)),
        "StringBox" => match args {
            [] => Ok(Value::str("")),
            _ => a.want(1).and_then(|_| Ok(Value::str(a.text(0)?))),
        },
        "NullBox" => a.want(0).map(|_| Value::Null),
        "JSONBox" => a.want(1).and_then(|_| crate::json::parse(&a.text(0)?)),
        _ => return None,
    })
}

/// Names of every builtin box, for the compiler's checks.
pub const BUILTIN_BOXES: &[&str] = &[
    "ArrayBox",
    "MapBox",
    "ConsoleBox",
    "MathBox",
    "DebugBox",
    "TimeBox",
    "RandomBox",
    "FileBox",
    "ErrorBox",
    "IntegerBox",
    "FloatBox",
    "BoolBox",
    "StringBox",
    "NullBox",
    "JSONBox",
];
