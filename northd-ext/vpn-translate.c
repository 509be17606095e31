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

/* The translator from the northbound VPN tables to logical rows and
 * chassis work (see vpn-translate.h). */

#include <config.h>

#include "vpn-translate.h"

#include <string.h>

#include "hash.h"
#include "hmapx.h"
#include "lib/ovn-vpn-nb-idl.h"
#include "lib/ovn-vpn-sb-idl.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/hmap.h"
#include "openvswitch/poll-loop.h"
#include "openvswitch/util.h"
#include "openvswitch/vlog.h"
#include "ovsdb-idl.h"
#include "packets.h"
#include "smap.h"
#include "sset.h"
#include "timeval.h"
#include "util.h"
#include "uuid.h"
#include "vpn-chassis.h"
#include "vpn-nb.h"
#include "vpn-params.h"
#include "vpn-report.h"
#include "vpn-seal.h"
#include "vpn-validate.h"

#include "vpn-translate-private.h"

VLOG_DEFINE_THIS_MODULE(vpn_translate);

/* The IDL row structure of TYPE whose header is ROW. */
#define ROW_OF(ROW, TYPE) CONTAINER_OF(ROW, const struct TYPE, header_)

static void tr_refresh_seal_secret(struct vpn_translator *tr);
static void tr_refresh_index(struct vpn_translator *tr);
static void tr_collect_changes(struct vpn_translator *tr,
                               struct hmapx *routers);
static void tr_full_sync(struct vpn_translator *tr);

/* Registers, before the IDLs connect, the columns the translator reads,
 * with change tracking where a change must trigger work. */
void
vpn_translator_add_columns(struct ovsdb_idl *nb, struct ovsdb_idl *sb,
                           struct ovsdb_idl *status)
{
    static const struct ovsdb_idl_table_class *whole[] = {
        &nbrec_table_vpn_gateway, &nbrec_table_vpn_peer,
        &nbrec_table_vpn_tunnel,
    };
    for (size_t i = 0; i < ARRAY_SIZE(whole); i++) {
        for (size_t j = 0; j < whole[i]->n_columns; j++) {
            ovsdb_idl_add_column(nb, &whole[i]->columns[j]);
            ovsdb_idl_track_add_column(nb, &whole[i]->columns[j]);
        }
    }

    /* Only the stock columns the VPN rules depend on: a change to another
     * column (say, a port's "up") costs nothing. */
    static const struct ovsdb_idl_column *stock[] = {
        &nbrec_logical_router_col_name,
        &nbrec_logical_router_col_ports,
        &nbrec_logical_router_col_nat,
        &nbrec_logical_router_col_policies,
        &nbrec_logical_router_col_static_routes,
        &nbrec_logical_router_col_options,
        &nbrec_logical_router_port_col_name,
        &nbrec_logical_router_port_col_networks,
        &nbrec_logical_router_port_col_gateway_chassis,
        &nbrec_logical_router_port_col_ha_chassis_group,
        &nbrec_logical_router_port_col_options,
        &nbrec_gateway_chassis_col_name,
        &nbrec_ha_chassis_group_col_name,
        &nbrec_logical_switch_col_name,
        &nbrec_logical_switch_col_ports,
        &nbrec_logical_switch_port_col_name,
        &nbrec_logical_switch_port_col_type,
        &nbrec_logical_switch_port_col_addresses,
        &nbrec_logical_switch_port_col_dynamic_addresses,
        &nbrec_logical_switch_port_col_options,
        &nbrec_logical_switch_port_col_external_ids,
        &nbrec_nat_col_external_ip,
        &nbrec_nat_col_logical_ip,
        &nbrec_nat_col_type,
        &nbrec_nat_col_external_ids,
        &nbrec_address_set_col_name,
        &nbrec_address_set_col_addresses,
        &nbrec_address_set_col_external_ids,
        &nbrec_logical_router_policy_col_priority,
        &nbrec_logical_router_policy_col_match,
        &nbrec_logical_router_policy_col_action,
        &nbrec_logical_router_policy_col_nexthop,
        &nbrec_logical_router_policy_col_nexthops,
        &nbrec_logical_router_policy_col_external_ids,
        &nbrec_logical_router_static_route_col_ip_prefix,
        &nbrec_logical_router_static_route_col_nexthop,
        &nbrec_logical_router_static_route_col_external_ids,
    };
    for (size_t i = 0; i < ARRAY_SIZE(stock); i++) {
        ovsdb_idl_add_column(nb, stock[i]);
        ovsdb_idl_track_add_column(nb, stock[i]);
    }

