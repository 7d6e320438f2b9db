//! CFG clean-up after lowering: jumps to empty blocks are threaded to their final target,
//! a block reached only by a jump from its predecessor is merged into it, and unreachable
//! blocks are dropped. Lowering stays simple (it opens a new block wherever convenient);
//! backends see fewer, larger blocks.

use super::{Block, BlockId, Function, Module, Terminator};

pub fn simplify(module: &mut Module) {
    for f in &mut module.functions {
        simplify_function(f);
    }
}

pub fn simplify_function(f: &mut Function) {
    thread_jumps(f);
    merge_straight_lines(f);
    remove_unreachable(f);
}

/// Where control really goes when it jumps to `b`: past every empty block that only jumps.
fn final_target(f: &Function, mut b: BlockId) -> BlockId {
    for _ in 0..f.blocks.len() {
        let block = &f.blocks[b as usize];
        match block.term {
            Terminator::Jump(next) if block.insts.is_empty() && next != b => b = next,
            _ => break,
        }
    }
    b
}

fn thread_jumps(f: &mut Function) {
    let targets: Vec<BlockId> = (0..f.blocks.len() as BlockId).map(|b| final_target(f, b)).collect();
    for block in &mut f.blocks {
        match &mut block.term {
            Terminator::Jump(t) => *t = targets[*t as usize],
            Terminator::Branch { then_to, else_to, .. } => {
                *then_to = targets[*then_to as usize];
                *else_to = targets[*else_to as usize];
            }
            _ => {}
        }
    }
}

fn predecessor_counts(f: &Function) -> Vec<usize> {
    let mut preds = vec![0; f.blocks.len()];
    preds[0] += 1; // the entry is entered from outside
    for block in &f.blocks {
        for s in block.term.successors() {
            preds[s as usize] += 1;
        }
        if let Some(h) = block.handler {
            preds[h as usize] += 1;
        }
    }
    preds
}

fn merge_straight_lines(f: &mut Function) {
    let mut preds = predecessor_counts(f);
    for b in 0..f.blocks.len() {
        while let Terminator::Jump(next) = f.blocks[b].term {
            let n = next as usize;
            if n == b || preds[n] != 1 || f.blocks[n].handler != f.blocks[b].handler {
                break;
            }
            let absorbed = std::mem::replace(
                &mut f.blocks[n],
                Block { insts: vec![], term: Terminator::Jump(next), handler: None },
            );
            preds[n] = 0;
            f.blocks[b].insts.extend(absorbed.insts);
            f.blocks[b].term = absorbed.term;
        }
    }
}

fn remove_unreachable(f: &mut Function) {
    let mut reachable = vec![false; f.blocks.len()];
    let mut work = vec![0 as BlockId];
    while let Some(b) = work.pop() {
        if std::mem::replace(&mut reachable[b as usize], true) {
            continue;
        }
        let block = &f.blocks[b as usize];
        work.extend(block.term.successors());
        work.extend(block.handler);
    }
    let mut renumber = vec![0 as BlockId; f.blocks.len()];
    let mut kept = Vec::new();
    for (b, block) in std::mem::take(&mut f.blocks).into_iter().enumerate() {
        if reachable[b] {
            renumber[b] = kept.len() as BlockId;
            kept.push(block);
        }
    }
    for block in &mut kept {
        match &mut block.term {
            Terminator::Jump(t) => *t = renumber[*t as usize],
            Terminator::Branch { then_to, else_to, .. } => {
                *then_to = renumber[*then_to as usize];
                *else_to = renumber[*else_to as usize];
            }
            _ => {}
        }
        if let Some(h) = &mut block.handler {
            *h = renumber[*h as usize];
        }
    }
    f.blocks = kept;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mir::{Const, Inst};

    fn block(insts: Vec<Inst>, term: Terminator) -> Block {
        Block { insts, term, handler: None }
    }

    #[test]
    fn threads_merges_and_drops() {
        let c = |dst| Inst::Const { dst, value: Const::Int(dst as i64) };
        let mut f = Function {
            name: "t".into(),
            params: 0,
            owner: None,
            regs: 3,
            locals: Vec::new(),
            range: None,
            blocks: vec![
                block(vec![c(0)], Terminator::Branch { cond: 0, then_to: 1, else_to: 2 }),
                block(vec![], Terminator::Jump(3)),
                block(vec![c(1)], Terminator::Jump(4)),
                block(vec![], Terminator::Return(0)),
                block(vec![c(2)], Terminator::Return(2)),
                block(vec![], Terminator::Return(1)), // unreachable
            ],
        };
        simplify_function(&mut f);
        let text = f.to_string();
        expect_test::expect![[r#"
            fn t(params 0, regs 3) {
            bb0:
                %0 = const 0
                branch %0, bb2, bb1
            bb1:
                %1 = const 1
                %2 = const 2
                return %2
            bb2:
                return %0
            }
        "#]]
        .assert_eq(&text);
    }
}
