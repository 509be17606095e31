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

/* The gateway and peer gateway commands of ovn-vpnctl (see vpnctl.h). */

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
#include "vpn-dirs.h"
#include "vpn-nb.h"
#include "vpn-params.h"
#include "vpn-swan-conf.h"
#include "vpn-validate.h"

#include "vpnctl.h"

VLOG_DEFINE_THIS_MODULE(vpnctl_gateway);

/* Parses "--chassis=CH[:PRIO],..." into 'names' and 'prios'.  A chassis
 * without a priority gets one below the previous (so that the list's
 * order is the preference order). */
static char *
vpnctl_parse_chassis(const char *arg, struct svec *names, int64_t **priosp,
                     size_t *n)
{
    struct svec words = SVEC_EMPTY_INITIALIZER;
    vpnctl_split_words(&words, arg, ",");
    int64_t *prios = xcalloc(MAX(words.n, 1), sizeof *prios);
    int next = 32767;
    char *error = NULL;

    for (size_t i = 0; i < words.n && !error; i++) {
        char *name = xstrdup(words.names[i]);
        char *colon = strchr(name, ':');
        int prio = next;
        if (colon) {
            *colon = '\0';
            error = vpn_parse_int("chassis", colon + 1, 0, 32767, &prio);
        }
        if (!error && !name[0]) {
            error = xstrdup("chassis: empty chassis name");
        }
        if (!error && svec_contains_unsorted(names, name)) {
            error = xasprintf("chassis: %s listed twice", name);
        }
        if (!error) {
            svec_add(names, name);
            prios[names->n - 1] = prio;
            next = MAX(prio - 1, 0);
        }
        free(name);
    }
    svec_destroy(&words);
    if (error) {
        free(prios);
        return error;
    }
    *priosp = prios;
    *n = names->n;
    return NULL;
}

static bool
vpnctl_set_gateway_chassis(struct ctl_context *ctx,
                           const struct nbrec_vpn_gateway *gw, const char *arg)
{
    struct svec names = SVEC_EMPTY_INITIALIZER;
    int64_t *prios;
    size_t n;
    char *error = vpnctl_parse_chassis(arg, &names, &prios, &n);
    if (error) {
        svec_destroy(&names);
        return vpnctl_report(ctx, gw->name, error);
    }
    nbrec_vpn_gateway_set_chassis(gw, (const char **) names.names, prios, n);
    svec_destroy(&names);
    free(prios);
    return true;
}

/* Gateway commands. */

void
cmd_vpn_gateway_add(struct ctl_context *ctx)
{
    const char *name = ctx->argv[1];
    bool may_exist = shash_find(&ctx->options, "--may-exist") != NULL;

    if (vpnctl_find_gateway(ctx, name, false)) {
        if (!may_exist) {
            ctl_error(ctx, "%s: a VPN gateway with this name already exists",
                      name);
        }
        return;
    }
    char *error = vpn_check_name("name", name);
    if (!vpnctl_report(ctx, name, error)) {
        return;
    }
    const struct nbrec_logical_router *lr = vpnctl_find_router(ctx,
                                                               ctx->argv[2]);
    if (!lr) {
        return;
    }
    const struct nbrec_logical_switch *ls = vpnctl_find_switch(ctx,
                                                               ctx->argv[3]);
    if (!ls) {
        return;
    }

    const struct nbrec_vpn_gateway *gw = nbrec_vpn_gateway_insert(ctx->txn);
    nbrec_vpn_gateway_set_name(gw, name);
    nbrec_vpn_gateway_set_router(gw, lr);
    nbrec_vpn_gateway_set_logical_switch(gw, ls);
    nbrec_vpn_gateway_set_public_ip(gw, ctx->argv[4]);
    int64_t now = time_wall_msec();
    nbrec_vpn_gateway_set_created_at(gw, &now, 1);

    const char *internal_ip = shash_find_data(&ctx->options,
                                              "--internal-ip");
    if (internal_ip) {
        nbrec_vpn_gateway_set_internal_ip(gw, internal_ip);
    }
    const char *comment = shash_find_data(&ctx->options, "--comment");
    if (comment) {
        nbrec_vpn_gateway_set_comment(gw, comment);
    }
    const char *chassis = shash_find_data(&ctx->options, "--chassis");
    if (chassis && !vpnctl_set_gateway_chassis(ctx, gw, chassis)) {
        return;
    }
    vpnctl_check_gateway(ctx, gw);
}