    /* The southbound VPN tables are written by the translator alone. */
    static const struct ovsdb_idl_table_class *sb_whole[] = {
        &sbrec_table_vpn_gateway, &sbrec_table_vpn_tunnel,
    };
    for (size_t i = 0; i < ARRAY_SIZE(sb_whole); i++) {
        for (size_t j = 0; j < sb_whole[i]->n_columns; j++) {
            ovsdb_idl_add_column(sb, &sb_whole[i]->columns[j]);
        }
    }
    vpn_chassis_add_columns(sb, status);

    /* Read on each run, without tracking: one row. */
    ovsdb_idl_add_column(nb, &nbrec_vpn_global_col_seal_secret);
}

struct vpn_translator *
vpn_translator_create(struct ovsdb_idl *nb, struct ovsdb_idl *sb,
                      struct ovsdb_idl *status)
{
    struct vpn_translator *tr = xzalloc(sizeof *tr);
    tr->nb = nb;
    tr->sb = sb;
    tr->status = status;
    vpn_chassis_set_init(&tr->chassis);
    shash_init(&tr->deferred_counters);
    tr->next_counter_flush = LLONG_MAX;
    hmap_init(&tr->gateways);
    hmap_init(&tr->tunnels);
    vpn_nb_index_init(&tr->index);
    hmapx_init(&tr->kept);
    tr->recompute = true;
    tr->index_stale = true;
    tr->lsp_by_name = ovsdb_idl_index_create1(
        nb, &nbrec_logical_switch_port_col_name);
    shash_init(&tr->address_sets.rows);
    tr->address_sets.stale = true;
    shash_init(&tr->sb_tunnels.rows);
    tr->sb_tunnels.stale = true;
    tr->tun_by_name = ovsdb_idl_index_create1(nb, &nbrec_vpn_tunnel_col_name);
    tr->gw_by_name = ovsdb_idl_index_create1(nb, &nbrec_vpn_gateway_col_name);
    tr->sb_gw_by_name = ovsdb_idl_index_create1(sb,
                                                &sbrec_vpn_gateway_col_name);
    return tr;
}

void
vpn_translator_destroy(struct vpn_translator *tr)
{
    if (!tr) {
        return;
    }
    struct nd_gateway *gw;
    HMAP_FOR_EACH_SAFE (gw, node, &tr->gateways) {
        tr_free_gateway(tr, gw);
    }
    struct nd_tunnel *t;
    HMAP_FOR_EACH_SAFE (t, node, &tr->tunnels) {
        tr_free_tunnel(tr, t);
    }
    hmap_destroy(&tr->gateways);
    hmap_destroy(&tr->tunnels);
    vpn_chassis_set_destroy(&tr->chassis);
    shash_destroy(&tr->deferred_counters);
    shash_destroy(&tr->address_sets.rows);
    shash_destroy(&tr->sb_tunnels.rows);
    vpn_nb_index_destroy(&tr->index);
    hmapx_destroy(&tr->kept);
    free(tr->seal_secret);
    free(tr->new_seal_secret);
    free(tr);
}

void
vpn_translator_force_recompute(struct vpn_translator *tr)
{
    tr->recompute = true;
    vpn_chassis_reload(&tr->chassis);
}

void
vpn_translator_wait(const struct vpn_translator *tr)
{
    vpn_chassis_wait(&tr->chassis);
    if (tr->next_counter_flush != LLONG_MAX) {
        poll_timer_wait_until(tr->next_counter_flush);
    }
}

void
vpn_translator_get_status(const struct vpn_translator *tr, struct ds *s)
{
    ds_put_format(s, "gateways: %"PRIuSIZE"\n", hmap_count(&tr->gateways));
    ds_put_format(s, "tunnels: %"PRIuSIZE"\n", hmap_count(&tr->tunnels));
    ds_put_format(s, "full recomputes: %llu\n", tr->n_full);
    ds_put_format(s, "incremental runs: %llu\n", tr->n_incremental);
    ds_put_format(s, "VPCs synced incrementally: %llu\n",
                  tr->n_vpcs_synced);
    ds_put_format(s, "last run: %lld us\n", tr->last_run_usec);
    ds_put_format(s, "last full recompute: %lld us\n", tr->last_full_usec);
    ds_put_format(s, "last incremental run: %lld us\n",
                  tr->last_incremental_usec);
    struct sset alive = SSET_INITIALIZER(&alive);
    vpn_chassis_alive_names(&tr->chassis, &alive);
    const char **names = sset_sort(&alive);
    ds_put_cstr(s, "live agents:");
    for (size_t i = 0; i < sset_count(&alive); i++) {
        ds_put_format(s, " %s", names[i]);
    }
    ds_put_char(s, '\n');
    free(names);
    sset_destroy(&alive);

    /* Negative once passed: an instance that does not run (paused,
     * standby, cut off) does not move it. */
    long long int deadline = vpn_chassis_next_deadline(&tr->chassis);
    if (deadline == LLONG_MAX) {
        ds_put_cstr(s, "next agent deadline: none\n");
    } else {
        ds_put_format(s, "next agent deadline: %lld ms\n",
                      deadline - time_msec());
    }
}

