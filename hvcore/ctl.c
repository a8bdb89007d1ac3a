// SPDX-License-Identifier: GPL-2.0-only
/* hvcore's control socket: a line protocol on a unix socket, and the `hvcore ctl` client. */
#include "ctl.h"

#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>

#include "evloop.h"
#include "hvis/vmbus_msg.h"
#include "log.h"
#include "vm.h"
#include "vmbus/server.h"
#include "vsp/vsp.h"

#define CTL_LINE_MAX	1024
#define CTL_MAX_ARGS	16

struct ctl;

/*
 * One client.  While @pending holds a deferred reply the connection reads
 * no further line (a client sends one command and waits for its answer).
 */
struct ctl_conn {
	struct ctl *ctl;
	int fd;
	size_t len;
	char buf[CTL_LINE_MAX];
	struct vsp_ctl_req *pending;
	bool eof;		/* the client sent all it will (shutdown(SHUT_WR)) */
	int resume;		/* timer running the lines that waited, or 0 */
	struct ctl_conn *next;
};

/*
 * A reply a VSP finishes later.  @conn is cleared when the client goes
 * first; the VSP still owns the request until it calls finish.
 */
struct vsp_ctl_req {
	struct ctl_conn *conn;
	FILE *out;
	char *body;
	size_t len;
};

/* The connection whose line ctl_execute() runs now (the event loop is single-threaded). */
static struct ctl_conn *ctl_running;

static void ctl_conn_lines(struct ctl_conn *conn);
static void ctl_conn_close(struct ctl_conn *conn);

static uint64_t ctl_conn_resume(void *opaque)
{
	struct ctl_conn *conn = opaque;

	conn->resume = 0;
	ctl_conn_lines(conn);
	return 0;
}

struct ctl {
	struct evloop *loop;
	struct vmbus_server *server;
	char *path;
	int listen_fd;
	struct ctl_conn *conns;
};

struct ctl_cmd {
	const char *name;
	const char *usage;
	const char *help;
	int min_args;		/* not counting the command itself */
	/* Writes its reply body to @out; returns 0 or -errno, with @err set. */
	int (*run)(struct ctl *c, int argc, char **argv, FILE *out,
		   const char **err);
};

/*
 * Commands a user types without naming a device, each handed to the
 * lowest-relid device of one VSP with its own words as the argv
 * ("key ctrl alt del" reaches synthkbd's ctl as argv[0] = "key").
 */
static const struct {
	const char *cmd;
	const char *vsp;
	const char *usage;
	const char *help;
} ctl_shortcuts[] = {
	{ "key", "synthkbd", "key <name>...",
	  "press and release keys together on the synthetic keyboard" },
	{ "type", "synthkbd", "type <text>",
	  "type text on the synthetic keyboard" },
	{ "mouse", "synthhid", "mouse move X Y|click [button]|wheel N",
	  "drive the synthetic mouse" },
	{ "balloon", "dynmem", "balloon <MiB>",
	  "ask the guest to shrink or grow back to <MiB> of memory" },
	{ "memory", "dynmem", "memory",
	  "guest-reported memory pressure and host-side resident figures" },
	{ "shutdown", "shutdown", "shutdown [force]",
	  "ask the guest for an orderly power-off; ok once it accepted" },
	{ "reboot", "shutdown", "reboot [force]",
	  "ask the guest for an orderly reboot; ok once it accepted" },
	{ "hibernate", "shutdown", "hibernate",
	  "ask the guest to hibernate (refused unless it can)" },
	{ "time", "timesync", "time [sync|sample]",
	  "host time and timesync state; send a SYNC or SAMPLE now" },
	{ "heartbeat", "heartbeat", "heartbeat",
	  "whether the guest answers its heartbeats" },
	{ "kvp", "kvp", "kvp list|get|set|delete|ip|ip-set ...",
	  "the guest's KVP pools and network facts (kvp help)" },
	{ "vss", "vss", "vss freeze|thaw|hot-backup",
	  "freeze or thaw the guest's file systems" },
};

