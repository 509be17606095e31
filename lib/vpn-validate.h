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

#ifndef VPN_VALIDATE_H
#define VPN_VALIDATE_H 1

/* Validation of user input, shared by ovn-vpnctl and ovn-vpn-northd.
 *
 * Every rule about what a VPN_Gateway, VPN_Peer or VPN_Tunnel may contain
 * is written here once.  The module is pure: it knows nothing of OVSDB or
 * the IDL, so that the CLI can check options before it writes and the
 * translator can check rows before it resolves them, with the same code and
 * the same messages.
 *
 * Errors.  Every check returns NULL if the value is acceptable, otherwise a
 * malloc()'d message that the caller must free().  A message starts with
 * the field it is about and says the rule that was broken, e.g.
 *
 *     peer_cidrs: "10.1.0.1/16" has host bits set (use 10.1.0.0/16)
 *
 * The field is the 'field' argument where a function takes one (the CLI
 * may pass its option name) and the NB schema's column name otherwise.
 * Text that the user wrote is echoed between double quotes, escaped as a
 * JSON string (so that a tab shows as \t); values that this module
 * formats itself (a parsed CIDR, a number) are not quoted.  A message
 * never contains any part of a pre-shared key, nor its length.
 *
 * Addresses.  Only IPv4 is supported.  An address is a strict dotted quad
 * (inet_pton(), so no leading zeros, no shorthand).  A CIDR is
 * "a.b.c.d/n" with n from 0 to 32 written without leading zeros; a bare
 * address is refused where a CIDR is expected, and so is a CIDR with host
 * bits set (the message suggests the network address): the module never
 * silently normalises, so that what is stored is what the user meant.
 *
 * IKE identities.  local_id and peer_id are an IPv4 address or a fully
 * qualified domain name: RFC 1123 labels of 1 to 63 letters, digits and
 * hyphens, not starting or ending with a hyphen, at least two labels, at
 * most 253 characters in all, the last label not all digits.  The domain
 * name may be written with libreswan's leading '@' ("@vpn.example.com"),
 * which means the same identity as "vpn.example.com": ovn-vpn always
 * sends a domain name as a literal ID_FQDN and never resolves it in DNS,
 * which is what libreswan does with the '@' form (and not with the bare
 * form).  vpn_id_format_libreswan() writes either form the way libreswan
 * must see it.  libreswan's other forms (distinguished names, "@#hex",
 * "%any", ...) are refused.
 *
 * Cross-row rules.  Rules that need other rows (the router's subnets, the
 * other tunnels of the same VPC) are evaluated by the callers, who own the
 * database, with the helpers at the end of this file, which work on plain
 * data. */

#include <stdbool.h>
#include <stddef.h>

#include "openvswitch/compiler.h"
#include "openvswitch/types.h"

struct ds;
struct vpn_tunnel_params;

/* Limits of dead peer detection, in seconds (the schema enforces the same
 * ranges).  Lifetimes, name and PSK lengths and the peer CIDR count are in
 * vpn-params.h. */
#define VPN_DPD_DELAY_MIN       1
#define VPN_DPD_DELAY_MAX       3600
#define VPN_DPD_TIMEOUT_MIN     1
#define VPN_DPD_TIMEOUT_MAX     86400

/* Longest comment, in characters (the schema's maxLength). */
#define VPN_COMMENT_MAX_LEN     255

/* Longest domain name and domain name label. */
#define VPN_FQDN_MAX_LEN        253
#define VPN_FQDN_LABEL_MAX_LEN  63

/* Names and comments. */
char *vpn_check_name(const char *field, const char *name)
    OVS_WARN_UNUSED_RESULT;
void vpn_put_printable(struct ds *, const char *s, size_t n);
char *vpn_check_comment(const char *field, const char *comment)
    OVS_WARN_UNUSED_RESULT;

/* IPv4 addresses.  Each stores the parsed address in '*ip' on success if
 * 'ip' is nonnull.  vpn_check_unicast_ip() is for public_ip and
 * internal_ip; vpn_check_peer_ip() is for a peer's ip, which may also be
 * VPN_PEER_ANY. */
char *vpn_parse_ip(const char *field, const char *s, ovs_be32 *ip)
    OVS_WARN_UNUSED_RESULT;
char *vpn_check_unicast_ip(const char *field, const char *s, ovs_be32 *ip)
    OVS_WARN_UNUSED_RESULT;
char *vpn_check_peer_ip(const char *field, const char *s, ovs_be32 *ip)
    OVS_WARN_UNUSED_RESULT;

/* An IPv4 network: 'ip' has no bit set beyond the first 'plen'. */
struct vpn_cidr {
    ovs_be32 ip;
    unsigned int plen;          /* 0...32. */
};

void vpn_cidr_init(struct vpn_cidr *, ovs_be32 ip, unsigned int plen);
char *vpn_cidr_parse(const char *field, const char *s, struct vpn_cidr *)
    OVS_WARN_UNUSED_RESULT;
