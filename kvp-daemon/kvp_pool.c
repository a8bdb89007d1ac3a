// SPDX-License-Identifier: GPL-2.0-only
/* The KVP pool files: records of a 512-byte key and a 2048-byte value, fcntl-locked. */
#include "kvp_pool.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "daemon_log.h"

/* Pools hold at most this many records (5 MiB a file). */
#define KVP_POOL_MAX_RECORDS	2048

int kvp_pools_open(struct kvp_pools *p, const char *dir)
{
	char path[4096];
	int i;

	for (i = 0; i < KVP_NR_POOLS; i++)
		p->fd[i] = -1;
	if (mkdir(dir, 0755) && errno != EEXIST) {
		daemon_log(LOG_ERR, "cannot create %s: %s", dir, strerror(errno));
		return -errno;
	}
	for (i = 0; i < KVP_NR_POOLS; i++) {
		snprintf(path, sizeof(path), "%s/.kvp_pool_%d", dir, i);
		p->fd[i] = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
		if (p->fd[i] < 0) {
			int err = -errno;

			daemon_log(LOG_ERR, "cannot open %s: %s", path,
				   strerror(errno));
			kvp_pools_close(p);
			return err;
		}
	}
	return 0;
}

void kvp_pools_close(struct kvp_pools *p)
{
	int i;

	for (i = 0; i < KVP_NR_POOLS; i++) {
		if (p->fd[i] >= 0)
			close(p->fd[i]);
		p->fd[i] = -1;
	}
}

static int kvp_lock(int fd, short type)
{
	struct flock fl = { .l_type = type, .l_whence = SEEK_SET };

	while (fcntl(fd, F_SETLKW, &fl) < 0)
		if (errno != EINTR)
			return -errno;
	return 0;
}

static void kvp_unlock(int fd)
{
	struct flock fl = { .l_type = F_UNLCK, .l_whence = SEEK_SET };

	fcntl(fd, F_SETLK, &fl);
}

/* The whole pool, read under the caller's lock: *@recs (malloc'd), count. */
static int kvp_read(int fd, struct kvp_record **recs)
{
	struct stat st;
	size_t n, got = 0;
	ssize_t r;

	*recs = NULL;
	if (fstat(fd, &st) < 0)
		return -errno;
	n = (size_t)st.st_size / sizeof(struct kvp_record);
	if (n > KVP_POOL_MAX_RECORDS)
		n = KVP_POOL_MAX_RECORDS;
	/* Room for one more: a set may append. */
	*recs = calloc(n + 1, sizeof(struct kvp_record));
	if (!*recs)
		return -ENOMEM;
	while (got < n * sizeof(struct kvp_record)) {
		r = pread(fd, (char *)*recs + got, n * sizeof(struct kvp_record) - got,
			  (off_t)got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	n = got / sizeof(struct kvp_record);
	/* Another writer's records may lack their terminators: add them. */
	for (size_t i = 0; i < n; i++) {
		(*recs)[i].key[KVP_POOL_KEY_SIZE - 1] = '\0';
		(*recs)[i].value[KVP_POOL_VALUE_SIZE - 1] = '\0';
	}
	return (int)n;
}

static int kvp_write(int fd, const struct kvp_record *recs, int n)
{
	size_t len = (size_t)n * sizeof(*recs), done = 0;
	ssize_t r;

	while (done < len) {
		r = pwrite(fd, (const char *)recs + done, len - done, (off_t)done);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		done += (size_t)r;
	}
	if (ftruncate(fd, (off_t)len) < 0 || fsync(fd) < 0)
		return -errno;
	return 0;
}

static int kvp_find(const struct kvp_record *recs, int n, const char *key)
{
	int i;

	for (i = 0; i < n; i++)
		if (!strcmp(recs[i].key, key))
			return i;
	return -1;
}

/*
 * Lock pool @pool (@type: F_RDLCK or F_WRLCK) and read it: its record count
 * with *@recs (malloc'd, room for one more) and *@fd, the lock held; or
 * -errno with nothing held.
 */
static int kvp_load(struct kvp_pools *p, int pool, short type, int *fd,
		    struct kvp_record **recs)
{
	int n, r;

	*fd = pool >= 0 && pool < KVP_NR_POOLS ? p->fd[pool] : -1;
	if (*fd < 0)
		return -EINVAL;
	r = kvp_lock(*fd, type);
	if (r)
		return r;
	n = kvp_read(*fd, recs);
	if (n < 0)
		kvp_unlock(*fd);
	return n;
}

int kvp_pool_set(struct kvp_pools *p, int pool, const char *key,
		 const char *value)
{
	struct kvp_record *recs;
	int fd, n, i, r;

	if (!*key || strlen(key) >= KVP_POOL_KEY_SIZE ||
	    strlen(value) >= KVP_POOL_VALUE_SIZE)
		return -E2BIG;
	n = kvp_load(p, pool, F_WRLCK, &fd, &recs);
	if (n < 0)
		return n;
	i = kvp_find(recs, n, key);
	r = 0;
	if (i < 0 && n == KVP_POOL_MAX_RECORDS) {
		r = -ENOSPC;
	} else {
		if (i < 0) {
			i = n++;
			memset(&recs[i], 0, sizeof(recs[i]));
			strcpy(recs[i].key, key);
		}
		memset(recs[i].value, 0, sizeof(recs[i].value));
		strcpy(recs[i].value, value);
		r = kvp_write(fd, recs, n);
	}
	kvp_unlock(fd);
	free(recs);
	return r;
}

int kvp_pool_get(struct kvp_pools *p, int pool, const char *key,
		 char *value, size_t len)
{
	struct kvp_record *recs;
	int fd, n, i;

	n = kvp_load(p, pool, F_RDLCK, &fd, &recs);
	if (n < 0)
		return n;
	kvp_unlock(fd);
	i = kvp_find(recs, n, key);
	if (i >= 0)
		snprintf(value, len, "%s", recs[i].value);
	free(recs);
	return i < 0 ? -ENOENT : 0;
}

int kvp_pool_delete(struct kvp_pools *p, int pool, const char *key)
{
	struct kvp_record *recs;
	int fd, n, i, r;

	n = kvp_load(p, pool, F_WRLCK, &fd, &recs);
	if (n < 0)
		return n;
	i = kvp_find(recs, n, key);
	if (i < 0) {
		r = -ENOENT;
	} else {
		memmove(&recs[i], &recs[i + 1], (size_t)(n - i - 1) * sizeof(*recs));
		r = kvp_write(fd, recs, n - 1);
	}
	kvp_unlock(fd);
	free(recs);
	return r;
}

int kvp_pool_enumerate(struct kvp_pools *p, int pool, uint32_t index,
		       char *key, size_t key_len, char *value, size_t value_len)
{
	struct kvp_record *recs;
	int fd, n, r = -ENOENT;

	n = kvp_load(p, pool, F_RDLCK, &fd, &recs);
	if (n < 0)
		return n;
	kvp_unlock(fd);
	if (index < (uint32_t)n) {
		snprintf(key, key_len, "%s", recs[index].key);
		snprintf(value, value_len, "%s", recs[index].value);
		r = 0;
	}
	free(recs);
	return r;
}
