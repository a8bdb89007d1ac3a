// SPDX-License-Identifier: GPL-2.0-only
/* hv_utils' misc devices for its daemons: one opener, whole messages each way. */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fs.h>
#include <linux/kref.h>
#include <linux/miscdevice.h>
#include <linux/mutex.h>
#include <linux/poll.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/uaccess.h>
#include <linux/wait.h>

#include "transport.h"

#define HV_UTIL_TRANSPORT_QUEUE	2

/*
 * Locking: @lock (taken _bh: senders run in the channel's tasklet) guards @out,
 * @out_len, @nr_out, @opened and @dead.  @write_lock serialises writers so the
 * service sees one daemon message at a time.  Lifetime: @ref is held by
 * the creator until destroy and by each open file until its release, so a
 * daemon still holding the device after destroy only sees -ENODEV/EPOLLHUP.
 */
struct hv_util_transport {
	struct miscdevice mdev;
	const struct hv_util_transport_ops *ops;
	void *priv;
	size_t max_in;
	struct kref ref;
	spinlock_t lock;		/* see Locking above */
	struct mutex write_lock;	/* see Locking above */
	wait_queue_head_t wq;
	/* Unread messages, oldest first: a reply to a registration and the request behind it. */
	void *out[HV_UTIL_TRANSPORT_QUEUE];
	size_t out_len[HV_UTIL_TRANSPORT_QUEUE];
	unsigned int nr_out;
	bool opened;
	bool dead;
};

/* Forget unread messages (the daemon is gone). */
static void hv_util_transport_drop(struct hv_util_transport *t)
{
	while (t->nr_out)
		kfree(t->out[--t->nr_out]);
}

static void hv_util_transport_free(struct kref *ref)
{
	struct hv_util_transport *t =
		container_of(ref, struct hv_util_transport, ref);

	hv_util_transport_drop(t);
	kfree(t->mdev.name);
	kfree(t);
}

static struct hv_util_transport *hv_util_transport_of(struct file *f)
{
	return container_of(f->private_data, struct hv_util_transport, mdev);
}

static int hv_util_transport_open(struct inode *inode, struct file *f)
{
	struct hv_util_transport *t = hv_util_transport_of(f);
	int ret = 0;

	spin_lock_bh(&t->lock);
	if (t->dead)
		ret = -ENODEV;
	else if (t->opened)
		ret = -EBUSY;
	else
		t->opened = true;
	spin_unlock_bh(&t->lock);
	if (!ret)
		kref_get(&t->ref);
	return ret;
}

static int hv_util_transport_release(struct inode *inode, struct file *f)
{
	struct hv_util_transport *t = hv_util_transport_of(f);
	bool dead;

	spin_lock_bh(&t->lock);
	t->opened = false;
	hv_util_transport_drop(t);
	dead = t->dead;
	spin_unlock_bh(&t->lock);
	if (!dead) {
		mutex_lock(&t->write_lock);
		t->ops->on_release(t->priv);
		mutex_unlock(&t->write_lock);
	}
	kref_put(&t->ref, hv_util_transport_free);
	return 0;
}

static ssize_t hv_util_transport_read(struct file *f, char __user *buf,
				      size_t count, loff_t *ppos)
{
	struct hv_util_transport *t = hv_util_transport_of(f);
	void *msg;
	size_t len;
	int ret;

	for (;;) {
		spin_lock_bh(&t->lock);
		if (t->dead) {
			spin_unlock_bh(&t->lock);
			return -ENODEV;
		}
		if (t->nr_out)
			break;
		spin_unlock_bh(&t->lock);
		if (f->f_flags & O_NONBLOCK)
			return -EAGAIN;
		ret = wait_event_interruptible(t->wq, READ_ONCE(t->nr_out) ||
					       READ_ONCE(t->dead));
		if (ret)
			return ret;
	}
	/* The in-tree ABI: a short buffer gets nothing and loses nothing. */
	if (count < t->out_len[0]) {
		spin_unlock_bh(&t->lock);
		return -EINVAL;
	}
	msg = t->out[0];
	len = t->out_len[0];
	if (--t->nr_out) {
		t->out[0] = t->out[1];
		t->out_len[0] = t->out_len[1];
	}
	spin_unlock_bh(&t->lock);
	ret = copy_to_user(buf, msg, len) ? -EFAULT : (int)len;
	kfree(msg);
	return ret;
}

