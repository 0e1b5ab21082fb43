#!/usr/bin/env bash
# Measures sniff-demo as a user meets it:
#  - cold: the whole process (start to exit) and its peak memory (RSS), each run after PAUSE
#    idle seconds (default 3), so that nothing is warm from the run before;
#  - open -> printed: from the moment its capture is open (the BPF filter attached) to the last
#    line of its output, back to back, from strace's timestamps (only setsockopt and write are
#    stopped, so the program runs nearly at full speed).
# Prints the median and the largest of each. Needs capture privileges, strace and GNU time.
# Usage: [PAUSE=3] [SNIFF_DEMO=path] scripts/demo-latency.sh [RUNS] [sniff-demo flags…]
#   e.g. scripts/demo-latency.sh 20 --scenario concurrent --clients 20
#   SNIFF_DEMO measures another build (an older one, to compare) instead of this tree's.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-20}
shift || true
pause=${PAUSE:-3}
command -v strace >/dev/null || { echo "demo-latency: strace is not installed (apt-get install strace)" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "demo-latency: GNU time is not installed (apt-get install time)" >&2; exit 2; }
if [ -n "${SNIFF_DEMO:-}" ]; then
  bin=$SNIFF_DEMO
else
  cargo build --release --quiet --bin sniff-demo
  bin=target/release/sniff-demo
fi
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
summary() {
  sort -n | awk -v what="$1" -v unit="$2" '{ v[NR] = $1 } END {
    m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
    printf "%s: median %.1f %s, largest %.1f %s (%d runs)\n", what, m, unit, v[NR], unit, NR }'
}
for _ in $(seq "$runs"); do
  sleep "$pause"
  start=$(date +%s%N)
  /usr/bin/time -f %M -o "$dir/rss" "$bin" --no-save "$@" >/dev/null 2>&1
  end=$(date +%s%N)
  echo "$(( (end - start) / 1000 )) $(tail -n 1 "$dir/rss")"
done > "$dir/cold"
awk '{ printf "%.1f\n", $1 / 1000 }' "$dir/cold" | summary "cold whole process (after ${pause} s idle)" ms
awk '{ printf "%.1f\n", $2 / 1024 }' "$dir/cold" | summary "cold peak RSS" MiB
for _ in $(seq "$runs"); do
  strace -f --seccomp-bpf -ttt -T -e trace=execve,setsockopt,write -o "$dir/trace" \
    "$bin" --no-save "$@" >/dev/null 2>&1
  # Open: the end of the last SO_ATTACH_FILTER; printed: the start of the last write to stdout.
  awk '
    NR == 1 { start = $2 }
    /SO_ATTACH_FILTER/ { d = $NF; gsub(/[<>]/, "", d); open = $2 + d }
    /write\(1,/ { last = $2 }
    END { printf "%.1f %.1f\n", (last - open) * 1000, (last - start) * 1000 }' "$dir/trace"
done > "$dir/times"
cut -d' ' -f1 "$dir/times" | summary "capture open -> last line printed" ms
cut -d' ' -f2 "$dir/times" | summary "whole process under strace (start -> last line)" ms
