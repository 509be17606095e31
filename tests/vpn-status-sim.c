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

/* vpn-status-sim: simulated chassis for the status benchmark ("make
 * bench-status", tests/bench-status.sh).
 *
 * Each simulated chassis runs what ovn-vpn-agent runs to report and stay
 * alive, the same code: vpn-reporter (its SB and status database
 * connections, monitoring only its own rows, writing only what changed)
 * and vpn-beat (the heartbeat, here run from the main loop rather than a
 * thread of its own, so that hundreds of chassis fit in one process).  In
 * place of plutos, every tunnel placed on a chassis connects as soon as
 * the chassis sees it, its counters grow every second (as pluto's traffic
 * status would) and unixctl commands change its state.
 *
 * An NB connection of its own measures what users see: the latency from
 * a simulated pluto event to the tunnel's NB status, and how long a
 * gateway takes to come back on another chassis when its chassis dies.
 *
 * Usage: vpn-status-sim --sb=REMOTE --nb=REMOTE --chassis=C --unixctl=PATH
 *
 * unixctl commands:
 *   sim/connected        "CONNECTED TOTAL": tunnels connected in the NB.
 *   sim/churn RATE SECS  toggles a random tunnel between connected and
 *                        phase1-failed RATE times a second for SECS.
 *   sim/kill CHASSIS     the chassis dies: its connections close.
 *   sim/failover         ms from the last kill until every gateway of the
 *                        dead chassis runs elsewhere with its tunnels
 *                        connected, or "pending".
 *   sim/latency          "N P50 P99 MAX" (ms) of the state changes.
 *   sim/reset-latency    forgets them.
 *   exit */

#include <config.h>

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "command-line.h"
#include "daemon.h"
#include "fatal-signal.h"
#include "lib/ovn-vpn-nb-idl.h"
#include "lib/ovn-vpn-sb-idl.h"
#include "lib/ovn-vpn-status-idl.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/poll-loop.h"
#include "openvswitch/shash.h"
#include "openvswitch/vlog.h"
#include "ovsdb-idl.h"
#include "random.h"
#include "smap.h"
#include "timeval.h"
#include "unixctl.h"
#include "util.h"
#include "vpn-beat.h"
#include "vpn-report.h"
#include "vpn-reporter.h"

VLOG_DEFINE_THIS_MODULE(vpn_status_sim);

/* A simulated tunnel's pluto state. */
struct sim_tunnel {
    char *connection;           /* "connected" or "phase1-failed". */
    long long int since;        /* time_wall_msec() of the last change. */
};

struct sim_chassis {
    char *name;
    bool dying;                 /* Killed, its connections still open. */
    bool dead;
    struct ovsdb_idl_loop sb;
    struct ovsdb_idl_loop status;
    struct vpn_reporter reporter;
    struct vpn_beat *beat;
    struct shash tunnels;       /* Name -> struct sim_tunnel. */
    bool changed;               /* A state changed since the last write. */
};

/* A state change whose NB status is awaited. */
struct pending {
    char *connection;
    long long int start;        /* time_msec() of the change. */
};

static struct sim_chassis *chassis;
static size_t n_chassis;
static struct shash pending = SHASH_INITIALIZER(&pending);
static long long int *latencies;
static size_t n_latencies, allocated_latencies;
static bool exiting;

/* Churn. */
static int churn_rate;
static long long int churn_until, next_churn;

/* Failover. */
static struct sim_chassis *killed;
static long long int kill_time;
static long long int failover_msec = -1;

static const char *sb_remote, *nb_remote, *unixctl_path;
static int heartbeat_interval = VPN_REPORT_HEARTBEAT_MSEC;

static void parse_options(int argc, char *argv[]);
static void chassis_run(struct sim_chassis *, long long int now_wall,
                        bool tick);
static void chassis_wait(struct sim_chassis *);
static void nb_run(struct ovsdb_idl *nb);
static void churn_run(struct ovsdb_idl *nb);
static unixctl_cb_func sim_connected, sim_churn, sim_kill, sim_failover,
    sim_latency, sim_reset_latency, sim_exit;

