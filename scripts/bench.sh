#!/usr/bin/env bash
# Times `sniffer read --format plain` against `tcpdump -nn -r` and `tshark -r` on a synthetic
# capture of interleaved conversations, prints one table (time, peak memory, packets per
# second), then checks that sniffer's listing is tshark's, line for line (tshark judged with
# its application dissectors off, as in the tests).
# Usage: scripts/bench.sh [CONVERSATIONS] [SEGMENTS_PER_DIRECTION] [SERVER_SEGMENT_BYTES]
#   default 4000 11 600: 120,000 packets, 80 MB (Ethernet-sized frames);
#   40000 11 5792: 1,200,000 packets, 3.1 GB (large segments, as with segmentation offload)
# Each time is the best of 5 runs (the file is in the page cache after the first).
set -euo pipefail
cd "$(dirname "$0")/.."
conversations=${1:-4000}
segments=${2:-11}
server_bytes=${3:-600}
scripts/install-deps.sh
command -v tcpdump >/dev/null || { echo "bench: tcpdump is not installed (apt-get install tcpdump)" >&2; exit 2; }
cargo build --release --quiet --bin sniffer --example gen_capture
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
file="$dir/bench.pcap"
target/release/examples/gen_capture "$conversations" "$segments" "$file" "$server_bytes" 2>"$dir/gen.txt"
packets=$(grep -o '^[0-9]*' "$dir/gen.txt")
echo "$(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); $packets packets, $conversations conversations, $(du -h "$file" | cut -f1)"
printf '| %-42s | %8s | %10s | %12s |\n' command seconds "peak MiB" "packets/s"
printf '|%s|%s|%s|%s|\n' -------------------------------------------- ---------- ------------ --------------
for cmd in "target/release/sniffer read --format plain" "tcpdump -nn -r" "tshark -r"; do
  # Peak memory from one run, time as the best of 5 (in milliseconds, from the clock).
  /usr/bin/time -f '%M' -o "$dir/mem" $cmd "$file" >/dev/null 2>"$dir/err" || true
  kib=$(tail -1 "$dir/mem")
  best=""
  for _ in 1 2 3 4 5; do
    start=$(date +%s%N)
    $cmd "$file" >/dev/null 2>&1 || true
    ms=$(( ($(date +%s%N) - start) / 1000000 ))
    if [ -z "$best" ] || [ "$ms" -lt "$best" ]; then best=$ms; fi
  done
  secs=$(awk -v ms="$best" 'BEGIN { printf "%.3f", ms / 1000 }')
  rate=$(awk -v p="$packets" -v s="$secs" 'BEGIN { printf "%d", (s > 0 ? p / s : 0) }')
  printf '| %-42s | %8s | %10s | %12s |\n' "$cmd" "$secs" "$((kib / 1024))" "$rate"
done

# The same listing as tshark's: every protocol but link, network and transport disabled.
mkdir -p "$dir/judge"
tshark -G protocols 2>/dev/null | cut -f3 | grep -vxF -f <(printf '%s\n' frame eth ethertype vlan \
  ieee8021ad ip ipv6 ipv6.hopopts ipv6.routing ipv6.fraghdr ipv6.dstopts tcp udp icmp icmpv6 arp sll \
  null loop raw data) > "$dir/judge/disabled_protos"
target/release/sniffer read --format plain "$file" > "$dir/ours.txt"
WIRESHARK_CONFIG_DIR="$dir/judge" tshark -r "$file" > "$dir/theirs.txt" 2>/dev/null
same=$(diff --unchanged-line-format='x' --old-line-format='' --new-line-format='' "$dir/ours.txt" "$dir/theirs.txt" | wc -c)
echo "identical to tshark: $same of $(wc -l < "$dir/theirs.txt") lines"
