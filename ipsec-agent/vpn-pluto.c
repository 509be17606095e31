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

/* The libreswan driver of ovn-vpn-agent (see vpn-pluto.h): starts and
 * supervises one pluto per gateway inside the gateway's network namespace,
 * adopts one left running by a previous agent, loads the gateway's tunnels
 * into it as libreswan connections and applies later changes one conn at a
 * time, keeps the pre-shared keys in a private secrets file, re-initiates
 * tunnels that are down, and turns pluto's log and status into one state
 * per tunnel with a short history of its changes.  Every command runs
 * from an argument vector through posix_spawn(), never through a shell. */

#include <config.h>

#include "vpn-pluto.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "coverage.h"
#include "hash.h"
#include "fatal-signal.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/poll-loop.h"
#include "openvswitch/shash.h"
#include "openvswitch/util.h"
#include "openvswitch/vlog.h"
#include "process.h"
#include "sset.h"
#include "svec.h"
#include "timeval.h"
#include "util.h"
#include "vpn-exec.h"
#include "vpn-catalog.h"
#include "vpn-params.h"
#include "vpn-report.h"
#include "vpn-swan-conf.h"
#include "vpn-swan-status.h"

VLOG_DEFINE_THIS_MODULE(vpn_pluto);

COVERAGE_DEFINE(vpn_pluto_poll);
COVERAGE_DEFINE(vpn_pluto_addconn);

extern char **environ;

/* Programs.  "ip" and "env" are looked up in these places first, then in
 * PATH. */
#define PLUTO_BIN     VPN_PLUTO_LIBEXECDIR "/pluto"
#define WHACK_BIN     VPN_PLUTO_LIBEXECDIR "/whack"
#define ADDCONN_BIN   VPN_PLUTO_LIBEXECDIR "/addconn"
#define ALGPARSE_BIN  VPN_PLUTO_LIBEXECDIR "/algparse"
#define CERTUTIL_BIN  "/usr/bin/certutil"

/* pluto.log is moved aside to pluto.log.old when pluto is started and the
 * log is larger than this; at most this much of an existing log is read
 * when a driver is created. */
#define LOG_ROTATE_SIZE (16 * 1024 * 1024)
#define LOG_CATCH_UP_SIZE (1024 * 1024)

/* Most of the log read by one vpn_pluto_run(). */
#define LOG_READ_MAX (1024 * 1024)

/* How often the log's path is checked for a new file (rotation). */
#define LOG_ROTATE_CHECK_MSEC 1000

/* Failed status polls of a live pluto before it is declared hung. */
#define MAX_POLL_FAILURES 3

/* How long vpn_pluto_destroy() waits for pluto to exit after SIGTERM. */
#define STOP_TIMEOUT_MSEC 5000

/* A pluto whose log says nothing new and that has no tunnel to initiate
 * again soon is polled only this often (its traffic counters are as old
 * as that): state changes appear in its log, which is read at once, and
 * a poll follows within VPN_PLUTO_POLL_MSEC.  At 1000 tunnels on 50
 * gateways, polling every gateway every second cost more than 10 % of a
 * core. */
#define IDLE_POLL_MSEC 10000

/* A Child SA established, as the log says, is polled for sooner than
 * other news: it is the moment a tunnel connects, which its status and its
 * routes wait for.  Such events are few, but a storm of them (thousands of
 * tunnels connecting at once) polls at most every UP_POLL_MIN_MSEC, and
 * never more often than every UP_POLL_FACTOR times the last poll's
 * duration, so that a slow poll cannot take the agent's time. */
#define UP_POLL_MIN_MSEC 100
#define UP_POLL_FACTOR 4

/* Batches.  The new conns of one pluto go in one batch that one "addconn"
 * loads in the background, so that the batches of all the plutos load at
 * the same time (1000 tunnels arriving at once on 50 gateways then load
 * in about the time that libreswan takes to load them all into one pluto
 * with one addconn, where one addconn after the other took 4 times as
 * long).  Their conns are initiated once no pluto has a batch loading,
 * or after POST_LOAD_MAX_WAIT_MSEC: initiating a conn costs pluto a
 * Diffie-Hellman key pair (1 ms of CPU for MODP2048), which would slow the
 * other plutos' loading down.  'n_loads_running' counts the plutos with a
 * batch loading. */
#define POST_LOAD_MAX_WAIT_MSEC 2000
static int n_loads_running;

enum pluto_state {
    PLUTO_STOPPED,              /* Not running; start at 'restart_at'. */
    PLUTO_STARTING,             /* Started, control socket not yet up. */
    PLUTO_RUNNING,              /* Answers on its control socket. */
};

/* One tunnel, that is, one libreswan conn (with its NAME/LxR children). */
struct pluto_conn {
    struct vpn_pluto_tunnel pub;        /* pub.name is 'name'. */
    char *name;
    bool wanted;                        /* In the last vpn_pluto_set_conns. */

    /* Wanted configuration: either 'check_error' or the rendered texts. */
    char *check_error;
    char *text;                         /* conn section. */
    char *secret;                       /* ipsec.secrets line. */
    size_t n_local, n_peer;             /* Subnets on each side. */
    bool initiates;                     /* Not response-only, peer known. */

    /* What pluto was given: NULL if nothing (or it was deleted). */
    char *applied_text;
    char *applied_secret;
    char *add_error;                    /* addconn refused 'applied_text'. */
    bool status_stale;                  /* Deleted from pluto since the last
                                         * status poll, which still shows
                                         * its old SAs. */

    long long int next_initiate;        /* time_msec() of next attempt. */
    bool load_pending;                  /* In the batch being loaded. */
    bool initiate_pending;              /* Loaded, not yet initiated. */

    /* Events, a ring. */
    struct vpn_pluto_event events[VPN_PLUTO_N_EVENTS];
    size_t n_events;                    /* Valid events. */
    size_t next_event;                  /* Where the next one goes. */
};

struct vpn_pluto {
    char *name;                 /* Gateway name, for logging. */
    char *netns;                /* NULL: the agent's namespace. */
    char *rundir;
    char *statedir;
    struct svec env;            /* "VAR=VALUE" added to pluto's env. */

    /* Paths. */
    char *ctl_path, *pid_path;
    char *conf_path, *secrets_path, *nss_dir, *ipsecd_dir, *conns_dir;
    char *log_path, *stderr_path;
    char *ip_bin, *env_bin;

    char *fatal_error;          /* Can never run: see vpn_pluto_create(). */
    char *error;                /* Current problem, NULL if none. */

    /* The pluto process. */
    enum pluto_state state;
    pid_t pid;                  /* 0 if none. */
    bool child;                 /* We started it (waitpid works). */
    bool adopted;               /* Found running by vpn_pluto_create(). */
    unsigned int n_starts;
    long long int started;      /* time_msec() of start or adoption. */
    long long int restart_at;   /* PLUTO_STOPPED: when to start. */
    long long int start_deadline;       /* PLUTO_STARTING. */
    int backoff_msec;           /* Delay before the next restart. */
    int n_poll_failures;
    struct vpn_exec_job poll;   /* The running status poll's whack. */
    bool poll_news;             /* News in the log while it ran. */
    unsigned long long polled_child_ups;    /* log.n_child_ups at the last
                                             * poll's start. */
    long long int poll_duration;            /* The last poll's, in ms. */

    /* Connections. */
    struct shash conns;         /* Name -> struct pluto_conn. */
    struct sset orphans;        /* Conns of an adopted pluto, unknown. */
    char *secrets_written;      /* ipsec.secrets content, NULL: unknown. */
    bool listen_pending;        /* See vpn_pluto_listen(). */
    bool secrets_stale;         /* Rewritten since pluto last read it. */

    /* A batch of conns that one "addconn" loads in the background (see
     * conns_load_start()), and what follows it. */
    struct vpn_exec_job load;   /* The addconn. */
    char *load_path;            /* The batch's configuration file. */
    char *load_alias;           /* Alias of the conns that the batch
                                 * initiates, NULL if none. */
    bool post_load;             /* Re-read keys, initiate: see
                                 * post_load_run(). */
    long long int post_load_deadline;   /* Waits no longer for others. */

    /* Status. */
    struct swan_status status;
    struct swan_status_log log;
    int log_fd;
    int log_wd;                 /* Its watch in 'log_notify_fd', or -1. */
    off_t log_offset;
    ino_t log_ino;
    long long int next_rotate_check;    /* time_msec() of the next check
                                         * that the log was not replaced. */
    bool log_skip_line;         /* Started in the middle of a line. */
    bool log_pending;           /* More to read right away. */
    long long int next_poll;
    long long int last_poll;    /* time_msec() of the last poll. */
    long long int next_alive_check;     /* For a pluto we did not start. */
    uint64_t seqno;
};

static void pluto_set_error(struct vpn_pluto *, const char *format, ...)
    OVS_PRINTF_FORMAT(2, 3);
static bool make_dirs(struct vpn_pluto *);
static bool try_adopt(struct vpn_pluto *);
static void load_conns_dir(struct vpn_pluto *);
static void load_secrets_file(struct vpn_pluto *);
static void clear_conns_dir(struct vpn_pluto *);
static bool pluto_start(struct vpn_pluto *);
static void schedule_restart(struct vpn_pluto *);
static void pluto_check_started(struct vpn_pluto *);
static void pluto_started(struct vpn_pluto *);
static bool pluto_is_alive(struct vpn_pluto *, char **why);
static void pluto_died(struct vpn_pluto *, const char *why);
static void pluto_kill(struct vpn_pluto *, int timeout_msec);
static bool pluto_command(struct vpn_pluto *, struct ds *output,
                          const char *arg, ...);
static void poll_start(struct vpn_pluto *);
static void poll_finish(struct vpn_pluto *, int status);
static void poll_abort(struct vpn_pluto *);
static long long int up_poll_time(const struct vpn_pluto *);
static long long int next_poll_time(const struct vpn_pluto *,
                                    long long int now);
static void retry_conns(struct vpn_pluto *);
static int log_notify_fd = -1;  /* See log_notify_watch(). */
static void log_notify_drain(void);
static void log_notify_wait(const struct vpn_pluto *);
static void log_read(struct vpn_pluto *);
static void log_reset(struct vpn_pluto *, bool catch_up);
static void update_secrets(struct vpn_pluto *, bool force);
static void reread_secrets(struct vpn_pluto *);

static struct pluto_conn *conn_create(struct vpn_pluto *, const char *name);
static void conn_destroy(struct vpn_pluto *, struct pluto_conn *);
static void conn_set_params(struct pluto_conn *,
                            const struct vpn_tunnel_params *);
static void conn_load(struct vpn_pluto *, struct pluto_conn *);
static void conns_load(struct vpn_pluto *, struct pluto_conn **, size_t n);
static bool conns_load_start(struct vpn_pluto *, struct pluto_conn **,
                             size_t n);
static void conns_load_finish(struct vpn_pluto *);
static bool load_reap(struct vpn_pluto *, int *status);
static void load_release(struct vpn_pluto *);
static void load_abort(struct vpn_pluto *);
static void pluto_forget_post_load(struct vpn_pluto *);
static void post_load_run(struct vpn_pluto *);
static void conn_unload(struct vpn_pluto *, struct pluto_conn *,
                        const char *why);
static void conn_forget_applied(struct pluto_conn *);
static void conn_initiate(struct vpn_pluto *, struct pluto_conn *,
                          bool fresh);
static void conn_sub_names(const struct pluto_conn *, struct svec *);
static void conn_update(struct vpn_pluto *, struct pluto_conn *);
static const struct swan_status_sa *tunnel_ike_sa(
    const struct swan_status *, const struct swan_status_tunnel *);
static void conn_event(struct pluto_conn *, bool state_change,
                       const char *format, ...) OVS_PRINTF_FORMAT(3, 4);
static char *conn_file(const struct vpn_pluto *, const char *name,
                       const char *suffix);

static char *run_command(char **argv, struct ds *output)
    OVS_WARN_UNUSED_RESULT;
static bool write_file(const char *path, const char *content, mode_t);
static bool write_record(const char *path, const char *content);
static bool write_all(int fd, const char *content);
static char *read_file(const char *path);
static bool mkdir_p(const char *path, mode_t);
static bool proc_is_alive(pid_t);
static bool proc_has_rundir(pid_t, const char *rundir);
static bool is_socket(const char *path);
static char *find_program(const char *name, const char *const *dirs);
static void first_line(const char *text, struct ds *out);
static bool nullable_streq(const char *, const char *);
static void replace_string(char **dst, const char *src);
static bool algparse_accepts(const char *a, const char *b, bool pfs);
static bool proc_in_netns(pid_t, const char *netns);
static bool check_owner(struct vpn_pluto *);
static int remove_tree_cb(const char *path, const struct stat *, int flag,
                          struct FTW *);

/* Returns the malloc'd name of the directories (one in the caller's run
 * directory, one in its state directory) of the pluto that runs in network
 * namespace 'netns': the first 128 bits of the name's SHA-256, in
 * hexadecimal.  That keeps a control socket's path short, and no gateway
 * name can be made to share another's directories (an unkeyed 32-bit hash
 * once let a tenant take over another tenant's pluto).  Each state
 * directory also names its namespace, and a pluto driver refuses one that
 * names another (check_owner()). */
