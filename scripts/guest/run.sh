#!/usr/bin/env bash
# Boots a cgroup-v2-only guest (Debian's kernel under qemu, no KVM needed) on this host's root and
# runs SCRIPT in it as root, in this folder as the guest sees it.
#
#   scripts/guest/run.sh [--timeout SECONDS] [--keep] systemd|plain SCRIPT [ARGS...]
#
# The guest sees the host's root read-only (9p) under a tmpfs overlay: it may write anywhere, and
# nothing it writes reaches the host. Its kernel has only the unified hierarchy
# (systemd.unified_cgroup_hierarchy=1 cgroup_no_v1=all).
#   systemd  the host's systemd is PID 1 and runs SCRIPT from a unit once basic.target is up
#   plain    no systemd, as in a container: a small init mounts /proc, /sys, cgroup2 on
#            /sys/fs/cgroup, /dev, /tmp and runs SCRIPT
# SCRIPT's stdout and stderr (one stream) are printed here as it runs; on a terminal it also gets
# this terminal as its stdin (`scripts/guest/run.sh plain bash` is a shell in the guest).
# The guest powers off when SCRIPT ends, and run.sh exits with SCRIPT's exit code.
#
# Options and environment:
#   --timeout SECONDS   the whole boot's deadline (default $POLYRUN_GUEST_TIMEOUT, else 900):
#                       then qemu is killed and run.sh fails, showing what the guest printed last
#   --keep              keep the run's folder (console.log, output, exit-code) and say where
#   POLYRUN_GUEST_DIR   cache of the kernel and initramfs (default build/guest; prepare.sh)
#   POLYRUN_GUEST_MEMORY, POLYRUN_GUEST_CPUS   guest size (default 2048 MiB, 2 CPUs)
#
# Exit codes: SCRIPT's own; else, with a "guest:" message on stderr: 77 qemu, the kernel or
# busybox cannot be obtained (a test is skipped then); 124 the deadline passed; 70 the guest
# ended without running SCRIPT to its end (a boot failure: the console's last lines follow);
# 64 usage.
# qemu options are comma-separated lists (SC2054), not array elements gone wrong.
# shellcheck disable=SC2054
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)

usage() { sed -n '2,27p' "$0" | sed 's/^# \{0,1\}//'; }
timeout_s=${POLYRUN_GUEST_TIMEOUT:-900}
keep=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    -h|--help) usage; exit 0 ;;
    --timeout) timeout_s=${2:?--timeout needs a number of seconds}; shift 2 ;;
    --timeout=*) timeout_s=${1#--timeout=}; shift ;;
    --keep) keep=1; shift ;;
    --) shift; break ;;
    -*) echo "guest: unknown option \"$1\"; see --help" >&2; exit 64 ;;
    *) break ;;
  esac
