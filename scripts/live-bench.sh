#!/usr/bin/env bash
# Captures a loopback bulk transfer with `sniffer live -w` and with `tcpdump -w`, one after
# the other under the same load, and prints one table: packets captured, dropped by the
# kernel, bytes saved, and the transfer's throughput while captured. Needs capture
# privileges (root) and tcpdump.
# Usage: scripts/live-bench.sh [BYTES] [MBIT_PER_SEC] [ROUNDS]
#   default 4G, as fast as possible, 1 round; each round runs both tools once, one after the
#   other (drops vary from run to run: compare several rounds). After several rounds, a
#   summary: per tool, the share of packets dropped (median and over all rounds), and in how
#   many rounds it dropped fewer than the other. TCPDUMP_B=KIB gives tcpdump the same -B.
set -euo pipefail
cd "$(dirname "$0")/.."
bytes=${1:-4G}
rate=${2:-}
rounds=${3:-1}
port=12346
command -v tcpdump >/dev/null || { echo "live-bench: tcpdump is not installed (apt-get install tcpdump)" >&2; exit 2; }
cargo build --release --quiet --bin sniffer --bin net-demo
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
rate_args=()
[ -n "$rate" ] && rate_args=(--rate "$rate")

# run NAME READY_TEXT COMMAND...: starts the capture, waits for READY_TEXT on its stderr,
# sends the bulk, stops the capture with SIGINT, prints a table row.
run() {
  local name=$1 ready=$2
  shift 2
  "$@" >/dev/null 2>"$dir/$name.err" &
  local pid=$!
  for _ in $(seq 100); do
    grep -q "$ready" "$dir/$name.err" 2>/dev/null && break
    sleep 0.05
  done
  local sent
  sent=$(target/release/net-demo bulk --port "$port" --bytes "$bytes" "${rate_args[@]}")
  sleep 0.5
  kill -INT "$pid"
  wait "$pid" || true
  local captured dropped
  case $name in
    sniffer)
      captured=$(grep -o '^[0-9]* packets captured' "$dir/$name.err" | cut -d' ' -f1)
      dropped=$(grep -o '[0-9]* dropped by kernel' "$dir/$name.err" | cut -d' ' -f1) ;;
    tcpdump)
      captured=$(grep -o '^[0-9]* packets captured' "$dir/$name.err" | cut -d' ' -f1)
      dropped=$(grep -o '^[0-9]* packets dropped by kernel' "$dir/$name.err" | cut -d' ' -f1) ;;
  esac
  echo "$name $captured $dropped" >> "$dir/results"
  printf '| %-44s | %9s | %8s | %10s | %-22s |\n' "${*//$dir\//}" "$captured" "$dropped" \
    "$(du -h "$dir/$name.pcap" | cut -f1)" "${sent#*: }"
  rm -f "$dir/$name.pcap"
}

echo "$(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); bulk of $bytes over loopback${rate:+ paced to $rate Mbit/s}"
printf '| %-44s | %9s | %8s | %10s | %-22s |\n' command captured dropped saved "transfer while captured"
printf '|%s|%s|%s|%s|%s|\n' ---------------------------------------------- ----------- ---------- ------------ ------------------------
for _ in $(seq "$rounds"); do
  run sniffer "capturing on" target/release/sniffer live -w "$dir/sniffer.pcap" tcp port "$port"
  run tcpdump "listening on" tcpdump -i lo ${TCPDUMP_B:+-B "$TCPDUMP_B"} -w "$dir/tcpdump.pcap" tcp port "$port"
done
if [ "$rounds" -gt 1 ]; then
  # Drops as a share of what reached the capture (captured + dropped), per round and in all.
  awk '
    { n[$1]++; cap[$1] += $2; drop[$1] += $3; share[$1, n[$1]] = $3 / ($2 + $3) }
    $1 == "tcpdump" { r = n["tcpdump"]; if (share["sniffer", r] < share["tcpdump", r]) fewer["sniffer"]++;
                      else if (share["sniffer", r] > share["tcpdump", r]) fewer["tcpdump"]++ }
    END {
      for (t in n) {
        m = n[t]; for (i = 1; i <= m; i++) v[i] = share[t, i]
        for (i = 1; i <= m; i++) for (j = i + 1; j <= m; j++) if (v[j] < v[i]) { x = v[i]; v[i] = v[j]; v[j] = x }
        med = (m % 2) ? v[(m + 1) / 2] : (v[m / 2] + v[m / 2 + 1]) / 2
        printf "%s: dropped %.2f%% (median of %d rounds), %.2f%% of all; fewer drops than the other in %d of %d rounds\n",
          t, 100 * med, m, 100 * drop[t] / (cap[t] + drop[t]), fewer[t], m
      }
    }' "$dir/results" | sort
fi
