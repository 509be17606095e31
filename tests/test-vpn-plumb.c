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

/* Test driver for controller-ext/vpn-plumb.c, used by tests/vpn-plumb.at.
 *
 * Usage: test-vpn-plumb [OPTION...] COMMAND [ARG...]
 *
 *   names NAME...         Prints "NAME NETNS HOST-IFNAME" for each NAME.
 *   check GW...           Prints "ok" or the error for each gateway.
 *   apply GW... [then GW...]...
 *                         Makes the host match each set of gateways in
 *                         turn, as one agent would over its lifetime, and
 *                         after each set (a "phase") prints one line per
 *                         gateway: "NAME: ready" or "NAME: ERROR".  With
 *                         --db, a phase ends once the OVS transaction has
 *                         committed and nothing remains to change.
 *   cleanup               Removes everything with the prefix.
 *
 * A gateway GW is "NAME,lport=LPORT,mac=MAC,ip=IP/PLEN,router=IP" with
 * optional ",routes=CIDR+CIDR..." and ",mtu=N".
 *
 * Options: --db=REMOTE (an Open_vSwitch database; without it, OVS is left
 * alone), --prefix=PREFIX, --bridge=BRIDGE, --timeout=SECS (default 30),
 * --budget=MS (vpn_plumb_set_time_budget()), --recheck (a check interval
 * of 1 s, and each phase after the first starts once it has passed, so
 * that every gateway's periodic check is due), --between=COMMAND (a shell
 * command run before each phase after the first, to change the host
 * behind the module's back),
 * --stats (after each phase, print the commands run and the veth pairs
 * created and namespaces removed in it), --timing (print each phase's
 * duration on stderr), -v (log at debug level on stderr).
 *
 * The exit status is 0 if every gateway of every phase was accepted and
 * ready, 1 otherwise, 2 on a usage error. */

#include <config.h>

#include "vpn-plumb.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "command-line.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/poll-loop.h"
#include "openvswitch/util.h"
#include "openvswitch/vlog.h"
#include "ovsdb-idl.h"
#include "svec.h"
#include "timeval.h"
#include "util.h"
#include "vswitch-idl.h"

/* One gateway parsed from the command line, owning its strings. */
struct gw_arg {
    struct vpn_plumb_gateway gw;
    char *name, *lport, *mac, *ip, *router;
    struct svec routes;
};

static const char *db;
static const char *prefix = VPN_PLUMB_DEFAULT_PREFIX;
static const char *bridge = VPN_PLUMB_DEFAULT_BRIDGE;
static long long int timeout_ms = 30 * 1000;
static long long int budget_ms = VPN_PLUMB_TIME_BUDGET_MS;
static bool recheck;
static const char *between;
static bool print_stats;
static bool print_timing;

static void parse_options(int argc, char *argv[]);
static void usage(void) OVS_NO_RETURN;
static void parse_gateway(const char *s, struct gw_arg *);
static void gw_arg_destroy(struct gw_arg *);
static int cmd_names(int argc, char *argv[]);
static int cmd_check(int argc, char *argv[]);
static int cmd_apply(int argc, char *argv[]);
static int cmd_cleanup(int argc, char *argv[]);

int
main(int argc, char *argv[])
{
    set_program_name(argv[0]);
    vlog_set_levels(NULL, VLF_ANY_DESTINATION, VLL_WARN);
    parse_options(argc, argv);
    argc -= optind;
    argv += optind;
    if (argc < 1) {
        usage();
    }

    const char *cmd = argv[0];
    if (!strcmp(cmd, "names")) {
        return cmd_names(argc - 1, argv + 1);
    } else if (!strcmp(cmd, "check")) {
        return cmd_check(argc - 1, argv + 1);
    } else if (!strcmp(cmd, "apply")) {
        return cmd_apply(argc - 1, argv + 1);
    } else if (!strcmp(cmd, "cleanup")) {
        return cmd_cleanup(argc - 1, argv + 1);
    }
    usage();
}

