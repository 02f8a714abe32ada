#!/usr/bin/env bash
# The benchmark suite: builds what it needs, starts a polyrun master and two slaves on loopback
# and prints a Markdown table of polyrun against doing the same by hand (docs/performance.md,
# "Benchmark suite").
# Usage: ./scripts/bench.sh [--quick] [more suite_bench options; --help lists them]
# Environment: POLYRUN_BUILD_DIR (default: build). An existing build directory is used as it is
# configured; a new one is configured RelWithDebInfo without the GUI.
set -euo pipefail
cd "$(dirname "$0")/.."

build_dir=${POLYRUN_BUILD_DIR:-build}
for arg in "$@"; do
  if [[ "$arg" == "--help" || "$arg" == "-h" ]]; then
    sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//'
    if [[ -x "$build_dir/bin/suite_bench" ]]; then echo; "$build_dir/bin/suite_bench" --help; fi
    exit 0
  fi
done

./scripts/setup-deps.sh

if [[ ! -f "$build_dir/CMakeCache.txt" ]]; then
  cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPOLYRUN_BUILD_GUI=OFF >/dev/null
fi
if grep -q '^POLYRUN_SANITIZE:BOOL=ON' "$build_dir/CMakeCache.txt"; then
  echo "bench.sh: $build_dir is a sanitizer build; its figures would measure the sanitizers." >&2
  echo "bench.sh: use another POLYRUN_BUILD_DIR." >&2
  exit 64
fi
# Only the suite and what it starts (master, slave, CLI, plugins, the other benchmarks).
cmake --build "$build_dir" -j"$(nproc)" --target suite_bench >&2

revision=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
if [[ -n "$(git status --porcelain 2>/dev/null | head -1)" ]]; then revision="$revision + local changes"; fi
export POLYRUN_SUITE_REVISION=$revision
exec "$build_dir/bin/suite_bench" "$@"
