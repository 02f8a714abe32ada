#!/usr/bin/env bash
# Prepares what scripts/guest/run.sh boots: Debian's cgroup-v2-capable kernel and a tiny initramfs.
#
#   scripts/guest/prepare.sh [--quiet]
#
# The kernel is the package linux-image-amd64 depends on (Debian 12: linux-image-6.1.0-N-amd64),
# fetched with `apt-get download` and unpacked with `dpkg-deb -x` into the cache folder: the host's
# /boot and package database are not touched, so this needs no root. The initramfs holds a static
# busybox (the installed busybox-static, else its package fetched the same way), the modules for
# virtio, 9p and overlayfs with their dependencies, and scripts/guest/initramfs-init.sh as /init.
# Both are rebuilt only when an input changes (a new kernel package, busybox, the init, this
# script); without a package index or network the kernel already in the cache is used.
#
# Cache folder: $POLYRUN_GUEST_DIR, default build/guest. It ends up holding `guest.env` (KERNEL=,
# INITRD=, KERNEL_VERSION=), which run.sh reads.
# Exit codes: 0 ready; 77 the kernel or busybox cannot be obtained (the message says why);
# 64 usage.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
dir=${POLYRUN_GUEST_DIR:-$root/build/guest}
meta_package=${POLYRUN_GUEST_KERNEL_PACKAGE:-linux-image-amd64}
quiet=0

case "${1:-}" in
  -h|--help) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
  --quiet) quiet=1 ;;
  "") ;;
  *) echo "prepare: unknown argument \"$1\"; see --help" >&2; exit 64 ;;
esac

say() { [[ $quiet == 1 ]] || echo "prepare: $*" >&2; }
cannot() { echo "prepare: $*" >&2; exit 77; }

# The modules the initramfs loads, in this order; their dependencies come from modules.dep.
MODULES=(virtio_pci virtio_console virtio-rng 9pnet_virtio 9p overlay)

mkdir -p "$dir"
exec 9>"$dir/.lock"
flock 9  # one prepare at a time (ctest may start both guest tests at once)

apt_opts=()
# apt fetches as the user _apt, which cannot write into a root-owned folder; as root say so
# rather than get a warning per download.
[[ $(id -u) -ne 0 ]] || apt_opts=(-o APT::Sandbox::User=root)

# Fetches the .deb of package $1 into a fresh folder $2; false when apt cannot.
download() {
  rm -rf "$2" && mkdir -p "$2"
  (cd "$2" && apt-get "${apt_opts[@]}" download "$1" >/dev/null 2>"$2.err")
}

# --- busybox --------------------------------------------------------------------------------
# A static one: the initramfs has no C library.
status=$(dpkg-query -W -f='${db:Status-Status}' busybox-static 2>/dev/null || true)
if [[ $status == installed ]]; then
  busybox=/bin/busybox
else
  busybox=$dir/busybox
  if [[ ! -x $busybox ]]; then
    say "busybox-static is not installed; fetching it"
    download busybox-static "$dir/download" ||
      cannot "busybox-static is not installed and cannot be fetched: $(tail -n 1 "$dir/download.err")" \
             "(scripts/setup-deps.sh installs it)"
    dpkg-deb -x "$dir/download"/*.deb "$dir/download/x"
    cp "$dir/download/x/bin/busybox" "$busybox"
    rm -rf "$dir/download" "$dir/download.err"
  fi
fi

# --- The kernel -----------------------------------------------------------------------------
# One apt-cache call (it takes a second or two): the meta package depends on the exact version,
# "Depends: linux-image-6.1.0-57-amd64 (= 6.1.192-3)".
depends=$(apt-cache show --no-all-versions "$meta_package" 2>/dev/null | sed -n 's/^Depends: //p' | head -n 1 || true)
kernel_package=$(sed -n 's/^\(linux-image-[^ ,]*\) (= \([^)]*\)).*/\1/p' <<<"$depends")
kernel_version=$(sed -n 's/^\(linux-image-[^ ,]*\) (= \([^)]*\)).*/\2/p' <<<"$depends")
wanted="$kernel_package $kernel_version"
have=$(cat "$dir/kernel.id" 2>/dev/null || true)

