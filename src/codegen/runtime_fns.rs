//! The runtime functions compiled code imports: names, signatures and (for the JIT)
//! addresses, from one table.

use cranelift_codegen::ir::{types, AbiParam, Signature, Type};
use cranelift_codegen::isa::CallConv;
use cranelift_module::{DataId, FuncId, Linkage, Module, ModuleResult};
use nyash_runtime::abi::{self, CallCache};
use nyash_runtime::object::FieldCache;
use nyash_runtime::Value;
use std::cell::Cell;

const DEPTH_SYMBOL: &str = "NYRT_DEPTH";

/// How a Rust parameter or result type of the C ABI travels in Cranelift.
trait AbiType {
    fn clif(ptr: Type) -> Type;
}

impl AbiType for u32 {
    fn clif(_: Type) -> Type {
        types::I32
    }
}

impl AbiType for u64 {
    fn clif(_: Type) -> Type {
        types::I64
    }
}

impl AbiType for usize {
    fn clif(ptr: Type) -> Type {
        ptr
    }
}

impl<T> AbiType for *const T {
    fn clif(ptr: Type) -> Type {
        ptr
    }
}

impl<T> AbiType for *mut T {
    fn clif(ptr: Type) -> Type {
        ptr
    }
}

/// Each row names a runtime function with its Rust parameter and result types. The
/// Cranelift signature is derived from those types, and `rows_match_the_runtime` makes the
/// Rust compiler check them against the function itself: a mismatch cannot build.
macro_rules! runtime_fns {
    ($($field:ident = $symbol:ident: ($($param:ty),*) $(-> $result:ty)?,)*) => {
        /// Every runtime function, declared in one module, and the call-depth counter.
        pub struct RuntimeFns {
            $(pub $field: FuncId,)*
            /// `program::NYRT_DEPTH`, the `u32` count of calls in progress.
            pub depth: DataId,
        }

        impl RuntimeFns {
            pub fn declare<M: Module>(module: &mut M) -> ModuleResult<RuntimeFns> {
                let ptr = module.target_config().pointer_type();
                let call_conv = module.target_config().default_call_conv;
                Ok(RuntimeFns {
                    $($field: module.declare_function(
                        stringify!($symbol),
                        Linkage::Import,
                        &signature(
                            call_conv,
                            &[$(<$param as AbiType>::clif(ptr)),*],
                            &[$(<$result as AbiType>::clif(ptr))?],
                        ),
                    )?,)*
                    depth: module.declare_data(DEPTH_SYMBOL, Linkage::Import, true, false)?,
                })
            }
        }

        /// `(symbol, address)` of every runtime function and of the depth counter, for the
        /// JIT's symbol table.
        pub fn addresses() -> Vec<(&'static str, *const u8)> {
            let depth = &nyash_runtime::program::NYRT_DEPTH as *const _ as *const u8;
            vec![$((stringify!($symbol), abi::$symbol as *const u8),)* (DEPTH_SYMBOL, depth)]
        }

        /// Never called: it compiles only if every row's types are its function's.
        #[allow(dead_code)]
        fn rows_match_the_runtime() {
            $(let _: unsafe extern "C" fn($($param),*) $(-> $result)? = abi::$symbol;)*
        }
    };
}

fn signature(call_conv: CallConv, params: &[Type], results: &[Type]) -> Signature {
    let mut sig = Signature::new(call_conv);
    sig.params.extend(params.iter().map(|&t| AbiParam::new(t)));
    sig.returns.extend(results.iter().map(|&t| AbiParam::new(t)));
    sig
}

type V = Value;

runtime_fns! {
    release = nyrt_release: (*mut V),
    release_frame = nyrt_release_frame: (*mut V, u32),
    const_str = nyrt_const_str: (*mut V, *const u8, usize),
    arith = nyrt_arith: (u32, *const V, *const V, *mut V, u64) -> u32,
    compare = nyrt_compare: (u32, *const V, *const V, *mut V, u64) -> u32,
    negate = nyrt_negate: (*const V, *mut V, u64) -> u32,
    truthy = nyrt_truthy: (*const V) -> u32,
    call = nyrt_call: (u32, *mut V, u32, *mut V, u64) -> u32,
    boxcall = nyrt_boxcall: (u32, *mut V, u32, *mut V, u64, *mut CallCache) -> u32,
    hot = nyrt_hot: (u32, *mut V, u32, *mut V, u64) -> u32,
    locate = nyrt_locate: (u64) -> u32,
    new_builtin = nyrt_new_builtin: (*const u8, usize, *mut V, u32, *mut V, u64) -> u32,
    alloc = nyrt_alloc: (u32, u32, u32, *mut V),
    set_inner = nyrt_set_inner: (*const V, *const V),
    get_inner = nyrt_get_inner: (*const V, *mut V),
    get_field = nyrt_get_field: (*const V, u32, u32, *mut V, u64, *const Cell<FieldCache>) -> u32,
    set_field = nyrt_set_field: (*const V, u32, *const V, u32, u64, *const Cell<FieldCache>) -> u32,
    get_global = nyrt_get_global: (u32, *mut V),
    set_global = nyrt_set_global: (u32, *const V),
    singleton = nyrt_singleton: (u32, *mut V, u64) -> u32,
    print = nyrt_print: (*const V, u64) -> u32,
    catch = nyrt_catch: (*mut V),
    catch_value = nyrt_catch_value: (*const V, *mut V),
    isa = nyrt_isa: (*const V, u32, *mut V),
    make_future = nyrt_make_future: (*const V, *mut V),
    failed_future = nyrt_failed_future: (*const V, *mut V),
    await_value = nyrt_await: (*const V, *mut V, u64) -> u32,
    throw = nyrt_throw: (*const V, u64) -> u32,
    rethrow = nyrt_rethrow: (*const V) -> u32,
    stack_overflow = nyrt_stack_overflow: () -> u32,
}
