/* SPDX-License-Identifier: Apache-2.0 */
#include "ipaddr.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int
ipaddr_parse(const char *s, struct ipaddr *out)
{
	memset(out, 0, sizeof(*out));
	if (inet_pton(AF_INET, s, &out->v4) == 1) {
		out->family = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, s, &out->v6) == 1) {
		out->family = AF_INET6;
		return 0;
	}
	return -1;
}

int
ipprefix_parse(const char *s, struct ipprefix *out)
{
	char buf[IPADDR_STRLEN + 8];
	char *slash, *end;
	long plen;
	int max;

	if (strlen(s) >= sizeof(buf))
		return -1;
	strcpy(buf, s);
	slash = strchr(buf, '/');
	if (slash != NULL)
		*slash = '\0';
	if (ipaddr_parse(buf, &out->addr) == -1)
		return -1;
	max = out->addr.family == AF_INET ? 32 : 128;
	if (slash == NULL) {
		out->plen = (uint8_t)max;
		return 0;
	}
	if (slash[1] == '\0')
		return -1;
	plen = strtol(slash + 1, &end, 10);
	if (*end != '\0' || plen < 1 || plen > max)
		return -1;
	out->plen = (uint8_t)plen;
	return 0;
}

size_t
ipaddr_len(const struct ipaddr *a)
{
	switch (a->family) {
	case AF_INET:
		return 4;
	case AF_INET6:
		return 16;
	default:
		return 0;
	}
}

const char *
ipaddr_ntop(const struct ipaddr *a, char *buf, size_t len)
{
	if (a->family == 0 || inet_ntop(a->family, a->bytes, buf,
	    (socklen_t)len) == NULL)
		snprintf(buf, len, "-");
	return buf;
}

bool
ipaddr_eq(const struct ipaddr *a, const struct ipaddr *b)
{
	return a->family == b->family &&
	    memcmp(a->bytes, b->bytes, ipaddr_len(a)) == 0;
}

int
ipaddr_cmp(const struct ipaddr *a, const struct ipaddr *b)
{
	if (a->family != b->family)
		return a->family == AF_INET ? -1 : 1;
	return memcmp(a->bytes, b->bytes, ipaddr_len(a));
}

size_t
ipaddr_to_sockaddr(const struct ipaddr *a, int ifindex,
    struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (a->family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;

		sin->sin_family = AF_INET;
		sin->sin_addr = a->v4;
		return sizeof(*sin);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_addr = a->v6;
		if (IN6_IS_ADDR_LINKLOCAL(&a->v6) ||
		    IN6_IS_ADDR_MC_LINKLOCAL(&a->v6))
			sin6->sin6_scope_id = (uint32_t)ifindex;
		return sizeof(*sin6);
	}
}
