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

/* The rules that user input to ovn-vpn must follow, in one place: names,
 * IPv4 addresses and CIDRs, pre-shared keys, IKE identities, the schema's
 * enumerations and ranges, the combinations of a tunnel's settings, and
 * helpers for the rules that need other rows (see vpn-validate.h).
 *
 * It is one file of about 1,200 lines on purpose: it is the one place
 * where a rule lives, and each rule is short. */

#include <config.h>

#include "vpn-validate.h"

#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "openvswitch/dynamic-string.h"
#include "openvswitch/json.h"
#include "openvswitch/util.h"
#include "packets.h"
#include "unicode.h"
#include "util.h"
#include "vpn-catalog.h"
#include "vpn-params.h"

static char *field_error(const char *field, const char *format, ...)
    OVS_PRINTF_FORMAT(2, 3);
static char *value_error(const char *field, const char *value,
                         const char *format, ...)
    OVS_PRINTF_FORMAT(3, 4);
static bool is_ascii_alnum(unsigned char);
static void describe_char(unsigned char, char *buf, size_t size);
static bool parse_plen(const char *, unsigned int *plen);
static char *check_host_ip(const char *field, const char *s, bool allow_any,
                           ovs_be32 *ip);
static char *check_fqdn(const char *field, const char *id,
                        const char *name);
struct vpn_catalog_value;
static char *check_enum(const char *field, const char *s,
                        const struct vpn_catalog_value *values,
                        const char *noun);
static void put_values(struct ds *, const struct vpn_catalog_value *);
static const struct vpn_catalog_value *enum_values(const char *column);
static bool is_dh_group(int group);
static void put_dh_groups(struct ds *, bool with_disabled);
static char *check_cidrs_disjoint(const struct vpn_tunnel_cidrs *);
static void put_pair(struct ds *, const struct vpn_cidr *local,
                     const struct vpn_cidr *peer);
static char *check_tunnel_endpoints(const struct vpn_tunnel_params *);
static char *check_tunnel_ike(const struct vpn_tunnel_params *);
static char *check_tunnel_ipsec(const struct vpn_tunnel_params *);
static char *check_tunnel_dpd(const struct vpn_tunnel_params *);


/* Names and comments. */

/* Checks that 'name' can name a gateway, a peer or a tunnel: 1 to
 * VPN_NAME_MAX_LEN characters among letters, digits, '.', '_' and '-', the
 * first a letter or a digit.  Names become libreswan connection names and
 * file names, hence the restrictions. */
char *
vpn_check_name(const char *field, const char *name)
{
    if (!name || !name[0]) {
        return field_error(field, "must not be empty");
    }

    size_t len = strlen(name);
    if (len > VPN_NAME_MAX_LEN) {
        return field_error(field, "must be at most %d characters long "
                           "(it has %"PRIuSIZE")", VPN_NAME_MAX_LEN, len);
    }
    if (!is_ascii_alnum(name[0])) {
        return value_error(field, name,
                           "must start with a letter or a digit");
    }
    for (const char *p = name; *p; p++) {
        unsigned char c = *p;
        if (!is_ascii_alnum(c) && c != '.' && c != '_' && c != '-') {
            char desc[16];

            describe_char(c, desc, sizeof desc);
            return value_error(field, name, "contains %s (allowed: letters, "
                               "digits, '.', '_', '-')", desc);
        }
    }
    return NULL;
}

/* Checks an optional comment: valid UTF-8, at most VPN_COMMENT_MAX_LEN
 * characters.  A null 'comment' is fine. */
char *
vpn_check_comment(const char *field, const char *comment)
{
    if (!comment) {
        return NULL;
    }

    size_t n_chars;
    char *error = utf8_validate(comment, &n_chars);
    if (error) {
        free(error);
        return field_error(field, "must be valid UTF-8");
    }
    if (n_chars > VPN_COMMENT_MAX_LEN) {
        return field_error(field, "must be at most %d characters long "
                           "(it has %"PRIuSIZE")", VPN_COMMENT_MAX_LEN,
                           n_chars);
    }
    return NULL;
}

/* Appends the 'n' bytes of 's' to 'out' so that a terminal shows them as
 * they are and no line or escape sequence can be forged: every C0 or C1
 * control character, DEL and a backslash become \u and four hexadecimal
 * digits, or \\, as
 * the generic "list" of the ctl tools escapes strings (JSON).  Names and
 * comments of the NB rows that tenants write pass through it before they
 * reach an operator's screen or a log. */
void
vpn_put_printable(struct ds *out, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        uint8_t c = s[i];
        if (c == '\\') {
            ds_put_cstr(out, "\\\\");
        } else if (c < 0x20 || c == 0x7f) {
            ds_put_format(out, "\\u%04x", c);
        } else if (c == 0xc2 && i + 1 < n
                   && (uint8_t) s[i + 1] >= 0x80
                   && (uint8_t) s[i + 1] <= 0x9f) {
            /* U+0080 to U+009F, in UTF-8. */
            ds_put_format(out, "\\u%04x", (uint8_t) s[i + 1]);
            i++;
        } else {
            ds_put_char(out, c);
        }
    }
}

/* IPv4 addresses. */