static void
parse_options(int argc, char *argv[])
{
    enum {
        OPT_DB = UCHAR_MAX + 1,
        OPT_PREFIX,
        OPT_BRIDGE,
        OPT_TIMEOUT,
        OPT_BUDGET,
        OPT_RECHECK,
        OPT_BETWEEN,
        OPT_STATS,
        OPT_TIMING,
    };
    static const struct option long_options[] = {
        {"db", required_argument, NULL, OPT_DB},
        {"prefix", required_argument, NULL, OPT_PREFIX},
        {"bridge", required_argument, NULL, OPT_BRIDGE},
        {"timeout", required_argument, NULL, OPT_TIMEOUT},
        {"budget", required_argument, NULL, OPT_BUDGET},
        {"recheck", no_argument, NULL, OPT_RECHECK},
        {"between", required_argument, NULL, OPT_BETWEEN},
        {"stats", no_argument, NULL, OPT_STATS},
        {"timing", no_argument, NULL, OPT_TIMING},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };

    for (;;) {
        int c = getopt_long(argc, argv, "+vh", long_options, NULL);
        if (c == -1) {
            break;
        }
        switch (c) {
        case OPT_DB:
            db = optarg;
            break;
        case OPT_PREFIX:
            prefix = optarg;
            break;
        case OPT_BRIDGE:
            bridge = optarg;
            break;
        case OPT_TIMEOUT:
            timeout_ms = atoll(optarg) * 1000;
            break;
        case OPT_BUDGET:
            budget_ms = atoll(optarg);
            break;
        case OPT_RECHECK:
            recheck = true;
            break;
        case OPT_BETWEEN:
            between = optarg;
            break;
        case OPT_STATS:
            print_stats = true;
            break;
        case OPT_TIMING:
            print_timing = true;
            break;
        case 'v':
            vlog_set_levels(NULL, VLF_CONSOLE, VLL_DBG);
            break;
        case 'h':
        default:
            usage();
        }
    }
}

static void
usage(void)
{
    fprintf(stderr, "usage: %s [--db=REMOTE] [--prefix=PREFIX] "
            "[--bridge=BRIDGE] [--timeout=SECS] [--budget=MS]\n"
            "       [--recheck] [--between=COMMAND] [--stats] [--timing] "
            "[-v]\n"
            "         names NAME... | check GW... | "
            "apply GW... [then GW...]... | cleanup\n"
            "GW: NAME,lport=LPORT,mac=MAC,ip=IP/PLEN,router=IP"
            "[,routes=CIDR+CIDR...][,mtu=N]\n", program_name);
    exit(2);
}

/* names NAME...: the namespace and host link names of each NAME. */
static int
cmd_names(int argc, char *argv[])
{
    char *error = vpn_plumb_check_prefix(prefix);
    if (error) {
        printf("%s\n", error);
        free(error);
        return 1;
    }
    for (int i = 0; i < argc; i++) {
        char host[VPN_PLUMB_HOST_IFNAME_LEN + 1];
        char *netns = vpn_plumb_netns_name(prefix, argv[i]);

        vpn_plumb_host_ifname(netns, host);
        printf("%s %s %s\n", argv[i], netns, host);
        free(netns);
    }
    return 0;
}

/* check GW...: whether vpn_plumb_run() would accept each GW. */
static int
cmd_check(int argc, char *argv[])
{
    int status = 0;

    for (int i = 0; i < argc; i++) {
        struct gw_arg g;

        parse_gateway(argv[i], &g);
        char *error = vpn_plumb_check_gateway(&g.gw);
        printf("%s\n", error ? error : "ok");
        status |= error != NULL;
        free(error);
        gw_arg_destroy(&g);
    }
    return status;
}

/* Runs 'plumb' with 'gws' (or a cleanup if 'cleanup') until the kernel and,
 * with --db, OVS match.  Returns false on timeout. */
