//! Front-end speed: source to verified MIR for each seed program (target: 0.5 ms each)
//! and for a generated program of 10,000 lines (target: 30 ms).

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

/// One box and one function of 31 lines: fields, a constructor, methods with `if`/`else
/// if`, a loop with arithmetic, `try`/`catch` and calls; `n` numbers the names.
fn unit(n: usize) -> String {
    format!(
        r#"box Shape{n} {{
    init {{ x, y, name }}
    birth(x, y) {{
        me.x = x
        me.y = y
        me.name = "shape{n}"
    }}
    area() {{ return me.x * me.y }}
    describe() {{
        local s = me.name + ": " + me.area()
        if me.x > me.y {{ s = s + " wide" }} else if me.x < me.y {{ s = s + " tall" }} else {{ s = s + " square" }}
        return s
    }}
}}
function work{n}(n) {{
    local total = 0
    local k = 0
    loop(k < n) {{
        total = total + k * 2 - (k % 3)
        if total > 1000 {{ total = total / 2 }}
        k = k + 1
    }}
    try {{
        local p = new Shape{n}(k, total)
        print(p.describe())
    }} catch (e) {{
        print("error: " + e)
    }}
    return total
}}
print(work{n}(10))
"#
    )
}

/// A program of at least `lines` lines.
fn generated(lines: usize) -> String {
    let mut text = String::new();
    let mut n = 0;
    while text.lines().count() < lines {
        text.push_str(&unit(n));
        n += 1;
    }
    text
}

fn large(c: &mut Criterion) {
    let text = generated(10_000);
    c.bench_function("mir/generated_10000_lines", |b| {
        b.iter(|| nyashc::driver::compile_text("generated.nyash", text.clone(), std::io::sink()).expect("it compiles"))
    });
}

criterion_group!(benches, seeds, large);
criterion_main!(benches);
