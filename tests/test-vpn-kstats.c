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

/* test-vpn-kstats: drives ipsec-agent/vpn-kstats and vpn-metrics.
 *
 *   table
 *       Builds, from netlink messages made here as the kernel makes them,
 *       the SAs and policies of two tunnels of gateway 192.0.2.1 (t1:
 *       10.1.0.0/24 to 10.2.0.0/24, rekeyed: two SAs each way; t2: two
 *       local CIDRs, one to 10.4.0.0/16) plus an inbound policy, another
 *       gateway's SA and an IPv6 SA, which count for nothing, and the
 *       link statistics; prints each tunnel's counters and the link's.
 *   live NETNS
 *       Reads namespace NETNS ("-": this one) and prints whether its link
 *       VPN_PLUMB_INNER_IFNAME has counters, and the link's packets.
 *   metrics
 *       Prints a few metrics whose label values need escaping. */

#include <config.h>

#include "vpn-kstats.h"

#include <arpa/inet.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/xfrm.h>
#include <stdio.h>
#include <string.h>

#include "netlink.h"
#include "openvswitch/ofpbuf.h"
#include "util.h"
#include "vpn-metrics.h"

/* Makes in 'msg' (initialized by the caller) the XFRM_MSG_NEWSA message
 * of an ESP tunnel SA of 'family' (IPv4 addresses 'src' and 'dst', none
 * for another family) as the kernel dumps it. */
static void
make_sa(struct ofpbuf *msg, const char *src, const char *dst,
        uint32_t reqid, uint64_t bytes, uint64_t packets, int family)
{
    nl_msg_put_nlmsghdr(msg, sizeof(struct xfrm_usersa_info),
                        XFRM_MSG_NEWSA, NLM_F_MULTI);
    struct xfrm_usersa_info *info = ofpbuf_put_zeros(msg, sizeof *info);
    info->family = family;
    if (family == AF_INET) {
        inet_pton(AF_INET, src, &info->saddr.a4);
        inet_pton(AF_INET, dst, &info->id.daddr.a4);
    }
    info->id.proto = IPPROTO_ESP;
    info->id.spi = htonl(reqid * 16 + packets);
    info->reqid = reqid;
    info->mode = XFRM_MODE_TUNNEL;
    info->curlft.bytes = bytes;
    info->curlft.packets = packets;
    /* What the kernel adds after the header, the keys among them. */
    nl_msg_put_unspec_zero(msg, XFRMA_ALG_CRYPT, 68);
    nl_msg_nlmsghdr(msg)->nlmsg_len = msg->size;
}

/* Adds to 't' the IPv4 ESP tunnel SA that make_sa() describes. */
static void
add_sa(struct vpn_kstats_table *t, const char *src, const char *dst,
       uint32_t reqid, uint64_t bytes, uint64_t packets)
{
    struct ofpbuf msg;
    ofpbuf_init(&msg, 0);
    make_sa(&msg, src, dst, reqid, bytes, packets, AF_INET);
    ovs_assert(vpn_kstats_table_add_msg(t, NETLINK_XFRM, &msg));
    ofpbuf_uninit(&msg);
}

static void
add_policy(struct vpn_kstats_table *t, const char *src, int src_plen,
           const char *dst, int dst_plen, int dir, uint32_t reqid)
{
    struct ofpbuf msg;
    ofpbuf_init(&msg, 0);
    nl_msg_put_nlmsghdr(&msg, sizeof(struct xfrm_userpolicy_info),
                        XFRM_MSG_NEWPOLICY, NLM_F_MULTI);
    struct xfrm_userpolicy_info *info = ofpbuf_put_zeros(&msg, sizeof *info);
    info->sel.family = AF_INET;
    inet_pton(AF_INET, src, &info->sel.saddr.a4);
    inet_pton(AF_INET, dst, &info->sel.daddr.a4);
    info->sel.prefixlen_s = src_plen;
    info->sel.prefixlen_d = dst_plen;
    info->dir = dir;
    struct xfrm_user_tmpl tmpl;
    memset(&tmpl, 0, sizeof tmpl);
    tmpl.reqid = reqid;
    tmpl.family = AF_INET;
    nl_msg_put_unspec(&msg, XFRMA_TMPL, &tmpl, sizeof tmpl);
    nl_msg_nlmsghdr(&msg)->nlmsg_len = msg.size;
    ovs_assert(vpn_kstats_table_add_msg(t, NETLINK_XFRM, &msg));
    ofpbuf_uninit(&msg);
}

static void
add_link(struct vpn_kstats_table *t)
{
    struct ofpbuf msg;
    ofpbuf_init(&msg, 0);
    nl_msg_put_nlmsghdr(&msg, sizeof(struct ifinfomsg), RTM_NEWLINK, 0);
    ofpbuf_put_zeros(&msg, sizeof(struct ifinfomsg));
    nl_msg_put_string(&msg, IFLA_IFNAME, "eth0");
    struct rtnl_link_stats64 s;
    memset(&s, 0, sizeof s);
    s.rx_bytes = 1000;
    s.tx_bytes = 2000;
    s.rx_packets = 10;
    s.tx_packets = 20;
    nl_msg_put_unspec(&msg, IFLA_STATS64, &s, sizeof s);
    nl_msg_nlmsghdr(&msg)->nlmsg_len = msg.size;
    ovs_assert(vpn_kstats_table_add_msg(t, NETLINK_ROUTE, &msg));
    ofpbuf_uninit(&msg);
}

