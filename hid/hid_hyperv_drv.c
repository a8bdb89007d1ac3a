// SPDX-License-Identifier: GPL-2.0-only
/*
 * hid_hyperv - the guest side of Hyper-V's synthetic mouse: a VMBus driver
 * that speaks SYNTHHID (include/hvis/synthhid.h) and registers the host's
 * HID device with the HID stack, which makes it an input device.
 */
#include <linux/completion.h>
#include <linux/hid.h>
#include <linux/hyperv.h>
#include <linux/jiffies.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>

#include <hvis/synthhid.h>

#include "compat.h"

#define MOUSEVSC_RING_SIZE	VMBUS_RING_SIZE(36 * 1024)
/* Packets are copied out of the ring whole: the largest device info fits. */
#define MOUSEVSC_MAX_PKT_SIZE \
	(sizeof(struct vmpacket_descriptor) + HVIS_SYNTHHID_MAX_MSG_SIZE)
#define MOUSEVSC_TIMEOUT	(5 * HZ)

/* Where the handshake is; the channel callback moves it forward. */
#define MOUSEVSC_WAIT_RESPONSE	0
#define MOUSEVSC_WAIT_INFO	1	/* approved; device info next */
#define MOUSEVSC_GOT_INFO	2	/* probe owns the copied message */
#define MOUSEVSC_REFUSED	3	/* the host did not approve 2.0 */
#define MOUSEVSC_ABANDONED	4	/* probe gave up; ignore the host */

/*
 * One synthetic mouse.
 *
 * Locking: @lock (taken in the channel tasklet and in probe) protects
 * @state, @approved and @info/@info_len while the handshake runs; the
 * tasklet only moves @state forward from WAIT_* and probe only out of
 * GOT_INFO or into ABANDONED.  @ready is written once by probe after the
 * HID device exists and read by the tasklet; @hid and @input_buf are then
 * used only by the tasklet until remove() closes the channel, which waits
 * for it.
 */
struct mousevsc {
	struct hv_device *hdev;
	struct hid_device *hid;
	spinlock_t lock;		/* the handshake fields, see Locking */
	u32 state;
	struct completion resp_done;
	struct completion info_done;
	u8 *info;			/* the device info message, copied */
	u32 info_len;
	u8 *report_desc;		/* inside @info */
	u16 report_desc_len;
	bool ready;
	u8 input_buf[HID_MAX_BUFFER_SIZE];
};

static void mousevsc_on_response(struct mousevsc *mv, const u8 *msg)
{
	const struct hvis_synthhid_protocol_response *resp = (const void *)msg;
	unsigned long flags;

	spin_lock_irqsave(&mv->lock, flags);
	if (mv->state != MOUSEVSC_WAIT_RESPONSE) {
		spin_unlock_irqrestore(&mv->lock, flags);
		dev_err_ratelimited(&mv->hdev->device,
				    "protocol response out of turn, dropped\n");
		return;
	}
	mv->state = resp->approved ? MOUSEVSC_WAIT_INFO : MOUSEVSC_REFUSED;
	spin_unlock_irqrestore(&mv->lock, flags);
	complete(&mv->resp_done);
}

static void mousevsc_on_device_info(struct mousevsc *mv, const u8 *msg,
				    u32 len)
{
	unsigned long flags;
	u8 *copy;

	/* Copied before the lock: GFP_ATOMIC either way, and rare. */
	copy = kmemdup(msg, len, GFP_ATOMIC);
	spin_lock_irqsave(&mv->lock, flags);
	if (mv->state != MOUSEVSC_WAIT_INFO) {
		spin_unlock_irqrestore(&mv->lock, flags);
		kfree(copy);
		dev_err_ratelimited(&mv->hdev->device,
				    "device info out of turn, dropped\n");
		return;
	}
	mv->info = copy;	/* NULL: probe fails with -ENOMEM */
	mv->info_len = len;
	mv->state = MOUSEVSC_GOT_INFO;
	spin_unlock_irqrestore(&mv->lock, flags);
	complete(&mv->info_done);
}

static void mousevsc_on_report(struct mousevsc *mv, const u8 *msg, u32 len)
{
	int size;

	/* Pairs with smp_store_release() in mousevsc_probe(). */
	if (!smp_load_acquire(&mv->ready))
		return;		/* before the HID device exists: no reader */
	size = hvis_synthhid_report_len(msg, len);
	if (size <= 0) {
		dev_err_ratelimited(&mv->hdev->device,
				    "input report of %u bytes in a %u-byte message, dropped\n",
				    ((const struct hvis_synthhid_msg_hdr *)msg)->size,
				    len);
		return;
	}
	/*
	 * The HID core zero-fills a short report up to the length the
	 * descriptor gives, in place: hand it a buffer of the maximum size.
	 */
	memcpy(mv->input_buf, msg + sizeof(struct hvis_synthhid_msg_hdr), size);
	hid_input_report(mv->hid, HID_INPUT_REPORT, mv->input_buf, size, 1);
}