#define CTL_NR_SHORTCUTS (sizeof(ctl_shortcuts) / sizeof(ctl_shortcuts[0]))

static int ctl_cmd_help(struct ctl *c, int argc, char **argv, FILE *out,
			const char **err);

static int ctl_cmd_list(struct ctl *c, int argc, char **argv, FILE *out,
			const char **err)
{
	(void)argc;
	(void)argv;
	(void)err;
	vmbus_server_list(c->server, out);
	return 0;
}

static int ctl_cmd_offer(struct ctl *c, int argc, char **argv, FILE *out,
			 const char **err)
{
	char args[CTL_LINE_MAX] = "";
	size_t n = 0;
	int i, relid;

	/* The VSP gets its arguments back as one space-separated string. */
	for (i = 2; i < argc; i++)
		n += (size_t)snprintf(args + n, sizeof(args) - n, "%s%s",
				      i > 2 ? " " : "", argv[i]);
	relid = vmbus_server_add_device(c->server, argv[1],
					argc > 2 ? args : NULL);
	if (relid < 0) {
		*err = strerror(-relid);
		return relid;
	}
	fprintf(out, "relid %d\n", relid);
	return 0;
}

static int ctl_cmd_rescind(struct ctl *c, int argc, char **argv, FILE *out,
			   const char **err)
{
	unsigned long relid;
	char *end;
	int ret;

	(void)argc;
	(void)out;
	errno = 0;
	relid = strtoul(argv[1], &end, 10);
	if (errno || *end || end == argv[1] || !relid || relid > UINT32_MAX) {
		*err = "relid must be a positive number";
		return -EINVAL;
	}
	ret = vmbus_server_rescind(c->server, (uint32_t)relid);
	if (ret < 0) {
		*err = strerror(-ret);
		return ret;
	}
	return 0;
}

static int ctl_cmd_max_version(struct ctl *c, int argc, char **argv,
			       FILE *out, const char **err)
{
	uint32_t v;

	if (argc > 1) {
		if (vmbus_version_parse(argv[1], &v) ||
		    vmbus_server_set_max_version(c->server, v)) {
			*err = "version must be one of 2.4 3.0 4.0 4.1 5.0 5.1 5.2 5.3";
			return -EINVAL;
		}
	}
	v = vmbus_server_max_version(c->server);
	fprintf(out, "max-version %u.%u", HVIS_VMBUS_VERSION_MAJOR(v),
		HVIS_VMBUS_VERSION_MINOR(v));
	/* A cap changes nothing until the guest next sends INITIATE_CONTACT. */
	v = vmbus_server_version(c->server);
	if (v)
		fprintf(out, " connected %u.%u\n", HVIS_VMBUS_VERSION_MAJOR(v),
			HVIS_VMBUS_VERSION_MINOR(v));
	else
		fprintf(out, " disconnected\n");
	return 0;
}

static const struct ctl_cmd ctl_cmds[] = {
	{ "help", "help", "list the commands", 0, ctl_cmd_help },
	{ "list", "list",
	  "one line per channel: relid, vsp, class, instance, state, counters",
	  0, ctl_cmd_list },
	{ "offer", "offer <vsp> [args...]",
	  "add a device served by <vsp> (e.g. echo) and offer it; prints its relid",
	  1, ctl_cmd_offer },
	{ "rescind", "rescind <relid>",
	  "close the device's channel and rescind it", 1, ctl_cmd_rescind },
	{ "max-version", "max-version [X.Y]",
	  "cap the VMBus version from the next contact; print it, the live one",
	  0, ctl_cmd_max_version },
};

#define CTL_NR_CMDS (sizeof(ctl_cmds) / sizeof(ctl_cmds[0]))

static int ctl_cmd_help(struct ctl *c, int argc, char **argv, FILE *out,
			const char **err)
{
	size_t i;

	(void)c;
	(void)argc;
	(void)argv;
	(void)err;
	for (i = 0; i < CTL_NR_CMDS; i++)
		fprintf(out, "%-24s %s\n", ctl_cmds[i].usage, ctl_cmds[i].help);
	for (i = 0; i < CTL_NR_SHORTCUTS; i++)
		fprintf(out, "%-24s %s\n", ctl_shortcuts[i].usage,
			ctl_shortcuts[i].help);
	fprintf(out, "%-24s %s\n", "<vsp> <relid> help",
		"commands of one device, e.g. storvsp 3 help");
	return 0;
}

