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

/* The NB status of gateways and tunnels, for the translator (see
 * vpn-translate-private.h), from the agents' reports: states at once,
 * traffic counters at most every VPN_NB_COUNTER_MSEC. */

#include <config.h>

#include <string.h>

#include "hash.h"
#include "hmapx.h"
#include "lib/ovn-vpn-nb-idl.h"
#include "lib/ovn-vpn-sb-idl.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/hmap.h"
#include "openvswitch/poll-loop.h"
#include "openvswitch/util.h"
#include "openvswitch/vlog.h"
#include "ovsdb-idl.h"
#include "packets.h"
#include "smap.h"
#include "sset.h"
#include "svec.h"
#include "timeval.h"
#include "util.h"
#include "uuid.h"
#include "vpn-catalog.h"
#include "vpn-chassis.h"
#include "vpn-nb.h"
#include "vpn-params.h"
#include "vpn-report.h"
#include "vpn-seal.h"
#include "vpn-validate.h"

#include "vpn-translate-private.h"

VLOG_DEFINE_THIS_MODULE(vpn_translate_status);

static void tr_sync_connected_tunnel(struct vpn_translator *tr,
                                     const struct nbrec_vpn_tunnel *t,
                                     struct nd_tunnel *nt,
                                     const struct nd_gateway *g);

void
tr_set_status(const struct smap *old, struct smap *new,
              void (*setter)(const void *, const struct smap *),
              const void *row)
{
    if (!smap_equal(old, new)) {
        setter(row, new);
    }
}

void
tr_gateway_set_status(const void *row, const struct smap *status)
{
    nbrec_vpn_gateway_set_status(row, status);
}

/* The status keys that move with every packet. */
static bool
tr_is_counter_key(const char *key)
{
    return (!strcmp(key, "bytes_in") || !strcmp(key, "bytes_out")
            || !strcmp(key, "packets_in") || !strcmp(key, "packets_out"));
}

/* Returns true if 'a' and 'b' differ in counter keys only. */
static bool
tr_only_counters_differ(const struct smap *a, const struct smap *b)
{
    const struct smap_node *node;
    SMAP_FOR_EACH (node, a) {
        const char *value = smap_get(b, node->key);
        if (!tr_is_counter_key(node->key)
            && (!value || strcmp(value, node->value))) {
            return false;
        }
    }
    SMAP_FOR_EACH (node, b) {
        if (!tr_is_counter_key(node->key) && !smap_get(a, node->key)) {
            return false;
        }
    }
    return true;
}

/* Writes tunnel 't''s NB status if it changed: at once if anything but its
 * counters changed, otherwise at most every VPN_NB_COUNTER_MSEC.  With
 * thousands of busy tunnels, counters written as often as agents report
 * them kept the NB's server busy (a quarter of a core for 10,000 tunnels)
 * and every state change waited behind them. */
void
tr_write_tunnel_status(struct vpn_translator *tr,
                       const struct nbrec_vpn_tunnel *t, struct nd_tunnel *nt,
                       const struct smap *status)
{
    if (smap_equal(&t->status, status)) {
        return;
    }
    /* Tunnels written together (by a full sync, say) are spread over the
     * second half of the interval by their names, so that their counters
     * do not all reach the NB in one burst that state changes wait
     * behind. */
    long long int now = time_msec();
    long long int due = (nt->status_written + VPN_NB_COUNTER_MSEC / 2
                         + hash_string(t->name, 0) % (VPN_NB_COUNTER_MSEC
                                                      / 2));
    /* Whole seconds: the deferred tunnels are looked at once per second
     * at most (vpn_translator_run()). */
    due = (due / 1000 + 1) * 1000;
    if (now < due && tr_only_counters_differ(&t->status, status)) {
        shash_replace_nocopy(&tr->deferred_counters, xstrdup(t->name),
                             (void *) (intptr_t) (due / 1000));
        tr->next_counter_flush = MIN(tr->next_counter_flush, due);
        return;
    }
    nbrec_vpn_tunnel_set_status(t, status);
    nt->status_written = now;
}

