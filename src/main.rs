//! The `nyashc` command line.

use clap::{Args, Parser, Subcommand, ValueEnum};
use nyashc::aot::{self, OptLevel, Target};
use nyashc::codegen::Listing;
use nyashc::driver;
use nyashc::mir::Module;
use nyashc::targets;
use nyashc::tier::JitOptions;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "nyashc",
    version,
    about = "The Nyash compiler: native executables, a register VM and a JIT from one MIR"
)]
#[command(args_conflicts_with_subcommands = true)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    /// What to do with FILE (without a subcommand): run it (vm, jit, exe) or write a form
    /// of it (mir, clif, asm, obj; exe with -o).
    #[arg(long, value_enum)]
    emit: Option<Emit>,
    #[command(flatten)]
    jit: JitArgs,
    #[command(flatten)]
    build: BuildArgs,
    /// The program to compile.
    file: Option<PathBuf>,
}

#[derive(Subcommand)]
enum Command {
    /// Compile and run a program.
    Run {
        /// Which backend runs it.
        #[arg(long, value_enum, default_value = "vm")]
        emit: Backend,
        /// After the run, report on stderr where the time went, what the VM executed, the
        /// boxes made and what the JIT compiled (`--profile=json` for machines).
        #[arg(long, value_enum, num_args = 0..=1, require_equals = true, default_missing_value = "text", value_name = "FORMAT")]
        profile: Option<nyashc::profile::Format>,
        #[command(flatten)]
        jit: JitArgs,
        #[command(flatten)]
        build: BuildArgs,
        file: PathBuf,
    },
    /// Compile a program to a native executable (or an object file, or Cranelift IR).
    Build {
        #[arg(long, value_enum, default_value = "exe")]
        emit: Artifact,
        #[command(flatten)]
        build: BuildArgs,
        file: PathBuf,
    },
    /// Check a program for errors without running it.
    Check { file: PathBuf },
    /// Run a program on the VM, the JIT and as an executable: check that they agree, and
    /// time them side by side.
    Compare {
        /// Runs per tier.
        #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..))]
        runs: u32,
        /// Print the figures as JSON.
        #[arg(long)]
        json: bool,
        /// Also draw them as an SVG bar chart.
        #[arg(long, value_name = "FILE.svg")]
        chart: Option<PathBuf>,
        /// Standard input of every run (default: none).
        #[arg(long, value_name = "FILE")]
        stdin: Option<PathBuf>,
        #[command(flatten)]
        build: BuildArgs,
        file: PathBuf,
    },
    /// List the targets nyashc builds for, and what this machine can make for each.
    Targets,
}

#[derive(Args)]
struct JitArgs {
    /// Calls plus loop back-edges after which the JIT compiles a function (0: compile
    /// everything before running).
    #[arg(long, default_value_t = 1000)]
    jit_threshold: u32,
    /// Print which functions the JIT compiled, when, and how long it took.
    #[arg(long)]
    jit_stats: bool,
    /// Write `/tmp/perf-PID.map`, which names the JIT's functions for `perf report`.
    #[arg(long)]
    perf_map: bool,
}

#[derive(Args)]
struct BuildArgs {
    /// Output file (default: the input's name without extension; `.o` for objects).
    #[arg(short = 'o')]
    output: Option<PathBuf>,
    /// Optimisation level of the generated code: 0 or 2.
    #[arg(short = 'O', default_value = "2", value_parser = ["0", "2"])]
    opt: String,
    /// Target triple (default: this machine); `nyashc targets` lists them.
    #[arg(long)]
    target: Option<String>,
    /// The C compiler driver that links the executable (default: the target's usual
    /// one, e.g. `aarch64-linux-gnu-gcc`, or `CC_<triple>`).
    #[arg(long, value_name = "PATH")]
    linker: Option<PathBuf>,
    /// Add DWARF line tables, so that debuggers and profilers show `.nyash` lines.
    #[arg(short = 'g')]
    debug: bool,
}

#[derive(Clone, Copy, ValueEnum)]
enum Emit {
    Vm,
    Jit,
    Exe,
    Obj,
    Clif,
    Asm,
    Mir,
}

#[derive(Clone, Copy, ValueEnum)]
enum Backend {
    Vm,
    Jit,
    Exe,
}

#[derive(Clone, Copy, ValueEnum, PartialEq)]
enum Artifact {
    Exe,
    Obj,
    Clif,
    Asm,
}

fn main() -> ExitCode {
    install_panic_hook();
    let cli = Cli::parse();
    let status = driver::on_big_stack(move || execute(cli));
    ExitCode::from(status as u8)
}

const USAGE_ERROR: i32 = 2;

