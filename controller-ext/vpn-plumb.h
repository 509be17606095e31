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

#ifndef VPN_PLUMB_H
#define VPN_PLUMB_H 1

/* The chassis-side plumbing of VPN gateways: one network namespace per
 * gateway, joined to OVN's integration bridge by a veth pair.
 *
 * Model.  ovn-vpn-agent tells this module, on every iteration of its main
 * loop, the complete set of gateways that the southbound database places
 * on its chassis (struct vpn_plumb_gateway, one per SB VPN_Gateway row),
 * and vpn_plumb_run() makes the host match it:
 *
 *   - Network namespace "PREFIX-NAME" (vpn_plumb_netns_name()), where
 *     NAME is the gateway's name and PREFIX the agent's namespace prefix
 *     (VPN_PLUMB_DEFAULT_PREFIX, or one per agent when several share a
 *     host, as tests do).
 *
 *   - In it, VPN_PLUMB_INNER_IFNAME ("eth0"): one end of a veth pair,
 *     with the gateway's MAC, its address ip/prefix_len, up, "lo" up, TX
 *     checksum offload off (packets from a veth through OVS's userspace
 *     datapath otherwise leave with bad TCP/UDP checksums), a default
 *     route and one route per VPC CIDR via router_ip, and
 *     net.ipv4.ip_forward=1 (the namespace routes decrypted traffic into
 *     the VPC) with send_redirects=0 (traffic that the VPC router sends
 *     to the gateway leaves through eth0 again, encrypted: no redirects
 *     to the router), set with forwarding.  VPC CIDRs inside the
 *     gateway's own subnet are left to the connected route, and 0.0.0.0/0
 *     is the default route.
 *
 *   - The other end, "vpn" + 12 hex digits of a SHA-1 of the namespace
 *     name (vpn_plumb_host_ifname(): 15 characters, IFNAMSIZ - 1), up in
 *     the agent's namespace and attached to the integration bridge as a
 *     Port and Interface of the same name with
 *     external_ids:iface-id=LOGICAL_PORT, so that ovn-controller binds the
 *     gateway's logical switch port to it, and the ownership marks
 *     external_ids:ovn-vpn-gateway=NAME and ovn-vpn-netns=PREFIX-NAME.
 *
 * Gateways that leave the set lose their port, veth pair and namespace:
 * the host link is deleted first, which destroys both ends at once even
 * if a process (pluto) still keeps the namespace alive, then the
 * namespace's name.  The agent stops such processes itself, before or
 * after.
 *
 * Changes to a gateway's MAC, address, router or routes are made in place
 * (the veth pair, and so the processes in the namespace, stay); a broken
 * veth pair is recreated.
 *
 * Ownership.  This module owns exactly the namespaces named "PREFIX-..."
 * with its own PREFIX, the host links named like theirs, the routes of
 * protocol VPN_PLUMB_ROUTE_PROTO in those namespaces and the OVS ports
 * whose Interface has the marks above with its PREFIX (or the name of one
 * of its host links).  A prefix is 1 to VPN_PLUMB_PREFIX_MAX_LEN letters
 * and digits: as it contains no '-', the namespace "a-b-c" belongs to
 * prefix "a" alone, so agents with prefixes "t1" and "t1b" never take
 * each other's namespaces.  Addresses other than the gateway's on eth0
 * are removed; other routes (for example those that libreswan's updown
 * script adds) and other links are left alone.  Everything else on the
 * host is never touched.
 *
 * Restarts.  Nothing is remembered across restarts: the first
 * vpn_plumb_run() compares the kernel with each wanted gateway and fixes
 * only what differs, so correct gateways are adopted as they are (same
 * veth, same namespace, pluto undisturbed), and removes the namespaces
 * with our prefix and the marked OVS ports that are no longer wanted.
 * vpn_plumb_destroy() frees memory only, so that the tunnels survive an
 * agent restart; vpn_plumb_cleanup() removes everything.
 *
 * Cost.  Each gateway's last applied configuration is cached: a run in
 * which a gateway did not change runs no command for it.  The kernel is
 * re-read and repaired only for new or changed gateways, every
 * check interval (vpn_plumb_set_check_interval(), default
 * VPN_PLUMB_CHECK_INTERVAL_MS) per gateway, after an error (with
 * exponential back-off from 1 s up to the check interval), or on
 * vpn_plumb_force_check().  Creating a gateway is 5 commands (about
 * 12 ms), removing one 2 (30 to 40 ms: deleting a veth waits for RCU
 * grace periods).  Checking a gateway is 1 command (about 2 ms: the
 * namespace) while its eth0 is a veth whose peer is the host end that an
 * earlier check saw or that its creation made: the host end, which goes
 * with eth0, is read with ioctls (name, flags, MTU), and the TX offload,
 * once turned off on that pair, is not read again.  Otherwise (after an
 * adoption, vpn_plumb_force_check() or a broken pair) it is 3 commands
 * (about 6 ms): the namespace, the host end and eth0's offload.  These
 * commands run in a thread of the plumbing's own, one gateway at a time,
 * so that the caller's main loop never waits for one, even when hundreds
 * of gateways arrive at once: each run collects the last gateway's
 * outcome and hands the next one over, and vpn_plumb_wait() wakes the
 * loop when it is done.  (Only vpn_plumb_cleanup() runs them in the
 * caller's thread, at most its time budget per run:
 * vpn_plumb_set_time_budget(), default VPN_PLUMB_TIME_BUDGET_MS.)  The
 * OVS side is compared with the IDL's in-memory contents on every run,
 * which costs no I/O.
 *
 * Where the agent runs.  The host ends of the veth pairs are created in
 * the agent's own network namespace, which must be ovs-vswitchd's (the
 * host's, or in tests the namespace that stands for a chassis).  The
 * agent must share the mount namespace in which /run/netns is mounted:
 * "ip netns add" bind-mounts the new namespace there, and in a private
 * mount namespace (as "ip netns exec" makes) the mount would vanish with
 * the agent, leaving an empty file.  Start it in a namespace with
 * "nsenter --net=/run/netns/NAME", not with "ip netns exec".  (A file
 * left that way is detected and the namespace recreated.)
 *
 * Why iproute2 commands rather than netlink.  Namespaces, links,
 * addresses and routes are made by running "ip" (and "ip netns exec NS
 * sysctl" and "ip netns exec NS ethtool") with an argument vector through
 * posix_spawnp() (vpn-exec.h), never through a shell, and reading "ip -j"
 * JSON with OVS's JSON parser.  iproute2 already implements every
 * operation needed (namespace creation with its bind mount, veth creation
 * directly into a namespace, per-namespace commands), is the
 * well-tested tool that operators use to inspect the same state, keeps
 * this module free of netlink message building and of setns() games in
 * the agent's own threads, and several changes to one namespace go
 * through one "ip -n NS -batch -".  The price is a few milliseconds per
 * command, paid only when something changes or is checked (the periodic
 * check of the host end, the most frequent read, uses ioctls in the
 * agent's own namespace instead: see "Cost").  Every
 * argument is generated here: keywords, addresses and numbers formatted
 * from parsed values, the namespace name (the validated prefix and a
 * gateway name of letters, digits, '.', '_' and '-', checked again here)
 * and the host link name (a hash, so that no gateway name, however long,
 * reaches an interface name).
 *
 * OVS side.  The agent owns an Open_vSwitch IDL (ovsrec_idl_class),
 * registers this module's columns with vpn_plumb_add_ovs_columns() before
 * connecting, and passes each iteration's transaction (or NULL while one
 * is in flight) to vpn_plumb_run(), which inserts and deletes Port and
 * Interface rows as ovs-vsctl add-port and del-port do: a port is added
 * to Bridge.ports with a mutation, so it never conflicts with
 * ovn-controller's writes.  Nothing is written before the IDL has
 * received the database's contents.  A port is only inserted once its
 * host link exists, so ovs-vswitchd opens it at once.
 *
 * Errors.  vpn_plumb_error() gives each gateway's current problem: an
 * invalid field, a failed command (with its output), a missing bridge or
 * the error that ovs-vswitchd reports on the Interface. */

