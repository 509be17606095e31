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

/* Runs a helper program with an argument vector, never through a shell,
 * feeding it optional input and collecting its output (see vpn-exec.h). */

#include <config.h>

#include "vpn-exec.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fatal-signal.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/poll-loop.h"
#include "openvswitch/util.h"
#include "openvswitch/vlog.h"
#include "process.h"
#include "socket-util.h"
#include "timeval.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(vpn_exec);

extern char **environ;

/* Output beyond this many bytes per stream is read and dropped. */
#define VPN_EXEC_MAX_OUTPUT (16 * 1024 * 1024)

static int spawn(char *const argv[], bool with_input, pid_t *pidp,
                 int *in_fd, int *out_fd, int *err_fd);
static void close_fd(int *fd);
static bool read_some(int *fd, struct ds *);
static char *describe_failure(char *const argv[], const char *what,
                              const struct ds *err);

/* Runs 'argv' (see the file comment), with 'input' (if nonnull) as its
 * standard input.  Appends what it writes to its standard output to 'out'
 * and to its standard error to 'err' (each may be NULL to discard).
 *
 * Returns NULL if the program ran and exited with status 0.  Otherwise
 * returns a malloc'd message naming the command, how it ended and the
 * first line of its standard error, for example
 * "ip link del vpn0: exit status 1 (Cannot find device "vpn0")"; 'out'
 * and 'err' hold whatever it printed, for callers that recognise
 * particular failures. */
char *
vpn_exec(char *const argv[], const char *input, long long timeout_ms,
         struct ds *out, struct ds *err)
{
    int status;
    return vpn_exec_status(argv, input, timeout_ms, out, err, &status);
}

/* Like vpn_exec(), and also stores in '*statusp' the child's wait status
 * (as from waitpid()), or -1 if it could not be started or was killed
 * for taking too long. */
char *
vpn_exec_status(char *const argv[], const char *input, long long timeout_ms,
                struct ds *out, struct ds *err, int *statusp)
{
    struct ds out_buf = DS_EMPTY_INITIALIZER;
    struct ds err_buf = DS_EMPTY_INITIALIZER;
    struct ds *outp = out ? out : &out_buf;
    struct ds *errp = err ? err : &err_buf;
    size_t err_start = errp->length;
    int in_fd, out_fd, err_fd;
    pid_t pid;
    char *error = NULL;

    *statusp = -1;
    int retval = spawn(argv, input != NULL, &pid, &in_fd, &out_fd, &err_fd);
    if (retval) {
        error = describe_failure(argv, ovs_strerror(retval), NULL);
        goto exit;
    }

    size_t in_ofs = 0, in_len = input ? strlen(input) : 0;
    if (in_fd >= 0 && !in_len) {
        close_fd(&in_fd);
    }

    long long int deadline = time_msec() + timeout_ms;
    bool timed_out = false;
    while (in_fd >= 0 || out_fd >= 0 || err_fd >= 0) {
        struct pollfd pfds[3];
        int n = 0;

        if (in_fd >= 0) {
            pfds[n++] = (struct pollfd) { .fd = in_fd, .events = POLLOUT };
        }
        if (out_fd >= 0) {
            pfds[n++] = (struct pollfd) { .fd = out_fd, .events = POLLIN };
        }
        if (err_fd >= 0) {
            pfds[n++] = (struct pollfd) { .fd = err_fd, .events = POLLIN };
        }

        /* A daemon waiting here still exits at once on SIGTERM, as it
         * does in poll_block(). */
        fatal_signal_run();
        long long int left = deadline - time_msec();
        if (left <= 0) {
            timed_out = true;
            break;
        }
        retval = poll(pfds, n, MIN(left, INT_MAX));
        if (retval < 0 && errno != EINTR) {
            VLOG_WARN("poll failed: %s", ovs_strerror(errno));
            timed_out = true;
            break;
        } else if (retval <= 0) {
            continue;
        }

        for (int i = 0; i < n; i++) {
            if (!pfds[i].revents) {
                continue;
            }
            if (pfds[i].fd == in_fd) {
                ssize_t w = send(in_fd, input + in_ofs, in_len - in_ofs,
                                 MSG_NOSIGNAL | MSG_DONTWAIT);
                if (w > 0) {
                    in_ofs += w;
                }
                if (in_ofs >= in_len
                    || (w < 0 && errno != EAGAIN && errno != EINTR)) {
                    close_fd(&in_fd);
                }
            } else if (pfds[i].fd == out_fd) {
                read_some(&out_fd, outp);
            } else if (pfds[i].fd == err_fd) {
                read_some(&err_fd, errp);
            }
        }
    }
    close_fd(&in_fd);
    close_fd(&out_fd);
    close_fd(&err_fd);

