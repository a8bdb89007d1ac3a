#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# /hvis/on-shutdown of the IC e2e suite: /init runs it on the guest's
# orderly halt, poweroff or reboot ($1); the marker it leaves on the
# read-write share tells the host that the shutdown path ran.
echo "$1 at $(cut -d' ' -f1 /proc/uptime)s uptime" >/hvis-ic/shutdown-"$1"
sync
