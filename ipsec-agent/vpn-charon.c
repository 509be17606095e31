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

/* The strongswan driver of ovn-vpn-agent: one charon per gateway that
 * needs it, driven with swanctl (see vpn-charon.h). */

#include <config.h>

#include "vpn-charon.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

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
#include "vpn-catalog.h"
#include "vpn-exec.h"
#include "vpn-file.h"
#include "vpn-params.h"
#include "vpn-pluto.h"
#include "vpn-report.h"
#include "vpn-swan-conf.h"
#include "vpn-swan-status.h"

VLOG_DEFINE_THIS_MODULE(vpn_charon);

#define CHARON_START_TIMEOUT_MSEC 10000
#define CHARON_BACKOFF_MIN_MSEC   1000
#define CHARON_BACKOFF_MAX_MSEC   32000
#define CHARON_CMD_TIMEOUT_MSEC   10000

/* strongswan's URI prefix for a Unix socket ("unix:" and two slashes,
 * written apart so that no tool takes them for a comment). */
#define CHARON_UNIX_URI "unix:/" "/"

/* What the control job is doing. */
enum charon_job {
    CHARON_JOB_NONE,
    CHARON_JOB_STATS,           /* Does charon answer yet? */
    CHARON_JOB_LOAD,            /* swanctl --load-all. */
    CHARON_JOB_TERMINATE,       /* A changed tunnel's IKE SA goes. */
    CHARON_JOB_POLL,            /* swanctl --list-sas --raw. */
};

/* One tunnel. */
struct charon_tunnel {
    struct vpn_pluto_tunnel pub;        /* What the agent reads. */
    char *name;
    unsigned int id;            /* Its connection is "c<id>". */
    char *conn;                 /* "c<id>". */
    char *text;                 /* Its swanctl.conf text, key included. */
    bool initiates;             /* Not response-only, peer known. */
    struct svec children;       /* Its Child SAs' names, as rendered. */
    bool ike_up;                /* Its IKE SA is established... */
    struct sset up_children;    /* ...with these Child SAs installed. */
    bool loaded;                /* charon has its current text. */
    bool terminate;             /* Its SAs must go before it connects. */
    long long int next_try;     /* When to initiate it again. */
    struct vpn_exec_job initiate;       /* Its "swanctl --initiate". */

    struct vpn_pluto_events events;
};

struct vpn_charon {
    char *name;                 /* The gateway's. */
    char *netns;
    char *rundir;
    char *statedir;
    char *uri;                  /* The unix: URI of RUNDIR/charon.vici. */

    pid_t pid;                  /* 0 if not running. */
    bool ready;                 /* It answered on its VICI socket. */
    long long int started;      /* When it was started. */
    long long int restart_at;   /* When to start it again, if not running. */
    int backoff;
    unsigned int n_starts;
    char *error;

    struct vpn_exec_job job;    /* Control commands, one at a time. */
    enum charon_job job_kind;
    struct charon_tunnel *job_tunnel;   /* CHARON_JOB_TERMINATE's. */

    struct shash tunnels;       /* "struct charon_tunnel"s, by name. */
    unsigned int next_id;
    bool load;                  /* swanctl.conf changed: load it. */
    long long int next_poll;
    uint64_t seqno;
};

static void charon_start(struct vpn_charon *);
static void charon_stop(struct vpn_charon *);
static void charon_set_state(struct vpn_charon *, struct charon_tunnel *,
                             enum swan_conn_state, enum swan_reason,
                             const char *detail);
static void charon_note(struct charon_tunnel *, const char *text);
static void charon_tunnel_free(struct charon_tunnel *);

/* Returns true if this chassis has strongswan's charon and swanctl. */
bool
vpn_charon_available(void)
{
    return (!access(VPN_CHARON_PROGRAM, X_OK)
            && !access(VPN_CHARON_SWANCTL, X_OK));
}

/* Adds to 'caps' what strongswan 5.9 does: every DH group of the catalog
 * (charon's openssl plugin has them all, 1, 2 and 24 included, which
 * Debian 12's libreswan lacks), and, on a chassis without libreswan
 * ('caps' not known yet), every algorithm of the catalog. */
