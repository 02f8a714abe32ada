#!/usr/bin/env bash
# What the built binaries load, checked on the ELF files of a build tree:
# - no RUNPATH or RPATH of a binary, library or plugin has an empty or relative entry (an empty
#   entry, as CMake pads a build RUNPATH with, makes the loader search the current directory);
# - the command-line client needs glibc alone (libc, libm, the dynamic loader): it is started
#   once per job, so it links libstdc++ and the protocol statically (issue 16 item 10; OpenSSL
#   is loaded only for --tls).
# Prints each violation and exits 1 when there is any; run by ctest (`runpath`, label unit):
#   scripts/check-runpath.sh BUILD_DIR
set -euo pipefail

build=${1:?usage: check-runpath.sh BUILD_DIR}
failures=0

while IFS= read -r -d '' file; do
  head -c 4 "$file" | grep -q $'\x7fELF' || continue
  paths=$(readelf -d "$file" | sed -n 's/.*(\(RUNPATH\|RPATH\)).*\[\(.*\)\]/\2/p')
  [[ -z $paths ]] && continue
  IFS=: read -r -a entries <<<"$paths:"
  for entry in "${entries[@]}"; do
    if [[ -z $entry || ( $entry != /* && $entry != \$ORIGIN* ) ]]; then
      echo "$file: RUNPATH [$paths] has an empty or relative entry: the loader would search" \
        "the current directory; build with CMAKE_BUILD_WITH_INSTALL_RPATH (CMakeLists.txt)"
      failures=$((failures + 1))
      break
    fi
  done
done < <(find "$build/bin" "$build/lib" -type f \( -perm -u+x -o -name '*.so*' \) -print0)

cli=$build/bin/polyrun
needed=$(readelf -d "$cli" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' |
  grep -v -x -e 'ld-linux.*' -e 'libc\.so\.6' -e 'libm\.so\.6' | tr '\n' ' ' || true)
if [[ -n $needed ]]; then
  echo "$cli needs [$needed] beyond glibc: link what it uses statically (cli/CMakeLists.txt)"
  failures=$((failures + 1))
fi

if ((failures > 0)); then
  echo "check-runpath: $failures problem(s)"
  exit 1
fi
echo "check-runpath: every RUNPATH is absolute or \$ORIGIN-relative; polyrun needs glibc alone"
