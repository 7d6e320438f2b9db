//! The C ABI compiled code calls: one `extern "C"` function per operation that compiled
//! code does not inline.
//!
//! Conventions:
//! - values travel by pointer to their 16-byte slot (`*mut Value`);
//! - a destination slot always holds a valid value (compiled code passes its result slot,
//!   kept void), and writing one releases what it held;
//! - argument arrays are *consumed*: the callee takes each value over bit for bit, and the
//!   caller treats the array as garbage afterwards;
//! - a function that can fail returns a status, 0 for success and 1 for an exception, which
//!   then waits in [`PENDING`] for a handler (`nyrt_catch`) or for the caller;
//! - a source location travels as one `u64`, see [`pack_loc`].
//!
//! Every function here is `unsafe` to call with pointers that do not follow these rules.

use crate::class::{FuncId, Sym};
use crate::dispatch::{dispatch, Dispatch};
use crate::error::{catch_value, caught_exception, caught_is_a, with_caught, Exception, Loc, RtResult};
use crate::object::{new_instance, new_obj, FieldCache, Obj, Shape};
use crate::ops::{self, Arith, Cmp};
pub use crate::pending::{keeping_pending, raise, take_pending, OK, RAISED};
use crate::value::Value;
use crate::{hooks, program};
use std::cell::Cell;

/// `nyrt_hot`: the receiver is not a builtin box with that method; nothing was done.
pub const NOT_HOT: u32 = 2;

/// `file << 40 | line << 20 | col`, the location argument of every call that can fail.
pub const fn pack_loc(loc: Loc) -> u64 {
    (loc.file as u64) << 40 | ((loc.line as u64) & 0xf_ffff) << 20 | (loc.col as u64) & 0xf_ffff
}

fn unpack_loc(bits: u64) -> Loc {
    Loc { file: (bits >> 40) as u32, line: ((bits >> 20) & 0xf_ffff) as u32, col: (bits & 0xf_ffff) as u32 }
}

/// Store an outcome: the value into `dst`, or the exception (located at `loc`) as pending.
unsafe fn store(dst: *mut Value, outcome: RtResult, loc: u64) -> u32 {
    match outcome {
        Ok(v) => {
            *dst = v;
            OK
        }
        Err(e) => raise(e.at(unpack_loc(loc))),
    }
}

/// Take over `n` values from a consumed argument array.
unsafe fn take_args(args: *mut Value, n: u32) -> Vec<Value> {
    (0..n as usize).map(|i| std::ptr::read(args.add(i))).collect()
}

/// Release the values of a consumed argument array, in order.
unsafe fn drop_args(args: *mut Value, n: u32) {
    std::ptr::drop_in_place(std::ptr::slice_from_raw_parts_mut(args, n as usize));
}

/// Release a value and leave void in its slot.
#[no_mangle]
pub unsafe extern "C" fn nyrt_release(slot: *mut Value) {
    *slot = Value::Void;
}

/// Release every value of a frame (`n` slots).
#[no_mangle]
pub unsafe extern "C" fn nyrt_release_frame(base: *mut Value, n: u32) {
    drop_args(base, n);
}

#[no_mangle]
pub unsafe extern "C" fn nyrt_const_str(dst: *mut Value, text: *const u8, len: usize) {
    let bytes = std::slice::from_raw_parts(text, len);
    *dst = Value::str(String::from_utf8_lossy(bytes));
}

/// An operator code from compiled code that names no operator is a compiler bug; it
/// raises rather than computing something else.
fn bad_operator(code: u32) -> Exception {
    Exception::runtime(format!("internal error: unknown operator code {code}"))
}

#[no_mangle]
pub unsafe extern "C" fn nyrt_arith(op: u32, a: *const Value, b: *const Value, dst: *mut Value, loc: u64) -> u32 {
    let outcome = Arith::from_code(op).ok_or_else(|| bad_operator(op)).and_then(|op| ops::arith(op, &*a, &*b));
    store(dst, outcome, loc)
}

#[no_mangle]
pub unsafe extern "C" fn nyrt_compare(op: u32, a: *const Value, b: *const Value, dst: *mut Value, loc: u64) -> u32 {
    let outcome = Cmp::from_code(op).ok_or_else(|| bad_operator(op)).and_then(|op| ops::compare(op, &*a, &*b));
    store(dst, outcome, loc)
}

#[no_mangle]
pub unsafe extern "C" fn nyrt_negate(src: *const Value, dst: *mut Value, loc: u64) -> u32 {
    store(dst, ops::negate(&*src), loc)
}

#[no_mangle]
pub unsafe extern "C" fn nyrt_truthy(v: *const Value) -> u32 {
    (*v).truthy() as u32
}

/// Call compiled code directly with a consumed argument array.
unsafe fn call_native(code: hooks::NativeCode, args: *mut Value, dst: *mut Value, loc: u64) -> u32 {
    let mut out = Value::Void;
    match code(args, &mut out) {
        OK => {
            *dst = out;
            OK
        }
        _ => nyrt_locate(loc),
    }
}