static void mousevsc_on_message(struct mousevsc *mv, const u8 *buf, u32 len)
{
	u32 version = READ_ONCE(mv->state) == MOUSEVSC_WAIT_RESPONSE ?
		      0 : HVIS_SYNTHHID_VERSION_2_0;
	const u8 *msg = buf + sizeof(struct hvis_synthhid_pipe_hdr);
	u32 msg_len;
	int type;

	type = hvis_synthhid_check(buf, len, HVIS_DIR_H2G, version, &msg_len);
	switch (type) {
	case HVIS_SYNTHHID_PROTOCOL_RESPONSE:
		mousevsc_on_response(mv, msg);
		break;
	case HVIS_SYNTHHID_INITIAL_DEVICE_INFO:
		mousevsc_on_device_info(mv, msg, msg_len);
		break;
	case HVIS_SYNTHHID_INPUT_REPORT:
		mousevsc_on_report(mv, msg, msg_len);
		break;
	default:
		dev_err_ratelimited(&mv->hdev->device,
				    "malformed synthhid message (reason %d, %u bytes), dropped\n",
				    type, len);
		break;
	}
}

static void mousevsc_on_channel_callback(void *context)
{
	struct mousevsc *mv = context;
	struct vmpacket_descriptor *desc;

	foreach_vmbus_pkt(desc, mv->hdev->channel) {
		if (desc->type == VM_PKT_COMP)
			continue;	/* of our requests: nothing to do */
		if (desc->type != VM_PKT_DATA_INBAND) {
			dev_err_ratelimited(&mv->hdev->device,
					    "packet type %u, dropped\n",
					    desc->type);
			continue;
		}
		mousevsc_on_message(mv, hv_pkt_data(desc), hv_pkt_datalen(desc));
	}
}

/* Send one synthhid message of @len bytes behind a pipe header. */
static int mousevsc_send(struct mousevsc *mv, const void *msg, u32 len)
{
	struct {
		struct hvis_synthhid_pipe_hdr pipe;
		u8 msg[sizeof(struct hvis_synthhid_protocol_request)];
	} __packed out = {
		.pipe.type = HVIS_SYNTHHID_PIPE_DATA,
		.pipe.size = len,
	};

	if (WARN_ON(len > sizeof(out.msg)))
		return -EINVAL;
	memcpy(out.msg, msg, len);
	/* Hyper-V's guests ask for completions; hosts need not send them. */
	return vmbus_sendpacket(mv->hdev->channel, &out, sizeof(out.pipe) + len,
				0, VM_PKT_DATA_INBAND,
				VMBUS_DATA_PACKET_FLAG_COMPLETION_REQUESTED);
}

/* Move to ABANDONED unless the callback got to @want; returns the state. */
static u32 mousevsc_state_settle(struct mousevsc *mv, u32 wait_state)
{
	unsigned long flags;
	u32 state;

	spin_lock_irqsave(&mv->lock, flags);
	if (mv->state == wait_state)
		mv->state = MOUSEVSC_ABANDONED;
	state = mv->state;
	spin_unlock_irqrestore(&mv->lock, flags);
	return state;
}

/* Protocol request, response, device info: 0 with @mv->info set, or -errno. */
static int mousevsc_handshake(struct mousevsc *mv)
{
	struct hvis_synthhid_protocol_request req = {
		.header.type = HVIS_SYNTHHID_PROTOCOL_REQUEST,
		.header.size = sizeof(req) - sizeof(req.header),
		.version = HVIS_SYNTHHID_VERSION_2_0,
	};
	u32 state;
	int ret;

	ret = mousevsc_send(mv, &req, sizeof(req));
	if (ret)
		return ret;
	wait_for_completion_timeout(&mv->resp_done, MOUSEVSC_TIMEOUT);
	state = mousevsc_state_settle(mv, MOUSEVSC_WAIT_RESPONSE);
	if (state == MOUSEVSC_ABANDONED) {
		dev_err(&mv->hdev->device, "no protocol response from the host\n");
		return -ETIMEDOUT;
	}
	if (state == MOUSEVSC_REFUSED) {
		dev_err(&mv->hdev->device, "host refused synthhid version 2.0\n");
		return -ENODEV;
	}
	wait_for_completion_timeout(&mv->info_done, MOUSEVSC_TIMEOUT);
	state = mousevsc_state_settle(mv, MOUSEVSC_WAIT_INFO);
	if (state != MOUSEVSC_GOT_INFO) {
		dev_err(&mv->hdev->device, "no device info from the host\n");
		return -ETIMEDOUT;
	}
	return mv->info ? 0 : -ENOMEM;
}

