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

#ifndef VPN_PLUMB_PRIVATE_H
#define VPN_PLUMB_PRIVATE_H 1

/* The parts of the gateways' plumbing (vpn-plumb.h) that its modules
 * share: its state and its internal functions.
 *
 *   vpn-plumb.c         the public interface, the gateways and their
 *                       wanted configuration
 *   vpn-plumb-kernel.c  namespaces, veth pairs, addresses, routes
 *   vpn-plumb-state.c   what the kernel has, from iproute2's JSON
 *   vpn-plumb-ovs.c     the gateways' ports on the integration bridge
 *   vpn-plumb-worker.c  the thread that runs the kernel side
 *
 * Nothing outside controller-ext/vpn-plumb*.c includes this header. */

#include <stdbool.h>
#include <stddef.h>

#include "openvswitch/hmap.h"
#include "openvswitch/json.h"
#include "packets.h"
#include "sset.h"
#include "vpn-plumb.h"

struct ds;
struct ovsdb_idl;
struct ovsdb_idl_txn;
struct sset;
struct svec;

#define NETNS_RUN_DIR "/run/netns"

/* First retry delay after a failure; it doubles up to the check
 * interval. */
#define RETRY_MIN_MS 1000

/* The MTU of a veth when none is asked for. */
#define DEFAULT_MTU 1500

struct plumb_route {
    ovs_be32 net;
    unsigned int plen;
};

/* A gateway's configuration, checked and normalised. */
struct plumb_config {
    char *lport;
    struct eth_addr mac;
    ovs_be32 ip;
    unsigned int plen;
    ovs_be32 router;
    int mtu;                    /* Never 0. */
    struct plumb_route *routes; /* Sorted, unique, 0.0.0.0/0 included. */
    size_t n_routes;
};

/* One gateway of the wanted set. */
struct plumb_gw {
    struct hmap_node node;      /* In vpn_plumb's 'gateways', by name. */
    char *name;
    char *netns;
    char host[VPN_PLUMB_HOST_IFNAME_LEN + 1];

    struct plumb_config *cfg;   /* Last valid configuration, or NULL. */
    bool ok;                    /* Kernel matched 'cfg' at the last sync. */
    bool link_ok;               /* The host link existed at the last sync. */
    bool invalid;               /* Is the latest configuration invalid? */
    char *error;                /* Validation or kernel error, or NULL. */
    char *ovs_error;            /* OVS error, or NULL. */
    long long int next_check;   /* When to re-read the kernel. */
    long long int backoff;      /* Current retry delay, 0 after success. */
    bool seen;                  /* In the current run's wanted set? */

    /* The veth pair as the last sync that saw or made it left it, for
     * cheaper checks: the host end's ifindex (0: unknown), and whether the
     * TX checksum offload of its peer eth0 is known to be off. */
    int host_ifindex;
    bool offload_off;
};

/* Kernel work for the worker thread (vpn-plumb-worker.c): it holds copies
 * of all it reads and writes. */
enum plumb_job_kind {
    PLUMB_JOB_SYNC,             /* Make or repair one gateway. */
    PLUMB_JOB_REMOVE,           /* Remove one gateway's namespace. */
    PLUMB_JOB_SCAN,             /* Remove leftover namespaces. */
};

struct plumb_job {
    enum plumb_job_kind kind;
    char *prefix;               /* The plumbing's namespace prefix. */
    struct plumb_gw gw;         /* SYNC, REMOVE: name, netns, host, and
                                 * the cached link state, which a SYNC
                                 * updates; nothing else. */
    struct plumb_config *cfg;   /* SYNC: what to make. */
    struct sset wanted;         /* SCAN: the namespaces to keep. */
    char *error;                /* SYNC, REMOVE: the outcome. */
    struct vpn_plumb_stats stats;       /* What it did. */
};

