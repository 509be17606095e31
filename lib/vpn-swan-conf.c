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

/* The configuration renderer (see vpn-swan-conf.h): turns one tunnel's
 * parameters into libreswan 4.10 ipsec.conf and ipsec.secrets text or a
 * strongswan 5.9 swanctl.conf block, for the gateway's side or for the
 * remote device's side, after refusing any string that could escape the
 * line or the quotes it is written into. */

#include <config.h>

#include "vpn-swan-conf.h"

#include <ctype.h>
#include <limits.h>
#include <string.h>

#include "openvswitch/dynamic-string.h"
#include "openvswitch/json.h"
#include "openvswitch/util.h"
#include "packets.h"
#include "util.h"
#include "vpn-catalog.h"
#include "vpn-params.h"

/* Characters allowed in an IKE identity besides letters and digits: enough
 * for addresses, "@fqdn", "user@fqdn" and simple distinguished names, and
 * none that a libreswan, ipsec.secrets or swanctl.conf parser treats
 * specially when unquoted. */
#define SWAN_ID_PUNCT "@.-_=+,/"

/* Identity of a peer at any address in libreswan and strongswan. */
#define SWAN_ANY "%any"

/* How many times the peer's side tries to negotiate a connection's SAs
 * before giving up (its own daemon's retries). */
#define SWAN_KEYINGTRIES 3

/* The platform's side makes one try per attempt: ovn-vpn-agent counts the
 * attempts and makes the retries itself (the guide's retry rule, see
 * vpn-pluto.h), so pluto must not retry a connection on its own
 * ("keyingtries=1": no other try when one times out; "auto=add": nothing
 * at start-up, which the agent initiates itself).  An exchange gets no
 * answer for at most the tunnel's DPD timeout ("retransmit-timeout="):
 * how long an attempt waits for a silent peer, and, in IKEv2, whose
 * liveness checks use it instead of dpdtimeout=, how long before the
 * peer counts as dead. */
#define SWAN_PLATFORM_KEYINGTRIES 1

static char *check_ip(const char *what, const char *s, bool required,
                      bool allow_any);
static char *check_cidrs(const char *what, const char **cidrs, size_t n);
static char *check_id(const char *what, const char *id);
static char *check_psk(const char *psk);
static char *check_enum(const char *what, const char *value,
                        const char *const *values);
static char *check_algs(const struct vpn_tunnel_params *);
static char *value_error(const char *what, const char *value,
                         const char *why);
static void assert_renderable(const struct vpn_tunnel_params *,
                              const char *conn_name);
static bool is_ikev1(const struct vpn_tunnel_params *);
static bool is_aggressive(const struct vpn_tunnel_params *);
static bool is_ah(const struct vpn_tunnel_params *);
static const char *peer_side_id(const struct vpn_tunnel_params *);
static void view_ids(const struct vpn_tunnel_params *, enum swan_conf_view,
                     const char **own, const char **other);
static void format_libreswan_id(struct ds *, const char *id);
static void put_libreswan_id(struct ds *, const char *key, const char *id);
static void put_subnets(struct ds *, const char *prefix,
                        const char **cidrs, size_t n);
static void put_swanctl_proposal(struct ds *, const char *encryption,
                                 const char *integrity, int group);
static void put_swanctl_child(struct ds *, const struct vpn_tunnel_params *,
                              enum swan_conf_view, const char *child_name,
                              const char *local_ts, const char *remote_ts);
static void put_swanctl_secrets(struct ds *, const char *conn_name,
                                const char *own_id, const char *other_id,
                                const char *psk);

/* Returns NULL if 'p' can be rendered safely, otherwise a malloc'd error
 * message for the first problem found.  The message may quote names, ids,
 * addresses and CIDRs (escaped), never the pre-shared key.
 *
 * 'p' must have been through vpn_params_apply_defaults().  Besides the
 * characters of every string, this checks that each enumerated value is
 * one of the schema's, so that the renderer never meets a value it cannot
 * map.  It does not check what the local libreswan supports. */
char *
swan_conf_check(const struct vpn_tunnel_params *p)
{
    char *error;

    if (p->name && !swan_conf_is_valid_name(p->name)) {
        return value_error("tunnel name", p->name,
                           "a name must start with a letter or digit and "
                           "contain only letters, digits, '.', '-' and "
                           "'_'");
    }

    error = check_ip("local_ip", p->local_ip, false, false);
    if (!error) {
        error = check_ip("local_public_ip", p->local_public_ip, true, false);
    }
    if (!error) {
        error = check_ip("peer_ip", p->peer_ip, true, true);
    }
    if (!error) {
        error = check_id("local_id", p->local_id);
    }
    if (!error) {
        error = check_id("peer_id", p->peer_id);
    }
    if (!error) {
        error = check_cidrs("local_cidrs", p->local_cidrs, p->n_local_cidrs);
    }
    if (!error) {
        error = check_cidrs("peer_cidrs", p->peer_cidrs, p->n_peer_cidrs);
    }
    if (!error) {
        error = check_psk(p->psk);
    }
    if (!error) {
        error = check_algs(p);
    }
    return error;
}

