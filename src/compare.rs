//! `nyashc compare`: one program on every tier (the VM, the JIT, a native executable),
//! checked to behave identically and then timed side by side.
//!
//! The program is compiled once: its MIR and its executable are built here, with each
//! phase timed. The VM and JIT runs are this compiler run again as child processes
//! (`nyashc run --emit vm|jit`), so that every tier is measured the same way, from
//! starting a process to its exit, with the peak resident memory the kernel reports for
//! it as it exits. Their front end runs again in each child; the compile rows show what
//! it costs.

use crate::aot::{self, Target};
use crate::driver::{self, FrontEndTimes};
use serde::Serialize;
use std::io::{IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

pub struct Options {
    pub runs: usize,
    pub json: bool,
    pub chart: Option<PathBuf>,
    pub stdin: Option<PathBuf>,
}

/// What one run of one tier did.
#[derive(Clone, PartialEq)]
struct Outcome {
    stdout: Vec<u8>,
    stderr: Vec<u8>,
    status: i32,
}

struct Measured {
    outcome: Outcome,
    wall: Duration,
    peak_rss_kb: u64,
}

#[derive(Serialize)]
struct CompileTimes {
    front_end_ms: f64,
    mir_ms: f64,
    codegen_ms: f64,
    link_ms: f64,
}

#[derive(Serialize)]
struct TierReport {
    tier: &'static str,
    median_s: f64,
    min_s: f64,
    max_s: f64,
    peak_rss_kb: u64,
    ratio_to_exe: f64,
}

#[derive(Serialize)]
struct Report {
    file: String,
    runs: usize,
    /// The program's exit status, the same on every tier.
    status: i32,
    compile: CompileTimes,
    tiers: Vec<TierReport>,
}

const TIERS: [&str; 3] = ["vm", "jit", "exe"];

/// The tiers did not behave identically.
pub const EXIT_DISAGREE: i32 = 1;

/// Run `compare` on `file`; the result is the exit status (1 when the tiers disagree or
/// the program does not compile), or why it could not run.
pub fn compare(file: &Path, target: &Target, options: &Options) -> Result<i32, String> {
    let Ok((module, front)) = driver::compile_timed(file) else { return Ok(driver::EXIT_COMPILE_ERROR) };
    let dir = tempfile::tempdir().map_err(|e| format!("cannot create a temporary directory: {e}"))?;
    let exe = dir.path().join("program");
    let started = Instant::now();
    let object = aot::object(&module, target)?;
    let codegen = started.elapsed();
    let started = Instant::now();
    aot::link_object(object, target, &exe)?;
    let link = started.elapsed();

    let runner = crate::targets::runner(&target.triple)?;
    let progress = Progress::new(options.runs);
    let mut runs: Vec<Vec<Measured>> = TIERS.iter().map(|_| Vec::with_capacity(options.runs)).collect();
    // Round by round, so that a machine's slow moment is shared by every tier; the first
    // round decides whether they agree, before any time is spent on the rest.
    for n in 0..options.runs {
        for (tier, measured) in TIERS.iter().zip(runs.iter_mut()) {
            progress.show(tier, n);
            let command = command_for(tier, file, &exe, &runner)?;
            measured.push(run_once(command, options.stdin.as_deref())?);
        }
        if n == 0 {
            if let Some(why) = disagreement(&runs) {
                progress.clear();
                eprintln!("error: {why}");
                return Ok(EXIT_DISAGREE);
            }
        }
    }
    progress.clear();

    let report = report(file, options.runs, front, codegen, link, &runs);
    if let Some(chart) = &options.chart {
        draw_chart(&report, chart)?;
    }
    if options.json {
        println!("{}", serde_json::to_string_pretty(&report).map_err(|e| e.to_string())?);
    } else {
        print!("{}", table(&report));
    }
    Ok(0)
}

/// Which tier first behaves unlike the VM in the first round, and how.
fn disagreement(runs: &[Vec<Measured>]) -> Option<String> {
    let reference = &runs[0][0].outcome;
    TIERS.iter().zip(runs).skip(1).find_map(|(tier, measured)| {
        let why = first_difference(reference, &measured[0].outcome)?;
        Some(format!("{} and {tier} disagree: {why}", TIERS[0]))
    })
}

/// The command that runs `tier`: this compiler for the VM and the JIT, the executable
/// (under an emulator when it is for another machine).
fn command_for(tier: &str, file: &Path, exe: &Path, runner: &crate::targets::Runner) -> Result<Command, String> {
    if tier == "exe" {
        return Ok(runner.command(exe));
    }
    let nyashc = std::env::current_exe().map_err(|e| format!("cannot find nyashc itself: {e}"))?;
    let mut command = Command::new(nyashc);
    command.args(["run", "--emit", tier]).arg(file);
    Ok(command)
}

/// Run once, with stdin from `stdin` (or none), and measure it.
fn run_once(mut command: Command, stdin: Option<&Path>) -> Result<Measured, String> {
    trace_me(&mut command);
    command.stdout(Stdio::piped()).stderr(Stdio::piped());
    match stdin {
        Some(path) => {
            let file = std::fs::File::open(path).map_err(|e| format!("cannot read `{}`: {e}", path.display()))?;
            command.stdin(file);
        }
        None => {
            command.stdin(Stdio::null());
        }
    }
    let started = Instant::now();
    let mut child = command.spawn().map_err(|e| format!("cannot run {:?}: {e}", command.get_program()))?;
    // Read both streams while this thread, the tracer, lets the program run.
    let stdout = read_all(child.stdout.take());
    let stderr = read_all(child.stderr.take());
    let (status, peak_rss_kb) = wait_measured(child.id())?;
    let wall = started.elapsed();
    let (stdout, stderr) = (stdout.join().unwrap_or_default(), stderr.join().unwrap_or_default());
    Ok(Measured { outcome: Outcome { stdout, stderr, status }, wall, peak_rss_kb })
}

fn read_all(stream: Option<impl Read + Send + 'static>) -> std::thread::JoinHandle<Vec<u8>> {
    std::thread::spawn(move || {
        let mut bytes = Vec::new();
        if let Some(mut stream) = stream {
            let _ = stream.read_to_end(&mut bytes);
        }
        bytes
    })
}

/// Reap child `pid`, which was started traced (`trace_me`): its exit status (128 + the
/// signal, for a signal) and its peak resident memory in KiB.
///
/// The peak is read from `/proc` as the program exits (a ptrace exit stop), because what
/// `wait4` reports includes the memory of the process it was forked from: a child of
/// this compiler would never weigh less than the compiler.
fn wait_measured(pid: u32) -> Result<(i32, u64), String> {
    let pid = pid as libc::pid_t;
    let mut peak_kb = 0;
    loop {
        let mut status = 0;
        // SAFETY: `rusage` is plain data that `wait4` fills in.
        let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
        // SAFETY: `pid` is our child; the pointers are to live locals.
        if unsafe { libc::wait4(pid, &mut status, 0, &mut usage) } < 0 {
            return Err(format!("cannot wait for the program: {}", std::io::Error::last_os_error()));
        }
        // Where tracing is not allowed, the kernel's figure is the best there is.
        let peak = || if peak_kb > 0 { peak_kb } else { usage.ru_maxrss.max(0) as u64 };
        if libc::WIFEXITED(status) {
            return Ok((libc::WEXITSTATUS(status), peak()));
        }
        if libc::WIFSIGNALED(status) {
            return Ok((128 + libc::WTERMSIG(status), peak()));
        }
        let event = status >> 16;
        let signal = match libc::WSTOPSIG(status) {
            // The stop after `exec`: from now on, stop once more when it exits.
            libc::SIGTRAP if event == 0 && peak_kb == 0 => {
                // SAFETY: `pid` is a stopped tracee of this thread.
                unsafe {
                    libc::ptrace(libc::PTRACE_SETOPTIONS, pid, 0, libc::PTRACE_O_TRACEEXIT | libc::PTRACE_O_EXITKILL)
                };
                0
            }
            libc::SIGTRAP if event == libc::PTRACE_EVENT_EXIT => {
                peak_kb = peak_rss_kb(pid);
                0
            }
            // Any other signal is the program's: pass it on.
            other => other,
        };
        // SAFETY: as above; `signal` is 0 or the signal that stopped it.
        unsafe { libc::ptrace(libc::PTRACE_CONT, pid, 0, signal) };
    }
}

/// `VmHWM` of a process that has not released its memory yet.
fn peak_rss_kb(pid: libc::pid_t) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let line = status.lines().find_map(|l| l.strip_prefix("VmHWM:")).unwrap_or("");
    line.trim().trim_end_matches("kB").trim().parse().unwrap_or(0)
}

