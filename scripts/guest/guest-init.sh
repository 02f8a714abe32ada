#!/bin/bash
# PID 1 of the guest right after switch_root (started by initramfs-init.sh), on the host's root
# under a tmpfs overlay. Its argument is the init mode:
#   systemd  writes a unit that runs the command (guest-command.sh) on /dev/hvc0 and powers off
#            when it ends, masks what is slow or pointless under emulation, and execs the host's
#            systemd as PID 1 (a Debian 12 host: systemd 252).
#   plain    no systemd, as in a container: mounts /dev/pts, /dev/shm, /run and cgroup2 on
#            /sys/fs/cgroup, brings up loopback, runs the command and powers off.
# Both get a tmpfs on /tmp.
# No `set -e`: PID 1 must not exit (the kernel would panic); failures are reported and power off.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root
share=/polyrun-guest
# shellcheck source=/dev/null
source "$share/guest.env"
scripts=$POLYRUN_GUEST_SCRIPTS

power_off() {
  sync
  # busybox-static's poweroff -f is reboot(RB_POWER_OFF); the sysrq is the fallback.
  /bin/busybox poweroff -f 2>/dev/null || echo o > /proc/sysrq-trigger
  sleep 60
}

# A /tmp of its own (the host's may be large: systemd-tmpfiles would empty it at boot, slowly,
# file by file over 9p), with the host's folders the run needs (a clone under /tmp, say: run.sh
# lists them) bound back at their paths. systemd-tmpfiles does not cross those mount points.
keep=/run/polyrun-guest-keep
IFS=: read -ra keep_tmp <<< "${POLYRUN_GUEST_KEEP_TMP:-}"
n=0
for dir in "${keep_tmp[@]}"; do
  mkdir -p "$keep/$n" && mount --bind "$dir" "$keep/$n"
  n=$((n + 1))
done
mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs /tmp
n=0
for dir in "${keep_tmp[@]}"; do
  mkdir -p "$dir" && mount --move "$keep/$n" "$dir"
  n=$((n + 1))
done

case "$1" in
  systemd)
    units=/etc/systemd/system
    mkdir -p "$units"
    cat > "$units/polyrun-guest.service" <<EOT
[Unit]
Description=polyrun guest command (scripts/guest/run.sh)
After=basic.target
# At once: the share already holds the exit code, and nothing else needs to survive.
SuccessAction=poweroff-immediate
FailureAction=poweroff-immediate

[Service]
Type=exec
ExecStart=/bin/bash $scripts/guest-command.sh
Environment=HOME=/root
StandardInput=tty-force
StandardOutput=inherit
StandardError=inherit
TTYPath=/dev/hvc0
TTYReset=no
TTYVHangup=no
EOT
    cat > "$units/polyrun-guest.target" <<EOT
[Unit]
Description=polyrun guest: basic system and the command
Requires=basic.target
Wants=polyrun-guest.service
After=basic.target
AllowIsolate=yes
EOT
    ln -sf polyrun-guest.target "$units/default.target"
    # Timers (apt, man-db...) and services that only update caches after an upgrade, sync time,
    # or need modules this guest lacks: slow under emulation and of no use to a test.
    for unit in timers.target getty.target systemd-timesyncd.service systemd-pstore.service \
                ldconfig.service systemd-hwdb-update.service systemd-update-done.service \
                systemd-journal-catalog-update.service systemd-sysusers.service \
                systemd-binfmt.service proc-sys-fs-binfmt_misc.automount \
                systemd-networkd-wait-online.service apt-daily.service apt-daily-upgrade.service \
                man-db.service e2scrub_all.service e2scrub_reap.service; do
      ln -sf /dev/null "$units/$unit"
    done
    exec /lib/systemd/systemd
    echo "polyrun-guest: cannot start /lib/systemd/systemd"
    power_off
    ;;
  plain)
    mkdir -p /dev/pts /dev/shm
    mount -t devpts -o gid=5,mode=620,ptmxmode=666 devpts /dev/pts
    mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs /dev/shm
    mount -t tmpfs -o mode=755,nosuid,nodev tmpfs /run
    mount -t cgroup2 -o nsdelegate cgroup2 /sys/fs/cgroup ||
      echo "polyrun-guest: cannot mount cgroup2 on /sys/fs/cgroup"
    ip link set lo up || echo "polyrun-guest: cannot bring up the loopback interface"
    # The command on the virtio console, as the leader of a session with it as its terminal.
    setsid --ctty --wait /bin/bash "$scripts/guest-command.sh" <>/dev/hvc0 >&0 2>&0
    power_off
    ;;
  *)
    echo "polyrun-guest: unknown init mode \"$1\" (systemd or plain)"
    power_off
    ;;
esac
