#!/usr/bin/env bash
# Installs what is missing and runs every test of the workspace.
#
# Tests that capture packets need root or CAP_NET_RAW. As root they simply run. Otherwise the
# test binaries are run through sudo when it is available (you may be asked for your password);
# without sudo those tests skip, each printing why. In CI (CI=true) a skip is a failure.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh --tests
if [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1; then
  host=$(rustc -vV | sed -n 's/^host: //p' | tr 'a-z-' 'A-Z_')
  export "CARGO_TARGET_${host}_RUNNER=sudo --preserve-env"
fi
log=$(mktemp)
trap 'rm -f "$log"' EXIT
cargo test --workspace --all-targets 2>&1 | tee "$log"
# One closing line for the whole run, summed over every test binary.
awk '/^test result:/ { p += $4; f += $6 } END { printf "tests: %d passed, %d failed\n", p, f }' "$log"
