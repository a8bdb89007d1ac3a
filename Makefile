# SPDX-License-Identifier: GPL-2.0-only
# hvis top-level build: kernel modules (Kbuild), hvcore, tests.
#
#   make            build the modules for KDIR
#   make hvcore     build the host side
#   make check      run every test tier (installs dependencies as root)
#   make run        boot a guest under hvcore with the modules loaded
#   make bench      performance figures

# The running kernel's build dir if it has one, else the newest Debian headers.
KDIR ?= $(shell if [ -e /lib/modules/$$(uname -r)/build/Makefile ]; then \
		echo /lib/modules/$$(uname -r)/build; \
	else ls -d /lib/modules/*/build 2>/dev/null | sort -V | tail -n 1; fi)

PWD := $(shell pwd)

.PHONY: all modules hvcore check run bench clean deps

all: modules

modules:
	@test -n "$(KDIR)" || { echo "no kernel headers found: run scripts/deps.sh or set KDIR=" >&2; exit 1; }
	$(MAKE) -C $(KDIR) M=$(PWD) modules

hvcore:
	$(MAKE) -C hvcore

deps:
	@scripts/deps.sh

clean:
	-$(MAKE) -C $(KDIR) M=$(PWD) clean
	-$(MAKE) -C hvcore clean
	rm -rf build

# --- Test tiers (scripts/*: each prints KTAP; ktap-summary merges and counts) ---
# Every tier runs even when an earlier one failed; the summary's exit status
# is the target's. Logs and per-tier KTAP: build/ktap/, build/<release>/.
KTAP_DIR := build/ktap

check:
	@scripts/deps.sh --check || scripts/deps.sh
	@rm -rf $(KTAP_DIR) && mkdir -p $(KTAP_DIR)
	@echo "== build tier: hvcore, and the modules for $$(scripts/kernels.sh | tr '\n' ' ')" >&2
	@{ $(MAKE) -s -C hvcore >$(KTAP_DIR)/hvcore.log 2>&1 \
		&& echo "ok 1 build hvcore: make -C hvcore" \
		|| { echo "not ok 1 build hvcore: make -C hvcore failed"; \
		     tail -n 8 $(KTAP_DIR)/hvcore.log | sed 's/^/# /'; }; \
	 } >$(KTAP_DIR)/build-hvcore.ktap & \
	 if [ -f kvp-daemon/Makefile ]; then \
		{ $(MAKE) -s -C kvp-daemon >$(KTAP_DIR)/kvp-daemon.log 2>&1 \
			&& echo "ok 1 build kvp-daemon: make -C kvp-daemon" \
			|| { echo "not ok 1 build kvp-daemon: make -C kvp-daemon failed"; \
			     tail -n 8 $(KTAP_DIR)/kvp-daemon.log | sed 's/^/# /'; }; \
		} >$(KTAP_DIR)/build-kvp-daemon.ktap & \
	 fi; \
	 scripts/build-tier.sh >$(KTAP_DIR)/build.ktap 2>$(KTAP_DIR)/build.err; \
	 wait
	@echo "== unit tier" >&2
	@$(MAKE) -s --no-print-directory -C selftests/unit check \
		>$(KTAP_DIR)/unit.ktap 2>$(KTAP_DIR)/unit.err; rc=$$?; \
	if [ $$rc != 0 ] && ! grep -q '^not ok' $(KTAP_DIR)/unit.ktap; then \
		echo "not ok 1 unit: make -C selftests/unit check exited $$rc"; \
		tail -n 5 $(KTAP_DIR)/unit.err | sed 's/^/# /'; \
	fi >>$(KTAP_DIR)/unit.ktap
	@if [ -f kvp-daemon/Makefile ] && grep -q '^check:' kvp-daemon/Makefile; then \
		$(MAKE) -s --no-print-directory -C kvp-daemon check \
			>$(KTAP_DIR)/unit-kvp-daemon.ktap 2>$(KTAP_DIR)/unit-kvp-daemon.err; rc=$$?; \
		if [ $$rc != 0 ] && ! grep -q '^not ok' $(KTAP_DIR)/unit-kvp-daemon.ktap; then \
			echo "not ok 1 unit: make -C kvp-daemon check exited $$rc"; \
			tail -n 5 $(KTAP_DIR)/unit-kvp-daemon.err | sed 's/^/# /'; \
		fi >>$(KTAP_DIR)/unit-kvp-daemon.ktap; \
	fi
	@scripts/kernels.sh --images | while read -r r more; do \
		if [ -n "$$more" ]; then \
			echo "not ok 1 e2e $$r: no kernel image and headers (run scripts/deps.sh)" \
				>"$(KTAP_DIR)/e2e-$$r.ktap"; continue; \
		fi; \
		echo "== e2e tier: $$r" >&2; \
		scripts/e2e.sh "$$r" >"$(KTAP_DIR)/e2e-$$r.ktap" 2>"$(KTAP_DIR)/e2e-$$r.err" </dev/null || true; \
		for s in storage input ic balloon net vm2vm; do \
			for d in hvis intree; do \
				echo "== e2e tier: $$r $$s($$d)" >&2; \
				env "HVIS_$$(echo $$s | tr a-z A-Z)_DRIVER=$$d" \
					scripts/e2e.sh "$$r" $$s \
					>"$(KTAP_DIR)/e2e-$$s-$$d-$$r.ktap" \
					2>"$(KTAP_DIR)/e2e-$$s-$$d-$$r.err" </dev/null || true; \
			done; \
		done; \
		echo "== e2e tier: $$r dpdk" >&2; \
		scripts/e2e.sh "$$r" dpdk >"$(KTAP_DIR)/e2e-dpdk-$$r.ktap" \
			2>"$(KTAP_DIR)/e2e-dpdk-$$r.err" </dev/null || true; \
	done
	@set -- build=$(KTAP_DIR)/build-hvcore.ktap build=$(KTAP_DIR)/build.ktap \
		unit=$(KTAP_DIR)/unit.ktap; \
	[ -f $(KTAP_DIR)/build-kvp-daemon.ktap ] && set -- "$$@" build=$(KTAP_DIR)/build-kvp-daemon.ktap; \
	[ -f $(KTAP_DIR)/unit-kvp-daemon.ktap ] && set -- "$$@" unit=$(KTAP_DIR)/unit-kvp-daemon.ktap; \
	for f in $(KTAP_DIR)/e2e-*.ktap; do set -- "$$@" "e2e=$$f"; done; \
	scripts/ktap-summary "$$@"

# A shell in a guest under hvcore: hv_vmbus loaded, RUN_ECHO echo devices;
# `ls /sys/bus/vmbus/devices` lists them, `poweroff` ends hvcore.
RUN_KERNEL ?= $(lastword $(filter-out missing,$(shell scripts/kernels.sh --images)))
RUN_ECHO ?= 2

run:
	@scripts/deps.sh --check || scripts/deps.sh
	$(MAKE) hvcore
	scripts/run-guest.sh $(RUN_KERNEL) $(RUN_ECHO)

# Ring throughput, then storvsc+storvsp against virtio-blk on one image in
# one QEMU, with hvis's hv_storvsc and with the in-tree one.
bench:
	$(MAKE) -C selftests/unit bench
	@$(MAKE) -s hvcore
	scripts/bench-storage.sh $(RUN_KERNEL)
	HVIS_STORAGE_DRIVER=intree scripts/bench-storage.sh $(RUN_KERNEL)
	HVIS_NET_DRIVER=intree scripts/bench-net.sh $(RUN_KERNEL)

# --- packaging (begin)
# Install from source, and the packaging checks (packaging/README.md).
# Every module list comes from Kbuild through scripts/modules.sh.
#
#   make install        modules for KDIR (into /lib/modules/KVER/updates/hvis,
#                       then depmod), hvcore, lsvmbus, the KVP and VSS
#                       daemons with their systemd units and udev rule, man
#                       pages, modprobe.d
#   make tools          build the daemons (kvp-daemon/; needs libnl)
#   make uninstall      remove what make install installed
#   make install-dkms-src  the module sources into /usr/src/hvis-VERSION
#   make check-packaging   DKMS, .deb, .rpm and install checks (KTAP; root)
#
# DESTDIR stages the files (no depmod then); prefix and the GNU directory
# variables below place them; KVER picks the kernel (default: KDIR's).
HVIS_VERSION := $(shell sed -n 's/^PACKAGE_VERSION="\(.*\)"$$/\1/p' dkms.conf)
prefix ?= /usr/local
bindir ?= $(prefix)/bin
sbindir ?= $(prefix)/sbin
mandir ?= $(prefix)/share/man
sysconfdir ?= /etc
modprobedir ?= $(sysconfdir)/modprobe.d
systemdunitdir ?= /lib/systemd/system
udevrulesdir ?= /lib/udev/rules.d
dkmssrcdir ?= /usr/src/hvis-$(HVIS_VERSION)
# The release the modules' vermagic names (kernel.release in Debian's
# headers holds the upstream version, not the package's release).
KVER ?= $(shell sed -n 's/^\#define UTS_RELEASE "\(.*\)"/\1/p' \
	$(KDIR)/include/generated/utsrelease.h 2>/dev/null)
hvis_moddir = /lib/modules/$(KVER)/updates/hvis
INSTALL ?= install

.PHONY: install uninstall install-modules uninstall-modules install-hvcore \
	install-tools install-modprobe install-dkms-src uninstall-dkms-src \
	check-packaging tools

install: install-modules install-hvcore install-tools install-modprobe

# A DKMS copy of the same modules would tie with this one in depmod's
# "updates" search: refuse rather than leave which one loads to chance.
install-modules: modules
	@test -n "$(KVER)" || { echo "install: no kernel release for KDIR=$(KDIR)" >&2; exit 1; }
	@if [ -z "$(DESTDIR)" ] && ls /lib/modules/$(KVER)/updates/dkms/hv_vmbus.ko* >/dev/null 2>&1; then \
		echo "install: hvis is installed through DKMS for $(KVER) (dkms status); remove that first" >&2; \
		exit 1; fi
	scripts/modules.sh locations | while read -r name dir; do \
		$(INSTALL) -D -m 0644 $$dir/$$name.ko $(DESTDIR)$(hvis_moddir)/$$name.ko || exit 1; \
	done
	@if [ -z "$(DESTDIR)" ]; then echo "depmod -a $(KVER)"; depmod -a $(KVER); \
	else echo "install: DESTDIR set, run 'depmod -a $(KVER)' on the target"; fi

uninstall-modules:
	@test -n "$(KVER)" || { echo "uninstall: no kernel release for KDIR=$(KDIR): set KVER= to remove modules" >&2; exit 1; }
	for name in $$(scripts/modules.sh names); do \
		rm -f $(DESTDIR)$(hvis_moddir)/$$name.ko; done
	-rmdir $(DESTDIR)$(hvis_moddir) 2>/dev/null
	@if [ -z "$(DESTDIR)" ]; then echo "depmod -a $(KVER)"; depmod -a $(KVER); fi

install-hvcore: hvcore
	$(INSTALL) -D -m 0755 hvcore/hvcore $(DESTDIR)$(bindir)/hvcore
	$(INSTALL) -D -m 0644 hvcore/hvcore.1 $(DESTDIR)$(mandir)/man1/hvcore.1

tools:
	$(MAKE) -C kvp-daemon

HVIS_DAEMONS := hvis_kvp_daemon hvis_vss_daemon
HVIS_UNITS := hvis-kvp-daemon.service hvis-vss-daemon.service

# The units name the daemons where this install puts them.
install-tools: tools
	$(INSTALL) -D -m 0755 tools/lsvmbus $(DESTDIR)$(sbindir)/lsvmbus
	$(INSTALL) -D -m 0644 tools/lsvmbus.8 $(DESTDIR)$(mandir)/man8/lsvmbus.8
	for d in $(HVIS_DAEMONS); do \
		$(INSTALL) -D -m 0755 kvp-daemon/$$d $(DESTDIR)$(sbindir)/$$d && \
		$(INSTALL) -D -m 0644 kvp-daemon/$$d.8 $(DESTDIR)$(mandir)/man8/$$d.8 || exit 1; done
	$(INSTALL) -d -m 0755 $(DESTDIR)$(systemdunitdir)
	for u in $(HVIS_UNITS); do \
		sed 's|/usr/sbin/|$(sbindir)/|' kvp-daemon/$$u >$(DESTDIR)$(systemdunitdir)/$$u && \
		chmod 0644 $(DESTDIR)$(systemdunitdir)/$$u || exit 1; done
	$(INSTALL) -D -m 0644 kvp-daemon/70-hvis-daemons.rules \
		$(DESTDIR)$(udevrulesdir)/70-hvis-daemons.rules
	$(INSTALL) -d -m 0755 $(DESTDIR)$(sysconfdir)/hvis/kvp-set-ip.d

install-modprobe:
	$(INSTALL) -D -m 0644 packaging/hvis.conf $(DESTDIR)$(modprobedir)/hvis.conf

install-dkms-src:
	scripts/modules.sh sources | while read -r f; do \
		$(INSTALL) -D -m 0644 $$f $(DESTDIR)$(dkmssrcdir)/$$f || exit 1; done
	chmod 0755 $(DESTDIR)$(dkmssrcdir)/scripts/modules.sh

uninstall-dkms-src:
	rm -rf $(DESTDIR)$(dkmssrcdir)

uninstall: uninstall-modules
	rm -f $(DESTDIR)$(bindir)/hvcore $(DESTDIR)$(mandir)/man1/hvcore.1 \
		$(DESTDIR)$(sbindir)/lsvmbus $(DESTDIR)$(mandir)/man8/lsvmbus.8 \
		$(DESTDIR)$(modprobedir)/hvis.conf \
		$(foreach d,$(HVIS_DAEMONS),$(DESTDIR)$(sbindir)/$(d) $(DESTDIR)$(mandir)/man8/$(d).8) \
		$(foreach u,$(HVIS_UNITS),$(DESTDIR)$(systemdunitdir)/$(u)) \
		$(DESTDIR)$(udevrulesdir)/70-hvis-daemons.rules
	-rmdir $(DESTDIR)$(sysconfdir)/hvis/kvp-set-ip.d $(DESTDIR)$(sysconfdir)/hvis 2>/dev/null

# KTAP in build/packaging/packaging.ktap, then the tier summary line.
check-packaging:
	@mkdir -p build/packaging
	@scripts/check-packaging.sh >build/packaging/packaging.ktap; \
	scripts/ktap-summary packaging=build/packaging/packaging.ktap
# --- packaging (end)
