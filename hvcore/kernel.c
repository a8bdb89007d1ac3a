// SPDX-License-Identifier: GPL-2.0-only
/* Turns a bzImage into a cached PVH-bootable vmlinux so the guest skips decompressing itself. */
#include "kernel.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "log.h"

/* x86 boot protocol (Documentation/x86/boot.rst): offsets in the real-mode header. */
#define BZ_SETUP_SECTS		0x1f1
#define BZ_HDRS_MAGIC		0x202
#define BZ_VERSION		0x206
#define BZ_PAYLOAD_OFFSET	0x248
#define BZ_PAYLOAD_LENGTH	0x24c
#define BZ_HEADER_END		0x250

/* Xen ELF note type of the 32-bit PVH entry point, which QEMU looks for. */
#define PVH_NOTE_PHYS32_ENTRY	18

static uint32_t kernel_le32(const uint8_t *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Does the ELF image at @p (@len bytes) carry a PVH entry note? */
static bool kernel_has_pvh_note(const uint8_t *p, size_t len)
{
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)p;
	size_t i;

	if (len < sizeof(*eh) || memcmp(p, ELFMAG, SELFMAG) ||
	    p[EI_CLASS] != ELFCLASS64 || eh->e_phentsize != sizeof(Elf64_Phdr) ||
	    eh->e_phoff > len ||
	    (size_t)eh->e_phnum * sizeof(Elf64_Phdr) > len - eh->e_phoff)
		return false;
	for (i = 0; i < eh->e_phnum; i++) {
		const Elf64_Phdr *ph = (const Elf64_Phdr *)(p + eh->e_phoff) + i;
		size_t off = ph->p_offset, end;

		if (ph->p_type != PT_NOTE || off > len || ph->p_filesz > len - off)
			continue;
		end = off + ph->p_filesz;
		while (end - off >= sizeof(Elf64_Nhdr)) {
			const Elf64_Nhdr *nh = (const Elf64_Nhdr *)(p + off);
			size_t sz = sizeof(*nh) + ((nh->n_namesz + 3ul) & ~3ul) +
				    ((nh->n_descsz + 3ul) & ~3ul);

			if (sz > end - off)
				break;
			if (nh->n_type == PVH_NOTE_PHYS32_ENTRY &&
			    nh->n_namesz == 4 && !memcmp(nh + 1, "Xen", 4))
				return true;
			off += sz;
		}
	}
	return false;
}

static bool kernel_file_is_pvh(const char *path)
{
	struct stat st;
	bool ok = false;
	void *p;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	if (!fstat(fd, &st) && st.st_size > 0) {
		p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
		if (p != MAP_FAILED) {
			ok = kernel_has_pvh_note(p, (size_t)st.st_size);
			munmap(p, (size_t)st.st_size);
		}
	}
	close(fd);
	return ok;
}

/* The decompressor for the payload's magic, as an argv. */
static const char *const *kernel_decompressor(const uint8_t *magic)
{
	static const char *const xz[] = { "xz", "-dc", "--single-stream", NULL };
	static const char *const zstd[] = { "zstd", "-dcq", NULL };
	static const char *const gz[] = { "gzip", "-dc", NULL };

	if (!memcmp(magic, "\xfd" "7zXZ", 5))
		return xz;
	if (!memcmp(magic, "\x28\xb5\x2f\xfd", 4))
		return zstd;
	if (!memcmp(magic, "\x1f\x8b", 2))
		return gz;
	return NULL;
}

/*
 * Run the decompressor on the payload into @out_fd.  Its exit status is
 * ignored: the bzImage continues past the payload and some tools complain
 * about that trailing data after writing everything.  The output is judged
 * by kernel_has_pvh_note instead.
 */
