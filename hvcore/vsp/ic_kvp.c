// SPDX-License-Identifier: GPL-2.0-only
/*
 * The KVP IC: the host's key-value exchange with the guest's pools (through
 * the guest's KVP daemon), its network facts (GET_IP_INFO) and static IP
 * injection (SET_IP_INFO), all from 'hvcore ctl kvp ...'.  Strings are
 * UTF-16LE on this wire and UTF-8 on the control socket.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ic.h"
#include "hvis/kvp_utf.h"
#include "log.h"
#include "vmbus/channel.h"

/* Enumeration stops here even if the guest never says "no more". */
#define KVP_LIST_MAX		4096
#define KVP_TIMEOUT_MS		35000
/* A test packet the guest should refuse gets a short leash. */
#define KVP_INJECT_TIMEOUT_MS	3000

static const uint32_t ic_kvp_versions[] = {
	HVIS_IC_KVP_VERSION_4_0, HVIS_IC_KVP_VERSION_3_0,
	HVIS_IC_KVP_VERSION_1_0,
};

static const char *const kvp_pool_names[HVIS_KVP_POOL_COUNT] = {
	"external", "guest", "auto", "auto_external", "auto_internal",
};

/* A pool by name or number; -1 if neither. */
static int kvp_pool_parse(const char *s)
{
	int i;

	for (i = 0; i < HVIS_KVP_POOL_COUNT; i++)
		if (!strcmp(s, kvp_pool_names[i]) ||
		    (s[0] == '0' + i && !s[1]))
			return i;
	return -1;
}

static struct hvis_kvp_msg *kvp_msg(struct ic_req *req)
{
	return ic_req_body(req);
}

/* A UTF-8 string into a UTF-16 field of @bytes; its size in bytes, or -errno. */
static int kvp_put(const char *s, void *field, size_t bytes)
{
	int units = hvis_utf8_to_utf16(s, (uint32_t)strlen(s), field,
				       (uint32_t)(bytes / 2));

	return units < 0 ? units : units * 2;
}

/* A UTF-16 field of @bytes (up to its first 0 unit) as UTF-8 in @out. */
static void kvp_get(const void *field, size_t bytes, char *out, size_t len)
{
	if (hvis_utf16_to_utf8(field, (uint32_t)(bytes / 2), out,
			       (uint32_t)len) < 0)
		snprintf(out, len, "<invalid UTF-16>");
}

/* A value as the guest reported it: a string or a number. */
static void kvp_value_str(const struct hvis_kvp_exchg_msg_value *v,
			  char *out, size_t len)
{
	switch (v->value_type) {
	case HVIS_KVP_REG_U32:
		snprintf(out, len, "%u", v->value_u32);
		break;
	case HVIS_KVP_REG_U64:
		snprintf(out, len, "%llu", (unsigned long long)v->value_u64);
		break;
	default:
		kvp_get(v->value, v->value_size < sizeof(v->value) ?
			v->value_size : sizeof(v->value), out, len);
	}
}

static const struct hvis_kvp_msg *kvp_resp(const uint8_t *resp, uint32_t len)
{
	if (len < HVIS_ICMSG_HDR_SIZE + sizeof(struct hvis_kvp_msg))
		return NULL;
	return (const void *)(resp + HVIS_ICMSG_HDR_SIZE);
}

static FILE *kvp_out(struct ic_req *req)
{
	return vsp_ctl_req_out(req->ctl);
}

static void kvp_get_done(struct ic_dev *ic, struct ic_req *req,
			 const uint8_t *resp, uint32_t len, const char *why)
{
	const struct hvis_kvp_msg *m = resp ? kvp_resp(resp, len) : NULL;
	char value[HVIS_KVP_MAX_VALUE_SIZE * 2];

	(void)ic;
	if (resp && !m) {
		fprintf(kvp_out(req), "error: the guest's answer is short\n");
		vsp_ctl_req_finish(req->ctl, -EPROTO);
		req->ctl = NULL;
		return;
	}
	if (m && ic_hdr(resp)->status == HVIS_HV_S_OK) {
		kvp_value_str(&m->body.kvp_get, value, sizeof(value));
		fprintf(kvp_out(req), "%s\n", value);
	}
	ic_ctl_finish_status(req, resp, why);
}

