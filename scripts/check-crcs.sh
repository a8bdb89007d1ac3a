#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Check that hvis's hv_vmbus exports carry the CRCs of the kernel's own hv_vmbus.
#
# usage: scripts/check-crcs.sh RELEASE [HVIS_SYMVERS [KERNEL_SYMVERS]]
#
# Debian builds with CONFIG_MODVERSIONS: every prebuilt module that imports
# hv_vmbus (hv_netvsc, hv_sock, hv_utils, pci-hyperv, ...) records the CRC
# of each symbol it uses, and the kernel refuses to load it ("disagrees about
# version of symbol") next to a hv_vmbus whose CRC differs.  hvis keeps them
# equal by compiling each export under the in-tree file's headers
# (vmbus/export_abi.h); this is the check that it worked.
#
# Compares HVIS_SYMVERS (default build/RELEASE/src/Module.symvers, under
# HVIS_BUILD_DIR when set) with KERNEL_SYMVERS (default
# /lib/modules/RELEASE/build/Module.symvers) over the symbols both list as
# exported by hv_vmbus.  Prints KTAP, one result per such symbol (a mismatch
# is `not ok` naming both CRCs), then a `# ` line with the count and the
# in-tree exports hvis does not provide (informational: those are checked by
# the modules that need them, not here).
# Exit status: 0 when every common symbol matches; 1 on a mismatch or when
# no symbol is common; 2 when a Module.symvers is missing.
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
rel=${1:?usage: check-crcs.sh RELEASE [HVIS_SYMVERS [KERNEL_SYMVERS]]}
ours=${2:-${HVIS_BUILD_DIR:-$top/build}/$rel/src/Module.symvers}
theirs=${3:-/lib/modules/$rel/build/Module.symvers}

for f in "$ours" "$theirs"; do
	if [ ! -r "$f" ]; then
		echo "check-crcs.sh: $f: not readable" >&2
		exit 2
	fi
done

# Module.symvers: CRC <tab> symbol <tab> module path <tab> export type ...
# hvis's module path is absolute (…/src/hv_vmbus), the kernel's is
# drivers/hv/hv_vmbus; both end in "hv_vmbus".
awk -F'\t' -v rel="$rel" '
	$3 !~ /(^|\/)hv_vmbus$/ { next }
	FILENAME == ARGV[1] { ours[$2] = $1; next }
	{ theirs[$2] = $1; order[++n] = $2 }
	END {
		print "KTAP version 1"
		for (i = 1; i <= n; i++)
			if (order[i] in ours)
				common++
		print "1.." common + 0
		t = 0
		for (i = 1; i <= n; i++) {
			s = order[i]
			if (!(s in ours)) {
				missing = missing " " s
				continue
			}
			t++
			if (ours[s] == theirs[s]) {
				print "ok " t " " s " " ours[s]
				good++
			} else {
				print "not ok " t " " s ": hvis " ours[s] ", in-tree " theirs[s]
			}
		}
		printf "# %s: %d of %d hv_vmbus exports carry the in-tree CRCs\n", \
			rel, good, common
		if (missing != "")
			print "# in-tree only (not exported by hvis):" missing
		exit !(common > 0 && good == common)
	}' "$ours" "$theirs"
