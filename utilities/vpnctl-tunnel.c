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

/* The tunnel commands of ovn-vpnctl and their options (see vpnctl.h):
 * each setting checked with the shared rules before it is written. */

#include <config.h>

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "command-line.h"
#include "db-ctl-base.h"
#include "fatal-signal.h"
#include "lib/ovn-vpn-nb-idl.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/json.h"
#include "openvswitch/poll-loop.h"
#include "openvswitch/shash.h"
#include "openvswitch/vlog.h"
#include "ovsdb-data.h"
#include "ovsdb-idl.h"
#include "packets.h"
#include "process.h"
#include "smap.h"
#include "sset.h"
#include "stream-ssl.h"
#include "stream.h"
#include "svec.h"
#include "table.h"
#include "timeval.h"
#include "util.h"
#include "vpn-catalog.h"
#include "vpn-catalog-row.h"
#include "vpn-dirs.h"
#include "vpn-nb.h"
#include "vpn-params.h"
#include "vpn-swan-conf.h"
#include "vpn-validate.h"

#include "vpnctl.h"

VLOG_DEFINE_THIS_MODULE(vpnctl_tunnel);

/* Tunnel options. */

/* Reads the PSK from --psk or --psk-file into '*pskp'.  Returns false (with
 * the context's error set) on failure; true with '*pskp' NULL if neither
 * option was given. */
static bool
vpnctl_read_psk(struct ctl_context *ctx, const char *name, char **pskp)
{
    const char *psk = shash_find_data(&ctx->options, "--psk");
    const char *file = shash_find_data(&ctx->options, "--psk-file");

    *pskp = NULL;
    if (psk && file) {
        ctl_error(ctx, "%s: psk: give --psk or --psk-file, not both", name);
        return false;
    }
    if (psk) {
        *pskp = xstrdup(psk);
        return true;
    }
    if (!file) {
        return true;
    }

    FILE *stream = !strcmp(file, "-") ? stdin : fopen(file, "r");
    if (!stream) {
        ctl_error(ctx, "%s: psk: cannot open %s (%s)", name, file,
                  ovs_strerror(errno));
        return false;
    }
    struct ds s = DS_EMPTY_INITIALIZER;
    int error = ds_get_line(&s, stream) ? ferror(stream) : 0;
    if (stream != stdin) {
        fclose(stream);
    }
    if (error) {
        ctl_error(ctx, "%s: psk: cannot read %s", name, file);
        ds_destroy(&s);
        return false;
    }
    *pskp = ds_steal_cstr(&s);
    return true;
}

/* Sets a CIDR column of 't' from 'option', if it was given.  The list is
 * checked here, before it is written, because the IDL keeps at most the
 * schema's maximum number of values of a column ('max', 0 for no limit):
 * the check of the whole row afterwards would not see a 21st peer CIDR. */
static bool
vpnctl_set_cidrs(struct ctl_context *ctx, const struct nbrec_vpn_tunnel *t,
                 const char *option, const char *field, size_t max,
                 void (*setter)(const struct nbrec_vpn_tunnel *, const char **,
                         size_t))
{
    const char *arg = shash_find_data(&ctx->options, option);
    if (!arg) {
        return true;
    }
    struct svec cidrs = SVEC_EMPTY_INITIALIZER;
    vpnctl_split_words(&cidrs, arg, ", ");
    struct vpn_cidr *parsed;
    char *error = vpn_parse_cidr_list(field,
                                      (const char *const *) cidrs.names,
                                      cidrs.n, max, &parsed);
    if (error) {
        svec_destroy(&cidrs);
        return vpnctl_report(ctx, t->name, error);
    }
    free(parsed);
    setter(t, (const char **) cidrs.names, cidrs.n);
    svec_destroy(&cidrs);
    return true;
}

