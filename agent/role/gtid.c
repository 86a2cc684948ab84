/* SPDX-License-Identifier: Apache-2.0 */
/*
 * gtid: MariaDB GTID lists.  See gtid.h.
 */
#include "gtid.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int
gtid_num(const char **sp, uint64_t max, uint64_t *out)
{
	const char *s = *sp;
	char *end;
	unsigned long long v;

	if (!isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || v > max)
		return -1;
	*out = v;
	*sp = end;
	return 0;
}

int
gtid_parse(const char *s, struct gtid_list *out)
{
	uint64_t d, srv, seq;

	out->n = 0;
	if (s == NULL)
		return 0;
	while (isspace((unsigned char)*s))
		s++;
	if (*s == '\0')
		return 0;
	for (;;) {
		if (gtid_num(&s, UINT32_MAX, &d) == -1 || *s++ != '-' ||
		    gtid_num(&s, UINT32_MAX, &srv) == -1 || *s++ != '-' ||
		    gtid_num(&s, UINT64_MAX, &seq) == -1)
			return -1;
		if (out->n == GTID_MAX)
			return -1;
		out->g[out->n].domain = (uint32_t)d;
		out->g[out->n].server = (uint32_t)srv;
		out->g[out->n].seq = seq;
		out->n++;
		while (isspace((unsigned char)*s))
			s++;
		if (*s == '\0')
			return 0;
		if (*s++ != ',')
			return -1;
		while (isspace((unsigned char)*s))
			s++;
	}
}

void
gtid_format(const struct gtid_list *l, char *buf, size_t len)
{
	size_t off = 0;
	int i, n;

	if (len == 0)
		return;
	buf[0] = '\0';
	for (i = 0; i < l->n && off < len; i++) {
		n = snprintf(buf + off, len - off, "%s%u-%u-%llu",
		    i ? "," : "", l->g[i].domain, l->g[i].server,
		    (unsigned long long)l->g[i].seq);
		if (n < 0)
			return;
		off += (size_t)n;
	}
}

static const struct gtid *
gtid_find_domain(const struct gtid_list *l, uint32_t domain)
{
	int i;

	for (i = 0; i < l->n; i++)
		if (l->g[i].domain == domain)
			return &l->g[i];
	return NULL;
}

bool
gtid_pos_ahead(const struct gtid_list *a, const struct gtid_list *b,
    char *buf, size_t len)
{
	const struct gtid *o;
	int i;

	for (i = 0; i < a->n; i++) {
		o = gtid_find_domain(b, a->g[i].domain);
		if (o != NULL && o->seq >= a->g[i].seq)
			continue;
		if (buf != NULL && len > 0)
			snprintf(buf, len, "%u-%u-%llu", a->g[i].domain,
			    a->g[i].server, (unsigned long long)a->g[i].seq);
		return true;
	}
	return false;
}

void
gtid_pos_merge(struct gtid_list *dst, const struct gtid_list *src)
{
	struct gtid *o;
	int i, j;

	for (i = 0; i < src->n; i++) {
		for (j = 0, o = NULL; j < dst->n; j++)
			if (dst->g[j].domain == src->g[i].domain)
				o = &dst->g[j];
		if (o == NULL) {
			if (dst->n < GTID_MAX)
				dst->g[dst->n++] = src->g[i];
		} else if (src->g[i].seq > o->seq)
			*o = src->g[i];
	}
}

int
gtid_errant(const struct gtid_list *mine, const struct gtid_list *theirs,
    struct gtid_list *errant)
{
	int i, j, n = 0;
	bool covered;

	if (errant != NULL)
		errant->n = 0;
	for (i = 0; i < mine->n; i++) {
		covered = false;
		for (j = 0; j < theirs->n; j++)
			if (theirs->g[j].domain == mine->g[i].domain &&
			    theirs->g[j].server == mine->g[i].server &&
			    theirs->g[j].seq >= mine->g[i].seq)
				covered = true;
		if (covered)
			continue;
		n++;
		if (errant != NULL && errant->n < GTID_MAX)
			errant->g[errant->n++] = mine->g[i];
	}
	return n;
}