void
vpn_charon_probe_caps(struct vpn_caps *caps)
{
    for (size_t i = 0; i < vpn_catalog_n_dh_groups; i++) {
        caps->dh_groups |= UINT64_C(1) << vpn_catalog_dh_groups[i].group;
    }
    if (!caps->known) {
        caps->known = true;
        for (const struct vpn_catalog_value *v = vpn_catalog_encryptions;
             v->name; v++) {
            sset_add(caps->encryption, v->name);
        }
        for (const struct vpn_catalog_value *v = vpn_catalog_integrities;
             v->name; v++) {
            sset_add(caps->integrity, v->name);
        }
    }
}

struct vpn_charon *
vpn_charon_create(const char *name, const char *netns, const char *rundir,
                  const char *statedir)
{
    struct vpn_charon *charon = xzalloc(sizeof *charon);
    charon->name = xstrdup(name);
    charon->netns = xstrdup(netns);
    charon->rundir = xstrdup(rundir);
    charon->statedir = xstrdup(statedir);
    charon->uri = xasprintf(CHARON_UNIX_URI "%s/charon.vici", rundir);
    charon->backoff = CHARON_BACKOFF_MIN_MSEC;
    vpn_exec_job_init(&charon->job);
    shash_init(&charon->tunnels);
    charon->next_id = 1;
    charon->seqno = 1;
    return charon;
}

void
vpn_charon_destroy(struct vpn_charon *charon)
{
    if (!charon) {
        return;
    }
    charon_stop(charon);
    vpn_exec_job_destroy(&charon->job);
    struct shash_node *node;
    SHASH_FOR_EACH_SAFE (node, &charon->tunnels) {
        charon_tunnel_free(node->data);
        shash_delete(&charon->tunnels, node);
    }
    shash_destroy(&charon->tunnels);
    vpn_file_remove_tree(charon->statedir);
    vpn_file_remove_tree(charon->rundir);
    free(charon->name);
    free(charon->netns);
    free(charon->rundir);
    free(charon->statedir);
    free(charon->uri);
    free(charon->error);
    free(charon);
}

static void
charon_tunnel_free(struct charon_tunnel *t)
{
    vpn_exec_job_destroy(&t->initiate);
    svec_destroy(&t->children);
    sset_destroy(&t->up_children);
    free(t->name);
    free(t->conn);
    free(t->text);
    free(t);
}

static void
charon_set_error(struct vpn_charon *charon, char *error)
{
    free(charon->error);
    charon->error = error;
}

/* Writes strongswan.conf: charon's plugins as the package configures them,
 * its VICI socket and pid file in its private /run, a log of its own, no
 * routes (OVN routes the gateway's traffic), and retransmissions that give
 * up within about 20 s, so that one attempt is bounded as libreswan's
 * retransmit-timeout bounds pluto's. */
static bool
charon_write_conf(struct vpn_charon *charon)
{
    struct ds s = DS_EMPTY_INITIALIZER;
    ds_put_format(&s,
                  "# Written by ovn-vpn-agent for gateway %s.\n"
                  "charon {\n"
                  "    load_modular = yes\n"
                  "    install_routes = no\n"
                  "    install_virtual_ip = no\n"
                  "    retransmit_tries = 3\n"
                  "    retransmit_timeout = 2.0\n"
                  "    retransmit_base = 1.5\n"
                  "    plugins {\n"
                  "        include /etc/strongswan.d/charon/*.conf\n"
                  "        vici {\n"
                  "            socket = "CHARON_UNIX_URI"/run/charon.vici\n"
                  "        }\n"
                  "    }\n"
                  "    filelog {\n"
                  "        gateway {\n"
                  "            path = %s/charon.log\n"
                  "            default = 1\n"
                  "            ike = 2\n"
                  "            time_format = %%b %%e %%T\n"
                  "        }\n"
                  "    }\n"
                  "}\n", charon->name, charon->statedir);
    char *path = xasprintf("%s/strongswan.conf", charon->statedir);
    bool ok = vpn_file_write(path, ds_cstr(&s), 0600);
    free(path);
    ds_destroy(&s);
    return ok;
}

/* Stops the charon that an earlier run of the agent left running with
 * run directory 'rundir', if any: the agent does not adopt a charon (its
 * tunnels are made again), and a second one could not start while the
 * first holds its pid file and IKE ports. */
