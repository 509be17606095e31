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

/* Creates, repairs, adopts and removes the network namespace, veth pair
 * and integration-bridge port of each VPN gateway placed on this chassis,
 * with iproute2 for the kernel and the agent's Open_vSwitch IDL for OVS
 * (see vpn-plumb.h for the model and the reasons). */

#include <config.h>

#include "vpn-plumb.h"
#include "vpn-plumb-private.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>

#include "openvswitch/dynamic-string.h"
#include "openvswitch/hmap.h"
#include "openvswitch/json.h"
#include "openvswitch/poll-loop.h"
#include "openvswitch/shash.h"
#include "openvswitch/util.h"
#include "openvswitch/vlog.h"
#include "hash.h"
#include "ovsdb-idl.h"
#include "packets.h"
#include "sha1.h"
#include "smap.h"
#include "socket-util.h"
#include "sset.h"
#include "svec.h"
#include "timeval.h"
#include "util.h"
#include "vpn-exec.h"
#include "vpn-params.h"
#include "vpn-validate.h"
#include "vswitch-idl.h"

VLOG_DEFINE_THIS_MODULE(vpn_plumb);

static struct plumb_gw *plumb_gw_find(const struct vpn_plumb *plumb,
                                      const char *name);
static struct plumb_gw *plumb_gw_create(struct vpn_plumb *plumb,
                                        const char *name);
static void plumb_gw_destroy(struct plumb_gw *gw);
static char *plumb_config_from_gateway(const struct vpn_plumb_gateway *g,
                                       struct plumb_config **cfgp);
static bool plumb_config_equals(const struct plumb_config *a,
                                const struct plumb_config *b);

/* Where "ip netns" keeps its namespaces (iproute2's NETNS_RUN_DIR). */

/* Returns NULL if 'prefix' can be a namespace prefix, otherwise an error
 * message: 1 to VPN_PLUMB_PREFIX_MAX_LEN ASCII letters and digits. */
char *
vpn_plumb_check_prefix(const char *prefix)
{
    size_t len = prefix ? strlen(prefix) : 0;

    if (!len || len > VPN_PLUMB_PREFIX_MAX_LEN) {
        return xasprintf("namespace prefix \"%s\" must have 1 to %d "
                         "characters", prefix ? prefix : "",
                         VPN_PLUMB_PREFIX_MAX_LEN);
    }
    for (const char *p = prefix; *p; p++) {
        unsigned char c = *p;
        if (!(c < 128 && isalnum(c))) {
            return xasprintf("namespace prefix \"%s\" may contain only "
                             "letters and digits", prefix);
        }
    }
    return NULL;
}

/* Creates a plumbing instance for namespaces named "PREFIX-..." (see
 * vpn_plumb_check_prefix()) and ports on 'bridge' (NULL for
 * VPN_PLUMB_DEFAULT_PREFIX and VPN_PLUMB_DEFAULT_BRIDGE).  Touches nothing
 * until the first vpn_plumb_run().  Returns NULL and stores the instance
 * in '*plumbp', or returns an error message. */
char *
vpn_plumb_create(const char *prefix, const char *bridge,
                 struct vpn_plumb **plumbp)
{
    *plumbp = NULL;
    prefix = prefix ? prefix : VPN_PLUMB_DEFAULT_PREFIX;
    bridge = bridge ? bridge : VPN_PLUMB_DEFAULT_BRIDGE;

    char *error = vpn_plumb_check_prefix(prefix);
    if (error) {
        return error;
    }
    if (!bridge[0]) {
        return xstrdup("bridge name must not be empty");
    }

    struct vpn_plumb *plumb = xzalloc(sizeof *plumb);
    plumb->prefix = xstrdup(prefix);
    plumb->bridge = xstrdup(bridge);
    hmap_init(&plumb->gateways);
    plumb->check_interval = VPN_PLUMB_CHECK_INTERVAL_MS;
    plumb->time_budget = VPN_PLUMB_TIME_BUDGET_MS;
    plumb->next_scan = LLONG_MIN;
    *plumbp = plumb;
    return NULL;
}

/* Frees 'plumb' without touching the kernel or OVS: namespaces, links and
 * ports stay for the next instance to adopt. */
void
vpn_plumb_destroy(struct vpn_plumb *plumb)
{
    if (plumb) {
        struct plumb_gw *gw;

        plumb_worker_destroy(plumb->worker);
        HMAP_FOR_EACH_POP (gw, node, &plumb->gateways) {
            plumb_gw_destroy(gw);
        }
        hmap_destroy(&plumb->gateways);
        free(plumb->prefix);
        free(plumb->bridge);
        free(plumb);
    }
}

