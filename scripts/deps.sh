#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Install, idempotently, every Debian package hvis needs to build and test.
#
# usage: scripts/deps.sh [--check] [--print]
#   (no flag)  install what is missing (root), or print the apt-get line
#   --check    exit 0 when everything is installed, 1 otherwise; print nothing
#   --print    print the package list, one per line, and exit
#
# Kernels: Debian's 6.1 and 6.12 images and headers, through the meta packages
# bookworm(-security) carries for both series, so each point release is picked
# up by the next run.
set -euo pipefail

PKGS=(
	build-essential bc bison flex libelf-dev libssl-dev kmod cpio
	busybox-static qemu-system-x86 qemu-utils
	liburing-dev pkg-config xz-utils zstd
	libtsan2 libasan8 libubsan1
	linux-image-amd64 linux-headers-amd64
	linux-image-6.12-amd64 linux-headers-6.12-amd64
	# storage tests: guest tools come from the host's root over 9p
	# (mkinitramfs.sh -H), the oracle storvsc from Debian's sources
	fio e2fsprogs util-linux sg3-utils
	linux-source-6.1 linux-source-6.12
	# integration components: hvis's KVP daemon (libnl-route), and
	# Debian's hyperv-daemons as the independent daemon in the KVP tests
	libnl-3-dev libnl-route-3-dev hyperv-daemons
	# network tests: the host end is a TAP in a namespace (iproute2),
	# pinged from there with DF set (iputils-ping), iperf3 runs there and,
	# over 9p, in the guest, as does ethtool
	iproute2 iputils-ping iperf3 ethtool
	# DPDK tests: dpdk-testpmd, the netvsc PMD and libdpdk-dev (the suite
	# builds a small DPDK program), run in the guest over 9p; dpdk-dev
	# pulls in every PMD, librte-net-vdev-netvsc23 included, which stays
	# idle where CPUID does not say Hyper-V
	dpdk-dev librte-net-netvsc23 pkg-config
	# KVM backend unit tests: iasl disassembles hvcore's DSDT
	acpica-tools
)

die() { echo "deps.sh: $*" >&2; exit 1; }

have_pkg() {
	dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q '^install ok installed'
}

all_installed() {
	local p s
	for p in "${PKGS[@]}"; do have_pkg "$p" || return 1; done
	for s in 6.1 6.12; do
		ls /lib/modules/"$s".*/build/Makefile >/dev/null 2>&1 || return 1
		ls /boot/vmlinuz-"$s".* >/dev/null 2>&1 || return 1
	done
	return 0
}

case "${1:-}" in
--check) all_installed; exit ;;
--print) printf '%s\n' "${PKGS[@]}"; exit 0 ;;
"") ;;
-h|--help) sed -n '3,12p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
*) die "unknown option '$1' (try --help)" ;;
esac

all_installed && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "deps.sh: missing packages; as root run:" >&2
	echo "  scripts/deps.sh" >&2
	echo "or by hand:" >&2
	echo "  apt-get update && apt-get install -y --no-install-recommends ${PKGS[*]}" >&2
	exit 1
fi

export DEBIAN_FRONTEND=noninteractive
apt-get update -q >/dev/null
apt-get install -y -q --no-install-recommends "${PKGS[@]}" >/dev/null
all_installed || die "packages installed but the 6.1/6.12 kernels or headers are still missing"
echo "deps.sh: all build and test dependencies are installed"
