# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
# KTAP output for the script tiers: results are collected first, as lines
# "ok DESC", "not ok DESC" or "# diagnostic", and numbered when printed, so
# the plan line is right even when a tier stops early.

# ktap_print: print the caller's results array as KTAP on stdout.
ktap_print() {
	local n=0 total=0 line
	for line in "${results[@]}"; do
		case $line in "ok "*|"not ok "*) total=$((total + 1)) ;; esac
	done
	echo "KTAP version 1"
	echo "1..$total"
	for line in "${results[@]}"; do
		case $line in
		"ok "*) n=$((n + 1)); echo "ok $n ${line#ok }" ;;
		"not ok "*) n=$((n + 1)); echo "not ok $n ${line#not ok }" ;;
		*) echo "$line" ;;
		esac
	done
}

# ktap_failed: true when any result is "not ok".
ktap_failed() {
	printf '%s\n' "${results[@]}" | grep -q '^not ok '
}
