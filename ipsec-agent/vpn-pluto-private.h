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

#ifndef VPN_PLUTO_PRIVATE_H
#define VPN_PLUTO_PRIVATE_H 1

/* The parts of the libreswan driver (vpn-pluto.h) that its modules share:
 * its state and its internal functions.
 *
 *   vpn-pluto.c          the public interface: a driver's life, its
 *                        conns, what it shows
 *   vpn-pluto-process.c  pluto's process: directories, start, adoption,
 *                        supervision, commands
 *   vpn-pluto-cmds.c     in the background: queued whack commands, and
 *                        plutos being stopped
 *   vpn-pluto-poll.c     what pluto says: status polls and its log
 *   vpn-pluto-conns.c    the conns: loading (in batches), changing,
 *                        initiating, secrets, per-tunnel events
 *   vpn-pluto-caps.c     what this libreswan accepts (algparse)
 *   vpn-pluto-util.c     files and strings
 *
 * Nothing outside ipsec-agent/vpn-pluto*.c includes this header. */

#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "openvswitch/list.h"
#include "openvswitch/shash.h"
#include "sset.h"
#include "svec.h"
#include "vpn-exec.h"
#include "vpn-pluto.h"
#include "vpn-swan-status.h"

struct FTW;
struct ds;
struct vpn_tunnel_params;

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
 * other plutos' loading down.  'pluto_n_loads_running' counts the plutos
 * with a batch loading. */
#define POST_LOAD_MAX_WAIT_MSEC 2000
extern int pluto_n_loads_running;

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
    char *peer_ip;                      /* NULL if 'check_error'. */
    bool initiates;                     /* Not response-only, peer known. */
    int64_t instance;                   /* See struct vpn_tunnel_params. */

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

    /* The retry rule (see vpn-pluto.h): 'pub.attempts' counts the failed
     * attempts since the conn was loaded or last connected.  An attempt
     * is open from its initiation until the first failure that pluto
     * logs after it, the failure event 'counted_seqno'. */
    bool attempt_open;
    unsigned long long counted_seqno;

    struct vpn_pluto_events events;
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

    /* Whack commands that run in the background, one at a time, in the
     * order they were queued (see pluto_command_queue()). */
    struct ovs_list cmds;       /* Contains "struct pluto_cmd"s. */
    struct vpn_exec_job cmd;    /* The running one. */
    char *cmd_what;             /* Its first argument, for the log. */
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
     * pluto_conns_load_start()), and what follows it. */
    struct vpn_exec_job load;   /* The addconn. */
    char *load_path;            /* The batch's configuration file. */
    char *load_alias;           /* Alias of the conns that the batch
                                 * initiates, NULL if none. */
    bool post_load;             /* Re-read keys, initiate: see
                                 * pluto_post_load_run(). */
    long long int post_load_deadline;   /* Waits no longer for others. */

    /* Status. */
    struct swan_status status;
    struct swan_status_log log;
    struct sset deleted_ike;    /* IKE SA serials ("#N" as a decimal
                                 * string) queued for "--deletestate"
                                 * since the last poll. */
    int log_fd;
    int log_wd;                 /* Its watch in 'pluto_log_notify_fd', or
                                 * -1. */
    off_t log_offset;
    ino_t log_ino;
    long long int next_rotate_check;    /* time_msec() of the next check
                                         * that the log was not replaced. */
    bool log_skip_line;         /* Started in the middle of a line. */
    bool log_pending;           /* More to read right away. */
    long long int next_poll;
    long long int last_poll;    /* time_msec() of the last poll. */

    /* How fresh 'status' is: 'log_offset' when the poll in progress
     * started, and when the poll that gave 'status' did (-1: none).  A
     * status whose poll started at the current 'log_offset' knows every
     * SA that pluto has made (it logs each one).  Deletions of conns wait
     * for such a status, until 'unload_wait_until' at most. */
    off_t poll_start_log_offset;
    off_t status_log_offset;
    long long int unload_wait_until;    /* 0: not waiting. */
    long long int next_alive_check;     /* For a pluto we did not start. */
    uint64_t seqno;
};

