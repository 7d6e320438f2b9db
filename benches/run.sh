#!/usr/bin/env bash
# Median wall time of each benchmark on the VM and on its Lua 5.4 twin, in one run, with
# the ratio between them (machines are shared and noisy: compare ratios, not seconds).
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${RUNS:-5}
nyashc=target/release/nyashc

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
time_of() { # command... -> seconds for one run
    local start end
    start=$(date +%s.%N); "$@" >/dev/null; end=$(date +%s.%N)
    echo "$end - $start" | bc -l
}

printf '%-12s %10s %10s %8s\n' benchmark "vm (s)" "lua (s)" "vm/lua"
for nyash in benches/*.nyash; do
    name=$(basename "$nyash" .nyash)
    lua="benches/$name.lua"
    vm=$(for _ in $(seq "$runs"); do time_of "$nyashc" run "$nyash"; done | median)
    if command -v lua5.4 >/dev/null && [ -f "$lua" ]; then
        l=$(for _ in $(seq "$runs"); do time_of lua5.4 "$lua"; done | median)
        printf '%-12s %10.3f %10.3f %8.2f\n' "$name" "$vm" "$l" "$(echo "$vm / $l" | bc -l)"
    else
        printf '%-12s %10.3f %10s %8s\n' "$name" "$vm" - -
    fi
done