/* Fills 'status' with a tunnel's status. */
void
tr_tunnel_status(const struct vpn_translator *tr,
                 const struct nbrec_vpn_tunnel *t, const struct nd_tunnel *nt,
                 const struct nd_gateway *g, struct smap *status)
{
    if (nt->error) {
        smap_add(status, "state", "error");
        smap_add(status, "reason", nt->error);
        return;
    }
    if (!g->chassis) {
        smap_add(status, "state", "creating");
        smap_add_format(status, "reason", "gateway: %s",
                        tr_unplaced_reason(t->gateway));
        smap_add(status, "connection", "connecting");
        return;
    }
    smap_add(status, "chassis", g->chassis);

    /* Without its agent's public key, no chassis gets the key. */
    const char *warning = nt->warning;
    char *no_key = NULL;
    if (!warning && !vpn_chassis_seal_key(&tr->chassis, g->chassis)) {
        warning = no_key = xasprintf("chassis %s: its agent published no "
                                     "key to seal the pre-shared key to "
                                     "(ovn-vpn-seal-key)", g->chassis);
    }

    const struct smap *reports = vpn_chassis_reports(&tr->chassis,
                                                     g->chassis);
    char *key = xasprintf(VPN_REPORT_TUNNEL_PREFIX"%s", t->name);
    const char *value = reports ? smap_get(reports, key) : NULL;
    free(key);
    struct vpn_tunnel_report r;
    bool parsed = value && vpn_report_tunnel_parse(value, &r);
    if (parsed && r.generation < nt->first_generation) {
        /* A report of an earlier row of the same name (see
         * tr_sync_tunnel_sb()): none of this one yet. */
        vpn_report_tunnel_destroy(&r);
        parsed = false;
    }
    if (!parsed) {
        smap_add(status, "state", "creating");
        smap_add(status, "connection", "connecting");
        if (warning) {
            smap_add(status, "reason", warning);
        }
        free(no_key);
        return;
    }
    smap_add(status, "state",
             r.generation == nt->generation ? "running" : "creating");
    if (warning) {
        smap_add(status, "reason", warning);
    }
    free(no_key);
    smap_add(status, "connection", r.connection);
    if (r.reason[0]) {
        smap_add(status, "connection_reason", r.reason);
    }
    smap_add_format(status, "connection_changed", "%lld", r.changed);

    /* The retry rule's failed attempts. */
    key = xasprintf(VPN_REPORT_ATTEMPTS_PREFIX"%s", t->name);
    value = smap_get(reports, key);
    free(key);
    struct vpn_attempts_report a;
    if (value && vpn_report_attempts_parse(value, &a)) {
        smap_add_format(status, "failed_attempts", "%d", a.attempts);
        smap_add(status, "last_failure", a.state);
        smap_add(status, "last_failure_reason", a.reason);
        vpn_report_attempts_destroy(&a);
    }
    const struct {
        const char *key;
        int64_t value;
    } counters[] = {
        { "bytes_in", r.bytes_in }, { "bytes_out", r.bytes_out },
        { "packets_in", r.packets_in }, { "packets_out", r.packets_out },
    };
    for (size_t i = 0; i < ARRAY_SIZE(counters); i++) {
        if (counters[i].value >= 0) {
            smap_add_format(status, counters[i].key, "%"PRId64,
                            counters[i].value);
        }
    }
    vpn_report_tunnel_destroy(&r);
}

/* Fills 'status' with a tunnel's status and writes it (see
 * tr_write_tunnel_status()), and its connection log if it changed. */
void
tr_update_tunnel(struct vpn_translator *tr, const struct nbrec_vpn_tunnel *t,
                 struct nd_tunnel *nt, const struct nd_gateway *g)
{
    struct smap status = SMAP_INITIALIZER(&status);
    tr_tunnel_status(tr, t, nt, g, &status);
    tr_write_tunnel_status(tr, t, nt, &status);
    smap_destroy(&status);
    tr_write_tunnel_log(tr, t, nt, g);
}

/* Appends to 'ds' connection event 'e' as a line of the NB's
 * connection_log, without its new-line.  The agent's text is a chassis's:
 * what is not printable ASCII becomes '?'. */