/* Parses 's' as a strict dotted-quad IPv4 address into '*ip' (if 'ip' is
 * nonnull). */
char *
vpn_parse_ip(const char *field, const char *s, ovs_be32 *ip)
{
    ovs_be32 addr;

    if (!s || !s[0]) {
        return field_error(field, "must not be empty");
    }
    if (!ip_parse(s, &addr)) {
        return value_error(field, s, "is not an IPv4 address "
                           "(expected a.b.c.d)");
    }
    if (ip) {
        *ip = addr;
    }
    return NULL;
}

/* Checks that 's' is a unicast IPv4 address usable as an endpoint: not
 * multicast, not the broadcast address, not loopback, not in 0.0.0.0/8. */
char *
vpn_check_unicast_ip(const char *field, const char *s, ovs_be32 *ip)
{
    return check_host_ip(field, s, false, ip);
}

/* Like vpn_check_unicast_ip(), but also accepts VPN_PEER_ANY ("0.0.0.0"),
 * which means that the peer may be at any address. */
char *
vpn_check_peer_ip(const char *field, const char *s, ovs_be32 *ip)
{
    return check_host_ip(field, s, true, ip);
}

/* CIDRs. */

/* Initialises 'cidr' to the network of 'ip' with prefix length 'plen'
 * (clamped to 32), clearing the host bits.  Use it for addresses that are
 * allowed to carry host bits, such as a router port's "10.0.0.1/24". */
void
vpn_cidr_init(struct vpn_cidr *cidr, ovs_be32 ip, unsigned int plen)
{
    cidr->plen = MIN(plen, 32);
    cidr->ip = ip & be32_prefix_mask(cidr->plen);
}

/* Parses 's' as "a.b.c.d/n" into '*cidr'.  Refuses a bare address, a
 * prefix length outside 0...32 or written with a sign, spaces or leading
 * zeros, and host bits set beyond the prefix. */
char *
vpn_cidr_parse(const char *field, const char *s, struct vpn_cidr *cidr)
{
    if (!s || !s[0]) {
        return field_error(field, "must not be empty");
    }

    const char *slash = strchr(s, '/');
    ovs_be32 ip;
    if (!slash) {
        if (ip_parse(s, &ip)) {
            return value_error(field, s, "is an address, not a CIDR "
                               "(add a prefix length, e.g. "IP_FMT "/32)",
                               IP_ARGS(ip));
        }
        return value_error(field, s, "is not an IPv4 CIDR "
                           "(expected a.b.c.d/n)");
    }

    char *addr = xmemdup0(s, slash - s);
    bool ok = ip_parse(addr, &ip);
    free(addr);
    if (!ok) {
        return value_error(field, s, "is not an IPv4 CIDR "
                           "(expected a.b.c.d/n)");
    }

    unsigned int plen;
    if (!parse_plen(slash + 1, &plen)) {
        return value_error(field, s, "has an invalid prefix length "
                           "(expected 0 to 32)");
    }

    ovs_be32 mask = be32_prefix_mask(plen);
    if (ip & ~mask) {
        return value_error(field, s, "has host bits set (use "IP_FMT "/%u)",
                           IP_ARGS(ip & mask), plen);
    }

    cidr->ip = ip;
    cidr->plen = plen;
    return NULL;
}

/* Appends 'cidr' to 'ds' as "a.b.c.d/n". */
void
vpn_cidr_format(const struct vpn_cidr *cidr, struct ds *ds)
{
    ds_put_format(ds, IP_FMT "/%u", IP_ARGS(cidr->ip), cidr->plen);
}

/* Returns 'cidr' as a malloc()'d "a.b.c.d/n" string. */
char *
vpn_cidr_to_string(const struct vpn_cidr *cidr)
{
    return xasprintf(IP_FMT "/%u", IP_ARGS(cidr->ip), cidr->plen);
}

/* Returns the netmask of 'cidr'. */
ovs_be32
vpn_cidr_mask(const struct vpn_cidr *cidr)
{
    return be32_prefix_mask(cidr->plen);
}

bool
vpn_cidr_equals(const struct vpn_cidr *a, const struct vpn_cidr *b)
{
    return a->ip == b->ip && a->plen == b->plen;
}

/* Returns true if every address of 'inner' is in 'outer' (a CIDR contains
 * itself). */
bool
vpn_cidr_contains(const struct vpn_cidr *outer, const struct vpn_cidr *inner)
{
    return (outer->plen <= inner->plen
            && !((outer->ip ^ inner->ip) & vpn_cidr_mask(outer)));
}

/* Returns true if 'ip' is in 'cidr'. */
bool
vpn_cidr_contains_ip(const struct vpn_cidr *cidr, ovs_be32 ip)
{
    return !((cidr->ip ^ ip) & vpn_cidr_mask(cidr));
}

/* Returns true if 'a' and 'b' have an address in common, that is, if one
 * contains the other. */
bool
vpn_cidrs_overlap(const struct vpn_cidr *a, const struct vpn_cidr *b)
{
    return vpn_cidr_contains(a, b) || vpn_cidr_contains(b, a);
}

