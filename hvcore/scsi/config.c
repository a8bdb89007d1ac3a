// SPDX-License-Identifier: GPL-2.0-only
/* SCSI target: parsing one DISK spec ("file=PATH,lun=N,ro,...") into a LUN config. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scsi/scsi.h"

static int scsi_config_err(char *err, size_t errlen, const char *what,
			   const char *word)
{
	snprintf(err, errlen, "%s: %s", what, word);
	return -EINVAL;
}

static bool scsi_config_len_ok(const char *v, size_t max)
{
	size_t n = strlen(v);

	return n && n <= max;
}

int scsi_lun_config_parse(char *spec, struct scsi_lun_config *cfg,
			  char *err, size_t errlen)
{
	char *save = NULL, *word;

	memset(cfg, 0, sizeof(*cfg));
	cfg->lun = -1;
	for (word = strtok_r(spec, ",", &save); word;
	     word = strtok_r(NULL, ",", &save)) {
		char *val = strchr(word, '='), *end;

		if (val)
			*val++ = '\0';
		if (!strcmp(word, "ro") && !val) {
			cfg->read_only = true;
		} else if (!strcmp(word, "direct") && !val) {
			cfg->direct = true;
		} else if (!val) {
			return scsi_config_err(err, errlen, "unknown flag", word);
		} else if (!strcmp(word, "file")) {
			if (!*val)
				return scsi_config_err(err, errlen, "empty",
						       word);
			cfg->path = val;
		} else if (!strcmp(word, "lun")) {
			unsigned long n;

			errno = 0;
			n = strtoul(val, &end, 10);
			if (errno || !*val || *end || val[0] == '-' ||
			    n >= SCSI_MAX_LUNS)
				return scsi_config_err(err, errlen,
						       "lun not in 0..63", val);
			cfg->lun = (int)n;
		} else if (!strcmp(word, "serial")) {
			if (!scsi_config_len_ok(val, SCSI_SERIAL_MAX))
				return scsi_config_err(err, errlen,
						       "serial: 1..20 characters", val);
			cfg->serial = val;
		} else if (!strcmp(word, "vendor")) {
			if (!scsi_config_len_ok(val, SCSI_VENDOR_MAX))
				return scsi_config_err(err, errlen,
						       "vendor: 1..8 characters", val);
			cfg->vendor = val;
		} else if (!strcmp(word, "model")) {
			if (!scsi_config_len_ok(val, SCSI_MODEL_MAX))
				return scsi_config_err(err, errlen,
						       "model: 1..16 characters", val);
			cfg->model = val;
		} else {
			return scsi_config_err(err, errlen, "unknown key", word);
		}
	}
	if (!cfg->path) {
		snprintf(err, errlen, "file=PATH is required");
		return -EINVAL;
	}
	return 0;
}
