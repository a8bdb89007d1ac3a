#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# guest-tests.sh - the in-guest VMBus end-to-end tests; prints one KTAP document.
#
# Runs inside the e2e initramfs (busybox sh) after /init has loaded hv_vmbus.
# Loads hvis_echo_test and hvis_garbage_test, then: devices, echo traffic,
# rescind mid-traffic and re-offer, rmmod/insmod cycles with leak checks,
# malformed input.  What each test expects is in selftests/README.md.
#
# Knobs (environment, or hvis.<name>=<value> on the kernel command line):
#   HVIS_ECHO_COUNT    echo devices offered at boot (2)
#   HVIS_ECHO_PACKETS  packets per channel in the traffic test (100000)
#   HVIS_SUBCHANNELS   sub-channels asked of the first device (2)
#   HVIS_RELOAD_CYCLES rmmod/insmod cycles (20)
#   HVIS_MODDIR        where the .ko files are (/lib/modules/$(uname -r)/extra)

ECHO_CLASS='{2475eb87-34b6-4e3b-b993-1f47d2db1cd0}'
BUS=/sys/bus/vmbus/devices
GARBAGE=/sys/module/hvis_garbage_test/parameters
# Kernel log lines that mean the guest kernel is unhappy.
BAD_LOG='WARNING:|BUG:|Oops|general protection|Call Trace|refcount_t:|list_(add|del) corruption|leak'
# Free memory (free pages plus per-CPU lists) may drop this much over the
# reload cycles (KiB): slab partials move a few hundred KiB each way, while
# one leaked ring set per cycle (2 x 128 KiB per device) costs 10 MiB over
# 20 cycles.
MEMFREE_SLACK_KB=4096

cmdline_knob() {	# cmdline_knob NAME DEFAULT
	v=$(tr ' ' '\n' </proc/cmdline | sed -n "s/^hvis\.$1=//p" | tail -n 1)
	echo "${v:-$2}"
}
MODDIR=${HVIS_MODDIR:-/lib/modules/$(uname -r)/extra}
EXPECT=${HVIS_ECHO_COUNT:-$(cmdline_knob echo_count 2)}
PACKETS=${HVIS_ECHO_PACKETS:-$(cmdline_knob echo_packets 100000)}
SUBCH=${HVIS_SUBCHANNELS:-$(cmdline_knob subchannels 2)}
CYCLES=${HVIS_RELOAD_CYCLES:-$(cmdline_knob reload_cycles 20)}
TMP=/tmp/hvis-guest-tests
mkdir -p $TMP

n=0
failed=0
ok() { n=$((n + 1)); echo "ok $n $*"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n $*"; }
diag() { echo "# $*"; }
result() {	# result STATUS DESCRIPTION: ok when STATUS is 0
	if [ "$1" = 0 ]; then shift; ok "$@"; else shift; not_ok "$@"; fi
}
uptime_s() { cut -d' ' -f1 /proc/uptime; }
bad_log_count() { dmesg | grep -cE "$BAD_LOG"; }

# Poll CMD every 0.1 s until it succeeds or SECONDS of uptime have passed
# (a count of polls would stretch: each poll is slow under TCG).
wait_for() {	# wait_for SECONDS CMD...
	end=$(awk -v s="$1" '{ printf "%d", $1 * 10 + s * 10 }' /proc/uptime)
	shift
	until "$@"; do
		[ "$(awk '{ printf "%d", $1 * 10 }' /proc/uptime)" -lt "$end" ] || return 1
		usleep 100000
	done
}

# Echo devices whose driver is bound (echo_run exists), by directory name.
echo_devices() {
	for d in "$BUS"/*; do
		[ -e "$d/class_id" ] || continue
		[ "$(cat "$d/class_id")" = "$ECHO_CLASS" ] || continue
		[ -e "$d/echo_run" ] && echo "${d##*/}"
	done
}
echo_count() { echo_devices | wc -l; }
have_devices() { [ "$(echo_count)" -ge "$1" ]; }
gone() { [ ! -e "$BUS/$1" ]; }
is_new_device() {	# is_new_device OLDLIST: some bound device not in OLDLIST
	for d in $(echo_devices); do
		case " $1 " in *" $d "*) ;; *) NEW=$d; return 0 ;; esac
	done
	return 1
}