/* 'dh', chosen for 'column' of tunnel 't', is weak (RFC 8247).  If the
 * translator says that no candidate chassis of the tunnel's gateway can
 * do it (its status "dh_group_N_chassis" is empty), reports that and
 * returns false.  Otherwise warns on stderr, once per tunnel and setting
 * however often the transaction is tried, naming the chassis that can do
 * it, and returns true: the choice stands, since a peer may insist on
 * it. */
static bool
vpnctl_check_weak(struct ctl_context *ctx, const struct nbrec_vpn_tunnel *t,
                  const char *column, const struct vpn_catalog_dh *dh)
{
    const struct nbrec_vpn_gateway *gw = t->gateway;
    char *key = xasprintf("dh_group_%d_chassis", dh->group);
    const char *chassis = gw ? smap_get(&gw->status, key) : NULL;
    free(key);
    if (chassis && !chassis[0]) {
        return vpnctl_report(ctx, t->name, xasprintf(
            "%s: DH group %d (%s): no candidate chassis of gateway %s can "
            "do it (their libreswan lacks it and they have no strongswan; "
            "RFC 8247 calls it weak)", column, dh->group, dh->libreswan,
            gw->name));
    }

    static struct sset warned = SSET_INITIALIZER(&warned);
    key = xasprintf("%s %s", t->name, column);
    if (sset_add(&warned, key)) {
        struct ds s = DS_EMPTY_INITIALIZER;
        vpn_put_printable(&s, t->name, strlen(t->name));
        fprintf(stderr, "ovn-vpnctl: warning: %s: %s: DH group %d (%s) is "
                "weak; RFC 8247 advises against it; ", ds_cstr(&s), column,
                dh->group, dh->libreswan);
        ds_clear(&s);
        if (chassis) {
            vpn_put_printable(&s, chassis, strlen(chassis));
            fprintf(stderr, "chassis that can do it: %s\n", ds_cstr(&s));
        } else {
            fprintf(stderr, "which chassis can do it is not known yet\n");
        }
        ds_destroy(&s);
    }
    free(key);
    return true;
}

/* Applies to 't' each option of the catalog's settings in 'group' ("IKE",
 * "IPsec" or "Other") that was given, checked by its setting's rule.  A
 * setting that ESP alone has ('esp_only') takes "none" to be emptied.
 * Returns false, having reported why, at the first invalid one. */
static bool
vpnctl_apply_settings(struct ctl_context *ctx,
                      const struct nbrec_vpn_tunnel *t, const char *group)
{
    for (size_t i = 0; i < vpn_n_settings; i++) {
        const struct vpn_setting *s = &vpn_settings[i];
        const char *arg = (strcmp(s->group, group) ? NULL
                           : shash_find_data(&ctx->options, s->option));
        if (!arg) {
            continue;
        }
        if (s->esp_only && !strcmp(arg, "none")) {
            vpn_catalog_write_setting(&t->header_, s, NULL, 0);
            continue;
        }
        int number;
        if (!vpnctl_report(ctx, t->name,
                           vpn_parse_setting(s, arg, &number))) {
            return false;
        }
        const struct vpn_catalog_dh *dh
            = (s->kind == VPN_SETTING_DH || s->kind == VPN_SETTING_PFS
               ? vpn_catalog_find_dh(number) : NULL);
        if (dh && dh->weak && !vpnctl_check_weak(ctx, t, s->column, dh)) {
            return false;
        }
        vpn_catalog_write_setting(&t->header_, s, arg, number);
    }
    return true;
}