/// Make the child about to `exec` a tracee of this process (see [`wait_measured`]).
fn trace_me(command: &mut Command) {
    use std::os::unix::process::CommandExt;
    // SAFETY: the closure runs between fork and exec and only makes one system call. If
    // tracing is refused, the program runs untraced (see `wait_measured`).
    unsafe {
        command.pre_exec(|| {
            libc::ptrace(libc::PTRACE_TRACEME, 0, 0, 0);
            Ok(())
        })
    };
}

/// Where two runs first part: the stream, the line, and both versions of it.
fn first_difference(a: &Outcome, b: &Outcome) -> Option<String> {
    if a.status != b.status {
        return Some(format!("exit status {} against {}", a.status, b.status));
    }
    for (stream, x, y) in [("stdout", &a.stdout, &b.stdout), ("stderr", &a.stderr, &b.stderr)] {
        if x == y {
            continue;
        }
        let (x, y) = (String::from_utf8_lossy(x), String::from_utf8_lossy(y));
        let (mut xs, mut ys) = (x.lines(), y.lines());
        for line in 1.. {
            match (xs.next(), ys.next()) {
                (None, None) => return Some(format!("{stream}: the same lines, but not the same line endings")),
                (l, r) if l == r => continue,
                (l, r) => {
                    let show = |s: Option<&str>| s.map_or("(end)".to_string(), |s| format!("{s:?}"));
                    return Some(format!("{stream} line {line}: {} against {}", show(l), show(r)));
                }
            }
        }
    }
    None
}