/* Returns true if 'name' may be used as a connection name in ipsec.conf
 * and on an "ipsec addconn" or "ipsec whack" command line: a letter or
 * digit (so that it cannot be taken for an option or a %keyword) followed
 * by letters, digits, '.', '-' and '_' (the rule of vpn_check_name()).
 * '/' is refused: it is libreswan's separator for the per-subnet
 * connections it derives.  swanctl.conf cannot have '.' in a section name,
 * so swan_conf_render_swanctl() writes '.' as '_'. */
bool
swan_conf_is_valid_name(const char *name)
{
    if (!name || !isalnum((unsigned char) name[0])) {
        return false;
    }
    for (const char *s = name; *s; s++) {
        if (!isalnum((unsigned char) *s) && !strchr(".-_", *s)) {
            return false;
        }
    }
    return true;
}

/* Appends to 'ds' the "config setup" section of an ipsec.conf for a
 * gateway's own pluto.  'logfile', if nonnull, is written as logfile= (it
 * must be a path without white space, quotes, '#' or control characters;
 * pluto's --logfile option is the alternative).
 *
 * ikev1-policy=accept is needed for any IKEv1 tunnel: libreswan 4.10 drops
 * IKEv1 packets by default.  No virtual-private= is needed: no connection
 * uses %priv or vhost: subnets, and NAT-T needs no setting. */
void
swan_conf_render_setup(struct ds *ds, const char *logfile)
{
    ds_put_cstr(ds, "config setup\n");
    ds_put_cstr(ds, "    ikev1-policy=accept\n");
    ds_put_cstr(ds, "    uniqueids=yes\n");
    if (logfile) {
        ovs_assert(logfile[0] && !strpbrk(logfile, " \"'#"));
        for (const char *s = logfile; *s; s++) {
            ovs_assert(!iscntrl((unsigned char) *s));
        }
        ds_put_format(ds, "    logfile=%s\n", logfile);
    }
}

/* Appends to 'ds' the "conn 'conn_name'" section of libreswan 4.10's
 * ipsec.conf for tunnel 'p' as seen from 'view'.  'p' must have passed
 * swan_conf_check() and 'conn_name' swan_conf_is_valid_name(). */
void
swan_conf_render_conn(const struct vpn_tunnel_params *p,
                      const char *conn_name, enum swan_conf_view view,
                      struct ds *ds)
{
    assert_renderable(p, conn_name);

    const char *local_id = vpn_params_local_id(p);
    const char *peer_id = peer_side_id(p);
    bool any = vpn_params_peer_is_any(p);

    /* libreswan's parser takes a name of digits alone for a number and
     * refuses it ("syntax error"), quoted it is a name like any other
     * (found by tests/fuzz's round trip). */
    bool digits = conn_name[strspn(conn_name, "0123456789")] == '\0';
    ds_put_format(ds, digits ? "conn \"%s\"\n" : "conn %s\n", conn_name);
    if (view == SWAN_VIEW_PLATFORM) {
        ds_put_format(ds, "    left=%s\n",
                      p->local_ip ? p->local_ip : "%defaultroute");
        put_libreswan_id(ds, "    leftid=", local_id);
        put_subnets(ds, "    left", p->local_cidrs, p->n_local_cidrs);
        ds_put_format(ds, "    right=%s\n", any ? SWAN_ANY : p->peer_ip);
        put_libreswan_id(ds, "    rightid=", peer_id);
        put_subnets(ds, "    right", p->peer_cidrs, p->n_peer_cidrs);
    } else {
        ds_put_format(ds, "    left=%s\n", any ? "%defaultroute" : p->peer_ip);
        if (peer_id) {
            put_libreswan_id(ds, "    leftid=", peer_id);
        }
        put_subnets(ds, "    left", p->peer_cidrs, p->n_peer_cidrs);
        ds_put_format(ds, "    right=%s\n", p->local_public_ip);
        put_libreswan_id(ds, "    rightid=", local_id);
        put_subnets(ds, "    right", p->local_cidrs, p->n_local_cidrs);
    }

