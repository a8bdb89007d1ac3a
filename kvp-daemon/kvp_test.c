// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests of hvis_kvp_daemon's request handling, without a driver: pool
 * files in the in-tree format (written by another program, re-read under
 * lock), every pool operation, the AUTO pool from a fake os-release, bad
 * requests, and GET_IP_INFO on the loopback's absence of a MAC.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "daemon_log.h"
#include "kvp_request.h"

static int failed, total;
static char dir[] = "/tmp/hvis-kvp-test-XXXXXX";

#define CHECK(c) do {							\
	if (!(c)) {							\
		printf("# %s:%d: %s\n", __FILE__, __LINE__, #c);	\
		return false;						\
	}								\
} while (0)

static void result(bool ok, const char *what)
{
	total++;
	failed += !ok;
	printf("%sok %d unit kvp-daemon: %s\n", ok ? "" : "not ", total, what);
}

static struct kvp_daemon d;
static struct hv_kvp_msg m;

static void req(int op, int pool, const char *key, const char *value)
{
	memset(&m, 0, sizeof(m));
	m.kvp_hdr.operation = (__u8)op;
	m.kvp_hdr.pool = (__u8)pool;
	if (key) {
		strcpy((char *)m.body.kvp_set.data.key, key);
		m.body.kvp_set.data.key_size = (__u32)strlen(key) + 1;
	}
	if (value) {
		strcpy((char *)m.body.kvp_set.data.value, value);
		m.body.kvp_set.data.value_size = (__u32)strlen(value) + 1;
		m.body.kvp_set.data.value_type = REG_SZ;
	}
	kvp_request(&d, &m);
}

static bool test_pools(void)
{
	char path[256];
	struct stat st;

	req(KVP_OP_SET, KVP_POOL_EXTERNAL, "k1", "v1");
	CHECK((unsigned int)m.error == HV_S_OK);
	req(KVP_OP_SET, KVP_POOL_EXTERNAL, "k2", "v2 with spaces");
	CHECK((unsigned int)m.error == HV_S_OK);
	req(KVP_OP_SET, KVP_POOL_EXTERNAL, "k1", "v1 again");
	CHECK((unsigned int)m.error == HV_S_OK);
	snprintf(path, sizeof(path), "%s/.kvp_pool_0", dir);
	CHECK(!stat(path, &st) && st.st_size == 2 * (off_t)sizeof(struct kvp_record));
	req(KVP_OP_GET, KVP_POOL_EXTERNAL, "k1", NULL);
	CHECK((unsigned int)m.error == HV_S_OK);
	CHECK(!strcmp((char *)m.body.kvp_get.data.value, "v1 again"));
	CHECK(m.body.kvp_get.data.value_size == sizeof("v1 again"));
	req(KVP_OP_GET, KVP_POOL_EXTERNAL, "nope", NULL);
	CHECK((unsigned int)m.error == HV_S_CONT);
	req(KVP_OP_ENUMERATE, KVP_POOL_EXTERNAL, NULL, NULL);
	CHECK((unsigned int)m.error == HV_S_OK);
	CHECK(!strcmp((char *)m.body.kvp_enum_data.data.key, "k1"));
	m.body.kvp_enum_data.index = 2;
	memset(&m.body.kvp_enum_data.data, 0, sizeof(m.body.kvp_enum_data.data));
	kvp_request(&d, &m);
	CHECK((unsigned int)m.error == HV_S_CONT);
	memset(&m, 0, sizeof(m));
	m.kvp_hdr.operation = KVP_OP_DELETE;
	strcpy((char *)m.body.kvp_delete.key, "k1");
	m.body.kvp_delete.key_size = 3;
	kvp_request(&d, &m);
	CHECK((unsigned int)m.error == HV_S_OK);
	req(KVP_OP_GET, KVP_POOL_EXTERNAL, "k1", NULL);
	CHECK((unsigned int)m.error == HV_S_CONT);
	CHECK(!stat(path, &st) && st.st_size == (off_t)sizeof(struct kvp_record));
	return true;
}

/* A record another program wrote, with garbage after its terminators. */
static bool test_foreign_writer(void)
{
	struct kvp_record r;
	char path[256];
	FILE *f;

	memset(&r, 'x', sizeof(r));
	memcpy(r.key, "guest-key", 10);
	memcpy(r.value, "guest-value", 12);
	snprintf(path, sizeof(path), "%s/.kvp_pool_1", dir);
	f = fopen(path, "a");
	CHECK(f && fwrite(&r, sizeof(r), 1, f) == 1 && !fclose(f));
	req(KVP_OP_ENUMERATE, KVP_POOL_GUEST, NULL, NULL);
	CHECK((unsigned int)m.error == HV_S_OK);
	CHECK(!strcmp((char *)m.body.kvp_enum_data.data.key, "guest-key"));
	CHECK(!strcmp((char *)m.body.kvp_enum_data.data.value, "guest-value"));
	/* A key that fills its field without a NUL is cut, never overrun. */
	memset(&r, 'y', sizeof(r));
	f = fopen(path, "a");
	CHECK(f && fwrite(&r, sizeof(r), 1, f) == 1 && !fclose(f));
	memset(&m, 0, sizeof(m));
	m.kvp_hdr.operation = KVP_OP_ENUMERATE;
	m.kvp_hdr.pool = KVP_POOL_GUEST;
	m.body.kvp_enum_data.index = 1;
	kvp_request(&d, &m);
	CHECK((unsigned int)m.error == HV_S_OK);
	CHECK(strlen((char *)m.body.kvp_enum_data.data.key) == KVP_POOL_KEY_SIZE - 1);
	return true;
}