/* Returns true if no tunnel uses gateway 'gw' or peer 'peer' (either may be
 * NULL); otherwise reports, naming them, that the row called 'name' (a
 * 'what') is in use and returns false. */
static bool
vpnctl_check_unused(struct ctl_context *ctx, const char *name,
                    const char *what,
                    const struct nbrec_vpn_gateway *gw,
                    const struct nbrec_vpn_peer *peer)
{
    struct svec users = SVEC_EMPTY_INITIALIZER;
    const struct nbrec_vpn_tunnel *t;
    NBREC_VPN_TUNNEL_FOR_EACH (t, ctx->idl) {
        if ((gw && t->gateway == gw) || (peer && t->peer == peer)) {
            svec_add(&users, t->name);
        }
    }
    bool unused = !users.n;
    if (!unused) {
        svec_sort(&users);
        char *list = svec_join(&users, ", ", "");
        ctl_error(ctx, "%s: %s is used by tunnel%s %s; delete %s first",
                  name, what, users.n > 1 ? "s" : "", list,
                  users.n > 1 ? "them" : "it");
        free(list);
    }
    svec_destroy(&users);
    return unused;
}

void
cmd_vpn_gateway_del(struct ctl_context *ctx)
{
    bool if_exists = shash_find(&ctx->options, "--if-exists") != NULL;

    for (int i = 1; i < ctx->argc; i++) {
        const struct nbrec_vpn_gateway *gw = vpnctl_find_gateway(ctx,
                                                                 ctx->argv[i],
                                                                 !if_exists);
        if (!gw) {
            if (ctx->error) {
                return;
            }
            continue;
        }
        if (!vpnctl_check_unused(ctx, gw->name, "VPN gateway", gw, NULL)) {
            return;
        }
        nbrec_vpn_gateway_delete(gw);
    }
}

void
cmd_vpn_gateway_list(struct ctl_context *ctx)
{
    static const char *columns[] = {
        "name", "id", "vpc", "subnet", "public_ip", "tunnels", "status",
        NULL
    };
    struct table *table = vpnctl_new_table(columns);

    struct smap sorted = SMAP_INITIALIZER(&sorted);
    const struct nbrec_vpn_gateway *gw;
    NBREC_VPN_GATEWAY_FOR_EACH (gw, ctx->idl) {
        smap_add_format(&sorted, gw->name, UUID_FMT,
                        UUID_ARGS(&gw->header_.uuid));
    }
    const struct smap_node **nodes = smap_sort(&sorted);
    for (size_t i = 0; i < smap_count(&sorted); i++) {
        gw = vpnctl_find_gateway(ctx, nodes[i]->key, true);
        table_add_row(table);
        vpnctl_add_text_cell(table, gw->name);
        vpnctl_add_format_cell(table, UUID_FMT, UUID_ARGS(&gw->header_.uuid));
        vpnctl_add_text_cell(table, gw->router->name);
        vpnctl_add_text_cell(table, gw->logical_switch->name);
        vpnctl_add_text_cell(table, gw->public_ip);
        vpnctl_add_format_cell(table, "%"PRIuSIZE, vpnctl_count_tunnels(ctx,
                                                                        gw,
                                                                        NULL));
        vpnctl_add_text_cell(table, vpnctl_status_of(&gw->status, "state"));
    }
    free(nodes);
    smap_destroy(&sorted);
    ctx->table = table;
}

