// SPDX-License-Identifier: GPL-2.0-only
/* hvcore's command line: a table of sub-commands (run, ctl, help) and their options. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctl.h"
#include "hvis/hvshm.h"
#include "log.h"
#include "vm.h"
#include "vmbus/server.h"

struct main_cmd {
	const char *name;
	const char *summary;
	int (*run)(int argc, char **argv);
};

static int main_cmd_run(int argc, char **argv);
static int main_cmd_ctl(int argc, char **argv);
static int main_cmd_help(int argc, char **argv);

static const struct main_cmd main_cmds[] = {
	{ "run", "boot a guest and serve VMBus to it", main_cmd_run },
	{ "ctl", "send a command to a running hvcore", main_cmd_ctl },
	{ "help", "show this text, or a command's (hvcore help run)",
	  main_cmd_help },
};

#define MAIN_NR_CMDS (sizeof(main_cmds) / sizeof(main_cmds[0]))

static void main_usage(FILE *fp)
{
	size_t i;

	fprintf(fp,
		"Usage: hvcore <command> [options]\n"
		"\n"
		"hvcore runs a Linux guest under QEMU and plays the Hyper-V host for it:\n"
		"a VMBus server and its device back ends (VSPs), reached by the guest\n"
		"through the hvshm transport (an ivshmem-doorbell PCI device whose\n"
		"server is hvcore), on machines without Hyper-V.\n"
		"\nCommands:\n");
	for (i = 0; i < MAIN_NR_CMDS; i++)
		fprintf(fp, "  %-6s %s\n", main_cmds[i].name, main_cmds[i].summary);
	fprintf(fp, "\nRun 'hvcore <command> --help' for a command's options.\n");
}

static void main_run_usage(FILE *fp)
{
	fprintf(fp,
"Usage: hvcore run --kernel PATH [options]\n"
"\n"
"Boot a guest under QEMU with guest RAM shared with hvcore and an\n"
"ivshmem-doorbell device served by hvcore, then serve VMBus until the guest\n"
"ends.  hvcore exits when QEMU does: status 0 if the guest powered off,\n"
"1 if it reset or panicked (QEMU runs with -no-reboot) or QEMU failed,\n"
"128+N if hvcore was stopped by signal N.  The RAM file, the sockets and the\n"
"QEMU process are cleaned up on every path.\n"
"\n"
"Guest:\n"
"  -k, --kernel PATH     kernel to boot (required): a bzImage, or an ELF\n"
"                        vmlinux with a PVH entry note.  A bzImage is\n"
"                        decompressed once on the host (xz/zstd/gzip) into\n"
"                        $XDG_CACHE_HOME/hvcore (default ~/.cache/hvcore) and\n"
"                        booted through QEMU's PVH entry, which saves the\n"
"                        guest seconds of decompression under TCG; if that\n"
"                        fails the bzImage is booted as it is\n"
"  -B, --bzimage-boot    always boot --kernel as it is\n"
"  -i, --initrd PATH     initramfs to load\n"
"  -a, --append STR      extra kernel command line; hvcore always passes\n"
"                        'console=ttyS0 panic=-1' and options that skip\n"
"                        slow probing (i8042, extra 8250 ports)\n"
"  -m, --memory MIB      guest RAM in MiB (default %u, at most %u so that\n"
"                        guest physical addresses equal RAM file offsets)\n"
"  -c, --cpus N          vCPUs (default %u, at most %u)\n"
"  -e, --echo N          offer N echo test devices at boot\n"
"  -D, --device VSP[:ARGS]\n"
"                        offer one device served by VSP at boot (repeatable,\n"
"                        in order).  VSPs and their ARGS:\n"
"                          storvsp: a SCSI controller; ARGS is DISK[;DISK...],\n"
"                          DISK is file=PATH[,lun=N][,ro][,direct]\n"
"                          [,serial=S][,vendor=V][,model=M]: a raw image\n"
"                          (sparse is fine), LUN 0..63 (default the lowest\n"
"                          free), read-only, O_DIRECT, and the identity\n"
"                          INQUIRY reports (defaults hvis-<ctrl>-<lun>,\n"
"                          Msft, Virtual Disk).  ARGS 'ide[=T];DISK' is an\n"
"                          accelerated IDE controller instead (Generation 1\n"
"                          disks): one disk at LUN 0, target T 0..1 (default\n"
"                          0) in its instance GUID, no sub-channels, no\n"
"                          lun-add/lun-remove.  Examples:\n"
"                          --device 'storvsp:file=a.img;file=b.img,ro'\n"
"                          --device 'storvsp:ide;file=boot.img'\n"
"                          synthkbd[:interval_ms=N]: the synthetic keyboard\n"
"                          ('hvcore ctl key|type'); events are paced N ms\n"
"                          apart (default 5, 0..1000)\n"
"                          synthhid[:bad-descriptor[=overrun|short-hid|\n"
"                          empty]]: the synthetic mouse ('hvcore ctl\n"
"                          mouse'); bad-descriptor sends a malformed device\n"
"                          info, a test hook\n"
"                          dynmem[:max-version=X.Y][,hot-add-base=MIB]\n"
"                          [,hot-add-end=MIB]: dynamic memory ('hvcore ctl\n"
"                          balloon|memory|dynmem'); RAM from hot-add-base up\n"
"                          (a multiple of 128, hidden from the guest with\n"
"                          --append mem=MIBM) can be hot-added, up to\n"
"                          hot-add-end (default: all but the last 128 MiB,\n"
"                          where QEMU's firmware keeps its tables)\n"
"                          netvsp[:tap=NAME][,netns=NS][,switch=PATH]\n"
"                          [,mac=XX:..:XX][,link=up|down]\n"
"                          [,signal=monitored|dedicated]: a synthetic\n"
"                          network adapter ('hvcore ctl netvsp'); its\n"
"                          frames go to TAP device NAME (created if\n"
"                          absent) in network namespace NS (/run/netns/NS,\n"
"                          from 'ip netns add'), or to hvcore's L2 switch\n"
"                          at unix socket PATH (the first hvcore to name\n"
"                          PATH hosts it, others join over the socket; no\n"
"                          root needed; no LSO offered there), none\n"
"                          without either; default MAC 00:15:5d plus\n"
"                          bytes of the instance GUID; the guest signals\n"
"                          its channels by interrupt (dedicated, default)\n"
"                          or through the monitor page hvcore polls (MNF)\n"
"                          echo: the VMBus test device, as --echo\n"
"  -V, --vmbus-version X.Y\n"
"                        highest VMBus version offered (default 5.3; one of\n"
"                        2.4 3.0 4.0 4.1 5.0 5.1 5.2 5.3).  Below 5.0 the\n"
"                        host has no connection id 4, as an older Hyper-V,\n"
"                        so the guest falls back to id 1.  'hvcore ctl\n"
"                        max-version' changes it while running\n"
"\n"
"QEMU:\n"
"  -A, --accel MODE      auto (default), kvm or tcg.  auto picks kvm only if\n"
"                        the CPU flags show vmx or svm and /dev/kvm runs a\n"
"                        one-instruction test guest to its hlt; otherwise\n"
"                        tcg, and -v logs why.  kvm fails at start, before\n"
"                        QEMU runs, if that test fails\n"
"  -q, --qemu PATH       QEMU binary (default qemu-system-x86_64)\n"
"  -Q, --qemu-arg ARG    append ARG to QEMU's command line as it is\n"
"                        (repeatable): peer devices for comparisons, such\n"
"                        as a virtio-blk disk in 'make bench', or a 9p\n"
"                        share for the test guest's tools\n"
"  -C, --console WHERE   guest serial console: stdio (default, on this\n"
"                        terminal) or file:PATH\n"
"\n"
"hvcore:\n"
"  -s, --ctl PATH        control socket (default <rundir>/<pid>.sock, where\n"
"                        rundir is $XDG_RUNTIME_DIR/hvcore, /run/hvcore for\n"
"                        root, else /tmp/hvcore-<uid>); printed at start\n"
"  -l, --log PATH        hvcore's log (default stderr, lines prefixed\n"
"                        'hvcore: ')\n"
"  -v, --verbose         log more (QEMU command line, init steps, events)\n"
"  -h, --help            this text\n"
"\n"
"While it runs, 'hvcore ctl' talks to it (see 'hvcore ctl --help').\n",
		VM_DEFAULT_MEMORY_MIB, VM_MAX_MEMORY_MIB, VM_DEFAULT_CPUS,
		HVSHM_MAX_VCPUS);
}

static int main_parse_u32(const char *opt, const char *s, uint32_t min,
			  uint32_t max, uint32_t *out)
{
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max) {
		fprintf(stderr, "hvcore: --%s must be a number from %u to %u\n",
			opt, min, max);
		return -EINVAL;
	}
	*out = (uint32_t)v;
	return 0;
}

static int main_parse_run(int argc, char **argv, struct vm_config *cfg)
{
	static const struct option opts[] = {
		{ "kernel", required_argument, NULL, 'k' },
		{ "initrd", required_argument, NULL, 'i' },
		{ "append", required_argument, NULL, 'a' },
		{ "memory", required_argument, NULL, 'm' },
		{ "cpus", required_argument, NULL, 'c' },
		{ "echo", required_argument, NULL, 'e' },
		{ "device", required_argument, NULL, 'D' },
		{ "qemu-arg", required_argument, NULL, 'Q' },
		{ "vmbus-version", required_argument, NULL, 'V' },
		{ "ctl", required_argument, NULL, 's' },
		{ "accel", required_argument, NULL, 'A' },
		{ "qemu", required_argument, NULL, 'q' },
		{ "console", required_argument, NULL, 'C' },
		{ "log", required_argument, NULL, 'l' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "bzimage-boot", no_argument, NULL, 'B' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int opt, err = 0;

	while (!err && (opt = getopt_long(argc, argv, "k:i:a:m:c:e:D:Q:V:s:A:q:C:l:vBh",
					  opts, NULL)) != -1) {
		switch (opt) {
		case 'k': cfg->kernel = optarg; break;
		case 'i': cfg->initrd = optarg; break;
		case 'a': cfg->append = optarg; break;
		case 'm':
			err = main_parse_u32("memory", optarg, 64,
					     VM_MAX_MEMORY_MIB, &cfg->memory_mib);
			break;
		case 'c':
			err = main_parse_u32("cpus", optarg, 1, HVSHM_MAX_VCPUS,
					     &cfg->cpus);
			break;
		case 'e':
			err = main_parse_u32("echo", optarg, 0, 1024,
					     &cfg->echo_devices);
			break;
		case 'D':
			if (cfg->nr_devices == VM_MAX_DEVICES) {
				fprintf(stderr, "hvcore: at most %u --device options\n",
					VM_MAX_DEVICES);
				err = -EINVAL;
				break;
			}
			cfg->devices[cfg->nr_devices++] = optarg;
			break;
		case 'Q':
			if (cfg->nr_qemu_args == VM_MAX_QEMU_ARGS) {
				fprintf(stderr, "hvcore: at most %u --qemu-arg options\n",
					VM_MAX_QEMU_ARGS);
				err = -EINVAL;
				break;
			}
			cfg->qemu_args[cfg->nr_qemu_args++] = optarg;
			break;
		case 'V':
			err = vmbus_version_parse(optarg, &cfg->vmbus_version);
			if (err)
				fprintf(stderr, "hvcore: --vmbus-version must be one of 2.4 3.0 4.0 4.1 5.0 5.1 5.2 5.3\n");
			break;
		case 's': cfg->ctl_path = optarg; break;
		case 'A': cfg->accel = optarg; break;
		case 'q': cfg->qemu = optarg; break;
		case 'C': cfg->console = optarg; break;
		case 'l': cfg->log_path = optarg; break;
		case 'v': cfg->verbose = true; break;
		case 'B': cfg->bzimage_boot = true; break;
		case 'h':
			main_run_usage(stdout);
			exit(0);
		default:
			main_run_usage(stderr);
			return -EINVAL;
		}
	}
	if (err)
		return err;
	if (optind < argc) {
		fprintf(stderr, "hvcore: unexpected argument '%s'\n", argv[optind]);
		return -EINVAL;
	}
	if (!cfg->kernel) {
		fprintf(stderr, "hvcore: --kernel is required (see hvcore run --help)\n");
		return -EINVAL;
	}
	if (strcmp(cfg->accel, "tcg") && strcmp(cfg->accel, "kvm") &&
	    strcmp(cfg->accel, "auto")) {
		fprintf(stderr, "hvcore: --accel must be tcg, kvm or auto\n");
		return -EINVAL;
	}
	if (strcmp(cfg->console, "stdio") &&
	    (strncmp(cfg->console, "file:", 5) || !cfg->console[5])) {
		fprintf(stderr, "hvcore: --console must be stdio or file:PATH\n");
		return -EINVAL;
	}
	if (access(cfg->kernel, R_OK) ||
	    (cfg->initrd && access(cfg->initrd, R_OK))) {
		fprintf(stderr, "hvcore: cannot read %s: %s\n",
			access(cfg->kernel, R_OK) ? cfg->kernel : cfg->initrd,
			strerror(errno));
		return -ENOENT;
	}
	return 0;
}

static int main_cmd_run(int argc, char **argv)
{
	struct vm vm = {
		.cfg = {
			.memory_mib = VM_DEFAULT_MEMORY_MIB,
			.cpus = VM_DEFAULT_CPUS,
			.accel = "auto",
			.qemu = "qemu-system-x86_64",
			.console = "stdio",
		},
		.signal_fd = -1,
		.mem = { .fd = -1 },
	};
	int code, err;

	if (main_parse_run(argc, argv, &vm.cfg))
		return 2;
	log_set_verbose(vm.cfg.verbose);
	err = log_open(vm.cfg.log_path);
	if (err) {
		fprintf(stderr, "hvcore: --log %s: %s\n", vm.cfg.log_path,
			strerror(-err));
		return 2;
	}
	if (vm_init(&vm)) {
		log_close();
		return 1;
	}
	/* Said on stderr even with --log: whoever started us needs it. */
	if (vm.cfg.log_path)
		fprintf(stderr, "hvcore: control socket %s\n", vm.ctl_path);
	code = vm_run(&vm);
	vm_exit(&vm);
	log_debug("exit status %d", code);
	log_close();
	return code;
}

static int main_cmd_ctl(int argc, char **argv)
{
	return ctl_client_main(argc, argv);
}

static int main_cmd_help(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "run")) {
		main_run_usage(stdout);
		return 0;
	}
	if (argc > 1 && !strcmp(argv[1], "ctl")) {
		char *args[] = { "ctl", "--help", NULL };

		return ctl_client_main(2, args);
	}
	main_usage(stdout);
	return 0;
}

int main(int argc, char **argv)
{
	size_t i;

	if (argc < 2) {
		main_usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		main_usage(stdout);
		return 0;
	}
	for (i = 0; i < MAIN_NR_CMDS; i++)
		if (!strcmp(argv[1], main_cmds[i].name))
			return main_cmds[i].run(argc - 1, argv + 1);
	fprintf(stderr, "hvcore: unknown command '%s'\n\n", argv[1]);
	main_usage(stderr);
	return 2;
}