/* Parses the 'n' CIDRs in 'strings' into a malloc()'d array stored in
 * '*cidrsp' (the caller frees it), in the same order.  Requires at least
 * one CIDR, at most 'max' (if 'max' is nonzero), each valid, none listed
 * twice.  On error, stores NULL in '*cidrsp'. */
char *
vpn_parse_cidr_list(const char *field, const char *const *strings, size_t n,
                    size_t max, struct vpn_cidr **cidrsp)
{
    *cidrsp = NULL;
    if (!n) {
        return field_error(field, "at least one CIDR is required");
    }
    if (max && n > max) {
        return field_error(field, "too many CIDRs (%"PRIuSIZE", at most "
                           "%"PRIuSIZE")", n, max);
    }

    struct vpn_cidr *cidrs = xmalloc(n * sizeof *cidrs);
    for (size_t i = 0; i < n; i++) {
        char *error = vpn_cidr_parse(field, strings[i], &cidrs[i]);
        if (error) {
            free(cidrs);
            return error;
        }
        for (size_t j = 0; j < i; j++) {
            if (vpn_cidr_equals(&cidrs[i], &cidrs[j])) {
                struct ds ds = DS_EMPTY_INITIALIZER;

                ds_put_format(&ds, "%s: ", field);
                vpn_cidr_format(&cidrs[i], &ds);
                ds_put_cstr(&ds, " is listed twice");
                free(cidrs);
                return ds_steal_cstr(&ds);
            }
        }
    }
    *cidrsp = cidrs;
    return NULL;
}

/* Parses and checks the local and peer CIDRs of 'p' into 'cidrs': each
 * list as vpn_parse_cidr_list() does, at most VPN_MAX_PEER_CIDRS peer
 * CIDRs, and no local CIDR overlapping a peer CIDR.  On success the caller
 * must call vpn_tunnel_cidrs_destroy(); on error 'cidrs' holds nothing. */
char *
vpn_tunnel_cidrs_parse(const struct vpn_tunnel_params *p,
                       struct vpn_tunnel_cidrs *cidrs)
{
    memset(cidrs, 0, sizeof *cidrs);

    char *error = vpn_parse_cidr_list("local_cidrs", p->local_cidrs,
                                      p->n_local_cidrs, 0, &cidrs->local);
    if (error) {
        return error;
    }
    cidrs->n_local = p->n_local_cidrs;

    error = vpn_parse_cidr_list("peer_cidrs", p->peer_cidrs,
                                p->n_peer_cidrs, VPN_MAX_PEER_CIDRS,
                                &cidrs->peer);
    if (error) {
        vpn_tunnel_cidrs_destroy(cidrs);
        return error;
    }
    cidrs->n_peer = p->n_peer_cidrs;

    error = check_cidrs_disjoint(cidrs);
    if (error) {
        vpn_tunnel_cidrs_destroy(cidrs);
    }
    return error;
}

/* Frees the arrays of 'cidrs' (which may be null) and empties it. */
void
vpn_tunnel_cidrs_destroy(struct vpn_tunnel_cidrs *cidrs)
{
    if (cidrs) {
        free(cidrs->local);
        free(cidrs->peer);
        memset(cidrs, 0, sizeof *cidrs);
    }
}

/* Pre-shared keys. */

/* Checks a pre-shared key: 1 to VPN_PSK_MAX_LEN characters, none of them
 * '?', a space, '"' (the key is written between double quotes in
 * libreswan's secrets file, which has no escapes) or a control character.
 * The message never contains the key or any part of it. */
char *
vpn_check_psk(const char *field, const char *psk)
{
    if (!psk || !psk[0]) {
        return field_error(field, "must not be empty");
    }
    if (strlen(psk) > VPN_PSK_MAX_LEN) {
        return field_error(field, "must be at most %d characters long",
                           VPN_PSK_MAX_LEN);
    }
    for (const char *p = psk; *p; p++) {
        unsigned char c = *p;
        if (c == '?') {
            return field_error(field, "must not contain '?'");
        } else if (c == ' ') {
            return field_error(field, "must not contain a space");
        } else if (c == '"') {
            return field_error(field, "must not contain '\"'");
        } else if (c < 0x20 || c == 0x7f) {
            return field_error(field, "must not contain a control "
                               "character");
        }
    }
    return NULL;
}

/* IKE identities. */

/* Checks that 'id' is an IPv4 address or a domain name, possibly written
 * "@name" (see vpn-validate.h for the rules). */
char *
vpn_check_id(const char *field, const char *id)
{
    ovs_be32 ip;

    if (!id || !id[0]) {
        return field_error(field, "must not be empty");
    }
    if (ip_parse(id, &ip)) {
        return NULL;
    }
    return check_fqdn(field, id, id[0] == '@' ? id + 1 : id);
}

/* Returns true if 'id', which must be valid for vpn_check_id(), is a
 * domain name rather than an IPv4 address. */
bool
vpn_id_is_fqdn(const char *id)
{
    ovs_be32 ip;

    return !ip_parse(id, &ip);
}

/* Appends 'id', which must be valid for vpn_check_id(), to 'ds' as
 * libreswan's leftid=/rightid= must read it: an IPv4 address as is, a
 * domain name with exactly one leading '@' so that it is taken literally
 * (never resolved). */