static ssize_t hv_util_transport_write(struct file *f, const char __user *buf,
				       size_t count, loff_t *ppos)
{
	struct hv_util_transport *t = hv_util_transport_of(f);
	void *msg;
	int ret;

	if (!count || count > t->max_in)
		return -EINVAL;
	msg = memdup_user(buf, count);
	if (IS_ERR(msg))
		return PTR_ERR(msg);
	mutex_lock(&t->write_lock);
	ret = READ_ONCE(t->dead) ? -ENODEV : t->ops->on_msg(t->priv, msg, count);
	mutex_unlock(&t->write_lock);
	kfree(msg);
	return ret ? ret : (ssize_t)count;
}

static __poll_t hv_util_transport_poll(struct file *f, poll_table *wait)
{
	struct hv_util_transport *t = hv_util_transport_of(f);
	__poll_t mask = 0;

	poll_wait(f, &t->wq, wait);
	spin_lock_bh(&t->lock);
	if (t->dead)
		mask = EPOLLERR | EPOLLHUP;
	else if (t->nr_out)
		mask = EPOLLIN | EPOLLRDNORM;
	spin_unlock_bh(&t->lock);
	return mask;
}

static const struct file_operations hv_util_transport_fops = {
	.owner = THIS_MODULE,
	.open = hv_util_transport_open,
	.release = hv_util_transport_release,
	.read = hv_util_transport_read,
	.write = hv_util_transport_write,
	.poll = hv_util_transport_poll,
	.llseek = noop_llseek,
};

struct hv_util_transport *
hv_util_transport_create(const char *name, size_t max_in,
			 const struct hv_util_transport_ops *ops, void *priv)
{
	struct hv_util_transport *t = kzalloc(sizeof(*t), GFP_KERNEL);
	int ret;

	if (!t)
		return ERR_PTR(-ENOMEM);
	t->mdev.name = kstrdup(name, GFP_KERNEL);
	if (!t->mdev.name) {
		kfree(t);
		return ERR_PTR(-ENOMEM);
	}
	t->mdev.minor = MISC_DYNAMIC_MINOR;
	t->mdev.fops = &hv_util_transport_fops;
	t->ops = ops;
	t->priv = priv;
	t->max_in = max_in;
	kref_init(&t->ref);
	spin_lock_init(&t->lock);
	mutex_init(&t->write_lock);
	init_waitqueue_head(&t->wq);
	ret = misc_register(&t->mdev);
	if (ret) {
		pr_err("cannot register /dev/%s: %d\n", name, ret);
		kref_put(&t->ref, hv_util_transport_free);
		return ERR_PTR(ret);
	}
	return t;
}

void hv_util_transport_destroy(struct hv_util_transport *t)
{
	misc_deregister(&t->mdev);
	spin_lock_bh(&t->lock);
	t->dead = true;
	spin_unlock_bh(&t->lock);
	/* No on_msg()/on_release() runs after this: the service may go. */
	mutex_lock(&t->write_lock);
	mutex_unlock(&t->write_lock);
	wake_up_interruptible(&t->wq);
	kref_put(&t->ref, hv_util_transport_free);
}

int hv_util_transport_send(struct hv_util_transport *t, const void *msg,
			   size_t len)
{
	void *copy = kmemdup(msg, len, GFP_ATOMIC);
	int ret = 0;

	if (!copy)
		return -ENOMEM;
	spin_lock_bh(&t->lock);
	if (t->dead || !t->opened) {
		ret = -ENODEV;
	} else if (t->nr_out == HV_UTIL_TRANSPORT_QUEUE) {
		ret = -EBUSY;
	} else {
		t->out[t->nr_out] = copy;
		t->out_len[t->nr_out++] = len;
		copy = NULL;
	}
	spin_unlock_bh(&t->lock);
	kfree(copy);
	if (!ret)
		wake_up_interruptible(&t->wq);
	return ret;
}
