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

/* The catalog of a tunnel's settings (see vpn-catalog.h). */

#include <config.h>

#include "vpn-catalog.h"

#include <stddef.h>
#include <string.h>

#include "openvswitch/dynamic-string.h"
#include "openvswitch/util.h"
#include "util.h"
#include "vpn-params.h"

const struct vpn_catalog_value vpn_catalog_encryptions[] = {
    { "3des",     "3des",     "3des" },
    { "aes128",   "aes128",   "aes128" },
    { "aes192",   "aes192",   "aes192" },
    { "aes256",   "aes256",   "aes256" },
    { NULL, NULL, NULL },
};

const struct vpn_catalog_value vpn_catalog_integrities[] = {
    { "md5",      "md5",      "md5" },
    { "sha1",     "sha1",     "sha1" },
    { "sha2-256", "sha2_256", "sha256" },
    { NULL, NULL, NULL },
};

/* libreswan's dpdaction= takes the schema's values; swanctl 5.9 calls
 * "hold" "trap". */
const struct vpn_catalog_value vpn_catalog_dpd_actions[] = {
    { "hold",     "hold",     "trap" },
    { "clear",    "clear",    "clear" },
    { "restart",  "restart",  "restart" },
    { NULL, NULL, NULL },
};

/* libreswan knows group 24 only as "dh24" (Debian 12's build refuses it as
 * "not supported", not "not recognized"); strongswan calls it
 * "modp2048s256". */
const struct vpn_catalog_dh vpn_catalog_dh_groups[] = {
    { 1,  "modp768",    "modp768",      true },
    { 2,  "modp1024",   "modp1024",     true },
    { 5,  "modp1536",   "modp1536",     false },
    { 14, "modp2048",   "modp2048",     false },
    { 19, "ecp256",     "ecp256",       false },
    { 20, "ecp384",     "ecp384",       false },
    { 21, "ecp521",     "ecp521",       false },
    { 24, "dh24",       "modp2048s256", true },
    { 31, "curve25519", "curve25519",   false },
};
const size_t vpn_catalog_n_dh_groups = ARRAY_SIZE(vpn_catalog_dh_groups);

/* Settings that are no algorithm: each renderer spells them its own way. */
static const struct vpn_catalog_value ike_versions[] = {
    { "ikev1", NULL, NULL }, { "ikev2", NULL, NULL }, { NULL, NULL, NULL },
};
static const struct vpn_catalog_value ike_modes[] = {
    { "main", NULL, NULL }, { "aggressive", NULL, NULL },
    { NULL, NULL, NULL },
};
static const struct vpn_catalog_value ipsec_protocols[] = {
    { "esp", NULL, NULL }, { "ah", NULL, NULL }, { NULL, NULL, NULL },
};
static const struct vpn_catalog_value initiators[] = {
    { "bi-directional", NULL, NULL }, { "response-only", NULL, NULL },
    { NULL, NULL, NULL },
};

#define ENUM(COLUMN, OPTION, GROUP, VALUES, DEFAULT, ESP_ONLY)         \
    { #COLUMN, OPTION, GROUP, VPN_SETTING_ENUM, VALUES, 0, 0, DEFAULT, 0, \
      ESP_ONLY, offsetof(struct vpn_tunnel_params, COLUMN) }
#define NUMBER(COLUMN, OPTION, GROUP, KIND, MIN, MAX, DEFAULT)          \
    { #COLUMN, OPTION, GROUP, KIND, NULL, MIN, MAX, NULL, DEFAULT,      \
      false, offsetof(struct vpn_tunnel_params, COLUMN) }

/* Defaults, from the seed's user guide except where Debian's libreswan
 * refuses the guide's value: its DH group 2 (modp1024) is refused by
 * Debian 12's libreswan, so the default is group 14. */
const struct vpn_setting vpn_settings[] = {
    ENUM(ike_version, "--ike-version", "IKE", ike_versions, "ikev2", false),
    ENUM(ike_mode, "--ike-mode", "IKE", ike_modes, "main", false),
    ENUM(ike_encryption, "--ike-encryption", "IKE",
         vpn_catalog_encryptions, "aes128", false),
    ENUM(ike_integrity, "--ike-integrity", "IKE",
         vpn_catalog_integrities, "sha1", false),
    NUMBER(ike_dh_group, "--ike-dh-group", "IKE", VPN_SETTING_DH, 0, 0, 14),
    NUMBER(ike_lifetime, "--ike-lifetime", "IKE", VPN_SETTING_INT,
           VPN_LIFETIME_MIN, VPN_LIFETIME_MAX, 86400),
    ENUM(ipsec_protocol, "--ipsec-protocol", "IPsec", ipsec_protocols,
         "esp", false),
    ENUM(ipsec_encryption, "--ipsec-encryption", "IPsec",
         vpn_catalog_encryptions, "aes128", true),
    ENUM(ipsec_integrity, "--ipsec-integrity", "IPsec",
         vpn_catalog_integrities, "sha1", false),
    NUMBER(ipsec_pfs_group, "--pfs", "IPsec", VPN_SETTING_PFS, 0, 0, 14),
    NUMBER(ipsec_lifetime, "--ipsec-lifetime", "IPsec", VPN_SETTING_INT,
           VPN_LIFETIME_MIN, VPN_LIFETIME_MAX, 86400),
    ENUM(dpd_action, "--dpd-action", "Other", vpn_catalog_dpd_actions,
         "hold", false),
    NUMBER(dpd_delay, "--dpd-delay", "Other", VPN_SETTING_INT, 1, 3600, 8),
    NUMBER(dpd_timeout, "--dpd-timeout", "Other", VPN_SETTING_INT,
           1, 86400, 13),
    ENUM(initiator, "--initiator", "Other", initiators, "bi-directional",
         false),
};
const size_t vpn_n_settings = ARRAY_SIZE(vpn_settings);