int
main(int argc, char *argv[])
{
    set_program_name(argv[0]);
    fatal_ignore_sigpipe();
    parse_options(argc, argv);

    struct unixctl_server *unixctl;
    if (unixctl_server_create(unixctl_path, &unixctl)) {
        exit(EXIT_FAILURE);
    }

    struct ovsdb_idl *nb = ovsdb_idl_create(nb_remote, &nbrec_idl_class,
                                            false, true);
    ovsdb_idl_add_column(nb, &nbrec_vpn_tunnel_col_name);
    ovsdb_idl_add_column(nb, &nbrec_vpn_tunnel_col_status);
    ovsdb_idl_add_column(nb, &nbrec_vpn_tunnel_col_gateway);
    ovsdb_idl_add_column(nb, &nbrec_vpn_gateway_col_name);
    ovsdb_idl_add_column(nb, &nbrec_vpn_gateway_col_status);
    ovsdb_idl_track_add_column(nb, &nbrec_vpn_tunnel_col_status);
    unixctl_command_register("sim/connected", "", 0, 0, sim_connected, nb);
    unixctl_command_register("sim/churn", "RATE SECS", 2, 2, sim_churn, nb);
    unixctl_command_register("sim/kill", "CHASSIS", 1, 1, sim_kill, NULL);
    unixctl_command_register("sim/failover", "", 0, 0, sim_failover, NULL);
    unixctl_command_register("sim/latency", "", 0, 0, sim_latency, NULL);
    unixctl_command_register("sim/reset-latency", "", 0, 0,
                             sim_reset_latency, NULL);
    unixctl_command_register("exit", "", 0, 0, sim_exit, NULL);

    for (size_t i = 0; i < n_chassis; i++) {
        struct sim_chassis *c = &chassis[i];
        c->name = xasprintf("hv%"PRIuSIZE, i);
        c->sb = (struct ovsdb_idl_loop) OVSDB_IDL_LOOP_INITIALIZER(
            ovsdb_idl_create_unconnected(&sbrec_idl_class, false));
        c->status = (struct ovsdb_idl_loop) OVSDB_IDL_LOOP_INITIALIZER(
            ovsdb_idl_create_unconnected(&vpnstatusrec_idl_class, false));
        ovsdb_idl_set_leader_only(c->sb.idl, false);
        ovsdb_idl_set_leader_only(c->status.idl, false);
        vpn_reporter_init(&c->reporter);
        vpn_reporter_add_columns(c->sb.idl, c->status.idl);
        vpn_reporter_set_chassis(&c->reporter, c->name, c->sb.idl,
                                 c->status.idl);
        ovsdb_idl_set_remote(c->sb.idl, sb_remote, true);
        ovsdb_idl_set_remote(c->status.idl, sb_remote, true);
        c->beat = vpn_beat_create(false);
        vpn_beat_set_chassis(c->beat, c->name);
        vpn_beat_set_remote(c->beat, sb_remote);
        vpn_beat_set_interval(c->beat, heartbeat_interval);
        shash_init(&c->tunnels);
    }

    /* Every simulated pluto looks at its tunnels' traffic once a second. */
    long long int next_tick = time_msec();
    while (!exiting) {
        long long int now = time_msec();
        bool tick = now >= next_tick;
        if (tick) {
            next_tick = now + 1000;
        }
        for (size_t i = 0; i < n_chassis; i++) {
            struct sim_chassis *c = &chassis[i];
            if (c->dying) {
                /* Its connections close, as a dead host's would time
                 * out.  (Not from the unixctl callback: its transactions
                 * are open there.) */
                c->dying = false;
                c->dead = true;
                vpn_beat_destroy(c->beat);
                c->beat = NULL;
                ovsdb_idl_loop_destroy(&c->sb);
                ovsdb_idl_loop_destroy(&c->status);
            }
        }
        ovsdb_idl_run(nb);
        churn_run(nb);
        long long int now_wall = time_wall_msec();
        for (size_t i = 0; i < n_chassis; i++) {
            if (!chassis[i].dead) {
                chassis_run(&chassis[i], now_wall, tick);
            }
        }
        nb_run(nb);
        unixctl_server_run(unixctl);

        for (size_t i = 0; i < n_chassis; i++) {
            if (!chassis[i].dead) {
                chassis_wait(&chassis[i]);
            }
        }
        ovsdb_idl_wait(nb);
        unixctl_server_wait(unixctl);
        poll_timer_wait_until(next_tick);
        if (churn_rate) {
            poll_timer_wait_until(next_churn);
        }
        poll_block();
    }
    unixctl_server_destroy(unixctl);
    return 0;
}

