//! The command line as a user meets it: exit statuses, diagnostics, the MIR text form, and
//! robustness against malformed input.

use std::path::Path;
use std::process::{Command, Output};

fn nyashc(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_nyashc")).args(args).output().expect("nyashc runs")
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.to_string_lossy().into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn mir_text_form_is_stable() {
    let out = nyashc(&["--emit", "mir", "tests/mir/basic.nyash"]);
    assert!(out.status.success(), "{}", stderr(&out));
    expect_test::expect_file!["mir/basic.mir"].assert_eq(&String::from_utf8_lossy(&out.stdout));
}

#[test]
fn exit_statuses_follow_the_language() {
    let dir = tempfile::tempdir().unwrap();
    let ok = write(dir.path(), "ok.nyash", "print(1)\n");
    assert_eq!(nyashc(&["run", &ok]).status.code(), Some(0));
    let main3 = write(dir.path(), "m.nyash", "static box Main {\n main() { return 259 }\n}\n");
    assert_eq!(nyashc(&[&main3]).status.code(), Some(3));
    let runtime = write(dir.path(), "r.nyash", "print(1 / 0)\n");
    let out = nyashc(&["run", "--emit", "vm", &runtime]);
    assert_eq!(out.status.code(), Some(70));
    let text = stderr(&out);
    let report: Vec<&str> = text.lines().collect();
    assert_eq!(report.len(), 2, "the error and its one frame: {text}");
    assert!(report[0].starts_with("error: Division by zero --> ") && report[0].ends_with("r.nyash:1:7"), "{report:?}");
    assert!(report[1].starts_with("  at <top level> (") && report[1].ends_with("r.nyash:1:7)"), "{report:?}");
    let bad = write(dir.path(), "b.nyash", "print(\n");
    assert_eq!(nyashc(&["check", &bad]).status.code(), Some(1));
    assert_eq!(nyashc(&["--no-such-flag"]).status.code(), Some(2));
    assert_eq!(nyashc(&["run", "/no/such/file.nyash"]).status.code(), Some(1));
}

#[test]
fn diagnostics_name_the_place_and_help() {
    let dir = tempfile::tempdir().unwrap();
    let src = "static box Main {\n    main() {\n        x = 1\n    }\n}\n";
    let file = write(dir.path(), "u.nyash", src);
    let err = stderr(&nyashc(&["check", &file]));
    assert!(err.contains("u.nyash:3:9"), "{err}");
    assert!(err.contains("assignment to undeclared variable `x`"), "{err}");
    assert!(err.contains("declare it with `local x`"), "{err}");
}

#[test]
fn several_syntax_errors_are_reported_in_one_run() {
    let dir = tempfile::tempdir().unwrap();
    let src = "local a = 1 +* 2\nprint(a)\nlocal b = )\nstatic box Main {\n  main() {\n    local x = * 2\n  }\n}\n";
    let err = stderr(&nyashc(&["check", &write(dir.path(), "m.nyash", src)]));
    for place in ["m.nyash:1:14", "m.nyash:3:11", "m.nyash:6:15"] {
        assert!(err.contains(place), "no error at {place}: {err}");
    }
}

#[test]
fn include_cycles_are_compile_errors() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "a.nyash", "include \"b.nyash\"\nprint(1)\n");
    write(dir.path(), "b.nyash", "include \"a.nyash\"\n");
    let out = nyashc(&["check", &dir.path().join("a.nyash").to_string_lossy()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("include cycle"), "{}", stderr(&out));
}

#[test]
fn includes_bring_declarations() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "lib.nyash", "box Greeter {\n    hi() { return \"hi\" }\n}\n");
    let main = write(dir.path(), "main.nyash", "include \"lib.nyash\"\nprint(new Greeter().hi())\n");
    let out = nyashc(&["run", &main]);
    assert_eq!(String::from_utf8_lossy(&out.stdout), "hi\n", "{}", stderr(&out));
}

