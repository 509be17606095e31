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

/* The northbound VPN rules that need database context, shared by
 * ovn-vpnctl and ovn-vpn-northd (see vpn-nb.h). */

#include <config.h>

#include "vpn-nb.h"

#include <string.h>

#include "lib/ovn-vpn-nb-idl.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/util.h"
#include "packets.h"
#include "smap.h"
#include "util.h"
#include "uuid.h"
#include "vpn-catalog.h"
#include "vpn-catalog-row.h"

/* A group of tunnels that share a VPC router, a gateway or a peer. */
struct vpn_nb_group {
    struct hmap_node hmap_node;     /* In one of vpn_nb_index's maps. */
    const struct uuid *key;         /* The shared row's UUID. */
    const struct nbrec_vpn_tunnel **tunnels;
    size_t n, allocated;
};

static void index_add(struct hmap *, const struct uuid *,
                      const struct nbrec_vpn_tunnel *);
static const struct vpn_nb_group *index_find(const struct hmap *,
                                             const struct uuid *);
static void index_clear(struct hmap *);
static bool owned_by(const struct smap *external_ids, const char *key,
                     const struct uuid *);
static char *check_ike_group(const struct nbrec_vpn_tunnel *,
                             const struct vpn_tunnel_params *,
                             const struct vpn_nb_index *,
                             vpn_nb_counts_func *, void *aux);
static size_t count_group(const struct vpn_nb_group *,
                          const struct nbrec_vpn_tunnel *,
                          vpn_nb_counts_func *, void *aux);

void
vpn_nb_tunnel_params(const struct nbrec_vpn_tunnel *t,
                     struct vpn_tunnel_params *p)
{
    vpn_params_init(p);
    p->name = t->name;
    p->local_ip = t->gateway->internal_ip;
    p->local_public_ip = t->gateway->public_ip;
    p->peer_ip = t->peer->ip;
    p->local_id = t->local_id;
    p->peer_id = t->peer_id;
    p->local_cidrs = (const char **) t->local_cidrs;
    p->n_local_cidrs = t->n_local_cidrs;
    p->peer_cidrs = (const char **) t->peer_cidrs;
    p->n_peer_cidrs = t->n_peer_cidrs;
    p->psk = t->psk;
    vpn_catalog_from_row(&t->header_, p);
    vpn_params_apply_defaults(p);
}

/* Finds the subnet of 'gw': the port of gw->router that gw->logical_switch
 * is attached to through a router-type switch port, and its first IPv4
 * network. */
char *
vpn_nb_gateway_subnet(const struct nbrec_vpn_gateway *gw,
                      struct vpn_nb_subnet *subnet)
{
    const struct nbrec_logical_switch *ls = gw->logical_switch;
    const struct nbrec_logical_router *lr = gw->router;

    for (size_t i = 0; i < ls->n_ports; i++) {
        const struct nbrec_logical_switch_port *lsp = ls->ports[i];
        const char *rp = smap_get(&lsp->options, "router-port");
        if (strcmp(lsp->type, "router") || !rp) {
            continue;
        }
        for (size_t j = 0; j < lr->n_ports; j++) {
            const struct nbrec_logical_router_port *lrp = lr->ports[j];
            if (strcmp(lrp->name, rp)) {
                continue;
            }
            for (size_t k = 0; k < lrp->n_networks; k++) {
                ovs_be32 ip;
                unsigned int plen;
                char *error = ip_parse_cidr(lrp->networks[k], &ip, &plen);
                if (error) {
                    free(error);
                    continue;
                }
                subnet->lrp = lrp;
                subnet->router_ip = ip;
                vpn_cidr_init(&subnet->cidr, ip, plen);
                return NULL;
            }
            return xasprintf("logical_switch: router port %s of router %s "
                             "has no IPv4 network", lrp->name, lr->name);
        }
    }
    return xasprintf("logical_switch: %s is not attached to router %s",
                     ls->name, lr->name);
}

/* Stores the IPv4 networks of every port of 'lr' in '*subnetsp' (which the
 * caller must free) and their number in '*n'. */
void
vpn_nb_router_subnets(const struct nbrec_logical_router *lr,
                      struct vpn_cidr **subnetsp, size_t *n)
{
    struct vpn_cidr *subnets = NULL;
    size_t n_subnets = 0, allocated = 0;

