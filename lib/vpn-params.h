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

#ifndef VPN_PARAMS_H
#define VPN_PARAMS_H 1

/* The parameters of one IPsec tunnel, independent of any database.
 *
 * A "struct vpn_tunnel_params" is what every program of ovn-vpn agrees a
 * tunnel is: ovn-vpnctl fills it from the NB VPN_Tunnel row to check it
 * and to print a configuration, ovn-vpn-northd fills it from the NB to
 * validate and resolve it into the SB, and ovn-vpn-agent fills it from the
 * SB VPN_Tunnel row to render libreswan's connection.
 *
 * Enumerated settings are kept as the strings of the schema's enums
 * ("ikev2", "aes128", "sha2-256", ...), so that a row maps onto the
 * structure without translation.  Integer settings use 0 for "not set" in
 * the NB (vpn_params_apply_defaults() fills them in); the PFS group uses
 * VPN_PFS_DISABLED for "no PFS".
 *
 * The structure does not own its strings: they point into the IDL row (or
 * a test's literals) that the caller keeps alive, except where a function
 * says otherwise. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The settings' values and defaults are in vpn-catalog.h. */

/* Limits that the schema also enforces where OVSDB can express them. */
#define VPN_LIFETIME_MIN     3600
#define VPN_LIFETIME_MAX     86400
#define VPN_MAX_PEER_CIDRS   20
#define VPN_MAX_TUNNELS      20     /* Per gateway and per peer gateway. */
#define VPN_PSK_MAX_LEN      128
#define VPN_NAME_MAX_LEN     64

/* ipsec_pfs_group value meaning "PFS disabled". */
#define VPN_PFS_DISABLED     0

/* The peer address that means "any address" (a peer behind NAT whose
 * address changes); such a tunnel can only respond. */
#define VPN_PEER_ANY         "0.0.0.0"

struct vpn_tunnel_params {
    const char *name;

    /* Endpoints.  'local_ip' is the gateway's internal address (libreswan's
     * left=), 'local_public_ip' the public address the VPC router maps to
     * it, 'peer_ip' the remote site's public address or VPN_PEER_ANY. */
    const char *local_ip;
    const char *local_public_ip;
    const char *peer_ip;

    /* IKE identities; NULL means the default: 'local_public_ip' and
     * 'peer_ip' respectively. */
    const char *local_id;
    const char *peer_id;

    /* Traffic selectors, as normalised "a.b.c.d/n" strings. */
    const char **local_cidrs;
    size_t n_local_cidrs;
    const char **peer_cidrs;
    size_t n_peer_cidrs;

    /* Pre-shared key.  Never logged or printed unless the user asked. */
    const char *psk;

    /* Phase 1 (IKE). */
    const char *ike_version;        /* "ikev1" or "ikev2". */
    const char *ike_mode;           /* "main" or "aggressive" (IKEv1). */
    const char *ike_encryption;     /* Values: see vpn-catalog.h. */
    const char *ike_integrity;
    int ike_dh_group;
    int ike_lifetime;               /* Seconds. */

    /* Phase 2 (IPsec). */
    const char *ipsec_protocol;     /* "esp" or "ah". */
    const char *ipsec_encryption;   /* NULL with "ah". */
    const char *ipsec_integrity;
    int ipsec_pfs_group;            /* VPN_PFS_DISABLED or a DH group. */
    int ipsec_lifetime;             /* Seconds. */

    /* Dead peer detection and initiator mode. */
    const char *dpd_action;
    int dpd_delay;                  /* Seconds. */
    int dpd_timeout;                /* Seconds. */
    const char *initiator;          /* "bi-directional", "response-only". */

    /* Which tunnel of this name: a number that changes when the tunnel is
     * deleted and created again under its name (the SB row's first
     * generation), 0 if unknown.  Not a setting: it keeps one tunnel's
     * history (events, failed attempts) from the next one's. */
    int64_t instance;
};

void vpn_params_init(struct vpn_tunnel_params *);
void vpn_params_apply_defaults(struct vpn_tunnel_params *);
const char *vpn_params_local_id(const struct vpn_tunnel_params *);
const char *vpn_params_peer_id(const struct vpn_tunnel_params *);
bool vpn_params_peer_is_any(const struct vpn_tunnel_params *);

#endif /* vpn-params.h */