/* Makes the next runs attach ports to 'bridge' (moving existing ones). */
void
vpn_plumb_set_bridge(struct vpn_plumb *plumb, const char *bridge)
{
    if (bridge && bridge[0] && strcmp(bridge, plumb->bridge)) {
        free(plumb->bridge);
        plumb->bridge = xstrdup(bridge);
    }
}

/* Sets how often each gateway's kernel state is re-read and repaired, and
 * how often leftover namespaces are looked for (at least 1 s). */
void
vpn_plumb_set_check_interval(struct vpn_plumb *plumb, long long int msec)
{
    plumb->check_interval = MAX(msec, 1000);
}

/* Sets how long one run of a cleanup (vpn_plumb_cleanup()), which does the
 * kernel side in the caller's thread, may spend on kernel commands before
 * it leaves the remaining gateways to the next run (at least 1 ms: one
 * gateway is always done).  Other runs hand the kernel side to the
 * plumbing's thread. */
void
vpn_plumb_set_time_budget(struct vpn_plumb *plumb, long long int msec)
{
    plumb->time_budget = MAX(msec, 1);
}

/* Registers with 'idl', an Open_vSwitch IDL that has not connected yet,
 * the tables and columns that vpn_plumb_run() reads and writes. */
void
vpn_plumb_add_ovs_columns(struct ovsdb_idl *idl)
{
    ovsdb_idl_add_table(idl, &ovsrec_table_bridge);
    ovsdb_idl_add_column(idl, &ovsrec_bridge_col_name);
    ovsdb_idl_add_column(idl, &ovsrec_bridge_col_ports);

    ovsdb_idl_add_table(idl, &ovsrec_table_port);
    ovsdb_idl_add_column(idl, &ovsrec_port_col_name);
    ovsdb_idl_add_column(idl, &ovsrec_port_col_interfaces);

    ovsdb_idl_add_table(idl, &ovsrec_table_interface);
    ovsdb_idl_add_column(idl, &ovsrec_interface_col_name);
    ovsdb_idl_add_column(idl, &ovsrec_interface_col_type);
    ovsdb_idl_add_column(idl, &ovsrec_interface_col_external_ids);
    ovsdb_idl_add_column(idl, &ovsrec_interface_col_error);
    ovsdb_idl_add_column(idl, &ovsrec_interface_col_ofport);
}

/* Applies the outcome of 'job', which has finished. */
static void
plumb_apply_job(struct vpn_plumb *plumb, struct plumb_job *job)
{
    static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 5);

    plumb->stats.n_commands += job->stats.n_commands;
    plumb->stats.n_created += job->stats.n_created;
    plumb->stats.n_removed += job->stats.n_removed;

    struct plumb_gw *gw = (job->kind == PLUMB_JOB_SCAN ? NULL
                           : plumb_gw_find(plumb, job->gw.name));
    switch (job->kind) {
    case PLUMB_JOB_SYNC:
        if (!gw) {
            break;
        }
        plumb_config_destroy(gw->cfg);
        gw->cfg = job->cfg;
        job->cfg = NULL;
        gw->invalid = false;
        free(gw->error);
        gw->error = job->error;
        job->error = NULL;
        gw->ok = !gw->error;
        gw->host_ifindex = job->gw.host_ifindex;
        gw->link_ok = job->gw.link_ok;
        gw->offload_off = job->gw.offload_off;
        if (gw->error) {
            VLOG_WARN_RL(&rl, "gateway %s: %s", gw->name, gw->error);
            gw->backoff = (gw->backoff
                           ? MIN(2 * gw->backoff, plumb->check_interval)
                           : RETRY_MIN_MS);
            gw->next_check = time_msec() + gw->backoff;
        } else {
            gw->backoff = 0;
            gw->next_check = time_msec() + plumb->check_interval;
        }
        break;

    case PLUMB_JOB_REMOVE:
        if (job->error) {
            /* The next scan for leftovers retries. */
            VLOG_WARN_RL(&rl, "gateway %s: %s", job->gw.name, job->error);
        } else {
            VLOG_INFO("gateway %s: removed namespace %s", job->gw.name,
                      job->gw.netns);
        }
        if (gw && !gw->seen) {
            hmap_remove(&plumb->gateways, &gw->node);
            plumb_gw_destroy(gw);
        }
        break;

    case PLUMB_JOB_SCAN:
        break;

    default:
        OVS_NOT_REACHED();
    }
}

