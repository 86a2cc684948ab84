/* SPDX-License-Identifier: Apache-2.0 */
/*
 * kaimport: keepalived.conf -> dbvip INI.
 *
 * The lexer and the tree builder (kaimport_lex.c) give a tree of
 * statements; the translator here walks the top-level ones: it
 * collects global_defs, vrrp_script and vrrp_sync_group first, because a
 * vrrp_instance depends on all three whatever their order in the file, and
 * then translates each vrrp_instance into its own buffer.  The output is
 * assembled at the end: [global], the [check] sections the instances use,
 * then the instances.
 */
#include "kaimport_int.h"

#include <errno.h>
#include <limits.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "../../net/ipaddr.h"
#include "../conf/conf.h"


/* --- vrrp_instance ------------------------------------------------------- */

#define KA_NNOTIFY	5	/* notify_master .. notify, as dbvip reads them */

struct ka_inst {
	const struct ka_node *n;
	struct sbuf warn;		/* comments for the section's top */
	struct sbuf keys;		/* vip, unicast_peer lines */
	char ifname[IF_NAMESIZE];
	long vrid, priority, version;	/* -1 = unset */
	int version_line, version_file;
	int64_t advert_us;		/* -1 = unset */
	bool master, nopreempt, have_pd;
	const struct ka_node *nopreempt_n, *pd_n;
	int64_t pd_us;
	int family, nvips, npeers;
	char auth[VRRP_AUTH_LEN + 1];
	const struct ka_node *auth_n;
	const char *notify[KA_NNOTIFY];
	const struct ka_node *notify_n[KA_NNOTIFY];
	struct ka_script *track[CONF_MAX_TRACK];
	int track_w[CONF_MAX_TRACK];
	int ntrack;
	int garp_repeat;
	int64_t garp_delay_ms, garp_refresh_ms;
};

static const char *const ka_notify_keys[KA_NNOTIFY] = {
	"notify_master", "notify_backup", "notify_fault", "notify_stop",
	"notify",
};

/* Keywords with no dbvip equivalent, and why. */
static const struct {
	const char *kw;
	const char *why;
} ka_untranslated[] = {
	{ "use_vmac", "dbvip moves the VIP on the interface itself, "
	    "without a VMAC" },
	{ "vmac_xmit_base", "no VMAC in dbvip" },
	{ "use_vmac_addr", "no VMAC in dbvip" },
	{ "use_ipvlan", "no ipvlan in dbvip" },
	{ "dont_track_primary", "dbvip always goes to FAULT when its "
	    "interface is down" },
	{ "strict_mode", "dbvip does not enforce keepalived's strict mode" },
	{ "smtp_alert", "dbvip sends no mail; use a notify script" },
	{ "mcast_src_ip", "dbvip sends from the interface's primary "
	    "address" },
	{ "mcast_dst_ip", "dbvip uses the RFC multicast group" },
	{ "virtual_ipaddress_excluded", "dbvip advertises every VIP it "
	    "adds" },
	{ "virtual_routes", "dbvip manages no routes" },
	{ "virtual_rules", "dbvip manages no rules" },
	{ "no_accept", "dbvip always accepts traffic for its VIPs" },
	{ "notify_deleted", "dbvip has no delete notification" },
	{ "notify_master_rx_lower_pri", "not supported" },
	{ "track_file", "dbvip tracks scripts only" },
	{ "track_process", "dbvip tracks scripts only" },
	{ "track_bfd", "dbvip tracks scripts only" },
	{ "lvs_sync_daemon_interface", "no LVS in dbvip" },
	{ "garp_master_refresh_repeat", "dbvip sends one announcement per "
	    "refresh" },
	{ "garp_lower_prio_delay", "not supported" },
	{ "garp_lower_prio_repeat", "not supported" },
	{ "down_timer_adverts", "dbvip uses the RFC's 3 intervals" },
	{ "old_unicast_checksum", "dbvip computes the RFC checksum; see its "
	    "checksum key" },
	{ "check_unicast_src", "dbvip always accepts unicast adverts only "
	    "from its unicast_peer list" },
};

