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

/* Where a gateway runs and what it is, for the translator (see
 * vpn-translate-private.h): its chassis among the candidates, its internal
 * address on its subnet and its MAC. */

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

VLOG_DEFINE_THIS_MODULE(vpn_translate_place);

struct switch_used_cache;
static const struct hmapx *tr_used_addresses(
    const struct vpn_translator *, const struct nbrec_vpn_gateway *,
    const struct vpn_nb_subnet *, const struct sset *owners,
    struct switch_used_cache *);

/* The addresses of one switch's subnet that the gateways being synced
 * may not take (see tr_used_addresses()). */
struct switch_used {
    const struct nbrec_logical_switch *ls;
    struct hmapx used;
};

/* The switches whose used addresses were computed, during one run. */
struct switch_used_cache {
    struct switch_used **items;
    size_t n;
};

/* Adds to 'used' every IPv4 address in 'addresses' (an LSP's "MAC IP..."
 * strings). */
static void
tr_add_used_addresses(struct hmapx *used, char **addresses, size_t n)
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
int
tr_compare_gateways(const void *a_, const void *b_)
{
    const struct nbrec_vpn_gateway *const *a = a_;
    const struct nbrec_vpn_gateway *const *b = b_;
    return tr_compare_creation((*a)->created_at, (*a)->n_created_at,
                               &(*a)->header_.uuid,
                               (*b)->created_at, (*b)->n_created_at,
                               &(*b)->header_.uuid);
}

/* Returns the addresses of gateway 'gw''s subnet that it may not take: the
 * router's, every port's on its switch but the ports of the gateways being
 * synced ('owners', their UUIDs: their addresses are being chosen now, see
 * tr_choose_internal_ips()), and the fixed internal IPs of the gateways on
 * that switch.  Computed once per switch, in 'cache' (an hmapx cannot
 * move, hence the pointers). */
static const struct hmapx *
tr_used_addresses(const struct vpn_translator *tr,
                  const struct nbrec_vpn_gateway *gw,
                  const struct vpn_nb_subnet *subnet,
                  const struct sset *owners,
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
        tr_add_used_addresses(&su->used, lsp->addresses, lsp->n_addresses);
        if (lsp->dynamic_addresses) {
            char *dyn = lsp->dynamic_addresses;
            tr_add_used_addresses(&su->used, &dyn, 1);
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
tr_port_ip(const struct nbrec_logical_switch_port *lsp)
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
 * one VPC, in the order of tr_compare_gateways()) that is not in error: its
 * fixed one; else the one its port already has, if no port outside these
 * gateways and no gateway before it has that address; else the lowest
 * address of its subnet that is free of all of those and of the addresses
 * the others chose.  So gateways created in one transaction get distinct
 * addresses, and a gateway's address changes only if the user changes
 * it (or takes it for another port). */
void
tr_choose_internal_ips(struct vpn_translator *tr,
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
            struct nd_gateway *g = tr_get_gateway(tr, gw);
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

            char *name = tr_lsp_name(&g->uuid);
            ovs_be32 current = tr_port_ip(tr_lookup_lsp(tr, name));
            free(name);
            const struct hmapx *used = tr_used_addresses(tr, gw, &g->subnet,
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
        struct nd_gateway *g = tr_get_gateway(tr, gw);
        const struct hmapx *used = tr_used_addresses(tr, gw, &g->subnet,
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
struct eth_addr
tr_choose_mac(const struct nbrec_vpn_gateway *gw,
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
bool
tr_is_candidate(const struct vpn_translator *tr,
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

/* Returns true if chassis 'name''s libreswan accepts every one of the 'n'
 * tunnels in 'params' (or if what it accepts is unknown). */
static bool
supports_all(const struct vpn_translator *tr, const char *name,
             const struct vpn_tunnel_params *params, size_t n)
{
    const struct vpn_caps *caps = vpn_chassis_caps(&tr->chassis, name);
    for (size_t j = 0; caps && j < n; j++) {
        const char *field;
        char *value;
        if (!vpn_caps_supports(caps, &params[j], &field, &value)) {
            free(value);
            return false;
        }
    }
    return true;
}

/* Placement: the highest-priority candidate chassis with a live agent whose
 * libreswan accepts every valid tunnel of the gateway; if none accepts them
 * all, the highest-priority live one (the tunnels it refuses get an
 * error).  Chassis 'exclude', if nonnull, is not considered: the standby is
 * the placement without the chassis that runs the gateway.  Returns the
 * chassis name or NULL. */
char *
tr_place_gateway(const struct vpn_translator *tr,
                 const struct nbrec_vpn_gateway *gw,
                 const struct vpn_tunnel_params *params, size_t n_params,
                 const char *exclude)
{
    struct sset alive = SSET_INITIALIZER(&alive);
    vpn_chassis_alive_names(&tr->chassis, &alive);
    if (exclude) {
        sset_find_and_delete(&alive, exclude);
    }

    const char *best = NULL, *best_any = NULL;
    int64_t best_prio = -1, best_any_prio = -1;
    if (gw->n_chassis) {
        for (size_t i = 0; i < gw->n_chassis; i++) {
            const char *name = gw->key_chassis[i];
            int64_t prio = gw->value_chassis[i];
            if (!sset_contains(&alive, name)
                || !tr_is_candidate(tr, gw, name)) {
                continue;
            }
            bool all = supports_all(tr, name, params, n_params);
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
            if (!tr_is_candidate(tr, gw, names[i])) {
                continue;
            }
            bool all = supports_all(tr, names[i], params, n_params);
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

/* Why gateway 'gw' runs nowhere. */
const char *
tr_unplaced_reason(const struct nbrec_vpn_gateway *gw)
{
    return (gw && !gw->n_chassis
            ? "no chassis enabled for VPN gateways (ovn-cms-options="
              VPN_CHASSIS_OPT_IN") has a live ovn-vpn-agent"
            : "no candidate chassis has a live ovn-vpn-agent");
}
