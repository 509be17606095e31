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

/* test-vpn-idl: a smoke client for the generated IDLs.  It writes VPN rows
 * through lib/ovn-vpn-nb-idl or lib/ovn-vpn-sb-idl in one transaction,
 * then reads them back through a second, fresh IDL connection and prints
 * them, so that a test sees both directions work against a real
 * ovsdb-server with the merged schemas.
 *
 *   test-vpn-idl nb REMOTE ROUTER SWITCH   writes a peer, gateway, tunnel
 *   test-vpn-idl sb REMOTE                 writes a gateway and a tunnel
 *   test-vpn-idl nb-read REMOTE            prints the NB VPN rows
 *   test-vpn-idl sb-read REMOTE            prints the SB VPN rows */

#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/ovn-vpn-nb-idl.h"
#include "lib/ovn-vpn-sb-idl.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/poll-loop.h"
#include "openvswitch/util.h"
#include "openvswitch/vlog.h"
#include "ovsdb-idl.h"
#include "sset.h"
#include "util.h"

static struct ovsdb_idl *connect_idl(const char *remote,
                                     const struct ovsdb_idl_class *);
static void commit(struct ovsdb_idl_txn *);
static void write_nb(const char *remote, const char *router,
                     const char *ls);
static void read_nb(const char *remote);
static void write_sb(const char *remote);
static void read_sb(const char *remote);
static void print_set(const char *name, char **values, size_t n);

int
main(int argc, char *argv[])
{
    set_program_name(argv[0]);
    vlog_set_levels(NULL, VLF_ANY_DESTINATION, VLL_WARN);

    if (argc == 5 && !strcmp(argv[1], "nb")) {
        write_nb(argv[2], argv[3], argv[4]);
        read_nb(argv[2]);
    } else if (argc == 3 && !strcmp(argv[1], "nb-read")) {
        read_nb(argv[2]);
    } else if (argc == 3 && !strcmp(argv[1], "sb")) {
        write_sb(argv[2]);
        read_sb(argv[2]);
    } else if (argc == 3 && !strcmp(argv[1], "sb-read")) {
        read_sb(argv[2]);
    } else {
        ovs_fatal(0, "usage: %s nb REMOTE ROUTER SWITCH | sb REMOTE | "
                  "nb-read REMOTE | sb-read REMOTE", program_name);
    }
    return 0;
}

/* Connects to 'remote' and waits for the initial contents. */
static struct ovsdb_idl *
connect_idl(const char *remote, const struct ovsdb_idl_class *class)
{
    struct ovsdb_idl *idl = ovsdb_idl_create(remote, class, true, true);
    ovsdb_idl_set_leader_only(idl, false);

    for (;;) {
        ovsdb_idl_run(idl);
        if (!ovsdb_idl_is_alive(idl)) {
            ovs_fatal(0, "%s: connection failed (%s)", remote,
                      ovs_retval_to_string(ovsdb_idl_get_last_error(idl)));
        }
        if (ovsdb_idl_has_ever_connected(idl)) {
            return idl;
        }
        ovsdb_idl_wait(idl);
        poll_block();
    }
}

static void
commit(struct ovsdb_idl_txn *txn)
{
    enum ovsdb_idl_txn_status status = ovsdb_idl_txn_commit_block(txn);
    if (status != TXN_SUCCESS) {
        ovs_fatal(0, "transaction failed: %s (%s)",
                  ovsdb_idl_txn_status_to_string(status),
                  ovsdb_idl_txn_get_error(txn));
    }
    ovsdb_idl_txn_destroy(txn);
}