static void
ka_add_vips(struct ka_parse *p, struct ka_inst *in, const struct ka_node *blk)
{
	const struct ka_node *v;
	struct ipprefix pfx;
	char a[IPADDR_STRLEN];
	int j;

	for (v = blk->child; v != NULL; v = v->next) {
		if (ipprefix_parse(v->argv[0], &pfx) == -1) {
			kai_warn(p, &in->warn, v->file, v->line, "vip '%s' is "
			    "not an address[/mask]: not translated",
			    v->argv[0]);
			continue;
		}
		if (in->family != 0 && pfx.addr.family != in->family) {
			kai_warn(p, &in->warn, v->file, v->line, "vip %s: an "
			    "instance has one address family: not "
			    "translated", v->argv[0]);
			continue;
		}
		if (in->nvips == CONF_MAX_VIPS) {
			kai_warn(p, &in->warn, v->file, v->line, "more than %d "
			    "vips: %s not translated", CONF_MAX_VIPS,
			    v->argv[0]);
			continue;
		}
		for (j = 1; j < v->argc; j++) {
			if (strcmp(v->argv[j], "dev") == 0 && j + 1 < v->argc) {
				j++;
				if (strcmp(v->argv[j], in->ifname) != 0)
					kai_warn(p, &in->warn, v->file, v->line,
					    "vip %s dev %s: dbvip puts every "
					    "vip on the instance's interface",
					    v->argv[0], v->argv[j]);
			} else if (strcmp(v->argv[j], "label") == 0 &&
			    j + 1 < v->argc) {
				j++;
				kai_warn(p, &in->warn, v->file, v->line, "vip %s "
				    "label %s: dbvip sets no labels",
				    v->argv[0], v->argv[j]);
			} else
				kai_warn(p, &in->warn, v->file, v->line, "vip %s "
				    "option '%s' is not translated",
				    v->argv[0], v->argv[j]);
		}
		in->family = pfx.addr.family;
		in->nvips++;
		sbuf_printf(&in->keys, "vip = %s/%u\n", ipaddr_ntop(&pfx.addr, a,
		    sizeof(a)), pfx.plen);
	}
}

static void
ka_add_peers(struct ka_parse *p, struct ka_inst *in, const struct ka_node *blk,
    struct sbuf *peers)
{
	const struct ka_node *v;
	struct ipaddr addr;
	char a[IPADDR_STRLEN];

	for (v = blk->child; v != NULL; v = v->next) {
		if (ipaddr_parse(v->argv[0], &addr) == -1) {
			kai_warn(p, &in->warn, v->file, v->line, "unicast_peer "
			    "'%s' is not an address: not translated",
			    v->argv[0]);
			continue;
		}
		if (v->argc > 1)
			kai_warn(p, &in->warn, v->file, v->line, "unicast_peer "
			    "%s: options from '%s' on are not translated",
			    v->argv[0], v->argv[1]);
		if (in->npeers == CONF_MAX_PEERS) {
			kai_warn(p, &in->warn, v->file, v->line, "more than %d "
			    "unicast peers: %s not translated",
			    CONF_MAX_PEERS, v->argv[0]);
			continue;
		}
		in->npeers++;
		sbuf_printf(peers, "unicast_peer = %s\n", ipaddr_ntop(&addr, a,
		    sizeof(a)));
	}
}

