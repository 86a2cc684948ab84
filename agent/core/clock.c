/* SPDX-License-Identifier: Apache-2.0 */
#include "clock.h"

#include <time.h>

static uint64_t (*clock_source)(void);
static uint64_t clock_cached;

uint64_t
clock_read(void)
{
	struct timespec ts;

	if (clock_source != NULL)
		return clock_source();
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * USEC_PER_SEC +
	    (uint64_t)ts.tv_nsec / 1000;
}

uint64_t
clock_update(void)
{
	clock_cached = clock_read();
	return clock_cached;
}

uint64_t
clock_now(void)
{
	return clock_cached;
}

void
clock_set_source(uint64_t (*fn)(void))
{
	clock_source = fn;
	clock_update();
}