static bool
vpnctl_apply_ike_options(struct ctl_context *ctx,
                         const struct nbrec_vpn_tunnel *t)
{
    if (!vpnctl_apply_settings(ctx, t, "IKE")) {
        return false;
    }
    const char *arg;
    static const struct {
        const char *option, *field;
        void (*set)(const struct nbrec_vpn_tunnel *, const char *);
    } ids[] = {
        {"--local-id", "local_id", nbrec_vpn_tunnel_set_local_id},
        {"--peer-id", "peer_id", nbrec_vpn_tunnel_set_peer_id},
    };
    for (size_t i = 0; i < ARRAY_SIZE(ids); i++) {
        arg = shash_find_data(&ctx->options, ids[i].option);
        if (arg && !arg[0]) {
            ids[i].set(t, NULL);
        } else if (arg) {
            if (!vpnctl_report(ctx, t->name, vpn_check_id(ids[i].field,
                                                          arg))) {
                return false;
            }
            ids[i].set(t, arg);
        }
    }
    return true;
}

static bool
vpnctl_apply_ipsec_options(struct ctl_context *ctx,
                           const struct nbrec_vpn_tunnel *t)
{
    if (!vpnctl_apply_settings(ctx, t, "IPsec")) {
        return false;
    }
    /* AH does not encrypt: switching to AH clears what ESP alone has (and
     * back to ESP, an empty column means the default). */
    const char *proto = shash_find_data(&ctx->options, "--ipsec-protocol");
    if (proto && !strcmp(proto, "ah")) {
        for (size_t i = 0; i < vpn_n_settings; i++) {
            if (vpn_settings[i].esp_only
                && !shash_find(&ctx->options, vpn_settings[i].option)) {
                vpn_catalog_write_setting(&t->header_, &vpn_settings[i],
                                          NULL, 0);
            }
        }
    }
    return true;
}

static bool
vpnctl_apply_other_options(struct ctl_context *ctx,
                           const struct nbrec_vpn_tunnel *t)
{
    if (!vpnctl_apply_settings(ctx, t, "Other")) {
        return false;
    }
    const char *comment = shash_find_data(&ctx->options, "--comment");
    if (comment) {
        nbrec_vpn_tunnel_set_comment(t, comment[0] ? comment : NULL);
    }
    char *psk;
    if (!vpnctl_read_psk(ctx, t->name, &psk)) {
        return false;
    }
    if (psk) {
        bool ok = vpnctl_report(ctx, t->name, vpn_check_psk("psk", psk));
        if (ok) {
            nbrec_vpn_tunnel_set_psk(t, psk);
        }
        free(psk);
        return ok;
    }
    return true;
}

/* Appends to 's' a line for each of the catalog's settings in 'group'
 * that 'p' (defaults applied) has: the IKE mode with IKEv1 only, what only
 * ESP has with ESP only. */
static void
vpnctl_put_settings(struct ds *s, const struct vpn_tunnel_params *p,
                    const char *group)
{
    for (size_t i = 0; i < vpn_n_settings; i++) {
        const struct vpn_setting *set = &vpn_settings[i];
        const void *field = (const char *) p + set->offset;
        if (strcmp(set->group, group)
            || (!strcmp(set->column, "ike_mode")
                && strcmp(p->ike_version, "ikev1"))) {
            continue;
        }
        if (set->kind == VPN_SETTING_ENUM) {
            const char *value = *(const char *const *) field;
            if (value) {
                vpnctl_put_line(s, "    %s: %s\n", set->column, value);
            }
        } else if (set->kind == VPN_SETTING_PFS) {
            ds_put_format(s, "    %s: ", set->column);
            vpn_format_pfs_group(*(const int *) field, s);
            ds_put_char(s, '\n');
        } else {
            ds_put_format(s, "    %s: %d\n", set->column,
                          *(const int *) field);
        }
    }
}

/* Tunnel commands. */

