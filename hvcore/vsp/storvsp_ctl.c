// SPDX-License-Identifier: GPL-2.0-only
/* storvsp's configuration: the DISK[;DISK...] arguments and the per-device control commands. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "storvsp.h"
#include "vmbus/channel.h"

/*
 * Add one DISK spec (modified in place).  The LUN, or -errno with @err
 * set.  Default serials come from the target ("hvis-<ctrl>-<lun>", see
 * stor_offer), so disks of different controllers never share one.
 */
static int stor_add_disk(struct storvsp *sp, char *spec, char *err,
			 size_t errlen)
{
	struct scsi_lun_config cfg;
	int r;

	r = scsi_lun_config_parse(spec, &cfg, err, errlen);
	if (r)
		return r;
	r = scsi_target_add_lun(sp->target, &cfg, err, errlen);
	if (r >= 0 && r < SCSI_MAX_LUNS)
		memset(&sp->stats[r], 0, sizeof(sp->stats[r]));
	return r;
}

/*
 * The targets an IDE controller may name in its instance GUID: the two
 * devices of an IDE channel, as Hyper-V numbers them.  (The guest's IDE
 * host has one target, but it adds the device at whatever target the
 * instance names, without a scan.)
 */
#define STOR_IDE_MAX_TARGET	1

/*
 * "ide" or "ide=T" as the first element of ARGS: 1 if it is one (and
 * @sp is made an IDE controller), 0 if the element is a DISK, -EINVAL.
 */
static int stor_parse_ide(struct storvsp *sp, const char *elem)
{
	char *end;
	unsigned long t = 0;

	if (strncmp(elem, "ide", 3) || (elem[3] && elem[3] != '='))
		return 0;
	if (elem[3] == '=') {
		errno = 0;
		t = strtoul(elem + 4, &end, 10);
		if (errno || end == elem + 4 || *end ||
		    t > STOR_IDE_MAX_TARGET) {
			log_msg("storvsp: \"%s\": the IDE target must be 0..%d",
				elem, STOR_IDE_MAX_TARGET);
			return -EINVAL;
		}
	}
	sp->ide = true;
	sp->target_id = (uint8_t)t;
	return 1;
}

int stor_add_disks(struct storvsp *sp, const char *args)
{
	char *copy, *spec, *save = NULL;
	unsigned int n = 0;
	char err[256];
	int r = 0;

	if (!args || !*args)
		return 0;	/* a controller with no disks (yet) */
	copy = strdup(args);
	if (!copy)
		return -ENOMEM;
	spec = strtok_r(copy, ";", &save);
	if (spec) {
		r = stor_parse_ide(sp, spec);
		if (r > 0)
			spec = strtok_r(NULL, ";", &save);
	}
	for (; spec && r >= 0; spec = strtok_r(NULL, ";", &save)) {
		n++;
		err[0] = '\0';
		r = stor_add_disk(sp, spec, err, sizeof(err));
		if (r < 0) {
			log_msg("storvsp: disk %u of \"%s\": %s", n, args,
				err[0] ? err : strerror(-r));
		} else if (sp->ide && r) {
			/* The guest adds LUN 0 only: another would never show. */
			log_msg("storvsp: \"%s\": an IDE controller's disk is LUN 0, not %d",
				args, r);
			r = -EINVAL;
		}
	}
	if (r >= 0 && sp->ide && n != 1) {
		log_msg("storvsp: \"%s\": an IDE controller holds exactly one disk, not %u",
			args, n);
		r = -EINVAL;
	}
	free(copy);
	return r < 0 ? -EINVAL : 0;
}

/* --- Control commands --- */

#define STOR_DISK_USAGE \
	"file=PATH[,lun=N][,ro][,direct][,serial=S][,vendor=V][,model=M]"

static const char stor_ctl_help[] =
	"help                     this text\n"
	"list                     LUNs, then controller and per-LUN counters\n"
	"lun-add DISK             DISK = " STOR_DISK_USAGE "\n"
	"lun-remove LUN           the guest is told to rescan\n"
	"resize LUN BYTES[K|M|G]  a multiple of 512; unit attention 2a/09\n"
	"fault LUN eio LBA COUNT  I/O touching the range fails (medium error)\n"
	"fault LUN delay MS [N]   the next N (1) requests complete MS later\n"
	"fault LUN clear          remove the LUN's faults\n"
	"reset                    bus reset: outstanding requests end BUS_RESET\n";

