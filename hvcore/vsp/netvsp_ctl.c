// SPDX-License-Identifier: GPL-2.0-only
/* 'hvcore ctl netvsp RELID ...': link state, status and counters, test hooks. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "hvis/nvsp.h"
#include "hvis/rndis.h"
#include "net/switch.h"
#include "netvsp.h"
#include "vmbus/channel.h"
#include "vsp.h"

/*
 * 'inject bad-range': a frame whose range ends past the receive buffer;
 * 'inject bad-rndis': a PACKET whose data runs past its message;
 * 'inject bad-rsc': a coalesced frame in two ranges whose last piece never
 * comes.  The guest must drop them (and should complete them with a
 * failure status, counted as guest-refused).
 */
static int netvsp_inject_bad_rsc(struct netvsp *nv, FILE *out)
{
	struct {
		struct hvis_rndis_header h;
		struct hvis_rndis_packet p;
		struct hvis_rndis_ppi ppi;
		uint32_t id;
		uint8_t data[60];
	} __attribute__((packed)) m[2];
	struct hvring_iov iov[2] = { { &m[0], sizeof(m[0]) },
				     { &m[1], sizeof(m[1]) } };
	struct netvsp_msg msgs[2] = { { &iov[0], 1 }, { &iov[1], 1 } };
	unsigned int i;
	int r;

	for (i = 0; i < 2; i++) {
		memset(&m[i], 0, sizeof(m[i]));
		m[i].h.type = HVIS_RNDIS_PACKET;
		m[i].h.len = sizeof(m[i]);
		m[i].p.data_offset = sizeof(m[i].p) + sizeof(m[i].ppi) + 4;
		m[i].p.data_len = sizeof(m[i].data);
		m[i].p.ppi_offset = sizeof(m[i].p);
		m[i].p.ppi_len = sizeof(m[i].ppi) + 4;
		m[i].ppi.size = sizeof(m[i].ppi) + 4;
		m[i].ppi.type = HVIS_PPI_PKT_ID;
		m[i].ppi.value_offset = sizeof(m[i].ppi);
		/* First piece, then a middle one: no LAST anywhere. */
		m[i].id = HVIS_PPI_PKT_ID_V1 |
			  (HVIS_PPI_PKT_ID_SUBALLOC |
			   (i ? 0 : HVIS_PPI_PKT_ID_FIRST)) << 8;
		memset(m[i].data, 0xff, 12);
	}
	r = netvsp_deliver_msgs(nv, nv->ch, HVIS_NVSP_RNDIS_DATA, msgs, 2);
	if (r) {
		fprintf(out, "error: cannot send to the guest now: %s\n",
			strerror(-r));
		return r;
	}
	vmbus_chan_flush(nv->ch);
	return 0;
}

static int netvsp_inject(struct netvsp *nv, const char *what, FILE *out)
{
	struct {
		struct hvis_rndis_header h;
		struct hvis_rndis_packet p;
		uint8_t frame[60];
	} __attribute__((packed)) m = {
		.h = { HVIS_RNDIS_PACKET, sizeof(m) },
		.p = { .data_offset = sizeof(m.p), .data_len = sizeof(m.frame) },
	};
	struct hvring_iov iov = { &m, sizeof(m) };
	uint32_t skew = 0;
	int r;

	memset(m.frame, 0xff, 12);	/* broadcast, from ff:..: never valid */
	if (!strcmp(what, "bad-rsc"))
		return netvsp_inject_bad_rsc(nv, out);
	if (!strcmp(what, "bad-range")) {
		skew = nv->recv_size;
	} else if (!strcmp(what, "bad-rndis")) {
		m.p.data_len = 4096;
	} else {
		fprintf(out, "error: inject what? (bad-range, bad-rndis, bad-rsc)\n");
		return -EINVAL;
	}
	r = netvsp_deliver_skewed(nv, nv->ch, HVIS_NVSP_RNDIS_DATA, &iov, 1,
				  skew);
	if (r) {
		fprintf(out, "error: cannot send to the guest now: %s\n",
			strerror(-r));
		return r;
	}
	vmbus_chan_flush(nv->ch);
	return 0;
}