static void
ka_add_auth(struct ka_parse *p, struct ka_inst *in, const struct ka_node *blk)
{
	const struct ka_node *c, *pn = blk;
	const char *type = NULL, *pass = NULL;

	for (c = blk->child; c != NULL; c = c->next) {
		if (strcmp(c->argv[0], "auth_type") == 0 && c->argc == 2)
			type = c->argv[1];
		else if (strcmp(c->argv[0], "auth_pass") == 0 &&
		    c->argc == 2) {
			pass = c->argv[1];
			pn = c;
		}
		else
			kai_warn(p, &in->warn, c->file, c->line, "authentication "
			    "%s is not translated", c->argv[0]);
	}
	if (type == NULL || strcmp(type, "PASS") != 0) {
		kai_warn(p, &in->warn, blk->file, blk->line, "authentication "
		    "type %s is not translated: dbvip knows PASS only",
		    type != NULL ? type : "(none)");
		return;
	}
	if (pass == NULL || *pass == '\0') {
		kai_warn(p, &in->warn, blk->file, blk->line, "authentication "
		    "PASS without auth_pass: not translated");
		return;
	}
	if (strlen(pass) > VRRP_AUTH_LEN)
		kai_warn(p, &in->warn, pn->file, pn->line, "auth_pass is "
		    "longer than %d characters; keepalived uses the first %d, "
		    "so does this translation", VRRP_AUTH_LEN, VRRP_AUTH_LEN);
	snprintf(in->auth, sizeof(in->auth), "%.*s", VRRP_AUTH_LEN, pass);
	in->auth_n = pn;
}

static void
ka_add_tracks(struct ka_parse *p, struct ka_inst *in, const struct ka_node *blk)
{
	const struct ka_node *c;
	struct ka_script *s;
	long w;

	for (c = blk->child; c != NULL; c = c->next) {
		if ((s = ka_find_script(p, c->argv[0])) == NULL) {
			kai_warn(p, &in->warn, c->file, c->line, "track_script "
			    "%s: no such vrrp_script", c->argv[0]);
			continue;
		}
		w = s->weight;
		if (c->argc >= 3 && strcmp(c->argv[1], "weight") == 0 &&
		    ka_int(c->argv[2], -253, 253, &w) == 0) {
			if (c->argc > 3)
				kai_warn(p, &in->warn, c->file, c->line,
				    "track_script %s: '%s' is not translated",
				    c->argv[0], c->argv[3]);
		} else if (c->argc > 1)
			kai_warn(p, &in->warn, c->file, c->line, "track_script "
			    "%s: '%s' is not translated", c->argv[0],
			    c->argv[1]);
		if (in->ntrack == CONF_MAX_TRACK) {
			kai_warn(p, &in->warn, c->file, c->line, "more than %d "
			    "track scripts", CONF_MAX_TRACK);
			continue;
		}
		in->track[in->ntrack] = s;
		in->track_w[in->ntrack++] = (int)w;
	}
}

static void
ka_add_track_if(struct ka_parse *p, struct ka_inst *in,
    const struct ka_node *blk)
{
	const struct ka_node *c;

	for (c = blk->child; c != NULL; c = c->next) {
		if (c->argc == 1 && strcmp(c->argv[0], in->ifname) == 0)
			continue;	/* dbvip tracks its own interface */
		kai_warn(p, &in->warn, c->file, c->line, "track_interface %s%s "
		    "is not translated: dbvip tracks the instance's own "
		    "interface only", c->argv[0], c->argc > 1 ?
		    " (weighted)" : "");
	}
}

/* A keyword that takes one value: the value, or NULL after a warning. */
static const char *
ka_one(struct ka_parse *p, struct ka_inst *in, const struct ka_node *n)
{
	if (n->argc == 2 && !n->block)
		return n->argv[1];
	kai_warn(p, &in->warn, n->file, n->line, "%s takes one value: not "
	    "translated", n->argv[0]);
	return NULL;
}

/* One statement of a vrrp_instance block. */
static void
ka_inst_stmt(struct ka_parse *p, struct ka_inst *in, const struct ka_node *n,
    struct sbuf *peers)
{
	const char *kw = n->argv[0], *v;
	int64_t us;
	long l;
	size_t i;

