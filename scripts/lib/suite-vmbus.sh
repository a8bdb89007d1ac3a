# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
# The vmbus e2e suite (scripts/e2e.sh RELEASE [vmbus]): echo devices, the
# guest test modules and selftests/vmbus/guest-tests.sh; see
# selftests/README.md for what it covers.

echo_n=${HVIS_ECHO:-2}
guest_name=guest-tests.sh

suite_prepare() {
	local m t f gdir=$src/selftests/vmbus
	for m in hvis_echo_test hvis_garbage_test; do
		if [ -f "$gdir/$m.ko" ]; then
			E2E_MKINITRAMFS+=(-f "$gdir/$m.ko:/lib/modules/$rel/extra/$m.ko")
		else
			result "not ok" "build: selftests/vmbus/$m.ko missing"
		fi
	done
	for t in guest-tests.sh guest-version-tests.sh; do
		f=${HVIS_SRC:-$top}/selftests/vmbus/$t
		if [ -f "$f" ]; then
			E2E_MKINITRAMFS+=(-f "$f:/hvis/$t")
		else
			result "not ok" "guest: selftests/vmbus/$t missing"
		fi
	done
	E2E_HVCORE+=(--echo "$echo_n")
	E2E_DEVICES=$echo_n
	e2e_guest_run /hvis/guest-tests.sh "HVIS_ECHO_COUNT=$echo_n" "HVIS_CPUS=$E2E_CPUS"
}

# Only the common requests.
suite_request() {
	return 1
}

# The garbage test's two requests are part of its check: missing = failed.
suite_checks() {
	[ "$saw_alive" = 1 ] || result "not ok" "host: hvcore still running after the garbage test" \
		"the guest never sent HVIS-HOST-REQ check-alive"
	[ "$saw_log" = 1 ] || result "not ok" "host: hvcore logged why it closed the garbage channel" \
		"the guest never sent HVIS-HOST-REQ expect-log"
}
