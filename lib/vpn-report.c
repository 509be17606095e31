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

/* If 'key' is a report key about one tunnel, returns that tunnel's name
 * (a pointer into 'key'), otherwise NULL. */
const char *
vpn_report_key_tunnel(const char *key)
{
    static const char *const prefixes[] = {
        VPN_REPORT_TUNNEL_PREFIX, VPN_REPORT_ATTEMPTS_PREFIX,
        VPN_REPORT_EVENTS_PREFIX,
    };
    for (size_t i = 0; i < ARRAY_SIZE(prefixes); i++) {
        size_t len = strlen(prefixes[i]);
        if (!strncmp(key, prefixes[i], len) && key[len]) {
            return key + len;
        }
    }
    return NULL;
}

void
vpn_report_attempts_format(int attempts, const char *state,
                           const char *reason, struct ds *s)
{
    ds_put_format(s, "%d;%s;%s", MIN(attempts, VPN_REPORT_MAX_ATTEMPTS),
                  state, reason);
}

/* Parses 's' into 'r' (which the caller must destroy on success).  Returns
 * false if 's' is malformed. */
bool
vpn_report_attempts_parse(const char *s, struct vpn_attempts_report *r)
{
    memset(r, 0, sizeof *r);
    char *copy = xstrdup(s);
    char *save_ptr = NULL;
    char *n = strtok_r(copy, ";", &save_ptr);
    char *state = strtok_r(NULL, ";", &save_ptr);
    char *reason = strtok_r(NULL, ";", &save_ptr);
    bool ok = (n && state && reason && !strtok_r(NULL, ";", &save_ptr)
               && str_to_int(n, 10, &r->attempts)
               && r->attempts > 0
               && r->attempts <= VPN_REPORT_MAX_ATTEMPTS);
    if (ok) {
        r->state = xstrdup(state);
        r->reason = xstrdup(reason);
    }
    free(copy);
    return ok;
}

void
vpn_report_attempts_destroy(struct vpn_attempts_report *r)
{
    if (r) {
        free(r->state);
        free(r->reason);
    }
}

/* Appends to 's' one event line (with its new-line).  'text' is cut to
 * VPN_REPORT_EVENT_TEXT_MAX bytes, and its new-lines become spaces. */
void
vpn_report_event_format(long long int when, const char *event,
                        const char *reason, const char *text, struct ds *s)
{
    ds_put_format(s, "%lld;%s;%s;", when, event, reason);
    for (size_t i = 0; text[i] && i < VPN_REPORT_EVENT_TEXT_MAX; i++) {
        ds_put_char(s, text[i] == '\n' ? ' ' : text[i]);
    }
    ds_put_char(s, '\n');
}

/* Parses the event lines in 's' into a new array stored in '*events', of
 * at most VPN_REPORT_MAX_EVENTS, the newest ones, and returns how many
 * there are.  Malformed lines are skipped. */
size_t
vpn_report_events_parse(const char *s, struct vpn_event_report **eventsp)
{
    struct vpn_event_report *events = NULL;
    size_t n = 0, allocated = 0;
    char *copy = xstrdup(s);
    char *save_ptr = NULL;

    for (char *line = strtok_r(copy, "\n", &save_ptr); line;
         line = strtok_r(NULL, "\n", &save_ptr)) {
        char *f[3];
        char *p = line;
        size_t i;
        for (i = 0; i < ARRAY_SIZE(f); i++) {
            char *semi = strchr(p, ';');
            if (!semi) {
                break;
            }
            *semi = '\0';
            f[i] = p;
            p = semi + 1;
        }
        long long int when;
        if (i < ARRAY_SIZE(f) || !str_to_llong(f[0], 10, &when)
            || !f[1][0] || !f[2][0]) {
            continue;
        }
        if (n >= allocated) {
            events = x2nrealloc(events, &allocated, sizeof *events);
        }
        events[n++] = (struct vpn_event_report) {
            .when = when,
            .event = xstrdup(f[1]),
            .reason = xstrdup(f[2]),
            .text = xmemdup0(p, MIN(strlen(p), VPN_REPORT_EVENT_TEXT_MAX)),
        };
    }
    free(copy);

    if (n > VPN_REPORT_MAX_EVENTS) {
        size_t extra = n - VPN_REPORT_MAX_EVENTS;
        vpn_report_events_destroy(events, extra);
        memmove(events, events + extra,
                VPN_REPORT_MAX_EVENTS * sizeof *events);
        n = VPN_REPORT_MAX_EVENTS;
    }
    *eventsp = events;
    return n;
}

/* Frees the 'n' events in 'events' (not the array). */
void
vpn_report_events_destroy(struct vpn_event_report *events, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(events[i].event);
        free(events[i].reason);
        free(events[i].text);
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
