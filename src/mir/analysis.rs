//! Facts about MIR functions that several backends use.

use super::{BinaryOp, Block, Function, Inst, Loc, Reg, Terminator};
use nyash_runtime::ops::Cmp;

/// Temporaries: registers written once and read once, later in the same block. Their one
/// read is their last, so backends move the value out there (and a temporary never keeps
/// a box alive longer than the expression that made it).
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
    (0..n)
        .map(|r| {
            r >= f.params as usize
                && defs[r] == 1
                && uses[r] == 1
                && def_at[r].0 == use_at[r].0
                && def_at[r].1 < use_at[r].1
        })
        .collect()
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
