//! The register VM.
//!
//! MIR is first translated into a compact, pre-resolved form ([`Code`]): blocks become
//! jump targets in one flat instruction array, names become interned symbols, constants
//! become ready values. Each call gets a flat register frame (recycled through a pool, so
//! integer code allocates nothing); Integer arithmetic and comparisons are inlined, and
//! everything else goes to the shared runtime.
//!
//! A call of an interpreted function does not recurse: the interpreter loop suspends the
//! caller and goes on in the callee, so a call costs no native frame; the depth limit
//! that raises `Stack overflow` is the one every backend counts against. The VM holds no
//! mutable borrow while running user code, and a frame never moves while it runs, so the
//! runtime may call back into it (`toString`, `fini`): that starts a loop of its own.

mod code;
pub mod profile;

use crate::mir::Module;
use code::{Code, Op, VmFunction, MOVE};
use nyash_runtime::abi;
use nyash_runtime::array::{Element, Items};
use nyash_runtime::boxes::construct;
use nyash_runtime::boxes::hot::{try_call, Hot};
use nyash_runtime::dispatch::{dispatch, Dispatch};
use nyash_runtime::error::{catch_value, caught_exception, caught_is_a, with_caught, Exception, RtResult};
use nyash_runtime::hooks::NativeCode;
use nyash_runtime::object::{
    await_value, class_of, get_field, inner_of, instance_class, new_instance, new_obj, set_field, set_inner,
    FieldCache, Instance, Obj,
};
use nyash_runtime::ops::{self, Arith, Cmp};
use nyash_runtime::value::tag;
use nyash_runtime::{hooks, program, Value};
use smallvec::SmallVec;
use std::cell::{Cell, RefCell, UnsafeCell};
use std::rc::Rc;

pub struct Vm {
    code: Code,
    /// Spare register frames of each function, already the right size and all void.
    frames: Vec<UnsafeCell<Vec<Box<[Value]>>>>,
    /// The JIT tier, when the program runs with `--emit jit`.
    tier: Option<Rc<dyn Tiering>>,
    /// What `--profile` counts.
    profile: Option<RefCell<profile::Counts>>,
}

/// How the VM reaches a code generator, knowing nothing of it (as Luau's VM reaches its
/// native code): one machine-code slot per function and two events. `tier::Tier` is the
/// one implementation, the JIT.
pub trait Tiering {
    /// The machine code of `func`'s call entry, once there is some.
    fn native(&self, func: u32) -> Option<NativeCode>;
    /// `func` is being called in the VM (it may become hot and be compiled).
    fn on_call(&self, func: u32);
    /// A running activation of `func` jumps back to MIR block `block`: the machine code
    /// it should move to there, if any (on-stack replacement, see `codegen::Entry::Resume`).
    fn on_back_edge(&self, func: u32, block: u32) -> Option<NativeCode>;
}

struct Invoker(Rc<Vm>);

impl hooks::Invoker for Invoker {
    fn call(&self, func: u32, args: Vec<Value>) -> RtResult {
        self.0.call(func, args)
    }
}

/// Run a module's entry function to completion, with a tier if one is given, counting ops
/// and method calls if `profile` says so; the result is the exit status, and the counts.
pub fn run(module: &Module, tier: Option<Rc<dyn Tiering>>, profile: bool) -> (i32, Option<profile::VmCounts>) {
    nyash_runtime::image::load(&module.image(Vec::new()));
    if profile {
        nyash_runtime::heap::count_totals();
    }
    let vm = Rc::new(Vm {
        code: Code::compile(module, tier.is_some()),
        frames: module.functions.iter().map(|_| UnsafeCell::new(Vec::new())).collect(),
        tier,
        profile: profile.then(RefCell::default),
    });
    hooks::install(Rc::new(Invoker(vm.clone())));
    let outcome = vm.call(module.entry, Vec::new());
    let status = program::finish(outcome);
    hooks::uninstall();
    (status, vm.profile.as_ref().map(|p| p.borrow().summary()))
}

impl Vm {
    /// Call `func`, which takes the arguments over.
    pub fn call(&self, func: u32, args: Vec<Value>) -> RtResult {
        self.enter(func, |frame| {
            for (slot, a) in frame.iter_mut().zip(args) {
                *slot = a;
            }
        })
    }