field() {	# field NAME RESULT-LINE
	echo "$2" | tr ' ' '\n' | sed -n "s/^$1=//p"
}

# Start a run in the background; its exit status lands in $TMP/<tag>.rc.
run_bg() {	# run_bg TAG DEV ARG
	rm -f "$TMP/$1.rc"
	(
		# A failed write (EIO, ENODEV) is the run's verdict, not a shell error.
		if printf '%s\n' "$3" >"$BUS/$2/echo_run" 2>/dev/null; then r=0; else r=1; fi
		echo $r >"$TMP/$1.rc"
	) &
}
rc_ready() { [ -s "$TMP/$1.rc" ]; }

# A short synchronous run: 0 when every echo checked out.
short_run() {	# short_run DEV [PACKETS]
	echo "${2:-2000} mpb" >"$BUS/$1/echo_run" 2>/dev/null || return 1
	r=$(cat "$BUS/$1/echo_result")
	[ "$(field errors "$r")" = 0 ] && [ "$(field packets "$r")" = "${2:-2000}" ]
}
all_short_runs() {
	for d in $(echo_devices); do
		short_run "$d" || { diag "short run on $d failed: $(cat "$BUS/$d/echo_result" 2>/dev/null)"; return 1; }
	done
}

load_test_modules() {
	for m in hvis_echo_test hvis_garbage_test; do
		[ -d "/sys/module/$m" ] && continue
		insmod "$MODDIR/$m.ko" || return 1
	done
}

# ---- 0: the test modules --------------------------------------------------
echo "KTAP version 1"
diag "guest-tests: $(uname -r), $EXPECT echo devices, $PACKETS packets/channel, $CYCLES reload cycles"
load_test_modules
result $? "modules: hvis_echo_test and hvis_garbage_test loaded"

# ---- 1: devices -----------------------------------------------------------
wait_for 60 have_devices "$EXPECT"
t_dev=$(uptime_s)
st=0
[ "$(echo_count)" -ge "$EXPECT" ] || { st=1; diag "only $(echo_count) of $EXPECT echo devices bound"; }
for d in $(echo_devices); do
	id=$(cat "$BUS/$d/device_id")
	[ "$id" = "{$d}" ] || { st=1; diag "$d: device_id $id does not match its name"; }
	relid=$(cat "$BUS/$d/id")
	[ "$relid" -gt 0 ] 2>/dev/null || { st=1; diag "$d: bad relid '$relid'"; }
	mode=$(cat "$BUS/$d/echo_mode")
	# hv_vmbus hides monitor_id on channels without a monitor, as in-tree.
	if [ "$mode" = monitored ] && [ ! -e "$BUS/$d/monitor_id" ]; then
		st=1; diag "$d: monitored but no monitor_id attribute"
	fi
	if [ "$mode" = dedicated ] && [ -e "$BUS/$d/monitor_id" ]; then
		st=1; diag "$d: not monitored but monitor_id is visible"
	fi
	diag "$d: relid $relid, $mode"
done
ver=$(dmesg | grep -oiE 'vmbus version:? *[0-9]+\.[0-9]+' | tail -n 1 | grep -oE '[0-9]+\.[0-9]+$')
[ -n "$ver" ] || { st=1; diag "no 'Vmbus version' line in dmesg"; }
result $st "devices: $(echo_count) echo devices, class and device ids right, VMBus $ver, up at ${t_dev}s uptime"

