//! Exceptions: what `throw` raises and what runtime errors become.

use crate::object::{new_obj, ErrorBox, Obj};
use crate::value::Value;
use std::cell::RefCell;

/// A source position. `line == 0` means "not known yet": the executor fills in the
/// location of the instruction that failed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Loc {
    pub file: u32,
    pub line: u32,
    pub col: u32,
}

/// An exception in flight. Boxed, so that `Result<Value, Exception>` stays two words and
/// the success path of every runtime call pays nothing for the error case.
#[derive(Clone)]
pub struct Exception(Box<Thrown>);

#[derive(Clone)]
pub struct Thrown {
    /// The thrown value: an ErrorBox for runtime errors, anything for `throw`.
    pub value: Value,
    pub loc: Loc,
}

impl std::ops::Deref for Exception {
    type Target = Thrown;
    fn deref(&self) -> &Thrown {
        &self.0
    }
}

pub type RtResult<T = Value> = Result<T, Exception>;

impl Exception {
    pub fn runtime(message: impl Into<String>) -> Exception {
        let value = new_obj(Obj::Error(ErrorBox { message: message.into(), is_runtime: true }));
        Exception::thrown(value, Loc::default())
    }

    pub fn thrown(value: Value, loc: Loc) -> Exception {
        Exception(Box::new(Thrown { value, loc }))
    }

    /// Give the exception a location unless it already has one.
    pub fn at(mut self, loc: Loc) -> Exception {
        if self.0.loc.line == 0 {
            self.0.loc = loc;
        }
        self
    }
}

pub fn err<T>(message: impl Into<String>) -> RtResult<T> {
    Err(Exception::runtime(message))
}

thread_local! {
    static FILES: RefCell<Vec<String>> = const { RefCell::new(Vec::new()) };
}

/// The file names that `Loc::file` indexes, for messages.
pub fn set_files(files: Vec<String>) {
    FILES.with(|f| *f.borrow_mut() = files);
}

/// The one line an uncaught exception prints (without `error: `).
pub fn describe(e: &Exception) -> String {
    let message = match &e.value {
        Value::Obj(o) => match &**o {
            Obj::Error(ErrorBox { message, is_runtime: true }) => message.clone(),
            _ => format!("uncaught exception: {}", crate::ops::display_lossy(&e.value)),
        },
        v => format!("uncaught exception: {}", crate::ops::display_lossy(v)),
    };
    if e.loc.line == 0 {
        return message;
    }
    let file = FILES.with(|f| f.borrow().get(e.loc.file as usize).cloned()).unwrap_or_default();
    format!("{message} --> {file}:{}:{}", e.loc.line, e.loc.col)
}

/// What a catch variable receives: an instance as thrown, anything else wrapped in an
/// ErrorBox whose message is its string form.
pub fn catch_value(e: &Exception) -> Value {
    match &e.value {
        Value::Obj(o) if matches!(**o, Obj::Instance(_) | Obj::Error(_)) => e.value.clone(),
        v => new_obj(Obj::Error(ErrorBox { message: crate::ops::display_lossy(v), is_runtime: false })),
    }
}

/// How a program ends: print an uncaught exception (while user code can still run, for
/// `toString`), and return the exit status of docs/LANGUAGE.md section 10.
pub fn exit_status(outcome: &RtResult) -> i32 {
    match outcome {
        Ok(Value::Int(n)) => n.rem_euclid(256) as i32,
        Ok(_) => 0,
        Err(e) => {
            crate::io::write_stderr(&format!("error: {}\n", describe(e)));
            EXIT_RUNTIME_ERROR
        }
    }
}

pub const EXIT_RUNTIME_ERROR: i32 = 70;

/// The exception a `catch` register holds (anything else is treated as thrown as is).
pub fn caught_exception(v: &Value) -> Exception {
    with_caught(v, |e| e.clone())
}

/// `catch (Box e)`: does the exception a `catch` register holds carry an instance of
/// `class` (or of a box delegating to it)?
pub fn caught_is_a(exc: &Value, class: u32) -> Value {
    with_caught(exc, |e| Value::Bool(crate::object::instance_of(&e.value, class)))
}

pub fn with_caught<R>(v: &Value, f: impl FnOnce(&Exception) -> R) -> R {
    match v {
        Value::Obj(o) => match &**o {
            Obj::Caught(e) => f(e),
            _ => f(&Exception::thrown(v.clone(), Loc::default())),
        },
        _ => f(&Exception::thrown(v.clone(), Loc::default())),
    }
}