    ds_put_cstr(ds, "    authby=secret\n");
    ds_put_cstr(ds, "    type=tunnel\n");
    ds_put_cstr(ds, "    keyexchange=ike\n");
    ds_put_format(ds, "    ikev2=%s\n", is_ikev1(p) ? "no" : "yes");
    if (is_aggressive(p)) {
        ds_put_cstr(ds, "    aggressive=yes\n");
    }

    ds_put_cstr(ds, "    ike=");
    swan_conf_format_ike(p, ds);
    ds_put_char(ds, '\n');
    if (is_ah(p)) {
        ds_put_cstr(ds, "    phase2=ah\n");
        ds_put_cstr(ds, "    ah=");
    } else {
        ds_put_cstr(ds, "    esp=");
    }
    swan_conf_format_phase2(p, ds);
    ds_put_char(ds, '\n');
    if (p->ipsec_pfs_group == VPN_PFS_DISABLED) {
        ds_put_cstr(ds, "    pfs=no\n");
    }

    ds_put_format(ds, "    ikelifetime=%ds\n", p->ike_lifetime);
    ds_put_format(ds, "    salifetime=%ds\n", p->ipsec_lifetime);
    if (view == SWAN_VIEW_PLATFORM) {
        ds_put_format(ds, "    keyingtries=%d\n", SWAN_PLATFORM_KEYINGTRIES);
        ds_put_format(ds, "    retransmit-timeout=%ds\n", p->dpd_timeout);
    } else {
        ds_put_format(ds, "    keyingtries=%d\n", SWAN_KEYINGTRIES);
    }
    ds_put_format(ds, "    dpdaction=%s\n",
                  vpn_catalog_find(vpn_catalog_dpd_actions,
                                   p->dpd_action)->libreswan);
    ds_put_format(ds, "    dpddelay=%ds\n", p->dpd_delay);
    if (is_ikev1(p)) {
        /* IKEv2 liveness ignores dpdtimeout= (addconn warns about it). */
        ds_put_format(ds, "    dpdtimeout=%ds\n", p->dpd_timeout);
    }
    /* The peer's device starts the tunnel; the platform's agent initiates
     * it itself (see SWAN_PLATFORM_KEYINGTRIES). */
    ds_put_format(ds, "    auto=%s\n",
                  view == SWAN_VIEW_PEER ? "start" : "add");
}

/* Appends to 'ds' the ipsec.secrets line that holds the pre-shared key of
 * tunnel 'p' as seen from 'view': the view's own id, the other side's id,
 * then the key.  The ids are written as in the conn section; an id that
 * is not known (a peer at any address without a configured peer id) is
 * written as %any.  'p' must have passed swan_conf_check(). */
void
swan_conf_render_secret(const struct vpn_tunnel_params *p,
                        enum swan_conf_view view, struct ds *ds)
{
    assert_renderable(p, NULL);

    const char *own, *other;
    view_ids(p, view, &own, &other);
    format_libreswan_id(ds, own);
    ds_put_char(ds, ' ');
    format_libreswan_id(ds, other);
    ds_put_format(ds, " : PSK \"%s\"\n", p->psk);
}

/* Appends to 'ds' a strongswan 5.9 swanctl.conf "connections" section that
 * holds connection 'conn_name' for tunnel 'p' as seen from 'view', and, if
 * 'with_secret', a "secrets" section with its pre-shared key.
 *
 * The settings follow the libreswan rendering: lifetimes are hard
 * lifetimes, so each SA is rekeyed at 90% of its lifetime; dpd_timeout is
 * IKEv1 only in strongswan, as in libreswan; one Child SA is made per
 * (local, remote) subnet pair, because libreswan negotiates one traffic
 * selector per Child SA and IKEv1 cannot do otherwise.
 *
 * The connection is named 'ike_name' (NULL: 'conn_name'), with each '.'
 * written as '_' (a swanctl.conf section name cannot contain '.'); its
 * children are named 'conn_name', written the same way, for a single
 * subnet pair, and with several pairs NAME-LxR with libreswan's indexes.
 * Tunnels that share an IKE SA (the same gateway, peer address and
 * identities) are given the same 'ike_name': their configurations, one
 * after the other in one swanctl.conf, then make one connection with
 * each tunnel's children, as strongswan needs to find a Child SA's
 * configuration within its IKE SA's connection.  'p' must have passed
 * swan_conf_check(), and 'conn_name' and 'ike_name'
 * swan_conf_is_valid_name(). */
