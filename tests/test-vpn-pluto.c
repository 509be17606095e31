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

/* Test driver for ipsec-agent/vpn-pluto.c: runs one gateway's pluto the way
 * ovn-vpn-agent does (vpn_pluto_set_conns() with the complete set of
 * tunnels, then vpn_pluto_run() and vpn_pluto_wait(), in a poll loop), as
 * told by a script read from stdin, and prints what tests/vpn-pluto.at
 * compares with golden output.
 *
 * Usage: test-vpn-pluto caps
 *        test-vpn-pluto drive [--env=VAR=VALUE]... NAME NETNS RUNDIR STATEDIR
 *
 * "caps" prints what vpn_pluto_probe_caps() finds.  "drive" creates the
 * driver of gateway NAME (NETNS "-" for none), --env adding VAR=VALUE to
 * pluto's environment, then executes one command per line of stdin:
 *
 *   set TUNNEL [KEY=VALUE | unset=KEY]...
 *                        adds tunnel TUNNEL or changes it; KEY is a member
 *                        of struct vpn_tunnel_params ("local_cidrs" and
 *                        "peer_cidrs" take comma-separated lists)
 *   del TUNNEL           removes it
 *   run SECONDS          runs the loop for SECONDS (may be fractional)
 *   wait TUNNEL STATE [SECONDS]
 *                        runs the loop until TUNNEL is in STATE (30 s by
 *                        default); prints "TUNNEL: STATE (REASON)", or
 *                        fails
 *   wait-attempts TUNNEL N [SECONDS]
 *                        runs the loop until TUNNEL has N failed attempts
 *                        (the retry rule) or more (30 s by default);
 *                        prints its state and attempts, and fails if it
 *                        did not get there
 *   wait-ike TUNNEL [SECONDS]
 *                        runs the loop until pluto's status shows TUNNEL's
 *                        IKE SA (30 s by default): a state that the log
 *                        gave comes before the status poll that shows the
 *                        SAs; prints "TUNNEL: IKE SA", or fails
 *   wait-running [SECONDS]
 *                        runs the loop until pluto runs; prints "pluto:
 *                        running", or fails
 *   wait-restart [SECONDS]
 *                        runs the loop until the driver has started
 *                        pluto once more and it runs; prints "pluto:
 *                        restarted", or fails
 *   show TUNNEL          prints "TUNNEL: STATE (REASON) loaded=yes|no
 *                        ike=yes|no children=N bytes=yes|no"
 *   detail TUNNEL        prints the detail of TUNNEL's state
 *   log TUNNEL           prints vpn_pluto_format_log()
 *   status               prints vpn_pluto_format_status()
 *   pluto                prints "pluto: running|not running, started N
 *                        times, adopted|not adopted", and the error
 *   serials TUNNEL FILE  writes TUNNEL's SA serials to FILE
 *   serials-check TUNNEL FILE
 *                        prints "TUNNEL: same SAs" if they are still those
 *                        in FILE, "TUNNEL: new SAs" otherwise
 *   pid FILE             writes pluto's pid to FILE
 *   pid-check FILE       prints "pluto: same pid" or "pluto: new pid"
 *   kill-pluto           kills pluto with SIGKILL
 *   exec PROGRAM ARG...  runs a program (no shell), which must succeed
 *   crash                kills this program with SIGKILL, as a crash would
 *   exit-keep            vpn_pluto_destroy(, false), then exits
 *   exit-stop            vpn_pluto_destroy(, true), then exits
 *
 * The end of the script, or a failed command, is an exit-keep (with exit
 * status 1 for a failure).
 * Lines starting with '#' are comments.  The base tunnel goes from
 * 192.0.2.1 (10.1.0.0/24) to 192.0.2.2 (10.2.0.0/24), with pre-shared key
 * "Pluto-Test-Key-TUNNEL" and the defaults of vpn-params.h. */

#include <config.h>

#include "vpn-pluto.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "command-line.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/poll-loop.h"
#include "openvswitch/shash.h"
#include "openvswitch/util.h"
#include "openvswitch/vlog.h"
#include "process.h"
#include "smap.h"
#include "sset.h"
#include "svec.h"
#include "timeval.h"
#include "util.h"
#include "vpn-params.h"
#include "vpn-report.h"
#include "vpn-swan-status.h"

/* A tunnel of the script: its settings as strings. */
struct test_tunnel {
    char *name;
    struct smap settings;       /* Member name -> value. */
    struct svec local_cidrs;
    struct svec peer_cidrs;
};

