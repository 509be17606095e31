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

/* What the kernel has, for the gateways' plumbing (see
 * vpn-plumb-private.h): links, addresses and routes read from iproute2's
 * JSON output. */

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

VLOG_DEFINE_THIS_MODULE(vpn_plumb_state);

/* JSON from "ip -j". */

static const struct json *
plumb_json_member(const struct json *obj, const char *key)
{
    return (obj && obj->type == JSON_OBJECT
            ? shash_find_data(json_object(obj), key)
            : NULL);
}

static const char *
plumb_json_member_string(const struct json *obj, const char *key)
{
    const struct json *j = plumb_json_member(obj, key);
    return j && j->type == JSON_STRING ? json_string(j) : NULL;
}

static long long int
plumb_json_member_int(const struct json *obj, const char *key,
                      long long int default_value)
{
    const struct json *j = plumb_json_member(obj, key);
    return j && j->type == JSON_INTEGER ? json_integer(j) : default_value;
}

static size_t
plumb_json_array_len(const struct json *j)
{
    return j && j->type == JSON_ARRAY ? json_array(j)->n : 0;
}

static const struct json *
plumb_json_array_at(const struct json *j, size_t i)
{
    return json_array(j)->elems[i];
}

static bool
plumb_json_has_flag(const struct json *obj, const char *flag)
{
    const struct json *flags = plumb_json_member(obj, "flags");

    for (size_t i = 0; i < plumb_json_array_len(flags); i++) {
        const struct json *f = plumb_json_array_at(flags, i);
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
plumb_parse_json_arrays(const char *text, struct json **values, size_t n)
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
plumb_link_from_json(const struct json *j, struct plumb_link *link)
{
    memset(link, 0, sizeof *link);
    link->exists = true;
    link->ifindex = plumb_json_member_int(j, "ifindex", 0);
    link->link_index = plumb_json_member_int(j, "link_index", 0);
    link->up = plumb_json_has_flag(j, "UP");
    link->mtu = plumb_json_member_int(j, "mtu", 0);

    const char *kind = plumb_json_member_string(plumb_json_member(j,
                                                                  "linkinfo"),
                                                "info_kind");
    link->is_veth = kind && !strcmp(kind, "veth");

    const char *mac = plumb_json_member_string(j, "address");
    if (!mac || !eth_addr_from_string(mac, &link->mac)) {
        link->mac = eth_addr_zero;
    }

    const struct json *addrs = plumb_json_member(j, "addr_info");
    size_t n = plumb_json_array_len(addrs);
    link->addrs = xmalloc(n * sizeof *link->addrs + 1);
    for (size_t i = 0; i < n; i++) {
        const struct json *a = plumb_json_array_at(addrs, i);
        const char *family = plumb_json_member_string(a, "family");
        const char *local = plumb_json_member_string(a, "local");
        long long int plen = plumb_json_member_int(a, "prefixlen", -1);
        ovs_be32 ip;

        if (family && !strcmp(family, "inet") && local
            && ip_parse(local, &ip) && plen >= 0 && plen <= 32) {
            link->addrs[link->n_addrs++] = (struct plumb_route) {
                ip, plen
            };
        }
    }
}

void
plumb_link_destroy(struct plumb_link *link)
{
    free(link->addrs);
    link->addrs = NULL;
    link->n_addrs = 0;
}

static bool
plumb_route_from_json(const struct json *j, struct plumb_kroute *r)
{
    const char *dst = plumb_json_member_string(j, "dst");
    const char *gateway = plumb_json_member_string(j, "gateway");
    const char *dev = plumb_json_member_string(j, "dev");
    const char *type = plumb_json_member_string(j, "type");

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
    r->metric = plumb_json_member_int(j, "metric", 0);
    return true;
}

void
plumb_ns_state_destroy(struct plumb_ns_state *s)
{
    plumb_link_destroy(&s->lo);
    plumb_link_destroy(&s->eth0);
    free(s->routes);
    s->routes = NULL;
    s->n_routes = 0;
}

/* Reads the host link 'host' into 'link' ('link->exists' false if there is
 * none). */
char * OVS_WARN_UNUSED_RESULT
plumb_read_host_link(struct vpn_plumb *plumb, const char *host,
                     struct plumb_link *link)
{
    struct ds out = DS_EMPTY_INITIALIZER;
    struct ds err = DS_EMPTY_INITIALIZER;
    char *error;

    memset(link, 0, sizeof *link);
    error = plumb_run_ip(plumb, &out, &err, "-d", "-j", "link", "show", "dev",
                         host, NULL);
    if (error) {
        if (strstr(ds_cstr(&err), "does not exist")) {
            free(error);
            error = NULL;
        }
    } else {
        struct json *j;

        error = plumb_parse_json_arrays(ds_cstr(&out), &j, 1);
        if (!error) {
            if (plumb_json_array_len(j) == 1) {
                plumb_link_from_json(plumb_json_array_at(j, 0), link);
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
bool
plumb_read_host_link_cheaply(const struct plumb_gw *gw,
                             const struct plumb_link *eth0,
                             struct plumb_link *link)
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
char * OVS_WARN_UNUSED_RESULT
plumb_read_ns_state(struct vpn_plumb *plumb, const char *netns,
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
    char *error = plumb_run_cmd(plumb, &argv, input, &out, &err);
    svec_destroy(&argv);
    if (!error) {
        error = plumb_parse_json_arrays(ds_cstr(&out), values, 3);
    } else {
        *unusable = strstr(ds_cstr(&err), "network namespace") != NULL;
    }
    ds_destroy(&out);
    ds_destroy(&err);
    if (error) {
        return error;
    }

    for (size_t i = 0; i < plumb_json_array_len(values[0]); i++) {
        const struct json *j = plumb_json_array_at(values[0], i);
        const char *name = plumb_json_member_string(j, "ifname");

        if (name && !strcmp(name, "lo")) {
            plumb_link_destroy(&s->lo);
            plumb_link_from_json(j, &s->lo);
        } else if (name && !strcmp(name, VPN_PLUMB_INNER_IFNAME)) {
            plumb_link_destroy(&s->eth0);
            plumb_link_from_json(j, &s->eth0);
        }
    }

    size_t n = plumb_json_array_len(values[1]);
    s->routes = xmalloc(n * sizeof *s->routes + 1);
    for (size_t i = 0; i < n; i++) {
        if (plumb_route_from_json(plumb_json_array_at(values[1], i),
                                  &s->routes[s->n_routes])) {
            s->n_routes++;
        }
    }

    for (size_t i = 0; i < plumb_json_array_len(values[2]); i++) {
        const struct json *j = plumb_json_array_at(values[2], i);
        const char *family = plumb_json_member_string(j, "family");
        const char *iface = plumb_json_member_string(j, "interface");
        const struct json *fwd = plumb_json_member(j, "forwarding");

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
char * OVS_WARN_UNUSED_RESULT
plumb_read_tx_offload(struct vpn_plumb *plumb, const char *netns, bool *on)
{
    struct ds out = DS_EMPTY_INITIALIZER;
    struct json *j;

    *on = true;
    char *error = plumb_run_in_netns(plumb, netns, &out, "ethtool", "--json",
                                     "-k", VPN_PLUMB_INNER_IFNAME, NULL);
    if (!error) {
        error = plumb_parse_json_arrays(ds_cstr(&out), &j, 1);
    }
    if (!error) {
        const struct json *tx = plumb_json_member(
            plumb_json_array_len(j) ? plumb_json_array_at(j, 0) : NULL,
            "tx-checksumming");
        const struct json *active = plumb_json_member(tx, "active");

        *on = !active || active->type != JSON_FALSE;
        json_destroy(j);
    }
    ds_destroy(&out);
    return error;
}
