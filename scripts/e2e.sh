#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# End-to-end tier for one kernel release: boot it under hvcore with the hvis
# modules and run the in-guest tests, acting on the guest's requests to the host.
#
# usage: scripts/e2e.sh RELEASE [SUITE]
#   SUITE vmbus (default): echo devices, described below;
#         storage: storvsc disks served by hvcore's storvsp, see
#         selftests/storage/suite.sh (HVIS_STORAGE_DRIVER=hvis|intree picks
#         the guest driver; descriptions start "e2e RELEASE storage(DRIVER)");
#         input: synthetic keyboard and mouse, see selftests/input/suite.sh
#         (HVIS_INPUT_DRIVER=hvis|intree; "e2e RELEASE input(DRIVER)");
#         ic: shutdown, timesync, heartbeat, KVP, VSS, see
#         selftests/ic/suite.sh (HVIS_IC_DRIVER=hvis|intree;
#         "e2e RELEASE ic(DRIVER)");
#         net: netvsp on a TAP in a namespace, see selftests/net/suite.sh
#         (HVIS_NET_DRIVER=hvis|intree; "e2e RELEASE net(DRIVER)");
#         vm2vm: two guests on hvcore's L2 switch, see
#         selftests/vm2vm/suite.sh (HVIS_VM2VM_DRIVER=hvis|intree;
#         "e2e RELEASE vm2vm(DRIVER)");
#         dpdk: DPDK's netvsc PMD (dpdk-testpmd) through hvis's
#         uio_hv_generic against netvsp, see selftests/dpdk/suite.sh
#         ("e2e RELEASE dpdk").
# The machinery both share is scripts/lib/e2e.sh.
#
# The vmbus suite:
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
#   HVIS-HOST-REQ ctl CMD...        -> hvcore ctl CMD... (waits up to 70 s
#                                      for commands the guest answers); ok
#                                      when the reply ends "ok"
#   HVIS-HOST-REQ poll SECS ERE CMD... -> hvcore ctl CMD... every 0.5 s until
#                                      a reply line matches ERE (no spaces
#                                      in it); ok when one did within SECS
# With E2E_ACK the reply file's body is hvcore's reply less its final "ok".
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
rel=${1:?usage: e2e.sh RELEASE [vmbus|storage|input|ic|tools|balloon|net|vm2vm|dpdk]}
suite=${2:-vmbus}
out=${HVIS_BUILD_DIR:-$top/build}/$rel
mkdir -p "$out"

# shellcheck source=lib/ktap.sh
. "$top/scripts/lib/ktap.sh"
# shellcheck source=lib/e2e.sh
. "$top/scripts/lib/e2e.sh"
case $suite in
vmbus)	. "$top/scripts/lib/suite-vmbus.sh" ;;
storage) . "$top/selftests/storage/suite.sh" ;;
input)	. "$top/selftests/input/suite.sh" ;;
ic)	. "$top/selftests/ic/suite.sh" ;;
tools)	. "$top/selftests/tools/suite.sh" ;;
balloon) . "$top/selftests/balloon/suite.sh" ;;
net)	. "$top/selftests/net/suite.sh" ;;
vm2vm)	. "$top/selftests/vm2vm/suite.sh" ;;
dpdk)	. "$top/selftests/dpdk/suite.sh" ;;
*)	echo "e2e.sh: unknown suite '$suite' (vmbus, storage, input, ic, tools, balloon, net, vm2vm or dpdk)" >&2; exit 2 ;;
esac
e2e_main