    if (timed_out) {
        kill(pid, SIGKILL);
    }

    /* A child that closed its output may still be running: give it until
     * the deadline too. */
    int status;
    for (;;) {
        retval = waitpid(pid, &status, timed_out ? 0 : WNOHANG);
        if (retval < 0 && errno == EINTR) {
            continue;
        } else if (retval || time_msec() < deadline) {
            if (!retval) {
                xnanosleep(100 * 1000);
                continue;
            }
            break;
        }
        timed_out = true;
        kill(pid, SIGKILL);
    }

    struct ds err_text = DS_EMPTY_INITIALIZER;
    if (errp->length > err_start) {
        ds_put_buffer(&err_text, errp->string + err_start,
                      errp->length - err_start);
    }
    if (retval < 0) {
        error = describe_failure(argv, ovs_strerror(errno), &err_text);
    } else if (timed_out) {
        char *what = xasprintf("killed after %lld ms", timeout_ms);
        error = describe_failure(argv, what, &err_text);
        free(what);
    } else {
        *statusp = status;
        if (status) {
            char *what = process_status_msg(status);
            error = describe_failure(argv, what, &err_text);
            free(what);
        }
    }
    ds_destroy(&err_text);

exit:
    ds_destroy(&out_buf);
    ds_destroy(&err_buf);
    return error;
}

/* Returns 'argv' as a malloc'd string for messages, its elements separated
 * by spaces and quoted where they need it. */
char *
vpn_exec_format_argv(char *const argv[])
{
    return process_escape_args(CONST_CAST(char **, argv));
}

/* Starts 'argv' with stdin from /dev/null, stdout and stderr to 'out_fd',
 * no other file descriptor, default signal handling and mask, and, if
 * 'new_session', in a session of its own (so that signals for the caller's
 * terminal or process group do not reach it).  Stores its pid in '*pidp'
 * and returns 0, or returns a positive errno value. */
int
vpn_exec_start(char *const argv[], int out_fd, bool new_session,
               pid_t *pidp)
{
    static const int default_signals[] = {
        SIGPIPE, SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGALRM, SIGCHLD,
        SIGUSR1, SIGUSR2,
    };
    posix_spawn_file_actions_t actions;
    posix_spawnattr_t attr;
    sigset_t mask, defaults;

    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&actions, out_fd, 1);
    posix_spawn_file_actions_adddup2(&actions, out_fd, 2);
    posix_spawn_file_actions_addclosefrom_np(&actions, 3);

    posix_spawnattr_init(&attr);
    sigemptyset(&mask);
    sigemptyset(&defaults);
    for (size_t i = 0; i < ARRAY_SIZE(default_signals); i++) {
        sigaddset(&defaults, default_signals[i]);
    }
    posix_spawnattr_setsigmask(&attr, &mask);
    posix_spawnattr_setsigdefault(&attr, &defaults);
    posix_spawnattr_setflags(&attr, (POSIX_SPAWN_SETSIGMASK
                                     | POSIX_SPAWN_SETSIGDEF
                                     | (new_session ? POSIX_SPAWN_SETSID
                                        : 0)));

    int error = posix_spawnp(pidp, argv[0], &actions, &attr, argv, environ);

    posix_spawnattr_destroy(&attr);
    posix_spawn_file_actions_destroy(&actions);
    return error;
}

