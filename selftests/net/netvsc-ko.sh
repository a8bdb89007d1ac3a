# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
# Sourced by the net and vm2vm suites: which hv_netvsc.ko the guest gets.

# netvsc_ko DRIVER VARNAME: hvis (build/RELEASE/src) or intree (Debian's,
# built by scripts/build-oracle.sh against hvis's hv_vmbus).  Sets NETVSC_KO
# to the module's path, or files a not-ok result and returns 1.
netvsc_ko() {
	local kodir
	case $1 in
	intree)	kodir=$out/oracle
		if ! "$top/scripts/build-oracle.sh" "$rel" hv_netvsc 2>"$wdir/oracle.err"; then
			result "not ok" "build: oracle hv_netvsc (scripts/build-oracle.sh)" \
				"$(tail -n 3 "$wdir/oracle.err" | tr '\n' '|')"
			return 1
		fi ;;
	hvis)	kodir=$src ;;
	*)	result "not ok" "$2 must be hvis or intree, not '$1'"
		return 1 ;;
	esac
	NETVSC_KO=$kodir/hv_netvsc.ko
	if [ ! -f "$NETVSC_KO" ]; then
		result "not ok" "build: $NETVSC_KO missing"
		return 1
	fi
}
