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

/* ovn-vpn-agent: the per-chassis VPN daemon.  Like ovn-controller it finds
 * its chassis name (external_ids:system-id) and its southbound remote
 * (external_ids:ovn-remote) in the local Open_vSwitch table, and reads only
 * the southbound database.  For every VPN_Gateway placed on its chassis it
 * keeps a network namespace joined to the integration bridge
 * (controller-ext/vpn-plumb.h) and one supervised pluto in it running the
 * gateway's tunnels (vpn-pluto.h), and it reports a heartbeat, what its
 * libreswan accepts and the state of every gateway and tunnel
 * (lib/vpn-report.h) in its Chassis_Report row of the status database
 * (OVN_VPN_Status, ovn-vpn-status(5)), which the SB servers serve beside
 * the SB and no stock OVN daemon reads.  Where the SB servers do not
 * serve it (a deployment not yet given one), the reports go where they
 * went before, to the chassis's Chassis_Private row, at the cost of a
 * full recompute of ovn-northd for each write.
 *
 * The daemon's parts live in their own modules (vpn-beat, vpn-keyring,
 * vpn-pluto*, vpn-reporter, controller-ext/vpn-plumb*); what is left here,
 * about 1,200 lines, is the main loop and the glue between the SB and
 * those modules, which all work on this file's "struct agent". */

#include <config.h>

#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "command-line.h"
#include "daemon.h"
#include "dirs.h"
#include "fatal-signal.h"
#include "lib/ovn-vpn-sb-idl.h"
#include "lib/ovn-vpn-status-idl.h"
#include "lib/vswitch-idl.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/poll-loop.h"
#include "openvswitch/shash.h"
#include "openvswitch/vlog.h"
#include "ovsdb-idl.h"
#include "packets.h"
#include "smap.h"
#include "sset.h"
#include "stream-ssl.h"
#include "stream.h"
#include "svec.h"
#include "timeval.h"
#include "unixctl.h"
#include "util.h"
#include "uuid.h"
#include "vpn-dirs.h"
#include "vpn-beat.h"
#include "vpn-charon.h"
#include "vpn-catalog-row.h"
#include "vpn-file.h"
#include "vpn-keyring.h"
#include "vpn-kstats.h"
#include "vpn-metrics.h"
#include "vpn-params.h"
#include "vpn-plumb.h"
#include "vpn-pluto.h"
#include "vpn-reporter.h"
#include "vpn-report.h"
#include "vpn-validate.h"
#include "vpn-swan-status.h"

VLOG_DEFINE_THIS_MODULE(ovn_vpn_agent);

static char *ovs_remote;
static const char *sb_remote_option;
static const char *chassis_option;
static const char *netns_prefix = VPN_PLUMB_DEFAULT_PREFIX;
static const char *unixctl_path;
static char *state_dir;
static char *run_dir;
static char *seal_key_file;
static char *metrics_file;
static struct svec pluto_env = SVEC_EMPTY_INITIALIZER;

/* One gateway this chassis runs. */
struct agent_gateway {
    struct shash_node *node;    /* In agent's 'gateways', by name. */
    char *name;
    char *netns;
    struct vpn_pluto *pluto;    /* NULL until its namespace is ready. */
    struct vpn_charon *charon;  /* Instead of 'pluto' for a gateway whose
                                 * tunnels need what only strongswan has
                                 * (vpn-charon.h). */
    struct vpn_kstats *kstats;  /* The kernel's counters: NULL with
                                 * 'pluto'. */
    bool standby;               /* Kept warm for a failover: plumbed, with
                                 * a pluto, but no conns. */
    bool seen;                  /* Mark for the sweep in sync_gateways(). */
    bool conns_stale;           /* 'pluto' has not been given the SB's
                                 * tunnels since they last changed. */
    ovs_be32 listen_ip;         /* eth0's address when 'pluto' last looked
                                 * for its interfaces (0: none yet). */
    uint64_t reported_seqno;    /* vpn_pluto_get_seqno() last reported. */
};

/* A gateway's IKE daemon, whichever drives it. */
static bool
gateway_has_driver(const struct agent_gateway *gw)
{
    return gw->pluto || gw->charon;
}

static bool
gateway_is_running(const struct agent_gateway *gw)
{
    return (gw->pluto ? vpn_pluto_is_running(gw->pluto)
            : gw->charon ? vpn_charon_is_running(gw->charon)
            : false);
}

static const char *
gateway_error(const struct agent_gateway *gw)
{
    const char *error = (gw->pluto ? vpn_pluto_get_error(gw->pluto)
                         : gw->charon ? vpn_charon_get_error(gw->charon)
                         : NULL);
    return error ? error : gw->pluto ? "pluto is starting"
                                     : "charon is starting";
}

static uint64_t
gateway_seqno(const struct agent_gateway *gw)
{
    return (gw->pluto ? vpn_pluto_get_seqno(gw->pluto)
            : gw->charon ? vpn_charon_get_seqno(gw->charon)
            : 0);
}

static const struct vpn_pluto_tunnel *
gateway_tunnel(const struct agent_gateway *gw, const char *name)
{
    return (gw->pluto ? vpn_pluto_get_tunnel(gw->pluto, name)
            : gw->charon ? vpn_charon_get_tunnel(gw->charon, name)
            : NULL);
}

static bool
gateway_report_events(const struct agent_gateway *gw, const char *name,
                      struct ds *ds)
{
    return (gw->pluto ? vpn_pluto_report_events(gw->pluto, name, ds)
            : gw->charon ? vpn_charon_report_events(gw->charon, name, ds)
            : false);
}

/* The tunnels of one gateway, for vpn_pluto_set_conns(). */
struct gateway_tunnels {
    struct vpn_tunnel_params *params;
    size_t n, allocated;
};

struct agent {
    bool exiting;
    bool cleanup;               /* "exit --cleanup": tear everything down. */
    char *chassis;              /* This chassis's name. */
    struct vpn_plumb *plumb;
    struct shash gateways;      /* Contains "struct agent_gateway"s. */
    struct vpn_caps caps;       /* What this chassis can do, reported. */
    bool pluto_ok;              /* It has libreswan. */
    uint64_t pluto_dh_groups;   /* The DH groups of its libreswan. */
    bool charon_ok;             /* It has strongswan's charon too. */
    struct vpn_beat *beat;      /* The heartbeat, in its own thread. */
    int heartbeat_interval;     /* Its interval, in ms, as reported. */
    struct vpn_reporter reporter;       /* Where and how it reports. */
    struct vpn_keyring *keyring;        /* Opens the sealed keys. */
    bool swept;                 /* Stale plutos of an earlier run gone. */

    /* What sync_gateways() last saw: with thousands of tunnels,
     * rendering every conn in each iteration of the main loop would cost
     * more than the work itself. */
    unsigned int gateways_seqno;        /* SB VPN_Gateway table. */
    unsigned int tunnels_seqno;         /* SB VPN_Tunnel table. */

    /* The SB VPN_SB_Global nb_cfg of the contents this chassis has
     * applied: namespaces plumbed, conns loaded ("ovn-vpnctl --wait=hv"). */
    int64_t applied_cfg;

    /* The kernel's counters are read every AGENT_KSTATS_MSEC, the metrics
     * file (--metrics-file) written every AGENT_METRICS_MSEC. */
    long long int next_kstats;
    uint64_t kstats_seqno;      /* Bumped by each read that found a
                                 * change. */
    uint64_t reported_kstats_seqno;
    long long int next_metrics;
    const struct ovsdb_idl *sb_idl;     /* For "metrics/show". */
};

#define AGENT_KSTATS_MSEC 5000
#define AGENT_METRICS_MSEC 15000

static unixctl_cb_func agent_exit;
static unixctl_cb_func agent_status;
static unixctl_cb_func agent_tunnel_show;
static unixctl_cb_func agent_tunnel_log;
static unixctl_cb_func agent_recompute;
static unixctl_cb_func agent_seal_key_rotate;
static unixctl_cb_func agent_metrics_show;

static void parse_options(int argc, char *argv[]);
OVS_NO_RETURN static void usage(void);
static void sync_gateways(struct agent *, const struct ovsdb_idl *sb,
                          const struct ovsdb_idl *ovs,
                          struct ovsdb_idl_txn *ovs_txn);
