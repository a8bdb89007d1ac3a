# SPDX-License-Identifier: GPL-2.0-only
# guest-version-tests.sh - VMBus version negotiation end to end; sourced by guest-tests.sh.
#
# Uses guest-tests.sh's helpers and counters (ok, not_ok, diag, result,
# wait_for, echo_devices, echo_count, have_devices, short_run,
# load_test_modules, bad_log_count, MODDIR), so its results continue that
# KTAP document.
#
# (a) guest cap: hv_vmbus max_version=<v> for each version below 5.3 must
#     negotiate exactly <v>; from 5.0 contact goes to connection id 4 and
#     the host moves the guest to id 1, below it contact is on id 1.
# (b) host cap: HVIS-HOST-REQ max-version 4.0, then hv_vmbus with its
#     default cap (5.3).  A 4.0 host has no connection id 4, so the posts
#     of 5.3 .. 5.0 fail, 4.1 is refused on id 1, and 4.0 on id 1 must be
#     what is negotiated.  HVIS-HOST-REQ max-version 5.3 restores it.
# Every reload must bring all echo devices back, and each must echo.
#
# Knob: HVIS_VERSION_CAPS / hvis.version_caps= (comma-separated list of
# guest caps, default all known versions below 5.3).

VERSION_CAPS=${HVIS_VERSION_CAPS:-$(cmdline_knob version_caps 5.2,5.1,5.0,4.1,4.0,3.0,2.4)}
VERSION_PACKETS=2000

# hv_vmbus's max_version takes the wire encoding: major << 16 | minor.
version_encode() {	# version_encode X.Y
	echo $((${1%%.*} * 65536 + ${1#*.}))
}

# The version hv_vmbus logged after the last marker, so that an old line
# (or one lost when the log buffer wraps) cannot pass for this load's.
version_mark() {
	VERSION_MARK="hvis-version-test $(uptime_s) $1"
	echo "$VERSION_MARK" >/dev/kmsg
}
version_negotiated() {
	dmesg | awk -v m="$VERSION_MARK" 'index($0, m) { v = "none"; next }
		match($0, /Vmbus version: *[0-9]+\.[0-9]+/) {
			s = substr($0, RSTART, RLENGTH); sub(/.*: */, "", s); v = s
		}
		END { print (v == "" ? "none" : v) }'
}

# rmmod everything, insmod hv_vmbus with PARAMS, wait for NDEV devices.
version_reload() {	# version_reload NDEV [PARAMS...]
	nd=$1
	shift
	for m in hvis_garbage_test hvis_echo_test hv_vmbus; do
		if [ -d "/sys/module/$m" ] && ! rmmod "$m"; then
			diag "rmmod $m failed"
			return 1
		fi
	done
	insmod "$MODDIR/hv_vmbus.ko" test_hooks=1 "$@" ||
		{ diag "insmod hv_vmbus $* failed"; return 1; }
	load_test_modules || { diag "insmod of the test modules failed"; return 1; }
	wait_for 30 have_devices "$nd" ||
		{ diag "only $(echo_count) of $nd devices came back"; return 1; }
}

# Reload and check: negotiated EXPECT, NDEV devices back, each echoes.
# Sets VERSION_GOT.
version_check() {	# version_check NDEV EXPECT [PARAMS...]
	nd=$1
	want=$2
	shift 2
	version_mark "$want"
	version_reload "$nd" "$@" || { VERSION_GOT=$(version_negotiated); return 1; }
	VERSION_GOT=$(version_negotiated)
	[ "$VERSION_GOT" = "$want" ] ||
		{ diag "negotiated $VERSION_GOT, expected $want"; return 1; }
	for d in $(echo_devices); do
		short_run "$d" "$VERSION_PACKETS" ||
			{ diag "$d: $(cat "$BUS/$d/echo_result" 2>/dev/null)"; return 1; }
	done
}

# The host acts on a request once it reads the console line, about a second
# later; nothing tells the guest when.  Retry while the old cap still holds.
version_host_check() {	# version_host_check NDEV EXPECT OLD
	sleep 1
	for try in 1 2 3 4 5; do
		version_check "$1" "$2" && return 0
		[ "$VERSION_GOT" = "$3" ] || return 1
		diag "try $try: still $3, the host has not applied its cap yet"
		sleep 1
	done
	return 1
}

ver_ndev=$(echo_count)
ver_bad0=$(bad_log_count)
for cap in $(echo "$VERSION_CAPS" | tr ',' ' '); do
	version_check "$ver_ndev" "$cap" max_version="$(version_encode "$cap")"
	result $? "version: guest cap $cap -> negotiated $VERSION_GOT, $(echo_count) devices echo $VERSION_PACKETS packets each"
done

echo "HVIS-HOST-REQ max-version 4.0"
version_host_check "$ver_ndev" 4.0 5.3
result $? "version: host cap 4.0, guest cap 5.3 -> fell back to $VERSION_GOT on connection id 1, $(echo_count) devices echo $VERSION_PACKETS packets each"
echo "HVIS-HOST-REQ max-version 5.3"
version_host_check "$ver_ndev" 5.3 4.0
result $? "version: host cap back to 5.3 -> negotiated $VERSION_GOT on connection id 4, $(echo_count) devices echo"
result "$([ "$(bad_log_count)" = "$ver_bad0" ]; echo $?)" "version: no WARNING/BUG/Oops in dmesg"
