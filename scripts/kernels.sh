#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Print the kernel release hvis tests for each supported series, one a line.
#
# usage: scripts/kernels.sh [--images]
#
# For every series in HVIS_SERIES (default "6.1 6.12") the newest release under
# /lib/modules with headers (build/Makefile) is printed; with --images it must
# also have /boot/vmlinuz-RELEASE. A series with none prints "SERIES missing",
# so a caller can report that series as not ok instead of dropping it.
set -uo pipefail

need_image=0
[ "${1:-}" = --images ] && need_image=1
for series in ${HVIS_SERIES:-6.1 6.12}; do
	# Globs sort by name; pick the newest by version order instead. The
	# pattern keeps 6.1 from matching 6.12.x.
	best=$(for d in /lib/modules/"$series".*; do
		r=${d##*/}
		case $r in "$series".[0-9]*) ;; *) continue ;; esac
		[ -f "$d/build/Makefile" ] || continue
		[ "$need_image" = 0 ] || [ -f "/boot/vmlinuz-$r" ] || continue
		echo "$r"
	done | sort -V | tail -n 1)
	echo "${best:-$series missing}"
done
