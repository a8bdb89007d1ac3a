# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
# Shared end-to-end machinery, sourced by scripts/e2e.sh: results and KTAP,
# booting the guest under hvcore, following its console, acting on its
# requests, and the host checks every suite gets.
#
# A suite (scripts/lib/suite-vmbus.sh, selftests/storage/suite.sh) is
# sourced after this file and defines:
#   suite_prepare   fill the arrays below, write the guest program with
#                   e2e_guest_run; return non-zero to stop the run (after
#                   filing a not ok)
#   suite_request   act on one HVIS-HOST-REQ (words in "$@"); return 1 for a
#                   verb it does not know (the common verbs are tried next)
#   suite_checks    host checks after the guest's results (hvcore has exited)
# and may set, before e2e_main:
#   E2E_LABEL       words after "e2e RELEASE" in every description ("" or
#                   e.g. "storage(hvis)")
#   E2E_DIR         where the run's files go (default build/RELEASE)
# Arrays and variables a suite fills in suite_prepare:
#   E2E_MODULES     .ko files /init loads, in order, after hv_vmbus.ko
#   E2E_MKINITRAMFS extra scripts/mkinitramfs.sh arguments (-f, -k, -H, -9)
#   E2E_HVCORE      extra `hvcore run` arguments (--echo, --device, ...)
#   E2E_QEMU        extra QEMU arguments (passed as --qemu-arg each)
#   E2E_DEVICES     vmbus devices the guest waits for before its tests
#   E2E_ACK         1: a directory the host writes a reply into for every
#                   request, shared with the guest over 9p (tag hvisack)
#   E2E_MEMORY, E2E_CPUS  guest size (default HVIS_MEMORY / HVIS_CPUS)
#   E2E_APPEND      more guest kernel command line (e.g. mem=1024M)
#
# Replies to requests (E2E_ACK=1): the host numbers the requests from 1 in
# console order and, once it has acted, writes file <n> in the share: first
# word ok, "not ok" or skip, then the rest of the result description, then
# the control socket's reply lines. The guest numbers its own requests the
# same way and waits for the file (selftests/storage/guest-lib.sh).

E2E_LABEL=${E2E_LABEL:-}
E2E_MODULES=() E2E_MKINITRAMFS=() E2E_HVCORE=() E2E_QEMU=()
E2E_DEVICES=0 E2E_ACK=0 E2E_APPEND=""
E2E_MEMORY=${HVIS_MEMORY:-512} E2E_CPUS=${HVIS_CPUS:-2}

hvcore=${HVIS_HVCORE:-$top/hvcore/hvcore}
limit=${HVIS_E2E_TIMEOUT:-900}
violation_re=${HVIS_VIOLATION_RE:-violation|corrupt|invalid|oversize|malformed|bad }

# Results are collected first and numbered at the end, so that the plan line
# is right even when the guest stops early.
results=()
result() {	# result ok|"not ok"|skip "description" [diagnostic...]
	local st=$1 desc=$2 d
	shift 2
	if [ "$st" = skip ]; then
		results+=("ok e2e $rel${E2E_LABEL:+ $E2E_LABEL} $desc # SKIP")
	else
		results+=("$st e2e $rel${E2E_LABEL:+ $E2E_LABEL} $desc")
	fi
	for d in "$@"; do results+=("# $d"); done
}

emit() {
	ktap_print | tee "$ktap"
	ktap_failed && exit 1
	exit 0
}

since() {	# seconds since $1 (date +%s.%N), one decimal
	awk -v a="$(date +%s.%N)" -v b="$1" 'BEGIN { printf "%.1f", a - b }'
}

# hvcore ctl; its reply is appended to ctl.log and kept in $ctl_reply.
ctl_reply=""
ctl() {
	local rc
	ctl_reply=$(timeout 20 "$hvcore" ctl --socket "$sock" "$@" 2>&1)
	rc=$?
	printf '%s\n' "$ctl_reply" >>"$wdir/ctl.log"
	return $rc
}

# hvcore ctl for commands that wait on the guest (KVP: up to 35 s); the
# reply, less its final "ok", is kept in $ctl_reply and logged with the command.
e2e_ctl_wait() {
	local rc
	ctl_reply=$(timeout 70 "$hvcore" ctl --socket "$sock" "$@" 2>&1)
	rc=$?
	printf '> %s\n%s\n' "$*" "$ctl_reply" >>"$wdir/ctl.log"
	[ "$(tail -n 1 <<<"$ctl_reply")" = ok ] && ctl_reply=$(sed '$d' <<<"$ctl_reply")
	return $rc
}

