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

#ifndef VPN_PLUTO_H
#define VPN_PLUTO_H 1

/* The libreswan driver of ovn-vpn-agent: one supervised pluto per VPN
 * gateway.
 *
 * A "struct vpn_pluto" owns one libreswan 4.10 pluto that runs inside the
 * gateway's network namespace ("ip netns exec NETNS pluto ... --nofork",
 * started without a shell with posix_spawn()).  It keeps two directories:
 *
 *   RUNDIR     pluto.ctl and pluto.pid.  The control socket's path must
 *              fit in a sockaddr_un (VPN_PLUTO_CTL_PATH_MAX characters:
 *              libreswan 4.10 silently truncates a longer one), so RUNDIR
 *              should be short, e.g. /run/ovnvpn/<8 hex digits>.
 *   STATEDIR   ipsec.conf (only "config setup": pluto also loads and
 *              starts every conn it finds in its --config file), the
 *              pre-shared keys in ipsec.secrets (mode 0600, replaced
 *              atomically, never world-readable), the NSS database nss/,
 *              one file per loaded conn in conns/ (what pluto was given:
 *              the state that adoption compares against), pluto.log and
 *              pluto.stderr.  The directory is made mode 0700.
 *
 * vpn_pluto_run() supervises: it starts pluto if it is not running
 * (creating the NSS database the first time), notices its death (waitpid
 * for a pluto it started, /proc for an adopted one, or a control socket
 * that stops answering), restarts it with exponential backoff and then
 * re-adds every connection.  It follows pluto's log into a struct
 * swan_status_log and, at most every VPN_PLUTO_POLL_MSEC, asks pluto for
 * "whack --showstates" and "--trafficstatus" (never the expensive
 * --status) to classify every tunnel with swan_status_classify().  News
 * in the log brings a poll within VPN_PLUTO_POLL_MSEC; a pluto whose log
 * is quiet and that has no tunnel to initiate again soon is polled about
 * every 10 s (for its traffic counters), at times shared by all plutos so
 * that the quiet ones are polled together.
 *
 * vpn_pluto_set_conns() takes the complete wanted set of tunnels, as
 * often as the caller likes, and applies only the differences, without
 * ever restarting pluto: a new tunnel is added ("addconn") and initiated
 * unless it only responds (several new tunnels go in one batch: one
 * addconn that runs in the background while the caller goes on, and the
 * batches of all plutos load at the same time; their tunnels are
 * initiated with one whack per pluto once no batch is loading, so that
 * pluto's key exchanges do not slow the other plutos' loading); a tunnel
 * whose rendered conn text or
 * pre-shared-key line changed is deleted and added again (which tears its
 * SAs down; deleting by the tunnel's name also removes the NAME/1x1...
 * conns that leftsubnets= makes); a tunnel no longer wanted is deleted and
 * its key removed from ipsec.secrets.  When the keys change, the file is
 * rewritten and pluto re-reads it ("whack --rereadsecrets").  The
 * pre-shared key never appears on a command line, in a log or in any file
 * but ipsec.secrets.
 *
 * Retries follow the guide's rule: a failed connection is retried, and
 * only if VPN_PLUTO_RETRIES retries fail too does the tunnel show
 * phase1-failed or phase2-failed; after that it is retried every
 * VPN_PLUTO_RETRY_MSEC.  The driver makes every attempt itself: the
 * renderer gives pluto one try per initiation, bounded in time, and no
 * revival (keyingtries=1, retransmit-timeout=, auto=add).  An attempt
 * fails with the first failure that pluto logs for the tunnel after the
 * initiation; the next one starts VPN_PLUTO_QUICK_RETRY_MSEC later while
 * the tunnel still shows "connecting" (its 'attempts' and 'last_*' say
 * how the attempts went), then every VPN_PLUTO_RETRY_MSEC.  A tunnel that
 * connects, or whose conn is loaded again (new settings), starts over
 * with no failed attempt; one that was connected and is not any more is
 * initiated again at the next poll.  Failures that no attempt explains
 * (the peer's own failed attempts, for a tunnel that only responds) show
 * as they come.
 *
 * Adoption: when the agent dies (kill -9), its plutos keep running.
 * vpn_pluto_create() adopts a live pluto found through RUNDIR's pid file
 * (its command line must name RUNDIR, and its control socket must
 * answer) instead of starting another; the conns it has loaded, as listed
 * by one "whack --status", whose files in conns/ match, count as applied,
 * so that the first vpn_pluto_set_conns() after an agent restart changes
 * nothing that did not change.  vpn_pluto_destroy(pluto, false) leaves
 * pluto running for such an adoption; vpn_pluto_destroy(pluto, true)
 * stops it and removes STATEDIR and RUNDIR.
 *
 * The commands run in the background, reaped by vpn_pluto_run(): the
 * making of the NSS database and the first "listen" that tells that a
 * new pluto is up, the batches' addconns, the status polls, and every
 * whack that changes something (re-read the keys, initiate, delete,
 * listen), one at a time and in order; and a stopped pluto's exit is
 * collected by vpn_pluto_stopping_run().  A pluto slow to answer (busy
 * with crypto, or stopped) then holds up nothing but its own commands.
 * Only the "status" that tells whether a pluto found running can be
 * adopted (vpn_pluto_create()) and the one-conn-at-a-time loading after a
 * batch failed run synchronously.  Each command is killed after
 * VPN_PLUTO_CMD_TIMEOUT_MSEC.  All go through posix_spawn(), so that the
 * module may be used by a program that has threads (OVS's process_start()
 * may not), and are reaped with waitpid(pid): the program must not set
 * SIGCHLD to SIG_IGN.
 * vpn_pluto_set_conns() keeps nothing of its argument: it may point into
 * IDL rows that change afterwards. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "vpn-swan-status.h"

struct ds;
struct svec;
struct vpn_caps;
struct vpn_tunnel_params;

/* libreswan's programs. */
#define VPN_PLUTO_LIBEXECDIR "/usr/libexec/ipsec"