static void
parse_options(int argc, char *argv[])
{
    static const struct option long_options[] = {
        {"sb", required_argument, NULL, 's'},
        {"nb", required_argument, NULL, 'n'},
        {"chassis", required_argument, NULL, 'c'},
        {"unixctl", required_argument, NULL, 'u'},
        {"heartbeat-interval", required_argument, NULL, 'i'},
        {NULL, 0, NULL, 0},
    };
    for (;;) {
        int c = getopt_long(argc, argv, "", long_options, NULL);
        if (c == -1) {
            break;
        }
        switch (c) {
        case 's':
            sb_remote = optarg;
            break;
        case 'n':
            nb_remote = optarg;
            break;
        case 'c':
            n_chassis = strtoul(optarg, NULL, 10);
            break;
        case 'u':
            unixctl_path = optarg;
            break;
        case 'i':
            heartbeat_interval = vpn_report_heartbeat_clamp(atoi(optarg));
            break;
        default:
            exit(EXIT_FAILURE);
        }
    }
    if (!sb_remote || !nb_remote || !n_chassis || !unixctl_path) {
        ovs_fatal(0, "usage: %s --sb=REMOTE --nb=REMOTE --chassis=N "
                  "--unixctl=PATH [--heartbeat-interval=MS]", program_name);
    }
    chassis = xcalloc(n_chassis, sizeof *chassis);
}

/* What ovn-vpn-agent's main loop does for its reports, with simulated
 * plutos: the reports are built again when the reporter says so, when a
 * state changed, or when the plutos' counters move (every second). */
static void
chassis_run(struct sim_chassis *c, long long int now_wall, bool tick)
{
    struct ovsdb_idl_txn *sb_txn = ovsdb_idl_loop_run(&c->sb);
    struct ovsdb_idl_txn *status_txn = ovsdb_idl_loop_run(&c->status);
    vpn_beat_run(c->beat);
    if (ovsdb_idl_has_ever_connected(c->sb.idl)) {
        vpn_reporter_update_tunnel_condition(&c->reporter, c->sb.idl);
    }

    struct vpn_report_row row;
    if (vpn_reporter_sb_complete(&c->reporter, c->sb.idl)
        && vpn_reporter_find_row(&c->reporter, c->sb.idl, sb_txn,
                                 c->status.idl, status_txn, &row)) {
        bool tunnels = (vpn_reporter_tunnels_due(&c->reporter, c->sb.idl,
                                                 c->status.idl, &row)
                        || c->changed || tick);
        c->changed = false;

        struct smap want = SMAP_INITIALIZER(&want);
        const struct sbrec_vpn_gateway *gw;
        SBREC_VPN_GATEWAY_FOR_EACH (gw, c->sb.idl) {
            if (gw->chassis && !strcmp(gw->chassis, c->name)) {
                struct ds s = DS_EMPTY_INITIALIZER;
                vpn_report_gateway_format("running", "", &s);
                smap_add_nocopy(&want,
                                xasprintf(VPN_REPORT_GATEWAY_PREFIX"%s",
                                          gw->name), ds_steal_cstr(&s));
            }
        }
        if (tunnels) {
            const struct sbrec_vpn_tunnel *t;
            SBREC_VPN_TUNNEL_FOR_EACH (t, c->sb.idl) {
                if (!t->gateway || !t->gateway->chassis
                    || strcmp(t->gateway->chassis, c->name)) {
                    continue;
                }
                struct sim_tunnel *st = shash_find_data(&c->tunnels,
                                                        t->name);
                if (!st) {
                    st = xzalloc(sizeof *st);
                    st->connection = xstrdup("connected");
                    st->since = now_wall;
                    shash_add(&c->tunnels, t->name, st);
                }
                bool up = !strcmp(st->connection, "connected");
                int64_t secs = up ? (now_wall - st->since) / 1000 : 0;
                struct vpn_tunnel_report r = {
                    .generation = t->generation,
                    .connection = st->connection,
                    .changed = st->since,
                    .bytes_in = secs * 12000, .bytes_out = secs * 9000,
                    .packets_in = secs * 10, .packets_out = secs * 8,
                    .reason = up ? "" : "peer-not-responding",
                };
                struct ds value = DS_EMPTY_INITIALIZER;
                vpn_report_tunnel_format(&r, &value);
                smap_add_nocopy(&want,
                                xasprintf(VPN_REPORT_TUNNEL_PREFIX"%s",
                                          t->name), ds_steal_cstr(&value));
            }
        }
        /* What Debian 12's libreswan accepts, as the agent probes it. */
        smap_add(&want, VPN_REPORT_DH_GROUPS, "5,14,19,20,21,31");
        smap_add(&want, VPN_REPORT_ENCRYPTION,
                 "3des,aes128,aes192,aes256,aes128gcm,aes256gcm");
        smap_add(&want, VPN_REPORT_INTEGRITY,
                 "md5,sha1,sha2-256,sha2-384,sha2-512");
        smap_add(&want, VPN_REPORT_VERSION, PACKAGE_VERSION);
        smap_add_format(&want, VPN_REPORT_HEARTBEAT_INTERVAL, "%d",
                        heartbeat_interval);
        /* A sealing key, as every agent publishes one: the translator
         * seals each tunnel's key to it, as it would for a real agent.
         * Nobody holds its private half. */
        smap_add(&want, VPN_REPORT_SEAL_KEY,
                 "xCljwPldQMb/1XLXPnx+WM4FB0ENgpdos3WL/z71UR4=");
        vpn_reporter_write(&c->reporter, &row, &want, tunnels);
        smap_destroy(&want);
    }
}

