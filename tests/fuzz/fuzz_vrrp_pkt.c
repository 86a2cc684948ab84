/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target for the VRRP codec (net/vrrp_pkt.c).
 *
 * The first input byte picks the entry point and the metadata; the rest is
 * the packet:
 *
 *   sel & 3 == 0  vrrp_pkt_decode_ipv4, whole datagram, (sel & 4) picks
 *                 the checksum mode
 *   sel & 3 == 1  vrrp_pkt_decode, IPv6 payload from fe80::ff:fe00:1
 *                 (or fe80::1 if sel & 8) to ff02::12
 *   sel & 3 == 2  vrrp_pkt_decode, IPv4 payload 198.51.100.3 -> 224.0.0.18,
 *                 (sel & 4) picks the checksum mode
 *   sel & 3 == 3  vrrp_pkt_decode, IPv4 payload 198.51.100.1 ->
 *                 198.51.100.2 (unicast), (sel & 4) picks the mode
 *   sel & 0x10    TTL/hop limit 254 instead of 255 (decode only);
 *   sel & 0x20    TTL unknown (-1)
 *
 * Whatever decodes must re-encode under the same metadata to the same
 * length, and decoding that must give back the identical struct; encoding
 * that again must give identical bytes.  The seeds in tests/fuzz/seeds/
 * are the unit test vectors with their selector byte.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../net/vrrp_pkt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
must(int cond, const char *what)
{
	if (!cond) {
		fprintf(stderr, "fuzz_vrrp_pkt: %s\n", what);
		abort();
	}
}

static void
set_addr(struct ipaddr *a, int family, const char *s)
{
	must(ipaddr_parse(s, a) == 0 && a->family == family, "bad literal");
}

static void
check_round_trip(const struct vrrp_pkt *p, const struct vrrp_pkt_meta *m,
    size_t len)
{
	static uint8_t buf[VRRP_PKT_MAX_LEN], buf2[VRRP_PKT_MAX_LEN];
	static struct vrrp_pkt q;
	char err[160];
	ssize_t n, n2;

	n = vrrp_pkt_encode(p, m, buf, sizeof(buf));
	if (p->version == 2 && p->auth_type != VRRP_AUTH_NONE &&
	    p->auth_type != VRRP_AUTH_PASS) {
		/* Decodable (the agent drops it as an auth mismatch) but
		 * not something we ever send. */
		must(n == -1, "encoded a v2 auth type other than 0/1");
		return;
	}
	must(n == (ssize_t)len, "re-encode length differs");
	must(vrrp_pkt_decode(buf, (size_t)n, m, &q, err, sizeof(err)) ==
	    VRRP_DROP_NONE, "re-encoded packet does not decode");
	must(memcmp(p, &q, sizeof(q)) == 0, "decode(encode(p)) != p");
	/* Shorter buffers must be refused, not overrun. */
	must(vrrp_pkt_encode(&q, m, buf2, (size_t)n - 1) == -1,
	    "encode into a short buffer succeeded");
	n2 = vrrp_pkt_encode(&q, m, buf2, (size_t)n);
	must(n2 == n && memcmp(buf, buf2, (size_t)n) == 0,
	    "encode is not deterministic");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct vrrp_pkt p;
	struct vrrp_pkt_meta m;
	char err[160];
	enum vrrp_drop r;
	const uint8_t *pkt;
	size_t len, plen;
	uint8_t sel;
	int vrid;

	if (size < 1)
		return 0;
	sel = data[0];
	pkt = data + 1;
	len = size - 1;
	memset(&m, 0, sizeof(m));
	m.cksum = (sel & 4) ? VRRP_CKSUM_NO_PSEUDO : VRRP_CKSUM_PSEUDO;
	m.ttl = (sel & 0x20) ? -1 : (sel & 0x10) ? 254 : 255;
	err[0] = '\0';

	switch (sel & 3) {
	case 0:
		r = vrrp_pkt_decode_ipv4(pkt, len, &m, &p, err, sizeof(err));
		if (r != VRRP_DROP_NONE)
			break;
		must(m.src.family == AF_INET && m.dst.family == AF_INET,
		    "decode_ipv4 left meta without IPv4 addresses");
		must(m.ttl == 255, "decode_ipv4 accepted TTL != 255");
		/* The payload is what follows the header, up to tot_len. */
		plen = (size_t)(pkt[2] << 8 | pkt[3]) - (size_t)(pkt[0] & 15) * 4;
		check_round_trip(&p, &m, plen);
		break;
	case 1:
		set_addr(&m.src, AF_INET6, (sel & 8) ? "fe80::1" :
		    "fe80::ff:fe00:1");
		set_addr(&m.dst, AF_INET6, "ff02::12");
		goto payload;
	case 2:
		set_addr(&m.src, AF_INET, "198.51.100.3");
		set_addr(&m.dst, AF_INET, "224.0.0.18");
		goto payload;
	default:
		set_addr(&m.src, AF_INET, "198.51.100.1");
		set_addr(&m.dst, AF_INET, "198.51.100.2");
	payload:
		vrid = vrrp_pkt_peek_vrid(pkt, len);
		must(len >= 2 ? vrid == pkt[1] : vrid == -1, "peek_vrid");
		r = vrrp_pkt_decode(pkt, len, &m, &p, err, sizeof(err));
		if (r != VRRP_DROP_NONE)
			break;
		must(m.ttl == 255 || m.ttl == -1, "accepted a bad TTL");
		check_round_trip(&p, &m, len);
		break;
	}

	must(vrrp_drop_name(r) != NULL, "drop name");
	must(memchr(err, '\0', sizeof(err)) != NULL, "err not terminated");
	if (r == VRRP_DROP_NONE) {
		must(err[0] == '\0', "message on success");
		must(p.vrid != 0 && p.adver_int_cs != 0 &&
		    (p.version == 2 || p.version == 3) &&
		    p.type == VRRP_TYPE_ADVERT, "accepted an invalid field");
	} else
		must(err[0] != '\0' && r < VRRP_DROP_NO_INSTANCE,
		    "drop without message, or an agent reason");
	return 0;
}