static void
write_nb(const char *remote, const char *router_name, const char *ls_name)
{
    struct ovsdb_idl *idl = connect_idl(remote, &nbrec_idl_class);

    const struct nbrec_logical_router *router = NULL, *lr;
    NBREC_LOGICAL_ROUTER_FOR_EACH (lr, idl) {
        if (!strcmp(lr->name, router_name)) {
            router = lr;
        }
    }
    const struct nbrec_logical_switch *ls = NULL, *sw;
    NBREC_LOGICAL_SWITCH_FOR_EACH (sw, idl) {
        if (!strcmp(sw->name, ls_name)) {
            ls = sw;
        }
    }
    if (!router || !ls) {
        ovs_fatal(0, "router %s or switch %s not found", router_name,
                  ls_name);
    }

    struct ovsdb_idl_txn *txn = ovsdb_idl_txn_create(idl);

    struct nbrec_vpn_peer *peer = nbrec_vpn_peer_insert(txn);
    nbrec_vpn_peer_set_name(peer, "peer1");
    nbrec_vpn_peer_set_ip(peer, "203.0.113.7");

    struct nbrec_vpn_gateway *gw = nbrec_vpn_gateway_insert(txn);
    nbrec_vpn_gateway_set_name(gw, "gw1");
    nbrec_vpn_gateway_set_router(gw, router);
    nbrec_vpn_gateway_set_logical_switch(gw, ls);
    nbrec_vpn_gateway_set_public_ip(gw, "198.51.100.10");
    const char *chassis[] = { "hv1", "hv2" };
    const int64_t prios[] = { 20, 10 };
    nbrec_vpn_gateway_set_chassis(gw, chassis, prios, 2);

    struct nbrec_vpn_tunnel *tun = nbrec_vpn_tunnel_insert(txn);
    nbrec_vpn_tunnel_set_name(tun, "tun1");
    nbrec_vpn_tunnel_set_gateway(tun, gw);
    nbrec_vpn_tunnel_set_peer(tun, peer);
    const char *local[] = { "10.0.1.0/24" };
    const char *remote_cidrs[] = { "172.16.0.0/16", "172.17.0.0/16" };
    nbrec_vpn_tunnel_set_local_cidrs(tun, local, 1);
    nbrec_vpn_tunnel_set_peer_cidrs(tun, remote_cidrs, 2);
    nbrec_vpn_tunnel_set_psk(tun, "not-a-real-secret");
    int64_t dh = 14;
    nbrec_vpn_tunnel_set_ike_dh_group(tun, &dh, 1);
    nbrec_vpn_tunnel_set_ike_version(tun, "ikev2");

    commit(txn);
    ovsdb_idl_destroy(idl);
}

static void
read_nb(const char *remote)
{
    struct ovsdb_idl *idl = connect_idl(remote, &nbrec_idl_class);

    const struct nbrec_vpn_peer *peer;
    NBREC_VPN_PEER_FOR_EACH (peer, idl) {
        printf("peer %s ip=%s\n", peer->name, peer->ip);
    }
    const struct nbrec_vpn_gateway *gw;
    NBREC_VPN_GATEWAY_FOR_EACH (gw, idl) {
        printf("gateway %s router=%s switch=%s public_ip=%s", gw->name,
               gw->router->name, gw->logical_switch->name, gw->public_ip);
        for (size_t i = 0; i < gw->n_chassis; i++) {
            printf(" chassis:%s=%"PRId64, gw->key_chassis[i],
                   gw->value_chassis[i]);
        }
        printf("\n");
    }
    const struct nbrec_vpn_tunnel *tun;
    NBREC_VPN_TUNNEL_FOR_EACH (tun, idl) {
        printf("tunnel %s gateway=%s peer=%s", tun->name, tun->gateway->name,
               tun->peer->name);
        print_set("local_cidrs", tun->local_cidrs, tun->n_local_cidrs);
        print_set("peer_cidrs", tun->peer_cidrs, tun->n_peer_cidrs);
        printf(" ike_version=%s ike_dh_group=%"PRId64" psk_len=%"PRIuSIZE
               "\n", tun->ike_version ? tun->ike_version : "",
               tun->n_ike_dh_group ? tun->ike_dh_group[0] : 0,
               strlen(tun->psk));
    }
    ovsdb_idl_destroy(idl);
}