/* Starts 'job' (taking it): in the worker thread, which must be idle, or
 * at once if 'plumb->inline_jobs'. */
static void
plumb_start_job(struct vpn_plumb *plumb, struct plumb_job *job)
{
    job->prefix = xstrdup(plumb->prefix);
    if (plumb->inline_jobs) {
        plumb_job_run(job, job->prefix);
        plumb_apply_job(plumb, job);
        plumb_job_destroy(job);
        return;
    }
    if (!plumb->worker) {
        /* Made at the first job, after the caller daemonized: a thread does
         * not survive a fork. */
        plumb->worker = plumb_worker_create();
    }
    plumb_worker_submit(plumb->worker, job);
}

static struct plumb_job *
plumb_job_create(enum plumb_job_kind kind, const struct plumb_gw *gw)
{
    struct plumb_job *job = xzalloc(sizeof *job);
    job->kind = kind;
    sset_init(&job->wanted);
    if (gw) {
        job->gw.name = xstrdup(gw->name);
        job->gw.netns = xstrdup(gw->netns);
        ovs_strlcpy(job->gw.host, gw->host, sizeof job->gw.host);
        job->gw.host_ifindex = gw->host_ifindex;
        job->gw.link_ok = gw->link_ok;
        job->gw.offload_off = gw->offload_off;
    }
    return job;
}

/* Returns true if the worker thread runs a job. */
static bool
plumb_busy(const struct vpn_plumb *plumb)
{
    return plumb->worker && plumb_worker_busy(plumb->worker);
}

/* Makes the host match 'gateways', the complete set of 'n' gateways that
 * must exist on this chassis (see the model in vpn-plumb.h).
 *
 * The kernel side is done by a thread of its own, one gateway at a time,
 * so that the caller's main loop never waits for an "ip" command: a run
 * hands the next job over, a later run (which vpn_plumb_wait() wakes when
 * the job is done) applies its outcome.  (During a cleanup the jobs run at
 * once, for as many gateways as the time budget allows; see
 * vpn_plumb_set_time_budget().)  The OVS side is added to 'txn' if it is
 * nonnull and 'idl' (which may be NULL to skip OVS) has received the
 * database's contents; otherwise it waits for a later run.
 *
 * Returns true if the host is not in sync yet: changes were added to
 * 'txn' (commit it; ports are in place once it has committed and a later
 * run returns false) or kernel work is under way or left for a later run.
 * Returns false once everything matched. */
