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

/* An agent's heartbeat, beaten apart from its main loop (see
 * vpn-beat.h). */

#include <config.h>

#include "vpn-beat.h"

#include <string.h>

#include "jsonrpc.h"
#include "latch.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/json.h"
#include "openvswitch/poll-loop.h"
#include "openvswitch/vlog.h"
#include "ovs-atomic.h"
#include "ovs-thread.h"
#include "svec.h"
#include "timeval.h"
#include "util.h"
#include "vpn-report.h"

VLOG_DEFINE_THIS_MODULE(vpn_beat);

struct vpn_beat {
    /* Set by the caller, under 'mutex'. */
    struct ovs_mutex mutex;
    char *chassis OVS_GUARDED;
    char *remote OVS_GUARDED;
    int interval OVS_GUARDED;           /* Beat every 'interval' ms. */
    uint64_t config_seqno OVS_GUARDED;  /* Bumped by every change. */
    atomic_llong progress;              /* Main loop last came round. */

    /* The beat's own, touched only by the thread that runs it. */
    struct jsonrpc_session *session;    /* NULL until there is a remote. */
    unsigned int session_seqno;         /* Its seqno when last seen. */
    struct json *request_id;            /* The transaction in flight. */
    long long int request_sent;         /* When it was sent. */
    bool inserting;                     /* It inserts our row. */
    int n_failures;                     /* Beats failed in a row. */
    uint64_t applied_seqno;
    char *cur_chassis;
    char *cur_remote;
    int cur_interval;
    long long int next_beat;
    bool wedged;

    /* Read by vpn_beat_format_status() from any thread. */
    atomic_ullong n_beats;
    atomic_llong last_beat;             /* time_wall_msec(), 0 if none. */
    atomic_bool stopped;                /* Wedged: not beating. */

    /* With a thread of its own. */
    bool threaded;
    pthread_t thread;
    struct latch exit_latch;
    struct latch config_latch;
};

static void *beat_thread(void *);

/* How long a beat may go unanswered before another member of the
 * database is tried: two beats, but never less than a leader election
 * takes. */
static long long int
unanswered(const struct vpn_beat *beat)
{
    return MAX(2 * beat->cur_interval, 2 * VPN_REPORT_HEARTBEAT_MSEC);
}
static void apply_config(struct vpn_beat *);
static void send_beat(struct vpn_beat *, bool insert);
static void handle_reply(struct vpn_beat *, const struct jsonrpc_msg *);

struct vpn_beat *
vpn_beat_create(bool threaded)
{
    struct vpn_beat *beat = xzalloc(sizeof *beat);
    ovs_mutex_init(&beat->mutex);
    beat->interval = beat->cur_interval = VPN_REPORT_HEARTBEAT_MSEC;
    atomic_init(&beat->progress, time_msec());
    atomic_init(&beat->n_beats, 0);
    atomic_init(&beat->last_beat, 0);
    atomic_init(&beat->stopped, false);

    beat->threaded = threaded;
    if (threaded) {
        latch_init(&beat->exit_latch);
        latch_init(&beat->config_latch);
        beat->thread = ovs_thread_create("vpn_beat", beat_thread, beat);
    }
    return beat;
}

void
vpn_beat_destroy(struct vpn_beat *beat)
{
    if (!beat) {
        return;
    }
    if (beat->threaded) {
        latch_set(&beat->exit_latch);
        xpthread_join(beat->thread, NULL);
        latch_destroy(&beat->exit_latch);
        latch_destroy(&beat->config_latch);
    }
    jsonrpc_session_close(beat->session);
    json_destroy(beat->request_id);
    free(beat->cur_chassis);
    free(beat->cur_remote);
    ovs_mutex_lock(&beat->mutex);
    free(beat->chassis);
    free(beat->remote);
    ovs_mutex_unlock(&beat->mutex);
    ovs_mutex_destroy(&beat->mutex);
    free(beat);
}