void vpn_cidr_format(const struct vpn_cidr *, struct ds *);
char *vpn_cidr_to_string(const struct vpn_cidr *);
ovs_be32 vpn_cidr_mask(const struct vpn_cidr *);
bool vpn_cidr_equals(const struct vpn_cidr *, const struct vpn_cidr *);
bool vpn_cidr_contains(const struct vpn_cidr *outer,
                       const struct vpn_cidr *inner);
bool vpn_cidr_contains_ip(const struct vpn_cidr *, ovs_be32 ip);
bool vpn_cidrs_overlap(const struct vpn_cidr *, const struct vpn_cidr *);

char *vpn_parse_cidr_list(const char *field, const char *const *strings,
                          size_t n, size_t max, struct vpn_cidr **cidrsp)
    OVS_WARN_UNUSED_RESULT;

/* A tunnel's traffic selectors, parsed. */
struct vpn_tunnel_cidrs {
    struct vpn_cidr *local;
    size_t n_local;
    struct vpn_cidr *peer;
    size_t n_peer;
};

char *vpn_tunnel_cidrs_parse(const struct vpn_tunnel_params *,
                             struct vpn_tunnel_cidrs *)
    OVS_WARN_UNUSED_RESULT;
void vpn_tunnel_cidrs_destroy(struct vpn_tunnel_cidrs *);

/* Pre-shared keys. */
char *vpn_check_psk(const char *field, const char *psk)
    OVS_WARN_UNUSED_RESULT;

/* IKE identities (local_id, peer_id). */
char *vpn_check_id(const char *field, const char *id) OVS_WARN_UNUSED_RESULT;
bool vpn_id_is_fqdn(const char *id);
void vpn_id_format_libreswan(const char *id, struct ds *);

/* Enumerations, with the schema's values.  vpn_check_encryption() and
 * vpn_check_integrity() serve both the IKE and the IPsec column. */
char *vpn_check_ike_version(const char *field, const char *)
    OVS_WARN_UNUSED_RESULT;
char *vpn_check_ike_mode(const char *field, const char *)
    OVS_WARN_UNUSED_RESULT;
char *vpn_check_encryption(const char *field, const char *)
    OVS_WARN_UNUSED_RESULT;
char *vpn_check_integrity(const char *field, const char *)
    OVS_WARN_UNUSED_RESULT;
char *vpn_check_ipsec_protocol(const char *field, const char *)
    OVS_WARN_UNUSED_RESULT;
char *vpn_check_dpd_action(const char *field, const char *)
    OVS_WARN_UNUSED_RESULT;
char *vpn_check_initiator(const char *field, const char *)
    OVS_WARN_UNUSED_RESULT;

/* Diffie-Hellman groups: ike_dh_group, and ipsec_pfs_group which may also
 * be VPN_PFS_DISABLED, written "disabled" as text. */
char *vpn_check_dh_group(const char *field, int group)
    OVS_WARN_UNUSED_RESULT;
char *vpn_parse_dh_group(const char *field, const char *s, int *group)
    OVS_WARN_UNUSED_RESULT;
char *vpn_check_pfs_group(const char *field, int group)
    OVS_WARN_UNUSED_RESULT;
char *vpn_parse_pfs_group(const char *field, const char *s, int *group)
    OVS_WARN_UNUSED_RESULT;
void vpn_format_pfs_group(int group, struct ds *);

/* Any setting of the catalog (vpn-catalog.h), given as text (an
 * ovn-vpnctl option's argument), by the rule its kind says. */
struct vpn_setting;
char *vpn_parse_setting(const struct vpn_setting *, const char *s,
                        int *number)
    OVS_WARN_UNUSED_RESULT;

/* Integers: lifetimes and dead peer detection, in seconds. */
char *vpn_parse_int(const char *field, const char *s, int min, int max,
                    int *value)
    OVS_WARN_UNUSED_RESULT;
char *vpn_check_int_range(const char *field, int value, int min, int max)
    OVS_WARN_UNUSED_RESULT;
char *vpn_check_lifetime(const char *field, int seconds)
    OVS_WARN_UNUSED_RESULT;
char *vpn_check_dpd_delay(const char *field, int seconds)
    OVS_WARN_UNUSED_RESULT;
char *vpn_check_dpd_timeout(const char *field, int seconds)
    OVS_WARN_UNUSED_RESULT;

/* Every self-contained rule on a whole tunnel. */
char *vpn_check_tunnel_params(const struct vpn_tunnel_params *)
    OVS_WARN_UNUSED_RESULT;

/* Cross-row rules, evaluated by the callers on data they looked up. */
char *vpn_check_local_cidrs_in_subnets(const char *field,
                                       const struct vpn_cidr *local,
                                       size_t n_local,
                                       const struct vpn_cidr *subnets,
                                       size_t n_subnets,
                                       const char *router)
    OVS_WARN_UNUSED_RESULT;
char *vpn_check_ip_in_subnet(const char *field, ovs_be32 ip,
                             const struct vpn_cidr *subnet,
                             const char *logical_switch)
    OVS_WARN_UNUSED_RESULT;
char *vpn_check_tunnel_conflict(const struct vpn_tunnel_cidrs *tunnel,
                                const struct vpn_tunnel_cidrs *other,
                                const char *other_name)
    OVS_WARN_UNUSED_RESULT;

#endif /* vpn-validate.h */