    for (size_t i = 0; i < lr->n_ports; i++) {
        const struct nbrec_logical_router_port *lrp = lr->ports[i];
        for (size_t j = 0; j < lrp->n_networks; j++) {
            ovs_be32 ip;
            unsigned int plen;
            char *error = ip_parse_cidr(lrp->networks[j], &ip, &plen);
            if (error) {
                free(error);
                continue;
            }
            if (n_subnets >= allocated) {
                subnets = x2nrealloc(subnets, &allocated, sizeof *subnets);
            }
            vpn_cidr_init(&subnets[n_subnets++], ip, plen);
        }
    }
    *subnetsp = subnets;
    *n = n_subnets;
}

void
vpn_nb_index_init(struct vpn_nb_index *index)
{
    hmap_init(&index->routers);
    hmap_init(&index->gateways);
    hmap_init(&index->peers);
}

/* Rebuilds 'index' from every tunnel in 'idl'. */
void
vpn_nb_index_build(struct vpn_nb_index *index, const struct ovsdb_idl *idl)
{
    index_clear(&index->routers);
    index_clear(&index->gateways);
    index_clear(&index->peers);

    const struct nbrec_vpn_tunnel *t;
    NBREC_VPN_TUNNEL_FOR_EACH (t, idl) {
        index_add(&index->routers, &t->gateway->router->header_.uuid, t);
        index_add(&index->gateways, &t->gateway->header_.uuid, t);
        index_add(&index->peers, &t->peer->header_.uuid, t);
    }
}

void
vpn_nb_index_destroy(struct vpn_nb_index *index)
{
    if (index) {
        index_clear(&index->routers);
        index_clear(&index->gateways);
        index_clear(&index->peers);
        hmap_destroy(&index->routers);
        hmap_destroy(&index->gateways);
        hmap_destroy(&index->peers);
    }
}

size_t
vpn_nb_index_count_gateway(const struct vpn_nb_index *index,
                           const struct nbrec_vpn_gateway *gw)
{
    const struct vpn_nb_group *g = index_find(&index->gateways,
                                              &gw->header_.uuid);
    return g ? g->n : 0;
}

size_t
vpn_nb_index_count_peer(const struct vpn_nb_index *index,
                        const struct nbrec_vpn_peer *peer)
{
    const struct vpn_nb_group *g = index_find(&index->peers,
                                              &peer->header_.uuid);
    return g ? g->n : 0;
}

char *
vpn_nb_check_peer(const struct nbrec_vpn_peer *peer)
{
    char *error = vpn_check_name("name", peer->name);
    if (!error && peer->comment) {
        error = vpn_check_comment("comment", peer->comment);
    }
    if (!error) {
        ovs_be32 ip;
        error = vpn_check_peer_ip("ip", peer->ip, &ip);
    }
    return error;
}

char *
vpn_nb_check_gateway(const struct nbrec_vpn_gateway *gw,
                     const struct ovsdb_idl *idl)
{
    ovs_be32 public_ip;
    char *error = vpn_check_name("name", gw->name);
    if (!error && gw->comment) {
        error = vpn_check_comment("comment", gw->comment);
    }
    if (!error) {
        error = vpn_check_unicast_ip("public_ip", gw->public_ip, &public_ip);
    }
    if (error) {
        return error;
    }

    struct vpn_nb_subnet subnet;
    error = vpn_nb_gateway_subnet(gw, &subnet);
    if (error) {
        return error;
    }

    if (gw->internal_ip) {
        ovs_be32 ip;
        error = vpn_check_unicast_ip("internal_ip", gw->internal_ip, &ip);
        if (!error) {
            error = vpn_check_ip_in_subnet("internal_ip", ip, &subnet.cidr,
                                           gw->logical_switch->name);
        }
        if (error) {
            return error;
        }
        if (ip == subnet.router_ip) {
            return xasprintf("internal_ip: %s is router %s's own address",
                             gw->internal_ip, gw->router->name);
        }
        const struct nbrec_logical_switch *ls = gw->logical_switch;
        for (size_t i = 0; i < ls->n_ports; i++) {
            const struct nbrec_logical_switch_port *lsp = ls->ports[i];
            if (owned_by(&lsp->external_ids, VPN_NB_OWNER_GATEWAY,
                         &gw->header_.uuid)) {
                continue;
            }
            for (size_t j = 0; j < lsp->n_addresses; j++) {
                char *copy = xstrdup(lsp->addresses[j]);
                char *save = NULL;
                bool used = false;
                for (char *word = strtok_r(copy, " ", &save); word;
                     word = strtok_r(NULL, " ", &save)) {
                    ovs_be32 other;
                    if (ip_parse(word, &other) && other == ip) {
                        used = true;
                    }
                }
                free(copy);
                if (used) {
                    return xasprintf("internal_ip: %s is already used by "
                                     "port %s", gw->internal_ip, lsp->name);
                }
            }
        }
    }

    const struct nbrec_vpn_gateway *other;
    NBREC_VPN_GATEWAY_FOR_EACH (other, idl) {
        if (other != gw && !strcmp(other->public_ip, gw->public_ip)) {
            return xasprintf("public_ip: %s is already used by VPN gateway "
                             "%s", gw->public_ip, other->name);
        }
    }
    const struct nbrec_nat *nat;
    NBREC_NAT_FOR_EACH (nat, idl) {
        ovs_be32 ext;
        if (ip_parse(nat->external_ip, &ext) && ext == public_ip
            && !owned_by(&nat->external_ids, VPN_NB_OWNER_GATEWAY,
                         &gw->header_.uuid)) {
            return xasprintf("public_ip: %s is already used by a %s NAT rule "
                             "(logical_ip %s)", gw->public_ip, nat->type,
                             nat->logical_ip);
        }
    }
    return NULL;
}

