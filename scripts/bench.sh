#!/usr/bin/env bash
# Times `sniffer read --format plain` against `tcpdump -nn -r` and `tshark -r` on a synthetic
# capture of interleaved conversations, prints one table (time, peak memory, packets per
# second), then checks that sniffer's listing is tshark's, line for line (tshark judged with
# its application dissectors off, as in the tests).
# Usage: scripts/bench.sh [CONVERSATIONS] [SEGMENTS_PER_DIRECTION] [SERVER_SEGMENT_BYTES]
#   default 4000 11 600: 120,000 packets, 80 MB (Ethernet-sized frames);
#   40000 11 5792: 1,200,000 packets, 3.1 GB (large segments, as with segmentation offload)
# Each time in the table is the best of 5 runs (the file is in the page cache after the first);
# the display filter's comparison takes ROUNDS turns (default 40) and prints medians.
set -euo pipefail
# One decimal point for times, whatever the user's locale.
export LC_ALL=C
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
# the conversation opened by the middle SYN of the file. Both programs take turns, ROUNDS
# times (a busy spell of a shared machine then slows both alike), in two states of the page
# cache: the file as the generator wrote it (8 KiB at a time, so the kernel caches it in
# 4 KiB pages), and the same file dropped from the cache and read back from the disk (the
# kernel's readahead caches it in larger folios, which a memory map maps far faster).
port=$(target/release/sniffer read "$file" -Y 'tcp.flags.syn == 1 && tcp.flags.ack == 0' \
  -T fields -e tcp.srcport | sed -n "$(( conversations / 2 ))p")
filter="tcp.port == $port && tcp.len > 0"
bpf="tcp port $port and (((ip[2:2] - ((ip[0]&0xf)<<2)) - ((tcp[12]&0xf0)>>2)) != 0)"
rounds=${ROUNDS:-40}
# Milliseconds of one run of "$@", output discarded ($EPOCHREALTIME: no clock process).
run_ms() {
  local start=$EPOCHREALTIME
  "$@" >/dev/null 2>&1 || true
  awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.3f\n", (b - a) * 1000 }'
}
# The median and the least of a file of numbers, as "median min".
median_min() {
  sort -n "$1" | awk '{ v[NR] = $1 } END { m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; printf "%.1f %.1f", m, v[1] }'
}
compare_filtered() {
  local state=$1
  : > "$dir/ours.ms"; : > "$dir/theirs.ms"
  # One run each first, not counted.
  run_ms target/release/sniffer read --format plain "$file" -Y "$filter" > /dev/null
  run_ms tcpdump -nn -r "$file" "$bpf" > /dev/null
  for _ in $(seq "$rounds"); do
    run_ms target/release/sniffer read --format plain "$file" -Y "$filter" >> "$dir/ours.ms"
    run_ms tcpdump -nn -r "$file" "$bpf" >> "$dir/theirs.ms"
  done
  read -r ours_median ours_min <<< "$(median_min "$dir/ours.ms")"
  read -r theirs_median theirs_min <<< "$(median_min "$dir/theirs.ms")"
  printf '| %-36s | %14s | %14s | %5s× | %5s× |\n' "$state" "$ours_median / $ours_min" \
    "$theirs_median / $theirs_min" \
    "$(awk -v a="$ours_median" -v b="$theirs_median" 'BEGIN { printf "%.2f", b / a }')" \
    "$(awk -v a="$ours_min" -v b="$theirs_min" 'BEGIN { printf "%.2f", b / a }')"
}
echo
echo "-Y '$filter' against tcpdump -nn -r with '$bpf', $rounds runs each, taking turns:"
echo "milliseconds as median / least, and how many times as fast sniffer was"
printf '| %-36s | %14s | %14s | %6s | %6s |\n' "page cache" "sniffer" "tcpdump" "median" "least"
printf '|%s|%s|%s|%s|%s|\n' -------------------------------------- ---------------- ---------------- -------- --------
compare_filtered "as the generator wrote it"
# Written back and dropped from the cache, then read whole as a reader of the disk would.
sync "$file"
dd if="$file" iflag=nocache count=0 status=none
if command -v fincore >/dev/null; then
  cached=$(fincore --bytes --noheadings --output RES "$file" | tr -d ' ')
  [ "${cached:-1}" -lt $((1 << 20)) ] || echo "bench: the file stayed in the page cache ($cached bytes)" >&2
fi
cat "$file" > /dev/null
compare_filtered "read back from the disk"

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
