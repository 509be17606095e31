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

VLOG_DEFINE_THIS_MODULE(vpn_translate);

/* What the translator remembers of a northbound gateway between runs. */
/* A tunnel's byte and packet counters reach its NB status at most every
 * half to whole of this (ovn-vpn-nb(5)); its state, at once. */
#define VPN_NB_COUNTER_MSEC 30000

struct nd_gateway {
    struct hmap_node node;      /* In vpn_translator's 'gateways'. */
    struct uuid uuid;           /* The NB VPN_Gateway row. */
    struct uuid router;         /* Its VPC router (where its NAT is). */
    char *sb_name;              /* Name of its SB VPN_Gateway, or NULL. */

    /* Computed by the last sync of its VPC. */
    char *error;                /* NULL if valid. */
    char *chassis;              /* Where it runs, or NULL. */
    bool held;                  /* 'chassis' is silent but no other
                                 * candidate is alive to take over. */
    ovs_be32 internal_ip;
    struct eth_addr mac;
    struct vpn_nb_subnet subnet;
};

/* What the translator remembers of a northbound tunnel between runs. */
struct nd_tunnel {
    struct hmap_node node;      /* In vpn_translator's 'tunnels'. */
    struct uuid uuid;           /* The NB VPN_Tunnel row. */
    struct uuid router;         /* Its VPC router (where its policy is). */
    long long int created;      /* Order for "first come" rules. */
    char *sb_name;              /* Name of its SB VPN_Tunnel, or NULL. */
    bool valid;                 /* Passed every check at the last sync. */
    char *error;                /* NULL if valid. */
    char *warning;              /* E.g. a user's route covers it. */
    int64_t generation;         /* Of its SB row. */
    long long int status_written;       /* NB status last written. */
};

/* Rows of one table by their "name" column: see 'address_sets' in struct
 * vpn_translator. */
struct name_map {
    struct shash rows;          /* Name -> row. */
    unsigned int seqno;         /* The table's when the map was built. */
    bool stale;                 /* Rows inserted or deleted since. */
};

struct vpn_translator {
    struct ovsdb_idl *nb;
    struct ovsdb_idl *sb;
    struct ovsdb_idl *status;   /* OVN_VPN_Status: the agents' reports. */
    struct vpn_chassis_set chassis;

    /* Tunnels whose NB status differs from their report only in byte and
     * packet counters, to be written at 'next_counter_flush'. */
    struct shash deferred_counters;     /* Name -> due, in seconds. */
    long long int next_counter_flush;
    struct hmap gateways;       /* Contains "struct nd_gateway"s. */
    struct hmap tunnels;        /* Contains "struct nd_tunnel"s. */
    struct vpn_nb_index index;
    bool index_stale;           /* A tunnel came, went or moved. */
    bool recompute;             /* Recompute everything on the next run. */

    /* NB VPN_Global's seal_secret, which keys the commitments of sealed
     * keys (vpn-seal.h), and the one this instance made while the NB had
     * none, to write until the NB has one. */
    char *seal_secret;
    char *new_seal_secret;

    struct ovsdb_idl_index *lsp_by_name;
    struct ovsdb_idl_index *tun_by_name;    /* NB VPN_Tunnel. */
    struct ovsdb_idl_index *gw_by_name;     /* NB VPN_Gateway. */
    struct ovsdb_idl_index *sb_gw_by_name;

    /* By name, the rows of the two tables where the translator writes a
     * row per tunnel or two.  An IDL index on them cost a removal from and
     * an insertion into its skiplist for every column written (OVS's
     * ovsdb_idl_txn_write__()), a sixth of a cold sync's CPU. */
    struct name_map address_sets;           /* NB Address_Set. */
    struct name_map sb_tunnels;             /* SB VPN_Tunnel. */

    /* During one run. */
    struct ovsdb_idl_txn *nb_txn;
    struct ovsdb_idl_txn *sb_txn;
    struct hmapx kept;          /* Owned rows a full sync keeps. */
    bool full;                  /* This run is a full sync. */

    /* Statistics for "status". */
    unsigned long long int n_full, n_incremental;
    unsigned long long int n_vpcs_synced;
    long long int last_run_usec;
    long long int last_full_usec;       /* Last full recompute. */
    long long int last_incremental_usec;  /* Last run that synced a VPC. */
};

static void collect_changes(struct vpn_translator *, struct hmapx *routers);
static void refresh_seal_secret(struct vpn_translator *);
static void refresh_index(struct vpn_translator *);
static void refresh_name_maps(struct vpn_translator *);
static void delete_address_set(struct vpn_translator *,
                               const struct nbrec_address_set *);
static void delete_sb_tunnel(struct vpn_translator *,
                             const struct sbrec_vpn_tunnel *);
static void full_sync(struct vpn_translator *);
static void sync_router(struct vpn_translator *,
                        const struct nbrec_logical_router *);
static void update_reported_status(struct vpn_translator *,
                                   const struct hmapx *synced);
static bool tunnel_is_connected(const struct vpn_translator *,
                                const struct nbrec_vpn_tunnel *,
                                const struct nd_gateway *);
static void sync_connected_tunnel(struct vpn_translator *,
                                  const struct nbrec_vpn_tunnel *,
                                  struct nd_tunnel *,
                                  const struct nd_gateway *);
static void delete_gateway_rows(struct vpn_translator *, struct nd_gateway *);
static void delete_tunnel_rows(struct vpn_translator *, struct nd_tunnel *);
static struct nd_gateway *find_gateway(const struct vpn_translator *,
                                       const struct uuid *);
static struct nd_gateway *get_gateway(struct vpn_translator *,
                                      const struct nbrec_vpn_gateway *);
static struct nd_tunnel *find_tunnel(const struct vpn_translator *,
                                     const struct uuid *);
static struct nd_tunnel *get_tunnel(struct vpn_translator *,
                                    const struct nbrec_vpn_tunnel *);
static void free_gateway(struct vpn_translator *, struct nd_gateway *);
static void free_tunnel(struct vpn_translator *, struct nd_tunnel *);
static const struct nbrec_logical_router *find_router(
    const struct vpn_translator *, const struct uuid *);

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
        free_gateway(tr, gw);
    }
    struct nd_tunnel *t;
    HMAP_FOR_EACH_SAFE (t, node, &tr->tunnels) {
        free_tunnel(tr, t);
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
    refresh_name_maps(tr);
    refresh_seal_secret(tr);
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
        collect_changes(tr, &routers);
    }
    bool full = tr->recompute;
    bool synced_any = false;
    if (tr->recompute) {
        full_sync(tr);
        tr->recompute = false;
        tr->n_full++;
        hmapx_clear(&routers);
        /* Every status was written by the full sync. */
    } else {
        if (!hmapx_is_empty(&routers)) {
            synced_any = true;
            refresh_index(tr);
            struct hmapx_node *node;
            HMAPX_FOR_EACH (node, &routers) {
                sync_router(tr, node->data);
                tr->n_vpcs_synced++;
            }
            tr->n_incremental++;
        }
        update_reported_status(tr, &routers);
    }
    hmapx_destroy(&routers);

    vpn_chassis_clear_changes(&tr->chassis);
    ovsdb_idl_track_clear(tr->nb);
    ovsdb_idl_track_clear(tr->sb);
    ovsdb_idl_track_clear(tr->status);
    tr->nb_txn = tr->sb_txn = NULL;
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
refresh_seal_secret(struct vpn_translator *tr)
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
refresh_index(struct vpn_translator *tr)
{
    if (tr->index_stale) {
        vpn_nb_index_build(&tr->index, tr->nb);
        tr->index_stale = false;
    }
}

/* Change collection. */

static bool
has_owner_key(const struct smap *external_ids)
{
    return (smap_get(external_ids, VPN_NB_OWNER_GATEWAY)
            || smap_get(external_ids, VPN_NB_OWNER_TUNNEL));
}

/* Returns true if 'row' changed in a column other than 'status' (the
 * translator's own output). */
static bool
changed_beyond_status(const struct ovsdb_idl_row *row,
                      const struct ovsdb_idl_table_class *tc,
                      const struct ovsdb_idl_column *status)
{
    if (ovsdb_idl_row_get_seqno(row, OVSDB_IDL_CHANGE_INSERT) > 0
        || ovsdb_idl_row_get_seqno(row, OVSDB_IDL_CHANGE_DELETE) > 0) {
        return true;
    }
    for (size_t i = 0; i < tc->n_columns; i++) {
        if (&tc->columns[i] != status
            && ovsdb_idl_track_is_updated(row, &tc->columns[i])) {
            return true;
        }
    }
    return false;
}

static void
add_router(struct vpn_translator *tr, struct hmapx *routers,
           const struct uuid *uuid)
{
    const struct nbrec_logical_router *lr = find_router(tr, uuid);
    if (lr) {
        hmapx_add(routers, CONST_CAST(struct nbrec_logical_router *, lr));
    }
}

/* Adds to 'routers' the VPCs that the changes since the previous run
 * affect, and deletes the rows of deleted gateways and tunnels; or sets
 * 'tr->recompute' when a change to the stock tables may affect any VPC. */