/*
 * Check the device info's descriptors against the message they came in
 * before anything reads them; 0 with @mv->report_desc set, or -EINVAL.
 */
static int mousevsc_parse_device_info(struct mousevsc *mv)
{
	const struct hvis_synthhid_device_info *di = (const void *)mv->info;
	u32 desc_off = offsetof(struct hvis_synthhid_device_info, hid_desc);
	u32 desc_room = mv->info_len - desc_off;	/* table: >= 9 */
	u32 hid_len = di->hid_desc.length;
	u32 rd_len = di->hid_desc.report_length;

	if (hid_len < sizeof(di->hid_desc) || hid_len > desc_room) {
		dev_err_ratelimited(&mv->hdev->device,
				    "HID descriptor length %u outside 9..%u\n",
				    hid_len, desc_room);
		return -EINVAL;
	}
	if (!rd_len || rd_len > desc_room - hid_len ||
	    rd_len > HVIS_SYNTHHID_MAX_REPORT_DESC) {
		dev_err_ratelimited(&mv->hdev->device,
				    "report descriptor length %u outside 1..%u\n",
				    rd_len, min_t(u32, desc_room - hid_len,
						  HVIS_SYNTHHID_MAX_REPORT_DESC));
		return -EINVAL;
	}
	mv->report_desc = mv->info + desc_off + hid_len;
	mv->report_desc_len = rd_len;
	/*
	 * Hyper-V's own descriptor has Logical Maximum where Usage Maximum
	 * belongs in its button block (19 01 25 05): Linux guests rewrite it.
	 */
	if (rd_len > 14 && mv->report_desc[12] == 0x19 &&
	    mv->report_desc[14] == 0x25)
		mv->report_desc[14] = 0x29;
	return 0;
}

static int mousevsc_send_ack(struct mousevsc *mv)
{
	struct hvis_synthhid_device_info_ack ack = {
		.header.type = HVIS_SYNTHHID_INITIAL_DEVICE_INFO_ACK,
		.header.size = sizeof(ack) - sizeof(ack.header),
	};

	return mousevsc_send(mv, &ack, sizeof(ack));
}

/* --- The HID device --- */

static int mousevsc_hid_parse(struct hid_device *hid)
{
	struct mousevsc *mv = dev_get_drvdata(hid->dev.parent);

	return hid_parse_report(hid, mv->report_desc, mv->report_desc_len);
}

static int mousevsc_hid_start(struct hid_device *hid)
{
	return 0;
}

static void mousevsc_hid_stop(struct hid_device *hid)
{
}

static int mousevsc_hid_open(struct hid_device *hid)
{
	return 0;
}

static void mousevsc_hid_close(struct hid_device *hid)
{
}

/* The device has input reports only: no feature or output report to move. */
static int mousevsc_hid_raw_request(struct hid_device *hid, unsigned char num,
				    u8 *buf, size_t len, unsigned char rtype,
				    int reqtype)
{
	return -EIO;
}

static HVIS_HID_LL_DRIVER_CONST struct hid_ll_driver mousevsc_ll_driver = {
	.parse = mousevsc_hid_parse,
	.start = mousevsc_hid_start,
	.stop = mousevsc_hid_stop,
	.open = mousevsc_hid_open,
	.close = mousevsc_hid_close,
	.raw_request = mousevsc_hid_raw_request,
};

/*
 * Bound to the synthetic mouse's ids so the input device exists without
 * hid-generic loaded.
 */
static int mousevsc_hid_probe(struct hid_device *hid,
			      const struct hid_device_id *id)
{
	int ret;

	ret = hid_parse(hid);
	if (ret) {
		hid_err(hid, "report descriptor does not parse: %d\n", ret);
		return ret;
	}
	return hid_hw_start(hid, HID_CONNECT_HIDINPUT | HID_CONNECT_HIDDEV);
}

static const struct hid_device_id mousevsc_hid_ids[] = {
	{ HID_DEVICE(BUS_VIRTUAL, HID_GROUP_ANY, HVIS_SYNTHHID_VENDOR,
		     HVIS_SYNTHHID_PRODUCT) },
	{ }
};