void
cmd_vpn_tunnel_add(struct ctl_context *ctx)
{
    const char *name = ctx->argv[1];
    bool may_exist = shash_find(&ctx->options, "--may-exist") != NULL;

    if (vpnctl_find_tunnel(ctx, name, false)) {
        if (!may_exist) {
            ctl_error(ctx, "%s: a tunnel with this name already exists",
                      name);
        }
        return;
    }
    if (!vpnctl_report(ctx, name, vpn_check_name("name", name))) {
        return;
    }
    const struct nbrec_vpn_gateway *gw = vpnctl_find_gateway(ctx, ctx->argv[2],
                                                             true);
    if (!gw) {
        return;
    }
    const struct nbrec_vpn_peer *peer = vpnctl_find_peer(ctx, ctx->argv[3],
                                                         true);
    if (!peer) {
        return;
    }
    static const struct {
        const char *option, *field;
    } required[] = {
        {"--local-cidrs", "local_cidrs"},
        {"--peer-cidrs", "peer_cidrs"},
    };
    for (size_t i = 0; i < ARRAY_SIZE(required); i++) {
        if (!shash_find(&ctx->options, required[i].option)) {
            ctl_error(ctx, "%s: %s: %s=CIDR,... is required", name,
                      required[i].field, required[i].option);
            return;
        }
    }
    if (!shash_find(&ctx->options, "--psk")
        && !shash_find(&ctx->options, "--psk-file")) {
        ctl_error(ctx, "%s: psk: --psk-file=FILE (or --psk=KEY) is required",
                  name);
        return;
    }

    const struct nbrec_vpn_tunnel *t = nbrec_vpn_tunnel_insert(ctx->txn);
    nbrec_vpn_tunnel_set_name(t, name);
    nbrec_vpn_tunnel_set_gateway(t, gw);
    nbrec_vpn_tunnel_set_peer(t, peer);
    int64_t now = time_wall_msec();
    nbrec_vpn_tunnel_set_created_at(t, &now, 1);
    if (!strcmp(peer->ip, VPN_PEER_ANY)
        && !shash_find(&ctx->options, "--initiator")) {
        /* Towards "any address" the gateway can only respond. */
        nbrec_vpn_tunnel_set_initiator(t, "response-only");
    }
    if (vpnctl_set_cidrs(ctx, t, "--local-cidrs", "local_cidrs", 0,
                         nbrec_vpn_tunnel_set_local_cidrs)
        && vpnctl_set_cidrs(ctx, t, "--peer-cidrs", "peer_cidrs",
                            VPN_MAX_PEER_CIDRS,
                            nbrec_vpn_tunnel_set_peer_cidrs)
        && vpnctl_apply_ike_options(ctx, t)
        && vpnctl_apply_ipsec_options(ctx, t)
        && vpnctl_apply_other_options(ctx, t)) {
        /* A setting left unset stays empty: its default is the catalog's,
         * applied by whoever reads the row (vpn_nb_tunnel_params()), for
         * rows from any OVSDB client alike. */
        vpnctl_check_tunnel(ctx, t);
    }
}

void
cmd_vpn_tunnel_del(struct ctl_context *ctx)
{
    bool if_exists = shash_find(&ctx->options, "--if-exists") != NULL;

    for (int i = 1; i < ctx->argc; i++) {
        const struct nbrec_vpn_tunnel *t = vpnctl_find_tunnel(ctx,
                                                              ctx->argv[i],
                                                              !if_exists);
        if (t) {
            nbrec_vpn_tunnel_delete(t);
        } else if (ctx->error) {
            return;
        }
    }
}

void
cmd_vpn_tunnel_list(struct ctl_context *ctx)
{
    static const char *columns[] = {
        "name", "id", "gateway", "peer", "created", "status", "connection",
        NULL
    };
    struct table *table = vpnctl_new_table(columns);

    struct sset names = SSET_INITIALIZER(&names);
    const struct nbrec_vpn_tunnel *t;
    NBREC_VPN_TUNNEL_FOR_EACH (t, ctx->idl) {
        sset_add(&names, t->name);
    }
    const char **sorted = sset_sort(&names);
    for (size_t i = 0; i < sset_count(&names); i++) {
        t = vpnctl_find_tunnel(ctx, sorted[i], true);
        table_add_row(table);
        vpnctl_add_text_cell(table, t->name);
        vpnctl_add_format_cell(table, UUID_FMT, UUID_ARGS(&t->header_.uuid));
        vpnctl_add_format_cell(table, "%s (%s)", t->gateway->name,
                               t->gateway->public_ip);
        vpnctl_add_format_cell(table, "%s (%s)", t->peer->name, t->peer->ip);
        table_add_cell(table)->text = vpnctl_format_time(t->created_at,
                                                         t->n_created_at);
        vpnctl_add_text_cell(table, vpnctl_status_of(&t->status, "state"));
        vpnctl_add_text_cell(table, vpnctl_status_of(&t->status,
                                                     "connection"));
    }
    free(sorted);
    sset_destroy(&names);
    ctx->table = table;
}