fn report(
    file: &Path,
    runs: usize,
    front: FrontEndTimes,
    codegen: Duration,
    link: Duration,
    measured: &[Vec<Measured>],
) -> Report {
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    let stats = |m: &[Measured]| {
        let mut walls: Vec<f64> = m.iter().map(|r| r.wall.as_secs_f64()).collect();
        walls.sort_by(f64::total_cmp);
        let peak = m.iter().map(|r| r.peak_rss_kb).max().unwrap_or(0);
        (walls[walls.len() / 2], walls[0], walls[walls.len() - 1], peak)
    };
    let exe_median = stats(&measured[TIERS.len() - 1]).0;
    let tiers = TIERS
        .iter()
        .zip(measured)
        .map(|(tier, m)| {
            let (median_s, min_s, max_s, peak_rss_kb) = stats(m);
            TierReport { tier, median_s, min_s, max_s, peak_rss_kb, ratio_to_exe: median_s / exe_median }
        })
        .collect();
    Report {
        file: file.display().to_string(),
        runs,
        status: measured[0][0].outcome.status,
        compile: CompileTimes {
            front_end_ms: ms(front.parse),
            mir_ms: ms(front.mir),
            codegen_ms: ms(codegen),
            link_ms: ms(link),
        },
        tiers,
    }
}

