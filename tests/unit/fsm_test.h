/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fsm_test: helpers for the state machine unit tests (test_vrrp_fsm*.c): a
 * fake clock, expected action lists and advert/timer drivers.  Include
 * after <cmocka.h> and agent/core/vrrp.h.
 */
#ifndef DBVIP_TEST_FSM_TEST_H
#define DBVIP_TEST_FSM_TEST_H

#include <string.h>

#define T0	1000000000ULL		/* fake clock start: 1000 s */
#define SEC	1000000ULL

#define SELF	"198.51.100.10"
#define LOWER	"198.51.100.5"		/* lower primary address than SELF */
#define HIGHER	"198.51.100.20"		/* higher primary address than SELF */

/* One expected action; prio -1 = don't care. */
struct exp_act {
	enum vrrp_act_type type;
	int prio;
	enum vrrp_state from, to;
};

#define E_SEND(p)	{ VRRP_ACT_SEND_ADVERT, (p), 0, 0 }
#define E_ADD		{ VRRP_ACT_VIP_ADD, -1, 0, 0 }
#define E_DEL		{ VRRP_ACT_VIP_DEL, -1, 0, 0 }
#define E_ANN		{ VRRP_ACT_ANNOUNCE, -1, 0, 0 }
#define E_ST(a, b)	{ VRRP_ACT_STATE, -1, VRRP_ST_##a, VRRP_ST_##b }

static struct ipaddr
addr(const char *s)
{
	struct ipaddr a;

	assert_int_equal(ipaddr_parse(s, &a), 0);
	return a;
}

static struct vrrp_params
params(uint8_t version, uint8_t prio, uint16_t int_cs, bool preempt,
    uint32_t delay_ms)
{
	struct vrrp_params p;

	memset(&p, 0, sizeof(p));
	p.version = version;
	p.priority = prio;
	p.adver_int_cs = int_cs;
	p.preempt = preempt;
	p.preempt_delay_ms = delay_ms;
	return p;
}

static void
fsm_new(struct vrrp_fsm *f, uint8_t version, uint8_t prio, uint16_t int_cs,
    bool preempt, uint32_t delay_ms)
{
	struct vrrp_params p = params(version, prio, int_cs, preempt, delay_ms);
	struct ipaddr self = addr(SELF);

	vrrp_fsm_init(f, &p, &self);
	assert_int_equal(f->state, VRRP_ST_INIT);
	assert_int_equal(vrrp_fsm_next_deadline(f), 0);
}

static void
out_reset(struct vrrp_out *o)
{
	memset(o, 0, sizeof(*o));
}

static void
check_acts(const struct vrrp_out *o, const struct exp_act *e, int n)
{
	int i;

	assert_int_equal(o->n, n);
	for (i = 0; i < n; i++) {
		assert_int_equal(o->act[i].type, e[i].type);
		if (e[i].type == VRRP_ACT_SEND_ADVERT && e[i].prio >= 0)
			assert_int_equal(o->act[i].priority, e[i].prio);
		if (e[i].type == VRRP_ACT_STATE) {
			assert_int_equal(o->act[i].from, e[i].from);
			assert_int_equal(o->act[i].to, e[i].to);
			assert_non_null(o->act[i].reason);
			assert_true(strlen(o->act[i].reason) > 0);
		}
	}
}

#define CHECK(o, ...) do {						\
	const struct exp_act _e[] = { __VA_ARGS__ };			\
	check_acts((o), _e, (int)(sizeof(_e) / sizeof(_e[0])));		\
} while (0)

static void
advert(struct vrrp_fsm *f, uint64_t now, uint8_t prio, uint16_t int_cs,
    const char *src, struct vrrp_out *o)
{
	struct vrrp_pkt pkt;
	struct ipaddr s = addr(src);

	memset(&pkt, 0, sizeof(pkt));
	pkt.version = f->p.version;
	pkt.type = VRRP_TYPE_ADVERT;
	pkt.vrid = 51;
	pkt.priority = prio;
	pkt.naddrs = 1;
	pkt.adver_int_cs = int_cs;
	pkt.family = AF_INET;
	pkt.addrs[0] = addr("198.51.100.100");
	out_reset(o);
	vrrp_fsm_advert(f, now, &pkt, &s, o);
}

static void
timer(struct vrrp_fsm *f, uint64_t now, struct vrrp_out *o)
{
	out_reset(o);
	vrrp_fsm_timer(f, now, o);
}

/* Startup of a v3 backup, priority prio, 1 s adverts. */
static void
backup_at(struct vrrp_fsm *f, uint8_t prio, bool preempt, uint32_t delay,
    uint64_t now)
{
	struct vrrp_out o;

	fsm_new(f, 3, prio, 100, preempt, delay);
	out_reset(&o);
	vrrp_fsm_startup(f, now, &o);
	CHECK(&o, E_ST(INIT, BACKUP));
	assert_int_equal(f->state, VRRP_ST_BACKUP);
}

/* A v3 master, priority prio, 1 s adverts, took over at T0 + down. */
static uint64_t
master_at(struct vrrp_fsm *f, uint8_t prio)
{
	struct vrrp_out o;
	uint64_t t;

	backup_at(f, prio, true, 0, T0);
	t = f->t_master_down;
	timer(f, t, &o);
	assert_int_equal(f->state, VRRP_ST_MASTER);
	return t;
}

#endif