/// Call user function `func`: its machine code if it has been compiled, else through
/// the executor (the VM).
#[no_mangle]
pub unsafe extern "C" fn nyrt_call(func: FuncId, args: *mut Value, n: u32, dst: *mut Value, loc: u64) -> u32 {
    if let Some(code) = hooks::native(func) {
        return call_native(code, args, dst, loc);
    }
    let args = take_args(args, n);
    store(dst, hooks::call(func, args), loc)
}

/// The inline cache of one compiled method call site: the receiver class last seen there
/// and the machine code its method resolved to. Compiled code calls `code` directly while
/// the receiver's class is `class`; `nyrt_boxcall` fills it.
#[repr(C)]
pub struct CallCache {
    pub class: u32,
    pub code: Option<hooks::NativeCode>,
}

/// Give the pending exception the location `loc` if it has none yet (as `call_native`
/// does), for a compiled call that went straight to its callee's code. Returns [`RAISED`].
#[no_mangle]
pub extern "C" fn nyrt_locate(loc: u64) -> u32 {
    raise(take_pending().at(unpack_loc(loc)))
}

/// The initial `CallCache::class`.
pub use crate::object::NO_CLASS;

/// Method call. `args` holds the receiver and then the `n - 1` arguments; `cache` is the
/// call site's inline cache.
#[no_mangle]
pub unsafe extern "C" fn nyrt_boxcall(
    method: Sym,
    args: *mut Value,
    n: u32,
    dst: *mut Value,
    loc: u64,
    cache: *mut CallCache,
) -> u32 {
    let rest = std::slice::from_raw_parts(args.add(1), n as usize - 1);
    let outcome = match dispatch(&*args, method, rest) {
        Ok(Dispatch::User(func)) => {
            return match hooks::native(func) {
                Some(code) => {
                    if let Some(class) = crate::object::instance_class(&*args) {
                        *cache = CallCache { class, code: Some(code) };
                    }
                    call_native(code, args, dst, loc)
                }
                None => store(dst, hooks::call(func, take_args(args, n)), loc),
            };
        }
        Ok(Dispatch::Done(v)) => Ok(v),
        Err(e) => Err(e),
    };
    drop_args(args, n);
    store(dst, outcome, loc)
}

/// A hot builtin method call (`boxes::hot`): `args` holds the receiver and then the
/// `n - 1` arguments. Consumed, with [`OK`] or [`RAISED`], when the receiver is a builtin
/// box with that method; left alone with [`NOT_HOT`] otherwise, for `nyrt_boxcall`.
#[no_mangle]
pub unsafe extern "C" fn nyrt_hot(hot: u32, args: *mut Value, n: u32, dst: *mut Value, loc: u64) -> u32 {
    let Some(hot) = crate::boxes::hot::Hot::from_code(hot) else {
        return NOT_HOT;
    };
    let values = std::slice::from_raw_parts(args, n as usize);
    let rest: smallvec::SmallVec<[&Value; 2]> = values[1..].iter().collect();
    let Some(outcome) = crate::boxes::hot::try_call(hot, &values[0], &rest) else {
        return NOT_HOT;
    };
    drop(rest);
    drop_args(args, n);
    store(dst, outcome, loc)
}

#[no_mangle]
pub unsafe extern "C" fn nyrt_new_builtin(
    name: *const u8,
    len: usize,
    args: *mut Value,
    n: u32,
    dst: *mut Value,
    loc: u64,
) -> u32 {
    let args = take_args(args, n);
    let name = String::from_utf8_lossy(std::slice::from_raw_parts(name, len));
    store(dst, crate::boxes::construct(&name, &args), loc)
}

#[no_mangle]
pub unsafe extern "C" fn nyrt_alloc(class: u32, fields: u32, has_fini: u32, dst: *mut Value) {
    *dst = new_instance(class, Shape { fields, has_fini: has_fini != 0 });
}

#[no_mangle]
pub unsafe extern "C" fn nyrt_set_inner(obj: *const Value, src: *const Value) {
    crate::object::set_inner(&*obj, (*src).clone());
}

#[no_mangle]
pub unsafe extern "C" fn nyrt_get_inner(obj: *const Value, dst: *mut Value) {
    *dst = crate::object::inner_of(&*obj);
}

/// A field read; `cache` is the site's inline cache (`object::FieldCache`).
#[no_mangle]
pub unsafe extern "C" fn nyrt_get_field(
    obj: *const Value,
    field: Sym,
    via_me: u32,
    dst: *mut Value,
    loc: u64,
    cache: *const Cell<FieldCache>,
) -> u32 {
    store(dst, crate::object::get_field(&*obj, field, via_me != 0, &*cache), loc)
}

/// A field write; `cache` is the site's inline cache (`object::FieldCache`).
#[no_mangle]
pub unsafe extern "C" fn nyrt_set_field(
    obj: *const Value,
    field: Sym,
    src: *const Value,
    via_me: u32,
    loc: u64,
    cache: *const Cell<FieldCache>,
) -> u32 {
    match crate::object::set_field(&*obj, field, (*src).clone(), via_me != 0, &*cache) {
        Ok(()) => OK,
        Err(e) => raise(e.at(unpack_loc(loc))),
    }
}

