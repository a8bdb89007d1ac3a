#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Build Debian's in-tree VSC drivers (the "oracle") against hvis's hv_vmbus.
#
# usage: scripts/build-oracle.sh RELEASE MODULE...
#        scripts/build-oracle.sh --list
#
# For each MODULE (a name from the table below, e.g. hv_storvsc) the sources
# are taken from Debian's /usr/src/linux-source-SERIES.tar.xz (SERIES = 6.1
# for 6.1.x releases, 6.12 for 6.12.x), built as an external module against
# /lib/modules/RELEASE/build with KBUILD_EXTRA_SYMBOLS pointing at hvis's
# build/RELEASE/src/Module.symvers, so the module links against hvis's
# hv_vmbus instead of Debian's. Run scripts/build-modules.sh RELEASE first.
# No W=1: this is the kernel's code, built as Debian ships it.
#
# Only the files the table names are extracted, once per series, into
# build/oracle-src/linux-source-SERIES/ (the tarball is read again only
# when a file is missing). Each module is built in
# build/RELEASE/oracle/MODULE/ and copied to build/RELEASE/oracle/MODULE.ko.
# After the build the module is checked: modinfo must list hv_vmbus among
# its dependencies, and every symbol it imports that hvis exports must carry
# hvis's CRC, and it may import nothing that only Debian's hv_vmbus
# exports. Log: build/RELEASE/oracle/MODULE.log.
#
# Exit status: 0 when every MODULE built and passed the checks, 1 otherwise,
# 2 for a usage error or missing headers/tarball/Module.symvers.
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
buildtop=${HVIS_BUILD_DIR:-$top/build}
jobs=${HVIS_JOBS:-$(nproc)}

# module -> its source files, relative to the top of the kernel tree. The
# .c files are the module's objects (one module per entry, so names may
# differ from the source's); headers are copied beside them. To add a
# driver, add its line.
# ORACLE_SERIES_FILES adds files for one series only ("MODULE@SERIES").
declare -A ORACLE_FILES=(
	[hv_storvsc]="drivers/scsi/storvsc_drv.c"
	[hid_hyperv]="drivers/hid/hid-hyperv.c"
	[hyperv_keyboard]="drivers/input/serio/hyperv-keyboard.c"
	[hv_utils]="drivers/hv/hv_util.c drivers/hv/hv_kvp.c drivers/hv/hv_snapshot.c
		drivers/hv/hv_utils_transport.c drivers/hv/hv_utils_transport.h
		drivers/hv/hyperv_vmbus.h drivers/hv/hv_trace.h"
	[hv_balloon]="drivers/hv/hv_balloon.c drivers/hv/hyperv_vmbus.h
		drivers/hv/hv_trace_balloon.h"
	[hv_netvsc]="drivers/net/hyperv/netvsc_drv.c drivers/net/hyperv/netvsc.c
		drivers/net/hyperv/rndis_filter.c drivers/net/hyperv/netvsc_trace.c
		drivers/net/hyperv/netvsc_bpf.c drivers/net/hyperv/hyperv_net.h
		drivers/net/hyperv/netvsc_trace.h"
)
# 6.12 moved fcopy out of the kernel driver (to uio_hv_generic + a daemon).
declare -A ORACLE_SERIES_FILES=(
	[hv_utils@6.1]="drivers/hv/hv_fcopy.c"
)

die() { echo "build-oracle.sh: $*" >&2; exit 2; }

if [ "${1:-}" = --list ]; then
	for m in "${!ORACLE_FILES[@]}"; do echo "$m:" ${ORACLE_FILES[$m]}; done | sort
	for m in "${!ORACLE_SERIES_FILES[@]}"; do echo "$m (also):" ${ORACLE_SERIES_FILES[$m]}; done | sort
	exit 0
