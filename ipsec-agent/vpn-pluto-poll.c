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

/* What pluto says, for the libreswan driver (see vpn-pluto-private.h):
 * status polls through whack in the background, and its log, read as it
 * grows (one inotify instance for every pluto). */

#include <config.h>

#include <ctype.h>
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

#include "vpn-pluto-private.h"

VLOG_DEFINE_THIS_MODULE(vpn_pluto_poll);

COVERAGE_DEFINE(vpn_pluto_poll);

int pluto_log_notify_fd = -1;

/* Starts asking pluto for its states and traffic (pluto_poll_finish() takes
 * the answer). */
void
pluto_poll_start(struct vpn_pluto *pluto)
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

/* Takes the answer of the poll that pluto_poll_start() started, whose whack
 * ended with wait status 'status' (-1: killed for its timeout), and
 * classifies every tunnel. */
void
pluto_poll_finish(struct vpn_pluto *pluto, int status)
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
    sset_clear(&pluto->deleted_ike);
    pluto->status_log_offset = pluto->poll_start_log_offset;

    struct shash_node *node;
    SHASH_FOR_EACH (node, &pluto->conns) {
        struct pluto_conn *c = node->data;
        c->status_stale = false;
        pluto_conn_update(pluto, c);
    }
}

/* Kills the status poll's whack, if any (pluto died). */
void
pluto_poll_abort(struct vpn_pluto *pluto)
{
    vpn_exec_job_destroy(&pluto->poll);
    vpn_exec_job_init(&pluto->poll);
}

/* The earliest time of the poll that follows a Child SA established (see
 * UP_POLL_MIN_MSEC). */
long long int
pluto_up_poll_time(const struct vpn_pluto *pluto)
{
    return pluto->last_poll + MAX(UP_POLL_MIN_MSEC,
                                  UP_POLL_FACTOR * pluto->poll_duration);
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
long long int
pluto_next_poll_time(const struct vpn_pluto *pluto, long long int now)
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

/* Returns true if pluto state name 'state' is an initiator's
 * ("STATE_V2_PARENT_I1", "STATE_MAIN_I2", "STATE_V2_NEW_CHILD_I0"...),
 * false for a responder's ("..._R0", "..._R1"...). */
static bool
pluto_is_initiator_state(const char *state)
{
    const char *p = strrchr(state, '_');
    return p && p[1] == 'I' && isdigit((unsigned char) p[2]);
}

/* Initiates again each tunnel that may initiate, is not connected, has no
 * negotiation of its own in progress in pluto, and whose next attempt is
 * due (see the retry rule in vpn-pluto.h). */
void
pluto_retry_conns(struct vpn_pluto *pluto)
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
        /* Only a negotiation that the gateway initiated is an attempt in
         * progress: a peer that keeps initiating (and failing) must not
         * hold up the gateway's own retries. */
        bool negotiating = false;
        if (t) {
            const struct swan_status_sa *sa;
            LIST_FOR_EACH (sa, list_node, &t->sas) {
                if (sa->state && !sa->established
                    && pluto_is_initiator_state(sa->state)) {
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
            pluto_conn_initiate(pluto, c, false);
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
pluto_log_notify_watch(struct vpn_pluto *pluto)
{
    static bool tried;
    if (!tried) {
        tried = true;
        pluto_log_notify_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
        if (pluto_log_notify_fd < 0) {
            VLOG_WARN("inotify_init1 failed (%s): pluto logs are read "
                      "every %d ms", ovs_strerror(errno), LOG_FALLBACK_MSEC);
        }
    }
    if (pluto_log_notify_fd >= 0) {
        if (pluto->log_wd >= 0) {
            inotify_rm_watch(pluto_log_notify_fd, pluto->log_wd);
        }
        pluto->log_wd = inotify_add_watch(pluto_log_notify_fd, pluto->log_path,
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
void
pluto_log_notify_drain(void)
{
    if (pluto_log_notify_fd >= 0) {
        char buf[4096];
        while (read(pluto_log_notify_fd, buf, sizeof buf) > 0) {
            continue;
        }
    }
}

/* Wakes the main loop when a log of 'pluto' may have changed. */
void
pluto_log_notify_wait(const struct vpn_pluto *pluto)
{
    if (pluto_log_notify_fd >= 0 && pluto->log_wd >= 0) {
        poll_fd_wait(pluto_log_notify_fd, POLLIN);
    } else {
        poll_timer_wait(LOG_FALLBACK_MSEC);
    }
}

/* Feeds what pluto appended to its log since the last call to the log
 * tracker. */
void
pluto_log_read(struct vpn_pluto *pluto)
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
        pluto_log_notify_watch(pluto);
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
void
pluto_log_reset(struct vpn_pluto *pluto, bool catch_up)
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
    pluto_log_read(pluto);
}