char *
vpn_pluto_dir_name(const char *netns)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int md_len;
    if (!EVP_Digest(netns, strlen(netns), md, &md_len, EVP_sha256(), NULL)
        || md_len < 16) {
        ovs_fatal(0, "SHA-256 is not available");
    }
    struct ds name = DS_EMPTY_INITIALIZER;
    for (size_t i = 0; i < 16; i++) {
        ds_put_format(&name, "%02x", md[i]);
    }
    return ds_steal_cstr(&name);
}

/* Creates a driver for gateway 'name' whose pluto runs in network namespace
 * 'netns' (NULL: the caller's), with control socket and pid file in
 * 'rundir' and everything else in 'statedir' (see vpn-pluto.h).  Both
 * must be absolute paths; they are created if needed.  'pluto_env', if
 * nonnull, holds "VAR=VALUE" strings added to pluto's environment (for
 * example LD_PRELOAD=...); the other commands run with the caller's.
 *
 * If a pluto for 'rundir' is running and answers, it is adopted.
 * Otherwise the first vpn_pluto_run() starts one.  Problems are reported
 * through vpn_pluto_get_error(), not by failing: a control socket path
 * longer than VPN_PLUTO_CTL_PATH_MAX makes the driver never start pluto. */
struct vpn_pluto *
vpn_pluto_create(const char *name, const char *netns, const char *rundir,
                 const char *statedir, const struct svec *pluto_env)
{
    static const char *const sbin[] = { "/usr/sbin", "/sbin", NULL };
    static const char *const bin[] = { "/usr/bin", "/bin", NULL };
    struct vpn_pluto *pluto = xzalloc(sizeof *pluto);

    pluto->name = xstrdup(name);
    pluto->netns = nullable_xstrdup(netns);
    pluto->rundir = xstrdup(rundir);
    pluto->statedir = xstrdup(statedir);
    svec_init(&pluto->env);
    if (pluto_env) {
        svec_append(&pluto->env, pluto_env);
    }

    pluto->ctl_path = xasprintf("%s/pluto.ctl", rundir);
    pluto->pid_path = xasprintf("%s/pluto.pid", rundir);
    pluto->conf_path = xasprintf("%s/ipsec.conf", statedir);
    pluto->secrets_path = xasprintf("%s/ipsec.secrets", statedir);
    pluto->nss_dir = xasprintf("%s/nss", statedir);
    pluto->ipsecd_dir = xasprintf("%s/ipsec.d", statedir);
    pluto->conns_dir = xasprintf("%s/conns", statedir);
    pluto->log_path = xasprintf("%s/pluto.log", statedir);
    pluto->stderr_path = xasprintf("%s/pluto.stderr", statedir);
    pluto->ip_bin = find_program("ip", sbin);
    pluto->env_bin = find_program("env", bin);

    pluto->state = PLUTO_STOPPED;
    pluto->backoff_msec = VPN_PLUTO_BACKOFF_MIN_MSEC;
    pluto->restart_at = LLONG_MIN;
    shash_init(&pluto->conns);
    sset_init(&pluto->orphans);
    swan_status_init(&pluto->status);
    swan_status_log_init(&pluto->log);
    pluto->log_fd = -1;
    pluto->log_wd = -1;
    vpn_exec_job_init(&pluto->load);
    vpn_exec_job_init(&pluto->poll);
    pluto->seqno = 1;

    size_t ctl_len = strlen(pluto->ctl_path);
    if (ctl_len > VPN_PLUTO_CTL_PATH_MAX) {
        pluto->fatal_error = xasprintf(
            "control socket path %s is %"PRIuSIZE" characters long, more "
            "than the %d that a Unix socket allows: use a shorter run "
            "directory", pluto->ctl_path, ctl_len, VPN_PLUTO_CTL_PATH_MAX);
    } else if (rundir[0] != '/' || statedir[0] != '/') {
        pluto->fatal_error = xasprintf("run directory %s and state "
                                       "directory %s must be absolute",
                                       rundir, statedir);
    } else if (netns && (!netns[0] || strchr(netns, '/'))) {
        pluto->fatal_error = xasprintf("bad network namespace name \"%s\"",
                                       netns);
    }
    if (pluto->fatal_error) {
        VLOG_ERR("%s: %s", name, pluto->fatal_error);
        pluto->error = xstrdup(pluto->fatal_error);
        return pluto;
    }

    bool dirs_ok = make_dirs(pluto) && check_owner(pluto);
    if (pluto->fatal_error) {
        /* Another namespace's directories: not to be touched. */
        return pluto;
    }
    if (dirs_ok && try_adopt(pluto)) {
        log_reset(pluto, true);
    } else {
        clear_conns_dir(pluto);
        log_reset(pluto, false);
    }
    return pluto;
}

/* Frees 'pluto'.  If 'stop', stops its pluto (SIGTERM, then SIGKILL after
 * a few seconds) and removes its state directory and run directory;
 * otherwise leaves pluto running for a later vpn_pluto_create() to
 * adopt. */
void
vpn_pluto_destroy(struct vpn_pluto *pluto, bool stop)
{
    if (!pluto) {
        return;
    }

    load_abort(pluto);
    if (stop && !pluto->fatal_error) {
        if (pluto->pid > 0) {
            pluto_kill(pluto, STOP_TIMEOUT_MSEC);
        }
        if (pluto->log_fd >= 0) {
            close(pluto->log_fd);
            pluto->log_fd = -1;
        }
        unlink(pluto->ctl_path);
        unlink(pluto->pid_path);
        if (rmdir(pluto->rundir) && errno != ENOENT) {
            VLOG_WARN("%s: %s: cannot remove (%s)", pluto->name,
                      pluto->rundir, ovs_strerror(errno));
        }
        if (nftw(pluto->statedir, remove_tree_cb, 16, FTW_DEPTH | FTW_PHYS)
            && errno != ENOENT) {
            VLOG_WARN("%s: %s: cannot remove (%s)", pluto->name,
                      pluto->statedir, ovs_strerror(errno));
        }
        VLOG_INFO("%s: pluto stopped and state removed", pluto->name);
    } else if (pluto->pid > 0) {
        VLOG_INFO("%s: leaving pluto (pid %ld) running", pluto->name,
                  (long int) pluto->pid);
    }

    struct shash_node *node;
    SHASH_FOR_EACH_SAFE (node, &pluto->conns) {
        conn_destroy(pluto, node->data);
    }
    shash_destroy(&pluto->conns);
    sset_destroy(&pluto->orphans);
    swan_status_destroy(&pluto->status);
    swan_status_log_destroy(&pluto->log);
    if (pluto->log_fd >= 0) {
        close(pluto->log_fd);
    }
    if (pluto->log_wd >= 0) {
        inotify_rm_watch(log_notify_fd, pluto->log_wd);
    }
    svec_destroy(&pluto->env);
    vpn_exec_job_destroy(&pluto->load);
    vpn_exec_job_destroy(&pluto->poll);
    free(pluto->secrets_written);
    free(pluto->error);
    free(pluto->fatal_error);
    free(pluto->ip_bin);
    free(pluto->env_bin);
    free(pluto->ctl_path);
    free(pluto->pid_path);
    free(pluto->conf_path);
    free(pluto->secrets_path);
    free(pluto->nss_dir);
    free(pluto->ipsecd_dir);
    free(pluto->conns_dir);
    free(pluto->log_path);
    free(pluto->stderr_path);
    free(pluto->name);
    free(pluto->netns);
    free(pluto->rundir);
    free(pluto->statedir);
    free(pluto);
}

/* Supervises 'pluto': starts or restarts it when due, notices its death,
 * follows its log, polls its status at most every VPN_PLUTO_POLL_MSEC and
 * re-initiates tunnels that are down. */
void
vpn_pluto_run(struct vpn_pluto *pluto)
{
    if (pluto->fatal_error) {
        return;
    }

    long long int now = time_msec();
    switch (pluto->state) {
    case PLUTO_STOPPED:
        if (now >= pluto->restart_at && !pluto_start(pluto)) {
            schedule_restart(pluto);
        }
        break;

    case PLUTO_STARTING:
        pluto_check_started(pluto);
        break;

    case PLUTO_RUNNING: {
        if (vpn_exec_job_is_running(&pluto->load)) {
            conns_load_finish(pluto);
        }
        if (pluto->post_load
            && (!n_loads_running || now >= pluto->post_load_deadline)) {
            post_load_run(pluto);
        }

        /* Cheap: waitpid() for a child, /proc for another. */
        if (pluto->child || now >= pluto->next_alive_check) {
            char *why;
            pluto->next_alive_check = now + VPN_PLUTO_POLL_MSEC;
            if (!pluto_is_alive(pluto, &why)) {
                pluto_died(pluto, why);
                free(why);
                break;
            }
        }

        /* Anything in the log: failures it reports count at once, and a
         * poll follows within VPN_PLUTO_POLL_MSEC. */
        off_t log_offset = pluto->log_offset;
        log_notify_drain();
        log_read(pluto);
        if (pluto->log_offset != log_offset) {
            struct shash_node *node;
            SHASH_FOR_EACH (node, &pluto->conns) {
                conn_update(pluto, node->data);
            }
            pluto->next_poll = MIN(pluto->next_poll,
                                   pluto->last_poll + VPN_PLUTO_POLL_MSEC);
            pluto->poll_news = true;
        }
        if (pluto->log.n_child_ups != pluto->polled_child_ups) {
            pluto->next_poll = MIN(pluto->next_poll, up_poll_time(pluto));
        }

        /* The status poll runs in the background: a pluto busy with
         * crypto may take seconds to answer, and the caller's main loop
         * must not wait for it. */
        int status;
        if (vpn_exec_job_is_running(&pluto->poll)) {
            if (vpn_exec_job_reap(&pluto->poll, &status)) {
                pluto->poll_duration = now - pluto->last_poll;
                poll_finish(pluto, status);
                if (pluto->state == PLUTO_RUNNING) {
                    retry_conns(pluto);
                    pluto->next_poll = next_poll_time(pluto,
                                                      pluto->last_poll);
                    if (pluto->poll_news) {
                        pluto->next_poll
                            = MIN(pluto->next_poll,
                                  pluto->last_poll + VPN_PLUTO_POLL_MSEC);
                    }
                    if (pluto->log.n_child_ups != pluto->polled_child_ups) {
                        pluto->next_poll = MIN(pluto->next_poll,
                                               up_poll_time(pluto));
                    }
                }
            }
        } else if (now >= pluto->next_poll) {
            pluto->last_poll = now;
            pluto->poll_news = false;
            pluto->polled_child_ups = pluto->log.n_child_ups;
            poll_start(pluto);
        }
        break;
    }

    default:
        OVS_NOT_REACHED();
    }
}

/* Arranges for poll_block() to wake up when vpn_pluto_run() has work. */
void
vpn_pluto_wait(struct vpn_pluto *pluto)
{
    if (pluto->fatal_error) {
        return;
    }

    switch (pluto->state) {
    case PLUTO_STOPPED:
        poll_timer_wait_until(pluto->restart_at);
        break;

    case PLUTO_STARTING:
        poll_timer_wait(20);
        break;

    case PLUTO_RUNNING:
        vpn_exec_job_wait(&pluto->load);
        vpn_exec_job_wait(&pluto->poll);
        if (pluto->post_load) {
            if (!n_loads_running) {
                poll_immediate_wake();
            } else {
                poll_timer_wait_until(pluto->post_load_deadline);
            }
        }
        if (!vpn_exec_job_is_running(&pluto->poll)) {
            poll_timer_wait_until(pluto->next_poll);
        }
        if (!pluto->child) {
            poll_timer_wait_until(pluto->next_alive_check);
        }
        if (pluto->log_pending) {
            poll_immediate_wake();
        }
        log_notify_wait(pluto);
        break;

    default:
        OVS_NOT_REACHED();
    }
}

/* Makes the n tunnels in 'params' the complete set that 'pluto' runs.
 * Only differences are applied: see vpn-pluto.h.  A tunnel that
 * swan_conf_check() refuses is not given to pluto and is reported as
 * phase1-failed with reason config-rejected.  The caller may call this in
 * every iteration of its main loop: with nothing changed it runs no
 * command.  While a batch of conns is still being loaded, it changes
 * nothing and returns false (what follows compares with what pluto has):
 * the caller tries again after vpn_pluto_wait() woke it up.  Otherwise it
 * returns true. */
