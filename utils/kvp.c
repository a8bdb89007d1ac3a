// SPDX-License-Identifier: GPL-2.0-only
/*
 * hv_utils' KVP service: host requests (UTF-16 on VMBus) become 7432-byte
 * struct hv_kvp_msg messages (UTF-8) for the KVP daemon on /dev/vmbus/hv_kvp,
 * and its answers go back to the host.  One request at a time, as the host
 * sends them; the daemon gets HV_UTIL_TIMEOUT (30 s) per request.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": kvp: " fmt

#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/workqueue.h>

#include <hvis/kvp_utf.h>

#include "hv_utils.h"
#include "transport.h"

#define HV_KVP_TIMEOUT		(30 * HZ)
/* What the in-tree driver tells its daemon it is (HV_DRV_VERSION). */
#define HV_KVP_DRV_VERSION	"3.1"

static_assert(sizeof(struct hv_kvp_msg) == sizeof(struct hvis_kvp_msg));
static_assert(sizeof(struct hv_kvp_ip_msg) == sizeof(struct hvis_kvp_ip_msg));

static const int hv_kvp_versions[] = {
	HVIS_IC_KVP_VERSION_4_0, HVIS_IC_KVP_VERSION_3_0,
	HVIS_IC_KVP_VERSION_1_0,
};

/*
 * The one KVP device.
 *
 * Locking: @lock guards @registered, @pending and @to_daemon.  @pending is
 * set while the framework's request buffer is ours (HV_UTIL_DEFER); it is
 * answered exactly once, by the daemon's reply, the timeout, the daemon
 * going away, or remove, whichever takes @pending under @lock first.
 * @msg is the daemon message being built or answered; only the holder of a
 * set @pending touches it.
 */
struct hv_kvp {
	struct hv_util_dev *udev;
	struct hv_util_transport *t;
	spinlock_t lock;		/* see Locking above */
	bool registered;
	bool pending;
	bool to_daemon;		/* @msg was sent; its answer is awaited */
	u8 op;
	struct delayed_work timeout;
	struct hvis_kvp_msg msg;
};

/* Answer the host's request if it is still ours; true if we did. */
static bool hv_kvp_finish(struct hv_kvp *kvp, u32 status)
{
	bool mine;

	spin_lock_bh(&kvp->lock);
	mine = kvp->pending;
	kvp->pending = false;
	kvp->to_daemon = false;
	spin_unlock_bh(&kvp->lock);
	if (mine)
		hv_util_reply(kvp->udev, kvp->udev->recv_len, status);
	return mine;
}

/* A UTF-16 wire field of @bytes into a UTF-8 daemon field of @cap bytes. */
static int hv_kvp_to_utf8(const void *in, u32 bytes, void *out, u32 cap)
{
	int n = hvis_utf16_to_utf8(in, bytes / 2, out, cap);

	return n < 0 ? -EINVAL : n + 1;
}

static int hv_kvp_to_utf16(const void *in, u32 cap_in, void *out, u32 cap)
{
	int n = hvis_utf8_to_utf16(in, cap_in, out, cap / 2);

	return n < 0 ? -EINVAL : n * 2;
}

/* A key or value size from the host: even, non-zero, within its field. */
static bool hv_kvp_size_ok(u32 size, u32 cap)
{
	return size && size <= cap && !(size & 1);
}

static int hv_kvp_ip_to_daemon(const struct hvis_kvp_ip_msg *in,
			       struct hvis_kvp_msg *out)
{
	const struct hvis_kvp_ipaddr_value *v = &in->kvp_ip_val;
	struct hvis_kvp_ipaddr_value *o = &out->body.kvp_ip_val;

	out->kvp_hdr.operation = in->operation;
	out->kvp_hdr.pool = in->pool;
	o->addr_family = v->addr_family;
	o->dhcp_enabled = v->dhcp_enabled;
	/* The daemon reads each list as a UTF-8 string in the same field. */
	if (hv_kvp_to_utf8(v->adapter_id, sizeof(v->adapter_id), o->adapter_id,
			   sizeof(o->adapter_id)) < 0)
		return -EINVAL;
	if (in->operation == HVIS_KVP_OP_GET_IP_INFO)
		return 0;
	if (hv_kvp_to_utf8(v->ip_addr, sizeof(v->ip_addr), o->ip_addr,
			   sizeof(o->ip_addr)) < 0 ||
	    hv_kvp_to_utf8(v->sub_net, sizeof(v->sub_net), o->sub_net,
			   sizeof(o->sub_net)) < 0 ||
	    hv_kvp_to_utf8(v->gate_way, sizeof(v->gate_way), o->gate_way,
			   sizeof(o->gate_way)) < 0 ||
	    hv_kvp_to_utf8(v->dns_addr, sizeof(v->dns_addr), o->dns_addr,
			   sizeof(o->dns_addr)) < 0)
		return -EINVAL;
	return 0;
}

