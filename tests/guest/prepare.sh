#!/usr/bin/env bash
# Fetches and unpacks what the guest tests run on, from Debian's archive only, into a cache:
#   qemu/     QEMU from trixie-backports and its whole library closure (run through the tree's
#             own dynamic loader: no root, nothing installed on the host)
#   kernel/   a trixie-backports kernel: vmlinuz and the modules the guests load
#   busybox   busybox-static (the guest's userland, and cpio for the initramfs)
#   iasl      acpica-tools' ASL compiler, for the SSDT that describes the vmclock page
#   virtio_rtc/RELEASE/virtio_rtc.ko   Linux's virtio_rtc driver (not built in Debian's kernels),
#             built out of tree for the kernel's release from the five driver files of Debian's
#             linux-source package against that release's linux-headers (needs 'kernel')
# Idempotent: every step leaves a stamp and is skipped when its stamp exists. The archive's
# address is read from the host's apt sources at run time; apt runs with a private
# configuration and an empty dpkg status, so the host's package state is never touched.
#
# usage: prepare.sh CACHE_DIR [qemu] [kernel] [tools] [virtio-rtc]
#        (default: the first three; progress on stderr)
set -euo pipefail

cache=${1:?usage: prepare.sh CACHE_DIR [qemu] [kernel] [tools] [virtio-rtc]}
shift
parts=" ${*:-qemu kernel tools} "
want() { [[ $parts == *" $1 "* ]]; }
mkdir -p "$cache"
cache=$(cd "$cache" && pwd)
say() { printf 'prepare: %s\n' "$*" >&2; }

# Which kernel flavour and suites. The vmclock driver (ptp_vmclock) is in Debian's 7.x kernels.
kernel_package=${VRTC_GUEST_KERNEL_PACKAGE:-linux-image-cloud-amd64}