#[no_mangle]
pub unsafe extern "C" fn nyrt_get_global(index: u32, dst: *mut Value) {
    *dst = program::global(index);
}

#[no_mangle]
pub unsafe extern "C" fn nyrt_set_global(index: u32, src: *const Value) {
    program::set_global(index, (*src).clone());
}

#[no_mangle]
pub unsafe extern "C" fn nyrt_singleton(class: u32, dst: *mut Value, loc: u64) -> u32 {
    store(dst, program::singleton(class), loc)
}

#[no_mangle]
pub unsafe extern "C" fn nyrt_print(src: *const Value, loc: u64) -> u32 {
    match ops::print_line(&*src) {
        Ok(()) => OK,
        Err(e) => raise(e.at(unpack_loc(loc))),
    }
}

/// First instruction of a handler: the pending exception, kept whole.
#[no_mangle]
pub unsafe extern "C" fn nyrt_catch(dst: *mut Value) {
    *dst = new_obj(Obj::Caught(take_pending()));
}

#[no_mangle]
pub unsafe extern "C" fn nyrt_catch_value(exc: *const Value, dst: *mut Value) {
    *dst = with_caught(&*exc, catch_value);
}

#[no_mangle]
pub unsafe extern "C" fn nyrt_isa(exc: *const Value, class: u32, dst: *mut Value) {
    *dst = caught_is_a(&*exc, class);
}

#[no_mangle]
pub unsafe extern "C" fn nyrt_make_future(src: *const Value, dst: *mut Value) {
    *dst = new_obj(Obj::Future(Ok((*src).clone())));
}

#[no_mangle]
pub unsafe extern "C" fn nyrt_failed_future(exc: *const Value, dst: *mut Value) {
    *dst = new_obj(Obj::Future(Err(caught_exception(&*exc))));
}

#[no_mangle]
pub unsafe extern "C" fn nyrt_await(src: *const Value, dst: *mut Value, loc: u64) -> u32 {
    store(dst, crate::object::await_value(&*src), loc)
}

#[no_mangle]
pub unsafe extern "C" fn nyrt_throw(src: *const Value, loc: u64) -> u32 {
    raise(Exception::thrown((*src).clone(), unpack_loc(loc)))
}

#[no_mangle]
pub unsafe extern "C" fn nyrt_rethrow(exc: *const Value) -> u32 {
    raise(caught_exception(&*exc))
}

/// Raise `Stack overflow`: compiled code counts its calls on `program::NYRT_DEPTH` itself
/// and calls this when the count is at the limit.
#[no_mangle]
pub extern "C" fn nyrt_stack_overflow() -> u32 {
    raise(program::stack_overflow())
}

/// User functions of a native executable: all compiled, called by id.
struct NativeProgram;

impl hooks::Invoker for NativeProgram {
    fn call(&self, func: FuncId, mut argv: Vec<Value>) -> RtResult {
        let Some(code) = hooks::native(func) else {
            return Err(Exception::runtime(format!("function {func} is missing from this executable")));
        };
        let mut out = Value::Void;
        // SAFETY: `code` follows the compiled calling convention; it takes the arguments
        // over, so the vector forgets them (keeping only its buffer to free).
        let status = unsafe {
            let status = code(argv.as_mut_ptr(), &mut out);
            argv.set_len(0);
            status
        };
        match status {
            OK => Ok(out),
            _ => Err(take_pending()),
        }
    }
}

/// The `main` of a native executable: load the program described by the serialised
/// image, register its compiled functions, run function `entry`, and return the exit
/// status.
#[no_mangle]
pub unsafe extern "C" fn nyrt_main(
    image: *const u8,
    image_len: usize,
    functions: *const hooks::NativeCode,
    count: u32,
    entry: FuncId,
) -> i32 {
    let image = std::slice::from_raw_parts(image, image_len).to_vec();
    let functions: Vec<hooks::NativeCode> = std::slice::from_raw_parts(functions, count as usize).to_vec();
    // Built with panic=abort: report the bug as every backend does and end with the same
    // status, output written so far kept.
    std::panic::set_hook(Box::new(|info| crate::io::end_with_error(&format!("{}\n", program::panic_line(info)))));
    crate::io::ignore_sigpipe();
    let image = match crate::image::ProgramImage::from_bytes(&image) {
        Ok(image) => image,
        Err(e) => {
            eprintln!("error: this executable's program image is damaged: {e}");
            return crate::error::EXIT_RUNTIME_ERROR;
        }
    };
    program::on_stack(image.stack_bytes as usize, move || {
        crate::image::load(&image);
        // Every function is compiled: the table is the executable's own, viewed as
        // nullable entries (an `Option` of a function pointer has its layout).
        hooks::set_native_table(functions.as_ptr() as *const Option<hooks::NativeCode>, functions.len());
        hooks::install(std::rc::Rc::new(NativeProgram));
        let outcome = hooks::call(entry, Vec::new());
        let status = program::finish(outcome);
        hooks::uninstall();
        status
    })
}