/* Brings the northbound logical rows, the southbound VPN tables and the
 * status columns up to date with the databases' contents.  Called with
 * both transactions open and the translator holding the lock. */
void
vpn_translator_run(struct vpn_translator *tr, struct ovsdb_idl_txn *nb_txn,
                   struct ovsdb_idl_txn *sb_txn)
{
    long long int start = time_usec();

    tr->nb_txn = nb_txn;
    tr->sb_txn = sb_txn;
    tr->sealer = vpn_sealer_create();
    tr_refresh_name_maps(tr);
    tr_refresh_seal_secret(tr);
    vpn_chassis_run(&tr->chassis, tr->sb, tr->status, time_msec());
    long long int now = time_msec();
    if (now >= tr->next_counter_flush) {
        /* Deferred counters that are due: their tunnels' status again. */
        tr->next_counter_flush = LLONG_MAX;
        struct shash_node *node;
        SHASH_FOR_EACH_SAFE (node, &tr->deferred_counters) {
            long long int due = (intptr_t) node->data * 1000LL;
            if (due <= now) {
                sset_add(&tr->chassis.changed_tunnels, node->name);
                shash_delete(&tr->deferred_counters, node);
            } else {
                tr->next_counter_flush = MIN(tr->next_counter_flush, due);
            }
        }
    }

    struct hmapx routers = HMAPX_INITIALIZER(&routers);
    if (!tr->recompute) {
        tr_collect_changes(tr, &routers);
    }
    bool full = tr->recompute;
    bool synced_any = false;
    if (tr->recompute) {
        tr_full_sync(tr);
        tr->recompute = false;
        tr->n_full++;
        hmapx_clear(&routers);
        /* Every status was written by the full sync. */
    } else {
        if (!hmapx_is_empty(&routers)) {
            synced_any = true;
            tr_refresh_index(tr);
            struct hmapx_node *node;
            HMAPX_FOR_EACH (node, &routers) {
                tr_sync_router(tr, node->data);
                tr->n_vpcs_synced++;
            }
            tr->n_incremental++;
        }
        tr_update_reported_status(tr, &routers);
    }
    hmapx_destroy(&routers);

    vpn_chassis_clear_changes(&tr->chassis);
    ovsdb_idl_track_clear(tr->nb);
    ovsdb_idl_track_clear(tr->sb);
    ovsdb_idl_track_clear(tr->status);
    tr->nb_txn = tr->sb_txn = NULL;
    vpn_sealer_destroy(tr->sealer);
    tr->sealer = NULL;
    tr->last_run_usec = time_usec() - start;
    if (full) {
        tr->last_full_usec = tr->last_run_usec;
    } else if (synced_any) {
        tr->last_incremental_usec = tr->last_run_usec;
    }
}

/* Returns what "ovn-vpnctl --wait=hv" waits for: the smallest SB nb_cfg
 * that the live agents of the chassis that host a gateway have applied,
 * or 'sb_cfg' if there is none (and never more than 'sb_cfg'). */
int64_t
vpn_translator_hv_cfg(const struct vpn_translator *tr, int64_t sb_cfg)
{
    int64_t hv_cfg = sb_cfg;
    const struct sbrec_vpn_gateway *gw;
    SBREC_VPN_GATEWAY_FOR_EACH (gw, tr->sb) {
        if (gw->chassis && vpn_chassis_is_alive(&tr->chassis, gw->chassis)) {
            hv_cfg = MIN(hv_cfg, vpn_chassis_nb_cfg(&tr->chassis,
                                                    gw->chassis));
        }
    }
    return hv_cfg;
}

