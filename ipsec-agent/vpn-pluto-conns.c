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

/* The conns of the libreswan driver (see vpn-pluto-private.h): loading
 * them in background batches, replacing and deleting them one at a time,
 * initiating them again, the private secrets file, and each tunnel's
 * state and events. */

#include <config.h>

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
#include "vpn-file.h"
#include "vpn-catalog.h"
#include "vpn-params.h"
#include "vpn-report.h"
#include "vpn-swan-conf.h"
#include "vpn-swan-status.h"

#include "vpn-pluto-private.h"

VLOG_DEFINE_THIS_MODULE(vpn_pluto_conns);

static bool pluto_conns_load_start(struct vpn_pluto *, struct pluto_conn **,
                                   size_t n);
static bool pluto_load_reap(struct vpn_pluto *, int *status);
static void pluto_load_release(struct vpn_pluto *);
static void pluto_forget_post_load(struct vpn_pluto *);
/* The count that makes a failure show is the one reports stop at. */
BUILD_ASSERT_DECL(VPN_PLUTO_RETRIES + 1 == VPN_REPORT_MAX_ATTEMPTS);

static void pluto_conn_sub_names(const struct pluto_conn *, struct svec *);
static void pluto_conn_reset_attempts(struct pluto_conn *);
static void pluto_conn_apply_retry_rule(struct vpn_pluto *,
                                        struct pluto_conn *,
                                        const struct swan_status_event *,
                                        enum swan_conn_state *,
                                        enum swan_reason *,
                                        const char **detail);
static const struct swan_status_sa *pluto_tunnel_ike_sa(
    const struct swan_status *, const struct swan_status_tunnel *);
static char *pluto_conn_file(const struct vpn_pluto *, const char *name,
                             const char *suffix);

COVERAGE_DEFINE(vpn_pluto_addconn);

int pluto_n_loads_running;

/* Writes the pre-shared keys of every wanted tunnel to ipsec.secrets if
 * they differ from what was last written (or always, if 'force'), and
 * tells a running pluto to re-read them. */
void
pluto_update_secrets(struct vpn_pluto *pluto, bool force)
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
        if (!vpn_file_write(pluto->secrets_path, ds_cstr(&content), 0600)) {
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
                /* See pluto_reread_secrets(); a starting pluto may have read
                 * the file before this write. */
                pluto->secrets_stale = true;
            }
        }
    }
    ds_destroy(&content);
}

/* Tells a running pluto to re-read ipsec.secrets if pluto_update_secrets()
 * changed it since pluto last read it. */
void
pluto_reread_secrets(struct vpn_pluto *pluto)
{
    if (pluto->secrets_stale && pluto->state == PLUTO_RUNNING) {
        pluto->secrets_stale = false;
        pluto_command_queue(pluto, "--rereadsecrets", NULL);
    }
}

struct pluto_conn *
pluto_conn_create(struct vpn_pluto *pluto, const char *name)
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

void
pluto_conn_destroy(struct vpn_pluto *pluto, struct pluto_conn *c)
{
    if (c) {
        shash_find_and_delete(&pluto->conns, c->name);
        free(c->check_error);
        free(c->text);
        free(c->secret);
        free(c->peer_ip);
        free(c->applied_text);
        free(c->applied_secret);
        free(c->add_error);
        free(c->pub.child_serials);
        free(c->name);
        free(c);
    }
}

/* Renders the wanted configuration of 'c' from 'p'. */
void
pluto_conn_set_params(struct pluto_conn *c, const struct vpn_tunnel_params *p_)
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
        if (!pluto_nullable_streq(error, c->check_error)) {
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
    free(c->peer_ip);
    c->peer_ip = nullable_xstrdup(p.peer_ip);

    struct ds ds = DS_EMPTY_INITIALIZER;
    swan_conf_render_conn(&p, p.name, SWAN_VIEW_PLATFORM, &ds);
    if (!pluto_nullable_streq(c->text, ds_cstr(&ds))) {
        free(c->text);
        c->text = ds_steal_cstr(&ds);
    }
    ds_clear(&ds);
    swan_conf_render_secret(&p, SWAN_VIEW_PLATFORM, &ds);
    if (!pluto_nullable_streq(c->secret, ds_cstr(&ds))) {
        free(c->secret);
        c->secret = ds_steal_cstr(&ds);
    }
    ds_destroy(&ds);

    if (p.instance != c->instance) {
        if (c->instance && p.instance) {
            /* Another tunnel under the same name: none of the last one's
             * history is its own. */
            c->events.n = c->events.next = 0;
            pluto_conn_reset_attempts(c);
        }
        c->instance = p.instance;
    }
    c->n_local = p.n_local_cidrs;
    c->n_peer = p.n_peer_cidrs;
    c->initiates = (strcmp(p.initiator, "response-only")
                    && !vpn_params_peer_is_any(&p));
}

