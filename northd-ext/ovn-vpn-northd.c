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

/* ovn-vpn-northd: the daemon that keeps OVN's logical configuration and
 * the chassis' work in line with the VPN tables.  It connects to the NB and
 * SB databases (merged schemas) like ovn-northd, holds the SB lock
 * "ovn_vpn_northd" so that of several instances exactly one is active,
 * and runs the translator (vpn-translate.h) whenever either database or
 * an agent's report changes. */

#include <config.h>

#include <getopt.h>
#include <stdlib.h>
#include <unistd.h>

#include "command-line.h"
#include "daemon.h"
#include "fatal-signal.h"
#include "lib/ovn-vpn-nb-idl.h"
#include "lib/ovn-vpn-sb-idl.h"
#include "lib/ovn-vpn-status-idl.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/poll-loop.h"
#include "openvswitch/vlog.h"
#include "ovsdb-idl.h"
#include "stream-ssl.h"
#include "stream.h"
#include "unixctl.h"
#include "timeval.h"
#include "util.h"
#include "vpn-dirs.h"
#include "vpn-idl.h"
#include "vpn-translate.h"

VLOG_DEFINE_THIS_MODULE(ovn_vpn_northd);

#define VPN_NORTHD_LOCK "ovn_vpn_northd"

static const char *nb_db;
static const char *sb_db;
static const char *unixctl_path;

struct northd_state {
    bool exiting;
    bool paused;
    bool had_lock;              /* Holds the lock on the SB leader. */
    bool active;                /* Runs the translator. */
    struct vpn_translator *tr;
    struct vpn_idl_retry *nb_retry;
    struct vpn_idl_retry *sb_retry;
};

static void sync_cfg(struct ovsdb_idl_loop *nb_loop,
                     struct ovsdb_idl_loop *sb_loop,
                     struct ovsdb_idl_txn *sb_txn,
                     const struct vpn_translator *);
static bool sync_cfg_pending(const struct ovsdb_idl_loop *nb_loop,
                             const struct ovsdb_idl_loop *sb_loop);
static void add_status_rbac_columns(struct ovsdb_idl *);
static void sync_status_rbac(struct ovsdb_idl *, struct ovsdb_idl_txn *);
static unixctl_cb_func northd_exit;
static unixctl_cb_func northd_pause;
static unixctl_cb_func northd_resume;
static unixctl_cb_func northd_is_paused;
static unixctl_cb_func northd_status;
static unixctl_cb_func northd_recompute;

OVS_NO_RETURN static void usage(void);

static void
parse_options(int argc, char *argv[])
{
    enum {
        OPT_BOOTSTRAP_CA_CERT = UCHAR_MAX + 1,
        DAEMON_OPTION_ENUMS,
        VLOG_OPTION_ENUMS,
        SSL_OPTION_ENUMS,
    };
    static const struct option long_options[] = {
        {"ovnnb-db", required_argument, NULL, 'd'},
        {"ovnsb-db", required_argument, NULL, 'D'},
        {"unixctl", required_argument, NULL, 'u'},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        DAEMON_LONG_OPTIONS,
        VLOG_LONG_OPTIONS,
        STREAM_SSL_LONG_OPTIONS,
        {"bootstrap-ca-cert", required_argument, NULL, OPT_BOOTSTRAP_CA_CERT},
        {NULL, 0, NULL, 0},
    };
    char *short_options = ovs_cmdl_long_options_to_short_options(long_options);

    for (;;) {
        int c = getopt_long(argc, argv, short_options, long_options, NULL);
        if (c == -1) {
            break;
        }

        switch (c) {
        DAEMON_OPTION_HANDLERS;
        VLOG_OPTION_HANDLERS;
        STREAM_SSL_OPTION_HANDLERS;

        case OPT_BOOTSTRAP_CA_CERT:
            stream_ssl_set_ca_cert_file(optarg, true);
            break;

        case 'd':
            nb_db = optarg;
            break;

        case 'D':
            sb_db = optarg;
            break;

        case 'u':
            unixctl_path = optarg;
            break;

        case 'h':
            usage();

        case 'V':
            vpn_print_version();
            exit(EXIT_SUCCESS);

        default:
            break;
        }
    }
    free(short_options);

    if (argc > optind) {
        ovs_fatal(0, "%s: unexpected argument (use --help for help)",
                  argv[optind]);
    }
    if (!nb_db) {
        nb_db = vpn_default_nb_db();
    }
    if (!sb_db) {
        sb_db = vpn_default_sb_db();
    }
}

