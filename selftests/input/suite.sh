# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
# The input e2e suite (scripts/e2e.sh RELEASE input): hvcore's synthkbd and
# synthhid VSPs, read back in the guest from /dev/input/event* by
# guest-input-tests.sh. One boot; the guest asks the host for every action.
#
# HVIS_INPUT_DRIVER picks the guest drivers:
#   hvis    build/RELEASE/src/{hid_hyperv,hyperv_keyboard}.ko - default
#   intree  build/RELEASE/oracle/{hid_hyperv,hyperv_keyboard}.ko (Debian's
#           hid-hyperv.c and hyperv-keyboard.c, built by
#           scripts/build-oracle.sh against hvis's hv_vmbus). The in-tree
#           keyboard gives its serio port no write, so it has no LEDs, and
#           the in-tree mouse passes oversize/short reports on: those
#           checks are skipped with that reason.
# Files: build/RELEASE/input-DRIVER/ (console.log, hvcore.log, ctl.log,
# e2e.ktap).
#
# Host requests, besides the common ones (scripts/lib/e2e.sh); the guest
# waits for the reply file (E2E_ACK):
#   ctl CMD... [; CMD...]   -> hvcore ctl CMD... for each ';'-separated
#       command, in order, stopping at the first that fails (e.g.
#       "ctl type Hello, World 123", "ctl mouse move 1 2 ; mouse click").
#       Reply: hvcore's reply lines.
#   offer VSP ARGS...       -> hvcore ctl offer VSP ARGS... (the common
#       verb passes no ARGS); reply "relid N".
#   expect-leds K=V...      -> polls `hvcore ctl synthkbd RELID leds` (the
#       first synthkbd device) for up to 10 s until every K=V (caps=1,
#       num=0, ...) is in its reply; ok when they all were.

driver=${HVIS_INPUT_DRIVER:-hvis}
E2E_LABEL="input($driver)"
E2E_DIR=$out/input-$driver
guest_name=guest-input-tests.sh
input_saw_leds=0

suite_prepare() {
	local kodir m
	case $driver in
	hvis)	kodir=$src ;;
	intree)	kodir=$out/oracle
		if ! "$top/scripts/build-oracle.sh" "$rel" hid_hyperv hyperv_keyboard \
			2>"$wdir/oracle.err"; then
			result "not ok" "build: oracle hid_hyperv, hyperv_keyboard (scripts/build-oracle.sh)" \
				"$(tail -n 3 "$wdir/oracle.err" | tr '\n' '|')"
			return 1
		fi ;;
	*)	result "not ok" "HVIS_INPUT_DRIVER must be hvis or intree, not '$driver'"
		return 1 ;;
	esac
	for m in hid_hyperv hyperv_keyboard; do
		if [ ! -f "$kodir/$m.ko" ]; then
			result "not ok" "build: $kodir/$m.ko missing"
			return 1
		fi
		E2E_MODULES+=("$kodir/$m.ko")
	done
	E2E_MKINITRAMFS+=(-k hid -k evdev -9 hvisack:/hvis-ack
		-f "${HVIS_SRC:-$top}/selftests/input/guest-input-tests.sh:/hvis/guest-input-tests.sh"
		-f "${HVIS_SRC:-$top}/selftests/storage/guest-lib.sh:/hvis/guest-lib.sh")
	E2E_HVCORE+=(--device synthkbd --device synthhid)
	E2E_DEVICES=2
	E2E_ACK=1
	e2e_guest_run /hvis/guest-input-tests.sh "HVIS_INPUT_DRIVER=$driver"
}

# Runs "$@" as ';'-separated hvcore ctl commands; the replies go to
# $ctl_reply, all of them.
input_ctl_seq() {
	local cmd=() all="" w rc=0
	for w in "$@" ";"; do
		if [ "$w" != ";" ]; then
			cmd+=("$w")
			continue
		fi
		[ ${#cmd[@]} -gt 0 ] || continue
		ctl "${cmd[@]}"
		rc=$?
		all+="${all:+$'\n'}$ctl_reply"
		cmd=()
		[ "$rc" = 0 ] || break
	done
	ctl_reply=$all
	return $rc
}

input_leds() {	# K=V...: polls until the synthkbd's LED line has them all
	local relid kv miss
	ctl list
	relid=$(printf '%s\n' "$ctl_reply" | awk '$1 == "relid" && $6 == "synthkbd" { print $2; exit }')
	if [ -z "$relid" ]; then
		ctl_reply="no synthkbd device in hvcore ctl list"
		return 1
	fi
	for _ in $(seq 40); do
		ctl synthkbd "$relid" leds
		miss=""
		for kv in "$@"; do
			case " $ctl_reply " in *" $kv "*) ;; *) miss+=" $kv" ;; esac
		done
		[ -z "$miss" ] && return 0
		sleep 0.25
	done
	return 1
}

suite_request() {
	case ${1:-} in
	ctl)
		shift
		if input_ctl_seq "$@"; then
			result ok "host: ctl $*"
		else
			result "not ok" "host: ctl $*" "$(tail -n 2 <<<"$ctl_reply" | tr '\n' ' ')"
		fi ;;
	offer)
		shift
		if ctl offer "$@" && [[ $ctl_reply == relid* ]]; then
			result ok "host: offer $* on request ($(head -n 1 <<<"$ctl_reply"))"
		else
			result "not ok" "host: offer $* on request: hvcore ctl failed" \
				"$(tail -n 2 <<<"$ctl_reply" | tr '\n' ' ')"
		fi ;;
	expect-leds)
		shift
		input_saw_leds=1
		if input_leds "$@"; then
			result ok "host: hvcore sees the guest's LEDs $* ($(head -n 1 <<<"$ctl_reply"))"
		else
			result "not ok" "host: hvcore sees the guest's LEDs $*" \
				"last: $(head -n 1 <<<"$ctl_reply")"
		fi ;;
	*)	return 1 ;;
	esac
	return 0
}

# The LED check runs on the host: a guest that never asked fails it (the
# oracle keyboard has no LEDs, so its guest prints the skip itself).
suite_checks() {
	[ "$driver" = intree ] || [ "$input_saw_leds" = 1 ] ||
		result "not ok" "host: hvcore sees the guest's LEDs" \
			"the guest never sent HVIS-HOST-REQ expect-leds"
}
