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

#ifndef VPN_CHASSIS_H
#define VPN_CHASSIS_H 1

/* The translator's view of the chassis agents.
 *
 * Each ovn-vpn-agent reports in its Chassis_Private row (lib/vpn-report.h):
 * a heartbeat counter, what its libreswan accepts, and the state of the
 * gateways and tunnels it runs.  A "struct vpn_chassis_set" follows those
 * rows: an agent is alive while its heartbeat keeps changing, judged by
 * the translator's own monotonic clock (so chassis clocks need not agree),
 * and dead VPN_REPORT_DEAD_FACTOR of its own heartbeat intervals after the
 * last change, provided that other agents' heartbeats came through in the
 * meantime, and otherwise VPN_REPORT_DEAD_MSEC after it (lib/vpn-report.h):
 * a database that delivers nothing is not a chassis that died.
 *
 * vpn_chassis_run() reads only the rows that the IDL's change tracking
 * says changed (every row the first time, or after vpn_chassis_reload()),
 * and reports what changed since the previous call: the
 * chassis whose liveness or capabilities changed (placement must be
 * reconsidered for their gateways) and the tunnels and gateways whose
 * reports changed (their northbound status must be rewritten). */

#include <stdbool.h>
#include <stdint.h>

#include "openvswitch/hmap.h"
#include "sset.h"

struct ovsdb_idl;
struct smap;
struct vpn_caps;

struct vpn_chassis_set {
    struct hmap chassis;            /* Contains "struct vpn_chassis"s. */
    struct sset changed_chassis;    /* Liveness or capabilities changed. */
    struct sset changed_tunnels;    /* Tunnel reports changed. */
    struct sset changed_gateways;   /* Gateway reports changed. */
    long long int next_deadline;    /* When an agent may go silent. */
    long long int last_beat;        /* Any agent's heartbeat last changed. */

    /* From the SB's Chassis table: the chassis that exist (rows that
     * ovn-controller made), and among them those whose operator enabled
     * them for VPN gateways that name no chassis (VPN_CHASSIS_OPT_IN in
     * other_config:ovn-cms-options, as "enable-chassis-as-gw" is for
     * OVN's own gateways). */
    struct sset real;
    struct sset enabled;
    unsigned int chassis_table_seqno;
    bool initialized;               /* Every row read once. */
};

void vpn_chassis_set_init(struct vpn_chassis_set *);
void vpn_chassis_set_destroy(struct vpn_chassis_set *);
void vpn_chassis_add_columns(struct ovsdb_idl *sb, struct ovsdb_idl *status);
void vpn_chassis_run(struct vpn_chassis_set *, const struct ovsdb_idl *sb,
                     const struct ovsdb_idl *status, long long int now);
void vpn_chassis_wait(const struct vpn_chassis_set *);
void vpn_chassis_reload(struct vpn_chassis_set *);
void vpn_chassis_clear_changes(struct vpn_chassis_set *);

bool vpn_chassis_is_alive(const struct vpn_chassis_set *, const char *name);
bool vpn_chassis_is_real(const struct vpn_chassis_set *, const char *name);
bool vpn_chassis_is_enabled(const struct vpn_chassis_set *,
                            const char *name);

/* The ovn-cms-options token that enables a chassis for VPN gateways that
 * name no chassis. */
#define VPN_CHASSIS_OPT_IN "enable-vpn-gateway"
const struct vpn_caps *vpn_chassis_caps(const struct vpn_chassis_set *,
                                        const char *name);
int64_t vpn_chassis_nb_cfg(const struct vpn_chassis_set *,
                           const char *name);
const char *vpn_chassis_seal_key(const struct vpn_chassis_set *,
                                 const char *name);
const struct smap *vpn_chassis_reports(const struct vpn_chassis_set *,
                                       const char *name);
long long int vpn_chassis_next_deadline(const struct vpn_chassis_set *);
void vpn_chassis_alive_names(const struct vpn_chassis_set *, struct sset *);

#endif /* vpn-chassis.h */