static void
tr_format_event(const struct vpn_event_report *e, struct ds *ds)
{
    ds_put_strftime_msec(ds, "%Y-%m-%d %H:%M:%S.###", e->when, true);
    if (!strcmp(e->event, "--")) {
        ds_put_cstr(ds, " --");
    } else {
        ds_put_format(ds, " %s (%s)", e->event, e->reason);
    }
    if (e->text[0]) {
        ds_put_cstr(ds, strcmp(e->event, "--") ? ": " : " ");
        for (const char *p = e->text; *p; p++) {
            ds_put_char(ds, *p >= 0x20 && *p < 0x7f ? *p : '?');
        }
    }
}

/* Merges the connection events that the agent of gateway 'g''s chassis
 * reports for tunnel 't' into 't''s NB connection_log, which keeps the
 * newest TR_TUNNEL_LOG_MAX: written only when an event is new. */
void
tr_write_tunnel_log(struct vpn_translator *tr,
                    const struct nbrec_vpn_tunnel *t,
                    const struct nd_tunnel *nt, const struct nd_gateway *g)
{
    if (!g->chassis
        || !nbrec_server_has_vpn_tunnel_table_col_connection_log(tr->nb)) {
        return;
    }
    const struct smap *reports = vpn_chassis_reports(&tr->chassis,
                                                     g->chassis);
    char *key = xasprintf(VPN_REPORT_EVENTS_PREFIX"%s", t->name);
    const char *value = reports ? smap_get(reports, key) : NULL;
    free(key);
    if (!value
        || tr_reported_generation(tr, g->chassis, t->name)
           < nt->first_generation) {
        /* Nothing, or an earlier row's events (see tr_tunnel_status()). */
        return;
    }

    struct vpn_event_report *events;
    size_t n = vpn_report_events_parse(value, &events);
    struct sset log = SSET_INITIALIZER(&log);
    for (size_t i = 0; i < t->n_connection_log; i++) {
        sset_add(&log, t->connection_log[i]);
    }
    bool changed = false;
    struct ds line = DS_EMPTY_INITIALIZER;
    for (size_t i = 0; i < n; i++) {
        ds_clear(&line);
        tr_format_event(&events[i], &line);
        changed |= sset_add(&log, ds_cstr(&line)) != NULL;
    }
    ds_destroy(&line);
    vpn_report_events_destroy(events, n);
    free(events);

    if (changed) {
        /* OVSDB keeps a set sorted: its last entries are the newest. */
        const char **sorted = sset_sort(&log);
        size_t n_log = sset_count(&log);
        size_t skip = n_log > TR_TUNNEL_LOG_MAX ? n_log - TR_TUNNEL_LOG_MAX
                                                : 0;
        nbrec_vpn_tunnel_set_connection_log(t, sorted + skip, n_log - skip);
        free(sorted);
    }
    sset_destroy(&log);
}

/* Returns the SB generation that chassis 'chassis' last reported for
 * tunnel 'name', or 0 if it reports none. */
int64_t
tr_reported_generation(const struct vpn_translator *tr, const char *chassis,
                       const char *name)
{
    const struct smap *reports = (chassis
                                  ? vpn_chassis_reports(&tr->chassis,
                                                        chassis)
                                  : NULL);
    char *key = xasprintf(VPN_REPORT_TUNNEL_PREFIX"%s", name);
    const char *value = reports ? smap_get(reports, key) : NULL;
    free(key);

    struct vpn_tunnel_report r;
    int64_t generation = 0;
    if (value && vpn_report_tunnel_parse(value, &r)) {
        generation = MAX(r.generation, 0);
        vpn_report_tunnel_destroy(&r);
    }
    return generation;
}

/* Adds to 'status', for each DH group that RFC 8247 calls weak, a key
 * "dh_group_N_chassis" that lists the live candidate chassis of 'gw' that
 * can do group N (at most TR_DH_CHASSIS_MAX of them, then "..."), empty if
 * none can: "ovn-vpnctl" names them when a tunnel asks for such a group,
 * and refuses a group that no candidate can do.  A chassis whose agent
 * published nothing is left out. */
