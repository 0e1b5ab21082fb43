#!/usr/bin/env bash
# Measures `sniffer read --format plain` against `tshark -r` on captures nobody here wrote:
# the capture files of tcpdump's test suite (tcpdump 4.99.3, Debian's source archive, about
# 670 files, many of them crafted to crash dissectors). tshark is judged as in the tests:
# link, network and transport layers, plus the tunnels (GRE, ERSPAN, VXLAN, Geneve), which
# sniffer always opens.
#
# Prints the files sniffer accepts (the others have link types it does not read: 802.11,
# Frame Relay, ATM…), the share of identical lines (all lines, and TCP lines apart), and
# each file that differs with its count of differing lines (all, TCP).
#
# The archive is downloaded once from deb.debian.org (its SHA-256 checked) and kept under
# target/real-corpus. Takes about four minutes on two cores.
#
#   scripts/real-corpus.sh            # the measurement
#   scripts/real-corpus.sh -v         # and the differing lines, tshark's (<) then sniffer's (>)
#   scripts/real-corpus.sh -V         # the packet details instead: `sniffer read -V` against
#                                     # `tshark -V` with the same judge (the details open the
#                                     # tunnels as the list does), lines differing per file
set -euo pipefail
cd "$(dirname "$0")/.."
verbose=${1:-}

version=4.99.3
archive=tcpdump_${version}.orig.tar.gz
sha256=ad75a6ed3dc0d9732945b2e5483cb41dc8b4b528a169315e499c6861952e73b3
url=http://deb.debian.org/debian/pool/main/t/tcpdump/$archive
dir=target/real-corpus
mkdir -p "$dir"
if [ ! -d "$dir/tcpdump-$version/tests" ]; then
  curl -fsSL -o "$dir/$archive" "$url"
  echo "$sha256  $dir/$archive" | sha256sum -c --quiet
  tar -xzf "$dir/$archive" -C "$dir"
fi

# The judge: every protocol disabled but the tests' judged set and the tunnels.
judge=$dir/tshark-judge
mkdir -p "$judge"
judged=$(sed -n '/^const JUDGED_PROTOCOLS/,/^];/p;/^const TUNNEL_PROTOCOLS/p' \
  crates/sniffer/tests/common/mod.rs | grep -o '"[^"]*"' | tr -d '"')
tshark -G protocols 2>/dev/null | cut -f3 | grep -vxF -f <(echo "$judged") >"$judge/disabled_protos"

cargo build -q --release -p sniffer
if [ "$verbose" = "-V" ]; then
  details_judge=$judge
  files=0 identical=0 lines=0 differing=0
  : >"$dir/details.list"
  for f in "$dir/tcpdump-$version/tests"/*.pcap "$dir/tcpdump-$version/tests"/*.pcapng; do
    TZ=UTC target/release/sniffer read -V "$f" >"$dir/ours.txt" 2>/dev/null || continue
    TZ=UTC LC_ALL=C.UTF-8 WIRESHARK_CONFIG_DIR="$details_judge" tshark -r "$f" -V \
      >"$dir/theirs.txt" 2>/dev/null || true
    n=$(wc -l <"$dir/theirs.txt")
    d=$(diff "$dir/theirs.txt" "$dir/ours.txt" | grep -c '^[<>]' || true)
    files=$((files + 1)) lines=$((lines + n)) differing=$((differing + d))
    [ "$d" -eq 0 ] && identical=$((identical + 1))
    [ "$d" -gt 0 ] && echo "$d $n $(basename "$f")" >>"$dir/details.list"
  done
  echo "files: $files read, $identical with identical details"
  echo "details: $lines lines from tshark; $differing lines differ (tshark's and sniffer's counted apart)"
  echo "files that differ most (lines differing, of tshark's):"
  sort -rn "$dir/details.list" | head -20 | sed 's/^/  /'
  exit 0
fi
SNIFFER="$PWD/target/release/sniffer" JUDGE="$PWD/$judge" VERBOSE="$verbose" python3 - \
  "$dir/tcpdump-$version/tests" <<'EOF'
import os, re, subprocess, sys, glob

tests = sys.argv[1]
env = dict(os.environ, WIRESHARK_CONFIG_DIR=os.environ["JUDGE"], LC_ALL="C.UTF-8", TZ="UTC")
files = sorted(glob.glob(os.path.join(tests, "*.pcap")) + glob.glob(os.path.join(tests, "*.pcapng")))
tcp_line = re.compile(r"\s*\d+\s.*\sTCP \d+ ")
accepted = rejected = lines = same = tcp = tcp_same = 0
differing = []
for path in files:
    ours = subprocess.run([os.environ["SNIFFER"], "read", "--format", "plain", path],
                          capture_output=True, env=env)
    if ours.returncode != 0:
        rejected += 1
        continue
    accepted += 1
    theirs = subprocess.run(["tshark", "-r", path], capture_output=True, env=env)
    t = theirs.stdout.decode("utf-8", "replace").splitlines()
    o = ours.stdout.decode("utf-8", "replace").splitlines()
    diff = diff_tcp = 0
    shown = []
    for i, line in enumerate(t):
        mine = o[i] if i < len(o) else None
        is_tcp = tcp_line.match(line) is not None
        tcp += is_tcp
        if mine != line:
            diff += 1
            diff_tcp += is_tcp
            shown.append((line, mine))
    lines += len(t)
    same += len(t) - diff
    tcp_same += (sum(1 for l in t if tcp_line.match(l)) - diff_tcp)
    if diff:
        differing.append((diff, diff_tcp, os.path.basename(path), shown))
print(f"files: {accepted} read, {rejected} refused (link types sniffer does not read)")
print(f"lines: {same}/{lines} identical ({100 * same / max(lines, 1):.2f}%)")
print(f"TCP lines: {tcp_same}/{tcp} identical ({100 * tcp_same / max(tcp, 1):.2f}%)")
print(f"files that differ: {len(differing)} (lines differing, of them TCP)")
for diff, diff_tcp, name, shown in sorted(differing, key=lambda d: (-d[0], d[2])):
    print(f"  {diff:4} {diff_tcp:3}  {name}")
    if os.environ.get("VERBOSE") == "-v":
        for theirs, mine in shown[:3]:
            print(f"         < {theirs}\n         > {mine}")
EOF
