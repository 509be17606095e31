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

/* The kernel's traffic counters of a gateway's namespace (see
 * vpn-kstats.h). */

#include <config.h>

#include "vpn-kstats.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/xfrm.h>
#include <net/if.h>
#include <sched.h>
#include <string.h>
#include <unistd.h>

#include "coverage.h"
#include "hash.h"
#include "netlink.h"
#include "netlink-socket.h"
#include "openvswitch/ofpbuf.h"
#include "openvswitch/vlog.h"
#include "util.h"
#include "vpn-plumb.h"

VLOG_DEFINE_THIS_MODULE(vpn_kstats);

COVERAGE_DEFINE(vpn_kstats_refresh);

/* Where "ip netns" keeps its namespaces. */
#define KSTATS_NETNS_DIR "/run/netns"

/* One SA. */
struct kstats_sa {
    struct hmap_node node;      /* In vpn_kstats_table's 'sas', by reqid. */
    uint32_t reqid;
    ovs_be32 src, dst;          /* Outer addresses. */
    uint64_t bytes, packets;
};

/* One "out" policy: its selector and its template's reqid. */
struct kstats_policy {
    ovs_be32 src, dst;
    uint8_t src_plen, dst_plen;
    uint32_t reqid;
};

struct vpn_kstats {
    char *netns;                /* NULL: the caller's own namespace. */
    struct nl_sock *xfrm;       /* NULL until opened. */
    struct nl_sock *route;
    struct vpn_kstats_table table;
    uint32_t digest;            /* Of 'table', as the last refresh left it. */
};

static bool kstats_parse_cidr(const char *, ovs_be32 *ip, uint8_t *plen);
static int kstats_refresh__(struct vpn_kstats *);

void
vpn_kstats_table_init(struct vpn_kstats_table *t)
{
    hmap_init(&t->sas);
    t->policies = NULL;
    t->n_policies = t->allocated_policies = 0;
    t->have_link = false;
    t->link = (struct vpn_kcounters) { -1, -1, -1, -1 };
}

void
vpn_kstats_table_clear(struct vpn_kstats_table *t)
{
    struct kstats_sa *sa;
    HMAP_FOR_EACH_POP (sa, node, &t->sas) {
        free(sa);
    }
    t->n_policies = 0;
    t->have_link = false;
    t->link = (struct vpn_kcounters) { -1, -1, -1, -1 };
}

void
vpn_kstats_table_destroy(struct vpn_kstats_table *t)
{
    if (t) {
        vpn_kstats_table_clear(t);
        hmap_destroy(&t->sas);
        free(t->policies);
    }
}

/* Adds to 't' what netlink message 'msg', received on a socket of
 * 'protocol', says: an SA (NETLINK_XFRM, XFRM_MSG_NEWSA), an outbound
 * policy (NETLINK_XFRM, XFRM_MSG_NEWPOLICY) or a link's statistics
 * (NETLINK_ROUTE, RTM_NEWLINK): the two protocols' message types overlap.
 * Returns false if 'msg' is of another kind or malformed (nothing is
 * added); true for a policy that does not matter (inbound, IPv6). */