struct test_ctx {
    struct vpn_pluto *pluto;
    struct shash tunnels;       /* Name -> struct test_tunnel. */
    struct vpn_tunnel_params *params;
    size_t n_params;
    bool exit;                  /* exit-keep or exit-stop seen. */
    bool stop;                  /* exit-stop seen. */
};

static void usage(void) OVS_NO_RETURN;
static int do_caps(void);
static int do_drive(int argc, char *argv[]);
static bool execute(struct test_ctx *, char *line);
static void rebuild_params(struct test_ctx *);
static void ctx_destroy(struct test_ctx *, bool stop);
static void tunnel_destroy(struct test_tunnel *);
static void split_list(struct svec *, const char *list);
static bool run_loop(struct test_ctx *, double seconds,
                     bool (*done)(const struct test_ctx *, const void *),
                     const void *aux);
static bool tunnel_in_state(const struct test_ctx *, const void *aux);
static bool tunnel_has_ike(const struct test_ctx *, const void *name);
static bool tunnel_has_attempts(const struct test_ctx *, const void *aux);
static bool pluto_running(const struct test_ctx *, const void *aux);
static bool pluto_restarted(const struct test_ctx *, const void *aux);
static const struct vpn_pluto_tunnel *get_tunnel(const struct test_ctx *,
                                                 const char *name);
static void format_serials(const struct vpn_pluto_tunnel *, struct ds *);
static char *read_line_file(const char *path);
static bool write_line_file(const char *path, const char *line);
static bool exec_program(char **argv);

int
main(int argc, char *argv[])
{
    set_program_name(argv[0]);
    vlog_set_levels(NULL, VLF_CONSOLE, VLL_OFF);
    vlog_set_levels(NULL, VLF_FILE, VLL_INFO);
    if (argc < 2) {
        usage();
    }
    if (!strcmp(argv[1], "caps")) {
        return do_caps();
    } else if (!strcmp(argv[1], "drive")) {
        return do_drive(argc - 2, argv + 2);
    }
    usage();
}

/* Static functions. */

static void
usage(void)
{
    fprintf(stderr, "usage: %s caps\n"
            "       %s drive [--env=VAR=VALUE]... NAME NETNS RUNDIR "
            "STATEDIR < SCRIPT\n"
            "(see the comment at the top of tests/test-vpn-pluto.c)\n",
            program_name, program_name);
    exit(2);
}

static int
do_caps(void)
{
    struct vpn_caps caps;
    struct smap smap = SMAP_INITIALIZER(&smap);

    vpn_caps_init(&caps);
    if (!vpn_pluto_probe_caps(&caps)) {
        puts("unknown");
        vpn_caps_destroy(&caps);
        return 1;
    }
    vpn_caps_to_smap(&caps, &smap);
    const struct smap_node **nodes = smap_sort(&smap);
    for (size_t i = 0; i < smap_count(&smap); i++) {
        printf("%s=%s\n", nodes[i]->key, nodes[i]->value);
    }
    free(nodes);
    smap_destroy(&smap);
    vpn_caps_destroy(&caps);
    return 0;
}

static int
do_drive(int argc, char *argv[])
{
    struct svec env = SVEC_EMPTY_INITIALIZER;
    int i;

    for (i = 0; i < argc && !strncmp(argv[i], "--env=", 6); i++) {
        svec_add(&env, argv[i] + 6);
    }
    if (argc - i != 4) {
        usage();
    }
    const char *name = argv[i];
    const char *netns = strcmp(argv[i + 1], "-") ? argv[i + 1] : NULL;

    /* The driver's log goes to a file next to pluto's. */
    char *log_file = xasprintf("%s.driver.log", argv[i + 3]);
    vlog_set_log_file(log_file);
    free(log_file);

    struct test_ctx ctx = { .params = NULL };
    shash_init(&ctx.tunnels);
    ctx.pluto = vpn_pluto_create(name, netns, argv[i + 2], argv[i + 3],
                                 &env);
    svec_destroy(&env);

    struct ds line = DS_EMPTY_INITIALIZER;
    int status = 0;
    while (!ds_get_line(&line, stdin)) {
        if (!execute(&ctx, ds_cstr(&line))) {
            status = 1;
            break;
        }
        fflush(stdout);
        if (ctx.exit) {
            break;
        }
    }
    ds_destroy(&line);

    /* Without exit-stop, pluto keeps running. */
    ctx_destroy(&ctx, ctx.stop);
    return status;
}

