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

#ifndef VPNCTL_H
#define VPNCTL_H 1

/* What the modules of ovn-vpnctl share:
 *
 *   ovn-vpnctl.c      the program: options, the db-ctl-base framework, the
 *                     transaction, --wait, masking of keys, the command
 *                     table
 *   vpnctl-rows.c     finding rows, the checks before commit, output
 *   vpnctl-gateway.c  the gateway and peer commands
 *   vpnctl-tunnel.c   the tunnel commands and their options
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "db-ctl-base.h"
#include "lib/ovn-vpn-nb-idl.h"
#include "openvswitch/compiler.h"

struct ds;
struct table;
struct svec;
struct sset;

/* --show-secrets: print pre-shared keys (see ovn-vpnctl.c). */
extern bool vpnctl_show_secrets;
#define SECRET_MASK "********"

/* The IDL row structure of TYPE whose header is ROW (which may be NULL). */
#define ROW_CAST(ROW, TYPE) \
    ((ROW) ? CONTAINER_OF(ROW, const struct TYPE, header_) : NULL)

/* vpnctl-rows.c. */
const struct nbrec_vpn_gateway *
vpnctl_find_gateway(struct ctl_context *ctx, const char *id, bool must_exist);
const struct nbrec_vpn_peer *
vpnctl_find_peer(struct ctl_context *ctx, const char *id, bool must_exist);
const struct nbrec_vpn_tunnel *
vpnctl_find_tunnel(struct ctl_context *ctx, const char *id, bool must_exist);
const struct nbrec_logical_router *
vpnctl_find_router(struct ctl_context *ctx, const char *id);
const struct nbrec_logical_switch *
vpnctl_find_switch(struct ctl_context *ctx, const char *id);
bool vpnctl_report(struct ctl_context *ctx, const char *name, char *error);
bool vpnctl_check_gateway(struct ctl_context *ctx,
                          const struct nbrec_vpn_gateway *gw);
void vpnctl_check_tunnel(struct ctl_context *ctx,
                         const struct nbrec_vpn_tunnel *t);
void vpnctl_check_tunnels_of(struct ctl_context *ctx,
                             const struct nbrec_vpn_gateway *gw,
                             const struct nbrec_vpn_peer *peer);
bool vpnctl_check_pending(struct ctl_context *ctx);
void vpnctl_forget_pending(void);
void vpnctl_split_words(struct svec *words, const char *s,
                        const char *delimiters);
size_t vpnctl_count_tunnels(struct ctl_context *ctx,
                            const struct nbrec_vpn_gateway *gw,
                            const struct nbrec_vpn_peer *peer);
const char *vpnctl_status_of(const struct smap *status, const char *key);
void vpnctl_put_line(struct ds *s, const char *format, ...)
    OVS_PRINTF_FORMAT(2, 3);
void vpnctl_add_text_cell(struct table *table, const char *text);
void vpnctl_add_format_cell(struct table *table, const char *format, ...)
    OVS_PRINTF_FORMAT(2, 3);
char *vpnctl_format_time(const int64_t *msec, size_t n);
struct table *vpnctl_new_table(const char *columns[]);
void vpnctl_put_list(struct ds *s, const char *label, char **values, size_t n);

/* vpnctl-gateway.c. */
void cmd_vpn_gateway_add(struct ctl_context *ctx);
void cmd_vpn_gateway_del(struct ctl_context *ctx);
void cmd_vpn_gateway_list(struct ctl_context *ctx);
void cmd_vpn_gateway_show(struct ctl_context *ctx);
void cmd_vpn_gateway_set(struct ctl_context *ctx);
void cmd_vpn_peer_add(struct ctl_context *ctx);
void cmd_vpn_peer_del(struct ctl_context *ctx);
void cmd_vpn_peer_list(struct ctl_context *ctx);
void cmd_vpn_peer_set(struct ctl_context *ctx);

/* vpnctl-tunnel.c. */
void cmd_vpn_tunnel_add(struct ctl_context *ctx);
void cmd_vpn_tunnel_del(struct ctl_context *ctx);
void cmd_vpn_tunnel_list(struct ctl_context *ctx);
void cmd_vpn_tunnel_show(struct ctl_context *ctx);
void cmd_vpn_tunnel_log(struct ctl_context *ctx);
void cmd_vpn_tunnel_set_cidrs(struct ctl_context *ctx);
void cmd_vpn_tunnel_set_ike(struct ctl_context *ctx);
void cmd_vpn_tunnel_set_ipsec(struct ctl_context *ctx);
void cmd_vpn_tunnel_set(struct ctl_context *ctx);
void cmd_vpn_tunnel_config(struct ctl_context *ctx);
void cmd_vpn_tunnel_wait(struct ctl_context *ctx);

#endif /* vpnctl.h */
