#!/usr/bin/env bash
# Times sniff-demo from the moment its capture is open (the BPF filter attached) to the last
# line of its output, and the whole process, over several runs; prints the median and the
# largest of each. The moments come from strace's timestamps (only setsockopt and write are
# stopped, so the program runs nearly at full speed). Needs capture privileges and strace.
# Usage: scripts/demo-latency.sh [RUNS] [sniff-demo flags…]   e.g. 20 --scenario concurrent --clients 20
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-20}
shift || true
command -v strace >/dev/null || { echo "demo-latency: strace is not installed (apt-get install strace)" >&2; exit 2; }
cargo build --release --quiet --bin sniff-demo
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
for _ in $(seq "$runs"); do
  strace -f --seccomp-bpf -ttt -T -e trace=execve,setsockopt,write -o "$dir/trace" \
    target/release/sniff-demo --no-save "$@" >/dev/null 2>&1
  # Open: the end of the last SO_ATTACH_FILTER; printed: the start of the last write to stdout.
  awk '
    NR == 1 { start = $2 }
    /SO_ATTACH_FILTER/ { d = $NF; gsub(/[<>]/, "", d); open = $2 + d }
    /write\(1,/ { last = $2 }
    END { printf "%.1f %.1f\n", (last - open) * 1000, (last - start) * 1000 }' "$dir/trace"
done > "$dir/times"
summary() {
  sort -n | awk -v what="$1" '{ v[NR] = $1 } END {
    m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
    printf "%s: median %.1f ms, largest %.1f ms (%d runs)\n", what, m, v[NR], NR }'
}
cut -d' ' -f1 "$dir/times" | summary "capture open -> last line printed"
cut -d' ' -f2 "$dir/times" | summary "whole process (start -> last line)"