static void
ctx_destroy(struct test_ctx *ctx, bool stop)
{
    struct shash_node *node;

    vpn_pluto_destroy(ctx->pluto, stop);
    vpn_pluto_stopping_flush(NULL);
    SHASH_FOR_EACH_SAFE (node, &ctx->tunnels) {
        tunnel_destroy(node->data);
    }
    shash_destroy(&ctx->tunnels);
    free(ctx->params);
}

static void
tunnel_destroy(struct test_tunnel *t)
{
    if (t) {
        smap_destroy(&t->settings);
        svec_destroy(&t->local_cidrs);
        svec_destroy(&t->peer_cidrs);
        free(t->name);
        free(t);
    }
}

/* Executes one script line.  Returns false if the script must stop with a
 * failure; exits for exit-keep and exit-stop. */
static bool
execute(struct test_ctx *ctx, char *line)
{
    struct svec words = SVEC_EMPTY_INITIALIZER;
    bool ok = true;

    svec_parse_words(&words, line);
    if (!words.n || words.names[0][0] == '#') {
        svec_destroy(&words);
        return true;
    }
    svec_terminate(&words);

    const char *cmd = words.names[0];
    size_t n = words.n;
    char **args = words.names;
    if (!strcmp(cmd, "set") && n >= 2) {
        struct test_tunnel *t = shash_find_data(&ctx->tunnels, args[1]);
        if (!t) {
            t = xzalloc(sizeof *t);
            t->name = xstrdup(args[1]);
            smap_init(&t->settings);
            smap_add(&t->settings, "local_ip", "192.0.2.1");
            smap_add(&t->settings, "local_public_ip", "192.0.2.1");
            smap_add(&t->settings, "peer_ip", "192.0.2.2");
            smap_add(&t->settings, "local_cidrs", "10.1.0.0/24");
            smap_add(&t->settings, "peer_cidrs", "10.2.0.0/24");
            smap_add_format(&t->settings, "psk", "Pluto-Test-Key-%s",
                            t->name);
            shash_add(&ctx->tunnels, t->name, t);
        }
        for (size_t i = 2; i < n; i++) {
            const char *eq = strchr(args[i], '=');
            if (!eq) {
                fprintf(stderr, "%s: KEY=VALUE expected\n", args[i]);
                ok = false;
                break;
            }
            char *key = xmemdup0(args[i], eq - args[i]);
            if (!strcmp(key, "unset")) {
                smap_remove(&t->settings, eq + 1);
            } else {
                smap_replace(&t->settings, key, eq + 1);
            }
            free(key);
        }
        rebuild_params(ctx);
    } else if (!strcmp(cmd, "del") && n == 2) {
        tunnel_destroy(shash_find_and_delete(&ctx->tunnels, args[1]));
        rebuild_params(ctx);
    } else if (!strcmp(cmd, "run") && n == 2) {
        run_loop(ctx, atof(args[1]), NULL, NULL);
    } else if (!strcmp(cmd, "wait") && (n == 3 || n == 4)) {
        enum swan_conn_state state;
        if (!swan_status_state_from_string(args[2], &state)) {
            fprintf(stderr, "%s: unknown state\n", args[2]);
            ok = false;
        } else {
            const char *aux[2] = { args[1], args[2] };
            bool reached = run_loop(ctx, n == 4 ? atof(args[3]) : 30,
                                    tunnel_in_state, aux);
            const struct vpn_pluto_tunnel *t = get_tunnel(ctx, args[1]);
            if (reached) {
                printf("%s: %s (%s)\n", args[1],
                       swan_status_state_to_string(t->state),
                       swan_status_reason_to_string(t->reason));
            } else {
                printf("%s: timeout waiting for %s: %s (%s) %s\n", args[1],
                       args[2],
                       t ? swan_status_state_to_string(t->state) : "none",
                       t ? swan_status_reason_to_string(t->reason) : "",
                       t ? t->detail : "");
                ok = false;
            }
        }
    } else if (!strcmp(cmd, "wait-attempts") && (n == 3 || n == 4)) {
        const char *aux[2] = { args[1], args[2] };
        bool reached = run_loop(ctx, n == 4 ? atof(args[3]) : 30,
                                tunnel_has_attempts, aux);
        const struct vpn_pluto_tunnel *t = get_tunnel(ctx, args[1]);
        if (t) {
            printf("%s: %s (%s) after %d failed attempts, the last "
                   "%s (%s)\n", args[1],
                   swan_status_state_to_string(t->state),
                   swan_status_reason_to_string(t->reason), t->attempts,
                   swan_status_state_to_string(t->last_state),
                   swan_status_reason_to_string(t->last_reason));
        }
        ok = reached;
    } else if (!strcmp(cmd, "wait-ike") && (n == 2 || n == 3)) {
        if (run_loop(ctx, n == 3 ? atof(args[2]) : 30, tunnel_has_ike,
                     args[1])) {
            printf("%s: IKE SA\n", args[1]);
        } else {
            printf("%s: no IKE SA\n", args[1]);
            ok = false;
        }
    } else if (!strcmp(cmd, "wait-running") && n <= 2) {
        if (run_loop(ctx, n == 2 ? atof(args[1]) : 30, pluto_running,
                     NULL)) {
            puts("pluto: running");
        } else {
            printf("pluto: not running: %s\n",
                   vpn_pluto_get_error(ctx->pluto));
            ok = false;
        }
    } else if (!strcmp(cmd, "wait-restart") && n <= 2) {
        unsigned int n_starts = vpn_pluto_get_n_starts(ctx->pluto);
        if (run_loop(ctx, n == 2 ? atof(args[1]) : 30, pluto_restarted,
                     &n_starts)) {
            puts("pluto: restarted");
        } else {
            printf("pluto: not restarted: %s\n",
                   vpn_pluto_get_error(ctx->pluto));
            ok = false;
        }
    } else if (!strcmp(cmd, "show") && n == 2) {
        const struct vpn_pluto_tunnel *t = get_tunnel(ctx, args[1]);
        if (t) {
            printf("%s: %s (%s) loaded=%s ike=%s children=%"PRIuSIZE
                   " bytes=%s packets=%"PRId64"\n", args[1],
                   swan_status_state_to_string(t->state),
                   swan_status_reason_to_string(t->reason),
                   t->loaded ? "yes" : "no", t->ike_serial ? "yes" : "no",
                   t->n_child_serials, t->have_bytes ? "yes" : "no",
                   t->packets_in);
        } else {
            printf("%s: no such tunnel\n", args[1]);
        }
    } else if (!strcmp(cmd, "detail") && n == 2) {
        const struct vpn_pluto_tunnel *t = get_tunnel(ctx, args[1]);
        printf("%s: %s\n", args[1], t ? t->detail : "no such tunnel");
    } else if (!strcmp(cmd, "log") && n == 2) {
        struct ds ds = DS_EMPTY_INITIALIZER;
        if (vpn_pluto_format_log(ctx->pluto, args[1], &ds)) {
            fputs(ds_cstr(&ds), stdout);
        } else {
            printf("%s: no such tunnel\n", args[1]);
        }
        ds_destroy(&ds);
    } else if (!strcmp(cmd, "status") && n == 1) {
        struct ds ds = DS_EMPTY_INITIALIZER;
        vpn_pluto_format_status(ctx->pluto, &ds);
        fputs(ds_cstr(&ds), stdout);
        ds_destroy(&ds);
    } else if (!strcmp(cmd, "pluto") && n == 1) {
        const char *error = vpn_pluto_get_error(ctx->pluto);
        printf("pluto: %s, started %u times, %s%s%s\n",
               vpn_pluto_is_running(ctx->pluto) ? "running" : "not running",
               vpn_pluto_get_n_starts(ctx->pluto),
               vpn_pluto_is_adopted(ctx->pluto) ? "adopted" : "not adopted",
               error ? ": " : "", error ? error : "");
    } else if (!strcmp(cmd, "serials") && n == 3) {
        struct ds ds = DS_EMPTY_INITIALIZER;
        format_serials(get_tunnel(ctx, args[1]), &ds);
        ok = write_line_file(args[2], ds_cstr(&ds));
        ds_destroy(&ds);
    } else if (!strcmp(cmd, "serials-check") && n == 3) {
        struct ds ds = DS_EMPTY_INITIALIZER;
        format_serials(get_tunnel(ctx, args[1]), &ds);
        char *old = read_line_file(args[2]);
        printf("%s: %s SAs\n", args[1],
               old && !strcmp(old, ds_cstr(&ds)) ? "same" : "new");
        fprintf(stderr, "%s: SAs were %s, are %s\n", args[1],
                old ? old : "(none)", ds_cstr(&ds));
        free(old);
        ds_destroy(&ds);
    } else if (!strcmp(cmd, "pid") && n == 2) {
        char *pid = xasprintf("%ld", (long int) vpn_pluto_get_pid(
                                  ctx->pluto));
        ok = write_line_file(args[1], pid);
        free(pid);
    } else if (!strcmp(cmd, "pid-check") && n == 2) {
        char *pid = xasprintf("%ld", (long int) vpn_pluto_get_pid(
                                  ctx->pluto));
        char *old = read_line_file(args[1]);
        printf("pluto: %s pid\n", old && !strcmp(old, pid) ? "same" : "new");
        free(old);
        free(pid);
    } else if (!strcmp(cmd, "kill-pluto") && n == 1) {
        pid_t pid = vpn_pluto_get_pid(ctx->pluto);
        if (pid <= 0 || kill(pid, SIGKILL)) {
            fprintf(stderr, "cannot kill pluto (pid %ld)\n", (long int) pid);
            ok = false;
        }
    } else if (!strcmp(cmd, "exec") && n >= 2) {
        ok = exec_program(args + 1);
    } else if (!strcmp(cmd, "crash") && n == 1) {
        fflush(stdout);
        raise(SIGKILL);
    } else if ((!strcmp(cmd, "exit-keep") || !strcmp(cmd, "exit-stop"))
               && n == 1) {
        ctx->exit = true;
        ctx->stop = !strcmp(cmd, "exit-stop");
    } else {
        fprintf(stderr, "%s: unknown command or wrong arguments\n", line);
        ok = false;
    }
    svec_destroy(&words);
    return ok;
}