void
swan_conf_render_swanctl(const struct vpn_tunnel_params *p,
                         enum swan_conf_view view, const char *conn_name,
                         const char *ike_name, bool with_secret,
                         struct ds *ds)
{
    assert_renderable(p, conn_name);
    if (ike_name) {
        assert_renderable(p, ike_name);
    }

    bool platform = view == SWAN_VIEW_PLATFORM;
    bool any = vpn_params_peer_is_any(p);
    const char *local_addr, *remote_addr;
    if (platform) {
        local_addr = p->local_ip ? p->local_ip : SWAN_ANY;
        remote_addr = any ? SWAN_ANY : p->peer_ip;
    } else {
        local_addr = any ? SWAN_ANY : p->peer_ip;
        remote_addr = p->local_public_ip;
    }
    const char *own_id, *other_id;
    view_ids(p, view, &own_id, &other_id);

    /* swanctl.conf section names cannot contain '.'. */
    char *section = xstrdup(conn_name);
    for (char *c = strchr(section, '.'); c; c = strchr(c, '.')) {
        *c = '_';
    }
    char *ike_section = xstrdup(ike_name ? ike_name : conn_name);
    for (char *c = strchr(ike_section, '.'); c; c = strchr(c, '.')) {
        *c = '_';
    }

    int ike_rekey = p->ike_lifetime / 10 * 9;

    ds_put_cstr(ds, "connections {\n");
    ds_put_format(ds, "    %s {\n", ike_section);
    ds_put_format(ds, "        version = %d\n", is_ikev1(p) ? 1 : 2);
    if (is_aggressive(p)) {
        ds_put_cstr(ds, "        # Responding in Aggressive Mode with a PSK "
                    "needs, in strongswan.conf:\n"
                    "        # charon.i_dont_care_about_security_and_use_"
                    "aggressive_mode_psk = yes\n");
        ds_put_cstr(ds, "        aggressive = yes\n");
    }
    ds_put_format(ds, "        local_addrs = %s\n", local_addr);
    ds_put_format(ds, "        remote_addrs = %s\n", remote_addr);
    ds_put_cstr(ds, "        proposals = ");
    put_swanctl_proposal(ds, p->ike_encryption, p->ike_integrity,
                         p->ike_dh_group);
    ds_put_char(ds, '\n');
    ds_put_format(ds, "        rekey_time = %ds\n", ike_rekey);
    ds_put_format(ds, "        over_time = %ds\n",
                  p->ike_lifetime - ike_rekey);
    ds_put_format(ds, "        dpd_delay = %ds\n", p->dpd_delay);
    if (is_ikev1(p)) {
        ds_put_format(ds, "        dpd_timeout = %ds\n", p->dpd_timeout);
    }
    ds_put_format(ds, "        keyingtries = %d\n",
                  platform ? SWAN_PLATFORM_KEYINGTRIES : SWAN_KEYINGTRIES);
    ds_put_cstr(ds, "        local {\n");
    ds_put_cstr(ds, "            auth = psk\n");
    if (own_id) {
        ds_put_format(ds, "            id = %s\n", own_id);
    }
    ds_put_cstr(ds, "        }\n");
    ds_put_cstr(ds, "        remote {\n");
    ds_put_cstr(ds, "            auth = psk\n");
    ds_put_format(ds, "            id = %s\n", other_id ? other_id : SWAN_ANY);
    ds_put_cstr(ds, "        }\n");

    const char **local_ts = platform ? p->local_cidrs : p->peer_cidrs;
    size_t n_local_ts = platform ? p->n_local_cidrs : p->n_peer_cidrs;
    const char **remote_ts = platform ? p->peer_cidrs : p->local_cidrs;
    size_t n_remote_ts = platform ? p->n_peer_cidrs : p->n_local_cidrs;

    ds_put_cstr(ds, "        children {\n");
    if (n_local_ts == 1 && n_remote_ts == 1) {
        put_swanctl_child(ds, p, view, section, local_ts[0], remote_ts[0]);
    } else {
        for (size_t l = 0; l < n_local_ts; l++) {
            for (size_t r = 0; r < n_remote_ts; r++) {
                char *child = xasprintf("%s-%"PRIuSIZE"x%"PRIuSIZE,
                                        section,
                                        n_local_ts > 1 ? l + 1 : 0,
                                        n_remote_ts > 1 ? r + 1 : 0);
                put_swanctl_child(ds, p, view, child,
                                  local_ts[l], remote_ts[r]);
                free(child);
            }
        }
    }
    ds_put_cstr(ds, "        }\n");
    ds_put_cstr(ds, "    }\n");
    ds_put_cstr(ds, "}\n");