static void
usage(void)
{
    printf("%s: OVN VPN translator\n"
           "usage: %s [OPTIONS]\n"
           "\n"
           "Options:\n"
           "  --ovnnb-db=DATABASE       connect to ovn-nb database at"
           " DATABASE\n"
           "                            (default: %s)\n"
           "  --ovnsb-db=DATABASE       connect to ovn-sb database at"
           " DATABASE\n"
           "                            (default: %s)\n"
           "  --unixctl=SOCKET          override default control socket name\n"
           "  -h, --help                display this help message\n"
           "  -V, --version             display version information\n",
           program_name, program_name, vpn_default_nb_db(),
           vpn_default_sb_db());
    daemon_usage();
    vlog_usage();
    stream_usage("database", true, true, false);
    exit(EXIT_SUCCESS);
}

int
main(int argc, char *argv[])
{
    struct northd_state state = { .exiting = false };

    fatal_ignore_sigpipe();
    ovs_cmdl_proctitle_init(argc, argv);
    set_program_name(argv[0]);
    service_start(&argc, &argv);
    parse_options(argc, argv);

    daemonize_start(false);

    char *ctl_path = unixctl_path
        ? xstrdup(unixctl_path)
        : xasprintf("%s/%s.%ld.ctl", vpn_ovn_rundir(), program_name,
                    (long int) getpid());
    struct unixctl_server *unixctl;
    int retval = unixctl_server_create(ctl_path, &unixctl);
    free(ctl_path);
    if (retval) {
        exit(EXIT_FAILURE);
    }
    unixctl_command_register("exit", "", 0, 0, northd_exit, &state);
    unixctl_command_register("pause", "", 0, 0, northd_pause, &state);
    unixctl_command_register("resume", "", 0, 0, northd_resume, &state);
    unixctl_command_register("is-paused", "", 0, 0, northd_is_paused,
                             &state);
    unixctl_command_register("status", "", 0, 0, northd_status, &state);
    unixctl_command_register("recompute", "", 0, 0, northd_recompute,
                             &state);

    daemonize_complete();

    /* Partial monitoring: only what the translator reads (see
     * vpn_translator_add_columns()). */
    struct ovsdb_idl_loop nb_loop = OVSDB_IDL_LOOP_INITIALIZER(
        ovsdb_idl_create(nb_db, &nbrec_idl_class, false, true));
    struct ovsdb_idl_loop sb_loop = OVSDB_IDL_LOOP_INITIALIZER(
        ovsdb_idl_create(sb_db, &sbrec_idl_class, false, true));
    /* The agents' reports: the status database, on the SB's servers (see
     * ovn-vpn-status(5)).  Only read, but for its RBAC rows: any member
     * will do. */
    struct ovsdb_idl_loop status_loop = OVSDB_IDL_LOOP_INITIALIZER(
        ovsdb_idl_create(sb_db, &vpnstatusrec_idl_class, false, true));
    ovsdb_idl_set_leader_only(status_loop.idl, false);
    vpn_translator_add_columns(nb_loop.idl, sb_loop.idl, status_loop.idl);
    add_status_rbac_columns(status_loop.idl);
    /* "ovn-vpnctl --wait": not tracked, since the translator's work does
     * not depend on it; sb_cfg, hv_cfg and the SB's copy are only
     * written. */
    ovsdb_idl_add_column(nb_loop.idl, &nbrec_vpn_global_col_nb_cfg);
    ovsdb_idl_add_column(nb_loop.idl, &nbrec_vpn_global_col_sb_cfg);
    ovsdb_idl_omit_alert(nb_loop.idl, &nbrec_vpn_global_col_sb_cfg);
    ovsdb_idl_add_column(nb_loop.idl, &nbrec_vpn_global_col_hv_cfg);
    ovsdb_idl_omit_alert(nb_loop.idl, &nbrec_vpn_global_col_hv_cfg);
    ovsdb_idl_add_column(sb_loop.idl, &sbrec_vpn_sb_global_col_nb_cfg);
    ovsdb_idl_omit_alert(sb_loop.idl, &sbrec_vpn_sb_global_col_nb_cfg);
    ovsdb_idl_set_lock(sb_loop.idl, VPN_NORTHD_LOCK);

    state.tr = vpn_translator_create(nb_loop.idl, sb_loop.idl,
                                     status_loop.idl);

    /* Both connections are leader-only, as ovn-northd's: the lock must be
     * the leader's (each server has its own locks), and NB writes follow
     * it.  The retries find a new leader soon after an election. */
    struct vpn_idl_retry nb_retry, sb_retry;
    vpn_idl_retry_init(&nb_retry, nb_loop.idl, nb_db);
    vpn_idl_retry_init(&sb_retry, sb_loop.idl, sb_db);
    state.nb_retry = &nb_retry;
    state.sb_retry = &sb_retry;

    /* Whether each IDL could write, as of the end of the previous pass
     * (see vpn_idl_may_write()): the SB's says that this instance holds
     * the lock on the SB leader. */
    bool nb_writable = false, sb_writable = false;

    VLOG_INFO("OVN NB: %s, OVN SB: %s", nb_db, sb_db);
    while (!state.exiting) {
        struct ovsdb_idl_txn *nb_txn = ovsdb_idl_loop_run(&nb_loop);
        struct ovsdb_idl_txn *sb_txn = ovsdb_idl_loop_run(&sb_loop);
        struct ovsdb_idl_txn *status_txn = ovsdb_idl_loop_run(&status_loop);
        long long int now = time_msec();
        vpn_idl_retry_run(&nb_retry, now);
        vpn_idl_retry_run(&sb_retry, now);

        /* Active: this instance holds the lock on the SB leader and can
         * write both databases.  Only then does the translator run, and
         * only then may it arm its timers (vpn_translator_wait()).  Coming
         * back to a database (first, after a server restart or a leader
         * election, or with the lock taken again) means a full resync,
         * and a new judgement of the agents (vpn_chassis_reload()): the
         * time it could not see them proves nothing about them. */
        bool active = !state.paused && nb_writable && sb_writable;
        if (sb_writable && !state.had_lock) {
            VLOG_INFO("ovn-vpn-northd lock acquired: this instance is now "
                      "active");
        } else if (!sb_writable && state.had_lock) {
            VLOG_INFO("ovn-vpn-northd lock lost (or its SB leader): this "
                      "instance is now on standby");
        }
        state.had_lock = sb_writable;
        if (active && !state.active) {
            vpn_translator_force_recompute(state.tr);
        }
        state.active = active;

        if (active && nb_txn && sb_txn) {
            vpn_translator_run(state.tr, nb_txn, sb_txn);
            sync_cfg(&nb_loop, &sb_loop, sb_txn, state.tr);
        }
        if (active && status_txn) {
            sync_status_rbac(status_loop.idl, status_txn);
        }

        unixctl_server_run(unixctl);
        unixctl_server_wait(unixctl);
        if (state.exiting) {
            poll_immediate_wake();
        }

        int nb_rc = ovsdb_idl_loop_commit_and_wait(&nb_loop);
        int sb_rc = ovsdb_idl_loop_commit_and_wait(&sb_loop);
        ovsdb_idl_loop_commit_and_wait(&status_loop);
        if (active && (!nb_rc || !sb_rc)) {
            /* A transaction failed: what it carried must be recomputed. */
            static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(1, 5);
            VLOG_WARN_RL(&rl, "a transaction failed; recomputing");
            vpn_translator_force_recompute(state.tr);
            poll_immediate_wake();
        }
        if (active && !nb_loop.committing_txn && !sb_loop.committing_txn) {
            vpn_translator_wait(state.tr);
            /* A run that wrote nothing committed at once, and nothing else
             * will wake the loop to write sb_cfg. */
            if (sync_cfg_pending(&nb_loop, &sb_loop)) {
                poll_immediate_wake();
            }
        }

        /* What this pass's IDL runs changed about either connection is
         * acted on in the next pass, at once. */
        bool nb_now = vpn_idl_may_write(nb_loop.idl);
        bool sb_now = vpn_idl_may_write(sb_loop.idl);
        if (nb_now != nb_writable || sb_now != sb_writable) {
            nb_writable = nb_now;
            sb_writable = sb_now;
            poll_immediate_wake();
        }
        vpn_idl_retry_wait(&nb_retry);
        vpn_idl_retry_wait(&sb_retry);
        poll_block();
        if (should_service_stop()) {
            state.exiting = true;
        }
    }

    vpn_translator_destroy(state.tr);
    vpn_idl_retry_destroy(&nb_retry);
    vpn_idl_retry_destroy(&sb_retry);
    unixctl_server_destroy(unixctl);
    ovsdb_idl_loop_destroy(&nb_loop);
    ovsdb_idl_loop_destroy(&sb_loop);
    ovsdb_idl_loop_destroy(&status_loop);
    service_stop();
    exit(EXIT_SUCCESS);
}

