// SPDX-License-Identifier: GPL-2.0-only
/* The table of VSPs hvcore can serve, looked up by name when a device is added. */
#include "vsp.h"

#include <stddef.h>
#include <string.h>

static const struct vsp_ops *const vsp_table[] = {
	&echo_vsp_ops,
	&synthhid_vsp_ops,
	&dynmem_vsp_ops,
	&synthkbd_vsp_ops,
	&storvsp_vsp_ops,
	&ic_shutdown_vsp_ops,
	&ic_timesync_vsp_ops,
	&ic_heartbeat_vsp_ops,
	&ic_kvp_vsp_ops,
	&ic_vss_vsp_ops,
	&netvsp_vsp_ops,
};

const struct vsp_ops *vsp_lookup(const char *name)
{
	size_t i;

	if (!name)
		return NULL;
	for (i = 0; i < sizeof(vsp_table) / sizeof(vsp_table[0]); i++)
		if (!strcmp(vsp_table[i]->name, name))
			return vsp_table[i];
	return NULL;
}