/* Rebuilds the parameter array from the tunnels' settings. */
static void
rebuild_params(struct test_ctx *ctx)
{
    size_t n = shash_count(&ctx->tunnels);
    const struct shash_node **sorted = shash_sort(&ctx->tunnels);

    free(ctx->params);
    ctx->params = xcalloc(n ? n : 1, sizeof *ctx->params);
    ctx->n_params = n;
    for (size_t i = 0; i < n; i++) {
        struct test_tunnel *t = sorted[i]->data;
        struct vpn_tunnel_params *p = &ctx->params[i];
        const struct smap *s = &t->settings;

        vpn_params_init(p);
        p->name = t->name;
        p->local_ip = smap_get(s, "local_ip");
        p->local_public_ip = smap_get(s, "local_public_ip");
        p->peer_ip = smap_get(s, "peer_ip");
        p->local_id = smap_get(s, "local_id");
        p->peer_id = smap_get(s, "peer_id");
        p->psk = smap_get(s, "psk");
        p->ike_version = smap_get(s, "ike_version");
        p->ike_mode = smap_get(s, "ike_mode");
        p->ike_encryption = smap_get(s, "ike_encryption");
        p->ike_integrity = smap_get(s, "ike_integrity");
        p->ike_dh_group = smap_get_int(s, "ike_dh_group", 0);
        p->ike_lifetime = smap_get_int(s, "ike_lifetime", 0);
        p->ipsec_protocol = smap_get(s, "ipsec_protocol");
        p->ipsec_encryption = smap_get(s, "ipsec_encryption");
        p->ipsec_integrity = smap_get(s, "ipsec_integrity");
        p->ipsec_pfs_group = smap_get_int(s, "ipsec_pfs_group",
                                          p->ipsec_pfs_group);
        p->ipsec_lifetime = smap_get_int(s, "ipsec_lifetime", 0);
        p->dpd_action = smap_get(s, "dpd_action");
        p->dpd_delay = smap_get_int(s, "dpd_delay", 0);
        p->dpd_timeout = smap_get_int(s, "dpd_timeout", 0);
        p->initiator = smap_get(s, "initiator");
        p->instance = smap_get_ullong(s, "instance", 0);

        svec_clear(&t->local_cidrs);
        svec_clear(&t->peer_cidrs);
        split_list(&t->local_cidrs, smap_get_def(s, "local_cidrs", ""));
        split_list(&t->peer_cidrs, smap_get_def(s, "peer_cidrs", ""));
        p->local_cidrs = (const char **) t->local_cidrs.names;
        p->n_local_cidrs = t->local_cidrs.n;
        p->peer_cidrs = (const char **) t->peer_cidrs.names;
        p->n_peer_cidrs = t->peer_cidrs.n;
        vpn_params_apply_defaults(p);
    }
    free(sorted);
}

