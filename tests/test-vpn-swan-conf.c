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

/* Test driver for lib/vpn-swan-conf.c: builds a tunnel's parameters from a
 * fixed base and KEY=VALUE arguments, then prints what one renderer
 * produces for it, so that tests/vpn-swan-conf.at can compare the text
 * with golden output or feed it to libreswan.
 *
 * Usage: test-vpn-swan-conf COMMAND [ARG] [KEY=VALUE | unset=KEY]...
 *
 *   names                      the algorithm name tables
 *   check                      "ok", or the error and exit status 1
 *   proposals                  libreswan's ike= and esp=/ah= values
 *   conn VIEW                  a conn section (VIEW: platform or peer)
 *   secret VIEW                an ipsec.secrets line
 *   ipsec-conf VIEW            "config setup", then the conn section
 *   swanctl VIEW               a swanctl.conf connections section
 *   swanctl-secret VIEW        the same with its secrets section
 *   setup [LOGFILE]            a "config setup" section
 *   render-unchecked VIEW      renders without checking (must abort)
 *
 * KEY is a member of struct vpn_tunnel_params ("local_cidrs" and
 * "peer_cidrs" take comma-separated lists) or "conn", the connection name
 * (default "t1").  VALUE may use the escapes \n, \r, \t, \\, \" and \xHH,
 * so that injection attempts can be written on a command line.
 * "unset=KEY" sets a string member to NULL.  The base tunnel is the
 * defaults of vpn-params.h between 192.168.100.5 (public 203.0.113.5,
 * 10.0.0.0/24) and 198.51.100.7 (172.16.0.0/16). */

#include <config.h>

#include "vpn-swan-conf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "openvswitch/dynamic-string.h"
#include "openvswitch/util.h"
#include "svec.h"
#include "util.h"
#include "vpn-params.h"

struct test_ctx {
    struct vpn_tunnel_params p;
    const char *conn_name;
    const char *ike_name;           /* NULL: conn_name. */
    struct svec strings;        /* Owns decoded strings. */
    const char **local_cidrs;   /* Owned arrays. */
    const char **peer_cidrs;
};

static void usage(void) OVS_NO_RETURN;
static void parse_args(struct test_ctx *, int argc, char *argv[]);
static const char *save_decoded(struct test_ctx *, const char *);
static const char **parse_list(struct test_ctx *, const char *,
                               size_t *n);
static enum swan_conf_view parse_view(const char *);
static bool check_or_print(const struct test_ctx *);
static void print_names(void);

int
main(int argc, char *argv[])
{
    set_program_name(argv[0]);
    if (argc < 2) {
        usage();
    }

    const char *command = argv[1];
    struct ds ds = DS_EMPTY_INITIALIZER;
    struct test_ctx ctx;
    int status = 0;
    int first = 2;

    bool has_view = (!strcmp(command, "conn")
                     || !strcmp(command, "secret")
                     || !strcmp(command, "ipsec-conf")
                     || !strcmp(command, "swanctl")
                     || !strcmp(command, "swanctl-secret")
                     || !strcmp(command, "render-unchecked"));
    enum swan_conf_view view = SWAN_VIEW_PLATFORM;
    if (has_view) {
        if (argc < 3) {
            usage();
        }
        view = parse_view(argv[2]);
        first = 3;
    }

    if (!strcmp(command, "names")) {
        print_names();
        return 0;
    } else if (!strcmp(command, "setup")) {
        swan_conf_render_setup(&ds, argc > 2 ? argv[2] : NULL);
        fputs(ds_cstr(&ds), stdout);
        ds_destroy(&ds);
        return 0;
    }

    parse_args(&ctx, argc - first, argv + first);

    if (!strcmp(command, "check")) {
        status = check_or_print(&ctx) ? 0 : 1;
        if (!status) {
            puts("ok");
        }
    } else if (!strcmp(command, "render-unchecked")) {
        swan_conf_render_conn(&ctx.p, ctx.conn_name, view, &ds);
        puts("rendered");
        status = 1;
    } else if (!check_or_print(&ctx)) {
        status = 1;
    } else if (!strcmp(command, "proposals")) {
        ds_put_cstr(&ds, "ike=");
        swan_conf_format_ike(&ctx.p, &ds);
        ds_put_format(&ds, "\n%s=", ctx.p.ipsec_protocol);
        swan_conf_format_phase2(&ctx.p, &ds);
        ds_put_char(&ds, '\n');
    } else if (!strcmp(command, "conn")) {
        swan_conf_render_conn(&ctx.p, ctx.conn_name, view, &ds);
    } else if (!strcmp(command, "secret")) {
        swan_conf_render_secret(&ctx.p, view, &ds);
    } else if (!strcmp(command, "ipsec-conf")) {
        swan_conf_render_setup(&ds, NULL);
        ds_put_char(&ds, '\n');
        swan_conf_render_conn(&ctx.p, ctx.conn_name, view, &ds);
    } else if (!strcmp(command, "swanctl")
               || !strcmp(command, "swanctl-secret")) {
        swan_conf_render_swanctl(&ctx.p, view, ctx.conn_name, ctx.ike_name,
                                 !strcmp(command, "swanctl-secret"), &ds);
    } else {
        usage();
    }

    fputs(ds_cstr(&ds), stdout);
    ds_destroy(&ds);
    svec_destroy(&ctx.strings);
    free(ctx.local_cidrs);
    free(ctx.peer_cidrs);
    return status;
}