bool
vpn_kstats_table_add_msg(struct vpn_kstats_table *t, int protocol,
                         const struct ofpbuf *msg)
{
    const struct nlmsghdr *nlh = msg->data;
    if (msg->size < NLMSG_HDRLEN || nlh->nlmsg_len > msg->size) {
        return false;
    }
    size_t payload = nlh->nlmsg_len - NLMSG_HDRLEN;

    if (protocol == NETLINK_XFRM && nlh->nlmsg_type == XFRM_MSG_NEWSA
        && payload >= sizeof(struct xfrm_usersa_info)) {
        /* Netlink aligns to 4 bytes, the structure's 64-bit counters need
         * 8: a copy. */
        struct xfrm_usersa_info info;
        memcpy(&info, ofpbuf_at_assert(msg, NLMSG_HDRLEN, sizeof info),
               sizeof info);
        if (info.family != AF_INET) {
            return false;
        }
        struct kstats_sa *sa = xzalloc(sizeof *sa);
        sa->reqid = info.reqid;
        sa->src = info.saddr.a4;
        sa->dst = info.id.daddr.a4;
        sa->bytes = info.curlft.bytes;
        sa->packets = info.curlft.packets;
        hmap_insert(&t->sas, &sa->node, hash_int(sa->reqid, 0));
        return true;
    } else if (protocol == NETLINK_XFRM
               && nlh->nlmsg_type == XFRM_MSG_NEWPOLICY
               && payload >= sizeof(struct xfrm_userpolicy_info)) {
        struct xfrm_userpolicy_info info;
        memcpy(&info, ofpbuf_at_assert(msg, NLMSG_HDRLEN, sizeof info),
               sizeof info);
        if (info.dir != XFRM_POLICY_OUT || info.sel.family != AF_INET) {
            return true;
        }
        const struct nlattr *tmpl = nl_attr_find(
            msg, NLMSG_HDRLEN + NLMSG_ALIGN(sizeof info), XFRMA_TMPL);
        if (!tmpl || nl_attr_get_size(tmpl) < sizeof(struct xfrm_user_tmpl)) {
            return false;
        }
        struct xfrm_user_tmpl ut;
        memcpy(&ut, nl_attr_get(tmpl), sizeof ut);
        if (t->n_policies >= t->allocated_policies) {
            t->policies = x2nrealloc(t->policies, &t->allocated_policies,
                                     sizeof *t->policies);
        }
        t->policies[t->n_policies++] = (struct kstats_policy) {
            .src = info.sel.saddr.a4,
            .dst = info.sel.daddr.a4,
            .src_plen = info.sel.prefixlen_s,
            .dst_plen = info.sel.prefixlen_d,
            .reqid = ut.reqid,
        };
        return true;
    } else if (protocol == NETLINK_ROUTE && nlh->nlmsg_type == RTM_NEWLINK
               && payload >= sizeof(struct ifinfomsg)) {
        const struct nlattr *a = nl_attr_find(
            msg, NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(struct ifinfomsg)),
            IFLA_STATS64);
        if (!a || nl_attr_get_size(a) < sizeof(struct rtnl_link_stats64)) {
            return false;
        }
        struct rtnl_link_stats64 s;
        memcpy(&s, nl_attr_get(a), sizeof s);
        t->have_link = true;
        t->link.rx_bytes = s.rx_bytes;
        t->link.tx_bytes = s.tx_bytes;
        t->link.rx_packets = s.rx_packets;
        t->link.tx_packets = s.tx_packets;
        return true;
    }
    return false;
}

/* Stores in '*c' the counters of the tunnel from 'local_ip' (the gateway's
 * address) between 'local_cidrs' and 'peer_cidrs' (normalized
 * "a.b.c.d/n"), summed over its SAs.  Returns false, with every counter
 * -1, if the kernel has no SA of it. */
bool
vpn_kstats_table_tunnel(const struct vpn_kstats_table *t,
                        const char *local_ip,
                        const char *const *local_cidrs, size_t n_local,
                        const char *const *peer_cidrs, size_t n_peer,
                        struct vpn_kcounters *c)
{
    *c = (struct vpn_kcounters) { -1, -1, -1, -1 };

    ovs_be32 ip;
    if (!local_ip || inet_pton(AF_INET, local_ip, &ip) != 1) {
        return false;
    }

    /* Its selectors, as the policies hold them. */
    struct kstats_policy *sels = xcalloc(n_local + n_peer + 1, sizeof *sels);
    for (size_t j = 0; j < n_local; j++) {
        if (!kstats_parse_cidr(local_cidrs[j], &sels[j].src,
                               &sels[j].src_plen)) {
            sels[j].src_plen = UINT8_MAX;       /* Matches no policy. */
        }
    }
    for (size_t j = 0; j < n_peer; j++) {
        struct kstats_policy *sel = &sels[n_local + j];
        if (!kstats_parse_cidr(peer_cidrs[j], &sel->dst, &sel->dst_plen)) {
            sel->dst_plen = UINT8_MAX;
        }
    }

    /* The reqids of its outbound policies. */
    uint32_t *reqids = NULL;
    size_t n_reqids = 0, allocated = 0;
    for (size_t i = 0; i < t->n_policies; i++) {
        const struct kstats_policy *p = &t->policies[i];
        bool src = false, dst = false;
        for (size_t j = 0; j < n_local && !src; j++) {
            src = sels[j].src == p->src && sels[j].src_plen == p->src_plen;
        }
        for (size_t j = 0; j < n_peer && src && !dst; j++) {
            const struct kstats_policy *sel = &sels[n_local + j];
            dst = sel->dst == p->dst && sel->dst_plen == p->dst_plen;
        }
        if (src && dst) {
            bool dup = false;
            for (size_t k = 0; k < n_reqids; k++) {
                dup |= reqids[k] == p->reqid;
            }
            if (!dup) {
                if (n_reqids >= allocated) {
                    reqids = x2nrealloc(reqids, &allocated, sizeof *reqids);
                }
                reqids[n_reqids++] = p->reqid;
            }
        }
    }

