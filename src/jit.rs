//! The JIT: MIR functions compiled to machine code in this process, with cranelift-jit,
//! through the same lowering as object files (`codegen`).

use crate::codegen::{nyash_signature, runtime_addresses, symbol_names, Callees, CodeGen, Entry, Listing};
use crate::mir::Module as MirModule;
use cranelift_codegen::settings::{self, Configurable};
use cranelift_jit::{JITBuilder, JITModule};
use cranelift_module::{default_libcall_names, DataDescription, DataId, FuncId, Linkage, Module};
use std::io::Write;
use std::time::{Duration, Instant};

/// A compiled Nyash function: `(args, out) -> status` (see `codegen`).
pub use nyash_runtime::hooks::NativeCode as NativeFn;

/// One compilation, for `--jit-stats` and `--profile`.
#[derive(Clone)]
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
    /// Each function's symbol name (`codegen::symbol_names`).
    names: Vec<String>,
    /// `--perf-map`: where each compiled function's address range and name go.
    perf_map: Option<std::fs::File>,
    /// The machine code of each MIR function once compiled (see `Callees::Table`).
    code_table: *mut Option<NativeFn>,
    started: Instant,
    pub log: Vec<Compiled>,
}

impl Jit {
    /// `perf_map`: write `/tmp/perf-PID.map`, the file `perf` reads to name JIT code.
    pub fn new(mir: &MirModule, perf_map: bool) -> Result<Jit, String> {
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
        let table = code_table(&mut module, mir.functions.len())?;
        let codegen = CodeGen::new(&mut module, Callees::Table(table), mir)?;
        let signature = nyash_signature(&module);
        let names = symbol_names(mir);
        let ids = names
            .iter()
            .map(|name| module.declare_function(name, Linkage::Local, &signature))
            .collect::<Result<_, _>>()
            .map_err(|e| e.to_string())?;
        module.finalize_definitions().map_err(|e| e.to_string())?;
        let code_table = module.get_finalized_data(table).0 as *mut Option<NativeFn>;
        let perf_map = match perf_map {
            true => Some(std::fs::File::create(perf_map_path()).map_err(|e| format!("{}: {e}", perf_map_path()))?),
            false => None,
        };
        Ok(Jit { module, codegen, ids, names, perf_map, code_table, started: Instant::now(), log: Vec::new() })
    }

    /// The code table: each MIR function's machine code once compiled, null before (see
    /// `Callees::Table`). It lives as long as the JIT.
    pub fn code_table(&self) -> *const Option<NativeFn> {
        self.code_table
    }

    /// Compile MIR function `func` and return its machine code.
    pub fn compile(&mut self, mir: &MirModule, func: u32) -> Result<NativeFn, String> {
        let name = mir.functions[func as usize].name.clone();
        let code = self.define(mir, func, self.ids[func as usize], Entry::Call, name)?;
        // SAFETY: the table has one entry per MIR function, and `func` is one.
        unsafe { *self.code_table.add(func as usize) = Some(code) };
        Ok(code)
    }

    /// Compile the entry of `func` at loop header `block` that a running VM activation
    /// moves to (see `Entry::Resume`).
    pub fn compile_resume(&mut self, mir: &MirModule, func: u32, block: u32) -> Result<NativeFn, String> {
        let signature = nyash_signature(&self.module);
        let id = self
            .module
            .declare_function(&format!("{} (loop {block})", self.names[func as usize]), Linkage::Local, &signature)
            .map_err(|e| e.to_string())?;
        let name = format!("{} (entered at loop block {block})", mir.functions[func as usize].name);
        self.define(mir, func, id, Entry::Resume(block), name)
    }

    fn define(
        &mut self,
        mir: &MirModule,
        func: u32,
        id: FuncId,
        entry: Entry,
        name: String,
    ) -> Result<NativeFn, String> {
        let start = Instant::now();
        let defined = self.codegen.define(&mut self.module, id, &mir.functions[func as usize], entry, Listing::None)?;
        self.module.finalize_definitions().map_err(|e| e.to_string())?;
        let code = self.module.get_finalized_function(id);
        if let Some(map) = &mut self.perf_map {
            let symbol = &self.module.declarations().get_function_decl(id).name;
            let symbol = symbol.as_deref().unwrap_or("?");
            // A failed write loses a name in a profile, not the program's run.
            let _ = writeln!(map, "{:x} {:x} {symbol}", code as usize, defined.size);
        }
        self.log.push(Compiled { name, at: start - self.started, took: start.elapsed() });
        // SAFETY: the function was declared with `nyash_signature`, which is `NativeFn`.
        Ok(unsafe { std::mem::transmute::<*const u8, NativeFn>(code) })
    }
}

/// Where `perf` looks for the names of this process's JIT code.
fn perf_map_path() -> String {
    format!("/tmp/perf-{}.map", std::process::id())
}

/// A writable table of one null code pointer per MIR function.
fn code_table(module: &mut JITModule, functions: usize) -> Result<DataId, String> {
    let id = module.declare_data("nyash_code_table", Linkage::Local, true, false).map_err(|e| e.to_string())?;
    let mut desc = DataDescription::new();
    desc.define_zeroinit(functions.max(1) * std::mem::size_of::<Option<NativeFn>>());
    module.define_data(id, &desc).map_err(|e| e.to_string())?;
    Ok(id)
}
