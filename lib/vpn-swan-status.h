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

#ifndef VPN_SWAN_STATUS_H
#define VPN_SWAN_STATUS_H 1

/* What libreswan 4.10's pluto (and strongswan 5.9's charon, at the end)
 * says about the tunnels it runs.
 *
 * The module is pure: it turns text that ovn-vpn-agent collected from one
 * pluto into structures, and knows nothing of processes, files or
 * databases.  It has three parts for libreswan, and one for strongswan.
 *
 * Names.  A tunnel NAME is the libreswan conn "NAME" or, when it has
 * several local or peer CIDRs (leftsubnets=/rightsubnets=), the conns
 * "NAME/1x1", "NAME/1x2", ... that libreswan derives from it, "/LxR"
 * meaning the L-th left subnet with the R-th right subnet (1-based).  The
 * "base name" of a conn is its name without such a suffix; everything
 * here is keyed by base name.  A connection instantiated from a template
 * (a peer of "0.0.0.0", right=%any) prints as "NAME"[N] ADDRESS and has
 * the base name NAME too.  Tunnel names must therefore not themselves end
 * in "/<digits>x<digits>", and must be shorter than SWAN_STATUS_NAME_SIZE.
 *
 * Status.  swan_status_parse() reads the output of "ipsec whack" with
 * --showstates, --trafficstatus or --status (any of them, any number of
 * times, into the same struct swan_status; lines are recognised by their
 * form, so the order does not matter).  What each one gives:
 *
 *   --showstates     Every IKE and Child SA with its state name
 *                    (STATE_V2_ESTABLISHED_IKE_SA, STATE_MAIN_I4,
 *                    STATE_V2_PARENT_I1, ...), its serial "#N" and, for an
 *                    established Child SA, the serial of its IKE SA.  Its
 *                    byte counts are truncated to KB or MB: not used.
 *   --trafficstatus  One line per established IPsec SA, with exact
 *                    inBytes= and outBytes= (4.10 prints inBytes with
 *                    "%u", so it wraps at 4 GiB).  No IKE SAs.
 *   --status         The "Connection list" (which conns are loaded) and
 *                    the same state lines as --showstates, among about 20
 *                    lines per conn: expensive with many conns.
 *   --briefstatus    Only pluto-wide counts: nothing per tunnel.
 *
 * A cheap poll is therefore --showstates plus --trafficstatus; --status
 * adds only the "loaded" flag.  No libreswan output (4.10, nor current
 * master) reports packet counts; only bytes are available.
 *
 * Parsing is one pass over the text into a hash map keyed by base name
 * (and one keyed by SA serial, to join --trafficstatus with
 * --showstates), so a poll of 1000 tunnels costs O(lines).  Each call
 * takes complete output; swan_status_clear() starts the next poll.
 *
 * Log.  swan_status_parse_log_line() recognises, in one line of pluto's
 * --logfile (or a whack reply), the failures and successes that matter:
 * authentication failures (pre-shared key or ID mismatch), proposal
 * mismatches in phase 1 (IKE_SA_INIT, Main/Aggressive Mode) and phase 2
 * (Child SA in IKE_AUTH, CREATE_CHILD_SA, Quick Mode), unacceptable
 * traffic selectors, a peer that does not answer or cannot be reached,
 * the kernel refusing an SA, algorithms that pluto refused when the conn
 * was added, on the initiator and the responder side.  A struct
 * swan_status_log follows a log incrementally (it accepts arbitrary
 * chunks) and remembers, per tunnel, the failures not yet cured by a
 * later success: an established IKE SA cures a phase-1 failure, an
 * established Child SA the phase-2 failure of its own conn, re-adding the
 * conn or restarting pluto all of them.
 *
 * A responder picks the conn for an IKE_SA_INIT by IP address pair only,
 * so when several tunnels share a pair, its phase-1 failures may be
 * logged under another of them; the initiator's side is always right.
 *
 * Classification.  swan_status_classify() combines a tunnel's status, the
 * number of Child SAs it should have (local CIDRs x peer CIDRs) and its
 * last uncured failure into one of four states, with a reason:
 *
 *   connected      An IKE SA is established (for IKEv1, an IPsec SA may
 *                  outlive its ISAKMP SA) and every expected conn has an
 *                  established Child SA.
 *   phase2-failed  Otherwise, the last failure is in phase 2.
 *   phase1-failed  Otherwise, the last failure is in phase 1 and no IKE SA
 *                  is established.
 *   connecting     Otherwise (reason "none").
 *
 * The state and reason strings are what goes into the database and the
 * CLI. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "openvswitch/dynamic-string.h"
#include "openvswitch/hmap.h"
#include "openvswitch/list.h"
#include "openvswitch/shash.h"
#include "sset.h"

/* Size of a buffer for a conn or tunnel name (with its terminator), and of
 * a failure's human-readable detail. */