struct plumb_worker;
struct plumb_worker *plumb_worker_create(void);
void plumb_worker_destroy(struct plumb_worker *);
bool plumb_worker_busy(struct plumb_worker *);
void plumb_worker_submit(struct plumb_worker *, struct plumb_job *);
struct plumb_job *plumb_worker_collect(struct plumb_worker *);
struct plumb_job *plumb_worker_finish(struct plumb_worker *);
void plumb_worker_wait(struct plumb_worker *);
void plumb_job_run(struct plumb_job *, const char *prefix);
void plumb_job_destroy(struct plumb_job *);

struct vpn_plumb {
    char *prefix;               /* Namespace prefix, without the '-'. */
    char *bridge;               /* Integration bridge name. */
    struct hmap gateways;       /* Contains "struct plumb_gw"s. */
    long long int check_interval;
    long long int next_scan;    /* Next scan for leftover namespaces. */
    long long int time_budget;  /* Kernel work per run, in ms. */
    bool deferred;              /* Work left for the next run. */
    struct vpn_plumb_stats stats;

    /* The kernel side runs in 'worker', one job at a time, unless
     * 'inline_jobs' (a cleanup, which must finish before the program
     * exits). */
    struct plumb_worker *worker;
    bool inline_jobs;
};

/* A link as "ip -d -j link" or "addr show" describes it. */
struct plumb_link {
    bool exists;
    int ifindex;
    int link_index;             /* The veth peer's ifindex, or 0. */
    bool up;
    bool is_veth;
    int mtu;
    struct eth_addr mac;
    struct plumb_route *addrs;  /* IPv4 addresses, 'net' = the address. */
    size_t n_addrs;
};

/* A route of ours in a gateway's namespace. */
struct plumb_kroute {
    struct plumb_route dst;
    ovs_be32 gateway;           /* 0 if none. */
    bool on_eth0;
    bool unicast;
    long long int metric;
};

/* What a gateway's namespace holds, as far as we care. */
struct plumb_ns_state {
    struct plumb_link lo;
    struct plumb_link eth0;
    struct plumb_kroute *routes;
    size_t n_routes;
    bool forwarding;
};

/* vpn-plumb.c. */
int plumb_compare_routes(const void *, const void *);
void plumb_config_destroy(struct plumb_config *);

/* vpn-plumb-kernel.c. */
char *plumb_run_cmd(struct vpn_plumb *, const struct svec *argv,
                    const char *input, struct ds *out, struct ds *err)
    OVS_WARN_UNUSED_RESULT;
char *plumb_run_ip(struct vpn_plumb *, struct ds *out, struct ds *err, ...)
    OVS_WARN_UNUSED_RESULT;
char *plumb_run_in_netns(struct vpn_plumb *, const char *netns,
                         struct ds *out, ...)
    OVS_WARN_UNUSED_RESULT;
char *plumb_sync_kernel(struct vpn_plumb *, struct plumb_gw *,
                        const struct plumb_config *)
    OVS_WARN_UNUSED_RESULT;
char *plumb_remove_kernel(struct vpn_plumb *, const char *netns,
                          const char *host)
    OVS_WARN_UNUSED_RESULT;
void plumb_scan_leftovers(struct vpn_plumb *, const struct sset *wanted);

/* vpn-plumb-state.c. */
void plumb_link_destroy(struct plumb_link *);
void plumb_ns_state_destroy(struct plumb_ns_state *);
char *plumb_read_host_link(struct vpn_plumb *, const char *host,
                           struct plumb_link *)
    OVS_WARN_UNUSED_RESULT;
bool plumb_read_host_link_cheaply(const struct plumb_gw *,
                                  const struct plumb_link *eth0,
                                  struct plumb_link *);
char *plumb_read_ns_state(struct vpn_plumb *, const char *netns,
                          struct plumb_ns_state *, bool *unusable)
    OVS_WARN_UNUSED_RESULT;
char *plumb_read_tx_offload(struct vpn_plumb *, const char *netns,
                            bool *on)
    OVS_WARN_UNUSED_RESULT;

/* vpn-plumb-ovs.c. */
bool plumb_sync_ovs(struct vpn_plumb *, const struct ovsdb_idl *,
                    struct ovsdb_idl_txn *);

#endif /* vpn-plumb-private.h */