/* Returns the tunnels of VPC router 'lr' in 'index' (the array belongs to
 * the index) and their number in '*n'. */
const struct nbrec_vpn_tunnel **
vpn_nb_index_router_tunnels(const struct vpn_nb_index *index,
                            const struct nbrec_logical_router *lr, size_t *n)
{
    const struct vpn_nb_group *g = index_find(&index->routers,
                                              &lr->header_.uuid);
    *n = g ? g->n : 0;
    return g ? g->tunnels : NULL;
}

/* Checks the rules of tunnel 't' that involve no other row: its name,
 * comment and parameters, and its CIDRs, which it parses into 'cidrs' (the
 * caller destroys them), and puts its parameters in 'p'.  Returns NULL or
 * the error, in which case 'cidrs' needs no destroying. */
static char *
check_tunnel_row(const struct nbrec_vpn_tunnel *t,
                 struct vpn_tunnel_params *p, struct vpn_tunnel_cidrs *cidrs)
{
    char *error = vpn_check_name("name", t->name);
    if (!error && t->comment) {
        error = vpn_check_comment("comment", t->comment);
    }
    vpn_nb_tunnel_params(t, p);
    if (!error) {
        error = vpn_check_tunnel_params(p);
    }
    if (!error) {
        error = vpn_tunnel_cidrs_parse(p, cidrs);
    }
    return error;
}

