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

/* The formats of what agents report in Chassis_Private external_ids (see
 * vpn-report.h). */

#include <config.h>

#include "vpn-report.h"

#include <string.h>

#include "openvswitch/dynamic-string.h"
#include "openvswitch/util.h"
#include "smap.h"
#include "sset.h"
#include "util.h"
#include "vpn-params.h"

static void put_counter(struct ds *, int64_t);
static bool parse_counter(const char *, int64_t *);

/* Returns 'msec' within the heartbeat intervals that agents may use. */
int
vpn_report_heartbeat_clamp(int msec)
{
    return MIN(MAX(msec, VPN_REPORT_HEARTBEAT_MIN_MSEC),
               VPN_REPORT_HEARTBEAT_MAX_MSEC);
}

void
vpn_report_tunnel_format(const struct vpn_tunnel_report *r, struct ds *s)
{
    ds_put_format(s, "%"PRId64";%s;%lld;", r->generation, r->connection,
                  r->changed);
    put_counter(s, r->bytes_in);
    put_counter(s, r->bytes_out);
    put_counter(s, r->packets_in);
    put_counter(s, r->packets_out);
    ds_put_cstr(s, r->reason ? r->reason : "");
}

/* Parses 's' into 'r' (which the caller must destroy on success).  Returns
 * false if 's' is malformed. */
bool
vpn_report_tunnel_parse(const char *s, struct vpn_tunnel_report *r)
{
    char *copy = xstrdup(s);
    char *fields[8];
    char *p = copy;
    size_t n = 0;

    /* Seven ';'-terminated fields, then the reason, which may itself
     * contain ';'. */
    while (n < 7) {
        char *semi = strchr(p, ';');
        if (!semi) {
            break;
        }
        *semi = '\0';
        fields[n++] = p;
        p = semi + 1;
    }
    fields[n] = p;

    memset(r, 0, sizeof *r);
    long long int generation, changed;
    bool ok = (n == 7
               && str_to_llong(fields[0], 10, &generation)
               && fields[1][0]
               && str_to_llong(fields[2], 10, &changed)
               && parse_counter(fields[3], &r->bytes_in)
               && parse_counter(fields[4], &r->bytes_out)
               && parse_counter(fields[5], &r->packets_in)
               && parse_counter(fields[6], &r->packets_out));
    if (ok) {
        r->generation = generation;
        r->changed = changed;
        r->connection = xstrdup(fields[1]);
        r->reason = xstrdup(fields[7]);
    }
    free(copy);
    return ok;
}

void
vpn_report_tunnel_destroy(struct vpn_tunnel_report *r)
{
    if (r) {
        free(r->connection);
        free(r->reason);
    }
}

void
vpn_report_gateway_format(const char *state, const char *reason,
                          struct ds *s)
{
    ds_put_format(s, "%s;%s", state, reason ? reason : "");
}

bool
vpn_report_gateway_parse(const char *s, struct vpn_gateway_report *r)
{
    const char *semi = strchr(s, ';');
    if (!semi || semi == s) {
        return false;
    }
    r->state = xmemdup0(s, semi - s);
    r->reason = xstrdup(semi + 1);
    return true;
}

void
vpn_report_gateway_destroy(struct vpn_gateway_report *r)
{
    if (r) {
        free(r->state);
        free(r->reason);
    }
}

void
vpn_caps_init(struct vpn_caps *caps)
{
    caps->known = false;
    caps->dh_groups = 0;
    caps->encryption = xmalloc(sizeof *caps->encryption);
    caps->integrity = xmalloc(sizeof *caps->integrity);
    sset_init(caps->encryption);
    sset_init(caps->integrity);
}

void
vpn_caps_destroy(struct vpn_caps *caps)
{
    if (caps) {
        sset_destroy(caps->encryption);
        sset_destroy(caps->integrity);
        free(caps->encryption);
        free(caps->integrity);
    }
}

