# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
# The IC e2e suite (scripts/e2e.sh RELEASE ic): hvcore's shutdown,
# timesync, heartbeat, KVP and VSS devices against the guest's hv_utils,
# with hvis's daemons (kvp-daemon/) and Debian's hv_kvp_daemon, tested in
# the guest by guest-ic-tests.sh. One run, two boots: the host reboots the
# guest (it must come back, hv_vmbus reconnecting), then shuts it down.
#
# HVIS_IC_DRIVER picks the guest's hv_utils:
#   hvis    build/RELEASE/src/hv_utils.ko - default (HVIS_IC_UTILS_KO names
#           another build of it, e.g. before utils/ is in Kbuild)
#   intree  build/RELEASE/oracle/hv_utils.ko (Debian's drivers/hv/hv_util.c,
#           hv_kvp.c, hv_snapshot.c, hv_utils_transport.c (+hv_fcopy.c on
#           6.1), built by scripts/build-oracle.sh against hvis's
#           hv_vmbus). No timesync device: the in-tree driver reads
#           Hyper-V's reference-counter MSR for every sample, which QEMU
#           without Hyper-V enlightenments lacks; those checks are
#           skipped with that reason.
# Both variants use hvis's hv_vmbus and hv_storvsc (the VSS disk).
#
# The guest runs host programs through hostrun (the host's root over 9p):
# Debian's /usr/sbin/hv_kvp_daemon, ip, mkfs.ext4, and hvis's
# kvp-daemon/hvis_kvp_daemon and hvis_vss_daemon (built here with `make -C
# kvp-daemon` when stale), which travel in the image and are copied to the
# guest's /tmp first: a checkout under the host's /tmp is hidden in the
# guest. ic_clock.c is
# built static and carried in the image (/hvis/ic_clock).
# Files: build/RELEASE/ic-DRIVER/ (console.log, hvcore.log, ctl.log,
# e2e.ktap, share/ (the read-write 9p share: shutdown markers), vss.img).
#
# Host requests, besides the common ones (scripts/lib/e2e.sh: ctl, poll
# and the rest); the guest waits for the reply file (E2E_ACK):
#   reboot | shutdown       -> hvcore ctl reboot|shutdown (the guest's
#                              answer); the guest then goes down through
#                              its shutdown path (/init, /hvis/on-shutdown)
# After hvcore exits the host checks the markers the guest's shutdown path
# left in share/ and that QEMU reported a guest poweroff (hvcore exit 0).

driver=${HVIS_IC_DRIVER:-hvis}
E2E_LABEL="ic($driver)"
E2E_DIR=$out/ic-$driver
guest_name=guest-ic-tests.sh
ic_mac=00:15:5d:1c:00:05
ic_saw=()