void
cmd_vpn_tunnel_show(struct ctl_context *ctx)
{
    const struct nbrec_vpn_tunnel *t = vpnctl_find_tunnel(ctx, ctx->argv[1],
                                                          true);
    if (!t) {
        return;
    }
    struct vpn_tunnel_params p;
    vpn_nb_tunnel_params(t, &p);

    struct ds *s = &ctx->output;
    vpnctl_put_line(s, "tunnel %s ("UUID_FMT")\n", t->name,
                  UUID_ARGS(&t->header_.uuid));
    vpnctl_put_line(s, "    gateway: %s (%s)\n", t->gateway->name,
                  t->gateway->public_ip);
    vpnctl_put_line(s, "    peer: %s (%s)\n", t->peer->name, t->peer->ip);
    vpnctl_put_list(s, "local_cidrs", t->local_cidrs, t->n_local_cidrs);
    vpnctl_put_list(s, "peer_cidrs", t->peer_cidrs, t->n_peer_cidrs);
    vpnctl_put_line(s, "    psk: %s\n",
                    vpnctl_show_secrets ? t->psk : SECRET_MASK);
    if (t->comment) {
        vpnctl_put_line(s, "    comment: %s\n", t->comment);
    }
    char *created = vpnctl_format_time(t->created_at, t->n_created_at);
    vpnctl_put_line(s, "    created: %s\n", created);
    free(created);

    /* The catalog's settings in effect, group by group; the identities
     * close the IKE policy. */
    static const struct {
        const char *group, *heading;
    } groups[] = {
        { "IKE", "IKE policy" },
        { "IPsec", "IPsec policy" },
        { "Other", "Options" },
    };
    for (size_t i = 0; i < ARRAY_SIZE(groups); i++) {
        ds_put_format(s, "  %s:\n", groups[i].heading);
        vpnctl_put_settings(s, &p, groups[i].group);
        if (!strcmp(groups[i].group, "IKE")) {
            vpnctl_put_line(s, "    local_id: %s\n",
                            vpn_params_local_id(&p));
            vpnctl_put_line(s, "    peer_id: %s\n",
                            vpn_params_peer_is_any(&p) && !p.peer_id
                            ? "any" : vpn_params_peer_id(&p));
        }
    }

    ds_put_cstr(s, "  Status:\n");
    static const char *keys[] = {
        "state", "reason", "chassis", "connection", "health",
        "connection_reason", "connection_changed", "failed_attempts",
        "last_failure", "last_failure_reason", "bytes_in", "bytes_out",
        "packets_in", "packets_out", NULL
    };
    for (const char **k = keys; *k; k++) {
        const char *value = smap_get(&t->status, *k);
        if (!strcmp(*k, "health")) {
            /* The guide's health series: 1 when connected, else 0. */
            const char *c = smap_get(&t->status, "connection");
            vpnctl_put_line(s, "    health: %d\n",
                            c && !strcmp(c, "connected"));
            continue;
        }
        if (!strcmp(*k, "connection_changed") && value) {
            long long int msec;
            if (str_to_llong(value, 10, &msec)) {
                char *when = xastrftime_msec("%Y-%m-%dT%H:%M:%SZ", msec,
                                             true);
                vpnctl_put_line(s, "    %s: %s\n", *k, when);
                free(when);
                continue;
            }
        }
        if (value || !strcmp(*k, "state") || !strcmp(*k, "connection")) {
            vpnctl_put_line(s, "    %s: %s\n", *k, value ? value : "-");
        }
    }
}

