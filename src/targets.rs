//! The targets nyashc builds executables for, and where each one's parts come from: the
//! runtime staticlib (built into nyashc for the machine it runs on, found on disk for the
//! others), the C compiler that links, and the emulator that runs a foreign executable
//! here (`nyashc run --emit exe --target T`).
//!
//! Generated code and the runtime agree on the layout of values and boxes for 64-bit
//! little-endian machines (docs/ARCHITECTURE.md), which every triple listed here is.

use std::path::{Path, PathBuf};
use target_lexicon::Triple;

/// A target nyashc supports, with the names its GNU toolchain and qemu use.
pub struct Supported {
    pub triple: &'static str,
    /// The prefix of the target's GNU tools (`aarch64-linux-gnu-gcc`).
    gnu_prefix: &'static str,
    /// The architecture as Debian's package names spell it (`gcc-aarch64-linux-gnu` is
    /// named after the prefix, but `libstd-rust-web-dev:arm64` after this).
    debian_arch: &'static str,
    /// qemu's user-mode emulator for it.
    qemu: &'static str,
}

pub const SUPPORTED: &[Supported] = &[
    Supported {
        triple: "x86_64-unknown-linux-gnu",
        gnu_prefix: "x86_64-linux-gnu",
        debian_arch: "amd64",
        qemu: "qemu-x86_64",
    },
    Supported {
        triple: "aarch64-unknown-linux-gnu",
        gnu_prefix: "aarch64-linux-gnu",
        debian_arch: "arm64",
        qemu: "qemu-aarch64",
    },
    Supported {
        triple: "riscv64gc-unknown-linux-gnu",
        gnu_prefix: "riscv64-linux-gnu",
        debian_arch: "riscv64",
        qemu: "qemu-riscv64",
    },
];

/// The directory (beside the `nyashc` binary) and the variable that hold runtimes for
/// other targets: `DIR/<triple>/libnyash_runtime.a` and `native-static-libs.txt`.
pub const RUNTIMES_DIR: &str = "nyash-runtimes";
pub const RUNTIMES_VAR: &str = "NYASHC_RUNTIME_DIR";

/// The runtime, as a static library for the machine nyashc was built for (see build.rs).
static HOST_STATICLIB: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/libnyash_runtime.a"));
/// Content hash of that staticlib, naming its unpacked copy.
static HOST_HASH: &str = include_str!(concat!(env!("OUT_DIR"), "/runtime-hash.txt"));
/// The system libraries that staticlib needs at link time.
static HOST_NATIVE_LIBS: &str = include_str!(concat!(env!("OUT_DIR"), "/native-static-libs.txt"));

/// `text` as a supported target; anything else is an error that lists them.
pub fn parse(text: &str) -> Result<Triple, String> {
    let triple: Option<Triple> = text.parse().ok();
    match triple.filter(|t| supported(t).is_some()) {
        Some(t) => Ok(t),
        None => {
            let list: Vec<&str> = SUPPORTED.iter().map(|s| s.triple).collect();
            Err(format!("unknown target `{text}`; nyashc builds for {} (see `nyashc targets`)", list.join(", ")))
        }
    }
}

fn supported(triple: &Triple) -> Option<&'static Supported> {
    let name = triple.to_string();
    SUPPORTED.iter().find(|s| s.triple == name)
}

fn is_host(triple: &Triple) -> bool {
    *triple == target_lexicon::HOST
}

/// A runtime staticlib the linker can read, and the system libraries it needs.
pub struct Runtime {
    pub archive: PathBuf,
    pub native_libs: String,
    /// Is it the runtime built into nyashc (rather than one found on disk)?
    pub built_in: bool,
}

/// The runtime for `triple`: the first `<triple>/libnyash_runtime.a` under
/// [`runtime_dirs`], else, for this machine, the built-in one. (So a runtime built
/// differently, as `make memcheck` does, can stand in for the built-in one.)
pub fn runtime(triple: &Triple) -> Result<Runtime, String> {
    let dirs = runtime_dirs();
    let found = dirs.iter().map(|d| d.join(triple.to_string())).find(|d| d.join("libnyash_runtime.a").is_file());
    if found.is_none() && is_host(triple) {
        let archive = unpack_host_runtime()?;
        return Ok(Runtime { archive, native_libs: HOST_NATIVE_LIBS.to_string(), built_in: true });
    }
    let Some(dir) = found else {
        let places: Vec<String> = dirs.iter().map(|d| format!("`{}`", d.display())).collect();
        return Err(format!(
            "no Nyash runtime for {triple}: looked in {}; build one with `make cross-runtime TARGET={triple}` (README, \"Cross builds\") or name its directory with {RUNTIMES_VAR}",
            places.join(" and ")
        ));
    };
    let libs = std::fs::read_to_string(dir.join("native-static-libs.txt"))
        .map_err(|e| format!("the runtime in `{}` has no native-static-libs.txt: {e}", dir.display()))?;
    Ok(Runtime { archive: dir.join("libnyash_runtime.a"), native_libs: libs.trim().to_string(), built_in: false })
}

/// Where runtimes for other targets are looked for: `$NYASHC_RUNTIME_DIR`, then
/// `nyash-runtimes` beside the running `nyashc`.
pub fn runtime_dirs() -> Vec<PathBuf> {
    let from_env = std::env::var_os(RUNTIMES_VAR).filter(|v| !v.is_empty()).map(PathBuf::from);
    let beside_binary = std::env::current_exe().ok().and_then(|exe| Some(exe.parent()?.join(RUNTIMES_DIR)));
    from_env.into_iter().chain(beside_binary).collect()
}

