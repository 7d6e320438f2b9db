//! Inlining of calls to functions that cannot fail: a constructor that only stores its
//! arguments in fields (`birth(x, y) { me.x = x  me.y = y }`), a method that only reads
//! or writes `me`'s fields. The call's work is a few loads and stores; the call itself
//! (a frame, the depth count, arguments copied in and released at return) costs more.
//!
//! Only bodies that cannot raise are inlined, so no error's traceback loses a frame;
//! such a body cannot overflow the stack either, except by the call itself, and every
//! backend runs the same MIR, so the recursion limit stays one number everywhere. What
//! the callee's frame held is released where its return would have released it: the
//! inlined body ends with a `drop` of each register still holding a value, before the
//! result reaches the caller's register (whose old value a return releases last).

use super::{BoxDef, FieldDef, Function, Inst, Module, Reg, Terminator};

/// Callee bodies longer than this are not inlined.
const MAX_INSTS: usize = 12;
/// A caller grows by at most this many registers (frames above 32 registers are
/// released by walking every slot, and every register is a slot in the VM's frames).
const MAX_ADDED_REGS: u32 = 24;

/// A function that only calls leaves becomes one once they are inlined (a constructor
/// calling its parent's, `from P.m()`): each round inlines one more level.
const ROUNDS: usize = 3;

pub fn inline_leaves(module: &mut Module) {
    for _ in 0..ROUNDS {
        // Copies of the leaves something calls (the calls are rewritten in place).
        let mut called = vec![false; module.functions.len()];
        for inst in module.functions.iter().flat_map(Function::insts) {
            if let Inst::Call { func, .. } = inst {
                called[*func as usize] = true;
            }
        }
        let leaves: Vec<Option<Function>> = (module.functions.iter().zip(called))
            .map(|(f, called)| (called && is_leaf(f, &module.boxes)).then(|| f.clone()))
            .collect();
        let mut inlined = false;
        for f in &mut module.functions {
            inlined |= inline_calls(f, &leaves, &module.boxes);
        }
        if !inlined {
            break;
        }
    }
}

/// One block that returns, no handler, no named locals (each would need its own drop),
/// and only instructions that cannot raise: constants, moves, drops, allocation, and
/// `me`'s declared fields.
fn is_leaf(f: &Function, boxes: &[BoxDef]) -> bool {
    let [block] = &f.blocks[..] else { return false };
    f.locals.is_empty()
        && block.handler.is_none()
        && matches!(block.term, Terminator::Return(_))
        && block.insts.len() <= MAX_INSTS
        && block.insts.iter().all(|i| renamed(i, f, boxes, &|r| r).is_some())
}

/// The fields of the box whose method `f` is (none for a function).
fn own_fields<'a>(f: &Function, boxes: &'a [BoxDef]) -> &'a [FieldDef] {
    f.owner.map_or(&[], |b| &boxes[b as usize].fields)
}

/// `inst` of `f` with every register `r` replaced by `map(r)`, if it cannot raise.
fn renamed(inst: &Inst, f: &Function, boxes: &[BoxDef], map: &dyn Fn(Reg) -> Reg) -> Option<Inst> {
    let me_field = |obj: Reg, via_me: bool, field: &str| {
        f.has_me() && obj == 0 && via_me && own_fields(f, boxes).iter().any(|d| d.name == field)
    };
    Some(match inst {
        Inst::Const { dst, value } => Inst::Const { dst: map(*dst), value: value.clone() },
        Inst::Move { dst, src } => Inst::Move { dst: map(*dst), src: map(*src) },
        Inst::Drop { src } => Inst::Drop { src: map(*src) },
        Inst::Alloc { dst, class } => Inst::Alloc { dst: map(*dst), class: *class },
        Inst::GetField { dst, obj, field, via_me, loc } if me_field(*obj, *via_me, field) => {
            Inst::GetField { dst: map(*dst), obj: map(*obj), field: field.clone(), via_me: true, loc: *loc }
        }
        Inst::SetField { obj, field, src, via_me, loc } if me_field(*obj, *via_me, field) => {
            Inst::SetField { obj: map(*obj), field: field.clone(), src: map(*src), via_me: true, loc: *loc }
        }
        _ => return None,
    })
}

