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

#include "latch.h"
#include "lib/ovn-vpn-status-idl.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/poll-loop.h"
#include "openvswitch/vlog.h"
#include "ovs-atomic.h"
#include "ovs-thread.h"
#include "ovsdb-idl.h"
#include "timeval.h"
#include "util.h"
#include "vpn-report.h"

VLOG_DEFINE_THIS_MODULE(vpn_beat);

struct vpn_beat {
    /* Set by the caller, under 'mutex'. */
    struct ovs_mutex mutex;
    char *chassis OVS_GUARDED;
    char *remote OVS_GUARDED;
    uint64_t config_seqno OVS_GUARDED;  /* Bumped by every change. */
    atomic_llong progress;              /* Main loop last came round. */

    /* The beat's own, touched only by the thread that runs it. */
    struct ovsdb_idl *idl;
    struct ovsdb_idl_txn *txn;          /* A beat in flight, if any. */
    uint64_t applied_seqno;
    char *want_chassis;                 /* Latest name from the caller. */
    char *cur_chassis;                  /* Name in the IDL's condition. */
    char *cur_remote;
    long long int next_beat;
    bool wedged;
    unsigned int cond_seqno;            /* Our row is in view from then. */

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
static void apply_config(struct vpn_beat *);
static const struct vpnstatusrec_chassis_report *find_row(
    const struct vpn_beat *);

struct vpn_beat *
vpn_beat_create(bool threaded)
{
    struct vpn_beat *beat = xzalloc(sizeof *beat);
    ovs_mutex_init(&beat->mutex);
    atomic_init(&beat->progress, time_msec());
    atomic_init(&beat->n_beats, 0);
    atomic_init(&beat->last_beat, 0);
    atomic_init(&beat->stopped, false);

    /* Any member of a clustered database will do: followers pass the
     * beat on to the leader, and a leader election then costs a beat or
     * two, within VPN_REPORT_DEAD_MSEC. */
    struct ovsdb_idl *idl = ovsdb_idl_create_unconnected(
        &vpnstatusrec_idl_class, false);
    beat->idl = idl;
    ovsdb_idl_set_leader_only(idl, false);
    ovsdb_idl_add_column(idl, &vpnstatusrec_chassis_report_col_chassis);
    ovsdb_idl_add_column(idl, &vpnstatusrec_chassis_report_col_heartbeat);

    /* No row until there is a chassis name (no clause: no row). */
    struct ovsdb_idl_condition cond = OVSDB_IDL_CONDITION_INIT(&cond);
    vpnstatusrec_chassis_report_set_condition(idl, &cond);
    ovsdb_idl_condition_destroy(&cond);

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
    if (beat->txn) {
        ovsdb_idl_txn_destroy(beat->txn);
    }
    ovsdb_idl_destroy(beat->idl);
    free(beat->want_chassis);
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

/* The status database's remote: the SB's. */
void
vpn_beat_set_remote(struct vpn_beat *beat, const char *remote)
{
    set_string(beat, &beat->remote, remote);
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

    ds_put_format(s, "heartbeat: %s, %llu beats",
                  stopped ? "stopped (the main loop is wedged)"
                  : beat->threaded ? "beating from its own thread"
                  : "beating", n_beats);
    if (last_beat) {
        ds_put_format(s, ", last %lld ms ago",
                      time_wall_msec() - last_beat);
    }
    ds_put_char(s, '\n');
}

static void finish_beat(struct vpn_beat *, enum ovsdb_idl_txn_status);

/* Beats if it is time to.  A thread of the beat's own calls it, or (for a
 * beat made without one) the caller's loop. */
void
vpn_beat_run(struct vpn_beat *beat)
{
    ovsdb_idl_run(beat->idl);
    apply_config(beat);
    if (beat->txn) {
        finish_beat(beat, ovsdb_idl_txn_commit(beat->txn));
    }

    long long int now = time_msec();
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

    /* One beat in flight at most, and only once the server shows our row
     * if there is one, so that it is not inserted twice. */
    if (beat->txn || !beat->cur_chassis || wedged || now < beat->next_beat
        || !ovsdb_idl_has_ever_connected(beat->idl)
        || ovsdb_idl_get_condition_seqno(beat->idl) != beat->cond_seqno) {
        return;
    }
    beat->txn = ovsdb_idl_txn_create(beat->idl);
    ovsdb_idl_txn_add_comment(beat->txn, "ovn-vpn-agent: heartbeat of %s",
                              beat->cur_chassis);
    const struct vpnstatusrec_chassis_report *row = find_row(beat);
    if (!row) {
        row = vpnstatusrec_chassis_report_insert(beat->txn);
        vpnstatusrec_chassis_report_set_chassis(row, beat->cur_chassis);
        vpnstatusrec_chassis_report_set_heartbeat(row, 1);
    } else {
        /* Only a change matters to the translator; counting on from the
         * row's value keeps it changing across agent restarts. */
        vpnstatusrec_chassis_report_set_heartbeat(row, row->heartbeat + 1);
    }
    beat->next_beat = now + VPN_REPORT_HEARTBEAT_MSEC;
    finish_beat(beat, ovsdb_idl_txn_commit(beat->txn));
}

/* Handles the outcome of the beat in flight: a beat that failed (the
 * connection dropped, a leader election) is tried again soon. */
static void
finish_beat(struct vpn_beat *beat, enum ovsdb_idl_txn_status status)
{
    if (status == TXN_INCOMPLETE) {
        return;
    }
    ovsdb_idl_txn_destroy(beat->txn);
    beat->txn = NULL;
    if (status == TXN_SUCCESS || status == TXN_UNCHANGED) {
        unsigned long long int orig;
        atomic_add_relaxed(&beat->n_beats, 1, &orig);
        atomic_store_relaxed(&beat->last_beat, time_wall_msec());
    } else {
        static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 5);
        VLOG_WARN_RL(&rl, "heartbeat of %s not written (%s): trying again",
                     beat->cur_chassis,
                     ovsdb_idl_txn_status_to_string(status));
        beat->next_beat = MIN(beat->next_beat,
                              time_msec() + VPN_REPORT_HEARTBEAT_MSEC / 4);
    }
}

void
vpn_beat_wait(struct vpn_beat *beat)
{
    ovsdb_idl_wait(beat->idl);
    if (beat->txn) {
        ovsdb_idl_txn_wait(beat->txn);
    } else if (beat->cur_chassis) {
        poll_timer_wait_until(beat->next_beat);
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

/* Takes on a new chassis name or remote.  The IDL monitors the chassis's
 * row from its first connection on: a condition set before that is
 * acknowledged without a change of the IDL's condition seqno, which is
 * what the beat waits for (see vpn_beat_run()). */
static void
apply_config(struct vpn_beat *beat)
{
    ovs_mutex_lock(&beat->mutex);
    if (beat->config_seqno != beat->applied_seqno) {
        beat->applied_seqno = beat->config_seqno;
        free(beat->want_chassis);
        beat->want_chassis = nullable_xstrdup(beat->chassis);
        if (beat->remote
            && !nullable_string_is_equal(beat->remote, beat->cur_remote)) {
            free(beat->cur_remote);
            beat->cur_remote = xstrdup(beat->remote);
            ovsdb_idl_set_remote(beat->idl, beat->cur_remote, true);
        }
    }
    ovs_mutex_unlock(&beat->mutex);

    if (ovsdb_idl_has_ever_connected(beat->idl)
        && !nullable_string_is_equal(beat->want_chassis, beat->cur_chassis)) {
        free(beat->cur_chassis);
        beat->cur_chassis = nullable_xstrdup(beat->want_chassis);

        struct ovsdb_idl_condition cond = OVSDB_IDL_CONDITION_INIT(&cond);
        if (beat->cur_chassis) {
            vpnstatusrec_chassis_report_add_clause_chassis(
                &cond, OVSDB_F_EQ, beat->cur_chassis);
        }
        beat->cond_seqno = vpnstatusrec_chassis_report_set_condition(
            beat->idl, &cond);
        ovsdb_idl_condition_destroy(&cond);
        beat->next_beat = 0;
    }
}

static const struct vpnstatusrec_chassis_report *
find_row(const struct vpn_beat *beat)
{
    const struct vpnstatusrec_chassis_report *row;
    VPNSTATUSREC_CHASSIS_REPORT_FOR_EACH (row, beat->idl) {
        if (!strcmp(row->chassis, beat->cur_chassis)) {
            return row;
        }
    }
    return NULL;
}
