#!/usr/bin/env bash
# Runs sniff-demo N times in a row (default 500) and counts the runs whose timeline is not
# the complete exchange: the 8 segments of the greeting, SYN first and the last ACK last.
# Usage: scripts/stress-demo.sh [N]   (needs capture privileges, or user namespaces)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-500}
cargo build --release --quiet --bin sniff-demo
bin=target/release/sniff-demo
bad=0
for i in $(seq 1 "$runs"); do
  if ! out=$("$bin" --port 0 --no-save --format plain --timeout 5 2>/dev/null); then
    bad=$((bad + 1)); echo "run $i: sniff-demo failed" >&2; continue
  fi
  # (No `| head`: under pipefail, head leaving early can kill the writer with SIGPIPE.)
  lines=$(printf '%s\n' "$out" | wc -l)
  first=${out%%$'\n'*}
  last=${out##*$'\n'}
  if [ "$lines" -ne 8 ] || [[ "$first" != *"[SYN] Seq=0 "* ]] || [[ "$last" != *"[ACK] Seq=20 Ack=2 "* ]]; then
    bad=$((bad + 1)); echo "run $i: incomplete timeline ($lines lines)" >&2
  fi
done
echo "$runs runs, $bad incomplete"
echo "stress: $((runs - bad)) passed, $bad failed"
[ "$bad" -eq 0 ]