e2e_poll() {	# SECONDS ERE CMD...: e2e_ctl_wait CMD until a reply line matches
	local secs=$1 re=$2 t0
	shift 2
	t0=$(date +%s.%N)
	while :; do
		e2e_ctl_wait "$@" && grep -qE -- "$re" <<<"$ctl_reply" && return 0
		[ "$(awk -v a="$(date +%s.%N)" -v b="$t0" -v s="$secs" 'BEGIN { print (a - b >= s) }')" = 1 ] &&
			return 1
		sleep 0.5
	done
}

# The program /init runs: wait for the suite's vmbus devices (timing the
# boot), run the suite's guest script, then hand the kernel log to the host.
# usage: e2e_guest_run SCRIPT-IN-GUEST [VAR=VALUE...] (exported to it)
e2e_guest_run() {
	local script=$1 kv
	shift
	{
		echo '#!/bin/sh'
		printf 'export HVIS_RELEASE=$(uname -r) HVIS_MODDIR=/lib/modules/$(uname -r)/extra\n'
		for kv in "$@"; do printf 'export %q\n' "$kv"; done
		cat <<EOF
up() { cut -d. -f1 /proc/uptime; }
end=\$((\$(up) + 60))
while [ "\$(ls /sys/bus/vmbus/devices 2>/dev/null | wc -l)" -lt $E2E_DEVICES ] && [ \$(up) -lt \$end ]; do
	usleep 100000
done
echo "HVIS-DEVICES-UP \$(cut -d' ' -f1 /proc/uptime) \$(ls /sys/bus/vmbus/devices 2>/dev/null | wc -l)"
rc=1
if [ -f $script ]; then
	chmod +x $script
	$script
	rc=\$?
fi
dmesg | sed 's/^/HVIS-DMESG /'
exit \$rc
EOF
	} >"$wdir/guest-run.sh"
}

# The common requests; returns 1 for an unknown verb.
e2e_common_request() {
	local req=$1 re line t0
	shift
	case ${1:-} in
	offer)
		if ctl offer "${2:-echo}"; then
			result ok "host: offer ${2:-echo} on request"
		else
			result "not ok" "host: offer ${2:-echo} on request: hvcore ctl failed" \
				"$(tail -n 2 "$wdir/ctl.log" | tr '\n' ' ')"
		fi ;;
	rescind)
		if [[ ${2:-} =~ ^[0-9]+$ ]] && ctl rescind "$2"; then
			result ok "host: rescind relid $2 on request"
		else
			result "not ok" "host: rescind relid ${2:-?} on request: hvcore ctl failed" \
				"$(tail -n 2 "$wdir/ctl.log" | tr '\n' ' ')"
		fi ;;
	max-version)
		# The reply names the cap and the live version, which the
		# guest changes only by reconnecting.
		if [[ ${2:-} =~ ^[0-9]+\.[0-9]+$ ]] && ctl max-version "$2"; then
			result ok "host: max-version $2 on request" \
				"$(grep 'max-version' "$wdir/ctl.log" | tail -n 1)"
		else
			result "not ok" "host: max-version ${2:-?} on request: hvcore ctl failed" \
				"$(tail -n 2 "$wdir/ctl.log" | tr '\n' ' ')"
		fi ;;
	ctl)
		shift
		if e2e_ctl_wait "$@"; then
			result ok "host: ctl $*" "$(head -n 1 <<<"$ctl_reply")"
		else
			result "not ok" "host: ctl $*" "$(tail -n 2 <<<"$ctl_reply" | tr '\n' ' ')"
		fi ;;
	poll)
		shift
		t0=$(date +%s.%N)
		if [[ ${1:-} =~ ^[0-9]+$ ]] && [ -n "${2:-}" ] && e2e_poll "$@"; then
			result ok "host: ctl ${*:3} matched /$2/ after $(since "$t0")s" \
				"$(grep -m1 -E -- "$2" <<<"$ctl_reply")"
		else
			result "not ok" "host: ctl ${*:3} did not match /${2:-}/ within ${1:-?}s" \
				"last reply: $(head -n 2 <<<"$ctl_reply" | tr '\n' ' ')"
		fi ;;
	check-alive)
		saw_alive=1
		if kill -0 "$hv_pid" 2>/dev/null && ctl list; then
			result ok "host: hvcore still running after the garbage test (ctl list answers)"
		else
			# The guest does not wait for this one and may
			# have powered off already: judged at the end.
			alive_at=$lineno
		fi ;;
	expect-log)
		saw_log=1
		sleep 0.5	# hvcore may still be writing its line
		if grep -iE "relid[ =:]*${2:-x}([^0-9]|$)" "$log" | grep -qiE "$violation_re"; then
			result ok "host: hvcore logged why it closed relid ${2:-?}" \
				"$(grep -iE "relid[ =:]*${2:-x}([^0-9]|$)" "$log" | grep -iE "$violation_re" | head -n 1)"
		else
			result "not ok" "host: hvcore logged why it closed relid ${2:-?}" \
				"no line naming relid ${2:-?} with a reason in hvcore.log"
		fi ;;
	expect-log-re)
		sleep 0.5	# hvcore may still be writing its line
		re=${req#expect-log-re }
		if line=$(grep -E -m 1 -- "$re" "$log"); then
			result ok "host: hvcore logged /$re/" "$line"
		else
			result "not ok" "host: hvcore logged /$re/" \
				"no line of hvcore.log matches"
		fi ;;
	*)
		return 1 ;;
	esac
	return 0
}

