#!/bin/sh
# /init of the guest's initramfs (busybox sh; scripts/guest/prepare.sh puts it there).
# Mounts the host's root (9p share `hostroot`, read-only) under a tmpfs overlay so that the guest
# may write, mounts the run's share (`polyrun`: guest.env, command, exit-code) at /polyrun-guest,
# then switch_root's into it and runs scripts/guest/guest-init.sh MODE as PID 1.
# Anything that fails here powers the guest off; run.sh then shows this console's last lines.
/bin/busybox --install -s /bin
export PATH=/bin
mkdir -p /dev /proc /sys /lower /rw /newroot
mount -t devtmpfs devtmpfs /dev
exec </dev/console >/dev/console 2>&1
mount -t proc proc /proc
mount -t sysfs sysfs /sys

fail() {
  echo "polyrun-guest: initramfs: $*; powering off"
  poweroff -f
}

release=$(uname -r)
while read -r module; do
  modprobe "$module" || fail "cannot load the module $module"
done </modules

# 9p in its default cache mode (none): every read goes to the host, so nothing the host changes
# later is ever stale here (cache=loose keeps old copies of files edited on the host).
opts=trans=virtio,version=9p2000.L,msize=262144
mount -t 9p -o "$opts,ro" hostroot /lower || fail "cannot mount the host's root (9p hostroot)"
mount -t tmpfs -o mode=0755 tmpfs /rw || fail "cannot mount the tmpfs for the overlay"
mkdir -p /rw/upper /rw/work
mount -t overlay -o lowerdir=/lower,upperdir=/rw/upper,workdir=/rw/work overlay /newroot ||
  fail "cannot mount the overlay on the host's root"
mkdir -p /newroot/polyrun-guest
mount -t 9p -o "$opts" polyrun /newroot/polyrun-guest || fail "cannot mount the run's share (9p polyrun)"
[ -f /newroot/polyrun-guest/guest.env ] || fail "the run's share has no guest.env"
# shellcheck source=/dev/null
. /newroot/polyrun-guest/guest.env
init=$POLYRUN_GUEST_SCRIPTS/guest-init.sh
[ -f "/newroot$init" ] || fail "$init is not on the host's root as the guest sees it"

for fs in dev proc sys; do mount --move "/$fs" "/newroot/$fs"; done
echo "polyrun-guest: kernel $release up; switching to the host's root ($POLYRUN_GUEST_MODE)"
exec switch_root /newroot /bin/bash "$init" "$POLYRUN_GUEST_MODE"