/* ENUMERATE, one index per request: each answer queues the next. */
static void kvp_list_done(struct ic_dev *ic, struct ic_req *req,
			  const uint8_t *resp, uint32_t len, const char *why)
{
	const struct hvis_kvp_msg *m = resp ? kvp_resp(resp, len) : NULL;
	char key[HVIS_KVP_MAX_KEY_SIZE * 2], value[HVIS_KVP_MAX_VALUE_SIZE * 2];
	const struct hvis_kvp_exchg_msg_value *d;
	struct hvis_kvp_msg *next;
	struct ic_req *nreq;

	if (!resp) {
		ic_ctl_finish_status(req, resp, why);
		return;
	}
	if (!m || ic_hdr(resp)->status != HVIS_HV_S_OK ||
	    req->opaque >= KVP_LIST_MAX) {
		/* The guest's "no such index" (HV_S_CONT, or a failure) ends it. */
		vsp_ctl_req_finish(req->ctl, 0);
		req->ctl = NULL;
		return;
	}
	d = &m->body.kvp_enum_data.data;
	kvp_get(d->key, d->key_size < sizeof(d->key) ? d->key_size :
		sizeof(d->key), key, sizeof(key));
	kvp_value_str(d, value, sizeof(value));
	fprintf(kvp_out(req), "%s=%s\n", key, value);
	nreq = ic_req_new(ic, sizeof(*next), kvp_list_done);
	if (!nreq) {
		fprintf(kvp_out(req), "error: out of memory\n");
		vsp_ctl_req_finish(req->ctl, -ENOMEM);
		req->ctl = NULL;
		return;
	}
	next = kvp_msg(nreq);
	next->kvp_hdr.operation = HVIS_KVP_OP_ENUMERATE;
	next->kvp_hdr.pool = kvp_msg(req)->kvp_hdr.pool;
	next->body.kvp_enum_data.index = req->opaque + 1;
	nreq->opaque = req->opaque + 1;
	nreq->timeout_ms = KVP_TIMEOUT_MS;
	nreq->ctl = req->ctl;
	req->ctl = NULL;
	ic_submit(ic, nreq);
}

static void kvp_status_done(struct ic_dev *ic, struct ic_req *req,
			    const uint8_t *resp, uint32_t len, const char *why)
{
	(void)ic;
	(void)len;
	ic_ctl_finish_status(req, resp, why);
}

/* Test packets: report what the guest made of them, never an error. */
static void kvp_inject_done(struct ic_dev *ic, struct ic_req *req,
			    const uint8_t *resp, uint32_t len, const char *why)
{
	(void)ic;
	(void)len;
	if (resp)
		fprintf(kvp_out(req), "guest answered status 0x%08x\n",
			ic_hdr(resp)->status);
	else
		fprintf(kvp_out(req), "no answer: %s\n", why);
	vsp_ctl_req_finish(req->ctl, 0);
	req->ctl = NULL;
}

static void kvp_ip_print(FILE *out, const char *name, const void *f,
			 size_t units)
{
	char s[HVIS_KVP_MAX_IP_ADDR * 3 + 1];

	kvp_get(f, units * 2, s, sizeof(s));
	fprintf(out, "%s %s\n", name, s);
}

static void kvp_ip_done(struct ic_dev *ic, struct ic_req *req,
			const uint8_t *resp, uint32_t len, const char *why)
{
	const struct hvis_kvp_ipaddr_value *v;
	FILE *out = kvp_out(req);

	(void)ic;
	if (!resp || ic_hdr(resp)->status != HVIS_HV_S_OK) {
		ic_ctl_finish_status(req, resp, why);
		return;
	}
	if (len < HVIS_ICMSG_HDR_SIZE + sizeof(struct hvis_kvp_ip_msg)) {
		fprintf(out, "error: the guest's answer is short\n");
		vsp_ctl_req_finish(req->ctl, -EPROTO);
		req->ctl = NULL;
		return;
	}
	v = &((const struct hvis_kvp_ip_msg *)(resp + HVIS_ICMSG_HDR_SIZE))->kvp_ip_val;
	kvp_ip_print(out, "adapter", v->adapter_id, HVIS_KVP_MAX_ADAPTER_ID);
	fprintf(out, "dhcp %s\n", v->dhcp_enabled ? "yes" : "no");
	kvp_ip_print(out, "addresses", v->ip_addr, HVIS_KVP_MAX_IP_ADDR);
	kvp_ip_print(out, "subnets", v->sub_net, HVIS_KVP_MAX_IP_ADDR);
	kvp_ip_print(out, "gateways", v->gate_way, HVIS_KVP_MAX_GATEWAY);
	kvp_ip_print(out, "dns", v->dns_addr, HVIS_KVP_MAX_IP_ADDR);
	vsp_ctl_req_finish(req->ctl, 0);
	req->ctl = NULL;
}

