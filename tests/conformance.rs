//! The conformance suite: every program in `tests/conformance/<feature>/` runs on every
//! backend, and its output must match the expectations written in its comments:
//!
//! - `// expect: TEXT`: the next line of stdout;
//! - `// expect runtime error (col C): MESSAGE`, on the line that fails: stderr has a line
//!   starting `error: MESSAGE` that names this line and column C, and the exit status is 70;
//! - `// expect error: LINE`: a compile error reported at that line, exit status 1;
//! - `// expect exit: N`: the exit status when it is not 0;
//! - `// expect trace: at NAME (L:C)`, one per frame (or `... N frames left out ...`):
//!   the traceback after the runtime error, innermost first, file names left out.
//!
//! The programs of `samples/` run too: each `samples/NAME.nyash` with a `NAME.out` beside
//! it must print exactly that, and exit 0. Programs run with the repository as their
//! current directory, so a sample reads its data files as `samples/...`.
//!
//! Beyond that, every backend's stdout, stderr and exit status must be byte-identical to
//! the first backend's: that is what checks the source line each runtime error names.
//!
//! `NYASH_CROSS_TARGETS=aarch64-unknown-linux-gnu,...` adds, for each target listed, its
//! executable run under qemu (`run --emit exe --target T`; README, "Cross builds").

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

/// The backends, and an executable for each target of `NYASH_CROSS_TARGETS`.
fn backends() -> Vec<Vec<String>> {
    let owned = |args: &[&str]| args.iter().map(|a| a.to_string()).collect::<Vec<_>>();
    let cross = std::env::var("NYASH_CROSS_TARGETS").unwrap_or_default();
    let targets = cross.split(',').map(str::trim).filter(|t| !t.is_empty());
    BACKENDS.iter().map(|b| owned(b)).chain(targets.map(|t| owned(&["run", "--emit", "exe", "--target", t]))).collect()
}

#[derive(Default, Debug)]
struct Expect {
    stdout: Vec<String>,
    runtime_error: Option<RuntimeError>,
    compile_error_line: Option<u32>,
    exit: Option<i32>,
    trace: Vec<String>,
}

/// A runtime error the program must end with, and where.
#[derive(Debug)]
struct RuntimeError {
    message: String,
    line: usize,
    col: usize,
}

/// `(col C): MESSAGE`, the rest of a runtime error directive on line `line`.
fn parse_runtime_error(rest: &str, line: usize) -> Result<RuntimeError, String> {
    let bad = || format!("line {line}: write `// expect runtime error (col C): MESSAGE`");
    let (col, message) = rest.strip_prefix("(col ").and_then(|r| r.split_once("): ")).ok_or_else(bad)?;
    let col = col.parse().map_err(|_| bad())?;
    Ok(RuntimeError { message: message.trim_end().to_string(), line, col })
}

fn parse_expectations(source: &str) -> Result<Expect, String> {
    let mut e = Expect::default();
    for (number, line) in source.lines().enumerate() {
        let Some(pos) = line.find("// expect") else { continue };
        let directive = &line[pos + 3..];
        if let Some(text) = directive.strip_prefix("expect: ") {
            e.stdout.push(text.to_string());
        } else if directive == "expect:" {
            e.stdout.push(String::new());
        } else if let Some(rest) = directive.strip_prefix("expect runtime error ") {
            e.runtime_error = Some(parse_runtime_error(rest, number + 1)?);
        } else if let Some(n) = directive.strip_prefix("expect error: ") {
            e.compile_error_line = n.trim().parse().ok();
        } else if let Some(n) = directive.strip_prefix("expect exit: ") {
            e.exit = n.trim().parse().ok();
        } else if let Some(frame) = directive.strip_prefix("expect trace: ") {
            e.trace.push(frame.trim_end().to_string());
        }
    }
    Ok(e)
}

/// A sample's expectations: its `.out` file is the whole of stdout.
fn sample_expectations(out: &Path) -> Result<Expect, String> {
    let text = std::fs::read_to_string(out).map_err(|e| format!("{}: {e}", out.display()))?;
    Ok(Expect { stdout: text.lines().map(str::to_string).collect(), ..Expect::default() })
}

/// What one backend did with one program.
#[derive(PartialEq)]
struct Outcome {
    stdout: String,
    stderr: String,
    status: i32,
}

