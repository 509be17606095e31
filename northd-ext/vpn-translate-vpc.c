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

/* One VPC's sync for the translator (see vpn-translate-private.h): its
 * gateways and tunnels, in creation order, each validated, placed and
 * written with its routes and status. */

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

VLOG_DEFINE_THIS_MODULE(vpn_translate_vpc);

/* Orders two rows by their optional "created_at" (an absent one first),
 * then by UUID. */
int
tr_compare_creation(const int64_t *a_created, size_t a_n, const struct uuid *a,
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
tr_compare_tunnels(const void *a_, const void *b_)
{
    const struct nbrec_vpn_tunnel *const *a = a_;
    const struct nbrec_vpn_tunnel *const *b = b_;
    return tr_compare_creation((*a)->created_at, (*a)->n_created_at,
                               &(*a)->header_.uuid,
                               (*b)->created_at, (*b)->n_created_at,
                               &(*b)->header_.uuid);
}

/* vpn_nb_counts_func for the translator: only valid tunnels that come
 * before 't' count against it. */
static bool
tr_counts_prior(const struct nbrec_vpn_tunnel *t,
                const struct nbrec_vpn_tunnel *other, void *tr_)
{
    struct vpn_translator *tr = tr_;
    const struct nd_tunnel *nt = tr_find_tunnel(tr, &other->header_.uuid);
    return (nt && nt->valid
            && tr_compare_tunnels(&other, &t) < 0);
}

/* Returns true if router 'lr' can do the gateway's dnat_and_snat: a gateway
 * router, or a router with a distributed gateway port. */
static bool
tr_router_can_nat(const struct nbrec_logical_router *lr)
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

/* Recomputes everything about VPC router 'lr': its gateways' validity,
 * placement, ports and NAT rules, its tunnels' validity (in creation
 * order), southbound rows, address sets, policies and statuses. */
void
tr_sync_router(struct vpn_translator *tr,
               const struct nbrec_logical_router *lr)
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

        struct nd_gateway *g = tr_get_gateway(tr, gw);
        free(g->error);
        g->error = vpn_nb_check_gateway(gw, tr->nb);
        if (!g->error && !tr_router_can_nat(lr)) {
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
            char *name = tr_lsp_name(&g->uuid);
            g->mac = tr_choose_mac(gw, tr_lookup_lsp(tr, name));
            free(name);
        }
    }
    if (n_gws) {
        qsort(gws, n_gws, sizeof *gws, tr_compare_gateways);
    }
    tr_choose_internal_ips(tr, gws, n_gws);

    /* Tunnels of this VPC, in creation order. */
    size_t n_tunnels;
    const struct nbrec_vpn_tunnel **idx_tunnels
        = vpn_nb_index_router_tunnels(&tr->index, lr, &n_tunnels);
    const struct nbrec_vpn_tunnel **tunnels
        = xmalloc(MAX(n_tunnels, 1) * sizeof *tunnels);
    if (n_tunnels) {
        memcpy(tunnels, idx_tunnels, n_tunnels * sizeof *tunnels);
    }
    qsort(tunnels, n_tunnels, sizeof *tunnels, tr_compare_tunnels);
    struct vpn_tunnel_params *params = xcalloc(MAX(n_tunnels, 1),
                                               sizeof *params);
    for (size_t i = 0; i < n_tunnels; i++) {
        struct nd_tunnel *nt = tr_get_tunnel(tr, tunnels[i]);
        nt->valid = false;
    }
    for (size_t i = 0; i < n_tunnels; i++) {
        const struct nbrec_vpn_tunnel *t = tunnels[i];
        struct nd_tunnel *nt = tr_get_tunnel(tr, t);
        struct nd_gateway *g = tr_get_gateway(tr, t->gateway);
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
            nt->error = vpn_nb_check_tunnel(t, &tr->index, tr_counts_prior,
                                            tr);
        }
        free(peer_error);
        nt->valid = !nt->error;
        vpn_nb_tunnel_params(t, &params[i]);
    }

    /* Gateways: placement, then rows. */
    for (size_t i = 0; i < n_gws; i++) {
        gw = gws[i];
        struct nd_gateway *g = tr_get_gateway(tr, gw);
        struct vpn_tunnel_params *mine = xcalloc(MAX(n_tunnels, 1),
                                                 sizeof *mine);
        size_t n_mine = 0;
        struct sset vpc_routes = SSET_INITIALIZER(&vpc_routes);
        for (size_t j = 0; j < n_tunnels; j++) {
            if (tunnels[j]->gateway == gw
                && tr_find_tunnel(tr, &tunnels[j]->header_.uuid)->valid) {
                mine[n_mine++] = params[j];
                sset_add_array(&vpc_routes, tunnels[j]->local_cidrs,
                               tunnels[j]->n_local_cidrs);
            }
        }
        char *previous = g->chassis;
        if (!previous) {
            /* After a restart: where the last instance put it. */
            const struct sbrec_vpn_gateway *old
                = tr_lookup_sb_gateway(tr, gw->name);
            previous = old ? nullable_xstrdup(old->chassis) : NULL;
        }
        g->chassis = (g->error ? NULL
                      : tr_place_gateway(tr, gw, mine, n_mine, NULL));
        g->held = false;
        if (!g->chassis && !g->error && previous
            && tr_is_candidate(tr, gw, previous)) {
            /* A gateway moves only when another chassis takes it over:
             * with no live candidate, it stays where it runs (its agent
             * may only be slow, and tearing down its tunnels would help
             * nobody). */
            g->chassis = previous;
            previous = NULL;
            g->held = true;
        }
        free(previous);

        /* The standby: where the gateway would go if its chassis failed,
         * kept warm there by its agent. */
        free(g->standby);
        g->standby = (g->chassis
                      ? tr_place_gateway(tr, gw, mine, n_mine, g->chassis)
                      : NULL);
        free(mine);

        tr_sync_gateway_nb(tr, gw, g);
        const struct sbrec_vpn_gateway *sbgw = tr_sync_gateway_sb(tr, gw, g,
                                                                  &vpc_routes);
        sset_destroy(&vpc_routes);

        /* IKE groups: tunnels of this gateway to one peer address with the
         * same identities share an IKE SA; the group is named after its
         * first tunnel by name. */
        struct smap groups = SMAP_INITIALIZER(&groups);
        char **group_keys = xcalloc(n_tunnels ? n_tunnels : 1,
                                    sizeof *group_keys);
        for (size_t j = 0; j < n_tunnels; j++) {
            const struct nbrec_vpn_tunnel *t = tunnels[j];
            if (t->gateway != gw
                || !tr_find_tunnel(tr, &t->header_.uuid)->valid) {
                continue;
            }
            /* No separator can be forged: addresses and identities hold no
             * new-line. */
            group_keys[j] = xasprintf("%s\n%s\n%s", t->peer->ip,
                                      vpn_params_local_id(&params[j]),
                                      vpn_params_peer_id(&params[j])
                                      ? vpn_params_peer_id(&params[j])
                                      : "");
            const char *first = smap_get(&groups, group_keys[j]);
            if (!first || strcmp(t->name, first) < 0) {
                smap_replace(&groups, group_keys[j], t->name);
            }
        }

        for (size_t j = 0; j < n_tunnels; j++) {
            const struct nbrec_vpn_tunnel *t = tunnels[j];
            if (t->gateway != gw) {
                continue;
            }
            struct nd_tunnel *nt = tr_find_tunnel(tr, &t->header_.uuid);
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
                    nt->warning = tr_check_user_conflicts(t, &cidrs,
                                                          &user_wins);
                    vpn_tunnel_cidrs_destroy(&cidrs);
                }
                free(error);
            }

            tr_sync_tunnel_sb(tr, t, nt, &params[j], nt->valid ? sbgw : NULL,
                              group_keys[j]
                              ? smap_get(&groups, group_keys[j]) : NULL);

            /* Routes: once connected, and kept after a later failure so
             * that traffic stays inside the gateway. */
            bool connected = tr_tunnel_is_connected(tr, t, g);
            bool had_policy = false;
            char uuid_s[UUID_LEN + 1];
            snprintf(uuid_s, sizeof uuid_s, UUID_FMT, UUID_ARGS(&nt->uuid));
            for (size_t k = 0; k < lr->n_policies; k++) {
                const char *owner = smap_get(&lr->policies[k]->external_ids,
                                             VPN_NB_OWNER_TUNNEL);
                had_policy |= owner && !strcmp(owner, uuid_s);
            }
            tr_sync_tunnel_routes(tr, t, nt, g, nt->valid,
                                  !user_wins && (connected || had_policy));

            tr_update_tunnel(tr, t, nt, g);
        }
        smap_destroy(&groups);
        for (size_t j = 0; j < n_tunnels; j++) {
            free(group_keys[j]);
        }
        free(group_keys);

        struct smap status = SMAP_INITIALIZER(&status);
        tr_gateway_status(tr, gw, g, &status);
        tr_set_status(&gw->status, &status, tr_gateway_set_status, gw);
        smap_destroy(&status);
    }

    free(params);
    free(tunnels);
    free(gws);
}
