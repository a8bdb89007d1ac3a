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
	 scripts/build-tier.sh >$(KTAP_DIR)/build.ktap 2>$(KTAP_DIR)/build.err; \
	 wait
	@echo "== unit tier" >&2
	@$(MAKE) -s --no-print-directory -C selftests/unit check \
		>$(KTAP_DIR)/unit.ktap 2>$(KTAP_DIR)/unit.err; rc=$$?; \
	if [ $$rc != 0 ] && ! grep -q '^not ok' $(KTAP_DIR)/unit.ktap; then \
		echo "not ok 1 unit: make -C selftests/unit check exited $$rc"; \
		tail -n 5 $(KTAP_DIR)/unit.err | sed 's/^/# /'; \
	fi >>$(KTAP_DIR)/unit.ktap
	@scripts/kernels.sh --images | while read -r r more; do \
		if [ -n "$$more" ]; then \
			echo "not ok 1 e2e $$r: no kernel image and headers (run scripts/deps.sh)" \
				>"$(KTAP_DIR)/e2e-$$r.ktap"; continue; \
		fi; \
		echo "== e2e tier: $$r" >&2; \
		scripts/e2e.sh "$$r" >"$(KTAP_DIR)/e2e-$$r.ktap" 2>"$(KTAP_DIR)/e2e-$$r.err" </dev/null || true; \
	done
	@set -- build=$(KTAP_DIR)/build-hvcore.ktap build=$(KTAP_DIR)/build.ktap \
		unit=$(KTAP_DIR)/unit.ktap; \
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

bench:
	$(MAKE) -C selftests/unit bench
