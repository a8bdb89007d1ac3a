/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Every difference between the kernels hvis builds for (Debian 6.1 and 6.12)
 * lives here, tested by feature where the headers allow it.
 */
#ifndef HVIS_VMBUS_COMPAT_H
#define HVIS_VMBUS_COMPAT_H

#include <linux/version.h>

#endif /* HVIS_VMBUS_COMPAT_H */