/* The host's request (checked for size) as a daemon message; a reason or NULL. */
static const char *hv_kvp_to_daemon(const struct hvis_kvp_msg *in,
				    struct hvis_kvp_msg *out)
{
	const struct hvis_kvp_exchg_msg_value *v;
	struct hvis_kvp_exchg_msg_value *o;
	char num[24];
	int n;

	memset(out, 0, sizeof(*out));
	out->kvp_hdr.operation = in->kvp_hdr.operation;
	out->kvp_hdr.pool = in->kvp_hdr.pool;
	switch (in->kvp_hdr.operation) {
	case HVIS_KVP_OP_ENUMERATE:
		out->body.kvp_enum_data.index = in->body.kvp_enum_data.index;
		return NULL;
	case HVIS_KVP_OP_DELETE:
		if (!hv_kvp_size_ok(in->body.kvp_delete.key_size,
				    HVIS_KVP_MAX_KEY_SIZE))
			return "key size out of range";
		n = hv_kvp_to_utf8(in->body.kvp_delete.key,
				   in->body.kvp_delete.key_size,
				   out->body.kvp_delete.key,
				   HVIS_KVP_MAX_KEY_SIZE);
		if (n < 0)
			return "key is not valid UTF-16";
		out->body.kvp_delete.key_size = n;
		return NULL;
	}
	/* GET and SET */
	v = &in->body.kvp_set;
	o = &out->body.kvp_set;
	if (!hv_kvp_size_ok(v->key_size, HVIS_KVP_MAX_KEY_SIZE))
		return "key size out of range";
	n = hv_kvp_to_utf8(v->key, v->key_size, o->key, HVIS_KVP_MAX_KEY_SIZE);
	if (n < 0)
		return "key is not valid UTF-16";
	o->key_size = n;
	if (in->kvp_hdr.operation == HVIS_KVP_OP_GET)
		return NULL;
	o->value_type = HVIS_KVP_REG_SZ;
	switch (v->value_type) {
	case HVIS_KVP_REG_SZ:
		if (!hv_kvp_size_ok(v->value_size, HVIS_KVP_MAX_VALUE_SIZE))
			return "value size out of range";
		n = hv_kvp_to_utf8(v->value, v->value_size, o->value,
				   HVIS_KVP_MAX_VALUE_SIZE);
		if (n < 0)
			return "value is not valid UTF-16";
		o->value_size = n;
		return NULL;
	case HVIS_KVP_REG_U32:
		n = snprintf(num, sizeof(num), "%u", v->value_u32);
		break;
	case HVIS_KVP_REG_U64:
		n = snprintf(num, sizeof(num), "%llu",
			     (unsigned long long)v->value_u64);
		break;
	default:
		return "unknown value type";
	}
	memcpy(o->value, num, n + 1);
	o->value_size = n + 1;
	return NULL;
}

/* Send the pending request to the daemon (it is registered). */
static void hv_kvp_forward(struct hv_kvp *kvp)
{
	int ret;

	spin_lock_bh(&kvp->lock);
	kvp->to_daemon = true;
	spin_unlock_bh(&kvp->lock);
	ret = hv_util_transport_send(kvp->t, &kvp->msg, sizeof(kvp->msg));
	if (ret) {
		pr_err_ratelimited("request not passed to the daemon: %d\n", ret);
		hv_kvp_finish(kvp, HVIS_HV_E_FAIL);
		return;
	}
	mod_delayed_work(system_wq, &kvp->timeout, HV_KVP_TIMEOUT);
}

