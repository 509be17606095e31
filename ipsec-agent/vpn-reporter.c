/*
 * Copyright (c) 2026 The ovn-vpn authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License");
 * you may not use this file except in compliance with the License.
 * You may obtain a copy of the License at:
 *
 *     http://www.apache.org/licenses/LICENSE-2.0
 *
 * Unless required by applicable law or agreed to in writing, software
 * distributed under the License is distributed on an "AS IS" BASIS,
 * WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
 * See the License for the specific language governing permissions and
 * limitations under the License.
 */

/* The agent's side of the report channel (see vpn-reporter.h). */

#include <config.h>

#include "vpn-reporter.h"

#include <limits.h>
#include <string.h>

#include "lib/ovn-vpn-sb-idl.h"
#include "lib/ovn-vpn-status-idl.h"
#include "openvswitch/poll-loop.h"
#include "openvswitch/vlog.h"
#include "ovsdb-idl.h"
#include "smap.h"
#include "timeval.h"
#include "util.h"
#include "uuid.h"
#include "vpn-report.h"

VLOG_DEFINE_THIS_MODULE(vpn_reporter);

/* What was last written for a report key, and when. */
struct reporter_value {
    char *value;
    long long int written;      /* time_msec() of the write. */
};

static const struct sbrec_chassis_private *find_chassis_private(
    const struct ovsdb_idl *, const char *name);
static const struct vpnstatusrec_chassis_report *find_chassis_report(
    const struct ovsdb_idl *, const char *name);
static void forget_reports(struct vpn_reporter *);

void
vpn_reporter_init(struct vpn_reporter *r)
{
    memset(r, 0, sizeof *r);
    shash_init(&r->reports);
    sset_init(&r->monitored_gateways);
}

void
vpn_reporter_destroy(struct vpn_reporter *r)
{
    if (r) {
        forget_reports(r);
        shash_destroy(&r->reports);
        sset_destroy(&r->monitored_gateways);
        free(r->chassis);
    }
}

static void
forget_reports(struct vpn_reporter *r)
{
    struct shash_node *node;
    SHASH_FOR_EACH_SAFE (node, &r->reports) {
        struct reporter_value *v = node->data;
        free(v->value);
        free(v);
        shash_delete(&r->reports, node);
    }
}

/* Adds to 'sb' and 'status' what a chassis reads: the SB's VPN tables and
 * the Chassis_Private rows' names and external_ids, the status database's
 * Chassis_Report rows but for the heartbeat (vpn-beat writes it over a
 * connection of its own, and its changes need not wake up the caller). */
void
vpn_reporter_add_columns(struct ovsdb_idl *sb, struct ovsdb_idl *status)
{
    static const struct ovsdb_idl_table_class *sb_tables[] = {
        &sbrec_table_vpn_gateway, &sbrec_table_vpn_tunnel,
    };
    for (size_t i = 0; i < ARRAY_SIZE(sb_tables); i++) {
        for (size_t j = 0; j < sb_tables[i]->n_columns; j++) {
            ovsdb_idl_add_column(sb, &sb_tables[i]->columns[j]);
        }
    }
    ovsdb_idl_add_column(sb, &sbrec_chassis_private_col_name);
    ovsdb_idl_add_column(sb, &sbrec_chassis_private_col_external_ids);

    ovsdb_idl_add_column(status, &vpnstatusrec_chassis_report_col_chassis);
    ovsdb_idl_add_column(status, &vpnstatusrec_chassis_report_col_report);
}

/* Sets this chassis's name and monitors, in the SB's Chassis_Private and
 * VPN_Gateway and the status database's Chassis_Report, only this
 * chassis's rows (its gateways: those it runs or is the standby of), as
 * ovn-controller does with ovn-monitor-all=false: every other chassis's
 * reports and gateways would otherwise reach every agent.  Its VPN_Tunnel
 * rows follow (vpn_reporter_update_tunnel_condition()). */