void
vpn_charon_kill_stale(const char *rundir)
{
    char *pidfile = xasprintf("%s/charon.pid", rundir);
    char *text = vpn_file_read(pidfile);
    free(pidfile);
    long int pid = text ? strtol(text, NULL, 10) : 0;
    free(text);
    if (pid <= 1) {
        return;
    }

    char *comm_path = xasprintf("/proc/%ld/comm", pid);
    char *comm = vpn_file_read(comm_path);
    free(comm_path);
    bool is_charon = comm && !strcmp(comm, "charon\n");
    free(comm);
    if (!is_charon) {
        return;
    }
    VLOG_INFO("stopping stale charon %ld (%s)", pid, rundir);
    kill(pid, SIGTERM);
    for (int i = 0; i < 50 && !kill(pid, 0); i++) {
        xnanosleep(100 * 1000 * 1000);
    }
    if (!kill(pid, 0)) {
        kill(pid, SIGKILL);
    }
}

/* Starts charon in the gateway's namespace. */
static void
charon_start(struct vpn_charon *charon)
{
    vpn_charon_kill_stale(charon->rundir);
    if (mkdir(charon->statedir, 0700) && errno != EEXIST) {
        charon_set_error(charon, xasprintf("%s: cannot create (%s)",
                                           charon->statedir,
                                           ovs_strerror(errno)));
        return;
    }
    if (mkdir(charon->rundir, 0700) && errno != EEXIST) {
        charon_set_error(charon, xasprintf("%s: cannot create (%s)",
                                           charon->rundir,
                                           ovs_strerror(errno)));
        return;
    }
    char *pidfile = xasprintf("%s/charon.pid", charon->rundir);
    char *sock = xasprintf("%s/charon.vici", charon->rundir);
    unlink(pidfile);
    unlink(sock);
    free(pidfile);
    free(sock);
    if (!charon_write_conf(charon)) {
        charon_set_error(charon, xstrdup("cannot write strongswan.conf"));
        return;
    }

    char *log = xasprintf("%s/charon.stderr", charon->statedir);
    int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW,
                  0600);
    free(log);
    if (fd < 0) {
        charon_set_error(charon, xasprintf("cannot open charon.stderr (%s)",
                                           ovs_strerror(errno)));
        return;
    }

    /* RUNDIR over /run in a mount namespace of charon's own; the paths go
     * to the shell as arguments, never into its script. */
    char *conf = xasprintf("%s/strongswan.conf", charon->statedir);
    char *argv[] = {
        "ip", "netns", "exec", charon->netns,
        "unshare", "--mount", "--propagation", "private", "--",
        "sh", "-c",
        "mount --bind \"$1\" /run && STRONGSWAN_CONF=\"$2\" exec \"$3\"",
        "charon", charon->rundir, conf, VPN_CHARON_PROGRAM, NULL,
    };
    int error = vpn_exec_start(argv, fd, true, &charon->pid);
    close(fd);
    free(conf);
    if (error) {
        charon->pid = 0;
        charon_set_error(charon, xasprintf("cannot start charon (%s)",
                                           ovs_strerror(error)));
        return;
    }
    charon->n_starts++;
    charon->started = time_msec();
    charon->next_poll = charon->started + 100;
    charon->ready = false;
    charon->load = true;
    VLOG_INFO("gateway %s: charon started, pid %ld", charon->name,
              (long int) charon->pid);
}

/* Stops charon and waits for it (SIGKILL after 5 s). */
static void
charon_stop(struct vpn_charon *charon)
{
    if (!charon->pid) {
        return;
    }
    kill(charon->pid, SIGTERM);
    for (int i = 0; i < 50; i++) {
        if (waitpid(charon->pid, NULL, WNOHANG) == charon->pid) {
            charon->pid = 0;
            return;
        }
        xnanosleep(100 * 1000 * 1000);
    }
    kill(charon->pid, SIGKILL);
    waitpid(charon->pid, NULL, 0);
    charon->pid = 0;
}