static void
collect_changes(struct vpn_translator *tr, struct hmapx *routers)
{
    /* A change by someone else to a stock row that the VPN rules read:
     * recompute everything.  The translator's own rows, and the columns it
     * changes on routers and switches to attach them, do not count. */
    const struct nbrec_logical_router *lr;
    NBREC_LOGICAL_ROUTER_FOR_EACH_TRACKED (lr, tr->nb) {
        if (nbrec_logical_router_is_new(lr)
            || nbrec_logical_router_is_deleted(lr)
            || nbrec_logical_router_is_updated(lr,
                                               NBREC_LOGICAL_ROUTER_COL_NAME)
            || nbrec_logical_router_is_updated(lr,
                                               NBREC_LOGICAL_ROUTER_COL_PORTS)
            || nbrec_logical_router_is_updated(
                lr, NBREC_LOGICAL_ROUTER_COL_OPTIONS)) {
            tr->recompute = true;
        }
    }
    const struct nbrec_logical_switch *ls;
    NBREC_LOGICAL_SWITCH_FOR_EACH_TRACKED (ls, tr->nb) {
        if (nbrec_logical_switch_is_new(ls)
            || nbrec_logical_switch_is_deleted(ls)
            || nbrec_logical_switch_is_updated(
                ls, NBREC_LOGICAL_SWITCH_COL_NAME)) {
            tr->recompute = true;
        }
    }
    if (nbrec_logical_router_port_track_get_first(tr->nb)
        || nbrec_gateway_chassis_track_get_first(tr->nb)
        || nbrec_ha_chassis_group_track_get_first(tr->nb)) {
        tr->recompute = true;
    }
    const struct nbrec_logical_router_static_route *route;
    NBREC_LOGICAL_ROUTER_STATIC_ROUTE_FOR_EACH_TRACKED (route, tr->nb) {
        if (!has_owner_key(&route->external_ids)) {
            tr->recompute = true;
        }
    }
    const struct nbrec_logical_switch_port *lsp;
    NBREC_LOGICAL_SWITCH_PORT_FOR_EACH_TRACKED (lsp, tr->nb) {
        if (!has_owner_key(&lsp->external_ids)) {
            tr->recompute = true;
        }
    }
    const struct nbrec_nat *nat;
    NBREC_NAT_FOR_EACH_TRACKED (nat, tr->nb) {
        if (!has_owner_key(&nat->external_ids)) {
            tr->recompute = true;
        }
    }
    const struct nbrec_logical_router_policy *policy;
    NBREC_LOGICAL_ROUTER_POLICY_FOR_EACH_TRACKED (policy, tr->nb) {
        if (!has_owner_key(&policy->external_ids)) {
            tr->recompute = true;
        }
    }
    if (tr->recompute) {
        return;
    }

    /* Liveness or capabilities of an agent changed: placement of the
     * gateways that may run there. */
    if (!sset_is_empty(&tr->chassis.changed_chassis)) {
        const struct nbrec_vpn_gateway *gw;
        NBREC_VPN_GATEWAY_FOR_EACH (gw, tr->nb) {
            struct nd_gateway *g = find_gateway(tr, &gw->header_.uuid);
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

    const struct nbrec_vpn_gateway *gw;
    NBREC_VPN_GATEWAY_FOR_EACH_TRACKED (gw, tr->nb) {
        if (nbrec_vpn_gateway_is_new(gw) || nbrec_vpn_gateway_is_deleted(gw)
            || nbrec_vpn_gateway_is_updated(gw,
                                            NBREC_VPN_GATEWAY_COL_ROUTER)) {
            tr->index_stale = true;
        }
        struct nd_gateway *g = find_gateway(tr, &gw->header_.uuid);
        if (nbrec_vpn_gateway_is_deleted(gw)) {
            if (g) {
                add_router(tr, routers, &g->router);
                delete_gateway_rows(tr, g);
                free_gateway(tr, g);
            }
            continue;
        }
        if (!changed_beyond_status(&gw->header_, &nbrec_table_vpn_gateway,
                                   &nbrec_vpn_gateway_col_status)) {
            continue;
        }
        if (g && !uuid_equals(&g->router, &gw->router->header_.uuid)) {
            add_router(tr, routers, &g->router);
        }
        hmapx_add(routers, CONST_CAST(struct nbrec_logical_router *,
                                      gw->router));
    }

    const struct nbrec_vpn_peer *peer;
    NBREC_VPN_PEER_FOR_EACH_TRACKED (peer, tr->nb) {
        if (nbrec_vpn_peer_is_deleted(peer)
            || !changed_beyond_status(&peer->header_, &nbrec_table_vpn_peer,
                                      &nbrec_vpn_peer_col_status)) {
            continue;
        }
        const struct nbrec_vpn_tunnel *t;
        NBREC_VPN_TUNNEL_FOR_EACH (t, tr->nb) {
            if (t->peer == peer) {
                hmapx_add(routers, CONST_CAST(struct nbrec_logical_router *,
                                              t->gateway->router));
            }
        }
        if (!nbrec_vpn_peer_is_new(peer)) {
            continue;
        }
        /* A new peer needs its status even without tunnels. */
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

    const struct nbrec_vpn_tunnel *t;
    NBREC_VPN_TUNNEL_FOR_EACH_TRACKED (t, tr->nb) {
        if (nbrec_vpn_tunnel_is_new(t) || nbrec_vpn_tunnel_is_deleted(t)
            || nbrec_vpn_tunnel_is_updated(t, NBREC_VPN_TUNNEL_COL_GATEWAY)
            || nbrec_vpn_tunnel_is_updated(t, NBREC_VPN_TUNNEL_COL_PEER)) {
            tr->index_stale = true;
        }
        struct nd_tunnel *nt = find_tunnel(tr, &t->header_.uuid);
        if (nbrec_vpn_tunnel_is_deleted(t)) {
            if (nt) {
                add_router(tr, routers, &nt->router);
                delete_tunnel_rows(tr, nt);
                free_tunnel(tr, nt);
            }
            continue;
        }
        if (!changed_beyond_status(&t->header_, &nbrec_table_vpn_tunnel,
                                   &nbrec_vpn_tunnel_col_status)) {
            continue;
        }
        if (nt && !uuid_equals(&nt->router,
                               &t->gateway->router->header_.uuid)) {
            add_router(tr, routers, &nt->router);
        }
        hmapx_add(routers, CONST_CAST(struct nbrec_logical_router *,
                                      t->gateway->router));
    }
}

/* Full sync: every VPC, then sweep every owned row that no VPN row wants
 * any more. */
static void
full_sync(struct vpn_translator *tr)
{
    tr->full = true;
    hmapx_clear(&tr->kept);
    tr->index_stale = true;
    refresh_index(tr);

    /* Forget what no longer exists. */
    struct nd_gateway *g;
    HMAP_FOR_EACH_SAFE (g, node, &tr->gateways) {
        if (!nbrec_vpn_gateway_get_for_uuid(tr->nb, &g->uuid)) {
            free_gateway(tr, g);
        }
    }
    struct nd_tunnel *nt;
    HMAP_FOR_EACH_SAFE (nt, node, &tr->tunnels) {
        if (!nbrec_vpn_tunnel_get_for_uuid(tr->nb, &nt->uuid)) {
            free_tunnel(tr, nt);
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
        sync_router(tr, node->data);
    }
    hmapx_destroy(&routers);

    /* Peers' status. */
    const struct nbrec_vpn_peer *peer;
    NBREC_VPN_PEER_FOR_EACH (peer, tr->nb) {
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
            delete_address_set(tr, as);
        }
    }
    const struct sbrec_vpn_tunnel *sbt;
    SBREC_VPN_TUNNEL_FOR_EACH_SAFE (sbt, tr->sb) {
        if (!hmapx_contains(&tr->kept, sbt)) {
            delete_sb_tunnel(tr, sbt);
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

/* Per-VPC sync. */

/* Orders two rows by their optional "created_at" (an absent one first),
 * then by UUID. */
static int
compare_creation(const int64_t *a_created, size_t a_n, const struct uuid *a,
                 const int64_t *b_created, size_t b_n, const struct uuid *b)
{
    int64_t ca = a_n ? a_created[0] : 0;
    int64_t cb = b_n ? b_created[0] : 0;
    if (ca != cb) {
        return ca < cb ? -1 : 1;
    }
    return uuid_compare_3way(a, b);
}

/* Orders tunnels by creation, then UUID: the "first come" order in which
 * the cross-row rules are applied. */
static int
compare_tunnels(const void *a_, const void *b_)
{
    const struct nbrec_vpn_tunnel *const *a = a_;
    const struct nbrec_vpn_tunnel *const *b = b_;
    return compare_creation((*a)->created_at, (*a)->n_created_at,
                            &(*a)->header_.uuid,
                            (*b)->created_at, (*b)->n_created_at,
                            &(*b)->header_.uuid);
}

/* vpn_nb_counts_func for the translator: only valid tunnels that come
 * before 't' count against it. */
static bool
counts_prior(const struct nbrec_vpn_tunnel *t,
             const struct nbrec_vpn_tunnel *other, void *tr_)
{
    struct vpn_translator *tr = tr_;
    const struct nd_tunnel *nt = find_tunnel(tr, &other->header_.uuid);
    return (nt && nt->valid
            && compare_tunnels(&other, &t) < 0);
}

/* Returns true if router 'lr' can do the gateway's dnat_and_snat: a gateway
 * router, or a router with a distributed gateway port. */
static bool
router_can_nat(const struct nbrec_logical_router *lr)
{
    if (smap_get(&lr->options, "chassis")) {
        return true;
    }
    for (size_t i = 0; i < lr->n_ports; i++) {
        const struct nbrec_logical_router_port *lrp = lr->ports[i];
        if (lrp->n_gateway_chassis || lrp->ha_chassis_group
            || smap_get(&lrp->options, "redirect-chassis")) {
            return true;
        }
    }
    return false;
}

static char *
lsp_name(const struct uuid *gw)
{
    return xasprintf("vpn-"UUID_FMT, UUID_ARGS(gw));
}

static char *
address_set_name(const struct uuid *t, const char *side)
{
    char *name = xasprintf("vpn_"UUID_FMT"_%s", UUID_ARGS(t), side);
    for (char *p = name; *p; p++) {
        if (*p == '-') {
            *p = '_';
        }
    }
    return name;
}

static const struct nbrec_logical_switch_port *
lookup_lsp(const struct vpn_translator *tr, const char *name)
{
    struct nbrec_logical_switch_port *key
        = nbrec_logical_switch_port_index_init_row(tr->lsp_by_name);
    nbrec_logical_switch_port_index_set_name(key, name);
    const struct nbrec_logical_switch_port *lsp
        = nbrec_logical_switch_port_index_find(tr->lsp_by_name, key);
    nbrec_logical_switch_port_index_destroy_row(key);
    return lsp;
}

/* Builds the name maps again if their tables changed, or if the last run
 * inserted or deleted rows in them: the rows that a transaction inserts are
 * freed with it, and the rows it deletes come back if it fails. */
static void
refresh_name_maps(struct vpn_translator *tr)
{
    unsigned int seqno = ovsdb_idl_table_get_seqno(tr->nb,
                                                   &nbrec_table_address_set);
    if (tr->address_sets.stale || seqno != tr->address_sets.seqno) {
        shash_clear(&tr->address_sets.rows);
        const struct nbrec_address_set *as;
        NBREC_ADDRESS_SET_FOR_EACH (as, tr->nb) {
            shash_add_once(&tr->address_sets.rows, as->name, as);
        }
        tr->address_sets.seqno = seqno;
        tr->address_sets.stale = false;
    }

    seqno = ovsdb_idl_table_get_seqno(tr->sb, &sbrec_table_vpn_tunnel);
    if (tr->sb_tunnels.stale || seqno != tr->sb_tunnels.seqno) {
        shash_clear(&tr->sb_tunnels.rows);
        const struct sbrec_vpn_tunnel *t;
        SBREC_VPN_TUNNEL_FOR_EACH (t, tr->sb) {
            shash_add_once(&tr->sb_tunnels.rows, t->name, t);
        }
        tr->sb_tunnels.seqno = seqno;
        tr->sb_tunnels.stale = false;
    }
}

/* Forgets 'row', named 'name', in 'map', for a row deleted in the open
 * transaction. */
static void
name_map_delete(struct name_map *map, const char *name, const void *row)
{
    struct shash_node *node = shash_find(&map->rows, name);
    if (node && node->data == row) {
        shash_delete(&map->rows, node);
    }
    map->stale = true;
}

static const struct nbrec_address_set *
lookup_address_set(const struct vpn_translator *tr, const char *name)
{
    return shash_find_data(&tr->address_sets.rows, name);
}

static const struct nbrec_address_set *
insert_address_set(struct vpn_translator *tr, const char *name)
{
    const struct nbrec_address_set *as = nbrec_address_set_insert(tr->nb_txn);
    nbrec_address_set_set_name(as, name);
    shash_replace(&tr->address_sets.rows, name, as);
    tr->address_sets.stale = true;
    return as;
}

static void
delete_address_set(struct vpn_translator *tr,
                   const struct nbrec_address_set *as)
{
    name_map_delete(&tr->address_sets, as->name, as);
    nbrec_address_set_delete(as);
}

static const struct sbrec_vpn_gateway *
lookup_sb_gateway(const struct vpn_translator *tr, const char *name)
{
    struct sbrec_vpn_gateway *key
        = sbrec_vpn_gateway_index_init_row(tr->sb_gw_by_name);
    sbrec_vpn_gateway_index_set_name(key, name);
    const struct sbrec_vpn_gateway *row
        = sbrec_vpn_gateway_index_find(tr->sb_gw_by_name, key);
    sbrec_vpn_gateway_index_destroy_row(key);
    return row;
}

static const struct sbrec_vpn_tunnel *
lookup_sb_tunnel(const struct vpn_translator *tr, const char *name)
{
    return shash_find_data(&tr->sb_tunnels.rows, name);
}

static const struct sbrec_vpn_tunnel *
insert_sb_tunnel(struct vpn_translator *tr, const char *name)
{
    const struct sbrec_vpn_tunnel *t = sbrec_vpn_tunnel_insert(tr->sb_txn);
    sbrec_vpn_tunnel_set_name(t, name);
    shash_replace(&tr->sb_tunnels.rows, name, t);
    tr->sb_tunnels.stale = true;
    return t;
}

static void
delete_sb_tunnel(struct vpn_translator *tr, const struct sbrec_vpn_tunnel *t)
{
    name_map_delete(&tr->sb_tunnels, t->name, t);
    sbrec_vpn_tunnel_delete(t);
}

static void
keep(struct vpn_translator *tr, const void *row)
{
    if (tr->full) {
        hmapx_add(&tr->kept, CONST_CAST(void *, row));
    }
}

/* Adds to 'used' every IPv4 address in 'addresses' (an LSP's "MAC IP..."
 * strings). */
static void
add_used_addresses(struct hmapx *used, char **addresses, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char *copy = xstrdup(addresses[i]);
        char *save = NULL;
        for (char *word = strtok_r(copy, " ", &save); word;
             word = strtok_r(NULL, " ", &save)) {
            ovs_be32 ip;
            if (ip_parse(word, &ip)) {
                hmapx_add(used, (void *) (uintptr_t) ntohl(ip));
            }
        }
        free(copy);
    }
}

/* Orders gateways by creation, then UUID: the order in which gateways
 * synced together keep or take internal addresses. */
static int
compare_gateways(const void *a_, const void *b_)
{
    const struct nbrec_vpn_gateway *const *a = a_;
    const struct nbrec_vpn_gateway *const *b = b_;
    return compare_creation((*a)->created_at, (*a)->n_created_at,
                            &(*a)->header_.uuid,
                            (*b)->created_at, (*b)->n_created_at,
                            &(*b)->header_.uuid);
}

/* The addresses of one switch's subnet that the gateways being synced
 * may not take (see used_addresses()). */
struct switch_used {
    const struct nbrec_logical_switch *ls;
    struct hmapx used;
};

/* The switches whose used addresses were computed, during one run. */
struct switch_used_cache {
    struct switch_used **items;
    size_t n;
};

/* Returns the addresses of gateway 'gw''s subnet that it may not take: the
 * router's, every port's on its switch but the ports of the gateways being
 * synced ('owners', their UUIDs: their addresses are being chosen now, see
 * choose_internal_ips()), and the fixed internal IPs of the gateways on
 * that switch.  Computed once per switch, in 'cache' (an hmapx cannot
 * move, hence the pointers). */
static const struct hmapx *
used_addresses(const struct vpn_translator *tr,
               const struct nbrec_vpn_gateway *gw,
               const struct vpn_nb_subnet *subnet, const struct sset *owners,
               struct switch_used_cache *cache)
{
    const struct nbrec_logical_switch *ls = gw->logical_switch;
    for (size_t i = 0; i < cache->n; i++) {
        if (cache->items[i]->ls == ls) {
            return &cache->items[i]->used;
        }
    }

    cache->items = xrealloc(cache->items,
                            (cache->n + 1) * sizeof *cache->items);
    struct switch_used *su = xmalloc(sizeof *su);
    cache->items[cache->n++] = su;
    su->ls = ls;
    hmapx_init(&su->used);
    hmapx_add(&su->used, (void *) (uintptr_t) ntohl(subnet->router_ip));
    for (size_t i = 0; i < ls->n_ports; i++) {
        const struct nbrec_logical_switch_port *lsp = ls->ports[i];
        const char *owner = smap_get(&lsp->external_ids,
                                     VPN_NB_OWNER_GATEWAY);
        if (owner && sset_contains(owners, owner)) {
            continue;
        }
        add_used_addresses(&su->used, lsp->addresses, lsp->n_addresses);
        if (lsp->dynamic_addresses) {
            char *dyn = lsp->dynamic_addresses;
            add_used_addresses(&su->used, &dyn, 1);
        }
    }
    const struct nbrec_vpn_gateway *other;
    NBREC_VPN_GATEWAY_FOR_EACH (other, tr->nb) {
        ovs_be32 ip;
        if (other->logical_switch == ls && other->internal_ip
            && ip_parse(other->internal_ip, &ip)) {
            hmapx_add(&su->used, (void *) (uintptr_t) ntohl(ip));
        }
    }
    return &su->used;
}

/* Returns the IPv4 address in 'lsp''s first "MAC IP" address, or 0. */
static ovs_be32
port_ip(const struct nbrec_logical_switch_port *lsp)
{
    ovs_be32 ip = 0;
    if (lsp && lsp->n_addresses) {
        char *copy = xstrdup(lsp->addresses[0]);
        char *save = NULL;
        char *mac = strtok_r(copy, " ", &save);
        char *word = mac ? strtok_r(NULL, " ", &save) : NULL;
        if (!word || !ip_parse(word, &ip)) {
            ip = 0;
        }
        free(copy);
    }
    return ip;
}

/* Chooses the internal IP of each of the 'n' gateways in 'gws' (those of
 * one VPC, in the order of compare_gateways()) that is not in error: its
 * fixed one; else the one its port already has, if no port outside these
 * gateways and no gateway before it has that address; else the lowest
 * address of its subnet that is free of all of those and of the addresses
 * the others chose.  So gateways created in one transaction get distinct
 * addresses, and a gateway's address changes only if the user changes
 * it (or takes it for another port). */
static void
choose_internal_ips(struct vpn_translator *tr,
                    const struct nbrec_vpn_gateway **gws, size_t n)
{
    struct sset owners = SSET_INITIALIZER(&owners);
    for (size_t i = 0; i < n; i++) {
        char uuid_s[UUID_LEN + 1];
        snprintf(uuid_s, sizeof uuid_s, UUID_FMT,
                 UUID_ARGS(&gws[i]->header_.uuid));
        sset_add(&owners, uuid_s);
    }
    struct switch_used_cache cache = { NULL, 0 };
    struct hmapx claimed = HMAPX_INITIALIZER(&claimed);
    bool *pending = xcalloc(MAX(n, 1), sizeof *pending);

    /* Fixed addresses, then addresses that ports already have. */
    for (int pass = 0; pass < 2; pass++) {
        for (size_t i = 0; i < n; i++) {
            const struct nbrec_vpn_gateway *gw = gws[i];
            struct nd_gateway *g = get_gateway(tr, gw);
            if (g->error || (pass == 0) != !!gw->internal_ip) {
                continue;
            }
            if (gw->internal_ip) {
                if (!ip_parse(gw->internal_ip, &g->internal_ip)) {
                    g->error = xasprintf("internal_ip: %s is not an IPv4 "
                                         "address", gw->internal_ip);
                } else {
                    hmapx_add(&claimed, (void *) (uintptr_t)
                              ntohl(g->internal_ip));
                }
                continue;
            }

            char *name = lsp_name(&g->uuid);
            ovs_be32 current = port_ip(lookup_lsp(tr, name));
            free(name);
            const struct hmapx *used = used_addresses(tr, gw, &g->subnet,
                                                      &owners, &cache);
            void *key = (void *) (uintptr_t) ntohl(current);
            if (current && vpn_cidr_contains_ip(&g->subnet.cidr, current)
                && !hmapx_contains(used, key)
                && !hmapx_contains(&claimed, key)) {
                g->internal_ip = current;
                hmapx_add(&claimed, key);
            } else {
                pending[i] = true;
            }
        }
    }

    /* New addresses. */
    for (size_t i = 0; i < n; i++) {
        if (!pending[i]) {
            continue;
        }
        const struct nbrec_vpn_gateway *gw = gws[i];
        struct nd_gateway *g = get_gateway(tr, gw);
        const struct hmapx *used = used_addresses(tr, gw, &g->subnet,
                                                  &owners, &cache);
        uint32_t net = ntohl(g->subnet.cidr.ip);
        uint32_t size = g->subnet.cidr.plen >= 31 ? 0
                        : UINT32_C(1) << (32 - g->subnet.cidr.plen);
        uint32_t found = 0;
        for (uint32_t host = 1; size && host < size - 1; host++) {
            void *key = (void *) (uintptr_t) (net + host);
            if (!hmapx_contains(used, key)
                && !hmapx_contains(&claimed, key)) {
                found = net + host;
                break;
            }
        }
        if (found) {
            g->internal_ip = htonl(found);
            hmapx_add(&claimed, (void *) (uintptr_t) found);
        } else {
            g->error = xasprintf("logical_switch: no free address left on "
                                 "%s for the gateway",
                                 gw->logical_switch->name);
        }
    }

    for (size_t i = 0; i < cache.n; i++) {
        hmapx_destroy(&cache.items[i]->used);
        free(cache.items[i]);
    }
    free(cache.items);
    free(pending);
    hmapx_destroy(&claimed);
    sset_destroy(&owners);
}

/* The gateway port's MAC: the one it has, else one derived from the
 * gateway's UUID: 0a:56 (locally administered) and the UUID's first four
 * bytes. */
static struct eth_addr
choose_mac(const struct nbrec_vpn_gateway *gw,
           const struct nbrec_logical_switch_port *own)
{
    struct eth_addr mac;
    if (own && own->n_addresses
        && ovs_scan(own->addresses[0], ETH_ADDR_SCAN_FMT,
                    ETH_ADDR_SCAN_ARGS(mac))) {
        return mac;
    }
    uint32_t h = gw->header_.uuid.parts[0];
    mac = (struct eth_addr) ETH_ADDR_C(0a, 56, 00, 00, 00, 00);
    mac.ea[2] = h >> 24;
    mac.ea[3] = h >> 16;
    mac.ea[4] = h >> 8;
    mac.ea[5] = h;
    return mac;
}

/* Returns true if 'name' may run 'gw': one of its candidates, or for a
 * gateway that names none, any chassis that its operator enabled for VPN
 * gateways; either way, a chassis with a row in the SB's Chassis table. */
static bool
is_candidate(const struct vpn_translator *tr,
             const struct nbrec_vpn_gateway *gw, const char *name)
{
    if (!vpn_chassis_is_real(&tr->chassis, name)) {
        return false;
    }
    for (size_t i = 0; i < gw->n_chassis; i++) {
        if (!strcmp(gw->key_chassis[i], name)) {
            return true;
        }
    }
    return !gw->n_chassis && vpn_chassis_is_enabled(&tr->chassis, name);
}

/* Placement: the highest-priority candidate chassis with a live agent whose
 * libreswan accepts every valid tunnel of the gateway; if none accepts them
 * all, the highest-priority live one (the tunnels it refuses get an
 * error).  Returns the chassis name or NULL. */
static char *
place_gateway(const struct vpn_translator *tr,
              const struct nbrec_vpn_gateway *gw,
              const struct vpn_tunnel_params *params, size_t n_params)
{
    struct sset alive = SSET_INITIALIZER(&alive);
    vpn_chassis_alive_names(&tr->chassis, &alive);

    const char *best = NULL, *best_any = NULL;
    int64_t best_prio = -1, best_any_prio = -1;
    if (gw->n_chassis) {
        for (size_t i = 0; i < gw->n_chassis; i++) {
            const char *name = gw->key_chassis[i];
            int64_t prio = gw->value_chassis[i];
            if (!sset_contains(&alive, name) || !is_candidate(tr, gw, name)) {
                continue;
            }
            bool all = true;
            const struct vpn_caps *caps = vpn_chassis_caps(&tr->chassis,
                                                           name);
            for (size_t j = 0; all && caps && j < n_params; j++) {
                const char *field;
                char *value;
                if (!vpn_caps_supports(caps, &params[j], &field, &value)) {
                    free(value);
                    all = false;
                }
            }
            if (prio > best_any_prio
                || (prio == best_any_prio && strcmp(name, best_any) < 0)) {
                best_any = name;
                best_any_prio = prio;
            }
            if (all && (prio > best_prio
                        || (prio == best_prio && strcmp(name, best) < 0))) {
                best = name;
                best_prio = prio;
            }
        }
    } else {
        /* Any live chassis enabled for VPN gateways, in name order. */
        const char **names = sset_sort(&alive);
        for (size_t i = 0; i < sset_count(&alive) && !best; i++) {
            if (!is_candidate(tr, gw, names[i])) {
                continue;
            }
            const struct vpn_caps *caps = vpn_chassis_caps(&tr->chassis,
                                                           names[i]);
            bool all = true;
            for (size_t j = 0; all && caps && j < n_params; j++) {
                const char *field;
                char *value;
                if (!vpn_caps_supports(caps, &params[j], &field, &value)) {
                    free(value);
                    all = false;
                }
            }
            if (!best_any) {
                best_any = names[i];
            }
            if (all) {
                best = names[i];
            }
        }
        free(names);
    }

    const char *chosen = best ? best : best_any;
    char *copy = chosen ? xstrdup(chosen) : NULL;
    sset_destroy(&alive);
    return copy;
}

static void
set_status(const struct smap *old, struct smap *new,
           void (*setter)(const void *, const struct smap *),
           const void *row)
{
    if (!smap_equal(old, new)) {
        setter(row, new);
    }
}

static void
gateway_set_status(const void *row, const struct smap *status)
{
    nbrec_vpn_gateway_set_status(row, status);
}

/* The status keys that move with every packet. */
static bool
is_counter_key(const char *key)
{
    return (!strcmp(key, "bytes_in") || !strcmp(key, "bytes_out")
            || !strcmp(key, "packets_in") || !strcmp(key, "packets_out"));
}

/* Returns true if 'a' and 'b' differ in counter keys only. */
static bool
only_counters_differ(const struct smap *a, const struct smap *b)
{
    const struct smap_node *node;
    SMAP_FOR_EACH (node, a) {
        const char *value = smap_get(b, node->key);
        if (!is_counter_key(node->key)
            && (!value || strcmp(value, node->value))) {
            return false;
        }
    }
    SMAP_FOR_EACH (node, b) {
        if (!is_counter_key(node->key) && !smap_get(a, node->key)) {
            return false;
        }
    }
    return true;
}

/* Writes tunnel 't''s NB status if it changed: at once if anything but its
 * counters changed, otherwise at most every VPN_NB_COUNTER_MSEC.  With
 * thousands of busy tunnels, counters written as often as agents report
 * them kept the NB's server busy (a quarter of a core for 10,000 tunnels)
 * and every state change waited behind them. */
static void
write_tunnel_status(struct vpn_translator *tr,
                    const struct nbrec_vpn_tunnel *t, struct nd_tunnel *nt,
                    const struct smap *status)
{
    if (smap_equal(&t->status, status)) {
        return;
    }
    /* Tunnels written together (by a full sync, say) are spread over the
     * second half of the interval by their names, so that their counters
     * do not all reach the NB in one burst that state changes wait
     * behind. */
    long long int now = time_msec();
    long long int due = (nt->status_written + VPN_NB_COUNTER_MSEC / 2
                         + hash_string(t->name, 0) % (VPN_NB_COUNTER_MSEC
                                                      / 2));
    /* Whole seconds: the deferred tunnels are looked at once per second
     * at most (vpn_translator_run()). */
    due = (due / 1000 + 1) * 1000;
    if (now < due && only_counters_differ(&t->status, status)) {
        shash_replace_nocopy(&tr->deferred_counters, xstrdup(t->name),
                             (void *) (intptr_t) (due / 1000));
        tr->next_counter_flush = MIN(tr->next_counter_flush, due);
        return;
    }
    nbrec_vpn_tunnel_set_status(t, status);
    nt->status_written = now;
}

/* Writes the gateway's port and NAT rule (or removes them when the gateway
 * is invalid). */
static void
sync_gateway_nb(struct vpn_translator *tr, const struct nbrec_vpn_gateway *gw,
                struct nd_gateway *g)
{
    char *name = lsp_name(&g->uuid);
    const struct nbrec_logical_switch_port *lsp = lookup_lsp(tr, name);
    const struct nbrec_logical_switch *ls = gw->logical_switch;

    if (g->error) {
        delete_gateway_rows(tr, g);
        free(name);
        return;
    }

    char ip_s[INET_ADDRSTRLEN];
    inet_ntop(AF_INET, &g->internal_ip, ip_s, sizeof ip_s);
    char *address = xasprintf(ETH_ADDR_FMT" %s", ETH_ADDR_ARGS(g->mac),
                              ip_s);
    char uuid_s[UUID_LEN + 1];
    snprintf(uuid_s, sizeof uuid_s, UUID_FMT, UUID_ARGS(&g->uuid));

    /* The port, on the gateway's switch. */
    bool on_switch = false;
    for (size_t i = 0; lsp && i < ls->n_ports; i++) {
        on_switch |= ls->ports[i] == lsp;
    }
    if (lsp && !on_switch) {
        /* The gateway moved to another switch. */
        const struct nbrec_logical_switch *other;
        NBREC_LOGICAL_SWITCH_FOR_EACH (other, tr->nb) {
            for (size_t i = 0; i < other->n_ports; i++) {
                if (other->ports[i] == lsp) {
                    nbrec_logical_switch_update_ports_delvalue(other, lsp);
                    break;
                }
            }
        }
        lsp = NULL;
    }
    if (!lsp) {
        lsp = nbrec_logical_switch_port_insert(tr->nb_txn);
        nbrec_logical_switch_port_set_name(lsp, name);
        nbrec_logical_switch_update_ports_addvalue(ls, lsp);
    }
    keep(tr, lsp);
    if (lsp->n_addresses != 1 || strcmp(lsp->addresses[0], address)) {
        const char *addresses[] = { address };
        nbrec_logical_switch_port_set_addresses(lsp, addresses, 1);
    }
    if (!smap_get(&lsp->external_ids, VPN_NB_OWNER_GATEWAY)
        || strcmp(smap_get(&lsp->external_ids, VPN_NB_OWNER_GATEWAY),
                  uuid_s)) {
        nbrec_logical_switch_port_update_external_ids_setkey(
            lsp, VPN_NB_OWNER_GATEWAY, uuid_s);
    }
    const char *requested = smap_get(&lsp->options, "requested-chassis");
    if (g->chassis && (!requested || strcmp(requested, g->chassis))) {
        nbrec_logical_switch_port_update_options_setkey(
            lsp, "requested-chassis", g->chassis);
    } else if (!g->chassis && requested) {
        nbrec_logical_switch_port_update_options_delkey(
            lsp, "requested-chassis");
    }

    /* The NAT rule, on the VPC router. */
    const struct nbrec_logical_router *lr = gw->router;
    const struct nbrec_nat *nat = NULL;
    for (size_t i = 0; i < lr->n_nat; i++) {
        const char *owner = smap_get(&lr->nat[i]->external_ids,
                                     VPN_NB_OWNER_GATEWAY);
        if (owner && !strcmp(owner, uuid_s)) {
            nat = lr->nat[i];
        }
    }
    if (!uuid_equals(&g->router, &lr->header_.uuid)) {
        /* The gateway moved to another router: drop the old rule. */
        const struct nbrec_logical_router *old = find_router(tr, &g->router);
        for (size_t i = 0; old && old != lr && i < old->n_nat; i++) {
            const char *owner = smap_get(&old->nat[i]->external_ids,
                                         VPN_NB_OWNER_GATEWAY);
            if (owner && !strcmp(owner, uuid_s)) {
                nbrec_logical_router_update_nat_delvalue(old, old->nat[i]);
            }
        }
        g->router = lr->header_.uuid;
    }
    if (!nat) {
        nat = nbrec_nat_insert(tr->nb_txn);
        nbrec_nat_set_type(nat, "dnat_and_snat");
        nbrec_nat_update_external_ids_setkey(nat, VPN_NB_OWNER_GATEWAY,
                                             uuid_s);
        nbrec_logical_router_update_nat_addvalue(lr, nat);
    }
    keep(tr, nat);
    if (strcmp(nat->external_ip, gw->public_ip)) {
        nbrec_nat_set_external_ip(nat, gw->public_ip);
    }
    if (strcmp(nat->logical_ip, ip_s)) {
        nbrec_nat_set_logical_ip(nat, ip_s);
    }
    free(address);
    free(name);
}

/* Writes the gateway's southbound row. */
static const struct sbrec_vpn_gateway *
sync_gateway_sb(struct vpn_translator *tr, const struct nbrec_vpn_gateway *gw,
                struct nd_gateway *g, const struct sset *vpc_routes)
{
    if (g->sb_name && strcmp(g->sb_name, gw->name)) {
        /* Renamed. */
        const struct sbrec_vpn_gateway *old = lookup_sb_gateway(tr,
                                                                g->sb_name);
        if (old) {
            sbrec_vpn_gateway_delete(old);
        }
        free(g->sb_name);
        g->sb_name = NULL;
    }
    const struct sbrec_vpn_gateway *sb = lookup_sb_gateway(tr, gw->name);
    if (g->error) {
        if (sb) {
            sbrec_vpn_gateway_delete(sb);
        }
        return NULL;
    }
    if (!sb) {
        sb = sbrec_vpn_gateway_insert(tr->sb_txn);
        sbrec_vpn_gateway_set_name(sb, gw->name);
    }
    keep(tr, sb);
    if (!g->sb_name) {
        g->sb_name = xstrdup(gw->name);
    }

    char *lsp = lsp_name(&g->uuid);
    char ip_s[INET_ADDRSTRLEN], rip_s[INET_ADDRSTRLEN];
    inet_ntop(AF_INET, &g->internal_ip, ip_s, sizeof ip_s);
    inet_ntop(AF_INET, &g->subnet.router_ip, rip_s, sizeof rip_s);
    char mac_s[ETH_ADDR_STRLEN + 1];
    snprintf(mac_s, sizeof mac_s, ETH_ADDR_FMT, ETH_ADDR_ARGS(g->mac));
    char uuid_s[UUID_LEN + 1];
    snprintf(uuid_s, sizeof uuid_s, UUID_FMT, UUID_ARGS(&g->uuid));

    if (!nullable_string_is_equal(sb->chassis, g->chassis)) {
        sbrec_vpn_gateway_set_chassis(sb, g->chassis);
    }
    if (strcmp(sb->logical_port, lsp)) {
        sbrec_vpn_gateway_set_logical_port(sb, lsp);
    }
    if (strcmp(sb->mac, mac_s)) {
        sbrec_vpn_gateway_set_mac(sb, mac_s);
    }
    if (strcmp(sb->ip, ip_s)) {
        sbrec_vpn_gateway_set_ip(sb, ip_s);
    }
    if (sb->prefix_len != g->subnet.cidr.plen) {
        sbrec_vpn_gateway_set_prefix_len(sb, g->subnet.cidr.plen);
    }
    if (strcmp(sb->router_ip, rip_s)) {
        sbrec_vpn_gateway_set_router_ip(sb, rip_s);
    }
    if (strcmp(sb->public_ip, gw->public_ip)) {
        sbrec_vpn_gateway_set_public_ip(sb, gw->public_ip);
    }
    struct sset old_routes = SSET_INITIALIZER(&old_routes);
    sset_add_array(&old_routes, sb->vpc_routes, sb->n_vpc_routes);
    if (!sset_equals(&old_routes, vpc_routes)) {
        const char **routes = sset_array(vpc_routes);
        sbrec_vpn_gateway_set_vpc_routes(sb, routes, sset_count(vpc_routes));
        free(routes);
    }
    sset_destroy(&old_routes);
    const char *nb_uuid = smap_get(&sb->external_ids, "nb-uuid");
    if (!nb_uuid || strcmp(nb_uuid, uuid_s)) {
        sbrec_vpn_gateway_update_external_ids_setkey(sb, "nb-uuid", uuid_s);
    }
    free(lsp);
    return sb;
}

/* Writes the tunnel's southbound row, bumping its generation when anything
 * changes. */
static void
sync_tunnel_sb(struct vpn_translator *tr, const struct nbrec_vpn_tunnel *t,
               struct nd_tunnel *nt, const struct vpn_tunnel_params *p,
               const struct sbrec_vpn_gateway *sbgw, const char *ike_group)
{
    if (nt->sb_name && strcmp(nt->sb_name, t->name)) {
        const struct sbrec_vpn_tunnel *old = lookup_sb_tunnel(tr,
                                                              nt->sb_name);
        if (old) {
            delete_sb_tunnel(tr, old);
        }
        free(nt->sb_name);
        nt->sb_name = NULL;
    }
    const struct sbrec_vpn_tunnel *sb = lookup_sb_tunnel(tr, t->name);
    if (!sbgw) {
        if (sb) {
            delete_sb_tunnel(tr, sb);
        }
        nt->generation = 0;
        return;
    }
    bool changed = false;
    if (!sb) {
        sb = insert_sb_tunnel(tr, t->name);
        changed = true;
    }
    keep(tr, sb);
    if (!nt->sb_name) {
        nt->sb_name = xstrdup(t->name);
    }

#define SYNC_STR(COLUMN, VALUE)                                     \
    if (!nullable_string_is_equal(sb->COLUMN, VALUE)) {             \
        sbrec_vpn_tunnel_set_##COLUMN(sb, VALUE);                   \
        changed = true;                                             \
    }
#define SYNC_INT(COLUMN, VALUE)                                     \
    if (sb->COLUMN != (VALUE)) {                                    \
        sbrec_vpn_tunnel_set_##COLUMN(sb, VALUE);                   \
        changed = true;                                             \
    }
    if (sb->gateway != sbgw) {
        sbrec_vpn_tunnel_set_gateway(sb, sbgw);
        changed = true;
    }
    SYNC_STR(ike_group, ike_group);
    SYNC_STR(peer_ip, p->peer_ip);
    SYNC_STR(local_id, vpn_params_local_id(p));
    SYNC_STR(peer_id, vpn_params_peer_id(p));
    SYNC_STR(ike_version, p->ike_version);
    SYNC_STR(ike_mode, p->ike_mode);
    SYNC_STR(ike_encryption, p->ike_encryption);
    SYNC_STR(ike_integrity, p->ike_integrity);
    SYNC_INT(ike_dh_group, p->ike_dh_group);
    SYNC_INT(ike_lifetime, p->ike_lifetime);
    SYNC_STR(ipsec_protocol, p->ipsec_protocol);
    SYNC_STR(ipsec_encryption, p->ipsec_encryption);
    SYNC_STR(ipsec_integrity, p->ipsec_integrity);
    SYNC_INT(ipsec_pfs_group, p->ipsec_pfs_group);
    SYNC_INT(ipsec_lifetime, p->ipsec_lifetime);
    SYNC_STR(dpd_action, p->dpd_action);
    SYNC_INT(dpd_delay, p->dpd_delay);
    SYNC_INT(dpd_timeout, p->dpd_timeout);
    SYNC_STR(initiator, p->initiator);
#undef SYNC_STR
#undef SYNC_INT

    /* The key, sealed to the chassis that hosts the gateway, and sealed
     * anew only when the key, the tunnel's name, the chassis or its
     * public key changed (the commitment tells).  While the chassis shows
     * no key (its report is being rewritten, its agent is gone), a box
     * that holds the current key stays as it is: it opens only for a
     * chassis that had the key already, and taking it away would take the
     * tunnel down; a box with an old key goes. */
    const char *recipient = (sbgw->chassis
                             ? vpn_chassis_seal_key(&tr->chassis,
                                                    sbgw->chassis)
                             : NULL);
    if (!recipient) {
        char *had = vpn_seal_recipient(sb->sealed_psk);
        if (sb->sealed_psk
            && !(had && vpn_seal_is_current(sb->sealed_psk, had, t->name,
                                            p->psk, tr->seal_secret))) {
            sbrec_vpn_tunnel_set_sealed_psk(sb, NULL);
            changed = true;
        }
        free(had);
    } else if (!vpn_seal_is_current(sb->sealed_psk, recipient, t->name,
                                    p->psk, tr->seal_secret)) {
        char *box;
        char *error = vpn_seal(recipient, t->name, p->psk, tr->seal_secret,
                               &box);
        if (error) {
            static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 5);
            VLOG_WARN_RL(&rl, "tunnel %s: cannot seal its key: %s",
                         t->name, error);
            free(error);
        }
        sbrec_vpn_tunnel_set_sealed_psk(sb, box);
        free(box);
        changed = true;
    }

    const struct {
        char **have;
        size_t n_have;
        const char **want;
        size_t n_want;
        void (*set)(const struct sbrec_vpn_tunnel *, const char **, size_t);
    } sets[] = {
        { sb->local_cidrs, sb->n_local_cidrs, p->local_cidrs,
          p->n_local_cidrs, sbrec_vpn_tunnel_set_local_cidrs },
        { sb->peer_cidrs, sb->n_peer_cidrs, p->peer_cidrs,
          p->n_peer_cidrs, sbrec_vpn_tunnel_set_peer_cidrs },
    };
    for (size_t i = 0; i < ARRAY_SIZE(sets); i++) {
        struct sset have = SSET_INITIALIZER(&have);
        struct sset want = SSET_INITIALIZER(&want);
        sset_add_array(&have, sets[i].have, sets[i].n_have);
        sset_add_array(&want, (char **) sets[i].want,
                       sets[i].n_want);
        if (!sset_equals(&have, &want)) {
            sets[i].set(sb, sets[i].want, sets[i].n_want);
            changed = true;
        }
        sset_destroy(&have);
        sset_destroy(&want);
    }

    char uuid_s[UUID_LEN + 1];
    snprintf(uuid_s, sizeof uuid_s, UUID_FMT, UUID_ARGS(&nt->uuid));
    const char *nb_uuid = smap_get(&sb->external_ids, "nb-uuid");
    if (!nb_uuid || strcmp(nb_uuid, uuid_s)) {
        sbrec_vpn_tunnel_update_external_ids_setkey(sb, "nb-uuid", uuid_s);
    }

    nt->generation = sb->generation;
    if (changed) {
        nt->generation = sb->generation + 1;
        sbrec_vpn_tunnel_set_generation(sb, nt->generation);
    }
}

/* Parses a static route's prefix ("a.b.c.d/n" or a bare address) into
 * 'cidr'. */
static bool
parse_route_prefix(const char *s, struct vpn_cidr *cidr)
{
    ovs_be32 ip;
    unsigned int plen;
    char *error = ip_parse_cidr(s, &ip, &plen);
    if (error) {
        free(error);
        return false;
    }
    vpn_cidr_init(cidr, ip, plen);
    return true;
}

/* Writes the tunnel's address sets and, if 'want_policy', its routes. */
static void
sync_tunnel_routes(struct vpn_translator *tr,
                   const struct nbrec_vpn_tunnel *t, struct nd_tunnel *nt,
                   const struct nd_gateway *g, bool want_sets,
                   bool want_policy)
{
    const struct nbrec_logical_router *lr = t->gateway->router;
    char uuid_s[UUID_LEN + 1];
    snprintf(uuid_s, sizeof uuid_s, UUID_FMT, UUID_ARGS(&nt->uuid));

    if (!uuid_equals(&nt->router, &lr->header_.uuid)) {
        /* The tunnel's VPC changed: the old policy goes. */
        const struct nbrec_logical_router *old = find_router(tr,
                                                             &nt->router);
        for (size_t i = 0; old && i < old->n_policies; i++) {
            const char *owner = smap_get(&old->policies[i]->external_ids,
                                         VPN_NB_OWNER_TUNNEL);
            if (owner && !strcmp(owner, uuid_s)) {
                nbrec_logical_router_update_policies_delvalue(
                    old, old->policies[i]);
            }
        }
        nt->router = lr->header_.uuid;
    }

    static const char *sides[] = { "local", "peer" };
    char *names[2];
    for (size_t i = 0; i < 2; i++) {
        names[i] = address_set_name(&nt->uuid, sides[i]);
        const struct nbrec_address_set *as = lookup_address_set(tr,
                                                                names[i]);
        if (!want_sets) {
            if (as) {
                delete_address_set(tr, as);
            }
            continue;
        }
        if (!as) {
            as = insert_address_set(tr, names[i]);
            nbrec_address_set_update_external_ids_setkey(
                as, VPN_NB_OWNER_TUNNEL, uuid_s);
        }
        keep(tr, as);
        char **want = i ? t->peer_cidrs : t->local_cidrs;
        size_t n_want = i ? t->n_peer_cidrs : t->n_local_cidrs;
        struct sset have_set = SSET_INITIALIZER(&have_set);
        struct sset want_set = SSET_INITIALIZER(&want_set);
        sset_add_array(&have_set, as->addresses, as->n_addresses);
        sset_add_array(&want_set, want, n_want);
        if (!sset_equals(&have_set, &want_set)) {
            nbrec_address_set_set_addresses(as, (const char **) want,
                                            n_want);
        }
        sset_destroy(&have_set);
        sset_destroy(&want_set);
    }

    /* The tunnel's own policies: the reroute, and (only when the router
     * had no route for some peer CIDR, see below) a drop for the peer
     * CIDRs from other sources. */
    const struct nbrec_logical_router_policy *reroute = NULL, *drop = NULL;
    for (size_t i = 0; i < lr->n_policies; i++) {
        const struct nbrec_logical_router_policy *p = lr->policies[i];
        const char *owner = smap_get(&p->external_ids, VPN_NB_OWNER_TUNNEL);
        if (owner && !strcmp(owner, uuid_s)) {
            if (!strcmp(p->action, "reroute") && !reroute) {
                reroute = p;
            } else if (!strcmp(p->action, "drop") && !drop) {
                drop = p;
            } else {
                nbrec_logical_router_update_policies_delvalue(lr, p);
            }
        }
    }

    /* OVN applies router policies only to packets that have a route
     * (lr_in_policy follows lr_in_ip_routing, which drops the rest).  A
     * VPC normally has a default route that covers the peer CIDRs; for a
     * peer CIDR that no user route covers, the tunnel brings its own
     * static route to the gateway, and a drop policy keeps traffic from
     * other sources where it was: dropped for lack of a route. */
    struct sset uncovered = SSET_INITIALIZER(&uncovered);
    for (size_t i = 0; want_policy && want_sets && i < t->n_peer_cidrs;
         i++) {
        struct vpn_cidr peer;
        char *error = vpn_cidr_parse("peer_cidrs", t->peer_cidrs[i], &peer);
        if (error) {
            free(error);
            continue;
        }
        bool covered = false;
        for (size_t j = 0; !covered && j < lr->n_static_routes; j++) {
            const struct nbrec_logical_router_static_route *r
                = lr->static_routes[j];
            struct vpn_cidr route;
            if (has_owner_key(&r->external_ids)
                || !parse_route_prefix(r->ip_prefix, &route)) {
                continue;
            }
            covered = vpn_cidr_contains(&route, &peer);
        }
        if (!covered) {
            sset_add(&uncovered, t->peer_cidrs[i]);
        }
    }
    char nexthop[INET_ADDRSTRLEN];
    inet_ntop(AF_INET, &g->internal_ip, nexthop, sizeof nexthop);
    bool need_drop = false;
    for (size_t i = 0; i < lr->n_static_routes; i++) {
        const struct nbrec_logical_router_static_route *r
            = lr->static_routes[i];
        const char *owner = smap_get(&r->external_ids, VPN_NB_OWNER_TUNNEL);
        if (!owner || strcmp(owner, uuid_s)) {
            continue;
        }
        if (sset_find_and_delete(&uncovered, r->ip_prefix)) {
            keep(tr, r);
            need_drop = true;
            if (strcmp(r->nexthop, nexthop)) {
                nbrec_logical_router_static_route_set_nexthop(r, nexthop);
            }
        } else {
            nbrec_logical_router_update_static_routes_delvalue(lr, r);
        }
    }
    const char *prefix;
    SSET_FOR_EACH (prefix, &uncovered) {
        const struct nbrec_logical_router_static_route *r
            = nbrec_logical_router_static_route_insert(tr->nb_txn);
        nbrec_logical_router_static_route_set_ip_prefix(r, prefix);
        nbrec_logical_router_static_route_set_nexthop(r, nexthop);
        nbrec_logical_router_static_route_update_external_ids_setkey(
            r, VPN_NB_OWNER_TUNNEL, uuid_s);
        nbrec_logical_router_update_static_routes_addvalue(lr, r);
        need_drop = true;
    }
    sset_destroy(&uncovered);

    if (!want_policy || !want_sets) {
        if (reroute) {
            nbrec_logical_router_update_policies_delvalue(lr, reroute);
        }
        need_drop = false;
    } else {
        char *match = xasprintf("ip4.src == $%s && ip4.dst == $%s",
                                names[0], names[1]);
        if (!reroute) {
            reroute = nbrec_logical_router_policy_insert(tr->nb_txn);
            nbrec_logical_router_policy_set_action(reroute, "reroute");
            nbrec_logical_router_policy_update_external_ids_setkey(
                reroute, VPN_NB_OWNER_TUNNEL, uuid_s);
            nbrec_logical_router_update_policies_addvalue(lr, reroute);
        }
        keep(tr, reroute);
        if (reroute->priority != VPN_NB_POLICY_PRIORITY) {
            nbrec_logical_router_policy_set_priority(reroute,
                                                     VPN_NB_POLICY_PRIORITY);
        }
        if (strcmp(reroute->match, match)) {
            nbrec_logical_router_policy_set_match(reroute, match);
        }
        /* "nexthops" supersedes the older single "nexthop". */
        if (reroute->n_nexthops != 1
            || strcmp(reroute->nexthops[0], nexthop) || reroute->nexthop) {
            const char *nexthops[] = { nexthop };
            nbrec_logical_router_policy_set_nexthops(reroute, nexthops, 1);
            nbrec_logical_router_policy_set_nexthop(reroute, NULL);
        }
        free(match);
    }

    if (need_drop) {
        char *match = xasprintf("ip4.dst == $%s", names[1]);
        if (!drop) {
            drop = nbrec_logical_router_policy_insert(tr->nb_txn);
            nbrec_logical_router_policy_set_action(drop, "drop");
            nbrec_logical_router_policy_update_external_ids_setkey(
                drop, VPN_NB_OWNER_TUNNEL, uuid_s);
            nbrec_logical_router_update_policies_addvalue(lr, drop);
        }
        keep(tr, drop);
        if (drop->priority != VPN_NB_POLICY_DROP_PRIORITY) {
            nbrec_logical_router_policy_set_priority(
                drop, VPN_NB_POLICY_DROP_PRIORITY);
        }
        if (strcmp(drop->match, match)) {
            nbrec_logical_router_policy_set_match(drop, match);
        }
        free(match);
    } else if (drop) {
        nbrec_logical_router_update_policies_delvalue(lr, drop);
    }
    free(names[0]);
    free(names[1]);
}

/* Returns a warning if a user's own route or policy on the VPC router
 * covers part of the tunnel's traffic, and sets '*user_wins' if that means
 * the tunnel must not reroute (a user's static route at least as specific
 * as a peer CIDR; a user policy above the band wins by priority alone). */
static char *
check_user_conflicts(const struct nbrec_vpn_tunnel *t,
                     const struct vpn_tunnel_cidrs *cidrs, bool *user_wins)
{
    const struct nbrec_logical_router *lr = t->gateway->router;
    *user_wins = false;

    for (size_t i = 0; i < lr->n_static_routes; i++) {
        const struct nbrec_logical_router_static_route *r
            = lr->static_routes[i];
        struct vpn_cidr route;
        if (has_owner_key(&r->external_ids)
            || !parse_route_prefix(r->ip_prefix, &route)) {
            continue;
        }
        for (size_t j = 0; j < cidrs->n_peer; j++) {
            if (vpn_cidr_contains(&cidrs->peer[j], &route)) {
                *user_wins = true;
                return xasprintf("peer_cidrs: the user's static route %s on "
                                 "router %s covers this tunnel's traffic; "
                                 "it wins and the tunnel does not reroute",
                                 r->ip_prefix, lr->name);
            }
        }
    }

    for (size_t i = 0; i < lr->n_policies; i++) {
        const struct nbrec_logical_router_policy *p = lr->policies[i];
        if (smap_get(&p->external_ids, VPN_NB_OWNER_TUNNEL)
            || p->priority <= VPN_NB_POLICY_BAND_MAX) {
            continue;
        }
        /* Look for IPv4 prefixes in the match. */
        char *copy = xstrdup(p->match);
        char *save = NULL;
        char *warning = NULL;
        for (char *word = strtok_r(copy, " (){},&|!=", &save);
             word && !warning; word = strtok_r(NULL, " (){},&|!=", &save)) {
            ovs_be32 ip;
            unsigned int plen;
            char *error = ip_parse_cidr(word, &ip, &plen);
            if (error) {
                free(error);
                continue;
            }
            struct vpn_cidr c;
            vpn_cidr_init(&c, ip, plen);
            for (size_t j = 0; j < cidrs->n_peer && !warning; j++) {
                if (vpn_cidrs_overlap(&cidrs->peer[j], &c)) {
                    warning = xasprintf("peer_cidrs: the user's policy at "
                                        "priority %"PRId64" on router %s "
                                        "(%s) covers part of this tunnel's "
                                        "traffic and wins", p->priority,
                                        lr->name, p->match);
                }
            }
        }
        free(copy);
        if (warning) {
            return warning;
        }
    }
    return NULL;
}

/* Why gateway 'gw' runs nowhere. */
static const char *
unplaced_reason(const struct nbrec_vpn_gateway *gw)
{
    return (gw && !gw->n_chassis
            ? "no chassis enabled for VPN gateways (ovn-cms-options="
              VPN_CHASSIS_OPT_IN") has a live ovn-vpn-agent"
            : "no candidate chassis has a live ovn-vpn-agent");
}

/* Fills 'status' with a tunnel's status. */
static void
tunnel_status(const struct vpn_translator *tr,
              const struct nbrec_vpn_tunnel *t, const struct nd_tunnel *nt,
              const struct nd_gateway *g, struct smap *status)
{
    if (nt->error) {
        smap_add(status, "state", "error");
        smap_add(status, "reason", nt->error);
        return;
    }
    if (!g->chassis) {
        smap_add(status, "state", "creating");
        smap_add_format(status, "reason", "gateway: %s",
                        unplaced_reason(t->gateway));
        smap_add(status, "connection", "connecting");
        return;
    }
    smap_add(status, "chassis", g->chassis);

    /* Without its agent's public key, no chassis gets the key. */
    const char *warning = nt->warning;
    char *no_key = NULL;
    if (!warning && !vpn_chassis_seal_key(&tr->chassis, g->chassis)) {
        warning = no_key = xasprintf("chassis %s: its agent published no "
                                     "key to seal the pre-shared key to "
                                     "(ovn-vpn-seal-key)", g->chassis);
    }

    const struct smap *reports = vpn_chassis_reports(&tr->chassis,
                                                     g->chassis);
    char *key = xasprintf(VPN_REPORT_TUNNEL_PREFIX"%s", t->name);
    const char *value = reports ? smap_get(reports, key) : NULL;
    free(key);
    struct vpn_tunnel_report r;
    if (!value || !vpn_report_tunnel_parse(value, &r)) {
        smap_add(status, "state", "creating");
        smap_add(status, "connection", "connecting");
        if (warning) {
            smap_add(status, "reason", warning);
        }
        free(no_key);
        return;
    }
    smap_add(status, "state",
             r.generation == nt->generation ? "running" : "creating");
    if (warning) {
        smap_add(status, "reason", warning);
    }
    free(no_key);
    smap_add(status, "connection", r.connection);
    if (r.reason[0]) {
        smap_add(status, "connection_reason", r.reason);
    }
    smap_add_format(status, "connection_changed", "%lld", r.changed);
    const struct {
        const char *key;
        int64_t value;
    } counters[] = {
        { "bytes_in", r.bytes_in }, { "bytes_out", r.bytes_out },
        { "packets_in", r.packets_in }, { "packets_out", r.packets_out },
    };
    for (size_t i = 0; i < ARRAY_SIZE(counters); i++) {
        if (counters[i].value >= 0) {
            smap_add_format(status, counters[i].key, "%"PRId64,
                            counters[i].value);
        }
    }
    vpn_report_tunnel_destroy(&r);
}

/* Fills 'status' with a gateway's status. */
static void
gateway_status(const struct vpn_translator *tr,
               const struct nbrec_vpn_gateway *gw, const struct nd_gateway *g,
               struct smap *status)
{
    if (g->error) {
        smap_add(status, "state", "error");
        smap_add(status, "reason", g->error);
        return;
    }
    char ip_s[INET_ADDRSTRLEN];
    inet_ntop(AF_INET, &g->internal_ip, ip_s, sizeof ip_s);
    char *lsp = lsp_name(&g->uuid);
    smap_add(status, "logical_port", lsp);
    free(lsp);
    smap_add(status, "internal_ip", ip_s);
    smap_add_format(status, "mac", ETH_ADDR_FMT, ETH_ADDR_ARGS(g->mac));
    if (!g->chassis) {
        smap_add(status, "state", "creating");
        smap_add_format(status, "reason", "chassis: %s",
                        unplaced_reason(gw));
        return;
    }
    smap_add(status, "chassis", g->chassis);

    const struct smap *reports = vpn_chassis_reports(&tr->chassis,
                                                     g->chassis);
    char *key = xasprintf(VPN_REPORT_GATEWAY_PREFIX"%s", gw->name);
    const char *value = reports ? smap_get(reports, key) : NULL;
    free(key);
    struct vpn_gateway_report r;
    if (value && vpn_report_gateway_parse(value, &r)) {
        smap_add(status, "state", !strcmp(r.state, "running") ? "running"
                                                               : "error");
        if (g->held) {
            smap_add_format(status, "reason", "chassis: the ovn-vpn-agent "
                            "of %s is silent and no other candidate "
                            "chassis has a live one: the gateway stays "
                            "there", g->chassis);
        } else if (r.reason[0]) {
            smap_add(status, "reason", r.reason);
        }
        vpn_report_gateway_destroy(&r);
    } else {
        smap_add(status, "state", "creating");
        if (g->held) {
            smap_add_format(status, "reason", "chassis: the ovn-vpn-agent "
                            "of %s is silent and no other candidate "
                            "chassis has a live one", g->chassis);
        }
    }
}

/* Recomputes everything about VPC router 'lr': its gateways' validity,
 * placement, ports and NAT rules, its tunnels' validity (in creation
 * order), southbound rows, address sets, policies and statuses. */
static void
sync_router(struct vpn_translator *tr, const struct nbrec_logical_router *lr)
{
    /* Gateways of this VPC. */
    const struct nbrec_vpn_gateway **gws = NULL;
    size_t n_gws = 0, allocated = 0;
    const struct nbrec_vpn_gateway *gw;
    NBREC_VPN_GATEWAY_FOR_EACH (gw, tr->nb) {
        if (gw->router != lr) {
            continue;
        }
        if (n_gws >= allocated) {
            gws = x2nrealloc(gws, &allocated, sizeof *gws);
        }
        gws[n_gws++] = gw;

        struct nd_gateway *g = get_gateway(tr, gw);
        free(g->error);
        g->error = vpn_nb_check_gateway(gw, tr->nb);
        if (!g->error && !router_can_nat(lr)) {
            g->error = xasprintf("router: %s has no gateway port "
                                 "(gateway_chassis or ha_chassis_group) and "
                                 "is not a gateway router, so it cannot NAT "
                                 "the public IP", lr->name);
        }
        if (!g->error) {
            char *error = vpn_nb_gateway_subnet(gw, &g->subnet);
            if (error) {
                g->error = error;
            }
        }
        if (!g->error) {
            char *name = lsp_name(&g->uuid);
            g->mac = choose_mac(gw, lookup_lsp(tr, name));
            free(name);
        }
    }
    if (n_gws) {
        qsort(gws, n_gws, sizeof *gws, compare_gateways);
    }
    choose_internal_ips(tr, gws, n_gws);

    /* Tunnels of this VPC, in creation order. */
    size_t n_tunnels;
    const struct nbrec_vpn_tunnel **idx_tunnels
        = vpn_nb_index_router_tunnels(&tr->index, lr, &n_tunnels);
    const struct nbrec_vpn_tunnel **tunnels
        = xmalloc(MAX(n_tunnels, 1) * sizeof *tunnels);
    if (n_tunnels) {
        memcpy(tunnels, idx_tunnels, n_tunnels * sizeof *tunnels);
    }
    qsort(tunnels, n_tunnels, sizeof *tunnels, compare_tunnels);
    struct vpn_tunnel_params *params = xcalloc(MAX(n_tunnels, 1),
                                               sizeof *params);
    for (size_t i = 0; i < n_tunnels; i++) {
        struct nd_tunnel *nt = get_tunnel(tr, tunnels[i]);
        nt->valid = false;
    }
    for (size_t i = 0; i < n_tunnels; i++) {
        const struct nbrec_vpn_tunnel *t = tunnels[i];
        struct nd_tunnel *nt = get_tunnel(tr, t);
        struct nd_gateway *g = get_gateway(tr, t->gateway);
        free(nt->error);
        free(nt->warning);
        nt->warning = NULL;
        char *peer_error = vpn_nb_check_peer(t->peer);
        if (g->error) {
            nt->error = xasprintf("gateway: VPN gateway %s is in error",
                                  t->gateway->name);
        } else if (peer_error) {
            nt->error = xasprintf("peer: peer gateway %s is in error: %s",
                                  t->peer->name, peer_error);
        } else {
            nt->error = vpn_nb_check_tunnel(t, &tr->index, counts_prior, tr);
        }
        free(peer_error);
        nt->valid = !nt->error;
        vpn_nb_tunnel_params(t, &params[i]);
    }

    /* Gateways: placement, then rows. */
    for (size_t i = 0; i < n_gws; i++) {
        gw = gws[i];
        struct nd_gateway *g = get_gateway(tr, gw);
        struct vpn_tunnel_params *mine = xcalloc(MAX(n_tunnels, 1),
                                                 sizeof *mine);
        size_t n_mine = 0;
        struct sset vpc_routes = SSET_INITIALIZER(&vpc_routes);
        for (size_t j = 0; j < n_tunnels; j++) {
            if (tunnels[j]->gateway == gw
                && find_tunnel(tr, &tunnels[j]->header_.uuid)->valid) {
                mine[n_mine++] = params[j];
                sset_add_array(&vpc_routes, tunnels[j]->local_cidrs,
                               tunnels[j]->n_local_cidrs);
            }
        }
        char *previous = g->chassis;
        if (!previous) {
            /* After a restart: where the last instance put it. */
            const struct sbrec_vpn_gateway *old
                = lookup_sb_gateway(tr, gw->name);
            previous = old ? nullable_xstrdup(old->chassis) : NULL;
        }
        g->chassis = g->error ? NULL : place_gateway(tr, gw, mine, n_mine);
        g->held = false;
        if (!g->chassis && !g->error && previous
            && is_candidate(tr, gw, previous)) {
            /* A gateway moves only when another chassis takes it over:
             * with no live candidate, it stays where it runs (its agent
             * may only be slow, and tearing down its tunnels would help
             * nobody). */
            g->chassis = previous;
            previous = NULL;
            g->held = true;
        }
        free(previous);
        free(mine);

        sync_gateway_nb(tr, gw, g);
        const struct sbrec_vpn_gateway *sbgw = sync_gateway_sb(tr, gw, g,
                                                               &vpc_routes);
        sset_destroy(&vpc_routes);

        /* IKE groups: tunnels of this gateway to one peer address share an
         * IKE SA; the group is named after its first tunnel by name. */
        struct smap groups = SMAP_INITIALIZER(&groups);
        for (size_t j = 0; j < n_tunnels; j++) {
            const struct nbrec_vpn_tunnel *t = tunnels[j];
            if (t->gateway != gw
                || !find_tunnel(tr, &t->header_.uuid)->valid) {
                continue;
            }
            const char *first = smap_get(&groups, t->peer->ip);
            if (!first || strcmp(t->name, first) < 0) {
                smap_replace(&groups, t->peer->ip, t->name);
            }
        }

        for (size_t j = 0; j < n_tunnels; j++) {
            const struct nbrec_vpn_tunnel *t = tunnels[j];
            if (t->gateway != gw) {
                continue;
            }
            struct nd_tunnel *nt = find_tunnel(tr, &t->header_.uuid);
            const struct vpn_caps *caps = g->chassis
                ? vpn_chassis_caps(&tr->chassis, g->chassis) : NULL;
            const char *field;
            char *value;
            if (nt->valid && caps
                && !vpn_caps_supports(caps, &params[j], &field, &value)) {
                nt->error = xasprintf("%s: %s is not supported by the "
                                      "libreswan of any candidate chassis "
                                      "(placed on %s)", field, value,
                                      g->chassis);
                free(value);
                nt->valid = false;
            }

            bool user_wins = false;
            if (nt->valid) {
                struct vpn_tunnel_cidrs cidrs;
                char *error = vpn_tunnel_cidrs_parse(&params[j], &cidrs);
                if (!error) {
                    nt->warning = check_user_conflicts(t, &cidrs,
                                                       &user_wins);
                    vpn_tunnel_cidrs_destroy(&cidrs);
                }
                free(error);
            }

            sync_tunnel_sb(tr, t, nt, &params[j], nt->valid ? sbgw : NULL,
                           smap_get(&groups, t->peer->ip));

            /* Routes: once connected, and kept after a later failure so
             * that traffic stays inside the gateway. */
            bool connected = tunnel_is_connected(tr, t, g);
            bool had_policy = false;
            char uuid_s[UUID_LEN + 1];
            snprintf(uuid_s, sizeof uuid_s, UUID_FMT, UUID_ARGS(&nt->uuid));
            for (size_t k = 0; k < lr->n_policies; k++) {
                const char *owner = smap_get(&lr->policies[k]->external_ids,
                                             VPN_NB_OWNER_TUNNEL);
                had_policy |= owner && !strcmp(owner, uuid_s);
            }
            sync_tunnel_routes(tr, t, nt, g, nt->valid,
                               !user_wins && (connected || had_policy));

            struct smap status = SMAP_INITIALIZER(&status);
            tunnel_status(tr, t, nt, g, &status);
            write_tunnel_status(tr, t, nt, &status);
            smap_destroy(&status);
        }
        smap_destroy(&groups);

        struct smap status = SMAP_INITIALIZER(&status);
        gateway_status(tr, gw, g, &status);
        set_status(&gw->status, &status, gateway_set_status, gw);
        smap_destroy(&status);
    }

    free(params);
    free(tunnels);
    free(gws);
}

/* Status-only updates: tunnels and gateways whose agent report changed and
 * whose VPC was not synced in this run anyway. */
static void
update_reported_status(struct vpn_translator *tr, const struct hmapx *synced)
{
    /* Only the tunnels and gateways whose reports changed, by name. */
    const char *name;
    SSET_FOR_EACH (name, &tr->chassis.changed_tunnels) {
        struct nbrec_vpn_tunnel *key
            = nbrec_vpn_tunnel_index_init_row(tr->tun_by_name);
        nbrec_vpn_tunnel_index_set_name(key, name);
        const struct nbrec_vpn_tunnel *t
            = nbrec_vpn_tunnel_index_find(tr->tun_by_name, key);
        nbrec_vpn_tunnel_index_destroy_row(key);
        if (!t || hmapx_contains(synced, CONST_CAST(
                                     struct nbrec_logical_router *,
                                     t->gateway->router))) {
            continue;
        }
        struct nd_tunnel *nt = find_tunnel(tr, &t->header_.uuid);
        struct nd_gateway *g = find_gateway(tr, &t->gateway->header_.uuid);
        if (!nt || !g) {
            continue;
        }
        /* A first "connected" also installs the tunnel's routes: only
         * its own. */
        if (nt->valid && tunnel_is_connected(tr, t, g)) {
            sync_connected_tunnel(tr, t, nt, g);
        }
        struct smap status = SMAP_INITIALIZER(&status);
        tunnel_status(tr, t, nt, g, &status);
        write_tunnel_status(tr, t, nt, &status);
        smap_destroy(&status);
    }

    SSET_FOR_EACH (name, &tr->chassis.changed_gateways) {
        struct nbrec_vpn_gateway *key
            = nbrec_vpn_gateway_index_init_row(tr->gw_by_name);
        nbrec_vpn_gateway_index_set_name(key, name);
        const struct nbrec_vpn_gateway *gw
            = nbrec_vpn_gateway_index_find(tr->gw_by_name, key);
        nbrec_vpn_gateway_index_destroy_row(key);
        if (!gw || hmapx_contains(synced, CONST_CAST(
                                      struct nbrec_logical_router *,
                                      gw->router))) {
            continue;
        }
        struct nd_gateway *g = find_gateway(tr, &gw->header_.uuid);
        if (g) {
            struct smap status = SMAP_INITIALIZER(&status);
            gateway_status(tr, gw, g, &status);
            set_status(&gw->status, &status, gateway_set_status, gw);
            smap_destroy(&status);
        }
    }
}

/* Returns true if the agent of the chassis that runs gateway 'g' reports
 * tunnel 't' connected. */
static bool
tunnel_is_connected(const struct vpn_translator *tr,
                    const struct nbrec_vpn_tunnel *t,
                    const struct nd_gateway *g)
{
    const struct smap *reports = vpn_chassis_reports(&tr->chassis,
                                                     g->chassis);
    char *key = xasprintf(VPN_REPORT_TUNNEL_PREFIX"%s", t->name);
    const char *report = reports ? smap_get(reports, key) : NULL;
    free(key);

    bool connected = false;
    struct vpn_tunnel_report r;
    if (report && vpn_report_tunnel_parse(report, &r)) {
        connected = !strcmp(r.connection, "connected");
        vpn_report_tunnel_destroy(&r);
    }
    return connected;
}

/* Valid tunnel 't', of a VPC that this run does not sync, is connected:
 * installs its routes (sync_tunnel_routes()), unless a user's route or
 * policy wins.  The rest of the VPC is untouched: its cost does not grow
 * with the VPC's other tunnels. */
static void
sync_connected_tunnel(struct vpn_translator *tr,
                      const struct nbrec_vpn_tunnel *t, struct nd_tunnel *nt,
                      const struct nd_gateway *g)
{
    struct vpn_tunnel_params params;
    vpn_nb_tunnel_params(t, &params);

    bool user_wins = false;
    struct vpn_tunnel_cidrs cidrs;
    char *error = vpn_tunnel_cidrs_parse(&params, &cidrs);
    free(nt->warning);
    nt->warning = NULL;
    if (!error) {
        nt->warning = check_user_conflicts(t, &cidrs, &user_wins);
        vpn_tunnel_cidrs_destroy(&cidrs);
    }
    free(error);
    sync_tunnel_routes(tr, t, nt, g, true, !user_wins);
}

/* Removes every row the translator wrote for gateway 'g'. */
static void
delete_gateway_rows(struct vpn_translator *tr, struct nd_gateway *g)
{
    char *name = lsp_name(&g->uuid);
    const struct nbrec_logical_switch_port *lsp = lookup_lsp(tr, name);
    free(name);
    if (lsp) {
        const struct nbrec_logical_switch *ls;
        NBREC_LOGICAL_SWITCH_FOR_EACH (ls, tr->nb) {
            for (size_t i = 0; i < ls->n_ports; i++) {
                if (ls->ports[i] == lsp) {
                    nbrec_logical_switch_update_ports_delvalue(ls, lsp);
                    break;
                }
            }
        }
    }
    char uuid_s[UUID_LEN + 1];
    snprintf(uuid_s, sizeof uuid_s, UUID_FMT, UUID_ARGS(&g->uuid));
    const struct nbrec_logical_router *lr = find_router(tr, &g->router);
    for (size_t i = 0; lr && i < lr->n_nat; i++) {
        const char *owner = smap_get(&lr->nat[i]->external_ids,
                                     VPN_NB_OWNER_GATEWAY);
        if (owner && !strcmp(owner, uuid_s)) {
            nbrec_logical_router_update_nat_delvalue(lr, lr->nat[i]);
        }
    }
    if (g->sb_name) {
        const struct sbrec_vpn_gateway *sb = lookup_sb_gateway(tr,
                                                               g->sb_name);
        if (sb) {
            sbrec_vpn_gateway_delete(sb);
        }
        free(g->sb_name);
        g->sb_name = NULL;
    }
}

/* Removes every row the translator wrote for tunnel 'nt'. */
static void
delete_tunnel_rows(struct vpn_translator *tr, struct nd_tunnel *nt)
{
    char uuid_s[UUID_LEN + 1];
    snprintf(uuid_s, sizeof uuid_s, UUID_FMT, UUID_ARGS(&nt->uuid));
    const struct nbrec_logical_router *lr = find_router(tr, &nt->router);
    for (size_t i = 0; lr && i < lr->n_policies; i++) {
        const char *owner = smap_get(&lr->policies[i]->external_ids,
                                     VPN_NB_OWNER_TUNNEL);
        if (owner && !strcmp(owner, uuid_s)) {
            nbrec_logical_router_update_policies_delvalue(lr,
                                                          lr->policies[i]);
        }
    }
    for (size_t i = 0; lr && i < lr->n_static_routes; i++) {
        const char *owner = smap_get(&lr->static_routes[i]->external_ids,
                                     VPN_NB_OWNER_TUNNEL);
        if (owner && !strcmp(owner, uuid_s)) {
            nbrec_logical_router_update_static_routes_delvalue(
                lr, lr->static_routes[i]);
        }
    }
    static const char *sides[] = { "local", "peer" };
    for (size_t i = 0; i < 2; i++) {
        char *name = address_set_name(&nt->uuid, sides[i]);
        const struct nbrec_address_set *as = lookup_address_set(tr, name);
        if (as) {
            delete_address_set(tr, as);
        }
        free(name);
    }
    if (nt->sb_name) {
        const struct sbrec_vpn_tunnel *sb = lookup_sb_tunnel(tr, nt->sb_name);
        if (sb) {
            delete_sb_tunnel(tr, sb);
        }
        free(nt->sb_name);
        nt->sb_name = NULL;
    }
}

static struct nd_gateway *
find_gateway(const struct vpn_translator *tr, const struct uuid *uuid)
{
    struct nd_gateway *g;
    HMAP_FOR_EACH_WITH_HASH (g, node, uuid_hash(uuid), &tr->gateways) {
        if (uuid_equals(&g->uuid, uuid)) {
            return g;
        }
    }
    return NULL;
}

static struct nd_gateway *
get_gateway(struct vpn_translator *tr, const struct nbrec_vpn_gateway *gw)
{
    struct nd_gateway *g = find_gateway(tr, &gw->header_.uuid);
    if (!g) {
        g = xzalloc(sizeof *g);
        g->uuid = gw->header_.uuid;
        g->router = gw->router->header_.uuid;
        hmap_insert(&tr->gateways, &g->node, uuid_hash(&g->uuid));
    }
    return g;
}

static struct nd_tunnel *
find_tunnel(const struct vpn_translator *tr, const struct uuid *uuid)
{
    struct nd_tunnel *nt;
    HMAP_FOR_EACH_WITH_HASH (nt, node, uuid_hash(uuid), &tr->tunnels) {
        if (uuid_equals(&nt->uuid, uuid)) {
            return nt;
        }
    }
    return NULL;
}

static struct nd_tunnel *
get_tunnel(struct vpn_translator *tr, const struct nbrec_vpn_tunnel *t)
{
    struct nd_tunnel *nt = find_tunnel(tr, &t->header_.uuid);
    if (!nt) {
        nt = xzalloc(sizeof *nt);
        nt->uuid = t->header_.uuid;
        nt->router = t->gateway->router->header_.uuid;
        hmap_insert(&tr->tunnels, &nt->node, uuid_hash(&nt->uuid));
    }
    return nt;
}

static void
free_gateway(struct vpn_translator *tr, struct nd_gateway *g)
{
    hmap_remove(&tr->gateways, &g->node);
    free(g->sb_name);
    free(g->error);
    free(g->chassis);
    free(g);
}

static void
free_tunnel(struct vpn_translator *tr, struct nd_tunnel *nt)
{
    hmap_remove(&tr->tunnels, &nt->node);
    free(nt->sb_name);
    free(nt->error);
    free(nt->warning);
    free(nt);
}

static const struct nbrec_logical_router *
find_router(const struct vpn_translator *tr, const struct uuid *uuid)
{
    return nbrec_logical_router_get_for_uuid(tr->nb, uuid);
}
