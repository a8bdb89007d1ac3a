/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The test-only entry points of hvis's hv_vmbus, for the selftest modules.
 *
 * hv_vmbus exports these (EXPORT_SYMBOL_GPL) only to tests: each refuses
 * with -EPERM unless hv_vmbus was loaded with test_hooks=1.  The selftests
 * reach them through symbol_get(), so they build and load against any
 * hv_vmbus, including the in-tree one, and report -ENOENT when it has none.
 */
#ifndef HVIS_TEST_HOOKS_H
#define HVIS_TEST_HOOKS_H

#include <linux/types.h>

/*
 * Post @len bytes at @msg, a whole channel message starting with its
 * header, to the host's message connection as they are.  Returns 0 or a
 * negative errno.
 */
int hvis_vmbus_test_post_raw(const void *msg, u32 len);

#endif /* HVIS_TEST_HOOKS_H */