void
vpn_reporter_set_chassis(struct vpn_reporter *r, const char *chassis,
                         struct ovsdb_idl *sb, struct ovsdb_idl *status)
{
    if (nullable_string_is_equal(chassis, r->chassis)) {
        return;
    }
    free(r->chassis);
    r->chassis = nullable_xstrdup(chassis);
    r->tunnel_cond_set = false;
    if (!chassis) {
        return;
    }

    struct ovsdb_idl_condition cond = OVSDB_IDL_CONDITION_INIT(&cond);
    sbrec_chassis_private_add_clause_name(&cond, OVSDB_F_EQ, r->chassis);
    sbrec_chassis_private_set_condition(sb, &cond);
    ovsdb_idl_condition_destroy(&cond);

    /* The gateways it runs, and those it is the standby of (whose tunnels
     * it does not get). */
    ovsdb_idl_condition_init(&cond);
    sbrec_vpn_gateway_add_clause_chassis(&cond, OVSDB_F_EQ, r->chassis);
    sbrec_vpn_gateway_add_clause_standby(&cond, OVSDB_F_EQ, r->chassis);
    r->sb_cond_seqno = sbrec_vpn_gateway_set_condition(sb, &cond);
    ovsdb_idl_condition_destroy(&cond);

    /* No tunnel until this chassis's gateways are known: at the first
     * connection, the server would otherwise send every tunnel (and its
     * key) to every chassis. */
    ovsdb_idl_condition_init(&cond);
    sbrec_vpn_tunnel_set_condition(sb, &cond);
    ovsdb_idl_condition_destroy(&cond);
    sset_clear(&r->monitored_gateways);

    ovsdb_idl_condition_init(&cond);
    vpnstatusrec_chassis_report_add_clause_chassis(&cond, OVSDB_F_EQ,
                                                   r->chassis);
    vpnstatusrec_chassis_report_set_condition(status, &cond);
    ovsdb_idl_condition_destroy(&cond);
}

/* Monitors the VPN_Tunnel rows of this chassis's gateways only. */
void
vpn_reporter_update_tunnel_condition(struct vpn_reporter *r,
                                     struct ovsdb_idl *sb)
{
    struct sset gateways = SSET_INITIALIZER(&gateways);
    const struct sbrec_vpn_gateway *gw;
    SBREC_VPN_GATEWAY_FOR_EACH (gw, sb) {
        if (gw->chassis && !strcmp(gw->chassis, r->chassis)) {
            char *uuid = xasprintf(UUID_FMT, UUID_ARGS(&gw->header_.uuid));
            sset_add(&gateways, uuid);
            free(uuid);
        }
    }
    if (r->tunnel_cond_set
        && sset_equals(&gateways, &r->monitored_gateways)) {
        sset_destroy(&gateways);
        return;
    }

    /* No clause (no gateway here): no tunnel. */
    struct ovsdb_idl_condition cond = OVSDB_IDL_CONDITION_INIT(&cond);
    SBREC_VPN_GATEWAY_FOR_EACH (gw, sb) {
        if (gw->chassis && !strcmp(gw->chassis, r->chassis)) {
            sbrec_vpn_tunnel_add_clause_gateway(&cond, OVSDB_F_EQ,
                                                &gw->header_.uuid);
        }
    }
    r->sb_cond_seqno = sbrec_vpn_tunnel_set_condition(sb, &cond);
    ovsdb_idl_condition_destroy(&cond);
    r->tunnel_cond_set = true;
    sset_swap(&gateways, &r->monitored_gateways);
    sset_destroy(&gateways);
}

/* Returns true if the SB server has applied every monitoring condition
 * that was set: only then is the view of this chassis's gateways and
 * tunnels complete (a gateway may show without its tunnels before), as
 * ovn-controller waits for its condition seqno. */