    /// Run `func` on a fresh frame whose parameters `fill` writes.
    #[inline(always)]
    fn enter(&self, func: u32, fill: impl FnOnce(&mut [Value])) -> RtResult {
        match self.start(func, fill) {
            Start::Done(outcome) => outcome,
            Start::Interpret(regs) => match self.profile {
                Some(_) => self.execute::<true>(func, regs),
                None => self.execute::<false>(func, regs),
            },
        }
    }

    /// Begin a call of `func` whose parameters `fill` writes: run it at once if it has
    /// machine code, else count it in and hand back its frame for the interpreter loop.
    #[inline(always)]
    fn start(&self, func: u32, fill: impl FnOnce(&mut [Value])) -> Start {
        if let Some(tier) = &self.tier {
            // A call of a function still interpreted may be the one that makes it hot.
            let code = tier.native(func).or_else(|| {
                tier.on_call(func);
                tier.native(func)
            });
            if let Some(code) = code {
                return Start::Done(self.run_native(code, func, fill));
            }
        }
        // The arguments are the callee's from here, also when it cannot start (a stack
        // overflow releases them), as in compiled code.
        let regs = self.frame(func, fill);
        match program::enter_call() {
            Ok(()) => Start::Interpret(regs),
            Err(e) => {
                self.recycle(func, regs);
                Start::Done(Err(e))
            }
        }
    }

    /// The code of function `func`.
    #[inline(always)]
    fn function(&self, func: u32) -> &VmFunction {
        // SAFETY: function numbers come from the module this code was translated from
        // (its verified calls, and the program image's methods), all below its count.
        unsafe { self.code.functions.get_unchecked(func as usize) }
    }

    /// A frame for `func` from its pool (see `VmFunction::new_frame`), holding no box in
    /// its registers but what `fill` writes (a temporary may still hold a number, which
    /// nothing reads before writing it again).
    #[inline(always)]
    fn frame(&self, func: u32, fill: impl FnOnce(&mut [Value])) -> Box<[Value]> {
        // SAFETY: see `pool`.
        let spare = unsafe { (*self.pool(func)).pop() };
        let mut frame = spare.unwrap_or_else(|| self.function(func).new_frame());
        fill(&mut frame);
        frame
    }

    /// The spare frames of `func`. Only `frame` and `give_back` touch a pool, each with
    /// one `pop` or `push` that runs no user code, so no two borrows of a pool overlap
    /// (a `RefCell` would test that on every call).
    #[inline(always)]
    fn pool(&self, func: u32) -> *mut Vec<Box<[Value]>> {
        // SAFETY: as in `function`; there is one pool per function.
        unsafe { self.frames.get_unchecked(func as usize) }.get()
    }

    /// Return a frame whose registers hold no box to the function's pool.
    #[inline(always)]
    fn give_back(&self, func: u32, regs: Box<[Value]>) {
        // SAFETY: see `pool`.
        unsafe { (*self.pool(func)).push(regs) }
    }

    /// Release a frame's values and return it to the function's pool.
    #[inline(always)]
    fn recycle(&self, func: u32, mut regs: Box<[Value]>) {
        for &r in self.function(func).locals.iter() {
            // SAFETY: every register number is below the function's register count, the
            // frame's length.
            Value::replace_in(unsafe { regs.get_unchecked_mut(r as usize) }, Value::Void);
        }
        self.give_back(func, regs);
    }

    /// Run compiled code; the parameters go over in a frame from the pool.
    fn run_native(&self, code: NativeCode, func: u32, fill: impl FnOnce(&mut [Value])) -> RtResult {
        let mut regs = self.frame(func, fill);
        let params = self.function(func).params as usize;
        // SAFETY: `code` is the `Entry::Call` code of this function, so it takes over
        // exactly its parameters.
        let outcome = unsafe { hand_over(code, &mut regs[..params]) };
        self.give_back(func, regs);
        outcome
    }