void
vpn_id_format_libreswan(const char *id, struct ds *ds)
{
    if (!vpn_id_is_fqdn(id)) {
        ds_put_cstr(ds, id);
    } else {
        ds_put_format(ds, "@%s", id[0] == '@' ? id + 1 : id);
    }
}

/* Enumerations. */

char *
vpn_check_ike_version(const char *field, const char *s)
{
    return check_enum(field, s, enum_values("ike_version"), "value");
}

char *
vpn_check_ike_mode(const char *field, const char *s)
{
    return check_enum(field, s, enum_values("ike_mode"), "value");
}

char *
vpn_check_encryption(const char *field, const char *s)
{
    return check_enum(field, s, enum_values("ike_encryption"), "algorithm");
}

char *
vpn_check_integrity(const char *field, const char *s)
{
    return check_enum(field, s, enum_values("ike_integrity"), "algorithm");
}

char *
vpn_check_ipsec_protocol(const char *field, const char *s)
{
    return check_enum(field, s, enum_values("ipsec_protocol"), "value");
}

char *
vpn_check_dpd_action(const char *field, const char *s)
{
    return check_enum(field, s, enum_values("dpd_action"), "value");
}

char *
vpn_check_initiator(const char *field, const char *s)
{
    return check_enum(field, s, enum_values("initiator"), "value");
}

/* Checks 's', the text of catalog setting 'setting', by its kind's rule:
 * one of its values for an enumeration (then 's' is what is stored), a DH
 * group, a PFS group or "disabled", or an integer in its range, stored in
 * '*number'. */
char *
vpn_parse_setting(const struct vpn_setting *setting, const char *s,
                  int *number)
{
    const char *field = setting->column;
    *number = 0;
    switch (setting->kind) {
    case VPN_SETTING_ENUM:
        return check_enum(field, s, setting->values,
                          (setting->values == vpn_catalog_encryptions
                           || setting->values == vpn_catalog_integrities
                           ? "algorithm" : "value"));
    case VPN_SETTING_DH:
        return vpn_parse_dh_group(field, s, number);
    case VPN_SETTING_PFS:
        return vpn_parse_pfs_group(field, s, number);
    case VPN_SETTING_INT:
        return vpn_parse_int(field, s, setting->min, setting->max, number);
    }
    OVS_NOT_REACHED();
}

/* Diffie-Hellman groups. */

/* Checks that 'group' is one of the schema's DH groups. */
char *
vpn_check_dh_group(const char *field, int group)
{
    if (is_dh_group(group)) {
        return NULL;
    }

    struct ds ds = DS_EMPTY_INITIALIZER;
    ds_put_format(&ds, "%s: unsupported group %d (allowed: ", field, group);
    put_dh_groups(&ds, false);
    ds_put_char(&ds, ')');
    return ds_steal_cstr(&ds);
}

/* Parses 's', a DH group number, into '*group'. */
char *
vpn_parse_dh_group(const char *field, const char *s, int *group)
{
    int value;
    char *error = vpn_parse_int(field, s, INT_MIN, INT_MAX, &value);
    if (error) {
        free(error);

        struct ds ds = DS_EMPTY_INITIALIZER;
        ds_put_format(&ds, "%s: ", field);
        json_string_escape(s ? s : "", &ds);
        ds_put_cstr(&ds, " is not a group number (allowed: ");
        put_dh_groups(&ds, false);
        ds_put_char(&ds, ')');
        return ds_steal_cstr(&ds);
    }

    error = vpn_check_dh_group(field, value);
    if (!error) {
        *group = value;
    }
    return error;
}

/* Checks that 'group' is VPN_PFS_DISABLED or one of the schema's DH
 * groups. */
char *
vpn_check_pfs_group(const char *field, int group)
{
    if (group == VPN_PFS_DISABLED || is_dh_group(group)) {
        return NULL;
    }

    struct ds ds = DS_EMPTY_INITIALIZER;
    ds_put_format(&ds, "%s: unsupported group %d (allowed: ", field, group);
    put_dh_groups(&ds, true);
    ds_put_char(&ds, ')');
    return ds_steal_cstr(&ds);
}

/* Parses 's', "disabled" or a DH group number, into '*group'
 * (VPN_PFS_DISABLED for "disabled").  "0", the value stored for
 * "disabled", is accepted too. */
char *
vpn_parse_pfs_group(const char *field, const char *s, int *group)
{
    if (s && !strcmp(s, "disabled")) {
        *group = VPN_PFS_DISABLED;
        return NULL;
    }

    int value;
    char *error = vpn_parse_int(field, s, INT_MIN, INT_MAX, &value);
    if (error) {
        free(error);

        struct ds ds = DS_EMPTY_INITIALIZER;
        ds_put_format(&ds, "%s: unknown value ", field);
        json_string_escape(s ? s : "", &ds);
        ds_put_cstr(&ds, " (allowed: ");
        put_dh_groups(&ds, true);
        ds_put_char(&ds, ')');
        return ds_steal_cstr(&ds);
    }

    error = vpn_check_pfs_group(field, value);
    if (!error) {
        *group = value;
    }
    return error;
}

