#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Build the hvis modules and the guest test modules for one kernel release.
#
# usage: scripts/build-modules.sh [--clean] RELEASE
#
# Kbuild writes objects next to the sources of an external module, and 6.1 has
# no separate output directory for them (MO= came later), so each release gets
# its own copy of the sources in build/RELEASE/src and is built there: the 6.1
# and 6.12 builds can then run side by side. The copy keeps mtimes, so a second
# run only rebuilds what changed; --clean starts from an empty copy (the build
# tier uses it, so every warning is printed again).
#
# Always W=1. Logs: build/RELEASE/modules.log and build/RELEASE/selftests.log.
# Results: build/RELEASE/src/hv_vmbus.ko (and any other module Kbuild names),
# build/RELEASE/src/Module.symvers, build/RELEASE/src/selftests/vmbus/*.ko.
# Exit status: 0 when everything that exists built, 1 otherwise (details on
# stderr); 2 when the kernel headers are missing.
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
# HVIS_SRC: another source tree (the tier's own tests use a dummy module);
# HVIS_BUILD_DIR: where build/RELEASE goes.
srctop=${HVIS_SRC:-$top}
clean=0
[ "${1:-}" = --clean ] && { clean=1; shift; }
rel=${1:?usage: build-modules.sh [--clean] RELEASE}
kdir=/lib/modules/$rel/build
out=${HVIS_BUILD_DIR:-$top/build}/$rel
src=$out/src
jobs=${HVIS_JOBS:-$(nproc)}

[ -f "$kdir/Makefile" ] || { echo "build-modules.sh: no headers in $kdir" >&2; exit 2; }

# The files kbuild needs: everything tracked or new in git, less the host side
# and the build tree itself.
list_sources() {
	if git -C "$srctop" rev-parse --show-prefix 2>/dev/null | grep -qx ''; then
		git -C "$srctop" ls-files -co --exclude-standard
	else
		(cd "$srctop" && find . -type f ! -path './.git/*' ! -path './build/*' |
			sed 's|^\./||')
	fi | grep -Ev '^(hvcore|build|selftests/unit|\.ci)/' | LC_ALL=C sort
}

[ "$clean" = 1 ] && rm -rf "$src"
mkdir -p "$src"
while IFS= read -r f; do
	[ -f "$srctop/$f" ] || continue
	if ! cmp -s "$srctop/$f" "$src/$f"; then
		mkdir -p "$src/$(dirname "$f")"
		cp -p "$srctop/$f" "$src/$f"
	fi
done < <(list_sources)
# A source deleted from the tree must not linger in the copy.
(cd "$src" && find . -type f \( -name '*.c' -o -name '*.h' -o -name Kbuild \
	-o -name Makefile -o -name '*.sh' \) ! -name '*.mod.c' | sed 's|^\./||') |
while IFS= read -r f; do
	[ -e "$srctop/$f" ] || rm -f "$src/$f"
done

rc=0
if [ -f "$src/Kbuild" ]; then
	if ! make -C "$kdir" M="$src" W=1 -j"$jobs" modules >"$out/modules.log" 2>&1; then
		echo "build-modules.sh: $rel: modules failed, see $out/modules.log" >&2
		rc=1
	fi
else
	echo "no Kbuild in the tree" >"$out/modules.log"
	rc=1
fi

if [ -f "$src/selftests/vmbus/Makefile" ]; then
	if [ ! -f "$src/Module.symvers" ]; then
		echo "hvis Module.symvers missing: modules did not build" >"$out/selftests.log"
		rc=1
	elif ! make -C "$src/selftests/vmbus" KDIR="$kdir" \
		HVIS_SYMVERS="$src/Module.symvers" W=1 -j"$jobs" \
		>"$out/selftests.log" 2>&1; then
		echo "build-modules.sh: $rel: selftests/vmbus failed, see $out/selftests.log" >&2
		rc=1
	fi
else
	echo "selftests/vmbus/Makefile not in the tree" >"$out/selftests.log"
fi
exit $rc
