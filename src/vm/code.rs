//! The VM's pre-resolved instruction form, translated from MIR once before running.

use crate::mir::analysis::result_discarded;
use crate::mir::{self, BinaryOp, BoxDef, Const, Inst, Module, Terminator, UnaryOp};
use nyash_runtime::boxes::hot::Hot;
use nyash_runtime::class::{intern, ClassId, Sym};
use nyash_runtime::object::{FieldCache, Shape, NO_CLASS};
use std::cell::Cell;

use nyash_runtime::ops::{Arith, Cmp};
use nyash_runtime::{Loc, Value};

type R = u32;

/// Set on an operand that reads a temporary for the last time: the VM moves the value
/// out of the register instead of copying it, so a temporary never keeps a box alive
/// (and `fini` runs as soon as the program drops its last real reference).
pub const MOVE: u32 = 1 << 31;

#[repr(u8)]
pub enum Op {
    Const {
        dst: R,
        value: Value,
    },
    Move {
        dst: R,
        src: R,
    },
    /// `+`, `-` and `*`: an op of their own each, so that the interpreter's one dispatch
    /// picks the operator too (no second jump, on the operator).
    Add(Binary),
    Sub(Binary),
    Mul(Binary),
    /// `/` and `%`, which may fail on Integers.
    Arith {
        dst: R,
        op: Arith,
        lhs: R,
        rhs: R,
        loc: Loc,
    },
    Cmp {
        dst: R,
        op: Cmp,
        lhs: R,
        rhs: R,
        loc: Loc,
    },
    Neg {
        dst: R,
        src: R,
        loc: Loc,
    },
    Not {
        dst: R,
        src: R,
    },
    Truthy {
        dst: R,
        src: R,
    },
    Call {
        dst: R,
        func: u32,
        args: Box<[R]>,
        loc: Loc,
    },
    /// `cache` remembers the last user box seen here and the method it resolved to;
    /// `hot`, the builtin method tried first (see `boxes::hot`).
    BoxCall {
        dst: R,
        recv: R,
        method: Sym,
        args: Box<[R]>,
        loc: Loc,
        cache: Cell<(ClassId, u32)>,
        hot: Option<Hot>,
        /// The MIR `drop` of the result that followed, folded in: the result is released
        /// as soon as it is made (a call in statement position).
        discard: bool,
    },
    NewBuiltin {
        dst: R,
        name: Box<str>,
        args: Box<[R]>,
        loc: Loc,
    },
    /// A fresh instance of `class`.
    Alloc {
        dst: R,
        class: u32,
        shape: Shape,
    },
    SetInner {
        obj: R,
        src: R,
    },
    GetInner {
        dst: R,
        obj: R,
    },
    Drop {
        src: R,
    },
    GetField {
        dst: R,
        obj: R,
        field: Sym,
        via_me: bool,
        loc: Loc,
        cache: Cell<FieldCache>,
    },
    SetField {
        obj: R,
        field: Sym,
        src: R,
        via_me: bool,
        loc: Loc,
        cache: Cell<FieldCache>,
    },
    GetGlobal {
        dst: R,
        global: u32,
    },
    SetGlobal {
        global: u32,
        src: R,
    },
    Singleton {
        dst: R,
        class: u32,
        loc: Loc,
    },
    Print {
        src: R,
        loc: Loc,
    },
    Catch {
        dst: R,
    },
    CatchValue {
        dst: R,
        exc: R,
    },
    IsA {
        dst: R,
        exc: R,
        class: u32,
    },
    MakeFuture {
        dst: R,
        src: R,
    },
    FailedFuture {
        dst: R,
        exc: R,
    },
    Await {
        dst: R,
        src: R,
        loc: Loc,
    },
    Jump(u32),
    Branch {
        cond: R,
        then_to: u32,
        else_to: u32,
    },
    /// A comparison whose only use is the branch after it.
    CmpBranch {
        op: Cmp,
        lhs: R,
        rhs: R,
        then_to: u32,
        else_to: u32,
        loc: Loc,
    },
    Return(R),
    Throw {
        src: R,
        loc: Loc,
    },
    Rethrow {
        exc: R,
    },
}

/// The operands of an arithmetic op.
pub struct Binary {
    pub dst: R,
    pub lhs: R,
    pub rhs: R,
    pub loc: Loc,
}

