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

/* The kernel side of the plumbing in a thread of its own (see
 * vpn-plumb-private.h), so that the caller's main loop never waits for an
 * "ip" command: one job at a time (make or repair one gateway's namespace,
 * remove one, or look for leftovers), handed over and collected by the
 * main thread.  A job carries copies of everything it reads and writes;
 * the worker touches nothing else. */

#include <config.h>

#include <string.h>

#include "latch.h"
#include "openvswitch/util.h"
#include "openvswitch/vlog.h"
#include "ovs-thread.h"
#include "sset.h"
#include "util.h"

#include "vpn-plumb-private.h"

VLOG_DEFINE_THIS_MODULE(vpn_plumb_worker);

struct plumb_worker {
    pthread_t thread;
    struct ovs_mutex mutex;
    pthread_cond_t cond;        /* Signals 'pending', 'done' or
                                 * 'exiting'. */
    struct latch done_latch;    /* Set when 'done' is filled. */

    /* Protected by 'mutex'. */
    struct plumb_job *pending;  /* Handed over, not yet taken. */
    struct plumb_job *done;     /* Finished, not yet collected. */
    bool busy;                  /* A job is handed over or running. */
    bool exiting;
};

/* Runs 'job' in the calling thread, as the namespace prefix 'prefix''s
 * plumbing. */
void
plumb_job_run(struct plumb_job *job, const char *prefix)
{
    /* The kernel functions read only the prefix and count commands. */
    struct vpn_plumb p;
    memset(&p, 0, sizeof p);
    p.prefix = CONST_CAST(char *, prefix);

    switch (job->kind) {
    case PLUMB_JOB_SYNC:
        job->error = plumb_sync_kernel(&p, &job->gw, job->cfg);
        break;
    case PLUMB_JOB_REMOVE:
        job->error = plumb_remove_kernel(&p, job->gw.netns, job->gw.host);
        break;
    case PLUMB_JOB_SCAN:
        plumb_scan_leftovers(&p, &job->wanted);
        break;
    default:
        OVS_NOT_REACHED();
    }
    job->stats = p.stats;
}

void
plumb_job_destroy(struct plumb_job *job)
{
    if (job) {
        free(job->prefix);
        free(job->gw.name);
        free(job->gw.netns);
        plumb_config_destroy(job->cfg);
        sset_destroy(&job->wanted);
        free(job->error);
        free(job);
    }
}

static void *
plumb_worker_main(void *worker_)
{
    struct plumb_worker *worker = worker_;

    ovs_mutex_lock(&worker->mutex);
    for (;;) {
        while (!worker->pending && !worker->exiting) {
            ovs_mutex_cond_wait(&worker->cond, &worker->mutex);
        }
        if (worker->exiting) {
            break;
        }
        struct plumb_job *job = worker->pending;
        worker->pending = NULL;
        ovs_mutex_unlock(&worker->mutex);

        plumb_job_run(job, job->prefix);

        ovs_mutex_lock(&worker->mutex);
        worker->done = job;
        latch_set(&worker->done_latch);
        xpthread_cond_broadcast(&worker->cond);
    }
    ovs_mutex_unlock(&worker->mutex);
    return NULL;
}

struct plumb_worker *
plumb_worker_create(void)
{
    struct plumb_worker *worker = xzalloc(sizeof *worker);
    ovs_mutex_init(&worker->mutex);
    xpthread_cond_init(&worker->cond, NULL);
    latch_init(&worker->done_latch);
    worker->thread = ovs_thread_create("vpn_plumb", plumb_worker_main,
                                       worker);
    return worker;
}

/* Stops the worker, after the job it runs, if any (whose result is
 * lost). */
void
plumb_worker_destroy(struct plumb_worker *worker)
{
    if (worker) {
        ovs_mutex_lock(&worker->mutex);
        worker->exiting = true;
        xpthread_cond_broadcast(&worker->cond);
        ovs_mutex_unlock(&worker->mutex);
        xpthread_join(worker->thread, NULL);

        plumb_job_destroy(worker->pending);
        plumb_job_destroy(worker->done);
        latch_destroy(&worker->done_latch);
        xpthread_cond_destroy(&worker->cond);
        ovs_mutex_destroy(&worker->mutex);
        free(worker);
    }
}

/* Returns true if a job was handed over and not yet collected. */
bool
plumb_worker_busy(struct plumb_worker *worker)
{
    ovs_mutex_lock(&worker->mutex);
    bool busy = worker->busy;
    ovs_mutex_unlock(&worker->mutex);
    return busy;
}

/* Hands 'job' over to the worker, which must not be busy. */
void
plumb_worker_submit(struct plumb_worker *worker, struct plumb_job *job)
{
    ovs_mutex_lock(&worker->mutex);
    ovs_assert(!worker->busy);
    worker->busy = true;
    worker->pending = job;
    xpthread_cond_broadcast(&worker->cond);
    ovs_mutex_unlock(&worker->mutex);
}

/* Returns the finished job, for the caller to apply and destroy, or NULL
 * if none has finished. */
struct plumb_job *
plumb_worker_collect(struct plumb_worker *worker)
{
    latch_poll(&worker->done_latch);
    ovs_mutex_lock(&worker->mutex);
    struct plumb_job *job = worker->done;
    worker->done = NULL;
    if (job) {
        worker->busy = false;
    }
    ovs_mutex_unlock(&worker->mutex);
    return job;
}

/* Waits until the worker, if busy, has finished its job, and returns the
 * job (NULL if it was not busy). */
struct plumb_job *
plumb_worker_finish(struct plumb_worker *worker)
{
    ovs_mutex_lock(&worker->mutex);
    while (worker->busy && !worker->done) {
        ovs_mutex_cond_wait(&worker->cond, &worker->mutex);
    }
    ovs_mutex_unlock(&worker->mutex);
    return plumb_worker_collect(worker);
}

/* Wakes the poll loop when a job has finished. */
void
plumb_worker_wait(struct plumb_worker *worker)
{
    latch_wait(&worker->done_latch);
}