#define SWAN_STATUS_NAME_SIZE   128
#define SWAN_STATUS_DETAIL_SIZE 128

/* Base names. */
size_t swan_status_base_len(const char *conn, size_t len);

/* Connection states, as the database and the CLI name them. */
enum swan_conn_state {
    SWAN_CONN_CONNECTING,       /* "connecting" */
    SWAN_CONN_CONNECTED,        /* "connected" */
    SWAN_CONN_PHASE1_FAILED,    /* "phase1-failed" */
    SWAN_CONN_PHASE2_FAILED,    /* "phase2-failed" */
};

/* Failure reasons. */
enum swan_reason {
    SWAN_REASON_NONE,                /* "none" */
    SWAN_REASON_AUTH_FAILED,         /* "authentication-failed" */
    SWAN_REASON_NO_PROPOSAL_CHOSEN,  /* "no-proposal-chosen" */
    SWAN_REASON_TS_UNACCEPTABLE,     /* "ts-unacceptable" */
    SWAN_REASON_PEER_NOT_RESPONDING, /* "peer-not-responding" */
    SWAN_REASON_KERNEL_INSTALL,      /* "kernel-install-failed" */
    SWAN_REASON_ALG_UNSUPPORTED,     /* "algorithm-unsupported" */
    SWAN_REASON_CONFIG_REJECTED,     /* "config-rejected" */
    SWAN_REASON_NEGOTIATION_FAILED,  /* "negotiation-failed" */
};

const char *swan_status_state_to_string(enum swan_conn_state);
bool swan_status_state_from_string(const char *, enum swan_conn_state *);
const char *swan_status_reason_to_string(enum swan_reason);
bool swan_status_reason_from_string(const char *, enum swan_reason *);

/* Status. */

/* One IKE SA or Child SA (IPsec SA). */
struct swan_status_sa {
    struct hmap_node hmap_node;     /* In struct swan_status's 'sas'. */
    struct ovs_list list_node;      /* In its tunnel's 'sas'. */
    struct swan_status_tunnel *tunnel;
    unsigned long serial;           /* "#N". */
    char *conn;                     /* Full conn name, e.g. "t1/1x2". */
    char *state;                    /* State name, NULL if only traffic. */
    bool ike;                       /* IKE (ISAKMP) SA, else Child SA. */
    bool ikev1;                     /* Main/Aggressive/Quick Mode state. */
    bool established;
    bool newest;                    /* Marked "newest" by pluto. */

    /* Child SAs only. */
    unsigned long ike_serial;       /* Its IKE SA, 0 if not shown. */
    bool have_bytes;                /* in_bytes, out_bytes are valid. */
    uint64_t in_bytes;
    uint64_t out_bytes;
};

/* What pluto said about one tunnel (all conns with the same base name). */
struct swan_status_tunnel {
    char *name;                     /* Base name. */
    bool loaded;                    /* In the --status Connection list. */
    struct ovs_list sas;            /* All its swan_status_sa, in order. */

    /* The IKE SA to report, NULL if pluto listed none: an established one
     * before one that is not, then the one pluto marks "newest", then the
     * highest serial. */
    const struct swan_status_sa *ike;
    size_t n_ike_sas;               /* IKE SAs listed, half-open included. */

    /* Established Child SAs.  'up_conns' holds the distinct conns that have
     * at least one (during a rekey a conn has two): its count is what
     * "every expected Child SA" is compared with. */
    size_t n_children;
    struct sset up_conns;
    bool ikev1_up;                  /* One of them is IKEv1. */

    /* Sum over the Child SAs that --trafficstatus listed.  If it printed
     * only one of inBytes= and outBytes=, the other counts as 0.  The
     * counters restart with each new SA (rekey), as the kernel's do. */
    bool have_bytes;
    uint64_t in_bytes;
    uint64_t out_bytes;
};

struct swan_status {
    struct shash tunnels;           /* Base name -> swan_status_tunnel. */
    struct hmap sas;                /* swan_status_sa, by serial. */
    bool have_conn_list;            /* A --status Connection list seen. */
};

