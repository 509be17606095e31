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

/* pluto's process for the libreswan driver (see vpn-pluto-private.h):
 * its directories, start with backoff, adoption of a running pluto in the
 * right namespace, supervision, stop, and whack commands. */

#include <config.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
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

VLOG_DEFINE_THIS_MODULE(vpn_pluto_process);

static void pluto_load_conns_dir(struct vpn_pluto *);
static void pluto_load_secrets_file(struct vpn_pluto *);
static void pluto_started(struct vpn_pluto *);
static bool pluto_proc_has_rundir(pid_t, const char *rundir);
static bool pluto_is_socket(const char *path);
static bool pluto_proc_in_netns(pid_t, const char *netns);

extern char **environ;

void
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
bool
pluto_make_dirs(struct vpn_pluto *pluto)
{
    const char *dirs[] = {
        pluto->rundir, pluto->statedir, pluto->nss_dir, pluto->ipsecd_dir,
        pluto->conns_dir,
    };

    for (size_t i = 0; i < ARRAY_SIZE(dirs); i++) {
        if (!pluto_mkdir_p(dirs[i], 0700) || chmod(dirs[i], 0700)) {
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
bool
pluto_try_adopt(struct vpn_pluto *pluto)
{
    char *pid_text = vpn_file_read(pluto->pid_path);
    if (!pid_text) {
        return false;
    }
    int pid_int;
    pid_text[strcspn(pid_text, " \t\r\n")] = '\0';
    bool have_pid = str_to_int(pid_text, 10, &pid_int) && pid_int > 0;
    free(pid_text);
    if (!have_pid || !pluto_proc_is_alive(pid_int)
        || !pluto_proc_has_rundir(pid_int, pluto->rundir)) {
        return false;
    }
    if (!pluto_proc_in_netns(pid_int, pluto->netns)) {
        /* Ours by its directory, but not in the gateway's namespace (one
         * deleted and created again while it ran): it serves nobody. */
        VLOG_WARN("%s: pluto (pid %d) runs in another network namespace "
                  "than %s: killing it", pluto->name, pid_int,
                  pluto->netns ? pluto->netns : "the agent's");
        pluto->pid = pid_int;
        pluto->child = false;
        pluto_kill(pluto);
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
        pluto_kill(pluto);
        pluto->state = PLUTO_STOPPED;
        pluto->pid = 0;
        pluto->adopted = false;
        return false;
    }
    swan_status_clear(&pluto->status);
    swan_status_parse(&pluto->status, ds_cstr(&out));
    sset_clear(&pluto->deleted_ike);
    ds_destroy(&out);

    pluto_load_conns_dir(pluto);
    pluto_load_secrets_file(pluto);

    /* A key written just before the agent died may not have been read;
     * a pluto started by an agent of an earlier version may revive
     * conns (see pluto_start()). */
    pluto_command_queue(pluto, "--rereadsecrets", NULL);
    pluto_command_queue(pluto, "--impair", "revival", NULL);

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
pluto_load_conns_dir(struct vpn_pluto *pluto)
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
                         ? vpn_file_read(path) : NULL;
            if (text) {
                struct pluto_conn *c = pluto_conn_create(pluto, name);
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
 * pluto_update_secrets() wrote it after a "# conn NAME" line. */
static void
pluto_load_secrets_file(struct vpn_pluto *pluto)
{
    char *content = vpn_file_read(pluto->secrets_path);
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
void
pluto_clear_conns_dir(struct vpn_pluto *pluto)
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
bool
pluto_start(struct vpn_pluto *pluto)
{
    long long int now = time_msec();

    if (!pluto_make_dirs(pluto)) {
        return false;
    }

    /* The NSS database, once.  It is made in a directory of its own and
     * renamed into place only when complete: a certutil killed halfway
     * (it takes seconds on an emulated machine) left a database that
     * pluto could not open, and that was never made again.  certutil runs
     * in the background (in 'pluto->cmd', free while pluto is stopped):
     * until it is done, this returns true with pluto still stopped, and
     * vpn_pluto_wait() wakes the caller when it is. */
    char *cert_db = xasprintf("%s/cert9.db", pluto->nss_dir);
    bool have_nss = !access(cert_db, F_OK);
    free(cert_db);
    if (!have_nss) {
        char *tmp = xasprintf("%s.new", pluto->nss_dir);
        char *error = NULL;
        int status;
        if (!vpn_exec_job_is_running(&pluto->cmd)) {
            vpn_file_remove_tree(tmp);
            if (mkdir(tmp, 0700)) {
                error = xasprintf("%s: cannot create directory (%s)", tmp,
                                  ovs_strerror(errno));
            } else {
                char *db = xasprintf("sql:%s", tmp);
                char *argv[] = { CERTUTIL_BIN, "-N", "-d", db,
                                 "--empty-password", NULL };
                int err = vpn_exec_job_start(&pluto->cmd, argv,
                                             VPN_PLUTO_NSS_TIMEOUT_MSEC);
                if (err) {
                    error = xasprintf("cannot run %s (%s)", CERTUTIL_BIN,
                                      ovs_strerror(err));
                } else {
                    free(pluto->cmd_what);
                    pluto->cmd_what = xstrdup("certutil");
                }
                free(db);
            }
            if (!error) {
                free(tmp);
                return true;
            }
        } else if (!vpn_exec_job_reap(&pluto->cmd, &status)) {
            free(tmp);
            return true;
        } else {
            free(pluto->cmd_what);
            pluto->cmd_what = NULL;
            if (status == -1) {
                error = xasprintf("%s killed after %d ms", CERTUTIL_BIN,
                                  VPN_PLUTO_NSS_TIMEOUT_MSEC);
            } else if (!WIFEXITED(status) || WEXITSTATUS(status)) {
                char *msg = process_status_msg(status);
                error = xasprintf("%s %s", CERTUTIL_BIN, msg);
                free(msg);
            }
        }
        if (!error) {
            /* What is there (an empty directory, or the rest of a
             * database that was never completed) holds nothing of use. */
            vpn_file_remove_tree(pluto->nss_dir);
        }
        if (!error && rename(tmp, pluto->nss_dir)) {
            error = xasprintf("%s: cannot move into place (%s)", tmp,
                              ovs_strerror(errno));
        }
        if (error) {
            vpn_file_remove_tree(tmp);
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
    bool ok = vpn_file_write(pluto->conf_path, ds_cstr(&setup), 0600);
    ds_destroy(&setup);
    if (!ok) {
        pluto_set_error(pluto, "cannot write %s (%s)", pluto->conf_path,
                        ovs_strerror(errno));
        return false;
    }
    pluto_update_secrets(pluto, true);
    if (!pluto->secrets_written) {
        return false;
    }
    pluto->secrets_stale = false;
    pluto_clear_conns_dir(pluto);

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
    /* The driver makes every attempt itself (the retry rule, see
     * vpn-pluto.h): pluto must not revive a connection on its own, which
     * it otherwise does with any conn that "whack --initiate" brought up,
     * at once and then every 5, 10, 15... seconds.  libreswan 4.10 has
     * no other switch for it than this "impairment". */
    svec_add(&argv, "--impair");
    svec_add(&argv, "revival");
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
void
pluto_schedule_restart(struct vpn_pluto *pluto)
{
    pluto->restart_at = time_msec() + pluto->backoff_msec;
    pluto->backoff_msec = MIN(pluto->backoff_msec * 2,
                              VPN_PLUTO_BACKOFF_MAX_MSEC);
}

/* PLUTO_STARTING: has pluto opened its control socket yet? */
void
pluto_check_started(struct vpn_pluto *pluto)
{
    char *why;
    if (!pluto_is_alive(pluto, &why)) {
        /* Most likely "ip netns exec" failed: say what it said. */
        char *err = vpn_file_read(pluto->stderr_path);
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
    /* The "listen" runs in the background (in 'pluto->cmd', free until
     * pluto runs): its success says that pluto is up. */
    int status;
    if (vpn_exec_job_is_running(&pluto->cmd)) {
        if (vpn_exec_job_reap(&pluto->cmd, &status)) {
            bool answered = (status != -1
                             && !strstr(ds_cstr(&pluto->cmd.out),
                                        "whack: "));
            free(pluto->cmd_what);
            pluto->cmd_what = NULL;
            if (answered) {
                pluto_started(pluto);
                return;
            }
        }
    } else if (pluto_is_socket(pluto->ctl_path)) {
        char *argv[] = { WHACK_BIN, "--rundir", pluto->rundir, "--listen",
                         NULL };
        if (!vpn_exec_job_start(&pluto->cmd, argv,
                                VPN_PLUTO_CMD_TIMEOUT_MSEC)) {
            free(pluto->cmd_what);
            pluto->cmd_what = xstrdup("--listen");
            /* It reads the keys as the file holds them from now on; a key
             * written later (the caller may give conns before the listen
             * is reaped) makes them stale again. */
            pluto->secrets_stale = false;
        }
    }
    if (time_msec() >= pluto->start_deadline) {
        pluto_kill(pluto);
        pluto_died(pluto, "did not answer on its control socket in time");
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
    pluto_reread_secrets(pluto);

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
    pluto_conns_load(pluto, load, n_load);
    free(load);
    free(sorted);
    pluto->next_poll = now;
}

/* Returns true if pluto's process still exists.  Otherwise, stores in
 * '*why' a malloc'd description of its end. */
bool
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
    if (pluto_proc_is_alive(pluto->pid)) {
        return true;
    }
    *why = xstrdup("exited");
    pluto->pid = 0;
    return false;
}

/* Pluto is gone (or has just been killed): forget what it had and schedule
 * a restart. */
void
pluto_died(struct vpn_pluto *pluto, const char *why)
{
    long long int now = time_msec();

    if (now - pluto->started >= VPN_PLUTO_STABLE_MSEC) {
        pluto->backoff_msec = VPN_PLUTO_BACKOFF_MIN_MSEC;
    }
    pluto_schedule_restart(pluto);
    pluto_load_abort(pluto);
    pluto_poll_abort(pluto);
    pluto_cmds_abort(pluto);
    if (pluto->pid > 0) {
        pluto_kill(pluto);
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
    sset_clear(&pluto->deleted_ike);

    struct shash_node *node;
    SHASH_FOR_EACH (node, &pluto->conns) {
        struct pluto_conn *c = node->data;
        if (c->applied_text) {
            pluto_conn_event(c, false, "pluto %s", why);
        }
        pluto_conn_forget_applied(c);
        pluto_conn_update(pluto, c);
    }
}

/* Kills pluto with SIGKILL and reaps it if it is our child.  (A pluto
 * that is stopped for good gets SIGTERM instead: see pluto_stop().) */
void
pluto_kill(struct vpn_pluto *pluto)
{
    pid_t pid = pluto->pid;
    if (pid <= 0) {
        return;
    }

    long long int deadline = time_msec() + 1000;
    kill(pid, SIGKILL);
    for (;;) {
        if (pluto->child) {
            pid_t retval = waitpid(pid, NULL, WNOHANG);
            if (retval == pid || (retval < 0 && errno == ECHILD)) {
                break;
            }
        } else if (!pluto_proc_is_alive(pid)) {
            break;
        }
        if (time_msec() >= deadline) {
            VLOG_WARN("%s: pluto (pid %ld) survives SIGKILL", pluto->name,
                      (long int) pid);
            break;
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
bool
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
    char *error = pluto_run_command(argv.names, &out);
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

/* Returns true if process 'pid' exists and is not a zombie. */
bool
pluto_proc_is_alive(pid_t pid)
{
    char *path = xasprintf("/proc/%ld/stat", (long int) pid);
    char *stat = vpn_file_read(path);
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
pluto_proc_in_netns(pid_t pid, const char *netns)
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
bool
pluto_check_owner(struct vpn_pluto *pluto)
{
    const char *netns = pluto->netns ? pluto->netns : "";
    char *path = xasprintf("%s/owner", pluto->statedir);
    char *owner = vpn_file_read(path);
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
        if (!vpn_file_write(path, text, 0600)) {
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
pluto_proc_has_rundir(pid_t pid, const char *rundir)
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
pluto_is_socket(const char *path)
{
    struct stat st;
    return !stat(path, &st) && S_ISSOCK(st.st_mode);
}

/* Returns the first of 'dirs'/'name' that is executable, or 'name' (for a
 * PATH search). */
char *
pluto_find_program(const char *name, const char *const *dirs)
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