if [[ -n $kernel_version && $wanted != "$have" ]]; then
  say "fetching $kernel_package $kernel_version (about 70 MB)"
  if download "$kernel_package" "$dir/download"; then
    rm -rf "$dir/kernel.new" "$dir/unpacked"
    dpkg-deb -x "$dir/download"/*.deb "$dir/unpacked"
    # Keep the kernel and the modules the initramfs needs (with their dependencies), not 400 MB.
    release=$(basename "$(ls -d "$dir/unpacked/lib/modules/"*)")
    mkdir -p "$dir/kernel.new/lib/modules/$release"
    cp "$dir/unpacked/boot/vmlinuz-$release" "$dir/kernel.new/vmlinuz"
    cp "$dir/unpacked/boot/config-$release" "$dir/kernel.new/config"
    echo "$release" > "$dir/kernel.new/release"
    # modules.dep is made by depmod in the package's postinst; make it here.
    "$busybox" depmod -b "$dir/unpacked" "$release"
    modules_dep="$dir/unpacked/lib/modules/$release/modules.dep"
    declare -A seen=()
    for m in "${MODULES[@]}"; do
      line=$(grep -E "(^|/)${m//-/[-_]}\.ko(\.[a-z]+)?:" "$modules_dep") ||
        cannot "module $m is not in $kernel_package; its kernel cannot boot the guest"
      for path in ${line//:/ }; do
        [[ -n ${seen[$path]:-} ]] && continue
        seen[$path]=1
        mkdir -p "$dir/kernel.new/lib/modules/$release/$(dirname "$path")"
        cp "$dir/unpacked/lib/modules/$release/$path" "$dir/kernel.new/lib/modules/$release/$path"
      done
    done
    rm -rf "$dir/unpacked" "$dir/download" "$dir/download.err" "$dir/kernel"
    mv "$dir/kernel.new" "$dir/kernel"
    echo "$wanted" > "$dir/kernel.id"
    have=$wanted
  elif [[ -n $have ]]; then
    say "cannot fetch $kernel_package ($(tail -n 1 "$dir/download.err")); using the cached $have"
  else
    cannot "cannot fetch $kernel_package: $(tail -n 1 "$dir/download.err")"
  fi
elif [[ -z $kernel_version ]]; then
  [[ -n $have ]] ||
    cannot "apt knows no $meta_package (or what it depends on); run apt-get update, or set" \
           "POLYRUN_GUEST_KERNEL_PACKAGE"
  say "apt knows no $meta_package; using the cached $have"
fi
release=$(cat "$dir/kernel/release")

# --- The initramfs --------------------------------------------------------------------------
stamp=$(cat "$dir/kernel.id" "$busybox" "$here/initramfs-init.sh" "$0" | sha256sum | cut -c1-64)
if [[ $(cat "$dir/initramfs.stamp" 2>/dev/null || true) != "$stamp" || ! -f $dir/initramfs.img ]]; then
  say "building the initramfs for $release"
  tree=$dir/initramfs.tree
  rm -rf "$tree"
  mkdir -p "$tree/bin" "$tree/lib/modules"
  cp "$busybox" "$tree/bin/busybox"
  ln -s busybox "$tree/bin/sh"
  cp -r "$dir/kernel/lib/modules/$release" "$tree/lib/modules/"
  "$busybox" depmod -b "$tree" "$release"
  printf '%s\n' "${MODULES[@]}" > "$tree/modules"
  cp "$here/initramfs-init.sh" "$tree/init"
  chmod 755 "$tree/init"
  (cd "$tree" && find . | "$busybox" cpio -o -H newc -R 0:0 2>/dev/null | gzip -1) > "$dir/initramfs.img.new"
  mv "$dir/initramfs.img.new" "$dir/initramfs.img"
  rm -rf "$tree"
  echo "$stamp" > "$dir/initramfs.stamp"
fi

cat > "$dir/guest.env" <<EOT
KERNEL=$dir/kernel/vmlinuz
INITRD=$dir/initramfs.img
KERNEL_VERSION=$release
EOT
say "ready: $release ($have) in $dir"
