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

#ifndef VPN_NB_H
#define VPN_NB_H 1

/* The northbound VPN model: the rules that need the database.
 *
 * vpn-validate checks what a row says by itself (an address, a PSK, a
 * policy).  This module checks what rows say together, on the NB IDL:
 * that a gateway's subnet is attached to its VPC router, that its IPs are
 * free and inside the subnet, that a tunnel's local CIDRs are inside the
 * VPC, that no two tunnels of one VPC route the same traffic, that a
 * gateway or peer has at most VPN_MAX_TUNNELS tunnels, and that tunnels
 * sharing an IKE SA agree on it.  ovn-vpnctl runs these checks on the rows
 * its transaction is about to commit, ovn-vpn-northd on every row it
 * translates, so both refuse the same things with the same words.
 *
 * Every check returns NULL or a malloc'd message that names the field and
 * the rule; messages never contain the PSK.
 *
 * A "struct vpn_nb_index" groups tunnels by VPC router, gateway and peer
 * so that checking one tunnel costs work proportional to its neighbours,
 * not to the whole database. */

#include <stdbool.h>
#include <stddef.h>

#include "openvswitch/hmap.h"
#include "openvswitch/types.h"
#include "vpn-params.h"
#include "vpn-validate.h"

struct nbrec_logical_router;
struct nbrec_logical_router_port;
struct nbrec_logical_switch;
struct nbrec_vpn_gateway;
struct nbrec_vpn_peer;
struct nbrec_vpn_tunnel;
struct ovsdb_idl;
struct uuid;

/* external_ids keys that mark NB rows written by ovn-vpn-northd: the value
 * is the UUID of the VPN_Gateway or VPN_Tunnel the row was made for.
 * Rows without them belong to users and are never modified. */
#define VPN_NB_OWNER_GATEWAY "ovn-vpn-gateway"
#define VPN_NB_OWNER_TUNNEL  "ovn-vpn-tunnel"

/* ovn-vpn-northd's Logical_Router_Policy priority band: 31000 to 31099 is
 * reserved for ovn-vpn.  A tunnel's reroute policy uses
 * VPN_NB_POLICY_PRIORITY; where the VPC router had no route for a peer
 * CIDR, a drop policy for that traffic from other sources uses
 * VPN_NB_POLICY_DROP_PRIORITY.  A user policy above the band wins over a
 * tunnel's. */
#define VPN_NB_POLICY_BAND_MIN      31000
#define VPN_NB_POLICY_BAND_MAX      31099
#define VPN_NB_POLICY_PRIORITY      31001
#define VPN_NB_POLICY_DROP_PRIORITY 31000

/* Fills 'p' from 'tunnel' (strings point into the row), then applies the
 * defaults.  The gateway's internal IP is not known in the NB when it is
 * allocated: 'p->local_ip' is the fixed one or NULL. */
void vpn_nb_tunnel_params(const struct nbrec_vpn_tunnel *,
                          struct vpn_tunnel_params *);

/* The subnet of a gateway: the router port of the gateway's router that
 * the gateway's logical switch is attached to, and its IPv4 network. */
struct vpn_nb_subnet {
    const struct nbrec_logical_router_port *lrp;
    struct vpn_cidr cidr;       /* The network, host bits clear. */
    ovs_be32 router_ip;         /* The router port's address on it. */
};

char *vpn_nb_gateway_subnet(const struct nbrec_vpn_gateway *,
                            struct vpn_nb_subnet *)
    OVS_WARN_UNUSED_RESULT;
void vpn_nb_router_subnets(const struct nbrec_logical_router *,
                           struct vpn_cidr **subnetsp, size_t *n);

/* Index of tunnels by VPC router, gateway and peer. */
struct vpn_nb_index {
    struct hmap routers;        /* Contains "struct vpn_nb_group"s. */
    struct hmap gateways;       /* Contains "struct vpn_nb_group"s. */
    struct hmap peers;          /* Contains "struct vpn_nb_group"s. */
};

void vpn_nb_index_init(struct vpn_nb_index *);
void vpn_nb_index_build(struct vpn_nb_index *, const struct ovsdb_idl *);
void vpn_nb_index_destroy(struct vpn_nb_index *);
size_t vpn_nb_index_count_gateway(const struct vpn_nb_index *,
                                  const struct nbrec_vpn_gateway *);
size_t vpn_nb_index_count_peer(const struct vpn_nb_index *,
                               const struct nbrec_vpn_peer *);

char *vpn_nb_check_peer(const struct nbrec_vpn_peer *)
    OVS_WARN_UNUSED_RESULT;
char *vpn_nb_check_gateway(const struct nbrec_vpn_gateway *,
                           const struct ovsdb_idl *)
    OVS_WARN_UNUSED_RESULT;
/* Decides, for the cross-row rules, whether tunnel 'other' counts against
 * tunnel 't' (NULL: every other tunnel counts).  ovn-vpnctl counts the
 * tunnels that are not in error (vpn_nb_counts_unless_error()), so that a
 * broken row does not block edits of its siblings; ovn-vpn-northd counts
 * only the valid tunnels created before 't', so that a row written later
 * by any client cannot invalidate an older one. */
typedef bool vpn_nb_counts_func(const struct nbrec_vpn_tunnel *t,
                                const struct nbrec_vpn_tunnel *other,
                                void *aux);

vpn_nb_counts_func vpn_nb_counts_unless_error;
char *vpn_nb_check_tunnel(const struct nbrec_vpn_tunnel *,
                          const struct vpn_nb_index *,
                          vpn_nb_counts_func *, void *aux)
    OVS_WARN_UNUSED_RESULT;
const struct nbrec_vpn_tunnel **vpn_nb_index_router_tunnels(
    const struct vpn_nb_index *, const struct nbrec_logical_router *,
    size_t *n);

#endif /* vpn-nb.h */