    /// The interpreter loop, from a started call of `func` (see [`Vm::start`]) until it
    /// returns. Hot instructions are handled inline; the rest go to [`Vm::step_cold`].
    /// A call of an interpreted function suspends the caller on `callers` and goes on in
    /// the callee, in this same loop: a call costs no native stack and no prologue, and
    /// the runtime may still call back into the VM (a new loop, on frames of its own).
    /// An error leaves the inner loop with the exception, which goes to the handler of
    /// the failing op's block, if any, else to the caller, as if its call op had failed.
    /// `PROFILE`: count every op for `--profile` (an instantiation of its own, so that
    /// the loop without it has no trace of it).
    fn execute<const PROFILE: bool>(&self, mut func: u32, regs: Box<[Value]>) -> RtResult {
        let mut callers: Vec<Suspended> = Vec::new();
        let mut f = self.function(func);
        let mut fr = Frame { regs };
        // The next op: a pointer rather than an index, so that fetching an op is one load.
        let mut ip = f.ops.as_ptr();
        let mut caught: Option<Exception> = None;
        // A jump to op number `target`. SAFETY: it is a block start (a jump target or a
        // handler), below the number of ops.
        macro_rules! goto {
            ($target:expr) => {
                ip = unsafe { f.ops.as_ptr().add($target as usize) }
            };
        }
        // Back in `caller` once the running function has ended: its frame goes back to the
        // pool (its locals' `fini`s run) before the caller sees the outcome; the value is
        // where the result goes, by the caller's call op.
        macro_rules! resume {
            ($caller:expr) => {{
                let caller: Suspended = $caller;
                self.recycle(func, std::mem::replace(&mut fr.regs, caller.regs));
                program::leave_call();
                (func, ip, caught) = (caller.func, caller.ip, caller.caught);
                f = self.function(func);
                // SAFETY: a caller is suspended just after its call op.
                unsafe { &*ip.sub(1) }.result_to()
            }};
        }
        loop {
            let mut exit = 'run: loop {
                // SAFETY: `ip` starts at the first op and then is either a jump target (a
                // block start, or a back-edge's jump after the code) or the op after a
                // non-terminator; every block ends in a terminator, so `ip` never passes
                // the end of `ops`.
                let op = unsafe { &*ip };
                ip = unsafe { ip.add(1) };
                if PROFILE {
                    self.count(op, &fr);
                }
                // The instructions kept out of the hot loop, and the slow paths of those in it.
                macro_rules! cold {
                    () => {
                        match self.step_cold(op, &mut fr, &mut caught) {
                            Ok(None) => {}
                            Ok(Some((callee, regs))) => call!(callee, regs),
                            Err(e) => break 'run Exit::Raise(e),
                        }
                    };
                }
                macro_rules! tri {
                    ($result:expr, $loc:expr) => {
                        match $result {
                            Ok(v) => v,
                            Err(e) => break 'run Exit::Raise(e.at(*$loc)),
                        }
                    };
                }
                // `lhs op rhs` into `dst`: numbers inline, the rest through the runtime.
                macro_rules! arith {
                    ($op:expr, $dst:expr, $lhs:expr, $rhs:expr, $loc:expr) => {
                        match (fr.get($lhs), fr.get($rhs)) {
                            (Value::Int(a), Value::Int(b)) => {
                                let n = tri!(ops::int_op($op, *a, *b), &$loc);
                                fr.set_number($dst, tag::INT, n as u64);
                            }
                            (a, b) => match ops::float_operands(a, b) {
                                Some((x, y)) => fr.set_number($dst, tag::FLOAT, ops::float_op($op, x, y).to_bits()),
                                None => {
                                    let v = tri!(ops::arith($op, a, b), &$loc);
                                    fr.release(&[$lhs, $rhs]);
                                    fr.set($dst, v);
                                }
                            },
                        }
                    };
                }
                // Go on in the callee, whose frame `regs` is.
                macro_rules! call {
                    ($callee:expr, $regs:expr) => {{
                        let regs = std::mem::replace(&mut fr.regs, $regs);
                        callers.push(Suspended { func, ip, regs, caught: caught.take() });
                        func = $callee;
                        f = self.function(func);
                        ip = f.ops.as_ptr();
                    }};
                }
                // A call by `op`: in this loop if interpreted, else done at once.
                macro_rules! start {
                    ($callee:expr, $fill:expr) => {
                        match self.start($callee, $fill) {
                            Start::Interpret(regs) => call!($callee, regs),
                            Start::Done(result) => {
                                let to = op.result_to();
                                fr.store(to.dst, tri!(result, &to.loc), to.discard);
                            }
                        }
                    };
                }
                match op {
                    Op::Const { dst, value } => fr.set(*dst, value.clone()),
                    // After most method calls in statement position: worth its place here.
                    Op::Drop { src } => fr.set(*src, Value::Void),
                    Op::Move { dst, src } => {
                        let v = fr.take(*src);
                        fr.set(*dst, v)
                    }
                    Op::Add(b) => arith!(Arith::Add, b.dst, b.lhs, b.rhs, b.loc),
                    Op::Sub(b) => arith!(Arith::Sub, b.dst, b.lhs, b.rhs, b.loc),
                    Op::Mul(b) => arith!(Arith::Mul, b.dst, b.lhs, b.rhs, b.loc),
                    Op::Arith { dst, op, lhs, rhs, loc } => arith!(*op, *dst, *lhs, *rhs, *loc),
                    Op::CmpBranch { op, lhs, rhs, then_to, else_to, loc } => {
                        let taken = tri!(fr.compare(*op, *lhs, *rhs), loc);
                        goto!(if taken { *then_to } else { *else_to });
                    }
                    Op::Cmp { dst, op, lhs, rhs, loc } => {
                        let truth = tri!(fr.compare(*op, *lhs, *rhs), loc);
                        fr.set_bool(*dst, truth);
                    }
                    Op::Not { dst, src } => {
                        let truth = fr.take(*src).truthy();
                        fr.set_bool(*dst, !truth);
                    }
                    Op::Truthy { dst, src } => {
                        let truth = fr.take(*src).truthy();
                        fr.set_bool(*dst, truth);
                    }
                    Op::Branch { cond, then_to, else_to } => {
                        goto!(if fr.take(*cond).truthy() { *then_to } else { *else_to });
                    }
                    Op::Jump(target) => {
                        // Without a tier, a back-edge is a plain jump: test that first.
                        if let Some(tier) = &self.tier {
                            if (*target as usize) < f.index_of(ip) && caught.is_none() {
                                if let Some(code) = tier.on_back_edge(func, f.block_at(*target)) {
                                    // SAFETY: `code` is this function's `Entry::Resume` code
                                    // for the jump's target, so it takes over the whole frame.
                                    let outcome = unsafe { hand_over(code, &mut fr.regs[..f.regs as usize]) };
                                    break 'run Exit::Return(outcome);
                                }
                            }
                        }
                        goto!(*target);
                    }
                    Op::Return(r) => {
                        let v = fr.take(*r);
                        // A caller waiting in this loop, the common case, without leaving it.
                        match callers.pop() {
                            Some(caller) => {
                                let to = resume!(caller);
                                fr.store(to.dst, v, to.discard);
                            }
                            None => break 'run Exit::Return(Ok(v)),
                        }
                    }
                    Op::Call { func: callee, args, .. } => start!(
                        *callee,
                        #[inline(always)]
                        |frame: &mut [Value]| {
                            for (slot, a) in frame.iter_mut().zip(args.iter()) {
                                place(slot, fr.take(*a));
                            }
                        }
                    ),
                    Op::BoxCall { dst, recv, args, loc, cache, hot, discard, .. } => {
                        // ArrayBox's hot methods in place first: the cheapest test, and the
                        // commonest call in array code (a user box is never an array).
                        if let Some(hot) = hot {
                            if fr.array_in_place(*hot, *recv, args, *dst, *discard) {
                                continue;
                            }
                        }
                        if class_of(fr.get(*recv)) == cache.get().0 {
                            let me = fr.take(*recv);
                            start!(
                                cache.get().1,
                                #[inline(always)]
                                |frame: &mut [Value]| {
                                    place(&mut frame[0], me);
                                    for (slot, a) in frame[1..].iter_mut().zip(args.iter()) {
                                        place(slot, fr.take(*a));
                                    }
                                }
                            )
                        } else if let Some(hot) = hot {
                            let outcome = {
                                let operands: SmallVec<[&Value; 2]> = args.iter().map(|a| fr.get(*a)).collect();
                                try_call(*hot, fr.get(*recv), &operands)
                            };
                            match outcome {
                                Some(result) => {
                                    fr.release(&[*recv]);
                                    fr.release(args);
                                    fr.store(*dst, tri!(result, loc), *discard);
                                }
                                None => cold!(),
                            }
                        } else {
                            cold!()
                        }
                    }
                    Op::GetField { dst, obj, cache, .. } => match fr.instance_at(*obj, cache) {
                        Some((inst, slot)) => {
                            // SAFETY: the object's register keeps the instance alive until it
                            // is released, after the copy.
                            let value = unsafe { (*inst).fields.get(slot) };
                            fr.release(&[*obj]);
                            fr.set(*dst, value);
                        }
                        None => cold!(),
                    },
                    Op::SetField { obj, src, cache, .. } => match fr.instance_at(*obj, cache) {
                        Some((inst, slot)) => {
                            let value = fr.take(*src);
                            // SAFETY: as above; the old value goes before the object.
                            let old = unsafe { (*inst).fields.replace(slot, value) };
                            drop(old);
                            fr.release(&[*obj]);
                        }
                        None => cold!(),
                    },
                    Op::Throw { src, loc } => break 'run Exit::Raise(Exception::thrown(fr.take(*src), *loc)),
                    Op::Rethrow { exc } => break 'run Exit::Raise(caught_exception(&fr.take(*exc))),
                    _ => cold!(),
                }
            };
            loop {
                match exit {
                    Exit::Raise(error) => {
                        // The temporaries of the failed expression go with it, before
                        // anything else.
                        for &t in f.temps.iter() {
                            fr.set(t, Value::Void);
                        }
                        if let Some(handler) = f.handler_at(f.index_of(ip) - 1) {
                            caught = Some(error);
                            goto!(handler);
                            break;
                        }
                        exit = Exit::Return(Err(error));
                    }
                    // The activation ends, as in `resume`.
                    Exit::Return(outcome) => {
                        let Some(caller) = callers.pop() else {
                            self.recycle(func, fr.regs);
                            program::leave_call();
                            return outcome;
                        };
                        let to = resume!(caller);
                        match outcome {
                            Ok(v) => {
                                fr.store(to.dst, v, to.discard);
                                break;
                            }
                            Err(e) => exit = Exit::Raise(e.at(to.loc)),
                        }
                    }
                }
            }
        }
    }

    #[inline(never)]
    fn count(&self, op: &Op, fr: &Frame) {
        let Some(counts) = &self.profile else { return };
        let mut counts = counts.borrow_mut();
        counts.op(op);
        if let Op::BoxCall { recv, method, .. } = op {
            counts.method_call(fr.get(*recv), *method);
        }
    }

    /// Instructions that are not worth a place in the hot loop: none of them transfers
    /// control, but a method call that turns out to be an interpreted one hands its
    /// callee and frame back for the loop to go on in.
    #[inline(never)]
    fn step_cold(&self, op: &Op, fr: &mut Frame, caught: &mut Option<Exception>) -> RtResult<Option<Callee>> {
        match op {
            Op::Neg { dst, src, loc } => {
                let v = ops::negate(fr.get(*src)).map_err(|e| e.at(*loc))?;
                fr.set(*dst, v)
            }
            Op::BoxCall { dst, recv, method, args, loc, cache, discard, .. } => {
                let recv = fr.take(*recv);
                let argv: SmallVec<[Value; 4]> = args.iter().map(|a| fr.take(*a)).collect();
                let result = match dispatch(&recv, *method, &argv) {
                    Ok(Dispatch::User(func)) => {
                        if let Some(class) = instance_class(&recv) {
                            cache.set((class, func));
                        }
                        let started = self.start(func, |frame| {
                            frame[0] = recv;
                            for (slot, a) in frame[1..].iter_mut().zip(argv) {
                                *slot = a;
                            }
                        });
                        match started {
                            Start::Interpret(regs) => return Ok(Some((func, regs))),
                            Start::Done(result) => result,
                        }
                    }
                    // The receiver, then the arguments, go before the result is stored (or
                    // the error handled), as in compiled code.
                    Ok(Dispatch::Done(v)) => {
                        drop((recv, argv));
                        Ok(v)
                    }
                    Err(e) => {
                        drop((recv, argv));
                        Err(e)
                    }
                };
                fr.store(*dst, result.map_err(|e| e.at(*loc))?, *discard);
            }
            // The operands go before the result is stored (and before the old value of
            // `dst` is released), as in compiled code.
            Op::NewBuiltin { dst, name, args, loc } => {
                let argv: Vec<Value> = args.iter().map(|a| fr.take(*a)).collect();
                let made = construct(name, &argv);
                drop(argv);
                fr.set(*dst, made.map_err(|e| e.at(*loc))?);
            }
            Op::Alloc { dst, class, shape } => fr.set(*dst, new_instance(*class, *shape)),
            Op::SetInner { obj, src } => {
                let value = fr.take(*src);
                set_inner(&fr.take(*obj), value);
            }
            Op::GetInner { dst, obj } => {
                let inner = inner_of(&fr.take(*obj));
                fr.set(*dst, inner);
            }
            Op::GetField { dst, obj, field, via_me, loc, cache } => {
                let obj = fr.take(*obj);
                let value = get_field(&obj, *field, *via_me, cache);
                drop(obj);
                fr.set(*dst, value.map_err(|e| e.at(*loc))?);
            }
            Op::SetField { obj, field, src, via_me, loc, cache } => {
                let (obj, value) = (fr.take(*obj), fr.take(*src));
                set_field(&obj, *field, value, *via_me, cache).map_err(|e| e.at(*loc))?
            }
            Op::GetGlobal { dst, global } => fr.set(*dst, program::global(*global)),
            Op::SetGlobal { global, src } => {
                let new = fr.take(*src);
                program::set_global(*global, new);
            }
            Op::Singleton { dst, class, loc } => fr.set(*dst, program::singleton(*class).map_err(|e| e.at(*loc))?),
            Op::Print { src, loc } => {
                let value = fr.take(*src);
                ops::print_line(&value).map_err(|e| e.at(*loc))?;
            }
            Op::Catch { dst } => {
                let e = caught.take().unwrap_or_else(|| Exception::runtime("catch without an exception"));
                fr.set(*dst, new_obj(Obj::Caught(e)));
            }
            Op::CatchValue { dst, exc } => {
                let v = with_caught(&fr.take(*exc), catch_value);
                fr.set(*dst, v)
            }
            Op::IsA { dst, exc, class } => {
                let is = caught_is_a(&fr.take(*exc), *class);
                fr.set(*dst, is);
            }
            Op::MakeFuture { dst, src } => {
                let v = new_obj(Obj::Future(Ok(fr.take(*src))));
                fr.set(*dst, v)
            }
            Op::FailedFuture { dst, exc } => {
                let e = caught_exception(&fr.take(*exc));
                fr.set(*dst, new_obj(Obj::Future(Err(e))));
            }
            Op::Await { dst, src, loc } => {
                let v = await_value(&fr.take(*src)).map_err(|e| e.at(*loc))?;
                fr.set(*dst, v);
            }
            Op::Const { .. }
            | Op::Drop { .. }
            | Op::Move { .. }
            | Op::Arith { .. }
            | Op::Add(_)
            | Op::Sub(_)
            | Op::Mul(_)
            | Op::Cmp { .. }
            | Op::Not { .. }
            | Op::Truthy { .. }
            | Op::Call { .. }
            | Op::CmpBranch { .. }
            | Op::Branch { .. }
            | Op::Jump(_)
            | Op::Return(_)
            | Op::Throw { .. }
            | Op::Rethrow { .. } => unreachable!("handled by the interpreter loop"),
        }
        Ok(None)
    }
}

