//! Exceptions: what `throw` raises and what runtime errors become.

use crate::object::{new_obj, ErrorBox, Obj};
use crate::value::Value;
use serde::{Deserialize, Serialize};
use std::cell::RefCell;

/// A source position. `line == 0` means "not known yet": the executor fills in the
/// location of the instruction that failed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
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
    /// Where the exception passed in each frame it has left or is in, innermost first:
    /// the failing instruction, then each call that led there. Built while unwinding, so
    /// a call that nothing throws through pays nothing for it.
    pub trace: Vec<Loc>,
}

impl Thrown {
    /// Where it was raised (unknown until the first frame locates it).
    pub fn loc(&self) -> Loc {
        self.trace.first().copied().unwrap_or_default()
    }
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
        Exception(Box::new(Thrown { value, trace: Vec::new() })).at(loc)
    }

    /// The exception reaches the instruction at `loc` of a frame it is unwinding: the
    /// executor calls this exactly once per frame, where the failing instruction is (the
    /// first becomes the exception's location). A synthetic call (`loc.line == 0`) adds
    /// nothing.
    pub fn at(mut self, loc: Loc) -> Exception {
        if loc.line != 0 {
            self.0.trace.push(loc);
        }
        self
    }
}

pub fn err<T>(message: impl Into<String>) -> RtResult<T> {
    Err(Exception::runtime(message))
}

/// A compiled function as a traceback names it: its source name and the source it was
/// compiled from (none for the top-level statements, which are everywhere between boxes).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct FrameDef {
    pub name: String,
    pub range: Option<(Loc, Loc)>,
}

thread_local! {
    static FILES: RefCell<Vec<String>> = const { RefCell::new(Vec::new()) };
    static FRAMES: RefCell<Vec<FrameDef>> = const { RefCell::new(Vec::new()) };
}

/// The file names that `Loc::file` indexes, and the functions of the program, for
/// messages.
pub fn set_sources(files: Vec<String>, frames: Vec<FrameDef>) {
    FILES.with(|f| *f.borrow_mut() = files);
    FRAMES.with(|f| *f.borrow_mut() = frames);
}

fn place(loc: Loc) -> String {
    let file = FILES.with(|f| f.borrow().get(loc.file as usize).cloned()).unwrap_or_default();
    format!("{file}:{}:{}", loc.line, loc.col)
}

/// What tracebacks (and symbol tables) call the top-level statements.
pub const TOP_LEVEL: &str = "<top level>";

/// The function whose source holds `loc`: the innermost range around it (a box declared
/// in a method has its methods inside the method's range).
fn function_at(loc: Loc) -> String {
    FRAMES.with(|frames| {
        frames
            .borrow()
            .iter()
            .filter_map(|f| f.range.filter(|(start, end)| *start <= loc && loc <= *end).map(|(start, _)| (start, f)))
            .max_by_key(|(start, _)| *start)
            .map_or_else(|| TOP_LEVEL.to_string(), |(_, f)| f.name.clone())
    })
}

/// A traceback shows this many innermost and as many outermost frames, and counts the rest.
const TRACE_ENDS: usize = 10;

/// The call chain of an uncaught exception, innermost first, one `  at` line per frame.
pub fn traceback(e: &Exception) -> String {
    let frame = |loc: &Loc| format!("  at {} ({})\n", function_at(*loc), place(*loc));
    let trace = &e.trace;
    if trace.len() <= 2 * TRACE_ENDS + 1 {
        return trace.iter().map(frame).collect();
    }
    let left_out = trace.len() - 2 * TRACE_ENDS;
    let mut out: String = trace[..TRACE_ENDS].iter().map(frame).collect();
    out.push_str(&format!("  ... {left_out} frames left out ...\n"));
    out.extend(trace[trace.len() - TRACE_ENDS..].iter().map(frame));
    out
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
    match e.loc() {
        loc if loc.line == 0 => message,
        loc => format!("{message} --> {}", place(loc)),
    }
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
            crate::io::write_stderr(&format!("error: {}\n{}", describe(e), traceback(e)));
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