int netvsp_ctl(struct vmbus_dev *dev, int argc, char **argv, FILE *out)
{
	struct netvsp *nv = vmbus_dev_priv(dev);
	const char *cmd = argc ? argv[0] : "help";
	uint32_t i, open;

	if (!strcmp(cmd, "link") && argc == 2 &&
	    (!strcmp(argv[1], "up") || !strcmp(argv[1], "down"))) {
		nv->link_up = !strcmp(argv[1], "up");
		if (nv->rndis_ready && netvsp_rndis_indicate_link(nv))
			fprintf(out, "note: guest not told yet (no receive slot)\n");
		if (nv->link_up)
			netvsp_retry_held(nv);
		return 0;
	}
	if (!strcmp(cmd, "inject") && argc == 2)
		return netvsp_inject(nv, argv[1], out);
	if (!strcmp(cmd, "status") && argc == 1) {
		fprintf(out, "mac %02x:%02x:%02x:%02x:%02x:%02x\n", nv->mac[0],
			nv->mac[1], nv->mac[2], nv->mac[3], nv->mac[4],
			nv->mac[5]);
		fprintf(out, "link %s\n", nv->link_up ? "up" : "down");
		fprintf(out, "tap %s\n", nv->tap_fd >= 0 ? nv->tap_name : "-");
		if (nv->sw)
			netsw_print(nv->sw, out);
		fprintf(out, "nvsp-version %#x\n", nv->version);
		fprintf(out, "rndis %s\n", nv->rndis_ready ? "ready" : "down");
		fprintf(out, "packet-filter %#x\n", nv->filter);
		fprintf(out, "recv-slots %u free %u\n", nv->nr_slots, nv->nr_free);
		for (i = 0, open = 0; i < NETVSP_MAX_CHANNELS; i++)
			open += !!nv->chans[i];
		fprintf(out, "channels %u open of %u, rss-table %u\n", open,
			nv->nr_queues, nv->rss_entries);
		fprintf(out, "rss-key");
		for (i = 0; i < NETVSP_RSS_KEY_SIZE; i++)
			fprintf(out, "%s%02x", i % 4 ? "" : " ", nv->rss_key[i]);
		fprintf(out, "\n");
		for (i = 0; i < NETVSP_MAX_CHANNELS; i++) {
			uint32_t e, in_table = 0;

			for (e = 0; e < nv->rss_entries; e++)
				in_table += nv->rss_table[e] == i;
			if (nv->chans[i])
				fprintf(out, "channel %u rx-frames %llu rss-entries %u\n",
					i, (unsigned long long)nv->chans[i]->rx_frames,
					in_table);
		}
		fprintf(out, "rx-frames %llu rx-bytes %llu\n",
			(unsigned long long)nv->st.rx_frames,
			(unsigned long long)nv->st.rx_bytes);
		fprintf(out, "tx-frames %llu tx-bytes %llu\n",
			(unsigned long long)nv->st.tx_frames,
			(unsigned long long)nv->st.tx_bytes);
		fprintf(out, "tx-csum %llu tx-lso %llu rx-csum %llu\n",
			(unsigned long long)nv->st.tx_csum,
			(unsigned long long)nv->st.tx_lso,
			(unsigned long long)nv->st.rx_csum);
		fprintf(out, "rsc %s rx-rsc %llu\n", nv->rsc ? "on" : "off",
			(unsigned long long)nv->st.rx_rsc);
		fprintf(out, "rx-filtered %llu rx-dropped %llu tx-errors %llu\n",
			(unsigned long long)nv->st.rx_filtered,
			(unsigned long long)nv->st.rx_dropped,
			(unsigned long long)nv->st.tx_errors);
		fprintf(out, "bad-packets %llu guest-refused %llu\n",
			(unsigned long long)nv->st.bad_packets,
			(unsigned long long)nv->st.guest_refused);
		return 0;
	}
	if (!strcmp(cmd, "help")) {
		fprintf(out, "netvsp RELID link up|down   change the link state the guest sees\n"
			     "netvsp RELID status         address, link, negotiated state, counters\n"
			     "netvsp RELID inject bad-range|bad-rndis\n"
			     "                            send the guest a malformed frame (tests)\n");
		return 0;
	}
	fprintf(out, "error: unknown netvsp command (try: help)\n");
	return -EINVAL;
}
