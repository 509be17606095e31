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

/* The kernel side of the gateways' plumbing (see vpn-plumb-private.h):
 * namespaces, veth pairs, addresses and routes made and repaired with
 * iproute2, leftovers of an earlier run removed. */

#include <config.h>

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

#include "vpn-plumb-private.h"

VLOG_DEFINE_THIS_MODULE(vpn_plumb_kernel);

/* Commands. */

/* Runs 'argv' (see vpn_exec()), counting it and logging it at debug
 * level. */
char *
plumb_run_cmd(struct vpn_plumb *plumb, const struct svec *argv,
              const char *input,
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
char * OVS_WARN_UNUSED_RESULT
plumb_run_ip(struct vpn_plumb *plumb, struct ds *out, struct ds *err, ...)
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

    char *error = plumb_run_cmd(plumb, &argv, NULL, out, err);
    svec_destroy(&argv);
    return error;
}

/* Runs "ip -n NETNS -batch -" with the commands in 'batch', one per
 * element.  On failure, the error names the command that failed. */
static char * OVS_WARN_UNUSED_RESULT
plumb_run_ip_batch(struct vpn_plumb *plumb, const char *netns,
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
    char *error = plumb_run_cmd(plumb, &argv, ds_cstr(&input), NULL, &err);
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
char * OVS_WARN_UNUSED_RESULT
plumb_run_in_netns(struct vpn_plumb *plumb, const char *netns, struct ds *out,
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

    char *error = plumb_run_cmd(plumb, &argv, NULL, out, NULL);
    svec_destroy(&argv);
    return error;
}

static bool
plumb_netns_exists(const char *netns)
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
plumb_create_veth(struct vpn_plumb *plumb, const struct plumb_gw *gw,
                  const struct plumb_config *cfg)
{
    char mac[ETH_ADDR_STRLEN + 1];
    char mtu[16];

    snprintf(mac, sizeof mac, ETH_ADDR_FMT, ETH_ADDR_ARGS(cfg->mac));
    snprintf(mtu, sizeof mtu, "%d", cfg->mtu);
    for (int attempt = 0; ; attempt++) {
        struct ds err = DS_EMPTY_INITIALIZER;
        char *error = plumb_run_ip(plumb, NULL, &err, "link", "add", gw->host,
                                   "mtu", mtu, "up", "type", "veth", "peer",
                                   "name", VPN_PLUMB_INNER_IFNAME, "netns",
                                   gw->netns, "address", mac, "mtu", mtu,
                                   NULL);
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
        error = plumb_run_ip(plumb, NULL, NULL, "link", "del", "dev", gw->host,
                             NULL);
        if (error) {
            return error;
        }
    }
}

static void
plumb_format_route(const struct plumb_route *r, struct ds *s)
{
    ds_put_format(s, IP_FMT "/%u", IP_ARGS(r->net), r->plen);
}

/* Makes the kernel side of 'gw' match 'cfg': reads what exists and
 * changes only what differs. */
char *
plumb_sync_kernel(struct vpn_plumb *plumb, struct plumb_gw *gw,
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
    if (!plumb_netns_exists(gw->netns)) {
        error = plumb_run_ip(plumb, NULL, NULL, "netns", "add", gw->netns,
                             NULL);
        if (error) {
            goto exit;
        }
        VLOG_INFO("gateway %s: created namespace %s", gw->name, gw->netns);
        fresh = true;
    } else {
        bool unusable;

        error = plumb_read_ns_state(plumb, gw->netns, &ns, &unusable);
        if (error && !unusable) {
            goto exit;
        } else if (error) {
            /* A namespace that "ip -n" cannot enter (for example a file
             * left in /run/netns by "ip netns add" in a mount namespace
             * that is gone) is recreated. */
            VLOG_WARN("gateway %s: %s; recreating namespace %s", gw->name,
                      error, gw->netns);
            free(error);
            error = plumb_remove_kernel(plumb, gw->netns, gw->host);
            if (!error) {
                error = plumb_run_ip(plumb, NULL, NULL, "netns", "add",
                                     gw->netns,
                                     NULL);
            }
            if (error) {
                goto exit;
            }
            plumb_ns_state_destroy(&ns);
            fresh = true;
        }
    }

    /* The veth pair: each end must be the other's peer. */
    bool same_pair = false;
    if (!fresh) {
        same_pair = plumb_read_host_link_cheaply(gw, &ns.eth0, &host);
        if (!same_pair) {
            error = plumb_read_host_link(plumb, gw->host, &host);
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
            error = plumb_run_ip(plumb, NULL, NULL, "-n", gw->netns, "link",
                                 "del",
                                 "dev", VPN_PLUMB_INNER_IFNAME, NULL);
            if (error) {
                goto exit;
            }
        }
        error = plumb_create_veth(plumb, gw, cfg);
        if (error) {
            goto exit;
        }
        gw->host_ifindex = if_nametoindex(gw->host);

        /* The new eth0 has our MAC and MTU and nothing else; its routes
         * went with the old one. */
        plumb_link_destroy(&ns.eth0);
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
        error = plumb_read_tx_offload(plumb, gw->netns, &tx_offload);
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
        error = plumb_run_ip(plumb, NULL, NULL, "link", "set", "dev", gw->host,
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
                                                 plumb_compare_routes);
        if (want && !kr->metric) {
            size_t idx = want - cfg->routes;
            route_ok[idx] = (!route_ok[idx] && kr->unicast && kr->on_eth0
                             && kr->gateway == cfg->router);
            continue;
        }
        ds_clear(&cmd);
        ds_put_cstr(&cmd, "route del ");
        plumb_format_route(&kr->dst, &cmd);
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
        plumb_format_route(a, &cmd);
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
        plumb_format_route(&cfg->routes[i], &cmd);
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
    error = plumb_run_ip_batch(plumb, gw->netns, &batch);
    svec_destroy(&batch);
    if (error) {
        goto exit;
    }

    /* Forwarding and offload, which "ip" cannot set from outside.  No
     * ICMP redirects: traffic that the VPC router sends here on purpose
     * leaves through eth0 again, encrypted, which the kernel would
     * otherwise answer with redirects to the router. */
    if (!ns.forwarding) {
        error = plumb_run_in_netns(plumb, gw->netns, NULL, "sysctl", "-q",
                                   "-w",
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
        error = plumb_run_in_netns(plumb, gw->netns, NULL, "ethtool", "-K",
                                   VPN_PLUMB_INNER_IFNAME, "tx", "off", NULL);
        if (error) {
            goto exit;
        }
    }
    gw->offload_off = gw->host_ifindex != 0;

exit:
    plumb_ns_state_destroy(&ns);
    plumb_link_destroy(&host);
    return error;
}

/* Deletes the host link 'host' (which takes its peer with it at once,
 * even if a process keeps the namespace alive) and the namespace
 * 'netns'.  Either may be missing already. */
char *
plumb_remove_kernel(struct vpn_plumb *plumb, const char *netns,
                    const char *host)
{
    struct ds err = DS_EMPTY_INITIALIZER;
    char *error;

    error = plumb_run_ip(plumb, NULL, &err, "link", "del", "dev", host, NULL);
    if (error && strstr(ds_cstr(&err), "Cannot find device")) {
        free(error);
        error = NULL;
    }
    ds_destroy(&err);

    if (!error && plumb_netns_exists(netns)) {
        error = plumb_run_ip(plumb, NULL, NULL, "netns", "del", netns, NULL);
        if (!error) {
            plumb->stats.n_removed++;
        }
    }
    return error;
}

/* Removes the namespaces named "PREFIX-NAME" for every NAME not in
 * 'wanted', with their host links. */
void
plumb_scan_leftovers(struct vpn_plumb *plumb, const struct sset *wanted)
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
        char *error = plumb_remove_kernel(plumb, netns, host);
        if (error) {
            VLOG_WARN_RL(&rl, "leftover namespace %s: %s", netns, error);
            free(error);
        } else {
            VLOG_INFO("removed leftover namespace %s", netns);
        }
    }
    sset_destroy(&leftovers);
}
