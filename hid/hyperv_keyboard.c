// SPDX-License-Identifier: GPL-2.0-only
/*
 * hyperv_keyboard - the synthetic keyboard VSC, feeding host key events to atkbd.
 *
 * The host sends scan code set 1 make/break events; they are fed to a
 * SERIO_8042_XL port byte by byte (with their E0/E1 prefixes and the break
 * bit), so atkbd turns them into key codes exactly as for an i8042 keyboard.
 * atkbd's commands to the port are answered locally (kbd_ps2.c); the lock
 * LEDs it sets go to the host as LED_INDICATORS messages.
 */
#include <linux/completion.h>
#include <linux/device.h>
#include <linux/hyperv.h>
#include <linux/module.h>
#include <linux/pm_wakeup.h>
#include <linux/serio.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>

#include <hvis/synthkbd.h>

#include "compat.h"
#include "kbd_ps2.h"

/* Plenty for a few thousand queued events; the in-tree driver's size. */
#define HV_KBD_RING_SIZE		VMBUS_RING_SIZE(36 * 1024)
#define HV_KBD_HANDSHAKE_TIMEOUT	(10 * HZ)
/* The protocol request's transaction id; nothing else asks for an answer. */
#define HV_KBD_REQ_ID			1

#define HV_KBD_SC_E0			0xe0
#define HV_KBD_SC_E1			0xe1
#define HV_KBD_SC_BREAK			0x80

/*
 * One keyboard.
 *
 * Locking: @lock (irqsave: taken in the channel callback and in serio
 * writes, which may come with interrupts off) protects @started,
 * @connected and @ps2, and is held around every serio_interrupt() so key
 * bytes and command replies reach atkbd whole and in order.  Lock order:
 * @lock, then the serio port's own lock (taken by serio_interrupt()).
 * @version and @resp are written only by the channel callback, which VMBus
 * serialises, or while the channel is closed; the probe and resume paths
 * read @resp after wait_for_completion(), whose barrier pairs with the
 * complete() that follows the write.
 */
struct hv_kbd_dev {
	struct hv_device *hv_dev;
	struct serio *serio;
	struct completion handshake;
	struct hvis_synthkbd_protocol_response resp;
	u32 version;		/* accepted protocol version, 0 before */

	spinlock_t lock;	/* see Locking above */
	bool started;		/* atkbd has the port open */
	bool connected;		/* the host accepted our version */
	struct kbd_ps2 ps2;
};

static void hv_kbd_send_leds(struct hv_kbd_dev *kbd, u8 leds)
{
	struct hvis_synthkbd_led_indicators msg = {
		.header.type = HVIS_SYNTHKBD_LED_INDICATORS,
		.led_flags = leds,
	};
	int ret;

	ret = vmbus_sendpacket(kbd->hv_dev->channel, &msg, sizeof(msg), 0,
			       VM_PKT_DATA_INBAND, 0);
	if (ret)
		dev_warn_ratelimited(&kbd->hv_dev->device,
				     "cannot send the LED state: %d\n", ret);
}

static void hv_kbd_on_event(struct hv_kbd_dev *kbd, const void *msg)
{
	struct hvis_synthkbd_keystroke ks;
	unsigned long flags;
	u8 code;

	memcpy(&ks, msg, sizeof(ks));
	/*
	 * A unicode event carries a UTF-16 unit, not a scan code, and a code
	 * over 0x7f would collide with the break bit: atkbd could only
	 * misread either.
	 */
	if ((ks.info & HVIS_SYNTHKBD_INFO_UNICODE) ||
	    ks.make_code > HVIS_SYNTHKBD_MAKE_CODE_MAX ||
	    (ks.info & HVIS_SYNTHKBD_INFO_E0 && ks.info & HVIS_SYNTHKBD_INFO_E1)) {
		dev_err_ratelimited(&kbd->hv_dev->device,
				    "dropped key event code %#x info %#x\n",
				    ks.make_code, ks.info);
		return;
	}
	code = ks.make_code;
	if (ks.info & HVIS_SYNTHKBD_INFO_BREAK)
		code |= HV_KBD_SC_BREAK;

	spin_lock_irqsave(&kbd->lock, flags);
	if (kbd->started) {
		if (ks.info & HVIS_SYNTHKBD_INFO_E0)
			serio_interrupt(kbd->serio, HV_KBD_SC_E0, 0);
		if (ks.info & HVIS_SYNTHKBD_INFO_E1)
			serio_interrupt(kbd->serio, HV_KBD_SC_E1, 0);
		serio_interrupt(kbd->serio, code, 0);
	}
	spin_unlock_irqrestore(&kbd->lock, flags);

	/* Key-up must not wake: the Enter that started a suspend would. */
	if (!(ks.info & HVIS_SYNTHKBD_INFO_BREAK))
		pm_wakeup_hard_event(&kbd->hv_dev->device);
}

