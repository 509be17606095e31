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

#ifndef VPN_KSTATS_H
#define VPN_KSTATS_H 1

/* The kernel's traffic counters of one gateway's network namespace.
 *
 * A tunnel's counters are those of its IPsec SAs in the kernel's XFRM
 * tables, not what pluto prints: bytes and packets, in and out.  The SAs
 * are found through the XFRM policies, which carry the tunnel's traffic
 * selectors (a local CIDR and a peer CIDR) and, in their template, the
 * "reqid" that the policy's SAs share: a tunnel's outbound SAs are those
 * of the reqids of its "out" policies whose source is the gateway's
 * address, its inbound SAs those whose destination is.  Counters are summed
 * over the SAs that the kernel holds: during a rekey the old SA's counters
 * are still in, and they leave with it (the sums restart, as counters of a
 * new SA do).
 *
 * The gateway's interface counters (VPN_PLUMB_INNER_IFNAME, "eth0"), as
 * the gateway sees them, come from the same namespace's link statistics.
 *
 * The module reads them over two netlink sockets (NETLINK_XFRM and
 * NETLINK_ROUTE) made once inside the namespace, which stay bound to it:
 * a refresh is three dumps and no process.  On a kernel without ESP (the
 * sandbox, where a preloaded library answers pluto's kernel calls) there is
 * no SA: the tunnels' counters are unknown, and the caller keeps what pluto
 * says. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "openvswitch/hmap.h"

struct ofpbuf;

/* Traffic counters, -1 when unknown. */
struct vpn_kcounters {
    int64_t rx_bytes, tx_bytes;
    int64_t rx_packets, tx_packets;
};

/* What one refresh read: the SAs and the "out" and "in" policies. */
struct vpn_kstats_table {
    struct hmap sas;            /* struct kstats_sa, by reqid. */
    struct kstats_policy *policies;
    size_t n_policies, allocated_policies;
    bool have_link;
    struct vpn_kcounters link;
};

void vpn_kstats_table_init(struct vpn_kstats_table *);
void vpn_kstats_table_clear(struct vpn_kstats_table *);
void vpn_kstats_table_destroy(struct vpn_kstats_table *);
bool vpn_kstats_table_add_msg(struct vpn_kstats_table *, int protocol,
                              const struct ofpbuf *msg);
bool vpn_kstats_table_tunnel(const struct vpn_kstats_table *,
                             const char *local_ip,
                             const char *const *local_cidrs, size_t n_local,
                             const char *const *peer_cidrs, size_t n_peer,
                             struct vpn_kcounters *);

/* One gateway namespace. */
struct vpn_kstats *vpn_kstats_create(const char *netns);
void vpn_kstats_destroy(struct vpn_kstats *);
int vpn_kstats_refresh(struct vpn_kstats *, bool *changed);
const struct vpn_kstats_table *vpn_kstats_get(const struct vpn_kstats *);

#endif /* vpn-kstats.h */
