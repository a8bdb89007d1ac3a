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
