#!/usr/bin/env bash
# Fetches and unpacks what the guest tests run on, from Debian's archive only, into a cache:
#   qemu/     QEMU from trixie-backports and its whole library closure (run through the tree's
#             own dynamic loader: no root, nothing installed on the host)
#   kernel/   a trixie-backports kernel: vmlinuz and the modules the guests load
#   busybox   busybox-static (the guest's userland, and cpio for the initramfs)
#   iasl      acpica-tools' ASL compiler, for the SSDT that describes the vmclock page
# Idempotent: every step leaves a stamp and is skipped when its stamp exists. The archive's
# address is read from the host's apt sources at run time; apt runs with a private
# configuration and an empty dpkg status, so the host's package state is never touched.
#
# usage: prepare.sh CACHE_DIR [qemu] [kernel] [tools]     (default: all three; progress on stderr)
set -euo pipefail

cache=${1:?usage: prepare.sh CACHE_DIR [qemu] [kernel] [tools]}
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