static void
set_string(struct vpn_beat *beat, char **field, const char *value)
    OVS_EXCLUDED(beat->mutex)
{
    ovs_mutex_lock(&beat->mutex);
    if (!nullable_string_is_equal(*field, value)) {
        free(*field);
        *field = nullable_xstrdup(value);
        beat->config_seqno++;
        if (beat->threaded) {
            latch_set(&beat->config_latch);
        }
    }
    ovs_mutex_unlock(&beat->mutex);
}

/* This chassis's name (system-id). */
void
vpn_beat_set_chassis(struct vpn_beat *beat, const char *chassis)
{
    set_string(beat, &beat->chassis, chassis);
}

/* The status database's remote: the SB's (one or more members, separated
 * by commas). */
void
vpn_beat_set_remote(struct vpn_beat *beat, const char *remote)
{
    set_string(beat, &beat->remote, remote);
}

/* Beats every 'msec' milliseconds (VPN_REPORT_HEARTBEAT_MSEC by default),
 * clamped to the range that vpn-report.h allows; returns the interval
 * taken. */
int
vpn_beat_set_interval(struct vpn_beat *beat, int msec)
{
    msec = vpn_report_heartbeat_clamp(msec);
    ovs_mutex_lock(&beat->mutex);
    if (msec != beat->interval) {
        beat->interval = msec;
        beat->config_seqno++;
        if (beat->threaded) {
            latch_set(&beat->config_latch);
        }
    }
    ovs_mutex_unlock(&beat->mutex);
    return msec;
}

/* Tells the beat that the main loop came round, and makes the main loop
 * come round again within a third of VPN_BEAT_WEDGED_MSEC even if it has
 * nothing to do: an idle agent is not a wedged one.  The main loop calls
 * it in every iteration, between its run and its poll_block(). */
void
vpn_beat_progress(struct vpn_beat *beat)
{
    atomic_store_relaxed(&beat->progress, time_msec());
    poll_timer_wait(VPN_BEAT_WEDGED_MSEC / 3);
}

void
vpn_beat_format_status(struct vpn_beat *beat, struct ds *s)
{
    unsigned long long int n_beats;
    long long int last_beat;
    bool stopped;
    atomic_read_relaxed(&beat->n_beats, &n_beats);
    atomic_read_relaxed(&beat->last_beat, &last_beat);
    atomic_read_relaxed(&beat->stopped, &stopped);

    ovs_mutex_lock(&beat->mutex);
    int interval = beat->interval;
    ovs_mutex_unlock(&beat->mutex);

    ds_put_format(s, "heartbeat: %s every %d ms, %llu beats",
                  stopped ? "stopped (the main loop is wedged), set"
                  : beat->threaded ? "beating from its own thread"
                  : "beating", interval, n_beats);
    if (last_beat) {
        ds_put_format(s, ", last %lld ms ago",
                      time_wall_msec() - last_beat);
    }
    ds_put_char(s, '\n');
}

/* Beats if it is time to.  A thread of the beat's own calls it, or (for a
 * beat made without one) the caller's loop. */
