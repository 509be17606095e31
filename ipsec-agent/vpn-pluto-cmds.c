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

/* What the libreswan driver (see vpn-pluto-private.h) does in the
 * background so that its caller's main loop never waits for a pluto: the
 * queue of whack commands that change a running pluto, run one at a time
 * and in order, and the plutos being stopped, whose exit is collected and
 * whose directories are removed once they are gone. */

#include <config.h>

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "openvswitch/dynamic-string.h"
#include "openvswitch/list.h"
#include "openvswitch/poll-loop.h"
#include "openvswitch/util.h"
#include "openvswitch/vlog.h"
#include "svec.h"
#include "timeval.h"
#include "util.h"
#include "vpn-exec.h"
#include "vpn-file.h"

#include "vpn-pluto-private.h"

VLOG_DEFINE_THIS_MODULE(vpn_pluto_cmds);

/* A whack command waiting in a driver's 'cmds'. */
struct pluto_cmd {
    struct ovs_list node;
    struct svec argv;
};

/* Queues "whack --rundir RUNDIR ARG..." (a NULL-terminated list) to run in
 * the background, after every command queued before it: the commands
 * whose outcome the driver does not wait for (re-read the keys, initiate,
 * delete, listen), so that a pluto slow to answer (busy with crypto, for
 * seconds) never holds up the caller's main loop.  The order is that of
 * the calls: a conn deleted, then added again by a batch, is deleted
 * first, because vpn_pluto_set_conns() starts no batch while deletions
 * wait (pluto_cmds_deleting()).  A failure is logged; pluto's own log
 * and the status polls say what came of the rest. */
void
pluto_command_queue(struct vpn_pluto *pluto, const char *arg, ...)
{
    struct pluto_cmd *cmd = xmalloc(sizeof *cmd);
    svec_init(&cmd->argv);
    svec_add(&cmd->argv, WHACK_BIN);
    svec_add(&cmd->argv, "--rundir");
    svec_add(&cmd->argv, pluto->rundir);
    va_list args;
    va_start(args, arg);
    for (const char *a = arg; a; a = va_arg(args, const char *)) {
        svec_add(&cmd->argv, a);
    }
    va_end(args);
    svec_terminate(&cmd->argv);
    ovs_list_push_back(&pluto->cmds, &cmd->node);
    pluto_cmds_run(pluto);
}

static void
pluto_cmd_destroy(struct pluto_cmd *cmd)
{
    svec_destroy(&cmd->argv);
    free(cmd);
}

/* Reaps the running queued command, if it has finished, and starts the
 * next one. */
void
pluto_cmds_run(struct vpn_pluto *pluto)
{
    static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 5);
    int status;

    if (vpn_exec_job_is_running(&pluto->cmd)) {
        if (!vpn_exec_job_reap(&pluto->cmd, &status)) {
            return;
        }
        /* As in pluto_command(): whack's own failures say "whack: ". */
        if (status == -1 || strstr(ds_cstr(&pluto->cmd.out), "whack: ")) {
            struct ds line = DS_EMPTY_INITIALIZER;
            pluto_first_line(ds_cstr(&pluto->cmd.out), &line);
            VLOG_WARN_RL(&rl, "%s: whack %s failed: %s", pluto->name,
                         pluto->cmd_what,
                         status == -1 ? "timed out" : ds_cstr(&line));
            ds_destroy(&line);
        }
        free(pluto->cmd_what);
        pluto->cmd_what = NULL;
    }

    while (!ovs_list_is_empty(&pluto->cmds)) {
        struct pluto_cmd *cmd = CONTAINER_OF(ovs_list_pop_front(&pluto->cmds),
                                             struct pluto_cmd, node);
        int error = (pluto->state != PLUTO_RUNNING ? 0
                     : vpn_exec_job_start(&pluto->cmd, cmd->argv.names,
                                          VPN_PLUTO_CMD_TIMEOUT_MSEC));
        if (error) {
            VLOG_WARN_RL(&rl, "%s: whack %s: %s", pluto->name,
                         cmd->argv.names[3], ovs_strerror(error));
        } else if (vpn_exec_job_is_running(&pluto->cmd)) {
            pluto->cmd_what = xstrdup(cmd->argv.names[3]);
        }
        pluto_cmd_destroy(cmd);
        if (vpn_exec_job_is_running(&pluto->cmd)) {
            break;
        }
    }
}

void
pluto_cmds_wait(const struct vpn_pluto *pluto)
{
    vpn_exec_job_wait(&pluto->cmd);
}

/* Returns true if a queued "delete" waits or runs: a batch that adds
 * conns again must come after them, though not after every initiation
 * queued before it (a thousand of those, at a retry, take seconds). */
bool
pluto_cmds_deleting(const struct vpn_pluto *pluto)
{
    if (vpn_exec_job_is_running(&pluto->cmd)
        && !strcmp(pluto->cmd_what, "--delete")) {
        return true;
    }
    const struct pluto_cmd *cmd;
    LIST_FOR_EACH (cmd, node, &pluto->cmds) {
        if (!strcmp(cmd->argv.names[3], "--delete")) {
            return true;
        }
    }
    return false;
}

/* Forgets the queued commands and kills the running one (pluto died, or
 * the driver goes away). */