/* "aa:bb:cc:dd:ee:ff" as the in-tree daemons compare it: upper case. */
static int kvp_mac(const char *in, char *out)
{
	unsigned int b[6];
	char end;

	if (sscanf(in, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2],
		   &b[3], &b[4], &b[5], &end) != 6)
		return -EINVAL;
	sprintf(out, "%02X:%02X:%02X:%02X:%02X:%02X", b[0], b[1], b[2],
		b[3], b[4], b[5]);
	return 0;
}

/* Append @item to the ';'-separated list @list of @cap bytes. */
static int kvp_list_add(char *list, size_t cap, const char *item)
{
	size_t n = strlen(list);
	int r = snprintf(list + n, cap - n, "%s%s", n ? ";" : "", item);

	return r < 0 || (size_t)r >= cap - n ? -ENOSPC : 0;
}

/* "addr=IP/PREFIX": the address, and its subnet as the in-tree lists it. */
static int kvp_ip_set_addr(const char *spec, char *addrs, char *subnets,
			   size_t cap, uint8_t *family)
{
	char ip[INET6_ADDRSTRLEN + 1], sub[INET6_ADDRSTRLEN];
	unsigned char bin[16];
	const char *slash = strchr(spec, '/');
	unsigned long prefix;
	char *end;
	uint32_t mask;

	if (!slash || (size_t)(slash - spec) >= sizeof(ip))
		return -EINVAL;
	memcpy(ip, spec, (size_t)(slash - spec));
	ip[slash - spec] = '\0';
	prefix = strtoul(slash + 1, &end, 10);
	if (*end || end == slash + 1)
		return -EINVAL;
	if (inet_pton(AF_INET, ip, bin) == 1) {
		if (prefix > 32)
			return -EINVAL;
		mask = prefix ? htonl(~0u << (32 - prefix)) : 0;
		inet_ntop(AF_INET, &mask, sub, sizeof(sub));
		*family |= HVIS_KVP_ADDR_FAMILY_IPV4;
	} else if (inet_pton(AF_INET6, ip, bin) == 1) {
		if (prefix > 128)
			return -EINVAL;
		snprintf(sub, sizeof(sub), "%lu", prefix);
		*family |= HVIS_KVP_ADDR_FAMILY_IPV6;
	} else {
		return -EINVAL;
	}
	if (kvp_list_add(addrs, cap, ip) || kvp_list_add(subnets, cap, sub))
		return -ENOSPC;
	return 0;
}

/* ip-set MAC [dhcp] [addr=IP/P]... [gw=IP]... [dns=IP]... into @v. */
static int kvp_ip_set_parse(int argc, char **argv,
			    struct hvis_kvp_ipaddr_value *v, FILE *out)
{
	char addrs[HVIS_KVP_MAX_IP_ADDR] = "", subs[HVIS_KVP_MAX_IP_ADDR] = "";
	char gws[HVIS_KVP_MAX_GATEWAY] = "", dns[HVIS_KVP_MAX_IP_ADDR] = "";
	unsigned char bin[16];
	int i, r = 0;

	for (i = 2; i < argc && !r; i++) {	/* after "ip-set <mac>" */
		const char *a = argv[i];

		if (!strcmp(a, "dhcp"))
			v->dhcp_enabled = 1;
		else if (!strncmp(a, "addr=", 5))
			r = kvp_ip_set_addr(a + 5, addrs, subs, sizeof(addrs),
					    &v->addr_family);
		else if (!strncmp(a, "gw=", 3) &&
			 (inet_pton(AF_INET, a + 3, bin) == 1 ||
			  inet_pton(AF_INET6, a + 3, bin) == 1))
			r = kvp_list_add(gws, sizeof(gws), a + 3);
		else if (!strncmp(a, "dns=", 4) &&
			 (inet_pton(AF_INET, a + 4, bin) == 1 ||
			  inet_pton(AF_INET6, a + 4, bin) == 1))
			r = kvp_list_add(dns, sizeof(dns), a + 4);
		else
			r = -EINVAL;
		if (r) {
			fprintf(out, "error: bad argument '%s' (dhcp, addr=IP/PREFIX, gw=IP, dns=IP)\n",
				a);
			return r;
		}
	}
	if (kvp_put(addrs, v->ip_addr, sizeof(v->ip_addr)) < 0 ||
	    kvp_put(subs, v->sub_net, sizeof(v->sub_net)) < 0 ||
	    kvp_put(gws, v->gate_way, sizeof(v->gate_way)) < 0 ||
	    kvp_put(dns, v->dns_addr, sizeof(v->dns_addr)) < 0) {
		fprintf(out, "error: lists too long\n");
		return -ENOSPC;
	}
	return 0;
}

