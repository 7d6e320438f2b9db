//! Program-wide state that every backend shares: globals, static-box singletons and the
//! call depth. VM frames and compiled frames of one program see the same values here.

use crate::class::{ClassId, FuncId};
use crate::error::{Exception, RtResult};
use crate::object::{new_instance, Shape};
use crate::value::Value;
use std::cell::RefCell;
use std::sync::atomic::{AtomicU32, Ordering::Relaxed};

/// Deepest call nesting before `Stack overflow`, for programs whose functions are of
/// common size (see [`depth_limit`]).
pub const MAX_DEPTH: u32 = 100_000;
/// The least call depth every program gets, whatever the size of its frames: the
/// language's floor of 10,000, and room for the entry function and a few more.
pub const MIN_DEPTH: u32 = 10_240;
/// Stack of the thread programs run on, unless their frames need more (see
/// [`stack_bytes`]). Only the pages a program touches are ever committed.
pub const STACK_BYTES: usize = 4 << 30;
/// The stack allowed to a compiled frame of a function with `regs` registers: its value
/// slot per register, as much again for spills, and 8 KiB. (Cranelift does not report
/// frame sizes; the spill area of the largest frames measured is a few hundred bytes.)
fn frame_budget(regs: u32) -> u64 {
    2 * regs as u64 * crate::value::SLOT_BYTES as u64 + (8 << 10)
}

/// The stack the runtime's own frames between two call levels (dispatch, `toString`, ...)
/// may take.
const RUNTIME_LEVEL_BYTES: u64 = 8 << 10;

/// The stack one call level of a program whose largest function has `max_regs`
/// registers may take.
fn level_bytes(max_regs: u32) -> u64 {
    frame_budget(max_regs) + RUNTIME_LEVEL_BYTES
}

/// The stack the functions that are on it at most once take (the entry: see
/// `mir::Module::run_once`), whose frames are counted once rather than at every level.
pub fn once_bytes(regs: impl IntoIterator<Item = u32>) -> u64 {
    regs.into_iter().map(level_bytes).sum()
}

/// The stack such a program runs on: [`STACK_BYTES`], or enough for [`MIN_DEPTH`] levels
/// of its largest frame, beside the `once` bytes of its run-once functions, where that is
/// more.
pub fn stack_bytes(max_regs: u32, once: u64) -> usize {
    (STACK_BYTES as u64).max(MIN_DEPTH as u64 * level_bytes(max_regs) + once) as usize
}

/// Its call depth limit: [`MAX_DEPTH`], or as many levels of its largest frame as fit in
/// [`stack_bytes`] beside the run-once frames (never fewer than [`MIN_DEPTH`]). Every
/// backend uses this one number, so the limit does not depend on how a backend lays out
/// its frames (the VM's are on the heap), and compiled code never runs out of stack
/// before it.
pub fn depth_limit(max_regs: u32, once: u64) -> u32 {
    ((stack_bytes(max_regs, once) as u64 - once) / level_bytes(max_regs)).min(MAX_DEPTH as u64) as u32
}

/// Run `f` on a thread with a [`STACK_BYTES`] stack; its result is the exit status.
pub fn on_big_stack(f: impl FnOnce() -> i32 + Send + 'static) -> i32 {
    on_stack(STACK_BYTES, f)
}

/// Run `f` on a thread with a stack of `bytes`; its result is the exit status.
pub fn on_stack(bytes: usize, f: impl FnOnce() -> i32 + Send + 'static) -> i32 {
    let thread = std::thread::Builder::new().stack_size(bytes).spawn(f);
    match thread.map(|t| t.join()) {
        Ok(Ok(status)) => status,
        // A panic has been reported by the panic hook (see `panic_line`).
        Ok(Err(_)) => crate::error::EXIT_RUNTIME_ERROR,
        Err(e) => {
            eprintln!("error: cannot start the program's thread, with a stack of {} MiB: {e}", bytes >> 20);
            crate::error::EXIT_RUNTIME_ERROR
        }
    }
}

/// Is a program running (between `start` and `finish`)? A bug met then is the runtime's.
static RUNNING: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

pub fn is_running() -> bool {
    RUNNING.load(Relaxed)
}

/// The one line a panic (a bug, never a Nyash error) is reported with, on every backend:
/// `internal runtime error` while a program runs, else `internal compiler error`.
pub fn panic_line(info: &std::panic::PanicHookInfo<'_>) -> String {
    let payload = info.payload();
    let what = payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_default();
    let place = info.location().map(|l| format!(" ({}:{})", l.file(), l.line())).unwrap_or_default();
    let whose = if is_running() { "runtime" } else { "compiler" };
    format!("error: internal {whose} error: {what}{place}")
}

#[derive(Default)]
struct State {
    globals: Vec<Value>,
    singletons: Vec<Option<Value>>,
    /// The static boxes whose singleton exists, in the order they were made.
    made: Vec<ClassId>,
    /// Each box's `static { }` body, if any, and shape, by class id: how its singleton
    /// is made.
    statics: Vec<(Option<FuncId>, Shape)>,
}

impl State {
    fn holds_values(&self) -> bool {
        let alive = |v: &Value| !matches!(v, Value::Void);
        self.globals.iter().any(alive) || self.singletons.iter().flatten().any(alive)
    }
}

thread_local! {
    static STATE: RefCell<State> = RefCell::new(State::default());
}