/* Takes in NB VPN_Global's seal_secret, or makes one if the NB has none
 * (creating the row if need be).  A new secret invalidates every
 * commitment: everything is synced again, and every key sealed anew. */
static void
tr_refresh_seal_secret(struct vpn_translator *tr)
{
    const struct nbrec_vpn_global *g = nbrec_vpn_global_first(tr->nb);
    const char *secret = (g && vpn_seal_secret_is_valid(g->seal_secret)
                          ? g->seal_secret : NULL);
    if (!secret) {
        if (!tr->new_seal_secret) {
            tr->new_seal_secret = vpn_seal_secret_generate();
        }
        if (!g) {
            g = nbrec_vpn_global_insert(tr->nb_txn);
        }
        nbrec_vpn_global_set_seal_secret(g, tr->new_seal_secret);
        secret = tr->new_seal_secret;
    }
    if (!tr->seal_secret || strcmp(tr->seal_secret, secret)) {
        if (tr->seal_secret) {
            VLOG_INFO("the northbound seal_secret changed: sealing every "
                      "pre-shared key anew");
        }
        free(tr->seal_secret);
        tr->seal_secret = xstrdup(secret);
        tr->recompute = true;
    }
}

/* The index of tunnels by VPC, gateway and peer holds IDL row pointers,
 * which stay valid while rows only change: it is rebuilt only when a
 * tunnel or gateway came, went, or moved to another gateway, peer or
 * router. */
static void
tr_refresh_index(struct vpn_translator *tr)
{
    if (tr->index_stale) {
        vpn_nb_index_build(&tr->index, tr->nb);
        tr->index_stale = false;
    }
}

bool
tr_has_owner_key(const struct smap *external_ids)
{
    return (smap_get(external_ids, VPN_NB_OWNER_GATEWAY)
            || smap_get(external_ids, VPN_NB_OWNER_TUNNEL));
}

/* Returns true if 'row' changed in a column other than the 'outputs'
 * (the translator's own, NULL if fewer than two). */
static bool
tr_changed_beyond_status(const struct ovsdb_idl_row *row,
                         const struct ovsdb_idl_table_class *tc,
                         const struct ovsdb_idl_column *const outputs[2])
{
    if (ovsdb_idl_row_get_seqno(row, OVSDB_IDL_CHANGE_INSERT) > 0
        || ovsdb_idl_row_get_seqno(row, OVSDB_IDL_CHANGE_DELETE) > 0) {
        return true;
    }
    for (size_t i = 0; i < tc->n_columns; i++) {
        if (&tc->columns[i] != outputs[0] && &tc->columns[i] != outputs[1]
            && ovsdb_idl_track_is_updated(row, &tc->columns[i])) {
            return true;
        }
    }
    return false;
}

static void
tr_add_router(struct vpn_translator *tr, struct hmapx *routers,
              const struct uuid *uuid)
{
    const struct nbrec_logical_router *lr = tr_find_router(tr, uuid);
    if (lr) {
        hmapx_add(routers, CONST_CAST(struct nbrec_logical_router *, lr));
    }
}

/* The stock NB tables that the VPN rules read, and which of their changes
 * make the translator recompute everything: the input tracking of the
 * stock side, as a table.  A tracked row counts if it was inserted or
 * deleted or if one of 'columns' changed ('columns' empty: any tracked
 * column), unless 'external_ids' says it is the translator's own row.
 * (What a change to a VPN table invalidates is a VPC: see struct
 * vpn_input.) */
struct stock_input {
    const struct ovsdb_idl_table_class *table;
    const struct ovsdb_idl_column *columns[3];
    const struct smap *(*external_ids)(const struct ovsdb_idl_row *);
};

static const struct smap *
route_external_ids(const struct ovsdb_idl_row *row)
{
    return &ROW_OF(row, nbrec_logical_router_static_route)->external_ids;
}

static const struct smap *
lsp_external_ids(const struct ovsdb_idl_row *row)
{
    return &ROW_OF(row, nbrec_logical_switch_port)->external_ids;
}

static const struct smap *
nat_external_ids(const struct ovsdb_idl_row *row)
{
    return &ROW_OF(row, nbrec_nat)->external_ids;
}

static const struct smap *
policy_external_ids(const struct ovsdb_idl_row *row)
{
    return &ROW_OF(row, nbrec_logical_router_policy)->external_ids;
}