static void
chassis_wait(struct sim_chassis *c)
{
    vpn_beat_wait(c->beat);
    vpn_reporter_wait(&c->reporter);
    ovsdb_idl_loop_commit_and_wait(&c->sb);
    ovsdb_idl_loop_commit_and_wait(&c->status);
}

/* Latency of state changes, and failover. */
static void
nb_run(struct ovsdb_idl *nb)
{
    const struct nbrec_vpn_tunnel *t;
    NBREC_VPN_TUNNEL_FOR_EACH_TRACKED (t, nb) {
        struct pending *p = shash_find_data(&pending, t->name);
        const char *conn = smap_get(&t->status, "connection");
        if (p && conn && !strcmp(conn, p->connection)) {
            if (n_latencies >= allocated_latencies) {
                latencies = x2nrealloc(latencies, &allocated_latencies,
                                       sizeof *latencies);
            }
            latencies[n_latencies++] = time_msec() - p->start;
            free(p->connection);
            free(shash_find_and_delete(&pending, t->name));
        }
    }
    ovsdb_idl_track_clear(nb);

    /* Failover is over when every tunnel that the dead chassis ran is
     * connected on another. */
    if (killed && failover_msec < 0) {
        struct shash by_name = SHASH_INITIALIZER(&by_name);
        NBREC_VPN_TUNNEL_FOR_EACH (t, nb) {
            shash_add_once(&by_name, t->name, t);
        }
        struct shash_node *node;
        SHASH_FOR_EACH (node, &killed->tunnels) {
            const struct nbrec_vpn_tunnel *nt = shash_find_data(&by_name,
                                                                node->name);
            const char *where = nt ? smap_get(&nt->status, "chassis") : NULL;
            const char *conn = nt ? smap_get(&nt->status, "connection")
                                  : NULL;
            if (!where || !strcmp(where, killed->name)
                || !conn || strcmp(conn, "connected")) {
                shash_destroy(&by_name);
                return;
            }
        }
        shash_destroy(&by_name);
        failover_msec = time_msec() - kill_time;
    }
}

/* Finds the live chassis that runs tunnel 'name', if any. */
static struct sim_chassis *
find_tunnel(const char *name, struct sim_tunnel **stp)
{
    for (size_t i = 0; i < n_chassis; i++) {
        struct sim_tunnel *st = shash_find_data(&chassis[i].tunnels, name);
        if (st && !chassis[i].dead) {
            *stp = st;
            return &chassis[i];
        }
    }
    return NULL;
}