/// Write a parameter into a frame from [`Vm::frame`], whose parameters hold no box yet:
/// nothing to release.
#[inline(always)]
fn place(slot: &mut Value, value: Value) {
    debug_assert!(!slot.is_heap());
    // SAFETY: the old value is not a heap value, so overwriting it leaks nothing.
    unsafe { std::ptr::write(slot, value) }
}

/// Call compiled code with `regs` as its `args`, which it takes over: they are left void.
///
/// # Safety
/// `code` must take over exactly `regs.len()` values (see `codegen::Entry`).
unsafe fn hand_over(code: NativeCode, regs: &mut [Value]) -> RtResult {
    let mut out = Value::Void;
    let status = code(regs.as_mut_ptr(), &mut out);
    for r in regs.iter_mut() {
        // The compiled code owns these values now: overwrite without dropping.
        std::ptr::write(r, Value::Void);
    }
    match status {
        abi::OK => Ok(out),
        _ => Err(abi::take_pending()),
    }
}

/// How a call begins (see [`Vm::start`]).
enum Start {
    /// Done already: compiled code ran, or the call could not start.
    Done(RtResult),
    /// An interpreted callee, on this frame, counted in as a call.
    Interpret(Box<[Value]>),
}

/// An interpreted call the cold path began: the callee and its frame.
type Callee = (u32, Box<[Value]>);