fi
case ${1:-} in -h|--help|"") sed -n '3,27p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;; esac
rel=$1
shift
[ $# -gt 0 ] || die "no MODULE given (--list shows the table)"

kdir=/lib/modules/$rel/build
[ -f "$kdir/Makefile" ] || die "no kernel headers in $kdir"
series=$(echo "$rel" | sed -E 's/^([0-9]+\.[0-9]+).*/\1/')
tarball=${HVIS_LINUX_SOURCE:-/usr/src/linux-source-$series.tar.xz}
[ -r "$tarball" ] || die "$tarball missing (apt-get install linux-source-$series)"
symvers=$buildtop/$rel/src/Module.symvers
[ -f "$symvers" ] || die "$symvers missing (run scripts/build-modules.sh $rel first)"
srcdir=$buildtop/oracle-src
tree=$srcdir/linux-source-$series
out=$buildtop/$rel/oracle
mkdir -p "$srcdir" "$out"

# The files of module $1 for this series.
oracle_files() {
	echo ${ORACLE_FILES[$1]} ${ORACLE_SERIES_FILES[$1@$series]:-}
}

for m in "$@"; do
	[ -n "${ORACLE_FILES[$m]:-}" ] || die "unknown module '$m' (--list shows the table)"
done

# Extract every missing file of every requested module in one pass over
# the tarball (xz has no index: each pass decompresses the whole archive).
missing=()
for m in "$@"; do
	for f in $(oracle_files "$m"); do
		[ -f "$tree/$f" ] || missing+=("linux-source-$series/$f")
	done
done
if [ ${#missing[@]} -gt 0 ]; then
	if ! tar -xJf "$tarball" -C "$srcdir" "${missing[@]}" 2>"$srcdir/extract.err"; then
		cat "$srcdir/extract.err" >&2
		die "could not extract ${missing[*]} from $tarball"
	fi
fi

# hvis's exports: symbol -> CRC, for the check after each build.
declare -A hvis_crc
while read -r crc sym _; do
	hvis_crc[$sym]=$crc
done <"$symvers"

# What Debian's own hv_vmbus exports: an import from that list that hvis
# lacks would leave the module unloadable next to hvis's hv_vmbus.
declare -A debian_vmbus
while read -r _ sym mod _; do
	case $mod in */hv_vmbus) debian_vmbus[$sym]=1 ;; esac
done <"$kdir/Module.symvers"

rc=0
for m in "$@"; do
	mdir=$out/$m
	log=$out/$m.log
	objs=()
	mkdir -p "$mdir"
	for f in $(oracle_files "$m"); do
		cmp -s "$tree/$f" "$mdir/${f##*/}" || cp -p "$tree/$f" "$mdir/${f##*/}"
		case $f in
		*.c) objs+=("$(basename "$f" .c).o") ;;
		# A trace header names its own path from include/trace
		# (TRACE_INCLUDE_PATH ../../drivers/...): keep a copy there.
		*.h) mkdir -p "$mdir/${f%/*}"
		     cmp -s "$tree/$f" "$mdir/$f" || cp -p "$tree/$f" "$mdir/$f" ;;
		esac
	done
	mkdir -p "$mdir/include/trace"
	# A module named like its only source would list itself as its own
	# object, which kbuild rejects: name the composite only when needed.
	if [ ${#objs[@]} = 1 ] && [ "${objs[0]}" = "$m.o" ]; then
		printf 'obj-m := %s.o\n' "$m" >"$mdir/Kbuild"
	else
		printf 'obj-m := %s.o\n%s-y := %s\n' "$m" "$m" "${objs[*]}" >"$mdir/Kbuild"
	fi
	# Trace headers are found through the module's own directory, as the
	# in-tree Makefiles' CFLAGS_<obj>.o = -I$(src) do, or through the
	# tree-relative copy above.
	printf 'ccflags-y += -I$(src) -I$(src)/include/trace\n' >>"$mdir/Kbuild"
	rm -f "$out/$m.ko"
	# kbuild does not track KBUILD_EXTRA_SYMBOLS: after hvis's exports
	# changed, drop modpost's output so the CRCs are taken again.
	[ "$symvers" -nt "$mdir/$m.ko" ] && rm -f "$mdir/Module.symvers" "$mdir/$m.mod.c" "$mdir/$m.ko"
	if ! make -C "$kdir" M="$mdir" KBUILD_EXTRA_SYMBOLS="$symvers" \
		-j"$jobs" modules >"$log" 2>&1 || [ ! -f "$mdir/$m.ko" ]; then
		echo "build-oracle.sh: $rel: $m failed to build, see $log" >&2
		tail -n 5 "$log" >&2
		rc=1
		continue
	fi

	deps=$(modinfo -F depends "$mdir/$m.ko")
	case ",$deps," in
	*,hv_vmbus,*) ;;
	*) echo "build-oracle.sh: $rel: $m does not depend on hv_vmbus (depends: $deps)" >&2
	   rc=1; continue ;;
	esac
	# Each import hvis provides must carry hvis's CRC, else the module
	# was linked against Debian's hv_vmbus and would not load on ours.
	nhvis=0 bad=0
	while read -r crc sym; do
		if [ -z "${hvis_crc[$sym]:-}" ]; then
			if [ -n "${debian_vmbus[$sym]:-}" ]; then
				echo "build-oracle.sh: $rel: $m imports $sym, which Debian's hv_vmbus exports and hvis's does not" >&2
				bad=$((bad + 1))
			fi
			continue
		fi
		nhvis=$((nhvis + 1))
		if [ $((crc)) != $((${hvis_crc[$sym]})) ]; then
			echo "build-oracle.sh: $rel: $m imports $sym with CRC $crc, hvis exports ${hvis_crc[$sym]}" >&2
			bad=$((bad + 1))
		fi
	done < <(modprobe --dump-modversions "$mdir/$m.ko")
	if [ "$nhvis" = 0 ] || [ "$bad" != 0 ]; then
		[ "$nhvis" = 0 ] && echo "build-oracle.sh: $rel: $m imports nothing from hvis's Module.symvers" >&2
		rc=1
		continue
	fi
	cp "$mdir/$m.ko" "$out/$m.ko"
	echo "build-oracle.sh: $rel: $out/$m.ko (depends: $deps; $nhvis hv_vmbus imports, CRCs match)" >&2
done
exit $rc