/* charon is gone: every tunnel goes back to connecting. */
static void
charon_died(struct vpn_charon *charon, const char *why)
{
    VLOG_WARN("gateway %s: charon %s; restarting in %d ms", charon->name,
              why, charon->backoff);
    charon_set_error(charon, xasprintf("charon %s", why));
    charon->pid = 0;
    charon->ready = false;
    charon->restart_at = time_msec() + charon->backoff;
    charon->backoff = MIN(charon->backoff * 2, CHARON_BACKOFF_MAX_MSEC);
    vpn_exec_job_destroy(&charon->job);
    vpn_exec_job_init(&charon->job);
    charon->job_kind = CHARON_JOB_NONE;

    struct shash_node *node;
    SHASH_FOR_EACH (node, &charon->tunnels) {
        struct charon_tunnel *t = node->data;
        vpn_exec_job_destroy(&t->initiate);
        vpn_exec_job_init(&t->initiate);
        t->loaded = false;
        t->pub.loaded = false;
        t->ike_up = false;
        sset_clear(&t->up_children);
        t->next_try = 0;
        if (t->pub.state == SWAN_CONN_CONNECTED) {
            charon_set_state(charon, t, SWAN_CONN_CONNECTING,
                             SWAN_REASON_NONE, "");
        }
    }
}

static void
charon_push_event(struct charon_tunnel *t, bool state_change,
                  const char *text)
{
    struct vpn_pluto_event *e = vpn_pluto_events_add(&t->events);
    e->when = time_wall_msec();
    e->state_change = state_change;
    e->state = t->pub.state;
    e->reason = t->pub.reason;
    ovs_strlcpy(e->text, text, sizeof e->text);
}

static void
charon_note(struct charon_tunnel *t, const char *text)
{
    charon_push_event(t, false, text);
}

static void
charon_set_state(struct vpn_charon *charon, struct charon_tunnel *t,
                 enum swan_conn_state state, enum swan_reason reason,
                 const char *detail)
{
    if (t->pub.state == state && t->pub.reason == reason
        && !strcmp(t->pub.detail, detail)) {
        return;
    }
    t->pub.state = state;
    t->pub.reason = reason;
    ovs_strlcpy(t->pub.detail, detail, sizeof t->pub.detail);
    t->pub.since = time_wall_msec();
    charon_push_event(t, true, detail);
    charon->seqno++;
}

/* Stores in 'names' the names of the Child SAs of tunnel 'p' rendered as
 * connection 'conn' (see swan_conf_render_swanctl()). */
static void
charon_child_names(const struct vpn_tunnel_params *p, const char *conn,
                   struct svec *names)
{
    svec_clear(names);
    if (p->n_local_cidrs == 1 && p->n_peer_cidrs == 1) {
        svec_add(names, conn);
        return;
    }
    for (size_t l = 0; l < p->n_local_cidrs; l++) {
        for (size_t r = 0; r < p->n_peer_cidrs; r++) {
            svec_add_nocopy(names, xasprintf(
                "%s-%"PRIuSIZE"x%"PRIuSIZE, conn,
                p->n_local_cidrs > 1 ? l + 1 : 0,
                p->n_peer_cidrs > 1 ? r + 1 : 0));
        }
    }
}

/* Renders tunnel 'p' as connection 'conn', key included. */
static char *
charon_render(const struct vpn_tunnel_params *p, const char *conn)
{
    struct ds s = DS_EMPTY_INITIALIZER;
    swan_conf_render_swanctl(p, SWAN_VIEW_PLATFORM, conn, NULL, true, &s);
    return ds_steal_cstr(&s);
}