bool
vpn_pluto_set_conns(struct vpn_pluto *pluto,
                    const struct vpn_tunnel_params *params, size_t n)
{
    static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 5);
    struct shash_node *node;

    if (vpn_exec_job_is_running(&pluto->load)) {
        conns_load_finish(pluto);
        if (vpn_exec_job_is_running(&pluto->load)) {
            return false;
        }
    }

    SHASH_FOR_EACH (node, &pluto->conns) {
        struct pluto_conn *c = node->data;
        c->wanted = false;
    }

    for (size_t i = 0; i < n; i++) {
        const struct vpn_tunnel_params *p = &params[i];
        if (!p->name || !p->name[0]) {
            VLOG_WARN_RL(&rl, "%s: ignoring a tunnel without a name",
                         pluto->name);
            continue;
        }
        struct pluto_conn *c = shash_find_data(&pluto->conns, p->name);
        if (c && c->wanted) {
            VLOG_WARN_RL(&rl, "%s: ignoring duplicate tunnel %s",
                         pluto->name, p->name);
            continue;
        }
        if (!c) {
            c = conn_create(pluto, p->name);
        }
        c->wanted = true;
        conn_set_params(c, p);
    }

    bool running = pluto->state == PLUTO_RUNNING;

    /* Removed tunnels. */
    SHASH_FOR_EACH_SAFE (node, &pluto->conns) {
        struct pluto_conn *c = node->data;
        if (!c->wanted) {
            if (c->applied_text) {
                conn_unload(pluto, c, "removed");
                VLOG_INFO("%s: %s: removed", pluto->name, c->name);
            }
            swan_status_log_forget(&pluto->log, c->name);
            conn_destroy(pluto, c);
            pluto->seqno++;
        }
    }

    /* Conns an adopted pluto had without our record of them. */
    if (!sset_is_empty(&pluto->orphans)) {
        const char *name;
        SSET_FOR_EACH (name, &pluto->orphans) {
            if (running) {
                pluto_command(pluto, NULL, "--delete", "--name", name, NULL);
            }
        }
        sset_clear(&pluto->orphans);
    }

    /* Changed tunnels: what pluto has goes first. */
    SHASH_FOR_EACH (node, &pluto->conns) {
        struct pluto_conn *c = node->data;
        if (c->applied_text) {
            if (!nullable_streq(c->applied_text, c->text)) {
                conn_unload(pluto, c, "configuration changed");
            } else if (!nullable_streq(c->applied_secret, c->secret)) {
                conn_unload(pluto, c, "pre-shared key changed");
            }
        }
    }

    if (pluto->listen_pending && running
        && pluto_command(pluto, NULL, "--listen", NULL)) {
        VLOG_INFO("%s: addresses changed: pluto listens again",
                  pluto->name);
        pluto->secrets_stale = false;
    }
    pluto->listen_pending = false;

    if (!pluto->fatal_error) {
        update_secrets(pluto, false);
    }

    /* New and changed tunnels.  Pluto must have their keys before it
     * initiates them: conns_load() sees to it.  Otherwise, keys that
     * changed are re-read here, or after a batch by post_load_run(). */
    if (pluto->state == PLUTO_RUNNING) {
        const struct shash_node **sorted = shash_sort(&pluto->conns);
        size_t n_conns = shash_count(&pluto->conns);
        struct pluto_conn **load = xmalloc(n_conns * sizeof *load);
        size_t n_load = 0;
        for (size_t i = 0; i < n_conns; i++) {
            struct pluto_conn *c = sorted[i]->data;
            if (c->text && !c->applied_text) {
                load[n_load++] = c;
            }
        }
        conns_load(pluto, load, n_load);
        free(load);
        free(sorted);
        if (!vpn_exec_job_is_running(&pluto->load) && !pluto->post_load) {
            reread_secrets(pluto);
        }
    }

    SHASH_FOR_EACH (node, &pluto->conns) {
        conn_update(pluto, node->data);
    }
    return true;
}

/* Tells the driver that the addresses of pluto's namespace changed: the
 * next vpn_pluto_set_conns(), once it has taken out the conns that
 * changed, makes a running pluto look for its interfaces again (conns on
 * an address it no longer had could never be initiated) before it loads
 * the new ones.  A pluto that is not running yet does it when it starts
 * (see pluto_check_started()). */
void
vpn_pluto_listen(struct vpn_pluto *pluto)
{
    pluto->listen_pending = true;
}

/* Returns true if 'pluto' runs and answers on its control socket. */
bool
vpn_pluto_is_running(const struct vpn_pluto *pluto)
{
    return pluto->state == PLUTO_RUNNING;
}

/* Returns a description of the problem that keeps pluto from running
 * ("pluto killed (Killed)", "control socket path ... too long", ...), or
 * NULL if pluto runs or is being started without a problem so far. */
const char *
vpn_pluto_get_error(const struct vpn_pluto *pluto)
{
    return pluto->state == PLUTO_RUNNING ? NULL : pluto->error;
}

/* Returns the pid of 'pluto''s pluto, 0 if none. */
pid_t
vpn_pluto_get_pid(const struct vpn_pluto *pluto)
{
    return pluto->pid;
}

const char *
vpn_pluto_get_rundir(const struct vpn_pluto *pluto)
{
    return pluto->rundir;
}

/* Returns true if the current pluto was adopted rather than started. */
bool
vpn_pluto_is_adopted(const struct vpn_pluto *pluto)
{
    return pluto->pid > 0 && pluto->adopted;
}

/* Returns how many times 'pluto' started a pluto. */
unsigned int
vpn_pluto_get_n_starts(const struct vpn_pluto *pluto)
{
    return pluto->n_starts;
}

/* Returns a number that changes whenever anything that
 * vpn_pluto_get_tunnel(), vpn_pluto_is_running() or vpn_pluto_get_error()
 * reports changes. */
uint64_t
vpn_pluto_get_seqno(const struct vpn_pluto *pluto)
{
    return pluto->seqno;
}

/* Returns the status of tunnel 'name', NULL if the last
 * vpn_pluto_set_conns() did not name it. */
const struct vpn_pluto_tunnel *
vpn_pluto_get_tunnel(const struct vpn_pluto *pluto, const char *name)
{
    const struct pluto_conn *c = shash_find_data(&pluto->conns, name);
    return c && c->wanted ? &c->pub : NULL;
}

/* Appends to 'ds' the last VPN_PLUTO_N_EVENTS events of tunnel 'name',
 * oldest first, one a line: "TIME STATE (REASON): DETAIL" for a change of
 * state or reason, "TIME -- WHAT" for what the driver did, with TIME in
 * UTC.  Returns false if there is no such tunnel. */
bool
vpn_pluto_format_log(const struct vpn_pluto *pluto, const char *name,
                     struct ds *ds)
{
    const struct pluto_conn *c = shash_find_data(&pluto->conns, name);
    if (!c || !c->wanted) {
        return false;
    }

    size_t first = (c->next_event + VPN_PLUTO_N_EVENTS - c->n_events)
                   % VPN_PLUTO_N_EVENTS;
    for (size_t i = 0; i < c->n_events; i++) {
        const struct vpn_pluto_event *e
            = &c->events[(first + i) % VPN_PLUTO_N_EVENTS];
        ds_put_strftime_msec(ds, "%Y-%m-%d %H:%M:%S.###", e->when, true);
        if (e->state_change) {
            ds_put_format(ds, " %s (%s)",
                          swan_status_state_to_string(e->state),
                          swan_status_reason_to_string(e->reason));
            if (e->text[0]) {
                ds_put_format(ds, ": %s", e->text);
            }
        } else {
            ds_put_format(ds, " -- %s", e->text);
        }
        ds_put_char(ds, '\n');
    }
    return true;
}

/* Appends to 'ds' a description of 'pluto' and its tunnels, for humans:
 * one line for pluto, then one per tunnel, in order of name. */
void
vpn_pluto_format_status(const struct vpn_pluto *pluto, struct ds *ds)
{
    ds_put_format(ds, "gateway %s: pluto ", pluto->name);
    if (pluto->state == PLUTO_RUNNING) {
        ds_put_format(ds, "running, pid %ld%s, %u start%s",
                      (long int) pluto->pid,
                      pluto->adopted ? " (adopted)" : "",
                      pluto->n_starts, pluto->n_starts == 1 ? "" : "s");
    } else {
        ds_put_cstr(ds, pluto->state == PLUTO_STARTING
                        ? "starting" : "not running");
        if (pluto->error) {
            ds_put_format(ds, ": %s", pluto->error);
        }
    }
    ds_put_char(ds, '\n');

    const struct shash_node **sorted = shash_sort(&pluto->conns);
    for (size_t i = 0; i < shash_count(&pluto->conns); i++) {
        const struct pluto_conn *c = sorted[i]->data;
        const struct vpn_pluto_tunnel *t = &c->pub;
        if (!c->wanted) {
            continue;
        }
        ds_put_format(ds, "  %s: %s (%s) since ", t->name,
                      swan_status_state_to_string(t->state),
                      swan_status_reason_to_string(t->reason));
        ds_put_strftime_msec(ds, "%Y-%m-%d %H:%M:%S.###", t->since, true);
        ds_put_format(ds, ", %s", t->loaded ? "loaded" : "not loaded");
        if (t->ike_serial) {
            ds_put_format(ds, ", IKE SA #%lu", t->ike_serial);
        }
        for (size_t j = 0; j < t->n_child_serials; j++) {
            ds_put_format(ds, "%s#%lu", j ? " " : ", Child SAs ",
                          t->child_serials[j]);
        }
        if (t->have_bytes) {
            ds_put_format(ds, ", %"PRIu64" bytes in, %"PRIu64" bytes out",
                          t->bytes_in, t->bytes_out);
        }
        if (t->detail[0]) {
            ds_put_format(ds, ": %s", t->detail);
        }
        ds_put_char(ds, '\n');
    }
    free(sorted);
}

/* Asks the local libreswan (its algparse program) which of the schema's DH
 * groups, encryption and integrity algorithms it accepts, for IKE and for
 * ESP (a DH group as IKE group and as PFS group), and stores the answer in
 * 'caps', which the caller initialized with vpn_caps_init().  Returns
 * false, leaving 'caps->known' false, if algparse cannot be run. */
bool
vpn_pluto_probe_caps(struct vpn_caps *caps)
{
    /* Each algorithm of the catalog is tried with a proposal that is
     * otherwise the default one. */
    const char *enc0 = swan_conf_encryption_name(
        vpn_setting_find("ike_encryption")->default_string);
    const char *integ0 = swan_conf_integrity_name(
        vpn_setting_find("ike_integrity")->default_string);
    const char *dh0 = swan_conf_dh_name(
        vpn_setting_find("ike_dh_group")->default_int);

    caps->known = false;
    caps->dh_groups = 0;
    sset_clear(caps->encryption);
    sset_clear(caps->integrity);
    if (access(ALGPARSE_BIN, X_OK)) {
        VLOG_WARN("%s: cannot run (%s)", ALGPARSE_BIN, ovs_strerror(errno));
        return false;
    }

    for (size_t i = 0; i < vpn_catalog_n_dh_groups; i++) {
        const struct vpn_catalog_dh *dh = &vpn_catalog_dh_groups[i];
        char *ike = xasprintf("ike=%s-%s;%s", enc0, integ0, dh->libreswan);
        char *esp = xasprintf("esp=%s-%s;%s", enc0, integ0, dh->libreswan);
        if (algparse_accepts(ike, esp, true)) {
            caps->dh_groups |= UINT64_C(1) << dh->group;
        }
        free(ike);
        free(esp);
    }
    for (const struct vpn_catalog_value *v = vpn_catalog_encryptions;
         v->name; v++) {
        char *ike = xasprintf("ike=%s-%s;%s", v->libreswan, integ0, dh0);
        char *esp = xasprintf("esp=%s-%s", v->libreswan, integ0);
        if (algparse_accepts(ike, esp, false)) {
            sset_add(caps->encryption, v->name);
        }
        free(ike);
        free(esp);
    }
    for (const struct vpn_catalog_value *v = vpn_catalog_integrities;
         v->name; v++) {
        char *ike = xasprintf("ike=%s-%s;%s", enc0, v->libreswan, dh0);
        char *esp = xasprintf("esp=%s-%s", enc0, v->libreswan);
        if (algparse_accepts(ike, esp, false)) {
            sset_add(caps->integrity, v->name);
        }
        free(ike);
        free(esp);
    }
    caps->known = true;
    return true;
}

/* Static functions. */

static void
pluto_set_error(struct vpn_pluto *pluto, const char *format, ...)
{
    va_list args;

    va_start(args, format);
    free(pluto->error);
    pluto->error = xvasprintf(format, args);
    va_end(args);
    pluto->seqno++;
}

/* Creates the run and state directories, private to root. */
static bool
make_dirs(struct vpn_pluto *pluto)
{
    const char *dirs[] = {
        pluto->rundir, pluto->statedir, pluto->nss_dir, pluto->ipsecd_dir,
        pluto->conns_dir,
    };

    for (size_t i = 0; i < ARRAY_SIZE(dirs); i++) {
        if (!mkdir_p(dirs[i], 0700) || chmod(dirs[i], 0700)) {
            pluto_set_error(pluto, "%s: cannot create directory (%s)",
                            dirs[i], ovs_strerror(errno));
            VLOG_ERR("%s: %s", pluto->name, pluto->error);
            return false;
        }
    }
    return true;
}

/* Adopts the pluto that 'pluto''s pid file names, if it runs with our run
 * directory and answers.  Returns true if it did. */
