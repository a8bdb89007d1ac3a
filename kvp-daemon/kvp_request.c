// SPDX-License-Identifier: GPL-2.0-only
/* One KVP request from hv_utils: pool operations, the AUTO pool, IP info; answered in place. */
#include "kvp_request.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "daemon_log.h"

/* A string field of @cap bytes from the kernel: NUL-terminated within it. */
static const char *kvp_str(const void *field, size_t cap, char *buf)
{
	memcpy(buf, field, cap);
	buf[cap - 1] = '\0';
	return buf;
}

static int kvp_status(int err)
{
	switch (err) {
	case 0:
		return HV_S_OK;
	case -ENOENT:
		return HV_S_CONT;	/* what in-tree answers for a missing key */
	case -ENODEV:
		return HV_GUID_NOTFOUND;
	case -EINVAL:
		return HV_INVALIDARG;
	case -ENOSPC:
		return HV_ERROR_DISK_FULL;
	default:
		return HV_E_FAIL;
	}
}

/*
 * A ';'-separated list into a daemon->driver field: the driver converts at
 * most @cap - 1 bytes to UTF-16, so a longer list loses whole items.
 */
static void kvp_put_list(void *field, size_t cap, const char *list)
{
	size_t n = strlen(list);
	char *f = field;

	if (n >= cap) {
		n = cap - 1;
		while (n && list[n] != ';')
			n--;
		daemon_log(LOG_WARNING, "address list cut to %zu bytes", n);
	}
	memcpy(f, list, n);
	f[n] = '\0';
}

static int kvp_ip_get(struct kvp_daemon *d, struct hv_kvp_msg *msg)
{
	struct hv_kvp_ipaddr_value *v = &msg->body.kvp_ip_val;
	struct kvp_ip_info info = { 0 };
	int r;

	kvp_str(v->adapter_id, sizeof(v->adapter_id), info.mac);
	r = kvp_net_get(&d->net, &info);
	if (r) {
		daemon_log(LOG_WARNING, "GET_IP_INFO %s: %s", info.mac,
			   r == -ENODEV ? "no NIC with that MAC" : strerror(-r));
		return r;
	}
	/* The driver reads each list back as a UTF-8 string in its field. */
	memset(v, 0, sizeof(*v));
	snprintf((char *)v->adapter_id, sizeof(v->adapter_id), "%s", info.mac);
	v->addr_family = info.families;
	v->dhcp_enabled = info.dhcp;
	kvp_put_list(v->ip_addr, sizeof(v->ip_addr) / 2, info.addrs);
	kvp_put_list(v->sub_net, sizeof(v->sub_net) / 2, info.subnets);
	kvp_put_list(v->gate_way, sizeof(v->gate_way) / 2, info.gateways);
	kvp_put_list(v->dns_addr, sizeof(v->dns_addr) / 2, info.dns);
	return 0;
}

static int kvp_ip_set(struct kvp_daemon *d, struct hv_kvp_msg *msg)
{
	const struct hv_kvp_ipaddr_value *v = &msg->body.kvp_ip_val;
	struct kvp_ip_info info = { 0 };
	char buf[sizeof(v->ip_addr)];

	kvp_str(v->adapter_id, sizeof(v->adapter_id), info.mac);
	info.dhcp = v->dhcp_enabled;
	info.families = v->addr_family;
	snprintf(info.addrs, sizeof(info.addrs), "%s",
		 kvp_str(v->ip_addr, sizeof(v->ip_addr), buf));
	snprintf(info.subnets, sizeof(info.subnets), "%s",
		 kvp_str(v->sub_net, sizeof(v->sub_net), buf));
	snprintf(info.gateways, sizeof(info.gateways), "%s",
		 kvp_str(v->gate_way, sizeof(v->gate_way), buf));
	snprintf(info.dns, sizeof(info.dns), "%s",
		 kvp_str(v->dns_addr, sizeof(v->dns_addr), buf));
	return kvp_net_set(&d->net, &info);
}

void kvp_request(struct kvp_daemon *d, struct hv_kvp_msg *msg)
{
	int op = msg->kvp_hdr.operation, pool = msg->kvp_hdr.pool, r;
	struct hv_kvp_exchg_msg_value *v = &msg->body.kvp_set.data;
	char key[HV_KVP_EXCHANGE_MAX_KEY_SIZE];
	char value[HV_KVP_EXCHANGE_MAX_VALUE_SIZE];

	if (op != KVP_OP_GET_IP_INFO && op != KVP_OP_SET_IP_INFO &&
	    (pool < 0 || pool >= KVP_NR_POOLS)) {
		daemon_log(LOG_WARNING, "request for pool %d refused", pool);
		msg->error = HV_INVALIDARG;
		return;
	}
	switch (op) {
	case KVP_OP_SET:
		r = kvp_pool_set(&d->pools, pool, kvp_str(v->key, sizeof(v->key), key),
				 kvp_str(v->value, sizeof(v->value), value));
		break;
	case KVP_OP_GET:
		r = kvp_pool_get(&d->pools, pool, kvp_str(v->key, sizeof(v->key), key),
				 value, sizeof(value));
		if (!r) {
			memcpy(v->value, value, sizeof(v->value));
			v->value_size = (__u32)strlen(value) + 1;
			v->value_type = REG_SZ;
		}
		break;
	case KVP_OP_DELETE:
		r = kvp_pool_delete(&d->pools, pool,
				    kvp_str(msg->body.kvp_delete.key,
					    sizeof(msg->body.kvp_delete.key), key));
		break;
	case KVP_OP_ENUMERATE:
		v = &msg->body.kvp_enum_data.data;
		if (pool == KVP_POOL_AUTO)
			r = kvp_auto_entry(d, msg->body.kvp_enum_data.index,
					   key, sizeof(key), value, sizeof(value));
		else
			r = kvp_pool_enumerate(&d->pools, pool,
					       msg->body.kvp_enum_data.index,
					       key, sizeof(key), value, sizeof(value));
		if (!r) {
			memcpy(v->key, key, sizeof(v->key));
			memcpy(v->value, value, sizeof(v->value));
			v->key_size = (__u32)strlen(key) + 1;
			v->value_size = (__u32)strlen(value) + 1;
			v->value_type = REG_SZ;
		}
		break;
	case KVP_OP_GET_IP_INFO:
		r = kvp_ip_get(d, msg);
		break;
	case KVP_OP_SET_IP_INFO:
		r = kvp_ip_set(d, msg);
		break;
	default:
		daemon_log(LOG_WARNING, "unknown operation %d", op);
		r = -EOPNOTSUPP;
	}
	if (r && r != -ENOENT)
		daemon_log(LOG_DEBUG, "operation %d on pool %d: %s", op, pool,
			   strerror(-r));
	msg->error = kvp_status(r);
}