void
vpn_beat_run(struct vpn_beat *beat)
{
    apply_config(beat);
    if (!beat->session) {
        return;
    }

    jsonrpc_session_run(beat->session);
    unsigned int seqno = jsonrpc_session_get_seqno(beat->session);
    if (seqno != beat->session_seqno) {
        /* A new connection: what was in flight is lost; beat at once. */
        beat->session_seqno = seqno;
        json_destroy(beat->request_id);
        beat->request_id = NULL;
        beat->next_beat = 0;
    }
    for (int i = 0; i < 50; i++) {
        struct jsonrpc_msg *msg = jsonrpc_session_recv(beat->session);
        if (!msg) {
            break;
        }
        if ((msg->type == JSONRPC_REPLY || msg->type == JSONRPC_ERROR)
            && beat->request_id && json_equal(msg->id, beat->request_id)) {
            json_destroy(beat->request_id);
            beat->request_id = NULL;
            handle_reply(beat, msg);
        }
        jsonrpc_msg_destroy(msg);
    }

    /* A member of a clustered database that cannot reach its leader
     * fails or holds every beat, but the connection stays up: another
     * member is tried. */
    long long int now = time_msec();
    if ((beat->request_id && now - beat->request_sent >= unanswered(beat))
        || beat->n_failures >= 3) {
        VLOG_WARN("%s: no heartbeat written for a while: trying another "
                  "server", jsonrpc_session_get_name(beat->session));
        json_destroy(beat->request_id);
        beat->request_id = NULL;
        beat->n_failures = 0;
        jsonrpc_session_force_reconnect(beat->session);
        beat->next_beat = 0;
        return;
    }

    long long int progress;
    atomic_read_relaxed(&beat->progress, &progress);
    bool wedged = beat->threaded && now - progress >= VPN_BEAT_WEDGED_MSEC;
    if (wedged != beat->wedged) {
        beat->wedged = wedged;
        atomic_store_relaxed(&beat->stopped, wedged);
        if (wedged) {
            VLOG_ERR("the main loop has not come round for %lld ms: the "
                     "heartbeat stops, so that this chassis's gateways "
                     "move to another", now - progress);
        } else {
            VLOG_INFO("the main loop is back: the heartbeat beats again");
        }
    }

    if (!beat->request_id && beat->cur_chassis && !wedged
        && now >= beat->next_beat
        && jsonrpc_session_is_connected(beat->session)) {
        beat->next_beat = now + beat->cur_interval;
        send_beat(beat, false);
    }
}

void
vpn_beat_wait(struct vpn_beat *beat)
{
    if (beat->session) {
        jsonrpc_session_wait(beat->session);
        jsonrpc_session_recv_wait(beat->session);
        if (beat->cur_chassis && !beat->request_id) {
            poll_timer_wait_until(beat->next_beat);
        } else if (beat->request_id) {
            poll_timer_wait_until(beat->request_sent + unanswered(beat));
        }
    }
    if (beat->threaded) {
        /* Wakes up in time to notice a wedged main loop. */
        long long int progress;
        atomic_read_relaxed(&beat->progress, &progress);
        if (!beat->wedged) {
            poll_timer_wait_until(progress + VPN_BEAT_WEDGED_MSEC);
        }
        latch_wait(&beat->config_latch);
    }
}

static void *
beat_thread(void *beat_)
{
    struct vpn_beat *beat = beat_;
    while (!latch_is_set(&beat->exit_latch)) {
        latch_poll(&beat->config_latch);
        vpn_beat_run(beat);
        vpn_beat_wait(beat);
        latch_wait(&beat->exit_latch);
        poll_block();
    }
    return NULL;
}

/* Takes on a new chassis name or remote. */
static void
apply_config(struct vpn_beat *beat)
{
    ovs_mutex_lock(&beat->mutex);
    if (beat->config_seqno == beat->applied_seqno) {
        ovs_mutex_unlock(&beat->mutex);
        return;
    }
    beat->applied_seqno = beat->config_seqno;
    if (beat->interval != beat->cur_interval) {
        beat->cur_interval = beat->interval;
        beat->next_beat = MIN(beat->next_beat,
                              time_msec() + beat->cur_interval);
    }
    if (!nullable_string_is_equal(beat->chassis, beat->cur_chassis)) {
        free(beat->cur_chassis);
        beat->cur_chassis = nullable_xstrdup(beat->chassis);
        beat->next_beat = 0;
    }
    if (beat->remote
        && !nullable_string_is_equal(beat->remote, beat->cur_remote)) {
        free(beat->cur_remote);
        beat->cur_remote = xstrdup(beat->remote);

        /* Any member of a clustered database will do: followers pass the
         * beat on to the leader, and a leader election costs a beat or
         * two, well within VPN_REPORT_DEAD_MSEC. */
        struct svec remotes = SVEC_EMPTY_INITIALIZER;
        char *copy = xstrdup(beat->cur_remote);
        char *save_ptr = NULL;
        for (char *r = strtok_r(copy, ",", &save_ptr); r;
             r = strtok_r(NULL, ",", &save_ptr)) {
            svec_add(&remotes, r);
        }
        free(copy);
        jsonrpc_session_close(beat->session);
        beat->session = (remotes.n
                         ? jsonrpc_session_open_multiple(&remotes, true)
                         : NULL);
        svec_destroy(&remotes);
        beat->session_seqno = 0;
        json_destroy(beat->request_id);
        beat->request_id = NULL;
    }
    ovs_mutex_unlock(&beat->mutex);
}