# ---- 2: echo traffic ------------------------------------------------------
devs=$(echo_devices)
modes=$(for d in $devs; do cat "$BUS/$d/echo_mode"; done | sort -u | tr '\n' ' ')
case $modes in
*dedicated*monitored*) ok "echo: devices cover both signalling styles ($modes)" ;;
*) not_ok "echo: devices cover both signalling styles (only: $modes)" ;;
esac

sc_dev=$(echo "$devs" | head -n 1)
if [ -n "$sc_dev" ]; then
	echo "$SUBCH" >"$BUS/$sc_dev/echo_subchannels" 2>/dev/null
	got=$(cat "$BUS/$sc_dev/echo_subchannels")
	result "$([ "$got" = "$SUBCH" ]; echo $?)" "echo: $sc_dev opened $got of $SUBCH sub-channels"
else
	not_ok "echo: no device to open sub-channels on"
fi

for d in $devs; do
	nch=$((1 + $(cat "$BUS/$d/echo_subchannels")))
	echo "$nch" >"$TMP/$d.nch"
	run_bg "$d" "$d" "$((PACKETS * nch)) mpb"
done
# Each run ends on its own: the driver gives up after 10 s without an echo.
for d in $devs; do
	wait_for 3600 rc_ready "$d"
done
for d in $devs; do
	nch=$(cat "$TMP/$d.nch")
	want=$((PACKETS * nch))
	rc=$(cat "$TMP/$d.rc" 2>/dev/null)
	r=$(cat "$BUS/$d/echo_result")
	p=$(field packets "$r")
	mbs=$(awk -v b="$(field bytes "$r")" -v t="$(field ns "$r")" \
		'BEGIN { if (t > 0) printf "%.1f", b * 1000 / t; else print 0 }')
	pps=$(awk -v p="$p" -v t="$(field ns "$r")" \
		'BEGIN { if (t > 0) printf "%d", p * 1e9 / t; else print 0 }')
	st=0
	[ "$rc" = 0 ] && [ "$p" = "$want" ] && [ "$(field errors "$r")" = 0 ] || st=1
	[ $st = 0 ] || diag "$d: exit ${rc:-none}, result: $r"
	result $st "echo: $d ($(cat "$BUS/$d/echo_mode"), $nch channel(s)): $p of $want packets, $mbs MB/s, $pps packets/s"
done
wait

# ---- 3: rescind mid-traffic -----------------------------------------------
bad0=$(bad_log_count)
rdev=$(echo_devices | tail -n 1)
if [ -n "$rdev" ]; then
	relid=$(cat "$BUS/$rdev/id")
	run_bg rescind "$rdev" "100000000 mpb"
	sleep 1
	before=$(echo_devices | tr '\n' ' ')
	t0=$(uptime_s)
	echo "HVIS-HOST-REQ rescind $relid"
	wait_for 15 gone "$rdev"
	st=$?
	t1=$(uptime_s)
	result $st "rescind: $rdev (relid $relid) removed mid-traffic after $(awk -v a="$t1" -v b="$t0" 'BEGIN { printf "%.1f", a - b }')s"
	wait_for 15 rc_ready rescind
	rc=$(cat "$TMP/rescind.rc" 2>/dev/null)
	result "$([ -n "$rc" ] && [ "$rc" != 0 ]; echo $?)" \
		"rescind: the run in flight ended with an error (exit ${rc:-none: still running})"
	result "$([ "$(bad_log_count)" = "$bad0" ]; echo $?)" "rescind: no WARNING/BUG/Oops in dmesg"

	left=$(echo_devices | tr '\n' ' ')
	echo "HVIS-HOST-REQ offer echo"
	NEW=""
	wait_for 15 is_new_device "$left"
	if [ -n "$NEW" ]; then
		short_run "$NEW" 2000
		result $? "rescind: re-offered device $NEW (relid $(cat "$BUS/$NEW/id")) echoes 2000 packets"
	else
		not_ok "rescind: no new echo device within 15 s of the offer request"
	fi
	diag "devices before: $before"