bool
vpn_charon_set_conns(struct vpn_charon *charon,
                     const struct vpn_tunnel_params *params, size_t n)
{
    struct shash wanted = SHASH_INITIALIZER(&wanted);
    for (size_t i = 0; i < n; i++) {
        const struct vpn_tunnel_params *p = &params[i];
        char *error = swan_conf_check(p);
        if (error) {
            VLOG_WARN("gateway %s: tunnel %s not loaded: %s", charon->name,
                      p->name, error);
            free(error);
            continue;
        }
        shash_add_once(&wanted, p->name, p);
    }

    /* Gone. */
    struct shash_node *node;
    SHASH_FOR_EACH_SAFE (node, &charon->tunnels) {
        if (!shash_find(&wanted, node->name)) {
            charon_tunnel_free(node->data);
            shash_delete(&charon->tunnels, node);
            charon->load = true;
            charon->seqno++;
        }
    }

    /* New or changed. */
    SHASH_FOR_EACH (node, &wanted) {
        const struct vpn_tunnel_params *p = node->data;
        struct charon_tunnel *t = shash_find_data(&charon->tunnels,
                                                  node->name);
        if (!t) {
            t = xzalloc(sizeof *t);
            t->name = xstrdup(node->name);
            t->pub.name = t->name;
            t->pub.state = SWAN_CONN_CONNECTING;
            t->pub.reason = SWAN_REASON_NONE;
            t->pub.since = time_wall_msec();
            t->pub.last_state = SWAN_CONN_CONNECTING;
            t->pub.last_reason = SWAN_REASON_NONE;
            t->pub.packets_in = t->pub.packets_out = -1;
            t->id = charon->next_id++;
            t->conn = xasprintf("c%u", t->id);
            vpn_exec_job_init(&t->initiate);
            svec_init(&t->children);
            sset_init(&t->up_children);
            shash_add(&charon->tunnels, t->name, t);
            charon->seqno++;
        }
        char *text = charon_render(p, t->conn);
        if (!t->text || strcmp(text, t->text)) {
            if (t->text) {
                /* New settings: its SAs go, and it starts over. */
                t->terminate = t->loaded;
                charon_note(t, "settings changed: loaded again");
            }
            free(t->text);
            t->text = text;
            t->loaded = false;
            t->ike_up = false;
            sset_clear(&t->up_children);
            t->initiates = (strcmp(p->initiator, "response-only")
                            && !vpn_params_peer_is_any(p));
            charon_child_names(p, t->conn, &t->children);
            t->next_try = 0;
            t->pub.attempts = 0;
            t->pub.last_reason = SWAN_REASON_NONE;
            t->pub.last_detail[0] = '\0';
            charon->load = true;
        } else {
            free(text);
        }
    }
    shash_destroy(&wanted);
    return true;
}

/* Writes swanctl.conf with every tunnel and starts "swanctl --load-all". */
static void
charon_start_load(struct vpn_charon *charon)
{
    struct ds conf = DS_EMPTY_INITIALIZER;
    ds_put_format(&conf, "# Written by ovn-vpn-agent for gateway %s.\n",
                  charon->name);
    const struct shash_node **nodes = shash_sort(&charon->tunnels);
    for (size_t i = 0; i < shash_count(&charon->tunnels); i++) {
        const struct charon_tunnel *t = nodes[i]->data;
        ds_put_format(&conf, "# Tunnel %s.\n%s", t->conn, t->text);
    }
    free(nodes);

    char *path = xasprintf("%s/swanctl.conf", charon->statedir);
    bool ok = vpn_file_write(path, ds_cstr(&conf), 0600);
    ds_destroy(&conf);
    if (!ok) {
        free(path);
        charon_set_error(charon, xstrdup("cannot write swanctl.conf"));
        return;
    }
    char *argv[] = {
        VPN_CHARON_SWANCTL, "--load-all", "--noprompt", "--file", path,
        "--uri", charon->uri, NULL,
    };
    int error = vpn_exec_job_start(&charon->job, argv,
                                   CHARON_CMD_TIMEOUT_MSEC);
    free(path);
    if (!error) {
        charon->job_kind = CHARON_JOB_LOAD;
        charon->load = false;
    }
}

static void
charon_start_simple(struct vpn_charon *charon, enum charon_job kind,
                    char *const argv[])
{
    if (!vpn_exec_job_start(&charon->job, argv, CHARON_CMD_TIMEOUT_MSEC)) {
        charon->job_kind = kind;
    }
}

/* One attempt of tunnel 't' ended, with 'status' from waitpid(). */
static void
charon_initiated(struct vpn_charon *charon, struct charon_tunnel *t,
                 int status)
{
    const char *out = ds_cstr(&t->initiate.out);
    if (WIFEXITED(status) && !WEXITSTATUS(status)) {
        t->pub.attempts = 0;
        t->pub.last_reason = SWAN_REASON_NONE;
        t->pub.last_detail[0] = '\0';
        charon_set_state(charon, t, SWAN_CONN_CONNECTED, SWAN_REASON_NONE,
                         "");
        charon->next_poll = 0;
        return;
    }

    enum swan_reason reason;
    const char *detail;
    enum swan_conn_state state = swan_status_swanctl_classify(out, &reason,
                                                              &detail);
    t->pub.attempts++;
    t->pub.last_state = state;
    t->pub.last_reason = reason;
    ovs_strlcpy(t->pub.last_detail, detail, sizeof t->pub.last_detail);
    charon->seqno++;
    if (t->pub.attempts > VPN_PLUTO_RETRIES) {
        charon_set_state(charon, t, state, reason, detail);
        t->next_try = time_msec() + VPN_PLUTO_RETRY_MSEC;
    } else {
        char *note = xasprintf("attempt %d failed: %s", t->pub.attempts,
                               detail);
        charon_note(t, note);
        free(note);
        t->next_try = time_msec() + VPN_PLUTO_QUICK_RETRY_MSEC;
    }
}

