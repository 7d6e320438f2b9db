//! Facts about MIR functions that several backends use.

use super::{BinaryOp, Block, Const, Function, Inst, Loc, Reg, Terminator};
use nyash_runtime::ops::Cmp;

/// Temporaries: registers written once and read once, later in the same block. Their one
/// read is their last, so backends move the value out there (and a temporary never keeps
/// a box alive longer than the expression that made it). A named local is one only when
/// it holds the result of an operator or a constant: never an instance, so no `fini` or
/// weak field can tell when it goes.
pub fn single_use_temporaries(f: &Function) -> Vec<bool> {
    let n = f.regs as usize;
    let (mut defs, mut uses) = (vec![0u32; n], vec![0u32; n]);
    let (mut def_at, mut use_at) = (vec![(0usize, 0usize); n], vec![(0usize, 0usize); n]);
    for (b, block) in f.blocks.iter().enumerate() {
        for (i, inst) in block.insts.iter().enumerate() {
            for u in inst.uses() {
                uses[u as usize] += 1;
                use_at[u as usize] = (b, i);
            }
            if let Some(d) = inst.dst() {
                defs[d as usize] += 1;
                def_at[d as usize] = (b, i);
            }
        }
        for u in block.term.uses() {
            uses[u as usize] += 1;
            use_at[u as usize] = (b, block.insts.len());
        }
    }
    let mut named = vec![false; n];
    for &r in &f.locals {
        named[r as usize] = true;
    }
    let operator_result = |(b, i): (usize, usize)| {
        matches!(f.blocks[b].insts[i], Inst::Const { .. } | Inst::Binary { .. } | Inst::Unary { .. })
    };
    (0..n)
        .map(|r| {
            r >= f.params as usize
                && defs[r] == 1
                && (!named[r] || operator_result(def_at[r]))
                && uses[r] == 1
                && def_at[r].0 == use_at[r].0
                && def_at[r].1 < use_at[r].1
        })
        .collect()
}

/// `%d = boxcall ...` directly followed by `drop %d`: a method call in statement position.
/// Backends release its result as soon as the call returns (never materialising the void
/// of the common case), and the drop has nothing left to do.
pub fn result_discarded(insts: &[Inst], i: usize) -> bool {
    matches!((&insts[i], insts.get(i + 1)), (Inst::BoxCall { dst, .. }, Some(Inst::Drop { src })) if dst == src)
}

/// A block ending `%c = cmp a, b; branch %c` where `%c` is a temporary: backends test the
/// comparison and branch in one step, never materialising the Bool.
pub fn fused_compare(b: &Block, temps: &[bool]) -> Option<(Cmp, Reg, Reg, Loc)> {
    let Terminator::Branch { cond, .. } = &b.term else { return None };
    match b.insts.last()? {
        Inst::Binary { dst, op: BinaryOp::Cmp(op), lhs, rhs, loc } if dst == cond && temps[*dst as usize] => {
            Some((*op, *lhs, *rhs, *loc))
        }
        _ => None,
    }
}

/// Variables that hold an Integer whenever they are read: every write stores one (an
/// Integer constant, a copy of such a register, or arithmetic on two of them, which yields
/// an Integer or fails), and no read can come before the first write. Backends may keep
/// them unboxed. Parameters are never among them: callers may pass anything.
pub fn integer_variables(f: &Function, temps: &[bool]) -> Vec<bool> {
    let n = f.regs as usize;
    let mut int: Vec<bool> = (0..n).map(|r| r >= f.params as usize && !temps[r]).collect();
    let assigned = definitely_assigned(f);
    loop {
        let mut changed = false;
        let mut demote = |r: Reg, int: &mut Vec<bool>| {
            if int[r as usize] {
                int[r as usize] = false;
                changed = true;
            }
        };
        for (b, block) in f.blocks.iter().enumerate() {
            let mut written = assigned[b].clone();
            let mut temp_int = vec![false; n];
            for inst in &block.insts {
                for u in inst.uses() {
                    if !temps[u as usize] && !written[u as usize] {
                        demote(u, &mut int);
                    }
                }
                let Some(d) = inst.dst() else { continue };
                let is_int = |r: Reg| if temps[r as usize] { temp_int[r as usize] } else { int[r as usize] };
                let yields_int = match inst {
                    Inst::Const { value: Const::Int(_), .. } => true,
                    Inst::Move { src, .. } => is_int(*src),
                    Inst::Binary { op: BinaryOp::Arith(_), lhs, rhs, .. } => is_int(*lhs) && is_int(*rhs),
                    _ => false,
                };
                if temps[d as usize] {
                    temp_int[d as usize] = yields_int;
                } else if !yields_int {
                    demote(d, &mut int);
                }
                written[d as usize] = true;
            }
            for u in block.term.uses() {
                if !temps[u as usize] && !written[u as usize] {
                    demote(u, &mut int);
                }
            }
        }
        if !changed {
            return int;
        }
    }
}

/// For each block, the registers written on every path to its start (parameters are
/// written on entry). A handler block is reached from anywhere in the blocks it protects,
/// so it gets what is written at their starts.
fn definitely_assigned(f: &Function) -> Vec<Vec<bool>> {
    let n = f.regs as usize;
    let mut into = vec![vec![true; n]; f.blocks.len()];
    into[0] = (0..n).map(|r| r < f.params as usize).collect();
    loop {
        let mut changed = false;
        for (b, block) in f.blocks.iter().enumerate() {
            let mut out = into[b].clone();
            for d in block.insts.iter().filter_map(Inst::dst) {
                out[d as usize] = true;
            }
            let edges = block.term.successors().into_iter().map(|s| (s, out.clone()));
            let handler = block.handler.map(|h| (h, into[b].clone()));
            for (s, state) in edges.chain(handler) {
                for (known, now) in into[s as usize].iter_mut().zip(state) {
                    if *known && !now {
                        *known = false;
                        changed = true;
                    }
                }
            }
        }
        if !changed {
            return into;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use nyash_runtime::ops::Arith;

    fn int(dst: Reg, n: i64) -> Inst {
        Inst::Const { dst, value: Const::Int(n) }
    }

    fn add(dst: Reg, lhs: Reg, rhs: Reg) -> Inst {
        Inst::Binary { dst, op: BinaryOp::Arith(Arith::Add), lhs, rhs, loc: Loc::default() }
    }

    /// `%1 = 0; loop { %1 = %1 + %2 }` with `%2 = 1` (an Integer counter), `%3` written
    /// with the parameter (anything), `%4` read before any write on the first iteration.
    #[test]
    fn integer_variables_are_always_written_integers_before_reads() {
        let block = |insts, term| Block { insts, term, handler: None };
        let f = Function {
            name: "f".into(),
            params: 1,
            owner: None,
            regs: 5,
            blocks: vec![
                block(vec![int(1, 0), int(2, 1)], Terminator::Jump(1)),
                block(
                    vec![add(1, 1, 2), Inst::Move { dst: 3, src: 0 }, add(4, 4, 2)],
                    Terminator::Branch { cond: 1, then_to: 1, else_to: 2 },
                ),
                block(vec![], Terminator::Return(1)),
            ],
            locals: Vec::new(),
            range: None,
        };
        let temps = single_use_temporaries(&f);
        assert_eq!(integer_variables(&f, &temps), vec![false, true, true, false, false]);
    }
}