/// Every prefix of every sample is either a valid program or a clean compile error: never
/// a crash, whatever the cut.
#[test]
fn truncated_programs_never_crash_the_compiler() {
    let dir = tempfile::tempdir().unwrap();
    for sample in ["samples/test_vm_boxcall_return.nyash", "tests/mir/basic.nyash"] {
        let text = std::fs::read_to_string(sample).unwrap();
        let cuts: Vec<usize> = text.char_indices().map(|(i, _)| i).step_by(7).collect();
        for cut in cuts {
            let file = write(dir.path(), "cut.nyash", &text[..cut]);
            let out = nyashc(&["check", &file]);
            let code = out.status.code();
            assert!(code == Some(0) || code == Some(1), "cut at {cut}: status {code:?}\n{}", stderr(&out));
            assert!(!stderr(&out).contains("internal compiler error"), "cut at {cut}: {}", stderr(&out));
        }
    }
}

#[test]
fn jit_stats_name_the_compiled_functions() {
    let dir = tempfile::tempdir().unwrap();
    let src =
        "function twice(n) {\n    return n * 2\n}\nlocal i = 0\nloop(i < 50) {\n    i = i + twice(1)\n}\nprint(i)\n";
    let file = write(dir.path(), "hot.nyash", src);
    let out = nyashc(&["run", "--emit", "jit", "--jit-threshold", "10", "--jit-stats", &file]);
    assert_eq!(String::from_utf8_lossy(&out.stdout), "50\n");
    let err = stderr(&out);
    assert!(err.contains("jit: compiled twice/1 at "), "{err}");
    assert!(err.contains("jit: compiled main (entered at loop block "), "main loops 25 times, past 10: {err}");
    assert!(!err.contains("jit: compiled main at "), "main is entered once, so only its loop is compiled: {err}");
    let cold = nyashc(&["run", "--emit", "jit", "--jit-threshold", "30", "--jit-stats", &file]);
    assert_eq!(stderr(&cold), "", "25 calls and 26 entries/back-edges stay under 30");
}

#[test]
fn a_function_hot_from_its_loop_is_compiled_whole_at_its_next_call() {
    let dir = tempfile::tempdir().unwrap();
    let src = "function spin(n) {\n    local i = 0\n    loop(i < n) {\n        i = i + 1\n    }\n    return i\n}\n\
               print(spin(50))\nprint(spin(50))\n";
    let file = write(dir.path(), "spin.nyash", src);
    let out = nyashc(&["run", "--emit", "jit", "--jit-threshold", "10", "--jit-stats", &file]);
    assert_eq!(String::from_utf8_lossy(&out.stdout), "50\n50\n");
    let err = stderr(&out);
    assert!(err.contains("jit: compiled spin/1 (entered at loop block "), "the first call's loop moves over: {err}");
    assert!(err.contains("jit: compiled spin/1 at "), "the second call runs compiled: {err}");
}

#[test]
fn nesting_has_a_named_limit() {
    let dir = tempfile::tempdir().unwrap();
    let nested = |levels: usize| format!("print({}1{})\n", "(".repeat(levels - 1), ")".repeat(levels - 1));
    let deepest = write(dir.path(), "ok.nyash", &nested(1000));
    let out = nyashc(&["run", &deepest]);
    assert_eq!((out.status.code(), String::from_utf8_lossy(&out.stdout).into_owned()), (Some(0), "1\n".into()));
    for (name, text) in [
        ("parens.nyash", nested(1001)),
        ("unclosed.nyash", "(".repeat(100_000)),
        ("blocks.nyash", "if true {".repeat(5000)),
        ("negations.nyash", format!("print({}1)\n", "- ".repeat(5000))),
    ] {
        let file = write(dir.path(), name, &text);
        let err = stderr(&nyashc(&["check", &file]));
        assert!(err.contains("nesting deeper than 1000 levels"), "{name}: {err}");
    }
}

/// A 200,000-line script or `main` runs, in bounded time, and keeps the usual recursion
/// limit: the entry's frame (and a `main` nothing else calls) is on the stack once, so it
/// is not counted at every level (it asked for a 62 GiB stack, which no thread got), and
/// binding a local no longer scans every local before it (20 s for such a `main`).
#[test]
fn a_200000_line_program_runs_and_keeps_the_recursion_limit() {
    let dir = tempfile::tempdir().unwrap();
    let locals: String = (0..200_000).map(|i| format!("local v{i} = {i}\n")).collect();
    let deep = "function down(n) {\n if n == 0 { return 0 }\n return down(n - 1) + 1\n}\n";
    let script = write(dir.path(), "script.nyash", &format!("{deep}{locals}print(v199999 + down(90000))\n"));
    let main = format!("{deep}static box Main {{\n main() {{\n{locals}print(v199999 + down(90000))\n }}\n}}\n");
    let main = write(dir.path(), "main.nyash", &main);
    for (file, emit) in [(&script, "vm"), (&main, "vm"), (&main, "exe")] {
        let out = nyashc(&["run", "--emit", emit, file]);
        assert_eq!(String::from_utf8_lossy(&out.stdout), "289999\n", "{file} on {emit}: {}", stderr(&out));
    }
}

