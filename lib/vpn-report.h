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

#ifndef VPN_REPORT_H
#define VPN_REPORT_H 1

/* What an agent reports about its chassis, and how.
 *
 * ovn-vpn-agent reports, one key per item, in the "report" column of its
 * chassis's Chassis_Report row in the status database (OVN_VPN_Status),
 * or in a deployment without one in the external_ids of its
 * Chassis_Private row, and ovn-vpn-northd reads them (see ovn-vpn-sb(5),
 * "How agents report").  This module is the one definition of those keys
 * and value formats, used by both sides:
 *
 *   ovn-vpn-heartbeat           counter, bumped every
 *                               VPN_REPORT_HEARTBEAT_MSEC (Chassis_Private
 *                               only: the status database has a column)
 *   ovn-vpn-heartbeat-interval  milliseconds between two heartbeats
 *   ovn-vpn-version             the agent's version
 *   ovn-vpn-dh-groups           "5,14,19,..." accepted DH groups
 *   ovn-vpn-encryption          "3des,aes128,..." accepted ciphers
 *   ovn-vpn-integrity           "md5,sha1,..." accepted integrity algs
 *   ovn-vpn-gw-NAME             "STATE;REASON" for gateway NAME
 *   ovn-vpn-tun-NAME            "GEN;CONN;CHANGED;BIN;BOUT;PIN;POUT;REASON"
 *                               for tunnel NAME
 *   ovn-vpn-try-NAME            "ATTEMPTS;STATE;REASON": the failed
 *                               attempts of tunnel NAME under the retry
 *                               rule and how the last one failed, while
 *                               there are any
 *   ovn-vpn-log-NAME            the last connection events of tunnel
 *                               NAME, one "WHEN;EVENT;REASON;TEXT" line
 *                               each, oldest first
 *
 * Keys are added, never changed: a translator ignores keys it does not
 * know, so that agents may be upgraded before it. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ds;
struct smap;
struct sset;
struct vpn_tunnel_params;

#define VPN_REPORT_PREFIX        "ovn-vpn-"
#define VPN_REPORT_HEARTBEAT     "ovn-vpn-heartbeat"
#define VPN_REPORT_VERSION       "ovn-vpn-version"
#define VPN_REPORT_SEAL_KEY      "ovn-vpn-seal-key"
#define VPN_REPORT_NB_CFG        "ovn-vpn-nb-cfg"
#define VPN_REPORT_DH_GROUPS     "ovn-vpn-dh-groups"
#define VPN_REPORT_ENCRYPTION    "ovn-vpn-encryption"
#define VPN_REPORT_INTEGRITY     "ovn-vpn-integrity"
#define VPN_REPORT_GATEWAY_PREFIX "ovn-vpn-gw-"
#define VPN_REPORT_TUNNEL_PREFIX  "ovn-vpn-tun-"
#define VPN_REPORT_ATTEMPTS_PREFIX "ovn-vpn-try-"
#define VPN_REPORT_EVENTS_PREFIX  "ovn-vpn-log-"

const char *vpn_report_key_tunnel(const char *key);

/* The agent bumps its heartbeat every VPN_REPORT_HEARTBEAT_MSEC, or as
 * often as its chassis's Open_vSwitch external_ids:ovn-vpn-heartbeat-
 * interval says (within VPN_REPORT_HEARTBEAT_MIN_MSEC and _MAX_MSEC),
 * and reports that interval.  The translator declares it dead, by its own
 * clock, VPN_REPORT_DEAD_FACTOR intervals after the last change if other
 * agents' heartbeats reached it in the meantime (the database works), and
 * otherwise not before VPN_REPORT_DEAD_MSEC, which no database failover
 * lasts. */
#define VPN_REPORT_HEARTBEAT_MSEC 2000
#define VPN_REPORT_HEARTBEAT_MIN_MSEC 200
#define VPN_REPORT_HEARTBEAT_MAX_MSEC 10000
#define VPN_REPORT_DEAD_FACTOR    3
#define VPN_REPORT_DEAD_MSEC      6000
#define VPN_REPORT_HEARTBEAT_INTERVAL "ovn-vpn-heartbeat-interval"

int vpn_report_heartbeat_clamp(int msec);

