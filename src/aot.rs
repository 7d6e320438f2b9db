//! Native executables: MIR lowered by `codegen` into an object file (cranelift-object),
//! linked by the target's C compiler driver against the runtime staticlib (embedded in
//! `nyashc` for the machine it runs on; see `targets` for the others).
//!
//! The object holds every function (named as in the source, `codegen::symbol_names`), a table of their addresses, the
//! program image (boxes, globals, file names, interned names; JSON) and a C `main` that
//! hands all three to the runtime's `nyrt_main`.

use crate::codegen::{nyash_signature, symbol_names, Callees, CodeGen, Defined, Entry, Listing};
use crate::debuginfo::FunctionLines;
use crate::mir::Module as MirModule;
use crate::targets::{self, Runtime};
use cranelift_codegen::ir::{types, AbiParam, InstBuilder};
use cranelift_codegen::settings::{self, Configurable};
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};
use cranelift_module::{default_libcall_names, DataDescription, DataId, FuncId, Linkage, Module};
use cranelift_object::{ObjectBuilder, ObjectModule};
use std::path::{Path, PathBuf};
use std::process::Command;
use target_lexicon::Triple;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OptLevel {
    O0,
    O2,
}

pub struct Target {
    pub triple: Triple,
    pub opt: OptLevel,
    /// The C compiler driver to link with (`--linker`), instead of the target's usual one.
    pub linker: Option<PathBuf>,
    /// Add DWARF line tables (`-g`).
    pub debug: bool,
}

/// Every function as Cranelift IR (`--emit clif`) or disassembled machine code
/// (`--emit asm`).
pub fn listing(mir: &MirModule, target: &Target, listing: Listing) -> Result<String, String> {
    let (_, defined) = compile(mir, target, listing)?;
    let text = mir
        .functions
        .iter()
        .zip(&defined)
        .filter_map(|(f, (_, d))| Some(format!("; {}\n{}\n", f.name, d.listing.as_ref()?)));
    Ok(text.collect())
}

/// An object file for the program (`--emit obj`).
pub fn object(mir: &MirModule, target: &Target) -> Result<Vec<u8>, String> {
    let (module, defined) = compile(mir, target, Listing::None)?;
    let mut product = module.finish();
    if target.debug {
        let functions: Vec<FunctionLines> = defined
            .into_iter()
            .zip(&mir.functions)
            .map(|((id, d), f)| FunctionLines {
                symbol: product.function_symbol(id),
                name: String::from_utf8_lossy(&product.object.symbol(product.function_symbol(id)).name).into_owned(),
                size: d.size,
                // The prologue, before any instruction's own position, is the declaration's.
                lines: f.range.map(|(start, _)| (0, start)).into_iter().chain(d.lines).collect(),
            })
            .collect();
        crate::debuginfo::write(&mut product.object, &mir.files, &functions)?;
    }
    product.emit().map_err(|e| e.to_string())
}

/// Build an executable at `output`. It replaces `output` only once complete: a failed
/// build leaves no file behind and an existing one untouched.
pub fn executable(mir: &MirModule, target: &Target, output: &Path) -> Result<(), String> {
    link_object(object(mir, target)?, target, output)
}

/// Link an object file made by [`object`] into an executable at `output`, replaced only
/// once complete.
pub fn link_object(object: Vec<u8>, target: &Target, output: &Path) -> Result<(), String> {
    let runtime = targets::runtime(&target.triple)?;
    let linker = targets::linker(&target.triple, target.linker.as_deref())?;
    let dir = tempfile::tempdir().map_err(|e| format!("cannot create a temporary directory: {e}"))?;
    let obj_path = dir.path().join("program.o");
    std::fs::write(&obj_path, object).map_err(|e| format!("cannot write a temporary object file: {e}"))?;
    write_output(output, |staged| link(&target.triple, &linker, &obj_path, &runtime, staged))
}

/// Write `output` through a file staged beside it, which `produce` fills: `output` is
/// replaced only once that is complete, so a failed build or write leaves no file behind
/// and an existing one untouched.
pub fn write_output(output: &Path, produce: impl FnOnce(&Path) -> Result<(), String>) -> Result<(), String> {
    let cannot = |why: &dyn std::fmt::Display| format!("cannot write `{}`: {why}", output.display());
    if output.is_dir() {
        return Err(cannot(&"it is a directory"));
    }
    let parent = output.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    if !parent.is_dir() {
        return Err(cannot(&format_args!("there is no directory `{}`", parent.display())));
    }
    let mut builder = tempfile::Builder::new();
    builder.prefix(".nyashc-");
    // The mode of a file made by hand (less the umask), not a temporary file's 0600.
    #[cfg(unix)]
    builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o666));
    let staged = builder.tempfile_in(parent).map_err(|e| cannot(&std::io::Error::from(e.kind())))?.into_temp_path();
    produce(&staged)?;
    staged.persist(output).map_err(|e| cannot(&e.error))
}

fn link(triple: &Triple, linker: &Path, object: &Path, runtime: &Runtime, output: &Path) -> Result<(), String> {
    let mut cmd = Command::new(linker);
    cmd.arg("-o").arg(output).arg(object).arg(&runtime.archive);
    // libgcc (unwinding support for the Rust standard library) is linked statically, so
    // the executable needs nothing but the C library at run time.
    cmd.args(runtime.native_libs.split_whitespace().filter(|lib| *lib != "-lgcc_s"));
    cmd.args(["-Wl,--gc-sections", "-no-pie", "-static-libgcc"]);
    // gold links this archive in about two thirds of the time of the default linker.
    if *triple == target_lexicon::HOST && targets::find_program(Path::new("ld.gold")).is_some() {
        cmd.arg("-fuse-ld=gold");
    }
    let out = cmd.output().map_err(|e| format!("cannot run the linker {}: {e}", linker.display()))?;
    if !out.status.success() {
        return Err(format!("linking failed:\n{}", String::from_utf8_lossy(&out.stderr)));
    }
    Ok(())
}

