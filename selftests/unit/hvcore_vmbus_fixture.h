/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The fixture the hvcore VMBus server's unit tests share: a fake transport,
 * event loop and guest RAM stand in for QEMU, and helpers play the guest's
 * side (contact, GPADLs, channels over the shared ring code).
 */
#ifndef HVIS_UNIT_HVCORE_VMBUS_FIXTURE_H
#define HVIS_UNIT_HVCORE_VMBUS_FIXTURE_H

#include <stdbool.h>
#include <stdint.h>

#include "gpa.h"
#include "hvis/ring.h"
#include "hvis/vmbus_msg.h"
#include "ring/ring_ops.h"
#include "transport.h"
#include "vmbus/server.h"
#include "vmbus/vmbus_int.h"
#include "ktap.h"

#define RAM_SIZE	(8u << 20)
#define RAM_PAGES	(RAM_SIZE / HVIS_PAGE_SIZE)
#define MON1_PFN	1
#define MON2_PFN	2
#define FIRST_FREE_PFN	16
#define NR_VCPUS	2
#define V53		HVIS_VMBUS_VERSION_WIN10_V5_3
#define ECHO_CONN(relid)	(VMBUS_CHAN_CONN_ID_BASE + (relid))

#define CHECK(cond)	KTAP_CHECK(cond)

/* --- Fakes: transport, event loop, guest RAM --- */

/* A message the server posted to the guest. */
struct fake_msg {
	uint32_t vcpu, len;
	uint64_t buf[HVIS_MESSAGE_PAYLOAD_SIZE / 8];
};

#define MAX_MSGS 512
extern struct fake_msg msgs[MAX_MSGS];
extern unsigned int nmsgs, msg_pos;
extern uint32_t last_signal_relid, nsignals;
extern bool fail_posts;		/* as hvshm does when the guest's queue is full */

extern uint8_t *ram;
extern struct transport tp;
extern struct vmbus_server *srv;

void run_timers(void);
/* Poll the fds VSPs watch, up to @timeout_ms; run the ready ones' callbacks. */
int run_fds(int timeout_ms);
void *pfn_ptr(uint64_t pfn);
uint64_t alloc_pages(uint32_t n);
void msgs_reset(void);
void setup(uint32_t max_version);
void teardown(void);

/* --- The guest's side of the connection --- */

uint32_t post(uint32_t conn, const void *msg, uint32_t len);
void *expect(uint32_t type);
bool no_more_msgs(void);
uint32_t contact(uint32_t conn, uint32_t version, uint64_t mon2_pfn);
bool connect_53(void);
uint32_t simple(uint32_t type);

/* --- GPADLs, as the guest builds them --- */

uint32_t post_gpadl(uint32_t relid, uint32_t handle, const void *rb,
		    uint32_t buflen, uint16_t range_count);
uint32_t build_range(uint64_t *rb, uint64_t pfn, uint32_t n);
int64_t gpadl_status(uint32_t handle);

/* --- A guest-side channel --- */

struct gchan {
	uint32_t relid;
	struct hvring tx;	/* guest writes, host reads */
	struct hvring rx;	/* host writes, guest reads */
};

bool open_chan(struct gchan *g, uint32_t relid, uint32_t handle,
	       uint32_t tx_pages, uint32_t rx_pages);
int gsend(struct gchan *g, uint16_t type, uint64_t tid, const void *pre,
	  uint32_t prelen, const void *data, uint32_t len);
uint32_t grecv(struct gchan *g, void *buf, uint32_t buflen, bool *signal_host);
void gsignal(struct gchan *g);
bool bring_up(unsigned int n);

/*
 * Whether hvcore's log file @path holds @what in its newest 64 KiB (the
 * log grows over a whole run; a case looks for what it just caused).
 */
bool log_file_has(const char *path, const char *what);

/*
 * Run every case of @cases as "unit <component>: <what>" on a fresh guest
 * RAM; the result is the program's exit status.
 */
int vmbus_fixture_run(const char *component, const struct ktap_case *cases,
		      int count);

#endif /* HVIS_UNIT_HVCORE_VMBUS_FIXTURE_H */
