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

#ifndef VPN_TRANSLATE_PRIVATE_H
#define VPN_TRANSLATE_PRIVATE_H 1

/* The parts of the translator (vpn-translate.h) that its modules share:
 * its state and its internal functions.
 *
 *   vpn-translate.c         the public interface, what changed since the
 *                           last run and which VPCs that touches
 *   vpn-translate-vpc.c     one VPC's sync: its gateways and tunnels
 *   vpn-translate-place.c   where a gateway runs, its internal address and
 *                           MAC
 *   vpn-translate-rows.c    the rows the translator owns: finding,
 *                           writing, deleting
 *   vpn-translate-routes.c  a tunnel's address sets and reroute policy
 *   vpn-translate-status.c  the NB status of gateways and tunnels, from
 *                           the agents' reports
 *
 * Nothing outside northd-ext/vpn-translate*.c includes this header. */

#include <stdbool.h>
#include <stdint.h>

#include "hmapx.h"
#include "lib/ovn-vpn-nb-idl.h"
#include "lib/ovn-vpn-sb-idl.h"
#include "openvswitch/hmap.h"
#include "openvswitch/shash.h"
#include "packets.h"
#include "smap.h"
#include "sset.h"
#include "uuid.h"
#include "vpn-chassis.h"
#include "vpn-nb.h"
#include "vpn-translate.h"

struct ds;
struct vpn_tunnel_cidrs;
struct vpn_tunnel_params;

/* A tunnel's byte and packet counters reach its NB status at most every
 * half to whole of this (ovn-vpn-nb(5)); its state, at once. */
#define VPN_NB_COUNTER_MSEC 30000

/* What the translator remembers of a northbound gateway between runs. */
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
    char *standby;              /* Where it would go next, or NULL. */
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
    int64_t first_generation;   /* Its SB row's first: a report of an
                                 * older one is of another row. */
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

    /* The sealer of the current run: one ephemeral key per chassis for
     * all the keys it seals in one run, none kept beyond it. */
    struct vpn_sealer *sealer;

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

/* vpn-translate.c. */
bool tr_has_owner_key(const struct smap *external_ids);

/* vpn-translate-vpc.c. */
int tr_compare_creation(const int64_t *a_created, size_t a_n,
                        const struct uuid *a, const int64_t *b_created,
                        size_t b_n, const struct uuid *b);
void tr_sync_router(struct vpn_translator *tr,
                    const struct nbrec_logical_router *lr);

/* vpn-translate-place.c. */
int tr_compare_gateways(const void *a_, const void *b_);
void tr_choose_internal_ips(struct vpn_translator *tr,
                            const struct nbrec_vpn_gateway **gws, size_t n);
struct eth_addr tr_choose_mac(const struct nbrec_vpn_gateway *gw,
                              const struct nbrec_logical_switch_port *own);
bool tr_is_candidate(const struct vpn_translator *tr,
                     const struct nbrec_vpn_gateway *gw, const char *name);
int64_t tr_reported_generation(const struct vpn_translator *,
                               const char *chassis, const char *name);
char *tr_place_gateway(const struct vpn_translator *tr,
                       const struct nbrec_vpn_gateway *gw,
                       const struct vpn_tunnel_params *params,
                       size_t n_params, const char *exclude);
const char *tr_unplaced_reason(const struct nbrec_vpn_gateway *gw);

/* vpn-translate-rows.c. */
char *tr_lsp_name(const struct uuid *gw);
char *tr_address_set_name(const struct uuid *t, const char *side);
const struct nbrec_logical_switch_port *
tr_lookup_lsp(const struct vpn_translator *tr, const char *name);
void tr_refresh_name_maps(struct vpn_translator *tr);
const struct nbrec_address_set *
tr_lookup_address_set(const struct vpn_translator *tr, const char *name);
const struct nbrec_address_set *
tr_insert_address_set(struct vpn_translator *tr, const char *name);
void tr_delete_address_set(struct vpn_translator *tr,
                           const struct nbrec_address_set *as);