static const struct stock_input stock_inputs[] = {
    { &nbrec_table_logical_router,
      { &nbrec_logical_router_col_name, &nbrec_logical_router_col_ports,
        &nbrec_logical_router_col_options }, NULL },
    { &nbrec_table_logical_switch,
      { &nbrec_logical_switch_col_name, NULL, NULL }, NULL },
    { &nbrec_table_logical_router_port, { NULL, NULL, NULL }, NULL },
    { &nbrec_table_gateway_chassis, { NULL, NULL, NULL }, NULL },
    { &nbrec_table_ha_chassis_group, { NULL, NULL, NULL }, NULL },
    { &nbrec_table_logical_router_static_route, { NULL, NULL, NULL },
      route_external_ids },
    { &nbrec_table_logical_switch_port, { NULL, NULL, NULL },
      lsp_external_ids },
    { &nbrec_table_nat, { NULL, NULL, NULL }, nat_external_ids },
    { &nbrec_table_logical_router_policy, { NULL, NULL, NULL },
      policy_external_ids },
};

/* Returns true if a tracked change to 'in''s table counts (see struct
 * stock_input). */
static bool
stock_input_changed(const struct ovsdb_idl *idl, const struct stock_input *in)
{
    const struct ovsdb_idl_row *row;
    for (row = ovsdb_idl_track_get_first(idl, in->table); row;
         row = ovsdb_idl_track_get_next(row)) {
        if (in->external_ids && tr_has_owner_key(in->external_ids(row))) {
            continue;
        }
        bool counts = (!in->columns[0]
                       || ovsdb_idl_row_get_seqno(row,
                                                  OVSDB_IDL_CHANGE_INSERT)
                       || ovsdb_idl_row_get_seqno(row,
                                                  OVSDB_IDL_CHANGE_DELETE));
        for (size_t i = 0; !counts && i < ARRAY_SIZE(in->columns)
                           && in->columns[i]; i++) {
            counts = ovsdb_idl_track_is_updated(row, in->columns[i]);
        }
        if (counts) {
            return true;
        }
    }
    return false;
}

/* Writes peer 'peer''s status: running, or its error. */
static void
tr_sync_peer_status(const struct nbrec_vpn_peer *peer)
{
    struct smap status = SMAP_INITIALIZER(&status);
    char *error = vpn_nb_check_peer(peer);
    smap_add(&status, "state", error ? "error" : "running");
    if (error) {
        smap_add(&status, "reason", error);
        free(error);
    }
    if (!smap_equal(&status, &peer->status)) {
        nbrec_vpn_peer_set_status(peer, &status);
    }
    smap_destroy(&status);
}

/* Creation times.  Each gateway, peer and tunnel has an optional
 * "created_at" (milliseconds since the epoch) that orders it for the
 * "first come" rules.  ovn-vpnctl sets it; for a row that another OVSDB
 * client made without one, the translator does, so that every client's
 * rows show it and are ordered alike:
 *
 *   - a row new in an incremental run gets the current time, before its
 *     VPC is synced, so it comes after every older row at once;
 *
 *   - in a full sync (a start, an upgrade), rows without one keep the
 *     place they had (before every row with one, by UUID): they get the
 *     earliest time of their table less 1 ms, or the current time if no
 *     row of the table has one. */
static const struct ovsdb_idl_column *
tr_created_at_column(const struct ovsdb_idl_row *row)
{
    return shash_find_data(&row->table->columns, "created_at");
}

static void
tr_stamp_creation(const struct ovsdb_idl_row *row, int64_t when)
{
    const struct ovsdb_idl_column *column = tr_created_at_column(row);
    if (!ovsdb_idl_read(row, column)->n) {
        struct ovsdb_datum datum = { .refcnt = NULL, .values = NULL,
                                     .n = 1 };
        datum.keys = xmalloc(sizeof *datum.keys);
        datum.keys[0].integer = MAX(when, 0);
        ovsdb_idl_txn_write(row, column, &datum);
    }
}

static const struct ovsdb_idl_table_class *const stamped_tables[] = {
    &nbrec_table_vpn_gateway, &nbrec_table_vpn_peer, &nbrec_table_vpn_tunnel,
};

