/* SPDX-License-Identifier: GPL-2.0-only */
/* One KVP request from hv_utils (struct hv_kvp_msg), answered in place. */
#ifndef HVIS_KVP_REQUEST_H
#define HVIS_KVP_REQUEST_H

#include <linux/hyperv.h>

#include "kvp_net.h"
#include "kvp_pool.h"

struct kvp_daemon {
	struct kvp_pools pools;
	struct kvp_net_config net;
	const char *os_release;		/* default /etc/os-release */
	char version[HV_KVP_EXCHANGE_MAX_KEY_SIZE];	/* the driver's, from REGISTER1 */
};

/*
 * Carry out @msg and write the answer over it: the results and, in the
 * header's place, HV_S_OK or the error code (HV_S_CONT: no such key or
 * index, as in-tree).
 */
void kvp_request(struct kvp_daemon *d, struct hv_kvp_msg *msg);

/* The AUTO pool's entry @index (kvp_auto.c): 0, or -ENOENT past the end. */
int kvp_auto_entry(struct kvp_daemon *d, unsigned int index, char *key,
		   size_t key_len, char *value, size_t value_len);

#endif /* HVIS_KVP_REQUEST_H */
