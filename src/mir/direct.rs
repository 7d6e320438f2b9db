//! Method calls on `me` that can reach only one function become direct calls.
//!
//! In a method of box B, `me` is an instance of B or of a box delegating to B. When B's
//! method table has `m` with the call's arity and no box delegating to B has another `m`,
//! every dispatch of `me.m(...)` there finds the same function: a `call` of it does the
//! same (it counts the depth, adds the frame to a traceback and takes the arguments over
//! exactly as the dispatched call does) without the lookup, and the inliner may then
//! inline it. Anything else (a builtin parent's method, a wrong argument count, which
//! fails at run time, and `fini()`, which runs a finaliser at most once) stays a
//! `boxcall`.

use super::{BoxDef, BoxId, FuncId, Inst, Module};

pub fn direct_calls_on_me(module: &mut Module) {
    let mut descendants: Vec<Vec<BoxId>> = vec![Vec::new(); module.boxes.len()];
    for (b, def) in module.boxes.iter().enumerate() {
        for &a in &def.ancestors {
            descendants[a as usize].push(b as BoxId);
        }
    }
    for f in &mut module.functions {
        let Some(owner) = f.owner else { continue };
        for block in &mut f.blocks {
            for inst in &mut block.insts {
                if let Inst::BoxCall { dst, recv: 0, method, args, loc } = inst {
                    let below = &descendants[owner as usize];
                    if let Some(func) = only_target(&module.boxes, owner, below, method, args.len()) {
                        let args = std::iter::once(0).chain(args.iter().copied()).collect();
                        *inst = Inst::Call { dst: *dst, func, args, loc: *loc };
                    }
                }
            }
        }
    }
}

/// The function every instance of `owner` or of one of its `descendants` runs for
/// `method` with `arity` arguments, if there is one.
fn only_target(boxes: &[BoxDef], owner: BoxId, descendants: &[BoxId], method: &str, arity: usize) -> Option<FuncId> {
    if method == "fini" {
        return None;
    }
    let find = |b: BoxId| {
        let def = &boxes[b as usize];
        def.methods.iter().find(|m| m.name == method).map(|m| (m.func, m.arity as usize))
    };
    let (func, expected) = find(owner)?;
    let overridden = descendants.iter().any(|&d| find(d) != Some((func, expected)));
    (expected == arity && !overridden).then_some(func)
}

#[cfg(test)]
mod tests {
    #[test]
    fn only_calls_one_method_can_answer_become_direct() {
        let source = "box B {\n init { x }\n \
                      m() { return me.x + me.x }\n o() { return 1 }\n \
                      run() { return me.m() + me.o() + me.fini() }\n fini() { print(1) }\n}\n\
                      box C from B {\n override o() { return 2 }\n}\n";
        let run = crate::mir::printed_function(source, "B.run/0");
        assert!(run.contains("= call f"), "me.m() is direct: {run}");
        assert!(run.contains("boxcall %0.o()"), "C overrides o: {run}");
        assert!(run.contains("boxcall %0.fini()"), "fini runs at most once: {run}");
    }
}