static int kernel_decompress(int in_fd, off_t offset, int out_fd,
			     const char *const *argv)
{
	int status, devnull;
	pid_t pid;

	if (lseek(in_fd, offset, SEEK_SET) < 0)
		return -errno;
	pid = fork();
	if (pid < 0)
		return -errno;
	if (!pid) {
		devnull = open("/dev/null", O_WRONLY);
		if (dup2(in_fd, 0) < 0 || dup2(out_fd, 1) < 0 ||
		    (devnull >= 0 && dup2(devnull, 2) < 0))
			_exit(127);
		execvp(argv[0], (char *const *)argv);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	return 0;
}

static int kernel_cache_dir(char *buf, size_t len)
{
	const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
	int n;

	if (xdg && *xdg)
		n = snprintf(buf, len, "%s/hvcore", xdg);
	else if (home && *home)
		n = snprintf(buf, len, "%s/.cache/hvcore", home);
	else
		n = snprintf(buf, len, "/var/tmp/hvcore-%u",
			     (unsigned int)geteuid());
	if (n < 0 || (size_t)n >= len)
		return -ENAMETOOLONG;
	/* Parent (~/.cache) may be missing too; one level is enough for us. */
	if (!xdg && home && *home) {
		char parent[PATH_MAX];

		if (snprintf(parent, sizeof(parent), "%s/.cache", home) <
		    (int)sizeof(parent))
			mkdir(parent, 0700);
	}
	if (mkdir(buf, 0700) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

int kernel_pvh_image(const char *path, char *out, size_t len)
{
	uint8_t hdr[BZ_HEADER_END], magic[6];
	const char *const *argv;
	char dir[PATH_MAX], tmp[PATH_MAX + 32];
	uint32_t setup_sects, pl_off, pl_len;
	off_t payload;
	struct stat st;
	int fd, out_fd, err;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	err = -ENOEXEC;
	if (fstat(fd, &st) < 0 ||
	    pread(fd, hdr, sizeof(hdr), 0) != (ssize_t)sizeof(hdr) ||
	    memcmp(hdr + BZ_HDRS_MAGIC, "HdrS", 4) ||
	    (hdr[BZ_VERSION] | hdr[BZ_VERSION + 1] << 8) < 0x208)
		goto err_close;
	setup_sects = hdr[BZ_SETUP_SECTS] ? hdr[BZ_SETUP_SECTS] : 4;
	pl_off = kernel_le32(hdr + BZ_PAYLOAD_OFFSET);
	pl_len = kernel_le32(hdr + BZ_PAYLOAD_LENGTH);
	payload = (off_t)(setup_sects + 1) * 512 + pl_off;
	if (!pl_off || payload + (off_t)pl_len > st.st_size ||
	    pread(fd, magic, sizeof(magic), payload) != (ssize_t)sizeof(magic))
		goto err_close;
	argv = kernel_decompressor(magic);
	if (!argv) {
		err = -ENOTSUP;
		goto err_close;
	}
	err = kernel_cache_dir(dir, sizeof(dir));
	if (err)
		goto err_close;
	/* Keyed by identity and version of the bzImage: a new kernel, a new file. */
	if (snprintf(out, len, "%s/vmlinux-%llx-%llx-%llx-%llx", dir,
		     (unsigned long long)st.st_dev,
		     (unsigned long long)st.st_ino,
		     (unsigned long long)st.st_size,
		     (unsigned long long)st.st_mtime) >= (int)len) {
		err = -ENAMETOOLONG;
		goto err_close;
	}
	if (kernel_file_is_pvh(out)) {
		close(fd);
		return 0;
	}
	snprintf(tmp, sizeof(tmp), "%s.%d.tmp", out, (int)getpid());
	out_fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (out_fd < 0) {
		err = -errno;
		goto err_close;
	}
	log_msg("extracting %s for a direct (PVH) boot, once", path);
	err = kernel_decompress(fd, payload, out_fd, argv);
	close(out_fd);
	if (!err && !kernel_file_is_pvh(tmp))
		err = -ENOEXEC;
	/* rename() is atomic, so a concurrent hvcore sees all or nothing. */
	if (!err && rename(tmp, out) < 0)
		err = -errno;
	if (err)
		unlink(tmp);
err_close:
	close(fd);
	return err;
}