	if (strcmp(kw, "state") == 0) {
		if ((v = ka_one(p, in, n)) != NULL)
			in->master = strcmp(v, "MASTER") == 0;
	} else if (strcmp(kw, "interface") == 0) {
		if ((v = ka_one(p, in, n)) != NULL)
			snprintf(in->ifname, sizeof(in->ifname), "%s", v);
	} else if (strcmp(kw, "virtual_router_id") == 0 ||
	    strcmp(kw, "priority") == 0 || strcmp(kw, "version") == 0) {
		bool ver = strcmp(kw, "version") == 0;
		long *dst = ver ? &in->version : strcmp(kw, "priority") == 0 ?
		    &in->priority : &in->vrid;
		long lo = ver ? 2 : 1, hi = ver ? 3 : 255;

		if ((v = ka_one(p, in, n)) == NULL)
			return;
		if (ka_int(v, lo, hi, &l) == -1) {
			kai_warn(p, &in->warn, n->file, n->line, "%s %s is not "
			    "in %ld..%ld: not translated", kw, v, lo, hi);
			return;
		}
		*dst = l;
		if (dst == &in->version) {
			in->version_file = n->file;
			in->version_line = n->line;
		}
	} else if (strcmp(kw, "advert_int") == 0) {
		if ((v = ka_one(p, in, n)) == NULL)
			return;
		if (ka_seconds(v, 255000000, &us) == -1 || us == 0)
			kai_warn(p, &in->warn, n->file, n->line, "advert_int %s "
			    "is not a duration up to 255 s: not translated",
			    v);
		else
			in->advert_us = us;
	} else if (strcmp(kw, "nopreempt") == 0) {
		in->nopreempt = true;
		in->nopreempt_n = n;
	} else if (strcmp(kw, "preempt") == 0) {
		in->nopreempt = false;
	} else if (strcmp(kw, "preempt_delay") == 0) {
		if ((v = ka_one(p, in, n)) == NULL)
			return;
		if (ka_seconds(v, 3600000000LL, &us) == -1)
			kai_warn(p, &in->warn, n->file, n->line, "preempt_delay "
			    "%s is not 0..3600 s: not translated", v);
		else {
			in->have_pd = true;
			in->pd_us = us;
			in->pd_n = n;
		}
	} else if (strcmp(kw, "virtual_ipaddress") == 0 && n->block) {
		ka_add_vips(p, in, n);
	} else if (strcmp(kw, "unicast_peer") == 0 && n->block) {
		ka_add_peers(p, in, n, peers);
	} else if (strcmp(kw, "unicast_src_ip") == 0) {
		kai_warn(p, &in->warn, n->file, n->line, "unicast_src_ip %s is "
		    "not translated: dbvip sends from the interface's primary "
		    "address; make sure that is %s, or peers checking the "
		    "source will drop the adverts", n->argc > 1 ? n->argv[1] :
		    "?", n->argc > 1 ? n->argv[1] : "it");
	} else if (strcmp(kw, "authentication") == 0 && n->block) {
		ka_add_auth(p, in, n);
	} else if (strcmp(kw, "track_interface") == 0 && n->block) {
		ka_add_track_if(p, in, n);
	} else if (strcmp(kw, "track_script") == 0 && n->block) {
		ka_add_tracks(p, in, n);
	} else if (strcmp(kw, "garp_master_repeat") == 0) {
		if ((v = ka_one(p, in, n)) == NULL)
			return;
		if (ka_int(v, 1, 100, &l) == -1)
			kai_warn(p, &in->warn, n->file, n->line, "%s %s is not "
			    "in 1..100: not translated", kw, v);
		else
			in->garp_repeat = (int)l;
	} else if (strcmp(kw, "garp_master_delay") == 0 ||
	    strcmp(kw, "garp_master_refresh") == 0) {
		bool delay = strcmp(kw, "garp_master_delay") == 0;
		int64_t max = delay ? CONF_MAX_GARP_DELAY :
		    CONF_MAX_GARP_REFRESH;

		if ((v = ka_one(p, in, n)) == NULL)
			return;
		if (ka_seconds(v, max * 1000, &us) == -1)
			kai_warn(p, &in->warn, n->file, n->line, "%s %s is not "
			    "0..%lld s: not translated", kw, v,
			    (long long)max / 1000);
		else
			*(delay ? &in->garp_delay_ms : &in->garp_refresh_ms) =
			    us / 1000;
	} else if (strcmp(kw, "accept") == 0 ||
	    strcmp(kw, "native_ipv6") == 0) {
		/* What dbvip does anyway: nothing to write. */
	} else {
		for (i = 0; i < KA_NNOTIFY; i++) {
			if (strcmp(kw, ka_notify_keys[i]) != 0)
				continue;
			if (n->argc < 2) {
				kai_warn(p, &in->warn, n->file, n->line, "%s "
				    "without a script", kw);
				return;
			}
			if (n->argc > 2)
				kai_warn(p, &in->warn, n->file, n->line, "%s: "
				    "user/group %s is not translated: dbvip "
				    "runs scripts as its own user", kw,
				    n->argv[2]);
			in->notify[i] = n->argv[1];
			in->notify_n[i] = n;
			return;
		}
		for (i = 0; i < sizeof(ka_untranslated) /
		    sizeof(ka_untranslated[0]); i++) {
			if (strcmp(kw, ka_untranslated[i].kw) == 0) {
				kai_warn(p, &in->warn, n->file, n->line, "%s is "
				    "not translated: %s", kw,
				    ka_untranslated[i].why);
				return;
			}
		}
		kai_warn(p, &in->warn, n->file, n->line, "%s is not translated "
		    "(unknown to this importer)", kw);
	}
}