char *
vpn_nb_check_tunnel(const struct nbrec_vpn_tunnel *t,
                    const struct vpn_nb_index *index,
                    vpn_nb_counts_func *counts, void *aux)
{
    struct vpn_tunnel_params p;
    struct vpn_tunnel_cidrs cidrs;
    char *error = check_tunnel_row(t, &p, &cidrs);
    if (error) {
        return error;
    }

    /* AH authenticates the outer IP header, addresses included, and every
     * gateway reaches the Internet through its router's dnat_and_snat,
     * which rewrites them: an AH tunnel would connect and never carry a
     * packet. */
    if (!strcmp(p.ipsec_protocol, "ah")) {
        vpn_tunnel_cidrs_destroy(&cidrs);
        return xasprintf("ipsec_protocol: ah cannot cross the NAT between "
                         "gateway %s and its public address (AH "
                         "authenticates the outer IP header that NAT "
                         "rewrites): use esp", t->gateway->name);
    }

    /* Local CIDRs lie inside the VPC. */
    const struct nbrec_logical_router *lr = t->gateway->router;
    struct vpn_cidr *subnets;
    size_t n_subnets;
    vpn_nb_router_subnets(lr, &subnets, &n_subnets);
    error = vpn_check_local_cidrs_in_subnets("local_cidrs", cidrs.local,
                                             cidrs.n_local, subnets,
                                             n_subnets, lr->name);
    /* The remote site's CIDRs are not the VPC's: traffic to them would
     * never leave the VPC. */
    for (size_t i = 0; !error && i < cidrs.n_peer; i++) {
        for (size_t j = 0; !error && j < n_subnets; j++) {
            if (vpn_cidrs_overlap(&cidrs.peer[i], &subnets[j])) {
                char *peer = vpn_cidr_to_string(&cidrs.peer[i]);
                char *subnet = vpn_cidr_to_string(&subnets[j]);
                error = xasprintf("peer_cidrs: %s overlaps %s, a subnet of "
                                  "router %s (the VPC)", peer, subnet,
                                  lr->name);
                free(peer);
                free(subnet);
            }
        }
    }
    free(subnets);

    /* No other tunnel of the VPC routes the same traffic. */
    const struct vpn_nb_group *g = index_find(&index->routers,
                                              &lr->header_.uuid);
    for (size_t i = 0; !error && g && i < g->n; i++) {
        const struct nbrec_vpn_tunnel *other = g->tunnels[i];
        if (other == t || (counts && !counts(t, other, aux))) {
            continue;
        }
        struct vpn_tunnel_params op;
        struct vpn_tunnel_cidrs other_cidrs;
        vpn_nb_tunnel_params(other, &op);
        char *other_error = vpn_tunnel_cidrs_parse(&op, &other_cidrs);
        if (other_error) {
            /* The other tunnel is invalid itself and routes nothing. */
            free(other_error);
            continue;
        }
        error = vpn_check_tunnel_conflict(&cidrs, &other_cidrs, other->name);
        vpn_tunnel_cidrs_destroy(&other_cidrs);
    }
    vpn_tunnel_cidrs_destroy(&cidrs);

    if (!error && count_group(index_find(&index->gateways,
                                         &t->gateway->header_.uuid),
                              t, counts, aux) > VPN_MAX_TUNNELS) {
        error = xasprintf("gateway: VPN gateway %s already has %d tunnels, "
                          "the most a gateway can have",
                          t->gateway->name, VPN_MAX_TUNNELS);
    }
    if (!error && count_group(index_find(&index->peers,
                                         &t->peer->header_.uuid),
                              t, counts, aux) > VPN_MAX_TUNNELS) {
        error = xasprintf("peer: peer gateway %s already has %d tunnels, "
                          "the most a peer gateway can have",
                          t->peer->name, VPN_MAX_TUNNELS);
    }
    if (!error) {
        error = check_ike_group(t, &p, index, counts, aux);
    }
    return error;
}

/* A vpn_nb_counts_func: 'other' counts against 't' unless it is in error,
 * by its own rules (name, comment, parameters, CIDRs) or as ovn-vpn-northd
 * reports it (status:state "error", for a rule that involves other rows).
 * A row in error is never applied, so it must not block valid edits. */
bool
vpn_nb_counts_unless_error(const struct nbrec_vpn_tunnel *t OVS_UNUSED,
                           const struct nbrec_vpn_tunnel *other,
                           void *aux OVS_UNUSED)
{
    const char *state = smap_get(&other->status, "state");
    if (state && !strcmp(state, "error")) {
        return false;
    }

    struct vpn_tunnel_params p;
    struct vpn_tunnel_cidrs cidrs;
    char *error = check_tunnel_row(other, &p, &cidrs);
    if (error) {
        free(error);
        return false;
    }
    vpn_tunnel_cidrs_destroy(&cidrs);
    return true;
}

/* Static functions. */

static void
index_add(struct hmap *map, const struct uuid *key,
          const struct nbrec_vpn_tunnel *t)
{
    struct vpn_nb_group *g = CONST_CAST(struct vpn_nb_group *,
                                        index_find(map, key));
    if (!g) {
        g = xzalloc(sizeof *g);
        g->key = key;
        hmap_insert(map, &g->hmap_node, uuid_hash(key));
    }
    if (g->n >= g->allocated) {
        g->tunnels = x2nrealloc(g->tunnels, &g->allocated,
                                sizeof *g->tunnels);
    }
    g->tunnels[g->n++] = t;
}

static const struct vpn_nb_group *
index_find(const struct hmap *map, const struct uuid *key)
{
    const struct vpn_nb_group *g;
    HMAP_FOR_EACH_WITH_HASH (g, hmap_node, uuid_hash(key), map) {
        if (uuid_equals(g->key, key)) {
            return g;
        }
    }
    return NULL;
}

static void
index_clear(struct hmap *map)
{
    struct vpn_nb_group *g;
    HMAP_FOR_EACH_POP (g, hmap_node, map) {
        free(g->tunnels);
        free(g);
    }
}

static bool
owned_by(const struct smap *external_ids, const char *key,
         const struct uuid *uuid)
{
    const char *value = smap_get(external_ids, key);
    struct uuid owner;
    return value && uuid_from_string(&owner, value)
           && uuid_equals(&owner, uuid);
}