/* "ovn-vpnctl --wait", as ovn-northd does for NB_Global's nb_cfg: after a
 * run of the translator on the northbound contents that held
 * VPN_Global's nb_cfg N, once both databases have committed what that run
 * wrote (ovsdb_idl_loop's cur_cfg), sb_cfg becomes N.  The same run writes
 * N into the SB's VPN_SB_Global, for the agents: once every agent that
 * hosts a gateway says it has applied N, hv_cfg becomes N
 * (vpn_translator_hv_cfg()). */
static void
sync_cfg(struct ovsdb_idl_loop *nb_loop, struct ovsdb_idl_loop *sb_loop,
         struct ovsdb_idl_txn *sb_txn, const struct vpn_translator *tr)
{
    const struct nbrec_vpn_global *g = nbrec_vpn_global_first(nb_loop->idl);
    if (!g) {
        return;
    }
    const struct sbrec_vpn_sb_global *sg
        = sbrec_vpn_sb_global_first(sb_loop->idl);
    if (!sg) {
        sg = sbrec_vpn_sb_global_insert(sb_txn);
    }
    if (sg->nb_cfg != g->nb_cfg) {
        sbrec_vpn_sb_global_set_nb_cfg(sg, g->nb_cfg);
    }

    int64_t done = MIN(nb_loop->cur_cfg, sb_loop->cur_cfg);
    if (done > g->sb_cfg) {
        nbrec_vpn_global_set_sb_cfg(g, done);
    }
    /* The agents are asked only while someone waits for more than they
     * are known to have applied. */
    int64_t sb_cfg = MAX(done, g->sb_cfg);
    if (g->hv_cfg < sb_cfg) {
        int64_t hv_cfg = vpn_translator_hv_cfg(tr, sb_cfg);
        if (hv_cfg > g->hv_cfg) {
            nbrec_vpn_global_set_hv_cfg(g, hv_cfg);
        }
    }
    nb_loop->next_cfg = sb_loop->next_cfg = g->nb_cfg;
}