    bool found = false;
    struct vpn_kcounters sum = { 0, 0, 0, 0 };
    for (size_t k = 0; k < n_reqids; k++) {
        const struct kstats_sa *sa;
        HMAP_FOR_EACH_WITH_HASH (sa, node, hash_int(reqids[k], 0), &t->sas) {
            if (sa->reqid != reqids[k]) {
                continue;
            }
            if (sa->src == ip) {
                sum.tx_bytes += sa->bytes;
                sum.tx_packets += sa->packets;
                found = true;
            } else if (sa->dst == ip) {
                sum.rx_bytes += sa->bytes;
                sum.rx_packets += sa->packets;
                found = true;
            }
        }
    }
    free(reqids);
    free(sels);
    if (found) {
        *c = sum;
    }
    return found;
}

static bool
kstats_parse_cidr(const char *s, ovs_be32 *ip, uint8_t *plen)
{
    char buf[INET_ADDRSTRLEN];
    const char *slash = strchr(s, '/');
    size_t len = slash ? slash - s : strlen(s);
    unsigned int n = 32;
    if (len >= sizeof buf
        || (slash && (!str_to_uint(slash + 1, 10, &n) || n > 32))) {
        return false;
    }
    memcpy(buf, s, len);
    buf[len] = '\0';
    *plen = n;
    return inet_pton(AF_INET, buf, ip) == 1;
}

/* Creates the counters of namespace 'netns' (NULL: the caller's). */
struct vpn_kstats *
vpn_kstats_create(const char *netns)
{
    struct vpn_kstats *ks = xzalloc(sizeof *ks);
    ks->netns = nullable_xstrdup(netns);
    vpn_kstats_table_init(&ks->table);
    return ks;
}

void
vpn_kstats_destroy(struct vpn_kstats *ks)
{
    if (ks) {
        nl_sock_destroy(ks->xfrm);
        nl_sock_destroy(ks->route);
        vpn_kstats_table_destroy(&ks->table);
        free(ks->netns);
        free(ks);
    }
}

/* Makes the two sockets of 'ks' inside its namespace: the calling thread
 * enters it for as long as that takes, then returns to its own. */
static int
kstats_open(struct vpn_kstats *ks)
{
    if (ks->xfrm && ks->route) {
        return 0;
    }
    nl_sock_destroy(ks->xfrm);
    nl_sock_destroy(ks->route);
    ks->xfrm = ks->route = NULL;

    int self = -1, target = -1;
    if (ks->netns) {
        char *path = xasprintf("%s/%s", KSTATS_NETNS_DIR, ks->netns);
        target = open(path, O_RDONLY | O_CLOEXEC);
        free(path);
        self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
        if (target < 0 || self < 0 || setns(target, CLONE_NEWNET)) {
            int error = errno;
            if (target >= 0) {
                close(target);
            }
            if (self >= 0) {
                close(self);
            }
            return error;
        }
    }

    int error = nl_sock_create(NETLINK_XFRM, &ks->xfrm);
    if (!error) {
        error = nl_sock_create(NETLINK_ROUTE, &ks->route);
    }

    if (ks->netns) {
        if (setns(self, CLONE_NEWNET)) {
            /* Staying in the gateway's namespace would break everything
             * else this thread does. */
            VLOG_FATAL("cannot return from namespace %s (%s)", ks->netns,
                       ovs_strerror(errno));
        }
        close(self);
        close(target);
    }
    if (error) {
        nl_sock_destroy(ks->xfrm);
        nl_sock_destroy(ks->route);
        ks->xfrm = ks->route = NULL;
    }
    return error;
}

/* Sends 'request' (a dump, or a single get) on 'sock' and adds every reply
 * to 'ks''s table. */
