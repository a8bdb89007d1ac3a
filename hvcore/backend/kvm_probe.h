/* SPDX-License-Identifier: GPL-2.0-only */
/* Whether KVM can really run a guest vCPU on this host, not only open /dev/kvm. */
#ifndef HVCORE_KVM_PROBE_H
#define HVCORE_KVM_PROBE_H

#include <stddef.h>

/*
 * 0 if the CPU advertises vmx or svm and a one-instruction (hlt) real-mode
 * guest runs to KVM_EXIT_HLT; otherwise -errno and, in @why, the first
 * check that failed.  Takes a few milliseconds.
 */
int kvm_probe(char *why, size_t len);

#endif
