/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The KVP pools as files, in the in-tree daemon's format and place
 * (/var/lib/hyperv/.kvp_pool_N): an array of records, a NUL-terminated key
 * in 512 bytes then a NUL-terminated value in 2048, guarded by fcntl()
 * locks on the whole file.  Each operation re-reads the file under its
 * lock, so programs writing a pool file directly (the guest pool's users)
 * and a daemon that replaced another on a running system all agree.
 */
#ifndef HVIS_KVP_POOL_H
#define HVIS_KVP_POOL_H

#include <stddef.h>
#include <stdint.h>

#define KVP_POOL_KEY_SIZE	512
#define KVP_POOL_VALUE_SIZE	2048
#define KVP_NR_POOLS		5

struct kvp_record {
	char key[KVP_POOL_KEY_SIZE];
	char value[KVP_POOL_VALUE_SIZE];
};

struct kvp_pools {
	int fd[KVP_NR_POOLS];
};

/* Open (creating) the pool files in @dir; 0 or -errno, logged. */
int kvp_pools_open(struct kvp_pools *p, const char *dir);
void kvp_pools_close(struct kvp_pools *p);

/* Each returns 0, -ENOENT (no such key / index), or another -errno. */
int kvp_pool_set(struct kvp_pools *p, int pool, const char *key,
		 const char *value);
int kvp_pool_get(struct kvp_pools *p, int pool, const char *key,
		 char *value, size_t len);
int kvp_pool_delete(struct kvp_pools *p, int pool, const char *key);
int kvp_pool_enumerate(struct kvp_pools *p, int pool, uint32_t index,
		       char *key, size_t key_len, char *value, size_t value_len);

#endif /* HVIS_KVP_POOL_H */
