#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# End-to-end tier for one kernel release: boot it under hvcore with the hvis
# modules and run the in-guest tests, acting on the guest's requests to the host.
#
# usage: scripts/e2e.sh RELEASE
#
# Steps: build the modules for RELEASE (scripts/build-modules.sh, incremental,
# into build/RELEASE/), pack an initramfs (scripts/mkinitramfs.sh) holding
# hv_vmbus.ko (loaded by /init), the guest test modules and
# selftests/vmbus/guest-tests.sh (with guest-version-tests.sh), start `hvcore run` under a time limit with
# the console in build/RELEASE/console.log and hvcore's log in
# build/RELEASE/hvcore.log, follow the console live, then print KTAP: the
# guest's result lines followed by the host-side checks, every description
# prefixed "e2e RELEASE". Exit status 0 when every line is ok or skipped.
#
# Host-request protocol (also in selftests/README.md). The console is the only
# way out of the guest, and there is no way back in, so the guest asks and
# then watches for the effect itself (with its own timeout):
#   HVIS-HOST-REQ offer echo        -> hvcore ctl offer echo
#   HVIS-HOST-REQ rescind <relid>   -> hvcore ctl rescind <relid>
#   HVIS-HOST-REQ check-alive       -> host checks hvcore is running and its
#                                      control socket answers `list`
#   HVIS-HOST-REQ expect-log <relid> -> host checks hvcore's log names relid
#                                      in a line giving a reason (violation,
#                                      corrupt, invalid, oversize, ...)
#   HVIS-HOST-REQ expect-log-re ERE -> host checks a line of hvcore's log
#                                      matches the extended regex ERE (the
#                                      rest of the request line)
#   HVIS-HOST-REQ max-version X.Y   -> hvcore ctl max-version X.Y (applies at
#                                      the guest's next INITIATE_CONTACT)
# Requests may appear anywhere on a console line (kernel output can share
# it); each is acted on once, in order, and becomes a host KTAP line. The
# garbage test must send check-alive and expect-log: without them those two
# checks are reported not ok, never skipped.
#
# Markers printed by the initramfs (mkinitramfs.sh /init and the run script
# written below): HVIS-GUEST-UP, HVIS-GUEST-INSMOD-FAILED, HVIS-DEVICES-UP
# <uptime> <count>, HVIS-GUEST-DONE rc=N, HVIS-DMESG <line>.
#
# Environment: HVIS_HVCORE (hvcore binary), HVIS_ACCEL (default tcg: QEMU
# under KVM was seen to abort on nested hosts), HVIS_E2E_TIMEOUT (seconds, default
# 900), HVIS_ECHO (echo devices, default 2), HVIS_CPUS (default 2),
# HVIS_MEMORY (MiB, default 512), HVIS_BUILD_DIR.
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
rel=${1:?usage: e2e.sh RELEASE}
out=${HVIS_BUILD_DIR:-$top/build}/$rel
hvcore=${HVIS_HVCORE:-$top/hvcore/hvcore}
limit=${HVIS_E2E_TIMEOUT:-900}
echo_n=${HVIS_ECHO:-2}
cpus=${HVIS_CPUS:-2}
mem=${HVIS_MEMORY:-512}
violation_re=${HVIS_VIOLATION_RE:-violation|corrupt|invalid|oversize|malformed|bad }
mkdir -p "$out"
ktap=$out/e2e.ktap
: >"$ktap"

# Results are collected first and numbered at the end, so that the plan line
# is right even when the guest stops early.
results=()
result() {	# result ok|"not ok" "description" [diagnostic...]
	local st=$1 desc=$2 d
	shift 2
	results+=("$st e2e $rel $desc")
	for d in "$@"; do results+=("# $d"); done
}

emit() {
	local n=0 line
	{
		echo "KTAP version 1"
		local total=0
		for line in "${results[@]}"; do
			case $line in "ok "*|"not ok "*) total=$((total + 1)) ;; esac
		done
		echo "1..$total"
		for line in "${results[@]}"; do
			case $line in
			"ok "*) n=$((n + 1)); echo "ok $n ${line#ok }" ;;
			"not ok "*) n=$((n + 1)); echo "not ok $n ${line#not ok }" ;;
			*) echo "$line" ;;
			esac
		done
	} | tee "$ktap"
	grep -Eq '^not ok [0-9]+ ' "$ktap" && exit 1
	exit 0
}

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
gdir=$src/selftests/vmbus
if [ ! -f "$vmbus_ko" ] || [ "$brc" != 0 ]; then
	mapfile -t why < <(grep -hE 'warning:|error:|\*\*\*|missing' \
		"$out/modules.log" "$out/selftests.log" 2>/dev/null | head -n 4)
	result "not ok" "build: modules for $rel did not build (exit $brc)" "${why[@]}"
	[ -f "$vmbus_ko" ] || emit
fi
test_kos=()
for m in hvis_echo_test hvis_garbage_test; do
	if [ -f "$gdir/$m.ko" ]; then
		test_kos+=(-f "$gdir/$m.ko:/lib/modules/$rel/extra/$m.ko")
	else
		result "not ok" "build: selftests/vmbus/$m.ko missing"
	fi
done
for t in guest-tests.sh guest-version-tests.sh; do
	guest_tests=${HVIS_SRC:-$top}/selftests/vmbus/$t
	if [ -f "$guest_tests" ]; then
		test_kos+=(-f "$guest_tests:/hvis/$t")
	else
		result "not ok" "guest: selftests/vmbus/$t missing"
	fi
done