static bool test_auto_pool(void)
{
	static const char *const want[] = {
		"FullyQualifiedDomainName", "IntegrationServicesVersion",
		"NetworkAddressIPv4", "NetworkAddressIPv6", "OSBuildNumber",
		"OSName", "OSMajorVersion", "OSMinorVersion", "OSVersion",
		"ProcessorArchitecture",
	};
	char path[256];
	unsigned int i;
	FILE *f;

	snprintf(path, sizeof(path), "%s/os-release", dir);
	f = fopen(path, "w");
	CHECK(f);
	fputs("PRETTY_NAME=\"Test OS 22.04\"\nNAME=\"Test OS\"\nVERSION_ID=\"22.04\"\n", f);
	fclose(f);
	d.os_release = strdup(path);
	strcpy(d.version, "3.1");
	for (i = 0; i < 10; i++) {
		memset(&m, 0, sizeof(m));
		m.kvp_hdr.operation = KVP_OP_ENUMERATE;
		m.kvp_hdr.pool = KVP_POOL_AUTO;
		m.body.kvp_enum_data.index = i;
		kvp_request(&d, &m);
		CHECK((unsigned int)m.error == HV_S_OK);
		CHECK(!strcmp((char *)m.body.kvp_enum_data.data.key, want[i]));
		if (i == 1)
			CHECK(!strcmp((char *)m.body.kvp_enum_data.data.value, "3.1"));
		if (i == 5)
			CHECK(!strcmp((char *)m.body.kvp_enum_data.data.value, "Test OS"));
		if (i == 6)
			CHECK(!strcmp((char *)m.body.kvp_enum_data.data.value, "22"));
		if (i == 7)
			CHECK(!strcmp((char *)m.body.kvp_enum_data.data.value, "04"));
	}
	m.body.kvp_enum_data.index = 10;
	kvp_request(&d, &m);
	CHECK((unsigned int)m.error == HV_S_CONT);
	return true;
}

static bool test_bad_requests(void)
{
	req(KVP_OP_SET, 7, "k", "v");
	CHECK((unsigned int)m.error == HV_INVALIDARG);
	req(42, KVP_POOL_EXTERNAL, "k", "v");
	CHECK((unsigned int)m.error == HV_E_FAIL);
	/* Key and value without terminators: cut at their fields' ends. */
	memset(&m, 'z', sizeof(m));
	m.kvp_hdr.operation = KVP_OP_SET;
	m.kvp_hdr.pool = KVP_POOL_EXTERNAL;
	kvp_request(&d, &m);
	CHECK((unsigned int)m.error == HV_S_OK);
	/* No NIC has this MAC. */
	memset(&m, 0, sizeof(m));
	m.kvp_hdr.operation = KVP_OP_GET_IP_INFO;
	strcpy((char *)m.body.kvp_ip_val.adapter_id, "02:00:00:00:00:99");
	kvp_request(&d, &m);
	CHECK((unsigned int)m.error == HV_GUID_NOTFOUND);
	return true;
}

static bool test_prefix(void)
{
	CHECK(kvp_net_prefix("255.255.255.0", AF_INET) == 24);
	CHECK(kvp_net_prefix("255.255.0.255", AF_INET) == -1);
	CHECK(kvp_net_prefix("0.0.0.0", AF_INET) == 0);
	CHECK(kvp_net_prefix("64", AF_INET6) == 64);
	CHECK(kvp_net_prefix("/64", AF_INET6) == 64);
	CHECK(kvp_net_prefix("129", AF_INET6) == -1);
	CHECK(kvp_net_prefix("x", AF_INET6) == -1);
	return true;
}

int main(void)
{
	char cmd[300];

	if (!mkdtemp(dir))
		return 1;
	daemon_log_open("kvp_test", true, false);
	d.net.resolv_conf = "/nonexistent";
	d.net.hook_dir = "/nonexistent";
	d.net.root = dir;
	d.os_release = "/nonexistent";
	printf("KTAP version 1\n1..5\n");
	if (kvp_pools_open(&d.pools, dir)) {
		printf("Bail out! cannot open pools in %s\n", dir);
		return 1;
	}
	result(test_pools(), "set/get/delete/enumerate in the in-tree pool file format");
	result(test_foreign_writer(), "records written by another program, unterminated fields cut");
	result(test_auto_pool(), "AUTO pool: the ten in-tree keys, OS facts from os-release");
	result(test_bad_requests(), "bad pool, unknown operation, unterminated strings, unknown MAC");
	result(test_prefix(), "subnet masks and prefix lengths");
	kvp_pools_close(&d.pools);
	free((void *)d.os_release);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd))
		return 1;
	return failed ? 1 : 0;
}