/* Reads the capabilities an agent published in 'ids'. */
void
vpn_caps_from_smap(struct vpn_caps *caps, const struct smap *ids)
{
    const char *dh = smap_get(ids, VPN_REPORT_DH_GROUPS);
    const char *enc = smap_get(ids, VPN_REPORT_ENCRYPTION);
    const char *integ = smap_get(ids, VPN_REPORT_INTEGRITY);

    sset_clear(caps->encryption);
    sset_clear(caps->integrity);
    caps->dh_groups = 0;
    caps->known = dh && enc && integ;
    if (!caps->known) {
        return;
    }

    struct sset groups = SSET_INITIALIZER(&groups);
    sset_from_delimited_string(&groups, dh, ",");
    const char *group;
    SSET_FOR_EACH (group, &groups) {
        int g;
        if (str_to_int(group, 10, &g) && g > 0 && g < 64) {
            caps->dh_groups |= UINT64_C(1) << g;
        }
    }
    sset_destroy(&groups);
    sset_from_delimited_string(caps->encryption, enc, ",");
    sset_from_delimited_string(caps->integrity, integ, ",");
}

/* Writes 'caps' into 'ids' under the report keys. */
void
vpn_caps_to_smap(const struct vpn_caps *caps, struct smap *ids)
{
    struct ds s = DS_EMPTY_INITIALIZER;
    for (int g = 1; g < 64; g++) {
        if (caps->dh_groups & (UINT64_C(1) << g)) {
            ds_put_format(&s, "%s%d", s.length ? "," : "", g);
        }
    }
    smap_replace(ids, VPN_REPORT_DH_GROUPS, ds_cstr(&s));
    ds_destroy(&s);

    const struct sset *sets[] = { caps->encryption, caps->integrity };
    const char *keys[] = { VPN_REPORT_ENCRYPTION, VPN_REPORT_INTEGRITY };
    for (size_t i = 0; i < ARRAY_SIZE(sets); i++) {
        char *joined = sset_join(sets[i], ",", "");
        smap_replace(ids, keys[i], joined);
        free(joined);
    }
}

/* Returns true if a chassis with 'caps' can run a tunnel with 'p' (after
 * defaults).  Otherwise stores in '*field' the schema column and in
 * '*value' (malloc'd) the value it does not accept.  Unknown capabilities
 * (an agent that published none) accept everything. */
bool
vpn_caps_supports(const struct vpn_caps *caps,
                  const struct vpn_tunnel_params *p,
                  const char **field, char **value)
{
    if (!caps->known) {
        return true;
    }
    if (!(caps->dh_groups & (UINT64_C(1) << p->ike_dh_group))) {
        *field = "ike_dh_group";
        *value = xasprintf("%d", p->ike_dh_group);
        return false;
    }
    if (p->ipsec_pfs_group != VPN_PFS_DISABLED
        && !(caps->dh_groups & (UINT64_C(1) << p->ipsec_pfs_group))) {
        *field = "ipsec_pfs_group";
        *value = xasprintf("%d", p->ipsec_pfs_group);
        return false;
    }
    const struct {
        const char *field;
        const char *value;
        const struct sset *set;
    } checks[] = {
        { "ike_encryption", p->ike_encryption, caps->encryption },
        { "ike_integrity", p->ike_integrity, caps->integrity },
        { "ipsec_encryption", p->ipsec_encryption, caps->encryption },
        { "ipsec_integrity", p->ipsec_integrity, caps->integrity },
    };
    for (size_t i = 0; i < ARRAY_SIZE(checks); i++) {
        if (checks[i].value && !sset_contains(checks[i].set,
                                              checks[i].value)) {
            *field = checks[i].field;
            *value = xstrdup(checks[i].value);
            return false;
        }
    }
    return true;
}

/* Static functions. */

static void
put_counter(struct ds *s, int64_t value)
{
    if (value >= 0) {
        ds_put_format(s, "%"PRId64, value);
    }
    ds_put_char(s, ';');
}

static bool
parse_counter(const char *s, int64_t *value)
{
    long long int v;
    if (!s[0]) {
        *value = -1;
        return true;
    }
    if (str_to_llong(s, 10, &v) && v >= 0) {
        *value = v;
        return true;
    }
    return false;
}
