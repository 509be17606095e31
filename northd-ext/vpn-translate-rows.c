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

/* The rows the translator owns, for the translator (see
 * vpn-translate-private.h): finding them by name, writing the gateway's
 * port, NAT and SB rows and the tunnel's SB row (its key sealed to its
 * chassis), deleting them, and what the translator remembers of each NB
 * row. */

#include <config.h>

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
#include "vpn-catalog-row.h"
#include "vpn-params.h"
#include "vpn-report.h"
#include "vpn-seal.h"
#include "vpn-validate.h"

#include "vpn-translate-private.h"

VLOG_DEFINE_THIS_MODULE(vpn_translate_rows);

char *
tr_lsp_name(const struct uuid *gw)
{
    return xasprintf("vpn-"UUID_FMT, UUID_ARGS(gw));
}

char *
tr_address_set_name(const struct uuid *t, const char *side)
{
    char *name = xasprintf("vpn_"UUID_FMT"_%s", UUID_ARGS(t), side);
    for (char *p = name; *p; p++) {
        if (*p == '-') {
            *p = '_';
        }
    }
    return name;
}

const struct nbrec_logical_switch_port *
tr_lookup_lsp(const struct vpn_translator *tr, const char *name)
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
void
tr_refresh_name_maps(struct vpn_translator *tr)
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
tr_name_map_delete(struct name_map *map, const char *name, const void *row)
{
    struct shash_node *node = shash_find(&map->rows, name);
    if (node && node->data == row) {
        shash_delete(&map->rows, node);
    }
    map->stale = true;
}

const struct nbrec_address_set *
tr_lookup_address_set(const struct vpn_translator *tr, const char *name)
{
    return shash_find_data(&tr->address_sets.rows, name);
}

const struct nbrec_address_set *
tr_insert_address_set(struct vpn_translator *tr, const char *name)
{
    const struct nbrec_address_set *as = nbrec_address_set_insert(tr->nb_txn);
    nbrec_address_set_set_name(as, name);
    shash_replace(&tr->address_sets.rows, name, as);
    tr->address_sets.stale = true;
    return as;
}

void
tr_delete_address_set(struct vpn_translator *tr,
                      const struct nbrec_address_set *as)
{
    tr_name_map_delete(&tr->address_sets, as->name, as);
    nbrec_address_set_delete(as);
}

const struct sbrec_vpn_gateway *
tr_lookup_sb_gateway(const struct vpn_translator *tr, const char *name)
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
tr_lookup_sb_tunnel(const struct vpn_translator *tr, const char *name)
{
    return shash_find_data(&tr->sb_tunnels.rows, name);
}

static const struct sbrec_vpn_tunnel *
tr_insert_sb_tunnel(struct vpn_translator *tr, const char *name)
{
    const struct sbrec_vpn_tunnel *t = sbrec_vpn_tunnel_insert(tr->sb_txn);
    sbrec_vpn_tunnel_set_name(t, name);
    shash_replace(&tr->sb_tunnels.rows, name, t);
    tr->sb_tunnels.stale = true;
    return t;
}

void
tr_delete_sb_tunnel(struct vpn_translator *tr,
                    const struct sbrec_vpn_tunnel *t)
{
    tr_name_map_delete(&tr->sb_tunnels, t->name, t);
    sbrec_vpn_tunnel_delete(t);
}

void
tr_keep(struct vpn_translator *tr, const void *row)
{
    if (tr->full) {
        hmapx_add(&tr->kept, CONST_CAST(void *, row));
    }
}

/* Writes the gateway's port and NAT rule (or removes them when the gateway
 * is invalid). */
void
tr_sync_gateway_nb(struct vpn_translator *tr,
                   const struct nbrec_vpn_gateway *gw,
                   struct nd_gateway *g)
{
    char *name = tr_lsp_name(&g->uuid);
    const struct nbrec_logical_switch_port *lsp = tr_lookup_lsp(tr, name);
    const struct nbrec_logical_switch *ls = gw->logical_switch;