/* Sends a beat: one "mutate" that adds 1 to this chassis's heartbeat
 * (nothing to read first, so the beat needs no monitor: with a monitor of
 * its own row for each of hundreds of chassis, every beat cost the server
 * a condition check for each), or if 'insert' the "insert" of the row. */
static void
send_beat(struct vpn_beat *beat, bool insert)
{
    struct json *op = json_object_create();
    json_object_put_string(op, "table", "Chassis_Report");
    if (insert) {
        json_object_put_string(op, "op", "insert");
        struct json *row = json_object_create();
        json_object_put_string(row, "chassis", beat->cur_chassis);
        json_object_put(row, "heartbeat", json_integer_create(1));
        json_object_put(op, "row", row);
    } else {
        json_object_put_string(op, "op", "mutate");
        json_object_put(op, "where", json_array_create_1(
                            json_array_create_3(
                                json_string_create("chassis"),
                                json_string_create("=="),
                                json_string_create(beat->cur_chassis))));
        json_object_put(op, "mutations", json_array_create_1(
                            json_array_create_3(
                                json_string_create("heartbeat"),
                                json_string_create("+="),
                                json_integer_create(1))));
    }
    struct json *params = json_array_create_2(
        json_string_create("OVN_VPN_Status"), op);
    struct jsonrpc_msg *request = jsonrpc_create_request("transact", params,
                                                         NULL);
    beat->request_id = json_clone(request->id);
    beat->request_sent = time_msec();
    beat->inserting = insert;
    jsonrpc_session_send(beat->session, request);
}

/* Takes the server's answer to a beat. */
static void
handle_reply(struct vpn_beat *beat, const struct jsonrpc_msg *msg)
{
    static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 5);
    const struct json *result = msg->result;
    const struct json *first = (msg->type == JSONRPC_REPLY
                                && result && result->type == JSON_ARRAY
                                && result->array.n
                                ? result->array.elems[0] : NULL);
    const struct json *error = (first && first->type == JSON_OBJECT
                                ? shash_find_data(json_object(first),
                                                  "error") : NULL);
    if (!first || first->type != JSON_OBJECT || error) {
        char *text = json_to_string(msg->type == JSONRPC_ERROR
                                    ? msg->error : result, 0);
        VLOG_WARN_RL(&rl, "heartbeat of %s not written: %s",
                     beat->cur_chassis, text);
        free(text);
        beat->n_failures++;
        /* Again soon: a leader election, or another agent of the same
         * name inserted the row first. */
        beat->next_beat = MIN(beat->next_beat,
                              time_msec() + beat->cur_interval / 4);
        return;
    }

    const struct json *count = shash_find_data(json_object(first), "count");
    if (!beat->inserting && count && count->type == JSON_INTEGER
        && !count->integer) {
        /* No row yet: this is the chassis's first beat. */
        send_beat(beat, true);
        return;
    }
    beat->n_failures = 0;
    unsigned long long int orig;
    atomic_add_relaxed(&beat->n_beats, 1, &orig);
    atomic_store_relaxed(&beat->last_beat, time_wall_msec());
}