apt_root=$cache/apt
apt_opts=()
setup_apt() {
  [[ ${#apt_opts[@]} -gt 0 ]] && return 0
  mkdir -p "$apt_root/etc/apt/preferences.d" "$apt_root/etc/apt/apt.conf.d" "$apt_root/lists/partial" \
    "$apt_root/cache/archives/partial" "$apt_root/debs"
  : >"$apt_root/status"
  if [[ ! -s $apt_root/etc/apt/sources.list ]]; then
    local sources=${VRTC_APT_SOURCES:-/etc/apt/sources.list.d/debian.sources} uri
    # The first URIs: line of the host's deb822 sources (or the first deb line of a one-line
    # sources.list) is the Debian mirror this machine is allowed to use.
    uri=$(awk '/^URIs:/ {print $2; exit}' "$sources" 2>/dev/null || true)
    [[ -n $uri ]] || uri=$(awk '$1 == "deb" && $2 !~ /^\[/ {print $2; exit}' /etc/apt/sources.list 2>/dev/null || true)
    [[ -n $uri ]] || { say "no Debian mirror found in $sources (URIs: line)"; exit 2; }
    local key=/usr/share/keyrings/debian-archive-keyring.gpg
    {
      echo "deb [arch=amd64 signed-by=$key] $uri trixie main"
      echo "deb [arch=amd64 signed-by=$key] $uri trixie-backports main"
      echo "deb [arch=amd64 signed-by=$key] $uri bookworm main"
    } >"$apt_root/etc/apt/sources.list"
  fi
  apt_opts=(
    -o "Dir=$apt_root" -o "Dir::Etc=$apt_root/etc/apt" -o "Dir::Etc::SourceList=$apt_root/etc/apt/sources.list"
    -o Dir::Etc::SourceParts=/nonexistent -o "Dir::State=$apt_root" -o "Dir::State::Lists=$apt_root/lists"
    -o "Dir::State::status=$apt_root/status" -o "Dir::Cache=$apt_root/cache"
    -o APT::Architecture=amd64 -o APT::Architectures=amd64 -o Acquire::Languages=none
    -o APT::Sandbox::User=root -o Debug::NoLocking=1 -o APT::Get::AllowUnauthenticated=false
    -o Acquire::Retries=3 -o Acquire::http::Timeout=60
  )
  [[ -e $apt_root/lists.stamp ]] || update_lists
}
update_lists() {
  say "apt-get update (private configuration: trixie, trixie-backports, bookworm)"
  timeout 600 apt-get "${apt_opts[@]}" -qq update >&2
  touch "$apt_root/lists.stamp"
}
# fetch APT-GET-ARGS...: apt-get with the private configuration; when it fails with lists from an
# earlier run (the archive has moved on and removed the old packages), once more after an update.
fetch() {
  if timeout 900 apt-get "${apt_opts[@]}" -qq "$@" >&2; then return 0; fi
  say "apt-get failed; updating the package lists and trying again"
  update_lists
  timeout 900 apt-get "${apt_opts[@]}" -qq "$@" >&2
}

# unpack DEST DEB...: dpkg-deb -x each package into DEST.
unpack() {
  local dest=$1 deb
  shift
  mkdir -p "$dest"
  for deb in "$@"; do dpkg-deb -x "$deb" "$dest"; done
}

# --- QEMU -----------------------------------------------------------------------------------
if want qemu && [[ ! -e $cache/qemu.stamp ]]; then
  setup_apt
  say "QEMU from trixie-backports: downloading its closure"
  rm -rf "$apt_root/cache/archives"/*.deb "$cache/qemu"
  mkdir -p "$apt_root/cache/archives/partial"
  fetch -y --download-only --no-install-recommends install -t trixie-backports qemu-system-x86
  debs=("$apt_root"/cache/archives/*.deb)
  say "unpacking ${#debs[@]} packages"
  unpack "$cache/qemu" "${debs[@]}"
  rm -f "$apt_root"/cache/archives/*.deb
  [[ -x $cache/qemu/usr/bin/qemu-system-x86_64 ]] || { say "qemu-system-x86_64 missing from the closure"; exit 2; }
  touch "$cache/qemu.stamp"
fi

# --- kernel ---------------------------------------------------------------------------------
if want kernel && [[ ! -e $cache/kernel.stamp ]]; then
  setup_apt
  # The metapackage names the versioned image package.
  image=$(apt-cache "${apt_opts[@]}" -t trixie-backports depends "$kernel_package" 2>/dev/null |
    awk '/Depends: linux-image-[0-9]/ {print $2; exit}')
  [[ -n $image ]] || { say "cannot resolve $kernel_package in trixie-backports"; exit 2; }
  say "kernel: $image"
  rm -rf "$cache/kernel" "$cache/kernel.tmp"
  mkdir -p "$cache/kernel.tmp"
  # Newer kernel packages split the image (a stub) from linux-binary-* (vmlinuz) and
  # linux-modules-*: fetch those of its direct dependencies too.
  pieces=$(apt-cache "${apt_opts[@]}" depends "$image" 2>/dev/null |
    awk '/Depends: linux-(binary|modules|image)-[0-9]/ {print $2}' | sort -u)
  (cd "$apt_root/debs" && rm -f ./*.deb && fetch download -t trixie-backports "$image" $pieces)
  unpack "$cache/kernel.tmp" "$apt_root"/debs/*.deb
  rm -f "$apt_root"/debs/*.deb
  mkdir -p "$cache/kernel"
  # boot/vmlinuz-REL (older packages) or usr/lib/modules/REL/vmlinuz (split packages).
  vmlinuz=$(ls "$cache"/kernel.tmp/boot/vmlinuz-* "$cache"/kernel.tmp/usr/lib/modules/*/vmlinuz 2>/dev/null | head -n 1 || true)
  [[ -n $vmlinuz ]] || { say "no vmlinuz in $image"; exit 2; }
  modules=$(dirname "$(find "$cache/kernel.tmp" -path "*/modules/*" -name "ptp_vmclock.ko*" | head -n 1)")
  modules=${modules%%/kernel/*}
  cp "$vmlinuz" "$cache/kernel/vmlinuz"
  basename "$modules" >"$cache/kernel/release"
  # Only the modules the guests load are kept (the whole tree is ~100 MB unpacked); the PTP
  # core is built in (ptp_vmclock depends on nothing).
  f=$(find "$modules" -name 'ptp_vmclock.ko*' | head -n 1)
  [[ -n $f ]] || { say "$image has no ptp_vmclock module"; exit 2; }
  cp "$f" "$cache/kernel/"
  rm -rf "$cache/kernel.tmp"
  touch "$cache/kernel.stamp"
fi

# --- busybox and iasl -----------------------------------------------------------------------
if want tools && [[ ! -e $cache/tools.stamp ]]; then
  setup_apt
  say "busybox-static and acpica-tools from bookworm"
  rm -rf "$cache/tools.tmp"
  (cd "$apt_root/debs" && rm -f ./*.deb && fetch download busybox-static/bookworm acpica-tools/bookworm)
  unpack "$cache/tools.tmp" "$apt_root"/debs/*.deb
  rm -f "$apt_root"/debs/*.deb
  cp "$cache/tools.tmp/bin/busybox" "$cache/busybox"
  cp "$cache/tools.tmp/usr/bin/iasl" "$cache/iasl"
  rm -rf "$cache/tools.tmp"
  touch "$cache/tools.stamp"
fi

# --- virtio_rtc ------------------------------------------------------------------------------
# Debian configures CONFIG_VIRTIO_RTC off. The module is built from the driver's own files
# (drivers/virtio/virtio_rtc_{driver,ptp,class}.c, virtio_rtc_internal.h and the uapi header),
# taken out of linux-source-X.Y, against linux-headers-RELEASE (+ -common, linux-kbuild) with
# the host's gcc. Nothing of the source is kept but those files, in the cache.
if want virtio-rtc; then
  release=$(cat "$cache/kernel/release" 2>/dev/null || true)
  [[ -n $release ]] || { say "virtio-rtc needs the kernel part first"; exit 2; }
  out=$cache/virtio_rtc/$release
  if [[ ! -e $out/stamp ]]; then
    setup_apt
    headers=linux-headers-$release
    version=$(apt-cache "${apt_opts[@]}" show "$headers" 2>/dev/null | awk '/^Version:/ {print $2; exit}')
    [[ -n $version ]] || { say "no $headers in the package lists"; exit 2; }
    deps=$(apt-cache "${apt_opts[@]}" depends "$headers=$version" 2>/dev/null |
      awk '/Depends: linux-(headers|kbuild)-[0-9]/ {print $2}' | sort -u)
    major_minor=$(echo "$release" | grep -o '^[0-9]*\.[0-9]*')
    say "virtio_rtc for $release: $headers $deps linux-source-$major_minor ($version)"
    rm -rf "$out" "$cache/virtio_rtc.tmp"
    tmp=$cache/virtio_rtc.tmp
    mkdir -p "$tmp/tree" "$tmp/src" "$out"
    (cd "$apt_root/debs" && rm -f ./*.deb && fetch download "$headers=$version" $deps "linux-source-$major_minor=$version")
    for deb in "$apt_root"/debs/linux-headers-*.deb "$apt_root"/debs/linux-kbuild-*.deb; do dpkg-deb -x "$deb" "$tmp/tree"; done
    files=(drivers/virtio/virtio_rtc_driver.c drivers/virtio/virtio_rtc_ptp.c drivers/virtio/virtio_rtc_class.c
      drivers/virtio/virtio_rtc_internal.h include/uapi/linux/virtio_rtc.h)
    say "extracting ${#files[@]} driver files from linux-source-$major_minor"
    dpkg-deb --fsys-tarfile "$apt_root"/debs/linux-source-*.deb |
      tar -xO "./usr/src/linux-source-$major_minor.tar.xz" |
      tar -xJ -C "$tmp/src" --strip-components=1 "${files[@]/#/linux-source-$major_minor/}"
    rm -f "$apt_root"/debs/*.deb
    mkdir -p "$out/src/include/uapi/linux"
    cp "$tmp"/src/drivers/virtio/virtio_rtc_* "$out/src/"
    cp "$tmp/src/include/uapi/linux/virtio_rtc.h" "$out/src/include/uapi/linux/"
    # The headers package names its common half by its installed path (/usr/src/...).
    kdir=$tmp/tree/usr/src/$headers
    sed -i "s#/usr/src/#$tmp/tree/usr/src/#g" "$kdir/Makefile"
    # The kbuild programs (modpost, objtool and the launchers that pick them by their own name)
    # are built for trixie's glibc: each runs through the loader and libraries of the QEMU tree
    # (trixie's), under its own name (--argv0), when that tree is there.
    loader=$cache/qemu/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2
    libs=$cache/qemu/lib/x86_64-linux-gnu:$cache/qemu/usr/lib/x86_64-linux-gnu
    if [[ -x $loader ]]; then
      while read -r prog; do
        [[ $(head -c 4 "$prog" | od -An -c | tr -d ' ') == 177ELF ]] || continue
        mv "$prog" "$prog.trixie"
        printf '#!/bin/sh\nexec %q --library-path %q --argv0 "$0" %q "$@"\n' "$loader" "$libs" "$prog.trixie" >"$prog"
        chmod +x "$prog"
      done < <(find "$tmp/tree/usr" -type f -perm -u+x ! -name '*.so*')
    fi
    # Kconfig names as in the source's drivers/virtio/Makefile (VIRTIO_RTC, _PTP, _CLASS); the
    # C side sees them through -D, since the kernel's autoconf.h has them unset.
    cat >"$out/src/Kbuild" <<'KBUILD'
obj-m := virtio_rtc.o
virtio_rtc-y := virtio_rtc_driver.o
virtio_rtc-$(CONFIG_VIRTIO_RTC_PTP) += virtio_rtc_ptp.o
virtio_rtc-$(CONFIG_VIRTIO_RTC_CLASS) += virtio_rtc_class.o
ccflags-y := -DCONFIG_VIRTIO_RTC_MODULE=1 -DCONFIG_VIRTIO_RTC_PTP=1 -DCONFIG_VIRTIO_RTC_CLASS=1 -I$(src)/include
KBUILD
    say "building virtio_rtc.ko"
    # Debian builds with gcc 14; bookworm's gcc 12 lacks -fmin-function-alignment and gets
    # -falign-functions instead. No pahole here: no BTF for the module.
    if ! make -C "$kdir" M="$out/src" CC=gcc CONFIG_CC_HAS_MIN_FUNCTION_ALIGNMENT= \
        CONFIG_VIRTIO_RTC=m CONFIG_VIRTIO_RTC_PTP=y CONFIG_VIRTIO_RTC_CLASS=y CONFIG_DEBUG_INFO_BTF_MODULES= \
        -j2 modules >"$out/build.log" 2>&1; then
      tail -n 30 "$out/build.log" >&2
      say "building virtio_rtc.ko failed (log: $out/build.log)"
      exit 2
    fi
    cp "$out/src/virtio_rtc.ko" "$out/virtio_rtc.ko"
    find "$out/src" -type f ! -name '*.[ch]' ! -name Kbuild -delete
    rm -rf "$tmp"
    touch "$out/stamp"
  fi
fi