void
pluto_cmds_abort(struct vpn_pluto *pluto)
{
    struct pluto_cmd *cmd;
    LIST_FOR_EACH_POP (cmd, node, &pluto->cmds) {
        pluto_cmd_destroy(cmd);
    }
    vpn_exec_job_destroy(&pluto->cmd);
    vpn_exec_job_init(&pluto->cmd);
    free(pluto->cmd_what);
    pluto->cmd_what = NULL;
}

/* Plutos being stopped.  vpn_pluto_destroy() sends pluto SIGTERM and
 * leaves the rest to vpn_pluto_stopping_run(): waiting for its exit,
 * SIGKILL if it is still there STOP_TIMEOUT_MSEC later, then removing its
 * directories.  A caller's main loop thus never waits for a pluto to exit
 * (fifty gateways removed at once took five seconds of it). */
struct pluto_stopping {
    struct ovs_list node;       /* In 'stopping'. */
    char *name;
    pid_t pid;
    bool child;                 /* waitpid() works. */
    bool killed;                /* SIGKILL sent. */
    long long int deadline;
    char *rundir, *statedir, *ctl_path, *pid_path;
};

static struct ovs_list stopping = OVS_LIST_INITIALIZER(&stopping);

/* Removes 'pluto''s files and directories, logging 'why'. */
static void
pluto_remove_dirs(const char *name, const char *rundir, const char *statedir,
                  const char *ctl_path, const char *pid_path)
{
    unlink(ctl_path);
    unlink(pid_path);
    if (rmdir(rundir) && errno != ENOENT) {
        VLOG_WARN("%s: %s: cannot remove (%s)", name, rundir,
                  ovs_strerror(errno));
    }
    vpn_file_remove_tree(statedir);
    VLOG_INFO("%s: pluto stopped and state removed", name);
}

/* Stops 'pluto' (see 'stopping') and removes its directories, now if it
 * has no process, otherwise once its process has exited. */
void
pluto_stop(struct vpn_pluto *pluto)
{
    if (pluto->pid <= 0) {
        pluto_remove_dirs(pluto->name, pluto->rundir, pluto->statedir,
                          pluto->ctl_path, pluto->pid_path);
        return;
    }

    struct pluto_stopping *ps = xmalloc(sizeof *ps);
    ps->name = xstrdup(pluto->name);
    ps->pid = pluto->pid;
    ps->child = pluto->child;
    ps->killed = false;
    ps->deadline = time_msec() + STOP_TIMEOUT_MSEC;
    ps->rundir = xstrdup(pluto->rundir);
    ps->statedir = xstrdup(pluto->statedir);
    ps->ctl_path = xstrdup(pluto->ctl_path);
    ps->pid_path = xstrdup(pluto->pid_path);
    ovs_list_push_back(&stopping, &ps->node);
    kill(ps->pid, SIGTERM);
    pluto->pid = 0;
    pluto->child = false;
}

static void
pluto_stopping_destroy(struct pluto_stopping *ps)
{
    ovs_list_remove(&ps->node);
    free(ps->name);
    free(ps->rundir);
    free(ps->statedir);
    free(ps->ctl_path);
    free(ps->pid_path);
    free(ps);
}

/* Finishes what it can of the plutos being stopped, without waiting. */
void
vpn_pluto_stopping_run(void)
{
    long long int now = time_msec();
    struct pluto_stopping *ps;
    LIST_FOR_EACH_SAFE (ps, node, &stopping) {
        bool exited;
        if (ps->child) {
            pid_t retval = waitpid(ps->pid, NULL, WNOHANG);
            exited = retval == ps->pid || (retval < 0 && errno == ECHILD);
        } else {
            exited = !pluto_proc_is_alive(ps->pid);
        }
        if (!exited && now >= ps->deadline) {
            if (!ps->killed) {
                VLOG_WARN("%s: pluto (pid %ld) ignores SIGTERM: killing it",
                          ps->name, (long int) ps->pid);
                kill(ps->pid, SIGKILL);
                ps->killed = true;
                ps->deadline = now + 1000;
                continue;
            }
            VLOG_WARN("%s: pluto (pid %ld) survives SIGKILL", ps->name,
                      (long int) ps->pid);
            exited = true;
        }
        if (exited) {
            pluto_remove_dirs(ps->name, ps->rundir, ps->statedir,
                              ps->ctl_path, ps->pid_path);
            pluto_stopping_destroy(ps);
        }
    }
}

void
vpn_pluto_stopping_wait(void)
{
    if (!ovs_list_is_empty(&stopping)) {
        poll_timer_wait(10);
    }
}

/* Waits until every pluto being stopped whose run directory is 'rundir'
 * (every one, if 'rundir' is NULL) has exited and its directories are
 * gone: before a driver takes over the same directories, and before the
 * program exits. */
void
vpn_pluto_stopping_flush(const char *rundir)
{
    for (;;) {
        bool waiting = false;
        struct pluto_stopping *ps;
        LIST_FOR_EACH (ps, node, &stopping) {
            waiting = waiting || !rundir || !strcmp(ps->rundir, rundir);
        }
        if (!waiting) {
            return;
        }
        vpn_pluto_stopping_run();
        xnanosleep(10 * 1000 * 1000);
    }
}