static int stor_usage(FILE *out, const char *usage)
{
	fprintf(out, "error: usage: %s\n", usage);
	return -EINVAL;
}

/* A whole-string unsigned number: 0 or -EINVAL. */
static int stor_parse_u64(const char *s, uint64_t *v)
{
	char *end;

	if (!s || !*s || *s == '-')
		return -EINVAL;
	errno = 0;
	*v = strtoull(s, &end, 0);
	if (errno || *end)
		return -EINVAL;
	return 0;
}

static int stor_parse_lun(const char *s, FILE *out, unsigned int *lun)
{
	uint64_t v;

	if (stor_parse_u64(s, &v) || v >= SCSI_MAX_LUNS) {
		fprintf(out, "error: LUN \"%s\" is not a number in 0..%d\n",
			s ? s : "", SCSI_MAX_LUNS - 1);
		return -EINVAL;
	}
	*lun = (unsigned int)v;
	return 0;
}

/* "123", "4K", "10M", "2G" (binary units). */
static int stor_parse_size(const char *s, uint64_t *bytes)
{
	char buf[32], *unit;
	uint64_t v, mul = 1;
	size_t n = s ? strlen(s) : 0;

	if (!n || n >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, n + 1);
	unit = buf + n - 1;
	switch (*unit) {
	case 'k': case 'K': mul = 1ull << 10; break;
	case 'm': case 'M': mul = 1ull << 20; break;
	case 'g': case 'G': mul = 1ull << 30; break;
	default: unit = NULL; break;
	}
	if (unit)
		*unit = '\0';
	if (stor_parse_u64(buf, &v) || v > UINT64_MAX / mul)
		return -EINVAL;
	*bytes = v * mul;
	return 0;
}

static void stor_ctl_list(struct storvsp *sp, FILE *out)
{
	unsigned int i, open = 0, inflight = 0, queued = 0;
	int lun;

	scsi_target_list(sp->target, out);
	for (i = 0; i <= HVIS_VSTOR_MAX_SUB_CHANNELS; i++) {
		struct stor_chan *sc = sp->chans[i];

		if (!sc)
			continue;
		open++;
		inflight += sc->busy - sc->queued;
		queued += sc->queued;
	}
	fprintf(out, "controller %u version %u.%u state %s channels %u inflight %u queued %u protocol-errors %"
		PRIu64 "%s",
		sp->ctrl, sp->version >> 8, sp->version & 0xff,
		sp->state == STOR_INIT_READY ? "ready" :
		sp->state == STOR_INIT_NONE ? "idle" : "handshake",
		open, inflight, queued, sp->protocol_errors,
		sp->ide ? "" : "\n");
	if (sp->ide)
		fprintf(out, " ide target %u\n", sp->target_id);
	for (lun = 0; lun < SCSI_MAX_LUNS; lun++) {
		const struct stor_lun_stats *st = &sp->stats[lun];

		if (!scsi_target_has_lun(sp->target, (unsigned int)lun))
			continue;
		fprintf(out, "stats lun %d requests %" PRIu64
			" read-bytes %" PRIu64 " written-bytes %" PRIu64
			" errors %" PRIu64 "\n",
			lun, st->requests, st->bytes_read, st->bytes_written,
			st->errors);
	}
}

static int stor_ctl_fault(struct storvsp *sp, int argc, char **argv,
			  FILE *out)
{
	static const char usage[] =
		"fault LUN eio LBA COUNT | fault LUN delay MS [N] | fault LUN clear";
	uint64_t a, b = 1;
	unsigned int lun;
	int r;

	if (argc < 3)
		return stor_usage(out, usage);
	if (stor_parse_lun(argv[1], out, &lun))
		return -EINVAL;
	if (!strcmp(argv[2], "eio")) {
		if (argc != 5 || stor_parse_u64(argv[3], &a) ||
		    stor_parse_u64(argv[4], &b) || !b)
			return stor_usage(out, "fault LUN eio LBA COUNT (COUNT >= 1)");
		r = scsi_target_fault_eio(sp->target, lun, a, b);
	} else if (!strcmp(argv[2], "delay")) {
		if (argc < 4 || argc > 5 || stor_parse_u64(argv[3], &a) ||
		    a > UINT32_MAX ||
		    (argc == 5 && (stor_parse_u64(argv[4], &b) || !b ||
				   b > UINT32_MAX)))
			return stor_usage(out, "fault LUN delay MS [N]");
		r = scsi_target_fault_delay(sp->target, lun, (uint32_t)a,
					    (uint32_t)b);
	} else if (!strcmp(argv[2], "clear")) {
		if (argc != 3)
			return stor_usage(out, "fault LUN clear");
		r = scsi_target_fault_clear(sp->target, lun);
	} else {
		return stor_usage(out, usage);
	}
	if (r) {
		fprintf(out, "error: fault on LUN %u: %s\n", lun,
			r == -ENOENT ? "no such LUN" : strerror(-r));
		return r;
	}
	return 0;
}

