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

#ifndef VPN_REPORTER_H
#define VPN_REPORTER_H 1

/* The agent's side of the report channel: which rows of the SB and the
 * status database a chassis monitors, where its reports go, and how they
 * are written.
 *
 * A chassis monitors only its own rows (its Chassis_Private and
 * Chassis_Report rows, the VPN_Gateway rows placed on it and their
 * VPN_Tunnel rows), as ovn-controller does with ovn-monitor-all=false.
 * Its reports (lib/vpn-report.h) go to its Chassis_Report row in the
 * status database or, where the SB's servers serve none, to its
 * Chassis_Private row; a chassis that sees the status database appear
 * moves over and cleans up after itself.  Only what changed is written,
 * one key per mutation: states at once, counters at most every
 * VPN_REPORTER_COUNTER_MSEC.  The heartbeat is vpn-beat's, but in
 * Chassis_Private, where this module beats too.
 *
 * ovn-vpn-agent uses it, and so does the status benchmark's chassis
 * simulator, so that what is measured is what the agent does. */

#include <stdbool.h>
#include <stdint.h>

#include "openvswitch/shash.h"
#include "sset.h"

struct ovsdb_idl;
struct ovsdb_idl_txn;
struct smap;
struct sbrec_chassis_private;
struct vpnstatusrec_chassis_report;

/* Counters change with every packet: they are reported at most this
 * often, state changes at once. */
#define VPN_REPORTER_COUNTER_MSEC 10000

struct vpn_reporter {
    char *chassis;              /* This chassis's name. */
    struct shash reports;       /* Key -> what was last written. */

    /* When the tunnels' reports were last built. */
    unsigned int reports_seqno;         /* Sum of the VPN tables'. */
    unsigned int pending_seqno;         /* Same, now. */
    unsigned int chassis_seqno;         /* The report rows' table. */
    long long int next_counter_report;  /* A deferred counter is due. */

    /* What it monitors. */
    struct sset monitored_gateways;     /* UUIDs in the VPN_Tunnel cond. */
    bool tunnel_cond_set;               /* That condition was set. */
    unsigned int sb_cond_seqno;         /* SB conditions all acked then. */

    /* Where the reports go. */
    bool to_status_db;                  /* Reports go to OVN_VPN_Status. */
    long long int migrate_until;        /* Old heartbeat beats until. */
    long long int legacy_after;         /* Chassis_Private from then. */
    int64_t legacy_heartbeat;           /* In Chassis_Private. */
    long long int next_heartbeat;       /* 0: not beating there. */
};

/* The row that a chassis's reports go to: its Chassis_Report in the status
 * database, or (without one) its Chassis_Private in the SB. */
struct vpn_report_row {
    const struct vpnstatusrec_chassis_report *cr;
    const struct sbrec_chassis_private *cp;

    /* Moving from Chassis_Private to Chassis_Report: the old row, whose
     * heartbeat still beats (VPN_REPORT_MIGRATE_MSEC). */
    const struct sbrec_chassis_private *legacy;
};

void vpn_reporter_init(struct vpn_reporter *);
void vpn_reporter_destroy(struct vpn_reporter *);

void vpn_reporter_add_columns(struct ovsdb_idl *sb, struct ovsdb_idl *status);
void vpn_reporter_set_chassis(struct vpn_reporter *, const char *chassis,
                              struct ovsdb_idl *sb, struct ovsdb_idl *status);
void vpn_reporter_update_tunnel_condition(struct vpn_reporter *,
                                          struct ovsdb_idl *sb);
bool vpn_reporter_sb_complete(const struct vpn_reporter *,
                              const struct ovsdb_idl *sb);

bool vpn_reporter_find_row(struct vpn_reporter *, const struct ovsdb_idl *sb,
                           struct ovsdb_idl_txn *sb_txn,
                           const struct ovsdb_idl *status,
                           struct ovsdb_idl_txn *status_txn,
                           struct vpn_report_row *);
bool vpn_reporter_tunnels_due(struct vpn_reporter *,
                              const struct ovsdb_idl *sb,
                              const struct ovsdb_idl *status,
                              const struct vpn_report_row *);
void vpn_reporter_write(struct vpn_reporter *, const struct vpn_report_row *,
                        const struct smap *want, bool tunnels);
void vpn_reporter_force(struct vpn_reporter *);
void vpn_reporter_wait(const struct vpn_reporter *);
const char *vpn_reporter_destination(const struct vpn_reporter *);

#endif /* vpn-reporter.h */
