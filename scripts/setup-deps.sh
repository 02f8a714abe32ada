#!/usr/bin/env bash
# Installs the Debian 12 packages polyrun needs to build, test and run.
# Idempotent: when everything is present it only runs dpkg-query and exits.
set -euo pipefail

PACKAGES=(
  build-essential cmake pkg-config
  libpoco-dev  # includes NetSSL_OpenSSL (TLS, core/service/src/tls.cc)
  libsqlite3-dev  # the master journal's prepared statements (master/sqlite_journal.cc)
  libssl-dev openssl  # OpenSSL 3 for the master's TLS; the openssl command for tests/integration/tls_test
  libboost-dev
  nlohmann-json3-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  clang libclang-rt-14-dev  # libFuzzer for tests/fuzz (ctest runs it when clang can link it)
  clang-format-14  # the format check (scripts/check-format.sh): one version, one layout
  libseccomp-dev
  qt6-base-dev qt6-charts-dev libqt6opengl6-dev
  python3
  openjdk-17-jdk-headless
  nodejs  # the example JavaScript plugin (examples/plugins/javascript) and its test
  iproute2 util-linux procps
  dpkg-dev  # dpkg-shlibdeps: the dependencies of the Debian packages (cpack -G DEB)
  # The cgroup-v2 guest (scripts/guest, tests/guest): qemu with 9p (virtfs is built into
  # qemu-system-x86 and needs no recommends) and a static busybox for its initramfs. The kernel
  # is fetched by scripts/guest/prepare.sh, not installed.
  qemu-system-x86 busybox-static
)

missing=()
for p in "${PACKAGES[@]}"; do
  status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
  [[ "$status" == "installed" ]] || missing+=("$p")
done

if [[ ${#missing[@]} -eq 0 ]]; then
  exit 0
fi

echo "setup-deps: installing ${missing[*]}"
SUDO=""
if [[ $(id -u) -ne 0 ]]; then
  if command -v sudo >/dev/null; then SUDO=sudo; else
    echo "setup-deps: need root (or sudo) to install: ${missing[*]}" >&2
    exit 1
  fi
fi
export DEBIAN_FRONTEND=noninteractive
if ! $SUDO apt-get install -y --no-install-recommends "${missing[@]}"; then
  $SUDO apt-get update
  $SUDO apt-get install -y --no-install-recommends "${missing[@]}"
fi
