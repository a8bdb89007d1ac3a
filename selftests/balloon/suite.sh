# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
# The balloon e2e suite (scripts/e2e.sh RELEASE balloon): hvcore's dynmem
# VSP and hv_balloon.ko in a guest of 1664 MiB whose kernel is booted with
# mem=1024M, so 512 MiB above that is hidden RAM that hvcore can hot-add
# (the last 128 MiB holds QEMU's firmware tables).
# guest-balloon-tests.sh drives it through host requests (the common ctl,
# poll, expect-log-re): ten balloon/unballoon cycles of 256 MiB with
# MemTotal checked each way and the host-resident size of guest RAM after
# the first, the figures after the cycles (nothing left ballooned, MemTotal
# exact), status reports under memory load (at most 2 s apart), a target
# below what the guest can give (it stops at its floor and logs why; hvcore
# logs the shortfall), hot-add of the hidden 512 MiB (MemTotal grows by it,
# its memory blocks are online and an allocation larger than the guest's
# first free memory succeeds), and a hot-add range the guest already has
# (refused, logged on both sides). memhp_default_state=online is the
# onlining policy (6.12's default; 6.1 adds hot-plugged memory offline).
#
# HVIS_BALLOON_DRIVER picks the guest driver:
#   hvis    build/RELEASE/src/hv_balloon.ko - default
#   intree  build/RELEASE/oracle/hv_balloon.ko (Debian's hv_balloon.c,
#           built by scripts/build-oracle.sh against hvis's hv_vmbus)
# Files: build/RELEASE/balloon-DRIVER/ (console.log, hvcore.log, ctl.log,
# e2e.ktap).

driver=${HVIS_BALLOON_DRIVER:-hvis}
E2E_LABEL="balloon($driver)"
E2E_DIR=$out/balloon-$driver
guest_name=guest-balloon-tests.sh

suite_prepare() {
	local kodir
	case $driver in
	hvis)	kodir=$src ;;
	intree)	kodir=$out/oracle
		if ! "$top/scripts/build-oracle.sh" "$rel" hv_balloon 2>"$wdir/oracle.err"; then
			result "not ok" "build: oracle hv_balloon (scripts/build-oracle.sh)" \
				"$(tail -n 3 "$wdir/oracle.err" | tr '\n' '|')"
			return 1
		fi ;;
	*)	result "not ok" "HVIS_BALLOON_DRIVER must be hvis or intree, not '$driver'"
		return 1 ;;
	esac
	if [ ! -f "$kodir/hv_balloon.ko" ]; then
		result "not ok" "build: $kodir/hv_balloon.ko missing"
		return 1
	fi
	E2E_MODULES+=("$kodir/hv_balloon.ko")
	E2E_MKINITRAMFS+=(-9 hvisack:/hvis-ack
		-f "$top/selftests/balloon/guest-balloon-tests.sh:/hvis/guest-balloon-tests.sh"
		-f "$top/selftests/storage/guest-lib.sh:/hvis/guest-lib.sh")
	E2E_HVCORE+=(--device dynmem:hot-add-base=1024)
	E2E_APPEND="mem=1024M memhp_default_state=online"
	E2E_DEVICES=1
	E2E_ACK=1
	E2E_MEMORY=1664
	e2e_guest_run /hvis/guest-balloon-tests.sh "HVIS_BALLOON_DRIVER=$driver"
}

suite_request() {
	return 1
}

suite_checks() {
	:
}