else
	not_ok "rescind: no echo device left to rescind"
fi

# ---- 4: rmmod/insmod cycles -----------------------------------------------
# MemFree and the active objects of every kmalloc cache are read before and
# after the cycles, each time once the state has settled.  Frees that are
# only queued must land before a count: drop_caches runs every shrinker,
# kfree_rcu's included, which hands its backlog (up to 5 s of it: channels,
# kernfs open-file nodes) to RCU; the sleep covers the grace period and the
# freeing work.
settle() {
	sync
	echo 3 >/proc/sys/vm/drop_caches
	sleep 2
}
# Free pages, counting those parked on the per-CPU page lists too: MemFree
# leaves them out, and how many sit there swings by megabytes between two
# readings, which no leak check can tell from a leak.
memfree_kb() {
	awk '$1 == "pages" && $2 == "free" { n += $3 }
	     $1 == "count:" { n += $2 }
	     END { print n * 4 }' /proc/zoneinfo
}
# Where kernel memory other than kmalloc went, to explain a MemFree drop.
MEMINFO_KEYS='SUnreclaim|Percpu|KernelStack|PageTables|VmallocUsed'
# SLUB counts the free objects of per-CPU slabs as active; writing 1 to a
# cache's shrink file flushes them, and a reading right after is exact but
# for what is allocated meanwhile: one allocation makes a CPU take a partial
# slab, and its free objects count as active again.  So each cache is read
# straight after its own shrink (shrinking them all first let the 3-byte
# write buffers of the later shrinks refill kmalloc-8: +20..+200 "objects"),
# and the least of several readings is kept.  One awk holds every shrink
# file open throughout, because each open and close of a sysfs file queues
# a kernfs node for kfree_rcu (kmalloc-96): opened per write, the counting
# itself showed up as ~40 objects of growth.  FILE gets "cache active
# objsize".
kmalloc_snapshot() {	# kmalloc_snapshot FILE
	awk -v rounds=5 '
	function slabinfo(want,   line, f) {
		while ((getline line <"/proc/slabinfo") > 0) {
			split(line, f, " ")
			if (f[1] !~ /^kmalloc-/)
				continue
			if (want == "") {
				shrink[f[1]] = "/sys/kernel/slab/" f[1] "/shrink"
			} else if (f[1] == want) {
				if (!(want in m) || f[2] + 0 < m[want])
					m[want] = f[2] + 0
				sz[want] = f[4]
			}
		}
		close("/proc/slabinfo")
	}
	BEGIN {
		slabinfo("")
		for (r = 0; r < rounds; r++) {
			for (c in shrink) {
				print 1 >shrink[c]
				fflush(shrink[c])
				slabinfo(c)
			}
		}
		for (c in m)
			print c, m[c], sz[c]
	}' 2>/dev/null | sort >"$1"
}
reload_once() {
	for m in hvis_garbage_test hvis_echo_test hv_vmbus; do
		if [ -d "/sys/module/$m" ] && ! rmmod "$m"; then
			diag "rmmod $m failed"
			return 1
		fi
	done
	insmod "$MODDIR/hv_vmbus.ko" test_hooks=1 || { diag "insmod hv_vmbus failed"; return 1; }
	load_test_modules || { diag "insmod of the test modules failed"; return 1; }
	wait_for 30 have_devices "$1" || { diag "only $(echo_count) of $1 devices came back"; return 1; }
}

ndev=$(echo_count)
bad0=$(bad_log_count)
st=0
# One unmeasured cycle first: it allocates what stays allocated by design
# (slab caches grown to their working size, kernfs nodes).
reload_once "$ndev" || st=1
settle
mem0=$(memfree_kb)
grep -E "^($MEMINFO_KEYS):" /proc/meminfo >"$TMP/meminfo0"
kmalloc_snapshot "$TMP/slab0"
i=0
while [ $st = 0 ] && [ $i -lt "$CYCLES" ]; do
	reload_once "$ndev" || { st=1; diag "cycle $((i + 1)) failed"; }
	i=$((i + 1))
