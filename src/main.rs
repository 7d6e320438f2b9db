//! The `nyashc` command line.

use clap::{Args, Parser, Subcommand, ValueEnum};
use nyashc::driver;
use nyashc::vm::JitOptions;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "nyashc",
    version,
    about = "The Nyash compiler: run programs on the register VM or the JIT, or inspect the MIR"
)]
#[command(args_conflicts_with_subcommands = true)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    /// What to produce for FILE (without a subcommand).
    #[arg(long, value_enum)]
    emit: Option<Emit>,
    #[command(flatten)]
    jit: JitArgs,
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
        #[command(flatten)]
        jit: JitArgs,
        file: PathBuf,
    },
    /// Check a program for errors without running it.
    Check { file: PathBuf },
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
}

#[derive(Clone, Copy, ValueEnum)]
enum Emit {
    /// Run on the register VM.
    Vm,
    /// Run with the JIT (functions start in the VM and are compiled when hot).
    Jit,
    /// Print the MIR.
    Mir,
}

#[derive(Clone, Copy, ValueEnum)]
enum Backend {
    Vm,
    Jit,
}

fn main() -> ExitCode {
    install_panic_hook();
    let cli = Cli::parse();
    let status = driver::on_big_stack(move || execute(cli));
    ExitCode::from(status as u8)
}

fn execute(cli: Cli) -> i32 {
    match cli.command {
        Some(Command::Run { emit, jit, file }) => run(&file, emit, &jit),
        Some(Command::Check { file }) => match driver::compile(&file) {
            Ok(_) => 0,
            Err(()) => driver::EXIT_COMPILE_ERROR,
        },
        None => {
            match (cli.emit, cli.file) {
                (Some(Emit::Mir), Some(file)) => match driver::compile(&file) {
                    Ok(module) => {
                        print!("{module}");
                        0
                    }
                    Err(()) => driver::EXIT_COMPILE_ERROR,
                },
                (Some(Emit::Jit), Some(file)) => run(&file, Backend::Jit, &cli.jit),
                (_, Some(file)) => run(&file, Backend::Vm, &cli.jit),
                (_, None) => {
                    eprintln!("error: no input file\n\nUsage: nyashc [--emit <EMIT>] <FILE>, or nyashc run <FILE>; see --help");
                    2
                }
            }
        }
    }
}

fn run(file: &Path, backend: Backend, jit: &JitArgs) -> i32 {
    let jit = match backend {
        Backend::Vm => None,
        Backend::Jit => Some(JitOptions { threshold: jit.jit_threshold, stats: jit.jit_stats }),
    };
    match driver::compile(file) {
        Ok(module) => driver::run(module, jit),
        Err(()) => driver::EXIT_COMPILE_ERROR,
    }
}

/// A bug in nyashc must still end in one clear line, not a Rust panic report.
fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        let what = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_default();
        let place = info.location().map(|l| format!(" ({}:{})", l.file(), l.line())).unwrap_or_default();
        eprintln!("error: internal compiler error: {what}{place}");
    }));
}
