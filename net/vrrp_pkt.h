/* SPDX-License-Identifier: Apache-2.0 */
/*
 * vrrp_pkt: the VRRP wire codec (RFC 3768 VRRPv2, RFC 5798 VRRPv3), IPv4 and
 * IPv6.  A pure module: bytes in, a host-order struct or a drop reason plus a
 * message out.  No sockets, no clock, no logging; it is what the fuzzer eats.
 *
 * The codec answers "is this a valid VRRP packet?" (RFC 5798 section 7.1
 * checks that need no configuration: TTL, source, version, length,
 * checksum, type, VRID, address count, sane interval).  Whether the packet is for us, and what to do with it, is
 * the agent's business (it uses the instance-level drop reasons below).
 *
 * VRRPv3 (RFC 5798 section 5.1), after the IP header:
 *
 *     0                   1                   2                   3
 *     0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    |Version| Type  | Virtual Rtr ID|   Priority    |Count IPvX Addr|
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    |(rsvd) |     Max Adver Int     |          Checksum             |
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    |                 IPvX Address(es) (4 or 16 bytes each)         |
 *
 * VRRPv2 (RFC 3768 section 5.1), IPv4 only:
 *
 *    |Version| Type  | Virtual Rtr ID|   Priority    | Count IP Addrs|
 *    |   Auth Type   |   Adver Int   |          Checksum             |
 *    |                 IP Address(es) (4 bytes each)                 |
 *    |                     Authentication Data (1)                   |
 *    |                     Authentication Data (2)                   |
 */
#ifndef DBVIP_VRRP_PKT_H
#define DBVIP_VRRP_PKT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "ipaddr.h"

#define VRRP_IPPROTO		112
#define VRRP_TTL		255
#define VRRP_MCAST_V4		"224.0.0.18"
#define VRRP_MCAST_V6		"ff02::12"
#define VRRP_TYPE_ADVERT	1
#define VRRP_HDR_LEN		8
#define VRRP_AUTH_LEN		8	/* v2 authentication data */
#define VRRP_AUTH_NONE		0
#define VRRP_AUTH_PASS		1	/* v2 simple text password */
#define VRRP_PKT_MAX_ADDRS	255	/* the count field is 8 bits */
#define VRRP_PKT_MAX_LEN	(VRRP_HDR_LEN + 16 * VRRP_PKT_MAX_ADDRS + \
				 VRRP_AUTH_LEN)
#define VRRP_V3_MAX_INT_CS	4095	/* 12-bit field, centiseconds */

/*
 * How the VRRPv3-over-IPv4 checksum is computed.  RFC 5798 section 5.2.8
 * includes the IPv4 pseudo-header (keepalived's default, source and the
 * actual destination, unicast peer or group); some implementations (Cisco,
 * RFC 9568, keepalived >= 2.2.8 with `v3_checksum_as_v2`) leave it out.
 * IPv6 always uses the pseudo-header, VRRPv2 never does.
 *
 * keepalived's older `old_unicast_checksum` is not a mode of its own: it
 * keeps the pseudo-header but puts 224.0.0.18 in it as the destination of
 * unicast packets; pass that as meta->dst to speak it.
 */
enum vrrp_cksum_mode {
	VRRP_CKSUM_PSEUDO = 0,		/* RFC 5798, keepalived's default */
	VRRP_CKSUM_NO_PSEUDO,
};

/* A decoded advertisement, host byte order. */
struct vrrp_pkt {
	uint8_t version;		/* 2 or 3 */
	uint8_t type;			/* VRRP_TYPE_ADVERT */
	uint8_t vrid;			/* 1..255 */
	uint8_t priority;		/* 0..255 */
	uint8_t naddrs;			/* Count IPvX Addrs */
	uint8_t auth_type;		/* v2 only, else 0 */
	uint16_t adver_int_cs;		/* interval in centiseconds (v2: s*100) */
	uint8_t auth_data[VRRP_AUTH_LEN]; /* v2 only */
	int family;			/* family of addrs[] */
	struct ipaddr addrs[VRRP_PKT_MAX_ADDRS];
};

/* What the IP layer tells about a packet, and what the checksum covers. */
struct vrrp_pkt_meta {
	struct ipaddr src;
	struct ipaddr dst;
	int ttl;			/* IPv4 TTL or IPv6 hop limit; -1 unknown
					   or not to be checked (unicast) */
	enum vrrp_cksum_mode cksum;	/* v3 over IPv4 only */
};

/*
 * Why a packet was dropped.  The first group is decided by the codec, the
 * second by the agent after matching the packet to an instance.  Each has
 * its own counter in status.
 */