/* 1 if @argv[0] was a shortcut (answered), else 0. */
static int ctl_shortcut(struct ctl *c, int argc, char **argv, FILE *out)
{
	uint32_t relid;
	size_t i;
	int r;

	for (i = 0; i < CTL_NR_SHORTCUTS; i++) {
		if (strcmp(argv[0], ctl_shortcuts[i].cmd))
			continue;
		relid = vmbus_server_first_relid(c->server, ctl_shortcuts[i].vsp);
		if (!relid) {
			fprintf(out, "error: no %s device (offer one: --device %s)\n",
				ctl_shortcuts[i].vsp, ctl_shortcuts[i].vsp);
			return 1;
		}
		r = vmbus_server_dev_ctl(c->server, ctl_shortcuts[i].vsp, relid,
					 argc, argv, out);
		if (r == -EOPNOTSUPP)
			fprintf(out, "error: %s takes no commands\n",
				ctl_shortcuts[i].vsp);
		else if (!r)
			fprintf(out, "ok\n");
		return 1;	/* VSP_CTL_PENDING: the VSP answers later */
	}
	return 0;
}

/* "<vsp> <relid> <command> [args...]": a command for one device's VSP. */
static void ctl_vsp_command(struct ctl *c, int argc, char **argv, FILE *out)
{
	unsigned long relid;
	char *end;
	int r;

	if (argc < 3) {
		fprintf(out, "error: usage: %s <relid> <command> [args...] (%s <relid> help)\n",
			argv[0], argv[0]);
		return;
	}
	errno = 0;
	relid = strtoul(argv[1], &end, 10);
	if (errno || end == argv[1] || *end || !relid || relid > UINT32_MAX) {
		fprintf(out, "error: '%s' is not a relid (see list)\n", argv[1]);
		return;
	}
	r = vmbus_server_dev_ctl(c->server, argv[0], (uint32_t)relid,
				 argc - 2, argv + 2, out);
	if (r == -ENOENT)
		fprintf(out, "error: no %s device at relid %lu (see list)\n",
			argv[0], relid);
	else if (r == -EOPNOTSUPP)
		fprintf(out, "error: %s takes no commands\n", argv[0]);
	else if (!r)
		fprintf(out, "ok\n");
	/* VSP_CTL_PENDING: the VSP answers later. */
}

/* Run one request line; the reply always ends with "ok" or "error: ...". */
static void ctl_execute(struct ctl *c, char *line, FILE *out)
{
	char *argv[CTL_MAX_ARGS + 1], *save = NULL, *tok;
	const char *err = NULL;
	int argc = 0;
	size_t i;

	for (tok = strtok_r(line, " \t\r", &save); tok;
	     tok = strtok_r(NULL, " \t\r", &save)) {
		if (argc == CTL_MAX_ARGS) {
			fprintf(out, "error: too many arguments\n");
			return;
		}
		argv[argc++] = tok;
	}
	argv[argc] = NULL;
	if (!argc)
		return;		/* blank lines get no reply */
	for (i = 0; i < CTL_NR_CMDS; i++) {
		const struct ctl_cmd *cmd = &ctl_cmds[i];

		if (strcmp(argv[0], cmd->name))
			continue;
		if (argc - 1 < cmd->min_args) {
			fprintf(out, "error: usage: %s\n", cmd->usage);
			return;
		}
		if (cmd->run(c, argc, argv, out, &err))
			fprintf(out, "error: %s\n", err ? err : "failed");
		else
			fprintf(out, "ok\n");
		return;
	}
	if (ctl_shortcut(c, argc, argv, out))
		return;
	if (vsp_lookup(argv[0])) {
		ctl_vsp_command(c, argc, argv, out);
		return;
	}
	fprintf(out, "error: unknown command '%s' (try help)\n", argv[0]);
}