static void hv_kbd_on_message(struct hv_kbd_dev *kbd, const void *msg,
			      u32 len)
{
	int type = hvis_synthkbd_check(msg, len, HVIS_DIR_H2G, kbd->version);

	switch (type) {
	case HVIS_SYNTHKBD_PROTOCOL_RESPONSE:
		memcpy(&kbd->resp, msg, sizeof(kbd->resp));
		if (kbd->resp.status & HVIS_SYNTHKBD_PROTOCOL_ACCEPTED)
			kbd->version = HVIS_SYNTHKBD_VERSION_1_0;
		complete(&kbd->handshake);
		break;
	case HVIS_SYNTHKBD_EVENT:
		hv_kbd_on_event(kbd, msg);
		break;
	default:
		dev_err_ratelimited(&kbd->hv_dev->device,
				    "dropped host message (%u bytes): %s\n",
				    len, hvis_synthkbd_strerror(type));
		break;
	}
}

static void hv_kbd_on_channel_callback(void *context)
{
	struct hv_kbd_dev *kbd = context;
	struct vmbus_channel *channel = kbd->hv_dev->channel;
	const struct vmpacket_descriptor *desc;
	u32 len, off;

	foreach_vmbus_pkt(desc, channel) {
		len = desc->len8 << 3;
		off = desc->offset8 << 3;
		/*
		 * The packet was copied out of the ring, at most max_pkt_size
		 * bytes of it: a longer one, or an offset outside it, is not
		 * the host's keyboard talking.
		 */
		if (len > channel->max_pkt_size || off < sizeof(*desc) ||
		    off > len) {
			dev_err_ratelimited(&kbd->hv_dev->device,
					    "dropped malformed packet (len %u offset %u)\n",
					    len, off);
			continue;
		}
		if (desc->type == VM_PKT_COMP)
			continue;
		if (desc->type != VM_PKT_DATA_INBAND) {
			dev_err_ratelimited(&kbd->hv_dev->device,
					    "dropped packet of type %u\n",
					    desc->type);
			continue;
		}
		hv_kbd_on_message(kbd, (const u8 *)desc + off, len - off);
	}
}

/* Ask for protocol 1.0; 0 once the host accepted it. */
static int hv_kbd_handshake(struct hv_kbd_dev *kbd)
{
	struct hvis_synthkbd_protocol_request req = {
		.header.type = HVIS_SYNTHKBD_PROTOCOL_REQUEST,
		.version = HVIS_SYNTHKBD_VERSION_1_0,
	};
	struct hv_device *hv_dev = kbd->hv_dev;
	unsigned long flags;
	u8 leds;
	int ret;

	reinit_completion(&kbd->handshake);
	ret = vmbus_sendpacket(hv_dev->channel, &req, sizeof(req),
			       HV_KBD_REQ_ID, VM_PKT_DATA_INBAND,
			       VMBUS_DATA_PACKET_FLAG_COMPLETION_REQUESTED);
	if (ret)
		return ret;
	if (!wait_for_completion_timeout(&kbd->handshake,
					 HV_KBD_HANDSHAKE_TIMEOUT)) {
		dev_err(&hv_dev->device, "no protocol response from the host\n");
		return -ETIMEDOUT;
	}
	if (!(kbd->resp.status & HVIS_SYNTHKBD_PROTOCOL_ACCEPTED)) {
		dev_err(&hv_dev->device, "the host refused protocol 1.0\n");
		return -ENODEV;
	}

	spin_lock_irqsave(&kbd->lock, flags);
	kbd->connected = true;
	leds = kbd->ps2.leds;
	spin_unlock_irqrestore(&kbd->lock, flags);
	/* The host learns the state the LEDs had while it could not listen. */
	hv_kbd_send_leds(kbd, leds);
	return 0;
}

static int hv_kbd_connect(struct hv_kbd_dev *kbd)
{
	struct hv_device *hv_dev = kbd->hv_dev;
	int ret;

	kbd->version = 0;
	ret = vmbus_open(hv_dev->channel, HV_KBD_RING_SIZE, HV_KBD_RING_SIZE,
			 NULL, 0, hv_kbd_on_channel_callback, kbd);
	if (ret)
		return ret;
	ret = hv_kbd_handshake(kbd);
	if (ret)
		goto err_close_channel;
	return 0;

err_close_channel:
	vmbus_close(hv_dev->channel);
	return ret;
}

static void hv_kbd_disconnect(struct hv_kbd_dev *kbd)
{
	unsigned long flags;

	spin_lock_irqsave(&kbd->lock, flags);
	kbd->connected = false;
	spin_unlock_irqrestore(&kbd->lock, flags);
	vmbus_close(kbd->hv_dev->channel);
}

static int hv_kbd_serio_start(struct serio *serio)
{
	struct hv_kbd_dev *kbd = serio->port_data;
	unsigned long flags;

	spin_lock_irqsave(&kbd->lock, flags);
	kbd->started = true;
	spin_unlock_irqrestore(&kbd->lock, flags);
	return 0;
}