bool
vpn_plumb_run(struct vpn_plumb *plumb,
              const struct vpn_plumb_gateway *gateways, size_t n,
              const struct ovsdb_idl *idl, struct ovsdb_idl_txn *txn)
{
    static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 5);
    struct sset wanted = SSET_INITIALIZER(&wanted);
    struct shash hosts = SHASH_INITIALIZER(&hosts);
    long long int start = time_msec();
    struct plumb_gw *gw;

    plumb->deferred = false;
    if (plumb->worker) {
        struct plumb_job *job = plumb_worker_collect(plumb->worker);
        if (job) {
            plumb_apply_job(plumb, job);
            plumb_job_destroy(job);
        }
    }
    bool waiting = false;       /* Work waits for the busy worker. */

    HMAP_FOR_EACH (gw, node, &plumb->gateways) {
        gw->seen = false;
    }

    for (size_t i = 0; i < n; i++) {
        const struct vpn_plumb_gateway *g = &gateways[i];

        char *error = vpn_check_name("name", g->name);
        if (error) {
            VLOG_WARN_RL(&rl, "ignoring gateway: %s", error);
            free(error);
            continue;
        }
        if (!sset_add(&wanted, g->name)) {
            VLOG_WARN_RL(&rl, "ignoring duplicate gateway %s", g->name);
            continue;
        }

        gw = plumb_gw_find(plumb, g->name);
        if (!gw) {
            gw = plumb_gw_create(plumb, g->name);
        }
        gw->seen = true;

        struct plumb_config *cfg;
        error = plumb_config_from_gateway(g, &cfg);
        if (!error) {
            const struct plumb_gw *other = shash_find_data(&hosts, gw->host);
            if (other) {
                error = xasprintf("host interface name %s collides with "
                                  "gateway %s's", gw->host, other->name);
                plumb_config_destroy(cfg);
            } else {
                shash_add(&hosts, gw->host, gw);
            }
        }
        if (error) {
            /* Leave the kernel as it is, and check it once the
             * configuration is valid again. */
            if (!gw->error || strcmp(gw->error, error)) {
                VLOG_WARN_RL(&rl, "gateway %s: %s", gw->name, error);
            }
            free(gw->error);
            gw->error = error;
            gw->invalid = true;
            continue;
        }

        if (gw->cfg && !gw->invalid && plumb_config_equals(gw->cfg, cfg)
            && time_msec() < gw->next_check) {
            plumb_config_destroy(cfg);
            continue;
        }
        if (plumb_busy(plumb)) {
            waiting = true;
            plumb_config_destroy(cfg);
            continue;
        }
        if (plumb->inline_jobs && time_msec() - start >= plumb->time_budget) {
            plumb->deferred = true;
            plumb_config_destroy(cfg);
            continue;
        }

        struct plumb_job *job = plumb_job_create(PLUMB_JOB_SYNC, gw);
        job->cfg = cfg;
        plumb_start_job(plumb, job);
    }
    shash_destroy(&hosts);

    /* Gateways that left.  What the kernel has of them goes; a gateway
     * wanted again meanwhile starts from nothing. */
    HMAP_FOR_EACH_SAFE (gw, node, &plumb->gateways) {
        if (!gw->seen) {
            if (plumb_busy(plumb)) {
                waiting = true;
                continue;
            }
            if (plumb->inline_jobs
                && time_msec() - start >= plumb->time_budget) {
                plumb->deferred = true;
                continue;
            }

            plumb_config_destroy(gw->cfg);
            gw->cfg = NULL;
            gw->ok = false;
            plumb_start_job(plumb, plumb_job_create(PLUMB_JOB_REMOVE, gw));
        }
    }

    if (!plumb->deferred && !waiting && !plumb_busy(plumb)
        && time_msec() >= plumb->next_scan) {
        struct plumb_job *job = plumb_job_create(PLUMB_JOB_SCAN, NULL);
        sset_clone(&job->wanted, &wanted);
        plumb->next_scan = time_msec() + plumb->check_interval;
        plumb_start_job(plumb, job);
    }
    sset_destroy(&wanted);

    bool changed = (idl && txn && ovsdb_idl_has_ever_connected(idl)
                    && plumb_sync_ovs(plumb, idl, txn));
    return changed || plumb->deferred || waiting || plumb_busy(plumb);
}

/* Arranges for the poll loop to wake up when vpn_plumb_run() has a check
 * or a retry to do. */
void
vpn_plumb_wait(const struct vpn_plumb *plumb)
{
    if (plumb->deferred) {
        poll_immediate_wake();
        return;
    }
    if (plumb->worker) {
        /* The job in progress, when it is done. */
        plumb_worker_wait(plumb->worker);
    }

    long long int next = plumb->next_scan;
    const struct plumb_gw *gw;
    HMAP_FOR_EACH (gw, node, &plumb->gateways) {
        if (gw->cfg && !gw->invalid) {
            next = MIN(next, gw->next_check);
        }
    }
    poll_timer_wait_until(next);
}

/* Makes the next vpn_plumb_run() re-read and repair every gateway and
 * look for leftovers, whatever the cache says. */
void
vpn_plumb_force_check(struct vpn_plumb *plumb)
{
    struct plumb_gw *gw;

    HMAP_FOR_EACH (gw, node, &plumb->gateways) {
        gw->next_check = LLONG_MIN;
        gw->host_ifindex = 0;
        gw->offload_off = false;
    }
    plumb->next_scan = LLONG_MIN;
}

/* Removes every namespace with our prefix and every port we own.  The
 * kernel side is done at once, in the calling thread (after the job the
 * worker may be running); the OVS side needs 'txn' and an 'idl' with
 * contents, as in vpn_plumb_run(), or 'idl' NULL to leave OVS alone.
 * Returns true when nothing remains to do, false if the caller must commit
 * 'txn' (or wait for the IDL) and call again. */
bool
vpn_plumb_cleanup(struct vpn_plumb *plumb, const struct ovsdb_idl *idl,
                  struct ovsdb_idl_txn *txn)
{
    plumb->next_scan = LLONG_MIN;
    if (plumb->worker) {
        struct plumb_job *job = plumb_worker_finish(plumb->worker);
        if (job) {
            plumb_apply_job(plumb, job);
            plumb_job_destroy(job);
        }
    }
    plumb->inline_jobs = true;
    bool pending = vpn_plumb_run(plumb, NULL, 0, idl, txn);
    return !pending && (!idl || (txn && ovsdb_idl_has_ever_connected(idl)));
}