static void
churn_run(struct ovsdb_idl *nb)
{
    long long int now = time_msec();
    if (!churn_rate || now < next_churn) {
        return;
    }
    if (now >= churn_until) {
        churn_rate = 0;
        return;
    }
    next_churn = now + 1000 / churn_rate;

    /* A random tunnel that some live chassis runs. */
    size_t n = 0;
    const struct nbrec_vpn_tunnel *t, *chosen = NULL;
    NBREC_VPN_TUNNEL_FOR_EACH (t, nb) {
        if (!random_range(++n)) {
            chosen = t;
        }
    }
    struct sim_tunnel *st;
    struct sim_chassis *c = chosen ? find_tunnel(chosen->name, &st) : NULL;
    if (!c || shash_find(&pending, chosen->name)) {
        return;
    }
    const char *next = (!strcmp(st->connection, "connected")
                        ? "phase1-failed" : "connected");
    free(st->connection);
    st->connection = xstrdup(next);
    st->since = time_wall_msec();
    c->changed = true;

    struct pending *p = xmalloc(sizeof *p);
    p->connection = xstrdup(next);
    p->start = now;
    shash_add(&pending, chosen->name, p);
}

static void
sim_connected(struct unixctl_conn *conn, int argc OVS_UNUSED,
              const char *argv[] OVS_UNUSED, void *nb_)
{
    struct ovsdb_idl *nb = nb_;
    size_t n = 0, total = 0;
    const struct nbrec_vpn_tunnel *t;
    NBREC_VPN_TUNNEL_FOR_EACH (t, nb) {
        const char *c = smap_get(&t->status, "connection");
        n += c && !strcmp(c, "connected");
        total++;
    }
    char *reply = xasprintf("%"PRIuSIZE" %"PRIuSIZE, n, total);
    unixctl_command_reply(conn, reply);
    free(reply);
}

static void
sim_churn(struct unixctl_conn *conn, int argc OVS_UNUSED,
          const char *argv[], void *nb_ OVS_UNUSED)
{
    churn_rate = MAX(1, atoi(argv[1]));
    churn_until = time_msec() + atoi(argv[2]) * 1000LL;
    next_churn = time_msec();
    unixctl_command_reply(conn, NULL);
}

static void
sim_kill(struct unixctl_conn *conn, int argc OVS_UNUSED,
         const char *argv[], void *aux OVS_UNUSED)
{
    for (size_t i = 0; i < n_chassis; i++) {
        struct sim_chassis *c = &chassis[i];
        if (!strcmp(c->name, argv[1]) && !c->dead && !c->dying) {
            c->dying = true;
            poll_immediate_wake();
            killed = c;
            kill_time = time_msec();
            failover_msec = -1;
            unixctl_command_reply(conn, NULL);
            return;
        }
    }
    unixctl_command_reply_error(conn, "no such live chassis");
}

static void
sim_failover(struct unixctl_conn *conn, int argc OVS_UNUSED,
             const char *argv[] OVS_UNUSED, void *aux OVS_UNUSED)
{
    if (failover_msec < 0) {
        unixctl_command_reply(conn, "pending");
    } else {
        char *reply = xasprintf("%lld", failover_msec);
        unixctl_command_reply(conn, reply);
        free(reply);
    }
}

static int
compare_llong(const void *a_, const void *b_)
{
    const long long int *a = a_, *b = b_;
    return *a < *b ? -1 : *a > *b;
}

static void
sim_latency(struct unixctl_conn *conn, int argc OVS_UNUSED,
            const char *argv[] OVS_UNUSED, void *aux OVS_UNUSED)
{
    if (!n_latencies) {
        unixctl_command_reply(conn, "0 - - -");
        return;
    }
    qsort(latencies, n_latencies, sizeof *latencies, compare_llong);
    size_t p99 = (n_latencies * 99 + 99) / 100 - 1;
    char *reply = xasprintf("%"PRIuSIZE" %lld %lld %lld", n_latencies,
                            latencies[n_latencies / 2], latencies[p99],
                            latencies[n_latencies - 1]);
    unixctl_command_reply(conn, reply);
    free(reply);
}

static void
sim_reset_latency(struct unixctl_conn *conn, int argc OVS_UNUSED,
                  const char *argv[] OVS_UNUSED, void *aux OVS_UNUSED)
{
    n_latencies = 0;
    unixctl_command_reply(conn, NULL);
}

static void
sim_exit(struct unixctl_conn *conn, int argc OVS_UNUSED,
         const char *argv[] OVS_UNUSED, void *aux OVS_UNUSED)
{
    exiting = true;
    unixctl_command_reply(conn, NULL);
}