static void hv_kbd_serio_stop(struct serio *serio)
{
	struct hv_kbd_dev *kbd = serio->port_data;
	unsigned long flags;

	spin_lock_irqsave(&kbd->lock, flags);
	kbd->started = false;
	spin_unlock_irqrestore(&kbd->lock, flags);
}

/*
 * atkbd writes a command or parameter byte: answer it as a keyboard would,
 * within the call (libps2 arms its wait before writing, and the serio lock
 * is not held here).
 */
static int hv_kbd_serio_write(struct serio *serio, unsigned char byte)
{
	struct hv_kbd_dev *kbd = serio->port_data;
	struct kbd_ps2_reply reply;
	unsigned long flags;
	bool send;
	u8 leds, i;

	spin_lock_irqsave(&kbd->lock, flags);
	kbd_ps2_write(&kbd->ps2, byte, &reply);
	if (kbd->started)
		for (i = 0; i < reply.len; i++)
			serio_interrupt(serio, reply.bytes[i], 0);
	send = reply.leds_changed && kbd->connected;
	leds = kbd->ps2.leds;
	spin_unlock_irqrestore(&kbd->lock, flags);

	if (send)
		hv_kbd_send_leds(kbd, leds);
	return 0;
}

static struct serio *hv_kbd_serio_alloc(struct hv_kbd_dev *kbd)
{
	struct device *dev = &kbd->hv_dev->device;
	struct serio *serio = kzalloc(sizeof(*serio), GFP_KERNEL);

	if (!serio)
		return NULL;
	serio->dev.parent = dev;
	serio->id.type = SERIO_8042_XL;
	serio->port_data = kbd;
	serio->start = hv_kbd_serio_start;
	serio->stop = hv_kbd_serio_stop;
	serio->write = hv_kbd_serio_write;
	strscpy(serio->name, dev_name(dev), sizeof(serio->name));
	strscpy(serio->phys, dev_name(dev), sizeof(serio->phys));
	return serio;
}

static int hv_kbd_probe(struct hv_device *hv_dev,
			const struct hv_vmbus_device_id *dev_id)
{
	struct hv_kbd_dev *kbd;
	int ret;

	kbd = kzalloc(sizeof(*kbd), GFP_KERNEL);
	if (!kbd)
		return -ENOMEM;
	kbd->hv_dev = hv_dev;
	spin_lock_init(&kbd->lock);
	init_completion(&kbd->handshake);
	kbd_ps2_init(&kbd->ps2);
	kbd->serio = hv_kbd_serio_alloc(kbd);
	if (!kbd->serio) {
		ret = -ENOMEM;
		goto err_free_kbd;
	}
	hv_set_drvdata(hv_dev, kbd);

	ret = hv_kbd_connect(kbd);
	if (ret)
		goto err_free_serio;
	/* The serio core owns and frees the port from here on. */
	serio_register_port(kbd->serio);
	device_init_wakeup(&hv_dev->device, true);
	return 0;

err_free_serio:
	hv_set_drvdata(hv_dev, NULL);
	kfree(kbd->serio);
err_free_kbd:
	kfree(kbd);
	return ret;
}

static HVIS_HV_REMOVE_TYPE hv_kbd_remove(struct hv_device *hv_dev)
{
	struct hv_kbd_dev *kbd = hv_get_drvdata(hv_dev);

	device_init_wakeup(&hv_dev->device, false);
	serio_unregister_port(kbd->serio);
	hv_kbd_disconnect(kbd);
	hv_set_drvdata(hv_dev, NULL);
	kfree(kbd);
	return HVIS_HV_REMOVE_RET;
}

static int hv_kbd_suspend(struct hv_device *hv_dev)
{
	hv_kbd_disconnect(hv_get_drvdata(hv_dev));
	return 0;
}

static int hv_kbd_resume(struct hv_device *hv_dev)
{
	return hv_kbd_connect(hv_get_drvdata(hv_dev));
}

static const struct hv_vmbus_device_id hv_kbd_id_table[] = {
	{ HV_KBD_GUID, },
	{ },
};
MODULE_DEVICE_TABLE(vmbus, hv_kbd_id_table);

static struct hv_driver hv_kbd_drv = {
	.name = KBUILD_MODNAME,
	.id_table = hv_kbd_id_table,
	.probe = hv_kbd_probe,
	.remove = hv_kbd_remove,
	.suspend = hv_kbd_suspend,
	.resume = hv_kbd_resume,
	.driver = {
		.probe_type = PROBE_PREFER_ASYNCHRONOUS,
	},
};

static int __init hv_kbd_init(void)
{
	return vmbus_driver_register(&hv_kbd_drv);
}

static void __exit hv_kbd_exit(void)
{
	vmbus_driver_unregister(&hv_kbd_drv);
}

module_init(hv_kbd_init);
module_exit(hv_kbd_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Microsoft Hyper-V Synthetic Keyboard Driver (hvis)");
MODULE_VERSION("1.0.0-hvis");