/* Returns true if sync_cfg() has an sb_cfg to write. */
static bool
sync_cfg_pending(const struct ovsdb_idl_loop *nb_loop,
                 const struct ovsdb_idl_loop *sb_loop)
{
    const struct nbrec_vpn_global *g = nbrec_vpn_global_first(nb_loop->idl);
    return g && MIN(nb_loop->cur_cfg, sb_loop->cur_cfg) > g->sb_cfg;
}

/* The status database's RBAC rows: the role "ovn-controller" (the role
 * of the SB connections that chassis use) may insert, update and delete
 * only the Chassis_Report row that bears its certificate's common name.
 * Without them ovsdb-server would let any client with a role write any
 * row: it checks nothing in a database without an RBAC_Role table, and
 * refuses everything to a role that the table lacks. */
#define STATUS_ROLE "ovn-controller"
#define STATUS_TABLE "Chassis_Report"

static void
add_status_rbac_columns(struct ovsdb_idl *status)
{
    static const struct ovsdb_idl_table_class *tables[] = {
        &vpnstatusrec_table_rbac_role, &vpnstatusrec_table_rbac_permission,
    };
    for (size_t i = 0; i < ARRAY_SIZE(tables); i++) {
        for (size_t j = 0; j < tables[i]->n_columns; j++) {
            ovsdb_idl_add_column(status, &tables[i]->columns[j]);
        }
    }
}

static bool
status_permission_ok(const struct vpnstatusrec_rbac_permission *perm)
{
    return (perm
            && !strcmp(perm->table, STATUS_TABLE)
            && perm->n_authorization == 1
            && !strcmp(perm->authorization[0], "chassis")
            && perm->insert_delete
            && perm->n_update == 2
            && !strcmp(perm->update[0], "heartbeat")
            && !strcmp(perm->update[1], "report"));
}