static int
kstats_dump(struct vpn_kstats *ks, struct nl_sock *sock, int protocol,
            const struct ofpbuf *request, bool dump)
{
    int error = nl_sock_send(sock, request, true);
    if (error) {
        return error;
    }

    uint64_t stub[4096 / 8];
    struct ofpbuf buf;
    ofpbuf_use_stub(&buf, stub, sizeof stub);
    for (;;) {
        error = nl_sock_recv(sock, &buf, NULL, true);
        if (error) {
            break;
        }
        struct ofpbuf msg;
        struct ofpbuf rest = buf;
        struct nlmsghdr *nlh;
        bool done = !dump;
        while ((nlh = nl_msg_next(&rest, &msg))) {
            if (nlh->nlmsg_type == NLMSG_DONE) {
                done = true;
            } else if (nlh->nlmsg_type == NLMSG_ERROR) {
                int nl_error;
                if (nl_msg_nlmsgerr(&msg, &nl_error, NULL) && nl_error) {
                    error = nl_error;
                }
                done = true;
            } else {
                vpn_kstats_table_add_msg(&ks->table, protocol, &msg);
            }
        }
        if (done || error) {
            break;
        }
    }
    ofpbuf_uninit(&buf);
    return error;
}

/* Returns a digest of what 't' holds, which changes with any counter. */
static uint32_t
kstats_table_digest(const struct vpn_kstats_table *t)
{
    uint32_t hash = hash_int(hmap_count(&t->sas), t->n_policies);
    const struct kstats_sa *sa;
    HMAP_FOR_EACH (sa, node, &t->sas) {
        /* Summed: independent of the order the kernel dumped them in. */
        hash += hash_2words(hash_int(sa->reqid, sa->src ^ sa->dst),
                            hash_uint64(sa->bytes ^ (sa->packets << 40)));
    }
    for (size_t i = 0; i < t->n_policies; i++) {
        hash = hash_int(t->policies[i].reqid, hash);
    }
    return hash_bytes(&t->link, sizeof t->link, hash + t->have_link);
}

/* Reads the namespace's SAs, policies and link counters again.  Returns 0
 * or an errno value (the table is then empty: every counter unknown), and
 * stores in '*changed' whether anything differs from the last refresh. */
int
vpn_kstats_refresh(struct vpn_kstats *ks, bool *changed)
{
    int error = kstats_refresh__(ks);
    uint32_t digest = kstats_table_digest(&ks->table);
    *changed = digest != ks->digest;
    ks->digest = digest;
    return error;
}

static int
kstats_refresh__(struct vpn_kstats *ks)
{
    COVERAGE_INC(vpn_kstats_refresh);
    vpn_kstats_table_clear(&ks->table);
    int error = kstats_open(ks);
    if (error) {
        return error;
    }

    struct ofpbuf request;
    ofpbuf_init(&request, 64);
    nl_msg_put_nlmsghdr(&request, 0, XFRM_MSG_GETSA, NLM_F_REQUEST
                        | NLM_F_DUMP);
    error = kstats_dump(ks, ks->xfrm, NETLINK_XFRM, &request, true);

    if (!error) {
        ofpbuf_clear(&request);
        nl_msg_put_nlmsghdr(&request, 0, XFRM_MSG_GETPOLICY,
                            NLM_F_REQUEST | NLM_F_DUMP);
        error = kstats_dump(ks, ks->xfrm, NETLINK_XFRM, &request, true);
    }

    if (!error) {
        ofpbuf_clear(&request);
        nl_msg_put_nlmsghdr(&request, sizeof(struct ifinfomsg), RTM_GETLINK,
                            NLM_F_REQUEST);
        struct ifinfomsg *ifi = ofpbuf_put_zeros(&request, sizeof *ifi);
        ifi->ifi_family = AF_UNSPEC;
        nl_msg_put_string(&request, IFLA_IFNAME, VPN_PLUMB_INNER_IFNAME);
        error = kstats_dump(ks, ks->route, NETLINK_ROUTE, &request,
                            false);
    }
    ofpbuf_uninit(&request);

    if (error) {
        static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 5);
        VLOG_WARN_RL(&rl, "namespace %s: cannot read the kernel's counters "
                     "(%s)", ks->netns ? ks->netns : "(own)",
                     ovs_strerror(error));
        vpn_kstats_table_clear(&ks->table);

        /* A namespace made again needs new sockets. */
        nl_sock_destroy(ks->xfrm);
        nl_sock_destroy(ks->route);
        ks->xfrm = ks->route = NULL;
    }
    return error;
}

const struct vpn_kstats_table *
vpn_kstats_get(const struct vpn_kstats *ks)
{
    return &ks->table;
}
