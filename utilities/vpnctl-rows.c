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

/* Rows and output for ovn-vpnctl (see vpnctl.h): finding gateways, peers,
 * tunnels, routers and switches by name, the checks that every command
 * runs before anything is committed, and table and text output with
 * tenants' strings escaped. */

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
#include "uuid.h"
#include "vpn-catalog.h"
#include "vpn-dirs.h"
#include "vpn-nb.h"
#include "vpn-params.h"
#include "vpn-swan-conf.h"
#include "vpn-validate.h"

#include "vpnctl.h"

VLOG_DEFINE_THIS_MODULE(vpnctl_rows);

/* Row lookup. */

/* Looks up a row of 'table' by name or UUID with db-ctl-base's
 * ctl_get_row() (names as registered in 'tables' above).  If there is none
 * and 'must_exist', reports "ID: WHAT not found", after 'field' and ": "
 * if 'field' is nonnull. */
static const struct ovsdb_idl_row *
vpnctl_find_row(struct ctl_context *ctx,
                const struct ovsdb_idl_table_class *table,
                const char *id, bool must_exist, const char *field,
                const char *what)
{
    const struct ovsdb_idl_row *row;
    char *error = ctl_get_row(ctx, table, id, false, &row);
    if (error) {
        ctl_error(ctx, "%s%s%s", field ? field : "", field ? ": " : "",
                  error);
        free(error);
        return NULL;
    }
    if (!row && must_exist) {
        ctl_error(ctx, "%s%s%s: %s not found", field ? field : "",
                  field ? ": " : "", id, what);
    }
    return row;
}

const struct nbrec_vpn_gateway *
vpnctl_find_gateway(struct ctl_context *ctx, const char *id, bool must_exist)
{
    const struct ovsdb_idl_row *row
        = vpnctl_find_row(ctx, &nbrec_table_vpn_gateway, id, must_exist, NULL,
                          "VPN gateway");
    return ROW_CAST(row, nbrec_vpn_gateway);
}

const struct nbrec_vpn_peer *
vpnctl_find_peer(struct ctl_context *ctx, const char *id, bool must_exist)
{
    const struct ovsdb_idl_row *row
        = vpnctl_find_row(ctx, &nbrec_table_vpn_peer, id, must_exist, NULL,
                          "peer gateway");
    return ROW_CAST(row, nbrec_vpn_peer);
}

const struct nbrec_vpn_tunnel *
vpnctl_find_tunnel(struct ctl_context *ctx, const char *id, bool must_exist)
{
    const struct ovsdb_idl_row *row
        = vpnctl_find_row(ctx, &nbrec_table_vpn_tunnel, id, must_exist, NULL,
                          "tunnel");
    return ROW_CAST(row, nbrec_vpn_tunnel);
}

const struct nbrec_logical_router *
vpnctl_find_router(struct ctl_context *ctx, const char *id)
{
    const struct ovsdb_idl_row *row
        = vpnctl_find_row(ctx, &nbrec_table_logical_router, id, true, "router",
                          "logical router");
    return ROW_CAST(row, nbrec_logical_router);
}

const struct nbrec_logical_switch *
vpnctl_find_switch(struct ctl_context *ctx, const char *id)
{
    const struct ovsdb_idl_row *row
        = vpnctl_find_row(ctx, &nbrec_table_logical_switch, id, true,
                          "logical_switch", "logical switch");
    return ROW_CAST(row, nbrec_logical_switch);
}

/* Validation of what the transaction is about to commit: every check
 * failure becomes the command's error, so nothing is written. */

bool
vpnctl_report(struct ctl_context *ctx, const char *name, char *error)
{
    if (error) {
        ctl_error(ctx, "%s: %s", name, error);
        free(error);
        return false;
    }
    return true;
}

bool
vpnctl_check_gateway(struct ctl_context *ctx,
                     const struct nbrec_vpn_gateway *gw)
{
    return vpnctl_report(ctx, gw->name, vpn_nb_check_gateway(gw, ctx->idl));
}