static void
print_tunnel(const struct vpn_kstats_table *t, const char *name,
             const char *const *local, size_t n_local,
             const char *const *peer, size_t n_peer)
{
    struct vpn_kcounters c;
    bool found = vpn_kstats_table_tunnel(t, "192.0.2.1", local, n_local,
                                         peer, n_peer, &c);
    printf("%s: %s rx=%"PRId64"B/%"PRId64"p tx=%"PRId64"B/%"PRId64"p\n",
           name, found ? "found" : "none", c.rx_bytes, c.rx_packets,
           c.tx_bytes, c.tx_packets);
}

static void
do_table(void)
{
    struct vpn_kstats_table t;
    vpn_kstats_table_init(&t);

    /* t1, rekeyed: old and new SAs, each way. */
    add_policy(&t, "10.1.0.0", 24, "10.2.0.0", 24, XFRM_POLICY_OUT, 1);
    add_policy(&t, "10.2.0.0", 24, "10.1.0.0", 24, XFRM_POLICY_IN, 1);
    add_sa(&t, "192.0.2.1", "192.0.2.2", 1, 1000, 10);
    add_sa(&t, "192.0.2.1", "192.0.2.2", 1, 500, 5);
    add_sa(&t, "192.0.2.2", "192.0.2.1", 1, 3000, 30);
    add_sa(&t, "192.0.2.2", "192.0.2.1", 1, 100, 1);

    /* t2: two local CIDRs, one reqid each. */
    add_policy(&t, "10.3.1.0", 24, "10.4.0.0", 16, XFRM_POLICY_OUT, 2);
    add_policy(&t, "10.3.2.0", 24, "10.4.0.0", 16, XFRM_POLICY_OUT, 3);
    add_sa(&t, "192.0.2.1", "192.0.2.3", 2, 64, 1);
    add_sa(&t, "192.0.2.1", "192.0.2.3", 3, 128, 2);
    add_sa(&t, "192.0.2.3", "192.0.2.1", 3, 256, 4);

    /* Another gateway's SA of reqid 1, and an IPv6 one: not counted. */
    add_sa(&t, "198.51.100.1", "198.51.100.2", 1, 7777, 77);
    struct ofpbuf msg;
    ofpbuf_init(&msg, 0);
    make_sa(&msg, NULL, NULL, 1, 8888, 88, AF_INET6);
    printf("IPv6 SA taken: %s\n",
           vpn_kstats_table_add_msg(&t, NETLINK_XFRM, &msg) ? "yes" : "no");

    /* A truncated message is refused. */
    ofpbuf_clear(&msg);
    nl_msg_put_nlmsghdr(&msg, 8, XFRM_MSG_NEWSA, NLM_F_MULTI);
    ofpbuf_put_zeros(&msg, 8);
    nl_msg_nlmsghdr(&msg)->nlmsg_len = msg.size;
    printf("short SA taken: %s\n",
           vpn_kstats_table_add_msg(&t, NETLINK_XFRM, &msg) ? "yes" : "no");
    ofpbuf_uninit(&msg);

    add_link(&t);

    static const char *t1_local[] = { "10.1.0.0/24" };
    static const char *t1_peer[] = { "10.2.0.0/24" };
    static const char *t2_local[] = { "10.3.1.0/24", "10.3.2.0/24" };
    static const char *t2_peer[] = { "10.4.0.0/16" };
    static const char *t3_peer[] = { "10.9.0.0/16" };
    print_tunnel(&t, "t1", t1_local, 1, t1_peer, 1);
    print_tunnel(&t, "t2", t2_local, 2, t2_peer, 1);
    print_tunnel(&t, "t2 first CIDR only", t2_local, 1, t2_peer, 1);
    print_tunnel(&t, "t3", t1_local, 1, t3_peer, 1);
    printf("link: rx=%"PRId64"B/%"PRId64"p tx=%"PRId64"B/%"PRId64"p\n",
           t.link.rx_bytes, t.link.rx_packets, t.link.tx_bytes,
           t.link.tx_packets);
    vpn_kstats_table_destroy(&t);
}

static void
do_live(const char *netns)
{
    struct vpn_kstats *ks = vpn_kstats_create(strcmp(netns, "-") ? netns
                                                               : NULL);
    bool changed;
    int error = vpn_kstats_refresh(ks, &changed);
    const struct vpn_kstats_table *t = vpn_kstats_get(ks);
    printf("error=%s link=%s packets=%"PRId64"\n",
           error ? ovs_strerror(error) : "none", t->have_link ? "yes" : "no",
           t->link.rx_packets + t->link.tx_packets);
    vpn_kstats_destroy(ks);
}

static void
do_metrics(void)
{
    struct vpn_metrics m;
    vpn_metrics_init(&m);
    const char *l1[] = { "gateway", "gw\"1\\", "vpc", "line\nbreak" };
    const char *l2[] = { "gateway", "gw2", "vpc", "" };
    vpn_metrics_add(&m, "ovn_vpn_gateway_up", "gauge", "Up.", l1, 2, 1);
    vpn_metrics_add(&m, "ovn_vpn_gateway_transmit_bytes_total", "counter",
                    "Sent.", l1, 2, 12345678901LL);
    vpn_metrics_add(&m, "ovn_vpn_gateway_up", "gauge", "Up.", l2, 2, 0);
    struct ds ds = DS_EMPTY_INITIALIZER;
    vpn_metrics_format(&m, &ds);
    fputs(ds_cstr(&ds), stdout);
    ds_destroy(&ds);
    vpn_metrics_destroy(&m);
}

int
main(int argc, char *argv[])
{
    set_program_name(argv[0]);
    if (argc == 2 && !strcmp(argv[1], "table")) {
        do_table();
    } else if (argc == 3 && !strcmp(argv[1], "live")) {
        do_live(argv[2]);
    } else if (argc == 2 && !strcmp(argv[1], "metrics")) {
        do_metrics();
    } else {
        ovs_fatal(0, "usage: %s table | live NETNS | metrics", argv[0]);
    }
    return 0;
}