/// Where a call's result goes in its caller.
pub struct ResultTo {
    pub dst: R,
    /// A call in statement position: the result is released at once.
    pub discard: bool,
    /// The call's location, which an error passing through it adds to its trace.
    pub loc: Loc,
}

impl Op {
    /// Where the result of this call op goes.
    #[inline(always)]
    pub fn result_to(&self) -> ResultTo {
        match self {
            Op::Call { dst, loc, .. } => ResultTo { dst: *dst, discard: false, loc: *loc },
            Op::BoxCall { dst, discard, loc, .. } => ResultTo { dst: *dst, discard: *discard, loc: *loc },
            _ => unreachable!("only a call op has a result to place"),
        }
    }

    /// How many kinds of op there are.
    pub const CLASSES: usize = 32;

    /// The op's kind, for `--profile`: an index below [`Op::CLASSES`] and its name.
    pub fn class(&self) -> (usize, &'static str) {
        match self {
            Op::Const { .. } => (0, "Const"),
            Op::Move { .. } => (1, "Move"),
            // One kind, as in MIR, whichever the operator.
            Op::Arith { .. } | Op::Add(_) | Op::Sub(_) | Op::Mul(_) => (2, "Arith"),
            Op::Cmp { .. } => (3, "Cmp"),
            Op::Neg { .. } => (4, "Neg"),
            Op::Not { .. } => (5, "Not"),
            Op::Truthy { .. } => (6, "Truthy"),
            Op::Call { .. } => (7, "Call"),
            Op::BoxCall { .. } => (8, "BoxCall"),
            Op::NewBuiltin { .. } => (9, "NewBuiltin"),
            Op::Alloc { .. } => (10, "Alloc"),
            Op::SetInner { .. } => (11, "SetInner"),
            Op::GetInner { .. } => (12, "GetInner"),
            Op::Drop { .. } => (13, "Drop"),
            Op::GetField { .. } => (14, "GetField"),
            Op::SetField { .. } => (15, "SetField"),
            Op::GetGlobal { .. } => (16, "GetGlobal"),
            Op::SetGlobal { .. } => (17, "SetGlobal"),
            Op::Singleton { .. } => (18, "Singleton"),
            Op::Print { .. } => (19, "Print"),
            Op::Catch { .. } => (20, "Catch"),
            Op::CatchValue { .. } => (21, "CatchValue"),
            Op::IsA { .. } => (22, "IsA"),
            Op::MakeFuture { .. } => (23, "MakeFuture"),
            Op::FailedFuture { .. } => (24, "FailedFuture"),
            Op::Await { .. } => (25, "Await"),
            Op::Jump(..) => (26, "Jump"),
            Op::Branch { .. } => (27, "Branch"),
            Op::CmpBranch { .. } => (28, "CmpBranch"),
            Op::Return(..) => (29, "Return"),
            Op::Throw { .. } => (30, "Throw"),
            Op::Rethrow { .. } => (31, "Rethrow"),
        }
    }
}

pub struct VmFunction {
    pub params: u32,
    pub regs: u32,
    pub ops: Vec<Op>,
    /// The constants operands read, numbered from `regs` on: a frame holds them after its
    /// registers, from when it is made, so that every operand is one indexed load.
    pub consts: Vec<Value>,
    /// `(first op, last op + 1, handler op)` for every block that has a handler.
    handlers: Vec<(u32, u32, u32)>,
    /// The first op of each MIR block.
    block_starts: Vec<u32>,
    /// The temporaries (registers read once, in the block that writes them). None is live
    /// where a block starts, so an error releases them all before it goes to a handler or
    /// to the caller: the temporaries of the expression that failed go with it.
    pub temps: Box<[u32]>,
    /// Every other register. A temporary's one read moves a box out of it (or it never
    /// held one), so these are the only registers a frame may hold boxes in when the
    /// function returns: the ones to release then.
    pub locals: Box<[u32]>,
}

impl VmFunction {
    /// A frame: void registers, then the constants.
    pub fn new_frame(&self) -> Box<[Value]> {
        let registers = std::iter::repeat_with(|| Value::Void).take(self.regs as usize);
        registers.chain(self.consts.iter().cloned()).collect()
    }

    /// The number of the op `ip` points to (or just past the last).
    pub fn index_of(&self, ip: *const Op) -> usize {
        // SAFETY: `ip` points into (or just past) `ops`.
        unsafe { ip.offset_from(self.ops.as_ptr()) as usize }
    }