done
if [[ $# -lt 2 || ( $1 != systemd && $1 != plain ) ]]; then
  echo "guest: usage: run.sh [--timeout SECONDS] [--keep] systemd|plain SCRIPT [ARGS...]" >&2
  exit 64
fi
[[ $timeout_s =~ ^[0-9]+$ ]] || { echo "guest: --timeout wants whole seconds, not \"$timeout_s\"" >&2; exit 64; }
mode=$1
shift
# The guest has a /tmp of its own: the folders under the host's /tmp that this run needs (the
# working folder, these scripts, SCRIPT) are shown there again, at the same paths.
keep_tmp=()
for path in "$(pwd -P)" "$here" "$(cd "$(dirname "${1:-.}")" 2>/dev/null && pwd -P || true)"; do
  if [[ $path == /tmp/?* ]]; then
    top=${path#/tmp/}
    top=/tmp/${top%%/*}
    [[ " ${keep_tmp[*]} " == *" $top "* ]] || keep_tmp+=("$top")
  fi
done

qemu=$(command -v qemu-system-x86_64 || true)
if [[ -z $qemu ]]; then
  echo "guest: qemu-system-x86_64 is not installed (Debian: qemu-system-x86; scripts/setup-deps.sh installs it)" >&2
  exit 77
fi
POLYRUN_GUEST_DIR=${POLYRUN_GUEST_DIR:-$root/build/guest}
export POLYRUN_GUEST_DIR
"$here/prepare.sh" --quiet || exit $?
# shellcheck source=/dev/null
source "$POLYRUN_GUEST_DIR/guest.env"

run=$(mktemp -d "${TMPDIR:-/tmp}/polyrun-guest.XXXXXX")
mkdir "$run/share"
qemu_pid=""
# shellcheck disable=SC2317  # run by the trap
cleanup() {
  [[ -z $qemu_pid ]] || kill -KILL "$qemu_pid" 2>/dev/null || true
  if [[ $keep == 1 ]]; then echo "guest: the run's files are in $run" >&2; else rm -rf "$run"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# What the guest reads from its share (guest-init.sh, guest-command.sh): bash-quoted.
interactive=0
[[ -t 0 && -t 1 ]] && interactive=1
{
  printf 'POLYRUN_GUEST_MODE=%q\n' "$mode"
  printf 'POLYRUN_GUEST_SCRIPTS=%q\n' "$here"
  printf 'POLYRUN_GUEST_INTERACTIVE=%q\n' "$interactive"
  # ':'-separated (the initramfs's busybox sh reads this file too: no arrays).
  printf 'POLYRUN_GUEST_KEEP_TMP=%q\n' "$(IFS=:; echo "${keep_tmp[*]}")"
} > "$run/share/guest.env"
{
  printf 'cwd=%q\n' "$(pwd -P)"
  printf 'args=('
  printf '%q ' "$@"
  printf ')\n'
} > "$run/share/command"

if [[ $interactive == 1 ]]; then
  # The terminal is the guest's console: keys (Ctrl-C too) go to SCRIPT.
  output=(-chardev stdio,id=hvc,signal=off)
else
  output=(-chardev "file,id=hvc,path=$run/output")
  : > "$run/output"
fi
accel=(-accel tcg,thread=multi)
# KVM where this host offers it (not on the development machine, where TCG emulates the CPU).
[[ -w /dev/kvm ]] && accel=(-accel kvm "${accel[@]}")

cmdline="console=ttyS0 panic=-1 systemd.unified_cgroup_hierarchy=1 cgroup_no_v1=all"
qemu_args=(-nodefaults -no-user-config -display none -no-reboot
  -machine pc "${accel[@]}" -cpu max -smp "${POLYRUN_GUEST_CPUS:-2}" -m "${POLYRUN_GUEST_MEMORY:-2048}"
  -kernel "$KERNEL" -initrd "$INITRD" -append "$cmdline"
  -chardev "file,id=console,path=$run/console.log" -serial chardev:console
  -device virtio-serial-pci "${output[@]}" -device virtconsole,chardev=hvc
  # The host's root, read-only; other file systems mounted under it keep distinct inode numbers.
  -fsdev local,id=hostroot,path=/,security_model=none,readonly=on,multidevs=remap
  -device virtio-9p-pci,fsdev=hostroot,mount_tag=hostroot
  -fsdev "local,id=polyrun,path=$run/share,security_model=none"
  -device virtio-9p-pci,fsdev=polyrun,mount_tag=polyrun
  -device virtio-rng-pci)

started=$SECONDS
if [[ $interactive == 1 ]]; then
  status=0
  timeout --foreground -k 5 "$timeout_s" "$qemu" "${qemu_args[@]}" 2>"$run/qemu.log" || status=$?
else
  timeout -k 5 "$timeout_s" "$qemu" "${qemu_args[@]}" </dev/null >"$run/qemu.log" 2>&1 &
  qemu_pid=$!
  # SCRIPT's output as it comes, until qemu has exited.
  tail -n +1 -f --pid="$qemu_pid" "$run/output" || true
  status=0
  wait "$qemu_pid" || status=$?
  qemu_pid=""
fi
took=$((SECONDS - started))

last_lines() {
  echo "guest: the console's last lines ($run/console.log):" >&2
  tail -n 25 "$run/console.log" | sed 's/^/  | /' >&2
  if [[ -s $run/output ]]; then
    echo "guest: SCRIPT's last lines:" >&2
    tail -n 10 "$run/output" | sed 's/^/  | /' >&2
  fi
  if [[ -s $run/qemu.log ]]; then
    echo "guest: qemu said:" >&2
    sed 's/^/  | /' "$run/qemu.log" >&2
  fi
}
if [[ $status == 124 || $status == 137 ]]; then
  if [[ -f $run/share/started ]]; then
    echo "guest: $* did not end within the deadline of $timeout_s s (--timeout); qemu was killed" >&2
  else
    echo "guest: the guest did not start $* within the deadline of $timeout_s s (--timeout); qemu was killed" >&2
  fi
  keep=1
  last_lines
  exit 124
fi
if [[ ! -f $run/share/exit-code ]]; then
  echo "guest: the guest ended after $took s (qemu status $status) without running $* to its end" >&2
  keep=1
  last_lines
  exit 70
fi
code=$(cat "$run/share/exit-code")
echo "guest: $mode guest ran $* in $took s: exit code $code" >&2
exit "$code"