suite_prepare() {
	local ko sko guids f share cls
	local -A ic_class=(
		[shutdown]=$HVIS_IC_SHUTDOWN [timesync]=$HVIS_IC_TIMESYNC
		[heartbeat]=$HVIS_IC_HEARTBEAT [kvp]=$HVIS_IC_KVP [vss]=$HVIS_IC_VSS)
	local devs=(shutdown heartbeat kvp vss)

	case $driver in
	hvis)	ko=${HVIS_IC_UTILS_KO:-$src/hv_utils.ko}
		devs+=(timesync)
		[ -f "$ko" ] || { result "not ok" "build: $ko missing (no hv_utils in Kbuild yet?)"; return 1; } ;;
	intree)	ko=$out/oracle/hv_utils.ko
		if ! "$top/scripts/build-oracle.sh" "$rel" hv_utils 2>"$wdir/oracle.err"; then
			result "not ok" "build: oracle hv_utils (scripts/build-oracle.sh)" \
				"$(tail -n 3 "$wdir/oracle.err" | tr '\n' '|')"
			return 1
		fi ;;
	*)	result "not ok" "HVIS_IC_DRIVER must be hvis or intree, not '$driver'"
		return 1 ;;
	esac
	sko=$src/hv_storvsc.ko
	[ -f "$sko" ] || { result "not ok" "build: $sko missing"; return 1; }
	for f in mkfs.ext4 gcc; do
		command -v "$f" >/dev/null ||
			{ result "not ok" "host: $f missing (scripts/deps.sh)"; return 1; }
	done
	if ! gcc -std=c11 -Wall -Wextra -Werror -O2 -static -o "$wdir/ic_clock" \
		"$top/selftests/ic/ic_clock.c" 2>"$wdir/ic_clock.err"; then
		result "not ok" "build: selftests/ic/ic_clock.c" "$(head -n 3 "$wdir/ic_clock.err")"
		return 1
	fi
	# hvis's daemons, built here if stale, run in the guest ...
	if [ -f "$top/kvp-daemon/Makefile" ] &&
		! make -s -C "$top/kvp-daemon" >"$wdir/kvp-daemon.log" 2>&1; then
		result "not ok" "build: make -C kvp-daemon" "$(tail -n 3 "$wdir/kvp-daemon.log" | tr '\n' '|')"
	fi

	# ... and travel in the image: the guest hides the host's /tmp, where
	# a checkout may live.
	for f in hvis_kvp_daemon hvis_vss_daemon; do
		[ -x "$top/kvp-daemon/$f" ] &&
			E2E_MKINITRAMFS+=(-f "$top/kvp-daemon/$f:/hvis/$f")
	done

	share=$wdir/share
	rm -rf "$share"
	mkdir -p "$share"
	truncate -s 0 "$wdir/vss.img"
	truncate -s 128M "$wdir/vss.img"
	guids=""
	for cls in "${devs[@]}"; do
		E2E_HVCORE+=(--device "$cls")
		guids+=" ${ic_class[$cls]}"
	done
	E2E_HVCORE+=(--device "storvsp:file=$wdir/vss.img,serial=hvis-vss")
	E2E_DEVICES=$((${#devs[@]} + 1))
	E2E_MODULES+=("$ko" "$sko")
	E2E_MKINITRAMFS+=(-H hostroot -9 hvisack:/hvis-ack -w hvisic:/hvis-ic
		-k scsi_transport_fc -K sd_mod -k ext4 -K dummy
		-f "$wdir/ic_clock:/hvis/ic_clock"
		-f "$top/selftests/ic/on-shutdown.sh:/hvis/on-shutdown"
		-f "$top/selftests/ic/guest-ic-tests.sh:/hvis/guest-ic-tests.sh"
		-f "$top/selftests/storage/guest-lib.sh:/hvis/guest-lib.sh")
	E2E_QEMU+=(-virtfs "local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap"
		-virtfs "local,path=$share,mount_tag=hvisic,security_model=none"
		# hvcore runs QEMU with -no-reboot; the reboot check needs a reset.
		-action reboot=reset)
	E2E_ACK=1
	e2e_guest_run /hvis/guest-ic-tests.sh "HVIS_IC_DRIVER=$driver" \
		"HVIS_IC_TOP=$top" "HVIS_IC_MAC=$ic_mac" "HVIS_IC_DEVICES=${guids# }"
}

HVIS_IC_SHUTDOWN=0e0b6031-5213-4934-818b-38d90ced39db
HVIS_IC_TIMESYNC=9527e630-d0ae-497b-adce-e80ab0175caf
HVIS_IC_HEARTBEAT=57164f39-9115-4e78-ab55-382f3bd5422d
HVIS_IC_KVP=a9a0f4e7-5a45-4d96-b827-8a841e8c03e6
HVIS_IC_VSS=35fa2e29-ea23-4236-96ae-3a6ebacba440

suite_request() {
	case ${1:-} in
	reboot|shutdown)
		ic_saw+=("$1")
		if e2e_ctl_wait "$1"; then
			result ok "host: hvcore ctl $1: the guest accepted"
		else
			result "not ok" "host: hvcore ctl $1" "$(tail -n 2 <<<"$ctl_reply" | tr '\n' ' ')"
		fi ;;
	*)	return 1 ;;
	esac
	return 0
}

# The markers the guest's shutdown path left, and what hvcore saw.
suite_checks() {
	local share=$wdir/share ups
	ups=$(grep -c HVIS-GUEST-UP "$clean")
	if [ -f "$share/shutdown-reboot" ] && [ "$ups" -ge 2 ]; then
		result ok "reboot: hvcore ctl reboot ran the guest's orderly reboot (marker: $(cat "$share/shutdown-reboot")), and it booted again under the same hvcore"
	else
		result "not ok" "reboot: orderly reboot marker $([ -f "$share/shutdown-reboot" ] && echo present || echo missing), $ups boots" \
			"$(grep -m2 -E 'HVIS-GUEST-SHUTDOWN|guest reset' "$clean" "$log" | tr '\n' '|')"
	fi
	if [ -f "$share/shutdown-poweroff" ] && [ "$hv_rc" = 0 ] &&
		grep -q 'HVIS-GUEST-SHUTDOWN poweroff' "$clean"; then
		result ok "shutdown: hvcore ctl shutdown ran the guest's orderly poweroff (marker: $(cat "$share/shutdown-poweroff")), QEMU saw a poweroff, hvcore exit 0"
	else
		result "not ok" "shutdown: orderly poweroff marker $([ -f "$share/shutdown-poweroff" ] && echo present || echo missing), hvcore exit $hv_rc" \
			"requests seen: ${ic_saw[*]:-none}"
	fi
}
