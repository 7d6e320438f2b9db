//! `nyashc run --profile`: after the run, where the time went (building MIR, compiling
//! for the JIT, running), what the VM executed (ops by kind, method calls by
//! `Box.method`), the boxes the program made, and which functions the JIT compiled; as
//! text on stderr, or as JSON (`--profile=json`).

use crate::driver::FrontEndTimes;
use crate::jit::Compiled;
use crate::vm::profile::{Count, VmCounts};
use nyash_runtime::heap::Totals;
use serde::Serialize;
use std::fmt::Write;
use std::time::Duration;

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Text,
    Json,
}

#[derive(Serialize)]
pub struct Report {
    pub backend: &'static str,
    pub times_ms: Times,
    pub vm: VmCounts,
    pub allocations: Totals,
    pub jit_compiled: Vec<JitCompiled>,
}

#[derive(Serialize)]
pub struct Times {
    pub parse: f64,
    pub mir: f64,
    pub jit_compile: f64,
    pub run: f64,
}

#[derive(Serialize)]
pub struct JitCompiled {
    pub function: String,
    pub at_ms: f64,
    pub took_ms: f64,
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

impl Report {
    /// `wall`: the whole run, JIT compilations included.
    /// `compiled`: what the JIT compiled, if the program ran with it.
    pub fn new(front: FrontEndTimes, wall: Duration, vm: VmCounts, compiled: Option<&[Compiled]>) -> Report {
        let jit_compile: Duration = compiled.unwrap_or_default().iter().map(|c| c.took).sum();
        Report {
            backend: if compiled.is_some() { "jit" } else { "vm" },
            times_ms: Times {
                parse: ms(front.parse),
                mir: ms(front.mir),
                jit_compile: ms(jit_compile),
                run: ms(wall.saturating_sub(jit_compile)),
            },
            vm,
            allocations: nyash_runtime::heap::totals(),
            jit_compiled: compiled
                .unwrap_or_default()
                .iter()
                .map(|c| JitCompiled { function: c.name.clone(), at_ms: ms(c.at), took_ms: ms(c.took) })
                .collect(),
        }
    }

    pub fn render(&self, format: Format) -> String {
        match format {
            Format::Json => serde_json::to_string_pretty(self).unwrap_or_default() + "\n",
            Format::Text => self.text(),
        }
    }

    fn text(&self) -> String {
        let t = &self.times_ms;
        let total = t.parse + t.mir + t.jit_compile + t.run;
        let share = |x: f64| if total > 0.0 { 100.0 * x / total } else { 0.0 };
        let mut out = format!("profile ({}):\n", self.backend);
        let mut phases = vec![("parsing", t.parse), ("building MIR", t.mir)];
        if self.backend == "jit" {
            phases.push(("JIT compiling", t.jit_compile));
        }
        phases.push(("running", t.run));
        let phases: Vec<String> =
            phases.iter().map(|(name, ms)| format!("{name} {ms:.2} ms ({:.1}%)", share(*ms))).collect();
        let _ = writeln!(out, "  time: {}", phases.join(", "));
        let executed: u64 = self.vm.ops.iter().map(|c| c.count).sum();
        let _ = writeln!(out, "  VM ops executed: {executed}");
        counts(&mut out, &self.vm.ops, executed);
        let calls: u64 = self.vm.method_calls.iter().map(|c| c.count).sum();
        let _ = writeln!(out, "  VM method calls: {calls}");
        counts(&mut out, &self.vm.method_calls, calls);
        let a = &self.allocations;
        let _ = writeln!(
            out,
            "  boxes made: {} ({} bytes); at most {} live at once ({} bytes)",
            a.boxes, a.bytes, a.peak_live_boxes, a.peak_live_bytes
        );
        if self.backend == "jit" {
            let _ =
                writeln!(out, "  JIT compiled {} functions; they ran compiled from then on:", self.jit_compiled.len());
            for c in &self.jit_compiled {
                let _ = writeln!(out, "    {} at {:.2} ms, in {:.2} ms", c.function, c.at_ms, c.took_ms);
            }
        }
        out
    }
}

/// The first lines of a count, with their shares of `total`.
fn counts(out: &mut String, counts: &[Count], total: u64) {
    const SHOWN: usize = 12;
    for c in counts.iter().take(SHOWN) {
        let _ =
            writeln!(out, "    {:<28} {:>12} {:>5.1}%", c.name, c.count, 100.0 * c.count as f64 / total.max(1) as f64);
    }
    if counts.len() > SHOWN {
        let _ = writeln!(out, "    ... {} more", counts.len() - SHOWN);
    }
}
