//! The MIR verifier: structural invariants every backend relies on. The driver runs it
//! on every module, before any backend.

use super::*;

pub fn verify(module: &Module) -> Result<(), String> {
    if module.entry as usize >= module.functions.len() {
        return Err("entry function out of range".into());
    }
    for (i, f) in module.functions.iter().enumerate() {
        verify_function(module, f).map_err(|e| format!("f{i} {}: {e}", f.name))?;
    }
    Ok(())
}

fn verify_function(module: &Module, f: &Function) -> Result<(), String> {
    if f.blocks.is_empty() {
        return Err("no blocks".into());
    }
    if f.params > f.regs {
        return Err("more parameters than registers".into());
    }
    if f.has_me() && (f.params == 0 || f.insts().any(|i| i.dst() == Some(0))) {
        return Err("a method's `me` (%0) must be a parameter that nothing writes".into());
    }
    let handlers: Vec<BlockId> = f.blocks.iter().filter_map(|b| b.handler).collect();
    let reg = |r: Reg| {
        if r < f.regs {
            Ok(())
        } else {
            Err(format!("register %{r} out of range"))
        }
    };
    f.locals.iter().try_for_each(|&r| reg(r))?;
    let block = |b: BlockId| {
        if (b as usize) < f.blocks.len() {
            Ok(())
        } else {
            Err(format!("block bb{b} out of range"))
        }
    };
    for (i, b) in f.blocks.iter().enumerate() {
        let at = |e: String| format!("bb{i}: {e}");
        if let Some(h) = b.handler {
            block(h).map_err(at)?;
            if !matches!(f.blocks[h as usize].insts.first(), Some(Inst::Catch { .. })) {
                return Err(at(format!("handler bb{h} does not begin with catch")));
            }
        }
        for (j, inst) in b.insts.iter().enumerate() {
            if let Some(d) = inst.dst() {
                reg(d).map_err(at)?;
            }
            for u in inst.uses() {
                reg(u).map_err(at)?;
            }
            match inst {
                Inst::Catch { .. } if j != 0 || !handlers.contains(&(i as BlockId)) => {
                    return Err(at("catch outside the start of a handler block".into()));
                }
                Inst::Call { func, args, .. } => {
                    let callee =
                        module.functions.get(*func as usize).ok_or_else(|| at(format!("call of unknown f{func}")))?;
                    if callee.params as usize != args.len() {
                        return Err(at(format!(
                            "call of f{func} with {} arguments, it takes {}",
                            args.len(),
                            callee.params
                        )));
                    }
                }
                Inst::Alloc { class, .. } | Inst::Singleton { class, .. } | Inst::IsA { class, .. }
                    if *class as usize >= module.boxes.len() =>
                {
                    return Err(at(format!("unknown box{class}")));
                }
                Inst::GetGlobal { global, .. } | Inst::SetGlobal { global, .. }
                    if *global as usize >= module.globals.len() =>
                {
                    return Err(at(format!("unknown global g{global}")));
                }
                _ => {}
            }
        }
        for u in b.term.uses() {
            reg(u).map_err(at)?;
        }
        for s in b.term.successors() {
            block(s).map_err(at)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn module(blocks: Vec<Block>) -> Module {
        Module {
            files: vec![],
            boxes: vec![],
            functions: vec![Function {
                name: "main".into(),
                params: 0,
                owner: None,
                regs: 1,
                locals: Vec::new(),
                blocks,
                range: None,
            }],
            globals: vec![],
            entry: 0,
        }
    }

    #[test]
    fn accepts_a_well_formed_function() {
        let b = Block {
            insts: vec![Inst::Const { dst: 0, value: Const::Int(1) }],
            term: Terminator::Return(0),
            handler: None,
        };
        assert_eq!(verify(&module(vec![b])), Ok(()));
    }

    #[test]
    fn rejects_bad_registers_targets_and_handlers() {
        let bad_reg = Block { insts: vec![], term: Terminator::Return(3), handler: None };
        assert!(verify(&module(vec![bad_reg])).unwrap_err().contains("register %3"));
        let bad_target = Block { insts: vec![], term: Terminator::Jump(7), handler: None };
        assert!(verify(&module(vec![bad_target])).unwrap_err().contains("bb7"));
        let no_catch = Block { insts: vec![], term: Terminator::Return(0), handler: Some(0) };
        assert!(verify(&module(vec![no_catch])).unwrap_err().contains("does not begin with catch"));
    }

    #[test]
    fn rejects_a_method_that_writes_me() {
        let writes_me = Block {
            insts: vec![Inst::Const { dst: 0, value: Const::Int(1) }],
            term: Terminator::Return(0),
            handler: None,
        };
        let mut m = module(vec![writes_me]);
        m.functions[0].owner = Some(0);
        m.functions[0].params = 1;
        assert!(verify(&m).unwrap_err().contains("`me`"));
        m.functions[0].blocks[0].insts.clear();
        assert_eq!(verify(&m), Ok(()));
    }
}