int stor_ctl(struct vmbus_dev *dev, int argc, char **argv, FILE *out)
{
	struct storvsp *sp = vmbus_dev_priv(dev);
	const char *cmd = argc > 0 ? argv[0] : "help";
	unsigned int lun;
	uint64_t bytes;
	char err[256];
	int r;

	if (!strcmp(cmd, "help")) {
		fputs(stor_ctl_help, out);
		return 0;
	}
	if (!strcmp(cmd, "list")) {
		if (argc != 1)
			return stor_usage(out, "list");
		stor_ctl_list(sp, out);
		return 0;
	}
	if (sp->ide && (!strcmp(cmd, "lun-add") || !strcmp(cmd, "lun-remove"))) {
		/* As on Hyper-V: IDE disks are not hot-plugged. */
		fprintf(out, "error: %s: an IDE controller's one disk is fixed\n",
			cmd);
		return -EOPNOTSUPP;
	}
	if (!strcmp(cmd, "lun-add")) {
		char *spec;

		if (argc != 2)
			return stor_usage(out, "lun-add " STOR_DISK_USAGE);
		spec = strdup(argv[1]);
		if (!spec) {
			fprintf(out, "error: out of memory\n");
			return -ENOMEM;
		}
		err[0] = '\0';
		r = stor_add_disk(sp, spec, err, sizeof(err));
		free(spec);
		if (r < 0) {
			fprintf(out, "error: %s\n", err[0] ? err : strerror(-r));
			return r;
		}
		/*
		 * No reply body: scripts take a reply that starts with "ok"
		 * as success.  `list` shows the LUN; the log names it too.
		 */
		log_msg("storvsp: relid %u: LUN %d added: %s",
			vmbus_dev_relid(dev), r, argv[1]);
		stor_notify_rescan(sp);
		return 0;
	}
	if (!strcmp(cmd, "lun-remove")) {
		if (argc != 2)
			return stor_usage(out, "lun-remove LUN");
		if (stor_parse_lun(argv[1], out, &lun))
			return -EINVAL;
		r = scsi_target_remove_lun(sp->target, lun);
		if (r) {
			fprintf(out, "error: no LUN %u\n", lun);
			return r;
		}
		log_msg("storvsp: relid %u: LUN %u removed",
			vmbus_dev_relid(dev), lun);
		stor_notify_rescan(sp);
		return 0;
	}
	if (!strcmp(cmd, "resize")) {
		if (argc != 3)
			return stor_usage(out, "resize LUN BYTES[K|M|G]");
		if (stor_parse_lun(argv[1], out, &lun))
			return -EINVAL;
		if (stor_parse_size(argv[2], &bytes) || !bytes ||
		    bytes % 512) {
			fprintf(out, "error: size \"%s\" is not a positive multiple of 512 bytes\n",
				argv[2]);
			return -EINVAL;
		}
		r = scsi_target_resize(sp->target, lun, bytes);
		if (r) {
			fprintf(out, "error: resize LUN %u: %s\n", lun,
				r == -ENOENT ? "no such LUN" : strerror(-r));
			return r;
		}
		log_msg("storvsp: relid %u: LUN %u resized to %" PRIu64 " bytes",
			vmbus_dev_relid(dev), lun, bytes);
		stor_notify_rescan(sp);
		return 0;
	}
	if (!strcmp(cmd, "fault"))
		return stor_ctl_fault(sp, argc, argv, out);
	if (!strcmp(cmd, "reset")) {
		if (argc != 1)
			return stor_usage(out, "reset");
		log_msg("storvsp: relid %u: host bus reset",
			vmbus_dev_relid(dev));
		scsi_target_reset(sp->target);
		return 0;
	}
	fprintf(out, "error: unknown storvsp command \"%s\" (try help)\n", cmd);
	return -EINVAL;
}