fn isa(target: &Target) -> Result<std::sync::Arc<dyn cranelift_codegen::isa::TargetIsa>, String> {
    let mut flags = settings::builder();
    let level = if target.opt == OptLevel::O0 { "none" } else { "speed" };
    flags.set("opt_level", level).map_err(|e| e.to_string())?;
    flags.set("is_pic", "false").map_err(|e| e.to_string())?;
    cranelift_codegen::isa::lookup(target.triple.clone())
        .map_err(|e| format!("target {} is not supported: {e}", target.triple))?
        .finish(settings::Flags::new(flags))
        .map_err(|e| e.to_string())
}

/// Lower every function of `mir` into a fresh object module, with each function's id and
/// what defining it made (its listing, if one is asked for; its size and line rows).
fn compile(
    mir: &MirModule,
    target: &Target,
    listing: Listing,
) -> Result<(ObjectModule, Vec<(FuncId, Defined)>), String> {
    let builder = ObjectBuilder::new(isa(target)?, "nyash", default_libcall_names()).map_err(|e| e.to_string())?;
    let mut module = ObjectModule::new(builder);
    let signature = nyash_signature(&module);
    let ids: Vec<FuncId> = symbol_names(mir)
        .iter()
        .map(|name| module.declare_function(name, Linkage::Local, &signature))
        .collect::<Result<_, _>>()
        .map_err(|e| e.to_string())?;
    let mut codegen = CodeGen::new(&mut module, Callees::Direct(ids.clone()), mir)?;
    let mut defined = Vec::with_capacity(ids.len());
    for (f, &id) in mir.functions.iter().zip(&ids) {
        defined.push((id, codegen.define(&mut module, id, f, Entry::Call, listing)?));
    }
    let table = function_table(&mut module, &ids)?;
    let image = mir.image(nyash_runtime::class::symbols());
    let image = image.to_bytes();
    let image_len = image.len();
    let image = data(&mut module, "nyash_image", image)?;
    c_main(&mut module, image, image_len, table, ids.len() as u32, mir.entry)?;
    Ok((module, defined))
}

fn data(module: &mut ObjectModule, name: &str, bytes: Vec<u8>) -> Result<DataId, String> {
    let id = module.declare_data(name, Linkage::Local, false, false).map_err(|e| e.to_string())?;
    let mut desc = DataDescription::new();
    desc.define(bytes.into_boxed_slice());
    module.define_data(id, &desc).map_err(|e| e.to_string())?;
    Ok(id)
}

/// `nyash_functions`: the address of every function, indexed by MIR function id.
fn function_table(module: &mut ObjectModule, ids: &[FuncId]) -> Result<DataId, String> {
    let id = module.declare_data("nyash_functions", Linkage::Local, false, false).map_err(|e| e.to_string())?;
    let width = module.target_config().pointer_bytes() as u32;
    let mut desc = DataDescription::new();
    // Initialised bytes (not zero-init, which would land in .bss without relocations).
    desc.define(vec![0; ids.len().max(1) * width as usize].into_boxed_slice());
    for (i, &f) in ids.iter().enumerate() {
        let func_ref = module.declare_func_in_data(f, &mut desc);
        desc.write_function_addr(i as u32 * width, func_ref);
    }
    module.define_data(id, &desc).map_err(|e| e.to_string())?;
    Ok(id)
}

/// `int main(void) { return nyrt_main(image, len, functions, count, entry); }`
fn c_main(
    module: &mut ObjectModule,
    image: DataId,
    image_len: usize,
    table: DataId,
    count: u32,
    entry: u32,
) -> Result<(), String> {
    let ptr = module.target_config().pointer_type();
    let mut rt_sig = module.make_signature();
    rt_sig.params.extend([ptr, types::I64, ptr, types::I32, types::I32].map(AbiParam::new));
    rt_sig.returns.push(AbiParam::new(types::I32));
    let nyrt_main = module.declare_function("nyrt_main", Linkage::Import, &rt_sig).map_err(|e| e.to_string())?;
    let mut main_sig = module.make_signature();
    main_sig.returns.push(AbiParam::new(types::I32));
    let main = module.declare_function("main", Linkage::Export, &main_sig).map_err(|e| e.to_string())?;

    let mut ctx = module.make_context();
    ctx.func.signature = main_sig;
    let mut fbc = FunctionBuilderContext::new();
    let mut b = FunctionBuilder::new(&mut ctx.func, &mut fbc);
    let block = b.create_block();
    b.switch_to_block(block);
    let callee = module.declare_func_in_func(nyrt_main, b.func);
    let image_gv = module.declare_data_in_func(image, b.func);
    let table_gv = module.declare_data_in_func(table, b.func);
    let image_addr = b.ins().symbol_value(ptr, image_gv);
    let table_addr = b.ins().symbol_value(ptr, table_gv);
    let len = b.ins().iconst(types::I64, image_len as i64);
    let count = b.ins().iconst(types::I32, count as i64);
    let entry = b.ins().iconst(types::I32, entry as i64);
    let call = b.ins().call(callee, &[image_addr, len, table_addr, count, entry]);
    let status = b.inst_results(call)[0];
    b.ins().return_(&[status]);
    b.seal_all_blocks();
    b.finalize(module.target_config());
    module.define_function(main, &mut ctx).map_err(|e| e.to_string())?;
    Ok(())
}