done
result $st "reload: $i rmmod/insmod cycles of hv_vmbus and the test modules, $ndev devices back each time"
if [ $st = 0 ]; then
	settle
	mem1=$(memfree_kb)
	grep -E "^($MEMINFO_KEYS):" /proc/meminfo >"$TMP/meminfo1"
	kmalloc_snapshot "$TMP/slab1"
	drop=$((mem0 - mem1))
	diag "meminfo change (kB): $(awk 'NR == FNR { a[$1] = $2; next }
	     { printf "%s%s %+d", sep, $1, $2 - a[$1]; sep = ", " }' \
		"$TMP/meminfo0" "$TMP/meminfo1")"
	result "$([ $drop -le $MEMFREE_SLACK_KB ]; echo $?)" \
		"reload: free memory ${mem0} kB -> ${mem1} kB after $CYCLES cycles (drop ${drop} kB, limit $MEMFREE_SLACK_KB)"
	# Objects gained per cache.  Settled and flushed as above, a cache with
	# no leak comes back within a few objects (background kernel work);
	# a leak grows with the cycles: one object per device per cycle is
	# $ndev x $CYCLES.  Fail from half an object per cycle, which still
	# catches a leak of one object per cycle for the whole bus; at least 4,
	# above the 0..2 seen without a leak, for runs with few cycles.
	limit=$(((CYCLES + 1) / 2))
	[ "$limit" -ge 4 ] || limit=4
	awk -v limit="$limit" 'NR == FNR { a[$1] = $2; next }
	     { d = $2 - a[$1]; if (d > 0) print $1, d, d * $3, (d >= limit) }' \
		"$TMP/slab0" "$TMP/slab1" | sort -k3 -n -r >"$TMP/slabgrow"
	gobj=$(awk '{ s += $2 } END { print s + 0 }' "$TMP/slabgrow")
	gbytes=$(awk '{ s += $3 } END { print s + 0 }' "$TMP/slabgrow")
	leaky=$(awk '$4 == 1 { printf "%s%s +%d", sep, $1, $2; sep = "," }' "$TMP/slabgrow")
	head -n 4 "$TMP/slabgrow" | while read -r c o b _; do
		diag "$c: +$o objects, +$b bytes"
	done
	result "$([ -z "$leaky" ]; echo $?)" \
		"reload: kmalloc caches grew by $gobj objects ($gbytes bytes) over $CYCLES cycles, limit $limit per cache${leaky:+; leaking: $leaky}"
fi
result "$([ "$(bad_log_count)" = "$bad0" ]; echo $?)" "reload: no WARNING/BUG/Oops/leak in dmesg"

if [ -f "${0%/*}/guest-version-tests.sh" ]; then . "${0%/*}/guest-version-tests.sh"; else not_ok "version: guest-version-tests.sh missing"; fi
# ---- 4b: packets longer than the driver's max_pkt_size -------------------
# hv_vmbus hands a driver the first max_pkt_size bytes of a longer packet and
# moves on (as in-tree); it used to leave the packet in the ring and reschedule
# the channel tasklet for ever.  A spinning tasklet shows in /proc/softirqs.
tasklets() {
	awk '/TASKLET:/ { for (i = 2; i <= NF; i++) s += $i } END { print s + 0 }' /proc/softirqs
}
reload_echo() {	# reload_echo [PARAM]: reload hvis_echo_test, wait for $ndev devices
	rmmod hvis_echo_test && insmod "$MODDIR/hvis_echo_test.ko" "$@" &&
		wait_for 30 have_devices "$ndev"
}
st=0
reload_echo small_pkt=512 || { st=1; diag "hvis_echo_test small_pkt=512: only $(echo_count) devices"; }
sdev=$(echo_devices | head -n 1)
if [ $st = 0 ] && [ -n "$sdev" ]; then
	printf '200\n' >"$BUS/$sdev/echo_run" 2>/dev/null || st=1
	r=$(cat "$BUS/$sdev/echo_result")
	diag "small_pkt=512 run on $sdev: $r"
	[ "$(field errors "$r")" = 0 ] && [ "$(field packets "$r")" = 200 ] &&
		[ "$(field truncated "$r")" -gt 0 ] || st=1
	t0=$(tasklets)
	sleep 2
	t1=$(tasklets)
	diag "tasklet softirqs in 2 s after the run: $((t1 - t0))"
	[ $((t1 - t0)) -lt 2000 ] || st=1
