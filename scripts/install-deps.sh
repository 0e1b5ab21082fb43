#!/usr/bin/env bash
# Installs the Debian/Ubuntu packages sniff-demo needs, only those that are missing:
#   libpcap-dev  to build (the pcap crate links libpcap)
#   tshark       the reference the tests compare every line with
#   pkg-config, gcc  used by the build of the pcap crate
#   util-linux   setpriv, used by a test that drops privileges
#   libcap2-bin  setcap/getcap, to let sniff-demo capture without running as root
#   man-db       man, which a test renders the generated man pages with
# With --tests, also what only the tests need:
#   chromium     the browser the HTML page's tests load it in (headless)
# Uses sudo when not run as root.
set -euo pipefail

packages=(libpcap-dev tshark pkg-config gcc util-linux libcap2-bin man-db)
if [ "${1:-}" = "--tests" ]; then
  packages+=(chromium)
fi
missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep "install ok installed" >/dev/null; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -eq 0 ]; then
  as_root=()
elif command -v sudo >/dev/null 2>&1; then
  as_root=(sudo)
else
  echo "install-deps: missing packages (${missing[*]}) and no sudo to install them; install them as root" >&2
  exit 2
fi
echo "install-deps: installing ${missing[*]}" >&2
# tshark asks whether non-root users may capture; the default (no) is fine here.
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q >/dev/null
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