#undef ENUM
#undef NUMBER

/* Returns the setting stored in column 'column', or NULL. */
const struct vpn_setting *
vpn_setting_find(const char *column)
{
    for (size_t i = 0; i < vpn_n_settings; i++) {
        if (!strcmp(vpn_settings[i].column, column)) {
            return &vpn_settings[i];
        }
    }
    return NULL;
}

/* Returns the value of 'values' named 'name', or NULL. */
const struct vpn_catalog_value *
vpn_catalog_find(const struct vpn_catalog_value *values, const char *name)
{
    for (const struct vpn_catalog_value *v = values; name && v->name; v++) {
        if (!strcmp(v->name, name)) {
            return v;
        }
    }
    return NULL;
}

/* Returns Diffie-Hellman group 'group', or NULL if it is none of the
 * schema's. */
const struct vpn_catalog_dh *
vpn_catalog_find_dh(int group)
{
    for (size_t i = 0; i < vpn_catalog_n_dh_groups; i++) {
        if (vpn_catalog_dh_groups[i].group == group) {
            return &vpn_catalog_dh_groups[i];
        }
    }
    return NULL;
}

/* Appends the values that setting 's' takes to 'ds', separated by 'sep':
 * "ikev1|ikev2", "1|2|5|...", "disabled|1|...", or "3600..86400" for a
 * range. */
void
vpn_catalog_put_values(const struct vpn_setting *s, const char *sep,
                       struct ds *ds)
{
    switch (s->kind) {
    case VPN_SETTING_ENUM:
        for (const struct vpn_catalog_value *v = s->values; v->name; v++) {
            ds_put_format(ds, "%s%s", v == s->values ? "" : sep, v->name);
        }
        break;

    case VPN_SETTING_PFS:
        ds_put_format(ds, "disabled%s", sep);
        /* Fall through. */
    case VPN_SETTING_DH:
        for (size_t i = 0; i < vpn_catalog_n_dh_groups; i++) {
            ds_put_format(ds, "%s%d", i ? sep : "",
                          vpn_catalog_dh_groups[i].group);
        }
        break;

    case VPN_SETTING_INT:
        ds_put_format(ds, "%d..%d", s->min, s->max);
        break;

    default:
        OVS_NOT_REACHED();
    }
}

/* Fills every setting of 'p' that is not set with its default: a null
 * string, a zero number, a negative PFS group (VPN_PFS_DISABLED, 0, is a
 * choice).  Settings that only ESP has stay unset with AH. */
void
vpn_catalog_apply_defaults(struct vpn_tunnel_params *p)
{
    for (size_t i = 0; i < vpn_n_settings; i++) {
        const struct vpn_setting *s = &vpn_settings[i];
        void *field = (char *) p + s->offset;

        if (s->kind == VPN_SETTING_ENUM) {
            const char **value = field;
            if (!*value && !(s->esp_only && p->ipsec_protocol
                             && strcmp(p->ipsec_protocol, "esp"))) {
                *value = s->default_string;
            }
        } else {
            int *value = field;
            if (s->kind == VPN_SETTING_PFS ? *value < 0 : !*value) {
                *value = s->default_int;
            }
        }
    }
}

/* Returns true if 'a' and 'b' (defaults applied) have the same value of
 * setting 's'. */
bool
vpn_setting_equal(const struct vpn_setting *s,
                  const struct vpn_tunnel_params *a,
                  const struct vpn_tunnel_params *b)
{
    const void *fa = (const char *) a + s->offset;
    const void *fb = (const char *) b + s->offset;
    return (s->kind == VPN_SETTING_ENUM
            ? nullable_string_is_equal(*(const char *const *) fa,
                                       *(const char *const *) fb)
            : *(const int *) fa == *(const int *) fb);
}

/* Appends to 'ds' the value of setting 's' in 'p': a name, a number,
 * "disabled" for PFS disabled, "none" for an ESP-only setting under AH. */
void
vpn_setting_format(const struct vpn_setting *s,
                   const struct vpn_tunnel_params *p, struct ds *ds)
{
    const void *field = (const char *) p + s->offset;
    if (s->kind == VPN_SETTING_ENUM) {
        const char *value = *(const char *const *) field;
        ds_put_cstr(ds, value ? value : "none");
    } else if (s->kind == VPN_SETTING_PFS
               && *(const int *) field == VPN_PFS_DISABLED) {
        ds_put_cstr(ds, "disabled");
    } else {
        ds_put_format(ds, "%d", *(const int *) field);
    }
}
