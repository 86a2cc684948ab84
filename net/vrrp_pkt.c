/* SPDX-License-Identifier: Apache-2.0 */
/*
 * vrrp_pkt: the VRRP wire codec.  See vrrp_pkt.h for the contract and the
 * packet diagrams; this file is the only place that knows the byte layout
 * and the only one that converts byte order.
 */
#include "vrrp_pkt.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/*
 * The eight fixed bytes every version shares (RFC 5798 section 5.1, RFC 3768
 * section 5.1).  The second 16-bit word means different things per version:
 *
 *    byte 4..5, v2:  | Auth Type (8) | Adver Int (8, seconds)         |
 *    byte 4..5, v3:  | rsvd (4) | Max Adver Int (12, centiseconds)    |
 *
 * Never overlaid on a packet buffer (it may be unaligned): bytes are copied
 * in and out with memcpy.
 */
struct vrrp_wire_hdr {
	uint8_t vers_type;		/* version << 4 | type */
	uint8_t vrid;
	uint8_t priority;
	uint8_t naddrs;
	uint16_t word;			/* network order; see above */
	uint16_t cksum;			/* network order */
};
_Static_assert(sizeof(struct vrrp_wire_hdr) == VRRP_HDR_LEN,
    "VRRP fixed header is 8 bytes");

/* IPv4 header fields the decoder looks at (RFC 791 section 3.1). */
#define IP4_HDR_MIN		20
#define IP4_OFF_TOTLEN		2
#define IP4_OFF_FRAG		6
#define IP4_OFF_TTL		8
#define IP4_OFF_PROTO		9
#define IP4_OFF_SRC		12
#define IP4_OFF_DST		16
#define IP4_FRAG_MF		0x2000
#define IP4_FRAG_OFFSET		0x1fff

#define V3_INT_MASK		0x0fff	/* the reserved top 4 bits are ignored */
#define V2_MAX_INT_S		255

static const char *const drop_names[VRRP_DROP__MAX] = {
	[VRRP_DROP_NONE] = "none",
	[VRRP_DROP_IP_HDR] = "ip_hdr",
	[VRRP_DROP_TTL] = "ttl",
	[VRRP_DROP_VERSION] = "version",
	[VRRP_DROP_TRUNCATED] = "length",
	[VRRP_DROP_CHECKSUM] = "checksum",
	[VRRP_DROP_TYPE] = "type",
	[VRRP_DROP_VRID] = "vrid",
	[VRRP_DROP_INTERVAL] = "interval",
	[VRRP_DROP_COUNT] = "addr_count",
	[VRRP_DROP_SRC] = "source",
	[VRRP_DROP_NO_INSTANCE] = "no_instance",
	[VRRP_DROP_OWNER] = "owner",
	[VRRP_DROP_AUTH] = "auth",
	[VRRP_DROP_INTERVAL_MISMATCH] = "interval_mismatch",
	[VRRP_DROP_ADDR_LIST] = "addr_list",
	[VRRP_DROP_PEER] = "peer",
	[VRRP_DROP_OWN] = "own",
	[VRRP_DROP_NOT_MASTER] = "not_master",
	[VRRP_DROP_DST] = "destination",
	[VRRP_DROP_OVERSIZE] = "oversize",
};

const char *
vrrp_drop_name(enum vrrp_drop why)
{
	if ((unsigned)why >= VRRP_DROP__MAX || drop_names[why] == NULL)
		return "unknown";
	return drop_names[why];
}

int
vrrp_pkt_peek_vrid(const uint8_t *buf, size_t len)
{
	if (buf == NULL || len < 2)
		return -1;
	return buf[1];
}

/* Record why a packet is dropped; returns why so callers can tail-return. */
static enum vrrp_drop drop(enum vrrp_drop why, char *err, size_t errlen,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static enum vrrp_drop
drop(enum vrrp_drop why, char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err != NULL && errlen > 0) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return why;
}

/*
 * RFC 1071 one's complement sum of len bytes taken as big-endian 16-bit
 * words, added to sum.  Reading bytes rather than uint16_t keeps it free of
 * alignment and host byte order concerns.  An odd last byte is padded with
 * zero; every caller passes even-length pieces except the final one.
 */
