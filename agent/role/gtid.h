/* SPDX-License-Identifier: Apache-2.0 */
/*
 * gtid: MariaDB GTID lists ("domain-server-seq,..."), parsed and compared.
 * Pure functions, no SQL: role.c feeds them what the servers said.
 *
 * A *position* (@@gtid_binlog_pos, Gtid_IO_Pos, @@gtid_slave_pos) holds at
 * most one GTID per replication domain, the last one; sequence numbers
 * grow within a domain, so positions compare per domain by seq.  A *state*
 * (@@gtid_binlog_state) holds the last GTID per (domain, server id): that
 * is what tells a transaction only one server wrote (an errant one) apart.
 */
#ifndef DBVIP_GTID_H
#define DBVIP_GTID_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define GTID_MAX	64

struct gtid {
	uint32_t domain;
	uint32_t server;
	uint64_t seq;
};

struct gtid_list {
	int n;
	struct gtid g[GTID_MAX];
};

/*
 * Parse "D-S-N[,D-S-N...]" (spaces and newlines after commas allowed, as
 * SHOW SLAVE STATUS wraps long lists); NULL or "" is the empty list.
 * Returns 0, or -1 on a syntax error or more than GTID_MAX entries.
 */
int gtid_parse(const char *s, struct gtid_list *out);

/* "D-S-N,..." into buf (always terminated); "" for the empty list. */
void gtid_format(const struct gtid_list *l, char *buf, size_t len);

/*
 * Positions: is a ahead of b in some domain (a has a domain b lacks, or a
 * higher seq in it)?  If so and buf is not NULL, the first such GTID of a
 * is written there.
 */
bool gtid_pos_ahead(const struct gtid_list *a, const struct gtid_list *b,
    char *buf, size_t len);

/* Positions: dst becomes the per-domain maximum of dst and src. */
void gtid_pos_merge(struct gtid_list *dst, const struct gtid_list *src);

/*
 * States: the entries of mine that theirs does not cover (no entry for the
 * same domain and server, or a lower seq there): transactions this server
 * holds that the other never had.  They go to *errant (may be NULL);
 * returns how many.
 */
int gtid_errant(const struct gtid_list *mine, const struct gtid_list *theirs,
    struct gtid_list *errant);

#endif