/// The built-in staticlib as a file: unpacked once into the temporary directory under a
/// name made of its content hash, then reused by every build.
fn unpack_host_runtime() -> Result<PathBuf, String> {
    let dir = std::env::temp_dir();
    let path = dir.join(format!("nyashc-runtime-{HOST_HASH}.a"));
    let complete = std::fs::metadata(&path).is_ok_and(|m| m.len() == HOST_STATICLIB.len() as u64);
    if !complete {
        let cannot = |e: &dyn std::fmt::Display| format!("cannot unpack the runtime: {e}");
        let mut staged = tempfile::NamedTempFile::new_in(&dir).map_err(|e| cannot(&e))?;
        std::io::Write::write_all(&mut staged, HOST_STATICLIB).map_err(|e| cannot(&e))?;
        staged.persist(&path).map_err(|e| cannot(&e))?;
    }
    Ok(path)
}

/// The C compiler driver that links for `triple`: `explicit` (`--linker`), else what the
/// `cc` crate's conventions name (`CC_<triple>`, `TARGET_CC`, `CC`, then `<prefix>-gcc`
/// for a foreign target). It must exist.
pub fn linker(triple: &Triple, explicit: Option<&Path>) -> Result<PathBuf, String> {
    if let Some(path) = explicit {
        return find_program(path).ok_or_else(|| format!("the linker `{}` does not exist", path.display()));
    }
    let compiler = cc::Build::new()
        .target(&triple.to_string())
        .host(&target_lexicon::HOST.to_string())
        .opt_level(0)
        .cargo_metadata(false)
        .cargo_warnings(false)
        .try_get_compiler()
        .map_err(|e| format!("no C compiler to link with: {e}"))?;
    find_program(compiler.path()).ok_or_else(|| {
        let mut why = format!("no linker for {triple}: `{}` is not on the PATH", compiler.path().display());
        if let Some(s) = supported(triple).filter(|_| !is_host(triple)) {
            let var = format!("CC_{}", s.triple.replace('-', "_"));
            why.push_str(&format!(
                "; install it (Debian: `apt-get install gcc-{}`), name it with {var}, or pass `--linker PATH`",
                s.gnu_prefix
            ));
        }
        why
    })
}

/// `program` as a path that exists: itself if it names a directory part, else the first
/// match on the PATH.
pub fn find_program(program: &Path) -> Option<PathBuf> {
    if program.components().count() > 1 {
        return program.is_file().then(|| program.to_path_buf());
    }
    let paths = std::env::var_os("PATH")?;
    std::env::split_paths(&paths).map(|dir| dir.join(program)).find(|p| p.is_file())
}

/// How to run an executable for a target here: directly on this machine, or under
/// qemu's emulator for it.
pub struct Runner {
    pub emulator: Option<PathBuf>,
}

impl Runner {
    /// The command that runs `exe`.
    pub fn command(&self, exe: &Path) -> std::process::Command {
        match &self.emulator {
            Some(emulator) => {
                let mut command = std::process::Command::new(emulator);
                command.arg(exe);
                command
            }
            None => std::process::Command::new(exe),
        }
    }
}

pub fn runner(triple: &Triple) -> Result<Runner, String> {
    if is_host(triple) {
        return Ok(Runner { emulator: None });
    }
    let s = supported(triple).ok_or_else(|| format!("cannot run {triple} executables here"))?;
    match find_program(Path::new(s.qemu)) {
        Some(qemu) => Ok(Runner { emulator: Some(qemu) }),
        None => Err(format!(
            "cannot run a {triple} executable on this machine: `{}` is not on the PATH (Debian: `apt-get install qemu-user`); `nyashc build --target {triple}` makes one to copy there",
            s.qemu
        )),
    }
}

/// The `nyashc targets` table: each supported target, and whether objects and
/// executables for it can be made here now (and why not).
pub fn report() -> String {
    let mut text = format!("{:<30} {:<8} executables\n", "target", "objects");
    for s in SUPPORTED {
        let triple: Triple = s.triple.parse().expect("the supported triples parse");
        let objects = if cranelift_codegen::isa::lookup(triple.clone()).is_ok() { "yes" } else { "no" };
        let executables = match (runtime(&triple), linker(&triple, None)) {
            (Ok(rt), Ok(cc)) => {
                let origin = if rt.built_in { "built in".to_string() } else { rt.archive.display().to_string() };
                let runs = match runner(&triple).map(|r| r.emulator) {
                    Ok(None) => "this machine".to_string(),
                    Ok(Some(qemu)) => format!("runs here under {}", qemu.display()),
                    Err(_) => format!("{} not installed to run them here", s.qemu),
                };
                format!("yes (runtime: {origin}; linker: {}; {runs})", cc.display())
            }
            (Err(_), _) => format!(
                "no: no runtime (`make cross-runtime TARGET={}`, which needs libstd-rust-web-dev:{} and gcc-{})",
                s.triple, s.debian_arch, s.gnu_prefix
            ),
            (_, Err(_)) => format!("no: no linker (`apt-get install gcc-{}` or `--linker PATH`)", s.gnu_prefix),
        };
        text.push_str(&format!("{:<30} {:<8} {executables}\n", s.triple, objects));
    }
    text
}