static uint32_t
cksum_add(uint32_t sum, const uint8_t *p, size_t len)
{
	size_t i;

	for (i = 0; i + 1 < len; i += 2) {
		sum += (uint32_t)p[i] << 8 | p[i + 1];
		/* Fold early so the 32-bit accumulator can never overflow. */
		sum = (sum & 0xffff) + (sum >> 16);
	}
	if (len & 1) {
		sum += (uint32_t)p[len - 1] << 8;
		sum = (sum & 0xffff) + (sum >> 16);
	}
	return sum;
}

static uint16_t
cksum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

/* Does this version / family / mode put a pseudo-header in the checksum? */
static bool
uses_pseudo(int version, int family, enum vrrp_cksum_mode mode)
{
	if (version != 3)
		return false;	/* RFC 3768 5.3.8: the VRRP packet only */
	if (family == AF_INET6)
		return true;	/* RFC 5798 5.2.8, RFC 2460 8.1 */
	return mode != VRRP_CKSUM_NO_PSEUDO;
}

/*
 * Sum of the pseudo-header for a VRRP payload of len bytes.
 * IPv4 (RFC 768 / RFC 793 style): src, dst, zero, protocol, 16-bit length.
 * IPv6 (RFC 2460 section 8.1): src, dst, 32-bit upper-layer length, three
 * zero bytes, next header.
 */
static uint32_t
pseudo_sum(const struct ipaddr *src, const struct ipaddr *dst, size_t len)
{
	uint8_t tail[8];
	uint32_t sum;
	size_t alen;

	alen = ipaddr_len(src);
	sum = cksum_add(0, src->bytes, alen);
	sum = cksum_add(sum, dst->bytes, alen);
	if (src->family == AF_INET) {
		tail[0] = 0;
		tail[1] = VRRP_IPPROTO;
		tail[2] = (uint8_t)(len >> 8);
		tail[3] = (uint8_t)len;
		return cksum_add(sum, tail, 4);
	}
	tail[0] = (uint8_t)(len >> 24);
	tail[1] = (uint8_t)(len >> 16);
	tail[2] = (uint8_t)(len >> 8);
	tail[3] = (uint8_t)len;
	tail[4] = tail[5] = tail[6] = 0;
	tail[7] = VRRP_IPPROTO;
	return cksum_add(sum, tail, 8);
}

/* Bytes a packet with this header must have, auth data included for v2. */
static size_t
expected_len(int version, size_t alen, unsigned naddrs)
{
	return VRRP_HDR_LEN + (size_t)naddrs * alen +
	    (version == 2 ? VRRP_AUTH_LEN : 0);
}

/*
 * Can src have sent a VRRP packet to dst?  It must be some router's own
 * unicast address: never unspecified, loopback, multicast or (IPv4) the
 * limited broadcast.  RFC 5798 5.1.2.1: an IPv6 advert to the group comes
 * from the link-local address of the interface.
 */
static bool
src_ok(const struct ipaddr *src, const struct ipaddr *dst)
{
	const uint8_t *b = src->bytes;

	if (src->family == AF_INET)
		return !(b[0] == 0 && b[1] == 0 && b[2] == 0 && b[3] == 0) &&
		    b[0] != 127 && (b[0] & 0xf0) != 0xe0 &&
		    !(b[0] == 0xff && b[1] == 0xff && b[2] == 0xff &&
		    b[3] == 0xff);
	if (IN6_IS_ADDR_UNSPECIFIED(&src->v6) ||
	    IN6_IS_ADDR_LOOPBACK(&src->v6) || IN6_IS_ADDR_MULTICAST(&src->v6))
		return false;
	if (IN6_IS_ADDR_MULTICAST(&dst->v6))
		return IN6_IS_ADDR_LINKLOCAL(&src->v6);
	return true;
}

/* The family both meta addresses share, or 0 if they are unset or differ. */
static int
meta_family(const struct vrrp_pkt_meta *meta)
{
	int fam = meta->src.family;

	if ((fam != AF_INET && fam != AF_INET6) || meta->dst.family != fam)
		return 0;
	return fam;
}