static bool
try_adopt(struct vpn_pluto *pluto)
{
    char *pid_text = read_file(pluto->pid_path);
    if (!pid_text) {
        return false;
    }
    int pid_int;
    pid_text[strcspn(pid_text, " \t\r\n")] = '\0';
    bool have_pid = str_to_int(pid_text, 10, &pid_int) && pid_int > 0;
    free(pid_text);
    if (!have_pid || !proc_is_alive(pid_int)
        || !proc_has_rundir(pid_int, pluto->rundir)) {
        return false;
    }
    if (!proc_in_netns(pid_int, pluto->netns)) {
        /* Ours by its directory, but not in the gateway's namespace (one
         * deleted and created again while it ran): it serves nobody. */
        VLOG_WARN("%s: pluto (pid %d) runs in another network namespace "
                  "than %s: killing it", pluto->name, pid_int,
                  pluto->netns ? pluto->netns : "the agent's");
        pluto->pid = pid_int;
        pluto->child = false;
        pluto_kill(pluto, 0);
        pluto->pid = 0;
        return false;
    }

    /* It is ours.  It must answer, or it is in the way. */
    pluto->pid = pid_int;
    pluto->state = PLUTO_RUNNING;
    pluto->child = false;
    pluto->adopted = true;
    pluto->started = time_msec();

    struct ds out = DS_EMPTY_INITIALIZER;
    if (!pluto_command(pluto, &out, "--status", NULL)) {
        VLOG_WARN("%s: pluto (pid %d) does not answer on %s: killing it",
                  pluto->name, pid_int, pluto->ctl_path);
        ds_destroy(&out);
        pluto_kill(pluto, 0);
        pluto->state = PLUTO_STOPPED;
        pluto->pid = 0;
        pluto->adopted = false;
        return false;
    }
    swan_status_clear(&pluto->status);
    swan_status_parse(&pluto->status, ds_cstr(&out));
    ds_destroy(&out);

    load_conns_dir(pluto);
    load_secrets_file(pluto);

    /* A key written just before the agent died may not have been read. */
    pluto_command(pluto, NULL, "--rereadsecrets", NULL);

    VLOG_INFO("%s: adopted pluto (pid %d) with %"PRIuSIZE" known conns "
              "and %"PRIuSIZE" unknown ones", pluto->name, pid_int,
              shash_count(&pluto->conns), sset_count(&pluto->orphans));
    pluto->next_poll = time_msec();
    pluto->seqno++;
    return true;
}

/* Adoption: a file conns/NAME.conf is what pluto was last given for NAME
 * and accepted.  Keeps those that the adopted pluto has loaded, according
 * to the --status output in 'pluto->status'; every other conn loaded in
 * pluto becomes an orphan, to be deleted or replaced. */
static void
load_conns_dir(struct vpn_pluto *pluto)
{
    DIR *dir = opendir(pluto->conns_dir);
    if (dir) {
        struct dirent *de;
        while ((de = readdir(dir)) != NULL) {
            const char *fn = de->d_name;
            size_t len = strlen(fn);
            if (fn[0] == '.') {
                continue;
            }

            char *path = xasprintf("%s/%s", pluto->conns_dir, fn);
            char *name = (len > 5 && !strcmp(fn + len - 5, ".conf")
                          ? xmemdup0(fn, len - 5) : NULL);
            const struct swan_status_tunnel *t
                = name ? swan_status_find(&pluto->status, name) : NULL;
            char *text = t && t->loaded && swan_conf_is_valid_name(name)
                         ? read_file(path) : NULL;
            if (text) {
                struct pluto_conn *c = conn_create(pluto, name);
                c->applied_text = text;
                c->pub.loaded = true;
            } else {
                unlink(path);
            }
            free(name);
            free(path);
        }
        closedir(dir);
    }

    struct shash_node *node;
    SHASH_FOR_EACH (node, &pluto->status.tunnels) {
        const struct swan_status_tunnel *t = node->data;
        if (t->loaded && !shash_find(&pluto->conns, t->name)) {
            sset_add(&pluto->orphans, t->name);
        }
    }
}

/* Adoption: reads back the key of each conn from ipsec.secrets, where
 * update_secrets() wrote it after a "# conn NAME" line. */
static void
load_secrets_file(struct vpn_pluto *pluto)
{
    char *content = read_file(pluto->secrets_path);
    if (!content) {
        return;
    }

    const char *name = NULL;
    size_t name_len = 0;
    char *line = content;
    while (*line) {
        char *end = strchr(line, '\n');
        size_t len = end ? end - line + 1 : strlen(line);
        if (!strncmp(line, "# conn ", 7)) {
            name = line + 7;
            name_len = len - 7 - (end ? 1 : 0);
        } else if (name && line[0] != '#') {
            char *key = xmemdup0(name, name_len);
            struct pluto_conn *c = shash_find_data(&pluto->conns, key);
            if (c) {
                free(c->applied_secret);
                c->applied_secret = xmemdup0(line, len);
            }
            free(key);
            name = NULL;
        }
        line += len;
    }
    pluto->secrets_written = content;
}

/* Removes every file in conns/: nothing is loaded. */
static void
clear_conns_dir(struct vpn_pluto *pluto)
{
    DIR *dir = opendir(pluto->conns_dir);
    if (dir) {
        struct dirent *de;
        while ((de = readdir(dir)) != NULL) {
            if (de->d_name[0] != '.') {
                char *path = xasprintf("%s/%s", pluto->conns_dir,
                                       de->d_name);
                unlink(path);
                free(path);
            }
        }
        closedir(dir);
    }
}

/* Starts pluto (PLUTO_STOPPED -> PLUTO_STARTING).  Returns false, with
 * the problem in 'pluto->error', if it could not. */
static bool
pluto_start(struct vpn_pluto *pluto)
{
    long long int now = time_msec();

    if (!make_dirs(pluto)) {
        return false;
    }

    /* The NSS database, once.  It is made in a directory of its own and
     * renamed into place only when complete: a certutil killed halfway
     * (it takes seconds on an emulated machine) left a database that
     * pluto could not open, and that was never made again. */
    char *cert_db = xasprintf("%s/cert9.db", pluto->nss_dir);
    bool have_nss = !access(cert_db, F_OK);
    free(cert_db);
    if (!have_nss) {
        char *tmp = xasprintf("%s.new", pluto->nss_dir);
        nftw(tmp, remove_tree_cb, 16, FTW_DEPTH | FTW_PHYS);
        char *error = NULL;
        if (mkdir(tmp, 0700)) {
            error = xasprintf("%s: cannot create directory (%s)", tmp,
                              ovs_strerror(errno));
        } else {
            char *db = xasprintf("sql:%s", tmp);
            char *argv[] = { CERTUTIL_BIN, "-N", "-d", db,
                             "--empty-password", NULL };
            struct ds out = DS_EMPTY_INITIALIZER;
            error = vpn_exec(argv, NULL, VPN_PLUTO_NSS_TIMEOUT_MSEC, &out,
                             &out);
            free(db);
            ds_destroy(&out);
        }
        if (!error) {
            /* What is there (an empty directory, or the rest of a
             * database that was never completed) holds nothing of use. */
            nftw(pluto->nss_dir, remove_tree_cb, 16, FTW_DEPTH | FTW_PHYS);
        }
        if (!error && rename(tmp, pluto->nss_dir)) {
            error = xasprintf("%s: cannot move into place (%s)", tmp,
                              ovs_strerror(errno));
        }
        if (error) {
            nftw(tmp, remove_tree_cb, 16, FTW_DEPTH | FTW_PHYS);
        }
        free(tmp);
        if (error) {
            pluto_set_error(pluto, "cannot create NSS database in %s: %s",
                            pluto->nss_dir, error);
            VLOG_ERR("%s: %s", pluto->name, pluto->error);
            free(error);
            return false;
        }
    }

    /* Only "config setup" in pluto's --config: pluto would load and start
     * any conn found there. */
    struct ds setup = DS_EMPTY_INITIALIZER;
    swan_conf_render_setup(&setup, NULL);
    bool ok = write_file(pluto->conf_path, ds_cstr(&setup), 0600);
    ds_destroy(&setup);
    if (!ok) {
        pluto_set_error(pluto, "cannot write %s (%s)", pluto->conf_path,
                        ovs_strerror(errno));
        return false;
    }
    update_secrets(pluto, true);
    if (!pluto->secrets_written) {
        return false;
    }
    pluto->secrets_stale = false;
    clear_conns_dir(pluto);

    /* Log rotation, the crude way. */
    struct stat st;
    if (!stat(pluto->log_path, &st) && st.st_size > LOG_ROTATE_SIZE) {
        char *old = xasprintf("%s.old", pluto->log_path);
        if (rename(pluto->log_path, old)) {
            VLOG_WARN("%s: cannot rename %s (%s)", pluto->name,
                      pluto->log_path, ovs_strerror(errno));
        }
        free(old);
    }

    /* A pluto killed with SIGKILL leaves these behind. */
    unlink(pluto->ctl_path);
    unlink(pluto->pid_path);

    int err_fd = open(pluto->stderr_path,
                      O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (err_fd < 0) {
        pluto_set_error(pluto, "cannot open %s (%s)", pluto->stderr_path,
                        ovs_strerror(errno));
        return false;
    }

    struct svec argv = SVEC_EMPTY_INITIALIZER;
    if (pluto->netns) {
        svec_add(&argv, pluto->ip_bin);
        svec_add(&argv, "netns");
        svec_add(&argv, "exec");
        svec_add(&argv, pluto->netns);
    }
    if (pluto->env.n) {
        svec_add(&argv, pluto->env_bin);
        svec_append(&argv, &pluto->env);
    }
    svec_add(&argv, PLUTO_BIN);
    svec_add(&argv, "--config");
    svec_add(&argv, pluto->conf_path);
    svec_add(&argv, "--rundir");
    svec_add(&argv, pluto->rundir);
    svec_add(&argv, "--nssdir");
    svec_add(&argv, pluto->nss_dir);
    svec_add(&argv, "--secretsfile");
    svec_add(&argv, pluto->secrets_path);
    svec_add(&argv, "--ipsecdir");
    svec_add(&argv, pluto->ipsecd_dir);
    svec_add(&argv, "--logfile");
    svec_add(&argv, pluto->log_path);
    svec_add(&argv, "--dumpdir");
    svec_add(&argv, pluto->statedir);
    svec_add(&argv, "--nofork");
    svec_terminate(&argv);

    /* Everything pluto creates (log, core dumps) is private. */
    mode_t old_umask = umask(077);
    pid_t pid;
    int error = vpn_exec_start(argv.names, err_fd, true, &pid);
    umask(old_umask);
    close(err_fd);
    svec_destroy(&argv);
    if (error) {
        pluto_set_error(pluto, "cannot start pluto (%s)",
                        ovs_strerror(error));
        VLOG_ERR("%s: %s", pluto->name, pluto->error);
        return false;
    }

    pluto->pid = pid;
    pluto->child = true;
    pluto->adopted = false;
    pluto->state = PLUTO_STARTING;
    pluto->started = now;
    pluto->start_deadline = now + VPN_PLUTO_START_TIMEOUT_MSEC;
    pluto->n_starts++;
    pluto->n_poll_failures = 0;
    VLOG_INFO("%s: started pluto (pid %ld)%s%s", pluto->name, (long int) pid,
              pluto->netns ? " in network namespace " : "",
              pluto->netns ? pluto->netns : "");
    return true;
}

/* Sets the time of the next start attempt, with exponential backoff. */
static void
schedule_restart(struct vpn_pluto *pluto)
{
    pluto->restart_at = time_msec() + pluto->backoff_msec;
    pluto->backoff_msec = MIN(pluto->backoff_msec * 2,
                              VPN_PLUTO_BACKOFF_MAX_MSEC);
}

/* PLUTO_STARTING: has pluto opened its control socket yet? */
static void
pluto_check_started(struct vpn_pluto *pluto)
{
    char *why;
    if (!pluto_is_alive(pluto, &why)) {
        /* Most likely "ip netns exec" failed: say what it said. */
        char *err = read_file(pluto->stderr_path);
        const char *last = NULL;
        if (err) {
            for (char *line = strtok(err, "\n"); line;
                 line = strtok(NULL, "\n")) {
                if (!strstr(line, "adjusting ")) {
                    last = line;
                }
            }
        }
        char *full = last ? xasprintf("%s (%.200s)", why, last)
                          : xstrdup(why);
        pluto_died(pluto, full);
        free(full);
        free(err);
        free(why);
        return;
    }

    /* pluto answers on its control socket before it listens for IKE:
     * at start-up it runs "addconn --autoall", and that child tells it to
     * listen.  On a busy machine the child may come seconds later, and
     * conns initiated before then have no interface to go out of (pluto
     * does not even try).  So the driver tells pluto to listen itself,
     * which also makes it read the keys; the child's later "listen" finds
     * the same interfaces and changes nothing. */
    if (is_socket(pluto->ctl_path)
        && pluto_command(pluto, NULL, "--listen", NULL)) {
        pluto->secrets_stale = false;
        pluto_started(pluto);
    } else if (time_msec() >= pluto->start_deadline) {
        pluto_kill(pluto, 0);
        pluto_died(pluto, "did not open its control socket in time");
    }
}

/* PLUTO_STARTING -> PLUTO_RUNNING: loads every conn. */
static void
pluto_started(struct vpn_pluto *pluto)
{
    long long int now = time_msec();

    pluto->state = PLUTO_RUNNING;
    free(pluto->error);
    pluto->error = NULL;
    pluto->seqno++;
    VLOG_INFO("%s: pluto (pid %ld) is ready after %lld ms", pluto->name,
              (long int) pluto->pid, now - pluto->started);
    reread_secrets(pluto);

    const struct shash_node **sorted = shash_sort(&pluto->conns);
    size_t n = shash_count(&pluto->conns);
    struct pluto_conn **load = xmalloc(n * sizeof *load);
    size_t n_load = 0;
    for (size_t i = 0; i < n; i++) {
        struct pluto_conn *c = sorted[i]->data;
        if (c->wanted && c->text) {
            load[n_load++] = c;
        }
    }
    conns_load(pluto, load, n_load);
    free(load);
    free(sorted);
    pluto->next_poll = now;
}

/* Returns true if pluto's process still exists.  Otherwise, stores in
 * '*why' a malloc'd description of its end. */
static bool
pluto_is_alive(struct vpn_pluto *pluto, char **why)
{
    if (pluto->pid <= 0) {
        *why = xstrdup("is not running");
        return false;
    }
    if (pluto->child) {
        int status;
        pid_t retval;
        do {
            retval = waitpid(pluto->pid, &status, WNOHANG);
        } while (retval < 0 && errno == EINTR);
        if (retval == pluto->pid) {
            char *msg = process_status_msg(status);
            *why = xasprintf("%s", msg);
            free(msg);
            pluto->child = false;
            pluto->pid = 0;
            return false;
        } else if (!retval) {
            return true;
        }
        /* ECHILD: somebody else reaped it, or it is not our child. */
        pluto->child = false;
    }
    if (proc_is_alive(pluto->pid)) {
        return true;
    }
    *why = xstrdup("exited");
    pluto->pid = 0;
    return false;
}

/* Pluto is gone (or has just been killed): forget what it had and schedule
 * a restart. */
static void
pluto_died(struct vpn_pluto *pluto, const char *why)
{
    long long int now = time_msec();

    if (now - pluto->started >= VPN_PLUTO_STABLE_MSEC) {
        pluto->backoff_msec = VPN_PLUTO_BACKOFF_MIN_MSEC;
    }
    schedule_restart(pluto);
    load_abort(pluto);
    poll_abort(pluto);
    if (pluto->pid > 0) {
        pluto_kill(pluto, 0);
    }

    VLOG_WARN("%s: pluto %s; restarting in %lld ms", pluto->name, why,
              MAX(pluto->restart_at - now, 0));
    pluto_set_error(pluto, "pluto %s", why);
    pluto->state = PLUTO_STOPPED;
    pluto->pid = 0;
    pluto->child = false;
    pluto->adopted = false;
    sset_clear(&pluto->orphans);
    swan_status_clear(&pluto->status);

    struct shash_node *node;
    SHASH_FOR_EACH (node, &pluto->conns) {
        struct pluto_conn *c = node->data;
        if (c->applied_text) {
            conn_event(c, false, "pluto %s", why);
        }
        conn_forget_applied(c);
        conn_update(pluto, c);
    }
}

/* Kills pluto: SIGTERM and up to 'timeout_msec' to exit, then SIGKILL
 * (at once if 'timeout_msec' is 0).  Reaps it if it is our child. */
static void
pluto_kill(struct vpn_pluto *pluto, int timeout_msec)
{
    pid_t pid = pluto->pid;
    if (pid <= 0) {
        return;
    }

    int signr = timeout_msec ? SIGTERM : SIGKILL;
    long long int deadline = time_msec() + (timeout_msec ? timeout_msec
                                            : 1000);
    kill(pid, signr);
    for (;;) {
        if (pluto->child) {
            pid_t retval = waitpid(pid, NULL, WNOHANG);
            if (retval == pid || (retval < 0 && errno == ECHILD)) {
                break;
            }
        } else if (!proc_is_alive(pid)) {
            break;
        }
        if (time_msec() >= deadline) {
            if (signr == SIGKILL) {
                VLOG_WARN("%s: pluto (pid %ld) survives SIGKILL",
                          pluto->name, (long int) pid);
                break;
            }
            VLOG_WARN("%s: pluto (pid %ld) ignores SIGTERM: killing it",
                      pluto->name, (long int) pid);
            signr = SIGKILL;
            kill(pid, SIGKILL);
            deadline = time_msec() + 1000;
        }
        xnanosleep(10 * 1000 * 1000);
    }
    pluto->pid = 0;
    pluto->child = false;
}

/* Runs "whack --rundir RUNDIR ARG..." (a NULL-terminated list), with its
 * output (stdout and stderr) appended to 'output' if nonnull.  Returns true
 * if whack could talk to pluto, which says nothing about the success of
 * what was asked (whack's exit status is the code of pluto's last reply):
 * the caller must look at the output or the log. */
static bool
pluto_command(struct vpn_pluto *pluto, struct ds *output,
              const char *arg, ...)
{
    static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 5);
    struct svec argv = SVEC_EMPTY_INITIALIZER;
    va_list args;

    svec_add(&argv, WHACK_BIN);
    svec_add(&argv, "--rundir");
    svec_add(&argv, pluto->rundir);
    va_start(args, arg);
    for (const char *a = arg; a; a = va_arg(args, const char *)) {
        svec_add(&argv, a);
    }
    va_end(args);
    svec_terminate(&argv);

    struct ds out = DS_EMPTY_INITIALIZER;
    char *error = run_command(argv.names, &out);
    /* whack exits with 1..3 or 30+ when it cannot reach pluto (and says
     * "whack: ..."), or with the (small) code of pluto's last reply. */
    bool ok = !error || !strstr(ds_cstr(&out), "whack: ");
    if (!ok) {
        VLOG_WARN_RL(&rl, "%s: whack %s failed: %s", pluto->name, arg,
                     error);
    }
    free(error);
    if (output) {
        ds_put_buffer(output, out.string, out.length);
    }
    ds_destroy(&out);
    svec_destroy(&argv);
    return ok;
}