/* Record that in uses script s with weight w; a new weight is a new check. */
static void
ka_use_script(struct ka_script *s, int w)
{
	int i;

	for (i = 0; i < s->nweights; i++)
		if (s->weights[i] == w)
			return;
	if (s->nweights < KA_MAX_WEIGHTS)
		s->weights[s->nweights++] = w;
}

/*
 * Translate one vrrp_instance into out.  An instance that lacks what
 * dbvip requires (interface, vrid, a vip) is left out with a warning.
 */
static void
ka_instance(struct ka_parse *p, const struct ka_node *n, struct sbuf *out,
    struct sbuf *gw)
{
	struct ka_inst in;
	struct sbuf peers = { 0 };
	const struct ka_node *c;
	char name[CONF_NAME_MAX], b[32], cname[CONF_NAME_MAX];
	const char *why;
	int version, sync, i;
	int64_t cs;

	if (n->argc != 2 || !n->block) {
		kai_warn(p, gw, n->file, n->line, "vrrp_instance needs a name "
		    "and a block: ignored");
		return;
	}
	memset(&in, 0, sizeof(in));
	in.n = n;
	in.vrid = in.priority = in.version = -1;
	in.advert_us = -1;
	in.garp_repeat = p->garp_repeat;
	in.garp_delay_ms = p->garp_delay_ms;
	in.garp_refresh_ms = p->garp_refresh_ms;
	if (ka_name(n->argv[1], name, sizeof(name)))
		kai_warn(p, &in.warn, n->file, n->line, "instance %s is named "
		    "%s here", n->argv[1], name);

	/* interface first: vip "dev" options are compared with it. */
	for (c = n->child; c != NULL; c = c->next)
		if (strcmp(c->argv[0], "interface") == 0)
			ka_inst_stmt(p, &in, c, &peers);
	for (c = n->child; c != NULL; c = c->next)
		if (strcmp(c->argv[0], "interface") != 0)
			ka_inst_stmt(p, &in, c, &peers);

	why = in.ifname[0] == '\0' ? "no interface" : in.vrid == -1 ?
	    "no virtual_router_id" : in.nvips == 0 ? "no virtual_ipaddress" :
	    NULL;
	if (why != NULL) {
		kai_warn(p, gw, n->file, n->line, "vrrp_instance %s is not "
		    "translated: %s (dbvip requires it)", n->argv[1], why);
		sbuf_append(gw, &in.warn);
		goto out;
	}

