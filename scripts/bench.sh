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
# Best of 5 runs of "$@" (the file in the page cache after the first), in seconds.
best_of_5() {
  local best="" start us
  for _ in 1 2 3 4 5; do
    start=$(date +%s%N)
    "$@" >/dev/null 2>&1 || true
    us=$(( ($(date +%s%N) - start) / 1000 ))
    if [ -z "$best" ] || [ "$us" -lt "$best" ]; then best=$us; fi
  done
  awk -v us="$best" 'BEGIN { printf "%.3f", us / 1000000 }'
}
for cmd in "target/release/sniffer read --format plain" "tcpdump -nn -r" "tshark -r"; do
  # Peak memory from one run, time as the best of 5.
  /usr/bin/time -f '%M' -o "$dir/mem" $cmd "$file" >/dev/null 2>"$dir/err" || true
  kib=$(tail -1 "$dir/mem")
  secs=$(best_of_5 $cmd "$file")
  rate=$(awk -v p="$packets" -v s="$secs" 'BEGIN { printf "%d", (s > 0 ? p / s : 0) }')
  printf '| %-42s | %8s | %10s | %12s |\n' "$cmd" "$secs" "$((kib / 1024))" "$rate"
done

# A display filter against tcpdump's BPF filter for the same packets: the data segments of
# the conversation opened by the middle SYN of the file.
port=$(target/release/sniffer read "$file" -Y 'tcp.flags.syn == 1 && tcp.flags.ack == 0' \
  -T fields -e tcp.srcport | sed -n "$(( conversations / 2 ))p")
filter="tcp.port == $port && tcp.len > 0"
bpf="tcp port $port and (((ip[2:2] - ((ip[0]&0xf)<<2)) - ((tcp[12]&0xf0)>>2)) != 0)"
ours=$(best_of_5 target/release/sniffer read --format plain "$file" -Y "$filter")
theirs=$(best_of_5 tcpdump -nn -r "$file" "$bpf")
echo
echo "-Y '$filter': sniffer $ours s, tcpdump -nn -r with '$bpf' $theirs s" \
  "($(awk -v a="$ours" -v b="$theirs" 'BEGIN { printf "%.1f", b / a }')× faster)"

# The same listing as tshark's: every protocol but link, network and transport disabled.
mkdir -p "$dir/judge"
tshark -G protocols 2>/dev/null | cut -f3 | grep -vxF -f <(printf '%s\n' frame eth ethertype vlan \
  ieee8021ad ip ipv6 ipv6.hopopts ipv6.routing ipv6.fraghdr ipv6.dstopts tcp udp icmp icmpv6 arp sll \
  null loop raw data) > "$dir/judge/disabled_protos"
target/release/sniffer read --format plain "$file" > "$dir/ours.txt"
WIRESHARK_CONFIG_DIR="$dir/judge" tshark -r "$file" > "$dir/theirs.txt" 2>/dev/null
same=$(diff --unchanged-line-format='x' --old-line-format='' --new-line-format='' "$dir/ours.txt" "$dir/theirs.txt" | wc -c)
echo "identical to tshark: $same of $(wc -l < "$dir/theirs.txt") lines"
target/release/sniffer read --format plain "$file" -Y "$filter" > "$dir/ours.txt"
WIRESHARK_CONFIG_DIR="$dir/judge" tshark -r "$file" -Y "$filter" > "$dir/theirs.txt" 2>/dev/null
tcpdump -nn -r "$file" "$bpf" 2>/dev/null | wc -l > "$dir/tcpdump-count.txt"
if cmp -s "$dir/ours.txt" "$dir/theirs.txt"; then
  echo "-Y '$filter': $(wc -l < "$dir/ours.txt") lines, identical to tshark -Y's; tcpdump printed $(cat "$dir/tcpdump-count.txt")"
else
  echo "-Y '$filter': differs from tshark -Y's" >&2
  exit 1
fi
