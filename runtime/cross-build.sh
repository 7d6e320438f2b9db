#!/usr/bin/env bash
# Build the runtime staticlib for another target, where nyashc looks for it (README,
# "Cross builds"):
#
#   runtime/cross-build.sh TARGET [OUT_DIR]
#
# writes OUT_DIR/TARGET/libnyash_runtime.a and OUT_DIR/TARGET/native-static-libs.txt
# (the system libraries it needs at link time). OUT_DIR defaults to
# target/release/nyash-runtimes, beside the nyashc that `cargo build --release` makes.
#
# The target's Rust standard library must be installed for the compiler used, which is
# $CROSS_RUSTC (default: Debian's /usr/bin/rustc, with libstd-rust-web-dev:<arch>), and
# its C compiler must be on the PATH as TARGET-gcc (Debian: gcc-aarch64-linux-gnu) or
# named by $CROSS_CC; mimalloc's C code is built with it.
set -euo pipefail
cd "$(dirname "$0")/.."

target=${1:?usage: runtime/cross-build.sh TARGET [OUT_DIR]}
out=${2:-target/release/nyash-runtimes}
rustc=${CROSS_RUSTC:-/usr/bin/rustc}

# The GNU toolchain's prefix: aarch64-unknown-linux-gnu -> aarch64-linux-gnu.
arch=${target%%-*}
gnu_prefix="${arch/riscv64gc/riscv64}-linux-gnu"
cc=${CROSS_CC:-$gnu_prefix-gcc}

if ! "$rustc" --print target-libdir --target "$target" >/dev/null 2>&1 ||
    [ -z "$(ls "$("$rustc" --print target-libdir --target "$target")"/libstd-* 2>/dev/null)" ]; then
    echo "error: $rustc has no standard library for $target" >&2
    echo "  on Debian: dpkg --add-architecture ${arch/aarch64/arm64}; apt-get update;" >&2
    echo "             apt-get install rustc-web libstd-rust-web-dev:${arch/aarch64/arm64}" >&2
    echo "  or set CROSS_RUSTC to a rustc that has it" >&2
    exit 1
fi
if ! command -v "$cc" >/dev/null 2>&1; then
    echo "error: no C compiler for $target: $cc is not on the PATH" >&2
    echo "  on Debian: apt-get install gcc-$gnu_prefix; or set CROSS_CC" >&2
    exit 1
fi

env_target=${target//-/_}
upper_target=${env_target^^}
log=$(mktemp)
trap 'rm -f "$log"' EXIT
# A target directory of its own: cargo's fingerprints include the compiler, so sharing
# one with the host build would make each rebuild the other.
if ! env RUSTC="$rustc" \
    "CC_$env_target=$cc" "AR_$env_target=$gnu_prefix-ar" \
    "CARGO_TARGET_${upper_target}_LINKER=$cc" \
    CARGO_PROFILE_RELEASE_LTO=true CARGO_PROFILE_RELEASE_CODEGEN_UNITS=1 CARGO_PROFILE_RELEASE_PANIC=abort \
    cargo rustc -p nyash-runtime --release --lib --crate-type staticlib --target "$target" \
    --target-dir target/cross -- --print native-static-libs 2>"$log"; then
    cat "$log" >&2
    exit 1
fi
mkdir -p "$out/$target"
cp "target/cross/$target/release/libnyash_runtime.a" "$out/$target/"
sed -n 's/.*native-static-libs: //p' "$log" | tail -1 >"$out/$target/native-static-libs.txt"
echo "runtime for $target: $out/$target/libnyash_runtime.a ($(cat "$out/$target/native-static-libs.txt"))"
