// SPDX-License-Identifier: GPL-2.0-only
/* Unit tests of hvcore/evloop.c: timer order and re-arming, deletion from callbacks, fds, stop. */
#include <stdint.h>
#include <time.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>

#include "evloop.h"
#include "ktap.h"

struct evloop_test {
	struct evloop *loop;
	int order[8];
	int n;
	int repeats;
	int victim;		/* timer id a callback deletes */
};

static uint64_t evloop_test_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint64_t evloop_test_first(void *opaque)
{
	struct evloop_test *t = opaque;

	t->order[t->n++] = 1;
	return 0;
}

static uint64_t evloop_test_second(void *opaque)
{
	struct evloop_test *t = opaque;

	t->order[t->n++] = 2;
	return 0;
}

static uint64_t evloop_test_last(void *opaque)
{
	struct evloop_test *t = opaque;

	t->order[t->n++] = 3;
	evloop_stop(t->loop, 42);
	return 0;
}

static bool evloop_test_timer_order(void)
{
	struct evloop_test t = { .loop = evloop_create() };
	uint64_t start = evloop_test_now();
	int code;

	KTAP_CHECK(t.loop);
	/* Added out of order on purpose. */
	KTAP_CHECK(evloop_add_timer(t.loop, 30000000, evloop_test_last, &t) > 0);
	KTAP_CHECK(evloop_add_timer(t.loop, 10000000, evloop_test_first, &t) > 0);
	KTAP_CHECK(evloop_add_timer(t.loop, 20000000, evloop_test_second, &t) > 0);
	code = evloop_run(t.loop);
	evloop_destroy(t.loop);
	KTAP_CHECK(code == 42);
	KTAP_CHECK(t.n == 3);
	KTAP_CHECK(t.order[0] == 1 && t.order[1] == 2 && t.order[2] == 3);
	KTAP_CHECK(evloop_test_now() - start >= 30000000);
	return true;
}

static uint64_t evloop_test_repeat(void *opaque)
{
	struct evloop_test *t = opaque;

	if (++t->repeats == 5) {
		evloop_stop(t->loop, 0);
		return 0;
	}
	return 1000000;
}

static uint64_t evloop_test_kill(void *opaque)
{
	struct evloop_test *t = opaque;

	evloop_del_timer(t->loop, t->victim);
	return 0;
}

static uint64_t evloop_test_never(void *opaque)
{
	struct evloop_test *t = opaque;

	t->order[t->n++] = 99;
	return 0;
}

static bool evloop_test_rearm_and_delete(void)
{
	struct evloop_test t = { .loop = evloop_create() };
	int id;

	KTAP_CHECK(t.loop);
	KTAP_CHECK(evloop_add_timer(t.loop, 1000000, evloop_test_repeat, &t) > 0);
	t.victim = evloop_add_timer(t.loop, 3000000, evloop_test_never, &t);
	KTAP_CHECK(t.victim > 0);
	KTAP_CHECK(evloop_add_timer(t.loop, 500000, evloop_test_kill, &t) > 0);
	/* Deleted before it ever runs. */
	id = evloop_add_timer(t.loop, 0, evloop_test_never, &t);
	evloop_del_timer(t.loop, id);
	evloop_run(t.loop);
	evloop_destroy(t.loop);
	KTAP_CHECK(t.repeats == 5);
	KTAP_CHECK(t.n == 0);
	return true;
}

struct evloop_fd_test {
	struct evloop *loop;
	int efd[2];
	int calls[2];
};

/* Whichever fires first deletes the other, though both are ready. */
static void evloop_test_fd_cb(void *opaque, uint32_t events, int me)
{
	struct evloop_fd_test *t = opaque;
	uint64_t v;

	(void)events;
	t->calls[me]++;
	if (read(t->efd[me], &v, sizeof(v)) != sizeof(v))
		return;
	evloop_del_fd(t->loop, t->efd[!me]);
	evloop_del_fd(t->loop, t->efd[me]);
}

static uint64_t evloop_test_fd_stop(void *opaque)
{
	struct evloop_fd_test *t = opaque;

	evloop_stop(t->loop, 7);
	return 0;
}

static void evloop_test_fd0(void *opaque, uint32_t events)
{
	evloop_test_fd_cb(opaque, events, 0);
}

static void evloop_test_fd1(void *opaque, uint32_t events)
{
	evloop_test_fd_cb(opaque, events, 1);
}

static bool evloop_test_fd_delete_in_batch(void)
{
	struct evloop_fd_test t = { .loop = evloop_create() };
	uint64_t one = 1;
	int code;

	KTAP_CHECK(t.loop);
	t.efd[0] = eventfd(0, EFD_NONBLOCK);
	t.efd[1] = eventfd(0, EFD_NONBLOCK);
	KTAP_CHECK(t.efd[0] >= 0 && t.efd[1] >= 0);
	KTAP_CHECK(!evloop_add_fd(t.loop, t.efd[0], EPOLLIN, evloop_test_fd0, &t));
	KTAP_CHECK(!evloop_add_fd(t.loop, t.efd[1], EPOLLIN, evloop_test_fd1, &t));
	KTAP_CHECK(write(t.efd[0], &one, 8) == 8 && write(t.efd[1], &one, 8) == 8);
	/* Both fds come back from one epoll_wait; the second must not run. */
	KTAP_CHECK(evloop_add_timer(t.loop, 20000000, evloop_test_fd_stop, &t) > 0);
	code = evloop_run(t.loop);
	evloop_destroy(t.loop);
	close(t.efd[0]);
	close(t.efd[1]);
	KTAP_CHECK(code == 7);
	KTAP_CHECK(t.calls[0] + t.calls[1] == 1);
	return true;
}

static const struct ktap_case evloop_test_cases[] = {
	{ "timers fire in deadline order, stop code kept",
	  evloop_test_timer_order },
	{ "timer re-arms, a callback deletes another timer",
	  evloop_test_rearm_and_delete },
	{ "fd deleted by a callback in the same batch",
	  evloop_test_fd_delete_in_batch },
};

int main(void)
{
	return ktap_run_cases("hvcore-evloop", evloop_test_cases,
			      KTAP_ARRAY_SIZE(evloop_test_cases));
}