static void sync_reports(struct agent *, const struct ovsdb_idl *sb,
                         struct ovsdb_idl_txn *sb_txn,
                         const struct ovsdb_idl *status,
                         struct ovsdb_idl_txn *status_txn);
static void sweep_stale_plutos(struct agent *);
static void collect_tunnels(const struct agent *, const struct ovsdb_idl *sb,
                            struct shash *by_gateway);
static void free_tunnels(struct shash *by_gateway);
static void gateway_dirs(const char *netns, char **rundir, char **statedir);
static const struct agent_gateway *find_pluto_owner(const struct agent *,
                                                    const char *rundir);
static bool gateway_is_standby(const struct agent *,
                               const struct sbrec_vpn_gateway *);
static bool gateway_is_ours(const struct agent *,
                            const struct sbrec_vpn_gateway *);
static bool tunnel_is_ours(const struct agent *,
                           const struct sbrec_vpn_tunnel *);
static void free_gateway(struct agent *, struct agent_gateway *, bool stop);
static void run_kstats(struct agent *);
static void format_metrics(const struct agent *, const struct ovsdb_idl *sb,
                           struct ds *);
static void write_metrics(struct agent *, const struct ovsdb_idl *sb);

int
main(int argc, char *argv[])
{
    struct agent agent;
    memset(&agent, 0, sizeof agent);
    shash_init(&agent.gateways);
    vpn_reporter_init(&agent.reporter);
    vpn_caps_init(&agent.caps);

    fatal_ignore_sigpipe();
    ovs_cmdl_proctitle_init(argc, argv);
    set_program_name(argv[0]);
    service_start(&argc, &argv);
    parse_options(argc, argv);

    daemonize_start(true);

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
    unixctl_command_register("exit", "[--cleanup]", 0, 1, agent_exit,
                             &agent);
    unixctl_command_register("status", "", 0, 0, agent_status, &agent);
    unixctl_command_register("tunnel/show", "", 0, 0, agent_tunnel_show,
                             &agent);
    unixctl_command_register("tunnel/log", "NAME", 1, 1, agent_tunnel_log,
                             &agent);
    unixctl_command_register("recompute", "", 0, 0, agent_recompute,
                             &agent);
    unixctl_command_register("seal-key/rotate", "", 0, 0,
                             agent_seal_key_rotate, &agent);
    unixctl_command_register("metrics/show", "", 0, 0, agent_metrics_show,
                             &agent);

    /* The key that opens this chassis's pre-shared keys: made the first
     * time, before the parent returns, so that an unusable file is the
     * start's error. */
    agent.keyring = vpn_keyring_open(seal_key_file);

    char *error = vpn_plumb_create(netns_prefix, VPN_PLUMB_DEFAULT_BRIDGE,
                                   &agent.plumb);
    if (error) {
        ovs_fatal(0, "%s", error);
    }

    /* What this chassis's libreswan accepts, once: it does not change
     * while the agent runs. */
    if (!vpn_pluto_probe_caps(&agent.caps)) {
        VLOG_WARN("could not probe libreswan's algorithms; publishing "
                  "none");
    }
    agent.pluto_ok = agent.caps.known;
    agent.pluto_dh_groups = agent.caps.dh_groups;
    agent.charon_ok = vpn_charon_available();
    if (agent.charon_ok) {
        /* strongswan runs the gateways whose groups libreswan lacks, or
         * every gateway on a chassis that has no libreswan. */
        vpn_charon_probe_caps(&agent.caps);
        VLOG_INFO("strongswan's charon found: it runs %s",
                  agent.pluto_ok ? "the gateways whose DH groups libreswan "
                  "lacks" : "every gateway (no libreswan)");
    }

    daemonize_complete();

    /* From here on, the heartbeat beats whatever the main loop waits
     * for. */
    agent.beat = vpn_beat_create(true);
    agent.heartbeat_interval = VPN_REPORT_HEARTBEAT_MSEC;

    /* The local Open_vSwitch database: configuration and the gateways'
     * ports. */
    struct ovsdb_idl_loop ovs_loop = OVSDB_IDL_LOOP_INITIALIZER(
        ovsdb_idl_create(ovs_remote, &ovsrec_idl_class, false, true));
    ovsdb_idl_add_column(ovs_loop.idl, &ovsrec_open_vswitch_col_external_ids);
    vpn_plumb_add_ovs_columns(ovs_loop.idl);

    /* The southbound database: the gateways and tunnels (a handful of rows
     * per chassis) and the Chassis_Private rows, one per chassis. */
    struct ovsdb_idl_loop sb_loop = OVSDB_IDL_LOOP_INITIALIZER(
        ovsdb_idl_create_unconnected(&sbrec_idl_class, false));
    /* As ovn-controller: any member of a clustered SB will do (followers
     * pass writes on to the leader), so that a leader election does not
     * cut the agent off while it reconnects to the new leader. */
    ovsdb_idl_set_leader_only(sb_loop.idl, false);

    /* The status database, on the SB's servers: this chassis's row only
     * (vpn_reporter_set_chassis()), from any member. */
    struct ovsdb_idl_loop status_loop = OVSDB_IDL_LOOP_INITIALIZER(
        ovsdb_idl_create_unconnected(&vpnstatusrec_idl_class, false));
    ovsdb_idl_set_leader_only(status_loop.idl, false);
    vpn_reporter_add_columns(sb_loop.idl, status_loop.idl);
    ovsdb_idl_add_column(sb_loop.idl, &sbrec_vpn_sb_global_col_nb_cfg);
    char *sb_remote = NULL;

    while (!agent.exiting) {
        struct ovsdb_idl_txn *ovs_txn = ovsdb_idl_loop_run(&ovs_loop);

        /* Chassis name, SB remote and bridge, from the local database
         * unless given on the command line. */
        const struct ovsrec_open_vswitch *cfg
            = ovsrec_open_vswitch_first(ovs_loop.idl);
        const char *chassis = chassis_option;
        const char *remote = sb_remote_option;
        if (cfg) {
            if (!chassis) {
                chassis = smap_get(&cfg->external_ids, "system-id");
            }
            if (!remote) {
                remote = smap_get(&cfg->external_ids, "ovn-remote");
            }
            vpn_plumb_set_bridge(agent.plumb,
                                 smap_get_def(&cfg->external_ids,
                                              "ovn-bridge",
                                              VPN_PLUMB_DEFAULT_BRIDGE));

            /* As ovn-controller's ovn-remote-probe-interval, a setting of
             * the chassis itself.  It is reported, so that the translator
             * judges this agent by it. */
            int interval = smap_get_int(&cfg->external_ids,
                                        "ovn-vpn-heartbeat-interval",
                                        VPN_REPORT_HEARTBEAT_MSEC);
            interval = vpn_beat_set_interval(agent.beat, interval);
            if (interval != agent.heartbeat_interval) {
                VLOG_INFO("heartbeat every %d ms", interval);
                agent.heartbeat_interval = interval;
            }
        }
        if (chassis && !nullable_string_is_equal(chassis, agent.chassis)) {
            free(agent.chassis);
            agent.chassis = xstrdup(chassis);
            VLOG_INFO("chassis name: %s", agent.chassis);
            vpn_beat_set_chassis(agent.beat, agent.chassis);
            vpn_reporter_set_chassis(&agent.reporter, agent.chassis,
                                     sb_loop.idl, status_loop.idl);
        }
        if (remote && !nullable_string_is_equal(remote, sb_remote)) {
            free(sb_remote);
            sb_remote = xstrdup(remote);
            ovsdb_idl_set_remote(sb_loop.idl, sb_remote, true);
            ovsdb_idl_set_remote(status_loop.idl, sb_remote, true);
            vpn_beat_set_remote(agent.beat, sb_remote);
            VLOG_INFO("OVN SB: %s", sb_remote);
        }

        struct ovsdb_idl_txn *sb_txn = ovsdb_idl_loop_run(&sb_loop);
        struct ovsdb_idl_txn *status_txn = ovsdb_idl_loop_run(&status_loop);
        if (agent.chassis && ovsdb_idl_has_ever_connected(sb_loop.idl)) {
            vpn_reporter_update_tunnel_condition(&agent.reporter,
                                                 sb_loop.idl);
        }

        /* The plutos run before the reports are built, so that what they
         * saw in this iteration (a tunnel that connected) is reported in
         * it, not when some timer next wakes the loop. */
        vpn_pluto_stopping_run();
        struct shash_node *node;
        SHASH_FOR_EACH (node, &agent.gateways) {
            struct agent_gateway *gw = node->data;
            if (gw->pluto) {
                vpn_pluto_run(gw->pluto);
            } else if (gw->charon) {
                vpn_charon_run(gw->charon);
            }
        }
        run_kstats(&agent);

        /* With the SB unreachable, the last known gateways keep running:
         * tunnels stay up across an SB outage. */
        /* Only on a complete view: while the server has not yet applied
         * a new monitoring condition, a gateway may show without its
         * tunnels (as ovn-controller waits for its condition seqno). */
        if (sb_remote && ovsdb_idl_has_ever_connected(ovs_loop.idl)
            && vpn_reporter_sb_complete(&agent.reporter, sb_loop.idl)) {
            sync_gateways(&agent, sb_loop.idl, ovs_loop.idl, ovs_txn);
            sync_reports(&agent, sb_loop.idl, sb_txn, status_loop.idl,
                         status_txn);
            write_metrics(&agent, sb_loop.idl);
        }
        agent.sb_idl = sb_loop.idl;
        unixctl_server_run(unixctl);
        unixctl_server_wait(unixctl);
        vpn_beat_progress(agent.beat);
        if (agent.exiting) {
            poll_immediate_wake();
        }

        SHASH_FOR_EACH (node, &agent.gateways) {
            struct agent_gateway *gw = node->data;
            if (gw->pluto) {
                vpn_pluto_wait(gw->pluto);
            } else if (gw->charon) {
                vpn_charon_wait(gw->charon);
            }
        }
        if (shash_count(&agent.gateways)) {
            poll_timer_wait_until(agent.next_kstats);
        }
        if (metrics_file) {
            poll_timer_wait_until(agent.next_metrics);
        }
        vpn_pluto_stopping_wait();
        vpn_plumb_wait(agent.plumb);
        vpn_reporter_wait(&agent.reporter);
        ovsdb_idl_loop_commit_and_wait(&ovs_loop);
        ovsdb_idl_loop_commit_and_wait(&sb_loop);
        ovsdb_idl_loop_commit_and_wait(&status_loop);
        poll_block();
        if (should_service_stop()) {
            agent.exiting = true;
        }
    }

    /* "exit --cleanup" removes everything; a plain exit leaves plutos and
     * namespaces running, to be adopted by the next agent. */
    if (agent.cleanup) {
        struct shash_node *node, *next;
        SHASH_FOR_EACH_SAFE (node, next, &agent.gateways) {
            free_gateway(&agent, node->data, true);
        }
        vpn_pluto_stopping_flush(NULL);
        for (int i = 0; i < 50; i++) {
            struct ovsdb_idl_txn *txn = ovsdb_idl_loop_run(&ovs_loop);
            if (txn && vpn_plumb_cleanup(agent.plumb, ovs_loop.idl, txn)) {
                ovsdb_idl_loop_commit_and_wait(&ovs_loop);
                break;
            }
            ovsdb_idl_loop_commit_and_wait(&ovs_loop);
            vpn_plumb_wait(agent.plumb);
            poll_block();
        }
    } else {
        struct shash_node *node, *next;
        SHASH_FOR_EACH_SAFE (node, next, &agent.gateways) {
            free_gateway(&agent, node->data, false);
        }
    }

    /* Plutos of gateways that left are stopped before the agent goes. */
    vpn_pluto_stopping_flush(NULL);
    vpn_beat_destroy(agent.beat);
    vpn_plumb_destroy(agent.plumb);
    unixctl_server_destroy(unixctl);
    ovsdb_idl_loop_destroy(&ovs_loop);
    ovsdb_idl_loop_destroy(&sb_loop);
    ovsdb_idl_loop_destroy(&status_loop);
    vpn_reporter_destroy(&agent.reporter);
    vpn_keyring_destroy(agent.keyring);
    free(sb_remote);
    service_stop();
    exit(EXIT_SUCCESS);
}