/* Starts asking pluto for its states and traffic (poll_finish() takes
 * the answer). */
static void
poll_start(struct vpn_pluto *pluto)
{
    if (!pluto->child) {
        char *why;
        if (!pluto_is_alive(pluto, &why)) {
            pluto_died(pluto, why);
            free(why);
            return;
        }
    }

    /* One whack for both: pluto answers with the traffic status, then
     * the states. */
    COVERAGE_INC(vpn_pluto_poll);
    char *argv[] = { WHACK_BIN, "--rundir", pluto->rundir,
                     "--trafficstatus", "--showstates", NULL };
    int error = vpn_exec_job_start(&pluto->poll, argv,
                                   VPN_PLUTO_CMD_TIMEOUT_MSEC);
    if (error) {
        static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 5);
        VLOG_WARN_RL(&rl, "%s: cannot run whack (%s)", pluto->name,
                     ovs_strerror(error));
    }
}

/* Takes the answer of the poll that poll_start() started, whose whack
 * ended with wait status 'status' (-1: killed for its timeout), and
 * classifies every tunnel. */
static void
poll_finish(struct vpn_pluto *pluto, int status)
{
    const char *out = ds_cstr(&pluto->poll.out);

    /* whack exits with 1..3 or 30+ when it cannot reach pluto (and says
     * "whack: ..."), or with the (small) code of pluto's last reply. */
    bool exited_ok = status != -1 && WIFEXITED(status)
                     && !WEXITSTATUS(status);
    if (!exited_ok && (status == -1 || strstr(out, "whack: "))) {
        static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 5);
        char *msg = (status == -1
                     ? xasprintf("killed after %d ms",
                                 VPN_PLUTO_CMD_TIMEOUT_MSEC)
                     : process_status_msg(status));
        VLOG_WARN_RL(&rl, "%s: whack --trafficstatus failed: %s",
                     pluto->name, msg);
        free(msg);

        char *why;
        if (!pluto_is_alive(pluto, &why)) {
            pluto_died(pluto, why);
            free(why);
        } else if (++pluto->n_poll_failures >= MAX_POLL_FAILURES) {
            pluto_died(pluto, "does not answer on its control socket");
        }
        return;
    }
    pluto->n_poll_failures = 0;

    swan_status_clear(&pluto->status);
    swan_status_parse(&pluto->status, out);

    struct shash_node *node;
    SHASH_FOR_EACH (node, &pluto->conns) {
        struct pluto_conn *c = node->data;
        c->status_stale = false;
        conn_update(pluto, c);
    }
}

/* Kills the status poll's whack, if any (pluto died). */
static void
poll_abort(struct vpn_pluto *pluto)
{
    vpn_exec_job_destroy(&pluto->poll);
    vpn_exec_job_init(&pluto->poll);
}

/* Returns when to poll 'pluto' next, after a poll at 'now': at the next
 * idle poll time, or when a tunnel that is not connected is due to be
 * initiated again, but not before VPN_PLUTO_POLL_MSEC.  (News in the log
 * brings the poll forward: see vpn_pluto_run().)
 *
 * Idle poll times are the multiples of IDLE_POLL_MSEC at least half of it
 * away, the same for every pluto: the quiet plutos are polled together, in
 * one iteration of the caller's main loop, instead of each at its own
 * time (with 50 gateways, that woke the loop 5 times a second). */
/* The earliest time of the poll that follows a Child SA established (see
 * UP_POLL_MIN_MSEC). */
static long long int
up_poll_time(const struct vpn_pluto *pluto)
{
    return pluto->last_poll + MAX(UP_POLL_MIN_MSEC,
                                  UP_POLL_FACTOR * pluto->poll_duration);
}

static long long int
next_poll_time(const struct vpn_pluto *pluto, long long int now)
{
    long long int next = ((now + IDLE_POLL_MSEC / 2) / IDLE_POLL_MSEC + 1)
                         * IDLE_POLL_MSEC;
    struct shash_node *node;

    SHASH_FOR_EACH (node, &pluto->conns) {
        const struct pluto_conn *c = node->data;
        if (c->wanted && c->pub.loaded && c->initiates
            && c->pub.state != SWAN_CONN_CONNECTED) {
            next = MIN(next, c->next_initiate);
        }
    }
    return MAX(next, now + VPN_PLUTO_POLL_MSEC);
}

/* Re-initiates, every VPN_PLUTO_RETRY_MSEC, each tunnel that may initiate,
 * is not connected, and has no negotiation in progress in pluto. */
static void
retry_conns(struct vpn_pluto *pluto)
{
    long long int now = time_msec();
    struct shash_node *node;

    SHASH_FOR_EACH (node, &pluto->conns) {
        struct pluto_conn *c = node->data;
        if (!c->wanted || !c->pub.loaded || !c->initiates
            || c->initiate_pending || c->pub.state == SWAN_CONN_CONNECTED
            || now < c->next_initiate) {
            continue;
        }

        const struct swan_status_tunnel *t
            = swan_status_find(&pluto->status, c->name);
        bool negotiating = false;
        if (t) {
            const struct swan_status_sa *sa;
            LIST_FOR_EACH (sa, list_node, &t->sas) {
                if (sa->state && !sa->established) {
                    negotiating = true;
                    break;
                }
            }
        }
        if (!negotiating) {
            static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(10, 20);
            VLOG_INFO_RL(&rl, "%s: %s: initiating again (%s)", pluto->name,
                         c->name,
                         swan_status_state_to_string(c->pub.state));
            conn_initiate(pluto, c, false);
        }
    }
}

/* What pluto writes in its log (a tunnel that connects or fails) is read
 * as soon as it is written: one inotify instance, shared by every pluto
 * (a user may have as few as 128 of them), wakes the main loop when any
 * pluto's log changes, and every pluto then reads its own.  Without
 * inotify, logs are read at least every LOG_FALLBACK_MSEC. */
#define LOG_FALLBACK_MSEC 200

/* Watches the log that 'pluto' just opened (again, after a rotation). */
static void
log_notify_watch(struct vpn_pluto *pluto)
{
    static bool tried;
    if (!tried) {
        tried = true;
        log_notify_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
        if (log_notify_fd < 0) {
            VLOG_WARN("inotify_init1 failed (%s): pluto logs are read "
                      "every %d ms", ovs_strerror(errno), LOG_FALLBACK_MSEC);
        }
    }
    if (log_notify_fd >= 0) {
        if (pluto->log_wd >= 0) {
            inotify_rm_watch(log_notify_fd, pluto->log_wd);
        }
        pluto->log_wd = inotify_add_watch(log_notify_fd, pluto->log_path,
                                          IN_MODIFY);
        if (pluto->log_wd < 0) {
            static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 5);
            VLOG_WARN_RL(&rl, "%s: cannot watch %s (%s): it is read every "
                         "%d ms", pluto->name, pluto->log_path,
                         ovs_strerror(errno), LOG_FALLBACK_MSEC);
        }
    }
}

/* Discards the notifications that woke the main loop: every pluto reads
 * its log in the same iteration. */
static void
log_notify_drain(void)
{
    if (log_notify_fd >= 0) {
        char buf[4096];
        while (read(log_notify_fd, buf, sizeof buf) > 0) {
            continue;
        }
    }
}

/* Wakes the main loop when a log of 'pluto' may have changed. */
static void
log_notify_wait(const struct vpn_pluto *pluto)
{
    if (log_notify_fd >= 0 && pluto->log_wd >= 0) {
        poll_fd_wait(log_notify_fd, POLLIN);
    } else {
        poll_timer_wait(LOG_FALLBACK_MSEC);
    }
}

/* Feeds what pluto appended to its log since the last call to the log
 * tracker. */
