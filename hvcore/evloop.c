// SPDX-License-Identifier: GPL-2.0-only
/* hvcore's event loop: epoll for file descriptors plus one timerfd for a timer list. */
#include "evloop.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>

/*
 * A watcher stays allocated until the end of the dispatch round in which it
 * was deleted: epoll may already have returned its pointer in the same batch,
 * and a callback is allowed to delete any watcher, itself included.
 */
struct evloop_fd {
	int fd;
	bool dead;
	evloop_fd_cb cb;
	void *opaque;
	struct evloop_fd *next;		/* live list or graveyard */
};

struct evloop_timer {
	int id;
	bool dead;
	uint64_t deadline;		/* CLOCK_MONOTONIC ns */
	evloop_timer_cb cb;
	void *opaque;
	struct evloop_timer *next;
};

struct evloop {
	int epfd;
	int tfd;
	bool stopping;
	int code;
	int next_timer_id;
	struct evloop_fd *fds;
	struct evloop_fd *graveyard;
	struct evloop_timer *timers;	/* unsorted; hvcore keeps few timers */
};

static uint64_t evloop_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

struct evloop *evloop_create(void)
{
	struct epoll_event ev = { .events = EPOLLIN };
	struct evloop *loop = calloc(1, sizeof(*loop));

	if (!loop)
		return NULL;
	loop->next_timer_id = 1;
	loop->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (loop->epfd < 0)
		goto err_free_loop;
	loop->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (loop->tfd < 0)
		goto err_close_epoll;
	/* data.ptr == NULL marks the timerfd among the watchers. */
	ev.data.ptr = NULL;
	if (epoll_ctl(loop->epfd, EPOLL_CTL_ADD, loop->tfd, &ev) < 0)
		goto err_close_timerfd;
	return loop;

err_close_timerfd:
	close(loop->tfd);
err_close_epoll:
	close(loop->epfd);
err_free_loop:
	free(loop);
	return NULL;
}

static void evloop_bury(struct evloop *loop)
{
	struct evloop_fd *w;
	struct evloop_timer **tp, *t;

	while ((w = loop->graveyard)) {
		loop->graveyard = w->next;
		free(w);
	}
	for (tp = &loop->timers; (t = *tp);) {
		if (t->dead) {
			*tp = t->next;
			free(t);
		} else {
			tp = &t->next;
		}
	}
}

void evloop_destroy(struct evloop *loop)
{
	struct evloop_fd *w;
	struct evloop_timer *t;

	if (!loop)
		return;
	while ((w = loop->fds)) {
		loop->fds = w->next;
		free(w);
	}
	while ((t = loop->timers)) {
		loop->timers = t->next;
		free(t);
	}
	evloop_bury(loop);
	close(loop->tfd);
	close(loop->epfd);
	free(loop);
}

int evloop_add_fd(struct evloop *loop, int fd, uint32_t events,
		  evloop_fd_cb cb, void *opaque)
{
	struct epoll_event ev = { .events = events };
	struct evloop_fd *w = calloc(1, sizeof(*w));

	if (!w)
		return -ENOMEM;
	w->fd = fd;
	w->cb = cb;
	w->opaque = opaque;
	ev.data.ptr = w;
	if (epoll_ctl(loop->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		int err = -errno;

		free(w);
		return err;
	}
	w->next = loop->fds;
	loop->fds = w;
	return 0;
}

void evloop_del_fd(struct evloop *loop, int fd)
{
	struct evloop_fd **wp, *w;

	for (wp = &loop->fds; (w = *wp); wp = &w->next) {
		if (w->fd != fd)
			continue;
		*wp = w->next;
		/* May fail if the caller closed fd first; the kernel dropped it then. */
		epoll_ctl(loop->epfd, EPOLL_CTL_DEL, fd, NULL);
		w->dead = true;
		w->next = loop->graveyard;
		loop->graveyard = w;
		return;
	}
}

/* Arm the timerfd for the earliest live deadline, or disarm it. */
static void evloop_arm(struct evloop *loop)
{
	struct itimerspec its = { 0 };
	struct evloop_timer *t;
	uint64_t first = UINT64_MAX;

	for (t = loop->timers; t; t = t->next)
		if (!t->dead && t->deadline < first)
			first = t->deadline;
	if (first != UINT64_MAX) {
		/* Absolute time 0 would disarm the timerfd; 1 ns is "already due". */
		if (!first)
			first = 1;
		its.it_value.tv_sec = first / 1000000000ull;
		its.it_value.tv_nsec = first % 1000000000ull;
	}
	timerfd_settime(loop->tfd, TFD_TIMER_ABSTIME, &its, NULL);
}

int evloop_add_timer(struct evloop *loop, uint64_t delay_ns,
		     evloop_timer_cb cb, void *opaque)
{
	struct evloop_timer *t = calloc(1, sizeof(*t));

	if (!t)
		return -ENOMEM;
	if (loop->next_timer_id <= 0)
		loop->next_timer_id = 1;
	t->id = loop->next_timer_id++;
	t->deadline = evloop_now() + delay_ns;
	t->cb = cb;
	t->opaque = opaque;
	t->next = loop->timers;
	loop->timers = t;
	evloop_arm(loop);
	return t->id;
}

void evloop_del_timer(struct evloop *loop, int id)
{
	struct evloop_timer *t;

	for (t = loop->timers; t; t = t->next) {
		if (t->id == id && !t->dead) {
			t->dead = true;
			evloop_arm(loop);
			return;
		}
	}
}

static void evloop_run_timers(struct evloop *loop)
{
	uint64_t expirations, now = evloop_now();
	struct evloop_timer *t;

	while (read(loop->tfd, &expirations, sizeof(expirations)) > 0)
		;
	/*
	 * Timers added by a callback go to the list head, before the cursor,
	 * so they do not run in this pass even when their delay is zero.
	 */
	for (t = loop->timers; t && !loop->stopping; t = t->next) {
		uint64_t next;

		if (t->dead || t->deadline > now)
			continue;
		next = t->cb(t->opaque);
		if (t->dead)
			continue;	/* the callback deleted its own timer */
		if (next) {
			t->deadline = evloop_now() + next;
		} else {
			t->dead = true;
		}
	}
	evloop_arm(loop);
}

int evloop_run(struct evloop *loop)
{
	struct epoll_event evs[32];

	while (!loop->stopping) {
		int i, n = epoll_wait(loop->epfd, evs, 32, -1);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		for (i = 0; i < n && !loop->stopping; i++) {
			struct evloop_fd *w = evs[i].data.ptr;

			if (!w)
				evloop_run_timers(loop);
			else if (!w->dead)
				w->cb(w->opaque, evs[i].events);
		}
		evloop_bury(loop);
	}
	loop->stopping = false;
	return loop->code;
}

void evloop_stop(struct evloop *loop, int code)
{
	loop->stopping = true;
	loop->code = code;
}