#define TR_DH_CHASSIS_MAX 8
static void
tr_gateway_dh_status(const struct vpn_translator *tr,
                     const struct nbrec_vpn_gateway *gw, struct smap *status)
{
    const struct vpn_catalog_dh *weak[8];
    struct svec can[ARRAY_SIZE(weak)];
    size_t n_weak = 0;
    for (size_t i = 0; i < vpn_catalog_n_dh_groups; i++) {
        if (vpn_catalog_dh_groups[i].weak && n_weak < ARRAY_SIZE(weak)) {
            svec_init(&can[n_weak]);
            weak[n_weak++] = &vpn_catalog_dh_groups[i];
        }
    }

    /* One pass over the live chassis for every group. */
    struct sset alive = SSET_INITIALIZER(&alive);
    vpn_chassis_alive_names(&tr->chassis, &alive);
    const char *name;
    SSET_FOR_EACH (name, &alive) {
        const struct vpn_caps *caps = vpn_chassis_caps(&tr->chassis, name);
        if (!caps || !caps->known || !tr_is_candidate(tr, gw, name)) {
            continue;
        }
        for (size_t i = 0; i < n_weak; i++) {
            if (caps->dh_groups & (UINT64_C(1) << weak[i]->group)) {
                svec_add(&can[i], name);
            }
        }
    }
    sset_destroy(&alive);

    for (size_t i = 0; i < n_weak; i++) {
        svec_sort(&can[i]);
        struct ds s = DS_EMPTY_INITIALIZER;
        for (size_t j = 0; j < can[i].n; j++) {
            if (j == TR_DH_CHASSIS_MAX) {
                ds_put_cstr(&s, ",...");
                break;
            }
            ds_put_format(&s, "%s%s", j ? "," : "", can[i].names[j]);
        }
        smap_add_nocopy(status, xasprintf("dh_group_%d_chassis",
                                          weak[i]->group),
                        ds_steal_cstr(&s));
        svec_destroy(&can[i]);
    }
}

/* Fills 'status' with a gateway's status. */
void
tr_gateway_status(const struct vpn_translator *tr,
                  const struct nbrec_vpn_gateway *gw,
                  const struct nd_gateway *g,
                  struct smap *status)
{
    if (g->error) {
        smap_add(status, "state", "error");
        smap_add(status, "reason", g->error);
        return;
    }
    tr_gateway_dh_status(tr, gw, status);
    char ip_s[INET_ADDRSTRLEN];
    inet_ntop(AF_INET, &g->internal_ip, ip_s, sizeof ip_s);
    char *lsp = tr_lsp_name(&g->uuid);
    smap_add(status, "logical_port", lsp);
    free(lsp);
    smap_add(status, "internal_ip", ip_s);
    smap_add_format(status, "mac", ETH_ADDR_FMT, ETH_ADDR_ARGS(g->mac));
    if (!g->chassis) {
        smap_add(status, "state", "creating");
        smap_add_format(status, "reason", "chassis: %s",
                        tr_unplaced_reason(gw));
        return;
    }
    smap_add(status, "chassis", g->chassis);
    if (g->standby) {
        smap_add(status, "standby", g->standby);
    }

    const struct smap *reports = vpn_chassis_reports(&tr->chassis,
                                                     g->chassis);
    char *key = xasprintf(VPN_REPORT_GATEWAY_PREFIX"%s", gw->name);
    const char *value = reports ? smap_get(reports, key) : NULL;
    free(key);
    struct vpn_gateway_report r;
    if (value && vpn_report_gateway_parse(value, &r)) {
        smap_add(status, "state", !strcmp(r.state, "running") ? "running"
                                                               : "error");
        if (g->held) {
            smap_add_format(status, "reason", "chassis: the ovn-vpn-agent "
                            "of %s is silent and no other candidate "
                            "chassis has a live one: the gateway stays "
                            "there", g->chassis);
        } else if (r.reason[0]) {
            smap_add(status, "reason", r.reason);
        }
        vpn_report_gateway_destroy(&r);
    } else {
        smap_add(status, "state", "creating");
        if (g->held) {
            smap_add_format(status, "reason", "chassis: the ovn-vpn-agent "
                            "of %s is silent and no other candidate "
                            "chassis has a live one", g->chassis);
        }
    }
}

/* Status-only updates: tunnels and gateways whose agent report changed and
 * whose VPC was not synced in this run anyway. */
