// SPDX-License-Identifier: GPL-2.0-only
/* The AUTO pool: facts about the guest the daemon synthesizes, in the in-tree order. */
#include "kvp_request.h"

#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/utsname.h>
#include <unistd.h>

static const char *const kvp_auto_keys[] = {
	"FullyQualifiedDomainName", "IntegrationServicesVersion",
	"NetworkAddressIPv4", "NetworkAddressIPv6", "OSBuildNumber", "OSName",
	"OSMajorVersion", "OSMinorVersion", "OSVersion", "ProcessorArchitecture",
};

/* The host name, qualified by the resolver when it can. */
static void kvp_fqdn(char *out, size_t len)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_flags = AI_CANONNAME };
	struct addrinfo *ai = NULL;
	char host[256] = "";

	gethostname(host, sizeof(host) - 1);
	if (!getaddrinfo(host, NULL, &hints, &ai) && ai && ai->ai_canonname)
		snprintf(out, len, "%s", ai->ai_canonname);
	else
		snprintf(out, len, "%s", host);
	if (ai)
		freeaddrinfo(ai);
}

/* KEY="value" (or KEY=value) of os-release, unquoted. */
static void kvp_os_release(const char *path, const char *key, char *out,
			   size_t len)
{
	char line[512], *v, *end;
	size_t klen = strlen(key);
	FILE *f = fopen(path, "re");

	out[0] = '\0';
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, key, klen) || line[klen] != '=')
			continue;
		v = line + klen + 1;
		v[strcspn(v, "\n")] = '\0';
		if (*v == '"' || *v == '\'') {
			end = strrchr(v + 1, *v);
			if (end)
				*end = '\0';
			v++;
		}
		snprintf(out, len, "%s", v);
		break;
	}
	fclose(f);
}

int kvp_auto_entry(struct kvp_daemon *d, unsigned int index, char *key,
		   size_t key_len, char *value, size_t value_len)
{
	struct utsname u;
	char ver[128], *dot;

	if (index >= sizeof(kvp_auto_keys) / sizeof(kvp_auto_keys[0]))
		return -ENOENT;
	snprintf(key, key_len, "%s", kvp_auto_keys[index]);
	value[0] = '\0';
	uname(&u);
	switch (index) {
	case 0:
		kvp_fqdn(value, value_len);
		break;
	case 1:
		snprintf(value, value_len, "%s", d->version);
		break;
	case 2:
		kvp_net_summary(AF_INET, value, value_len);
		break;
	case 3:
		kvp_net_summary(AF_INET6, value, value_len);
		break;
	case 4:		/* the kernel's release, as in-tree */
		snprintf(value, value_len, "%s", u.release);
		break;
	case 5:
		kvp_os_release(d->os_release, "NAME", value, value_len);
		break;
	case 6:		/* VERSION_ID "12" or "22.04": major, then minor */
	case 7:
		kvp_os_release(d->os_release, "VERSION_ID", ver, sizeof(ver));
		dot = strchr(ver, '.');
		if (dot)
			*dot++ = '\0';
		snprintf(value, value_len, "%s", index == 6 ? ver : dot ? dot : "");
		break;
	case 8:		/* the release up to its first '-', as in-tree */
		snprintf(value, value_len, "%s", u.release);
		value[strcspn(value, "-")] = '\0';
		break;
	case 9:
		snprintf(value, value_len, "%s", u.machine);
		break;
	}
	return 0;
}