	/* keepalived: vrrp_version (default 2), always 3 for IPv6. */
	version = in.version != -1 ? (int)in.version : p->version != 0 ?
	    p->version : 2;
	if (in.family == AF_INET6 && version == 2) {
		if (in.version == 2)
			kai_warn(p, &in.warn, in.version_file, in.version_line,
			    "version 2 cannot carry IPv6: keepalived uses 3, "
			    "so does this translation");
		version = 3;
	}
	if (in.master && in.nopreempt) {
		kai_warn(p, &in.warn, in.nopreempt_n->file,
		    in.nopreempt_n->line, "nopreempt with state MASTER: "
		    "keepalived clears nopreempt, so preempt = yes");
		in.nopreempt = false;
	}
	if (in.priority == 255 && in.nopreempt) {
		kai_warn(p, &in.warn, in.nopreempt_n->file,
		    in.nopreempt_n->line, "nopreempt with priority 255: "
		    "keepalived clears nopreempt, so preempt = yes");
		in.nopreempt = false;
	}
	if (in.have_pd && (in.master || in.nopreempt)) {
		kai_warn(p, &in.warn, in.pd_n->file, in.pd_n->line,
		    "preempt_delay with %s: keepalived clears it",
		    in.master ? "state MASTER" : "nopreempt");
		in.have_pd = false;
	}
	if (in.auth_n != NULL && version != 2) {
		kai_warn(p, &in.warn, in.auth_n->file, in.auth_n->line,
		    "authentication with VRRPv3: v3 has no authentication "
		    "(RFC 5798); not translated");
		in.auth_n = NULL;
	}

	sbuf_printf(out, "\n[instance %s]\n", name);
	sbuf_append(out, &in.warn);
	if (in.master)
		sbuf_printf(out, "# keepalived state MASTER: dbvip has no "
		    "initial state, the election decides\n");
	sbuf_printf(out, "interface = %s\nvrid = %ld\n", in.ifname, in.vrid);
	sbuf_printf(out, "priority = %ld\n", in.priority != -1 ? in.priority :
	    100L);
	sbuf_printf(out, "version = %d\n", version);
	if (in.advert_us != -1) {
		if (version == 2 && in.advert_us % 1000000 != 0) {
			kai_warn(p, out, n->file, n->line, "advert_int %s: "
			    "VRRPv2 carries whole seconds; rounded up",
			    ka_fmt_secs(in.advert_us, b, sizeof(b)));
			in.advert_us = (in.advert_us / 1000000 + 1) * 1000000;
		}
		cs = (in.advert_us + 9999) / 10000;
		if (version == 3 && in.advert_us % 10000 != 0)
			kai_warn(p, out, n->file, n->line, "advert_int: VRRPv3 "
			    "counts centiseconds; rounded up");
		if (version == 3 && cs > VRRP_V3_MAX_INT_CS) {
			kai_warn(p, out, n->file, n->line, "advert_int: VRRPv3 "
			    "allows at most 40.95 s; written as 40.95");
			cs = VRRP_V3_MAX_INT_CS;
		}
		sbuf_printf(out, "advert_int = %s\n", ka_fmt_secs(cs * 10000, b,
		    sizeof(b)));
	} else
		sbuf_printf(out, "advert_int = 1\n");
	sbuf_append(out, &in.keys);
	sbuf_append(out, &peers);
	sbuf_printf(out, "preempt = %s\n", in.nopreempt ? "no" : "yes");
	if (in.have_pd)
		sbuf_printf(out, "preempt_delay = %s\n", ka_fmt_secs(in.pd_us, b,
		    sizeof(b)));
	if (in.auth_n != NULL) {
		why = ka_ini_unsafe("auth_pass", in.auth);
		if (why != NULL)
			kai_warn(p, out, in.auth_n->file, in.auth_n->line,
			    "auth_pass cannot be written: %s", why);
		else
			sbuf_printf(out, "auth_pass = %s\n", in.auth);
	}
	if (in.garp_repeat > 0)
		sbuf_printf(out, "garp_repeat = %d\n", in.garp_repeat);
	if (in.garp_delay_ms >= 0) {
		kai_sb_comment(out, "keepalived's garp_master_delay is the pause "
		    "before a second burst; dbvip's garp_delay spaces every "
		    "announcement");
		sbuf_printf(out, "garp_delay = %s\n", ka_fmt_secs(
		    in.garp_delay_ms * 1000, b, sizeof(b)));
	}
	if (in.garp_refresh_ms >= 0)
		sbuf_printf(out, "garp_refresh = %s\n", ka_fmt_secs(
		    in.garp_refresh_ms * 1000, b, sizeof(b)));