/* Appends 'group' to 'ds' as vpn_parse_pfs_group() reads it: "disabled" or
 * the group number. */
void
vpn_format_pfs_group(int group, struct ds *ds)
{
    if (group == VPN_PFS_DISABLED) {
        ds_put_cstr(ds, "disabled");
    } else {
        ds_put_format(ds, "%d", group);
    }
}

/* Integers. */

/* Parses 's', a decimal integer (an optional '-' then digits, nothing
 * else), into '*value', and checks that it is in 'min'...'max'. */
char *
vpn_parse_int(const char *field, const char *s, int min, int max,
              int *value)
{
    if (!s || !s[0]) {
        return field_error(field, "must not be empty");
    }

    const char *digits = s[0] == '-' ? s + 1 : s;
    if (!digits[0] || strspn(digits, "0123456789") != strlen(digits)) {
        return value_error(field, s, "is not an integer");
    }

    int x;
    if (!str_to_int(s, 10, &x)) {
        return value_error(field, s, "is out of range (%d..%d)", min, max);
    }

    char *error = vpn_check_int_range(field, x, min, max);
    if (!error) {
        *value = x;
    }
    return error;
}

/* Checks that 'value' is in 'min'...'max'. */
char *
vpn_check_int_range(const char *field, int value, int min, int max)
{
    if (value < min || value > max) {
        return field_error(field, "%d is out of range (%d..%d)",
                           value, min, max);
    }
    return NULL;
}

/* Checks an IKE or IPsec SA lifetime. */
char *
vpn_check_lifetime(const char *field, int seconds)
{
    return vpn_check_int_range(field, seconds,
                               VPN_LIFETIME_MIN, VPN_LIFETIME_MAX);
}

char *
vpn_check_dpd_delay(const char *field, int seconds)
{
    return vpn_check_int_range(field, seconds,
                               VPN_DPD_DELAY_MIN, VPN_DPD_DELAY_MAX);
}

char *
vpn_check_dpd_timeout(const char *field, int seconds)
{
    return vpn_check_int_range(field, seconds,
                               VPN_DPD_TIMEOUT_MIN, VPN_DPD_TIMEOUT_MAX);
}

/* Whole tunnels. */

/* Checks every rule that 'params' can be checked against on its own, and
 * returns the first error, in this order: name; the endpoints
 * (internal_ip, public_ip and the peer's ip, each only if set); local and
 * peer CIDRs; psk; the IKE settings, then local_id and peer_id; the IPsec
 * settings; dead peer detection; initiator.
 *
 * Settings that are not set are checked with their defaults (the function
 * applies vpn_params_apply_defaults() to a copy, so calling it on a struct
 * that already went through it is the same). */
char *
vpn_check_tunnel_params(const struct vpn_tunnel_params *params)
{
    struct vpn_tunnel_params p = *params;
    vpn_params_apply_defaults(&p);

    char *error = vpn_check_name("name", p.name);
    if (!error) {
        error = check_tunnel_endpoints(&p);
    }
    if (!error) {
        struct vpn_tunnel_cidrs cidrs;

        error = vpn_tunnel_cidrs_parse(&p, &cidrs);
        vpn_tunnel_cidrs_destroy(&cidrs);
    }
    if (!error) {
        error = vpn_check_psk("psk", p.psk);
    }
    if (!error) {
        error = check_tunnel_ike(&p);
    }
    if (!error) {
        error = check_tunnel_ipsec(&p);
    }
    if (!error) {
        error = check_tunnel_dpd(&p);
    }
    if (!error) {
        error = vpn_check_initiator("initiator", p.initiator);
    }
    if (!error && vpn_params_peer_is_any(&p)
        && strcmp(p.initiator, "response-only")) {
        error = xasprintf("initiator: a peer at any address (ip %s) "
                          "requires initiator response-only",
                          VPN_PEER_ANY);
    }
    return error;
}

/* Cross-row rules. */

/* Checks that each of the 'n_local' CIDRs in 'local' lies inside at least
 * one of the 'n_subnets' CIDRs in 'subnets', the subnets of the VPC router
 * named 'router'. */
char *
vpn_check_local_cidrs_in_subnets(const char *field,
                                 const struct vpn_cidr *local,
                                 size_t n_local,
                                 const struct vpn_cidr *subnets,
                                 size_t n_subnets, const char *router)
{
    for (size_t i = 0; i < n_local; i++) {
        bool inside = false;

        for (size_t j = 0; j < n_subnets && !inside; j++) {
            inside = vpn_cidr_contains(&subnets[j], &local[i]);
        }
        if (!inside) {
            struct ds ds = DS_EMPTY_INITIALIZER;

            ds_put_format(&ds, "%s: ", field);
            vpn_cidr_format(&local[i], &ds);
            ds_put_format(&ds, " is not inside any subnet of router %s",
                          router);
            return ds_steal_cstr(&ds);
        }
    }
    return NULL;
}

/* Checks that 'ip' lies inside 'subnet', the subnet of the logical switch
 * named 'logical_switch', and is neither its network nor its broadcast
 * address (for prefixes up to /30; a /31 has neither). */
