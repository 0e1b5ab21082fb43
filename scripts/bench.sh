#!/usr/bin/env bash
# Times `sniffer read --format plain` against `tcpdump -nn -r` and `tshark -r` on a synthetic
# capture, and prints one table (time, peak memory, packets per second).
# Usage: scripts/bench.sh [CONVERSATIONS] [SEGMENTS_PER_DIRECTION]   (default 4000 14: ~140k packets)
set -euo pipefail
cd "$(dirname "$0")/.."
conversations=${1:-4000}
segments=${2:-14}
scripts/install-deps.sh
command -v tcpdump >/dev/null || { echo "bench: tcpdump is not installed (apt-get install tcpdump)" >&2; exit 2; }
cargo build --release --quiet --bin sniffer --example gen_capture
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
file="$dir/bench.pcap"
target/release/examples/gen_capture "$conversations" "$segments" "$file" 2>"$dir/gen.txt"
packets=$(grep -o '^[0-9]*' "$dir/gen.txt")
echo "$(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); $packets packets, $conversations conversations, $(du -h "$file" | cut -f1)"
printf '| %-42s | %8s | %10s | %12s |\n' command seconds "peak MiB" "packets/s"
printf '|%s|%s|%s|%s|\n' -------------------------------------------- ---------- ------------ --------------
for cmd in "target/release/sniffer read --format plain" "tcpdump -nn -r" "tshark -r"; do
  /usr/bin/time -f '%e %M' -o "$dir/time" $cmd "$file" >/dev/null 2>"$dir/err" || true
  read -r secs kib < "$dir/time"
  rate=$(awk -v p="$packets" -v s="$secs" 'BEGIN { printf "%d", (s > 0 ? p / s : 0) }')
  printf '| %-42s | %8s | %10s | %12s |\n' "$cmd" "$secs" "$((kib / 1024))" "$rate"
done