    if (with_secret) {
        put_swanctl_secrets(ds, ike_section, own_id, other_id, p->psk);
    }
    free(ike_section);
    free(section);
}

/* Returns libreswan's name for Diffie-Hellman group 'group' ("modp2048",
 * "ecp256", "dh24", ...), or NULL if the schema does not know 'group'. */
const char *
swan_conf_dh_name(int group)
{
    const struct vpn_catalog_dh *dh = vpn_catalog_find_dh(group);
    return dh ? dh->libreswan : NULL;
}

/* Returns libreswan's name for the schema's encryption algorithm
 * 'encryption' ("aes128", ...), or NULL if it is not one of the schema's. */
const char *
swan_conf_encryption_name(const char *encryption)
{
    const struct vpn_catalog_value *alg
        = vpn_catalog_find(vpn_catalog_encryptions, encryption);
    return alg ? alg->libreswan : NULL;
}

/* Returns libreswan's name for the schema's integrity algorithm
 * 'integrity' ("sha2-256" is "sha2_256"), or NULL if it is not one of the
 * schema's. */
const char *
swan_conf_integrity_name(const char *integrity)
{
    const struct vpn_catalog_value *alg
        = vpn_catalog_find(vpn_catalog_integrities, integrity);
    return alg ? alg->libreswan : NULL;
}

/* Appends to 'ds' the value of libreswan's ike= for 'p', for example
 * "aes128-sha1;modp2048".  'p' must have passed swan_conf_check(). */
void
swan_conf_format_ike(const struct vpn_tunnel_params *p, struct ds *ds)
{
    ds_put_format(ds, "%s-%s;%s",
                  swan_conf_encryption_name(p->ike_encryption),
                  swan_conf_integrity_name(p->ike_integrity),
                  swan_conf_dh_name(p->ike_dh_group));
}

/* Appends to 'ds' the value of libreswan's esp= (or, for AH, ah=) for 'p':
 * "ENC-INTEG" or "INTEG", followed by ";GROUP" unless PFS is disabled.
 * 'p' must have passed swan_conf_check(). */
void
swan_conf_format_phase2(const struct vpn_tunnel_params *p, struct ds *ds)
{
    if (!is_ah(p)) {
        ds_put_format(ds, "%s-",
                      swan_conf_encryption_name(p->ipsec_encryption));
    }
    ds_put_cstr(ds, swan_conf_integrity_name(p->ipsec_integrity));
    if (p->ipsec_pfs_group != VPN_PFS_DISABLED) {
        ds_put_format(ds, ";%s", swan_conf_dh_name(p->ipsec_pfs_group));
    }
}

/* Static functions. */

/* Checks that 's' is a dotted-quad IPv4 address.  A null 's' is an error
 * only if 'required'; 0.0.0.0 is allowed only if 'allow_any'. */
static char *
check_ip(const char *what, const char *s, bool required, bool allow_any)
{
    ovs_be32 ip;

    if (!s) {
        return required ? xasprintf("%s: missing", what) : NULL;
    } else if (!ip_parse(s, &ip)) {
        return value_error(what, s, "not an IPv4 address");
    } else if (!ip && !allow_any) {
        return value_error(what, s, "not a usable address");
    }
    return NULL;
}

/* Checks that 'cidrs' holds at least one CIDR and that each is in
 * normalised "a.b.c.d/n" form with no host bits set, which is what both
 * daemons accept and also leaves no room for anything but digits, dots
 * and a slash. */
static char *
check_cidrs(const char *what, const char **cidrs, size_t n)
{
    if (!n) {
        return xasprintf("%s: at least one CIDR is required", what);
    }
    for (size_t i = 0; i < n; i++) {
        const char *s = cidrs[i];
        unsigned int plen;
        ovs_be32 ip;

        char *error = s ? ip_parse_cidr(s, &ip, &plen) : NULL;
        if (!s || error) {
            free(error);
            return value_error(what, s ? s : "", "not an IPv4 CIDR");
        }

        char *normal = xasprintf(IP_FMT "/%u", IP_ARGS(ip), plen);
        bool same = !strcmp(normal, s);
        free(normal);
        if (!same) {
            return value_error(what, s,
                               "not a normalised a.b.c.d/n IPv4 CIDR");
        } else if (ip & ~be32_prefix_mask(plen)) {
            return value_error(what, s, "host bits are set");
        }
    }
    return NULL;
}

/* Checks IKE identity 'id' (null means "default", which is fine).  Only
 * letters, digits and SWAN_ID_PUNCT are allowed, so the id can be written
 * unquoted into ipsec.conf, ipsec.secrets and swanctl.conf.  This refuses
 * white space, quotes, '#', '%' (libreswan's keywords such as %any),
 * ':' (the secrets separator), braces and control characters. */