char *
vpn_check_ip_in_subnet(const char *field, ovs_be32 ip,
                       const struct vpn_cidr *subnet,
                       const char *logical_switch)
{
    struct ds ds = DS_EMPTY_INITIALIZER;

    ds_put_format(&ds, "%s: "IP_FMT " ", field, IP_ARGS(ip));
    if (!vpn_cidr_contains_ip(subnet, ip)) {
        ds_put_cstr(&ds, "is not inside ");
        vpn_cidr_format(subnet, &ds);
        ds_put_format(&ds, ", the subnet of logical switch %s",
                      logical_switch);
    } else if (subnet->plen <= 30 && ip == subnet->ip) {
        ds_put_cstr(&ds, "is the network address of ");
        vpn_cidr_format(subnet, &ds);
    } else if (subnet->plen <= 30 && ip == (subnet->ip
                                            | ~vpn_cidr_mask(subnet))) {
        ds_put_cstr(&ds, "is the broadcast address of ");
        vpn_cidr_format(subnet, &ds);
    } else {
        ds_destroy(&ds);
        return NULL;
    }
    return ds_steal_cstr(&ds);
}

/* Checks that 'tunnel' and 'other', two tunnels of the same VPC, cannot
 * both claim the same traffic.  A tunnel claims the traffic of each of its
 * (local CIDR, peer CIDR) pairs; the VPC router sends a packet into a
 * tunnel by its source and destination, so two pairs conflict as soon as
 * their local CIDRs overlap and their peer CIDRs overlap, equal or not.
 * Returns an error naming the first conflicting pair of 'tunnel' and the
 * pair of 'other' (named 'other_name') that it conflicts with. */
char *
vpn_check_tunnel_conflict(const struct vpn_tunnel_cidrs *tunnel,
                          const struct vpn_tunnel_cidrs *other,
                          const char *other_name)
{
    for (size_t i = 0; i < tunnel->n_local; i++) {
        const struct vpn_cidr *local = &tunnel->local[i];

        for (size_t j = 0; j < tunnel->n_peer; j++) {
            const struct vpn_cidr *peer = &tunnel->peer[j];

            for (size_t k = 0; k < other->n_local; k++) {
                const struct vpn_cidr *o_local = &other->local[k];
                if (!vpn_cidrs_overlap(local, o_local)) {
                    continue;
                }

                for (size_t l = 0; l < other->n_peer; l++) {
                    const struct vpn_cidr *o_peer = &other->peer[l];
                    if (!vpn_cidrs_overlap(peer, o_peer)) {
                        continue;
                    }

                    struct ds ds = DS_EMPTY_INITIALIZER;
                    ds_put_cstr(&ds, "local_cidrs, peer_cidrs: the pair ");
                    put_pair(&ds, local, peer);
                    if (vpn_cidr_equals(local, o_local)
                        && vpn_cidr_equals(peer, o_peer)) {
                        ds_put_format(&ds, " is also a pair of tunnel %s "
                                      "in the same VPC", other_name);
                    } else {
                        ds_put_cstr(&ds, " overlaps the pair ");
                        put_pair(&ds, o_local, o_peer);
                        ds_put_format(&ds, " of tunnel %s in the same VPC "
                                      "(routing by source and destination "
                                      "would be ambiguous)", other_name);
                    }
                    return ds_steal_cstr(&ds);
                }
            }
        }
    }
    return NULL;
}

/* Static functions. */

/* Returns "FIELD: " followed by the formatted message. */
static char *
field_error(const char *field, const char *format, ...)
{
    struct ds ds = DS_EMPTY_INITIALIZER;
    va_list args;

    ds_put_format(&ds, "%s: ", field);
    va_start(args, format);
    ds_put_format_valist(&ds, format, args);
    va_end(args);
    return ds_steal_cstr(&ds);
}

/* Returns "FIELD: "VALUE" " followed by the formatted message, with VALUE
 * escaped as a JSON string.  Never use it for a pre-shared key. */
static char *
value_error(const char *field, const char *value, const char *format, ...)
{
    struct ds ds = DS_EMPTY_INITIALIZER;
    va_list args;

    ds_put_format(&ds, "%s: ", field);
    json_string_escape(value, &ds);
    ds_put_char(&ds, ' ');
    va_start(args, format);
    ds_put_format_valist(&ds, format, args);
    va_end(args);
    return ds_steal_cstr(&ds);
}

/* Returns true if 'c' is an ASCII letter or digit, whatever the locale. */
static bool
is_ascii_alnum(unsigned char c)
{
    return ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
            || (c >= '0' && c <= '9'));
}

/* Writes a description of 'c' for a message into 'buf': "'c'" for a
 * printable ASCII character, "a space", or "byte 0xNN". */
static void
describe_char(unsigned char c, char *buf, size_t size)
{
    if (c == ' ') {
        snprintf(buf, size, "a space");
    } else if (c > ' ' && c < 0x7f) {
        snprintf(buf, size, "'%c'", c);
    } else {
        snprintf(buf, size, "byte 0x%02x", c);
    }
}

/* Parses 's' as a prefix length: "0" or a number from 1 to 32 without
 * leading zeros, nothing else. */
