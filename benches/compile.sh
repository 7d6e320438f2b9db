#!/usr/bin/env bash
# Median wall time of `nyashc build samples/hello.nyash -o hello` (link included).
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${RUNS:-11}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
for _ in $(seq "$runs"); do
    start=$(date +%s%N)
    target/release/nyashc build samples/hello.nyash -o "$out/hello"
    end=$(date +%s%N)
    echo $(((end - start) / 1000000))
done | sort -n | awk '{a[NR]=$1} END {printf "nyashc build hello: median %d ms over %d runs\n", a[int((NR+1)/2)], NR}'