static void ctl_conn_close(struct ctl_conn *conn)
{
	struct ctl *c = conn->ctl;
	struct ctl_conn **pp;

	if (conn->pending)
		conn->pending->conn = NULL;	/* its VSP finishes it into the void */
	if (conn->resume)
		evloop_del_timer(c->loop, conn->resume);

	for (pp = &c->conns; *pp; pp = &(*pp)->next) {
		if (*pp == conn) {
			*pp = conn->next;
			break;
		}
	}
	if (!conn->eof)
		evloop_del_fd(c->loop, conn->fd);
	close(conn->fd);
	free(conn);
}

/* Bounded by SO_SNDTIMEO: a client that does not read cannot stall the loop. */
static void ctl_send_all(struct ctl_conn *conn, const char *buf, size_t len)
{
	size_t off = 0;

	while (off < len) {
		ssize_t n = send(conn->fd, buf + off, len - off, MSG_NOSIGNAL);

		if (n <= 0)
			break;
		off += (size_t)n;
	}
}

static void ctl_reply(struct ctl_conn *conn, char *line)
{
	char *reply = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&reply, &len);

	if (!out)
		return;
	ctl_running = conn;
	ctl_execute(conn->ctl, line, out);
	ctl_running = NULL;
	fclose(out);
	ctl_send_all(conn, reply, len);
	free(reply);
}

struct vsp_ctl_req *vsp_ctl_defer(void)
{
	struct vsp_ctl_req *req;

	if (!ctl_running || ctl_running->pending)
		return NULL;
	req = calloc(1, sizeof(*req));
	if (!req)
		return NULL;
	req->out = open_memstream(&req->body, &req->len);
	if (!req->out) {
		free(req);
		return NULL;
	}
	req->conn = ctl_running;
	ctl_running->pending = req;
	return req;
}

FILE *vsp_ctl_req_out(struct vsp_ctl_req *req)
{
	return req->out;
}

void vsp_ctl_req_finish(struct vsp_ctl_req *req, int err)
{
	struct ctl_conn *conn = req->conn;

	if (!err)
		fputs("ok\n", req->out);
	fclose(req->out);
	if (conn) {
		conn->pending = NULL;
		ctl_send_all(conn, req->body, req->len);
		if (conn->eof && conn != ctl_running)
			ctl_conn_close(conn);	/* nothing more can come */
		else if (!conn->resume && strchr(conn->buf, '\n'))
			/* Lines that waited run from the loop, not from inside a VSP. */
			conn->resume = evloop_add_timer(conn->ctl->loop, 1,
							ctl_conn_resume, conn);
	}
	free(req->body);
	free(req);
}

static void ctl_conn_cb(void *opaque, uint32_t events)
{
	struct ctl_conn *conn = opaque;
	ssize_t n;

	(void)events;
	n = recv(conn->fd, conn->buf + conn->len, sizeof(conn->buf) - 1 - conn->len,
		 MSG_DONTWAIT);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n == 0 && conn->pending) {
		/* Half-closed while its answer is on its way: keep the socket. */
		conn->eof = true;
		evloop_del_fd(conn->ctl->loop, conn->fd);
		return;
	}
	if (n <= 0) {
		ctl_conn_close(conn);
		return;
	}
	conn->len += (size_t)n;
	conn->buf[conn->len] = '\0';
	ctl_conn_lines(conn);
}

/* Run the complete lines in @conn's buffer, stopping at a deferred reply. */
static void ctl_conn_lines(struct ctl_conn *conn)
{
	char *nl;

	while (!conn->pending && (nl = strchr(conn->buf, '\n'))) {
		*nl = '\0';
		ctl_reply(conn, conn->buf);
		conn->len -= (size_t)(nl + 1 - conn->buf);
		memmove(conn->buf, nl + 1, conn->len + 1);
	}
	if (conn->len == sizeof(conn->buf) - 1) {
		static const char msg[] = "error: line too long\n";

		send(conn->fd, msg, sizeof(msg) - 1, MSG_NOSIGNAL);
		ctl_conn_close(conn);
	}
}

