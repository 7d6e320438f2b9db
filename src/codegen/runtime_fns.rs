//! The runtime functions compiled code imports: names, signatures and (for the JIT)
//! addresses, from one table.

use cranelift_codegen::ir::{types, AbiParam, Signature, Type};
use cranelift_codegen::isa::CallConv;
use cranelift_module::{DataId, FuncId, Linkage, Module, ModuleResult};
use nyash_runtime::abi;

const DEPTH_SYMBOL: &str = "NYRT_DEPTH";

/// Parameter and result kinds in the table: `p` pointer, `i` 32-bit integer, `l` 64-bit
/// integer (locations, lengths).
fn abi_type(code: char, ptr: Type) -> Type {
    match code {
        'p' => ptr,
        'i' => types::I32,
        _ => types::I64,
    }
}

macro_rules! runtime_fns {
    ($($field:ident = $symbol:ident: $params:literal -> $result:literal,)*) => {
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
                        &signature(call_conv, ptr, $params, $result),
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
    };
}

fn signature(call_conv: CallConv, ptr: Type, params: &str, result: &str) -> Signature {
    let mut sig = Signature::new(call_conv);
    sig.params.extend(params.chars().map(|c| AbiParam::new(abi_type(c, ptr))));
    sig.returns.extend(result.chars().map(|c| AbiParam::new(abi_type(c, ptr))));
    sig
}

runtime_fns! {
    release = nyrt_release: "p" -> "",
    release_frame = nyrt_release_frame: "pi" -> "",
    const_str = nyrt_const_str: "ppl" -> "",
    arith = nyrt_arith: "ipppl" -> "i",
    compare = nyrt_compare: "ipppl" -> "i",
    negate = nyrt_negate: "ppl" -> "i",
    truthy = nyrt_truthy: "p" -> "i",
    call = nyrt_call: "ipipl" -> "i",
    boxcall = nyrt_boxcall: "ipiplp" -> "i",
    hot = nyrt_hot: "ipipl" -> "i",
    locate = nyrt_locate: "l" -> "i",
    new_builtin = nyrt_new_builtin: "plpipl" -> "i",
    alloc = nyrt_alloc: "iip" -> "",
    set_inner = nyrt_set_inner: "pp" -> "",
    get_field = nyrt_get_field: "piiplp" -> "i",
    set_field = nyrt_set_field: "pipilp" -> "i",
    get_global = nyrt_get_global: "ip" -> "",
    set_global = nyrt_set_global: "ip" -> "",
    singleton = nyrt_singleton: "ipl" -> "i",
    print = nyrt_print: "pl" -> "i",
    catch = nyrt_catch: "p" -> "",
    catch_value = nyrt_catch_value: "pp" -> "",
    isa = nyrt_isa: "pip" -> "",
    make_future = nyrt_make_future: "pp" -> "",
    failed_future = nyrt_failed_future: "pp" -> "",
    await_value = nyrt_await: "ppl" -> "i",
    throw = nyrt_throw: "pl" -> "i",
    rethrow = nyrt_rethrow: "p" -> "i",
    stack_overflow = nyrt_stack_overflow: "" -> "i",
}
