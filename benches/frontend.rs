//! Front-end speed: source to verified MIR for each seed program (the seed's target is
//! under 5 ms each).

use criterion::{criterion_group, criterion_main, Criterion};
use std::path::Path;

fn seeds(c: &mut Criterion) {
    let samples = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples");
    for name in
        ["test_vm_performance_basic", "test_vm_boxcall_return", "test_vm_memory_usage", "test_vm_instruction_dispatch"]
    {
        let path = samples.join(format!("{name}.nyash"));
        c.bench_function(&format!("mir/{name}"), |b| {
            b.iter(|| nyashc::driver::compile(&path).expect("the seed compiles"))
        });
    }
}

criterion_group!(benches, seeds);
criterion_main!(benches);