bool
vpn_reporter_sb_complete(const struct vpn_reporter *r,
                         const struct ovsdb_idl *sb)
{
    return (r->chassis && ovsdb_idl_has_ever_connected(sb)
            && ovsdb_idl_get_condition_seqno(sb) == r->sb_cond_seqno);
}

/* Finds the row that this chassis's reports go to, in 'row', and returns
 * true if the caller may write it now (its database's transaction is
 * open).
 *
 * Once the SB's servers have served the status database, the reports go
 * there for as long as the agent runs, and this chassis's ovn-vpn-* keys
 * are removed from its Chassis_Private row (a deployment that was given
 * the status database while agents ran moves over without a gap: the
 * translator prefers the Chassis_Report row as soon as there is one).
 * This chassis's Chassis_Report row is created here if missing. */
bool
vpn_reporter_find_row(struct vpn_reporter *r, const struct ovsdb_idl *sb,
                      struct ovsdb_idl_txn *sb_txn,
                      const struct ovsdb_idl *status,
                      struct ovsdb_idl_txn *status_txn,
                      struct vpn_report_row *row)
{
    row->cr = NULL;
    row->cp = NULL;
    row->legacy = NULL;
    long long int now = time_msec();
    if (!r->to_status_db
        && ovsdb_idl_has_ever_connected(CONST_CAST(struct ovsdb_idl *,
                                                   status))) {
        r->to_status_db = true;
        r->migrate_until = now + VPN_REPORT_MIGRATE_MSEC;
        r->chassis_seqno = 0;
        r->next_counter_report = 0; /* Every tunnel's report again. */
        forget_reports(r);
        VLOG_INFO("reporting to the status database (OVN_VPN_Status)");
    }
    if (!r->to_status_db) {
        /* The status database and the SB are on the same servers: give it
         * time to answer before reporting where stock ovn-northd pays for
         * every write. */
        if (!r->legacy_after) {
            r->legacy_after = now + VPN_REPORT_STATUS_WAIT_MSEC;
        }
        if (now < r->legacy_after) {
            poll_timer_wait_until(r->legacy_after);
            return false;
        }
        row->cp = find_chassis_private(sb, r->chassis);
        /* ovn-controller creates it; wait. */
        return row->cp && sb_txn;
    }

    /* What an earlier agent (or this one, before the status database
     * came) wrote into Chassis_Private goes, but for the heartbeat, which
     * beats on for VPN_REPORT_MIGRATE_MSEC after the move. */
    const struct sbrec_chassis_private *cp
        = find_chassis_private(sb, r->chassis);
    if (cp && sb_txn && now < r->migrate_until
        && smap_get(&cp->external_ids, VPN_REPORT_HEARTBEAT)) {
        row->legacy = cp;
    } else if (cp && sb_txn) {
        const struct smap_node *node;
        SMAP_FOR_EACH (node, &cp->external_ids) {
            if (!strncmp(node->key, VPN_REPORT_PREFIX,
                         strlen(VPN_REPORT_PREFIX))) {
                sbrec_chassis_private_update_external_ids_delkey(cp,
                                                                 node->key);
            }
        }
    }

    if (!status_txn) {
        return false;
    }
    row->cr = find_chassis_report(status, r->chassis);
    if (!row->cr) {
        /* vpn-beat creates it with the first heartbeat; the reports
         * follow once the server has it. */
        return false;
    }
    return true;
}

/* Returns true if the tunnel keys in 'have' are exactly those that
 * vpn_reporter_write() last wrote, with the values it wrote.  Cheaper than
 * formatting every tunnel's report again: a lookup per key. */