/* Returns the namespace of gateway 'name' if it was in the last run's
 * wanted set, whether or not it is set up yet, otherwise NULL. */
const char *
vpn_plumb_netns(const struct vpn_plumb *plumb, const char *name)
{
    const struct plumb_gw *gw = plumb_gw_find(plumb, name);
    return gw && gw->seen ? gw->netns : NULL;
}

/* Returns true if gateway 'name''s namespace was complete at the last
 * check (namespace, interface, addresses, routes): processes may start in
 * it.  A later invalid configuration does not change this; the gateway
 * keeps its last valid one. */
bool
vpn_plumb_ready(const struct vpn_plumb *plumb, const char *name)
{
    const struct plumb_gw *gw = plumb_gw_find(plumb, name);
    return gw && gw->seen && gw->cfg && gw->ok;
}

/* Returns the address that gateway 'name''s eth0 had at the last sync
 * that found or made its namespace as configured, or 0 if it is not
 * ready.  It may lag behind the wanted one: a sync may be deferred. */
ovs_be32
vpn_plumb_ip(const struct vpn_plumb *plumb, const char *name)
{
    const struct plumb_gw *gw = plumb_gw_find(plumb, name);
    return gw && gw->seen && gw->cfg && gw->ok ? gw->cfg->ip : 0;
}

/* Returns gateway 'name''s current problem, or NULL if it has none (or is
 * not known). */
const char *
vpn_plumb_error(const struct vpn_plumb *plumb, const char *name)
{
    const struct plumb_gw *gw = plumb_gw_find(plumb, name);
    return !gw || !gw->seen ? NULL : gw->error ? gw->error : gw->ovs_error;
}

/* Returns the malloc'd namespace name of gateway 'gw' for 'prefix'. */
char *
vpn_plumb_netns_name(const char *prefix, const char *gw)
{
    return xasprintf("%s-%s", prefix, gw);
}

/* Stores in 'ifname' the name of the host end of the veth pair of the
 * gateway whose namespace is 'netns': "vpn" and the first 12 hexadecimal
 * digits of the SHA-1 of 'netns'. */
void
vpn_plumb_host_ifname(const char *netns,
                      char ifname[VPN_PLUMB_HOST_IFNAME_LEN + 1])
{
    uint8_t digest[SHA1_DIGEST_SIZE];

    sha1_bytes(netns, strlen(netns), digest);
    snprintf(ifname, VPN_PLUMB_HOST_IFNAME_LEN + 1,
             "vpn%02x%02x%02x%02x%02x%02x", digest[0], digest[1],
             digest[2], digest[3], digest[4], digest[5]);
}

/* Returns NULL if vpn_plumb_run() would accept 'g', otherwise the reason
 * why not. */
char *
vpn_plumb_check_gateway(const struct vpn_plumb_gateway *g)
{
    char *error = vpn_check_name("name", g->name);
    if (!error) {
        struct plumb_config *cfg;

        error = plumb_config_from_gateway(g, &cfg);
        plumb_config_destroy(cfg);
    }
    return error;
}

void
vpn_plumb_get_stats(const struct vpn_plumb *plumb,
                    struct vpn_plumb_stats *stats)
{
    *stats = plumb->stats;
}

/* Static functions. */

static struct plumb_gw *
plumb_gw_find(const struct vpn_plumb *plumb, const char *name)
{
    struct plumb_gw *gw;

    HMAP_FOR_EACH_WITH_HASH (gw, node, hash_string(name, 0),
                             &plumb->gateways) {
        if (!strcmp(gw->name, name)) {
            return gw;
        }
    }
    return NULL;
}

static struct plumb_gw *
plumb_gw_create(struct vpn_plumb *plumb, const char *name)
{
    struct plumb_gw *gw = xzalloc(sizeof *gw);

    gw->name = xstrdup(name);
    gw->netns = vpn_plumb_netns_name(plumb->prefix, name);
    vpn_plumb_host_ifname(gw->netns, gw->host);
    gw->next_check = LLONG_MIN;
    hmap_insert(&plumb->gateways, &gw->node, hash_string(name, 0));
    return gw;
}

static void
plumb_gw_destroy(struct plumb_gw *gw)
{
    if (gw) {
        plumb_config_destroy(gw->cfg);
        free(gw->name);
        free(gw->netns);
        free(gw->error);
        free(gw->ovs_error);
        free(gw);
    }
}

/* Configurations. */