fn run(path: &Path, backend: &[String]) -> Result<Outcome, String> {
    let out = Command::new(env!("CARGO_BIN_EXE_nyashc"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(backend)
        .arg(path)
        .output()
        .map_err(|e| e.to_string())?;
    Ok(Outcome {
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        status: out.status.code().unwrap_or(-1),
    })
}

/// Run `path` on every backend: each outcome must meet the expectations and be
/// byte-identical (stdout, stderr, exit status) to the first backend's.
fn check_program(path: &Path, backends: &[Vec<String>]) -> Vec<Result<(), String>> {
    let out = path.with_extension("out");
    let expect = if path.starts_with(root().join("samples")) {
        sample_expectations(&out)
    } else {
        std::fs::read_to_string(path).map_err(|e| e.to_string()).and_then(|source| parse_expectations(&source))
    };
    let expect = match expect {
        Ok(expect) => expect,
        Err(e) => return vec![Err(format!("FAIL {}: {e}", path.display()))],
    };
    let mut reference: Option<Outcome> = None;
    let mut results = Vec::new();
    for backend in backends {
        let result = run(path, backend).and_then(|outcome| {
            check(&expect, &outcome)?;
            match &reference {
                Some(first) if *first != outcome => {
                    Err(describe(&outcome, format!("differs from `{}`", backends[0].join(" "))))
                }
                Some(_) => Ok(()),
                None => {
                    reference = Some(outcome);
                    Ok(())
                }
            }
        });
        results.push(result.map_err(|why| format!("FAIL {} [{}]: {why}", path.display(), backend.join(" "))));
    }
    results
}

fn describe(o: &Outcome, why: String) -> String {
    format!("{why}\n--- stdout\n{}--- stderr\n{}--- status {}", o.stdout, o.stderr, o.status)
}

fn check(expect: &Expect, outcome: &Outcome) -> Result<(), String> {
    let Outcome { stdout, stderr, status } = outcome;
    let status = *status;
    let fail = |why: String| Err(describe(outcome, why));
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
    if let Some(RuntimeError { message, line, col }) = &expect.runtime_error {
        let (wanted, place) = (format!("error: {message}"), format!(":{line}:{col}"));
        if !stderr.lines().any(|l| l.starts_with(&wanted) && l.ends_with(&place)) {
            return fail(format!("expected runtime error `{message}` at line {line}, column {col}"));
        }
    } else if !stderr.is_empty() && status != want_status {
        return fail("unexpected stderr".into());
    }
    if !expect.trace.is_empty() && traceback(stderr) != expect.trace {
        return fail(format!("traceback differs: expected\n{}\n", expect.trace.join("\n")));
    }
    if status != want_status {
        return fail(format!("exit status {status}, expected {want_status}"));
    }
    Ok(())
}

/// The traceback lines of stderr as `// expect trace:` writes them: `at NAME (L:C)`, the
/// file name left out.
fn traceback(stderr: &str) -> Vec<String> {
    let frames =
        stderr.lines().filter_map(|l| l.strip_prefix("  ")).filter(|l| l.starts_with("at ") || l.starts_with("..."));
    frames
        .map(|frame| match frame.rsplit_once(" (") {
            Some((name, place)) => {
                let mut parts = place.trim_end_matches(')').rsplitn(3, ':');
                let (col, line) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
                format!("{name} ({line}:{col})")
            }
            None => frame.to_string(),
        })
        .collect()
}

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The `.nyash` files under `dir`, at any depth.
fn nyash_files(dir: &Path, files: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())).flatten() {
        let path = entry.path();
        if path.is_dir() {
            nyash_files(&path, files);
        } else if path.extension().is_some_and(|x| x == "nyash") {
            files.push(path);
        }
    }
}

/// The conformance programs, then the samples that say what they print.
fn programs() -> Vec<PathBuf> {
    let mut files = Vec::new();
    nyash_files(&root().join("tests/conformance"), &mut files);
    let mut samples = Vec::new();
    nyash_files(&root().join("samples"), &mut samples);
    files.extend(samples.into_iter().filter(|p| p.with_extension("out").exists()));
    files.sort();
    files
}

fn main() {
    let filter: Option<String> = std::env::args().skip(1).find(|a| !a.starts_with('-'));
    let programs: Vec<PathBuf> = programs()
        .into_iter()
        .filter(|p| filter.as_ref().is_none_or(|f| p.to_string_lossy().contains(f.as_str())))
        .collect();
    let backends = backends();
    let queue = Mutex::new(programs.into_iter());
    let failures = Mutex::new(Vec::new());
    let passed = std::sync::atomic::AtomicUsize::new(0);
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| loop {
                let Some(path) = queue.lock().unwrap().next() else { break };
                for result in check_program(&path, &backends) {
                    match result {
                        Ok(()) => {
                            passed.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        }
                        Err(why) => failures.lock().unwrap().push(why),
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