/* Tunnels are checked once every command of the transaction has run
 * (vpnctl_check_pending()), against the rows as the transaction leaves
 * them: "vpn-tunnel-set-ike t1 -- vpn-tunnel-set-ike t2" may change a
 * setting that siblings must share on each of them, which no single
 * command's result could pass.  The tunnels to check, by UUID, in the
 * order the commands named them. */
static struct svec pending_tunnels = SVEC_EMPTY_INITIALIZER;

void
vpnctl_check_tunnel(struct ctl_context *ctx OVS_UNUSED,
                    const struct nbrec_vpn_tunnel *t)
{
    char uuid_s[UUID_LEN + 1];
    snprintf(uuid_s, sizeof uuid_s, UUID_FMT, UUID_ARGS(&t->header_.uuid));
    if (!svec_contains_unsorted(&pending_tunnels, uuid_s)) {
        svec_add(&pending_tunnels, uuid_s);
    }
}

/* Checks every tunnel that uses 'gw' or 'peer' (either may be NULL), once
 * the transaction's commands have run. */
void
vpnctl_check_tunnels_of(struct ctl_context *ctx,
                        const struct nbrec_vpn_gateway *gw,
                        const struct nbrec_vpn_peer *peer)
{
    const struct nbrec_vpn_tunnel *t;
    NBREC_VPN_TUNNEL_FOR_EACH (t, ctx->idl) {
        if (t->gateway == gw || t->peer == peer) {
            vpnctl_check_tunnel(ctx, t);
        }
    }
}

/* The cross-row rules, for pending tunnel number 'i': the tunnels that the
 * transaction leaves untouched count, and those it touched count for the
 * ones the commands named after them, as if each command had run alone
 * ("first come": the later tunnel is the one in error), unless they are
 * in error themselves (vpn_nb_counts_unless_error()). */
struct pending_order {
    struct shash positions;     /* UUID string -> position + 1. */
    size_t i;
};

static bool
vpnctl_counts_pending(const struct nbrec_vpn_tunnel *t,
                      const struct nbrec_vpn_tunnel *other, void *order_)
{
    const struct pending_order *order = order_;
    if (!vpn_nb_counts_unless_error(t, other, NULL)) {
        return false;
    }
    char uuid_s[UUID_LEN + 1];
    snprintf(uuid_s, sizeof uuid_s, UUID_FMT,
             UUID_ARGS(&other->header_.uuid));
    void *data = shash_find_data(&order->positions, uuid_s);
    uintptr_t pos = (uintptr_t) data;
    return !pos || pos - 1 < order->i;
}

/* Checks the tunnels that the transaction's commands created or changed,
 * and those of the gateways and peers they changed, that still exist.
 * Returns false, with the first failure as 'ctx''s error, if one fails:
 * then nothing may be written. */
bool
vpnctl_check_pending(struct ctl_context *ctx)
{
    struct pending_order order = { .i = 0 };
    shash_init(&order.positions);
    const struct nbrec_vpn_tunnel **tunnels = NULL;
    size_t n = 0, allocated = 0;
    const char *uuid_s;
    size_t i;
    SVEC_FOR_EACH (i, uuid_s, &pending_tunnels) {
        struct uuid uuid;
        const struct nbrec_vpn_tunnel *t
            = (uuid_from_string(&uuid, uuid_s)
               ? nbrec_vpn_tunnel_get_for_uuid(ctx->idl, &uuid) : NULL);
        if (t) {
            if (n >= allocated) {
                tunnels = x2nrealloc(tunnels, &allocated, sizeof *tunnels);
            }
            tunnels[n++] = t;
            shash_add(&order.positions, uuid_s, (void *) (uintptr_t) n);
        }
    }
    svec_clear(&pending_tunnels);

    bool ok = true;
    if (n) {
        struct vpn_nb_index index;
        vpn_nb_index_init(&index);
        vpn_nb_index_build(&index, ctx->idl);
        for (order.i = 0; ok && order.i < n; order.i++) {
            const struct nbrec_vpn_tunnel *t = tunnels[order.i];
            ok = vpnctl_report(ctx, t->name,
                               vpn_nb_check_tunnel(t, &index,
                                                   vpnctl_counts_pending,
                                                   &order));
        }
        vpn_nb_index_destroy(&index);
    }
    shash_destroy(&order.positions);
    free(tunnels);
    return ok;
}

