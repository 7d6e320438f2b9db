//! Native executables as a user meets them: a self-contained compiler, executables that
//! need only the C library, atomic output, and every `--emit` form.

use std::path::Path;
use std::process::{Command, Output};

const NYASHC: &str = env!("CARGO_BIN_EXE_nyashc");

fn run(cmd: &mut Command) -> Output {
    cmd.output().expect("the command runs")
}

/// Run a program this process has just written. Another test thread that forks while the
/// copy is being written keeps a write handle to it until its child execs, and Linux
/// refuses to run a file open for writing (ETXTBSY): wait that out.
fn run_fresh_copy(cmd: &mut Command) -> Output {
    const ETXTBSY: i32 = 26;
    for _ in 0..100 {
        match cmd.output() {
            Err(e) if e.raw_os_error() == Some(ETXTBSY) => std::thread::sleep(std::time::Duration::from_millis(20)),
            result => return result.expect("the command runs"),
        }
    }
    panic!("the copied compiler stayed busy");
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn build(nyashc: &Path, source: &str, output: &Path, extra: &[&str]) -> Output {
    run(Command::new(nyashc).arg("build").arg(source).arg("-o").arg(output).args(extra))
}

fn hello() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/hello.nyash").to_string_lossy().into_owned()
}

#[test]
fn a_copy_of_nyashc_alone_builds_executables() {
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("nyashc");
    std::fs::copy(NYASHC, &copy).unwrap();
    let exe = dir.path().join("hello");
    let out = run_fresh_copy(Command::new(&copy).current_dir(dir.path()).args(["build", &hello(), "-o", "hello"]));
    assert!(out.status.success(), "{}", text(&out.stderr));
    let ran = run(&mut Command::new(&exe));
    assert_eq!(text(&ran.stdout), "Hello, Nyash!\n");
}

#[test]
fn executables_need_only_the_c_library() {
    let dir = tempfile::tempdir().unwrap();
    let exe = dir.path().join("hello");
    assert!(build(Path::new(NYASHC), &hello(), &exe, &[]).status.success());
    let Ok(ldd) = Command::new("ldd").arg(&exe).output() else { return };
    for line in text(&ldd.stdout).lines() {
        let name = line.trim();
        let libc_family = ["linux-vdso", "libc.so", "libm.so", "ld-linux"].iter().any(|l| name.contains(l));
        assert!(libc_family, "unexpected dependency: {name}");
    }
}

#[test]
fn a_failed_build_leaves_the_old_output_alone() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.nyash");
    std::fs::write(&bad, "print(\n").unwrap();
    let output = dir.path().join("app");
    std::fs::write(&output, "previous build").unwrap();
    let out = build(Path::new(NYASHC), &bad.to_string_lossy(), &output, &[]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(std::fs::read_to_string(&output).unwrap(), "previous build");
    let names: Vec<String> =
        std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    assert_eq!(names.len(), 2, "stray files: {names:?}");
}

#[test]
fn every_emit_form() {
    let dir = tempfile::tempdir().unwrap();
    let object = dir.path().join("hello.o");
    let out = run(Command::new(NYASHC).args(["--emit", "obj", &hello(), "-o"]).arg(&object));
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(std::fs::read(&object).unwrap().starts_with(b"\x7fELF"));

    let clif = run(Command::new(NYASHC).args(["--emit", "clif", &hello()]));
    assert!(text(&clif.stdout).contains("function "), "{}", text(&clif.stdout));
    let asm = run(Command::new(NYASHC).args(["--emit", "asm", &hello()]));
    assert!(text(&asm.stdout).contains("ret"), "{}", text(&asm.stdout));
    let mir = run(Command::new(NYASHC).args(["--emit", "mir", &hello()]));
    assert!(text(&mir.stdout).contains("fn main("), "{}", text(&mir.stdout));

    for opt in ["-O0", "-O2"] {
        let exe = dir.path().join(format!("hello{opt}"));
        let out = run(Command::new(NYASHC).args(["--emit", "exe", &hello(), opt, "-o"]).arg(&exe));
        assert!(out.status.success(), "{}", text(&out.stderr));
        assert_eq!(text(&run(&mut Command::new(&exe)).stdout), "Hello, Nyash!\n");
    }
    let ran = run(Command::new(NYASHC).args(["run", "--emit", "exe", &hello()]));
    assert_eq!(text(&ran.stdout), "Hello, Nyash!\n");
}

#[test]
fn an_unknown_target_is_a_usage_error() {
    let out = run(Command::new(NYASHC).args(["build", &hello(), "--target", "no-such-triple-at-all"]));
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
}

/// An object file built for `target`, read back.
fn object_for(target: &str) -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    let object = dir.path().join("hello.o");
    let out = run(Command::new(NYASHC)
        .args(["build", "-g", "--emit", "obj", "--target", target, &hello(), "-o"])
        .arg(&object));
    assert!(out.status.success(), "{}", text(&out.stderr));
    std::fs::read(&object).unwrap()
}