static void ctl_accept_cb(void *opaque, uint32_t events)
{
	struct ctl *c = opaque;
	struct timeval tv = { .tv_sec = 1 };
	struct ctl_conn *conn;
	int fd;

	(void)events;
	fd = accept4(c->listen_fd, NULL, NULL, SOCK_CLOEXEC);
	if (fd < 0)
		return;
	conn = calloc(1, sizeof(*conn));
	if (!conn) {
		close(fd);
		return;
	}
	/* Replies are sent blocking, but never for longer than this. */
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	conn->ctl = c;
	conn->fd = fd;
	if (evloop_add_fd(c->loop, fd, EPOLLIN, ctl_conn_cb, conn)) {
		close(fd);
		free(conn);
		return;
	}
	conn->next = c->conns;
	c->conns = conn;
}

static int ctl_sockaddr(const char *path, struct sockaddr_un *addr)
{
	memset(addr, 0, sizeof(*addr));
	addr->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(addr->sun_path))
		return -ENAMETOOLONG;
	strcpy(addr->sun_path, path);
	return 0;
}

struct ctl *ctl_create(struct evloop *loop, const char *path,
		       struct vmbus_server *server)
{
	struct sockaddr_un addr;
	struct ctl *c;

	if (ctl_sockaddr(path, &addr)) {
		log_msg("control socket path too long: %s", path);
		return NULL;
	}
	c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->loop = loop;
	c->server = server;
	c->path = strdup(path);
	if (!c->path)
		goto err_free_c;
	c->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c->listen_fd < 0)
		goto err_free_path;
	unlink(path);
	if (bind(c->listen_fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 ||
	    listen(c->listen_fd, 8) < 0) {
		log_msg("control socket %s: %s", path, strerror(errno));
		goto err_close_listen;
	}
	if (evloop_add_fd(loop, c->listen_fd, EPOLLIN, ctl_accept_cb, c))
		goto err_unlink;
	return c;

err_unlink:
	unlink(path);
err_close_listen:
	close(c->listen_fd);
err_free_path:
	free(c->path);
err_free_c:
	free(c);
	return NULL;
}

void ctl_destroy(struct ctl *c)
{
	if (!c)
		return;
	while (c->conns)
		ctl_conn_close(c->conns);
	evloop_del_fd(c->loop, c->listen_fd);
	close(c->listen_fd);
	unlink(c->path);
	free(c->path);
	free(c);
}

/* ---- client: hvcore ctl ---- */

static int ctl_connect(const char *path)
{
	struct sockaddr_un addr;
	int fd;

	if (ctl_sockaddr(path, &addr))
		return -ENAMETOOLONG;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}

/*
 * With no --socket: the one live hvcore's socket in the default directory.
 * Sockets nobody answers on are left-overs of a killed hvcore and ignored.
 */
static int ctl_find_socket(char *path, size_t len)
{
	char dir[PATH_MAX], cand[PATH_MAX];
	struct dirent *de;
	int found = 0, err;
	DIR *d;

	err = vm_default_run_dir(dir, sizeof(dir), false);
	if (err)
		return err;
	d = opendir(dir);
	if (!d) {
		fprintf(stderr, "hvcore ctl: no hvcore running (%s: %s)\n",
			dir, strerror(errno));
		return -ENOENT;
	}
	while ((de = readdir(d))) {
		size_t n = strlen(de->d_name);
		int fd;

		if (n < 6 || strcmp(de->d_name + n - 5, ".sock"))
			continue;
		if (snprintf(cand, sizeof(cand), "%s/%s", dir, de->d_name) >=
		    (int)sizeof(cand))
			continue;
		fd = ctl_connect(cand);
		if (fd < 0)
			continue;
		close(fd);
		if (!found++)
			snprintf(path, len, "%s", cand);
	}
	closedir(d);
	if (found == 1)
		return 0;
	if (found)
		fprintf(stderr, "hvcore ctl: %d hvcore instances in %s, pick one with --socket\n",
			found, dir);
	else
		fprintf(stderr, "hvcore ctl: no hvcore running (nothing in %s)\n",
			dir);
	return found ? -EEXIST : -ENOENT;
}