/* Forgets the tunnels to check: the transaction is abandoned, to be run
 * again. */
void
vpnctl_forget_pending(void)
{
    svec_clear(&pending_tunnels);
}

/* Adds the non-empty words of 's', separated by any of 'delimiters', to
 * 'words' in order. */
void
vpnctl_split_words(struct svec *words, const char *s, const char *delimiters)
{
    char *copy = xstrdup(s);
    char *save = NULL;
    for (char *word = strtok_r(copy, delimiters, &save); word;
         word = strtok_r(NULL, delimiters, &save)) {
        svec_add(words, word);
    }
    free(copy);
}

size_t
vpnctl_count_tunnels(struct ctl_context *ctx,
                     const struct nbrec_vpn_gateway *gw,
                     const struct nbrec_vpn_peer *peer)
{
    size_t n = 0;
    const struct nbrec_vpn_tunnel *t;
    NBREC_VPN_TUNNEL_FOR_EACH (t, ctx->idl) {
        n += (gw && t->gateway == gw) || (peer && t->peer == peer);
    }
    return n;
}

const char *
vpnctl_status_of(const struct smap *status, const char *key)
{
    const char *value = smap_get(status, key);
    return value && value[0] ? value : "-";
}

/* Cells and lines of the vpn-* commands' output hold names, comments and
 * reasons that tenants wrote: vpn_put_printable() shows their control
 * characters escaped, so that none can forge a line or drive a terminal.
 * A line ends with at most one '\n' of the caller's. */
static char *
vpnctl_printable(const char *text)
{
    struct ds s = DS_EMPTY_INITIALIZER;
    size_t len = strlen(text);
    bool newline = len && text[len - 1] == '\n';
    vpn_put_printable(&s, text, len - newline);
    if (newline) {
        ds_put_char(&s, '\n');
    }
    return ds_steal_cstr(&s);
}

void
vpnctl_put_line(struct ds *s, const char *format, ...)
{
    va_list args;
    va_start(args, format);
    char *text = xvasprintf(format, args);
    va_end(args);
    char *safe = vpnctl_printable(text);
    ds_put_cstr(s, safe);
    free(safe);
    free(text);
}

void
vpnctl_add_text_cell(struct table *table, const char *text)
{
    table_add_cell(table)->text = vpnctl_printable(text);
}

void
vpnctl_add_format_cell(struct table *table, const char *format, ...)
{
    va_list args;
    va_start(args, format);
    char *text = xvasprintf(format, args);
    va_end(args);
    table_add_cell(table)->text = vpnctl_printable(text);
    free(text);
}

char *
vpnctl_format_time(const int64_t *msec, size_t n)
{
    return n ? xastrftime_msec("%Y-%m-%dT%H:%M:%SZ", msec[0], true)
             : xstrdup("-");
}

struct table *
vpnctl_new_table(const char *columns[])
{
    struct table *table = xmalloc(sizeof *table);
    table_init(table);
    for (const char **c = columns; *c; c++) {
        table_add_column(table, "%s", *c);
    }
    return table;
}

void
vpnctl_put_list(struct ds *s, const char *label, char **values, size_t n)
{
    struct svec v = SVEC_EMPTY_INITIALIZER;
    for (size_t i = 0; i < n; i++) {
        svec_add(&v, values[i]);
    }
    svec_sort(&v);
    char *joined = svec_join(&v, " ", "");
    vpnctl_put_line(s, "    %s: %s\n", label, joined);
    free(joined);
    svec_destroy(&v);
}