static const char kvp_help[] =
	"kvp list <pool>               the guest's entries, KEY=VALUE\n"
	"kvp get <pool> <key>          one value\n"
	"kvp set <pool> <key> <value>  set (the rest of the line is the value)\n"
	"kvp delete <pool> <key>       delete\n"
	"kvp ip <mac>                  the guest's addresses for that NIC\n"
	"kvp ip-set <mac> [dhcp] [addr=IP/P]... [gw=IP]... [dns=IP]...\n"
	"kvp inject truncated|bad-count|oversize-key|bad-utf16|bad-pool\n"
	"pools: external guest auto auto_external auto_internal (or 0-4)\n";

/* Build the request for @argv (argv[0]: the command); NULL with "error:" written. */
static struct ic_req *kvp_build(struct ic_dev *ic, int argc, char **argv,
				FILE *out)
{
	const char *cmd = argv[0];
	struct hvis_kvp_msg *m;
	struct ic_req *req;
	int pool = argc > 1 ? kvp_pool_parse(argv[1]) : -1;
	char mac[18], value[HVIS_KVP_MAX_VALUE_SIZE];
	size_t n = 0;
	int i, r;

	if (!strcmp(cmd, "ip") || !strcmp(cmd, "ip-set")) {
		struct hvis_kvp_ip_msg *ipm;

		if (argc < 2 || kvp_mac(argv[1], mac)) {
			fprintf(out, "error: usage: kvp %s <mac aa:bb:cc:dd:ee:ff> ...\n", cmd);
			return NULL;
		}
		if (ic->srv_version < HVIS_IC_KVP_VERSION_4_0) {
			fprintf(out, "error: IP info needs KVP 4.0; the guest speaks less\n");
			return NULL;
		}
		req = ic_req_new(ic, sizeof(*ipm), kvp_ip_done);
		if (!req)
			goto err_nomem;
		ipm = ic_req_body(req);
		ipm->operation = !strcmp(cmd, "ip") ? HVIS_KVP_OP_GET_IP_INFO :
						      HVIS_KVP_OP_SET_IP_INFO;
		kvp_put(mac, ipm->kvp_ip_val.adapter_id,
			sizeof(ipm->kvp_ip_val.adapter_id));
		if (ipm->operation == HVIS_KVP_OP_SET_IP_INFO) {
			req->done = kvp_status_done;
			if (kvp_ip_set_parse(argc, argv, &ipm->kvp_ip_val, out)) {
				ic_req_free(req);
				return NULL;
			}
		}
		return req;
	}
	if (pool < 0) {
		fprintf(out, "error: usage: kvp %s <pool> ... (pools: external guest auto auto_external auto_internal)\n",
			cmd);
		return NULL;
	}
	req = ic_req_new(ic, sizeof(*m), kvp_status_done);
	if (!req)
		goto err_nomem;
	m = kvp_msg(req);
	m->kvp_hdr.pool = (uint8_t)pool;
	if (!strcmp(cmd, "list") && argc == 2) {
		m->kvp_hdr.operation = HVIS_KVP_OP_ENUMERATE;
		req->done = kvp_list_done;
		return req;
	}
	if (argc < 3)
		goto err_usage;
	if (!strcmp(cmd, "get") && argc == 3) {
		m->kvp_hdr.operation = HVIS_KVP_OP_GET;
		req->done = kvp_get_done;
		r = kvp_put(argv[2], m->body.kvp_get.key, sizeof(m->body.kvp_get.key));
		m->body.kvp_get.key_size = (uint32_t)r;
	} else if (!strcmp(cmd, "delete") && argc == 3) {
		m->kvp_hdr.operation = HVIS_KVP_OP_DELETE;
		r = kvp_put(argv[2], m->body.kvp_delete.key,
			    sizeof(m->body.kvp_delete.key));
		m->body.kvp_delete.key_size = (uint32_t)r;
	} else if (!strcmp(cmd, "set") && argc >= 4) {
		m->kvp_hdr.operation = HVIS_KVP_OP_SET;
		r = kvp_put(argv[2], m->body.kvp_set.key, sizeof(m->body.kvp_set.key));
		m->body.kvp_set.key_size = (uint32_t)r;
		value[0] = '\0';
		for (i = 3; i < argc && r >= 0; i++) {
			int w = snprintf(value + n, sizeof(value) - n, "%s%s",
					 i > 3 ? " " : "", argv[i]);

			if (w < 0 || (size_t)w >= sizeof(value) - n)
				r = -ENOSPC;
			else
				n += (size_t)w;
		}
		if (r >= 0) {
			m->body.kvp_set.value_type = HVIS_KVP_REG_SZ;
			r = kvp_put(value, m->body.kvp_set.value,
				    sizeof(m->body.kvp_set.value));
			m->body.kvp_set.value_size = (uint32_t)r;
		}
	} else {
		goto err_usage;
	}
	if (r < 0) {
		fprintf(out, "error: %s\n", r == -ENOSPC ?
			"key or value too long for KVP (512 / 2048 bytes of UTF-16)" :
			"key or value is not valid UTF-8");
		ic_req_free(req);
		return NULL;
	}
	return req;

err_usage:
	ic_req_free(req);
	fprintf(out, "error: usage: kvp list <pool> | get <pool> <key> | set <pool> <key> <value> | delete <pool> <key>\n");
	return NULL;
err_nomem:
	fprintf(out, "error: out of memory\n");
	return NULL;
}

