#!/usr/bin/env bash
# Median wall time of each benchmark on every nyashc backend, on its Lua 5.4 twin and on its
# C twin (gcc -O2), in one run, with ratios to Lua and to C. Machines are shared and
# noisy: compare the ratios of one run, not seconds across runs.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${RUNS:-5}
nyashc=${NYASHC:-target/release/nyashc}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
seconds() { # command... -> median seconds over $runs runs
    for _ in $(seq "$runs"); do
        local start end
        start=$(date +%s%N); "$@" >/dev/null; end=$(date +%s%N)
        echo "scale=4; ($end - $start) / 1000000000" | bc
    done | median
}
ratio() { if [ "$2" = - ]; then echo -; else echo "scale=2; $1 / $2" | bc; fi; }

printf '%-10s %-8s %9s %8s %8s\n' benchmark backend seconds "/lua" "/gcc-O2"
for nyash in benches/*.nyash; do
    name=$(basename "$nyash" .nyash)
    # A `// twin: NAME` line shares another benchmark's Lua and C twins.
    twin=$(sed -n 's|^// twin: ||p' "$nyash"); twin=${twin:-$name}
    lua=-; c=-
    if command -v lua5.4 >/dev/null && [ -f "benches/$twin.lua" ]; then lua=$(seconds lua5.4 "benches/$twin.lua"); fi
    if [ -f "benches/$twin.c" ]; then
        cc -O2 -o "$work/$name-c" "benches/$twin.c" && c=$(seconds "$work/$name-c")
    fi
    "$nyashc" build "$nyash" -o "$work/$name"
    for backend in vm jit exe; do
        case $backend in
            vm) t=$(seconds "$nyashc" run --emit vm "$nyash") ;;
            jit) t=$(seconds "$nyashc" run --emit jit "$nyash") ;;
            exe) t=$(seconds "$work/$name") ;;
        esac
        printf '%-10s %-8s %9s %8s %8s\n' "$name" "$backend" "$t" "$(ratio "$t" "$lua")" "$(ratio "$t" "$c")"
    done
    printf '%-10s %-8s %9s\n%-10s %-8s %9s\n' "$name" lua "$lua" "$name" gcc-O2 "$c"
done