static bool
parse_plen(const char *s, unsigned int *plen)
{
    size_t len = strlen(s);

    if (len < 1 || len > 2 || strspn(s, "0123456789") != len
        || (len == 2 && s[0] == '0')) {
        return false;
    }
    *plen = atoi(s);
    return *plen <= 32;
}

static char *
check_host_ip(const char *field, const char *s, bool allow_any,
              ovs_be32 *ipp)
{
    ovs_be32 ip = 0;
    char *error = vpn_parse_ip(field, s, &ip);
    if (error) {
        return error;
    }

    if (ip == htonl(0)) {
        if (!allow_any) {
            return value_error(field, s, "is not allowed (only a peer's ip "
                               "may be %s, meaning any address)",
                               VPN_PEER_ANY);
        }
    } else if ((ip & htonl(0xff000000)) == htonl(0)) {
        return value_error(field, s, "is in 0.0.0.0/8, which is not "
                           "a usable address");
    } else if (ip == htonl(UINT32_MAX)) {
        return value_error(field, s, "is the broadcast address");
    } else if (ip_is_multicast(ip)) {
        return value_error(field, s, "is a multicast address");
    } else if ((ip & htonl(0xff000000)) == htonl(0x7f000000)) {
        return value_error(field, s, "is a loopback address");
    }

    if (ipp) {
        *ipp = ip;
    }
    return NULL;
}

/* Checks that 'name', which is 'id' or 'id' without its leading '@', is a
 * fully qualified domain name.  Messages quote 'id'. */
static char *
check_fqdn(const char *field, const char *id, const char *name)
{
    if (!name[0]) {
        return value_error(field, id, "has no domain name after '@'");
    }
    size_t name_len = strlen(name);
    if (name_len > VPN_FQDN_MAX_LEN) {
        return field_error(field, "a domain name must be at most %d "
                           "characters long (it has %"PRIuSIZE")",
                           VPN_FQDN_MAX_LEN, name_len);
    }

    const char *label = name;
    const char *last_label = name;
    bool has_dot = false;
    for (;;) {
        size_t len = strcspn(label, ".");

        if (!len) {
            return value_error(field, id, "has an empty label");
        }
        if (len > VPN_FQDN_LABEL_MAX_LEN) {
            return value_error(field, id, "has a label longer than %d "
                               "characters", VPN_FQDN_LABEL_MAX_LEN);
        }
        for (size_t i = 0; i < len; i++) {
            unsigned char c = label[i];
            if (!is_ascii_alnum(c) && c != '-') {
                char desc[16];

                describe_char(c, desc, sizeof desc);
                return value_error(field, id, "contains %s (a domain name "
                                   "allows letters, digits, '-' and '.')",
                                   desc);
            }
        }
        if (label[0] == '-' || label[len - 1] == '-') {
            return value_error(field, id, "has a label that starts or ends "
                               "with '-'");
        }

        last_label = label;
        if (!label[len]) {
            break;
        }
        has_dot = true;
        label += len + 1;
    }

    if (!has_dot) {
        return value_error(field, id, "is neither an IPv4 address nor a "
                           "fully qualified domain name (no dot)");
    }
    if (strspn(last_label, "0123456789") == strlen(last_label)) {
        return value_error(field, id, "is neither an IPv4 address nor a "
                           "domain name (its last label is all digits)");
    }
    return NULL;
}

/* Checks that 's' is one of the null-terminated 'values'; 'noun' says what
 * a value is in the message ("algorithm", "value"). */
static char *
check_enum(const char *field, const char *s,
           const struct vpn_catalog_value *values, const char *noun)
{
    if (!s) {
        return field_error(field, "must be set");
    }
    if (vpn_catalog_find(values, s)) {
        return NULL;
    }

    struct ds ds = DS_EMPTY_INITIALIZER;
    ds_put_format(&ds, "%s: unknown %s ", field, noun);
    json_string_escape(s, &ds);
    ds_put_cstr(&ds, " (allowed: ");
    put_values(&ds, values);
    ds_put_char(&ds, ')');
    return ds_steal_cstr(&ds);
}

/* Appends the null-terminated 'values' to 'ds', separated by ", ". */
/* The values of the catalog's enumerated setting in 'column'. */
static const struct vpn_catalog_value *
enum_values(const char *column)
{
    return vpn_setting_find(column)->values;
}

static void
put_values(struct ds *ds, const struct vpn_catalog_value *values)
{
    for (const struct vpn_catalog_value *v = values; v->name; v++) {
        if (v != values) {
            ds_put_cstr(ds, ", ");
        }
        ds_put_cstr(ds, v->name);
    }
}

static bool
is_dh_group(int group)
{
    return vpn_catalog_find_dh(group) != NULL;
}

/* Appends the DH groups to 'ds', after "disabled" if 'with_disabled'. */
static void
put_dh_groups(struct ds *ds, bool with_disabled)
{
    vpn_catalog_put_values(vpn_setting_find(with_disabled
                                            ? "ipsec_pfs_group"
                                            : "ike_dh_group"), ", ", ds);
}