/// A caller waiting in the interpreter loop for its callee's result, which its call op
/// (the one before `ip`) says where to put.
struct Suspended {
    func: u32,
    ip: *const Op,
    regs: Box<[Value]>,
    caught: Option<Exception>,
}

/// How the interpreter's inner loop is left.
enum Exit {
    /// An error raised by the op before `ip`.
    Raise(Exception),
    /// The running function is done, with its result or an error for its caller.
    Return(RtResult),
}

/// A running function's registers, then its constants, read through operands.
struct Frame {
    regs: Box<[Value]>,
}

// SAFETY (every `get_unchecked` below): `Code::compile` only translates modules that
// pass `mir::verify`, so every register operand is below the function's register count,
// and every constant operand below that plus its constants': the length of its frame.
impl Frame {
    /// Read an operand by reference.
    #[inline(always)]
    fn get(&self, r: u32) -> &Value {
        unsafe { self.regs.get_unchecked((r & !MOVE) as usize) }
    }

    #[inline(always)]
    fn reg_mut(&mut self, r: u32) -> &mut Value {
        unsafe { self.regs.get_unchecked_mut((r & !MOVE) as usize) }
    }

    #[inline(always)]
    fn set(&mut self, dst: u32, value: Value) {
        Value::replace_in(self.reg_mut(dst), value);
    }