void
tr_update_reported_status(struct vpn_translator *tr,
                          const struct hmapx *synced)
{
    /* Only the tunnels and gateways whose reports changed, by name. */
    const char *name;
    SSET_FOR_EACH (name, &tr->chassis.changed_tunnels) {
        struct nbrec_vpn_tunnel *key
            = nbrec_vpn_tunnel_index_init_row(tr->tun_by_name);
        nbrec_vpn_tunnel_index_set_name(key, name);
        const struct nbrec_vpn_tunnel *t
            = nbrec_vpn_tunnel_index_find(tr->tun_by_name, key);
        nbrec_vpn_tunnel_index_destroy_row(key);
        if (!t || hmapx_contains(synced, CONST_CAST(
                                     struct nbrec_logical_router *,
                                     t->gateway->router))) {
            continue;
        }
        struct nd_tunnel *nt = tr_find_tunnel(tr, &t->header_.uuid);
        struct nd_gateway *g = tr_find_gateway(tr, &t->gateway->header_.uuid);
        if (!nt || !g) {
            continue;
        }
        /* A first "connected" also installs the tunnel's routes: only
         * its own. */
        if (nt->valid && tr_tunnel_is_connected(tr, t, g)) {
            tr_sync_connected_tunnel(tr, t, nt, g);
        }
        tr_update_tunnel(tr, t, nt, g);
    }

    SSET_FOR_EACH (name, &tr->chassis.changed_gateways) {
        struct nbrec_vpn_gateway *key
            = nbrec_vpn_gateway_index_init_row(tr->gw_by_name);
        nbrec_vpn_gateway_index_set_name(key, name);
        const struct nbrec_vpn_gateway *gw
            = nbrec_vpn_gateway_index_find(tr->gw_by_name, key);
        nbrec_vpn_gateway_index_destroy_row(key);
        if (!gw || hmapx_contains(synced, CONST_CAST(
                                      struct nbrec_logical_router *,
                                      gw->router))) {
            continue;
        }
        struct nd_gateway *g = tr_find_gateway(tr, &gw->header_.uuid);
        if (g) {
            struct smap status = SMAP_INITIALIZER(&status);
            tr_gateway_status(tr, gw, g, &status);
            tr_set_status(&gw->status, &status, tr_gateway_set_status, gw);
            smap_destroy(&status);
        }
    }
}

/* Returns true if the agent of the chassis that runs gateway 'g' reports
 * tunnel 't' connected. */
bool
tr_tunnel_is_connected(const struct vpn_translator *tr,
                       const struct nbrec_vpn_tunnel *t,
                       const struct nd_gateway *g)
{
    const struct smap *reports = vpn_chassis_reports(&tr->chassis,
                                                     g->chassis);
    char *key = xasprintf(VPN_REPORT_TUNNEL_PREFIX"%s", t->name);
    const char *report = reports ? smap_get(reports, key) : NULL;
    free(key);

    bool connected = false;
    struct vpn_tunnel_report r;
    if (report && vpn_report_tunnel_parse(report, &r)) {
        connected = !strcmp(r.connection, "connected");
        vpn_report_tunnel_destroy(&r);
    }
    return connected;
}

/* Valid tunnel 't', of a VPC that this run does not sync, is connected:
 * installs its routes (tr_sync_tunnel_routes()), unless a user's route or
 * policy wins.  The rest of the VPC is untouched: its cost does not grow
 * with the VPC's other tunnels. */
static void
tr_sync_connected_tunnel(struct vpn_translator *tr,
                         const struct nbrec_vpn_tunnel *t,
                         struct nd_tunnel *nt,
                         const struct nd_gateway *g)
{
    struct vpn_tunnel_params params;
    vpn_nb_tunnel_params(t, &params);

    bool user_wins = false;
    struct vpn_tunnel_cidrs cidrs;
    char *error = vpn_tunnel_cidrs_parse(&params, &cidrs);
    free(nt->warning);
    nt->warning = NULL;
    if (!error) {
        nt->warning = tr_check_user_conflicts(t, &cidrs, &user_wins);
        vpn_tunnel_cidrs_destroy(&cidrs);
    }
    free(error);
    tr_sync_tunnel_routes(tr, t, nt, g, true, !user_wins);
}