    /// Where an exception raised by op `pc` goes, if anywhere in this function.
    pub fn handler_at(&self, pc: usize) -> Option<u32> {
        handler_in(&self.handlers, pc)
    }

    /// The MIR block that starts at op `pc` (a jump target).
    pub fn block_at(&self, pc: u32) -> u32 {
        self.block_starts.partition_point(|&start| start < pc) as u32
    }
}

pub struct Code {
    pub functions: Vec<VmFunction>,
}

impl Code {
    /// Translate a module. The VM indexes registers without bounds checks, so only a
    /// verified module may be translated: `driver::compile` verifies every module before
    /// any backend sees it.
    /// `tiered`: a tier watches the back-edges (see `compile_function`).
    pub fn compile(module: &Module, tiered: bool) -> Code {
        debug_assert_eq!(mir::verify::verify(module), Ok(()));
        let shapes: Vec<Shape> = module.boxes.iter().map(BoxDef::shape).collect();
        Code { functions: module.functions.iter().map(|f| compile_function(f, &shapes, tiered)).collect() }
    }
}

fn constant(c: &Const) -> Value {
    match c {
        Const::Void => Value::Void,
        Const::Null => Value::Null,
        Const::Bool(b) => Value::Bool(*b),
        Const::Int(n) => Value::Int(*n),
        Const::Float(f) => Value::Float(*f),
        Const::Str(s) => Value::str(s.as_str()),
    }
}

/// `shapes`: each box's, by class id. `tiered`: every back-edge must stay a `Jump`, where
/// the tier counts loop iterations; without a tier, a jump to a loop test is the test.
fn compile_function(f: &mir::Function, shapes: &[Shape], tiered: bool) -> VmFunction {
    let temps = crate::mir::analysis::single_use_temporaries(f);
    // A constant read once becomes an operand of its reader: no op, no register write.
    // It lives after the registers, in every frame of the function (see `consts`).
    let mut consts = Vec::new();
    let mut folded: Vec<Option<u32>> = vec![None; f.regs as usize];
    for inst in f.insts() {
        if let Inst::Const { dst, value } = inst {
            if temps[*dst as usize] {
                folded[*dst as usize] = Some(f.regs + consts.len() as u32);
                consts.push(constant(value));
            }
        }
    }
    let u = |r: u32| folded[r as usize].unwrap_or(if temps[r as usize] { r | MOVE } else { r });

    // Jump targets are block ids until every block's start is known.
    let mut ops = Vec::new();
    let mut starts = Vec::with_capacity(f.blocks.len());
    let mut handlers = Vec::new();
    for b in &f.blocks {
        let start = ops.len() as u32;
        starts.push(start);
        let fused = crate::mir::analysis::fused_compare(b, &temps);
        let insts = if fused.is_some() { &b.insts[..b.insts.len() - 1] } else { &b.insts[..] };
        for (i, inst) in insts.iter().enumerate() {
            if i > 0 && result_discarded(insts, i - 1) {
                continue; // the drop, which the call does
            }
            if !matches!(inst, Inst::Const { dst, .. } if folded[*dst as usize].is_some()) {
                let mut op = compile_inst(inst, &u, shapes);
                if let Op::BoxCall { discard, .. } = &mut op {
                    *discard = result_discarded(insts, i);
                }
                ops.push(op);
            }
        }
        ops.push(match (&b.term, fused) {
            (Terminator::Branch { then_to, else_to, .. }, Some((op, lhs, rhs, loc))) => {
                Op::CmpBranch { op, lhs: u(lhs), rhs: u(rhs), then_to: *then_to, else_to: *else_to, loc }
            }
            (Terminator::Jump(t), _) => Op::Jump(*t),
            (Terminator::Branch { cond, then_to, else_to }, _) => {
                Op::Branch { cond: u(*cond), then_to: *then_to, else_to: *else_to }
            }
            (Terminator::Return(r), _) => Op::Return(u(*r)),
            (Terminator::Throw { src, loc }, _) => Op::Throw { src: u(*src), loc: *loc },
            (Terminator::Rethrow { exc }, _) => Op::Rethrow { exc: u(*exc) },
        });
        if let Some(h) = b.handler {
            handlers.push((start, ops.len() as u32, h));
        }
    }
    // Every back-edge is a `Jump`, where the VM counts loop iterations for the tier (and
    // where a loop moves to machine code): a conditional branch back (`if c { continue }`
    // threaded straight to the loop header) goes through a jump placed after the code.
    let mut trampolines = Vec::new();
    let first_trampoline = ops.len() as u32;
    let mut target = |at: usize, block: u32| {
        let start = starts[block as usize];
        if start as usize > at {
            return start;
        }
        trampolines.push(Op::Jump(start));
        first_trampoline + trampolines.len() as u32 - 1
    };
    for (at, op) in ops.iter_mut().enumerate() {
        match op {
            Op::Jump(t) => *t = starts[*t as usize],
            Op::Branch { then_to, else_to, .. } | Op::CmpBranch { then_to, else_to, .. } => {
                *then_to = target(at, *then_to);
                *else_to = target(at, *else_to);
            }
            _ => {}
        }
    }
    ops.extend(trampolines);
    if !tiered {
        thread_jumps_to_tests(&mut ops, &handlers);
    }
    for h in &mut handlers {
        h.2 = starts[h.2 as usize];
    }
    let (temps, locals): (Vec<u32>, Vec<u32>) = (0..f.regs).partition(|&r| temps[r as usize]);
    let (temps, locals) = (temps.into(), locals.into());
    VmFunction { params: f.params, regs: f.regs, ops, consts, handlers, block_starts: starts, temps, locals }
}

