#!/usr/bin/env bash
# Fuzzes the frame pipeline and the capture-file reader with libFuzzer (cargo-fuzz), seeded
# from the test fixtures. Usage: scripts/fuzz.sh [SECONDS per target, default 300]
#
# cargo-fuzz needs nightly compiler flags; RUSTC_BOOTSTRAP=1 lets the stable toolchain
# accept them. Without a sanitizer (-s none) the targets run several times faster; safe Rust
# cannot corrupt memory, so what is hunted is panics, hangs and unbounded memory.
set -euo pipefail
cd "$(dirname "$0")/../crates/sniffer/fuzz"
seconds=${1:-300}
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz
export RUSTC_BOOTSTRAP=1

mkdir -p corpus/capture_file corpus/frames
cp ../tests/fixtures/*.pcap* corpus/capture_file/
# Frame seeds: one byte for the linktype, then length-prefixed frames, from each fixture.
python3 - <<'PY'
import glob, struct
index = {0: 0, 1: 1, 12: 2, 14: 3, 101: 4, 108: 5, 113: 6, 228: 7, 229: 8, 276: 9}
n = 0
for path in sorted(glob.glob('../tests/fixtures/*.pcap')):
    data = open(path, 'rb').read()
    if data[:4] != b'\xd4\xc3\xb2\xa1':
        continue  # little-endian microsecond pcap only
    linktype = struct.unpack('<I', data[20:24])[0] & 0xffff
    frames, off = [], 24
    while off + 16 <= len(data):
        caplen = struct.unpack('<I', data[off + 8:off + 12])[0]
        frames.append(data[off + 16:off + 16 + caplen])
        off += 16 + caplen
    for start in range(0, len(frames), 12):
        seed = bytes([index.get(linktype, 1)])
        seed += b''.join(struct.pack('>H', len(f)) + f for f in frames[start:start + 12])
        open(f'corpus/frames/fixture-{n:04d}', 'wb').write(seed)
        n += 1
PY

cargo fuzz build -O -s none
total=0
for target in frames capture_file; do
  log=$(mktemp)
  cargo fuzz run -O -s none "$target" -- -max_total_time="$seconds" -rss_limit_mb=2048 \
    -max_len=65536 -print_final_stats=1 2>"$log" || { tail -n 40 "$log"; exit 1; }
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
  echo "$target: $runs executions in ${seconds}s, no crash"
  total=$((total + runs))
  rm -f "$log"
done
echo "total: $total executions"
