#!/usr/bin/env bash
# The dependency rule of docs/architecture.md ("Libraries"), checked on the sources: every
# `#include "polyrun/NAME.h"` in a folder must name a header of a library that folder may use,
# and no folder may include a third-party library it must not depend on. A header belongs to the
# library whose core/LIB/include/polyrun/ holds it. Prints each violation as FILE:LINE and exits
# 1 when there is any; run by ctest (`dependency_rule`, label unit) and by hand:
#   scripts/check-deps.sh [SOURCE_DIR]
set -euo pipefail

root=${1:-$(cd "$(dirname "$0")/.." && pwd)}
cd "$root"

# Which polyrun libraries each folder may include (its own included). Folders not listed
# (tests/, bench/) may use every library.
declare -A allowed=(
  [core/sdk]="sdk"
  [core/protocol]="sdk protocol"
  [core/runtime]="sdk protocol runtime"
  [core/service]="sdk protocol service"
  [core/transport]="sdk protocol transport"
  [plugins]="sdk"
  [examples/plugins]="sdk"
  [gui]="sdk protocol"
  [cli]="sdk protocol transport"
  [master]="sdk protocol service"
  [slave]="sdk protocol runtime service transport"
)
# Third-party headers (a prefix of the include path) each folder must not include. The SDK and
# the protocol are what plugin authors and clients compile against: no Poco, OpenSSL or
# libseccomp there.
declare -A forbidden=(
  [core/sdk]="Poco/ openssl/ seccomp.h nlohmann/ Q"
  [core/protocol]="Poco/ openssl/ seccomp.h Q"
  [core/runtime]="openssl/ Q"
  [core/transport]="Poco/ seccomp.h Q"
  [plugins]="Poco/ openssl/ seccomp.h"
  [examples/plugins]="Poco/ openssl/ seccomp.h"
  [gui]="Poco/ seccomp.h"
  [cli]="Poco/ openssl/ seccomp.h"
)

declare -A library_of=()
for header in core/*/include/polyrun/*.h; do
  lib=${header#core/}
  library_of[$(basename "$header")]=${lib%%/*}
done

failures=0
for folder in "${!allowed[@]}"; do
  [[ -d $folder ]] || continue
  while IFS=: read -r file line text; do
    name=$(sed -E 's/.*"polyrun\/([^"]+)".*/\1/' <<<"$text")
    lib=${library_of[$name]:-}
    if [[ -z $lib ]]; then
      continue  # not a core header (e.g. a folder's own polyrun/ header such as gui's)
    fi
    if [[ " ${allowed[$folder]} " != *" $lib "* ]]; then
      echo "$file:$line: includes polyrun/$name of library '$lib'; $folder may use only: ${allowed[$folder]}"
      failures=$((failures + 1))
    fi
  done < <(grep -rnE '^#include "polyrun/[^"]+"' --include='*.h' --include='*.cc' --include='*.cpp' "$folder" || true)
done
for folder in "${!forbidden[@]}"; do
  [[ -d $folder ]] || continue
  for prefix in ${forbidden[$folder]}; do
    while IFS=: read -r file line text; do
      echo "$file:$line: includes <${text#*<}; $folder must not depend on ${prefix%/}"
      failures=$((failures + 1))
    done < <(grep -rnE "^#include <${prefix//./\\.}" --include='*.h' --include='*.cc' --include='*.cpp' "$folder" || true)
  done
done

if ((failures > 0)); then
  echo "check-deps: $failures include(s) break the dependency rule (docs/architecture.md, \"Libraries\")" >&2
  exit 1
fi
echo "check-deps: every include follows the dependency rule"