static bool
run_phase(struct vpn_plumb *plumb, struct ovsdb_idl_loop *loop,
          const struct vpn_plumb_gateway *gws, size_t n, bool cleanup)
{
    if (!loop) {
        /* The kernel side runs in the plumbing's thread: wait for it. */
        while (cleanup
               ? !vpn_plumb_cleanup(plumb, NULL, NULL)
               : vpn_plumb_run(plumb, gws, n, NULL, NULL)) {
            vpn_plumb_wait(plumb);
            poll_block();
        }
        return true;
    }

    long long int deadline = time_msec() + timeout_ms;
    for (;;) {
        struct ovsdb_idl_txn *txn = ovsdb_idl_loop_run(loop);
        bool done = false;

        if (txn && ovsdb_idl_has_ever_connected(loop->idl)) {
            if (cleanup) {
                done = vpn_plumb_cleanup(plumb, loop->idl, txn);
            } else {
                done = !vpn_plumb_run(plumb, gws, n, loop->idl, txn);
            }
        }
        ovsdb_idl_loop_commit_and_wait(loop);
        if (done) {
            return true;
        }
        if (time_msec() >= deadline) {
            return false;
        }
        vpn_plumb_wait(plumb);
        poll_timer_wait_until(deadline);
        poll_block();
    }
}

static struct ovsdb_idl_loop *
connect_db(void)
{
    if (!db) {
        return NULL;
    }

    struct ovsdb_idl *idl = ovsdb_idl_create(db, &ovsrec_idl_class, false,
                                             true);
    vpn_plumb_add_ovs_columns(idl);

    struct ovsdb_idl_loop *loop = xmalloc(sizeof *loop);
    *loop = (struct ovsdb_idl_loop) OVSDB_IDL_LOOP_INITIALIZER(idl);
    return loop;
}

static void
disconnect_db(struct ovsdb_idl_loop *loop)
{
    if (loop) {
        ovsdb_idl_loop_destroy(loop);     /* Destroys the IDL too. */
        free(loop);
    }
}

static struct vpn_plumb *
create_plumb(void)
{
    struct vpn_plumb *plumb;
    char *error = vpn_plumb_create(prefix, bridge, &plumb);

    if (error) {
        fprintf(stderr, "%s\n", error);
        exit(2);
    }
    vpn_plumb_set_time_budget(plumb, budget_ms);
    if (recheck) {
        vpn_plumb_set_check_interval(plumb, 1000);
    }
    return plumb;
}

static void
report_stats(const struct vpn_plumb *plumb, struct vpn_plumb_stats *prev)
{
    struct vpn_plumb_stats s;

    vpn_plumb_get_stats(plumb, &s);
    if (print_stats) {
        printf("commands=%llu created=%llu removed=%llu\n",
               s.n_commands - prev->n_commands,
               s.n_created - prev->n_created,
               s.n_removed - prev->n_removed);
    }
    *prev = s;
}

/* apply GW... [then GW...]... */
static int
cmd_apply(int argc, char *argv[])
{
    struct ovsdb_idl_loop *loop = connect_db();
    struct vpn_plumb *plumb = create_plumb();
    struct vpn_plumb_stats stats = { 0, 0, 0 };
    int status = 0;

    int start = 0;
    while (start <= argc) {
        int end = start;
        while (end < argc && strcmp(argv[end], "then")) {
            end++;
        }

        if (start > 0 && between && system(between)) {
            fprintf(stderr, "%s: failed\n", between);
            exit(2);
        }
        if (recheck && start > 0) {
            /* In the poll loop, whose timing checks would otherwise count
             * the wait as one long iteration. */
            long long int until = time_msec() + 1100;
            while (time_msec() < until) {
                poll_timer_wait_until(until);
                poll_block();
            }
        }

        size_t n = end - start;
        struct gw_arg *args = xcalloc(n, sizeof *args);
        struct vpn_plumb_gateway *gws = xcalloc(n, sizeof *gws);
        for (size_t i = 0; i < n; i++) {
            parse_gateway(argv[start + i], &args[i]);
            gws[i] = args[i].gw;
        }

        long long int t0 = time_msec();
        if (!run_phase(plumb, loop, gws, n, false)) {
            printf("timeout\n");
            status = 1;
        }
        if (print_timing) {
            fprintf(stderr, "phase with %"PRIuSIZE" gateways: %lld ms\n", n,
                    time_msec() - t0);
        }

        for (size_t i = 0; i < n; i++) {
            const char *name = gws[i].name;
            const char *error = vpn_plumb_error(plumb, name);

            if (error) {
                printf("%s: %s\n", name, error);
                status = 1;
            } else if (vpn_plumb_ready(plumb, name)) {
                printf("%s: ready\n", name);
            } else {
                printf("%s: not ready\n", name);
                status = 1;
            }
            gw_arg_destroy(&args[i]);
        }
        report_stats(plumb, &stats);
        free(args);
        free(gws);
        start = end + 1;
    }

    vpn_plumb_destroy(plumb);
    disconnect_db(loop);
    return status;
}