/// Inline the calls of `leaves` in `f`; were there any?
fn inline_calls(f: &mut Function, leaves: &[Option<Function>], boxes: &[BoxDef]) -> bool {
    let calls_a_leaf = |i: &Inst| matches!(i, Inst::Call { func, .. } if leaves[*func as usize].is_some());
    if !f.insts().any(calls_a_leaf) {
        return false;
    }
    // Temporaries of the caller as it was: inlining only adds registers, and changes how
    // often the arguments it renames are read, which `expand` accounts for.
    let temps = super::analysis::single_use_temporaries(f);
    let budget = f.regs + MAX_ADDED_REGS;
    let regs = f.regs;
    for b in 0..f.blocks.len() {
        let mut i = 0;
        while i < f.blocks[b].insts.len() {
            let call = match &f.blocks[b].insts[i] {
                Inst::Call { dst, func, args, .. } => leaves[*func as usize].as_ref().map(|g| (*dst, args.clone(), g)),
                _ => None,
            };
            match call.filter(|(_, _, g)| f.regs + g.regs + 1 <= budget) {
                Some((dst, args, g)) => {
                    let body = expand(dst, &args, g, f, &temps, boxes);
                    let n = body.len();
                    f.blocks[b].insts.splice(i..i + 1, body);
                    i += n;
                }
                None => i += 1,
            }
        }
    }
    f.regs > regs
}

/// The instructions that replace `dst = call g(args)` in `f`, with `g`'s registers
/// renumbered into new registers of `f`: a parameter that `g` never writes is read
/// straight from the argument's register.
fn expand(
    dst: Reg,
    args: &[Reg],
    g: &Function,
    f: &mut Function,
    caller_temps: &[bool],
    boxes: &[BoxDef],
) -> Vec<Inst> {
    let Terminator::Return(ret) = g.blocks[0].term else { unreachable!("leaves return") };
    let body = &g.blocks[0].insts;
    let written: Vec<bool> = (0..g.regs).map(|r| body.iter().any(|i| i.dst() == Some(r))).collect();
    let base = f.regs;
    f.regs += g.regs + 1;
    let map = |r: Reg| if r < g.params && !written[r as usize] { args[r as usize] } else { base + r };

    let mut out: Vec<Inst> = (0..g.params)
        .filter(|&k| written[k as usize])
        .map(|k| Inst::Move { dst: base + k, src: args[k as usize] })
        .collect();
    out.extend(body.iter().map(|i| renamed(i, g, boxes, &map).expect("a leaf's instructions cannot raise")));
    let result = map(ret);

    // What still holds a value when the body ends, as the callee's frame would at its
    // return: a new register unless it is a temporary (written once, then read once), an
    // argument the call consumed (a temporary of the caller) unless read exactly once.
    let (defs, reads) = counts(&out, result, f.regs);
    let holds = |r: Reg| {
        if r >= base {
            defs[r as usize] > 0 && !(defs[r as usize] == 1 && reads[r as usize] == 1)
        } else {
            caller_temps.get(r as usize).copied().unwrap_or(false) && reads[r as usize] != 1
        }
    };
    // (No register is listed twice: a temporary is never passed twice.)
    let held: Vec<Reg> = (0..g.regs).map(map).filter(|&r| holds(r)).collect();
    let through = base + g.regs;
    let last = if held.contains(&result) {
        out.push(Inst::Move { dst: through, src: result });
        through
    } else {
        result
    };
    out.extend(held.into_iter().map(|src| Inst::Drop { src }));
    out.push(Inst::Move { dst, src: last });
    out
}

/// Writes and reads of each register in `insts`, the result's read by the return included.
fn counts(insts: &[Inst], result: Reg, regs: u32) -> (Vec<u32>, Vec<u32>) {
    let (mut defs, mut reads) = (vec![0; regs as usize], vec![0; regs as usize]);
    for inst in insts {
        for r in inst.uses() {
            reads[r as usize] += 1;
        }
        if let Some(d) = inst.dst() {
            defs[d as usize] += 1;
        }
    }
    reads[result as usize] += 1;
    (defs, reads)
}

#[cfg(test)]
mod tests {
    use expect_test::expect;

    #[test]
    fn a_field_storing_constructor_is_inlined_and_what_it_did_not_keep_dropped() {
        let source = "box P {\n init { x }\n birth(x, unused) { me.x = x }\n}\n\
                      function make(a) {\n return new P(a, new P(1, 2))\n}\n";
        expect![[r#"
            fn make/1(params 1, regs 16) {
            bb0:
                %3 = const 1
                %4 = const 2
                %5 = alloc box0
                setfield %5.x, %3 me @3:24
                %11 = move %5
                drop %5
                drop %4
                %2 = move %11
                %6 = alloc box0
                setfield %6.x, %0 me @3:24
                %15 = move %6
                drop %6
                drop %2
                %1 = move %15
                return %1
            }
        "#]]
        .assert_eq(&crate::mir::printed_function(source, "make/1"));
    }

    #[test]
    fn a_body_that_can_fail_or_call_is_not_inlined() {
        let source = "box P {\n init { x }\n birth(x) { me.x = x + 1 }\n}\n\
                      box Q {\n init { p }\n birth(v) { me.p = new P(v) }\n}\n\
                      function make(a) {\n return new Q(a)\n}\n";
        let make = crate::mir::printed_function(source, "make/1");
        assert!(make.contains("call f"), "{make}");
    }
}