static bool
tunnel_reports_intact(const struct vpn_reporter *r, const struct smap *have)
{
    size_t n_keys = 0;
    const struct smap_node *node;
    SMAP_FOR_EACH (node, have) {
        if (vpn_report_key_tunnel(node->key)) {
            const struct reporter_value *v = shash_find_data(&r->reports,
                                                             node->key);
            if (!v || strcmp(v->value, node->value)) {
                return false;
            }
            n_keys++;
        }
    }

    size_t n_reports = 0;
    const struct shash_node *rnode;
    SHASH_FOR_EACH (rnode, &r->reports) {
        n_reports += vpn_report_key_tunnel(rnode->name) != NULL;
    }
    return n_keys == n_reports;
}

/* Returns true if two tunnel reports differ in more than their
 * counters. */
static bool
report_differs_beyond_counters(const char *a, const char *b)
{
    struct vpn_tunnel_report ra, rb;
    if (!vpn_report_tunnel_parse(a, &ra)) {
        return true;
    }
    if (!vpn_report_tunnel_parse(b, &rb)) {
        vpn_report_tunnel_destroy(&ra);
        return true;
    }
    bool differs = (ra.generation != rb.generation
                    || strcmp(ra.connection, rb.connection)
                    || ra.changed != rb.changed
                    || strcmp(ra.reason, rb.reason));
    vpn_report_tunnel_destroy(&ra);
    vpn_report_tunnel_destroy(&rb);
    return differs;
}

/* Returns true if the tunnels' reports must be built again: something
 * they depend on changed (the SB's VPN rows, a deferred counter, or this
 * chassis's keys in 'row', which the caller's own sources of change, such
 * as its plutos, add to).  A Chassis_Private row changes with every
 * heartbeat, which only makes this check that the keys hold what was last
 * written. */
bool
vpn_reporter_tunnels_due(struct vpn_reporter *r, const struct ovsdb_idl *sb,
                         const struct ovsdb_idl *status,
                         const struct vpn_report_row *row)
{
    const struct smap *have = (row->cr ? &row->cr->report
                               : &row->cp->external_ids);
    r->pending_seqno
        = (ovsdb_idl_table_get_seqno(sb, &sbrec_table_vpn_gateway)
           + ovsdb_idl_table_get_seqno(sb, &sbrec_table_vpn_tunnel));
    unsigned int chassis_seqno
        = (row->cr
           ? ovsdb_idl_table_get_seqno(status,
                                       &vpnstatusrec_table_chassis_report)
           : ovsdb_idl_table_get_seqno(sb, &sbrec_table_chassis_private));
    bool due = (r->pending_seqno != r->reports_seqno
                || time_msec() >= r->next_counter_report
                || (chassis_seqno != r->chassis_seqno
                    && !tunnel_reports_intact(r, have)));
    r->chassis_seqno = chassis_seqno;
    return due;
}

/* Writes into 'row' (found by vpn_reporter_find_row()), with per-key
 * mutations in its database's open transaction, every report of 'want'
 * that changed: state changes at once, counters at most every
 * VPN_REPORTER_COUNTER_MSEC.  'want' holds every gateway's report, the
 * capabilities and, if 'tunnels' (see vpn_reporter_tunnels_due()), every
 * tunnel's; keys of gateways and (if 'tunnels') tunnels that it lacks are
 * removed.  In Chassis_Private, it also beats the heartbeat every
 * VPN_REPORT_HEARTBEAT_MSEC. */
