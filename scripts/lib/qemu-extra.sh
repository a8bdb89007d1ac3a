#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# QEMU with extra arguments, for an hvcore without `run --qemu-arg`.
#
# hvcore runs this as its QEMU (`hvcore run --qemu THIS`); it appends the
# arguments listed in $HVIS_QEMU_EXTRA (a file, one argument a line, taken
# verbatim) to hvcore's command line and execs $HVIS_QEMU_REAL (default
# qemu-system-x86_64). scripts/lib/e2e.sh uses it only when `hvcore run
# --help` does not list --qemu-arg.
set -euo pipefail

extra=()
if [ -n "${HVIS_QEMU_EXTRA:-}" ]; then
	mapfile -t extra <"$HVIS_QEMU_EXTRA"
fi
exec "${HVIS_QEMU_REAL:-qemu-system-x86_64}" "$@" "${extra[@]}"