/* Commands run without blocking. */

/* Output of a job beyond this many bytes is read and dropped. */
#define VPN_EXEC_JOB_MAX_OUTPUT 65536

void
vpn_exec_job_init(struct vpn_exec_job *job)
{
    job->pid = 0;
    job->fd = -1;
    job->eof = false;
    ds_init(&job->out);
    job->started = 0;
    job->timeout_ms = 0;
}

/* Kills and reaps the command of 'job' if it still runs, and frees what
 * 'job' holds. */
void
vpn_exec_job_destroy(struct vpn_exec_job *job)
{
    if (job->pid) {
        pid_t retval;
        kill(job->pid, SIGKILL);
        do {
            retval = waitpid(job->pid, NULL, 0);
        } while (retval < 0 && errno == EINTR);
        job->pid = 0;
    }
    close_fd(&job->fd);
    ds_destroy(&job->out);
}

/* Starts 'argv' (as vpn_exec_start() does, in a session of its own) as the
 * command of 'job', which must not have one running, to be killed after
 * 'timeout_ms' (0: never).  Returns 0 or a positive errno value. */
int
vpn_exec_job_start(struct vpn_exec_job *job, char *const argv[],
                   long long int timeout_ms)
{
    ovs_assert(!job->pid);
    int fds[2];
    if (pipe2(fds, O_CLOEXEC | O_NONBLOCK)) {
        return errno;
    }
    pid_t pid;
    int error = vpn_exec_start(argv, fds[1], true, &pid);
    close(fds[1]);
    if (error) {
        close(fds[0]);
        return error;
    }
    job->pid = pid;
    job->fd = fds[0];
    job->eof = false;
    ds_clear(&job->out);
    job->started = time_msec();
    job->timeout_ms = timeout_ms;
    return 0;
}

/* Collects what the command of 'job' printed so far and, if it has exited,
 * reaps it: then returns true, with its wait status in '*status', or -1 if
 * it was killed for running past its timeout, and its output in
 * 'job->out'.  Returns false while it runs.  Never waits. */
bool
vpn_exec_job_reap(struct vpn_exec_job *job, int *status)
{
    ovs_assert(job->pid);
    while (!job->eof) {
        char buf[4096];
        ssize_t n = read(job->fd, buf, sizeof buf);
        if (n > 0) {
            if (job->out.length < VPN_EXEC_JOB_MAX_OUTPUT) {
                ds_put_buffer(&job->out, buf, n);
            }
        } else if (!n || (errno != EAGAIN && errno != EINTR)) {
            job->eof = true;
        } else if (errno == EAGAIN) {
            break;
        }
    }

    bool timed_out = (job->timeout_ms
                      && time_msec() - job->started >= job->timeout_ms);
    if (timed_out) {
        kill(job->pid, SIGKILL);
    } else if (!job->eof) {
        return false;
    }

    /* It closed its output (and exits in a moment) or was killed. */
    pid_t retval;
    do {
        retval = waitpid(job->pid, status, timed_out ? 0 : WNOHANG);
    } while (retval < 0 && errno == EINTR);
    if (!retval) {
        return false;
    } else if (retval < 0) {
        VLOG_WARN("waitpid(%ld) failed (%s)", (long int) job->pid,
                  ovs_strerror(errno));
        *status = 0;
    } else if (timed_out) {
        *status = -1;
    }
    close_fd(&job->fd);
    job->pid = 0;
    return true;
}

/* Arranges for poll_block() to wake up when the command of 'job' has
 * printed something, exited or run past its timeout. */
void
vpn_exec_job_wait(const struct vpn_exec_job *job)
{
    if (!job->pid) {
        return;
    }
    if (job->eof) {
        /* It closed its output: it exits in a moment. */
        poll_timer_wait(1);
    } else {
        poll_fd_wait(job->fd, POLLIN);
    }
    if (job->timeout_ms) {
        poll_timer_wait_until(job->started + job->timeout_ms);
    }
}

