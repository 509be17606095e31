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

#ifndef VPN_TRANSLATE_H
#define VPN_TRANSLATE_H 1

/* The translator: northbound VPN tables in, logical rows and chassis work
 * out.
 *
 * For each valid VPN_Gateway it keeps a logical switch port on the
 * gateway's subnet (named "vpn-" and the gateway's UUID, with a MAC and an
 * internal IP, bound to the chosen chassis with
 * options:requested-chassis), a dnat_and_snat NAT rule from the public IP
 * to the internal IP on the VPC router, and a southbound VPN_Gateway row.
 * For each valid VPN_Tunnel it keeps two Address_Sets (its local and peer
 * CIDRs), once the tunnel has been connected one Logical_Router_Policy
 * rerouting "ip4.src == $local && ip4.dst == $peer" to the gateway at
 * VPN_NB_POLICY_PRIORITY, and a southbound VPN_Tunnel row with every
 * setting resolved.  Every northbound row it writes carries
 * external_ids:ovn-vpn-gateway or ovn-vpn-tunnel (see vpn-nb.h); it
 * creates, changes and deletes only such rows.  It writes the status of
 * gateways, peers and tunnels from its own checks and the agents' reports.
 *
 * The unit of work is the VPC: every rule that relates rows to each other
 * (overlapping traffic, tunnel limits, shared IKE SAs, addresses on a
 * subnet) stays within one VPC router, so a change to one tunnel
 * recomputes that tunnel's VPC only.  A change to the stock tables that
 * the VPN rows depend on (router ports, switches, a user's NAT rule, ...)
 * recomputes everything, as does vpn_translator_force_recompute(); both
 * give the same rows. */

#include <stdbool.h>
#include <stdint.h>

struct ds;
struct ovsdb_idl;
struct ovsdb_idl_txn;
struct vpn_translator;

void vpn_translator_add_columns(struct ovsdb_idl *nb, struct ovsdb_idl *sb,
                               struct ovsdb_idl *status);
struct vpn_translator *vpn_translator_create(struct ovsdb_idl *nb,
                                             struct ovsdb_idl *sb,
                                             struct ovsdb_idl *status);
void vpn_translator_destroy(struct vpn_translator *);

void vpn_translator_run(struct vpn_translator *,
                        struct ovsdb_idl_txn *nb_txn,
                        struct ovsdb_idl_txn *sb_txn);
void vpn_translator_wait(const struct vpn_translator *);
void vpn_translator_force_recompute(struct vpn_translator *);
void vpn_translator_get_status(const struct vpn_translator *, struct ds *);
int64_t vpn_translator_hv_cfg(const struct vpn_translator *, int64_t sb_cfg);

#endif /* vpn-translate.h */