/* Longest control socket path: sizeof(sun_path) - 1. */
#define VPN_PLUTO_CTL_PATH_MAX 107

/* Timings, in milliseconds. */
#define VPN_PLUTO_POLL_MSEC         1000    /* Status poll interval. */
#define VPN_PLUTO_RETRY_MSEC        12000   /* Re-initiation interval. */
#define VPN_PLUTO_QUICK_RETRY_MSEC  2000    /* Before the first retries. */
#define VPN_PLUTO_RETRIES           3       /* Retries before failure. */
#define VPN_PLUTO_CMD_TIMEOUT_MSEC  5000    /* Per addconn/whack/... */
#define VPN_PLUTO_NSS_TIMEOUT_MSEC  30000   /* certutil, once a gateway. */
#define VPN_PLUTO_START_TIMEOUT_MSEC 10000  /* Start to control socket. */
#define VPN_PLUTO_BACKOFF_MIN_MSEC  1000    /* First restart delay. */
#define VPN_PLUTO_BACKOFF_MAX_MSEC  32000   /* Longest restart delay. */
#define VPN_PLUTO_STABLE_MSEC       60000   /* Uptime that resets backoff. */

/* Connection events kept per tunnel. */
#define VPN_PLUTO_N_EVENTS 20

/* One entry of a tunnel's event log: a change of state or reason, or
 * something the driver did to the tunnel's conn. */
struct vpn_pluto_event {
    long long int when;             /* Wall clock, msec. */
    bool state_change;              /* False: 'text' says what was done. */
    enum swan_conn_state state;     /* The state after the event. */
    enum swan_reason reason;
    char text[SWAN_STATUS_DETAIL_SIZE];     /* Detail, "" if none. */
};