/* Static functions. */

/* Starts 'argv' with its standard output and error on pipes (returned in
 * '*out_fd' and '*err_fd') and its standard input on a socket ('*in_fd')
 * if 'with_input', otherwise on /dev/null ('*in_fd' set to -1).  Returns
 * 0 or a positive errno value. */
static int
spawn(char *const argv[], bool with_input, pid_t *pidp,
      int *in_fd, int *out_fd, int *err_fd)
{
    int in[2] = { -1, -1 }, out[2] = { -1, -1 }, err[2] = { -1, -1 };
    posix_spawn_file_actions_t actions;
    posix_spawnattr_t attr;
    int error = 0;

    *in_fd = *out_fd = *err_fd = -1;
    if ((with_input
         && socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, in))
        || pipe2(out, O_CLOEXEC) || pipe2(err, O_CLOEXEC)) {
        error = errno;
        goto close;
    }

    posix_spawn_file_actions_init(&actions);
    if (with_input) {
        posix_spawn_file_actions_adddup2(&actions, in[0], STDIN_FILENO);
    } else {
        posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null",
                                         O_RDONLY, 0);
    }
    posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
    posix_spawn_file_actions_adddup2(&actions, err[1], STDERR_FILENO);
#if defined(__GLIBC__) && defined(__GLIBC_PREREQ)
#if __GLIBC_PREREQ(2, 34)
    posix_spawn_file_actions_addclosefrom_np(&actions, STDERR_FILENO + 1);
#endif
#endif

    /* The child starts with no blocked signals and with SIGPIPE and SIGCHLD
     * at their defaults, whatever the caller (OVS ignores SIGPIPE) did. */
    sigset_t mask, defaults;
    sigemptyset(&mask);
    sigemptyset(&defaults);
    sigaddset(&defaults, SIGPIPE);
    sigaddset(&defaults, SIGCHLD);
    posix_spawnattr_init(&attr);
    posix_spawnattr_setsigmask(&attr, &mask);
    posix_spawnattr_setsigdefault(&attr, &defaults);
    posix_spawnattr_setflags(&attr,
                             POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);

    error = posix_spawnp(pidp, argv[0], &actions, &attr, argv, environ);
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
    if (!error) {
        *in_fd = in[1];
        in[1] = -1;
        *out_fd = out[0];
        out[0] = -1;
        *err_fd = err[0];
        err[0] = -1;
    }

close:
    for (int i = 0; i < 2; i++) {
        close_fd(&in[i]);
        close_fd(&out[i]);
        close_fd(&err[i]);
    }
    return error;
}

static void
close_fd(int *fd)
{
    if (*fd >= 0) {
        close(*fd);
        *fd = -1;
    }
}

/* Reads what is available on '*fd' into 's', closing '*fd' at end of file
 * or on error.  Returns false if it closed '*fd'. */
static bool
read_some(int *fd, struct ds *s)
{
    char buf[4096];
    ssize_t n;

    do {
        n = read(*fd, buf, sizeof buf);
    } while (n < 0 && errno == EINTR);

    if (n > 0) {
        if (s->length < VPN_EXEC_MAX_OUTPUT) {
            ds_put_buffer(s, buf, n);
        }
        return true;
    }
    close_fd(fd);
    return false;
}

static char *
describe_failure(char *const argv[], const char *what, const struct ds *err)
{
    struct ds s = DS_EMPTY_INITIALIZER;
    char *cmd = vpn_exec_format_argv(argv);

    ds_put_format(&s, "%s: %s", cmd, what);
    free(cmd);

    if (err && err->length) {
        const char *text = err->string;
        size_t len = strcspn(text, "\n");

        ds_put_format(&s, " (%.*s)", (int) len, text);
    }
    return ds_steal_cstr(&s);
}