/// Replace each jump to a block that begins with a compare-and-branch (a loop's test, as
/// a loop's last block jumps back to it) with a copy of that test: one op a turn of the
/// loop instead of two. The test's operands are no temporaries (none is live where a
/// block starts), so reading them twice is sound; the copy is made only where the jump
/// and the test have the same handler, so an error in it goes where it went.
fn thread_jumps_to_tests(ops: &mut [Op], handlers: &[(u32, u32, u32)]) {
    for at in 0..ops.len() {
        let Op::Jump(target) = ops[at] else { continue };
        if let Op::CmpBranch { op, lhs, rhs, then_to, else_to, loc } = ops[target as usize] {
            if handler_in(handlers, at) == handler_in(handlers, target as usize) {
                ops[at] = Op::CmpBranch { op, lhs, rhs, then_to, else_to, loc };
            }
        }
    }
}

/// The handler of op `pc`, in `(first op, last op + 1, handler)` ranges.
fn handler_in(handlers: &[(u32, u32, u32)], pc: usize) -> Option<u32> {
    let pc = pc as u32;
    handlers.iter().find(|(start, end, _)| (*start..*end).contains(&pc)).map(|h| h.2)
}

fn compile_inst(inst: &Inst, u: &impl Fn(u32) -> u32, shapes: &[Shape]) -> Op {
    let args = |a: &[u32]| a.iter().map(|r| u(*r)).collect::<Box<[u32]>>();
    match inst {
        Inst::Const { dst, value } => Op::Const { dst: *dst, value: constant(value) },
        Inst::Move { dst, src } => Op::Move { dst: *dst, src: u(*src) },
        Inst::Binary { dst, op: BinaryOp::Arith(op), lhs, rhs, loc } => {
            let binary = Binary { dst: *dst, lhs: u(*lhs), rhs: u(*rhs), loc: *loc };
            match op {
                Arith::Add => Op::Add(binary),
                Arith::Sub => Op::Sub(binary),
                Arith::Mul => Op::Mul(binary),
                Arith::Div | Arith::Mod => {
                    let Binary { dst, lhs, rhs, loc } = binary;
                    Op::Arith { dst, op: *op, lhs, rhs, loc }
                }
            }
        }
        Inst::Binary { dst, op: BinaryOp::Cmp(op), lhs, rhs, loc } => {
            Op::Cmp { dst: *dst, op: *op, lhs: u(*lhs), rhs: u(*rhs), loc: *loc }
        }
        Inst::Unary { dst, op: UnaryOp::Neg, src, loc } => Op::Neg { dst: *dst, src: u(*src), loc: *loc },
        Inst::Unary { dst, op: UnaryOp::Not, src, .. } => Op::Not { dst: *dst, src: u(*src) },
        Inst::Unary { dst, op: UnaryOp::Truthy, src, .. } => Op::Truthy { dst: *dst, src: u(*src) },
        Inst::Call { dst, func, args: a, loc } => Op::Call { dst: *dst, func: *func, args: args(a), loc: *loc },
        Inst::BoxCall { dst, recv, method, args: a, loc } => {
            let (cache, hot) = (Cell::new((NO_CLASS, 0)), Hot::of(method, a.len()));
            let (dst, recv, method, args, loc) = (*dst, u(*recv), intern(method), args(a), *loc);
            Op::BoxCall { dst, recv, method, args, loc, cache, hot, discard: false }
        }
        Inst::NewBuiltin { dst, name, args: a, loc } => {
            Op::NewBuiltin { dst: *dst, name: name.as_str().into(), args: args(a), loc: *loc }
        }
        Inst::Alloc { dst, class } => Op::Alloc { dst: *dst, class: *class, shape: shapes[*class as usize] },
        Inst::SetInner { obj, src } => Op::SetInner { obj: u(*obj), src: u(*src) },
        Inst::GetInner { dst, obj } => Op::GetInner { dst: *dst, obj: u(*obj) },
        Inst::Drop { src } => Op::Drop { src: *src },
        Inst::GetField { dst, obj, field, via_me, loc } => {
            let cache = Cell::default();
            Op::GetField { dst: *dst, obj: u(*obj), field: intern(field), via_me: *via_me, loc: *loc, cache }
        }
        Inst::SetField { obj, field, src, via_me, loc } => {
            let cache = Cell::default();
            Op::SetField { obj: u(*obj), field: intern(field), src: u(*src), via_me: *via_me, loc: *loc, cache }
        }
        Inst::GetGlobal { dst, global } => Op::GetGlobal { dst: *dst, global: *global },
        Inst::SetGlobal { global, src } => Op::SetGlobal { global: *global, src: u(*src) },
        Inst::Singleton { dst, class, loc } => Op::Singleton { dst: *dst, class: *class, loc: *loc },
        Inst::Print { src, loc } => Op::Print { src: u(*src), loc: *loc },
        Inst::Catch { dst } => Op::Catch { dst: *dst },
        Inst::CatchValue { dst, exc } => Op::CatchValue { dst: *dst, exc: u(*exc) },
        Inst::IsA { dst, exc, class } => Op::IsA { dst: *dst, exc: u(*exc), class: *class },
        Inst::MakeFuture { dst, src } => Op::MakeFuture { dst: *dst, src: u(*src) },
        Inst::FailedFuture { dst, exc } => Op::FailedFuture { dst: *dst, exc: u(*exc) },
        Inst::Await { dst, src, loc } => Op::Await { dst: *dst, src: u(*src), loc: *loc },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mir::{Block, Function};

    /// `i = 0; loop(i < n) { i = i + 1 }; return i`, with the test in a block of its own.
    fn counting_loop() -> Function {
        let block = |insts, term| Block { insts, term, handler: None };
        let int = |dst, n| Inst::Const { dst, value: Const::Int(n) };
        let loc = Loc::default();
        Function {
            name: "f".into(),
            params: 1,
            owner: None,
            regs: 4,
            blocks: vec![
                block(vec![int(1, 0), int(3, 1)], Terminator::Jump(1)),
                block(
                    vec![Inst::Binary { dst: 2, op: BinaryOp::Cmp(Cmp::Lt), lhs: 1, rhs: 0, loc }],
                    Terminator::Branch { cond: 2, then_to: 2, else_to: 3 },
                ),
                block(
                    vec![Inst::Binary { dst: 1, op: BinaryOp::Arith(Arith::Add), lhs: 1, rhs: 3, loc }],
                    Terminator::Jump(1),
                ),
                block(vec![], Terminator::Return(1)),
            ],
            locals: Vec::new(),
            range: None,
        }
    }

    /// The op that ends the loop's body: its back-edge.
    fn back_edge(f: &VmFunction) -> &Op {
        &f.ops[f.block_starts[3] as usize - 1]
    }

    #[test]
    fn without_a_tier_the_back_edge_is_the_loop_test() {
        let f = compile_function(&counting_loop(), &[], false);
        let header = f.block_starts[1];
        let Op::CmpBranch { then_to, else_to, .. } = back_edge(&f) else { panic!("not threaded") };
        let Op::CmpBranch { then_to: t, else_to: e, .. } = &f.ops[header as usize] else { panic!("no test") };
        assert_eq!((then_to, else_to), (t, e));
    }

    #[test]
    fn with_a_tier_every_back_edge_stays_a_jump() {
        let f = compile_function(&counting_loop(), &[], true);
        assert!(matches!(back_edge(&f), Op::Jump(t) if *t == f.block_starts[1]));
    }
}
