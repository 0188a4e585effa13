#!/usr/bin/env bash
# Sets up everything the agent and the tests need, idempotently: Debian packages,
# npm dependencies, the native library and the TypeScript build. Seconds when all is there.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(clang llvm libfuzzer-14-dev libclang-rt-14-dev libbpf-dev libelf-dev zlib1g-dev bpftool gcc make pkg-config
  iproute2 iputils-ping util-linux libcap2-bin prometheus tcpdump iperf3 curl openssl linux-perf)

missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q '^install ok installed$' || missing+=("$pkg")
done
if ((${#missing[@]})); then
  echo "setup: installing Debian packages: ${missing[*]}" >&2
  if [ "$(id -u)" -ne 0 ]; then echo "setup: installing packages needs root" >&2; exit 1; fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# npm ci only when the lock file changed since the last install.
lock_stamp=node_modules/.flowlens-package-lock.json
if [ ! -f "$lock_stamp" ] || ! cmp -s package-lock.json "$lock_stamp"; then
  npm ci --no-audit --no-fund --loglevel=error
  cp package-lock.json "$lock_stamp"
fi

bash scripts/build.sh