    if (g->error) {
        tr_delete_gateway_rows(tr, g);
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
    tr_keep(tr, lsp);
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
        const struct nbrec_logical_router *old
            = tr_find_router(tr, &g->router);
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
    tr_keep(tr, nat);
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
const struct sbrec_vpn_gateway *
tr_sync_gateway_sb(struct vpn_translator *tr,
                   const struct nbrec_vpn_gateway *gw,
                   struct nd_gateway *g, const struct sset *vpc_routes)
{
    if (g->sb_name && strcmp(g->sb_name, gw->name)) {
        /* Renamed. */
        const struct sbrec_vpn_gateway *old = tr_lookup_sb_gateway(tr,
                                                                   g->sb_name);
        if (old) {
            sbrec_vpn_gateway_delete(old);
        }
        free(g->sb_name);
        g->sb_name = NULL;
    }
    const struct sbrec_vpn_gateway *sb = tr_lookup_sb_gateway(tr, gw->name);
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
    tr_keep(tr, sb);
    if (!g->sb_name) {
        g->sb_name = xstrdup(gw->name);
    }

    char *lsp = tr_lsp_name(&g->uuid);
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
    if (!nullable_string_is_equal(sb->standby, g->standby)) {
        sbrec_vpn_gateway_set_standby(sb, g->standby);
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
    /* For the agents' metrics: the VPC's name. */
    const char *vpc = smap_get(&sb->external_ids, "vpc");
    const char *vpc_name = gw->router ? gw->router->name : "";
    if (!vpc || strcmp(vpc, vpc_name)) {
        sbrec_vpn_gateway_update_external_ids_setkey(sb, "vpc", vpc_name);
    }
    free(lsp);
    return sb;
}

/* Writes the tunnel's southbound row, bumping its generation when anything
 * changes. */
void
tr_sync_tunnel_sb(struct vpn_translator *tr, const struct nbrec_vpn_tunnel *t,
                  struct nd_tunnel *nt, const struct vpn_tunnel_params *p,
                  const struct sbrec_vpn_gateway *sbgw, const char *ike_group)
{
    if (nt->sb_name && strcmp(nt->sb_name, t->name)) {
        const struct sbrec_vpn_tunnel *old
            = tr_lookup_sb_tunnel(tr, nt->sb_name);
        if (old) {
            tr_delete_sb_tunnel(tr, old);
        }
        free(nt->sb_name);
        nt->sb_name = NULL;
    }
    const struct sbrec_vpn_tunnel *sb = tr_lookup_sb_tunnel(tr, t->name);
    if (!sbgw) {
        if (sb) {
            tr_delete_sb_tunnel(tr, sb);
        }
        nt->generation = 0;
        return;
    }
    bool changed = false;
    if (!sb) {
        /* Generations never repeat for a name: what the chassis reports of
         * a tunnel of the same name that was deleted (or of this one's row
         * before it was taken out) tells nothing of the new row. */
        sb = tr_insert_sb_tunnel(tr, t->name);
        nt->first_generation = tr_reported_generation(tr, sbgw->chassis,
                                                      t->name) + 1;
        sbrec_vpn_tunnel_set_generation(sb, nt->first_generation - 1);
        char *first = xasprintf("%"PRId64, nt->first_generation);
        sbrec_vpn_tunnel_update_external_ids_setkey(sb, "first-generation",
                                                    first);
        free(first);
        changed = true;
    } else if (!nt->first_generation) {
        /* After a restart.  (A row from before first generations were
         * kept has none: 0.)  Otherwise the value set at the insertion
         * holds, even while the transaction that writes it is in
         * flight. */
        nt->first_generation = smap_get_ullong(&sb->external_ids,
                                               "first-generation", 0);
    }
    tr_keep(tr, sb);
    if (!nt->sb_name) {
        nt->sb_name = xstrdup(t->name);
    }

#define SYNC_STR(COLUMN, VALUE)                                     \
    if (!nullable_string_is_equal(sb->COLUMN, VALUE)) {             \
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
    /* The catalog's settings, resolved (defaults applied). */
    changed = vpn_catalog_to_row(&sb->header_, p) || changed;
#undef SYNC_STR

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
        char *error = vpn_sealer_seal(tr->sealer, recipient, t->name,
                                      p->psk, tr->seal_secret, &box);
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
    /* For the agents' metrics: the peer gateway's name. */
    const char *peer = smap_get(&sb->external_ids, "peer");
    const char *peer_name = t->peer ? t->peer->name : "";
    if (!peer || strcmp(peer, peer_name)) {
        sbrec_vpn_tunnel_update_external_ids_setkey(sb, "peer", peer_name);
    }

    nt->generation = sb->generation;
    if (changed) {
        nt->generation = sb->generation + 1;
        sbrec_vpn_tunnel_set_generation(sb, nt->generation);
    }
}

/* Removes every row the translator wrote for gateway 'g'. */
void
tr_delete_gateway_rows(struct vpn_translator *tr, struct nd_gateway *g)
{
    char *name = tr_lsp_name(&g->uuid);
    const struct nbrec_logical_switch_port *lsp = tr_lookup_lsp(tr, name);
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
    const struct nbrec_logical_router *lr = tr_find_router(tr, &g->router);
    for (size_t i = 0; lr && i < lr->n_nat; i++) {
        const char *owner = smap_get(&lr->nat[i]->external_ids,
                                     VPN_NB_OWNER_GATEWAY);
        if (owner && !strcmp(owner, uuid_s)) {
            nbrec_logical_router_update_nat_delvalue(lr, lr->nat[i]);
        }
    }
    if (g->sb_name) {
        const struct sbrec_vpn_gateway *sb = tr_lookup_sb_gateway(tr,
                                                                  g->sb_name);
        if (sb) {
            sbrec_vpn_gateway_delete(sb);
        }
        free(g->sb_name);
        g->sb_name = NULL;
    }
}

/* Removes every row the translator wrote for tunnel 'nt'. */
void
tr_delete_tunnel_rows(struct vpn_translator *tr, struct nd_tunnel *nt)
{
    char uuid_s[UUID_LEN + 1];
    snprintf(uuid_s, sizeof uuid_s, UUID_FMT, UUID_ARGS(&nt->uuid));
    const struct nbrec_logical_router *lr = tr_find_router(tr, &nt->router);
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
        char *name = tr_address_set_name(&nt->uuid, sides[i]);
        const struct nbrec_address_set *as = tr_lookup_address_set(tr, name);
        if (as) {
            tr_delete_address_set(tr, as);
        }
        free(name);
    }
    if (nt->sb_name) {
        const struct sbrec_vpn_tunnel *sb
            = tr_lookup_sb_tunnel(tr, nt->sb_name);
        if (sb) {
            tr_delete_sb_tunnel(tr, sb);
        }
        free(nt->sb_name);
        nt->sb_name = NULL;
    }
}

struct nd_gateway *
tr_find_gateway(const struct vpn_translator *tr, const struct uuid *uuid)
{
    struct nd_gateway *g;
    HMAP_FOR_EACH_WITH_HASH (g, node, uuid_hash(uuid), &tr->gateways) {
        if (uuid_equals(&g->uuid, uuid)) {
            return g;
        }
    }
    return NULL;
}

struct nd_gateway *
tr_get_gateway(struct vpn_translator *tr, const struct nbrec_vpn_gateway *gw)
{
    struct nd_gateway *g = tr_find_gateway(tr, &gw->header_.uuid);
    if (!g) {
        g = xzalloc(sizeof *g);
        g->uuid = gw->header_.uuid;
        g->router = gw->router->header_.uuid;
        hmap_insert(&tr->gateways, &g->node, uuid_hash(&g->uuid));
    }
    return g;
}

struct nd_tunnel *
tr_find_tunnel(const struct vpn_translator *tr, const struct uuid *uuid)
{
    struct nd_tunnel *nt;
    HMAP_FOR_EACH_WITH_HASH (nt, node, uuid_hash(uuid), &tr->tunnels) {
        if (uuid_equals(&nt->uuid, uuid)) {
            return nt;
        }
    }
    return NULL;
}

struct nd_tunnel *
tr_get_tunnel(struct vpn_translator *tr, const struct nbrec_vpn_tunnel *t)
{
    struct nd_tunnel *nt = tr_find_tunnel(tr, &t->header_.uuid);
    if (!nt) {
        nt = xzalloc(sizeof *nt);
        nt->uuid = t->header_.uuid;
        nt->router = t->gateway->router->header_.uuid;
        hmap_insert(&tr->tunnels, &nt->node, uuid_hash(&nt->uuid));
    }
    return nt;
}

void
tr_free_gateway(struct vpn_translator *tr, struct nd_gateway *g)
{
    hmap_remove(&tr->gateways, &g->node);
    free(g->sb_name);
    free(g->error);
    free(g->chassis);
    free(g->standby);
    free(g);
}

void
tr_free_tunnel(struct vpn_translator *tr, struct nd_tunnel *nt)
{
    hmap_remove(&tr->tunnels, &nt->node);
    free(nt->sb_name);
    free(nt->error);
    free(nt->warning);
    free(nt);
}

const struct nbrec_logical_router *
tr_find_router(const struct vpn_translator *tr, const struct uuid *uuid)
{
    return nbrec_logical_router_get_for_uuid(tr->nb, uuid);
}