static void
parse_options(int argc, char *argv[])
{
    enum {
        OPT_PEER_CA_CERT = UCHAR_MAX + 1,
        OPT_BOOTSTRAP_CA_CERT,
        OPT_NETNS_PREFIX,
        OPT_CHASSIS,
        OPT_STATE_DIR,
        OPT_RUN_DIR,
        OPT_PLUTO_ENV,
        OPT_SEAL_KEY,
        OPT_METRICS_FILE,
        DAEMON_OPTION_ENUMS,
        VLOG_OPTION_ENUMS,
        SSL_OPTION_ENUMS,
    };
    static const struct option long_options[] = {
        {"ovnsb-db", required_argument, NULL, 'D'},
        {"chassis", required_argument, NULL, OPT_CHASSIS},
        {"netns-prefix", required_argument, NULL, OPT_NETNS_PREFIX},
        {"state-dir", required_argument, NULL, OPT_STATE_DIR},
        {"run-dir", required_argument, NULL, OPT_RUN_DIR},
        {"pluto-env", required_argument, NULL, OPT_PLUTO_ENV},
        {"seal-key", required_argument, NULL, OPT_SEAL_KEY},
        {"metrics-file", required_argument, NULL, OPT_METRICS_FILE},
        {"unixctl", required_argument, NULL, 'u'},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        DAEMON_LONG_OPTIONS,
        VLOG_LONG_OPTIONS,
        STREAM_SSL_LONG_OPTIONS,
        {"peer-ca-cert", required_argument, NULL, OPT_PEER_CA_CERT},
        {"bootstrap-ca-cert", required_argument, NULL, OPT_BOOTSTRAP_CA_CERT},
        {NULL, 0, NULL, 0}
    };
    char *short_options = ovs_cmdl_long_options_to_short_options(long_options);

    for (;;) {
        int c = getopt_long(argc, argv, short_options, long_options, NULL);
        if (c == -1) {
            break;
        }

        switch (c) {
        case 'D':
            sb_remote_option = optarg;
            break;

        case OPT_CHASSIS:
            chassis_option = optarg;
            break;

        case OPT_NETNS_PREFIX: {
            char *error = vpn_plumb_check_prefix(optarg);
            if (error) {
                ovs_fatal(0, "--netns-prefix: %s", error);
            }
            netns_prefix = optarg;
            break;
        }

        case OPT_STATE_DIR:
            state_dir = xstrdup(optarg);
            break;

        case OPT_RUN_DIR:
            run_dir = xstrdup(optarg);
            break;

        case OPT_PLUTO_ENV:
            if (!strchr(optarg, '=')) {
                ovs_fatal(0, "--pluto-env: %s is not VAR=VALUE", optarg);
            }
            svec_add(&pluto_env, optarg);
            break;

        case OPT_SEAL_KEY:
            seal_key_file = abs_file_name(NULL, optarg);
            break;

        case OPT_METRICS_FILE:
            metrics_file = abs_file_name(NULL, optarg);
            break;

        case 'u':
            unixctl_path = optarg;
            break;

        case 'h':
            usage();

        case 'V':
            vpn_print_version();
            exit(EXIT_SUCCESS);

        VLOG_OPTION_HANDLERS
        DAEMON_OPTION_HANDLERS
        STREAM_SSL_OPTION_HANDLERS

        case OPT_PEER_CA_CERT:
            stream_ssl_set_peer_ca_cert_file(optarg);
            break;

        case OPT_BOOTSTRAP_CA_CERT:
            stream_ssl_set_ca_cert_file(optarg, true);
            break;

        case '?':
            exit(EXIT_FAILURE);

        default:
            OVS_NOT_REACHED();
        }
    }
    free(short_options);

    argc -= optind;
    argv += optind;
    if (argc == 0) {
        ovs_remote = xasprintf("unix:%s/db.sock", ovs_rundir());
    } else if (argc == 1) {
        ovs_remote = xstrdup(argv[0]);
    } else {
        VLOG_FATAL("exactly zero or one non-option argument required; "
                   "use --help for usage");
    }
    if (!state_dir) {
        state_dir = xasprintf("%s/ovn-vpn", vpn_ovn_rundir());
    }
    if (!run_dir) {
        /* Short: pluto's control socket path is limited. */
        run_dir = xstrdup("/run/ovnvpn");
    }
    if (!seal_key_file) {
        /* Beside OVN's databases: it outlives a reboot. */
        seal_key_file = xasprintf("%s/ovn-vpn-seal-key.pem",
                                  vpn_ovn_dbdir());
    }
}

