#!/usr/bin/env bash
# Checks that every C++ file git tracks is laid out as .clang-format says, with clang-format 14
# (Debian 12's; other versions lay some constructs out differently, so the version is fixed).
# Lists the files that differ and exits 1; run by ctest (`format`, label unit) and by hand:
#   scripts/check-format.sh [SOURCE_DIR]     check
#   scripts/check-format.sh --fix            reformat in place (then review and commit)
set -euo pipefail

fix=false
if [[ ${1:-} == --fix ]]; then
  fix=true
  shift
fi
root=${1:-$(cd "$(dirname "$0")/.." && pwd)}
cd "$root"

formatter=$(command -v clang-format-14 || true)
if [[ -z $formatter ]]; then
  echo "check-format: clang-format-14 not found; install it with ./scripts/setup-deps.sh" >&2
  exit 1
fi

if git rev-parse --git-dir >/dev/null 2>&1; then
  mapfile -t files < <(git ls-files '*.cc' '*.h' '*.cpp')
else  # a source tree without git (an unpacked archive): every folder but build trees
  mapfile -t files < <(find . \( -name 'build*' -prune \) -o -type f \( -name '*.cc' -o -name '*.h' -o -name '*.cpp' \) -print | sed 's|^\./||' | sort)
fi
if $fix; then
  "$formatter" -i "${files[@]}"
  echo "check-format: reformatted ${#files[@]} files"
  exit 0
fi
bad=()
for f in "${files[@]}"; do
  "$formatter" --dry-run --Werror "$f" >/dev/null 2>&1 || bad+=("$f")
done
if ((${#bad[@]} > 0)); then
  printf '%s\n' "${bad[@]}"
  echo "check-format: ${#bad[@]} file(s) above differ from .clang-format; run scripts/check-format.sh --fix" >&2
  exit 1
fi
echo "check-format: ${#files[@]} files follow .clang-format"
