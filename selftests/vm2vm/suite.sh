# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
# The vm2vm e2e suite (sourced by scripts/e2e.sh): two guests, each under
# its own hvcore, on hvcore's L2 switch (--device netvsp:switch=PATH).  The
# first hvcore hosts the switch at a unix socket; the peer's hvcore, started
# when the guest asks, joins it over that socket.  No TAP, no namespace,
# no root.
#
# HVIS_VM2VM_DRIVER picks both guests' driver: hvis (default) or intree
# (Debian's hv_netvsc built by scripts/build-oracle.sh).
# Files: build/RELEASE/vm2vm-DRIVER/ (console.log, hvcore.log, the peer's
# peer-console.log and peer-hvcore.log, e2e.ktap).
#
# Host requests, besides the common ones (ctl, poll: scripts/lib/e2e.sh):
#   peer-start   -> boot the peer guest (same kernel and initramfs, with
#       hvis.peer=1 on its command line) and wait for it to report
#       HVIS-PEER-READY (its address set, iperf3 serving); the reply is the
#       peer's ready line.
#   peer-status  -> the peer hvcore's `ctl netvsp 1 status` and its
#       `ctl list` lines for netvsp (the peer's NIC signals through the
#       monitor page, MNF; the tester's by dedicated interrupts).
#   peer-stop    -> stop the peer (its hvcore is killed) and check its
#       console for WARN/BUG.

# shellcheck source=../net/netvsc-ko.sh
. "$top/selftests/net/netvsc-ko.sh"

driver=${HVIS_VM2VM_DRIVER:-hvis}
E2E_LABEL="vm2vm($driver)"
E2E_DIR=$out/vm2vm-$driver
guest_name=guest-vm2vm-tests.sh
peer_pid=""
peer_args=()

suite_prepare() {
	local a
	netvsc_ko "$driver" HVIS_VM2VM_DRIVER || return 1
	vm2vm_switch=$rundir/switch.sock
	E2E_MODULES+=("$NETVSC_KO")
	E2E_MKINITRAMFS+=(-H hostroot -9 hvisack:/hvis-ack
		-f "${HVIS_SRC:-$top}/selftests/vm2vm/guest-vm2vm-tests.sh:/hvis/guest-vm2vm-tests.sh"
		-f "${HVIS_SRC:-$top}/selftests/storage/guest-lib.sh:/hvis/guest-lib.sh")
	E2E_QEMU+=(-virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap)
	E2E_HVCORE+=(--device "netvsp:switch=$vm2vm_switch")
	E2E_DEVICES=1
	E2E_ACK=1
	# The peer: the same guest; its own reply share only says "stop".
	mkdir -p "$rundir/peer-ack"
	peer_args=(--kernel "/boot/vmlinuz-$rel" --initrd "$wdir/initramfs.cpio.gz"
		--append "console=ttyS0 panic=-1 quiet hvis.peer=1"
		--accel "${HVIS_ACCEL:-tcg}" --cpus "$E2E_CPUS" --memory "$E2E_MEMORY"
		--console "file:$wdir/peer-console.log" --ctl "$rundir/peer.sock"
		--device "netvsp:switch=$vm2vm_switch,signal=monitored")
	for a in "${E2E_QEMU[@]}" -virtfs \
		"local,path=$rundir/peer-ack,mount_tag=hvisack,security_model=none,readonly=on"; do
		peer_args+=(--qemu-arg "$a")
	done
	e2e_guest_run /hvis/guest-vm2vm-tests.sh "HVIS_NET_DRIVER=$driver"
}

peer_start() {
	local end
	: >"$wdir/peer-console.log"
	timeout --kill-after=10 "$limit" "$hvcore" run "${peer_args[@]}" \
		>"$wdir/peer-hvcore.log" 2>&1 &
	peer_pid=$!
	end=$((SECONDS + 120))
	while [ $SECONDS -lt $end ] && kill -0 "$peer_pid" 2>/dev/null; do
		if ctl_reply=$(grep -a -m1 HVIS-PEER-READY "$wdir/peer-console.log"); then
			ctl_reply=${ctl_reply//$'\r'/}
			result ok "host: peer guest up on the switch" "$ctl_reply"
			return
		fi
		sleep 0.5
	done
	result "not ok" "host: peer guest up on the switch" \
		"$(tr -d '\r' <"$wdir/peer-console.log" | tail -n 3 | tr '\n' '|') $(tail -n 2 "$wdir/peer-hvcore.log" | tr '\n' '|')"
}

# The peer finishes when its share holds "stop": it dumps its kernel log
# and powers off.
peer_stop() {
	local oops rc
	touch "$rundir/peer-ack/stop"
	if [ -n "$peer_pid" ]; then
		( sleep 60; kill "$peer_pid" 2>/dev/null ) &
		wait "$peer_pid"
		rc=$?
		kill $! 2>/dev/null
		peer_pid=""
	fi
	oops=$(tr -d '\r' <"$wdir/peer-console.log" | grep '^HVIS-DMESG ' |
		grep -E 'WARNING:|BUG:|Oops|general protection|Call Trace' | head -n 3)
	if [ -n "$oops" ]; then
		result "not ok" "host: peer guest's kernel log free of WARN/BUG/Oops" "$oops"
	elif ! grep -q '^HVIS-DMESG ' "$wdir/peer-console.log"; then
		result "not ok" "host: peer guest's kernel log free of WARN/BUG/Oops" \
			"the peer never dumped its log (hvcore exit ${rc:-?})"
	else
		result ok "host: peer guest powered off (hvcore exit ${rc:-?}), kernel log free of WARN/BUG/Oops"
	fi
}

suite_request() {
	local list
	case ${1:-} in
	peer-start) peer_start ;;
	peer-status)
		if ctl_reply=$("$hvcore" ctl --socket "$rundir/peer.sock" netvsp 1 status 2>&1) &&
			list=$("$hvcore" ctl --socket "$rundir/peer.sock" list 2>&1); then
			ctl_reply=$(sed '$d' <<<"$ctl_reply"; grep 'vsp netvsp' <<<"$list")
			result ok "host: peer's ctl netvsp 1 status" "$(grep '^switch' <<<"$ctl_reply")"
		else
			result "not ok" "host: peer's ctl netvsp 1 status" "$ctl_reply"
		fi ;;
	peer-stop) peer_stop ;;
	*)	return 1 ;;
	esac
	return 0
}

suite_cleanup() {
	[ -n "$peer_pid" ] && kill "$peer_pid" 2>/dev/null
	peer_pid=""
}

suite_checks() {
	:
}