/* Applies a "swanctl --list-sas --raw" output: a tunnel is connected once
 * its IKE SA is established and every one of its Child SAs installed. */
static void
charon_polled(struct vpn_charon *charon, const char *out)
{
    struct sset ikes = SSET_INITIALIZER(&ikes);
    struct sset children = SSET_INITIALIZER(&children);
    swan_status_swanctl_sas(out, &ikes, &children);

    struct shash_node *node;
    SHASH_FOR_EACH (node, &charon->tunnels) {
        struct charon_tunnel *t = node->data;
        t->ike_up = sset_contains(&ikes, t->conn);
        sset_clear(&t->up_children);
        size_t i;
        const char *child;
        SVEC_FOR_EACH (i, child, &t->children) {
            if (t->ike_up && sset_contains(&children, child)) {
                sset_add(&t->up_children, child);
            }
        }
        bool connected = (t->ike_up
                          && sset_count(&t->up_children) == t->children.n);
        if (connected && t->pub.state != SWAN_CONN_CONNECTED) {
            t->pub.attempts = 0;
            t->pub.last_reason = SWAN_REASON_NONE;
            t->pub.last_detail[0] = '\0';
            charon_set_state(charon, t, SWAN_CONN_CONNECTED,
                             SWAN_REASON_NONE, "");
        } else if (!connected && t->pub.state == SWAN_CONN_CONNECTED
                   && !vpn_exec_job_is_running(&t->initiate)) {
            charon_set_state(charon, t, SWAN_CONN_CONNECTING,
                             SWAN_REASON_NONE, "");
            t->next_try = 0;
        }
    }
    sset_destroy(&ikes);
    sset_destroy(&children);
}

static bool
any_unconnected(const struct vpn_charon *charon)
{
    struct shash_node *node;
    SHASH_FOR_EACH (node, &charon->tunnels) {
        const struct charon_tunnel *t = node->data;
        if (t->pub.state != SWAN_CONN_CONNECTED) {
            return true;
        }
    }
    return false;
}

/* The control job ended with 'status'. */
static void
charon_job_done(struct vpn_charon *charon, int status)
{
    bool ok = WIFEXITED(status) && !WEXITSTATUS(status);
    const char *out = ds_cstr(&charon->job.out);
    enum charon_job kind = charon->job_kind;
    charon->job_kind = CHARON_JOB_NONE;

    switch (kind) {
    case CHARON_JOB_STATS:
        if (ok) {
            charon->ready = true;
            charon_set_error(charon, NULL);
            VLOG_INFO("gateway %s: charon answers", charon->name);
        }
        charon->next_poll = time_msec() + (ok ? 0 : 200);
        break;

    case CHARON_JOB_LOAD: {
        struct shash_node *node;
        if (!ok) {
            VLOG_WARN("gateway %s: swanctl --load-all failed: %s",
                      charon->name, out);
            charon_set_error(charon, xstrdup("charon refused the "
                                             "connections"));
            charon->load = true;
            break;
        }
        charon_set_error(charon, NULL);
        SHASH_FOR_EACH (node, &charon->tunnels) {
            struct charon_tunnel *t = node->data;
            if (!t->loaded) {
                t->loaded = true;
                t->pub.loaded = true;
                charon_note(t, "loaded into charon");
            }
        }
        charon->next_poll = 0;
        break;
    }

    case CHARON_JOB_TERMINATE:
        break;

    case CHARON_JOB_POLL:
        if (ok) {
            charon_polled(charon, out);
        }
        charon->next_poll = time_msec() + (any_unconnected(charon)
                                           ? VPN_CHARON_POLL_MSEC
                                           : VPN_CHARON_IDLE_POLL_MSEC);
        break;

    case CHARON_JOB_NONE:
    default:
        break;
    }
}

