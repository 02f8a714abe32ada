#!/bin/bash
# Runs the host's command inside the guest (as root, in the host's working folder as the guest
# sees it) and records its exit code in the run's share, where run.sh reads it. Started by the
# systemd unit or the plain init (guest-init.sh), with stdin, stdout and stderr on /dev/hvc0.
# shellcheck disable=SC2154  # cwd and args come from the command file
share=/polyrun-guest
# shellcheck source=/dev/null
source "$share/command"  # cwd, args: written by run.sh
record() { echo "$1" > "$share/exit-code.new" && mv "$share/exit-code.new" "$share/exit-code"; }
if ! cd "$cwd"; then
  echo "polyrun-guest: the working folder $cwd is not on the host's root as the guest sees it"
  record 70
  exit 0
fi
# shellcheck source=/dev/null
source "$share/guest.env"
if [[ $POLYRUN_GUEST_INTERACTIVE != 1 ]]; then
  # The console goes to a file: plain lines, no colours, no pager waiting for a key.
  stty -onlcr 2>/dev/null
  export TERM=dumb SYSTEMD_PAGER="" SYSTEMD_COLORS=0 PAGER=cat
fi
touch "$share/started"
"${args[@]}"
record $?
