//! The names compiled functions have in object files' symbol tables and in the JIT's perf
//! map: the source's (`Point.add`, `Main.main`, `fib`), so that `perf`, `gdb` and
//! `addr2line` speak of the program as it was written.
//!
//! They are local symbols, so they never meet the C library's at link time; they must
//! still differ from every name the module itself declares (the exported `main`, the
//! runtime's `nyrt_` functions, our `nyash_` data, Cranelift's libcalls) and from each
//! other. A name that would clash falls back to the MIR name (`main/0`, `Point.birth/2`),
//! which no C name can be.

use crate::mir::Module;
use cranelift_codegen::ir::LibCall;
use nyash_runtime::error::TOP_LEVEL;
use rustc_hash::FxHashSet;

/// One symbol name per MIR function, by function id.
pub fn symbol_names(mir: &Module) -> Vec<String> {
    let libcalls: FxHashSet<String> =
        LibCall::all_libcalls().iter().map(|&call| cranelift_module::default_libcall_names()(call)).collect();
    let mut taken = FxHashSet::default();
    mir.functions
        .iter()
        .enumerate()
        .map(|(id, f)| {
            let preferred = if id as u32 == mir.entry { TOP_LEVEL } else { f.source_name() };
            let reserved = preferred == "main"
                || preferred.starts_with("nyrt_")
                || preferred.starts_with("nyash_")
                || libcalls.contains(preferred);
            let name = if reserved || taken.contains(preferred) { f.name.clone() } else { preferred.to_string() };
            taken.insert(name.clone());
            name
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mir::Function;

    fn function(name: &str) -> Function {
        Function {
            name: name.into(),
            params: 0,
            owner: None,
            regs: 0,
            locals: Vec::new(),
            blocks: Vec::new(),
            range: None,
        }
    }

    #[test]
    fn names_follow_the_source_and_never_clash() {
        let names =
            ["main", "fib/1", "Point.add/1", "Point.birth/1", "Point.birth/2", "main/0", "memcpy/3", "nyrt_x/0"];
        let mir = Module {
            files: Vec::new(),
            boxes: Vec::new(),
            functions: names.iter().map(|n| function(n)).collect(),
            globals: Vec::new(),
            entry: 0,
        };
        expect_test::expect![[r#"
            [
                "<top level>",
                "fib",
                "Point.add",
                "Point.birth",
                "Point.birth/2",
                "main/0",
                "memcpy/3",
                "nyrt_x/0",
            ]
        "#]]
        .assert_debug_eq(&symbol_names(&mir));
    }
}