/// Found by fuzzing: parse recovery inside groups that are never closed took time
/// exponential in their depth (30 of them took hours). An unclosed delimiter is now
/// reported before parsing.
#[test]
fn an_unclosed_delimiter_is_reported_before_parsing() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "u.nyash", &"loop(true) {\n    $ f()\n".repeat(30));
    let err = stderr(&nyashc(&["check", &file]));
    assert!(err.contains("unclosed `{`"), "{err}");
    assert!(err.contains("u.nyash:59:12"), "the innermost unclosed brace: {err}");
}

/// Found by fuzzing (a step-limited VM run never stopped): a loop whose only way back is
/// a `continue` branching straight to its header was never seen as hot, so it neither
/// moved to machine code nor counted its iterations.
#[test]
fn a_loop_that_only_continues_is_hot_too() {
    let dir = tempfile::tempdir().unwrap();
    let src =
        "local i = 0\nloop(i < 5000) {\n    i = i + 1\n    if i > 0 { continue }\n    print(\"never\")\n}\nprint(i)\n";
    let file = write(dir.path(), "c.nyash", src);
    let out = nyashc(&["run", "--emit", "jit", "--jit-stats", &file]);
    assert_eq!(String::from_utf8_lossy(&out.stdout), "5000\n");
    assert!(stderr(&out).contains("entered at loop"), "{}", stderr(&out));
}

#[test]
fn perf_map_names_the_jit_functions() {
    let dir = tempfile::tempdir().unwrap();
    let program = write(
        dir.path(),
        "p.nyash",
        "function fib(n) {\n if n < 2 { return n }\n return fib(n - 1) + fib(n - 2)\n}\nprint(fib(15))\n",
    );
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_nyashc"))
        .args(["run", "--emit", "jit", "--jit-threshold", "0", "--perf-map", &program])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let map = std::path::PathBuf::from(format!("/tmp/perf-{}.map", child.id()));
    let out = child.wait_with_output().unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout), "610\n");
    let text = std::fs::read_to_string(&map).expect("the perf map is written");
    std::fs::remove_file(&map).unwrap();
    let names: Vec<&str> = text
        .lines()
        .map(|line| {
            let mut parts = line.splitn(3, ' ');
            let (start, size) = (parts.next().unwrap(), parts.next().unwrap());
            assert!(u64::from_str_radix(start, 16).is_ok() && u64::from_str_radix(size, 16).unwrap() > 0, "{line}");
            parts.next().unwrap()
        })
        .collect();
    assert!(names.contains(&"fib") && names.contains(&"<top level>"), "{text}");
}