static void
write_sb(const char *remote)
{
    struct ovsdb_idl *idl = connect_idl(remote, &sbrec_idl_class);
    struct ovsdb_idl_txn *txn = ovsdb_idl_txn_create(idl);

    struct sbrec_vpn_gateway *gw = sbrec_vpn_gateway_insert(txn);
    sbrec_vpn_gateway_set_name(gw, "gw1");
    sbrec_vpn_gateway_set_chassis(gw, "hv1");
    sbrec_vpn_gateway_set_logical_port(gw, "vpn-gw1");
    sbrec_vpn_gateway_set_mac(gw, "0a:00:00:00:00:01");
    sbrec_vpn_gateway_set_ip(gw, "10.0.1.5");
    sbrec_vpn_gateway_set_prefix_len(gw, 24);
    sbrec_vpn_gateway_set_router_ip(gw, "10.0.1.1");
    sbrec_vpn_gateway_set_public_ip(gw, "198.51.100.10");
    const char *routes[] = { "10.0.1.0/24" };
    sbrec_vpn_gateway_set_vpc_routes(gw, routes, 1);

    struct sbrec_vpn_tunnel *tun = sbrec_vpn_tunnel_insert(txn);
    sbrec_vpn_tunnel_set_name(tun, "tun1");
    sbrec_vpn_tunnel_set_gateway(tun, gw);
    sbrec_vpn_tunnel_set_ike_group(tun, "tun1");
    sbrec_vpn_tunnel_set_generation(tun, 1);
    sbrec_vpn_tunnel_set_peer_ip(tun, "203.0.113.7");
    sbrec_vpn_tunnel_set_local_id(tun, "198.51.100.10");
    sbrec_vpn_tunnel_set_peer_id(tun, "203.0.113.7");
    const char *local[] = { "10.0.1.0/24" };
    const char *peer[] = { "172.16.0.0/16" };
    sbrec_vpn_tunnel_set_local_cidrs(tun, local, 1);
    sbrec_vpn_tunnel_set_peer_cidrs(tun, peer, 1);
    sbrec_vpn_tunnel_set_sealed_psk(tun, "1:not:a:box");
    sbrec_vpn_tunnel_set_ike_version(tun, "ikev2");
    sbrec_vpn_tunnel_set_ike_mode(tun, "main");
    sbrec_vpn_tunnel_set_ike_encryption(tun, "aes128");
    sbrec_vpn_tunnel_set_ike_integrity(tun, "sha1");
    sbrec_vpn_tunnel_set_ike_dh_group(tun, 14);
    sbrec_vpn_tunnel_set_ike_lifetime(tun, 86400);
    sbrec_vpn_tunnel_set_ipsec_protocol(tun, "esp");
    sbrec_vpn_tunnel_set_ipsec_encryption(tun, "aes128");
    sbrec_vpn_tunnel_set_ipsec_integrity(tun, "sha1");
    sbrec_vpn_tunnel_set_ipsec_pfs_group(tun, 14);
    sbrec_vpn_tunnel_set_ipsec_lifetime(tun, 86400);
    sbrec_vpn_tunnel_set_dpd_action(tun, "hold");
    sbrec_vpn_tunnel_set_dpd_delay(tun, 8);
    sbrec_vpn_tunnel_set_dpd_timeout(tun, 13);
    sbrec_vpn_tunnel_set_initiator(tun, "bi-directional");

    commit(txn);
    ovsdb_idl_destroy(idl);
}

static void
read_sb(const char *remote)
{
    struct ovsdb_idl *idl = connect_idl(remote, &sbrec_idl_class);

    const struct sbrec_vpn_gateway *gw;
    SBREC_VPN_GATEWAY_FOR_EACH (gw, idl) {
        printf("gateway %s chassis=%s port=%s ip=%s/%"PRId64" via %s\n",
               gw->name, gw->chassis ? gw->chassis : "", gw->logical_port,
               gw->ip, gw->prefix_len, gw->router_ip);
    }
    const struct sbrec_vpn_tunnel *tun;
    SBREC_VPN_TUNNEL_FOR_EACH (tun, idl) {
        printf("tunnel %s gateway=%s generation=%"PRId64" ike=%s-%s-%"PRId64
               " esp=%s-%s\n", tun->name, tun->gateway->name, tun->generation,
               tun->ike_encryption, tun->ike_integrity, tun->ike_dh_group,
               tun->ipsec_encryption ? tun->ipsec_encryption : "",
               tun->ipsec_integrity);
    }
    ovsdb_idl_destroy(idl);
}

static void
print_set(const char *name, char **values, size_t n)
{
    struct sset set = SSET_INITIALIZER(&set);
    sset_add_array(&set, values, n);

    printf(" %s=", name);
    const char **sorted = sset_sort(&set);
    for (size_t i = 0; i < n; i++) {
        printf("%s%s", i ? "," : "", sorted[i]);
    }
    free(sorted);
    sset_destroy(&set);
}