static char *
check_id(const char *what, const char *id)
{
    if (!id) {
        return NULL;
    } else if (!id[0]) {
        return xasprintf("%s: empty identity", what);
    }
    for (const char *s = id; *s; s++) {
        unsigned char c = *s;
        if (!isalnum(c) && !strchr(SWAN_ID_PUNCT, c)) {
            char *why = (isprint(c)
                         ? xasprintf("character '%c' is not allowed in an "
                                     "IKE identity (allowed: letters, "
                                     "digits and %s)", c, SWAN_ID_PUNCT)
                         : xasprintf("character 0x%02x is not allowed in "
                                     "an IKE identity", c));
            char *error = value_error(what, id, why);
            free(why);
            return error;
        }
    }
    return NULL;
}

/* Checks pre-shared key 'psk', which is written between double quotes.
 * libreswan's secrets parser ends a quoted string at the next quote with
 * no escapes, so a quote, and any control character including newline
 * and carriage return, is refused.  The error never quotes the key. */
static char *
check_psk(const char *psk)
{
    if (!psk || !psk[0]) {
        return xstrdup("psk: missing");
    } else if (strlen(psk) > VPN_PSK_MAX_LEN) {
        return xasprintf("psk: longer than %d bytes", VPN_PSK_MAX_LEN);
    }
    for (const char *s = psk; *s; s++) {
        unsigned char c = *s;
        if (c == '"') {
            return xstrdup("psk: must not contain a double quote (\")");
        } else if (c < 0x20 || c == 0x7f) {
            return xasprintf("psk: must not contain control characters "
                             "(found 0x%02x)", c);
        }
    }
    return NULL;
}

static char *
check_enum(const char *what, const char *value, const char *const *values)
{
    if (!value) {
        return xasprintf("%s: missing", what);
    }
    for (; *values; values++) {
        if (!strcmp(value, *values)) {
            return NULL;
        }
    }
    return value_error(what, value, "unknown value");
}

/* Checks every enumerated and numeric setting of 'p'. */
static char *
check_algs(const struct vpn_tunnel_params *p)
{
    static const char *const versions[] = { "ikev1", "ikev2", NULL };
    static const char *const modes[] = { "main", "aggressive", NULL };
    static const char *const protocols[] = { "esp", "ah", NULL };
    static const char *const initiators[] = {
        "bi-directional", "response-only", NULL
    };
    char *error;

    error = check_enum("ike_version", p->ike_version, versions);
    if (!error) {
        error = check_enum("ike_mode", p->ike_mode, modes);
    }
    if (!error) {
        error = check_enum("ipsec_protocol", p->ipsec_protocol, protocols);
    }
    if (!error) {
        error = check_enum("initiator", p->initiator, initiators);
    }
    if (error) {
        return error;
    }

    /* AH does not encrypt: its ipsec_encryption, if any, is ignored. */
    struct {
        const char *what;
        const char *value;
        const struct vpn_catalog_value *algs;
        bool ignored;
    } algs[] = {
        { "ike_encryption", p->ike_encryption,
          vpn_catalog_encryptions, false },
        { "ike_integrity", p->ike_integrity,
          vpn_catalog_integrities, false },
        { "ipsec_encryption", p->ipsec_encryption,
          vpn_catalog_encryptions, is_ah(p) },
        { "ipsec_integrity", p->ipsec_integrity,
          vpn_catalog_integrities, false },
        { "dpd_action", p->dpd_action,
          vpn_catalog_dpd_actions, false },
    };
    for (size_t i = 0; i < ARRAY_SIZE(algs); i++) {
        if (algs[i].ignored) {
            continue;
        } else if (!algs[i].value) {
            return xasprintf("%s: missing", algs[i].what);
        } else if (!vpn_catalog_find(algs[i].algs, algs[i].value)) {
            return value_error(algs[i].what, algs[i].value,
                               "unknown value");
        }
    }

    if (!vpn_catalog_find_dh(p->ike_dh_group)) {
        return xasprintf("ike_dh_group: unknown Diffie-Hellman group %d",
                         p->ike_dh_group);
    } else if (p->ipsec_pfs_group != VPN_PFS_DISABLED
               && !vpn_catalog_find_dh(p->ipsec_pfs_group)) {
        return xasprintf("ipsec_pfs_group: unknown Diffie-Hellman group %d",
                         p->ipsec_pfs_group);
    }

    /* The swanctl rendering needs lifetimes long enough for a rekey time
     * of 90% to be meaningful; the schema's limits are. */
    struct {
        const char *what;
        int value;
        int min, max;
    } numbers[] = {
        { "ike_lifetime", p->ike_lifetime,
          VPN_LIFETIME_MIN, VPN_LIFETIME_MAX },
        { "ipsec_lifetime", p->ipsec_lifetime,
          VPN_LIFETIME_MIN, VPN_LIFETIME_MAX },
        { "dpd_delay", p->dpd_delay, 1, INT_MAX },
        { "dpd_timeout", p->dpd_timeout, 1, INT_MAX },
    };
    for (size_t i = 0; i < ARRAY_SIZE(numbers); i++) {
        if (numbers[i].value < numbers[i].min
            || numbers[i].value > numbers[i].max) {
            return (numbers[i].max == INT_MAX
                    ? xasprintf("%s: %d is not a positive number of "
                                "seconds", numbers[i].what, numbers[i].value)
                    : xasprintf("%s: %d is not between %d and %d seconds",
                                numbers[i].what, numbers[i].value,
                                numbers[i].min, numbers[i].max));
        }
    }
    return NULL;
}