static void ctl_client_usage(FILE *fp)
{
	size_t i;

	fprintf(fp,
		"Usage: hvcore ctl [--socket PATH] <command> [args...]\n"
		"\n"
		"Send one command to a running hvcore and print its reply.\n"
		"Exit status 0 if the reply ends in 'ok', 1 on 'error: ...',\n"
		"2 if no hvcore could be reached.\n"
		"\n"
		"  -s, --socket PATH  control socket (default: the only live one in\n"
		"                     $XDG_RUNTIME_DIR/hvcore, /run/hvcore as root,\n"
		"                     else /tmp/hvcore-<uid>)\n"
		"  -h, --help         this text\n"
		"\nCommands:\n");
	for (i = 0; i < CTL_NR_CMDS; i++)
		fprintf(fp, "  %-24s %s\n", ctl_cmds[i].usage, ctl_cmds[i].help);
	for (i = 0; i < CTL_NR_SHORTCUTS; i++)
		fprintf(fp, "  %-24s %s\n", ctl_shortcuts[i].usage,
			ctl_shortcuts[i].help);
	fprintf(fp, "  %-24s %s\n", "<vsp> <relid> help",
		"commands of one device, e.g. storvsp 3 help");
}

int ctl_client_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char path[PATH_MAX] = "", line[CTL_LINE_MAX], reply[4096];
	size_t n = 0, got = 0;
	const char *last;
	int opt, fd, i;
	ssize_t r;

	/* "+": stop at the command, whose own arguments may start with '-'. */
	while ((opt = getopt_long(argc, argv, "+s:h", opts, NULL)) != -1) {
		switch (opt) {
		case 's':
			snprintf(path, sizeof(path), "%s", optarg);
			break;
		case 'h':
			ctl_client_usage(stdout);
			return 0;
		default:
			ctl_client_usage(stderr);
			return 2;
		}
	}
	if (optind >= argc) {
		ctl_client_usage(stderr);
		return 2;
	}
	if (!path[0] && ctl_find_socket(path, sizeof(path)))
		return 2;
	for (i = optind; i < argc && n < sizeof(line) - 1; i++)
		n += (size_t)snprintf(line + n, sizeof(line) - n, "%s%s",
				      i > optind ? " " : "", argv[i]);
	if (n >= sizeof(line) - 1) {
		fprintf(stderr, "hvcore ctl: command too long\n");
		return 2;
	}
	line[n++] = '\n';
	fd = ctl_connect(path);
	if (fd < 0) {
		fprintf(stderr, "hvcore ctl: %s: %s\n", path, strerror(-fd));
		return 2;
	}
	if (send(fd, line, n, MSG_NOSIGNAL) != (ssize_t)n) {
		fprintf(stderr, "hvcore ctl: send: %s\n", strerror(errno));
		close(fd);
		return 2;
	}
	shutdown(fd, SHUT_WR);
	/* Deferred answers (the guest's) come within seconds; never hang for good. */
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &(struct timeval){ .tv_sec = 60 },
		   sizeof(struct timeval));
	/* The server replies to the one line, then sees EOF and closes. */
	while ((r = read(fd, reply + got, sizeof(reply) - 1 - got)) > 0) {
		fwrite(reply + got, 1, (size_t)r, stdout);
		got += (size_t)r;
		if (got == sizeof(reply) - 1) {
			/* Keep only the tail: the last line is what decides. */
			memmove(reply, reply + got - 256, 256);
			got = 256;
		}
	}
	close(fd);
	reply[got] = '\0';
	while (got && reply[got - 1] == '\n')
		reply[--got] = '\0';
	last = strrchr(reply, '\n');
	last = last ? last + 1 : reply;
	if (!strcmp(last, "ok"))
		return 0;
	if (!got)
		fprintf(stderr, "hvcore ctl: no reply\n");
	return 1;
}
