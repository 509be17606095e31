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

#ifndef VPN_SWAN_CONF_H
#define VPN_SWAN_CONF_H 1

/* Rendering of IPsec daemon configuration text.
 *
 * Every libreswan or strongswan text that ovn-vpn produces comes from this
 * module: the per-gateway agent writes the platform side of each tunnel
 * into its gateway's pluto, and "ovn-vpnctl vpn-tunnel-config" prints
 * either side for a user to read or paste into the remote device.
 *
 * The input is a "struct vpn_tunnel_params" on which
 * vpn_params_apply_defaults() was called and that swan_conf_check()
 * accepted.  swan_conf_check() is the only gate between user-supplied
 * strings and configuration text: it refuses anything that could end a
 * line, a token or a quoted string early (newlines, quotes, control
 * characters, comment characters, ...), so that no id, name, CIDR or
 * pre-shared key can inject a setting.  Every render function checks
 * again and aborts on unchecked input, because rendering it would be a
 * security bug, not a user error.
 *
 * A tunnel is seen from one of two sides (enum swan_conf_view):
 *
 *   - SWAN_VIEW_PLATFORM: the gateway's pluto.  left= is the gateway's
 *     internal address (the VPC router DNATs the public address to it, so
 *     the public address is not on any interface), leftid= is the local
 *     id, which defaults to the public address, and NAT-T is negotiated
 *     automatically because of the DNAT.  A peer at 0.0.0.0 becomes
 *     right=%any (rightid=%any unless a peer id is set), and such a tunnel,
 *     like a "response-only" one, is only added (auto=add), never started.
 *
 *   - SWAN_VIEW_PEER: what the remote device runs.  left= is the peer's
 *     own address (%defaultroute for a peer at 0.0.0.0), right= the
 *     gateway's public address, ids and subnets are swapped, and the peer
 *     always initiates (auto=start), which a response-only platform needs.
 *
 * Example: the platform view of a default IKEv2 tunnel with two local
 * CIDRs, rendered with conn name "t1":
 *
 *     conn t1
 *         left=192.168.100.5
 *         leftid=203.0.113.5
 *         leftsubnets={10.0.0.0/24 10.0.1.0/24}
 *         right=198.51.100.7
 *         rightid=198.51.100.7
 *         rightsubnet=172.16.0.0/16
 *         authby=secret
 *         type=tunnel
 *         keyexchange=ike
 *         ikev2=yes
 *         ike=aes128-sha1;modp2048
 *         esp=aes128-sha1;modp2048
 *         ikelifetime=86400s
 *         salifetime=86400s
 *         keyingtries=3
 *         dpdaction=hold
 *         dpddelay=8s
 *         auto=start
 *
 * and its secret line (swan_conf_render_secret()):
 *
 *     203.0.113.5 198.51.100.7 : PSK "the key"
 *
 * IKE identities are written as the user gave them, except that libreswan
 * gets a bare domain name "vpn.example.com" as "@vpn.example.com": it would
 * otherwise resolve the name in DNS (and drop the id if that fails), while
 * ovn-vpn, like strongswan, means the literal name.
 *
 * Several CIDRs on a side use leftsubnets={...}: libreswan then makes one
 * connection per (left, right) pair, named "t1/1x1", "t1/1x2", ... (index
 * 0 on a side that has a single subnet), and negotiates one Child SA per
 * pair under one IKE SA.  dpdtimeout= is rendered for IKEv1 only: IKEv2
 * liveness in libreswan 4.10 ignores it (and warns), as strongswan does.
 *
 * What libreswan 4.10 accepts depends on the build (Debian's refuses DH
 * groups 1, 2 and 24, and IKEv1 refuses ECP groups for PFS): the renderer
 * renders any value of the schema and leaves the question of support to
 * the agent, which can ask /usr/libexec/ipsec/algparse about the names
 * that swan_conf_dh_name() and friends return. */

#include <stdbool.h>

#include "openvswitch/compiler.h"

struct ds;
struct vpn_tunnel_params;

enum swan_conf_view {
    SWAN_VIEW_PLATFORM,         /* The gateway's side (libreswan left). */
    SWAN_VIEW_PEER,             /* The remote device's side. */
};

/* Validation. */
char *swan_conf_check(const struct vpn_tunnel_params *)
    OVS_WARN_UNUSED_RESULT;
bool swan_conf_is_valid_name(const char *);

/* libreswan 4.10 (ipsec.conf, ipsec.secrets). */
void swan_conf_render_setup(struct ds *, const char *logfile);
void swan_conf_render_conn(const struct vpn_tunnel_params *,
                           const char *conn_name, enum swan_conf_view,
                           struct ds *);
void swan_conf_render_secret(const struct vpn_tunnel_params *,
                             enum swan_conf_view, struct ds *);

/* strongswan 5.9 (swanctl.conf). */
void swan_conf_render_swanctl(const struct vpn_tunnel_params *,
                              enum swan_conf_view, const char *conn_name,
                              const char *ike_name, bool with_secret,
                              struct ds *);

/* libreswan algorithm names, NULL for a value outside the schema. */
const char *swan_conf_dh_name(int group);
const char *swan_conf_encryption_name(const char *encryption);
const char *swan_conf_integrity_name(const char *integrity);
void swan_conf_format_ike(const struct vpn_tunnel_params *, struct ds *);
void swan_conf_format_phase2(const struct vpn_tunnel_params *, struct ds *);

#endif /* vpn-swan-conf.h */
