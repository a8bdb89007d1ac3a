/* SPDX-License-Identifier: GPL-2.0-only */
/* Kernel image preparation: a bzImage's vmlinux, extracted once, for QEMU's PVH direct boot. */
#ifndef HVCORE_KERNEL_H
#define HVCORE_KERNEL_H

#include <stddef.h>

/*
 * If @path is a bzImage whose payload decompresses (xz, zstd or gzip, by
 * the host's tools) to an ELF with a PVH entry note, put the path of that
 * ELF, cached under $XDG_CACHE_HOME/hvcore, in @out and return 0.  Else
 * -errno; the caller then boots @path as it is.
 */
int kernel_pvh_image(const char *path, char *out, size_t len);

#endif