enum vrrp_drop
vrrp_pkt_decode(const uint8_t *buf, size_t len,
    const struct vrrp_pkt_meta *meta, struct vrrp_pkt *out,
    char *err, size_t errlen)
{
	struct vrrp_wire_hdr h;
	uint32_t sum;
	size_t alen, need, i;
	uint16_t word;
	int family, version, type;

	if (err != NULL && errlen > 0)
		err[0] = '\0';
	family = meta_family(meta);
	if (family == 0)
		return drop(VRRP_DROP_IP_HDR, err, errlen,
		    "no usable source/destination address family");
	alen = family == AF_INET ? 4 : 16;

	/*
	 * MUST verify that the IPv4 TTL / IPv6 Hop Limit is 255 (RFC 5798
	 * 7.1): a packet that crossed a router is not from this link.  -1
	 * means the caller could not learn it or deliberately skips the check
	 * (unicast peers, where keepalived does not insist on 255 either).
	 */
	if (meta->ttl != -1 && meta->ttl != VRRP_TTL)
		return drop(VRRP_DROP_TTL, err, errlen,
		    "TTL/hop limit %d, must be %d", meta->ttl, VRRP_TTL);

	/*
	 * The source MUST be the sender's primary IPv4 address (5.1.1.1) or
	 * its IPv6 link-local address (5.1.2.1); only the part that needs no
	 * configuration is checked here (see src_ok).
	 */
	if (!src_ok(&meta->src, &meta->dst)) {
		char sb[IPADDR_STRLEN];

		return drop(VRRP_DROP_SRC, err, errlen, "source %s cannot "
		    "send VRRP%s", ipaddr_ntop(&meta->src, sb, sizeof(sb)),
		    family == AF_INET6 && IN6_IS_ADDR_MULTICAST(&meta->dst.v6) ?
		    " to the group (not link-local)" : "");
	}

	if (len < 1)
		return drop(VRRP_DROP_TRUNCATED, err, errlen,
		    "empty VRRP payload");

	/*
	 * MUST verify the VRRP version (7.1).  We speak 3 and, for IPv4 only,
	 * RFC 3768's 2: there is no VRRPv2 over IPv6.
	 */
	version = buf[0] >> 4;
	if (version != 2 && version != 3)
		return drop(VRRP_DROP_VERSION, err, errlen,
		    "VRRP version %d, want 2 or 3", version);
	if (version == 2 && family == AF_INET6)
		return drop(VRRP_DROP_VERSION, err, errlen,
		    "VRRP version 2 over IPv6 does not exist");

	/*
	 * MUST verify that the received packet contains the complete VRRP
	 * packet, fixed fields and addresses (7.1), plus the 8 bytes of
	 * authentication data in v2.  Trailing bytes are refused too, as
	 * keepalived does: the sender's length is then unknowable, so the
	 * checksum coverage (and where v2's auth data sits) would be a guess.
	 */
	if (len < VRRP_HDR_LEN)
		return drop(VRRP_DROP_TRUNCATED, err, errlen,
		    "%zu bytes, shorter than the %d-byte VRRP header", len,
		    VRRP_HDR_LEN);
	memcpy(&h, buf, sizeof(h));
	need = expected_len(version, alen, h.naddrs);
	if (len != need)
		return drop(VRRP_DROP_TRUNCATED, err, errlen,
		    "%zu bytes, VRRPv%d with %u %s addresses is %zu", len,
		    version, h.naddrs, family == AF_INET ? "IPv4" : "IPv6",
		    need);

	/*
	 * MUST verify the VRRP checksum (7.1).  Summing the received checksum
	 * along with the data gives 0xffff exactly when it is right.
	 */
	sum = 0;
	if (uses_pseudo(version, family, meta->cksum))
		sum = pseudo_sum(&meta->src, &meta->dst, len);
	sum = cksum_fold(cksum_add(sum, buf, len));
	if (sum != 0xffff)
		return drop(VRRP_DROP_CHECKSUM, err, errlen,
		    "bad VRRPv%d checksum 0x%04x (%s)", version,
		    ntohs(h.cksum),
		    !uses_pseudo(version, family, meta->cksum) ?
		    "no pseudo-header" : family == AF_INET ?
		    "with IPv4 pseudo-header" : "with IPv6 pseudo-header");

	/* A packet with an unknown Type MUST be discarded (5.2.2). */
	type = buf[0] & 0x0f;
	if (type != VRRP_TYPE_ADVERT)
		return drop(VRRP_DROP_TYPE, err, errlen,
		    "VRRP type %d, only %d (advertisement) exists", type,
		    VRRP_TYPE_ADVERT);

	/* The VRID is in the range 1-255 (5.2.3); 0 names no router. */
	if (h.vrid == 0)
		return drop(VRRP_DROP_VRID, err, errlen, "VRID 0 is invalid");

	/*
	 * Count IPvX Addr: "Its minimum value is 1" (5.2.5).  RFC 3768 sets
	 * no minimum, but a v2 virtual router has at least one address too
	 * (5.3.5 counts the addresses it backs up), and dbvipd refuses an
	 * instance without a vip, so an empty list is never from a peer.
	 */
	if (h.naddrs == 0)
		return drop(VRRP_DROP_COUNT, err, errlen,
		    "address count 0, the minimum is 1");

	/*
	 * A zero interval is not forbidden in so many words, but it would
	 * make the Master_Down_Interval and the advertisement timer zero and
	 * every timer degenerate into a busy loop: refuse it here.
	 */
	word = ntohs(h.word);
	if ((version == 2 && (word & 0xff) == 0) ||
	    (version == 3 && (word & V3_INT_MASK) == 0))
		return drop(VRRP_DROP_INTERVAL, err, errlen,
		    "zero advertisement interval");

	memset(out, 0, sizeof(*out));
	out->version = (uint8_t)version;
	out->type = (uint8_t)type;
	out->vrid = h.vrid;
	out->priority = h.priority;
	out->naddrs = h.naddrs;
	out->family = family;
	if (version == 2) {
		out->auth_type = (uint8_t)(word >> 8);
		out->adver_int_cs = (uint16_t)((word & 0xff) * 100);
		/*
		 * RFC 3768 5.3.6 / 5.3.10: with no authentication the data is
		 * ignored on reception, so only a password is kept.
		 */
		if (out->auth_type != VRRP_AUTH_NONE)
			memcpy(out->auth_data, buf + need - VRRP_AUTH_LEN,
			    VRRP_AUTH_LEN);
	} else
		out->adver_int_cs = word & V3_INT_MASK;
	for (i = 0; i < h.naddrs; i++) {
		out->addrs[i].family = family;
		memcpy(out->addrs[i].bytes, buf + VRRP_HDR_LEN + i * alen,
		    alen);
	}
	return VRRP_DROP_NONE;
}