/* An agent that moves its reports from Chassis_Private to the status
 * database (when the SB's servers start serving it) keeps its old
 * heartbeat beating this long, so that a translator still waiting to
 * reconnect to the new database (up to 8 s of the OVS IDL's backoff) never
 * sees the agent stop. */
#define VPN_REPORT_MIGRATE_MSEC   20000

/* An agent that has reached the SB waits this long to reach the status
 * database on the same servers before it concludes that they do not serve
 * one and reports in Chassis_Private instead. */
#define VPN_REPORT_STATUS_WAIT_MSEC 3000

/* A tunnel's report. */
struct vpn_tunnel_report {
    int64_t generation;         /* SB VPN_Tunnel generation applied. */
    char *connection;           /* "connecting", "connected", ... */
    long long int changed;      /* Last change of 'connection', msec. */
    int64_t bytes_in, bytes_out;        /* -1 if unknown. */
    int64_t packets_in, packets_out;    /* -1 if unknown. */
    char *reason;               /* "" if none. */
};

void vpn_report_tunnel_format(const struct vpn_tunnel_report *,
                              struct ds *);
bool vpn_report_tunnel_parse(const char *, struct vpn_tunnel_report *);
void vpn_report_tunnel_destroy(struct vpn_tunnel_report *);

/* A tunnel's failed attempts (the retry rule).  The agent reports at most
 * VPN_REPORT_MAX_ATTEMPTS: the count that made the failure show; later
 * attempts, every 12 s, change nothing that it reports, so that a tunnel
 * that keeps failing costs no write. */
#define VPN_REPORT_MAX_ATTEMPTS 4

struct vpn_attempts_report {
    int attempts;               /* 1 to VPN_REPORT_MAX_ATTEMPTS. */
    char *state;                /* "phase1-failed" or "phase2-failed". */
    char *reason;               /* "authentication-failed", ... */
};

void vpn_report_attempts_format(int attempts, const char *state,
                                const char *reason, struct ds *);
bool vpn_report_attempts_parse(const char *, struct vpn_attempts_report *);
void vpn_report_attempts_destroy(struct vpn_attempts_report *);

/* A tunnel's connection events: at most VPN_REPORT_MAX_EVENTS, each text
 * at most VPN_REPORT_EVENT_TEXT_MAX bytes (longer ones are cut). */
#define VPN_REPORT_MAX_EVENTS 10
#define VPN_REPORT_EVENT_TEXT_MAX 127

struct vpn_event_report {
    long long int when;         /* Wall clock, msec. */
    char *event;                /* A state ("phase1-failed", ...) that the
                                 * tunnel entered, or "--" for something
                                 * the agent did ('text' says what). */
    char *reason;               /* "none", "authentication-failed", ... */
    char *text;                 /* Detail, "" if none. */
};

void vpn_report_event_format(long long int when, const char *event,
                             const char *reason, const char *text,
                             struct ds *);
size_t vpn_report_events_parse(const char *, struct vpn_event_report **);
void vpn_report_events_destroy(struct vpn_event_report *, size_t n);

/* A gateway's report. */
struct vpn_gateway_report {
    char *state;                /* "running" or "error". */
    char *reason;               /* "" if none. */
};

void vpn_report_gateway_format(const char *state, const char *reason,
                               struct ds *);
bool vpn_report_gateway_parse(const char *, struct vpn_gateway_report *);
void vpn_report_gateway_destroy(struct vpn_gateway_report *);

/* Capabilities: what a chassis's libreswan accepts. */
struct vpn_caps {
    bool known;                 /* False if the agent published nothing. */
    uint64_t dh_groups;         /* Bit N set: DH group N accepted. */
    struct sset *encryption;    /* Schema names. */
    struct sset *integrity;     /* Schema names. */
};

void vpn_caps_init(struct vpn_caps *);
void vpn_caps_destroy(struct vpn_caps *);
void vpn_caps_from_smap(struct vpn_caps *, const struct smap *);
void vpn_caps_to_smap(const struct vpn_caps *, struct smap *);
bool vpn_caps_supports(const struct vpn_caps *,
                       const struct vpn_tunnel_params *,
                       const char **field, char **value);

#endif /* vpn-report.h */
