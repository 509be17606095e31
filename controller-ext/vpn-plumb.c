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

/* Where "ip netns" keeps its namespaces (iproute2's NETNS_RUN_DIR). */
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

struct vpn_plumb {
    char *prefix;               /* Namespace prefix, without the '-'. */
    char *bridge;               /* Integration bridge name. */
    struct hmap gateways;       /* Contains "struct plumb_gw"s. */
    long long int check_interval;
    long long int next_scan;    /* Next scan for leftover namespaces. */
    long long int time_budget;  /* Kernel work per run, in ms. */
    bool deferred;              /* Work left for the next run. */
    struct vpn_plumb_stats stats;
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

static struct plumb_gw *gw_find(const struct vpn_plumb *, const char *name);
static struct plumb_gw *gw_create(struct vpn_plumb *, const char *name);
static void gw_destroy(struct plumb_gw *);

static char *config_from_gateway(const struct vpn_plumb_gateway *,
                                 struct plumb_config **)
    OVS_WARN_UNUSED_RESULT;
static void config_destroy(struct plumb_config *);
static bool config_equals(const struct plumb_config *,
                          const struct plumb_config *);

static char *sync_kernel(struct vpn_plumb *, struct plumb_gw *,
                         const struct plumb_config *)
    OVS_WARN_UNUSED_RESULT;
static char *remove_kernel(struct vpn_plumb *, const char *netns,
                           const char *host)
    OVS_WARN_UNUSED_RESULT;
static void scan_leftovers(struct vpn_plumb *, const struct sset *wanted);
static bool sync_ovs(struct vpn_plumb *, const struct ovsdb_idl *,
                     struct ovsdb_idl_txn *);

static char *run_cmd(struct vpn_plumb *, const struct svec *argv,
                     const char *input, struct ds *out, struct ds *err)
    OVS_WARN_UNUSED_RESULT;

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