# The program /init runs: wait for the echo devices (timing the boot), run
# the guest tests, then hand the kernel log to the host.
cat >"$out/guest-run.sh" <<EOF
#!/bin/sh
export HVIS_RELEASE=\$(uname -r) HVIS_MODDIR=/lib/modules/\$(uname -r)/extra
export HVIS_ECHO_COUNT=$echo_n HVIS_CPUS=$cpus
up() { cut -d. -f1 /proc/uptime; }
end=\$((\$(up) + 60))
while [ "\$(ls /sys/bus/vmbus/devices 2>/dev/null | wc -l)" -lt $echo_n ] && [ \$(up) -lt \$end ]; do
	usleep 100000
done
echo "HVIS-DEVICES-UP \$(cut -d' ' -f1 /proc/uptime) \$(ls /sys/bus/vmbus/devices 2>/dev/null | wc -l)"
rc=1
if [ -f /hvis/guest-tests.sh ]; then
	chmod +x /hvis/guest-tests.sh
	/hvis/guest-tests.sh
	rc=\$?
fi
dmesg | sed 's/^/HVIS-DMESG /'
exit \$rc
EOF
if ! "$top/scripts/mkinitramfs.sh" -r "$rel" -o "$out/initramfs.cpio.gz" \
	-s "$out/guest-run.sh" "${test_kos[@]}" "$vmbus_ko" 2>"$out/mkinitramfs.err"; then
	result "not ok" "initramfs: mkinitramfs.sh failed" "$(head -n 3 "$out/mkinitramfs.err")"
	emit
fi

# Unix socket paths are short (108 bytes): keep the control socket in /tmp.
rundir=$(mktemp -d "${TMPDIR:-/tmp}/hvis-e2e.XXXXXX")
sock=$rundir/ctl.sock
hv_pid=""
cleanup() {
	[ -n "$hv_pid" ] && kill "$hv_pid" 2>/dev/null
	rm -rf "$rundir"
}
trap cleanup EXIT

console=$out/console.log
log=$out/hvcore.log
: >"$console"
: >"$log"
t0=$(date +%s.%N)
timeout --kill-after=10 "$limit" "$hvcore" run --kernel "/boot/vmlinuz-$rel" \
	--initrd "$out/initramfs.cpio.gz" --append "console=ttyS0 panic=-1 quiet" \
	--accel "${HVIS_ACCEL:-tcg}" --echo "$echo_n" --cpus "$cpus" --memory "$mem" \
	--console "file:$console" --ctl "$sock" >>"$log" 2>&1 &
hv_pid=$!

since() {	# seconds since $1 (date +%s.%N), one decimal
	awk -v a="$(date +%s.%N)" -v b="$1" 'BEGIN { printf "%.1f", a - b }'
}

ctl() {
	timeout 20 "$hvcore" ctl --socket "$sock" "$@" >>"$out/ctl.log" 2>&1
}

# Follow the console while hvcore runs; tail ends shortly after it exits.
# Host results are filed under the console line that asked for them, so the
# report reads in the order things happened.
declare -A host_at
saw_alive=0 saw_log=0 alive_at="" devices_up="" devices_wall="" lineno=0
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
		read -r -a w <<<"$req"
		set -- "${w[@]}"
		case ${1:-} in
		offer)
			if ctl offer "${2:-echo}"; then
				result ok "host: offer ${2:-echo} on request"
			else
				result "not ok" "host: offer ${2:-echo} on request: hvcore ctl failed" \
					"$(tail -n 2 "$out/ctl.log" | tr '\n' ' ')"
			fi ;;
		rescind)
			if [[ ${2:-} =~ ^[0-9]+$ ]] && ctl rescind "$2"; then
				result ok "host: rescind relid $2 on request"
			else
				result "not ok" "host: rescind relid ${2:-?} on request: hvcore ctl failed" \
					"$(tail -n 2 "$out/ctl.log" | tr '\n' ' ')"
			fi ;;
		max-version)
			# The reply names the cap and the live version, which the
			# guest changes only by reconnecting.
			if [[ ${2:-} =~ ^[0-9]+\.[0-9]+$ ]] && ctl max-version "$2"; then
				result ok "host: max-version $2 on request" \
					"$(grep 'max-version' "$out/ctl.log" | tail -n 1)"
			else
				result "not ok" "host: max-version ${2:-?} on request: hvcore ctl failed" \
					"$(tail -n 2 "$out/ctl.log" | tr '\n' ' ')"
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
			result "not ok" "host: unknown guest request '$req'" ;;
		esac ;;
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

# The guest's own results, in its order, after the host lines seen so far.
clean=$(mktemp)
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
if [ -n "$devices_up" ]; then
	read -r -a w <<<"$devices_up"
	set -- "${w[@]}"
	if [ "${2:-0}" -ge "$echo_n" ]; then
		result ok "host: boot to $2 vmbus devices in ${1}s guest uptime (${devices_wall}s wall)"
	else
		result "not ok" "host: boot to $echo_n vmbus devices: only ${2:-0} after 60 s"
	fi
else
	result "not ok" "host: boot to $echo_n vmbus devices: guest never reported"
fi
if [ -z "$guest_plan" ] && [ "$guest_ran" = 0 ]; then
	result "not ok" "guest: guest-tests.sh printed no KTAP"
elif [ -n "$guest_plan" ] && [ "$guest_ran" -lt "$guest_plan" ]; then
	result "not ok" "guest: planned $guest_plan tests, $guest_ran reported (guest stopped early?)"
fi
[ "$saw_alive" = 1 ] || result "not ok" "host: hvcore still running after the garbage test" \
	"the guest never sent HVIS-HOST-REQ check-alive"
[ "$saw_log" = 1 ] || result "not ok" "host: hvcore logged why it closed the garbage channel" \
	"the guest never sent HVIS-HOST-REQ expect-log"
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
rm -f "$clean"
emit