	sync = ka_synced(p, n->argv[1]);
	for (i = 0; i < in.ntrack; i++) {
		int w = in.track_w[i];

		if (sync == 0 && w != 0) {
			kai_warn(p, out, n->file, n->line, "track_script %s: "
			    "keepalived sets the weight of a sync group "
			    "member's scripts to 0, so does this "
			    "translation", in.track[i]->n->argv[1]);
			w = 0;
		}
		ka_use_script(in.track[i], w);
		ka_check_name(in.track[i], w, cname, sizeof(cname));
		sbuf_printf(out, "track = %s\n", cname);
	}
	for (i = 0; i < KA_NNOTIFY; i++) {
		if (in.notify[i] == NULL)
			continue;
		if ((why = ka_ini_unsafe(ka_notify_keys[i], in.notify[i])) !=
		    NULL)
			kai_warn(p, out, in.notify_n[i]->file,
			    in.notify_n[i]->line, "%s cannot be written: %s",
			    ka_notify_keys[i], why);
		else
			sbuf_printf(out, "%s = %s\n", ka_notify_keys[i],
			    in.notify[i]);
	}
	p->r->ninstances++;
out:
	free(in.warn.s);
	free(in.keys.s);
	free(peers.s);
}

/* --- driver -------------------------------------------------------------- */

static const struct {
	const char *kw;
	const char *why;
} ka_top_untranslated[] = {
	{ "virtual_server", "dbvip is no load balancer (LVS)" },
	{ "virtual_server_group", "dbvip is no load balancer (LVS)" },
	{ "static_ipaddress", "dbvip manages VIPs only" },
	{ "static_routes", "dbvip manages no routes" },
	{ "static_rules", "dbvip manages no rules" },
	{ "garp_group", "dbvip has no per-interface GARP rate groups" },
	{ "vrrp_track_file", "dbvip tracks scripts only" },
	{ "track_file", "dbvip tracks scripts only" },
	{ "vrrp_track_process", "dbvip tracks scripts only" },
	{ "bfd_instance", "dbvip has no BFD" },
	{ "linkbeat_interfaces", "dbvip watches links with netlink" },
	{ "net_namespace", "run dbvipd inside the namespace instead" },
};

static void
ka_translate(struct ka_parse *p, const struct ka_node *top,
    const char *control_socket, struct sbuf *out)
{
	struct sbuf gw = { 0 }, checks = { 0 }, insts = { 0 };
	char head[PATH_MAX + 64];
	const struct ka_node *n;
	const char *kw;
	size_t i;
	int s;

	p->garp_repeat = -1;
	p->garp_delay_ms = p->garp_refresh_ms = -1;
	sbuf_append(&gw, &p->lexwarn);

	for (n = top; n != NULL; n = n->next) {
		kw = n->argv[0];
		if (strcmp(kw, "global_defs") == 0 && n->block)
			ka_global_defs(p, n, &gw);
		else if (strcmp(kw, "vrrp_script") == 0)
			ka_add_script(p, n, &gw);
		else if (strcmp(kw, "vrrp_sync_group") == 0)
			ka_sync_group(p, n, &gw);
	}
	for (n = top; n != NULL && !p->failed; n = n->next) {
		kw = n->argv[0];
		if (strcmp(kw, "vrrp_instance") == 0) {
			ka_instance(p, n, &insts, &gw);
			continue;
		}
		if ((strcmp(kw, "global_defs") == 0 && n->block) ||
		    strcmp(kw, "vrrp_script") == 0 ||
		    strcmp(kw, "vrrp_sync_group") == 0)
			continue;
		for (i = 0; i < sizeof(ka_top_untranslated) /
		    sizeof(ka_top_untranslated[0]); i++)
			if (strcmp(kw, ka_top_untranslated[i].kw) == 0)
				break;
		if (i < sizeof(ka_top_untranslated) /
		    sizeof(ka_top_untranslated[0]))
			kai_warn(p, &gw, n->file, n->line, "%s%s%s is not "
			    "translated: %s", kw, n->argc > 1 ? " " : "",
			    n->argc > 1 ? n->argv[1] : "",
			    ka_top_untranslated[i].why);
		else
			kai_warn(p, &gw, n->file, n->line, "%s is not "
			    "translated (unknown to this importer)", kw);
	}
	for (s = 0; s < p->nscripts; s++) {
		if (p->scripts[s].nweights == 0)
			kai_warn(p, &gw, p->scripts[s].n->file,
			    p->scripts[s].n->line, "vrrp_script %s is "
			    "tracked by no translated instance: not written",
			    p->scripts[s].n->argv[1]);
		else
			ka_emit_script(p, &p->scripts[s], &checks);
	}

	snprintf(head, sizeof(head), "dbvip configuration imported from %s "
	    "by dbvipctl import-keepalived.", p->files[0]);
	kai_sb_comment(out, head);
	kai_sb_comment(out, "Review every WARNING, then check the file with "
	    "dbvipd -t -f FILE.");
	sbuf_printf(out, "\n");
	sbuf_printf(out, "[global]\ncontrol_socket = %s\n", control_socket);
	sbuf_append(out, &gw);
	sbuf_append(out, &checks);
	sbuf_append(out, &insts);
	free(gw.s);
	free(checks.s);
	free(insts.s);
}

