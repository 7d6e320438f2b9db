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

#[test]
fn objects_for_other_targets() {
    let dir = tempfile::tempdir().unwrap();
    let object = dir.path().join("hello.o");
    let out = run(Command::new(NYASHC)
        .args(["build", "--emit", "obj", "--target", "aarch64-unknown-linux-gnu", &hello(), "-o"])
        .arg(&object));
    assert!(out.status.success(), "{}", text(&out.stderr));
    let bytes = std::fs::read(&object).unwrap();
    // ELF, machine EM_AARCH64 (183) at offset 18.
    assert!(bytes.starts_with(b"\x7fELF") && u16::from_le_bytes([bytes[18], bytes[19]]) == 183);
}