void swan_status_init(struct swan_status *);
void swan_status_clear(struct swan_status *);
void swan_status_destroy(struct swan_status *);
void swan_status_parse(struct swan_status *, const char *text);
const struct swan_status_tunnel *swan_status_find(const struct swan_status *,
                                                  const char *name);

/* Log. */

enum swan_status_event_type {
    SWAN_EVENT_FAILURE,             /* 'phase', 'reason', 'detail' set. */
    SWAN_EVENT_IKE_UP,              /* An IKE SA was established. */
    SWAN_EVENT_CHILD_UP,            /* A Child SA was established. */
    SWAN_EVENT_CONN_ADDED,          /* The conn was added, maybe again. */
    SWAN_EVENT_RESTART,             /* Pluto started: no tunnel. */
};

struct swan_status_event {
    enum swan_status_event_type type;
    char tunnel[SWAN_STATUS_NAME_SIZE];     /* Base name. */
    char conn[SWAN_STATUS_NAME_SIZE];       /* Full conn name. */
    unsigned long serial;                   /* "#N", 0 if none. */

    /* Failures only. */
    int phase;                              /* 1 or 2. */
    enum swan_reason reason;
    char detail[SWAN_STATUS_DETAIL_SIZE];   /* Short, for humans. */

    /* A weak failure is a consequence or a generic symptom ("no response",
     * "CHILD SA encountered fatal error"): it does not replace a stronger
     * failure already known for the same SA serial. */
    bool weak;

    /* The phase could not be told from the line: an IKEv1 notification
     * (NO_PROPOSAL_CHOSEN, INVALID_ID_INFORMATION) always arrives on the
     * ISAKMP SA.  'phase' is 1; swan_status_log makes it 2 if the serial
     * is an ISAKMP SA it saw established. */
    bool phase_guessed;

    unsigned long long seqno;               /* Set by swan_status_log. */
};

bool swan_status_parse_log_line(const char *line, struct swan_status_event *);

/* Follows one pluto log. */
struct swan_status_log {
    struct shash tunnels;           /* Base name -> private state. */
    struct ds line;                 /* Unterminated line carried over. */
    unsigned long long seqno;
    unsigned long long n_child_ups; /* SWAN_EVENT_CHILD_UP events seen. */
};

void swan_status_log_init(struct swan_status_log *);
void swan_status_log_destroy(struct swan_status_log *);
void swan_status_log_feed(struct swan_status_log *, const char *data,
                          size_t n);
void swan_status_log_feed_line(struct swan_status_log *, const char *line);
void swan_status_log_record(struct swan_status_log *,
                            const struct swan_status_event *);
const struct swan_status_event *swan_status_log_last_failure(
    const struct swan_status_log *, const char *tunnel);
void swan_status_log_forget(struct swan_status_log *, const char *tunnel);

/* Classification. */
enum swan_conn_state swan_status_classify(
    const struct swan_status_tunnel *, size_t n_expected_children,
    const struct swan_status_event *last_failure, enum swan_reason *);

/* strongswan 5.9's charon, driven with swanctl (ipsec-agent/vpn-charon.h).
 *
 * swan_status_swanctl_sas() reads "swanctl --list-sas --raw": one line per
 * IKE SA, "list-sa event {NAME {... state=ESTABLISHED ... child-sas
 * {UNIQUE {name=CHILD ... state=INSTALLED ...} ...}}}", and adds to
 * 'ikes' the names of the established IKE SAs and to 'children' the names
 * of the installed Child SAs under them.
 *
 * swan_status_swanctl_classify() tells why one "swanctl --initiate" that
 * failed did: swanctl prints charon's log of the initiation, whose lines
 * name the notify the peer sent ("received AUTHENTICATION_FAILED notify
 * error", "received NO_PROPOSAL_CHOSEN notify", "received TS_UNACCEPTABLE
 * notify", "giving up after N retransmits").  The failure is in phase 2 if
 * an IKE SA was established ("IKE_SA NAME[N] established between") or
 * already there (only a CREATE_CHILD_SA was sent), in phase 1 otherwise.
 * Returns the state and stores the reason and a detail for humans. */
enum swan_conn_state swan_status_swanctl_classify(const char *out,
                                                  enum swan_reason *,
                                                  const char **detail);
void swan_status_swanctl_sas(const char *out, struct sset *ikes,
                             struct sset *children);

#endif /* vpn-swan-status.h */