static void
tr_stamp_all(struct vpn_translator *tr)
{
    for (size_t i = 0; i < ARRAY_SIZE(stamped_tables); i++) {
        const struct ovsdb_idl_row *row;
        int64_t earliest = INT64_MAX;
        bool any_absent = false;
        for (row = ovsdb_idl_first_row(tr->nb, stamped_tables[i]); row;
             row = ovsdb_idl_next_row(row)) {
            const struct ovsdb_datum *d
                = ovsdb_idl_read(row, tr_created_at_column(row));
            if (d->n) {
                earliest = MIN(earliest, d->keys[0].integer);
            } else {
                any_absent = true;
            }
        }
        if (!any_absent) {
            continue;
        }
        int64_t when = earliest == INT64_MAX ? time_wall_msec() : earliest - 1;
        for (row = ovsdb_idl_first_row(tr->nb, stamped_tables[i]); row;
             row = ovsdb_idl_next_row(row)) {
            tr_stamp_creation(row, when);
        }
    }
}

/* The VPN tables: the input tracking of the translator's own side, as a
 * table.  A tracked row of 'table' counts if it was inserted or deleted or
 * if any column but its 'outputs' (the translator's own: status, and a
 * tunnel's connection log) changed.  What
 * a change invalidates is one or more VPCs:
 *
 *   - 'forget' (for a deleted row) adds the VPC that the translator last
 *     synced the row in, takes its output rows out of the databases and
 *     forgets it;
 *
 *   - 'affects' (for an inserted or changed row) adds the VPCs that the
 *     row belongs to now and, if it moved, the one it left;
 *
 *   - 'inserted' (for an inserted row) does what a new row needs at once,
 *     even if it affects no VPC.
 *
 * Inserting or deleting a row of a table that is 'indexed', or changing
 * one of its 'index_columns', makes the name index of gateways and
 * tunnels stale. */
struct vpn_input {
    const struct ovsdb_idl_table_class *table;
    const struct ovsdb_idl_column *outputs[2];
    bool indexed;
    const struct ovsdb_idl_column *index_columns[2];
    void (*forget)(struct vpn_translator *, const struct uuid *,
                   struct hmapx *routers);
    void (*affects)(struct vpn_translator *, const struct ovsdb_idl_row *,
                    struct hmapx *routers);
    void (*inserted)(struct vpn_translator *, const struct ovsdb_idl_row *);
};

static void
gateway_forget(struct vpn_translator *tr, const struct uuid *uuid,
               struct hmapx *routers)
{
    struct nd_gateway *g = tr_find_gateway(tr, uuid);
    if (g) {
        tr_add_router(tr, routers, &g->router);
        tr_delete_gateway_rows(tr, g);
        tr_free_gateway(tr, g);
    }
}

static void
gateway_affects(struct vpn_translator *tr, const struct ovsdb_idl_row *row,
                struct hmapx *routers)
{
    const struct nbrec_vpn_gateway *gw = ROW_OF(row, nbrec_vpn_gateway);
    struct nd_gateway *g = tr_find_gateway(tr, &row->uuid);
    if (g && !uuid_equals(&g->router, &gw->router->header_.uuid)) {
        tr_add_router(tr, routers, &g->router);
    }
    hmapx_add(routers, CONST_CAST(struct nbrec_logical_router *,
                                  gw->router));
}

/* A peer belongs to the VPCs of its tunnels; it has no output rows. */
static void
peer_affects(struct vpn_translator *tr, const struct ovsdb_idl_row *row,
             struct hmapx *routers)
{
    const struct nbrec_vpn_tunnel *t;
    NBREC_VPN_TUNNEL_FOR_EACH (t, tr->nb) {
        if (&t->peer->header_ == row) {
            hmapx_add(routers, CONST_CAST(struct nbrec_logical_router *,
                                          t->gateway->router));
        }
    }
}

/* A new peer gets its status even without tunnels. */
static void
peer_inserted(struct vpn_translator *tr OVS_UNUSED,
              const struct ovsdb_idl_row *row)
{
    tr_sync_peer_status(ROW_OF(row, nbrec_vpn_peer));
}

static void
tunnel_forget(struct vpn_translator *tr, const struct uuid *uuid,
              struct hmapx *routers)
{
    struct nd_tunnel *nt = tr_find_tunnel(tr, uuid);
    if (nt) {
        tr_add_router(tr, routers, &nt->router);
        tr_delete_tunnel_rows(tr, nt);
        tr_free_tunnel(tr, nt);
    }
}

static void
tunnel_affects(struct vpn_translator *tr, const struct ovsdb_idl_row *row,
               struct hmapx *routers)
{
    const struct nbrec_vpn_tunnel *t = ROW_OF(row, nbrec_vpn_tunnel);
    struct nd_tunnel *nt = tr_find_tunnel(tr, &row->uuid);
    if (nt && !uuid_equals(&nt->router, &t->gateway->router->header_.uuid)) {
        tr_add_router(tr, routers, &nt->router);
    }
    hmapx_add(routers, CONST_CAST(struct nbrec_logical_router *,
                                  t->gateway->router));
}