static void
sync_status_rbac(struct ovsdb_idl *status, struct ovsdb_idl_txn *txn)
{
    const struct vpnstatusrec_rbac_role *role = NULL, *r;
    VPNSTATUSREC_RBAC_ROLE_FOR_EACH (r, status) {
        if (!strcmp(r->name, STATUS_ROLE) && !role) {
            role = r;
        } else {
            vpnstatusrec_rbac_role_delete(r);
        }
    }
    const struct vpnstatusrec_rbac_permission *perm
        = (role && role->n_permissions == 1
           && !strcmp(role->key_permissions[0], STATUS_TABLE)
           ? role->value_permissions[0] : NULL);
    const struct vpnstatusrec_rbac_permission *p;
    VPNSTATUSREC_RBAC_PERMISSION_FOR_EACH (p, status) {
        if (p != perm || !status_permission_ok(p)) {
            vpnstatusrec_rbac_permission_delete(p);
        }
    }
    if (role && status_permission_ok(perm)) {
        return;
    }

    VLOG_INFO("setting the status database's RBAC role \"%s\"",
              STATUS_ROLE);
    perm = vpnstatusrec_rbac_permission_insert(txn);
    vpnstatusrec_rbac_permission_set_table(perm, STATUS_TABLE);
    const char *authorization[] = { "chassis" };
    vpnstatusrec_rbac_permission_set_authorization(perm, authorization, 1);
    vpnstatusrec_rbac_permission_set_insert_delete(perm, true);
    const char *update[] = { "heartbeat", "report" };
    vpnstatusrec_rbac_permission_set_update(perm, update, 2);
    if (!role) {
        role = vpnstatusrec_rbac_role_insert(txn);
        vpnstatusrec_rbac_role_set_name(role, STATUS_ROLE);
    }
    const char *key = STATUS_TABLE;
    struct vpnstatusrec_rbac_permission *value
        = CONST_CAST(struct vpnstatusrec_rbac_permission *, perm);
    vpnstatusrec_rbac_role_set_permissions(role, &key, &value, 1);
}

static void
northd_exit(struct unixctl_conn *conn, int argc OVS_UNUSED,
            const char *argv[] OVS_UNUSED, void *state_)
{
    struct northd_state *state = state_;
    state->exiting = true;
    unixctl_command_reply(conn, NULL);
}

static void
northd_pause(struct unixctl_conn *conn, int argc OVS_UNUSED,
             const char *argv[] OVS_UNUSED, void *state_)
{
    struct northd_state *state = state_;
    state->paused = true;
    unixctl_command_reply(conn, NULL);
}

static void
northd_resume(struct unixctl_conn *conn, int argc OVS_UNUSED,
              const char *argv[] OVS_UNUSED, void *state_)
{
    struct northd_state *state = state_;
    state->paused = false;
    vpn_translator_force_recompute(state->tr);
    poll_immediate_wake();
    unixctl_command_reply(conn, NULL);
}

static void
northd_is_paused(struct unixctl_conn *conn, int argc OVS_UNUSED,
                 const char *argv[] OVS_UNUSED, void *state_)
{
    struct northd_state *state = state_;
    unixctl_command_reply(conn, state->paused ? "true" : "false");
}

static void
northd_status(struct unixctl_conn *conn, int argc OVS_UNUSED,
              const char *argv[] OVS_UNUSED, void *state_)
{
    struct northd_state *state = state_;
    struct ds s = DS_EMPTY_INITIALIZER;
    ds_put_format(&s, "Status: %s\n",
                  state->paused ? "paused"
                  : state->active ? "active"
                  : state->had_lock ? "active, waiting for the NB"
                  : "standby");
    ds_put_format(&s, "Database sessions restarted to find a leader: "
                  "NB %u, SB %u\n", state->nb_retry->n_retries,
                  state->sb_retry->n_retries);
    vpn_translator_get_status(state->tr, &s);
    unixctl_command_reply(conn, ds_cstr(&s));
    ds_destroy(&s);
}

static void
northd_recompute(struct unixctl_conn *conn, int argc OVS_UNUSED,
                 const char *argv[] OVS_UNUSED, void *state_)
{
    struct northd_state *state = state_;
    vpn_translator_force_recompute(state->tr);
    poll_immediate_wake();
    unixctl_command_reply(conn, NULL);
}