/* A tunnel's last VPN_PLUTO_N_EVENTS events, a ring (the oldest is
 * overwritten first).  Both drivers, this one and strongswan's
 * (vpn-charon.h), keep one per tunnel. */
struct vpn_pluto_events {
    struct vpn_pluto_event events[VPN_PLUTO_N_EVENTS];
    size_t n;                       /* Valid events. */
    size_t next;                    /* Where the next one goes. */
};

struct vpn_pluto_event *vpn_pluto_events_add(struct vpn_pluto_events *);
void vpn_pluto_events_format_log(const struct vpn_pluto_events *,
                                 struct ds *);
bool vpn_pluto_events_report(const struct vpn_pluto_events *, struct ds *);

/* What the driver knows about one tunnel. */
struct vpn_pluto_tunnel {
    const char *name;
    enum swan_conn_state state;
    enum swan_reason reason;
    char detail[SWAN_STATUS_DETAIL_SIZE];   /* Of the failure, or "". */
    long long int since;            /* Wall clock msec of the last change
                                     * of 'state' or 'reason'. */
    bool loaded;                    /* Pluto has the conn. */

    /* The retry rule: failed attempts since the conn was loaded or last
     * connected, and how the last one failed (SWAN_REASON_NONE if none
     * did). */
    int attempts;
    enum swan_conn_state last_state;
    enum swan_reason last_reason;
    char last_detail[SWAN_STATUS_DETAIL_SIZE];

    /* Established SAs: the reported IKE SA (0 if none) and the Child SAs,
     * in increasing order of serial. */
    unsigned long ike_serial;
    unsigned long *child_serials;
    size_t n_child_serials;

    /* Traffic, summed over the current Child SAs ('have_bytes' false if
     * pluto listed none).  libreswan reports no packet counts: the packet
     * counters are always -1. */
    bool have_bytes;
    uint64_t bytes_in, bytes_out;
    int64_t packets_in, packets_out;
};

/* Life cycle. */
char *vpn_pluto_dir_name(const char *netns);
struct vpn_pluto *vpn_pluto_create(const char *name, const char *netns,
                                   const char *rundir, const char *statedir,
                                   const struct svec *pluto_env);
void vpn_pluto_destroy(struct vpn_pluto *, bool stop);
void vpn_pluto_stopping_run(void);
void vpn_pluto_stopping_wait(void);
void vpn_pluto_stopping_flush(const char *rundir);
void vpn_pluto_run(struct vpn_pluto *);
void vpn_pluto_wait(struct vpn_pluto *);

/* Connections. */
void vpn_pluto_listen(struct vpn_pluto *);
bool vpn_pluto_set_conns(struct vpn_pluto *,
                         const struct vpn_tunnel_params *, size_t n);

/* The gateway's pluto. */
bool vpn_pluto_is_running(const struct vpn_pluto *);
const char *vpn_pluto_get_error(const struct vpn_pluto *);
const char *vpn_pluto_get_rundir(const struct vpn_pluto *);
pid_t vpn_pluto_get_pid(const struct vpn_pluto *);
bool vpn_pluto_is_adopted(const struct vpn_pluto *);
unsigned int vpn_pluto_get_n_starts(const struct vpn_pluto *);
size_t vpn_pluto_get_n_pending(const struct vpn_pluto *);

/* Tunnel status. */
uint64_t vpn_pluto_get_seqno(const struct vpn_pluto *);
const struct vpn_pluto_tunnel *vpn_pluto_get_tunnel(const struct vpn_pluto *,
                                                    const char *name);
bool vpn_pluto_report_events(const struct vpn_pluto *, const char *name,
                             struct ds *);
bool vpn_pluto_format_log(const struct vpn_pluto *, const char *name,
                          struct ds *);
void vpn_pluto_format_status(const struct vpn_pluto *, struct ds *);

/* Capabilities of the local libreswan. */
bool vpn_pluto_probe_caps(struct vpn_caps *);

#endif /* vpn-pluto.h */