static int hv_kvp_request(struct hv_util_dev *udev, u8 *buf, u32 len)
{
	struct hv_kvp *kvp = udev->priv;
	struct hvis_icmsg_hdr *hdr = (void *)(buf + sizeof(struct hvis_vmbuspipe_hdr));
	const struct hvis_kvp_msg *in = (const void *)(buf + HVIS_ICMSG_HDR_SIZE);
	u32 body = len - HVIS_ICMSG_HDR_SIZE, need;
	const char *why = NULL;
	bool registered;
	u8 op = in->kvp_hdr.operation;

	need = op < HVIS_KVP_OP_COUNT ? hvis_kvp_min_body(op) : 0;
	if (!need)
		why = "unknown operation";
	else if (body < need)
		why = "message shorter than its operation";
	else if ((op == HVIS_KVP_OP_GET_IP_INFO || op == HVIS_KVP_OP_SET_IP_INFO) &&
		 udev->srv_version < HVIS_IC_KVP_VERSION_4_0)
		why = "IP operation before KVP 4.0";
	else if (op != HVIS_KVP_OP_GET_IP_INFO && op != HVIS_KVP_OP_SET_IP_INFO &&
		 in->kvp_hdr.pool >= HVIS_KVP_POOL_COUNT)
		why = "no such pool";
	else if (op == HVIS_KVP_OP_GET_IP_INFO || op == HVIS_KVP_OP_SET_IP_INFO)
		why = hv_kvp_ip_to_daemon((const void *)in, &kvp->msg) ?
		      "IP info is not valid UTF-16" : NULL;
	else
		why = hv_kvp_to_daemon(in, &kvp->msg);
	if (why) {
		pr_err_ratelimited("host request (operation %u) refused: %s\n",
				   op, why);
		hdr->status = HVIS_HV_E_FAIL;
		return HV_UTIL_REPLY;
	}

	spin_lock_bh(&kvp->lock);
	kvp->pending = true;
	kvp->op = op;
	registered = kvp->registered;
	spin_unlock_bh(&kvp->lock);
	if (registered)
		hv_kvp_forward(kvp);
	else	/* It goes to the daemon when one registers, or fails then. */
		mod_delayed_work(system_wq, &kvp->timeout, HV_KVP_TIMEOUT);
	return HV_UTIL_DEFER;
}

static void hv_kvp_timeout(struct work_struct *work)
{
	struct hv_kvp *kvp = container_of(to_delayed_work(work), struct hv_kvp,
					  timeout);

	if (hv_kvp_finish(kvp, HVIS_HV_E_FAIL))
		pr_warn_ratelimited("no answer from the KVP daemon within 30 s\n");
}

/* The daemon's answer, in place in the host's buffer. */
static void hv_kvp_answer(struct hv_kvp *kvp, const struct hvis_kvp_msg *d)
{
	u8 *buf = kvp->udev->recv_buf;
	struct hvis_kvp_msg *out = (void *)(buf + HVIS_ICMSG_HDR_SIZE);
	struct hvis_kvp_ip_msg *ipo = (void *)out;
	const struct hvis_kvp_exchg_msg_value *dv;
	struct hvis_kvp_exchg_msg_value *ov;
	u32 status = (u32)d->error;
	int n;

	if (status != HVIS_HV_S_OK) {
		hv_kvp_finish(kvp, status);
		return;
	}
	switch (kvp->op) {
	case HVIS_KVP_OP_GET:
	case HVIS_KVP_OP_ENUMERATE:
		dv = kvp->op == HVIS_KVP_OP_GET ? &d->body.kvp_get :
		     &d->body.kvp_enum_data.data;
		ov = kvp->op == HVIS_KVP_OP_GET ? &out->body.kvp_get :
		     &out->body.kvp_enum_data.data;
		if (kvp->op == HVIS_KVP_OP_ENUMERATE) {
			n = hv_kvp_to_utf16(dv->key, sizeof(dv->key), ov->key,
					    sizeof(ov->key));
			if (n < 0)
				goto bad;
			ov->key_size = n;
		}
		n = hv_kvp_to_utf16(dv->value, sizeof(dv->value), ov->value,
				    sizeof(ov->value));
		if (n < 0)
			goto bad;
		ov->value_size = n;
		ov->value_type = HVIS_KVP_REG_SZ;
		break;
	case HVIS_KVP_OP_GET_IP_INFO:
		ipo->kvp_ip_val.addr_family = d->body.kvp_ip_val.addr_family;
		ipo->kvp_ip_val.dhcp_enabled = d->body.kvp_ip_val.dhcp_enabled;
		if (hv_kvp_to_utf16(d->body.kvp_ip_val.ip_addr,
				    sizeof(d->body.kvp_ip_val.ip_addr),
				    ipo->kvp_ip_val.ip_addr,
				    sizeof(ipo->kvp_ip_val.ip_addr)) < 0 ||
		    hv_kvp_to_utf16(d->body.kvp_ip_val.sub_net,
				    sizeof(d->body.kvp_ip_val.sub_net),
				    ipo->kvp_ip_val.sub_net,
				    sizeof(ipo->kvp_ip_val.sub_net)) < 0 ||
		    hv_kvp_to_utf16(d->body.kvp_ip_val.gate_way,
				    sizeof(d->body.kvp_ip_val.gate_way),
				    ipo->kvp_ip_val.gate_way,
				    sizeof(ipo->kvp_ip_val.gate_way)) < 0 ||
		    hv_kvp_to_utf16(d->body.kvp_ip_val.dns_addr,
				    sizeof(d->body.kvp_ip_val.dns_addr),
				    ipo->kvp_ip_val.dns_addr,
				    sizeof(ipo->kvp_ip_val.dns_addr)) < 0)
			goto bad;
		break;
	}
	hv_kvp_finish(kvp, HVIS_HV_S_OK);
	return;
bad:
	pr_err_ratelimited("daemon answer is not valid UTF-8; failing the request\n");
	hv_kvp_finish(kvp, HVIS_HV_E_FAIL);
}

