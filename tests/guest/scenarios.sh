#!/usr/bin/env bash
# polyrun's memory, process and CPU limits on a cgroup-v2-only host, in each way a slave gets
# started there (docs/install.md, "Hosts"). Runs INSIDE a guest booted by scripts/guest/run.sh,
# never on the host (it makes and moves cgroups at the root of the hierarchy):
#
#   scripts/guest/run.sh systemd tests/guest/scenarios.sh systemd         what ctest runs (guest_systemd)
#   scripts/guest/run.sh plain tests/guest/scenarios.sh plain             (guest_plain)
#   scripts/guest/run.sh systemd tests/guest/scenarios.sh login-session   one scenario alone
#
#   [--build DIR] SCENARIO...   DIR: the build tree (default $POLYRUN_BUILD_DIR, else build)
#
# Scenarios of the systemd guest (`systemd` runs them all):
#   sandbox-tests  cgroup_test and the sandbox's limit cases (sandbox_test, filtered) in a
#                  delegated unit, as the packaged unit runs the slave
#   unit           the slave in a transient service with Delegate=yes: cgroup limits
#   login-session  the slave in a scope without delegation that holds another process too, as
#                  from `su -l` or ssh: it must get itself a delegated cgroup (cgroup limits)
#   rlimits        the same with slave.sandbox.limits=rlimits: starts, LIMITS says rlimits
# Scenarios of the plain guest, no systemd (`plain` runs them all):
#   container      the slave in a cgroup namespace whose root group holds another process too
#                  (a container's cgroup): cgroup limits, its jobs' groups inside that root
#   cgroup-root    slave.sandbox.cgroup_root names a prepared group; the slave sits elsewhere,
#                  in a group shared with another process: cgroup limits, jobs' groups there
# Each cgroup scenario checks, through a master and ONE slave and the CLI: the LIMITS column says
# cgroup; 1 GiB touched under --memory-limit 256 gets MEMORY_LIMIT before its "done" line; forks
# stop below master.limits.processes and a fork bomb ends in TIME_LIMIT with the slave still up;
# a stage killed at its wall limit reports the memory it held; an endless loop under
# --time-limit 1000 gets TIME_LIMIT, and under 1 s of CPU (HTTP API, 30 s of wall) too; a running
# job's group (found from its process) has its memory.max (container, cgroup-root, unit).
# Output: "==> NAME: ..." per scenario, "  ok: ..." / "  FAIL: ..." per check, a summary; exit 1
# when a check failed, 64 when not in a guest.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
build=${POLYRUN_BUILD_DIR:-$repo/build}

usage() { sed -n '2,31p' "$0" | sed 's/^# \{0,1\}//'; }
scenarios=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    -h|--help) usage; exit 0 ;;
    --build) build=${2:?--build needs a folder}; shift 2 ;;
    --build=*) build=${1#--build=}; shift ;;
    systemd) scenarios+=(sandbox-tests unit login-session rlimits); shift ;;
    plain) scenarios+=(container cgroup-root); shift ;;
    sandbox-tests|unit|login-session|rlimits|container|cgroup-root) scenarios+=("$1"); shift ;;
    *) echo "scenarios: unknown scenario \"$1\"; see --help" >&2; exit 64 ;;
  esac