/* cleanup */
static int
cmd_cleanup(int argc, char *argv[] OVS_UNUSED)
{
    if (argc) {
        usage();
    }

    struct ovsdb_idl_loop *loop = connect_db();
    struct vpn_plumb *plumb = create_plumb();
    struct vpn_plumb_stats stats = { 0, 0, 0 };
    int status = 0;

    if (!run_phase(plumb, loop, NULL, 0, true)) {
        printf("timeout\n");
        status = 1;
    }
    report_stats(plumb, &stats);

    vpn_plumb_destroy(plumb);
    disconnect_db(loop);
    return status;
}

/* Parses "NAME,key=value,..." into 'g'. */
static void
parse_gateway(const char *s, struct gw_arg *g)
{
    char *copy = xstrdup(s);
    char *save_ptr = NULL;

    memset(g, 0, sizeof *g);
    svec_init(&g->routes);
    for (char *field = strtok_r(copy, ",", &save_ptr); field;
         field = strtok_r(NULL, ",", &save_ptr)) {
        char *value = strchr(field, '=');
        char **slot = NULL;

        if (!value) {
            slot = &g->name;
            value = field;
        } else {
            *value++ = '\0';
            if (!strcmp(field, "lport")) {
                slot = &g->lport;
            } else if (!strcmp(field, "mac")) {
                slot = &g->mac;
            } else if (!strcmp(field, "ip")) {
                slot = &g->ip;
            } else if (!strcmp(field, "router")) {
                slot = &g->router;
            } else if (!strcmp(field, "mtu")) {
                g->gw.mtu = atoi(value);
            } else if (!strcmp(field, "routes")) {
                char *rsave = NULL;

                for (char *r = strtok_r(value, "+", &rsave); r;
                     r = strtok_r(NULL, "+", &rsave)) {
                    svec_add(&g->routes, r);
                }
            } else {
                fprintf(stderr, "%s: unknown key \"%s\"\n", s, field);
                exit(2);
            }
        }
        if (slot) {
            if (*slot) {
                fprintf(stderr, "%s: \"%s\" given twice\n", s,
                        slot == &g->name ? "name" : field);
                exit(2);
            }
            *slot = xstrdup(value);
        }
    }
    free(copy);

    if (g->ip) {
        char *slash = strchr(g->ip, '/');
        if (slash) {
            *slash = '\0';
            g->gw.prefix_len = atoi(slash + 1);
        }
    }
    g->gw.name = g->name;
    g->gw.logical_port = g->lport;
    g->gw.mac = g->mac;
    g->gw.ip = g->ip;
    g->gw.router_ip = g->router;
    g->gw.routes = g->routes.names;
    g->gw.n_routes = g->routes.n;
}

static void
gw_arg_destroy(struct gw_arg *g)
{
    free(g->name);
    free(g->lport);
    free(g->mac);
    free(g->ip);
    free(g->router);
    svec_destroy(&g->routes);
}