enum vrrp_drop
vrrp_pkt_decode_ipv4(const uint8_t *pkt, size_t len,
    struct vrrp_pkt_meta *meta, struct vrrp_pkt *out,
    char *err, size_t errlen)
{
	size_t ihl, totlen;
	uint16_t frag;

	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (len < IP4_HDR_MIN)
		return drop(VRRP_DROP_IP_HDR, err, errlen,
		    "%zu bytes, shorter than an IPv4 header", len);
	if (pkt[0] >> 4 != 4)
		return drop(VRRP_DROP_IP_HDR, err, errlen,
		    "IP version %d in an IPv4 datagram", pkt[0] >> 4);
	ihl = (size_t)(pkt[0] & 0x0f) * 4;
	if (ihl < IP4_HDR_MIN || ihl > len)
		return drop(VRRP_DROP_IP_HDR, err, errlen,
		    "IPv4 header length %zu invalid for %zu bytes", ihl, len);
	totlen = (size_t)pkt[IP4_OFF_TOTLEN] << 8 | pkt[IP4_OFF_TOTLEN + 1];
	/* Bytes past the total length (link padding) are not the packet's. */
	if (totlen < ihl || totlen > len)
		return drop(VRRP_DROP_IP_HDR, err, errlen,
		    "IPv4 total length %zu invalid for %zu bytes, header %zu",
		    totlen, len, ihl);
	if (pkt[IP4_OFF_PROTO] != VRRP_IPPROTO)
		return drop(VRRP_DROP_IP_HDR, err, errlen,
		    "IP protocol %d, not VRRP (%d)", pkt[IP4_OFF_PROTO],
		    VRRP_IPPROTO);
	/* A raw socket hands over reassembled datagrams, never fragments. */
	frag = (uint16_t)(pkt[IP4_OFF_FRAG] << 8 | pkt[IP4_OFF_FRAG + 1]);
	if (frag & (IP4_FRAG_MF | IP4_FRAG_OFFSET))
		return drop(VRRP_DROP_IP_HDR, err, errlen,
		    "IPv4 fragment (flags/offset 0x%04x)", frag);

	memset(&meta->src, 0, sizeof(meta->src));
	memset(&meta->dst, 0, sizeof(meta->dst));
	meta->src.family = AF_INET;
	meta->dst.family = AF_INET;
	memcpy(&meta->src.v4, pkt + IP4_OFF_SRC, 4);
	memcpy(&meta->dst.v4, pkt + IP4_OFF_DST, 4);
	meta->ttl = pkt[IP4_OFF_TTL];
	return vrrp_pkt_decode(pkt + ihl, totlen - ihl, meta, out, err,
	    errlen);
}