void
vpn_charon_run(struct vpn_charon *charon)
{
    long long int now = time_msec();

    /* The process. */
    if (charon->pid) {
        int status;
        pid_t r = waitpid(charon->pid, &status, WNOHANG);
        if (r == charon->pid) {
            char *why = process_status_msg(status);
            charon_died(charon, why);
            free(why);
        } else if (!charon->ready
                   && now - charon->started > CHARON_START_TIMEOUT_MSEC
                   && !vpn_exec_job_is_running(&charon->job)) {
            charon_stop(charon);
            charon_died(charon, "did not answer on its VICI socket");
        }
    }
    if (!charon->pid) {
        if (now >= charon->restart_at) {
            charon_start(charon);
            if (!charon->pid) {
                charon->restart_at = now + charon->backoff;
                charon->backoff = MIN(charon->backoff * 2,
                                      CHARON_BACKOFF_MAX_MSEC);
            }
        }
        if (!charon->pid) {
            return;
        }
    }
    if (charon->ready && now - charon->started > 60000) {
        charon->backoff = CHARON_BACKOFF_MIN_MSEC;
    }

    /* The control job. */
    int status;
    if (vpn_exec_job_is_running(&charon->job)
        && vpn_exec_job_reap(&charon->job, &status)) {
        charon_job_done(charon, status);
    }

    /* The initiations. */
    struct shash_node *node;
    SHASH_FOR_EACH (node, &charon->tunnels) {
        struct charon_tunnel *t = node->data;
        if (vpn_exec_job_is_running(&t->initiate)
            && vpn_exec_job_reap(&t->initiate, &status)) {
            charon_initiated(charon, t, status);
        }
    }

    if (vpn_exec_job_is_running(&charon->job)) {
        return;
    }
    if (!charon->ready) {
        if (now >= charon->next_poll) {
            char *argv[] = { VPN_CHARON_SWANCTL, "--stats", "--uri",
                             charon->uri, NULL };
            charon_start_simple(charon, CHARON_JOB_STATS, argv);
        }
        return;
    }

    /* A changed tunnel's SAs go first (once its attempt in progress has
     * ended), then the new configuration. */
    bool terminating = false;
    SHASH_FOR_EACH (node, &charon->tunnels) {
        struct charon_tunnel *t = node->data;
        if (!t->terminate) {
            continue;
        } else if (vpn_exec_job_is_running(&t->initiate)) {
            terminating = true;
            continue;
        }
        t->terminate = false;
        char *argv[] = { VPN_CHARON_SWANCTL, "--terminate", "--ike",
                         t->conn, "--force", "--timeout", "2",
                         "--uri", charon->uri, NULL };
        charon_start_simple(charon, CHARON_JOB_TERMINATE, argv);
        return;
    }
    if (terminating) {
        return;
    }
    if (charon->load) {
        charon_start_load(charon);
        return;
    }

    SHASH_FOR_EACH (node, &charon->tunnels) {
        struct charon_tunnel *t = node->data;
        if (t->loaded && t->initiates
            && t->pub.state != SWAN_CONN_CONNECTED
            && !vpn_exec_job_is_running(&t->initiate)
            && now >= t->next_try) {
            /* Each Child SA of the connection that is not installed, in
             * turn (the first one makes the IKE SA if there is none);
             * the names are the driver's, never the tenant's. */
            struct svec args = SVEC_EMPTY_INITIALIZER;
            svec_add(&args, "sh");
            svec_add(&args, "-c");
            svec_add(&args, "s=$1 u=$2; shift 2; for c; do "
                     "\"$s\" --initiate --child \"$c\" --uri \"$u\" "
                     "|| exit 1; done");
            svec_add(&args, "sh");
            svec_add(&args, VPN_CHARON_SWANCTL);
            svec_add(&args, charon->uri);
            size_t n_fixed = args.n;
            size_t k;
            const char *child;
            SVEC_FOR_EACH (k, child, &t->children) {
                if (!t->ike_up || !sset_contains(&t->up_children, child)) {
                    svec_add(&args, child);
                }
            }
            if (args.n == n_fixed) {
                /* All there: the next poll tells. */
                svec_destroy(&args);
                charon->next_poll = 0;
                continue;
            }
            svec_terminate(&args);
            int error = vpn_exec_job_start(&t->initiate, args.names,
                                           VPN_CHARON_INITIATE_TIMEOUT_MSEC);
            svec_destroy(&args);
            if (!error) {
                charon_note(t, "initiated");
            }
            t->next_try = now + VPN_PLUTO_RETRY_MSEC;
        }
    }

    if (now >= charon->next_poll) {
        char *argv[] = { VPN_CHARON_SWANCTL, "--list-sas", "--raw",
                         "--uri", charon->uri, NULL };
        charon_start_simple(charon, CHARON_JOB_POLL, argv);
    }
}