fn execute(cli: Cli) -> i32 {
    match cli.command {
        Some(Command::Run { emit, profile, jit, build, file }) => match profile {
            Some(format) => run_profiled(&file, emit, &jit, format),
            None => run(&file, emit, &jit, &build),
        },
        Some(Command::Build { emit, build, file }) => build_artifact(&file, emit, &build),
        Some(Command::Check { file }) => with_module(&file, |_| 0),
        Some(Command::Compare { runs, json, chart, stdin, build, file }) => match target(&build) {
            Ok(target) => {
                let options = nyashc::compare::Options { runs: runs as usize, json, chart, stdin };
                nyashc::compare::compare(&file, &target, &options).unwrap_or_else(|e| report(&e))
            }
            Err(e) => report(&e),
        },
        Some(Command::Targets) => {
            print!("{}", targets::report());
            0
        }
        None => {
            let Some(file) = cli.file else {
                eprintln!("error: no input file\n\nUsage: nyashc [--emit <EMIT>] <FILE>; see --help");
                return USAGE_ERROR;
            };
            match cli.emit.unwrap_or(Emit::Vm) {
                Emit::Mir => with_module(&file, |module| match write_listing(&module.to_string()) {
                    Ok(()) => 0,
                    Err(e) => report(&e),
                }),
                Emit::Vm => run(&file, Backend::Vm, &cli.jit, &cli.build),
                Emit::Jit => run(&file, Backend::Jit, &cli.jit, &cli.build),
                Emit::Exe if cli.build.output.is_none() => run(&file, Backend::Exe, &cli.jit, &cli.build),
                Emit::Exe => build_artifact(&file, Artifact::Exe, &cli.build),
                Emit::Obj => build_artifact(&file, Artifact::Obj, &cli.build),
                Emit::Clif => build_artifact(&file, Artifact::Clif, &cli.build),
                Emit::Asm => build_artifact(&file, Artifact::Asm, &cli.build),
            }
        }
    }
}

/// Compile `file` and hand the module to `then`; a compile error is exit status 1.
fn with_module(file: &Path, then: impl FnOnce(Module) -> i32) -> i32 {
    match driver::compile(file) {
        Ok(module) => then(module),
        Err(()) => driver::EXIT_COMPILE_ERROR,
    }
}

fn target(build: &BuildArgs) -> Result<Target, String> {
    let triple = match &build.target {
        Some(t) => targets::parse(t)?,
        None => target_lexicon::HOST,
    };
    let opt = if build.opt == "0" { OptLevel::O0 } else { OptLevel::O2 };
    Ok(Target { triple, opt, linker: build.linker.clone(), debug: build.debug })
}

fn jit_options(jit: &JitArgs) -> JitOptions {
    JitOptions { threshold: jit.jit_threshold, stats: jit.jit_stats, perf_map: jit.perf_map }
}

fn run(file: &Path, backend: Backend, jit: &JitArgs, build: &BuildArgs) -> i32 {
    with_module(file, |module| match backend {
        Backend::Vm => driver::run(module, None),
        Backend::Jit => driver::run(module, Some(jit_options(jit))),
        Backend::Exe => match target(build).and_then(|t| driver::run_executable(&module, &t)) {
            Ok(status) => status,
            Err(e) => report(&e),
        },
    })
}

/// `run --profile`: on the VM or the JIT, whose runs this process can watch.
fn run_profiled(file: &Path, backend: Backend, jit: &JitArgs, format: nyashc::profile::Format) -> i32 {
    let jit = match backend {
        Backend::Vm => None,
        Backend::Jit => Some(jit_options(jit)),
        Backend::Exe => {
            eprintln!(
                "error: --profile works with --emit vm and --emit jit; for executables use `nyashc compare` or `perf`"
            );
            return USAGE_ERROR;
        }
    };
    match driver::compile_timed(file) {
        Ok((module, front)) => driver::run_profiled(module, jit, Some((front, format))),
        Err(()) => driver::EXIT_COMPILE_ERROR,
    }
}

fn build_artifact(file: &Path, artifact: Artifact, build: &BuildArgs) -> i32 {
    let target = match target(build) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("error: {e}");
            return USAGE_ERROR;
        }
    };
    with_module(file, |module| {
        let result = match artifact {
            Artifact::Clif | Artifact::Asm => {
                let listing = if artifact == Artifact::Clif { Listing::Clif } else { Listing::Asm };
                aot::listing(&module, &target, listing).map(|text| match &build.output {
                    Some(out) => aot::write_output(out, |staged| write_file(staged, text.as_bytes())),
                    None => write_listing(&text),
                })
            }
            Artifact::Obj => {
                let out = build.output.clone().unwrap_or_else(|| file.with_extension("o"));
                aot::object(&module, &target).map(|bytes| aot::write_output(&out, |staged| write_file(staged, &bytes)))
            }
            Artifact::Exe => {
                let out = build.output.clone().unwrap_or_else(|| file.with_extension(""));
                Ok(aot::executable(&module, &target, &out))
            }
        };
        match result.and_then(|written| written) {
            Ok(()) => 0,
            Err(e) => report(&e),
        }
    })
}

/// A listing on standard output. A reader that went away (`nyashc --emit mir x | head`)
/// is no error; anything else (a full disk) is.
fn write_listing(text: &str) -> Result<(), String> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(format!("cannot write to standard output: {e}")),
        _ => Ok(()),
    }
}

fn write_file(path: &Path, bytes: &[u8]) -> Result<(), String> {
    std::fs::write(path, bytes).map_err(|e| e.to_string())
}

fn report(e: &str) -> i32 {
    eprintln!("error: {e}");
    driver::EXIT_COMPILE_ERROR
}

/// A bug in nyashc or its runtime must still end in one clear line, not a Rust panic
/// report.
fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| eprintln!("{}", nyash_runtime::program::panic_line(info))));
}
