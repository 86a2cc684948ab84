/* SPDX-License-Identifier: Apache-2.0 */
/*
 * clock: the one monotonic clock.  The loop calls clock_update() once per
 * pass; everything else reads the cached clock_now().  Tests swap the source
 * with clock_set_source() to drive time by hand.  Nothing uses the wall
 * clock for timing.
 */
#ifndef DBVIP_CLOCK_H
#define DBVIP_CLOCK_H

#include <stdint.h>

/* Microseconds of CLOCK_MONOTONIC, read now (not cached). */
uint64_t clock_read(void);

/* Re-read the source and cache it; returns the new value. */
uint64_t clock_update(void);

/* The value cached by the last clock_update(). */
uint64_t clock_now(void);

/* Replace the source (NULL restores CLOCK_MONOTONIC). */
void clock_set_source(uint64_t (*fn)(void));

#define USEC_PER_MSEC	1000ULL
#define USEC_PER_SEC	1000000ULL

#endif
