//! The JIT tier: functions start in the VM and move to machine code once hot.
//!
//! One record per function: its heat (calls plus loop back-edges), its call entry (a slot
//! of the JIT's code table, which compiled callers and the runtime read too: one table,
//! owned here) and its loop entries. The VM reaches all of it through `vm::Tiering`.
//! VM and compiled frames call each other freely, since both call through `Vm::enter`. A
//! VM activation still looping in a function that has been compiled moves to machine code
//! at its next back-edge (on-stack replacement), so a hot loop in `main` is compiled too.

use crate::jit::{Jit, NativeFn};
use crate::mir::Module;
use crate::vm::Tiering;
use rustc_hash::FxHashMap;
use std::cell::{Cell, RefCell};

/// How a program uses the JIT.
#[derive(Clone, Copy, Debug)]
pub struct JitOptions {
    /// Calls plus loop back-edges after which a function is compiled; 0 compiles every
    /// function before the program starts.
    pub threshold: u32,
    /// Report what was compiled, when and how fast, on stderr at the end.
    pub stats: bool,
    /// Name each compiled function in `/tmp/perf-PID.map`, for `perf`.
    pub perf_map: bool,
}

pub struct Tier {
    jit: RefCell<Jit>,
    mir: Module,
    /// The JIT's code table: each function's call entry, null until compiled.
    table: *const Option<NativeFn>,
    /// Calls and back-edges seen so far; `u32::MAX` once compiled (or failed to).
    heat: Vec<Cell<u32>>,
    /// Loop-header entries compiled so far, by function and MIR block; `None` if the
    /// compilation failed.
    resume: RefCell<FxHashMap<(u32, u32), Option<NativeFn>>>,
    options: JitOptions,
}

impl Tier {
    /// A tier for `mir`, whose code table the runtime reads too; with threshold 0, every
    /// function is compiled now.
    pub fn new(mir: &Module, options: JitOptions) -> Result<Tier, String> {
        let jit = Jit::new(mir, options.perf_map)?;
        let table = jit.code_table();
        nyash_runtime::hooks::set_native_table(table, mir.functions.len());
        let tier = Tier {
            jit: RefCell::new(jit),
            mir: mir.clone(),
            table,
            heat: mir.functions.iter().map(|_| Cell::new(0)).collect(),
            resume: RefCell::new(FxHashMap::default()),
            options,
        };
        if options.threshold == 0 {
            (0..mir.functions.len() as u32).for_each(|f| tier.compile(f));
        }
        Ok(tier)
    }

    fn compile(&self, func: u32) {
        self.heat[func as usize].set(u32::MAX);
        let compiled = self.jit.borrow_mut().compile(&self.mir, func);
        self.stay_on_failure(func, compiled);
    }

    /// A function the JIT cannot compile is a compiler bug, but the program need not
    /// suffer for it: it keeps running that function in the VM.
    fn stay_on_failure(&self, func: u32, compiled: Result<NativeFn, String>) -> Option<NativeFn> {
        compiled
            .map_err(|e| {
                eprintln!(
                    "error: internal compiler error: the JIT could not compile {}, which stays in the VM: {e}",
                    self.mir.functions[func as usize].name
                )
            })
            .ok()
    }

    /// What was compiled so far, when and how fast.
    pub fn compiled(&self) -> Vec<crate::jit::Compiled> {
        self.jit.borrow().log.clone()
    }

    /// `--jit-stats`: what was compiled, when and how fast, if asked for.
    pub fn report(&self) {
        if !self.options.stats {
            return;
        }
        for c in &self.jit.borrow().log {
            eprintln!(
                "jit: compiled {} at {:.3} ms in {:.3} ms",
                c.name,
                c.at.as_secs_f64() * 1e3,
                c.took.as_secs_f64() * 1e3
            );
        }
    }
}

impl Tiering for Tier {
    fn native(&self, func: u32) -> Option<NativeFn> {
        // SAFETY: the table has one entry per MIR function, and the VM only asks for those.
        unsafe { *self.table.add(func as usize) }
    }

    fn on_call(&self, func: u32) {
        let heat = &self.heat[func as usize];
        if heat.get() == u32::MAX {
            return;
        }
        heat.set(heat.get() + 1);
        if heat.get() > self.options.threshold {
            self.compile(func);
        }
    }

    /// Only the loop-header entry is compiled here; the function's call entry waits for
    /// the next call (which its heat now compiles), so a `main` that is entered once is
    /// compiled once.
    fn on_back_edge(&self, func: u32, block: u32) -> Option<NativeFn> {
        let heat = &self.heat[func as usize];
        if heat.get() <= self.options.threshold {
            heat.set(heat.get() + 1);
            return None;
        }
        *self.resume.borrow_mut().entry((func, block)).or_insert_with(|| {
            let compiled = self.jit.borrow_mut().compile_resume(&self.mir, func, block);
            self.stay_on_failure(func, compiled)
        })
    }
}