static void
usage(void)
{
    printf("%s: OVN VPN agent\n"
           "usage %s [OPTIONS] [OVS-DATABASE]\n"
           "where OVS-DATABASE is a socket on which the Open vSwitch "
           "database server is listening\n"
           "(default: unix:%s/db.sock).\n",
           program_name, program_name, ovs_rundir());
    printf("\nOptions:\n"
           "  --ovnsb-db=REMOTE       OVN SB database (default: "
           "external_ids:ovn-remote)\n"
           "  --chassis=NAME          chassis name (default: "
           "external_ids:system-id)\n"
           "  --netns-prefix=PREFIX   prefix of the gateways' network "
           "namespaces\n"
           "                          (default: %s)\n"
           "  --state-dir=DIR         plutos' configuration, keys and logs\n"
           "                          (default: $OVN_RUNDIR/ovn-vpn)\n"
           "  --run-dir=DIR           plutos' control sockets "
           "(default: /run/ovnvpn)\n"
           "  --pluto-env=VAR=VALUE   add VAR to the plutos' environment\n"
           "  --seal-key=FILE         private key that opens the sealed "
           "pre-shared keys\n"
           "                          (default: "
           "$OVN_DBDIR/ovn-vpn-seal-key.pem)\n"
           "  --metrics-file=FILE     write Prometheus metrics into FILE "
           "every 15 s\n"
           "  --unixctl=SOCKET        override default control socket "
           "name\n"
           "  -h, --help              display this help message\n"
           "  -V, --version           display version information\n",
           VPN_PLUMB_DEFAULT_PREFIX);
    daemon_usage();
    vlog_usage();
    stream_usage("database", true, false, true);
    exit(EXIT_SUCCESS);
}

/* Derives a gateway's pluto directories from its namespace name
 * (vpn_pluto_dir_name()). */
static void
gateway_dirs(const char *netns, char **rundir, char **statedir)
{
    char *name = vpn_pluto_dir_name(netns);
    *rundir = xasprintf("%s/%s", run_dir, name);
    *statedir = xasprintf("%s/%s", state_dir, name);
    free(name);
}

/* Returns true if SB name 'name' of a 'kind' of row is valid
 * (vpn_check_name()).  ovn-vpn-northd writes no other, and the agent
 * ignores a row with one, logging the name escaped (vpn_put_printable()),
 * so that no SB string can forge a log line or reach a file name. */
static bool
sb_name_ok(const char *kind, const char *name)
{
    char *error = vpn_check_name(kind, name);
    if (!error) {
        return true;
    }
    free(error);       /* It quotes the name as it is. */

    static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 5);
    if (!VLOG_DROP_WARN(&rl)) {
        struct ds escaped = DS_EMPTY_INITIALIZER;
        vpn_put_printable(&escaped, name, strlen(name));
        VLOG_WARN("ignoring the southbound's %s \"%s\": not a valid name",
                  kind, ds_cstr(&escaped));
        ds_destroy(&escaped);
    }
    return false;
}

/* A gateway's charon directories (vpn-charon.h): its pluto's, with
 * "-charon" appended. */
static void
gateway_charon_dirs(const char *netns, char **rundir, char **statedir)
{
    char *prundir, *pstatedir;
    gateway_dirs(netns, &prundir, &pstatedir);
    *rundir = xasprintf("%s-charon", prundir);
    *statedir = xasprintf("%s-charon", pstatedir);
    free(prundir);
    free(pstatedir);
}

/* Returns true if a tunnel of 'gt' needs a DH group, for IKE or PFS, that
 * this chassis's libreswan lacks. */
static bool
tunnels_need_charon(const struct agent *agent,
                    const struct gateway_tunnels *gt)
{
    for (size_t i = 0; gt && i < gt->n; i++) {
        const struct vpn_tunnel_params *p = &gt->params[i];
        int groups[] = { p->ike_dh_group, p->ipsec_pfs_group };
        for (size_t j = 0; j < ARRAY_SIZE(groups); j++) {
            int g = groups[j];
            if (g > 0 && g < 64
                && !(agent->pluto_dh_groups & (UINT64_C(1) << g))) {
                return true;
            }
        }
    }
    return false;
}

/* Returns true if 'sbgw' is placed on this chassis and valid. */
static bool
gateway_is_ours(const struct agent *agent,
                const struct sbrec_vpn_gateway *sbgw)
{
    return (sbgw && sbgw->chassis && agent->chassis
            && !strcmp(sbgw->chassis, agent->chassis)
            && sb_name_ok("gateway", sbgw->name));
}

/* Returns true if this chassis is 'sbgw''s standby (and it is valid). */
static bool
gateway_is_standby(const struct agent *agent,
                   const struct sbrec_vpn_gateway *sbgw)
{
    return (sbgw && sbgw->standby && agent->chassis
            && !strcmp(sbgw->standby, agent->chassis)
            && !gateway_is_ours(agent, sbgw)
            && sb_name_ok("gateway", sbgw->name));
}

/* Returns true if 't''s gateway is placed on this chassis and both are
 * valid. */
static bool
tunnel_is_ours(const struct agent *agent, const struct sbrec_vpn_tunnel *t)
{
    return gateway_is_ours(agent, t->gateway) && sb_name_ok("tunnel", t->name);
}

/* Returns the gateway whose pluto uses run directory 'rundir', if any. */
static const struct agent_gateway *
find_pluto_owner(const struct agent *agent, const char *rundir)
{
    const struct shash_node *node;
    SHASH_FOR_EACH (node, &agent->gateways) {
        const struct agent_gateway *gw = node->data;
        if (gw->pluto && !strcmp(vpn_pluto_get_rundir(gw->pluto), rundir)) {
            return gw;
        }
    }
    return NULL;
}

/* Fills 'p' from the SB rows and 'psk', the opened key.  Strings point
 * into the rows. */
static void
tunnel_params(const struct sbrec_vpn_gateway *gw,
              const struct sbrec_vpn_tunnel *t, const char *psk,
              struct vpn_tunnel_params *p)
{
    vpn_params_init(p);
    p->name = t->name;
    p->local_ip = gw->ip;
    p->local_public_ip = gw->public_ip;
    p->peer_ip = t->peer_ip;
    p->local_id = t->local_id;
    p->peer_id = strcmp(t->peer_id, VPN_PEER_ANY) ? t->peer_id : NULL;
    p->local_cidrs = (const char **) t->local_cidrs;
    p->n_local_cidrs = t->n_local_cidrs;
    p->peer_cidrs = (const char **) t->peer_cidrs;
    p->n_peer_cidrs = t->n_peer_cidrs;
    p->psk = psk;
    vpn_catalog_from_row(&t->header_, p);
    vpn_params_apply_defaults(p);
    p->instance = smap_get_ullong(&t->external_ids, "first-generation", 0);
}

/* Makes the namespaces, ports and plutos match the gateways the SB places
 * on this chassis, and those it is the standby of: those are plumbed and
 * get a pluto too, without conns, so that taking one over costs only its
 * conns and their IKE exchanges.  (Their port is not bound here until
 * then: the gateway's logical port requests the active chassis.) */