#[test]
fn objects_for_other_targets() {
    use object::{Architecture, Object, ObjectSection, ObjectSymbol};
    for (target, arch) in [
        ("aarch64-unknown-linux-gnu", Architecture::Aarch64),
        ("riscv64gc-unknown-linux-gnu", Architecture::Riscv64),
        ("x86_64-unknown-linux-gnu", Architecture::X86_64),
    ] {
        let bytes = object_for(target);
        let file = object::File::parse(&*bytes).unwrap();
        assert_eq!(file.architecture(), arch, "{target}");
        assert!(file.is_little_endian() && file.is_64(), "{target}");
        let symbols: Vec<&str> = file.symbols().filter_map(|s| s.name().ok()).collect();
        for wanted in ["main", "nyrt_main", "nyash_image", "nyash_functions", "<top level>"] {
            assert!(symbols.contains(&wanted), "{target}: no `{wanted}` in {symbols:?}");
        }
        let line_table = file.section_by_name(".debug_line").expect("-g writes a line table");
        assert!(line_table.size() > 0 && line_table.relocations().count() > 0, "{target}: relocated line table");
        let main = file.symbols().find(|s| s.name() == Ok("main")).unwrap();
        assert!(main.is_definition() && main.is_global(), "{target}: `main` is exported");
        assert!(file.symbols().find(|s| s.name() == Ok("nyrt_main")).unwrap().is_undefined(), "{target}");
    }
}

#[test]
fn a_target_without_runtime_or_linker_is_one_clear_error() {
    // A copy of nyashc alone has no runtimes beside it.
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("nyashc");
    std::fs::copy(NYASHC, &copy).unwrap();
    let out = run_fresh_copy(Command::new(&copy).env("NYASHC_RUNTIME_DIR", dir.path()).args([
        "build",
        "--target",
        "riscv64gc-unknown-linux-gnu",
        &hello(),
        "-o",
        "/dev/null",
    ]));
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.starts_with("error: no Nyash runtime for riscv64gc-unknown-linux-gnu"), "{err}");
    assert!(err.contains("make cross-runtime TARGET=riscv64gc-unknown-linux-gnu") && err.lines().count() == 1, "{err}");

    let out = run(Command::new(NYASHC).args(["build", &hello(), "-o", "/dev/null", "--linker", "/no/such/cc"]));
    let err = text(&out.stderr);
    assert_eq!((out.status.code(), err.trim()), (Some(1), "error: the linker `/no/such/cc` does not exist"));
}

#[test]
fn targets_lists_what_this_machine_can_make() {
    let out = run(Command::new(NYASHC).arg("targets"));
    let listing = text(&out.stdout);
    let host = listing.lines().find(|l| l.starts_with("x86_64-unknown-linux-gnu")).expect("the host is listed");
    assert!(host.contains("yes (runtime: built in"), "{listing}");
    for target in ["aarch64-unknown-linux-gnu", "riscv64gc-unknown-linux-gnu"] {
        assert!(listing.lines().any(|l| l.starts_with(target) && l.contains(" yes ")), "{listing}");
    }
}

/// The symbol's address and size in an executable.
fn symbol_in(bytes: &[u8], name: &str) -> (u64, u64) {
    use object::{Object, ObjectSymbol};
    let file = object::File::parse(bytes).unwrap();
    let symbol = file.symbols().find(|s| s.name() == Ok(name)).unwrap_or_else(|| panic!("no symbol `{name}`"));
    (symbol.address(), symbol.size())
}

#[test]
fn executables_name_functions_after_the_source_and_map_code_to_lines_with_g() {
    let dir = tempfile::tempdir().unwrap();
    let source = dir.path().join("named.nyash");
    let program = "box Point {\n    init { x }\n    add(o) {\n        return me.x + o.x\n    }\n}\nfunction fib(n) {\n    if n < 2 { return n }\n    return fib(n - 1) + fib(n - 2)\n}\nstatic box Main {\n    main() {\n        print(fib(10))\n    }\n}\n";
    std::fs::write(&source, program).unwrap();
    let exe = dir.path().join("named");
    let out = build(Path::new(NYASHC), &source.to_string_lossy(), &exe, &["-g"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let bytes = std::fs::read(&exe).unwrap();
    for name in ["Point.add", "fib", "Main.main", "<top level>"] {
        let (address, size) = symbol_in(&bytes, name);
        assert!(address != 0 && size != 0, "`{name}` is a sized function symbol");
    }
    // The middle of `fib`'s code is its body (lines 8-9), the middle of `Point.add`'s is line 4.
    for (name, lines) in [("fib", &["8", "9"][..]), ("Point.add", &["4"][..])] {
        let (address, size) = symbol_in(&bytes, name);
        let Ok(found) = Command::new("addr2line").arg("-e").arg(&exe).arg(format!("{:x}", address + size / 2)).output()
        else {
            panic!("addr2line (binutils) is needed to read the line table back")
        };
        let found = text(&found.stdout);
        let (file, line) = found.trim().rsplit_once(':').unwrap_or_default();
        assert!(file.ends_with("named.nyash") && lines.contains(&line), "{name}: {found}");
    }
    let ran = run(&mut Command::new(&exe));
    assert_eq!(text(&ran.stdout), "55\n", "-g changes nothing of what runs");
}