ssize_t
vrrp_pkt_encode(const struct vrrp_pkt *p, const struct vrrp_pkt_meta *meta,
    uint8_t *buf, size_t buflen)
{
	struct vrrp_wire_hdr h;
	uint32_t sum;
	size_t alen, len, i;
	uint16_t word;
	bool pseudo;

	if (p->version != 2 && p->version != 3)
		return -1;
	if (p->family != AF_INET && p->family != AF_INET6)
		return -1;
	if (p->version == 2 && p->family == AF_INET6)
		return -1;
	if (p->vrid == 0 || p->naddrs == 0)
		return -1;
	alen = p->family == AF_INET ? 4 : 16;
	for (i = 0; i < p->naddrs; i++)
		if (p->addrs[i].family != p->family)
			return -1;

	if (p->version == 2) {
		/* v2 carries whole seconds in one byte (RFC 3768 5.3.7). */
		if (p->adver_int_cs == 0 || p->adver_int_cs % 100 != 0 ||
		    p->adver_int_cs / 100 > V2_MAX_INT_S)
			return -1;
		/* Type 2 (AH) is a different IP protocol; not spoken here. */
		if (p->auth_type != VRRP_AUTH_NONE &&
		    p->auth_type != VRRP_AUTH_PASS)
			return -1;
		word = (uint16_t)(p->auth_type << 8 | p->adver_int_cs / 100);
	} else {
		if (p->adver_int_cs == 0 || p->adver_int_cs > VRRP_V3_MAX_INT_CS)
			return -1;
		word = p->adver_int_cs;	/* reserved bits zero */
	}

	pseudo = uses_pseudo(p->version, p->family,
	    meta != NULL ? meta->cksum : VRRP_CKSUM_PSEUDO);
	if (pseudo && (meta == NULL || meta_family(meta) != p->family))
		return -1;

	len = expected_len(p->version, alen, p->naddrs);
	if (buflen < len)
		return -1;

	h.vers_type = (uint8_t)(p->version << 4 | VRRP_TYPE_ADVERT);
	h.vrid = p->vrid;
	h.priority = p->priority;
	h.naddrs = p->naddrs;
	h.word = htons(word);
	h.cksum = 0;
	memcpy(buf, &h, sizeof(h));
	for (i = 0; i < p->naddrs; i++)
		memcpy(buf + VRRP_HDR_LEN + i * alen, p->addrs[i].bytes, alen);
	if (p->version == 2) {
		/*
		 * The password goes out as configured, NUL-padded to 8 bytes
		 * by whoever filled auth_data (keepalived does the same); with
		 * no authentication the field is zero (RFC 3768 5.3.10).
		 */
		if (p->auth_type == VRRP_AUTH_PASS)
			memcpy(buf + len - VRRP_AUTH_LEN, p->auth_data,
			    VRRP_AUTH_LEN);
		else
			memset(buf + len - VRRP_AUTH_LEN, 0, VRRP_AUTH_LEN);
	}

	sum = pseudo ? pseudo_sum(&meta->src, &meta->dst, len) : 0;
	h.cksum = htons((uint16_t)~cksum_fold(cksum_add(sum, buf, len)));
	memcpy(buf + offsetof(struct vrrp_wire_hdr, cksum), &h.cksum,
	    sizeof(h.cksum));
	return (ssize_t)len;
}
