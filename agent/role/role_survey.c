/* SPDX-License-Identifier: Apache-2.0 */
/*
 * role_survey: may this host stand for election, given what the group's
 * databases say?  See role_survey.h.
 */
#include "role_survey.h"

#include <stdio.h>
#include <string.h>

const char *
role_survey_name(enum survey_verdict v)
{
	switch (v) {
	case SURVEY_STAND:
		return "stand";
	case SURVEY_PRIMARY:
		return "primary";
	case SURVEY_WAIT_PRIMARY:
		return "wait_primary";
	case SURVEY_WAIT_AHEAD:
		return "wait_ahead";
	}
	return "?";
}

static void
survey_wait(struct survey_out *out, enum survey_verdict v, int i)
{
	out->verdict = v;
	out->peer = i;
}

void
role_survey_decide(const struct survey_node *self,
    const struct survey_node *peers, int n, struct survey_out *out)
{
	char ahead[64], others[128];
	int i, nwritable = 0;

	memset(out, 0, sizeof(*out));
	out->peer = -1;
	others[0] = '\0';
	for (i = 0; i < n; i++) {
		const struct survey_node *p = &peers[i];

		if (!p->answered || p->replica || !p->writable)
			continue;
		if (nwritable++ == 0)
			snprintf(others, sizeof(others), "%s:%u", p->host,
			    p->port);
		if (out->peer == -1)
			out->peer = i;
	}

	if (!self->replica && self->writable) {
		out->verdict = SURVEY_PRIMARY;
		out->peer = -1;
		if (nwritable > 0)
			snprintf(out->why, sizeof(out->why), "our database is "
			    "a writable primary, and so is %s: two primaries; "
			    "the election decides, the loser is fenced",
			    others);
		else
			snprintf(out->why, sizeof(out->why), "our database is "
			    "the writable primary: it stays primary");
		return;
	}
	if (out->peer != -1) {
		const struct survey_node *p = &peers[out->peer];

		survey_wait(out, SURVEY_WAIT_PRIMARY, out->peer);
		snprintf(out->why, sizeof(out->why), "waiting for the primary "
		    "%s:%u (its database is writable): this host stands once "
		    "its agent advertises, or once it is no longer a writable "
		    "primary", p->host, p->port);
		return;
	}
	for (i = 0; i < n; i++) {
		const struct survey_node *p = &peers[i];

		if (!p->answered ||
		    !gtid_pos_ahead(&p->pos, &self->pos, ahead, sizeof(ahead)))
			continue;
		survey_wait(out, SURVEY_WAIT_AHEAD, i);
		snprintf(out->why, sizeof(out->why), "waiting for %s:%u, "
		    "whose database is ahead of ours (it has %s): it must "
		    "become the primary", p->host, p->port, ahead);
		return;
	}
	/* As far as we are: the former primary goes first. */
	for (i = 0; self->replica && i < n; i++) {
		const struct survey_node *p = &peers[i];

		if (!p->answered || p->replica ||
		    gtid_pos_ahead(&self->pos, &p->pos, NULL, 0))
			continue;
		survey_wait(out, SURVEY_WAIT_AHEAD, i);
		out->soft = true;
		snprintf(out->why, sizeof(out->why), "waiting for %s:%u, the "
		    "former primary (not a replica, as far as we are): it "
		    "becomes the primary again", p->host, p->port);
		return;
	}
	out->verdict = SURVEY_STAND;
	snprintf(out->why, sizeof(out->why), "no writable primary and no "
	    "database ahead of ours: standing for election");
}