/* Returns "WHAT "VALUE": WHY" with VALUE escaped as a JSON string, so that
 * the message itself cannot carry a raw newline or quote. */
static char *
value_error(const char *what, const char *value, const char *why)
{
    struct ds ds = DS_EMPTY_INITIALIZER;

    ds_put_format(&ds, "%s ", what);
    json_string_escape(value, &ds);
    ds_put_format(&ds, ": %s", why);
    return ds_steal_cstr(&ds);
}

/* Aborts unless 'p' passes swan_conf_check() and 'conn_name', if nonnull,
 * is a valid name: rendering anything else could inject configuration. */
static void
assert_renderable(const struct vpn_tunnel_params *p, const char *conn_name)
{
    char *error = swan_conf_check(p);
    if (error) {
        ovs_abort(0, "swan_conf: refusing to render unchecked parameters: "
                  "%s", error);
    }
    if (conn_name && !swan_conf_is_valid_name(conn_name)) {
        ovs_abort(0, "swan_conf: refusing to render invalid connection "
                  "name");
    }
}

static bool
is_ikev1(const struct vpn_tunnel_params *p)
{
    return !strcmp(p->ike_version, "ikev1");
}

static bool
is_aggressive(const struct vpn_tunnel_params *p)
{
    return is_ikev1(p) && !strcmp(p->ike_mode, "aggressive");
}

static bool
is_ah(const struct vpn_tunnel_params *p)
{
    return !strcmp(p->ipsec_protocol, "ah");
}
/* Returns the peer's IKE id, or NULL if it is unknown (a peer at any
 * address without a configured id). */
static const char *
peer_side_id(const struct vpn_tunnel_params *p)
{
    return (p->peer_id ? p->peer_id
            : vpn_params_peer_is_any(p) ? NULL
            : p->peer_ip);
}

/* Stores in '*own' and '*other' the ids of the 'view' side and of the
 * other side; NULL stands for an unknown id. */
static void
view_ids(const struct vpn_tunnel_params *p, enum swan_conf_view view,
         const char **own, const char **other)
{
    if (view == SWAN_VIEW_PLATFORM) {
        *own = vpn_params_local_id(p);
        *other = peer_side_id(p);
    } else {
        *own = peer_side_id(p);
        *other = vpn_params_local_id(p);
    }
}

/* Appends IKE identity 'id' as libreswan reads it in ipsec.conf and
 * ipsec.secrets: NULL (unknown) as %any, and a bare domain name such as
 * "vpn.example.com" as "@vpn.example.com", because libreswan resolves a
 * bare name in DNS (and drops it if that fails) where strongswan and
 * ovn-vpn take it literally.  Addresses, "@fqdn", "user@fqdn" and
 * distinguished names ("CN=...") are written as they are. */
static void
format_libreswan_id(struct ds *ds, const char *id)
{
    ovs_be32 ip;

    if (!id) {
        ds_put_cstr(ds, SWAN_ANY);
    } else if (ip_parse(id, &ip) || strchr(id, '@') || strchr(id, '=')) {
        ds_put_cstr(ds, id);
    } else {
        ds_put_format(ds, "@%s", id);
    }
}

/* Appends 'key', IKE identity 'id' as format_libreswan_id() writes it, and
 * a new line. */
static void
put_libreswan_id(struct ds *ds, const char *key, const char *id)
{
    ds_put_cstr(ds, key);
    format_libreswan_id(ds, id);
    ds_put_char(ds, '\n');
}

