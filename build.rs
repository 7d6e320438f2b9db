//! Build the runtime as a static library and embed it in `nyashc`, so that `nyashc` alone
//! (copied anywhere, or installed with `cargo install`) can link native executables.
//!
//! Cargo cannot hand one package's staticlib to another package's build, so this runs a
//! nested cargo on the runtime, in a target directory of its own under OUT_DIR, and also
//! records which system libraries the staticlib needs at link time.

use std::path::PathBuf;
use std::process::Command;

fn main() {
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let target = std::env::var("TARGET").expect("cargo sets TARGET");
    let runtime = manifest.join("runtime");
    println!("cargo:rerun-if-changed={}", runtime.join("src").display());
    println!("cargo:rerun-if-changed={}", runtime.join("Cargo.toml").display());

    let target_dir = out.join("runtime-build");
    let output = Command::new(cargo)
        .args(["rustc", "--release", "--lib", "--crate-type", "staticlib", "--target", &target])
        .arg("--manifest-path")
        .arg(runtime.join("Cargo.toml"))
        .arg("--target-dir")
        .arg(&target_dir)
        .args(["--", "--print", "native-static-libs"])
        // The outer build's flags are for nyashc, not for the runtime it embeds.
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .env_remove("RUSTFLAGS")
        .env("CARGO_PROFILE_RELEASE_LTO", "true")
        .env("CARGO_PROFILE_RELEASE_CODEGEN_UNITS", "1")
        .env("CARGO_PROFILE_RELEASE_PANIC", "abort")
        .output()
        .expect("cargo runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    if !output.status.success() {
        panic!("building the runtime staticlib failed:\n{stderr}");
    }
    let native_libs = stderr
        .lines()
        .find_map(|l| l.split_once("native-static-libs:").map(|(_, libs)| libs.trim().to_string()))
        .unwrap_or_default();
    let lib = target_dir.join(&target).join("release").join("libnyash_runtime.a");
    let bytes = std::fs::read(&lib).expect("the runtime staticlib was built");
    std::fs::write(out.join("libnyash_runtime.a"), &bytes).expect("OUT_DIR is writable");
    std::fs::write(out.join("runtime-hash.txt"), format!("{:016x}", fnv1a(&bytes))).expect("OUT_DIR is writable");
    std::fs::write(out.join("native-static-libs.txt"), native_libs).expect("OUT_DIR is writable");
}

/// A content hash, to name the unpacked copy of the staticlib (see `aot::runtime_archive`).
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| (h ^ b as u64).wrapping_mul(0x0100_0000_01b3))
}
