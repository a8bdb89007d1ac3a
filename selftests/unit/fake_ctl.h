/* SPDX-License-Identifier: GPL-2.0-only */
/* A stand-in for hvcore's control socket in unit tests: deferred VSP replies are captured here. */
#ifndef HVIS_UNIT_FAKE_CTL_H
#define HVIS_UNIT_FAKE_CTL_H

#include <stdbool.h>

/* The last finished deferred reply: its body (with "ok" when err was 0). */
extern char fake_ctl_reply[16384];
extern int fake_ctl_err;
/* Deferred replies taken and finished so far. */
extern unsigned int fake_ctl_deferred, fake_ctl_finished;

void fake_ctl_reset(void);

#endif /* HVIS_UNIT_FAKE_CTL_H */