/* Returns the name of the first tunnel, by name, of the IKE SA that tunnel
 * 't' (with parameters 'p') shares with its siblings: those of the same
 * gateway to the same peer address with the same identities (see
 * ovn-vpn-nb(5)); 't''s own name if it shares it with none. */
static const char *
vpnctl_ike_group_name(struct ctl_context *ctx,
                      const struct nbrec_vpn_tunnel *t,
                      const struct vpn_tunnel_params *p)
{
    const char *first = t->name;
    const struct nbrec_vpn_tunnel *other;
    NBREC_VPN_TUNNEL_FOR_EACH (other, ctx->idl) {
        if (other == t || other->gateway != t->gateway
            || strcmp(other->peer->ip, t->peer->ip)
            || strcmp(other->name, first) >= 0) {
            continue;
        }
        struct vpn_tunnel_params op;
        vpn_nb_tunnel_params(other, &op);
        if (nullable_string_is_equal(vpn_params_local_id(&op),
                                     vpn_params_local_id(p))
            && nullable_string_is_equal(vpn_params_peer_id(&op),
                                        vpn_params_peer_id(p))
            && swan_conf_is_valid_name(other->name)) {
            first = other->name;
        }
    }
    return first;
}

/* vpn-tunnel-log NAME: the tunnel's connection events, oldest first. */
void
cmd_vpn_tunnel_log(struct ctl_context *ctx)
{
    const struct nbrec_vpn_tunnel *t = vpnctl_find_tunnel(ctx, ctx->argv[1],
                                                          true);
    if (!t) {
        return;
    }
    /* The IDL keeps a set's strings sorted, as OVSDB does: by time. */
    for (size_t i = 0; i < t->n_connection_log; i++) {
        vpnctl_put_line(&ctx->output, "%s\n", t->connection_log[i]);
    }
}

void
cmd_vpn_tunnel_set_cidrs(struct ctl_context *ctx)
{
    const struct nbrec_vpn_tunnel *t = vpnctl_find_tunnel(ctx, ctx->argv[1],
                                                          true);
    if (t && vpnctl_set_cidrs(ctx, t, "--local-cidrs", "local_cidrs", 0,
                              nbrec_vpn_tunnel_set_local_cidrs)
        && vpnctl_set_cidrs(ctx, t, "--peer-cidrs", "peer_cidrs",
                            VPN_MAX_PEER_CIDRS,
                            nbrec_vpn_tunnel_set_peer_cidrs)) {
        vpnctl_check_tunnel(ctx, t);
    }
}

void
cmd_vpn_tunnel_set_ike(struct ctl_context *ctx)
{
    const struct nbrec_vpn_tunnel *t = vpnctl_find_tunnel(ctx, ctx->argv[1],
                                                          true);
    if (t && vpnctl_apply_ike_options(ctx, t)) {
        const char *version = shash_find_data(&ctx->options,
                                              "--ike-version");
        if (version && !strcmp(version, "ikev2")
            && !shash_find(&ctx->options, "--ike-mode")) {
            /* The mode applies to IKEv1 only (and for IKEv1, an empty
             * mode is the default mode). */
            nbrec_vpn_tunnel_set_ike_mode(t, NULL);
        }
        vpnctl_check_tunnel(ctx, t);
    }
}

void
cmd_vpn_tunnel_set_ipsec(struct ctl_context *ctx)
{
    const struct nbrec_vpn_tunnel *t = vpnctl_find_tunnel(ctx, ctx->argv[1],
                                                          true);
    if (t && vpnctl_apply_ipsec_options(ctx, t)) {
        vpnctl_check_tunnel(ctx, t);
    }
}

