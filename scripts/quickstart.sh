#!/usr/bin/env bash
# Builds polyrun, starts a local cluster (one master, two slaves) in the background and runs the
# bundled examples through it with the command-line client.
#
#   ./scripts/quickstart.sh          start (or reuse) the cluster and run the examples
#   ./scripts/quickstart.sh status   show the cluster
#   ./scripts/quickstart.sh stop     stop the cluster
#
# Logs, pid files and the slaves' tokens (one per slave, in files: never on a command line) live
# in the run folder (default .run/, or $POLYRUN_RUN_DIR). Ports: POLYRUN_CLIENT_PORT (7400),
# POLYRUN_SLAVE_PORT (7401) and POLYRUN_HTTP_PORT (7480).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
run_dir=${POLYRUN_RUN_DIR:-$root/.run}
build_dir=${POLYRUN_BUILD_DIR:-$root/build}
client_port=${POLYRUN_CLIENT_PORT:-7400}
slave_port=${POLYRUN_SLAVE_PORT:-7401}
http_port=${POLYRUN_HTTP_PORT:-7480}
bin=$build_dir/bin
master_addr=127.0.0.1:$client_port
slaves=(slave-1 slave-2)

alive() { [[ -f "$1" ]] && kill -0 "$(cat "$1")" 2>/dev/null; }

stop_cluster() {
  local stopped=0
  for name in "${slaves[@]}" master; do
    local pidfile=$run_dir/$name.pid
    if alive "$pidfile"; then
      local pid
      pid=$(cat "$pidfile")
      kill -TERM "$pid"
      for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
      echo "stopped $name (pid $pid)"
      stopped=1
    fi
    rm -f "$pidfile"
  done
  [[ $stopped == 1 ]] || echo "no cluster was running from $run_dir"
}

case "${1:-start}" in
  stop) stop_cluster; exit 0 ;;
  status) exec "$bin/polyrun" status --master "$master_addr" ;;
  start) ;;
  -h|--help) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
  *) echo "quickstart: unknown command \"$1\"; use start, status or stop" >&2; exit 64 ;;
esac

echo "==> Checking system packages"
./scripts/setup-deps.sh

echo "==> Building (in $build_dir)"
if [[ ! -f "$build_dir/CMakeCache.txt" ]]; then
  cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
fi
cmake --build "$build_dir" -j"$(nproc)" --target polyrun-master polyrun-slave polyrun polyrun_plugins

mkdir -p "$run_dir"
if alive "$run_dir/master.pid"; then
  echo "==> Reusing the cluster already running from $run_dir (master pid $(cat "$run_dir/master.pid"))"
else
  if (exec 3<>"/dev/tcp/127.0.0.1/$client_port") 2>/dev/null; then
    echo "quickstart: port $client_port is already in use by another program;" \
         "stop it or choose other ports with POLYRUN_CLIENT_PORT and POLYRUN_SLAVE_PORT" >&2
    exit 69
  fi
  # Each slave gets a token of its own; the master lists them by name (master.slave.tokens.file).
  old_umask=$(umask)
  umask 077
  : > "$run_dir/slave-tokens.new"
  for name in "${slaves[@]}"; do
    [[ -f "$run_dir/token-$name" ]] || od -An -tx1 -N16 /dev/urandom | tr -d ' \n' > "$run_dir/token-$name"
    chmod 600 "$run_dir/token-$name"
    echo "$name = $(cat "$run_dir/token-$name")" >> "$run_dir/slave-tokens.new"
  done
  mv "$run_dir/slave-tokens.new" "$run_dir/slave-tokens"
  umask "$old_umask"
  echo "==> Starting a master and two slaves (logs and pid files in $run_dir)"
  rm -f "$run_dir/master.ready"
  setsid "$bin/polyrun-master" \
    --define=master.slave.tokens.file="$run_dir/slave-tokens" \
    --define=master.client.port="$client_port" \
    --define=master.slave.port="$slave_port" \
    --define=master.http.port="$http_port" \
    --define=master.ready.file="$run_dir/master.ready" \
    --define=master.journal.path="$run_dir/journal.sqlite" \
    >"$run_dir/master.log" 2>&1 < /dev/null &
  echo $! > "$run_dir/master.pid"
  for _ in $(seq 200); do
    [[ -f "$run_dir/master.ready" ]] && break
    alive "$run_dir/master.pid" || { echo "quickstart: the master failed to start:" >&2; cat "$run_dir/master.log" >&2; exit 70; }
    sleep 0.05
  done
  # On a cgroup v2 host run by systemd this shell sits in a login session's scope, shared with
  # other processes, which cannot be delegated: each slave then starts itself again in a
  # transient scope with Delegate=yes (docs/install.md, "Hosts"), so that its limits hold.
  # The slaves' plugin folder: the built plugins and every language definition; a language whose
  # toolchain is missing is not offered (`polyrun status` says why; setup-deps.sh --languages).
  rm -rf "$run_dir/plugins"
  mkdir -p "$run_dir/plugins"
  cp "$build_dir"/lib/polyrun/plugins/*.so plugins/languages/*.toml "$run_dir/plugins/"
  for name in "${slaves[@]}"; do
    setsid "$bin/polyrun-slave" \
      --define=slave.plugins.dir="$run_dir/plugins" \
      --define=slave.token.file="$run_dir/token-$name" \
      --define=slave.master.port="$slave_port" \
      --define=slave.name="$name" \
      --define=slave.jobs.max=2 \
      --define=slave.work.dir="$run_dir/work-$name" \
      >"$run_dir/$name.log" 2>&1 < /dev/null &
    echo $! > "$run_dir/$name.pid"
  done
fi

echo "==> Waiting for both slaves to offer their languages"
ready=0
for _ in $(seq 600); do
  count=$("$bin/polyrun" status --master "$master_addr" --json 2>/dev/null |
          /usr/bin/python3 -c 'import json, sys
print(sum(1 for s in json.load(sys.stdin)["slaves"] if s["languages"]))' 2>/dev/null || echo 0)
  if [[ $count -ge 2 ]]; then ready=1; break; fi
  sleep 0.5
done
if [[ $ready != 1 ]]; then
  echo "quickstart: the slaves did not come up within 300 s; see $run_dir/slave-*.log" >&2
  exit 70
fi
"$bin/polyrun" status --master "$master_addr"

run_example() {
  echo
  echo "\$ polyrun run $(printf "%q " "$@")"
  "$bin/polyrun" run --master "$master_addr" "$@" || echo "(exit code $?)"
}
echo
echo "==> Running the examples through the cluster"
run_example examples/hello.py
run_example examples/hello.c
run_example examples/hello.cpp
run_example examples/Hello.java
run_example examples/stdin/sum.c --stdin examples/stdin/numbers.txt
run_example examples/args.py -- one "two words"

cat <<EOT

==> The cluster keeps running in the background.
  Run your own file:   $bin/polyrun run FILE [--stdin FILE] [-- ARGS...]
  See the cluster:     $bin/polyrun status      (or ./scripts/quickstart.sh status)
  List languages:      $bin/polyrun runtimes
  Logs:                $run_dir/*.log
  Stop it:             ./scripts/quickstart.sh stop
EOT