static void
sync_gateways(struct agent *agent, const struct ovsdb_idl *sb,
              const struct ovsdb_idl *ovs, struct ovsdb_idl_txn *ovs_txn)
{
    /* Stop the plutos of gateways that left first, then let the plumbing
     * remove their namespaces. */
    struct shash_node *node, *next;
    SHASH_FOR_EACH (node, &agent->gateways) {
        struct agent_gateway *gw = node->data;
        gw->seen = false;
    }
    struct vpn_plumb_gateway *wanted = NULL;
    size_t n = 0, allocated = 0;
    const struct sbrec_vpn_gateway *sbgw;
    SBREC_VPN_GATEWAY_FOR_EACH (sbgw, sb) {
        bool standby = gateway_is_standby(agent, sbgw);
        if (!standby && !gateway_is_ours(agent, sbgw)) {
            continue;
        }
        if (n >= allocated) {
            wanted = x2nrealloc(wanted, &allocated, sizeof *wanted);
        }
        wanted[n++] = (struct vpn_plumb_gateway) {
            .name = sbgw->name,
            .logical_port = sbgw->logical_port,
            .mac = sbgw->mac,
            .ip = sbgw->ip,
            .prefix_len = sbgw->prefix_len,
            .router_ip = sbgw->router_ip,
            .routes = sbgw->vpc_routes,
            .n_routes = sbgw->n_vpc_routes,
        };
        struct agent_gateway *gw = shash_find_data(&agent->gateways,
                                                   sbgw->name);
        if (!gw) {
            gw = xzalloc(sizeof *gw);
            gw->name = xstrdup(sbgw->name);
            gw->netns = vpn_plumb_netns_name(netns_prefix, sbgw->name);
            gw->node = shash_add(&agent->gateways, gw->name, gw);
            gw->standby = standby;
            VLOG_INFO("gateway %s %s this chassis", gw->name,
                      standby ? "kept warm (standby) on" : "placed on");
        } else if (gw->standby != standby) {
            VLOG_INFO("gateway %s %s this chassis", gw->name,
                      standby ? "left for standby on" : "taken over by");
            gw->standby = standby;
            gw->conns_stale = true;
        }
        gw->seen = true;
    }
    SHASH_FOR_EACH_SAFE (node, next, &agent->gateways) {
        struct agent_gateway *gw = node->data;
        if (!gw->seen) {
            VLOG_INFO("gateway %s left this chassis", gw->name);
            free_gateway(agent, gw, true);
        }
    }

    /* Once the wanted set is known, what an earlier run left behind. */
    if (!agent->swept) {
        sweep_stale_plutos(agent);
        agent->swept = true;
    }

    vpn_plumb_run(agent->plumb, wanted, n, ovs, ovs_txn);
    free(wanted);

    /* What this pass applies, if it applies everything. */
    const struct sbrec_vpn_sb_global *sg = sbrec_vpn_sb_global_first(sb);
    int64_t cfg = sg ? sg->nb_cfg : 0;

    /* A pluto in every plumbed namespace, with the gateway's tunnels, given
     * again only when the SB changed them. */
    unsigned int gateways_seqno
        = ovsdb_idl_table_get_seqno(sb, &sbrec_table_vpn_gateway);
    unsigned int tunnels_seqno
        = ovsdb_idl_table_get_seqno(sb, &sbrec_table_vpn_tunnel);
    bool changed = (gateways_seqno != agent->gateways_seqno
                    || tunnels_seqno != agent->tunnels_seqno);
    agent->gateways_seqno = gateways_seqno;
    agent->tunnels_seqno = tunnels_seqno;

    struct shash by_gateway = SHASH_INITIALIZER(&by_gateway);
    bool collected = false;
    SBREC_VPN_GATEWAY_FOR_EACH (sbgw, sb) {
        struct agent_gateway *gw = shash_find_data(&agent->gateways,
                                                   sbgw->name);
        if (!gw || !gw->seen) {
            continue;
        }
        /* The IKE daemon: strongswan's charon where a tunnel needs a DH
         * group that libreswan lacks (and this chassis has charon),
         * libreswan's pluto otherwise.  It can change only with the
         * tunnels. */
        bool want_charon = gw->charon != NULL;
        if (agent->charon_ok
            && (changed || gw->conns_stale || !gateway_has_driver(gw))) {
            if (!collected) {
                collect_tunnels(agent, sb, &by_gateway);
                collected = true;
            }
            want_charon = !agent->pluto_ok || (!gw->standby
                                               && tunnels_need_charon(
                agent, shash_find_data(&by_gateway, sbgw->name)));
        }
        if (want_charon && gw->pluto) {
            VLOG_INFO("gateway %s: a tunnel needs a DH group that only "
                      "strongswan has: stopping pluto", gw->name);
            char *rundir = xstrdup(vpn_pluto_get_rundir(gw->pluto));
            vpn_pluto_destroy(gw->pluto, true);
            gw->pluto = NULL;
            gw->listen_ip = 0;
            vpn_pluto_stopping_flush(rundir);
            free(rundir);
        } else if (!want_charon && gw->charon) {
            VLOG_INFO("gateway %s: libreswan can run its tunnels: "
                      "stopping charon", gw->name);
            vpn_charon_destroy(gw->charon);
            gw->charon = NULL;
        }
        if (want_charon && !gw->charon
            && vpn_plumb_ready(agent->plumb, gw->name)) {
            char *rundir, *statedir;
            gateway_charon_dirs(gw->netns, &rundir, &statedir);
            gw->charon = vpn_charon_create(gw->name, gw->netns, rundir,
                                           statedir);
            gw->conns_stale = true;
            free(rundir);
            free(statedir);
        }
        if (!want_charon && !gw->pluto
            && vpn_plumb_ready(agent->plumb, gw->name)) {
            char *rundir, *statedir;
            gateway_dirs(gw->netns, &rundir, &statedir);
            const struct agent_gateway *other = find_pluto_owner(agent,
                                                                 rundir);
            if (other) {
                /* Never one pluto for two gateways. */
                static struct vlog_rate_limit rl
                    = VLOG_RATE_LIMIT_INIT(5, 5);
                VLOG_ERR_RL(&rl, "gateway %s: pluto directory %s is "
                            "gateway %s's: not started", gw->name, rundir,
                            other->name);
            } else {
                gw->pluto = vpn_pluto_create(gw->name, gw->netns, rundir,
                                             statedir, &pluto_env);
                gw->conns_stale = true;
            }
            free(rundir);
            free(statedir);
        }
        if (!gateway_has_driver(gw)) {
            continue;
        }

        /* The tunnels' local address is eth0's: while the plumbing has not
         * given eth0 the SB's address yet, pluto keeps what it has; once
         * it has, pluto must look for its interfaces again before it gets
         * conns on the new address. */
        ovs_be32 sb_ip, plumbed_ip = vpn_plumb_ip(agent->plumb, gw->name);
        if (!ip_parse(sbgw->ip, &sb_ip) || plumbed_ip != sb_ip) {
            gw->conns_stale = true;
            continue;
        }
        if (gw->pluto && gw->listen_ip != plumbed_ip) {
            /* A pluto this agent started listened at its start; one it
             * adopted may have run while the address changed. */
            if (gw->listen_ip || vpn_pluto_is_adopted(gw->pluto)) {
                vpn_pluto_listen(gw->pluto);
                gw->conns_stale = true;
            }
            gw->listen_ip = plumbed_ip;
        }

        if (!changed && !gw->conns_stale) {
            continue;
        }

        if (!collected) {
            collect_tunnels(agent, sb, &by_gateway);
            collected = true;
        }
        /* A standby's pluto has no conns (and this chassis none of its
         * tunnels' keys). */
        const struct gateway_tunnels *gt = (gw->standby ? NULL
                                            : shash_find_data(&by_gateway,
                                                              sbgw->name));
        /* Not yet if pluto is still loading a batch of conns. */
        if (gw->pluto) {
            gw->conns_stale = !vpn_pluto_set_conns(gw->pluto,
                                                   gt ? gt->params : NULL,
                                                   gt ? gt->n : 0);
        } else {
            gw->conns_stale = !vpn_charon_set_conns(gw->charon,
                                                    gt ? gt->params : NULL,
                                                    gt ? gt->n : 0);
        }
    }
    free_tunnels(&by_gateway);

    /* Applied: every gateway of this chassis has its pluto, with every
     * conn the SB gives it.  (A standby is not waited for.) */
    bool applied = true;
    SHASH_FOR_EACH (node, &agent->gateways) {
        const struct agent_gateway *gw = node->data;
        applied = applied && (gw->standby || (gateway_has_driver(gw)
                                              && !gw->conns_stale));
    }
    if (applied && cfg != agent->applied_cfg) {
        agent->applied_cfg = cfg;
    }
}

