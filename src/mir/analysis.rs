//! Facts about MIR functions that several backends use.

use super::Function;

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