static struct hid_driver mousevsc_hid_driver = {
	.name = "hid-hyperv",
	.id_table = mousevsc_hid_ids,
	.probe = mousevsc_hid_probe,
};

static int mousevsc_add_hid(struct mousevsc *mv)
{
	const struct hvis_synthhid_device_info *di = (const void *)mv->info;
	struct hid_device *hid;
	int ret;

	hid = hid_allocate_device();
	if (IS_ERR(hid))
		return PTR_ERR(hid);
	hid->ll_driver = &mousevsc_ll_driver;
	hid->bus = BUS_VIRTUAL;
	hid->vendor = di->info.vendor;
	hid->product = di->info.product;
	hid->version = di->info.version;
	hid->dev.parent = &mv->hdev->device;
	strscpy(hid->name, "Microsoft Vmbus HID-compliant Mouse",
		sizeof(hid->name));
	strscpy(hid->phys, dev_name(&mv->hdev->device), sizeof(hid->phys));
	ret = hid_add_device(hid);
	if (ret) {
		hid_destroy_device(hid);
		return ret;
	}
	mv->hid = hid;
	return 0;
}

/* --- The VMBus device --- */

static int mousevsc_probe(struct hv_device *hdev,
			  const struct hv_vmbus_device_id *id)
{
	struct mousevsc *mv;
	int ret;

	mv = kzalloc(sizeof(*mv), GFP_KERNEL);
	if (!mv)
		return -ENOMEM;
	mv->hdev = hdev;
	spin_lock_init(&mv->lock);
	init_completion(&mv->resp_done);
	init_completion(&mv->info_done);
	hv_set_drvdata(hdev, mv);

	hdev->channel->max_pkt_size = MOUSEVSC_MAX_PKT_SIZE;
	ret = vmbus_open(hdev->channel, MOUSEVSC_RING_SIZE, MOUSEVSC_RING_SIZE,
			 NULL, 0, mousevsc_on_channel_callback, mv);
	if (ret)
		goto err_free_dev;
	ret = mousevsc_handshake(mv);
	if (ret)
		goto err_close_channel;
	ret = mousevsc_parse_device_info(mv);
	if (ret)
		goto err_close_channel;
	ret = mousevsc_send_ack(mv);
	if (ret)
		goto err_close_channel;
	ret = mousevsc_add_hid(mv);
	if (ret)
		goto err_close_channel;
	/* Pairs with smp_load_acquire() in mousevsc_on_report(). */
	smp_store_release(&mv->ready, true);
	return 0;

err_close_channel:
	vmbus_close(hdev->channel);
	kfree(mv->info);
err_free_dev:
	hv_set_drvdata(hdev, NULL);
	kfree(mv);
	return ret;
}

static HVIS_HV_REMOVE_TYPE mousevsc_remove(struct hv_device *hdev)
{
	struct mousevsc *mv = hv_get_drvdata(hdev);

	/* No tasklet runs after this, so none can touch the HID device. */
	vmbus_close(hdev->channel);
	hid_destroy_device(mv->hid);
	kfree(mv->info);
	hv_set_drvdata(hdev, NULL);
	kfree(mv);
	return HVIS_HV_REMOVE_RET;
}

static const struct hv_vmbus_device_id mousevsc_id_table[] = {
	{ HV_MOUSE_GUID, },
	{ },
};
MODULE_DEVICE_TABLE(vmbus, mousevsc_id_table);

static struct hv_driver mousevsc_drv = {
	.name = KBUILD_MODNAME,
	.id_table = mousevsc_id_table,
	.probe = mousevsc_probe,
	.remove = mousevsc_remove,
	.driver = {
		.probe_type = PROBE_PREFER_ASYNCHRONOUS,
	},
};

static int __init mousevsc_init(void)
{
	int ret;

	ret = hid_register_driver(&mousevsc_hid_driver);
	if (ret)
		return ret;
	ret = vmbus_driver_register(&mousevsc_drv);
	if (ret)
		goto err_unregister_hid;
	return 0;

err_unregister_hid:
	hid_unregister_driver(&mousevsc_hid_driver);
	return ret;
}

static void __exit mousevsc_exit(void)
{
	vmbus_driver_unregister(&mousevsc_drv);
	hid_unregister_driver(&mousevsc_hid_driver);
}

module_init(mousevsc_init);
module_exit(mousevsc_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Microsoft Hyper-V Synthetic HID Driver (hvis)");
MODULE_VERSION("1.0.0-hvis");