static const struct vpn_input vpn_inputs[] = {
    { &nbrec_table_vpn_gateway, { &nbrec_vpn_gateway_col_status, NULL },
      true,
      { &nbrec_vpn_gateway_col_router, NULL },
      gateway_forget, gateway_affects, NULL },
    { &nbrec_table_vpn_peer, { &nbrec_vpn_peer_col_status, NULL }, false,
      { NULL, NULL },
      NULL, peer_affects, peer_inserted },
    { &nbrec_table_vpn_tunnel,
      { &nbrec_vpn_tunnel_col_status, &nbrec_vpn_tunnel_col_connection_log },
      true,
      { &nbrec_vpn_tunnel_col_gateway, &nbrec_vpn_tunnel_col_peer },
      tunnel_forget, tunnel_affects, NULL },
};

/* Adds to 'routers' the VPCs that the tracked changes to 'in''s table
 * invalidate (see struct vpn_input). */
static void
vpn_input_collect(struct vpn_translator *tr, const struct vpn_input *in,
                  struct hmapx *routers)
{
    const struct ovsdb_idl_row *row;
    for (row = ovsdb_idl_track_get_first(tr->nb, in->table); row;
         row = ovsdb_idl_track_get_next(row)) {
        bool deleted = ovsdb_idl_row_get_seqno(row,
                                               OVSDB_IDL_CHANGE_DELETE) > 0;
        bool inserted = ovsdb_idl_row_get_seqno(row,
                                                OVSDB_IDL_CHANGE_INSERT) > 0;
        if (in->indexed) {
            bool moved = false;
            for (size_t i = 0; i < ARRAY_SIZE(in->index_columns); i++) {
                moved = moved || (in->index_columns[i]
                                  && ovsdb_idl_track_is_updated(
                                      row, in->index_columns[i]));
            }
            if (inserted || deleted || moved) {
                tr->index_stale = true;
            }
        }
        if (deleted) {
            if (in->forget) {
                in->forget(tr, &row->uuid, routers);
            }
            continue;
        }
        if (!tr_changed_beyond_status(row, in->table, in->outputs)) {
            continue;
        }
        if (inserted) {
            tr_stamp_creation(row, time_wall_msec());
        }
        in->affects(tr, row, routers);
        if (inserted && in->inserted) {
            in->inserted(tr, row);
        }
    }
}

/* Adds to 'routers' the VPCs that the changes since the previous run
 * affect, and deletes the rows of deleted gateways and tunnels; or sets
 * 'tr->recompute' when a change to the stock tables may affect any VPC. */
static void
tr_collect_changes(struct vpn_translator *tr, struct hmapx *routers)
{
    /* A change by someone else to a stock row that the VPN rules read:
     * recompute everything (see 'stock_inputs'). */
    for (size_t i = 0; i < ARRAY_SIZE(stock_inputs) && !tr->recompute; i++) {
        tr->recompute = stock_input_changed(tr->nb, &stock_inputs[i]);
    }
    if (tr->recompute) {
        return;
    }

    /* Liveness or capabilities of an agent changed: placement of the
     * gateways that may run there. */
    if (!sset_is_empty(&tr->chassis.changed_chassis)) {
        const struct nbrec_vpn_gateway *gw;
        NBREC_VPN_GATEWAY_FOR_EACH (gw, tr->nb) {
            struct nd_gateway *g = tr_find_gateway(tr, &gw->header_.uuid);
            bool affected = !gw->n_chassis
                            || (g && g->chassis
                                && sset_contains(
                                    &tr->chassis.changed_chassis,
                                    g->chassis));
            for (size_t i = 0; !affected && i < gw->n_chassis; i++) {
                affected = sset_contains(&tr->chassis.changed_chassis,
                                         gw->key_chassis[i]);
            }
            if (affected) {
                hmapx_add(routers, CONST_CAST(struct nbrec_logical_router *,
                                              gw->router));
            }
        }
    }

    for (size_t i = 0; i < ARRAY_SIZE(vpn_inputs); i++) {
        vpn_input_collect(tr, &vpn_inputs[i], routers);
    }
}

/* Full sync: every VPC, then sweep every owned row that no VPN row wants
 * any more. */