static void
log_read(struct vpn_pluto *pluto)
{
    pluto->log_pending = false;
    if (pluto->log_fd < 0) {
        pluto->log_fd = open(pluto->log_path, O_RDONLY | O_CLOEXEC);
        if (pluto->log_fd < 0) {
            return;
        }
        struct stat st;
        if (fstat(pluto->log_fd, &st)) {
            close(pluto->log_fd);
            pluto->log_fd = -1;
            return;
        }
        pluto->log_ino = st.st_ino;
        log_notify_watch(pluto);
        if (pluto->log_offset < 0) {
            /* Catch up with at most the end of an existing log. */
            pluto->log_offset = MAX(st.st_size - LOG_CATCH_UP_SIZE, 0);
            pluto->log_skip_line = pluto->log_offset > 0;
        }
    }

    struct stat st;
    if (fstat(pluto->log_fd, &st)) {
        close(pluto->log_fd);
        pluto->log_fd = -1;
        return;
    }
    if (st.st_size < pluto->log_offset) {
        /* Truncated. */
        pluto->log_offset = 0;
        pluto->log_skip_line = false;
    }

    char buf[65536];
    size_t total = 0;
    while (st.st_size > pluto->log_offset) {
        ssize_t n = pread(pluto->log_fd, buf, sizeof buf,
                          pluto->log_offset);
        if (n <= 0) {
            break;
        }
        pluto->log_offset += n;
        const char *p = buf;
        if (pluto->log_skip_line) {
            const char *nl = memchr(buf, '\n', n);
            if (!nl) {
                continue;
            }
            pluto->log_skip_line = false;
            n -= nl + 1 - buf;
            p = nl + 1;
        }
        swan_status_log_feed(&pluto->log, p, n);
        total += n;
        if (total >= LOG_READ_MAX) {
            pluto->log_pending = true;
            return;
        }
    }

    /* At the end: has the file been replaced (rotated)?  The agent reads
     * every pluto's log in every iteration of its main loop: this look-up
     * of the path is made at most every LOG_ROTATE_CHECK_MSEC. */
    long long int now = time_msec();
    if (now < pluto->next_rotate_check) {
        return;
    }
    pluto->next_rotate_check = now + LOG_ROTATE_CHECK_MSEC;
    if (stat(pluto->log_path, &st) || st.st_ino != pluto->log_ino) {
        close(pluto->log_fd);
        pluto->log_fd = -1;
        pluto->log_offset = 0;
    }
}

/* Starts following the log afresh: from its end, or if 'catch_up' from at
 * most LOG_CATCH_UP_SIZE before its end (an adopted pluto's recent
 * failures are there). */
static void
log_reset(struct vpn_pluto *pluto, bool catch_up)
{
    if (pluto->log_fd >= 0) {
        close(pluto->log_fd);
        pluto->log_fd = -1;
    }
    struct stat st;
    if (catch_up) {
        pluto->log_offset = -1;
    } else {
        pluto->log_offset = stat(pluto->log_path, &st) ? 0 : st.st_size;
    }
    pluto->log_skip_line = false;
    log_read(pluto);
}

/* Writes the pre-shared keys of every wanted tunnel to ipsec.secrets if
 * they differ from what was last written (or always, if 'force'), and
 * tells a running pluto to re-read them. */
static void
update_secrets(struct vpn_pluto *pluto, bool force)
{
    struct ds content = DS_EMPTY_INITIALIZER;
    ds_put_format(&content, "# Pre-shared keys of VPN gateway %s, written "
                  "by ovn-vpn-agent.\n", pluto->name);

    const struct shash_node **sorted = shash_sort(&pluto->conns);
    size_t n = shash_count(&pluto->conns);
    for (size_t i = 0; i < n; i++) {
        const struct pluto_conn *c = sorted[i]->data;
        if (c->wanted && c->secret) {
            ds_put_format(&content, "# conn %s\n%s", c->name, c->secret);
        }
    }
    free(sorted);

    if (force || !pluto->secrets_written
        || strcmp(pluto->secrets_written, ds_cstr(&content))) {
        if (!write_file(pluto->secrets_path, ds_cstr(&content), 0600)) {
            pluto_set_error(pluto, "cannot write %s (%s)",
                            pluto->secrets_path, ovs_strerror(errno));
            VLOG_ERR("%s: %s", pluto->name, pluto->error);
            free(pluto->secrets_written);
            pluto->secrets_written = NULL;
        } else {
            bool changed = (!pluto->secrets_written
                            || strcmp(pluto->secrets_written,
                                      ds_cstr(&content)));
            free(pluto->secrets_written);
            pluto->secrets_written = ds_steal_cstr(&content);
            if (changed && pluto->state != PLUTO_STOPPED) {
                /* See reread_secrets(); a starting pluto may have read
                 * the file before this write. */
                pluto->secrets_stale = true;
            }
        }
    }
    ds_destroy(&content);
}

/* Tells a running pluto to re-read ipsec.secrets if update_secrets()
 * changed it since pluto last read it. */
static void
reread_secrets(struct vpn_pluto *pluto)
{
    if (pluto->secrets_stale && pluto->state == PLUTO_RUNNING) {
        pluto->secrets_stale = false;
        pluto_command(pluto, NULL, "--rereadsecrets", NULL);
    }
}

static struct pluto_conn *
conn_create(struct vpn_pluto *pluto, const char *name)
{
    struct pluto_conn *c = xzalloc(sizeof *c);
    c->name = xstrdup(name);
    c->pub.name = c->name;
    c->pub.state = SWAN_CONN_CONNECTING;
    c->pub.reason = SWAN_REASON_NONE;
    c->pub.since = time_wall_msec();
    c->pub.packets_in = c->pub.packets_out = -1;
    c->n_local = c->n_peer = 1;
    shash_add(&pluto->conns, name, c);
    return c;
}

static void
conn_destroy(struct vpn_pluto *pluto, struct pluto_conn *c)
{
    if (c) {
        shash_find_and_delete(&pluto->conns, c->name);
        free(c->check_error);
        free(c->text);
        free(c->secret);
        free(c->applied_text);
        free(c->applied_secret);
        free(c->add_error);
        free(c->pub.child_serials);
        free(c->name);
        free(c);
    }
}

/* Renders the wanted configuration of 'c' from 'p'. */
static void
conn_set_params(struct pluto_conn *c, const struct vpn_tunnel_params *p_)
{
    struct vpn_tunnel_params p = *p_;
    vpn_params_apply_defaults(&p);

    char *error = swan_conf_check(&p);
    if (!error && !swan_conf_is_valid_name(p.name)) {
        error = xasprintf("\"%s\" is not a valid connection name", p.name);
    }
    if (!error && strlen(p.name) >= SWAN_STATUS_NAME_SIZE) {
        error = xasprintf("connection name longer than %d characters",
                          SWAN_STATUS_NAME_SIZE - 1);
    }
    if (!error && (!p.n_local_cidrs || !p.n_peer_cidrs)) {
        error = xstrdup("a tunnel needs local and peer CIDRs");
    }
    if (error) {
        if (!nullable_streq(error, c->check_error)) {
            free(c->check_error);
            c->check_error = error;
            free(c->text);
            free(c->secret);
            c->text = c->secret = NULL;
        } else {
            free(error);
        }
        return;
    }
    free(c->check_error);
    c->check_error = NULL;

    struct ds ds = DS_EMPTY_INITIALIZER;
    swan_conf_render_conn(&p, p.name, SWAN_VIEW_PLATFORM, &ds);
    if (!nullable_streq(c->text, ds_cstr(&ds))) {
        free(c->text);
        c->text = ds_steal_cstr(&ds);
    }
    ds_clear(&ds);
    swan_conf_render_secret(&p, SWAN_VIEW_PLATFORM, &ds);
    if (!nullable_streq(c->secret, ds_cstr(&ds))) {
        free(c->secret);
        c->secret = ds_steal_cstr(&ds);
    }
    ds_destroy(&ds);

    c->n_local = p.n_local_cidrs;
    c->n_peer = p.n_peer_cidrs;
    c->initiates = (strcmp(p.initiator, "response-only")
                    && !vpn_params_peer_is_any(&p));
}

/* Gives conn 'c' to pluto (replacing any conn of that name) and initiates
 * it if it may. */
static void
conn_load(struct vpn_pluto *pluto, struct pluto_conn *c)
{
    bool replacing = c->n_events > 0;
    char *new_path = conn_file(pluto, c->name, ".conf.new");
    if (!write_file(new_path, c->text, 0600)) {
        pluto_set_error(pluto, "cannot write %s (%s)", new_path,
                        ovs_strerror(errno));
        VLOG_ERR("%s: %s", pluto->name, pluto->error);
        free(new_path);
        return;
    }

    long long int start = time_msec();
    char *argv[] = { ADDCONN_BIN, "--config", new_path, "--ctlsocket",
                     pluto->ctl_path, c->name, NULL };
    COVERAGE_INC(vpn_pluto_addconn);
    struct ds out = DS_EMPTY_INITIALIZER;
    int status;
    char *error = vpn_exec_status(argv, NULL, VPN_PLUTO_CMD_TIMEOUT_MSEC,
                                  &out, &out, &status);
    long long int elapsed = time_msec() - start;

    replace_string(&c->applied_text, c->text);
    replace_string(&c->applied_secret, c->secret);
    free(c->add_error);
    c->add_error = NULL;

    if (!error) {
        char *path = conn_file(pluto, c->name, ".conf");
        if (rename(new_path, path)) {
            VLOG_WARN("%s: cannot rename %s (%s)", pluto->name, new_path,
                      ovs_strerror(errno));
        }
        free(path);
        c->pub.loaded = true;
        VLOG_INFO("%s: %s: conn added in %lld ms", pluto->name, c->name,
                  elapsed);
        conn_event(c, false, replacing ? "conn added again" : "conn added");
        if (c->initiates) {
            conn_initiate(pluto, c, true);
        }
    } else {
        unlink(new_path);
        c->pub.loaded = false;

        struct ds line = DS_EMPTY_INITIALIZER;
        first_line(ds_cstr(&out), &line);
        if (line.length) {
            c->add_error = xasprintf("pluto refused the conn: %s",
                                     ds_cstr(&line));
        } else if (status >= 0) {
            char *msg = process_status_msg(status);
            c->add_error = xasprintf("pluto refused the conn (addconn %s)",
                                     msg);
            free(msg);
        } else {
            c->add_error = xasprintf("pluto refused the conn (%s)", error);
        }
        free(error);
        ds_destroy(&line);
        VLOG_WARN("%s: %s: %s", pluto->name, c->name, c->add_error);
        conn_event(c, false, "%s", c->add_error);

        /* pluto logged why before it answered. */
        log_read(pluto);

        /* Maybe it was pluto that failed. */
        char *why;
        if (!pluto_is_alive(pluto, &why)) {
            pluto_died(pluto, why);
            free(why);
        }
    }
    ds_destroy(&out);
    free(new_path);
    pluto->seqno++;
}

/* Gives the 'n' conns in 'cs' to pluto: in one batch that one "addconn"
 * loads in the background (see conns_load_start()), even a single conn, so
 * that the caller's main loop never waits for a pluto that is slow to
 * answer.  A batch that cannot be started is loaded at once by
 * conn_load(), one conn at a time. */
static void
conns_load(struct vpn_pluto *pluto, struct pluto_conn **cs, size_t n)
{
    if (n >= 1 && pluto->state == PLUTO_RUNNING
        && conns_load_start(pluto, cs, n)) {
        return;
    }

    /* conn_load() initiates at once: pluto needs the keys first. */
    reread_secrets(pluto);
    for (size_t i = 0; i < n && pluto->state == PLUTO_RUNNING; i++) {
        conn_load(pluto, cs[i]);
    }
}

/* Starts one "addconn" that gives pluto the 'n' conns in 'cs', from one
 * file that holds them all, and returns true; or returns false if it
 * cannot.  It only adds them, without initiating any: see the comment on
 * POST_LOAD_MAX_WAIT_MSEC.  vpn_pluto_run() reaps it (conns_load_finish())
 * and then, in post_load_run(), makes pluto re-read the keys and initiates
 * the conns that may initiate, with one "whack" for all those that are
 * not split into several (one per local/peer subnet pair): in the batch's
 * file, those carry an alias of the batch's own. */
static bool
conns_load_start(struct vpn_pluto *pluto, struct pluto_conn **cs, size_t n)
{
    static unsigned int batch_seqno;

    /* A batch that waits to be initiated is initiated now: the new
     * batch's alias replaces its own. */
    if (pluto->post_load) {
        post_load_run(pluto);
    }

    /* The alias starts with '_', which no tunnel name does, and names the
     * time, so that no conn of an earlier agent has it. */
    char *alias = xasprintf("_ovnvpn_%lld_%u", time_wall_msec(),
                            ++batch_seqno);
    bool any_alias = false;
    struct ds text = DS_EMPTY_INITIALIZER;
    struct svec argv = SVEC_EMPTY_INITIALIZER;
    char *path = xasprintf("%s/batch.conf", pluto->statedir);

    svec_add(&argv, ADDCONN_BIN);
    svec_add(&argv, "--config");
    svec_add(&argv, path);
    svec_add(&argv, "--ctlsocket");
    svec_add(&argv, pluto->ctl_path);
    for (size_t i = 0; i < n; i++) {
        const struct pluto_conn *c = cs[i];
        ds_put_cstr(&text, c->text);
        if (text.length && text.string[text.length - 1] != '\n') {
            ds_put_char(&text, '\n');
        }
        if (c->initiates && c->n_local == 1 && c->n_peer == 1) {
            ds_put_format(&text, "    connalias=%s\n", alias);
            any_alias = true;
        }
        ds_put_char(&text, '\n');
        svec_add(&argv, c->name);
    }
    svec_terminate(&argv);

    int error = (!write_record(path, ds_cstr(&text)) ? errno
                 : vpn_exec_job_start(&pluto->load, argv.names,
                                      VPN_PLUTO_CMD_TIMEOUT_MSEC));
    ds_destroy(&text);
    svec_destroy(&argv);
    if (error) {
        VLOG_WARN("%s: cannot load %"PRIuSIZE" conns at once (%s): loading "
                  "them one by one", pluto->name, n, ovs_strerror(error));
        unlink(path);
        free(path);
        free(alias);
        return false;
    }

    COVERAGE_INC(vpn_pluto_addconn);
    pluto->load_path = path;
    free(pluto->load_alias);
    pluto->load_alias = any_alias ? alias : NULL;
    if (!any_alias) {
        free(alias);
    }
    for (size_t i = 0; i < n; i++) {
        cs[i]->load_pending = true;
    }
    n_loads_running++;
    return true;
}

