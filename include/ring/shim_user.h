/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * User-space primitives for the shared ring algorithm, on the GCC/Clang
 * __atomic builtins (C11 memory model), for hvcore and the unit tests.
 *
 * Ring fields are plain u32 in shared memory (guest RAM for hvcore), so the
 * builtins are applied to them instead of declaring _Atomic members.
 *
 * ThreadSanitizer does not model fences (GCC refuses atomic_thread_fence
 * under -fsanitize=thread).  There hvring_mb() is a seq_cst read-modify-write
 * of one word shared by every ring: both sides of each pairing below execute
 * it, so their RMWs are totally ordered and the later one synchronises with
 * the earlier, which gives the same store->load ordering as the fence (and
 * on x86 it is a locked instruction, i.e. a full fence in hardware).
 */
#ifndef HVIS_RING_SHIM_USER_H
#define HVIS_RING_SHIM_USER_H

#include <stdbool.h>
#include <string.h>

#define hvring_read_once(x)	__atomic_load_n(&(x), __ATOMIC_RELAXED)
#define hvring_write_once(x, v)	__atomic_store_n(&(x), (v), __ATOMIC_RELAXED)
#define hvring_load_acquire(p)	__atomic_load_n((p), __ATOMIC_ACQUIRE)
#define hvring_store_release(p, v) \
	__atomic_store_n((p), (v), __ATOMIC_RELEASE)

#if defined(__SANITIZE_THREAD__)
#define HVRING_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define HVRING_TSAN 1
#endif
#endif

#ifdef HVRING_TSAN
/* Weak, so every translation unit's copy merges into one word at link. */
__attribute__((weak)) unsigned int hvring_tsan_fence_word;
#define hvring_mb() \
	((void)__atomic_fetch_add(&hvring_tsan_fence_word, 0, __ATOMIC_SEQ_CST))
#define hvring_rmb()	hvring_mb()
#else
#define hvring_mb()	__atomic_thread_fence(__ATOMIC_SEQ_CST)
#define hvring_rmb()	__atomic_thread_fence(__ATOMIC_ACQUIRE)
#endif

#define hvring_memcpy(d, s, n)	memcpy(d, s, n)
#define hvring_memset(d, c, n)	memset(d, c, n)

#endif /* HVIS_RING_SHIM_USER_H */
