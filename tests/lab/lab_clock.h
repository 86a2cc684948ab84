/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tests/lab/lab_clock.h: the monotonic millisecond clock of the lab's
 * helper programs (dbload.c, net_smoke.c).  Header-only: each program is
 * built from its one .c file by the lab scripts.
 */
#ifndef LAB_CLOCK_H
#define LAB_CLOCK_H

#include <time.h>

/* Milliseconds of CLOCK_MONOTONIC. */
static inline long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

#endif