/* Appends the comma-separated elements of 'list' to 'svec'. */
static void
split_list(struct svec *svec, const char *list)
{
    char *copy = xstrdup(list);
    char *save_ptr = NULL;
    for (char *e = strtok_r(copy, ",", &save_ptr); e;
         e = strtok_r(NULL, ",", &save_ptr)) {
        svec_add(svec, e);
    }
    free(copy);
}

/* Runs the agent's loop for 'seconds', or until 'done' returns true.
 * Returns true if 'done' returned true. */
static bool
run_loop(struct test_ctx *ctx, double seconds,
         bool (*done)(const struct test_ctx *, const void *),
         const void *aux)
{
    long long int deadline = time_msec() + seconds * 1000;

    for (;;) {
        vpn_pluto_set_conns(ctx->pluto, ctx->params, ctx->n_params);
        vpn_pluto_run(ctx->pluto);
        if (done && done(ctx, aux)) {
            return true;
        }
        if (time_msec() >= deadline) {
            return false;
        }
        vpn_pluto_wait(ctx->pluto);
        poll_timer_wait_until(deadline);
        poll_block();
    }
}

static bool
tunnel_in_state(const struct test_ctx *ctx, const void *aux_)
{
    const char *const *aux = aux_;
    const struct vpn_pluto_tunnel *t = get_tunnel(ctx, aux[0]);
    return t && !strcmp(swan_status_state_to_string(t->state), aux[1]);
}