/* Counts 't' and the tunnels of 'g' that count against it. */
static size_t
count_group(const struct vpn_nb_group *g, const struct nbrec_vpn_tunnel *t,
            vpn_nb_counts_func *counts, void *aux)
{
    size_t n = 1;
    for (size_t i = 0; g && i < g->n; i++) {
        const struct nbrec_vpn_tunnel *other = g->tunnels[i];
        n += other != t && (!counts || counts(t, other, aux));
    }
    return n;
}

/* The rules between tunnels of one gateway to one peer address
 * ("siblings"), from what libreswan does with them:
 *
 *   - A responder picks the connection for an IKE_SA_INIT by the address
 *     pair alone (the message names no identity), so siblings must have
 *     the same IKE policy.
 *
 *   - Siblings with the same identities (local_id and peer_id) share one
 *     IKE SA, which one pre-shared key authenticates; and libreswan 4.10,
 *     as a responder, negotiated a sibling's Child SA with the proposals of
 *     whichever conn it had first (CREATE_CHILD_SA answered
 *     NO_PROPOSAL_CHOSEN or not, depending on the order the conns were
 *     added), so they must also have the same key and IPsec policy.
 *
 *   - Siblings with distinct identities negotiate an IKE SA each, with
 *     their own key and IPsec policy. */
static char *
check_ike_group(const struct nbrec_vpn_tunnel *t,
                const struct vpn_tunnel_params *p,
                const struct vpn_nb_index *index,
                vpn_nb_counts_func *counts, void *aux)
{
    const struct vpn_nb_group *g = index_find(&index->gateways,
                                              &t->gateway->header_.uuid);
    for (size_t i = 0; g && i < g->n; i++) {
        const struct nbrec_vpn_tunnel *other = g->tunnels[i];
        if (other == t || strcmp(other->peer->ip, t->peer->ip)
            || (counts && !counts(t, other, aux))) {
            continue;
        }
        struct vpn_tunnel_params op;
        vpn_nb_tunnel_params(other, &op);

        bool same_ids = (nullable_string_is_equal(vpn_params_local_id(p),
                                                  vpn_params_local_id(&op))
                         && nullable_string_is_equal(vpn_params_peer_id(p),
                                                     vpn_params_peer_id(&op)));
        for (size_t j = 0; j < vpn_n_settings; j++) {
            const struct vpn_setting *s = &vpn_settings[j];
            bool ike = !strcmp(s->group, "IKE");
            bool ipsec = !strcmp(s->group, "IPsec");
            if ((!ike && !(ipsec && same_ids))
                || vpn_setting_equal(s, p, &op)) {
                continue;
            }
            struct ds mine = DS_EMPTY_INITIALIZER;
            struct ds theirs = DS_EMPTY_INITIALIZER;
            vpn_setting_format(s, p, &mine);
            vpn_setting_format(s, &op, &theirs);
            char *error = (ike
                ? xasprintf("%s: tunnel %s from the same gateway to the same "
                            "peer address %s has %s %s, this one %s: tunnels "
                            "of one gateway to one peer address must have "
                            "the same IKE policy (a peer's first IKE message "
                            "names no identity, only its address)",
                            s->column, other->name, t->peer->ip, s->column,
                            ds_cstr(&theirs), ds_cstr(&mine))
                : xasprintf("%s: tunnel %s from the same gateway to the same "
                            "peer address %s, with the same local_id and "
                            "peer_id, shares this tunnel's IKE SA and has %s "
                            "%s, this one %s: tunnels that share an IKE SA "
                            "must have the same IPsec policy (give them "
                            "distinct local_id or peer_id to negotiate "
                            "each its own)",
                            s->column, other->name, t->peer->ip, s->column,
                            ds_cstr(&theirs), ds_cstr(&mine)));
            ds_destroy(&mine);
            ds_destroy(&theirs);
            return error;
        }
        if (same_ids && !nullable_string_is_equal(p->psk, op.psk)) {
            return xasprintf("psk: tunnel %s from the same gateway to the "
                             "same peer address %s, with the same local_id "
                             "and peer_id, shares this tunnel's IKE SA and "
                             "has another pre-shared key: tunnels that share "
                             "an IKE SA must have the same key (give them "
                             "distinct local_id or peer_id to authenticate "
                             "each with its own)", other->name, t->peer->ip);
        }
    }
    return NULL;
}