#[test]
fn compare_runs_every_tier_and_reports_them() {
    let dir = tempfile::tempdir().unwrap();
    let program =
        write(dir.path(), "c.nyash", "local s = 0\nlocal i = 0\nloop(i < 1000) { s = s + i i = i + 1 }\nprint(s)\n");
    let chart = dir.path().join("c.svg");
    let out = nyashc(&["compare", "--runs", "2", "--json", "--chart", &chart.to_string_lossy(), &program]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON on stdout");
    let tiers: Vec<&str> = report["tiers"].as_array().unwrap().iter().map(|t| t["tier"].as_str().unwrap()).collect();
    assert_eq!(tiers, ["vm", "jit", "exe"]);
    for t in report["tiers"].as_array().unwrap() {
        assert!(t["min_s"].as_f64().unwrap() <= t["median_s"].as_f64().unwrap(), "{t}");
        assert!(t["median_s"].as_f64().unwrap() <= t["max_s"].as_f64().unwrap(), "{t}");
        assert!(t["peak_rss_kb"].as_u64().unwrap() > 0, "{t}");
    }
    assert_eq!(report["tiers"][2]["ratio_to_exe"].as_f64(), Some(1.0));
    for phase in ["front_end_ms", "mir_ms", "codegen_ms", "link_ms"] {
        assert!(report["compile"][phase].as_f64().unwrap() > 0.0, "{phase}");
    }
    let svg = std::fs::read_to_string(&chart).expect("the chart is written");
    assert!(svg.starts_with("<svg") && svg.contains("<rect"), "{svg}");

    let table = nyashc(&["compare", "--runs", "1", &program]);
    assert_eq!(table.status.code(), Some(0), "{}", stderr(&table));
    let text = String::from_utf8_lossy(&table.stdout);
    assert!(
        text.contains("identical output and exit status (0) on vm, jit and exe") && text.contains("median"),
        "{text}"
    );
    assert!(["vm ", "jit ", "exe "].iter().all(|t| text.lines().any(|l| l.starts_with(t))), "{text}");
}

#[test]
fn compare_stops_at_the_first_difference_between_tiers() {
    let dir = tempfile::tempdir().unwrap();
    // Each run reads the clock at a different millisecond.
    let program = write(dir.path(), "t.nyash", "local t = new TimeBox()\nprint(\"now \" + t.now())\n");
    let out = nyashc(&["compare", "--runs", "1", &program]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let text = stderr(&out);
    assert!(text.starts_with("error: vm and jit disagree: stdout line 1: \"now "), "{text}");
    assert!(out.stdout.is_empty(), "no table for tiers that disagree");
}

#[test]
fn compare_gives_every_run_the_same_stdin() {
    let dir = tempfile::tempdir().unwrap();
    let read = "static box Main {\n main() {\n  local line = new ConsoleBox().readLine()\n  if line == \"hello\" { return 7 }\n  return 3\n }\n}\n";
    let program = write(dir.path(), "r.nyash", read);
    let input = write(dir.path(), "in.txt", "hello\n");
    let out = nyashc(&["compare", "--runs", "1", "--json", "--stdin", &input, &program]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON on stdout");
    assert_eq!(report["status"], 7, "every tier read the line");
    let missing = nyashc(&["compare", "--stdin", &format!("{input}.missing"), &program]);
    assert_eq!(missing.status.code(), Some(1));
    assert!(stderr(&missing).starts_with("error: cannot read"), "{}", stderr(&missing));
}

#[test]
fn profile_reports_time_ops_calls_boxes_and_jit() {
    let dir = tempfile::tempdir().unwrap();
    let source = "box P {\n init { x }\n get() { return me.x }\n}\nlocal a = new ArrayBox()\nlocal i = 0\nloop(i < 10) { a.push(i) i = i + 1 }\nlocal p = new P()\np.x = 4\nprint(p.get() + p.get() + a.length())\n";
    let program = write(dir.path(), "p.nyash", source);
    let out = nyashc(&["run", "--profile", &program]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(String::from_utf8_lossy(&out.stdout), "18\n", "the program's output is its own");
    let text = stderr(&out);
    assert!(text.starts_with("profile (vm):\n  time: parsing "), "{text}");
    let line = |name: &str| {
        text.lines()
            .find(|l| l.trim_start().starts_with(name))
            .unwrap_or_else(|| panic!("no `{name}` in {text}"))
            .split_whitespace()
            .nth(1)
            .unwrap()
            .to_string()
    };
    assert_eq!(line("ArrayBox.push"), "10");
    assert_eq!(line("P.get"), "2");
    assert_eq!(line("ArrayBox.length"), "1");
    assert!(text.contains("boxes made: 2 ("), "an ArrayBox and a P: {text}");

    let json = nyashc(&["run", "--emit", "jit", "--jit-threshold", "0", "--profile=json", &program]);
    assert_eq!(json.status.code(), Some(0), "{}", stderr(&json));
    let report: serde_json::Value = serde_json::from_slice(&json.stderr).expect("JSON on stderr");
    assert_eq!(report["backend"], "jit");
    let compiled: Vec<&str> =
        report["jit_compiled"].as_array().unwrap().iter().map(|c| c["function"].as_str().unwrap()).collect();
    assert!(compiled.contains(&"P.get/0") && compiled.contains(&"main"), "{compiled:?}");
    assert_eq!(report["allocations"]["boxes"], 2);
    assert!(report["times_ms"]["jit_compile"].as_f64().unwrap() > 0.0);

    let exe = nyashc(&["run", "--emit", "exe", "--profile", &program]);
    assert_eq!(exe.status.code(), Some(2), "{}", stderr(&exe));
}