static bool
tunnel_has_attempts(const struct test_ctx *ctx, const void *aux_)
{
    const char *const *aux = aux_;
    const struct vpn_pluto_tunnel *t = get_tunnel(ctx, aux[0]);
    return t && t->attempts >= atoi(aux[1]);
}

static bool
tunnel_has_ike(const struct test_ctx *ctx, const void *name)
{
    const struct vpn_pluto_tunnel *t = get_tunnel(ctx, name);
    return t && t->ike_serial;
}

static bool
pluto_running(const struct test_ctx *ctx, const void *aux OVS_UNUSED)
{
    return vpn_pluto_is_running(ctx->pluto);
}

static bool
pluto_restarted(const struct test_ctx *ctx, const void *n_starts_)
{
    const unsigned int *n_starts = n_starts_;
    return (vpn_pluto_get_n_starts(ctx->pluto) > *n_starts
            && vpn_pluto_is_running(ctx->pluto));
}

static const struct vpn_pluto_tunnel *
get_tunnel(const struct test_ctx *ctx, const char *name)
{
    return vpn_pluto_get_tunnel(ctx->pluto, name);
}

static void
format_serials(const struct vpn_pluto_tunnel *t, struct ds *ds)
{
    if (!t) {
        ds_put_cstr(ds, "none");
        return;
    }
    ds_put_format(ds, "ike=#%lu children=", t->ike_serial);
    for (size_t i = 0; i < t->n_child_serials; i++) {
        ds_put_format(ds, "%s#%lu", i ? "," : "", t->child_serials[i]);
    }
}

static char *
read_line_file(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        return NULL;
    }
    struct ds ds = DS_EMPTY_INITIALIZER;
    char *line = ds_get_line(&ds, f) ? NULL : ds_steal_cstr(&ds);
    ds_destroy(&ds);
    fclose(f);
    return line;
}

static bool
write_line_file(const char *path, const char *line)
{
    FILE *f = fopen(path, "w");
    if (!f) {
        fprintf(stderr, "%s: %s\n", path, ovs_strerror(errno));
        return false;
    }
    fprintf(f, "%s\n", line);
    return !fclose(f);
}

static bool
exec_program(char **argv)
{
    pid_t pid = fork();
    if (pid < 0) {
        fprintf(stderr, "fork: %s\n", ovs_strerror(errno));
        return false;
    } else if (!pid) {
        /* Its output is not part of the script's. */
        dup2(STDERR_FILENO, STDOUT_FILENO);
        execvp(argv[0], argv);
        fprintf(stderr, "%s: %s\n", argv[0], ovs_strerror(errno));
        _exit(127);
    }

    int status;
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) {
            fprintf(stderr, "waitpid: %s\n", ovs_strerror(errno));
            return false;
        }
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status)) {
        char *msg = process_status_msg(status);
        fprintf(stderr, "%s: %s\n", argv[0], msg);
        free(msg);
        return false;
    }
    return true;
}