/* Adds to 'by_gateway', for each gateway on this chassis that has
 * tunnels, a "struct gateway_tunnels" with their parameters, whose
 * strings point into the SB rows and the keyring.  A tunnel whose key does
 * not open (yet) is left out. */
static void
collect_tunnels(const struct agent *agent, const struct ovsdb_idl *sb,
                struct shash *by_gateway)
{
    const struct sbrec_vpn_tunnel *t;
    SBREC_VPN_TUNNEL_FOR_EACH (t, sb) {
        const struct sbrec_vpn_gateway *sbgw = t->gateway;
        if (!tunnel_is_ours(agent, t)) {
            continue;
        }
        const char *psk = vpn_keyring_unseal(agent->keyring, t->name,
                                             t->sealed_psk);
        if (!psk) {
            continue;
        }
        struct gateway_tunnels *gt = shash_find_data(by_gateway, sbgw->name);
        if (!gt) {
            gt = xzalloc(sizeof *gt);
            shash_add(by_gateway, sbgw->name, gt);
        }
        if (gt->n >= gt->allocated) {
            gt->params = x2nrealloc(gt->params, &gt->allocated,
                                    sizeof *gt->params);
        }
        tunnel_params(sbgw, t, psk, &gt->params[gt->n++]);
    }
    vpn_keyring_sweep(agent->keyring);
}

static void
free_tunnels(struct shash *by_gateway)
{
    struct shash_node *node;
    SHASH_FOR_EACH (node, by_gateway) {
        struct gateway_tunnels *gt = node->data;
        free(gt->params);
        free(gt);
    }
    shash_destroy(by_gateway);
}

/* Kills the plutos of an earlier run whose gateway is not on this chassis
 * any more (their namespace is gone with vpn_plumb_run()) and removes
 * their directories.  A pluto is ours if its pid file is in one of our
 * run directories and its command line names that directory. */
static void
sweep_stale_plutos(struct agent *agent)
{
    struct sset keep = SSET_INITIALIZER(&keep);
    struct shash_node *node;
    SHASH_FOR_EACH (node, &agent->gateways) {
        struct agent_gateway *gw = node->data;
        char *rundir, *statedir;
        gateway_dirs(gw->netns, &rundir, &statedir);
        sset_add(&keep, rundir);
        free(rundir);
        free(statedir);
        gateway_charon_dirs(gw->netns, &rundir, &statedir);
        sset_add(&keep, rundir);
        free(rundir);
        free(statedir);
    }

    DIR *dir = opendir(run_dir);
    struct dirent *de;
    while (dir && (de = readdir(dir)) != NULL) {
        if (de->d_name[0] == '.') {
            continue;
        }
        char *rundir = xasprintf("%s/%s", run_dir, de->d_name);
        char *statedir = xasprintf("%s/%s", state_dir, de->d_name);
        if (!sset_contains(&keep, rundir)) {
            char *pidfile = xasprintf("%s/pluto.pid", rundir);
            pid_t pid = read_pidfile(pidfile);
            if (pid > 0) {
                char *cmdline_path = xasprintf("/proc/%ld/cmdline",
                                               (long int) pid);
                FILE *f = fopen(cmdline_path, "r");
                struct ds cmdline = DS_EMPTY_INITIALIZER;
                if (f) {
                    int c;
                    while ((c = getc(f)) != EOF) {
                        ds_put_char(&cmdline, c ? c : ' ');
                    }
                    fclose(f);
                }
                if (strstr(ds_cstr(&cmdline), rundir)) {
                    VLOG_INFO("stopping stale pluto %ld (%s)",
                              (long int) pid, rundir);
                    kill(pid, SIGTERM);
                }
                ds_destroy(&cmdline);
                free(cmdline_path);
            }
            free(pidfile);
            vpn_charon_kill_stale(rundir);
            /* The directories hold only files this agent wrote. */
            vpn_file_remove_tree(rundir);
            vpn_file_remove_tree(statedir);
        }
        free(rundir);
        free(statedir);
    }
    if (dir) {
        closedir(dir);
    }
    sset_destroy(&keep);
}

static void
free_gateway(struct agent *agent, struct agent_gateway *gw, bool stop)
{
    shash_delete(&agent->gateways, gw->node);
    vpn_pluto_destroy(gw->pluto, stop);
    vpn_charon_destroy(gw->charon);
    vpn_kstats_destroy(gw->kstats);
    free(gw->name);
    free(gw->netns);
    free(gw);
}

/* Stores in '*c' the traffic counters of tunnel 't' of gateway 'gw'
 * ('sbgw' in the SB), whose driver's view is 'pt': the kernel's, or where
 * the kernel has no SA of it (a kernel without ESP, or no SA yet), the
 * bytes that pluto reported, and no packet count. */
static void
tunnel_counters(const struct agent_gateway *gw,
                const struct sbrec_vpn_gateway *sbgw,
                const struct sbrec_vpn_tunnel *t,
                const struct vpn_pluto_tunnel *pt, struct vpn_kcounters *c)
{
    if (gw && gw->kstats
        && vpn_kstats_table_tunnel(vpn_kstats_get(gw->kstats), sbgw->ip,
                                   (const char *const *) t->local_cidrs,
                                   t->n_local_cidrs,
                                   (const char *const *) t->peer_cidrs,
                                   t->n_peer_cidrs, c)) {
        return;
    }
    *c = (struct vpn_kcounters) {
        .rx_bytes = pt && pt->have_bytes ? pt->bytes_in : -1,
        .tx_bytes = pt && pt->have_bytes ? pt->bytes_out : -1,
        .rx_packets = -1,
        .tx_packets = -1,
    };
}

/* Reads the kernel's counters of every gateway this chassis runs, every
 * AGENT_KSTATS_MSEC: a few netlink dumps per gateway. */
static void
run_kstats(struct agent *agent)
{
    long long int now = time_msec();
    if (now < agent->next_kstats) {
        return;
    }
    agent->next_kstats = now + AGENT_KSTATS_MSEC;

    struct shash_node *node;
    SHASH_FOR_EACH (node, &agent->gateways) {
        struct agent_gateway *gw = node->data;
        if ((!gw->pluto && !gw->charon) || gw->standby) {
            vpn_kstats_destroy(gw->kstats);
            gw->kstats = NULL;
            continue;
        }
        if (!gw->kstats) {
            gw->kstats = vpn_kstats_create(gw->netns);
        }
        bool changed;
        vpn_kstats_refresh(gw->kstats, &changed);
        if (changed) {
            agent->kstats_seqno++;
        }
    }
}

/* Adds to 'want' the report of every gateway this chassis runs and, if
 * 'tunnels', of every tunnel. */