/* Reaps the batch's "addconn" if it has exited, and records the outcome:
 * the conns are loaded, and wait for post_load_run(); or, if addconn
 * failed, they are loaded again one at a time, which says which conn pluto
 * refused and why.  Kills an addconn that runs longer than
 * VPN_PLUTO_CMD_TIMEOUT_MSEC. */
static void
conns_load_finish(struct vpn_pluto *pluto)
{
    int status;
    if (!load_reap(pluto, &status)) {
        return;
    }

    long long int now = time_msec();
    long long int elapsed = now - pluto->load.started;
    struct ds names = DS_EMPTY_INITIALIZER;
    char *error = NULL;
    if (status == -1) {
        error = xasprintf("killed after %d ms", VPN_PLUTO_CMD_TIMEOUT_MSEC);
    } else if (!WIFEXITED(status) || WEXITSTATUS(status)) {
        error = process_status_msg(status);
    }

    /* The conns of the batch, in the order of their names. */
    const struct shash_node **sorted = shash_sort(&pluto->conns);
    size_t n_conns = shash_count(&pluto->conns);
    struct pluto_conn **cs = xmalloc(n_conns * sizeof *cs);
    size_t n = 0;
    for (size_t i = 0; i < n_conns; i++) {
        struct pluto_conn *c = sorted[i]->data;
        if (c->load_pending) {
            c->load_pending = false;
            cs[n++] = c;
        }
    }
    free(sorted);

    if (error) {
        struct ds line = DS_EMPTY_INITIALIZER;
        first_line(ds_cstr(&pluto->load.out), &line);
        VLOG_WARN("%s: loading %"PRIuSIZE" conns at once failed (%s%s%s): "
                  "loading them one by one", pluto->name, n, error,
                  line.length ? ": " : "", ds_cstr(&line));
        ds_destroy(&line);
        free(error);
        free(pluto->load_alias);
        pluto->load_alias = NULL;
        reread_secrets(pluto);
        for (size_t i = 0; i < n && pluto->state == PLUTO_RUNNING; i++) {
            conn_load(pluto, cs[i]);
        }
        free(cs);
        return;
    }

    for (size_t i = 0; i < n; i++) {
        struct pluto_conn *c = cs[i];
        bool replacing = c->n_events > 0;

        replace_string(&c->applied_text, c->text);
        replace_string(&c->applied_secret, c->secret);
        free(c->add_error);
        c->add_error = NULL;
        c->pub.loaded = true;

        char *path = conn_file(pluto, c->name, ".conf");
        if (!write_record(path, c->text)) {
            VLOG_WARN("%s: cannot write %s (%s)", pluto->name, path,
                      ovs_strerror(errno));
        }
        free(path);

        ds_put_format(&names, " %s", c->name);
        conn_event(c, false, replacing ? "conn added again" : "conn added");
        if (c->initiates) {
            c->initiate_pending = true;
            c->next_initiate = now + VPN_PLUTO_RETRY_MSEC;
        }
    }
    if (n == 1) {
        VLOG_INFO("%s:%s: conn added in %lld ms", pluto->name,
                  ds_cstr(&names), elapsed);
    } else {
        VLOG_INFO("%s: %"PRIuSIZE" conns added in %lld ms by one addconn:%s",
                  pluto->name, n, elapsed, ds_cstr(&names));
    }
    ds_destroy(&names);
    free(cs);
    pluto->post_load = true;
    pluto->post_load_deadline = now + POST_LOAD_MAX_WAIT_MSEC;
    pluto->seqno++;
}

/* Reaps the batch's "addconn": returns false if it still runs, otherwise
 * true with its wait status in '*status', or -1 if it was killed for
 * running too long.  What it printed is in 'load.out'. */
static bool
load_reap(struct vpn_pluto *pluto, int *status)
{
    if (!vpn_exec_job_reap(&pluto->load, status)) {
        return false;
    }
    load_release(pluto);
    return true;
}

/* Releases what the batch's reaped "addconn" held. */
static void
load_release(struct vpn_pluto *pluto)
{
    unlink(pluto->load_path);
    free(pluto->load_path);
    pluto->load_path = NULL;
    if (!--n_loads_running) {
        /* Others may be waiting to initiate. */
        poll_immediate_wake();
    }
}

/* Kills the batch's "addconn", if any, and forgets its batch (pluto
 * died, or the driver goes away). */
static void
load_abort(struct vpn_pluto *pluto)
{
    if (vpn_exec_job_is_running(&pluto->load)) {
        vpn_exec_job_destroy(&pluto->load);
        vpn_exec_job_init(&pluto->load);
        load_release(pluto);

        struct shash_node *node;
        SHASH_FOR_EACH (node, &pluto->conns) {
            struct pluto_conn *c = node->data;
            c->load_pending = false;
        }
    }
    pluto_forget_post_load(pluto);
}

/* Forgets that the last batch waits to be initiated. */
static void
pluto_forget_post_load(struct vpn_pluto *pluto)
{
    struct shash_node *node;
    SHASH_FOR_EACH (node, &pluto->conns) {
        struct pluto_conn *c = node->data;
        c->initiate_pending = false;
    }
    pluto->post_load = false;
    free(pluto->load_alias);
    pluto->load_alias = NULL;
}

/* After a batch: makes pluto re-read the keys (responders need them too)
 * and initiates the batch's conns that may initiate. */
static void
post_load_run(struct vpn_pluto *pluto)
{
    long long int now = time_msec();
    bool reread = pluto->secrets_stale;
    pluto->secrets_stale = false;
    if (pluto->load_alias) {
        if (reread) {
            pluto_command(pluto, NULL, "--rereadsecrets", "--initiate",
                          "--asynchronous", "--name", pluto->load_alias,
                          NULL);
        } else {
            pluto_command(pluto, NULL, "--initiate", "--asynchronous",
                          "--name", pluto->load_alias, NULL);
        }
    } else if (reread) {
        pluto_command(pluto, NULL, "--rereadsecrets", NULL);
    }

    struct shash_node *node;
    SHASH_FOR_EACH (node, &pluto->conns) {
        struct pluto_conn *c = node->data;
        if (c->initiate_pending) {
            c->initiate_pending = false;
            if (c->pub.loaded && (c->n_local != 1 || c->n_peer != 1)) {
                conn_initiate(pluto, c, true);
            } else {
                c->next_initiate = now + VPN_PLUTO_RETRY_MSEC;
            }
        }
    }
    pluto->post_load = false;
    free(pluto->load_alias);
    pluto->load_alias = NULL;
    VLOG_DBG("%s: batch initiated %lld ms after it was loaded",
             pluto->name,
             now - (pluto->post_load_deadline - POST_LOAD_MAX_WAIT_MSEC));
}

/* Takes conn 'c' out of pluto, if it was given to it, with its SAs.
 * 'why' says why, for the tunnel's event log. */
static void
conn_unload(struct vpn_pluto *pluto, struct pluto_conn *c, const char *why)
{
    if (!c->applied_text) {
        return;
    }

    /* First forget that pluto has it (conns/NAME.conf is the record that
     * adoption relies on), then delete it. */
    char *path = conn_file(pluto, c->name, ".conf");
    unlink(path);
    free(path);
    if (pluto->state == PLUTO_RUNNING) {
        /* Deleting by name also deletes the conns "NAME/LxR" that have
         * NAME as alias. */
        long long int start = time_msec();
        pluto_command(pluto, NULL, "--delete", "--name", c->name, NULL);
        VLOG_INFO("%s: %s: conn deleted (%s) in %lld ms", pluto->name,
                  c->name, why, time_msec() - start);

        /* Its SAs and failures are history: until the next poll, the
         * tunnel is not connected, even if it was a moment ago. */
        c->status_stale = true;
        swan_status_log_forget(&pluto->log, c->name);
    }
    if (c->wanted) {
        conn_event(c, false, "conn deleted: %s", why);
    }
    conn_forget_applied(c);
}

static void
conn_forget_applied(struct pluto_conn *c)
{
    free(c->applied_text);
    free(c->applied_secret);
    free(c->add_error);
    c->applied_text = c->applied_secret = c->add_error = NULL;
    c->pub.loaded = false;
}

/* Asks pluto to negotiate tunnel 'c': the whole tunnel (one IKE SA with a
 * Child SA for each pair of subnets) if 'fresh' or none of its Child SAs is
 * up, otherwise each missing Child SA. */
static void
conn_initiate(struct vpn_pluto *pluto, struct pluto_conn *c, bool fresh)
{
    const struct swan_status_tunnel *t
        = fresh ? NULL : swan_status_find(&pluto->status, c->name);

    c->next_initiate = time_msec() + VPN_PLUTO_RETRY_MSEC;
    if (!t || sset_is_empty(&t->up_conns)) {
        pluto_command(pluto, NULL, "--initiate", "--asynchronous",
                      "--name", c->name, NULL);
        return;
    }

    struct svec names = SVEC_EMPTY_INITIALIZER;
    conn_sub_names(c, &names);
    const char *name;
    size_t i;
    SVEC_FOR_EACH (i, name, &names) {
        if (!sset_contains(&t->up_conns, name)) {
            pluto_command(pluto, NULL, "--initiate", "--asynchronous",
                          "--name", name, NULL);
        }
    }
    svec_destroy(&names);
}

/* Stores in 'names' the names of the conns that libreswan makes of 'c':
 * "NAME" for one subnet on each side, otherwise "NAME/LxR" for each pair,
 * L and R counting from 1, or 0 on a side that has only one subnet. */
static void
conn_sub_names(const struct pluto_conn *c, struct svec *names)
{
    if (c->n_local == 1 && c->n_peer == 1) {
        svec_add(names, c->name);
        return;
    }
    for (size_t l = 0; l < c->n_local; l++) {
        for (size_t r = 0; r < c->n_peer; r++) {
            svec_add_nocopy(names, xasprintf(
                                "%s/%"PRIuSIZE"x%"PRIuSIZE, c->name,
                                c->n_local > 1 ? l + 1 : 0,
                                c->n_peer > 1 ? r + 1 : 0));
        }
    }
}

/* Recomputes the public status of 'c' from the last poll and the log. */
static void
conn_update(struct vpn_pluto *pluto, struct pluto_conn *c)
{
    struct vpn_pluto_tunnel *pub = &c->pub;
    enum swan_conn_state state;
    enum swan_reason reason = SWAN_REASON_NONE;
    const char *detail = "";
    const struct swan_status_tunnel *t = NULL;
    const struct swan_status_sa *ike = NULL;

    if (c->check_error) {
        state = SWAN_CONN_PHASE1_FAILED;
        reason = SWAN_REASON_CONFIG_REJECTED;
        detail = c->check_error;
    } else if (pluto->state != PLUTO_RUNNING) {
        state = SWAN_CONN_CONNECTING;
        detail = "pluto is not running";
    } else if (!pub->loaded) {
        const struct swan_status_event *ev
            = swan_status_log_last_failure(&pluto->log, c->name);
        if (c->add_error) {
            if (ev && ev->type == SWAN_EVENT_FAILURE) {
                state = (ev->phase == 2 ? SWAN_CONN_PHASE2_FAILED
                         : SWAN_CONN_PHASE1_FAILED);
                reason = ev->reason;
                detail = ev->detail;
            } else {
                state = SWAN_CONN_PHASE1_FAILED;
                reason = SWAN_REASON_CONFIG_REJECTED;
                detail = c->add_error;
            }
        } else {
            state = SWAN_CONN_CONNECTING;
        }
    } else {
        const struct swan_status_event *ev
            = swan_status_log_last_failure(&pluto->log, c->name);
        t = (c->status_stale ? NULL
             : swan_status_find(&pluto->status, c->name));
        state = swan_status_classify(t, c->n_local * c->n_peer, ev, &reason);

        /* Its Child SAs may use an IKE SA that pluto lists under another
         * tunnel to the same peer address. */
        ike = t ? tunnel_ike_sa(&pluto->status, t) : NULL;
        if (ike && ike != t->ike) {
            if (sset_count(&t->up_conns) >= MAX(c->n_local * c->n_peer, 1)) {
                state = SWAN_CONN_CONNECTED;
                reason = SWAN_REASON_NONE;
            } else if (state == SWAN_CONN_PHASE1_FAILED) {
                state = SWAN_CONN_CONNECTING;
                reason = SWAN_REASON_NONE;
            }
        }
        if (reason != SWAN_REASON_NONE && ev) {
            detail = ev->detail;
        }
    }

    if (state != pub->state || reason != pub->reason) {
        pub->state = state;
        pub->reason = reason;
        pub->since = time_wall_msec();
        ovs_strzcpy(pub->detail, detail, sizeof pub->detail);
        conn_event(c, true, "%s", detail);
        VLOG_INFO("%s: %s: %s (%s)%s%s", pluto->name, c->name,
                  swan_status_state_to_string(state),
                  swan_status_reason_to_string(reason),
                  detail[0] ? ": " : "", detail);
        pluto->seqno++;
    } else if (strcmp(pub->detail, detail)) {
        ovs_strzcpy(pub->detail, detail, sizeof pub->detail);
        pluto->seqno++;
    }

    /* SAs and traffic. */
    unsigned long ike_serial = ike ? ike->serial : 0;
    size_t n_children = 0;
    unsigned long *children = NULL;
    if (t && t->n_children) {
        const struct swan_status_sa *sa;
        children = xmalloc(t->n_children * sizeof *children);
        LIST_FOR_EACH (sa, list_node, &t->sas) {
            if (!sa->ike && sa->established && n_children < t->n_children) {
                size_t j = n_children++;
                while (j > 0 && children[j - 1] > sa->serial) {
                    children[j] = children[j - 1];
                    j--;
                }
                children[j] = sa->serial;
            }
        }
    }
    if (ike_serial != pub->ike_serial
        || n_children != pub->n_child_serials
        || (n_children && memcmp(children, pub->child_serials,
                                 n_children * sizeof *children))) {
        pub->ike_serial = ike_serial;
        free(pub->child_serials);
        pub->child_serials = children;
        pub->n_child_serials = n_children;
        pluto->seqno++;
    } else {
        free(children);
    }

    bool have_bytes = t && t->have_bytes;
    uint64_t in = have_bytes ? t->in_bytes : 0;
    uint64_t out = have_bytes ? t->out_bytes : 0;
    if (have_bytes != pub->have_bytes || in != pub->bytes_in
        || out != pub->bytes_out) {
        pub->have_bytes = have_bytes;
        pub->bytes_in = in;
        pub->bytes_out = out;
        pluto->seqno++;
    }
}