fn table(r: &Report) -> String {
    let c = &r.compile;
    let mut out = format!(
        "{}: identical output and exit status ({}) on vm, jit and exe; {} runs each\n\ncompile: front end {:.2} ms, MIR {:.2} ms, code generation {:.2} ms, link {:.2} ms\n\n",
        r.file, r.status, r.runs, c.front_end_ms, c.mir_ms, c.codegen_ms, c.link_ms
    );
    out.push_str("tier     median        min        max   peak RSS   / exe\n");
    for t in &r.tiers {
        out.push_str(&format!(
            "{:<4} {:>8.3} s {:>8.3} s {:>8.3} s {:>7.1} MB {:>6.2}x\n",
            t.tier,
            t.median_s,
            t.min_s,
            t.max_s,
            t.peak_rss_kb as f64 / 1024.0,
            t.ratio_to_exe
        ));
    }
    out
}

/// A bar per tier: the median run time, with a line from the fastest to the slowest run.
fn draw_chart(r: &Report, path: &Path) -> Result<(), String> {
    use plotters::prelude::*;
    let cannot = |e: &dyn std::fmt::Display| format!("cannot draw `{}`: {e}", path.display());
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (640, 360)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| cannot(&e))?;
        let top = r.tiers.iter().map(|t| t.max_s).fold(0.0, f64::max) * 1.15;
        let mut chart = ChartBuilder::on(&root)
            .caption(format!("{}: run time by tier (median of {})", r.file, r.runs), ("sans-serif", 18))
            .margin(12)
            .x_label_area_size(32)
            .y_label_area_size(64)
            // A segmented range `0..n` has a segment for each of 0..=n.
            .build_cartesian_2d((0..r.tiers.len() - 1).into_segmented(), 0.0..top.max(1e-3))
            .map_err(|e| cannot(&e))?;
        let names: Vec<&str> = r.tiers.iter().map(|t| t.tier).collect();
        chart
            .configure_mesh()
            .disable_x_mesh()
            .y_desc("seconds")
            .x_label_formatter(&|x| match x {
                SegmentValue::CenterOf(i) => names.get(*i).map_or(String::new(), |n| n.to_string()),
                _ => String::new(),
            })
            .draw()
            .map_err(|e| cannot(&e))?;
        let colors = [RGBColor(0x4c, 0x72, 0xb0), RGBColor(0xdd, 0x84, 0x52), RGBColor(0x55, 0xa8, 0x68)];
        chart
            .draw_series(r.tiers.iter().enumerate().map(|(i, t)| {
                let bar = [(SegmentValue::Exact(i), 0.0), (SegmentValue::Exact(i + 1), t.median_s)];
                let mut bar = Rectangle::new(bar, colors[i % colors.len()].filled());
                bar.set_margin(0, 0, 24, 24);
                bar
            }))
            .map_err(|e| cannot(&e))?;
        chart
            .draw_series(r.tiers.iter().enumerate().map(|(i, t)| {
                PathElement::new(
                    vec![(SegmentValue::CenterOf(i), t.min_s), (SegmentValue::CenterOf(i), t.max_s)],
                    BLACK,
                )
            }))
            .map_err(|e| cannot(&e))?;
        root.present().map_err(|e| cannot(&e))?;
    }
    aot::write_output(path, |staged| std::fs::write(staged, svg.as_bytes()).map_err(|e| cannot(&e)))
}

/// The progress line on stderr, shown only when stderr is a terminal.
struct Progress {
    on: bool,
    runs: usize,
}

impl Progress {
    fn new(runs: usize) -> Progress {
        Progress { on: std::io::stderr().is_terminal(), runs }
    }

    fn show(&self, tier: &str, n: usize) {
        if self.on {
            eprint!("\r\x1b[Krunning {tier} {}/{}", n + 1, self.runs);
            let _ = std::io::stderr().flush();
        }
    }

    fn clear(&self) {
        if self.on {
            eprint!("\r\x1b[K");
        }
    }
}
