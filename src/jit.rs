//! The JIT: MIR functions compiled to machine code in this process, with cranelift-jit,
//! through the same lowering as object files (`codegen`).

use crate::codegen::{nyash_signature, runtime_addresses, CodeGen, Listing};
use crate::mir::Module as MirModule;
use cranelift_codegen::settings::{self, Configurable};
use cranelift_jit::{JITBuilder, JITModule};
use cranelift_module::{default_libcall_names, FuncId, Linkage, Module};
use std::time::{Duration, Instant};

/// A compiled Nyash function: `(args, out) -> status` (see `codegen`).
pub use nyash_runtime::hooks::NativeCode as NativeFn;

/// One compilation, for `--jit-stats`.
pub struct Compiled {
    pub name: String,
    /// Time since the program started.
    pub at: Duration,
    pub took: Duration,
}

pub struct Jit {
    module: JITModule,
    codegen: CodeGen,
    ids: Vec<FuncId>,
    started: Instant,
    pub log: Vec<Compiled>,
}

impl Jit {
    pub fn new(mir: &MirModule) -> Result<Jit, String> {
        let mut flags = settings::builder();
        flags.set("opt_level", "speed").map_err(|e| e.to_string())?;
        let isa = cranelift_native::builder()
            .map_err(|e| e.to_string())?
            .finish(settings::Flags::new(flags))
            .map_err(|e| e.to_string())?;
        let mut builder = JITBuilder::with_isa(isa, default_libcall_names());
        for (name, address) in runtime_addresses() {
            builder.symbol(name, address);
        }
        let mut module = JITModule::new(builder);
        let codegen = CodeGen::new(&mut module)?;
        let signature = nyash_signature(&module);
        let ids = (0..mir.functions.len())
            .map(|i| module.declare_function(&format!("nyash_f{i}"), Linkage::Local, &signature))
            .collect::<Result<_, _>>()
            .map_err(|e| e.to_string())?;
        Ok(Jit { module, codegen, ids, started: Instant::now(), log: Vec::new() })
    }

    /// Compile MIR function `func` and return its machine code.
    pub fn compile(&mut self, mir: &MirModule, func: u32) -> Result<NativeFn, String> {
        let start = Instant::now();
        let function = &mir.functions[func as usize];
        self.codegen.define(&mut self.module, self.ids[func as usize], function, Listing::None)?;
        self.module.finalize_definitions().map_err(|e| e.to_string())?;
        let code = self.module.get_finalized_function(self.ids[func as usize]);
        self.log.push(Compiled { name: function.name.clone(), at: start - self.started, took: start.elapsed() });
        // SAFETY: the function was declared with `nyash_signature`, which is `NativeFn`.
        Ok(unsafe { std::mem::transmute::<*const u8, NativeFn>(code) })
    }
}
