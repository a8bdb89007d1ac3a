# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
# The tools suite for scripts/e2e.sh: hvis-tools installed the way users
# install it, in a guest that boots systemd, and its udev rule and units
# starting hvis's KVP and VSS daemons when hv_utils creates their devices.
#
# The .deb (HVIS_TOOLS_DEB, built by `make check-packaging`, which runs this
# suite) is unpacked here with dpkg-deb -x and carried in the initramfs. The
# guest (guest-tools-switch.sh) lays a tmpfs over the host's root (9p,
# read-only) with overlayfs, puts the package's files into it, installs
# hvis's hv_utils.ko where hvis-dkms puts it (updates/dkms, so modprobe picks
# it over Debian's copy; depmod runs here), and hands PID 1 to systemd with
# hvis-tools-test.target. Only udev is started for the test: coldplug loads
# hv_utils for the offered KVP and VSS devices, and hvis-tools' rule must
# start the daemons. guest-tools-tests.sh (a oneshot service) checks that,
# asks the host to read the daemon's AUTO pool (common `poll` request), and
# repeats the hotplug by rmmod/modprobe of hv_utils.
#
# Debian's hyperv-daemons is installed on the host (scripts/deps.sh) and so
# in the guest's root too: its rule and units are there, as on a system
# that has both packages, and its KVP daemon must stay stopped.
#
# Files: build/RELEASE/tools/ (console.log, hvcore.log, ctl.log, e2e.ktap).

E2E_LABEL=tools
E2E_DIR=$out/tools
guest_name=guest-tools-tests.sh

suite_prepare() {
	local deb=${HVIS_TOOLS_DEB:-} t=$top/selftests/tools f
	if [ -z "$deb" ] || [ ! -f "$deb" ]; then
		result "not ok" "hvis-tools: no package to install" \
			"set HVIS_TOOLS_DEB to an hvis-tools .deb (make check-packaging builds one and runs this suite)"
		return 1
	fi
	if [ ! -f "$src/hv_utils.ko" ] || [ ! -d "/lib/modules/$rel/kernel" ]; then
		result "not ok" "hvis-tools: hv_utils.ko was not built for $rel, or no /lib/modules/$rel"
		return 1
	fi
	rm -rf "$wdir/payload"
	mkdir -p "$wdir/payload"
	if ! dpkg-deb -x "$deb" "$wdir/payload" 2>"$wdir/dpkg-deb.err" ||
		! tar -C "$wdir/payload" -cf "$wdir/hvis-tools.tar" .; then
		result "not ok" "hvis-tools: unpack ${deb##*/}" "$(head -n 2 "$wdir/dpkg-deb.err")"
		return 1
	fi
	# hvis's hv_utils.ko where hvis-dkms installs it, with depmod's indexes
	# for that tree made here: depmod in the guest would read every module
	# over 9p (over a minute under TCG).
	local mods=$wdir/modules m=lib/modules/$rel
	rm -rf "$mods"
	mkdir -p "$mods/$m/updates/dkms"
	cp -rs "/$m/kernel" "$mods/$m/" &&
		cp /"$m"/modules.builtin* /"$m"/modules.order "$mods/$m/" &&
		cp "$src/hv_utils.ko" "$mods/$m/updates/dkms/" &&
		depmod -b "$mods" "$rel" 2>"$wdir/depmod.err" &&
		tar -C "$mods" -cf "$wdir/hvis-modules.tar" "$m/updates" \
			$(cd "$mods" && ls "$m"/modules.*) ||
		{ result "not ok" "hvis-tools: depmod for updates/dkms/hv_utils.ko" \
			"$(head -n 2 "$wdir/depmod.err")"; return 1; }
	E2E_HVCORE+=(--device kvp --device vss)
	E2E_DEVICES=2
	E2E_MKINITRAMFS+=(-H hostroot -9 hvisack:/hvis-ack -k overlay
		-f "$wdir/hvis-tools.tar:/hvis/hvis-tools.tar"
		-f "$wdir/hvis-modules.tar:/hvis/hvis-modules.tar"
		-f "$top/selftests/storage/guest-lib.sh:/hvis/guest-lib.sh")
	for f in guest-tools-switch.sh guest-tools-tests.sh hvis-tools-test.target \
		hvis-tools-test.service; do
		E2E_MKINITRAMFS+=(-f "$t/$f:/hvis/$f")
	done
	E2E_QEMU+=(-virtfs "local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap")
	E2E_ACK=1
	E2E_MEMORY=768
	e2e_guest_run /hvis/guest-tools-switch.sh "HVIS_TOOLS_DEB_NAME=${deb##*/}"
}

suite_request() {
	return 1
}

suite_checks() {
	if grep -q 'HVIS-GUEST-SWITCH-FAILED' "$clean"; then
		result "not ok" "host: the guest handed PID 1 to systemd" \
			"$(grep -m1 HVIS-GUEST-SWITCH-FAILED "$clean")"
	elif grep -q 'HVIS-SYSTEMD-UP' "$clean"; then
		result ok "host: the guest booted systemd ($(grep -m1 -o 'HVIS-SYSTEMD-UP.*' "$clean"))"
	else
		result "not ok" "host: the guest booted systemd" "no HVIS-SYSTEMD-UP on the console"
	fi
}