static void
build_reports(struct agent *agent, const struct ovsdb_idl *sb,
              bool tunnels, struct smap *want)
{
    const struct sbrec_vpn_gateway *sbgw;
    SBREC_VPN_GATEWAY_FOR_EACH (sbgw, sb) {
        if (!gateway_is_ours(agent, sbgw)) {
            continue;
        }
        struct agent_gateway *gw = shash_find_data(&agent->gateways,
                                                   sbgw->name);
        const char *error = vpn_plumb_error(agent->plumb, sbgw->name);
        if (!error && gw && gateway_has_driver(gw)
            && !gateway_is_running(gw)) {
            error = gateway_error(gw);
        }
        struct ds s = DS_EMPTY_INITIALIZER;
        bool ready = gw && gateway_is_running(gw)
                     && vpn_plumb_ready(agent->plumb, sbgw->name);
        vpn_report_gateway_format(ready ? "running" : "error",
                                  ready ? "" : error ? error : "plumbing",
                                  &s);
        smap_add_nocopy(want, xasprintf(VPN_REPORT_GATEWAY_PREFIX"%s",
                                        sbgw->name), ds_steal_cstr(&s));
        if (tunnels && gw && gateway_has_driver(gw)) {
            gw->reported_seqno = gateway_seqno(gw);
        }
    }

    if (tunnels) {
        const struct sbrec_vpn_tunnel *t;
        SBREC_VPN_TUNNEL_FOR_EACH (t, sb) {
            sbgw = t->gateway;
            if (!tunnel_is_ours(agent, t)) {
                continue;
            }
            const struct agent_gateway *gw
                = shash_find_data(&agent->gateways, sbgw->name);
            const struct vpn_pluto_tunnel *pt
                = gw ? gateway_tunnel(gw, t->name) : NULL;
            struct vpn_kcounters kc;
            tunnel_counters(gw, sbgw, t, pt, &kc);
            struct vpn_tunnel_report r = {
                .generation = pt ? t->generation : 0,
                .connection = CONST_CAST(char *, pt
                    ? swan_status_state_to_string(pt->state)
                    : "connecting"),
                .changed = pt ? pt->since : 0,
                .bytes_in = kc.rx_bytes,
                .bytes_out = kc.tx_bytes,
                .packets_in = kc.rx_packets,
                .packets_out = kc.tx_packets,
                .reason = CONST_CAST(char *,
                    pt && pt->reason != SWAN_REASON_NONE
                    ? swan_status_reason_to_string(pt->reason) : ""),
            };
            struct ds value = DS_EMPTY_INITIALIZER;
            vpn_report_tunnel_format(&r, &value);
            smap_add_nocopy(want, xasprintf(VPN_REPORT_TUNNEL_PREFIX"%s",
                                            t->name), ds_steal_cstr(&value));
            if (pt && pt->attempts) {
                vpn_report_attempts_format(
                    pt->attempts, swan_status_state_to_string(pt->last_state),
                    swan_status_reason_to_string(pt->last_reason), &value);
                smap_add_nocopy(want,
                                xasprintf(VPN_REPORT_ATTEMPTS_PREFIX"%s",
                                          t->name), ds_steal_cstr(&value));
            }
            if (pt && gateway_report_events(gw, t->name, &value)) {
                smap_add_nocopy(want, xasprintf(VPN_REPORT_EVENTS_PREFIX"%s",
                                                t->name),
                                ds_steal_cstr(&value));
            }
            ds_destroy(&value);
        }
    }
}

/* Writes this chassis's reports (vpn-reporter.h): the tunnels' only if
 * something they depend on changed, a pluto's view included. */
static void
sync_reports(struct agent *agent, const struct ovsdb_idl *sb,
             struct ovsdb_idl_txn *sb_txn, const struct ovsdb_idl *status,
             struct ovsdb_idl_txn *status_txn)
{
    struct vpn_report_row row;
    if (!vpn_reporter_find_row(&agent->reporter, sb, sb_txn, status,
                               status_txn, &row)) {
        return;
    }
    bool tunnels = vpn_reporter_tunnels_due(&agent->reporter, sb, status,
                                            &row);
    if (agent->kstats_seqno != agent->reported_kstats_seqno) {
        agent->reported_kstats_seqno = agent->kstats_seqno;
        tunnels = true;
    }
    struct shash_node *gw_node;
    SHASH_FOR_EACH (gw_node, &agent->gateways) {
        const struct agent_gateway *gw = gw_node->data;
        if (gateway_has_driver(gw)
            && gateway_seqno(gw) != gw->reported_seqno) {
            tunnels = true;
        }
    }

    struct smap want = SMAP_INITIALIZER(&want);
    build_reports(agent, sb, tunnels, &want);
    if (!row.cr) {
        /* Chassis_Private is stock OVN's, which ovn-northd reads: the
         * failed attempts and the connection log, written on every event,
         * go only to the status database. */
        struct smap_node *node;
        SMAP_FOR_EACH_SAFE (node, &want) {
            if (!strncmp(node->key, VPN_REPORT_ATTEMPTS_PREFIX,
                         strlen(VPN_REPORT_ATTEMPTS_PREFIX))
                || !strncmp(node->key, VPN_REPORT_EVENTS_PREFIX,
                            strlen(VPN_REPORT_EVENTS_PREFIX))) {
                smap_remove_node(&want, node);
            }
        }
    }
    vpn_caps_to_smap(&agent->caps, &want);
    smap_add(&want, VPN_REPORT_VERSION, PACKAGE_VERSION);
    smap_add(&want, VPN_REPORT_SEAL_KEY, vpn_keyring_public(agent->keyring));
    smap_add_format(&want, VPN_REPORT_NB_CFG, "%"PRId64, agent->applied_cfg);
    smap_add_format(&want, VPN_REPORT_HEARTBEAT_INTERVAL, "%d",
                    agent->heartbeat_interval);
    vpn_reporter_write(&agent->reporter, &row, &want, tunnels);
    smap_destroy(&want);
}

/* unixctl commands. */

static void
agent_exit(struct unixctl_conn *conn, int argc, const char *argv[],
           void *agent_)
{
    struct agent *agent = agent_;
    if (argc > 1 && strcmp(argv[1], "--cleanup")) {
        unixctl_command_reply_error(conn, "usage: exit [--cleanup]");
        return;
    }
    agent->exiting = true;
    agent->cleanup = argc > 1;
    unixctl_command_reply(conn, NULL);
}

static void
agent_status(struct unixctl_conn *conn, int argc OVS_UNUSED,
             const char *argv[] OVS_UNUSED, void *agent_)
{
    struct agent *agent = agent_;
    struct ds s = DS_EMPTY_INITIALIZER;
    ds_put_format(&s, "chassis: %s\n",
                  agent->chassis ? agent->chassis : "(unknown)");
    vpn_beat_format_status(agent->beat, &s);
    vpn_keyring_format(agent->keyring, &s);
    ds_put_format(&s, "reports to: %s\n",
                  vpn_reporter_destination(&agent->reporter));
    const struct shash_node **nodes = shash_sort(&agent->gateways);
    for (size_t i = 0; i < shash_count(&agent->gateways); i++) {
        const struct agent_gateway *gw = nodes[i]->data;
        const char *error = vpn_plumb_error(agent->plumb, gw->name);
        ds_put_format(&s, "gateway %s: netns %s, %s", gw->name, gw->netns,
                      vpn_plumb_ready(agent->plumb, gw->name)
                      ? "plumbed" : "not plumbed");
        if (gw->standby) {
            ds_put_cstr(&s, ", standby");
        }
        if (gw->pluto) {
            ds_put_format(&s, ", pluto %ld%s (%u starts)",
                          (long int) vpn_pluto_get_pid(gw->pluto),
                          vpn_pluto_is_adopted(gw->pluto) ? " adopted" : "",
                          vpn_pluto_get_n_starts(gw->pluto));
            size_t n_pending = vpn_pluto_get_n_pending(gw->pluto);
            if (n_pending) {
                ds_put_format(&s, ", %"PRIuSIZE" whack commands pending",
                              n_pending);
            }
        } else if (gw->charon) {
            ds_put_format(&s, ", charon %ld (%u starts)",
                          (long int) vpn_charon_get_pid(gw->charon),
                          vpn_charon_get_n_starts(gw->charon));
        }
        if (error) {
            ds_put_format(&s, ", error: %s", error);
        }
        ds_put_char(&s, '\n');
    }
    free(nodes);
    unixctl_command_reply(conn, ds_cstr(&s));
    ds_destroy(&s);
}

static void
agent_tunnel_show(struct unixctl_conn *conn, int argc OVS_UNUSED,
                  const char *argv[] OVS_UNUSED, void *agent_)
{
    struct agent *agent = agent_;
    struct ds s = DS_EMPTY_INITIALIZER;
    const struct shash_node **nodes = shash_sort(&agent->gateways);
    for (size_t i = 0; i < shash_count(&agent->gateways); i++) {
        const struct agent_gateway *gw = nodes[i]->data;
        if (gw->pluto) {
            ds_put_format(&s, "gateway %s:\n", gw->name);
            vpn_pluto_format_status(gw->pluto, &s);
        } else if (gw->charon) {
            ds_put_format(&s, "gateway %s:\n", gw->name);
            vpn_charon_format_status(gw->charon, &s);
        }
    }
    free(nodes);
    unixctl_command_reply(conn, ds_cstr(&s));
    ds_destroy(&s);
}

