# SPDX-License-Identifier: GPL-2.0-only
# The hvcore VMBus server unit test (selftests/unit/hvcore_vmbus_test.c), built
# with ASan + UBSan.  Included by selftests/unit/Makefile; adds its binary to
# UNIT_TESTS and a phony target that builds and runs it.

HVCORE_MK_DIR := $(patsubst %/,%,$(dir $(lastword $(MAKEFILE_LIST))))
HVCORE_ROOT := $(abspath $(HVCORE_MK_DIR)/../..)
HVCORE_UNIT_OUT ?= $(HVCORE_ROOT)/build/unit

HVCORE_VMBUS_TEST := $(HVCORE_UNIT_OUT)/hvcore_vmbus_test
# Every VSP is linked: vsp/vsp.c's registry names them all.  The fake event
# loop and transport live in the test itself.
HVCORE_VMBUS_SRCS := $(HVCORE_MK_DIR)/hvcore_vmbus_test.c \
	$(sort $(wildcard $(HVCORE_ROOT)/hvcore/vmbus/*.c $(HVCORE_ROOT)/hvcore/vsp/*.c)) \
	$(HVCORE_ROOT)/hvcore/gpa.c $(HVCORE_ROOT)/hvcore/log.c
HVCORE_VMBUS_HDRS := $(wildcard $(HVCORE_ROOT)/hvcore/*.h \
	$(HVCORE_ROOT)/hvcore/vmbus/*.h $(HVCORE_ROOT)/hvcore/vsp/*.h \
	$(HVCORE_ROOT)/include/hvis/*.h $(HVCORE_ROOT)/include/ring/*.h)
HVCORE_VMBUS_CFLAGS := -std=c11 -D_GNU_SOURCE -O1 -g -Wall -Wextra -Werror \
	-fsanitize=address,undefined -fno-omit-frame-pointer \
	-fno-sanitize-recover=all \
	-I$(HVCORE_ROOT)/include -I$(HVCORE_ROOT)/hvcore

UNIT_TESTS += $(HVCORE_VMBUS_TEST)

$(HVCORE_VMBUS_TEST): $(HVCORE_VMBUS_SRCS) $(HVCORE_VMBUS_HDRS)
	@mkdir -p $(@D)
	$(CC) $(HVCORE_VMBUS_CFLAGS) -o $@ $(HVCORE_VMBUS_SRCS)

.PHONY: hvcore-vmbus-test
hvcore-vmbus-test: $(HVCORE_VMBUS_TEST)
	$(HVCORE_VMBUS_TEST)