    /// A call's result: into `dst`, or released at once if the call was a statement of
    /// its own (`discard`; `dst` is then never written and stays void).
    #[inline(always)]
    fn store(&mut self, dst: u32, value: Value, discard: bool) {
        if discard {
            drop(value);
        } else {
            self.set(dst, value);
        }
    }

    /// Write an Integer or a Float as two whole words: a value built byte by byte on the
    /// stack and copied in costs a store-forwarding stall on every arithmetic op.
    #[inline(always)]
    fn set_number(&mut self, dst: u32, tag: u8, payload: u64) {
        self.set_words(dst, tag as u64, payload);
    }

    /// ArrayBox `get(i)`, `set(i, v)` and `length()` on an array and an Integer index in
    /// range, and `push(v)`, done in place with whole-word copies, as compiled code does them; `false`
    /// (nothing done) for anything else. The operands go as in the hot path: the element
    /// is read (or the old one released), then the receiver and the arguments. A result
    /// that is `discard`ed is not written at all (`dst` stays void).
    #[inline(always)]
    fn array_in_place(&mut self, hot: Hot, recv: u32, args: &[u32], dst: u32, discard: bool) -> bool {
        let Value::Obj(o) = self.get(recv) else { return false };
        let Obj::Array(items) = &**o else { return false };
        // The receiver's register keeps the array alive until it is released below.
        let items: *const Items = items;
        let items = unsafe { &*items };
        let index = |fr: &Self, r: u32| match fr.get(r) {
            Value::Int(i) => items.element(*i),
            _ => None,
        };
        match (hot, args) {
            (Hot::Length, []) => {
                let n = items.len();
                self.release(&[recv]);
                if !discard {
                    self.set_number(dst, tag::INT, n as u64);
                }
            }
            (Hot::Get, [i]) => match index(self, *i) {
                // SAFETY (both): a live element; a copy counts its reference before the
                // array can go.
                Some(Element::Packed(n)) => {
                    let n = unsafe { *n };
                    self.release(&[recv, *i]);
                    if !discard {
                        self.set_number(dst, tag::INT, n as u64);
                    }
                }
                Some(Element::Boxed(element)) => {
                    let copy = (!discard).then(|| unsafe { (*element).clone() });
                    self.release(&[recv, *i]);
                    if let Some(copy) = copy {
                        self.set(dst, copy);
                    }
                }
                None => return false,
            },
            (Hot::Push, [v]) => {
                let new = self.take(*v);
                items.push(new);
                self.release(&[recv]);
                if !discard {
                    self.set_number(dst, tag::VOID, 0);
                }
            }
            (Hot::Set, [i, v]) => {
                match (index(self, *i), self.get(*v)) {
                    // SAFETY (both): a live element, replaced before anything else runs.
                    (Some(Element::Packed(n)), Value::Int(new)) => unsafe { *n = *new },
                    (Some(Element::Boxed(element)), _) => {
                        let new = self.take(*v);
                        drop(unsafe { std::ptr::replace(element, new) });
                    }
                    _ => return false,
                }
                self.release(&[recv, *i]);
                if !discard {
                    self.set_number(dst, tag::VOID, 0);
                }
            }
            _ => return false,
        }
        true
    }