void pluto_set_error(struct vpn_pluto *, const char *format, ...)
    OVS_PRINTF_FORMAT(2, 3);
bool pluto_make_dirs(struct vpn_pluto *);
bool pluto_try_adopt(struct vpn_pluto *);
void pluto_clear_conns_dir(struct vpn_pluto *);
bool pluto_start(struct vpn_pluto *);
void pluto_schedule_restart(struct vpn_pluto *);
void pluto_check_started(struct vpn_pluto *);
bool pluto_is_alive(struct vpn_pluto *, char **why);
void pluto_conn_delete_ike_sas(struct vpn_pluto *, const struct pluto_conn *);
void pluto_died(struct vpn_pluto *, const char *why);
void pluto_kill(struct vpn_pluto *);
void pluto_stop(struct vpn_pluto *);
bool pluto_proc_is_alive(pid_t);
bool pluto_command(struct vpn_pluto *, struct ds *output,
                   const char *arg, ...);
void pluto_command_queue(struct vpn_pluto *, const char *arg, ...);
void pluto_cmds_run(struct vpn_pluto *);
void pluto_cmds_wait(const struct vpn_pluto *);
bool pluto_cmds_deleting(const struct vpn_pluto *);
void pluto_cmds_abort(struct vpn_pluto *);
void pluto_poll_start(struct vpn_pluto *);
void pluto_poll_finish(struct vpn_pluto *, int status);
void pluto_poll_abort(struct vpn_pluto *);
long long int pluto_up_poll_time(const struct vpn_pluto *);
long long int pluto_next_poll_time(const struct vpn_pluto *,
                                   long long int now);
void pluto_retry_conns(struct vpn_pluto *);
extern int pluto_log_notify_fd;   /* See pluto_log_notify_watch(). */
void pluto_log_notify_drain(void);
void pluto_log_notify_wait(const struct vpn_pluto *);
void pluto_log_read(struct vpn_pluto *);
void pluto_log_reset(struct vpn_pluto *, bool catch_up);
void pluto_update_secrets(struct vpn_pluto *, bool force);
void pluto_reread_secrets(struct vpn_pluto *);

struct pluto_conn *pluto_conn_create(struct vpn_pluto *, const char *name);
void pluto_conn_destroy(struct vpn_pluto *, struct pluto_conn *);
void pluto_conn_set_params(struct pluto_conn *,
                           const struct vpn_tunnel_params *);
void pluto_conns_load(struct vpn_pluto *, struct pluto_conn **, size_t n);
void pluto_conns_load_finish(struct vpn_pluto *);
void pluto_load_abort(struct vpn_pluto *);
void pluto_post_load_run(struct vpn_pluto *);
void pluto_conn_unload(struct vpn_pluto *, struct pluto_conn *,
                       const char *why);
void pluto_conn_forget_applied(struct pluto_conn *);
void pluto_conn_initiate(struct vpn_pluto *, struct pluto_conn *,
                         bool fresh);
void pluto_conn_update(struct vpn_pluto *, struct pluto_conn *);
void pluto_conn_event(struct pluto_conn *, bool state_change,
                      const char *format, ...) OVS_PRINTF_FORMAT(3, 4);

char *pluto_run_command(char **argv, struct ds *output)
    OVS_WARN_UNUSED_RESULT;
bool pluto_mkdir_p(const char *path, mode_t);
char *pluto_find_program(const char *name, const char *const *dirs);
void pluto_first_line(const char *text, struct ds *out);
bool pluto_nullable_streq(const char *, const char *);
void pluto_replace_string(char **dst, const char *src);
bool pluto_check_owner(struct vpn_pluto *);

#endif /* vpn-pluto-private.h */