static void
vpnctl_show_gateway(struct ctl_context *ctx,
                    const struct nbrec_vpn_gateway *gw)
{
    struct ds *s = &ctx->output;
    vpnctl_put_line(s, "gateway %s ("UUID_FMT")\n", gw->name,
                  UUID_ARGS(&gw->header_.uuid));
    vpnctl_put_line(s, "    vpc: %s\n", gw->router->name);
    vpnctl_put_line(s, "    subnet: %s\n", gw->logical_switch->name);
    vpnctl_put_line(s, "    public_ip: %s\n", gw->public_ip);
    vpnctl_put_line(s, "    internal_ip: %s\n",
                  gw->internal_ip ? gw->internal_ip
                  : vpnctl_status_of(&gw->status, "internal_ip"));
    if (gw->n_chassis) {
        ds_put_cstr(s, "    chassis:");
        for (size_t i = 0; i < gw->n_chassis; i++) {
            vpnctl_put_line(s, " %s:%"PRId64, gw->key_chassis[i],
                          gw->value_chassis[i]);
        }
        ds_put_char(s, '\n');
    }
    if (gw->comment) {
        vpnctl_put_line(s, "    comment: %s\n", gw->comment);
    }
    char *created = vpnctl_format_time(gw->created_at, gw->n_created_at);
    vpnctl_put_line(s, "    created: %s\n", created);
    free(created);
    vpnctl_put_line(s, "    status: %s\n", vpnctl_status_of(&gw->status,
                                                            "state"));
    const char *reason = smap_get(&gw->status, "reason");
    if (reason) {
        vpnctl_put_line(s, "    reason: %s\n", reason);
    }
    const char *chassis = smap_get(&gw->status, "chassis");
    if (chassis) {
        vpnctl_put_line(s, "    active chassis: %s\n", chassis);
    }

    struct sset tunnels = SSET_INITIALIZER(&tunnels);
    const struct nbrec_vpn_tunnel *t;
    NBREC_VPN_TUNNEL_FOR_EACH (t, ctx->idl) {
        if (t->gateway == gw) {
            sset_add(&tunnels, t->name);
        }
    }
    if (!sset_is_empty(&tunnels)) {
        ds_put_cstr(s, "    tunnels:");
        const char **names = sset_sort(&tunnels);
        for (size_t i = 0; i < sset_count(&tunnels); i++) {
            vpnctl_put_line(s, " %s", names[i]);
        }
        free(names);
        ds_put_char(s, '\n');
    }
    sset_destroy(&tunnels);
}

void
cmd_vpn_gateway_show(struct ctl_context *ctx)
{
    if (ctx->argc > 1) {
        const struct nbrec_vpn_gateway *gw = vpnctl_find_gateway(ctx,
                                                                 ctx->argv[1],
                                                                 true);
        if (gw) {
            vpnctl_show_gateway(ctx, gw);
        }
        return;
    }

    struct sset names = SSET_INITIALIZER(&names);
    const struct nbrec_vpn_gateway *gw;
    NBREC_VPN_GATEWAY_FOR_EACH (gw, ctx->idl) {
        sset_add(&names, gw->name);
    }
    const char **sorted = sset_sort(&names);
    for (size_t i = 0; i < sset_count(&names); i++) {
        vpnctl_show_gateway(ctx, vpnctl_find_gateway(ctx, sorted[i], true));
    }
    free(sorted);
    sset_destroy(&names);
}

void
cmd_vpn_gateway_set(struct ctl_context *ctx)
{
    const struct nbrec_vpn_gateway *gw = vpnctl_find_gateway(ctx, ctx->argv[1],
                                                             true);
    if (!gw) {
        return;
    }
    const char *name = shash_find_data(&ctx->options, "--name");
    if (name) {
        if (strcmp(name, gw->name) && vpnctl_find_gateway(ctx, name, false)) {
            ctl_error(ctx, "%s: a VPN gateway with this name already exists",
                      name);
            return;
        }
        nbrec_vpn_gateway_set_name(gw, name);
    }
    const char *comment = shash_find_data(&ctx->options, "--comment");
    if (comment) {
        nbrec_vpn_gateway_set_comment(gw, comment[0] ? comment : NULL);
    }
    const char *internal_ip = shash_find_data(&ctx->options,
                                              "--internal-ip");
    if (internal_ip) {
        nbrec_vpn_gateway_set_internal_ip(gw, internal_ip[0] ? internal_ip
                                                             : NULL);
    }
    const char *chassis = shash_find_data(&ctx->options, "--chassis");
    if (chassis && !vpnctl_set_gateway_chassis(ctx, gw, chassis)) {
        return;
    }
    if (vpnctl_check_gateway(ctx, gw)) {
        vpnctl_check_tunnels_of(ctx, gw, NULL);
    }
}

