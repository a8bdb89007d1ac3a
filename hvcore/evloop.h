/* SPDX-License-Identifier: GPL-2.0-only */
/* hvcore's single-threaded epoll event loop: fds, timers, and a stop flag. */
#ifndef HVCORE_EVLOOP_H
#define HVCORE_EVLOOP_H

#include <stdbool.h>
#include <stdint.h>

struct evloop;

/* Called with the epoll events that fired (EPOLLIN, EPOLLHUP, ...). */
typedef void (*evloop_fd_cb)(void *opaque, uint32_t events);
/* Called when a timer expires; return the next delay in ns, or 0 to stop it. */
typedef uint64_t (*evloop_timer_cb)(void *opaque);

struct evloop *evloop_create(void);
void evloop_destroy(struct evloop *loop);

int evloop_add_fd(struct evloop *loop, int fd, uint32_t events,
		  evloop_fd_cb cb, void *opaque);
void evloop_del_fd(struct evloop *loop, int fd);

/* One-shot timer re-armed by the callback's return value; returns an id > 0. */
int evloop_add_timer(struct evloop *loop, uint64_t delay_ns,
		     evloop_timer_cb cb, void *opaque);
void evloop_del_timer(struct evloop *loop, int id);

/* Run until evloop_stop(); returns the code given to evloop_stop. */
int evloop_run(struct evloop *loop);
void evloop_stop(struct evloop *loop, int code);

#endif
