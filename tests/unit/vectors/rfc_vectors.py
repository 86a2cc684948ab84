#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Independent VRRP test vectors for tests/unit/test_vrrp_pkt.c.

Builds packets field by field from the RFC 3768 / RFC 5798 section 5.1
diagrams and computes the checksum with Python's big integers (sum every
16-bit word, fold the carries, complement), sharing no code with
net/vrrp_pkt.c.  Run once; the output was pasted into the test as hex.
"""
import ipaddress

def words_sum(b):
    if len(b) % 2:
        b += b'\0'
    return sum(int.from_bytes(b[i:i + 2], 'big') for i in range(0, len(b), 2))

def csum(b):
    s = words_sum(b)
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return (~s) & 0xffff

def pseudo4(src, dst, n):
    return (ipaddress.IPv4Address(src).packed + ipaddress.IPv4Address(dst).packed
            + bytes([0, 112]) + n.to_bytes(2, 'big'))

def pseudo6(src, dst, n):
    return (ipaddress.IPv6Address(src).packed + ipaddress.IPv6Address(dst).packed
            + n.to_bytes(4, 'big') + bytes([0, 0, 0, 112]))

def v2(vrid, prio, addrs, auth_type, int_s, auth=b'', typ=1, ver=2):
    body = bytes([ver << 4 | typ, vrid, prio, len(addrs), auth_type, int_s, 0, 0])
    body += b''.join(ipaddress.IPv4Address(a).packed for a in addrs)
    body += auth.ljust(8, b'\0')
    c = csum(body)
    return body[:6] + c.to_bytes(2, 'big') + body[8:]

def v3(vrid, prio, addrs, int_cs, src, dst, mode='pseudo', typ=1, ver=3,
       rsvd=0):
    six = ':' in src
    packed = b''.join(ipaddress.ip_address(a).packed for a in addrs)
    word = rsvd << 12 | int_cs
    body = bytes([ver << 4 | typ, vrid, prio, len(addrs)]) + \
        word.to_bytes(2, 'big') + b'\0\0' + packed
    if six:
        ph = pseudo6(src, dst, len(body))
    elif mode == 'pseudo':
        ph = pseudo4(src, dst, len(body))
    else:
        ph = b''
    c = csum(ph + body)
    return body[:6] + c.to_bytes(2, 'big') + body[8:]

def show(name, b):
    print('/* %s */' % name)
    print(', '.join('0x%02x' % x for x in b))

G4, G6 = '224.0.0.18', 'ff02::12'
show('A1 v2 vrid 1 prio 100 198.51.100.100 auth none 1 s',
     v2(1, 100, ['198.51.100.100'], 0, 1))
show('A2 v2 vrid 42 prio 254 198.51.100.1-3 auth PASS "abc" 3 s',
     v2(42, 254, ['198.51.100.1', '198.51.100.2', '198.51.100.3'], 1, 3,
        b'abc'))
show('A3 v3 vrid 7 prio 200 198.51.100.7,.8 100 cs, src 198.51.100.3 '
     'dst 224.0.0.18, pseudo',
     v3(7, 200, ['198.51.100.7', '198.51.100.8'], 100, '198.51.100.3', G4))
show('A4 same as A3, no pseudo-header',
     v3(7, 200, ['198.51.100.7', '198.51.100.8'], 100, '198.51.100.3', G4,
        'nopseudo'))
show('A5 v3 vrid 9 prio 255 2001:db8::9 4095 cs, src fe80::1 dst ff02::12',
     v3(9, 255, ['2001:db8::9'], 4095, 'fe80::1', G6))
show('A6 v3 vrid 200 prio 0 no addresses 1 cs, src 198.51.100.9 '
     'dst 198.51.100.10 (unicast), pseudo',
     v3(200, 0, [], 1, '198.51.100.9', '198.51.100.10'))
show('A7 v3 reserved bits 0xf set, vrid 7 prio 1 198.51.100.7 300 cs, '
     'src 198.51.100.3 dst 224.0.0.18, pseudo (decodes as 300 cs)',
     v3(7, 1, ['198.51.100.7'], 300, '198.51.100.3', G4, rsvd=0xf))
# Negative vectors: every field but the one under test is valid and the
# checksum is right, so only that check can refuse them.
show('N1 type 2 (v3 IPv4, A3 otherwise)',
     v3(7, 200, ['198.51.100.7', '198.51.100.8'], 100, '198.51.100.3', G4,
        typ=2))
show('N2 vrid 0 (v3 IPv4)',
     v3(0, 200, ['198.51.100.7'], 100, '198.51.100.3', G4))
show('N3 interval 0 (v3 IPv4)',
     v3(7, 200, ['198.51.100.7'], 0, '198.51.100.3', G4))
show('N4 interval 0 (v2)', v2(1, 100, ['198.51.100.100'], 0, 0))
show('N5 version 1 (v2 layout)', v2(1, 100, ['198.51.100.100'], 0, 1, ver=1))
show('N6 type 0 (v2)', v2(1, 100, ['198.51.100.100'], 0, 1, typ=0))
show('N7 vrid 0 (v3 IPv6)', v3(0, 100, ['2001:db8::9'], 100, 'fe80::1', G6))
show('N8 v2 layout, sent over IPv6 (checksum as v2)',
     v2(1, 100, ['198.51.100.100'], 0, 1))
# Hostile input (RFC 5798 5.2.5, 5.1.2.1, 5.1.1.1): again one field wrong.
show('N9 count 0 (v3 IPv4), vrid 7 prio 254 100 cs, src 198.51.100.3 '
     'dst 224.0.0.18, pseudo', v3(7, 254, [], 100, '198.51.100.3', G4))
show('N10 count 0 (v2), vrid 1 prio 254 1 s, auth none',
     v2(1, 254, [], 0, 1))
show('N11 count 0 (v3 IPv6), vrid 9 prio 254 100 cs, src fe80::1 '
     'dst ff02::12', v3(9, 254, [], 100, 'fe80::1', G6))
show('N12 global IPv6 source to the group (v3), vrid 9 prio 254 '
     '2001:db8::9 100 cs, src 2001:db8::3 dst ff02::12',
     v3(9, 254, ['2001:db8::9'], 100, '2001:db8::3', G6))
show('N13 multicast IPv4 source (v3), vrid 7 prio 254 198.51.100.7 '
     '100 cs, src 224.0.0.5 dst 224.0.0.18, pseudo',
     v3(7, 254, ['198.51.100.7'], 100, '224.0.0.5', G4))
show('N14 v3 IPv4 to a unicast address, vrid 7 prio 254 198.51.100.7 '
     '100 cs, src 198.51.100.200 dst 198.51.100.11, pseudo',
     v3(7, 254, ['198.51.100.7'], 100, '198.51.100.200', '198.51.100.11'))