/* Appends the line "PREFIXsubnet=CIDR" for one CIDR,
 * "PREFIXsubnets={A B ...}" for several. */
static void
put_subnets(struct ds *ds, const char *prefix, const char **cidrs, size_t n)
{
    if (n == 1) {
        ds_put_format(ds, "%ssubnet=%s\n", prefix, cidrs[0]);
    } else {
        ds_put_format(ds, "%ssubnets={", prefix);
        for (size_t i = 0; i < n; i++) {
            ds_put_format(ds, "%s%s", i ? " " : "", cidrs[i]);
        }
        ds_put_cstr(ds, "}\n");
    }
}

/* Appends a strongswan proposal "ENC-INTEG-GROUP", leaving out ENC if
 * 'encryption' is null (AH) and GROUP if 'group' is VPN_PFS_DISABLED. */
static void
put_swanctl_proposal(struct ds *ds, const char *encryption,
                     const char *integrity, int group)
{
    if (encryption) {
        ds_put_format(ds, "%s-",
                      vpn_catalog_find(vpn_catalog_encryptions,
                                       encryption)->strongswan);
    }
    ds_put_cstr(ds, vpn_catalog_find(vpn_catalog_integrities,
                                     integrity)->strongswan);
    if (group != VPN_PFS_DISABLED) {
        ds_put_format(ds, "-%s", vpn_catalog_find_dh(group)->strongswan);
    }
}

static void
put_swanctl_child(struct ds *ds, const struct vpn_tunnel_params *p,
                  enum swan_conf_view view, const char *child_name,
                  const char *local_ts, const char *remote_ts)
{
    int rekey = p->ipsec_lifetime / 10 * 9;

    ds_put_format(ds, "            %s {\n", child_name);
    ds_put_cstr(ds, "                mode = tunnel\n");
    ds_put_format(ds, "                local_ts = %s\n", local_ts);
    ds_put_format(ds, "                remote_ts = %s\n", remote_ts);
    ds_put_format(ds, "                %s_proposals = ",
                  is_ah(p) ? "ah" : "esp");
    put_swanctl_proposal(ds, is_ah(p) ? NULL : p->ipsec_encryption,
                         p->ipsec_integrity, p->ipsec_pfs_group);
    ds_put_char(ds, '\n');
    ds_put_format(ds, "                rekey_time = %ds\n", rekey);
    ds_put_format(ds, "                life_time = %ds\n", p->ipsec_lifetime);
    ds_put_format(ds, "                dpd_action = %s\n",
                  vpn_catalog_find(vpn_catalog_dpd_actions,
                                   p->dpd_action)->strongswan);
    /* As with libreswan, the platform's agent initiates the tunnel
     * itself (see SWAN_PLATFORM_KEYINGTRIES). */
    ds_put_format(ds, "                start_action = %s\n",
                  view == SWAN_VIEW_PEER ? "start" : "none");
    ds_put_cstr(ds, "            }\n");
}

/* Appends a swanctl.conf "secrets" section that gives pre-shared key 'psk'
 * to the connection in section 'conn_name', between ids 'own_id' and
 * 'other_id' (either may be null for an unknown id, which the key then
 * does not name).
 *
 * The key is written between double quotes unless strongswan would not
 * take it literally there: its quoted strings give '\' a meaning, and it
 * reads a value that starts with "0x" or "0s" as hex or base64 even when
 * quoted.  Such a key is written in hex instead. */
static void
put_swanctl_secrets(struct ds *ds, const char *conn_name,
                    const char *own_id, const char *other_id,
                    const char *psk)
{
    ds_put_cstr(ds, "secrets {\n");
    ds_put_format(ds, "    ike-%s {\n", conn_name);
    int n_ids = 0;
    if (own_id) {
        ds_put_format(ds, "        id-%d = %s\n", ++n_ids, own_id);
    }
    if (other_id) {
        ds_put_format(ds, "        id-%d = %s\n", ++n_ids, other_id);
    }

    bool literal = (!strchr(psk, '\\')
                    && !(psk[0] == '0' && psk[1]
                         && strchr("xXsS", psk[1])));
    if (literal) {
        ds_put_format(ds, "        secret = \"%s\"\n", psk);
    } else {
        ds_put_cstr(ds, "        secret = 0x");
        for (const char *s = psk; *s; s++) {
            ds_put_format(ds, "%02x", (unsigned char) *s);
        }
        ds_put_char(ds, '\n');
    }
    ds_put_cstr(ds, "    }\n");
    ds_put_cstr(ds, "}\n");
}
