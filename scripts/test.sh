#!/usr/bin/env bash
# Installs what is missing, builds everything and runs every test with ctest.
# Usage: ./scripts/test.sh [extra ctest arguments, e.g. -L unit or -R cluster]
# Environment: POLYRUN_BUILD_DIR (default: build), POLYRUN_SANITIZE=ON for ASan+UBSan,
# POLYRUN_LANGUAGES: whose toolchains to install, "all" (the default, as CI), names of
# plugins/languages/<name>.toml ("go rust") or "none"; a language test whose toolchain is
# missing is skipped.
set -euo pipefail
cd "$(dirname "$0")/.."

languages=${POLYRUN_LANGUAGES:-all}
if [[ "$languages" == none ]]; then
  ./scripts/setup-deps.sh
else
  # shellcheck disable=SC2086 # a list of names, split on purpose
  ./scripts/setup-deps.sh --languages $languages
fi

build_dir=${POLYRUN_BUILD_DIR:-build}
jobs=$(nproc)
cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
      -DPOLYRUN_SANITIZE="${POLYRUN_SANITIZE:-OFF}" >/dev/null
cmake --build "$build_dir" -j"$jobs"

# Qt tests run without a display.
export QT_QPA_PLATFORM=offscreen
export XDG_RUNTIME_DIR=${XDG_RUNTIME_DIR:-$(mktemp -d /tmp/polyrun-xdg-XXXXXX)}
ctest --test-dir "$build_dir" --output-on-failure -j"$jobs" "$@"