enum vrrp_drop {
	VRRP_DROP_NONE = 0,
	/* codec */
	VRRP_DROP_IP_HDR,		/* malformed IPv4 header / not proto 112 */
	VRRP_DROP_TTL,			/* TTL / hop limit not 255 */
	VRRP_DROP_VERSION,		/* not 2 or 3, or v2 over IPv6 */
	VRRP_DROP_TRUNCATED,		/* length != header + addrs (+auth) */
	VRRP_DROP_CHECKSUM,
	VRRP_DROP_TYPE,			/* type is not ADVERTISEMENT */
	VRRP_DROP_VRID,			/* VRID 0 */
	VRRP_DROP_INTERVAL,		/* zero advertisement interval */
	VRRP_DROP_COUNT,		/* Count IPvX Addrs 0 (minimum 1) */
	VRRP_DROP_SRC,			/* source not a unicast address; IPv6 to
					   the group: not link-local */
	/* agent */
	VRRP_DROP_NO_INSTANCE,		/* VRID/version not configured here */
	VRRP_DROP_OWNER,		/* we own the address (priority 255) */
	VRRP_DROP_AUTH,			/* v2 auth type or data mismatch */
	VRRP_DROP_INTERVAL_MISMATCH,	/* v2 interval differs from ours */
	VRRP_DROP_ADDR_LIST,		/* v2 address list differs, non-owner */
	VRRP_DROP_PEER,			/* unicast: source is not a listed peer */
	VRRP_DROP_OWN,			/* our own packet looped back */
	VRRP_DROP_NOT_MASTER,		/* priority 0 from other than our master */
	VRRP_DROP_DST,			/* multicast mode: not sent to the group;
					   unicast mode: sent to a group */
	VRRP_DROP_OVERSIZE,		/* datagram larger than any VRRP packet */
	VRRP_DROP__MAX
};

/* Short stable name of a drop reason, used in logs and status JSON. */
const char *vrrp_drop_name(enum vrrp_drop why);

/*
 * The VRID byte of a VRRP payload, or -1 if buf is too short.  Lets the agent
 * pick the instance (and its checksum mode) before a full decode.
 */
int vrrp_pkt_peek_vrid(const uint8_t *buf, size_t len);

/*
 * Decode and validate a VRRP payload (the bytes after the IP header) against
 * meta (addresses for the pseudo-header checksum, TTL, checksum mode).
 * On success fills *out and returns VRRP_DROP_NONE; otherwise returns the
 * reason and writes a one-line explanation into err (if errlen > 0).
 * Checks, in RFC 5798 section 7.1 order: TTL, source, version, length,
 * checksum, then type, VRID, address count (at least 1, 5.2.5; also for v2)
 * and interval.  The source must be a unicast address (not unspecified,
 * loopback, multicast or IPv4 broadcast); an IPv6 packet sent to a
 * multicast address must come from a link-local one (5.1.2.1).  Whether
 * the destination suits the instance's mode is the agent's check.
 * meta->src and dst must both be set and of the same family (it decides
 * the address size and v2/v3 rules).  The length
 * must be exact: trailing bytes are refused as keepalived does.  With auth
 * type 0 the v2 auth data is ignored (left zero in *out).
 */
enum vrrp_drop vrrp_pkt_decode(const uint8_t *buf, size_t len,
    const struct vrrp_pkt_meta *meta, struct vrrp_pkt *out,
    char *err, size_t errlen);

/*
 * Decode a whole IPv4 datagram as a raw socket returns it (IP header
 * included): validates the header, fills meta->src/dst/ttl (meta->cksum is
 * an input) and decodes the payload as vrrp_pkt_decode does.
 */
enum vrrp_drop vrrp_pkt_decode_ipv4(const uint8_t *pkt, size_t len,
    struct vrrp_pkt_meta *meta, struct vrrp_pkt *out,
    char *err, size_t errlen);

/*
 * Encode p (version, vrid, priority, adver_int_cs, family, naddrs/addrs,
 * auth for v2) into buf, computing the checksum over meta's src/dst as the
 * version and family require.  Returns the payload length, or -1 if buflen
 * is too small or p cannot be represented (e.g. v2 interval not a whole
 * number of seconds, v3 interval above 4095 cs, v2 over IPv6, zero
 * interval, VRID 0, no address, v2 auth type other than 0 or 1, an
 * address of another family).  meta's addresses are needed only when a pseudo-header is;
 * meta may be NULL for v2.  Type is always ADVERTISEMENT.
 */
ssize_t vrrp_pkt_encode(const struct vrrp_pkt *p,
    const struct vrrp_pkt_meta *meta, uint8_t *buf, size_t buflen);

#endif
