//! nyashc and the programs it builds behave like Unix tools: a reader that goes away stops
//! a program quietly, a full disk is one line of error, bad paths and bad bytes are one
//! clear diagnostic, and a failed write never leaves a broken output behind.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Output, Stdio};

const NYASHC: &str = env!("CARGO_BIN_EXE_nyashc");

fn nyashc(args: &[&str]) -> Output {
    Command::new(NYASHC).args(args).output().expect("nyashc runs")
}

fn write(dir: &Path, name: &str, text: &[u8]) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.to_string_lossy().into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Prints far more than any pipe buffer holds; a program that did not stop when its reader
/// went away would run for minutes.
const ENDLESS: &[u8] = b"local i = 0\nloop(i < 100000000) {\n    print(\"line \" + i)\n    i = i + 1\n}\n";

/// Every way of running a program: `nyashc run` on each backend, and a built executable.
fn runners(dir: &Path, program: &str) -> Vec<Command> {
    let exe = dir.join("program");
    let built = nyashc(&["build", program, "-o", exe.to_str().unwrap()]);
    assert!(built.status.success(), "{}", stderr(&built));
    let mut all: Vec<Command> = ["vm", "jit", "exe"]
        .iter()
        .map(|backend| {
            let mut c = Command::new(NYASHC);
            c.args(["run", "--emit", backend, program]);
            c
        })
        .collect();
    all.push(Command::new(exe));
    all
}

#[test]
fn a_reader_that_goes_away_stops_the_program_quietly() {
    let dir = tempfile::tempdir().unwrap();
    let program = write(dir.path(), "endless.nyash", ENDLESS);
    for mut runner in runners(dir.path(), &program) {
        let mut child = runner.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
        let mut first = String::new();
        BufReader::new(child.stdout.take().unwrap()).read_line(&mut first).unwrap();
        assert_eq!(first, "line 0\n");
        // The read end is closed here.
        let out = child.wait_with_output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{runner:?}: {}", stderr(&out));
        assert_eq!(stderr(&out), "", "{runner:?}");
    }
}

#[test]
fn a_full_disk_is_one_line_and_status_70() {
    let Ok(full) = std::fs::File::options().write(true).open("/dev/full") else { return };
    let dir = tempfile::tempdir().unwrap();
    let program = write(dir.path(), "p.nyash", b"print(\"hello\")\nprint(\"end\")\n");
    for mut runner in runners(dir.path(), &program) {
        let out = runner.stdout(full.try_clone().unwrap()).output().unwrap();
        assert_eq!(out.status.code(), Some(70), "{runner:?}");
        assert_eq!(
            stderr(&out),
            "error: cannot write to standard output: No space left on device (os error 28)\n",
            "{runner:?}"
        );
    }
}

#[test]
fn listings_survive_a_closed_pipe_and_report_a_full_disk() {
    let dir = tempfile::tempdir().unwrap();
    let program = write(dir.path(), "p.nyash", &ENDLESS.repeat(200));
    for emit in ["mir", "clif"] {
        let mut child = Command::new(NYASHC)
            .args(["--emit", emit, &program])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut first = String::new();
        BufReader::new(child.stdout.take().unwrap()).read_line(&mut first).unwrap();
        let out = child.wait_with_output().unwrap();
        assert_eq!((out.status.code(), stderr(&out)), (Some(0), String::new()), "--emit {emit}");
        if let Ok(full) = std::fs::File::options().write(true).open("/dev/full") {
            let out = Command::new(NYASHC).args(["--emit", emit, &program]).stdout(full).output().unwrap();
            assert_eq!(out.status.code(), Some(1), "--emit {emit}");
            assert!(stderr(&out).starts_with("error: cannot write to standard output: "), "{}", stderr(&out));
        }
    }
}

#[test]
fn bad_outputs_are_one_line_and_leave_nothing_behind() {
    let dir = tempfile::tempdir().unwrap();
    let program = write(dir.path(), "p.nyash", b"print(1)\n");
    let missing = dir.path().join("no/such/dir/out");
    let out = nyashc(&["build", &program, "-o", missing.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("there is no directory"), "{}", stderr(&out));
    let out = nyashc(&["--emit", "obj", &program, "-o", dir.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).ends_with("it is a directory\n"), "{}", stderr(&out));
    let leftovers: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(leftovers, ["p.nyash"]);
}

#[test]
fn bad_inputs_are_diagnostics() {
    let dir = tempfile::tempdir().unwrap();
    let not_utf8 = write(dir.path(), "latin1.nyash", b"print(1)\nprint(\"caf\xe9\")\n");
    let out = nyashc(&["run", &not_utf8]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).ends_with("it is not UTF-8 text (byte 0xe9 at 2:11)\n"), "{}", stderr(&out));
    let nul = write(dir.path(), "nul.nyash", b"print(1)\0\n");
    let out = nyashc(&["run", &nul]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("unexpected character `\\0`"), "{}", stderr(&out));
    assert!(stderr(&out).contains("nul.nyash:1:9"), "{}", stderr(&out));
    let empty = write(dir.path(), "empty.nyash", b"");
    let out = nyashc(&["run", &empty]);
    assert_eq!((out.status.code(), out.stdout.len(), stderr(&out)), (Some(0), 0, String::new()));
    let out = nyashc(&["run", dir.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("Is a directory"), "{}", stderr(&out));
}

#[test]
fn running_out_of_memory_is_one_line_and_status_70() {
    let dir = tempfile::tempdir().unwrap();
    let program = write(dir.path(), "grow.nyash", b"print(\"start\")\nlocal s = \"ab\"\nloop(true) { s = s + s }\n");
    for runner in runners(dir.path(), &program) {
        // Room for the program's 4 GiB stack reservation, not for the string's doublings.
        let command = format!("ulimit -v 9000000 && exec {runner:?}").replace('"', "");
        let out = Command::new("sh").args(["-c", &command]).output().unwrap();
        assert_eq!(out.status.code(), Some(70), "{command}: {}", stderr(&out));
        assert_eq!(String::from_utf8_lossy(&out.stdout), "start\n", "{command}");
        assert_eq!(stderr(&out), "error: out of memory\n", "{command}");
    }
}