        HMAP_FOR_EACH_POP (gw, node, &plumb->gateways) {
            gw_destroy(gw);
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

/* Sets how long one vpn_plumb_run() may spend on kernel commands before it
 * leaves the remaining gateways to the next run (at least 1 ms: one
 * gateway is always done). */
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

/* Makes the host match 'gateways', the complete set of 'n' gateways that
 * must exist on this chassis (see the model in vpn-plumb.h).
 *
 * The kernel side is done synchronously, for as many gateways as the time
 * budget allows (vpn_plumb_set_time_budget()); the others wait for the
 * next run, which vpn_plumb_wait() makes immediate.  The OVS side is added
 * to 'txn' if it is nonnull and 'idl' (which may be NULL to skip OVS) has
 * received the database's contents; otherwise it waits for a later run.
 *
 * Returns true if the host is not in sync yet: changes were added to
 * 'txn' (commit it; ports are in place once it has committed and a later
 * run returns false) or kernel work was left for the next run.  Returns
 * false once everything matched. */
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

        gw = gw_find(plumb, g->name);
        if (!gw) {
            gw = gw_create(plumb, g->name);
        }
        gw->seen = true;

        struct plumb_config *cfg;
        error = config_from_gateway(g, &cfg);
        if (!error) {
            const struct plumb_gw *other = shash_find_data(&hosts, gw->host);
            if (other) {
                error = xasprintf("host interface name %s collides with "
                                  "gateway %s's", gw->host, other->name);
                config_destroy(cfg);
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

        if (gw->cfg && !gw->invalid && config_equals(gw->cfg, cfg)
            && time_msec() < gw->next_check) {
            config_destroy(cfg);
            continue;
        }
        if (time_msec() - start >= plumb->time_budget) {
            plumb->deferred = true;
            config_destroy(cfg);
            continue;
        }

        error = sync_kernel(plumb, gw, cfg);
        config_destroy(gw->cfg);
        gw->cfg = cfg;
        gw->invalid = false;
        free(gw->error);
        gw->error = error;
        gw->ok = !error;
        if (error) {
            VLOG_WARN_RL(&rl, "gateway %s: %s", gw->name, error);
            gw->backoff = (gw->backoff
                           ? MIN(2 * gw->backoff, plumb->check_interval)
                           : RETRY_MIN_MS);
            gw->next_check = time_msec() + gw->backoff;
        } else {
            gw->backoff = 0;
            gw->next_check = time_msec() + plumb->check_interval;
        }
    }
    shash_destroy(&hosts);

    /* Gateways that left. */
    HMAP_FOR_EACH_SAFE (gw, node, &plumb->gateways) {
        if (!gw->seen) {
            if (time_msec() - start >= plumb->time_budget) {
                plumb->deferred = true;
                continue;
            }

            char *error = remove_kernel(plumb, gw->netns, gw->host);
            if (error) {
                /* The next scan for leftovers retries. */
                VLOG_WARN_RL(&rl, "gateway %s: %s", gw->name, error);
                free(error);
            } else {
                VLOG_INFO("gateway %s: removed namespace %s", gw->name,
                          gw->netns);
            }
            hmap_remove(&plumb->gateways, &gw->node);
            gw_destroy(gw);
        }
    }

    if (!plumb->deferred && time_msec() >= plumb->next_scan) {
        scan_leftovers(plumb, &wanted);
        plumb->next_scan = time_msec() + plumb->check_interval;
    }
    sset_destroy(&wanted);

    bool changed = (idl && txn && ovsdb_idl_has_ever_connected(idl)
                    && sync_ovs(plumb, idl, txn));
    return changed || plumb->deferred;
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
 * kernel side is done at once; the OVS side needs 'txn' and an 'idl' with
 * contents, as in vpn_plumb_run(), or 'idl' NULL to leave OVS alone.
 * Returns true when nothing remains to do, false if the caller must commit
 * 'txn' (or wait for the IDL) and call again. */
bool
vpn_plumb_cleanup(struct vpn_plumb *plumb, const struct ovsdb_idl *idl,
                  struct ovsdb_idl_txn *txn)
{
    plumb->next_scan = LLONG_MIN;
    bool pending = vpn_plumb_run(plumb, NULL, 0, idl, txn);
    return !pending && (!idl || (txn && ovsdb_idl_has_ever_connected(idl)));
}

/* Returns the namespace of gateway 'name' if it was in the last run's
 * wanted set, whether or not it is set up yet, otherwise NULL. */
const char *
vpn_plumb_netns(const struct vpn_plumb *plumb, const char *name)
{
    const struct plumb_gw *gw = gw_find(plumb, name);
    return gw && gw->seen ? gw->netns : NULL;
}

/* Returns true if gateway 'name''s namespace was complete at the last
 * check (namespace, interface, addresses, routes): processes may start in
 * it.  A later invalid configuration does not change this; the gateway
 * keeps its last valid one. */
bool
vpn_plumb_ready(const struct vpn_plumb *plumb, const char *name)
{
    const struct plumb_gw *gw = gw_find(plumb, name);
    return gw && gw->seen && gw->cfg && gw->ok;
}

/* Returns the address that gateway 'name''s eth0 had at the last sync
 * that found or made its namespace as configured, or 0 if it is not
 * ready.  It may lag behind the wanted one: a sync may be deferred. */
ovs_be32
vpn_plumb_ip(const struct vpn_plumb *plumb, const char *name)
{
    const struct plumb_gw *gw = gw_find(plumb, name);
    return gw && gw->seen && gw->cfg && gw->ok ? gw->cfg->ip : 0;
}

/* Returns gateway 'name''s current problem, or NULL if it has none (or is
 * not known). */
const char *
vpn_plumb_error(const struct vpn_plumb *plumb, const char *name)
{
    const struct plumb_gw *gw = gw_find(plumb, name);
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

        error = config_from_gateway(g, &cfg);
        config_destroy(cfg);
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
gw_find(const struct vpn_plumb *plumb, const char *name)
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
gw_create(struct vpn_plumb *plumb, const char *name)
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
gw_destroy(struct plumb_gw *gw)
{
    if (gw) {
        config_destroy(gw->cfg);
        free(gw->name);
        free(gw->netns);
        free(gw->error);
        free(gw->ovs_error);
        free(gw);
    }
}

/* Configurations. */

static int
compare_routes(const void *a_, const void *b_)
{
    const struct plumb_route *a = a_, *b = b_;
    uint32_t a_net = ntohl(a->net), b_net = ntohl(b->net);

    return (a_net != b_net ? (a_net < b_net ? -1 : 1)
            : a->plen != b->plen ? (a->plen < b->plen ? -1 : 1)
            : 0);
}

/* Checks 'g' and converts it into '*cfgp' (NULL on error). */
static char *
config_from_gateway(const struct vpn_plumb_gateway *g,
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
    qsort(cfg->routes, cfg->n_routes, sizeof *cfg->routes, compare_routes);
    size_t n_unique = 0;
    for (size_t i = 0; i < cfg->n_routes; i++) {
        if (!n_unique
            || compare_routes(&cfg->routes[i],
                              &cfg->routes[n_unique - 1])) {
            cfg->routes[n_unique++] = cfg->routes[i];
        }
    }
    cfg->n_routes = n_unique;

    *cfgp = cfg;
    return NULL;

error:
    config_destroy(cfg);
    return error;
}

static void
config_destroy(struct plumb_config *cfg)
{
    if (cfg) {
        free(cfg->lport);
        free(cfg->routes);
        free(cfg);
    }
}

static bool
config_equals(const struct plumb_config *a, const struct plumb_config *b)
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

/* Commands. */

/* Runs 'argv' (see vpn_exec()), counting it and logging it at debug
 * level. */
static char *
run_cmd(struct vpn_plumb *plumb, const struct svec *argv, const char *input,
        struct ds *out, struct ds *err)
{
    plumb->stats.n_commands++;
    if (VLOG_IS_DBG_ENABLED()) {
        char *cmd = vpn_exec_format_argv(argv->names);
        VLOG_DBG("running %s%s%s", cmd, input ? " <<< " : "",
                 input ? input : "");
        free(cmd);
    }
    return vpn_exec(argv->names, input, VPN_EXEC_TIMEOUT_MS, out, err);
}

/* Runs "ip ARGS...", where the argument list ends with NULL. */
static char * OVS_WARN_UNUSED_RESULT
run_ip(struct vpn_plumb *plumb, struct ds *out, struct ds *err, ...)
{
    struct svec argv = SVEC_EMPTY_INITIALIZER;
    const char *arg;
    va_list args;

    svec_add(&argv, "ip");
    va_start(args, err);
    while ((arg = va_arg(args, const char *)) != NULL) {
        svec_add(&argv, arg);
    }
    va_end(args);
    svec_terminate(&argv);

    char *error = run_cmd(plumb, &argv, NULL, out, err);
    svec_destroy(&argv);
    return error;
}

/* Runs "ip -n NETNS -batch -" with the commands in 'batch', one per
 * element.  On failure, the error names the command that failed. */
static char * OVS_WARN_UNUSED_RESULT
run_ip_batch(struct vpn_plumb *plumb, const char *netns,
             const struct svec *batch)
{
    if (!batch->n) {
        return NULL;
    }

    struct ds input = DS_EMPTY_INITIALIZER;
    for (size_t i = 0; i < batch->n; i++) {
        ds_put_format(&input, "%s\n", batch->names[i]);
    }

    struct svec argv = SVEC_EMPTY_INITIALIZER;
    svec_add(&argv, "ip");
    svec_add(&argv, "-n");
    svec_add(&argv, netns);
    svec_add(&argv, "-batch");
    svec_add(&argv, "-");
    svec_terminate(&argv);

    struct ds err = DS_EMPTY_INITIALIZER;
    char *error = run_cmd(plumb, &argv, ds_cstr(&input), NULL, &err);
    if (error) {
        /* iproute2 says "Command failed -:N" after the error itself. */
        static const char marker[] = "Command failed -:";
        const char *failed = strstr(ds_cstr(&err), marker);
        unsigned long int line = (failed
                                  ? strtoul(failed + strlen(marker), NULL, 10)
                                  : 0);

        if (line >= 1 && line <= batch->n) {
            size_t len = strcspn(ds_cstr(&err), "\n");

            free(error);
            error = xasprintf("ip -n %s %s: %.*s", netns,
                              batch->names[line - 1], (int) len,
                              ds_cstr(&err));
        }
    }
    ds_destroy(&err);
    ds_destroy(&input);
    svec_destroy(&argv);
    return error;
}

/* Runs "ip netns exec NETNS PROGRAM ARGS...", the argument list ending with
 * NULL. */
static char * OVS_WARN_UNUSED_RESULT
run_in_netns(struct vpn_plumb *plumb, const char *netns, struct ds *out,
             ...)
{
    struct svec argv = SVEC_EMPTY_INITIALIZER;
    const char *arg;
    va_list args;

    svec_add(&argv, "ip");
    svec_add(&argv, "netns");
    svec_add(&argv, "exec");
    svec_add(&argv, netns);
    va_start(args, out);
    while ((arg = va_arg(args, const char *)) != NULL) {
        svec_add(&argv, arg);
    }
    va_end(args);
    svec_terminate(&argv);

    char *error = run_cmd(plumb, &argv, NULL, out, NULL);
    svec_destroy(&argv);
    return error;
}

/* JSON from "ip -j". */

static const struct json *
json_member(const struct json *obj, const char *key)
{
    return (obj && obj->type == JSON_OBJECT
            ? shash_find_data(json_object(obj), key)
            : NULL);
}

static const char *
json_member_string(const struct json *obj, const char *key)
{
    const struct json *j = json_member(obj, key);
    return j && j->type == JSON_STRING ? json_string(j) : NULL;
}

static long long int
json_member_int(const struct json *obj, const char *key,
                long long int default_value)
{
    const struct json *j = json_member(obj, key);
    return j && j->type == JSON_INTEGER ? json_integer(j) : default_value;
}

static size_t
json_array_len(const struct json *j)
{
    return j && j->type == JSON_ARRAY ? json_array(j)->n : 0;
}

static const struct json *
json_array_at(const struct json *j, size_t i)
{
    return json_array(j)->elems[i];
}

static bool
json_has_flag(const struct json *obj, const char *flag)
{
    const struct json *flags = json_member(obj, "flags");

    for (size_t i = 0; i < json_array_len(flags); i++) {
        const struct json *f = json_array_at(flags, i);
        if (f->type == JSON_STRING && !strcmp(json_string(f), flag)) {
            return true;
        }
    }
    return false;
}

/* Parses 'text', a sequence of JSON arrays such as "ip -j -batch" prints,
 * into 'values[0]' to 'values[n - 1]'.  Returns NULL, or an error (then
 * 'values' is all null). */
static char * OVS_WARN_UNUSED_RESULT
parse_json_arrays(const char *text, struct json **values, size_t n)
{
    size_t len = strlen(text);
    size_t ofs = 0;

    memset(values, 0, n * sizeof *values);
    for (size_t i = 0; i < n; i++) {
        struct json_parser *p = json_parser_create(0);

        ofs += json_parser_feed(p, text + ofs, len - ofs);
        struct json *j = json_parser_finish(p);
        if (j->type != JSON_ARRAY) {
            char *error = (j->type == JSON_STRING
                           ? xasprintf("cannot parse ip's output: %s",
                                       json_string(j))
                           : xstrdup("ip's output is not a JSON array"));
            json_destroy(j);
            for (size_t k = 0; k < i; k++) {
                json_destroy(values[k]);
                values[k] = NULL;
            }
            return error;
        }
        values[i] = j;
    }
    return NULL;
}

/* Fills 'link' from 'j', one element of "ip -d -j link show" or "ip -d -j
 * addr show". */
static void
link_from_json(const struct json *j, struct plumb_link *link)
{
    memset(link, 0, sizeof *link);
    link->exists = true;
    link->ifindex = json_member_int(j, "ifindex", 0);
    link->link_index = json_member_int(j, "link_index", 0);
    link->up = json_has_flag(j, "UP");
    link->mtu = json_member_int(j, "mtu", 0);

    const char *kind = json_member_string(json_member(j, "linkinfo"),
                                          "info_kind");
    link->is_veth = kind && !strcmp(kind, "veth");

    const char *mac = json_member_string(j, "address");
    if (!mac || !eth_addr_from_string(mac, &link->mac)) {
        link->mac = eth_addr_zero;
    }

    const struct json *addrs = json_member(j, "addr_info");
    size_t n = json_array_len(addrs);
    link->addrs = xmalloc(n * sizeof *link->addrs + 1);
    for (size_t i = 0; i < n; i++) {
        const struct json *a = json_array_at(addrs, i);
        const char *family = json_member_string(a, "family");
        const char *local = json_member_string(a, "local");
        long long int plen = json_member_int(a, "prefixlen", -1);
        ovs_be32 ip;

        if (family && !strcmp(family, "inet") && local
            && ip_parse(local, &ip) && plen >= 0 && plen <= 32) {
            link->addrs[link->n_addrs++] = (struct plumb_route) {
                ip, plen
            };
        }
    }
}

static void
link_destroy(struct plumb_link *link)
{
    free(link->addrs);
    link->addrs = NULL;
    link->n_addrs = 0;
}

static bool
route_from_json(const struct json *j, struct plumb_kroute *r)
{
    const char *dst = json_member_string(j, "dst");
    const char *gateway = json_member_string(j, "gateway");
    const char *dev = json_member_string(j, "dev");
    const char *type = json_member_string(j, "type");

    memset(r, 0, sizeof *r);
    if (!dst) {
        return false;
    } else if (!strcmp(dst, "default")) {
        r->dst = (struct plumb_route) { 0, 0 };
    } else {
        char *error = ip_parse_cidr(dst, &r->dst.net, &r->dst.plen);
        if (error) {
            free(error);
            return false;
        }
    }
    if (gateway && !ip_parse(gateway, &r->gateway)) {
        r->gateway = 0;
    }
    r->on_eth0 = dev && !strcmp(dev, VPN_PLUMB_INNER_IFNAME);
    r->unicast = !type || !strcmp(type, "unicast");
    r->metric = json_member_int(j, "metric", 0);
    return true;
}

static void
ns_state_destroy(struct plumb_ns_state *s)
{
    link_destroy(&s->lo);
    link_destroy(&s->eth0);
    free(s->routes);
    s->routes = NULL;
    s->n_routes = 0;
}

/* Reads the host link 'host' into 'link' ('link->exists' false if there is
 * none). */
static char * OVS_WARN_UNUSED_RESULT
read_host_link(struct vpn_plumb *plumb, const char *host,
               struct plumb_link *link)
{
    struct ds out = DS_EMPTY_INITIALIZER;
    struct ds err = DS_EMPTY_INITIALIZER;
    char *error;

    memset(link, 0, sizeof *link);
    error = run_ip(plumb, &out, &err, "-d", "-j", "link", "show", "dev",
                   host, NULL);
    if (error) {
        if (strstr(ds_cstr(&err), "does not exist")) {
            free(error);
            error = NULL;
        }
    } else {
        struct json *j;

        error = parse_json_arrays(ds_cstr(&out), &j, 1);
        if (!error) {
            if (json_array_len(j) == 1) {
                link_from_json(json_array_at(j, 0), link);
            }
            json_destroy(j);
        }
    }
    ds_destroy(&out);
    ds_destroy(&err);
    return error;
}

/* Fills 'link' with the host end of 'gw''s veth pair without running a
 * program, if the namespace's 'eth0' is a veth whose peer is the host end
 * that an earlier sync of 'gw' saw or made: the two ends of a veth pair
 * exist together (and a new pair has new ifindexes), so the pair is intact
 * if the host end still has its name in this namespace, and only its
 * flags and MTU need reading.  Returns false, leaving 'link' alone, if
 * that does not hold or on any error (the caller then reads the host link
 * with "ip"). */
static bool
read_host_link_cheaply(const struct plumb_gw *gw,
                       const struct plumb_link *eth0, struct plumb_link *link)
{
    char name[IF_NAMESIZE];
    struct ifreq ifr;
    bool up;

    if (!gw->host_ifindex || !eth0->exists || !eth0->is_veth
        || eth0->link_index != gw->host_ifindex
        || !if_indextoname(gw->host_ifindex, name)
        || strcmp(name, gw->host)) {
        return false;
    }

    memset(&ifr, 0, sizeof ifr);
    if (af_inet_ifreq_ioctl(gw->host, &ifr, SIOCGIFFLAGS, "SIOCGIFFLAGS")) {
        return false;
    }
    up = (ifr.ifr_flags & IFF_UP) != 0;
    if (af_inet_ifreq_ioctl(gw->host, &ifr, SIOCGIFMTU, "SIOCGIFMTU")) {
        return false;
    }

    memset(link, 0, sizeof *link);
    link->exists = true;
    link->is_veth = true;
    link->ifindex = gw->host_ifindex;
    link->link_index = eth0->ifindex;
    link->up = up;
    link->mtu = ifr.ifr_mtu;
    return true;
}

/* Reads the state of 'netns' into 's'.  On failure, sets '*unusable' to
 * true if "ip" could not enter the namespace. */
static char * OVS_WARN_UNUSED_RESULT
read_ns_state(struct vpn_plumb *plumb, const char *netns,
              struct plumb_ns_state *s, bool *unusable)
{
    static const char input[] =
        "addr show\n"
        "route show table main proto " OVS_STRINGIZE(VPN_PLUMB_ROUTE_PROTO)
        "\n"
        "netconf show\n";
    struct ds out = DS_EMPTY_INITIALIZER;
    struct ds err = DS_EMPTY_INITIALIZER;
    struct svec argv = SVEC_EMPTY_INITIALIZER;
    struct json *values[3];

    memset(s, 0, sizeof *s);
    *unusable = false;
    svec_add(&argv, "ip");
    svec_add(&argv, "-d");
    svec_add(&argv, "-j");
    svec_add(&argv, "-n");
    svec_add(&argv, netns);
    svec_add(&argv, "-batch");
    svec_add(&argv, "-");
    svec_terminate(&argv);
    char *error = run_cmd(plumb, &argv, input, &out, &err);
    svec_destroy(&argv);
    if (!error) {
        error = parse_json_arrays(ds_cstr(&out), values, 3);
    } else {
        *unusable = strstr(ds_cstr(&err), "network namespace") != NULL;
    }
    ds_destroy(&out);
    ds_destroy(&err);
    if (error) {
        return error;
    }

    for (size_t i = 0; i < json_array_len(values[0]); i++) {
        const struct json *j = json_array_at(values[0], i);
        const char *name = json_member_string(j, "ifname");

        if (name && !strcmp(name, "lo")) {
            link_destroy(&s->lo);
            link_from_json(j, &s->lo);
        } else if (name && !strcmp(name, VPN_PLUMB_INNER_IFNAME)) {
            link_destroy(&s->eth0);
            link_from_json(j, &s->eth0);
        }
    }

    size_t n = json_array_len(values[1]);
    s->routes = xmalloc(n * sizeof *s->routes + 1);
    for (size_t i = 0; i < n; i++) {
        if (route_from_json(json_array_at(values[1], i),
                            &s->routes[s->n_routes])) {
            s->n_routes++;
        }
    }

    for (size_t i = 0; i < json_array_len(values[2]); i++) {
        const struct json *j = json_array_at(values[2], i);
        const char *family = json_member_string(j, "family");
        const char *iface = json_member_string(j, "interface");
        const struct json *fwd = json_member(j, "forwarding");

        if (family && !strcmp(family, "inet") && iface
            && !strcmp(iface, "all") && fwd) {
            s->forwarding = fwd->type == JSON_TRUE;
        }
    }

    for (size_t i = 0; i < 3; i++) {
        json_destroy(values[i]);
    }
    return NULL;
}

/* Reads whether TX checksum offload is on for eth0 in 'netns'. */
static char * OVS_WARN_UNUSED_RESULT
read_tx_offload(struct vpn_plumb *plumb, const char *netns, bool *on)
{
    struct ds out = DS_EMPTY_INITIALIZER;
    struct json *j;

    *on = true;
    char *error = run_in_netns(plumb, netns, &out, "ethtool", "--json",
                               "-k", VPN_PLUMB_INNER_IFNAME, NULL);
    if (!error) {
        error = parse_json_arrays(ds_cstr(&out), &j, 1);
    }
    if (!error) {
        const struct json *tx = json_member(
            json_array_len(j) ? json_array_at(j, 0) : NULL,
            "tx-checksumming");
        const struct json *active = json_member(tx, "active");

        *on = !active || active->type != JSON_FALSE;
        json_destroy(j);
    }
    ds_destroy(&out);
    return error;
}

static bool
netns_exists(const char *netns)
{
    char *path = xasprintf("%s/%s", NETNS_RUN_DIR, netns);
    struct stat st;
    bool exists = !stat(path, &st);

    free(path);
    return exists;
}

/* Creates the veth pair of 'gw': the host end up, the other end as eth0
 * in the namespace with the MAC, both with the MTU.  Deletes a host link
 * of the same name first if there is one. */
static char * OVS_WARN_UNUSED_RESULT
create_veth(struct vpn_plumb *plumb, const struct plumb_gw *gw,
            const struct plumb_config *cfg)
{
    char mac[ETH_ADDR_STRLEN + 1];
    char mtu[16];

    snprintf(mac, sizeof mac, ETH_ADDR_FMT, ETH_ADDR_ARGS(cfg->mac));
    snprintf(mtu, sizeof mtu, "%d", cfg->mtu);
    for (int attempt = 0; ; attempt++) {
        struct ds err = DS_EMPTY_INITIALIZER;
        char *error = run_ip(plumb, NULL, &err, "link", "add", gw->host,
                             "mtu", mtu, "up", "type", "veth", "peer",
                             "name", VPN_PLUMB_INNER_IFNAME, "netns",
                             gw->netns, "address", mac, "mtu", mtu, NULL);
        bool exists = strstr(ds_cstr(&err), "File exists") != NULL;
        ds_destroy(&err);
        if (!error) {
            plumb->stats.n_created++;
            VLOG_INFO("gateway %s: created veth pair %s (namespace %s)",
                      gw->name, gw->host, gw->netns);
            return NULL;
        } else if (!exists || attempt) {
            return error;
        }
        free(error);

        /* A leftover host link with our name. */
        error = run_ip(plumb, NULL, NULL, "link", "del", "dev", gw->host,
                       NULL);
        if (error) {
            return error;
        }
    }
}

static void
format_route(const struct plumb_route *r, struct ds *s)
{
    ds_put_format(s, IP_FMT "/%u", IP_ARGS(r->net), r->plen);
}

/* Makes the kernel side of 'gw' match 'cfg': reads what exists and
 * changes only what differs. */
static char *
sync_kernel(struct vpn_plumb *plumb, struct plumb_gw *gw,
            const struct plumb_config *cfg)
{
    struct plumb_ns_state ns;
    struct plumb_link host;
    bool tx_offload = true;
    char *error = NULL;

    memset(&ns, 0, sizeof ns);
    memset(&host, 0, sizeof host);
    gw->link_ok = false;

    /* The namespace.  A new one holds only a "lo" that is down. */
    bool fresh = false;
    if (!netns_exists(gw->netns)) {
        error = run_ip(plumb, NULL, NULL, "netns", "add", gw->netns, NULL);
        if (error) {
            goto exit;
        }
        VLOG_INFO("gateway %s: created namespace %s", gw->name, gw->netns);
        fresh = true;
    } else {
        bool unusable;

        error = read_ns_state(plumb, gw->netns, &ns, &unusable);
        if (error && !unusable) {
            goto exit;
        } else if (error) {
            /* A namespace that "ip -n" cannot enter (for example a file
             * left in /run/netns by "ip netns add" in a mount namespace
             * that is gone) is recreated. */
            VLOG_WARN("gateway %s: %s; recreating namespace %s", gw->name,
                      error, gw->netns);
            free(error);
            error = remove_kernel(plumb, gw->netns, gw->host);
            if (!error) {
                error = run_ip(plumb, NULL, NULL, "netns", "add", gw->netns,
                               NULL);
            }
            if (error) {
                goto exit;
            }
            ns_state_destroy(&ns);
            fresh = true;
        }
    }

    /* The veth pair: each end must be the other's peer. */
    bool same_pair = false;
    if (!fresh) {
        same_pair = read_host_link_cheaply(gw, &ns.eth0, &host);
        if (!same_pair) {
            error = read_host_link(plumb, gw->host, &host);
            if (error) {
                goto exit;
            }
        }
    }
    if (!same_pair) {
        gw->offload_off = false;
    }
    bool pair_ok = (host.exists && host.is_veth && ns.eth0.exists
                    && ns.eth0.is_veth
                    && ns.eth0.link_index == host.ifindex
                    && host.link_index == ns.eth0.ifindex);
    if (!pair_ok) {
        if (!fresh) {
            VLOG_INFO("gateway %s: veth pair %s missing or broken", gw->name,
                      gw->host);
        }
        if (ns.eth0.exists) {
            error = run_ip(plumb, NULL, NULL, "-n", gw->netns, "link", "del",
                           "dev", VPN_PLUMB_INNER_IFNAME, NULL);
            if (error) {
                goto exit;
            }
        }
        error = create_veth(plumb, gw, cfg);
        if (error) {
            goto exit;
        }
        gw->host_ifindex = if_nametoindex(gw->host);

        /* The new eth0 has our MAC and MTU and nothing else; its routes
         * went with the old one. */
        link_destroy(&ns.eth0);
        ns.eth0 = (struct plumb_link) {
            .exists = true, .mac = cfg->mac, .mtu = cfg->mtu
        };
        ns.n_routes = 0;
        host = (struct plumb_link) {
            .exists = true, .up = true, .mtu = cfg->mtu
        };
    } else if (same_pair && gw->offload_off) {
        /* Turned off on this very eth0 before. */
        tx_offload = false;
    } else {
        error = read_tx_offload(plumb, gw->netns, &tx_offload);
        if (error) {
            goto exit;
        }
    }
    gw->link_ok = true;
    if (pair_ok) {
        gw->host_ifindex = host.ifindex;
    }

    /* The host end. */
    if (!host.up || host.mtu != cfg->mtu) {
        char mtu[16];

        snprintf(mtu, sizeof mtu, "%d", cfg->mtu);
        error = run_ip(plumb, NULL, NULL, "link", "set", "dev", gw->host,
                       "mtu", mtu, "up", NULL);
        if (error) {
            goto exit;
        }
    }

    /* Inside the namespace, in one batch, in an order that works: stale
     * routes go while they still exist; addresses are deleted before the
     * new one is added (a new address in the old one's subnet would be
     * its secondary, deleted with it); routes are replaced last, all of
     * them if an address changed (the kernel drops routes with it). */
    struct svec batch = SVEC_EMPTY_INITIALIZER;
    struct ds cmd = DS_EMPTY_INITIALIZER;
    bool *route_ok = xcalloc(cfg->n_routes, sizeof *route_ok);

    for (size_t i = 0; i < ns.n_routes; i++) {
        const struct plumb_kroute *kr = &ns.routes[i];
        const struct plumb_route *want = bsearch(&kr->dst, cfg->routes,
                                                 cfg->n_routes,
                                                 sizeof *cfg->routes,
                                                 compare_routes);
        if (want && !kr->metric) {
            size_t idx = want - cfg->routes;
            route_ok[idx] = (!route_ok[idx] && kr->unicast && kr->on_eth0
                             && kr->gateway == cfg->router);
            continue;
        }
        ds_clear(&cmd);
        ds_put_cstr(&cmd, "route del ");
        format_route(&kr->dst, &cmd);
        ds_put_format(&cmd, " table main proto %d metric %lld",
                      VPN_PLUMB_ROUTE_PROTO, kr->metric);
        svec_add(&batch, ds_cstr(&cmd));
    }

    if (!ns.lo.up) {
        svec_add(&batch, "link set dev lo up");
    }
    if (!eth_addr_equals(ns.eth0.mac, cfg->mac)) {
        ds_clear(&cmd);
        ds_put_format(&cmd, "link set dev %s address "ETH_ADDR_FMT,
                      VPN_PLUMB_INNER_IFNAME, ETH_ADDR_ARGS(cfg->mac));
        svec_add(&batch, ds_cstr(&cmd));
    }
    if (ns.eth0.mtu != cfg->mtu) {
        ds_clear(&cmd);
        ds_put_format(&cmd, "link set dev %s mtu %d",
                      VPN_PLUMB_INNER_IFNAME, cfg->mtu);
        svec_add(&batch, ds_cstr(&cmd));
    }
    if (!ns.eth0.up) {
        svec_add(&batch, "link set dev "VPN_PLUMB_INNER_IFNAME" up");
    }

    bool have_addr = false;
    bool addr_changed = false;
    for (size_t i = 0; i < ns.eth0.n_addrs; i++) {
        const struct plumb_route *a = &ns.eth0.addrs[i];

        if (a->net == cfg->ip && a->plen == cfg->plen) {
            have_addr = true;
            continue;
        }
        ds_clear(&cmd);
        ds_put_cstr(&cmd, "address del ");
        format_route(a, &cmd);
        ds_put_cstr(&cmd, " dev "VPN_PLUMB_INNER_IFNAME);
        svec_add(&batch, ds_cstr(&cmd));
        addr_changed = true;
    }
    if (!have_addr) {
        ds_clear(&cmd);
        ds_put_format(&cmd, "address add "IP_FMT "/%u dev %s",
                      IP_ARGS(cfg->ip), cfg->plen, VPN_PLUMB_INNER_IFNAME);
        svec_add(&batch, ds_cstr(&cmd));
        addr_changed = true;
    }

    for (size_t i = 0; i < cfg->n_routes; i++) {
        if (route_ok[i] && !addr_changed) {
            continue;
        }
        ds_clear(&cmd);
        ds_put_cstr(&cmd, "route replace ");
        format_route(&cfg->routes[i], &cmd);
        ds_put_format(&cmd, " via "IP_FMT " dev %s proto %d",
                      IP_ARGS(cfg->router), VPN_PLUMB_INNER_IFNAME,
                      VPN_PLUMB_ROUTE_PROTO);
        svec_add(&batch, ds_cstr(&cmd));
    }
    free(route_ok);
    ds_destroy(&cmd);

    if (batch.n && !fresh && pair_ok) {
        VLOG_INFO("gateway %s: updating namespace %s (%"PRIuSIZE" changes)",
                  gw->name, gw->netns, batch.n);
    }
    error = run_ip_batch(plumb, gw->netns, &batch);
    svec_destroy(&batch);
    if (error) {
        goto exit;
    }

    /* Forwarding and offload, which "ip" cannot set from outside.  No
     * ICMP redirects: traffic that the VPC router sends here on purpose
     * leaves through eth0 again, encrypted, which the kernel would
     * otherwise answer with redirects to the router. */
    if (!ns.forwarding) {
        error = run_in_netns(plumb, gw->netns, NULL, "sysctl", "-q", "-w",
                             "net.ipv4.ip_forward=1",
                             "net.ipv4.conf.all.send_redirects=0",
                             "net.ipv4.conf.default.send_redirects=0",
                             "net.ipv4.conf."VPN_PLUMB_INNER_IFNAME
                             ".send_redirects=0", NULL);
        if (error) {
            goto exit;
        }
    }
    if (tx_offload) {
        error = run_in_netns(plumb, gw->netns, NULL, "ethtool", "-K",
                             VPN_PLUMB_INNER_IFNAME, "tx", "off", NULL);
        if (error) {
            goto exit;
        }
    }
    gw->offload_off = gw->host_ifindex != 0;

exit:
    ns_state_destroy(&ns);
    link_destroy(&host);
    return error;
}

/* Deletes the host link 'host' (which takes its peer with it at once,
 * even if a process keeps the namespace alive) and the namespace
 * 'netns'.  Either may be missing already. */
static char *
remove_kernel(struct vpn_plumb *plumb, const char *netns, const char *host)
{
    struct ds err = DS_EMPTY_INITIALIZER;
    char *error;

    error = run_ip(plumb, NULL, &err, "link", "del", "dev", host, NULL);
    if (error && strstr(ds_cstr(&err), "Cannot find device")) {
        free(error);
        error = NULL;
    }
    ds_destroy(&err);

    if (!error && netns_exists(netns)) {
        error = run_ip(plumb, NULL, NULL, "netns", "del", netns, NULL);
        if (!error) {
            plumb->stats.n_removed++;
        }
    }
    return error;
}

/* Removes the namespaces named "PREFIX-NAME" for every NAME not in
 * 'wanted', with their host links. */
static void
scan_leftovers(struct vpn_plumb *plumb, const struct sset *wanted)
{
    static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 5);
    size_t prefix_len = strlen(plumb->prefix);
    struct sset leftovers = SSET_INITIALIZER(&leftovers);

    DIR *dir = opendir(NETNS_RUN_DIR);
    if (!dir) {
        if (errno != ENOENT) {
            VLOG_WARN_RL(&rl, "%s: %s", NETNS_RUN_DIR, ovs_strerror(errno));
        }
        return;
    }
    struct dirent *de;
    while ((de = readdir(dir)) != NULL) {
        const char *name = de->d_name;

        if (!strncmp(name, plumb->prefix, prefix_len)
            && name[prefix_len] == '-' && name[prefix_len + 1]
            && !sset_contains(wanted, name + prefix_len + 1)) {
            sset_add(&leftovers, name);
        }
    }
    closedir(dir);

    const char *netns;
    SSET_FOR_EACH (netns, &leftovers) {
        char host[VPN_PLUMB_HOST_IFNAME_LEN + 1];

        vpn_plumb_host_ifname(netns, host);
        char *error = remove_kernel(plumb, netns, host);
        if (error) {
            VLOG_WARN_RL(&rl, "leftover namespace %s: %s", netns, error);
            free(error);
        } else {
            VLOG_INFO("removed leftover namespace %s", netns);
        }
    }
    sset_destroy(&leftovers);
}

/* The OVS side. */

/* A port and the bridge that holds it. */
struct port_ref {
    const struct ovsrec_port *port;
    const struct ovsrec_bridge *bridge;
};

static bool
iface_is_ours(const struct vpn_plumb *plumb,
              const struct ovsrec_interface *iface)
{
    const char *netns = smap_get(&iface->external_ids,
                                 VPN_PLUMB_EXT_ID_NETNS);
    size_t len = strlen(plumb->prefix);

    return (netns && smap_get(&iface->external_ids, VPN_PLUMB_EXT_ID_GATEWAY)
            && !strncmp(netns, plumb->prefix, len) && netns[len] == '-');
}

static void
delete_port(const struct port_ref *ref, struct sset *deleted,
            struct ovsdb_idl_txn *txn)
{
    if (!sset_add(deleted, ref->port->name)) {
        return;
    }
    VLOG_INFO("deleting port %s from bridge %s", ref->port->name,
              ref->bridge->name);
    ovsdb_idl_txn_add_comment(txn, "ovn-vpn: deleting port %s",
                              ref->port->name);
    ovsrec_bridge_update_ports_delvalue(ref->bridge, ref->port);
    for (size_t i = 0; i < ref->port->n_interfaces; i++) {
        ovsrec_interface_delete(ref->port->interfaces[i]);
    }
    ovsrec_port_delete(ref->port);
}

static void
insert_port(const struct ovsrec_bridge *br, const struct plumb_gw *gw,
            struct ovsdb_idl_txn *txn)
{
    struct smap ids = SMAP_INITIALIZER(&ids);

    VLOG_INFO("gateway %s: adding port %s to bridge %s", gw->name, gw->host,
              br->name);
    ovsdb_idl_txn_add_comment(txn, "ovn-vpn: adding port %s for gateway %s",
                              gw->host, gw->name);

    smap_add(&ids, "iface-id", gw->cfg->lport);
    smap_add(&ids, VPN_PLUMB_EXT_ID_GATEWAY, gw->name);
    smap_add(&ids, VPN_PLUMB_EXT_ID_NETNS, gw->netns);
    struct ovsrec_interface *iface = ovsrec_interface_insert(txn);
    ovsrec_interface_set_name(iface, gw->host);
    ovsrec_interface_set_external_ids(iface, &ids);
    smap_destroy(&ids);

    struct ovsrec_port *port = ovsrec_port_insert(txn);
    ovsrec_port_set_name(port, gw->host);
    ovsrec_port_set_interfaces(port, &iface, 1);
    ovsrec_bridge_update_ports_addvalue(br, port);
}

/* Sets 'key' to 'value' in 'iface''s external_ids if it differs.  Returns
 * true if it changed it. */
static bool
update_ext_id(const struct ovsrec_interface *iface, const char *key,
              const char *value)
{
    const char *old = smap_get(&iface->external_ids, key);

    if (old && !strcmp(old, value)) {
        return false;
    }
    ovsrec_interface_update_external_ids_setkey(iface, key, value);
    return true;
}

/* Makes the integration bridge hold one port per gateway with a host link
 * and no port that we own otherwise.  Returns true if it changed 'txn'. */
static bool
sync_ovs(struct vpn_plumb *plumb, const struct ovsdb_idl *idl,
         struct ovsdb_idl_txn *txn)
{
    struct shash ports = SHASH_INITIALIZER(&ports);
    struct shash ifaces = SHASH_INITIALIZER(&ifaces);
    struct shash owned = SHASH_INITIALIZER(&owned);
    struct sset deleted = SSET_INITIALIZER(&deleted);
    const struct ovsrec_bridge *br = NULL;
    const struct ovsrec_bridge *b;
    bool changed = false;

    /* Index every port by its name and its interfaces' names. */
    size_t n_refs = 0, allocated_refs = 0;
    struct port_ref *refs = NULL;
    OVSREC_BRIDGE_FOR_EACH (b, idl) {
        if (!strcmp(b->name, plumb->bridge)) {
            br = b;
        }
        for (size_t i = 0; i < b->n_ports; i++) {
            if (n_refs >= allocated_refs) {
                refs = x2nrealloc(refs, &allocated_refs, sizeof *refs);
            }
            refs[n_refs++] = (struct port_ref) { b->ports[i], b };
        }
    }
    for (size_t i = 0; i < n_refs; i++) {
        const struct port_ref *ref = &refs[i];

        shash_add_once(&ports, ref->port->name, ref);
        for (size_t k = 0; k < ref->port->n_interfaces; k++) {
            const struct ovsrec_interface *iface = ref->port->interfaces[k];

            shash_add_once(&ifaces, iface->name, ref);
            if (iface_is_ours(plumb, iface)) {
                shash_add_once(&owned, ref->port->name, ref);
            }
        }
    }

    struct plumb_gw *gw;
    HMAP_FOR_EACH (gw, node, &plumb->gateways) {
        free(gw->ovs_error);
        gw->ovs_error = NULL;
        if (!gw->seen) {
            /* Left, but its removal was deferred. */
            continue;
        }
        shash_find_and_delete(&owned, gw->host);
        if (!gw->cfg) {
            continue;
        }
        if (!br) {
            gw->ovs_error = xasprintf("bridge %s not found", plumb->bridge);
            continue;
        }

        const struct port_ref *ref = shash_find_data(&ports, gw->host);
        const struct port_ref *iref = shash_find_data(&ifaces, gw->host);
        const struct ovsrec_interface *iface = (ref && ref->port->n_interfaces
                                                ? ref->port->interfaces[0]
                                                : NULL);
        if (ref && ref->bridge == br && ref->port->n_interfaces == 1
            && iref && iref->port == ref->port
            && (!iface->type[0] || !strcmp(iface->type, "system"))) {
            changed |= update_ext_id(iface, "iface-id", gw->cfg->lport);
            changed |= update_ext_id(iface, VPN_PLUMB_EXT_ID_GATEWAY,
                                     gw->name);
            changed |= update_ext_id(iface, VPN_PLUMB_EXT_ID_NETNS,
                                     gw->netns);
            if (iface->error && iface->error[0]) {
                gw->ovs_error = xasprintf("interface %s: %s", gw->host,
                                          iface->error);
            }
            continue;
        }

        if (ref) {
            delete_port(ref, &deleted, txn);
            changed = true;
        }
        if (iref && (!ref || iref->port != ref->port)) {
            delete_port(iref, &deleted, txn);
            changed = true;
        }
        if (gw->link_ok) {
            insert_port(br, gw, txn);
            changed = true;
        }
    }

    /* Ports of gateways that left, and of earlier runs. */
    struct shash_node *node;
    SHASH_FOR_EACH (node, &owned) {
        delete_port(node->data, &deleted, txn);
        changed = true;
    }

    shash_destroy(&ports);
    shash_destroy(&ifaces);
    shash_destroy(&owned);
    sset_destroy(&deleted);
    free(refs);
    return changed;
}