void
vpn_reporter_write(struct vpn_reporter *r, const struct vpn_report_row *row,
                   const struct smap *want, bool tunnels)
{
    const struct smap *have = (row->cr ? &row->cr->report
                               : &row->cp->external_ids);
    long long int now = time_msec();
    if (tunnels) {
        r->reports_seqno = r->pending_seqno;
        r->next_counter_report = LLONG_MAX;
    }

    const struct smap_node *node;
    SMAP_FOR_EACH (node, want) {
        const char *value = smap_get(have, node->key);
        if (value && !strcmp(value, node->value)) {
            continue;
        }
        if (value && !strncmp(node->key, VPN_REPORT_TUNNEL_PREFIX,
                              strlen(VPN_REPORT_TUNNEL_PREFIX))
            && !report_differs_beyond_counters(value, node->value)) {
            /* Counters written together stay in step: one transaction
             * carries them all, every VPN_REPORTER_COUNTER_MSEC. */
            struct reporter_value *last = shash_find_data(&r->reports,
                                                          node->key);
            long long int due = (last ? last->written : 0)
                                + VPN_REPORTER_COUNTER_MSEC;
            if (last && now < due) {
                r->next_counter_report = MIN(r->next_counter_report, due);
                continue;
            }
        }
        if (row->cr) {
            vpnstatusrec_chassis_report_update_report_setkey(
                row->cr, node->key, node->value);
        } else {
            sbrec_chassis_private_update_external_ids_setkey(
                row->cp, node->key, node->value);
        }
        struct reporter_value *v = shash_find_data(&r->reports, node->key);
        if (!v) {
            v = xzalloc(sizeof *v);
            shash_add(&r->reports, node->key, v);
        }
        free(v->value);
        v->value = xstrdup(node->value);
        v->written = now;
    }

    /* Keys for gateways and tunnels that left this chassis. */
    SMAP_FOR_EACH (node, have) {
        if (((tunnels && vpn_report_key_tunnel(node->key))
             || !strncmp(node->key, VPN_REPORT_GATEWAY_PREFIX,
                         strlen(VPN_REPORT_GATEWAY_PREFIX)))
            && !smap_get(want, node->key)) {
            if (row->cr) {
                vpnstatusrec_chassis_report_update_report_delkey(row->cr,
                                                                 node->key);
            } else {
                sbrec_chassis_private_update_external_ids_delkey(row->cp,
                                                                 node->key);
            }
            struct reporter_value *v = shash_find_and_delete(&r->reports,
                                                             node->key);
            if (v) {
                free(v->value);
                free(v);
            }
        }
    }

    const struct sbrec_chassis_private *cp = row->cr ? row->legacy : row->cp;
    if (!cp) {
        r->next_heartbeat = 0;
    } else if (now >= r->next_heartbeat) {
        char *value = xasprintf("%"PRId64, ++r->legacy_heartbeat);
        sbrec_chassis_private_update_external_ids_setkey(
            cp, VPN_REPORT_HEARTBEAT, value);
        free(value);
        r->next_heartbeat = now + VPN_REPORT_HEARTBEAT_MSEC;
    }
}

/* Makes the next vpn_reporter_tunnels_due() say yes. */
void
vpn_reporter_force(struct vpn_reporter *r)
{
    r->next_counter_report = 0;
}

void
vpn_reporter_wait(const struct vpn_reporter *r)
{
    if (r->next_heartbeat) {
        poll_timer_wait_until(r->next_heartbeat);
    }
    if (r->next_counter_report > 0 && r->next_counter_report != LLONG_MAX) {
        poll_timer_wait_until(r->next_counter_report);
    }
}

/* Where the reports go, for the agent's "status" command. */
const char *
vpn_reporter_destination(const struct vpn_reporter *r)
{
    return (r->to_status_db ? "OVN_VPN_Status Chassis_Report"
            : "OVN_Southbound Chassis_Private");
}

static const struct sbrec_chassis_private *
find_chassis_private(const struct ovsdb_idl *sb, const char *name)
{
    const struct sbrec_chassis_private *cp;
    SBREC_CHASSIS_PRIVATE_FOR_EACH (cp, sb) {
        if (!strcmp(cp->name, name)) {
            return cp;
        }
    }
    return NULL;
}

static const struct vpnstatusrec_chassis_report *
find_chassis_report(const struct ovsdb_idl *status, const char *name)
{
    const struct vpnstatusrec_chassis_report *cr;
    VPNSTATUSREC_CHASSIS_REPORT_FOR_EACH (cr, status) {
        if (!strcmp(cr->chassis, name)) {
            return cr;
        }
    }
    return NULL;
}