/* Static functions. */

static void
usage(void)
{
    fprintf(stderr, "usage: %s COMMAND [VIEW] [KEY=VALUE | unset=KEY]...\n"
            "(see the comment at the top of tests/test-vpn-swan-conf.c)\n",
            program_name);
    exit(2);
}

static void
parse_args(struct test_ctx *ctx, int argc, char *argv[])
{
    struct vpn_tunnel_params *p = &ctx->p;

    vpn_params_init(p);
    svec_init(&ctx->strings);
    ctx->conn_name = "t1";
    ctx->local_cidrs = NULL;
    ctx->peer_cidrs = NULL;

    p->name = "t1";
    p->local_ip = "192.168.100.5";
    p->local_public_ip = "203.0.113.5";
    p->peer_ip = "198.51.100.7";
    p->psk = "Secret-PSK-1234";
    p->local_cidrs = ctx->local_cidrs = xmalloc(sizeof *p->local_cidrs);
    p->local_cidrs[0] = "10.0.0.0/24";
    p->n_local_cidrs = 1;
    p->peer_cidrs = ctx->peer_cidrs = xmalloc(sizeof *p->peer_cidrs);
    p->peer_cidrs[0] = "172.16.0.0/16";
    p->n_peer_cidrs = 1;

    for (int i = 0; i < argc; i++) {
        const char *eq = strchr(argv[i], '=');
        if (!eq) {
            usage();
        }
        char *key = xmemdup0(argv[i], eq - argv[i]);
        const char *raw = eq + 1;

        struct {
            const char *key;
            const char **member;
        } strings[] = {
            { "conn", &ctx->conn_name },
            { "ike_name", &ctx->ike_name },
            { "name", &p->name },
            { "local_ip", &p->local_ip },
            { "local_public_ip", &p->local_public_ip },
            { "peer_ip", &p->peer_ip },
            { "local_id", &p->local_id },
            { "peer_id", &p->peer_id },
            { "psk", &p->psk },
            { "ike_version", &p->ike_version },
            { "ike_mode", &p->ike_mode },
            { "ike_encryption", &p->ike_encryption },
            { "ike_integrity", &p->ike_integrity },
            { "ipsec_protocol", &p->ipsec_protocol },
            { "ipsec_encryption", &p->ipsec_encryption },
            { "ipsec_integrity", &p->ipsec_integrity },
            { "dpd_action", &p->dpd_action },
            { "initiator", &p->initiator },
        };
        struct {
            const char *key;
            int *member;
        } ints[] = {
            { "ike_dh_group", &p->ike_dh_group },
            { "ike_lifetime", &p->ike_lifetime },
            { "ipsec_pfs_group", &p->ipsec_pfs_group },
            { "ipsec_lifetime", &p->ipsec_lifetime },
            { "dpd_delay", &p->dpd_delay },
            { "dpd_timeout", &p->dpd_timeout },
        };
        bool found = false;

        if (!strcmp(key, "unset")) {
            for (size_t j = 0; j < ARRAY_SIZE(strings); j++) {
                if (!strcmp(raw, strings[j].key)) {
                    *strings[j].member = NULL;
                    found = true;
                }
            }
        } else if (!strcmp(key, "local_cidrs")) {
            free(ctx->local_cidrs);
            p->local_cidrs = ctx->local_cidrs
                = parse_list(ctx, raw, &p->n_local_cidrs);
            found = true;
        } else if (!strcmp(key, "peer_cidrs")) {
            free(ctx->peer_cidrs);
            p->peer_cidrs = ctx->peer_cidrs
                = parse_list(ctx, raw, &p->n_peer_cidrs);
            found = true;
        }
        for (size_t j = 0; !found && j < ARRAY_SIZE(strings); j++) {
            if (!strcmp(key, strings[j].key)) {
                *strings[j].member = save_decoded(ctx, raw);
                found = true;
            }
        }
        for (size_t j = 0; !found && j < ARRAY_SIZE(ints); j++) {
            if (!strcmp(key, ints[j].key)) {
                if (!str_to_int(raw, 10, ints[j].member)) {
                    ovs_fatal(0, "%s: bad integer", argv[i]);
                }
                found = true;
            }
        }
        if (!found) {
            ovs_fatal(0, "%s: unknown key", argv[i]);
        }
        free(key);
    }

    vpn_params_apply_defaults(p);
}

