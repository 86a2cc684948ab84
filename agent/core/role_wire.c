/* SPDX-License-Identifier: Apache-2.0 */
/*
 * role_wire: the database role (agent/role) attached to an instance, and
 * its only way back to it: the struct role_ops table filled here.
 * Declared in agent.h.
 */
#include "agent.h"
#include "clock.h"

static void
instance_role_done(void *arg, bool ok)
{
	struct instance *in = arg;
	struct seq_out so = { 0 };

	seq_role_done(&in->seq, ok, &so);
	instance_seq_exec(in, &so);
}

static void
instance_role_hold(void *arg, bool on, const char *why)
{
	instance_set_fault(arg, VRRP_FAULT_ROLE, on, why);
}

static void
instance_role_resume(void *arg)
{
	struct instance *in = arg;
	struct vrrp_out out = { 0 };

	vrrp_fsm_resume(&in->fsm, "resumed: VIP and writable database kept "
	    "from the previous run", clock_now(), &out);
	instance_exec(in, &out);
}

static void
instance_role_drop_vips(void *arg)
{
	struct instance *in = arg;
	struct seq_out so = { 0 };

	seq_drop(&in->seq, &so);
	instance_seq_exec(in, &so);
}

static void
instance_role_event(void *arg, const char *event, const char *detail)
{
	const struct instance *in = arg;
	char fields[512];
	size_t off = 0;

	fields[0] = '\0';
	if (detail != NULL && notify_json_field(fields, sizeof(fields), &off,
	    "detail", detail) == -1)
		fields[0] = '\0';
	notify_event(in->nq, event, fields);
}

static bool
instance_role_is_master(void *arg)
{
	const struct instance *in = arg;

	return in->fsm.state == VRRP_ST_MASTER;
}

static int
instance_role_master(void *arg, uint64_t max_age_us, struct ipaddr *m)
{
	return instance_master(arg, max_age_us, m);
}

static int
instance_role_heard_from(void *arg, const struct ipaddr *src, uint64_t *at,
    uint8_t *prio)
{
	return instance_heard_from(arg, src, at, prio);
}

static uint64_t
instance_role_advert_us(void *arg)
{
	return instance_advert_us(arg);
}

static const struct ipaddr *
instance_role_self(void *arg)
{
	const struct instance *in = arg;

	return &in->fsm.self;
}

static int
instance_role_peers(void *arg, const struct ipaddr **peers)
{
	const struct instance *in = arg;

	/* unicast_peer and peer never come together (conf_peer.c). */
	if (in->c.npeers > 0) {
		*peers = in->c.peers;
		return in->c.npeers;
	}
	*peers = in->c.mpeers;
	return in->c.nmpeers;
}

int
instance_role_attach(struct instance *in, const struct conf *conf, int idx)
{
	const struct role_ops ops = {
		.arg = in,
		.done = instance_role_done,
		.hold = instance_role_hold,
		.resume = instance_role_resume,
		.drop_vips = instance_role_drop_vips,
		.event = instance_role_event,
		.is_master = instance_role_is_master,
		.master = instance_role_master,
		.heard_from = instance_role_heard_from,
		.advert_us = instance_role_advert_us,
		.self = instance_role_self,
		.peers = instance_role_peers,
	};

	if (conf->role.kind != CONF_ROLE_REPLICATION || conf->role.inst != idx)
		return 0;
	if ((in->role = role_new(in->a->loop, in->tag, &ops, conf)) == NULL)
		return -1;
	return 0;
}