/* Returns the established IKE SA of tunnel 't': its own, or else the one
 * that its established Child SAs use.  Tunnels of one gateway to one peer
 * address share one IKE SA, which pluto lists under the conn that
 * negotiated it, that is, under one of those tunnels only.  Returns NULL
 * if there is none. */
static const struct swan_status_sa *
tunnel_ike_sa(const struct swan_status *st,
              const struct swan_status_tunnel *t)
{
    if (t->ike && t->ike->established) {
        return t->ike;
    }

    const struct swan_status_sa *child;
    LIST_FOR_EACH (child, list_node, &t->sas) {
        if (child->ike || !child->established || !child->ike_serial) {
            continue;
        }
        const struct swan_status_sa *sa;
        HMAP_FOR_EACH_WITH_HASH (sa, hmap_node,
                                 hash_uint64(child->ike_serial), &st->sas) {
            if (sa->serial == child->ike_serial && sa->ike
                && sa->established) {
                return sa;
            }
        }
    }
    return NULL;
}

static void
conn_event(struct pluto_conn *c, bool state_change, const char *format, ...)
{
    struct vpn_pluto_event *e = &c->events[c->next_event];
    va_list args;

    e->when = time_wall_msec();
    e->state_change = state_change;
    e->state = c->pub.state;
    e->reason = c->pub.reason;
    va_start(args, format);
    vsnprintf(e->text, sizeof e->text, format, args);
    va_end(args);

    c->next_event = (c->next_event + 1) % VPN_PLUTO_N_EVENTS;
    c->n_events = MIN(c->n_events + 1, VPN_PLUTO_N_EVENTS);
}

static char *
conn_file(const struct vpn_pluto *pluto, const char *name,
          const char *suffix)
{
    return xasprintf("%s/%s%s", pluto->conns_dir, name, suffix);
}

/* Runs 'argv' with lib/vpn-exec, its standard output and error both
 * appended to 'output' (if nonnull), for at most
 * VPN_PLUTO_CMD_TIMEOUT_MSEC.  Returns NULL if it exited with status 0,
 * otherwise a malloc'd description of how it failed. */
static char *
run_command(char **argv, struct ds *output)
{
    return vpn_exec(argv, NULL, VPN_PLUTO_CMD_TIMEOUT_MSEC, output, output);
}

/* Writes 'content' to 'path' (mode 0600), replacing it, but not
 * atomically: for the records in conns/, which hold no secret and which a
 * reader compares with what it expects, so that a half-written one only
 * counts as different.  Half the system calls of write_file(), which
 * matters with a thousand conns.  Returns false, with errno set, on
 * failure. */
static bool
write_record(const char *path, const char *content)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC,
                  0600);
    if (fd < 0) {
        return false;
    }

    if (!write_all(fd, content)) {
        int save_errno = errno;
        close(fd);
        errno = save_errno;
        return false;
    }
    return !close(fd);
}

/* Writes all of 'content' to 'fd'.  Returns false, with errno set, on
 * failure. */
static bool
write_all(int fd, const char *content)
{
    size_t len = strlen(content);
    size_t done = 0;
    while (done < len) {
        ssize_t n = write(fd, content + done, len - done);
        if (n < 0 && errno == EINTR) {
            continue;
        } else if (n < 0) {
            return false;
        }
        done += n;
    }
    return true;
}

/* Replaces 'path' atomically with a file of the given 'mode' that holds
 * 'content'.  The file has 'mode' from its creation on: a secret is never
 * readable by others, even for a moment.  Returns false, with errno set, on
 * failure.
 *
 * There is no fsync(): these files describe running plutos, which do not
 * survive a crash of the host either (a pluto that is not adopted is
 * started afresh with every file rewritten), and readers see the old or
 * the new content thanks to the rename alone.  An fsync() per conn cost
 * seconds when a thousand tunnels arrived at once on a disk. */
static bool
write_file(const char *path, const char *content, mode_t mode)
{
    char *tmp = xasprintf("%s.tmp", path);
    int fd;

    unlink(tmp);
    fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
              mode);
    if (fd < 0) {
        goto error;
    }
    if (fchmod(fd, mode)) {
        goto error_close;
    }

    if (!write_all(fd, content)) {
        goto error_close;
    }
    if (close(fd)) {
        fd = -1;
        goto error_unlink;
    }
    if (rename(tmp, path)) {
        goto error_unlink;
    }
    free(tmp);
    return true;

error_close:;
    int save_errno = errno;
    close(fd);
    errno = save_errno;
error_unlink:
    save_errno = errno;
    unlink(tmp);
    errno = save_errno;
error:
    free(tmp);
    return false;
}

/* Returns the content of file 'path', malloc'd, or NULL. */
static char *
read_file(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return NULL;
    }

    struct ds ds = DS_EMPTY_INITIALIZER;
    for (;;) {
        char buf[4096];
        ssize_t n = read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR) {
            continue;
        } else if (n < 0) {
            close(fd);
            ds_destroy(&ds);
            return NULL;
        } else if (!n) {
            break;
        }
        ds_put_buffer(&ds, buf, n);
    }
    close(fd);
    return ds_steal_cstr(&ds);
}

/* Creates directory 'path' with 'mode' and any missing parent with 0755. */
static bool
mkdir_p(const char *path, mode_t mode)
{
    char *copy = xstrdup(path);
    bool ok = true;

    for (char *p = copy + 1; ; p++) {
        if (*p == '/' || !*p) {
            char c = *p;
            *p = '\0';
            if (mkdir(copy, c ? 0755 : mode) && errno != EEXIST) {
                ok = false;
                break;
            }
            *p = c;
            if (!c) {
                break;
            }
        }
    }
    free(copy);
    return ok;
}

/* Returns true if process 'pid' exists and is not a zombie. */
static bool
proc_is_alive(pid_t pid)
{
    char *path = xasprintf("/proc/%ld/stat", (long int) pid);
    char *stat = read_file(path);
    free(path);
    if (!stat) {
        return false;
    }

    /* "PID (COMM) STATE ...", COMM may hold anything. */
    const char *paren = strrchr(stat, ')');
    bool alive = paren && paren[1] == ' ' && paren[2]
                 && !strchr("ZXx", paren[2]);
    free(stat);
    return alive;
}

/* Returns true if process 'pid' runs in network namespace 'netns' (NULL:
 * the caller's). */
static bool
proc_in_netns(pid_t pid, const char *netns)
{
    char *proc = xasprintf("/proc/%ld/ns/net", (long int) pid);
    char *ns = (netns
                ? xasprintf("/run/netns/%s", netns)
                : xstrdup("/proc/self/ns/net"));
    struct stat a, b;
    bool same = (!stat(proc, &a) && !stat(ns, &b)
                 && a.st_dev == b.st_dev && a.st_ino == b.st_ino);
    free(proc);
    free(ns);
    return same;
}

/* The state directory's "owner" file names the network namespace of the
 * pluto that the directory is for.  Writes it into a new directory; for
 * one that has it, returns false (and sets a fatal error: this driver then
 * never touches the directories) if it names another namespace. */
static bool
check_owner(struct vpn_pluto *pluto)
{
    const char *netns = pluto->netns ? pluto->netns : "";
    char *path = xasprintf("%s/owner", pluto->statedir);
    char *owner = read_file(path);
    bool ok = true;
    if (owner) {
        owner[strcspn(owner, "\n")] = '\0';
        if (strcmp(owner, netns)) {
            pluto->fatal_error = xasprintf(
                "state directory %s belongs to network namespace \"%s\", "
                "not \"%s\"", pluto->statedir, owner, netns);
            VLOG_ERR("%s: %s", pluto->name, pluto->fatal_error);
            pluto_set_error(pluto, "%s", pluto->fatal_error);
            ok = false;
        }
    } else {
        char *text = xasprintf("%s\n", netns);
        if (!write_file(path, text, 0600)) {
            pluto_set_error(pluto, "%s: cannot write (%s)", path,
                            ovs_strerror(errno));
            VLOG_ERR("%s: %s", pluto->name, pluto->error);
            ok = false;
        }
        free(text);
    }
    free(owner);
    free(path);
    return ok;
}

/* Returns true if process 'pid' is a pluto started with "--rundir
 * 'rundir'". */
static bool
proc_has_rundir(pid_t pid, const char *rundir)
{
    char *path = xasprintf("/proc/%ld/cmdline", (long int) pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    free(path);
    if (fd < 0) {
        return false;
    }

    struct ds ds = DS_EMPTY_INITIALIZER;
    char buf[4096];
    ssize_t n;
    while ((n = read(fd, buf, sizeof buf)) > 0) {
        ds_put_buffer(&ds, buf, n);
    }
    close(fd);

    bool pluto = false, match = false;
    const char *prev = NULL;
    size_t ofs = 0;
    while (ofs < ds.length) {
        const char *arg = ds.string + ofs;
        size_t len = strlen(arg);
        const char *slash = strrchr(arg, '/');
        if (!strcmp(slash ? slash + 1 : arg, "pluto")) {
            pluto = true;
        }
        if (prev && !strcmp(prev, "--rundir") && !strcmp(arg, rundir)) {
            match = true;
        }
        prev = arg;
        ofs += len + 1;
    }
    ds_destroy(&ds);
    return pluto && match;
}

static bool
is_socket(const char *path)
{
    struct stat st;
    return !stat(path, &st) && S_ISSOCK(st.st_mode);
}

/* Returns the first of 'dirs'/'name' that is executable, or 'name' (for a
 * PATH search). */
static char *
find_program(const char *name, const char *const *dirs)
{
    for (const char *const *dir = dirs; *dir; dir++) {
        char *path = xasprintf("%s/%s", *dir, name);
        if (!access(path, X_OK)) {
            return path;
        }
        free(path);
    }
    return xstrdup(name);
}

/* Stores in 'out' the first nonblank line of 'text', at most 200 bytes. */
static void
first_line(const char *text, struct ds *out)
{
    text += strspn(text, " \t\r\n");
    size_t len = strcspn(text, "\r\n");
    ds_put_buffer(out, text, MIN(len, 200));
}

static bool
nullable_streq(const char *a, const char *b)
{
    return a ? b && !strcmp(a, b) : !b;
}

static void
replace_string(char **dst, const char *src)
{
    if (!nullable_streq(*dst, src)) {
        free(*dst);
        *dst = nullable_xstrdup(src);
    }
}

/* Returns true if algparse accepts proposals 'a' and 'b' (IKEv2, with PFS
 * for an ESP proposal with a DH group if 'pfs'). */
static bool
algparse_accepts(const char *a, const char *b, bool pfs)
{
    char *argv[] = { ALGPARSE_BIN, "-v2", pfs ? "-pfs=yes" : "-pfs=no",
                     CONST_CAST(char *, a), CONST_CAST(char *, b), NULL };
    char *error = run_command(argv, NULL);
    bool ok = !error;
    free(error);
    return ok;
}

static int
remove_tree_cb(const char *path, const struct stat *st OVS_UNUSED,
               int flag OVS_UNUSED, struct FTW *ftw OVS_UNUSED)
{
    if (remove(path) && errno != ENOENT) {
        VLOG_WARN("%s: cannot remove (%s)", path, ovs_strerror(errno));
    }
    return 0;
}
