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

#ifndef VPN_CATALOG_H
#define VPN_CATALOG_H 1

/* The catalog of a tunnel's settings: the one place that lists, for each
 * setting, its column (the same in the NB and the SB VPN_Tunnel), its
 * ovn-vpnctl option, the values it takes with their names in libreswan
 * and in strongswan, and its default.
 *
 * Validation (vpn-validate), the renderers (vpn-swan-conf), the agent's
 * probe of what its libreswan accepts (vpn-pluto), the defaults
 * (vpn_params_apply_defaults()), the copies between database rows and
 * parameters (vpn-catalog-row: NB to translator, translator to SB, SB to
 * agent) and ovn-vpnctl's options, their parsing and writing, and its
 * help, all read it; a test checks the schemas, the manual page and
 * ovn-vpnctl's commands against it (tests/vpn-catalog.at).  Adding a
 * value to a setting is one line here, plus the schema's enum and its
 * documentation.  Adding a setting is one line here, its field in
 * struct vpn_tunnel_params, its column in both schemas with its
 * documentation, and its keyword in the renderers.
 *
 * Enumerated values are the strings of the schema's enums, Diffie-Hellman
 * groups their numbers. */

#include <stdbool.h>
#include <stddef.h>

struct ds;
struct vpn_tunnel_params;

/* One value of an enumerated setting and its names in each daemon (NULL
 * where the daemon has none, or where the setting is no algorithm). */
struct vpn_catalog_value {
    const char *name;           /* The schema's value: "sha2-256". */
    const char *libreswan;      /* libreswan's: "sha2_256". */
    const char *strongswan;     /* swanctl's: "sha256". */
};

/* One Diffie-Hellman group. */
struct vpn_catalog_dh {
    int group;                  /* IANA number: 14. */
    const char *libreswan;      /* "modp2048". */
    const char *strongswan;     /* "modp2048". */
    bool weak;                  /* RFC 8247 advises against it. */
};

enum vpn_setting_kind {
    VPN_SETTING_ENUM,           /* One of 'values'. */
    VPN_SETTING_DH,             /* One of the DH groups. */
    VPN_SETTING_PFS,            /* A DH group, or VPN_PFS_DISABLED. */
    VPN_SETTING_INT,            /* An integer from 'min' to 'max'. */
};

struct vpn_setting {
    const char *column;         /* "ike_encryption". */
    const char *option;         /* ovn-vpnctl's "--ike-encryption". */
    const char *group;          /* "IKE", "IPsec" or "Other". */
    enum vpn_setting_kind kind;
    const struct vpn_catalog_value *values;    /* VPN_SETTING_ENUM. */
    int min, max;                               /* VPN_SETTING_INT. */
    const char *default_string;                 /* Default of an enum. */
    int default_int;                            /* Default of the others. */
    bool esp_only;              /* No value, so no default, with AH. */
    size_t offset;              /* In struct vpn_tunnel_params. */
};

/* The enumerations, each ended by a value whose 'name' is NULL. */
extern const struct vpn_catalog_value vpn_catalog_encryptions[];
extern const struct vpn_catalog_value vpn_catalog_integrities[];
extern const struct vpn_catalog_value vpn_catalog_dpd_actions[];

extern const struct vpn_catalog_dh vpn_catalog_dh_groups[];
extern const size_t vpn_catalog_n_dh_groups;

extern const struct vpn_setting vpn_settings[];
extern const size_t vpn_n_settings;

const struct vpn_setting *vpn_setting_find(const char *column);
const struct vpn_catalog_value *vpn_catalog_find(
    const struct vpn_catalog_value *values, const char *name);
const struct vpn_catalog_dh *vpn_catalog_find_dh(int group);

void vpn_catalog_put_values(const struct vpn_setting *, const char *sep,
                            struct ds *);
void vpn_catalog_apply_defaults(struct vpn_tunnel_params *);
bool vpn_setting_equal(const struct vpn_setting *,
                       const struct vpn_tunnel_params *,
                       const struct vpn_tunnel_params *);
void vpn_setting_format(const struct vpn_setting *,
                        const struct vpn_tunnel_params *, struct ds *);

#endif /* vpn-catalog.h */
