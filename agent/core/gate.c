/* SPDX-License-Identifier: Apache-2.0 */
#include "gate.h"

#include <stdio.h>
#include <string.h>

void
gate_track_init(struct gate_track *t, const char *name, int weight,
    unsigned rise, unsigned fall)
{
	memset(t, 0, sizeof(*t));
	t->name = name;
	t->weight = weight;
	t->rise = rise > 0 ? rise : 1;
	t->fall = fall > 0 ? fall : 1;
	t->state = GATE_UNKNOWN;
}

bool
gate_track_result(struct gate_track *t, bool ok)
{
	enum gate_state old = t->state;

	/* The first verdict needs no history: unknown is already "not ok". */
	if (t->state == GATE_UNKNOWN) {
		t->state = ok ? GATE_OK : GATE_FAILING;
		t->n_ok = ok ? 1 : 0;
		t->n_fail = ok ? 0 : 1;
		return true;
	}
	if (ok) {
		t->n_ok++;
		t->n_fail = 0;
		if (t->n_ok >= t->rise)
			t->state = GATE_OK;
	} else {
		t->n_fail++;
		t->n_ok = 0;
		if (t->n_fail >= t->fall)
			t->state = GATE_FAILING;
	}
	return t->state != old;
}

const char *
gate_state_name(enum gate_state s)
{
	switch (s) {
	case GATE_OK:
		return "ok";
	case GATE_FAILING:
		return "failing";
	default:
		return "unknown";
	}
}

void
gate_compute(uint8_t base, const struct gate_track *t, int n,
    struct gate_out *out)
{
	char part[128];
	int prio = base, i;

	memset(out, 0, sizeof(*out));
	snprintf(out->why, sizeof(out->why), "%u", base);
	for (i = 0; i < n; i++) {
		bool ok = t[i].state == GATE_OK;
		const char *st = gate_state_name(t[i].state);

		part[0] = '\0';
		if (t[i].weight == 0 && !ok) {
			out->fault = true;
			snprintf(part, sizeof(part), " FAULT %s(%s)",
			    t[i].name, st);
		} else if ((t[i].weight > 0 && ok) ||
		    (t[i].weight < 0 && !ok)) {
			prio += t[i].weight;
			snprintf(part, sizeof(part), " %+d %s(%s)",
			    t[i].weight, t[i].name, st);
		}
		/* A truncated explanation is still useful. */
		strncat(out->why, part, sizeof(out->why) - strlen(out->why) - 1);
	}
	if (base == 255)
		prio = 255;
	else if (prio < 1)
		prio = 1;
	else if (prio > 254)
		prio = 254;
	out->priority = (uint8_t)prio;
	snprintf(part, sizeof(part), " = %d%s", prio,
	    out->fault ? " FAULT" : "");
	strncat(out->why, part, sizeof(out->why) - strlen(out->why) - 1);
}