/* Gives conn 'c' to pluto (replacing any conn of that name) and initiates
 * it if it may. */
static void
pluto_conn_load(struct vpn_pluto *pluto, struct pluto_conn *c)
{
    bool replacing = c->events.n > 0;
    char *new_path = pluto_conn_file(pluto, c->name, ".conf.new");
    if (!vpn_file_write(new_path, c->text, 0600)) {
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

    pluto_replace_string(&c->applied_text, c->text);
    pluto_replace_string(&c->applied_secret, c->secret);
    free(c->add_error);
    c->add_error = NULL;

    if (!error) {
        char *path = pluto_conn_file(pluto, c->name, ".conf");
        if (rename(new_path, path)) {
            VLOG_WARN("%s: cannot rename %s (%s)", pluto->name, new_path,
                      ovs_strerror(errno));
        }
        free(path);
        c->pub.loaded = true;
        pluto_conn_reset_attempts(c);
        VLOG_INFO("%s: %s: conn added in %lld ms", pluto->name, c->name,
                  elapsed);
        pluto_conn_event(c, false,
                         replacing ? "conn added again" : "conn added");
        if (c->initiates) {
            pluto_conn_initiate(pluto, c, true);
        }
    } else {
        unlink(new_path);
        c->pub.loaded = false;

        struct ds line = DS_EMPTY_INITIALIZER;
        pluto_first_line(ds_cstr(&out), &line);
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
        pluto_conn_event(c, false, "%s", c->add_error);

        /* pluto logged why before it answered. */
        pluto_log_read(pluto);

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
 * loads in the background (see pluto_conns_load_start()), even a single
 * conn, so that the caller's main loop never waits for a pluto that is
 * slow to answer.  A batch that cannot be started is loaded at once by
 * pluto_conn_load(), one conn at a time. */
void
pluto_conns_load(struct vpn_pluto *pluto, struct pluto_conn **cs, size_t n)
{
    if (n >= 1 && pluto->state == PLUTO_RUNNING
        && pluto_conns_load_start(pluto, cs, n)) {
        return;
    }

    /* pluto_conn_load() initiates at once: pluto needs the keys first. */
    pluto_reread_secrets(pluto);
    for (size_t i = 0; i < n && pluto->state == PLUTO_RUNNING; i++) {
        pluto_conn_load(pluto, cs[i]);
    }
}

/* Starts one "addconn" that gives pluto the 'n' conns in 'cs', from one
 * file that holds them all, and returns true; or returns false if it
 * cannot.  It only adds them, without initiating any: see the comment on
 * POST_LOAD_MAX_WAIT_MSEC.  vpn_pluto_run() reaps it
 * (pluto_conns_load_finish()) and then, in pluto_post_load_run(), makes
 * pluto re-read the keys and initiates the conns that may initiate, with
 * one "whack" for all those that are not split into several (one per
 * local/peer subnet pair): in the batch's file, those carry an alias of the
 * batch's own. */
static bool
pluto_conns_load_start(struct vpn_pluto *pluto, struct pluto_conn **cs,
                       size_t n)
{
    static unsigned int batch_seqno;

    /* A batch that waits to be initiated is initiated now: the new
     * batch's alias replaces its own. */
    if (pluto->post_load) {
        pluto_post_load_run(pluto);
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

    int error = (!vpn_file_write_record(path, ds_cstr(&text)) ? errno
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
    pluto_n_loads_running++;
    return true;
}

/* Reaps the batch's "addconn" if it has exited, and records the outcome:
 * the conns are loaded, and wait for pluto_post_load_run(); or, if addconn
 * failed, they are loaded again one at a time, which says which conn pluto
 * refused and why.  Kills an addconn that runs longer than
 * VPN_PLUTO_CMD_TIMEOUT_MSEC. */
void
pluto_conns_load_finish(struct vpn_pluto *pluto)
{
    int status;
    if (!pluto_load_reap(pluto, &status)) {
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
        pluto_first_line(ds_cstr(&pluto->load.out), &line);
        VLOG_WARN("%s: loading %"PRIuSIZE" conns at once failed (%s%s%s): "
                  "loading them one by one", pluto->name, n, error,
                  line.length ? ": " : "", ds_cstr(&line));
        ds_destroy(&line);
        free(error);
        free(pluto->load_alias);
        pluto->load_alias = NULL;
        pluto_reread_secrets(pluto);
        for (size_t i = 0; i < n && pluto->state == PLUTO_RUNNING; i++) {
            pluto_conn_load(pluto, cs[i]);
        }
        free(cs);
        return;
    }

    for (size_t i = 0; i < n; i++) {
        struct pluto_conn *c = cs[i];
        bool replacing = c->events.n > 0;

        pluto_replace_string(&c->applied_text, c->text);
        pluto_replace_string(&c->applied_secret, c->secret);
        free(c->add_error);
        c->add_error = NULL;
        c->pub.loaded = true;
        pluto_conn_reset_attempts(c);

        char *path = pluto_conn_file(pluto, c->name, ".conf");
        if (!vpn_file_write_record(path, c->text)) {
            VLOG_WARN("%s: cannot write %s (%s)", pluto->name, path,
                      ovs_strerror(errno));
        }
        free(path);

        ds_put_format(&names, " %s", c->name);
        pluto_conn_event(c, false,
                         replacing ? "conn added again" : "conn added");
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
pluto_load_reap(struct vpn_pluto *pluto, int *status)
{
    if (!vpn_exec_job_reap(&pluto->load, status)) {
        return false;
    }
    pluto_load_release(pluto);
    return true;
}

/* Releases what the batch's reaped "addconn" held. */
static void
pluto_load_release(struct vpn_pluto *pluto)
{
    unlink(pluto->load_path);
    free(pluto->load_path);
    pluto->load_path = NULL;
    if (!--pluto_n_loads_running) {
        /* Others may be waiting to initiate. */
        poll_immediate_wake();
    }
}

/* Kills the batch's "addconn", if any, and forgets its batch (pluto
 * died, or the driver goes away). */
void
pluto_load_abort(struct vpn_pluto *pluto)
{
    if (vpn_exec_job_is_running(&pluto->load)) {
        vpn_exec_job_destroy(&pluto->load);
        vpn_exec_job_init(&pluto->load);
        pluto_load_release(pluto);

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
void
pluto_post_load_run(struct vpn_pluto *pluto)
{
    long long int now = time_msec();
    bool reread = pluto->secrets_stale;
    pluto->secrets_stale = false;
    if (pluto->load_alias) {
        if (reread) {
            pluto_command_queue(pluto, "--rereadsecrets", "--initiate",
                                "--asynchronous", "--name",
                                pluto->load_alias, NULL);
        } else {
            pluto_command_queue(pluto, "--initiate", "--asynchronous",
                                "--name", pluto->load_alias, NULL);
        }
    } else if (reread) {
        pluto_command_queue(pluto, "--rereadsecrets", NULL);
    }

    struct shash_node *node;
    SHASH_FOR_EACH (node, &pluto->conns) {
        struct pluto_conn *c = node->data;
        if (c->initiate_pending) {
            c->initiate_pending = false;
            if (c->pub.loaded && (c->n_local != 1 || c->n_peer != 1)) {
                pluto_conn_initiate(pluto, c, true);
            } else {
                /* Initiated through the batch's alias. */
                c->next_initiate = now + VPN_PLUTO_RETRY_MSEC;
                c->attempt_open = pluto->load_alias != NULL;
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
void
pluto_conn_unload(struct vpn_pluto *pluto, struct pluto_conn *c,
                  const char *why)
{
    if (!c->applied_text) {
        return;
    }

    /* First forget that pluto has it (conns/NAME.conf is the record that
     * adoption relies on), then delete it. */
    char *path = pluto_conn_file(pluto, c->name, ".conf");
    unlink(path);
    free(path);
    if (pluto->state == PLUTO_RUNNING) {
        /* Its IKE SAs go first, with every Child SA on them, a sibling's
         * (another tunnel to the same peer address) too, half-made ones
         * included: Debian's pluto 4.10 crashed (SIGSEGV after
         * "EXPECTATION FAILED: larval_child->sa.st_establishing_sa ==
         * IPSEC_SA") when the conns of siblings that share an IKE SA were
         * deleted and added again while it stayed up.  The siblings
         * connect again at once (see pluto_conn_update()). */
        pluto_conn_delete_ike_sas(pluto, c);

        /* Deleting by name also deletes the conns "NAME/LxR" that have
         * NAME as alias. */
        pluto_command_queue(pluto, "--delete", "--name", c->name, NULL);
        VLOG_INFO("%s: %s: conn deleted (%s)", pluto->name, c->name, why);

        /* Its SAs and failures are history: until the next poll, the
         * tunnel is not connected, even if it was a moment ago. */
        c->status_stale = true;
        swan_status_log_forget(&pluto->log, c->name);
    }
    if (c->wanted) {
        pluto_conn_event(c, false, "conn deleted: %s", why);
    }
    pluto_conn_forget_applied(c);
}

/* Queues "--deletestate" for each IKE SA of conn 'c' that the last poll
 * showed: those listed under it, and those its Child SAs use, established
 * or still being negotiated, which pluto may list under a sibling (a
 * Child SA request in flight on a sibling's IKE SA is what pluto 4.10
 * crashed on when its conn was deleted: the IKE SA kept a pointer to the
 * freed Child SA). */
void
pluto_conn_delete_ike_sas(struct vpn_pluto *pluto, const struct pluto_conn *c)
{
    const struct swan_status_tunnel *t = swan_status_find(&pluto->status,
                                                          c->name);
    if (!t) {
        return;
    }

    struct svec serials = SVEC_EMPTY_INITIALIZER;
    const struct swan_status_sa *sa;
    LIST_FOR_EACH (sa, list_node, &t->sas) {
        if (sa->ike) {
            svec_add_nocopy(&serials, xasprintf("%lu", sa->serial));
        } else if (sa->ike_serial) {
            svec_add_nocopy(&serials, xasprintf("%lu", sa->ike_serial));
        }
    }
    const struct swan_status_sa *shared = pluto_tunnel_ike_sa(&pluto->status,
                                                              t);
    if (shared) {
        svec_add_nocopy(&serials, xasprintf("%lu", shared->serial));
    }

    const char *serial;
    size_t i;
    SVEC_FOR_EACH (i, serial, &serials) {
        if (sset_add(&pluto->deleted_ike, serial)) {
            pluto_command_queue(pluto, "--deletestate", serial, NULL);
        }
    }
    svec_destroy(&serials);
}

void
pluto_conn_forget_applied(struct pluto_conn *c)
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
void
pluto_conn_initiate(struct vpn_pluto *pluto, struct pluto_conn *c, bool fresh)
{
    const struct swan_status_tunnel *t
        = fresh ? NULL : swan_status_find(&pluto->status, c->name);

    c->next_initiate = time_msec() + VPN_PLUTO_RETRY_MSEC;
    c->attempt_open = true;
    if (!t || sset_is_empty(&t->up_conns)) {
        pluto_command_queue(pluto, "--initiate", "--asynchronous",
                            "--name", c->name, NULL);
        return;
    }

    struct svec names = SVEC_EMPTY_INITIALIZER;
    pluto_conn_sub_names(c, &names);
    const char *name;
    size_t i;
    SVEC_FOR_EACH (i, name, &names) {
        if (!sset_contains(&t->up_conns, name)) {
            pluto_command_queue(pluto, "--initiate", "--asynchronous",
                                "--name", name, NULL);
        }
    }
    svec_destroy(&names);
}

/* Stores in 'names' the names of the conns that libreswan makes of 'c':
 * "NAME" for one subnet on each side, otherwise "NAME/LxR" for each pair,
 * L and R counting from 1, or 0 on a side that has only one subnet. */
static void
pluto_conn_sub_names(const struct pluto_conn *c, struct svec *names)
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
void
pluto_conn_update(struct vpn_pluto *pluto, struct pluto_conn *c)
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
        ike = t ? pluto_tunnel_ike_sa(&pluto->status, t) : NULL;
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
        if (c->initiates) {
            pluto_conn_apply_retry_rule(pluto, c, ev, &state, &reason,
                                        &detail);
        }
    }

    if (pub->state == SWAN_CONN_CONNECTED && state != SWAN_CONN_CONNECTED
        && c->initiates && pub->loaded) {
        /* It went down: the first attempt to bring it up again starts at
         * the next poll (pluto revives nothing on its own). */
        c->next_initiate = time_msec();
    }
    if (state != pub->state || reason != pub->reason) {
        pub->state = state;
        pub->reason = reason;
        pub->since = time_wall_msec();
        ovs_strzcpy(pub->detail, detail, sizeof pub->detail);
        pluto_conn_event(c, true, "%s", detail);
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

/* Forgets the failed attempts of 'c': its conn was just loaded (maybe
 * with new settings), or it connected. */
static void
pluto_conn_reset_attempts(struct pluto_conn *c)
{
    c->pub.attempts = 0;
    c->pub.last_state = SWAN_CONN_CONNECTING;
    c->pub.last_reason = SWAN_REASON_NONE;
    c->pub.last_detail[0] = '\0';
    c->attempt_open = false;
}

/* Applies the retry rule (see vpn-pluto.h) to tunnel 'c', which may
 * initiate and is loaded: counts the attempt that failure 'ev' (the last
 * one pluto logged for it, if any) ends, schedules the next one, and
 * replaces '*state', '*reason' and '*detail', as pluto's status and log
 * give them, by what the tunnel shows. */
static void
pluto_conn_apply_retry_rule(struct vpn_pluto *pluto, struct pluto_conn *c,
                            const struct swan_status_event *ev,
                            enum swan_conn_state *state,
                            enum swan_reason *reason, const char **detail)
{
    struct vpn_pluto_tunnel *pub = &c->pub;

    if (*state == SWAN_CONN_CONNECTED) {
        if (pub->attempts) {
            pluto_conn_reset_attempts(c);
            pluto->seqno++;
        }
        c->attempt_open = false;
        return;
    }

    if (ev && ev->type == SWAN_EVENT_FAILURE && ev->seqno > c->counted_seqno
        && c->attempt_open
        && (*state == SWAN_CONN_PHASE1_FAILED
            || *state == SWAN_CONN_PHASE2_FAILED)) {
        c->counted_seqno = ev->seqno;
        c->attempt_open = false;
        pub->attempts++;
        pub->last_state = *state;
        pub->last_reason = *reason;
        ovs_strzcpy(pub->last_detail, *detail, sizeof pub->last_detail);
        c->next_initiate = time_msec() + (pub->attempts <= VPN_PLUTO_RETRIES
                                          ? VPN_PLUTO_QUICK_RETRY_MSEC
                                          : VPN_PLUTO_RETRY_MSEC);
        if (pub->attempts <= VPN_REPORT_MAX_ATTEMPTS) {
            /* The attempts after the failure shows change nothing that
             * the event log or the reports carry, unless they fail
             * otherwise (a change of state or reason, logged below). */
            pluto_conn_event(c, false, "attempt %d failed: %s (%s)%s%s",
                             pub->attempts,
                             swan_status_state_to_string(*state),
                             swan_status_reason_to_string(*reason),
                             (*detail)[0] ? ": " : "", *detail);
        }
        static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(10, 20);
        VLOG_INFO_RL(&rl, "%s: %s: attempt %d failed (%s); next in %lld ms",
                     pluto->name, c->name, pub->attempts,
                     swan_status_reason_to_string(*reason),
                     c->next_initiate - time_msec());
        pluto->seqno++;
    }

    if (pub->attempts > VPN_PLUTO_RETRIES) {
        /* The retries failed: the failure shows, through the later
         * attempts too, until the tunnel connects. */
        *state = pub->last_state;
        *reason = pub->last_reason;
        *detail = pub->last_detail;
    } else if (*state != SWAN_CONN_CONNECTING || pub->attempts) {
        *state = SWAN_CONN_CONNECTING;
        *reason = SWAN_REASON_NONE;
        *detail = "";
    }
}

/* Returns the established IKE SA of tunnel 't': its own, or else the one
 * that its established Child SAs use.  Tunnels of one gateway to one peer
 * address share one IKE SA, which pluto lists under the conn that
 * negotiated it, that is, under one of those tunnels only.  Returns NULL
 * if there is none. */
static const struct swan_status_sa *
pluto_tunnel_ike_sa(const struct swan_status *st,
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

void
pluto_conn_event(struct pluto_conn *c, bool state_change,
                 const char *format, ...)
{
    struct vpn_pluto_event *e = vpn_pluto_events_add(&c->events);
    va_list args;

    e->when = time_wall_msec();
    e->state_change = state_change;
    e->state = c->pub.state;
    e->reason = c->pub.reason;
    va_start(args, format);
    vsnprintf(e->text, sizeof e->text, format, args);
    va_end(args);
}

static char *
pluto_conn_file(const struct vpn_pluto *pluto, const char *name,
                const char *suffix)
{
    return xasprintf("%s/%s%s", pluto->conns_dir, name, suffix);
}

/* Runs 'argv' with lib/vpn-exec, its standard output and error both
 * appended to 'output' (if nonnull), for at most
 * VPN_PLUTO_CMD_TIMEOUT_MSEC.  Returns NULL if it exited with status 0,
 * otherwise a malloc'd description of how it failed. */
char *
pluto_run_command(char **argv, struct ds *output)
{
    return vpn_exec(argv, NULL, VPN_PLUTO_CMD_TIMEOUT_MSEC, output, output);
}