int
plumb_compare_routes(const void *a_, const void *b_)
{
    const struct plumb_route *a = a_, *b = b_;
    uint32_t a_net = ntohl(a->net), b_net = ntohl(b->net);

    return (a_net != b_net ? (a_net < b_net ? -1 : 1)
            : a->plen != b->plen ? (a->plen < b->plen ? -1 : 1)
            : 0);
}

/* Checks 'g' and converts it into '*cfgp' (NULL on error). */
static char *
plumb_config_from_gateway(const struct vpn_plumb_gateway *g,
                          struct plumb_config **cfgp)
{
    struct plumb_config *cfg = xzalloc(sizeof *cfg);
    char *error = NULL;

    *cfgp = NULL;
    if (!g->logical_port || !g->logical_port[0]) {
        error = xstrdup("logical_port: must not be empty");
        goto error;
    }
    cfg->lport = xstrdup(g->logical_port);

    if (!g->mac || !eth_addr_from_string(g->mac, &cfg->mac)) {
        error = xasprintf("mac: \"%s\" is not an Ethernet address",
                          g->mac ? g->mac : "");
        goto error;
    }
    if (eth_addr_is_multicast(cfg->mac) || eth_addr_is_zero(cfg->mac)) {
        error = xasprintf("mac: \"%s\" is not a unicast Ethernet address",
                          g->mac);
        goto error;
    }

    error = vpn_parse_ip("ip", g->ip, &cfg->ip);
    if (error) {
        goto error;
    }
    if (g->prefix_len < 1 || g->prefix_len > 32) {
        error = xasprintf("prefix_len: %d is not between 1 and 32",
                          g->prefix_len);
        goto error;
    }
    cfg->plen = g->prefix_len;

    error = vpn_parse_ip("router_ip", g->router_ip, &cfg->router);
    if (error) {
        goto error;
    }
    ovs_be32 mask = be32_prefix_mask(cfg->plen);
    if ((cfg->router & mask) != (cfg->ip & mask) || cfg->router == cfg->ip) {
        error = xasprintf("router_ip: "IP_FMT " is not another address in "
                          IP_FMT "/%u", IP_ARGS(cfg->router),
                          IP_ARGS(cfg->ip & mask), cfg->plen);
        goto error;
    }

    if (g->mtu && (g->mtu < 68 || g->mtu > 65535)) {
        error = xasprintf("mtu: %d is not between 68 and 65535", g->mtu);
        goto error;
    }
    cfg->mtu = g->mtu ? g->mtu : DEFAULT_MTU;

    /* The default route, then the VPC routes that the connected route
     * does not already cover. */
    cfg->routes = xmalloc((g->n_routes + 1) * sizeof *cfg->routes);
    cfg->routes[cfg->n_routes++] = (struct plumb_route) { 0, 0 };
    for (size_t i = 0; i < g->n_routes; i++) {
        struct vpn_cidr cidr;

        error = vpn_cidr_parse("routes", g->routes[i], &cidr);
        if (error) {
            goto error;
        }
        if (cidr.plen >= cfg->plen && (cidr.ip & mask) == (cfg->ip & mask)) {
            continue;
        }
        cfg->routes[cfg->n_routes++] = (struct plumb_route) {
            cidr.ip, cidr.plen
        };
    }
    qsort(cfg->routes, cfg->n_routes, sizeof *cfg->routes,
          plumb_compare_routes);
    size_t n_unique = 0;
    for (size_t i = 0; i < cfg->n_routes; i++) {
        if (!n_unique
            || plumb_compare_routes(&cfg->routes[i],
                                    &cfg->routes[n_unique - 1])) {
            cfg->routes[n_unique++] = cfg->routes[i];
        }
    }
    cfg->n_routes = n_unique;

    *cfgp = cfg;
    return NULL;

error:
    plumb_config_destroy(cfg);
    return error;
}

void
plumb_config_destroy(struct plumb_config *cfg)
{
    if (cfg) {
        free(cfg->lport);
        free(cfg->routes);
        free(cfg);
    }
}

static bool
plumb_config_equals(const struct plumb_config *a, const struct plumb_config *b)
{
    return (!strcmp(a->lport, b->lport)
            && eth_addr_equals(a->mac, b->mac)
            && a->ip == b->ip
            && a->plen == b->plen
            && a->router == b->router
            && a->mtu == b->mtu
            && a->n_routes == b->n_routes
            && !memcmp(a->routes, b->routes,
                       a->n_routes * sizeof *a->routes));
}
