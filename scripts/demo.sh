#!/usr/bin/env bash
# Installs what is missing, builds, and runs sniff-demo with the right to capture on loopback.
# Arguments are passed to sniff-demo (e.g. scripts/demo.sh --host ::1).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
echo "demo: building (the first build takes a minute or two)" >&2
cargo build --release --quiet --bin sniff-demo --bin sniffer --bin net-demo
bin=target/release/sniff-demo
if [ "$(id -u)" -ne 0 ]; then
  # Capturing needs CAP_NET_RAW (open a raw socket) and CAP_NET_ADMIN (set up the capture
  # ring). Granting them to this one binary lets it run as you, so captures/ stays yours;
  # sniff-demo sees only its own conversations and gives the capabilities up once its capture
  # is open. sniffer, a general capture tool, is never granted them here (README: Capture
  # privileges).
  if ! getcap "$bin" 2>/dev/null | grep cap_net_raw >/dev/null; then
    echo "demo: granting $bin the capture capabilities (sudo setcap cap_net_raw,cap_net_admin=eip $bin)" >&2
    sudo setcap cap_net_raw,cap_net_admin=eip "$bin"
  fi
fi
exec "$bin" "$@"