/* The KVP-specific test packets: requests the guest must refuse. */
static struct ic_req *kvp_build_inject(struct ic_dev *ic, const char *what,
				       FILE *out)
{
	struct ic_req *req = ic_req_new(ic, sizeof(struct hvis_kvp_msg),
					kvp_inject_done);
	struct hvis_kvp_msg *m;

	if (!req) {
		fprintf(out, "error: out of memory\n");
		return NULL;
	}
	m = kvp_msg(req);
	req->timeout_ms = KVP_INJECT_TIMEOUT_MS;
	m->kvp_hdr.operation = HVIS_KVP_OP_SET;
	m->body.kvp_set.value_type = HVIS_KVP_REG_SZ;
	m->body.kvp_set.key_size = (uint32_t)kvp_put("hvis-inject",
		m->body.kvp_set.key, sizeof(m->body.kvp_set.key));
	m->body.kvp_set.value_size = (uint32_t)kvp_put("x",
		m->body.kvp_set.value, sizeof(m->body.kvp_set.value));
	if (!strcmp(what, "oversize-key")) {
		m->body.kvp_set.key_size = 2 * HVIS_KVP_MAX_KEY_SIZE;
	} else if (!strcmp(what, "bad-utf16")) {
		/* A high surrogate with no low one after it. */
		m->body.kvp_set.key[0] = 0x00;
		m->body.kvp_set.key[1] = 0xd8;
	} else if (!strcmp(what, "bad-pool")) {
		m->kvp_hdr.pool = HVIS_KVP_POOL_COUNT + 2;
	} else {
		ic_req_free(req);
		fprintf(out, "error: inject truncated|bad-count|oversize-key|bad-utf16|bad-pool\n");
		return NULL;
	}
	return req;
}

static int ic_kvp_ctl(struct ic_dev *ic, int argc, char **argv, FILE *out)
{
	struct ic_req *req;

	/* ic_ctl() took the shortcut's leading "kvp" off. */
	if (!strcmp(argv[0], "help")) {
		fputs(kvp_help, out);
		return 0;
	}
	if (!ic->srv_version) {
		fprintf(out, "error: the guest's KVP service is not connected\n");
		return -ENOTCONN;
	}
	if (!strcmp(argv[0], "inject") && argc == 2)
		req = kvp_build_inject(ic, argv[1], out);
	else
		req = kvp_build(ic, argc, argv, out);
	if (!req)
		return -EINVAL;
	/* Linux's KVP gives its daemon 30 s before it answers a failure. */
	if (!req->timeout_ms)
		req->timeout_ms = KVP_TIMEOUT_MS;
	req->ctl = vsp_ctl_defer();
	if (!req->ctl) {
		ic_req_free(req);
		fprintf(out, "error: out of memory\n");
		return -ENOMEM;
	}
	ic_submit(ic, req);
	return VSP_CTL_PENDING;
}

static const struct ic_svc ic_kvp_svc = {
	.name = "kvp",
	.msg_type = HVIS_ICMSGTYPE_KVPEXCHANGE,
	.versions = ic_kvp_versions,
	.nr_versions = sizeof(ic_kvp_versions) / sizeof(ic_kvp_versions[0]),
	.ctl = ic_kvp_ctl,
};

static int ic_kvp_offer(struct vmbus_dev *dev, const char *args)
{
	return ic_offer(dev, args, &ic_kvp_svc);
}

IC_VSP_OPS(ic_kvp_vsp_ops, "kvp", HVIS_IC_KVP_GUID, ic_kvp_offer);
