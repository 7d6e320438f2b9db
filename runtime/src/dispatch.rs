//! BoxCall: where a method call goes, for every receiver. A user instance's own methods
//! (its class's flattened table) come first; then `toString`, then the builtin box it
//! delegates to; every other value's methods are its builtin box's table.

use crate::boxes;
use crate::class::{self, sym_name, FuncId, Sym};
use crate::error::RtResult;
use crate::object::{finalise_now, Obj};
use crate::ops::display;
use crate::value::Value;

/// Where a method call goes.
pub enum Dispatch {
    /// A user method: call `func` with `me` followed by the arguments.
    User(FuncId),
    /// A builtin method, already done.
    Done(Value),
}

/// Find `method` for `recv` and run it if it is builtin.
pub fn dispatch(recv: &Value, method: Sym, args: &[Value]) -> RtResult<Dispatch> {
    let Value::Obj(o) = recv else {
        return boxes::call(recv, method, args).map(Dispatch::Done);
    };
    let Obj::Instance(inst) = &**o else {
        return boxes::call(recv, method, args).map(Dispatch::Done);
    };
    if method == class::SYM_FINI && args.is_empty() {
        return finalise_now(recv).map(Dispatch::Done);
    }
    if let Some(m) = class::with(inst.class, |c| c.methods.get(&method).copied()) {
        if args.len() != m.arity as usize {
            return Err(boxes::wrong_arity(&class::name(inst.class), &sym_name(method), args.len(), m.arity as usize));
        }
        return Ok(Dispatch::User(m.func));
    }
    if method == class::SYM_TO_STRING {
        return Ok(Dispatch::Done(Value::str(display(recv)?)));
    }
    let inner = inst.inner();
    let class = class::get(inst.class);
    if matches!(inner, Value::Void) {
        return Err(boxes::unknown_method(&sym_name(method), &class.name));
    }
    boxes::call_as(&inner, method, args, Some(&class.name)).map(Dispatch::Done)
}