static void
ka_parse_free(struct ka_parse *p)
{
	int i;

	for (i = 0; i < p->ntok; i++)
		free(p->tok[i].s);
	free(p->tok);
	for (i = 0; i < p->nfiles; i++)
		free(p->files[i]);
	free(p->files);
	free(p->scripts);
	free(p->synced);
	free(p->synced_keep_weight);
	free(p->lexwarn.s);
}

/*
 * Both entry points: lex (from a file, or from text with file 0 named
 * name), build the tree, translate.
 */
static int
ka_run(const char *path, const char *text, const char *name,
    const char *basedir, const char *control_socket,
    struct kaimport_result *r, char *err, size_t errlen)
{
	struct ka_parse p;
	struct sbuf out = { 0 };
	struct ka_node *top = NULL;
	int i = 0, rv = -1;

	memset(r, 0, sizeof(*r));
	memset(&p, 0, sizeof(p));
	p.r = r;
	p.err = err;
	p.errlen = errlen;
	if (errlen > 0)
		err[0] = '\0';
	if (path != NULL)
		kai_lex_file(&p, path, -1, 0);
	else {
		p.textdir = basedir != NULL ? basedir : ".";
		if (kai_add_file(&p, name) == -1)
			kai_fail(&p, -1, 0, "out of memory");
		else {
			p.depth = 1;
			kai_lex_text(&p, text, 0, &p.lexwarn);
		}
	}
	if (!p.failed)
		top = kai_tree(&p, &i, -1);
	if (!p.failed)
		ka_translate(&p, top, control_socket, &out);
	if (!p.failed && (out.oom || p.lexwarn.oom))
		kai_fail(&p, -1, 0, "out of memory");
	if (!p.failed && r->ninstances == 0)
		kai_fail(&p, 0, 0, "no vrrp_instance could be translated%s",
		    r->nwarn > 0 ? " (see the warnings)" : "");
	if (!p.failed) {
		r->text = out.s;
		r->len = out.len;
		out.s = NULL;
		rv = 0;
	}
	kai_free_nodes(top);
	ka_parse_free(&p);
	free(out.s);
	if (rv == -1) {
		/* Keep the warnings: they often explain the failure. */
		free(r->text);
		r->text = NULL;
	}
	return rv;
}

int
kaimport_file(const char *path, const char *control_socket,
    struct kaimport_result *r, char *err, size_t errlen)
{
	return ka_run(path, NULL, NULL, NULL, control_socket, r, err, errlen);
}

int
kaimport_text(const char *text, const char *name, const char *basedir,
    const char *control_socket, struct kaimport_result *r, char *err,
    size_t errlen)
{
	return ka_run(NULL, text, name, basedir, control_socket, r, err,
	    errlen);
}

void
kaimport_free(struct kaimport_result *r)
{
	free(r->text);
	free(r->warn);
	memset(r, 0, sizeof(*r));
}
