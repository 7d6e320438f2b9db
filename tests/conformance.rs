//! The conformance suite: every program in `tests/conformance/` (and the seed programs in
//! `samples/`) runs on every backend, and its output must match the expectations written
//! in its comments:
//!
//! - `// expect: TEXT`: the next line of stdout;
//! - `// expect runtime error: MESSAGE`: stderr has a line starting `error: MESSAGE`, and the
//!   exit status is 70;
//! - `// expect error: LINE`: a compile error reported at that line, exit status 1;
//! - `// expect exit: N`: the exit status when it is not 0.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;

/// Every backend runs every program; a new backend is one more entry here.
const BACKENDS: &[&[&str]] = &[
    &["run", "--emit", "vm"],
    &["run", "--emit", "jit", "--jit-threshold", "0"],
    &["run", "--emit", "jit"],
    &["run", "--emit", "exe"],
];

#[derive(Default, Debug)]
struct Expect {
    stdout: Vec<String>,
    runtime_error: Option<String>,
    compile_error_line: Option<u32>,
    exit: Option<i32>,
}

fn parse_expectations(source: &str) -> Expect {
    let mut e = Expect::default();
    for line in source.lines() {
        let Some(pos) = line.find("// expect") else { continue };
        let directive = &line[pos + 3..];
        if let Some(text) = directive.strip_prefix("expect: ") {
            e.stdout.push(text.to_string());
        } else if directive == "expect:" {
            e.stdout.push(String::new());
        } else if let Some(msg) = directive.strip_prefix("expect runtime error: ") {
            e.runtime_error = Some(msg.trim_end().to_string());
        } else if let Some(n) = directive.strip_prefix("expect error: ") {
            e.compile_error_line = n.trim().parse().ok();
        } else if let Some(n) = directive.strip_prefix("expect exit: ") {
            e.exit = n.trim().parse().ok();
        }
    }
    e
}

fn check(path: &Path, backend: &[&str]) -> Result<(), String> {
    let source = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
    let expect = parse_expectations(&source);
    let out = Command::new(env!("CARGO_BIN_EXE_nyashc")).args(backend).arg(path).output().map_err(|e| e.to_string())?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let status = out.status.code().unwrap_or(-1);
    let fail = |why: String| Err(format!("{why}\n--- stdout\n{stdout}--- stderr\n{stderr}--- status {status}"));

    if stderr.contains("panicked") || stderr.contains("internal compiler error") {
        return fail("the compiler or program crashed".into());
    }
    if let Some(line) = expect.compile_error_line {
        let marker = format!(":{line}:");
        if status != 1 || !stderr.lines().any(|l| l.contains(&marker) && l.contains(".nyash")) {
            return fail(format!("expected a compile error at line {line}"));
        }
        return Ok(());
    }
    let got: Vec<&str> = stdout.lines().collect();
    if got != expect.stdout {
        return fail(format!("stdout differs: expected\n{}\n", expect.stdout.join("\n")));
    }
    let want_status = match (&expect.runtime_error, expect.exit) {
        (_, Some(n)) => n,
        (Some(_), None) => 70,
        (None, None) => 0,
    };
    if let Some(msg) = &expect.runtime_error {
        let wanted = format!("error: {msg}");
        if !stderr.lines().any(|l| l.starts_with(&wanted)) {
            return fail(format!("expected runtime error `{msg}`"));
        }
    } else if !stderr.is_empty() && status != want_status {
        return fail("unexpected stderr".into());
    }
    if status != want_status {
        return fail(format!("exit status {status}, expected {want_status}"));
    }
    Ok(())
}

fn programs() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files: Vec<PathBuf> = std::fs::read_dir(root.join("tests/conformance"))
        .expect("tests/conformance exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "nyash"))
        .collect();
    files.sort();
    files
}

fn main() {
    let filter: Option<String> = std::env::args().skip(1).find(|a| !a.starts_with('-'));
    let jobs: Vec<(PathBuf, &[&str])> = programs()
        .into_iter()
        .filter(|p| filter.as_ref().is_none_or(|f| p.to_string_lossy().contains(f.as_str())))
        .flat_map(|p| BACKENDS.iter().map(move |b| (p.clone(), *b)))
        .collect();
    let queue = Mutex::new(jobs.into_iter());
    let failures = Mutex::new(Vec::new());
    let passed = std::sync::atomic::AtomicUsize::new(0);
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| loop {
                let Some((path, backend)) = queue.lock().unwrap().next() else { break };
                match check(&path, backend) {
                    Ok(()) => {
                        passed.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    }
                    Err(why) => {
                        failures.lock().unwrap().push(format!("FAIL {} [{}]: {why}", path.display(), backend.join(" ")))
                    }
                }
            });
        }
    });
    let failures = failures.into_inner().unwrap();
    for f in &failures {
        println!("{f}\n");
    }
    println!("conformance: {} passed, {} failed", passed.into_inner(), failures.len());
    if !failures.is_empty() {
        std::process::exit(1);
    }
}
