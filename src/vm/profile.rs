//! `--profile` on the VM: the ops executed, by kind, and the method calls, by receiver box
//! and method. They are counted by a second instantiation of the interpreter loop
//! (`Vm::execute::<true>`), so a run without `--profile` pays one test per call for it.

use super::code::Op;
use nyash_runtime::class::{sym_name, Sym};
use nyash_runtime::Value;
use rustc_hash::FxHashMap;
use serde::Serialize;
use std::mem::Discriminant;

#[derive(Default)]
pub struct Counts {
    ops: [u64; Op::CLASSES],
    names: [&'static str; Op::CLASSES],
    /// By the receiver's kind of value and class id, and the method: the count and the
    /// `Box.method` name.
    calls: FxHashMap<(Discriminant<Value>, u32, Sym), (u64, String)>,
}

/// One line of a count.
#[derive(Clone, Debug, Serialize)]
pub struct Count {
    pub name: String,
    pub count: u64,
}

/// What the VM counted, most frequent first.
#[derive(Clone, Debug, Default, Serialize)]
pub struct VmCounts {
    pub ops: Vec<Count>,
    pub method_calls: Vec<Count>,
}

impl Counts {
    pub fn op(&mut self, op: &Op) {
        let (class, name) = op.class();
        self.ops[class] += 1;
        self.names[class] = name;
    }

    pub fn method_call(&mut self, receiver: &Value, method: Sym) {
        let key = (std::mem::discriminant(receiver), nyash_runtime::object::class_of(receiver), method);
        let entry =
            self.calls.entry(key).or_insert_with(|| (0, format!("{}.{}", receiver.type_name(), sym_name(method))));
        entry.0 += 1;
    }

    pub fn summary(&self) -> VmCounts {
        let ops = self
            .names
            .iter()
            .zip(self.ops)
            .filter(|(_, n)| *n > 0)
            .map(|(name, count)| Count { name: name.to_string(), count });
        let calls = self.calls.values().map(|(count, name)| Count { name: name.clone(), count: *count });
        VmCounts { ops: most_first(ops), method_calls: most_first(calls) }
    }
}

fn most_first(counts: impl Iterator<Item = Count>) -> Vec<Count> {
    let mut counts: Vec<Count> = counts.collect();
    counts.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.name.cmp(&b.name)));
    counts
}