/* REGISTER1 (or the legacy REGISTER): answer with our version. */
static int hv_kvp_register(struct hv_kvp *kvp, u8 op)
{
	struct hvis_kvp_msg *reply = kzalloc(sizeof(*reply), GFP_KERNEL);
	bool pending;
	int ret;

	if (!reply)
		return -ENOMEM;
	reply->kvp_hdr.operation = op;
	strscpy(reply->body.kvp_register_version, HV_KVP_DRV_VERSION,
		sizeof(reply->body.kvp_register_version));
	ret = hv_util_transport_send(kvp->t, reply, sizeof(*reply));
	kfree(reply);
	if (ret)
		return ret;
	spin_lock_bh(&kvp->lock);
	kvp->registered = true;
	pending = kvp->pending && !kvp->to_daemon;
	spin_unlock_bh(&kvp->lock);
	pr_info("daemon registered (%s)\n",
		op == HVIS_KVP_OP_REGISTER1 ? "REGISTER1" : "legacy REGISTER");
	if (pending)
		hv_kvp_forward(kvp);
	return 0;
}

static int hv_kvp_on_msg(void *priv, const void *msg, size_t len)
{
	struct hv_kvp *kvp = priv;
	const struct hvis_kvp_msg *d = msg;
	bool registered, waiting;

	if (len != sizeof(*d))
		return -EINVAL;
	spin_lock_bh(&kvp->lock);
	registered = kvp->registered;
	waiting = kvp->pending && kvp->to_daemon;
	spin_unlock_bh(&kvp->lock);
	if (!registered) {
		if (d->kvp_hdr.operation == HVIS_KVP_OP_REGISTER1 ||
		    d->kvp_hdr.operation == HVIS_KVP_OP_REGISTER)
			return hv_kvp_register(kvp, d->kvp_hdr.operation);
		pr_err_ratelimited("incompatible daemon (first message %u)\n",
				   d->kvp_hdr.operation);
		return -EINVAL;
	}
	if (!waiting) {
		pr_err_ratelimited("daemon answer with no request outstanding\n");
		return -EINVAL;
	}
	cancel_delayed_work(&kvp->timeout);
	hv_kvp_answer(kvp, d);
	return 0;
}

static void hv_kvp_on_release(void *priv)
{
	struct hv_kvp *kvp = priv;
	bool waiting;

	spin_lock_bh(&kvp->lock);
	kvp->registered = false;
	waiting = kvp->pending && kvp->to_daemon;
	spin_unlock_bh(&kvp->lock);
	pr_info("daemon went away\n");
	if (waiting)
		hv_kvp_finish(kvp, HVIS_HV_E_FAIL);
}

static const struct hv_util_transport_ops hv_kvp_transport_ops = {
	.on_msg = hv_kvp_on_msg,
	.on_release = hv_kvp_on_release,
};

static int hv_kvp_init(struct hv_util_dev *udev)
{
	struct hv_kvp *kvp = kzalloc(sizeof(*kvp), GFP_KERNEL);

	if (!kvp)
		return -ENOMEM;
	kvp->udev = udev;
	spin_lock_init(&kvp->lock);
	INIT_DELAYED_WORK(&kvp->timeout, hv_kvp_timeout);
	kvp->t = hv_util_transport_create("vmbus/hv_kvp", sizeof(kvp->msg),
					  &hv_kvp_transport_ops, kvp);
	if (IS_ERR(kvp->t)) {
		int ret = PTR_ERR(kvp->t);

		kfree(kvp);
		return ret;
	}
	udev->priv = kvp;
	return 0;
}

static void hv_kvp_deinit(struct hv_util_dev *udev)
{
	struct hv_kvp *kvp = udev->priv;

	/* After this neither the daemon nor the timer touches @kvp. */
	hv_util_transport_destroy(kvp->t);
	cancel_delayed_work_sync(&kvp->timeout);
	kfree(kvp);
	udev->priv = NULL;
}

const struct hv_util_svc hv_util_kvp_svc = {
	.name = "kvp",
	.msg_type = HVIS_ICMSGTYPE_KVPEXCHANGE,
	.versions = hv_kvp_versions,
	.nr_versions = ARRAY_SIZE(hv_kvp_versions),
	.init = hv_kvp_init,
	.deinit = hv_kvp_deinit,
	.request = hv_kvp_request,
};