void
vpn_charon_wait(struct vpn_charon *charon)
{
    if (!charon->pid) {
        poll_timer_wait_until(charon->restart_at);
        return;
    }
    /* The process's death shows at the next poll at the latest. */
    poll_timer_wait(VPN_CHARON_POLL_MSEC);
    if (vpn_exec_job_is_running(&charon->job)) {
        vpn_exec_job_wait(&charon->job);
    } else if (!charon->ready) {
        poll_timer_wait_until(charon->next_poll);
    } else if (charon->load) {
        poll_immediate_wake();
    } else {
        poll_timer_wait_until(charon->next_poll);
    }
    struct shash_node *node;
    SHASH_FOR_EACH (node, &charon->tunnels) {
        const struct charon_tunnel *t = node->data;
        if (vpn_exec_job_is_running(&t->initiate)) {
            vpn_exec_job_wait(&t->initiate);
        } else if (t->loaded && t->initiates
                   && t->pub.state != SWAN_CONN_CONNECTED) {
            poll_timer_wait_until(t->next_try);
        }
    }
}

bool
vpn_charon_is_running(const struct vpn_charon *charon)
{
    return charon->pid && charon->ready;
}

const char *
vpn_charon_get_error(const struct vpn_charon *charon)
{
    return charon->error;
}

const char *
vpn_charon_get_rundir(const struct vpn_charon *charon)
{
    return charon->rundir;
}

pid_t
vpn_charon_get_pid(const struct vpn_charon *charon)
{
    return charon->pid;
}

unsigned int
vpn_charon_get_n_starts(const struct vpn_charon *charon)
{
    return charon->n_starts;
}

uint64_t
vpn_charon_get_seqno(const struct vpn_charon *charon)
{
    return charon->seqno;
}

const struct vpn_pluto_tunnel *
vpn_charon_get_tunnel(const struct vpn_charon *charon, const char *name)
{
    const struct charon_tunnel *t = shash_find_data(&charon->tunnels, name);
    return t ? &t->pub : NULL;
}

bool
vpn_charon_report_events(const struct vpn_charon *charon, const char *name,
                         struct ds *ds)
{
    const struct charon_tunnel *t = shash_find_data(&charon->tunnels, name);
    return t && vpn_pluto_events_report(&t->events, ds);
}

bool
vpn_charon_format_log(const struct vpn_charon *charon, const char *name,
                      struct ds *ds)
{
    const struct charon_tunnel *t = shash_find_data(&charon->tunnels, name);
    if (!t) {
        return false;
    }
    vpn_pluto_events_format_log(&t->events, ds);
    return true;
}

void
vpn_charon_format_status(const struct vpn_charon *charon, struct ds *ds)
{
    ds_put_format(ds, "gateway %s: charon ", charon->name);
    if (vpn_charon_is_running(charon)) {
        ds_put_format(ds, "running, pid %ld, %u start%s",
                      (long int) charon->pid, charon->n_starts,
                      charon->n_starts == 1 ? "" : "s");
    } else {
        ds_put_cstr(ds, charon->pid ? "starting" : "not running");
        if (charon->error) {
            ds_put_format(ds, ": %s", charon->error);
        }
    }
    ds_put_char(ds, '\n');
    const struct shash_node **nodes = shash_sort(&charon->tunnels);
    for (size_t i = 0; i < shash_count(&charon->tunnels); i++) {
        const struct charon_tunnel *t = nodes[i]->data;
        ds_put_format(ds, "  tunnel %s (%s): %s (%s)", t->name, t->conn,
                      swan_status_state_to_string(t->pub.state),
                      swan_status_reason_to_string(t->pub.reason));
        if (t->pub.attempts) {
            ds_put_format(ds, ", %d failed attempt%s", t->pub.attempts,
                          t->pub.attempts == 1 ? "" : "s");
        }
        ds_put_char(ds, '\n');
    }
    free(nodes);
}