/* Decodes the escapes of 's' into a string that 'ctx' keeps. */
static const char *
save_decoded(struct test_ctx *ctx, const char *s)
{
    struct ds ds = DS_EMPTY_INITIALIZER;

    for (; *s; s++) {
        if (*s != '\\' || !s[1]) {
            ds_put_char(&ds, *s);
            continue;
        }
        s++;
        switch (*s) {
        case 'n':
            ds_put_char(&ds, '\n');
            break;
        case 'r':
            ds_put_char(&ds, '\r');
            break;
        case 't':
            ds_put_char(&ds, '\t');
            break;
        case 'x': {
            int c;
            if (sscanf(s + 1, "%2x", &c) != 1) {
                ovs_fatal(0, "bad \\x escape");
            }
            ds_put_char(&ds, c);
            s += 2;
            break;
        }
        default:
            ds_put_char(&ds, *s);
            break;
        }
    }
    svec_add_nocopy(&ctx->strings, ds_steal_cstr(&ds));
    return ctx->strings.names[ctx->strings.n - 1];
}

/* Splits comma-separated 's' into a new array of decoded strings. */
static const char **
parse_list(struct test_ctx *ctx, const char *s, size_t *n)
{
    char *copy = xstrdup(s);
    char *save_ptr = NULL;
    const char **list = NULL;

    *n = 0;
    for (char *token = strtok_r(copy, ",", &save_ptr); token;
         token = strtok_r(NULL, ",", &save_ptr)) {
        list = xrealloc(list, (*n + 1) * sizeof *list);
        list[(*n)++] = save_decoded(ctx, token);
    }
    free(copy);
    return list;
}

static enum swan_conf_view
parse_view(const char *s)
{
    if (!strcmp(s, "platform")) {
        return SWAN_VIEW_PLATFORM;
    } else if (!strcmp(s, "peer")) {
        return SWAN_VIEW_PEER;
    }
    ovs_fatal(0, "%s: unknown view (use platform or peer)", s);
}

/* Prints the connection name's or the parameters' error, if any, and
 * returns true if there is none. */
static bool
check_or_print(const struct test_ctx *ctx)
{
    if (!swan_conf_is_valid_name(ctx->conn_name)) {
        puts("error: invalid connection name");
        return false;
    }

    char *error = swan_conf_check(&ctx->p);
    if (error) {
        printf("error: %s\n", error);
        free(error);
        return false;
    }
    return true;
}

static void
print_names(void)
{
    static const int groups[] = { 0, 1, 2, 5, 14, 19, 20, 21, 24, 31, 32 };
    static const char *const encryptions[] = {
        "3des", "aes128", "aes192", "aes256", "aes", "des",
    };
    static const char *const integrities[] = {
        "md5", "sha1", "sha2-256", "sha2_256", "sha256",
    };

    for (size_t i = 0; i < ARRAY_SIZE(groups); i++) {
        const char *name = swan_conf_dh_name(groups[i]);
        printf("dh %d: %s\n", groups[i], name ? name : "(none)");
    }
    for (size_t i = 0; i < ARRAY_SIZE(encryptions); i++) {
        const char *name = swan_conf_encryption_name(encryptions[i]);
        printf("encryption %s: %s\n", encryptions[i], name ? name : "(none)");
    }
    for (size_t i = 0; i < ARRAY_SIZE(integrities); i++) {
        const char *name = swan_conf_integrity_name(integrities[i]);
        printf("integrity %s: %s\n", integrities[i], name ? name : "(none)");
    }
}
