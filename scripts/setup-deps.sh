#!/usr/bin/env bash
# Installs the Debian 12 packages polyrun needs to build, test and run, and on request the
# toolchains of the languages defined in plugins/languages/<name>.toml.
#
#   scripts/setup-deps.sh                         build, test and run dependencies
#   scripts/setup-deps.sh --languages go ruby     ... and the toolchains of these languages
#   scripts/setup-deps.sh --languages all         ... and every defined language's toolchain
#   scripts/setup-deps.sh --list-languages        each language and its packages; installs nothing
#
# A language's packages come from the top-level `packages = [...]` line of its definition (the
# one place that names them; cmake/Packaging.cmake reads the same line for polyrun-languages).
# Idempotent: when everything is present it only runs dpkg-query and exits.
set -euo pipefail

LANGUAGES_DIR="$(cd "$(dirname "$0")/.." && pwd)/plugins/languages"

PACKAGES=(
  build-essential cmake pkg-config
  libpoco-dev  # includes NetSSL_OpenSSL (TLS, core/service/src/tls.cc)
  libsqlite3-dev  # the master journal's prepared statements (master/sqlite_journal.cc)
  libssl-dev openssl  # OpenSSL 3 for the master's TLS; the openssl command for tests/integration/tls_test
  libboost-dev
  nlohmann-json3-dev
  libtomlplusplus-dev  # toml++ 3: the language definitions (plugins/languages/*.toml)
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

usage() {
  echo "usage: $0 [--languages NAME...|all] [--list-languages]" >&2
  exit 2
}

# The defined languages: the stems of plugins/languages/*.toml (in glob order: sorted).
known=()
for f in "$LANGUAGES_DIR"/*.toml; do
  [[ -e "$f" ]] || continue
  f=${f##*/}
  known+=("${f%.toml}")
done

# Sets DEF_PACKAGES to the Debian packages of the definition $1 (a path): its `packages`, or the
# key $2 (`npm_packages`: npm packages, installed globally, for the few parts of a toolchain Debian
# ships only with its own Node.js). Reads only the top-level table (before the first [table]
# header), where `packages = [...]` must be on one line. Pure bash: a fork costs up to 0.15 s on
# a loaded machine, and `all` reads every file.
DEF_PACKAGES=()
definition_packages() {
  local file=$1 key=${2:-packages} line="" item items
  local header_re='^[[:space:]]*\['
  local packages_re="^[[:space:]]*${key}[[:space:]]*="
  local list_re="^[[:space:]]*${key}[[:space:]]*=[[:space:]]*\\[([^]]*)\\][[:space:]]*(#.*)?\$"
  local name_re="^[\"']([a-z0-9@][a-z0-9.+/@-]+)[\"']\$"
  DEF_PACKAGES=()
  while IFS= read -r line || [[ -n "$line" ]]; do
    [[ ! "$line" =~ $header_re ]] || return 0
    [[ "$line" =~ $packages_re ]] && break
  done <"$file"
  [[ "$line" =~ $packages_re ]] || return 0
  if [[ ! "$line" =~ $list_re ]]; then
    echo "setup-deps: $file: the packages line must be one line, packages = [\"name\", ...]: $line" >&2
    return 1
  fi
  IFS=',' read -r -a items <<<"${BASH_REMATCH[1]}"
  for item in "${items[@]}"; do
    item=${item//[[:space:]]/}
    [[ -n "$item" ]] || continue
    # A Debian package name (Debian policy 5.6.1) in double or single quotes.
    if [[ ! "$item" =~ $name_re ]]; then
      echo "setup-deps: $file: $item is not a quoted Debian package name (two or more of a-z 0-9 + - .) in: $line" >&2
      return 1
    fi
    DEF_PACKAGES+=("${BASH_REMATCH[1]}")
  done
}

list_only=0
languages_given=0
languages=()
NPM_PACKAGES=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --list-languages) list_only=1 ;;
    --languages)
      languages_given=1
      while [[ $# -gt 1 && "$2" != --* ]]; do
        languages+=("$2")
        shift
      done
      ;;
    -h | --help) usage ;;
    *)
      echo "setup-deps: unknown argument $1" >&2
      usage
      ;;
  esac
  shift
done

if [[ $list_only -eq 1 ]]; then
  for name in "${known[@]}"; do
    definition_packages "$LANGUAGES_DIR/$name.toml"
    pkgs="${DEF_PACKAGES[*]}"
    printf '%-12s %s\n' "$name" "${pkgs:--}"
  done
  exit 0
fi

if [[ $languages_given -eq 1 ]]; then
  if [[ ${#languages[@]} -eq 0 ]]; then
    echo "setup-deps: --languages needs language names or all; known: ${known[*]:-none (no $LANGUAGES_DIR/*.toml)}" >&2
    exit 2
  fi
  if [[ " ${languages[*]} " == *" all "* ]]; then
    languages=("${known[@]}")
  fi
  for name in "${languages[@]}"; do
    if [[ ! " ${known[*]} " == *" $name "* ]]; then
      echo "setup-deps: no language named '$name' (no $LANGUAGES_DIR/$name.toml); known: ${known[*]:-none}" >&2
      exit 2
    fi
    definition_packages "$LANGUAGES_DIR/$name.toml"
    PACKAGES+=("${DEF_PACKAGES[@]}")
    definition_packages "$LANGUAGES_DIR/$name.toml" npm_packages
    NPM_PACKAGES+=("${DEF_PACKAGES[@]}")
  done
fi

# npm packages ("@types/node@18.18.14"): installed globally unless their folder is there.
install_npm_packages() {
  [[ ${#NPM_PACKAGES[@]} -gt 0 ]] || return 0
  local root p missing_npm=()
  root=$(npm root -g 2>/dev/null) || {
    echo "setup-deps: npm is needed for ${NPM_PACKAGES[*]}: install nodejs (with npm)" >&2
    return 1
  }
  for p in "${NPM_PACKAGES[@]}"; do
    local name=${p%@*}  # "@types/node@18.18.14" -> "@types/node"; "@types/node" stays
    [[ -n "$name" ]] || name=$p
    [[ -d "$root/$name" ]] || missing_npm+=("$p")
  done
  [[ ${#missing_npm[@]} -gt 0 ]] || return 0
  echo "setup-deps: installing with npm ${missing_npm[*]}"
  npm install -g --no-audit --no-fund "${missing_npm[@]}"
}

# One dpkg-query for every package (a call per package costs 10 ms each, and a language list is long).
declare -A installed=()
while read -r p status; do
  [[ "$status" == "installed" ]] && installed[$p]=1
done < <(dpkg-query -W -f='${Package} ${db:Status-Status}\n' "${PACKAGES[@]}" 2>/dev/null || true)
missing=()
for p in "${PACKAGES[@]}"; do
  [[ -n "${installed[$p]:-}" || " ${missing[*]} " == *" $p "* ]] || missing+=("$p")
done

if [[ ${#missing[@]} -eq 0 ]]; then
  install_npm_packages
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
install_npm_packages
