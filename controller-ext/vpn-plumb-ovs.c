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

/* The OVS side of the gateways' plumbing (see vpn-plumb-private.h): each
 * gateway's port on the integration bridge, with its iface-id. */

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

VLOG_DEFINE_THIS_MODULE(vpn_plumb_ovs);

/* The OVS side. */

/* A port and the bridge that holds it. */
struct port_ref {
    const struct ovsrec_port *port;
    const struct ovsrec_bridge *bridge;
};

static bool
plumb_iface_is_ours(const struct vpn_plumb *plumb,
                    const struct ovsrec_interface *iface)
{
    const char *netns = smap_get(&iface->external_ids,
                                 VPN_PLUMB_EXT_ID_NETNS);
    size_t len = strlen(plumb->prefix);

    return (netns && smap_get(&iface->external_ids, VPN_PLUMB_EXT_ID_GATEWAY)
            && !strncmp(netns, plumb->prefix, len) && netns[len] == '-');
}

static void
plumb_delete_port(const struct port_ref *ref, struct sset *deleted,
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
plumb_insert_port(const struct ovsrec_bridge *br, const struct plumb_gw *gw,
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
plumb_update_ext_id(const struct ovsrec_interface *iface, const char *key,
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
bool
plumb_sync_ovs(struct vpn_plumb *plumb, const struct ovsdb_idl *idl,
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
            if (plumb_iface_is_ours(plumb, iface)) {
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
            changed |= plumb_update_ext_id(iface, "iface-id", gw->cfg->lport);
            changed |= plumb_update_ext_id(iface, VPN_PLUMB_EXT_ID_GATEWAY,
                                           gw->name);
            changed |= plumb_update_ext_id(iface, VPN_PLUMB_EXT_ID_NETNS,
                                           gw->netns);
            if (iface->error && iface->error[0]) {
                gw->ovs_error = xasprintf("interface %s: %s", gw->host,
                                          iface->error);
            }
            continue;
        }

        if (ref) {
            plumb_delete_port(ref, &deleted, txn);
            changed = true;
        }
        if (iref && (!ref || iref->port != ref->port)) {
            plumb_delete_port(iref, &deleted, txn);
            changed = true;
        }
        if (gw->link_ok) {
            plumb_insert_port(br, gw, txn);
            changed = true;
        }
    }

    /* Ports of gateways that left, and of earlier runs. */
    struct shash_node *node;
    SHASH_FOR_EACH (node, &owned) {
        plumb_delete_port(node->data, &deleted, txn);
        changed = true;
    }

    shash_destroy(&ports);
    shash_destroy(&ifaces);
    shash_destroy(&owned);
    sset_destroy(&deleted);
    free(refs);
    return changed;
}