static void
agent_tunnel_log(struct unixctl_conn *conn, int argc OVS_UNUSED,
                 const char *argv[], void *agent_)
{
    struct agent *agent = agent_;
    struct ds s = DS_EMPTY_INITIALIZER;
    struct shash_node *node;
    SHASH_FOR_EACH (node, &agent->gateways) {
        const struct agent_gateway *gw = node->data;
        if ((gw->pluto && vpn_pluto_format_log(gw->pluto, argv[1], &s))
            || (gw->charon
                && vpn_charon_format_log(gw->charon, argv[1], &s))) {
            unixctl_command_reply(conn, ds_cstr(&s));
            ds_destroy(&s);
            return;
        }
    }
    ds_destroy(&s);
    unixctl_command_reply_error(conn, "no such tunnel on this chassis");
}

static void
agent_recompute(struct unixctl_conn *conn, int argc OVS_UNUSED,
                const char *argv[] OVS_UNUSED, void *agent_)
{
    struct agent *agent = agent_;
    vpn_plumb_force_check(agent->plumb);
    struct shash_node *node;
    SHASH_FOR_EACH (node, &agent->gateways) {
        struct agent_gateway *gw = node->data;
        gw->conns_stale = true;
    }
    vpn_reporter_force(&agent->reporter);
    poll_immediate_wake();
    unixctl_command_reply(conn, NULL);
}

/* "seal-key/rotate": a new sealing key, published at once.  Tunnels keep
 * their keys: the old key opens them until ovn-vpn-northd has sealed them
 * to the new one. */
static void
agent_seal_key_rotate(struct unixctl_conn *conn, int argc OVS_UNUSED,
                      const char *argv[] OVS_UNUSED, void *agent_)
{
    struct agent *agent = agent_;
    char *error = vpn_keyring_rotate(agent->keyring);
    if (error) {
        unixctl_command_reply_error(conn, error);
        free(error);
        return;
    }
    vpn_reporter_force(&agent->reporter);
    poll_immediate_wake();
    unixctl_command_reply(conn, vpn_keyring_public(agent->keyring));
}

/* Appends to 'ds' the metrics of the gateways and tunnels this chassis
 * runs, in Prometheus's exposition format (see "Metrics" in
 * ovn-vpn-agent(8)). */
static void
format_metrics(const struct agent *agent, const struct ovsdb_idl *sb,
               struct ds *ds)
{
    struct vpn_metrics m;
    vpn_metrics_init(&m);

    const struct sbrec_vpn_gateway *sbgw;
    SBREC_VPN_GATEWAY_FOR_EACH (sbgw, sb) {
        if (!gateway_is_ours(agent, sbgw)) {
            continue;
        }
        const struct agent_gateway *gw = shash_find_data(&agent->gateways,
                                                         sbgw->name);
        const char *labels[] = {
            "chassis", agent->chassis,
            "gateway", sbgw->name,
            "vpc", smap_get_def(&sbgw->external_ids, "vpc", ""),
        };
        size_t n = ARRAY_SIZE(labels) / 2;
        bool up = (gw && gateway_is_running(gw)
                   && vpn_plumb_ready(agent->plumb, sbgw->name));
        vpn_metrics_add(&m, "ovn_vpn_gateway_up", "gauge",
                        "1 if the gateway runs on this chassis.",
                        labels, n, up);

        const struct vpn_kstats_table *kt
            = gw && gw->kstats ? vpn_kstats_get(gw->kstats) : NULL;
        if (kt && kt->have_link) {
            vpn_metrics_add(&m, "ovn_vpn_gateway_receive_bytes_total",
                            "counter", "Bytes the gateway's interface "
                            "received.", labels, n, kt->link.rx_bytes);
            vpn_metrics_add(&m, "ovn_vpn_gateway_transmit_bytes_total",
                            "counter", "Bytes the gateway's interface sent.",
                            labels, n, kt->link.tx_bytes);
            vpn_metrics_add(&m, "ovn_vpn_gateway_receive_packets_total",
                            "counter", "Packets the gateway's interface "
                            "received.", labels, n, kt->link.rx_packets);
            vpn_metrics_add(&m, "ovn_vpn_gateway_transmit_packets_total",
                            "counter", "Packets the gateway's interface "
                            "sent.", labels, n, kt->link.tx_packets);
        }
    }

    const struct sbrec_vpn_tunnel *t;
    SBREC_VPN_TUNNEL_FOR_EACH (t, sb) {
        if (!tunnel_is_ours(agent, t)) {
            continue;
        }
        sbgw = t->gateway;
        const struct agent_gateway *gw = shash_find_data(&agent->gateways,
                                                         sbgw->name);
        const struct vpn_pluto_tunnel *pt
            = gw ? gateway_tunnel(gw, t->name) : NULL;
        const char *labels[] = {
            "chassis", agent->chassis,
            "gateway", sbgw->name,
            "vpc", smap_get_def(&sbgw->external_ids, "vpc", ""),
            "tunnel", t->name,
            "peer", smap_get_def(&t->external_ids, "peer", ""),
            "peer_ip", t->peer_ip,
        };
        size_t n = ARRAY_SIZE(labels) / 2;
        vpn_metrics_add(&m, "ovn_vpn_tunnel_up", "gauge",
                        "1 if the tunnel is connected, otherwise 0.",
                        labels, n, pt && pt->state == SWAN_CONN_CONNECTED);
        vpn_metrics_add(&m, "ovn_vpn_tunnel_failed_attempts", "gauge",
                        "Failed connection attempts since the tunnel was "
                        "last connected or changed.",
                        labels, n, pt ? pt->attempts : 0);

        struct vpn_kcounters kc;
        tunnel_counters(gw, sbgw, t, pt, &kc);
        const struct {
            const char *name, *help;
            int64_t value;
        } counters[] = {
            { "ovn_vpn_tunnel_receive_bytes_total",
              "Bytes received through the tunnel's IPsec SAs.",
              kc.rx_bytes },
            { "ovn_vpn_tunnel_transmit_bytes_total",
              "Bytes sent through the tunnel's IPsec SAs.", kc.tx_bytes },
            { "ovn_vpn_tunnel_receive_packets_total",
              "Packets received through the tunnel's IPsec SAs.",
              kc.rx_packets },
            { "ovn_vpn_tunnel_transmit_packets_total",
              "Packets sent through the tunnel's IPsec SAs.",
              kc.tx_packets },
        };
        for (size_t i = 0; i < ARRAY_SIZE(counters); i++) {
            if (counters[i].value >= 0) {
                vpn_metrics_add(&m, counters[i].name, "counter",
                                counters[i].help, labels, n,
                                counters[i].value);
            }
        }
    }

    vpn_metrics_format(&m, ds);
    vpn_metrics_destroy(&m);
}

/* Writes the metrics file (--metrics-file) every AGENT_METRICS_MSEC, whole
 * (a reader sees the old file or the new one), readable by all: the
 * textfile collector of node_exporter reads it as its own user. */
static void
write_metrics(struct agent *agent, const struct ovsdb_idl *sb)
{
    long long int now = time_msec();
    if (!metrics_file || now < agent->next_metrics || !agent->chassis) {
        return;
    }
    agent->next_metrics = now + AGENT_METRICS_MSEC;

    struct ds ds = DS_EMPTY_INITIALIZER;
    format_metrics(agent, sb, &ds);
    if (!vpn_file_write(metrics_file, ds_cstr(&ds), 0644)) {
        static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(1, 5);
        VLOG_WARN_RL(&rl, "%s: cannot write the metrics (%s)", metrics_file,
                     ovs_strerror(errno));
    }
    ds_destroy(&ds);
}

/* "metrics/show": the metrics, as the metrics file would hold them now. */
static void
agent_metrics_show(struct unixctl_conn *conn, int argc OVS_UNUSED,
                   const char *argv[] OVS_UNUSED, void *agent_)
{
    struct agent *agent = agent_;
    struct ds ds = DS_EMPTY_INITIALIZER;
    if (agent->sb_idl && agent->chassis) {
        format_metrics(agent, agent->sb_idl, &ds);
    }
    unixctl_command_reply(conn, ds_cstr(&ds));
    ds_destroy(&ds);
}