done
[[ ${#scenarios[@]} -gt 0 ]] || { usage >&2; exit 64; }

if [[ ! -f /polyrun-guest/guest.env || $(stat -fc %T /sys/fs/cgroup) != cgroup2fs ]]; then
  echo "scenarios: run me inside the guest (scripts/guest/run.sh systemd|plain $0 ...):" \
       "I make and move cgroups at the root of the hierarchy" >&2
  exit 64
fi
bin=$(cd "$build" 2>/dev/null && pwd)/bin
for b in polyrun-master polyrun-slave polyrun; do
  if [[ ! -x $bin/$b ]]; then
    echo "scenarios: $bin/$b is missing; build it first (the guest sees the host's root, but" \
         "its own /tmp: a build under /tmp is not visible here)" >&2
    exit 64
  fi
done
plugin=$(cd "$build" && pwd)/lib/polyrun/plugins/polyrun_python.so
python=/usr/bin/python3
cg=/sys/fs/cgroup
top=/tmp/polyrun-scenarios
mkdir -p "$top"

# --- Reporting ------------------------------------------------------------------------------
declare -a summary=()
failed_checks=()
scenario=""
begin() { scenario=$1; failed_checks=(); scenario_start=$SECONDS; echo; echo "==> $1: $2"; }
ok() { echo "  ok: $*"; }
bad() { echo "  FAIL: $*"; failed_checks+=("$1"); }
indent() { sed 's/^/      | /'; }
finish() {
  if [[ ${#failed_checks[@]} -eq 0 ]]; then
    summary+=("PASS $scenario ($((SECONDS - scenario_start)) s)")
  else
    summary+=("FAIL $scenario ($((SECONDS - scenario_start)) s): $(IFS=';'; echo "${failed_checks[*]}")")
  fi
}
elapsed() { echo "$(( $(date +%s%N) / 1000000 - $1 )) ms"; }
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }

# --- A master and one slave -----------------------------------------------------------------
work="" master_pid="" client=""
json() { "$python" -c "import json, sys; d = json.load(sys.stdin); print($1)"; }

# Starts a master with its own ports (0: the kernel chooses) and a token for the slave `slave`.
start_master() {
  work=$top/$scenario
  rm -rf "$work"
  mkdir -p "$work/plugins" "$work/programs"
  # The slave offers Python only: no compiler, no JVM self-test to wait for under emulation.
  cp "$plugin" "$work/plugins/"
  (umask 077; od -An -tx1 -N16 /dev/urandom | tr -d ' \n' > "$work/token"
   echo "slave = $(cat "$work/token")" > "$work/slave-tokens")
  "$bin/polyrun-master" --define=master.slave.tokens.file="$work/slave-tokens" \
    --define=master.client.port=0 --define=master.slave.port=0 \
    --define=master.ready.file="$work/master.ready" \
    --define=master.limits.processes=16 \
    >"$work/master.log" 2>&1 </dev/null &
  master_pid=$!
  local deadline=$((SECONDS + 60))
  until [[ -s $work/master.ready ]]; do
    if ! kill -0 "$master_pid" 2>/dev/null || [[ $SECONDS -ge $deadline ]]; then
      bad "master" "the master did not start within 60 s; its log:"
      indent < "$work/master.log"
      return 1
    fi
    sleep 0.2
  done
  client=127.0.0.1:$(json 'd["client_port"]' < "$work/master.ready")
  slave_port=$(json 'd["slave_port"]' < "$work/master.ready")
  slave=("$bin/polyrun-slave" --define=slave.name=slave --define=slave.token.file="$work/token"
         --define=slave.master.port="$slave_port" --define=slave.jobs.max=1
         --define=slave.work.dir="$work/slave-work" --define=slave.plugins.dir="$work/plugins"
         --define=slave.toolchains=false --define=slave.selftest.wall_ms=60000)
}

stop_master() {
  [[ -z $master_pid ]] || { kill "$master_pid" 2>/dev/null || true; wait "$master_pid" 2>/dev/null || true; }
  master_pid=""
}

status_json() { "$bin/polyrun" status --master "$client" --json 2>/dev/null; }
# A field of the slave in `polyrun status --json`, or nothing while it is not registered.
slave_field() {
  status_json | json "next((str(s[\"$1\"]) for s in d[\"slaves\"] if s[\"name\"] == \"slave\"), \"\")" 2>/dev/null || true
}

# Waits until the slave offers Python. $1: a command that fails once the slave has exited.
wait_slave() {
  local alive=$1 started
  started=$(now_ms)
  local deadline=$((SECONDS + 180))
  while [[ $SECONDS -lt $deadline ]]; do
    if [[ -n $(slave_field languages | grep -o python || true) ]]; then
      ok "the slave offers python after $(elapsed "$started")"
      return 0
    fi
    if ! $alive; then
      bad "slave start" "the slave exited before it offered a language; expected it to start. Its log:"
      indent < "$work/slave.log"
      return 1
    fi
    sleep 0.5
  done
  bad "slave start" "the slave offered no language within 180 s. Its log:"
  indent < "$work/slave.log"
  return 1
}

show_status() { "$bin/polyrun" status --master "$client" 2>&1 | indent; }

check_limits_mode() {
  local mode
  mode=$(slave_field limits)
  if [[ $mode == "$1" ]]; then ok "polyrun status: LIMITS $mode"; else
    bad "limits mode" "polyrun status says LIMITS \"$mode\", expected \"$1\":"
    show_status
  fi
}

# Runs programs/$1 through the CLI with the remaining arguments; the result in $work/result.json,
# the CLI's stderr in $work/run.err, its exit code in $run_code.
run_job() {
  local program=$1
  shift
  run_code=0
  "$bin/polyrun" run "$work/programs/$program" --master "$client" --json "$@" \
    >"$work/result.json" 2>"$work/run.err" || run_code=$?
}
verdict() { json 'd.get("verdict", "")' < "$work/result.json" 2>/dev/null || true; }
job_stdout() { json 'd.get("run", {}).get("stdout", "")' < "$work/result.json" 2>/dev/null || true; }
show_result() {
  echo "      polyrun run exited with $run_code; stderr:"
  indent < "$work/run.err"
  echo "      result: verdict $(verdict), message: $(json 'd.get("message", "")' < "$work/result.json" 2>/dev/null || true)"
  echo "      run stage: $(json '{k: v for k, v in d.get("run", {}).items() if k not in ("stdout", "stderr")}' < "$work/result.json" 2>/dev/null || true)"
  echo "      stdout: $(job_stdout | head -c 300)"
}

write_programs() {
  cat > "$work/programs/hello.py" <<'EOT'
print("hello from the guest")
EOT
  cat > "$work/programs/hog.py" <<'EOT'
chunks = []
for _ in range(16):  # 16 x 64 MiB, each written: 1 GiB touched
    chunks.append(b"x" * (64 << 20))
print("done: touched 1 GiB")
EOT
  cat > "$work/programs/forks.py" <<'EOT'
import os, signal
children = []
try:
    while len(children) < 1000:
        pid = os.fork()
        if pid == 0:
            signal.pause()
            os._exit(0)
        children.append(pid)
except OSError:
    pass
print(len(children))
for pid in children:
    os.kill(pid, signal.SIGKILL)
EOT
  cat > "$work/programs/bomb.py" <<'EOT'
import os
while True:
    try:
        os.fork()
    except OSError:
        pass
EOT
  cat > "$work/programs/loop.py" <<'EOT'
while True:
    pass
EOT
  cat > "$work/programs/keep.py" <<'EOT'
import time
held = bytearray(48 << 20)
for i in range(0, len(held), 4096):  # each page written: 48 MiB resident
    held[i] = 1
time.sleep(1000)
EOT
  cat > "$work/programs/hold.py" <<'EOT'
import time
time.sleep(15)
EOT
}

# The checks a slave with cgroup limits must pass (a-d of issue 15).
# After run_job: "ok: $3" when $2 is 1, else "FAIL: $4" (check $1) and the job's result.
judge() {
  if [[ $2 == 1 ]]; then ok "$3"; else bad "$1" "$4"; show_result; fi
}

check_cgroup_limits() {
  local started good forked held
  check_limits_mode cgroup

  started=$(now_ms)
  run_job hog.py --memory-limit 256 --time-limit 30000
  good=0; [[ $(verdict) == MEMORY_LIMIT && $(job_stdout) != *done* ]] && good=1
  judge memory $good \
    "1 GiB under --memory-limit 256: MEMORY_LIMIT, stopped before its \"done\" line ($(elapsed "$started"); reported memory $(json 'd["run"]["memory_bytes"]' < "$work/result.json" 2>/dev/null) bytes)" \
    "1 GiB under --memory-limit 256: expected MEMORY_LIMIT and no \"done\" line:"

  started=$(now_ms)
  run_job forks.py --time-limit 30000
  forked=$(job_stdout | tr -d '\n')
  good=0; [[ $(verdict) == OK && $forked =~ ^[0-9]+$ && $forked -ge 1 && $forked -lt 16 ]] && good=1
  judge processes $good \
    "master.limits.processes=16: the program forked $forked children, then fork failed ($(elapsed "$started"))" \
    "master.limits.processes=16: expected verdict OK and fewer than 16 children forked:"

  started=$(now_ms)
  run_job bomb.py --time-limit 3000
  good=0; [[ $(verdict) == TIME_LIMIT ]] && good=1
  judge "fork bomb" $good "fork bomb under 16 processes: TIME_LIMIT ($(elapsed "$started"))" \
    "fork bomb under 16 processes and --time-limit 3000: expected TIME_LIMIT:"
  run_job hello.py --time-limit 30000
  good=0; [[ $(verdict) == OK && $(job_stdout) == "hello from the guest"* && $(slave_field state) == ready ]] && good=1
  judge "after fork bomb" $good "after the fork bomb the slave is up and runs the next job" \
    "after the fork bomb, expected the slave ready and the next job OK:"
  [[ $good == 1 ]] || show_status

  # What a stage killed at its limit used is still reported (docs/sandbox.md): here the memory
  # it held when the wall limit struck.
  started=$(now_ms)
  run_job keep.py --time-limit 4000
  held=$(json 'd["run"]["memory_bytes"]' < "$work/result.json" 2>/dev/null || echo "?")
  good=0; [[ $(verdict) == TIME_LIMIT && $held =~ ^[0-9]+$ && $held -ge $((48 << 20)) ]] && good=1
  judge "memory measured" $good \
    "48 MiB held until --time-limit 4000: TIME_LIMIT, reported memory $held bytes ($(elapsed "$started"))" \
    "48 MiB held until --time-limit 4000: expected TIME_LIMIT and at least 48 MiB reported, got memory_bytes $held:"

  started=$(now_ms)
  run_job loop.py --time-limit 1000
  good=0; [[ $(verdict) == TIME_LIMIT ]] && good=1
  judge cpu $good \
    "endless loop under --time-limit 1000: TIME_LIMIT ($(elapsed "$started"); $(json 'd["message"]' < "$work/result.json" 2>/dev/null))" \
    "endless loop under --time-limit 1000: expected TIME_LIMIT:"
  # --time-limit sets the wall and the CPU limit alike, and under emulation the wall one comes
  # first; the HTTP API sets them apart: 1 s of CPU, 30 s of wall time.
  started=$(now_ms)
  local answer
  answer=$(cpu_limit_over_http)
  if [[ $answer == "TIME_LIMIT CPU"* ]]; then
    ok "endless loop with run_cpu_time 1000, run_timeout 30000 (HTTP API): TIME_LIMIT at the CPU limit ($(elapsed "$started"); ${answer#TIME_LIMIT CPU })"
  else
    bad "cpu (http)" "endless loop with run_cpu_time 1000 and run_timeout 30000 (HTTP API): expected TIME_LIMIT with a message naming the CPU limit; got: $answer"
  fi
}

# POSTs the endless loop to the master's Piston API; prints "VERDICT CPU|- message, times".
cpu_limit_over_http() {
  local port
  port=$(json 'd["http_port"]' < "$work/master.ready")
  "$python" - "$port" <<'EOT' 2>&1
import json, sys, urllib.request
body = {"language": "python", "version": "*", "files": [{"content": "while True:\n    pass\n"}],
        "run_cpu_time": 1000, "run_timeout": 30000}
request = urllib.request.Request("http://127.0.0.1:%s/api/v2/execute" % sys.argv[1],
                                 data=json.dumps(body).encode(), method="POST")
with urllib.request.urlopen(request, timeout=120) as response:
    r = json.load(response)
run = r.get("run", {})
message = r.get("message") or run.get("message") or ""
print(r.get("verdict"), "CPU" if "CPU" in message else "-",
      "%s (cpu %s ms, wall %s ms)" % (message, run.get("cpu_time"), run.get("wall_time")))
EOT
}

# Checks that a running job's processes sit in a group under cgroup $1 (a path relative to
# /sys/fs/cgroup) whose memory.max is its limit (64 MiB), found from the job's process.
check_job_group_under() {
  local under=$1 marker
  marker=polyrun-guest-mark-$RANDOM$RANDOM
  "$bin/polyrun" run "$work/programs/hold.py" --master "$client" --memory-limit 64 \
    --time-limit 30000 -- "$marker" >"$work/hold.out" 2>&1 &
  local cli=$! found="" deadline=$((SECONDS + 30))
  while [[ -z $found && $SECONDS -lt $deadline ]] && kill -0 "$cli" 2>/dev/null; do
    # One grep over every command line: a process per /proc entry is slow under emulation.
    local cmdline
    cmdline=$(grep -l -a -F -- "$marker" /proc/[0-9]*/cmdline 2>/dev/null | grep -v "^/proc/$cli/" | head -n 1 || true)
    [[ -z $cmdline ]] || found=$(sed -n 's/^0:://p' "${cmdline%/cmdline}/cgroup" 2>/dev/null || true)
    [[ -n $found ]] || sleep 0.2
  done
  local limited="" dir=$found
  while [[ -n $dir && $dir != / && $dir != . ]]; do
    [[ $(cat "$cg$dir/memory.max" 2>/dev/null) == $((64 << 20)) ]] && { limited=$dir; break; }
    dir=$(dirname "$dir")
  done
  wait "$cli" 2>/dev/null || true
  if [[ -z $found ]]; then
    bad "job group" "found no process of a running job (hold.py $marker) within 30 s; polyrun run said:"
    indent < "$work/hold.out"
  elif [[ $found/ != "$under"/* ]]; then
    bad "job group" "the job's process is in the group $found, expected under $under/"
  elif [[ -z $limited ]]; then
    bad "job group" "no group from $found up has memory.max = 64 MiB (the job's --memory-limit 64)"
  else
    ok "a running job's process is in $found, under $under/, memory.max 64 MiB at $limited"
  fi
}

# --- The scenarios --------------------------------------------------------------------------
scenario_sandbox_tests() {
  begin sandbox-tests "cgroup_test and the sandbox's limit cases in a delegated unit (systemd-run -p Delegate=yes)"
  local t started code
  # The cases about cgroup limits and measurements. The adversarial suite (EveryAdversarialCase...)
  # is left out: its limits are fixed for a real CPU (1 s of CPU for a Python start, 15 s for a
  # gcc run), which emulation exceeds; the cluster checks below cover memory, processes and CPU.
  local filter='SandboxTest.DescribesItsIsolation:SandboxTest.EveryStageHasItsWholeLimitsRightAfterTheStageBefore:SandboxTest.ALowerMemoryLimitRightAfterAStageThatFilledItsTmpStillStarts:SandboxTest.MeasuresCpuWallAndMemory'
  for t in "cgroup_test" "sandbox_test --gtest_filter=$filter"; do
    read -r -a argv <<<"$t"
    if [[ ! -x $bin/${argv[0]} ]]; then
      bad "${argv[0]}" "$bin/${argv[0]} is not built"
      continue
    fi
    started=$(now_ms)
    code=0
    systemd-run --quiet --wait --pipe --collect --same-dir -p Delegate=yes \
      --unit="polyrun-guest-${argv[0]//_/-}" -- "$bin/${argv[0]}" "${argv[@]:1}" \
      </dev/null >"$top/${argv[0]}.log" 2>&1 || code=$?
    if [[ $code == 0 ]]; then
      ok "$t: $(grep -E '^\[  PASSED  \]' "$top/${argv[0]}.log" | head -n 1) ($(elapsed "$started"))"
    else
      bad "${argv[0]}" "$t exited with $code ($(elapsed "$started")); its output:"
      indent < "$top/${argv[0]}.log"
    fi
  done
  finish
}

scenario_unit() {
  begin unit "the slave in a transient service with Delegate=yes, like the packaged unit"
  start_master || { finish; return; }
  write_programs
  local unit=polyrun-guest-slave
  systemd-run --quiet --unit="$unit" -p Delegate=yes \
    -p StandardOutput=append:"$work/slave.log" -p StandardError=append:"$work/slave.log" \
    -- "${slave[@]}"
  # shellcheck disable=SC2317  # called through wait_slave
  unit_alive() { systemctl is-active --quiet "$unit"; }
  if wait_slave unit_alive; then
    check_cgroup_limits
    check_job_group_under "/system.slice/$unit.service"
  fi
  systemctl stop "$unit" 2>/dev/null || true
  systemctl reset-failed "$unit" 2>/dev/null || true
  stop_master
  finish
}

# The slave from a scope that systemd did not delegate and that holds another process too (a
# login session's scope). $1: the scope's name; the rest: more slave arguments.
start_in_session_scope() {
  local scope=$1
  shift
  # shellcheck disable=SC2016  # $0 and $@ are the inner shell's
  systemd-run --quiet --scope --unit="$scope" -- \
    sh -c 'sleep 1000 & exec "$0" "$@"' "${slave[@]}" "$@" >>"$work/slave.log" 2>&1 </dev/null &
  slave_pid=$!
}
# shellcheck disable=SC2317  # called through wait_slave
pid_alive() { kill -0 "$slave_pid" 2>/dev/null; }
# The cgroup checks on the slave started in the background as $slave_pid, which is stopped after;
# $1: the group its jobs' groups must be under (relative to /sys/fs/cgroup), or "" for anywhere.
check_background_slave() {
  if wait_slave pid_alive; then
    check_cgroup_limits
    [[ -z $1 ]] || check_job_group_under "$1"
  else
    slave_exit
  fi
  kill "$slave_pid" 2>/dev/null || true
  wait "$slave_pid" 2>/dev/null || true
}
slave_exit() {
  local code=0
  kill -0 "$slave_pid" 2>/dev/null && return 0
  wait "$slave_pid" 2>/dev/null || code=$?
  echo "      (the slave's exit code: $code)"
}

scenario_login_session() {
  begin login-session "the slave in a scope without delegation that holds another process (root's login session)"
  start_master || { finish; return; }
  write_programs
  start_in_session_scope fake-session
  # It starts itself again, same pid, in a transient scope of its own with Delegate=yes.
  check_background_slave "/system.slice/polyrun-slave-$slave_pid.scope"
  systemctl stop fake-session.scope 2>/dev/null || true
  stop_master
  finish
}

scenario_rlimits() {
  # Without its own scope (slave.sandbox.systemd_scope=false) the slave has no cgroup to delegate
  # there: it runs only because the operator chose the weaker mode.
  begin rlimits "the same scope with slave.sandbox.limits=rlimits and slave.sandbox.systemd_scope=false, the weaker mode chosen explicitly"
  start_master || { finish; return; }
  write_programs
  start_in_session_scope fake-session-rlimits --define=slave.sandbox.limits=rlimits \
    --define=slave.sandbox.systemd_scope=false
  if wait_slave pid_alive; then
    check_limits_mode rlimits
    run_job hello.py --time-limit 30000
    local good=0
    [[ $(verdict) == OK && $(job_stdout) == "hello from the guest"* ]] && good=1
    judge job $good "a job runs" "expected a job to run (verdict OK):"
  else
    slave_exit
  fi
  systemctl stop fake-session-rlimits.scope 2>/dev/null || true
  stop_master
  finish
}

# memory and pids for the children of the root group (allowed there with processes in it).
enable_root_controllers() { echo "+memory +pids" > "$cg/cgroup.subtree_control"; }

# Kills what is left in group $1 and removes it with its subgroups.
remove_group() {
  [[ -d $cg/$1 ]] || return 0
  echo 1 > "$cg/$1/cgroup.kill" 2>/dev/null || true
  local deadline=$((SECONDS + 10))
  while [[ -d $cg/$1 && $SECONDS -lt $deadline ]]; do
    find "$cg/$1" -depth -type d -exec rmdir {} + 2>/dev/null || sleep 0.1
  done
}

scenario_container() {
  begin container "the slave in a cgroup namespace whose root group holds another process (a container)"
  start_master || { finish; return; }
  write_programs
  enable_root_controllers
  remove_group ctr
  mkdir "$cg/ctr"
  # A shell moves into ctr and makes a cgroup namespace there; remounted, /sys/fs/cgroup shows
  # ctr as its root, as in a container with a private cgroup namespace. A sleep shares it.
  (
    echo "$BASHPID" > "$cg/ctr/cgroup.procs"
    # shellcheck disable=SC2016  # $0 and $@ are the inner shell's
    exec unshare --cgroup --mount --propagation private -- sh -c \
      'umount /sys/fs/cgroup && mount -t cgroup2 -o nsdelegate cgroup2 /sys/fs/cgroup || exit 1
       sleep 1000 & exec "$0" "$@"' "${slave[@]}"
  ) >>"$work/slave.log" 2>&1 </dev/null &
  slave_pid=$!
  check_background_slave /ctr
  remove_group ctr
  stop_master
  finish
}

scenario_cgroup_root() {
  begin cgroup-root "slave.sandbox.cgroup_root=/sys/fs/cgroup/polyrun; the slave sits elsewhere, beside another process"
  start_master || { finish; return; }
  write_programs
  enable_root_controllers
  remove_group polyrun
  remove_group elsewhere
  mkdir "$cg/polyrun" "$cg/elsewhere"
  (
    echo "$BASHPID" > "$cg/elsewhere/cgroup.procs"
    sleep 1000 &
    exec "${slave[@]}" --define=slave.sandbox.cgroup_root="$cg/polyrun"
  ) >>"$work/slave.log" 2>&1 </dev/null &
  slave_pid=$!
  check_background_slave /polyrun
  remove_group elsewhere
  remove_group polyrun
  stop_master
  finish
}

needs_systemd() {
  [[ -d /run/systemd/system ]] && return 0
  begin "$1" "needs the systemd guest"
  bad "guest" "no systemd here: run it with scripts/guest/run.sh systemd $0 $1"
  finish
  return 1
}

echo "scenarios: kernel $(uname -r), cgroup2 controllers: $(cat $cg/cgroup.controllers), build $build"
for s in "${scenarios[@]}"; do
  case "$s" in
    sandbox-tests) needs_systemd "$s" && scenario_sandbox_tests ;;
    unit) needs_systemd "$s" && scenario_unit ;;
    login-session) needs_systemd "$s" && scenario_login_session ;;
    rlimits) needs_systemd "$s" && scenario_rlimits ;;
    container) scenario_container ;;
    cgroup-root) scenario_cgroup_root ;;
  esac
done

echo
echo "==> summary"
status=0
for line in "${summary[@]}"; do
  echo "  $line"
  [[ $line == PASS* ]] || status=1
done
exit "$status"