fi
reload_echo || { st=1; diag "hvis_echo_test reload: only $(echo_count) devices"; }
result $st "oversize: echoes longer than max_pkt_size 512 arrive truncated, the ring moves on, no tasklet spin"

# ---- 5: garbage -----------------------------------------------------------
bad0=$(bad_log_count)
hooks=$(cat /sys/module/hv_vmbus/parameters/test_hooks 2>/dev/null)
if [ "$hooks" != Y ]; then
	diag "hv_vmbus test_hooks=$hooks: reloading with test_hooks=1"
	reload_once "$(echo_count)"
fi
# The host may refuse a post outright (HvPostMessage status -> EIO) or take
# it and drop it; either is fine.  Only a missing hook is a failure.
post_garbage() {	# post_garbage PARAM VALUE
	err=$(printf '%s\n' "$2" 2>&1 >"$GARBAGE/$1")
	case $err in
	*"not permitted"*|*"No such file"*|*"not found"*)
		diag "$1 $2: $err (hv_vmbus test hooks unavailable)"
		return 1 ;;
	?*) diag "$1 $2: the host refused the post ($err)" ;;
	esac
	return 0
}
st=0
for t in 99 0; do
	post_garbage post_unknown "$t" || st=1
done
sleep 1
all_short_runs || st=1
result $st "garbage: unknown channel message types 99 and 0; the guest still echoes on every device"
echo "HVIS-HOST-REQ expect-log-re channel message type 99, .*unknown"
echo "HVIS-HOST-REQ expect-log-re channel message type 0, .*unknown"

gdev=$(echo_devices | head -n 1)
st=0
if [ -n "$gdev" ]; then
	relid=$(cat "$BUS/$gdev/id")
	post_garbage gpadl_bogus "$relid" || st=1
	sleep 1
	[ -e "$BUS/$gdev" ] || { st=1; diag "$gdev disappeared"; }
	all_short_runs || st=1
	result $st "garbage: GPADL_HEADER for relid $relid with PFNs beyond RAM; the guest still echoes"
	echo "HVIS-HOST-REQ expect-log-re GPADL [0-9]+ of relid $relid rejected: PFN .* outside guest RAM"
else
	not_ok "garbage: no echo device for the GPADL case"
fi

cdev=$(echo_devices | tail -n 1)
if [ -n "$cdev" ]; then
	relid=$(cat "$BUS/$cdev/id")
	echo 1 >"$BUS/$cdev/echo_corrupt"
	wait_for 15 gone "$cdev"
	result $? "garbage: corrupt ring write index on $cdev (relid $relid); the host rescinded it"
	echo "HVIS-HOST-REQ expect-log $relid"
	all_short_runs
	result $? "garbage: the other devices still echo after the corrupt ring"
else
	not_ok "garbage: no echo device for the corrupt-ring case"
fi
echo "HVIS-HOST-REQ check-alive"
# Stay up while the host asks hvcore's control socket directly (it follows
# the console about once a second); powered off, only the exit status counts.
sleep 3
result "$([ "$(bad_log_count)" = "$bad0" ]; echo $?)" "garbage: no WARNING/BUG/Oops in dmesg"

echo "1..$n"
echo "HVIS-TESTS-DONE"
[ $failed = 0 ]
