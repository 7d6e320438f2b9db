#!/usr/bin/env bash
# `make memcheck` (or `tests/memcheck.sh PROGRAM...`): every conformance program and
# sample (or those named), built as an executable against a runtime that uses the
# system allocator (so that valgrind sees every allocation), runs under valgrind
# memcheck. It must make no invalid read or write, use no uninitialised value, and leak
# nothing (definitely or indirectly lost), except where the program says
# `// memcheck: leaks REASON` (docs/LANGUAGE.md section 6.7: a cycle of strong references
# is never released, nor is a static box that a `fini` at the program's end makes again)
# or ends with an uncaught runtime error (what is left then goes with the process
# unreleased: docs/LANGUAGE.md section 10.3). Results are in docs/TESTING.md.
set -euo pipefail
cd "$(dirname "$0")/.."

host=$(rustc -vV | sed -n 's/^host: //p')
runtimes=$PWD/target/memcheck/runtimes
log=$(mktemp)
trap 'rm -f "$log"' EXIT
env CARGO_PROFILE_RELEASE_LTO=true CARGO_PROFILE_RELEASE_CODEGEN_UNITS=1 CARGO_PROFILE_RELEASE_PANIC=abort \
    cargo rustc -p nyash-runtime --release --features system-alloc --lib --crate-type staticlib \
    --target "$host" --target-dir target/memcheck -- --print native-static-libs 2>"$log" || { cat "$log" >&2; exit 1; }
mkdir -p "$runtimes/$host"
cp "target/memcheck/$host/release/libnyash_runtime.a" "$runtimes/$host/"
sed -n 's/.*native-static-libs: //p' "$log" | tail -1 >"$runtimes/$host/native-static-libs.txt"
cargo build --release
export NYASHC_RUNTIME_DIR=$runtimes NYASHC=$PWD/target/release/nyashc

# One program: prints "clean", "leaks (as it says)" or "FAIL ..." with valgrind's summary.
check() {
    local program=$1 work exe out
    grep -q '// expect error:' "$program" && return 0
    work=$(mktemp -d)
    exe=$work/program
    if ! "$NYASHC" build "$program" -o "$exe" 2>"$work/build"; then
        echo "FAIL $program: does not build: $(head -1 "$work/build")"
    else
        out=$work/valgrind
        leaks=(--leak-check=full --errors-for-leak-kinds=definite,indirect)
        grep -q '// expect runtime error' "$program" && leaks=(--leak-check=no)
        valgrind --quiet --error-exitcode=99 "${leaks[@]}" \
            --log-file="$out" "$exe" </dev/null >/dev/null 2>"$work/stderr" && status=0 || status=$?
        if grep -q 'internal' "$work/stderr"; then
            echo "FAIL $program: $(grep 'internal' "$work/stderr" | head -1)"
        elif [ "$status" != 99 ]; then
            echo "clean $program"
        elif grep -q '// memcheck: leaks ' "$program" && ! grep -qE 'Invalid|uninitialised' "$out"; then
            echo "leaks (as it says) $program"
        else
            echo "FAIL $program: $(grep -E 'Invalid|uninitialised|definitely lost|indirectly lost' "$out" | head -3 | tr '\n' ' ')"
        fi
    fi
    rm -rf "$work"
}
export -f check

# The programs named on the command line, or all of them.
if [ $# -gt 0 ]; then programs=$(printf '%s\n' "$@"); else programs=$(find tests/conformance samples -name '*.nyash' | sort); fi
results=$(echo "$programs" | xargs -P "$(nproc)" -I{} bash -c 'check {}')
echo "$results" | grep -v '^clean' || true
echo "memcheck: $(echo "$results" | grep -c '^clean') clean, $(echo "$results" | grep -c '^leaks') leak as they say, $(echo "$results" | grep -c '^FAIL') failed"
! echo "$results" | grep -q '^FAIL'
