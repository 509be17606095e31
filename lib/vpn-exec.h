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

#ifndef VPN_EXEC_H
#define VPN_EXEC_H 1

/* Running a short-lived helper program (ip, ethtool, sysctl, ipsec) and
 * collecting what it prints, without a shell.
 *
 * vpn_exec() starts argv[0], looked up in PATH, with exactly the argument
 * vector 'argv' through posix_spawnp(): no shell ever parses a command
 * line, so no argument can be reinterpreted, whatever it contains.  The
 * child gets 'input' on its standard input (or /dev/null), its standard
 * output and error are collected, and every other file descriptor of the
 * caller is closed in the child (glibc 2.34 or later; older ones rely on
 * close-on-exec).  The call blocks until the child exits or 'timeout_ms'
 * milliseconds have passed, in which case the child is killed.  It is
 * meant for commands that take milliseconds; long-running daemons belong
 * to OVS's lib/process.h.
 *
 * OVS's process_start() does not capture output, hence this module.  It
 * reaps only its own child with waitpid(pid), so it coexists with
 * lib/process.h's SIGCHLD handling, and it writes the input through a
 * socket with MSG_NOSIGNAL, so a child that exits early cannot raise
 * SIGPIPE in the caller.
 *
 * vpn_exec_start() starts a long-running program the same way, without
 * waiting for it: standard input from /dev/null, standard output and
 * error to a given descriptor, default signal dispositions and mask, and
 * optionally a session of its own, so that signals meant for the caller's
 * terminal or process group do not reach it.  The caller reaps it.
 *
 * A "struct vpn_exec_job" runs a short-lived command without blocking the
 * caller's main loop: vpn_exec_job_start() starts it (started as by
 * vpn_exec_start(), its output on a pipe), vpn_exec_job_reap() collects
 * its output as it comes and reaps it once it exits, or kills it once it
 * has run for its timeout, and vpn_exec_job_wait() wakes poll_block() for
 * either. */

#include <stdbool.h>
#include <sys/types.h>

#include "openvswitch/compiler.h"
#include "openvswitch/dynamic-string.h"

struct ds;

struct vpn_exec_job {
    pid_t pid;                  /* 0 if none runs. */
    int fd;                     /* Its output (stdout and stderr). */
    bool eof;                   /* 'fd' is at its end. */
    struct ds out;              /* What it printed, up to 64 kB. */
    long long int started;      /* time_msec() it started. */
    long long int timeout_ms;
};

void vpn_exec_job_init(struct vpn_exec_job *);
void vpn_exec_job_destroy(struct vpn_exec_job *);
int vpn_exec_job_start(struct vpn_exec_job *, char *const argv[],
                       long long int timeout_ms) OVS_WARN_UNUSED_RESULT;
bool vpn_exec_job_reap(struct vpn_exec_job *, int *status);
void vpn_exec_job_wait(const struct vpn_exec_job *);

static inline bool
vpn_exec_job_is_running(const struct vpn_exec_job *job)
{
    return job->pid != 0;
}

/* A default for 'timeout_ms'. */
#define VPN_EXEC_TIMEOUT_MS 10000

char *vpn_exec(char *const argv[], const char *input, long long timeout_ms,
               struct ds *out, struct ds *err)
    OVS_WARN_UNUSED_RESULT;

char *vpn_exec_status(char *const argv[], const char *input,
                      long long timeout_ms, struct ds *out, struct ds *err,
                      int *statusp)
    OVS_WARN_UNUSED_RESULT;

char *vpn_exec_format_argv(char *const argv[]);

/* Long-running children (daemons such as pluto). */
int vpn_exec_start(char *const argv[], int out_fd, bool new_session,
                   pid_t *pidp) OVS_WARN_UNUSED_RESULT;

#endif /* vpn-exec.h */