/* Peer commands. */

void
cmd_vpn_peer_add(struct ctl_context *ctx)
{
    const char *name = ctx->argv[1];
    bool may_exist = shash_find(&ctx->options, "--may-exist") != NULL;

    if (vpnctl_find_peer(ctx, name, false)) {
        if (!may_exist) {
            ctl_error(ctx, "%s: a peer gateway with this name already "
                      "exists", name);
        }
        return;
    }
    const struct nbrec_vpn_peer *peer = nbrec_vpn_peer_insert(ctx->txn);
    nbrec_vpn_peer_set_name(peer, name);
    nbrec_vpn_peer_set_ip(peer, ctx->argv[2]);
    int64_t now = time_wall_msec();
    nbrec_vpn_peer_set_created_at(peer, &now, 1);
    const char *comment = shash_find_data(&ctx->options, "--comment");
    if (comment) {
        nbrec_vpn_peer_set_comment(peer, comment);
    }
    vpnctl_report(ctx, name, vpn_nb_check_peer(peer));
}

void
cmd_vpn_peer_del(struct ctl_context *ctx)
{
    bool if_exists = shash_find(&ctx->options, "--if-exists") != NULL;

    for (int i = 1; i < ctx->argc; i++) {
        const struct nbrec_vpn_peer *peer = vpnctl_find_peer(ctx, ctx->argv[i],
                                                             !if_exists);
        if (!peer) {
            if (ctx->error) {
                return;
            }
            continue;
        }
        if (!vpnctl_check_unused(ctx, peer->name, "peer gateway", NULL,
                                 peer)) {
            return;
        }
        nbrec_vpn_peer_delete(peer);
    }
}

void
cmd_vpn_peer_list(struct ctl_context *ctx)
{
    static const char *columns[] = {
        "name", "id", "ip", "tunnels", NULL
    };
    struct table *table = vpnctl_new_table(columns);

    struct sset names = SSET_INITIALIZER(&names);
    const struct nbrec_vpn_peer *peer;
    NBREC_VPN_PEER_FOR_EACH (peer, ctx->idl) {
        sset_add(&names, peer->name);
    }
    const char **sorted = sset_sort(&names);
    for (size_t i = 0; i < sset_count(&names); i++) {
        peer = vpnctl_find_peer(ctx, sorted[i], true);
        table_add_row(table);
        vpnctl_add_text_cell(table, peer->name);
        vpnctl_add_format_cell(table, UUID_FMT,
                               UUID_ARGS(&peer->header_.uuid));
        vpnctl_add_text_cell(table, peer->ip);
        vpnctl_add_format_cell(table, "%"PRIuSIZE, vpnctl_count_tunnels(ctx,
                                                                        NULL,
                                                                        peer));
    }
    free(sorted);
    sset_destroy(&names);
    ctx->table = table;
}

void
cmd_vpn_peer_set(struct ctl_context *ctx)
{
    const struct nbrec_vpn_peer *peer = vpnctl_find_peer(ctx, ctx->argv[1],
                                                         true);
    if (!peer) {
        return;
    }
    const char *name = shash_find_data(&ctx->options, "--name");
    if (name) {
        if (strcmp(name, peer->name) && vpnctl_find_peer(ctx, name, false)) {
            ctl_error(ctx, "%s: a peer gateway with this name already "
                      "exists", name);
            return;
        }
        nbrec_vpn_peer_set_name(peer, name);
    }
    const char *ip = shash_find_data(&ctx->options, "--ip");
    if (ip) {
        nbrec_vpn_peer_set_ip(peer, ip);
    }
    const char *comment = shash_find_data(&ctx->options, "--comment");
    if (comment) {
        nbrec_vpn_peer_set_comment(peer, comment[0] ? comment : NULL);
    }
    if (vpnctl_report(ctx, peer->name, vpn_nb_check_peer(peer))) {
        vpnctl_check_tunnels_of(ctx, NULL, peer);
    }
}