#include <stdbool.h>
#include <stddef.h>

#include "openvswitch/compiler.h"
#include "openvswitch/types.h"

struct ovsdb_idl;
struct ovsdb_idl_txn;
struct vpn_plumb;

#define VPN_PLUMB_DEFAULT_PREFIX "ovnvpn"
#define VPN_PLUMB_PREFIX_MAX_LEN 16
#define VPN_PLUMB_DEFAULT_BRIDGE "br-int"

/* The name of the gateway's interface inside its namespace. */
#define VPN_PLUMB_INNER_IFNAME "eth0"

/* Length of a host link name: "vpn" and 12 hexadecimal digits. */
#define VPN_PLUMB_HOST_IFNAME_LEN 15

/* The route protocol ("ip route ... proto 86") that marks the routes this
 * module manages in a gateway's namespace. */
#define VPN_PLUMB_ROUTE_PROTO 86

/* Default period of the per-gateway kernel check and of the scan for
 * leftover namespaces, in milliseconds. */
#define VPN_PLUMB_CHECK_INTERVAL_MS (60 * 1000)

/* Default time that one run of a cleanup may spend on kernel commands. */
#define VPN_PLUMB_TIME_BUDGET_MS 200

/* The ownership marks in Interface external_ids. */
#define VPN_PLUMB_EXT_ID_GATEWAY "ovn-vpn-gateway"
#define VPN_PLUMB_EXT_ID_NETNS "ovn-vpn-netns"