    /// `lhs op rhs` as a truth: numbers inline, anything else through the runtime (which
    /// may fail), whose operands are then released.
    #[inline(always)]
    fn compare(&mut self, op: Cmp, lhs: u32, rhs: u32) -> RtResult<bool> {
        let (a, b) = (self.get(lhs), self.get(rhs));
        Ok(match (a, b, ops::float_operands(a, b)) {
            (Value::Int(a), Value::Int(b), _) => op.on_ints(*a, *b),
            (_, _, Some((x, y))) => op.on_floats(x, y),
            (a, b, None) => {
                let truth = ops::compare(op, a, b)?.truthy();
                self.release(&[lhs, rhs]);
                truth
            }
        })
    }

    /// The instance in register `obj` and its field's slot, when its class is the one the
    /// field site's cache holds (only ever a strong field the access may touch), as
    /// compiled code tests it inline.
    #[inline(always)]
    fn instance_at(&self, obj: u32, cache: &Cell<FieldCache>) -> Option<(*const Instance, u32)> {
        let Value::Obj(o) = self.get(obj) else { return None };
        let Obj::Instance(inst) = &**o else { return None };
        let seen = cache.get();
        (seen.class == inst.class).then_some((inst as *const Instance, seen.slot))
    }

    /// Write a Bool as two whole words.
    #[inline(always)]
    fn set_bool(&mut self, dst: u32, truth: bool) {
        self.set_words(dst, tag::BOOL as u64, truth as u64);
    }

    /// The old value is released after the new one is written, so that the new payload
    /// is not kept (spilled) across the release's call: a Float result would otherwise
    /// make a round trip through memory on every arithmetic op.
    #[inline(always)]
    fn set_words(&mut self, dst: u32, first: u64, payload: u64) {
        let slot: *mut Value = self.reg_mut(dst);
        // SAFETY: callers pass the words of a valid unboxed value (its tag, then its
        // payload); the old value is moved out before it is overwritten.
        unsafe {
            let old = std::ptr::read(slot);
            let words = slot as *mut u64;
            words.write(first);
            words.add(1).write(payload);
            drop(old);
        }
    }

    /// Read an operand as an owned value: moved out if this is the temporary's last use.
    #[inline(always)]
    fn take(&mut self, r: u32) -> Value {
        if r & MOVE != 0 {
            std::mem::take(self.reg_mut(r))
        } else {
            self.get(r).clone()
        }
    }

    /// Release temporaries that an instruction read by reference.
    #[inline(always)]
    fn release(&mut self, operands: &[u32]) {
        for &r in operands {
            if r & MOVE != 0 {
                *self.reg_mut(r) = Value::Void;
            }
        }
    }
}