# Writes the reply to request number $1 from the results filed since $2.
e2e_ack() {
	local n=$1 from=$2 first
	[ "$E2E_ACK" = 1 ] || return 0
	first=${results[$from]:-ok}
	case $first in
	*" # SKIP") first="skip ${first#ok }"; first=${first% # SKIP} ;;
	esac
	{
		echo "$first"
		printf '%s\n' "$ctl_reply"
	} >"$ackdir/.$n" && mv "$ackdir/.$n" "$ackdir/$n"
}

# Boots the guest, follows its console and answers its requests until
# hvcore exits. Sets hv_rc, wall, host_at[] (host results by console line).
declare -A host_at
saw_alive=0 saw_log=0 alive_at="" devices_up="" devices_wall="" lineno=0
e2e_boot() {
	local args=() a raw line before req nreq=0 w qextra
	args=(--kernel "/boot/vmlinuz-$rel" --initrd "$wdir/initramfs.cpio.gz"
		--append "console=ttyS0 panic=-1 quiet${E2E_APPEND:+ $E2E_APPEND}"
		--accel "${HVIS_ACCEL:-tcg}" --cpus "$E2E_CPUS" --memory "$E2E_MEMORY"
		--console "file:$console" --ctl "$sock" "${E2E_HVCORE[@]}")
	if [ "$E2E_ACK" = 1 ]; then
		ackdir=$rundir/ack
		mkdir -p "$ackdir"
		E2E_QEMU+=(-virtfs "local,path=$ackdir,mount_tag=hvisack,security_model=none,readonly=on")
	fi
	# Until hvcore has --qemu-arg, QEMU is a wrapper that appends them.
	if [ ${#E2E_QEMU[@]} -gt 0 ]; then
		if "$hvcore" run --help 2>&1 | grep -q -- '--qemu-arg'; then
			for a in "${E2E_QEMU[@]}"; do args+=(--qemu-arg "$a"); done
		else
			qextra=$rundir/qemu-extra
			printf '%s\n' "${E2E_QEMU[@]}" >"$qextra"
			export HVIS_QEMU_EXTRA=$qextra
			args+=(--qemu "$top/scripts/lib/qemu-extra.sh")
		fi
	fi
	: >"$console"
	: >"$log"
	t0=$(date +%s.%N)
	timeout --kill-after=10 "$limit" "$hvcore" run "${args[@]}" >>"$log" 2>&1 &
	hv_pid=$!

	# Follow the console while hvcore runs; tail ends shortly after it
	# exits. Host results are filed under the console line that asked for
	# them, so the report reads in the order things happened.
	while IFS= read -r raw; do
		lineno=$((lineno + 1))
		line=${raw//$'\r'/}
		before=${#results[@]}
		case $line in
		*HVIS-DEVICES-UP*)
			devices_wall=$(since "$t0")
			devices_up=${line#*HVIS-DEVICES-UP } ;;
		*HVIS-HOST-REQ*)
			req=${line#*HVIS-HOST-REQ }
			nreq=$((nreq + 1))
			read -r -a w <<<"$req"
			ctl_reply=""
			if ! suite_request "${w[@]}" && ! e2e_common_request "$req" "${w[@]}"; then
				result "not ok" "host: unknown guest request '$req'"
			fi
			e2e_ack "$nreq" "$before" ;;
		esac
		if [ ${#results[@]} -gt "$before" ]; then
			host_at[$lineno]=$(printf '%s\n' "${results[@]:before}")
			results=("${results[@]:0:before}")
		fi
	done < <(tail -n +1 -F --pid="$hv_pid" "$console" 2>/dev/null)
	wait "$hv_pid"
	hv_rc=$?
	hv_pid=""
	wall=$(since "$t0")
	if [ -n "$alive_at" ]; then
		before=${#results[@]}
		if [ "$hv_rc" = 0 ] && grep -q HVIS-GUEST-DONE "$console"; then
			result ok "host: hvcore still running after the garbage test (served the guest to its poweroff)"
		else
			result "not ok" "host: hvcore still running after the garbage test" \
				"hvcore exited with status $hv_rc before the guest finished"
		fi
		host_at[$alive_at]=$(printf '%s\n' "${results[@]:before}")
		results=("${results[@]:0:before}")
	fi
}

# The guest's own results, in its order, with the host lines filed under
# the console lines that asked for them.
e2e_collect() {
	local num line st desc add
	clean=$wdir/console.clean
	tr -d '\r' <"$console" | sed 's/\x1b\[[0-9;?]*[A-Za-z]//g; s/\x1bc//g' >"$clean"
	guest_plan=$(grep -Em1 '^1\.\.[0-9]+' "$clean" | cut -c4-)
	guest_ran=0
	while IFS= read -r line; do
		num=${line%%:*}
		line=${line#*:}
		if [ -n "${host_at[$num]:-}" ]; then
			mapfile -t add <<<"${host_at[$num]}"
			results+=("${add[@]}")
			unset "host_at[$num]"
			continue
		fi
		case $line in
		"ok "[0-9]*|"not ok "[0-9]*)
			guest_ran=$((guest_ran + 1))
			st=ok
			[ "${line#not ok}" != "$line" ] && st="not ok"
			desc=$(echo "$line" | sed -E 's/^(not ok|ok) [0-9]+ ?//; s/^e2e //')
			result "$st" "$desc" ;;
		"# "*)
			results+=("$line") ;;
		esac
	done < <(grep -nE '^((not ok|ok) [0-9]+( |$)|# )|HVIS-HOST-REQ' "$clean")
	# Requests on lines the second pass did not see (none expected).
	for num in "${!host_at[@]}"; do
		mapfile -t add <<<"${host_at[$num]}"
		results+=("${add[@]}")
	done
}

e2e_boot_checks() {
	local w
	if grep -q HVIS-GUEST-UP "$clean"; then
		result ok "host: guest booted to /init"
	else
		result "not ok" "host: guest booted to /init" "no HVIS-GUEST-UP on the console; last lines:" \
			"$(tail -n 5 "$clean" | tr '\n' '|')"
	fi
	if grep -q HVIS-GUEST-INSMOD-FAILED "$clean"; then
		result "not ok" "host: /init loaded hv_vmbus.ko" \
			"$(grep -m1 HVIS-GUEST-INSMOD-FAILED "$clean")"
	elif grep -q HVIS-GUEST-UP "$clean"; then
		result ok "host: /init loaded hv_vmbus.ko"
	fi
	if grep -q HVIS-GUEST-HOSTFS-FAILED "$clean"; then
		result "not ok" "host: guest mounted the host's file system over 9p" \
			"$(grep -m1 HVIS-GUEST-HOSTFS-FAILED "$clean")"
	fi
	if [ -n "$devices_up" ]; then
		read -r -a w <<<"$devices_up"
		set -- "${w[@]}"
		if [ "${2:-0}" -ge "$E2E_DEVICES" ]; then
			result ok "host: boot to $2 vmbus devices in ${1}s guest uptime (${devices_wall}s wall)"
		else
			result "not ok" "host: boot to $E2E_DEVICES vmbus devices: only ${2:-0} after 60 s"
		fi
	else
		result "not ok" "host: boot to $E2E_DEVICES vmbus devices: guest never reported"
	fi
	if [ -z "$guest_plan" ] && [ "$guest_ran" = 0 ]; then
		result "not ok" "guest: $guest_name printed no KTAP"
	elif [ -n "$guest_plan" ] && [ "$guest_ran" -lt "$guest_plan" ]; then
		result "not ok" "guest: planned $guest_plan tests, $guest_ran reported (guest stopped early?)"
	fi
}

e2e_end_checks() {
	local oops
	oops=$(grep '^HVIS-DMESG ' "$clean" | grep -E 'WARNING:|BUG:|Oops|general protection|KASAN|UBSAN|refcount_t:|list_(add|del) corruption|Call Trace' | head -n 3)
	if ! grep -q '^HVIS-DMESG ' "$clean"; then
		oops=$(grep -E 'WARNING:|BUG:|Oops|general protection|Kernel panic' "$clean" | head -n 3)
	fi
	if [ -n "$oops" ]; then
		result "not ok" "host: guest kernel log free of WARN/BUG/Oops" "$oops"
	elif grep -q '^HVIS-DMESG ' "$clean"; then
		result ok "host: guest kernel log free of WARN/BUG/Oops"
	else
		result "not ok" "host: guest kernel log free of WARN/BUG/Oops" "the guest never dumped its log"
	fi
	case $hv_rc in
	0)	if grep -q HVIS-GUEST-DONE "$clean"; then
			result ok "host: guest powered off, hvcore exit 0 after ${wall}s"
		else
			result "not ok" "host: hvcore exit 0 but the guest never finished its tests"
		fi ;;
	124|137) result "not ok" "host: timed out after ${limit}s; hvcore killed" \
		"last console lines: $(tail -n 3 "$clean" | tr '\n' '|')" ;;
	*)	result "not ok" "host: hvcore exit status $hv_rc (expected 0 after guest poweroff)" \
		"$(tail -n 3 "$log" | tr '\n' '|')" ;;
	esac
}

e2e_main() {
	local brc why=()
	wdir=${E2E_DIR:-$out}
	mkdir -p "$wdir"
	ktap=$wdir/e2e.ktap
	console=$wdir/console.log
	log=$wdir/hvcore.log
	: >"$ktap"
	: >"$wdir/ctl.log"
	guest_name=${guest_name:-the guest script}

	# Each earlier failure below ends the run with a not ok saying what was missing.
	if [ ! -f "/boot/vmlinuz-$rel" ]; then
		result "not ok" "kernel: /boot/vmlinuz-$rel not installed (run scripts/deps.sh)"
		emit
	fi
	if [ ! -x "$hvcore" ]; then
		result "not ok" "hvcore: $hvcore not built (make hvcore)"
		emit
	fi

	"$top/scripts/build-modules.sh" "$rel" 2>"$out/build.err"
	brc=$?
	src=$out/src
	vmbus_ko=$src/hv_vmbus.ko
	if [ ! -f "$vmbus_ko" ] || [ "$brc" != 0 ]; then
		mapfile -t why < <(grep -hE 'warning:|error:|\*\*\*|missing' \
			"$out/modules.log" "$out/selftests.log" 2>/dev/null | head -n 4)
		result "not ok" "build: modules for $rel did not build (exit $brc)" "${why[@]}"
		[ -f "$vmbus_ko" ] || emit
	fi

	# Unix socket paths are short (108 bytes): keep the control socket in /tmp.
	rundir=$(mktemp -d "${TMPDIR:-/tmp}/hvis-e2e.XXXXXX")
	sock=$rundir/ctl.sock
	hv_pid=""
	trap 'e2e_cleanup' EXIT

	suite_prepare || emit
	if ! "$top/scripts/mkinitramfs.sh" -r "$rel" -o "$wdir/initramfs.cpio.gz" \
		-s "$wdir/guest-run.sh" "${E2E_MKINITRAMFS[@]}" "$vmbus_ko" "${E2E_MODULES[@]}" \
		2>"$wdir/mkinitramfs.err"; then
		result "not ok" "initramfs: mkinitramfs.sh failed" "$(head -n 3 "$wdir/mkinitramfs.err")"
		emit
	fi

	e2e_boot
	e2e_collect
	e2e_boot_checks
	suite_checks
	e2e_end_checks
	rm -f "$clean"
	emit
}

e2e_cleanup() {
	[ -n "$hv_pid" ] && kill "$hv_pid" 2>/dev/null
	declare -F suite_cleanup >/dev/null && suite_cleanup
	rm -rf "$rundir"
}