const struct sbrec_vpn_gateway *
tr_lookup_sb_gateway(const struct vpn_translator *tr, const char *name);
void tr_delete_sb_tunnel(struct vpn_translator *tr,
                         const struct sbrec_vpn_tunnel *t);
void tr_keep(struct vpn_translator *tr, const void *row);
void tr_sync_gateway_nb(struct vpn_translator *tr,
                        const struct nbrec_vpn_gateway *gw,
                        struct nd_gateway *g);
const struct sbrec_vpn_gateway *
tr_sync_gateway_sb(struct vpn_translator *tr,
                   const struct nbrec_vpn_gateway *gw, struct nd_gateway *g,
                   const struct sset *vpc_routes);
void tr_sync_tunnel_sb(struct vpn_translator *tr,
                       const struct nbrec_vpn_tunnel *t, struct nd_tunnel *nt,
                       const struct vpn_tunnel_params *p,
                       const struct sbrec_vpn_gateway *sbgw,
                       const char *ike_group);
void tr_delete_gateway_rows(struct vpn_translator *tr, struct nd_gateway *g);
void tr_delete_tunnel_rows(struct vpn_translator *tr, struct nd_tunnel *nt);
struct nd_gateway *tr_find_gateway(const struct vpn_translator *tr,
                                   const struct uuid *uuid);
struct nd_gateway *tr_get_gateway(struct vpn_translator *tr,
                                  const struct nbrec_vpn_gateway *gw);
struct nd_tunnel *tr_find_tunnel(const struct vpn_translator *tr,
                                 const struct uuid *uuid);
struct nd_tunnel *tr_get_tunnel(struct vpn_translator *tr,
                                const struct nbrec_vpn_tunnel *t);
void tr_free_gateway(struct vpn_translator *tr, struct nd_gateway *g);
void tr_free_tunnel(struct vpn_translator *tr, struct nd_tunnel *nt);
const struct nbrec_logical_router *
tr_find_router(const struct vpn_translator *tr, const struct uuid *uuid);

/* vpn-translate-routes.c. */
void tr_sync_tunnel_routes(struct vpn_translator *tr,
                           const struct nbrec_vpn_tunnel *t,
                           struct nd_tunnel *nt, const struct nd_gateway *g,
                           bool want_sets, bool want_policy);
char *tr_check_user_conflicts(const struct nbrec_vpn_tunnel *t,
                              const struct vpn_tunnel_cidrs *cidrs,
                              bool *user_wins);

/* vpn-translate-status.c. */
void tr_set_status(const struct smap *old, struct smap *new,
                   void (*setter)(const void *, const struct smap *),
                   const void *row);
void tr_gateway_set_status(const void *row, const struct smap *status);
void tr_write_tunnel_status(struct vpn_translator *tr,
                            const struct nbrec_vpn_tunnel *t,
                            struct nd_tunnel *nt, const struct smap *status);
/* The NB keeps at most this many connection events per tunnel. */
#define TR_TUNNEL_LOG_MAX 20

void tr_update_tunnel(struct vpn_translator *tr,
                      const struct nbrec_vpn_tunnel *t, struct nd_tunnel *nt,
                      const struct nd_gateway *g);
void tr_write_tunnel_log(struct vpn_translator *tr,
                         const struct nbrec_vpn_tunnel *t,
                         const struct nd_tunnel *nt,
                         const struct nd_gateway *g);
void tr_tunnel_status(const struct vpn_translator *tr,
                      const struct nbrec_vpn_tunnel *t,
                      const struct nd_tunnel *nt, const struct nd_gateway *g,
                      struct smap *status);
void tr_gateway_status(const struct vpn_translator *tr,
                       const struct nbrec_vpn_gateway *gw,
                       const struct nd_gateway *g, struct smap *status);
void tr_update_reported_status(struct vpn_translator *tr,
                               const struct hmapx *synced);
bool tr_tunnel_is_connected(const struct vpn_translator *tr,
                            const struct nbrec_vpn_tunnel *t,
                            const struct nd_gateway *g);

#endif /* vpn-translate-private.h */
