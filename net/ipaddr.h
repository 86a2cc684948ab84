/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ipaddr: a family-tagged IPv4/IPv6 address and prefix, shared by the codec,
 * the sockets, the state machine and the config.  Addresses are kept in
 * network byte order, exactly as on the wire.
 */
#ifndef DBVIP_IPADDR_H
#define DBVIP_IPADDR_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define IPADDR_STRLEN INET6_ADDRSTRLEN

struct ipaddr {
	int family;			/* AF_INET, AF_INET6, or 0 = unset */
	union {
		struct in_addr v4;
		struct in6_addr v6;
		uint8_t bytes[16];
	};
};

struct ipprefix {
	struct ipaddr addr;
	uint8_t plen;
};

/* Parse a numeric IPv4 or IPv6 address.  Returns 0, or -1 if s is not one. */
int ipaddr_parse(const char *s, struct ipaddr *out);

/*
 * Parse "ADDR/LEN" (or a bare ADDR, which gets /32 or /128).  Returns 0, or
 * -1 if the address or length is invalid for its family.
 */
int ipprefix_parse(const char *s, struct ipprefix *out);

/* Bytes of address for the family: 4, 16, or 0 when unset. */
size_t ipaddr_len(const struct ipaddr *a);

/* Format into buf (at least IPADDR_STRLEN bytes); returns buf.  "-" if unset. */
const char *ipaddr_ntop(const struct ipaddr *a, char *buf, size_t len);

/* True if both have the same family and bytes. */
bool ipaddr_eq(const struct ipaddr *a, const struct ipaddr *b);

/*
 * Compare as unsigned numbers in network order (the RFC 5798 tie-break on
 * "primary IP address").  Different families order AF_INET first.
 * Returns <0, 0, >0.
 */
int ipaddr_cmp(const struct ipaddr *a, const struct ipaddr *b);

/* Fill a sockaddr_in / sockaddr_in6 for a; returns its length. */
size_t ipaddr_to_sockaddr(const struct ipaddr *a, int ifindex,
    struct sockaddr_storage *ss);

#endif