/// Calls in progress, on every backend. Compiled code counts its calls in and out on this
/// word directly (exported as `NYRT_DEPTH`), so unlike the rest of the program's state it
/// is a process-wide static rather than thread-local: a process runs one program at a
/// time, on one thread. Relaxed loads and stores are plain moves.
#[no_mangle]
pub static NYRT_DEPTH: AtomicU32 = AtomicU32::new(0);
/// The running program's [`depth_limit`] (compiled code has it as a constant).
static DEPTH_LIMIT: AtomicU32 = AtomicU32::new(MAX_DEPTH);

/// Prepare a program's globals, static boxes (class ids index `statics`) and call
/// depth limit.
pub fn start(globals: usize, statics: Vec<(Option<FuncId>, Shape)>, depth_limit: u32) {
    let singletons = vec![None; statics.len()];
    let old =
        STATE.with(|s| s.replace(State { globals: vec![Value::Void; globals], singletons, made: Vec::new(), statics }));
    drop(old);
    NYRT_DEPTH.store(0, Relaxed);
    DEPTH_LIMIT.store(depth_limit, Relaxed);
    RUNNING.store(true, Relaxed);
}

pub fn global(index: u32) -> Value {
    STATE.with(|s| s.borrow().globals[index as usize].clone())
}

pub fn set_global(index: u32, value: Value) {
    let old = STATE.with(|s| std::mem::replace(&mut s.borrow_mut().globals[index as usize], value));
    drop(old);
}

/// The singleton of a static box, created (and its `static { }` run) on first use.
pub fn singleton(class: ClassId) -> RtResult {
    if let Some(v) = STATE.with(|s| s.borrow().singletons[class as usize].clone()) {
        return Ok(v);
    }
    let shape = STATE.with(|s| s.borrow().statics[class as usize].1);
    let me = new_instance(class, shape);
    let init = STATE.with(|s| {
        let mut s = s.borrow_mut();
        s.singletons[class as usize] = Some(me.clone());
        if !ENDING.load(Relaxed) {
            s.made.push(class);
        }
        s.statics[class as usize].0
    });
    if let Some(init) = init {
        crate::hooks::call(init, vec![me.clone()])?;
    }
    Ok(me)
}

/// Count a call in; fails with `Stack overflow` past the program's depth limit.
#[inline]
pub fn enter_call() -> RtResult<()> {
    let depth = NYRT_DEPTH.load(Relaxed);
    if depth >= DEPTH_LIMIT.load(Relaxed) {
        return Err(stack_overflow());
    }
    NYRT_DEPTH.store(depth + 1, Relaxed);
    Ok(())
}

pub fn stack_overflow() -> Exception {
    Exception::runtime("Stack overflow: recursion too deep")
}

#[inline]
pub fn leave_call() {
    NYRT_DEPTH.store(NYRT_DEPTH.load(Relaxed) - 1, Relaxed);
}

/// End the program: report an uncaught error, release globals and singletons on a normal
/// end (their `fini` runs; after an error nothing more runs), flush output, and return
/// the exit status.
pub fn finish(outcome: RtResult) -> i32 {
    let status = crate::error::exit_status(&outcome);
    if outcome.is_ok() {
        release_program_values();
    }
    // What is left (everything, after an error) goes with the process; a state emptied by
    // the release is freed, so that a memory checker sees a clean end.
    let state = STATE.with(|s| s.take());
    if state.holds_values() {
        std::mem::forget(state);
    }
    RUNNING.store(false, Relaxed);
    drop(outcome);
    crate::io::flush_stdout();
    status
}

/// Release the globals, latest declared first, then the singletons, latest made first,
/// one at a time with the program state in place: a `fini` that runs meanwhile may still
/// read and assign globals and call static boxes (a singleton it needs again is made
/// again, and kept to the end). What such a `fini` stores in a global is released by the
/// next round; after [`RELEASE_ROUNDS`] rounds the rest goes with the process, so `fini`s
/// that keep storing new boxes cannot hold the program's end off for ever.
fn release_program_values() {
    ENDING.store(true, Relaxed);
    for _ in 0..RELEASE_ROUNDS {
        let mut released_any = false;
        let globals = STATE.with(|s| s.borrow().globals.len());
        for index in (0..globals).rev() {
            let old = STATE.with(|s| std::mem::take(&mut s.borrow_mut().globals[index]));
            released_any |= !matches!(old, Value::Void);
            drop(old);
        }
        while let Some(singleton) = STATE.with(|s| {
            let mut s = s.borrow_mut();
            let class = s.made.pop()?;
            s.singletons[class as usize].take()
        }) {
            released_any = true;
            drop(singleton);
        }
        if !released_any {
            break;
        }
    }
    ENDING.store(false, Relaxed);
}

const RELEASE_ROUNDS: usize = 8;

/// Is the program releasing its globals and singletons (so that a singleton made again
/// now is kept, not released again)?
static ENDING: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_program_gets_the_depth_floor_and_the_stack_for_it() {
        for regs in [0, 10, 800, 5_000, 13_000, 24_006, 100_000, 1 << 20] {
            for once in [once_bytes([]), once_bytes([10, regs]), once_bytes([1 << 20])] {
                let (limit, stack) = (depth_limit(regs, once), stack_bytes(regs, once) as u64);
                assert!((MIN_DEPTH..=MAX_DEPTH).contains(&limit), "{regs} registers: limit {limit}");
                let needed = limit as u64 * level_bytes(regs) + once;
                assert!(needed <= stack, "{regs} registers: {limit} levels and {once} overflow {stack}");
                assert!(stack >= STACK_BYTES as u64);
            }
        }
        // Common programs keep the common limit and stack, however large their entry.
        let once = once_bytes([200_000]);
        assert_eq!((depth_limit(100, once), stack_bytes(100, once)), (MAX_DEPTH, STACK_BYTES));
    }
}