void
cmd_vpn_tunnel_set(struct ctl_context *ctx)
{
    const struct nbrec_vpn_tunnel *t = vpnctl_find_tunnel(ctx, ctx->argv[1],
                                                          true);
    if (!t) {
        return;
    }
    const char *name = shash_find_data(&ctx->options, "--name");
    if (name) {
        if (strcmp(name, t->name) && vpnctl_find_tunnel(ctx, name, false)) {
            ctl_error(ctx, "%s: a tunnel with this name already exists",
                      name);
            return;
        }
        nbrec_vpn_tunnel_set_name(t, name);
    }
    if (vpnctl_apply_other_options(ctx, t)) {
        vpnctl_check_tunnel(ctx, t);
    }
}

void
cmd_vpn_tunnel_config(struct ctl_context *ctx)
{
    const struct nbrec_vpn_tunnel *t = vpnctl_find_tunnel(ctx, ctx->argv[1],
                                                          true);
    if (!t) {
        return;
    }
    bool peer_view = shash_find(&ctx->options, "--peer-view") != NULL;
    const char *format = shash_find_data(&ctx->options, "--config-format");
    if (!format) {
        format = "libreswan";
    } else if (strcmp(format, "libreswan") && strcmp(format, "strongswan")) {
        ctl_error(ctx, "--config-format: %s is not libreswan or strongswan",
                  format);
        return;
    }

    struct vpn_tunnel_params p;
    vpn_nb_tunnel_params(t, &p);
    if (!p.local_ip) {
        /* An allocated internal IP is known once ovn-vpn-northd wrote it
         * into the gateway's status. */
        p.local_ip = smap_get(&t->gateway->status, "internal_ip");
    }
    if (!p.local_ip) {
        if (!peer_view) {
            ctl_error(ctx, "%s: internal_ip: the gateway's internal IP is not "
                      "allocated yet (ovn-vpn-northd allocates it)", t->name);
            return;
        }
        /* The remote device's view names only the public IP. */
        p.local_ip = t->gateway->public_ip;
    }
    if (!vpnctl_report(ctx, t->name, swan_conf_check(&p))) {
        return;
    }

    enum swan_conf_view view = peer_view ? SWAN_VIEW_PEER : SWAN_VIEW_PLATFORM;
    struct ds *s = &ctx->output;
    if (!strcmp(format, "strongswan")) {
        ds_put_format(s, "# swanctl.conf for tunnel %s (%s view)\n",
                      t->name, peer_view ? "remote device" : "platform");
        swan_conf_render_swanctl(&p, view, t->name,
                                 vpnctl_ike_group_name(ctx, t, &p),
                                 vpnctl_show_secrets, s);
    } else {
        ds_put_format(s, "# ipsec.conf for tunnel %s (%s view)\n",
                      t->name, peer_view ? "remote device" : "platform");
        swan_conf_render_conn(&p, t->name, view, s);
        if (vpnctl_show_secrets) {
            ds_put_cstr(s, "\n# ipsec.secrets\n");
            swan_conf_render_secret(&p, view, s);
        }
    }
}

static const char *connection_states[] = {
    "connecting", "connected", "phase1-failed", "phase2-failed", NULL
};

void
cmd_vpn_tunnel_wait(struct ctl_context *ctx)
{
    const char *state = ctx->argv[2];
    const char **s;
    for (s = connection_states; *s && strcmp(*s, state); s++) {
        continue;
    }
    if (!*s) {
        ctl_error(ctx, "%s: unknown connection state (expected connecting, "
                  "connected, phase1-failed or phase2-failed)", state);
        return;
    }
    const struct nbrec_vpn_tunnel *t = vpnctl_find_tunnel(ctx, ctx->argv[1],
                                                          false);
    const char *current = t ? smap_get(&t->status, "connection") : NULL;
    if (!current || strcmp(current, state)) {
        ctx->try_again = true;
    }
}
