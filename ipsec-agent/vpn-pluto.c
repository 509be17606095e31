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
 * from an argument vector through posix_spawn(), never through a shell.
 *
 * This file holds the public interface; vpn-pluto-private.h lists the
 * modules that do the rest. */

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

#include "vpn-pluto-private.h"

VLOG_DEFINE_THIS_MODULE(vpn_pluto);

/* Returns the malloc'd name of the directories (one in the caller's run
 * directory, one in its state directory) of the pluto that runs in network
 * namespace 'netns': the first 128 bits of the name's SHA-256, in
 * hexadecimal.  That keeps a control socket's path short, and no gateway
 * name can be made to share another's directories (an unkeyed 32-bit hash
 * once let a tenant take over another tenant's pluto).  Each state
 * directory also names its namespace, and a pluto driver refuses one that
 * names another (pluto_check_owner()). */
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

    /* A pluto still stopping in these directories is gone first: it must
     * neither be adopted nor remove what the new one makes. */
    vpn_pluto_stopping_flush(rundir);

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
    pluto->ip_bin = pluto_find_program("ip", sbin);
    pluto->env_bin = pluto_find_program("env", bin);

    pluto->state = PLUTO_STOPPED;
    pluto->backoff_msec = VPN_PLUTO_BACKOFF_MIN_MSEC;
    pluto->restart_at = LLONG_MIN;
    shash_init(&pluto->conns);
    sset_init(&pluto->orphans);
    sset_init(&pluto->deleted_ike);
    swan_status_init(&pluto->status);
    swan_status_log_init(&pluto->log);
    pluto->log_fd = -1;
    pluto->log_wd = -1;
    pluto->poll_start_log_offset = -1;
    pluto->status_log_offset = -1;
    vpn_exec_job_init(&pluto->load);
    vpn_exec_job_init(&pluto->poll);
    ovs_list_init(&pluto->cmds);
    vpn_exec_job_init(&pluto->cmd);
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

    bool dirs_ok = pluto_make_dirs(pluto) && pluto_check_owner(pluto);
    if (pluto->fatal_error) {
        /* Another namespace's directories: not to be touched. */
        return pluto;
    }
    if (dirs_ok && pluto_try_adopt(pluto)) {
        pluto_log_reset(pluto, true);
    } else {
        pluto_clear_conns_dir(pluto);
        pluto_log_reset(pluto, false);
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

    pluto_load_abort(pluto);
    pluto_cmds_abort(pluto);
    vpn_exec_job_destroy(&pluto->cmd);
    if (stop && !pluto->fatal_error) {
        if (pluto->log_fd >= 0) {
            close(pluto->log_fd);
            pluto->log_fd = -1;
        }
        /* Its exit and the removal of its directories follow in
         * vpn_pluto_stopping_run(). */
        pluto_stop(pluto);
    } else if (pluto->pid > 0) {
        VLOG_INFO("%s: leaving pluto (pid %ld) running", pluto->name,
                  (long int) pluto->pid);
    }

    struct shash_node *node;
    SHASH_FOR_EACH_SAFE (node, &pluto->conns) {
        pluto_conn_destroy(pluto, node->data);
    }
    shash_destroy(&pluto->conns);
    sset_destroy(&pluto->orphans);
    sset_destroy(&pluto->deleted_ike);
    swan_status_destroy(&pluto->status);
    swan_status_log_destroy(&pluto->log);
    if (pluto->log_fd >= 0) {
        close(pluto->log_fd);
    }
    if (pluto->log_wd >= 0) {
        inotify_rm_watch(pluto_log_notify_fd, pluto->log_wd);
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
            pluto_schedule_restart(pluto);
        }
        break;

    case PLUTO_STARTING:
        pluto_check_started(pluto);
        break;

    case PLUTO_RUNNING: {
        pluto_cmds_run(pluto);
        if (vpn_exec_job_is_running(&pluto->load)) {
            pluto_conns_load_finish(pluto);
        }
        if (pluto->post_load
            && (!pluto_n_loads_running || now >= pluto->post_load_deadline)) {
            pluto_post_load_run(pluto);
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
        pluto_log_notify_drain();
        pluto_log_read(pluto);
        if (pluto->log_offset != log_offset) {
            struct shash_node *node;
            SHASH_FOR_EACH (node, &pluto->conns) {
                pluto_conn_update(pluto, node->data);
            }
            pluto->next_poll = MIN(pluto->next_poll,
                                   pluto->last_poll + VPN_PLUTO_POLL_MSEC);
            pluto->poll_news = true;
        }
        if (pluto->log.n_child_ups != pluto->polled_child_ups) {
            pluto->next_poll = MIN(pluto->next_poll,
                                   pluto_up_poll_time(pluto));
        }

        /* The status poll runs in the background: a pluto busy with
         * crypto may take seconds to answer, and the caller's main loop
         * must not wait for it. */
        int status;
        if (vpn_exec_job_is_running(&pluto->poll)) {
            if (vpn_exec_job_reap(&pluto->poll, &status)) {
                pluto->poll_duration = now - pluto->last_poll;
                pluto_poll_finish(pluto, status);
                if (pluto->state == PLUTO_RUNNING) {
                    pluto_retry_conns(pluto);
                    pluto->next_poll = pluto_next_poll_time(pluto,
                                                            pluto->last_poll);
                    if (pluto->poll_news) {
                        pluto->next_poll
                            = MIN(pluto->next_poll,
                                  pluto->last_poll + VPN_PLUTO_POLL_MSEC);
                    }
                    if (pluto->log.n_child_ups != pluto->polled_child_ups) {
                        pluto->next_poll = MIN(pluto->next_poll,
                                               pluto_up_poll_time(pluto));
                    }
                }
            }
        } else if (now >= pluto->next_poll) {
            pluto->last_poll = now;
            pluto->poll_start_log_offset = pluto->log_offset;
            pluto->poll_news = false;
            pluto->polled_child_ups = pluto->log.n_child_ups;
            pluto_poll_start(pluto);
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
        if (vpn_exec_job_is_running(&pluto->cmd)) {
            /* Its NSS database is being made. */
            vpn_exec_job_wait(&pluto->cmd);
        } else {
            poll_timer_wait_until(pluto->restart_at);
        }
        break;

    case PLUTO_STARTING:
        vpn_exec_job_wait(&pluto->cmd);
        poll_timer_wait(20);
        break;

    case PLUTO_RUNNING:
        vpn_exec_job_wait(&pluto->load);
        vpn_exec_job_wait(&pluto->poll);
        pluto_cmds_wait(pluto);
        if (pluto->post_load) {
            if (!pluto_n_loads_running) {
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
        if (pluto->unload_wait_until) {
            poll_timer_wait_until(pluto->unload_wait_until);
        }
        pluto_log_notify_wait(pluto);
        break;

    default:
        OVS_NOT_REACHED();
    }
}

/* Longest wait for a fresh status before conns are deleted (see
 * vpn_pluto_set_conns()). */
#define UNLOAD_WAIT_MSEC 3000

/* Returns true if vpn_pluto_set_conns() is about to delete conn 'c' from
 * pluto: it is no longer wanted, or its text or key changed. */
static bool
pluto_conn_unload_pending(const struct pluto_conn *c)
{
    return (c->applied_text
            && (!c->wanted
                || !pluto_nullable_streq(c->applied_text, c->text)
                || !pluto_nullable_streq(c->applied_secret, c->secret)));
}

/* Returns true if pluto has another conn to the peer address of 'c' (a
 * sibling, whose IKE SA 'c''s Child SAs may use). */
static bool
pluto_conn_has_sibling(const struct vpn_pluto *pluto,
                       const struct pluto_conn *c)
{
    struct shash_node *node;
    SHASH_FOR_EACH (node, &pluto->conns) {
        const struct pluto_conn *other = node->data;
        if (other != c && other->applied_text && other->peer_ip
            && c->peer_ip && !strcmp(other->peer_ip, c->peer_ip)) {
            return true;
        }
    }
    return false;
}

/* Returns true if a conn with a sibling is about to be deleted. */
static bool
pluto_unloads_pending(const struct vpn_pluto *pluto)
{
    struct shash_node *node;
    SHASH_FOR_EACH (node, &pluto->conns) {
        const struct pluto_conn *c = node->data;
        if (pluto_conn_unload_pending(c) && pluto_conn_has_sibling(pluto, c)) {
            return true;
        }
    }
    return false;
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
        pluto_conns_load_finish(pluto);
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
            c = pluto_conn_create(pluto, p->name);
        }
        c->wanted = true;
        pluto_conn_set_params(c, p);
    }

    bool running = pluto->state == PLUTO_RUNNING;

    /* Conns to delete: first every IKE SA that they use, then the conns
     * (below).  Debian's pluto 4.10 crashed when a conn went while a Child
     * SA of it was being negotiated on a sibling's IKE SA, so where a conn
     * to delete has a sibling, the IKE SAs come from a status that knows
     * every SA pluto has made (one made since the last poll, by the last
     * reload's initiation, was missed): until one is there, or for
     * UNLOAD_WAIT_MSEC at most, nothing is deleted and this returns
     * false. */
    if (running && pluto_unloads_pending(pluto)) {
        long long int now = time_msec();
        bool fresh = (!vpn_exec_job_is_running(&pluto->poll)
                      && pluto->status_log_offset == pluto->log_offset);
        if (!pluto->unload_wait_until) {
            pluto->unload_wait_until = now + UNLOAD_WAIT_MSEC;
        }
        if (!fresh && now < pluto->unload_wait_until) {
            pluto->next_poll = MIN(pluto->next_poll, now);
            return false;
        }
        pluto->unload_wait_until = 0;
        SHASH_FOR_EACH (node, &pluto->conns) {
            struct pluto_conn *c = node->data;
            if (pluto_conn_unload_pending(c)) {
                pluto_conn_delete_ike_sas(pluto, c);
            }
        }
    } else {
        pluto->unload_wait_until = 0;
    }

    /* Removed tunnels. */
    SHASH_FOR_EACH_SAFE (node, &pluto->conns) {
        struct pluto_conn *c = node->data;
        if (!c->wanted) {
            if (c->applied_text) {
                pluto_conn_unload(pluto, c, "removed");
                VLOG_INFO("%s: %s: removed", pluto->name, c->name);
            }
            swan_status_log_forget(&pluto->log, c->name);
            pluto_conn_destroy(pluto, c);
            pluto->seqno++;
        }
    }

    /* Conns an adopted pluto had without our record of them. */
    if (!sset_is_empty(&pluto->orphans)) {
        const char *name;
        SSET_FOR_EACH (name, &pluto->orphans) {
            if (running) {
                pluto_command_queue(pluto, "--delete", "--name", name,
                                    NULL);
            }
        }
        sset_clear(&pluto->orphans);
    }

    /* Changed tunnels: what pluto has goes first. */
    SHASH_FOR_EACH (node, &pluto->conns) {
        struct pluto_conn *c = node->data;
        if (c->applied_text) {
            if (!pluto_nullable_streq(c->applied_text, c->text)) {
                pluto_conn_unload(pluto, c, "configuration changed");
            } else if (!pluto_nullable_streq(c->applied_secret, c->secret)) {
                pluto_conn_unload(pluto, c, "pre-shared key changed");
            }
        }
    }

    if (pluto->listen_pending && running) {
        /* "listen" also makes pluto read the keys. */
        pluto_command_queue(pluto, "--listen", NULL);
        VLOG_INFO("%s: addresses changed: pluto listens again",
                  pluto->name);
        pluto->secrets_stale = false;
    }
    pluto->listen_pending = false;

    if (!pluto->fatal_error) {
        pluto_update_secrets(pluto, false);
    }

    /* What pluto has goes first: no batch while the deletions queued above
     * have not run (the caller calls again once vpn_pluto_wait() woke it
     * up). */
    if (pluto_cmds_deleting(pluto)) {
        pluto_cmds_run(pluto);
        if (pluto_cmds_deleting(pluto)) {
            return false;
        }
    }

    /* New and changed tunnels.  Pluto must have their keys before it
     * initiates them: pluto_conns_load() sees to it.  Otherwise, keys that
     * changed are re-read here, or after a batch by pluto_post_load_run(). */
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
        pluto_conns_load(pluto, load, n_load);
        free(load);
        free(sorted);
        if (!vpn_exec_job_is_running(&pluto->load) && !pluto->post_load) {
            pluto_reread_secrets(pluto);
        }
    }

    SHASH_FOR_EACH (node, &pluto->conns) {
        pluto_conn_update(pluto, node->data);
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

/* Returns the number of whack commands queued for 'pluto' that have not
 * finished, the running one included. */
size_t
vpn_pluto_get_n_pending(const struct vpn_pluto *pluto)
{
    return (ovs_list_size(&pluto->cmds)
            + vpn_exec_job_is_running(&pluto->cmd));
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

    vpn_pluto_events_format_log(&c->events, ds);
    return true;
}

/* Appends to 'ds' the last VPN_REPORT_MAX_EVENTS events of tunnel 'name',
 * in the report's format (see vpn-report.h).  Returns false if there is
 * no such tunnel or it has no event. */
bool
vpn_pluto_report_events(const struct vpn_pluto *pluto, const char *name,
                        struct ds *ds)
{
    const struct pluto_conn *c = shash_find_data(&pluto->conns, name);
    return c && c->wanted && vpn_pluto_events_report(&c->events, ds);
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