/* One gateway that must exist on this chassis, as the SB VPN_Gateway row
 * describes it.  Strings are borrowed for the duration of the call. */
struct vpn_plumb_gateway {
    const char *name;           /* VPN_Gateway.name. */
    const char *logical_port;   /* Interface external_ids:iface-id. */
    const char *mac;            /* "0a:00:00:00:00:05": eth0's address. */
    const char *ip;             /* "10.0.1.5". */
    int prefix_len;             /* 1...32. */
    const char *router_ip;      /* In ip/prefix_len: the default route. */
    char **routes;              /* CIDRs "a.b.c.d/n" routed via router_ip. */
    size_t n_routes;
    int mtu;                    /* Both veth ends; 0 means 1500. */
};

/* Life cycle. */
char *vpn_plumb_create(const char *prefix, const char *bridge,
                       struct vpn_plumb **)
    OVS_WARN_UNUSED_RESULT;
void vpn_plumb_destroy(struct vpn_plumb *);
char *vpn_plumb_check_prefix(const char *prefix) OVS_WARN_UNUSED_RESULT;
void vpn_plumb_set_bridge(struct vpn_plumb *, const char *bridge);
void vpn_plumb_set_check_interval(struct vpn_plumb *, long long int msec);
void vpn_plumb_set_time_budget(struct vpn_plumb *, long long int msec);

/* The agent's Open_vSwitch IDL. */
void vpn_plumb_add_ovs_columns(struct ovsdb_idl *);

/* Main loop. */
bool vpn_plumb_run(struct vpn_plumb *, const struct vpn_plumb_gateway *,
                   size_t n, const struct ovsdb_idl *,
                   struct ovsdb_idl_txn *);
void vpn_plumb_wait(const struct vpn_plumb *);
void vpn_plumb_force_check(struct vpn_plumb *);
bool vpn_plumb_cleanup(struct vpn_plumb *, const struct ovsdb_idl *,
                       struct ovsdb_idl_txn *);

/* Per-gateway results of the last run. */
const char *vpn_plumb_netns(const struct vpn_plumb *, const char *gw);
bool vpn_plumb_ready(const struct vpn_plumb *, const char *gw);
ovs_be32 vpn_plumb_ip(const struct vpn_plumb *, const char *gw);
const char *vpn_plumb_error(const struct vpn_plumb *, const char *gw);

/* Names. */
char *vpn_plumb_netns_name(const char *prefix, const char *gw);
void vpn_plumb_host_ifname(const char *netns,
                           char ifname[VPN_PLUMB_HOST_IFNAME_LEN + 1]);
char *vpn_plumb_check_gateway(const struct vpn_plumb_gateway *)
    OVS_WARN_UNUSED_RESULT;

/* Statistics, for tests and "ovn-appctl" commands. */
struct vpn_plumb_stats {
    unsigned long long int n_commands;  /* Commands run so far. */
    unsigned long long int n_created;   /* Veth pairs created. */
    unsigned long long int n_removed;   /* Namespaces removed. */
};
void vpn_plumb_get_stats(const struct vpn_plumb *, struct vpn_plumb_stats *);

#endif /* vpn-plumb.h */