/* Checks that no local CIDR of 'cidrs' overlaps a peer CIDR. */
static char *
check_cidrs_disjoint(const struct vpn_tunnel_cidrs *cidrs)
{
    for (size_t i = 0; i < cidrs->n_local; i++) {
        for (size_t j = 0; j < cidrs->n_peer; j++) {
            if (vpn_cidrs_overlap(&cidrs->local[i], &cidrs->peer[j])) {
                struct ds ds = DS_EMPTY_INITIALIZER;

                ds_put_cstr(&ds, "local_cidrs: ");
                vpn_cidr_format(&cidrs->local[i], &ds);
                ds_put_cstr(&ds, " overlaps peer_cidrs ");
                vpn_cidr_format(&cidrs->peer[j], &ds);
                ds_put_cstr(&ds, " (local and peer CIDRs must not "
                            "overlap)");
                return ds_steal_cstr(&ds);
            }
        }
    }
    return NULL;
}

/* Appends "LOCAL -> PEER" to 'ds'. */
static void
put_pair(struct ds *ds, const struct vpn_cidr *local,
         const struct vpn_cidr *peer)
{
    vpn_cidr_format(local, ds);
    ds_put_cstr(ds, " -> ");
    vpn_cidr_format(peer, ds);
}

/* Checks the endpoints of 'p' that are set. */
static char *
check_tunnel_endpoints(const struct vpn_tunnel_params *p)
{
    char *error = NULL;

    if (p->local_ip) {
        error = vpn_check_unicast_ip("internal_ip", p->local_ip, NULL);
    }
    if (!error && p->local_public_ip) {
        error = vpn_check_unicast_ip("public_ip", p->local_public_ip, NULL);
    }
    if (!error && p->peer_ip) {
        error = vpn_check_peer_ip("ip", p->peer_ip, NULL);
    }
    return error;
}

/* Checks the IKE settings of 'p' and its identities. */
static char *
check_tunnel_ike(const struct vpn_tunnel_params *p)
{
    char *error = vpn_check_ike_version("ike_version", p->ike_version);
    if (!error) {
        error = vpn_check_ike_mode("ike_mode", p->ike_mode);
    }
    if (!error && !strcmp(p->ike_mode, "aggressive")
        && strcmp(p->ike_version, "ikev1")) {
        error = xstrdup("ike_mode: aggressive mode requires ike_version "
                        "ikev1");
    }
    if (!error) {
        error = vpn_check_encryption("ike_encryption", p->ike_encryption);
    }
    if (!error) {
        error = vpn_check_integrity("ike_integrity", p->ike_integrity);
    }
    if (!error) {
        error = vpn_check_dh_group("ike_dh_group", p->ike_dh_group);
    }
    if (!error) {
        error = vpn_check_lifetime("ike_lifetime", p->ike_lifetime);
    }
    if (!error && p->local_id) {
        error = vpn_check_id("local_id", p->local_id);
    }
    if (!error && p->peer_id) {
        error = vpn_check_id("peer_id", p->peer_id);
    }
    return error;
}

/* Checks the IPsec (phase 2) settings of 'p'. */
static char *
check_tunnel_ipsec(const struct vpn_tunnel_params *p)
{
    char *error = vpn_check_ipsec_protocol("ipsec_protocol",
                                           p->ipsec_protocol);
    if (!error) {
        if (!strcmp(p->ipsec_protocol, "ah")) {
            if (p->ipsec_encryption) {
                error = xstrdup("ipsec_encryption: must not be set with "
                                "ipsec_protocol ah (AH does not encrypt)");
            }
        } else {
            error = vpn_check_encryption("ipsec_encryption",
                                         p->ipsec_encryption);
        }
    }
    if (!error) {
        error = vpn_check_integrity("ipsec_integrity", p->ipsec_integrity);
    }
    if (!error) {
        error = vpn_check_pfs_group("ipsec_pfs_group", p->ipsec_pfs_group);
    }
    if (!error && !strcmp(p->ike_version, "ikev1")
        && (p->ipsec_pfs_group == 19 || p->ipsec_pfs_group == 20
            || p->ipsec_pfs_group == 21 || p->ipsec_pfs_group == 31)) {
        /* libreswan negotiates IKEv1 Quick Mode PFS with MODP groups only
         * ("ESP DH algorithm 'ecp256' is not supported by IKEv1"). */
        error = xasprintf("ipsec_pfs_group: group %d is an elliptic-curve "
                          "group, which IKEv1 cannot use for PFS (use a MODP "
                          "group: 5 or 14)", p->ipsec_pfs_group);
    }
    if (!error) {
        error = vpn_check_lifetime("ipsec_lifetime", p->ipsec_lifetime);
    }
    return error;
}

/* Checks the dead peer detection settings of 'p'. */
static char *
check_tunnel_dpd(const struct vpn_tunnel_params *p)
{
    char *error = vpn_check_dpd_action("dpd_action", p->dpd_action);
    if (!error) {
        error = vpn_check_dpd_delay("dpd_delay", p->dpd_delay);
    }
    if (!error) {
        error = vpn_check_dpd_timeout("dpd_timeout", p->dpd_timeout);
    }
    if (!error && p->dpd_timeout <= p->dpd_delay) {
        error = xasprintf("dpd_timeout: %d must be greater than dpd_delay "
                          "%d", p->dpd_timeout, p->dpd_delay);
    }
    return error;
}
