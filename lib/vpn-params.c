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

/* Defaults and derived values of a tunnel's parameters (see
 * vpn-params.h). */

#include <config.h>

#include "vpn-params.h"

#include <string.h>

#include "util.h"
#include "vpn-catalog.h"

/* Initialises 'p' to "nothing set". */
void
vpn_params_init(struct vpn_tunnel_params *p)
{
    memset(p, 0, sizeof *p);
    p->ipsec_pfs_group = -1;
}

/* Fills every setting of 'p' that is not set with its default (see
 * vpn_catalog_apply_defaults()). */
void
vpn_params_apply_defaults(struct vpn_tunnel_params *p)
{
    vpn_catalog_apply_defaults(p);
}

/* Returns the local IKE identity: the configured one, else the gateway's
 * public IP. */
const char *
vpn_params_local_id(const struct vpn_tunnel_params *p)
{
    return p->local_id ? p->local_id : p->local_public_ip;
}

/* Returns the peer's IKE identity: the configured one, else the peer's
 * public IP ("%any" for a peer at any address is the renderer's job). */
const char *
vpn_params_peer_id(const struct vpn_tunnel_params *p)
{
    return p->peer_id ? p->peer_id : p->peer_ip;
}

/* Returns true if the peer may be at any address (responder only). */
bool
vpn_params_peer_is_any(const struct vpn_tunnel_params *p)
{
    return p->peer_ip && !strcmp(p->peer_ip, VPN_PEER_ANY);
}