static void
tr_full_sync(struct vpn_translator *tr)
{
    tr->full = true;
    hmapx_clear(&tr->kept);
    tr_stamp_all(tr);
    tr->index_stale = true;
    tr_refresh_index(tr);

    /* Forget what no longer exists. */
    struct nd_gateway *g;
    HMAP_FOR_EACH_SAFE (g, node, &tr->gateways) {
        if (!nbrec_vpn_gateway_get_for_uuid(tr->nb, &g->uuid)) {
            tr_free_gateway(tr, g);
        }
    }
    struct nd_tunnel *nt;
    HMAP_FOR_EACH_SAFE (nt, node, &tr->tunnels) {
        if (!nbrec_vpn_tunnel_get_for_uuid(tr->nb, &nt->uuid)) {
            tr_free_tunnel(tr, nt);
        }
    }

    struct hmapx routers = HMAPX_INITIALIZER(&routers);
    const struct nbrec_vpn_gateway *gw;
    NBREC_VPN_GATEWAY_FOR_EACH (gw, tr->nb) {
        hmapx_add(&routers, CONST_CAST(struct nbrec_logical_router *,
                                       gw->router));
    }
    struct hmapx_node *node;
    HMAPX_FOR_EACH (node, &routers) {
        tr_sync_router(tr, node->data);
    }
    hmapx_destroy(&routers);

    /* Peers' status. */
    const struct nbrec_vpn_peer *peer;
    NBREC_VPN_PEER_FOR_EACH (peer, tr->nb) {
        tr_sync_peer_status(peer);
    }

    /* Sweep. */
    const struct nbrec_logical_switch *ls;
    NBREC_LOGICAL_SWITCH_FOR_EACH (ls, tr->nb) {
        for (size_t i = 0; i < ls->n_ports; i++) {
            const struct nbrec_logical_switch_port *lsp = ls->ports[i];
            if (smap_get(&lsp->external_ids, VPN_NB_OWNER_GATEWAY)
                && !hmapx_contains(&tr->kept, lsp)) {
                nbrec_logical_switch_update_ports_delvalue(ls, lsp);
            }
        }
    }
    const struct nbrec_logical_router *lr;
    NBREC_LOGICAL_ROUTER_FOR_EACH (lr, tr->nb) {
        for (size_t i = 0; i < lr->n_nat; i++) {
            const struct nbrec_nat *nat = lr->nat[i];
            if (smap_get(&nat->external_ids, VPN_NB_OWNER_GATEWAY)
                && !hmapx_contains(&tr->kept, nat)) {
                nbrec_logical_router_update_nat_delvalue(lr, nat);
            }
        }
        for (size_t i = 0; i < lr->n_policies; i++) {
            const struct nbrec_logical_router_policy *p = lr->policies[i];
            if (smap_get(&p->external_ids, VPN_NB_OWNER_TUNNEL)
                && !hmapx_contains(&tr->kept, p)) {
                nbrec_logical_router_update_policies_delvalue(lr, p);
            }
        }
        for (size_t i = 0; i < lr->n_static_routes; i++) {
            const struct nbrec_logical_router_static_route *r
                = lr->static_routes[i];
            if (smap_get(&r->external_ids, VPN_NB_OWNER_TUNNEL)
                && !hmapx_contains(&tr->kept, r)) {
                nbrec_logical_router_update_static_routes_delvalue(lr, r);
            }
        }
    }
    const struct nbrec_address_set *as;
    NBREC_ADDRESS_SET_FOR_EACH_SAFE (as, tr->nb) {
        if (smap_get(&as->external_ids, VPN_NB_OWNER_TUNNEL)
            && !hmapx_contains(&tr->kept, as)) {
            tr_delete_address_set(tr, as);
        }
    }
    const struct sbrec_vpn_tunnel *sbt;
    SBREC_VPN_TUNNEL_FOR_EACH_SAFE (sbt, tr->sb) {
        if (!hmapx_contains(&tr->kept, sbt)) {
            tr_delete_sb_tunnel(tr, sbt);
        }
    }
    const struct sbrec_vpn_gateway *sbg;
    SBREC_VPN_GATEWAY_FOR_EACH_SAFE (sbg, tr->sb) {
        if (!hmapx_contains(&tr->kept, sbg)) {
            sbrec_vpn_gateway_delete(sbg);
        }
    }
    hmapx_clear(&tr->kept);
    tr->full = false;
}
