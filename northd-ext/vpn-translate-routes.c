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

/* A tunnel's routes, for the translator (see vpn-translate-private.h):
 * its address sets and, once it is connected, its reroute policy, unless a
 * user's own policy or route covers the same traffic. */

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
#include "vpn-params.h"
#include "vpn-report.h"
#include "vpn-seal.h"
#include "vpn-validate.h"

#include "vpn-translate-private.h"

VLOG_DEFINE_THIS_MODULE(vpn_translate_routes);

/* Parses a static route's prefix ("a.b.c.d/n" or a bare address) into
 * 'cidr'. */
static bool
tr_parse_route_prefix(const char *s, struct vpn_cidr *cidr)
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
void
tr_sync_tunnel_routes(struct vpn_translator *tr,
                      const struct nbrec_vpn_tunnel *t, struct nd_tunnel *nt,
                      const struct nd_gateway *g, bool want_sets,
                      bool want_policy)
{
    const struct nbrec_logical_router *lr = t->gateway->router;
    char uuid_s[UUID_LEN + 1];
    snprintf(uuid_s, sizeof uuid_s, UUID_FMT, UUID_ARGS(&nt->uuid));

    if (!uuid_equals(&nt->router, &lr->header_.uuid)) {
        /* The tunnel's VPC changed: the old policy goes. */
        const struct nbrec_logical_router *old = tr_find_router(tr,
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
        names[i] = tr_address_set_name(&nt->uuid, sides[i]);
        const struct nbrec_address_set *as = tr_lookup_address_set(tr,
                                                                   names[i]);
        if (!want_sets) {
            if (as) {
                tr_delete_address_set(tr, as);
            }
            continue;
        }
        if (!as) {
            as = tr_insert_address_set(tr, names[i]);
            nbrec_address_set_update_external_ids_setkey(
                as, VPN_NB_OWNER_TUNNEL, uuid_s);
        }
        tr_keep(tr, as);
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
            if (tr_has_owner_key(&r->external_ids)
                || !tr_parse_route_prefix(r->ip_prefix, &route)) {
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
            tr_keep(tr, r);
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
        tr_keep(tr, reroute);
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
        tr_keep(tr, drop);
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
char *
tr_check_user_conflicts(const struct nbrec_vpn_tunnel *t,
                        const struct vpn_tunnel_cidrs *cidrs, bool *user_wins)
{
    const struct nbrec_logical_router *lr = t->gateway->router;
    *user_wins = false;

    for (size_t i = 0; i < lr->n_static_routes; i++) {
        const struct nbrec_logical_router_static_route *r
            = lr->static_routes[i];
        struct vpn_cidr route;
        if (tr_has_owner_key(&r->external_ids)
            || !tr_parse_route_prefix(r->ip_prefix, &route)) {
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
