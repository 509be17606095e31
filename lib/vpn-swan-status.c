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

/* Parsing of libreswan 4.10's "ipsec whack" status output and pluto log
 * lines into per-tunnel facts, and their classification into the
 * connection state that ovn-vpn-agent reports (see vpn-swan-status.h).
 * Every format matched here was checked against real pluto 4.10 output
 * (tests/swan-samples/) or, for cases the samples lack, against the
 * messages in libreswan 4.10's source.
 *
 * About 1,100 lines in one file on purpose: the status parser and the log
 * parser share their matchers and must classify the same events the same
 * way; split, they would drift apart. */

#include <config.h>

#include "vpn-swan-status.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hash.h"
#include "openvswitch/util.h"
#include "util.h"

/* Longest log line kept while waiting for its end; the rest is dropped. */
#define SWAN_STATUS_LINE_MAX 16384

static const char *const state_names[] = {
    [SWAN_CONN_CONNECTING] = "connecting",
    [SWAN_CONN_CONNECTED] = "connected",
    [SWAN_CONN_PHASE1_FAILED] = "phase1-failed",
    [SWAN_CONN_PHASE2_FAILED] = "phase2-failed",
};

static const char *const reason_names[] = {
    [SWAN_REASON_NONE] = "none",
    [SWAN_REASON_AUTH_FAILED] = "authentication-failed",
    [SWAN_REASON_NO_PROPOSAL_CHOSEN] = "no-proposal-chosen",
    [SWAN_REASON_TS_UNACCEPTABLE] = "ts-unacceptable",
    [SWAN_REASON_PEER_NOT_RESPONDING] = "peer-not-responding",
    [SWAN_REASON_KERNEL_INSTALL] = "kernel-install-failed",
    [SWAN_REASON_ALG_UNSUPPORTED] = "algorithm-unsupported",
    [SWAN_REASON_CONFIG_REJECTED] = "config-rejected",
    [SWAN_REASON_NEGOTIATION_FAILED] = "negotiation-failed",
};

/* The tracker's memory of one tunnel. */
struct log_tunnel {
    struct swan_status_event *p1;   /* Uncured phase-1 failure, or NULL. */
    struct shash p2;                /* Conn -> uncured phase-2 failure. */
    unsigned long ike_serial;       /* Last IKE SA seen established. */
};

static const char *parse_conn(const char *s, const char **name,
                              size_t *len);
static const char *parse_serial(const char *s, unsigned long *serial);
static void parse_status_line(struct swan_status *, const char *line);
static bool parse_log_message(const char *msg, struct swan_status_event *);
static void log_tunnel_destroy(struct log_tunnel *);

/* Returns the length of the base name of the conn 'conn' of 'len' bytes:
 * 'len' less a "/<digits>x<digits>" suffix, if it has one and something
 * comes before it. */
size_t
swan_status_base_len(const char *conn, size_t len)
{
    size_t i = len;

    /* From the end: digits, 'x', digits, '/'. */
    for (int part = 0; part < 2; part++) {
        size_t digits_end = i;

        while (i > 0 && isdigit((unsigned char) conn[i - 1])) {
            i--;
        }
        if (i == digits_end || i == 0 || conn[i - 1] != "x/"[part]) {
            return len;
        }
        i--;
    }
    return i > 0 ? i : len;
}

const char *
swan_status_state_to_string(enum swan_conn_state state)
{
    return (state < ARRAY_SIZE(state_names) && state_names[state]
            ? state_names[state] : "unknown");
}

bool
swan_status_state_from_string(const char *s, enum swan_conn_state *state)
{
    for (size_t i = 0; i < ARRAY_SIZE(state_names); i++) {
        if (state_names[i] && !strcmp(s, state_names[i])) {
            *state = i;
            return true;
        }
    }
    return false;
}

const char *
swan_status_reason_to_string(enum swan_reason reason)
{
    return (reason < ARRAY_SIZE(reason_names) && reason_names[reason]
            ? reason_names[reason] : "unknown");
}

bool
swan_status_reason_from_string(const char *s, enum swan_reason *reason)
{
    for (size_t i = 0; i < ARRAY_SIZE(reason_names); i++) {
        if (reason_names[i] && !strcmp(s, reason_names[i])) {
            *reason = i;
            return true;
        }
    }
    return false;
}

/* Status. */

void
swan_status_init(struct swan_status *st)
{
    shash_init(&st->tunnels);
    hmap_init(&st->sas);
    st->have_conn_list = false;
}

/* Forgets everything 'st' holds, to parse a new poll into it. */
void
swan_status_clear(struct swan_status *st)
{
    struct shash_node *node;

    SHASH_FOR_EACH_SAFE (node, &st->tunnels) {
        struct swan_status_tunnel *t = node->data;
        struct swan_status_sa *sa;

        LIST_FOR_EACH_POP (sa, list_node, &t->sas) {
            free(sa->conn);
            free(sa->state);
            free(sa);
        }
        sset_destroy(&t->up_conns);
        free(t->name);
        free(t);
        shash_delete(&st->tunnels, node);
    }
    hmap_clear(&st->sas);
    st->have_conn_list = false;
}

void
swan_status_destroy(struct swan_status *st)
{
    if (st) {
        swan_status_clear(st);
        shash_destroy(&st->tunnels);
        hmap_destroy(&st->sas);
    }
}

/* Adds what 'text', the output of "ipsec whack" with --showstates,
 * --trafficstatus or --status, says to 'st'.  Lines that are none of the
 * lines this module knows are ignored, so 'text' may also hold other
 * output (e.g. --briefstatus) or the "rc=N" lines of the samples. */
void
swan_status_parse(struct swan_status *st, const char *text)
{
    char *copy = xstrdup(text);
    char *save_ptr = NULL;

    for (char *line = strtok_r(copy, "\r\n", &save_ptr); line;
         line = strtok_r(NULL, "\r\n", &save_ptr)) {
        parse_status_line(st, line);
    }
    free(copy);
}

/* Returns the tunnel with base name 'name' in 'st', or NULL. */
const struct swan_status_tunnel *
swan_status_find(const struct swan_status *st, const char *name)
{
    return shash_find_data(&st->tunnels, name);
}

/* Log. */

/* Parses one line of pluto's log, or of a whack reply, into '*ev'.
 * Returns true if the line is one of the events that this module knows,
 * false otherwise ('*ev' is then unspecified).  'line' may end in a new
 * line.
 *
 * A line about a conn starts (after an optional timestamp ending in ": ",
 * a whack reply code "NNN " or "ERROR: ") with the conn in double quotes,
 * optionally an instance's "[N] ADDRESS", optionally " #SERIAL", then
 * ": " and the message. */
bool
swan_status_parse_log_line(const char *line, struct swan_status_event *ev)
{
    memset(ev, 0, sizeof *ev);

    const char *quote = strchr(line, '"');
    if (!quote) {
        if (strstr(line, "Starting Pluto")) {
            ev->type = SWAN_EVENT_RESTART;
            return true;
        }
        return false;
    }

    size_t prefix = quote - line;
    bool whack_code = (prefix == 4 && isdigit((unsigned char) line[0])
                       && isdigit((unsigned char) line[1])
                       && isdigit((unsigned char) line[2])
                       && line[3] == ' ');
    bool after_colon = (prefix >= 2 && line[prefix - 2] == ':'
                        && line[prefix - 1] == ' ');
    if (prefix && !whack_code && !after_colon) {
        return false;
    }

    const char *name;
    size_t len;
    const char *p = parse_conn(quote, &name, &len);
    if (!p) {
        return false;
    }
    if (p[0] == ' ' && p[1] == '#') {
        p = parse_serial(p + 2, &ev->serial);
        if (!p) {
            return false;
        }
    }
    if (p[0] != ':' || p[1] != ' ') {
        return false;
    }

    memcpy(ev->conn, name, len);
    ev->conn[len] = '\0';
    size_t base_len = swan_status_base_len(name, len);
    memcpy(ev->tunnel, name, base_len);
    ev->tunnel[base_len] = '\0';

    const char *msg = p + 2;
    if (!strncmp(msg, "ERROR: ", 7)) {
        msg += 7;
    }
    return parse_log_message(msg, ev);
}

void
swan_status_log_init(struct swan_status_log *log)
{
    shash_init(&log->tunnels);
    ds_init(&log->line);
    log->seqno = 0;
    log->n_child_ups = 0;
}

void
swan_status_log_destroy(struct swan_status_log *log)
{
    if (log) {
        struct shash_node *node;

        SHASH_FOR_EACH_SAFE (node, &log->tunnels) {
            log_tunnel_destroy(node->data);
            shash_delete(&log->tunnels, node);
        }
        shash_destroy(&log->tunnels);
        ds_destroy(&log->line);
    }
}

/* Feeds the 'n' bytes at 'data', the next part of the log, to 'log'.  The
 * part may end in the middle of a line: the line's start is kept until
 * its end arrives. */
void
swan_status_log_feed(struct swan_status_log *log, const char *data,
                     size_t n)
{
    while (n > 0) {
        const char *nl = memchr(data, '\n', n);
        size_t chunk = nl ? nl - data : n;
        size_t room = SWAN_STATUS_LINE_MAX - MIN(log->line.length,
                                                 SWAN_STATUS_LINE_MAX);

        ds_put_buffer(&log->line, data, MIN(chunk, room));
        if (!nl) {
            return;
        }
        swan_status_log_feed_line(log, ds_cstr(&log->line));
        ds_clear(&log->line);
        data = nl + 1;
        n -= chunk + 1;
    }
}

/* Feeds one complete line to 'log'. */
void
swan_status_log_feed_line(struct swan_status_log *log, const char *line)
{
    struct swan_status_event ev;

    if (swan_status_parse_log_line(line, &ev)) {
        swan_status_log_record(log, &ev);
    }
}

static struct log_tunnel *
log_tunnel_get(struct swan_status_log *log, const char *name)
{
    struct log_tunnel *t = shash_find_data(&log->tunnels, name);

    if (!t) {
        t = xzalloc(sizeof *t);
        shash_init(&t->p2);
        shash_add(&log->tunnels, name, t);
    }
    return t;
}

static void
log_tunnel_clear(struct log_tunnel *t)
{
    free(t->p1);
    t->p1 = NULL;
    shash_clear_free_data(&t->p2);
    t->ike_serial = 0;
}

static void
log_tunnel_destroy(struct log_tunnel *t)
{
    if (t) {
        log_tunnel_clear(t);
        shash_destroy(&t->p2);
        free(t);
    }
}

/* Records 'ev' in 'log'.  A failure is remembered until a success cures
 * it: an established IKE SA cures the tunnel's phase-1 failure, an
 * established Child SA the phase-2 failure of its conn, and re-adding a
 * conn (which replaces it in pluto) or restarting pluto cures everything.
 * A new failure replaces the remembered one of the same phase (and, for
 * phase 2, conn), except that for the same SA serial a weak failure never
 * replaces a strong one and the first message of a kind is kept. */
void
swan_status_log_record(struct swan_status_log *log,
                       const struct swan_status_event *ev)
{
    struct log_tunnel *t;

    switch (ev->type) {
    case SWAN_EVENT_RESTART: {
        struct shash_node *node;

        SHASH_FOR_EACH_SAFE (node, &log->tunnels) {
            log_tunnel_destroy(node->data);
            shash_delete(&log->tunnels, node);
        }
        return;
    }

    case SWAN_EVENT_CONN_ADDED:
        t = shash_find_data(&log->tunnels, ev->tunnel);
        if (t) {
            log_tunnel_clear(t);
        }
        return;

    case SWAN_EVENT_IKE_UP:
        t = log_tunnel_get(log, ev->tunnel);
        free(t->p1);
        t->p1 = NULL;
        t->ike_serial = ev->serial;
        return;

    case SWAN_EVENT_CHILD_UP:
        log->n_child_ups++;
        t = shash_find_data(&log->tunnels, ev->tunnel);
        if (t) {
            free(shash_find_and_delete(&t->p2, ev->conn));
        }
        return;

    case SWAN_EVENT_FAILURE:
        break;

    default:
        OVS_NOT_REACHED();
    }

    struct swan_status_event new = *ev;
    t = log_tunnel_get(log, new.tunnel);
    if (new.phase_guessed && new.serial && new.serial == t->ike_serial) {
        /* A notification on an established ISAKMP SA answers Quick Mode. */
        new.phase = 2;
        new.phase_guessed = false;
        if (new.reason == SWAN_REASON_AUTH_FAILED) {
            new.reason = SWAN_REASON_TS_UNACCEPTABLE;
        }
    }
    new.seqno = ++log->seqno;

    struct swan_status_event **slot;
    if (new.phase == 1) {
        slot = &t->p1;
    } else {
        struct shash_node *node = shash_find(&t->p2, new.conn);
        if (!node) {
            node = shash_add(&t->p2, new.conn, NULL);
        }
        slot = (struct swan_status_event **) &node->data;
    }

    struct swan_status_event *old = *slot;
    if (old && new.serial && old->serial == new.serial
        && (new.weak || (!old->weak && old->reason == new.reason))) {
        old->seqno = new.seqno;
        return;
    }
    free(old);
    *slot = xmemdup(&new, sizeof new);
}

/* Returns the most recent uncured failure of 'tunnel' (a base name) in
 * 'log', or NULL if there is none. */
const struct swan_status_event *
swan_status_log_last_failure(const struct swan_status_log *log,
                             const char *tunnel)
{
    const struct log_tunnel *t = shash_find_data(&log->tunnels, tunnel);
    if (!t) {
        return NULL;
    }

    const struct swan_status_event *last = t->p1;
    struct shash_node *node;
    SHASH_FOR_EACH (node, &t->p2) {
        const struct swan_status_event *ev = node->data;
        if (!last || ev->seqno > last->seqno) {
            last = ev;
        }
    }
    return last;
}

/* Forgets everything 'log' knows about 'tunnel', e.g. when it is deleted. */
void
swan_status_log_forget(struct swan_status_log *log, const char *tunnel)
{
    log_tunnel_destroy(shash_find_and_delete(&log->tunnels, tunnel));
}

/* Classification. */

/* Returns the state of tunnel 't' (NULL if pluto listed nothing for it),
 * which should have 'n_expected_children' Child SAs (local CIDRs x peer
 * CIDRs; 0 counts as 1), given 'last_failure', the tunnel's most recent
 * uncured failure (NULL if none; see swan_status_log_last_failure()), and
 * stores the reason in '*reasonp':
 *
 *   - connected: an IKE SA is established and every expected conn has an
 *     established Child SA.  An IKEv1 tunnel whose ISAKMP SA has gone
 *     while its IPsec SAs live on (normal in IKEv1) is connected too.
 *
 *   - phase2-failed: otherwise, if the last failure is in phase 2, even
 *     if the IKE SA is down again (pluto revives it and fails again).
 *
 *   - phase1-failed: otherwise, if the last failure is in phase 1 and no
 *     IKE SA is established (an established one makes it stale).
 *
 *   - connecting: otherwise, with reason "none". */
enum swan_conn_state
swan_status_classify(const struct swan_status_tunnel *t,
                     size_t n_expected_children,
                     const struct swan_status_event *last_failure,
                     enum swan_reason *reasonp)
{
    bool ike_up = t && t->ike && t->ike->established;
    size_t n_up = t ? sset_count(&t->up_conns) : 0;

    *reasonp = SWAN_REASON_NONE;
    if (n_up >= MAX(n_expected_children, 1)
        && (ike_up || (t && t->ikev1_up))) {
        return SWAN_CONN_CONNECTED;
    }

    const struct swan_status_event *ev = last_failure;
    if (ev && ev->type == SWAN_EVENT_FAILURE) {
        if (ev->phase == 2) {
            *reasonp = ev->reason;
            return SWAN_CONN_PHASE2_FAILED;
        } else if (!ike_up) {
            *reasonp = ev->reason;
            return SWAN_CONN_PHASE1_FAILED;
        }
    }
    return SWAN_CONN_CONNECTING;
}

/* Static functions. */

static bool
starts_with(const char *s, const char *prefix)
{
    return !strncmp(s, prefix, strlen(prefix));
}

/* Returns the text after 'prefix' if 's' starts with it, else NULL. */
static const char *
after(const char *s, const char *prefix)
{
    size_t len = strlen(prefix);
    return strncmp(s, prefix, len) ? NULL : s + len;
}

static const char *
parse_serial(const char *s, unsigned long *serial)
{
    if (!isdigit((unsigned char) *s)) {
        return NULL;
    }

    char *end;
    *serial = strtoul(s, &end, 10);
    return end;
}

static bool
is_address_char(char c)
{
    return isxdigit((unsigned char) c) || c == '.' || c == ':';
}

/* Parses the conn designation at 's': the name in double quotes, then, for
 * an instance, "[N]" and " ADDRESS" (IPv4 or IPv6; in status lines a
 * ":PORT" follows, which is skipped as part of it).  Stores the name and
 * its length in '*name' and '*len' and returns the first character after
 * the designation, or NULL if 's' does not start with one or the name is
 * empty or too long for SWAN_STATUS_NAME_SIZE. */
static const char *
parse_conn(const char *s, const char **name, size_t *len)
{
    if (*s != '"') {
        return NULL;
    }

    const char *end = strchr(s + 1, '"');
    if (!end || end == s + 1 || end - (s + 1) >= SWAN_STATUS_NAME_SIZE) {
        return NULL;
    }
    *name = s + 1;
    *len = end - (s + 1);

    const char *p = end + 1;
    if (*p == '[') {
        const char *q = p + 1;
        while (isdigit((unsigned char) *q)) {
            q++;
        }
        if (q == p + 1 || *q != ']') {
            return NULL;
        }
        p = q + 1;
    }
    if (*p == ' ') {
        const char *q = p + 1;
        while (is_address_char(*q) && !(*q == ':' && (q[1] == ' '
                                                      || !q[1]))) {
            q++;
        }
        if (q > p + 1 && (*q == ':' || *q == ',' || *q == '\0'
                          || (*q == ' ' && q[1] == '#'))) {
            p = q;
        }
    }
    return p;
}

static struct swan_status_tunnel *
tunnel_get(struct swan_status *st, const char *conn, size_t conn_len)
{
    size_t len = swan_status_base_len(conn, conn_len);
    struct shash_node *node = shash_find_len(&st->tunnels, conn, len);
    if (node) {
        return node->data;
    }

    struct swan_status_tunnel *t = xzalloc(sizeof *t);
    t->name = xmemdup0(conn, len);
    ovs_list_init(&t->sas);
    sset_init(&t->up_conns);
    shash_add(&st->tunnels, t->name, t);
    return t;
}

/* Returns the SA with 'serial' in 'st', creating it in the tunnel of conn
 * 'name' of 'len' bytes if there is none. */
static struct swan_status_sa *
sa_get(struct swan_status *st, unsigned long serial,
       const char *name, size_t len)
{
    uint32_t hash = hash_uint64(serial);
    struct swan_status_sa *sa;

    HMAP_FOR_EACH_WITH_HASH (sa, hmap_node, hash, &st->sas) {
        if (sa->serial == serial) {
            return sa;
        }
    }

    struct swan_status_tunnel *t = tunnel_get(st, name, len);
    sa = xzalloc(sizeof *sa);
    sa->tunnel = t;
    sa->serial = serial;
    sa->conn = xmemdup0(name, len);
    hmap_insert(&st->sas, &sa->hmap_node, hash);
    ovs_list_push_back(&t->sas, &sa->list_node);
    return sa;
}

/* Marks Child SA 'sa' established.  Nothing is ever marked down again: two
 * whack outputs of one poll that disagree were taken across a change, and
 * the established view is the one to trust for that poll. */
static void
child_set_up(struct swan_status_sa *sa)
{
    struct swan_status_tunnel *t = sa->tunnel;

    if (!sa->established) {
        sa->established = true;
        t->n_children++;
        sset_add(&t->up_conns, sa->conn);
    }
    if (sa->ikev1) {
        t->ikev1_up = true;
    }
}

/* Returns true if IKE SA 'a' is a better one to report than 'b'. */
static bool
ike_better(const struct swan_status_sa *a, const struct swan_status_sa *b)
{
    if (a->established != b->established) {
        return a->established;
    } else if (a->newest != b->newest) {
        return a->newest;
    } else {
        return a->serial > b->serial;
    }
}

static bool
is_any_of(const char *s, size_t len, const char *const *names)
{
    for (; *names; names++) {
        if (strlen(*names) == len && !strncmp(s, *names, len)) {
            return true;
        }
    }
    return false;
}

/* Parses a state line of --showstates or --status: 'state' points to the
 * state name, which the rest of the line follows. */
static void
parse_state(struct swan_status *st, unsigned long serial,
            const char *name, size_t len, const char *state)
{
    static const char *const ike_up_states[] = {
        "STATE_V2_ESTABLISHED_IKE_SA", "STATE_MAIN_R3", "STATE_MAIN_I4",
        "STATE_AGGR_I2", "STATE_AGGR_R2", NULL,
    };
    static const char *const child_up_states[] = {
        "STATE_V2_ESTABLISHED_CHILD_SA", "STATE_QUICK_I2", "STATE_QUICK_R1",
        "STATE_QUICK_R2", NULL,
    };
    size_t state_len = strcspn(state, " ;(");
    const char *rest = state + state_len;
    bool v1 = (starts_with(state, "STATE_MAIN_")
               || starts_with(state, "STATE_AGGR_")
               || starts_with(state, "STATE_QUICK_")
               || starts_with(state, "STATE_XAUTH_")
               || starts_with(state, "STATE_MODE_CFG_"));
    bool child = (starts_with(state, "STATE_QUICK_")
                  || memmem(state, state_len, "CHILD", 5));

    if (starts_with(state, "STATE_INFO")) {
        /* Ephemeral IKEv1 informational exchange: neither kind of SA. */
        return;
    }

    struct swan_status_sa *sa = sa_get(st, serial, name, len);
    free(sa->state);
    sa->state = xmemdup0(state, state_len);
    sa->ikev1 = v1;
    sa->newest = sa->newest || strstr(rest, " newest;");

    if (child) {
        const char *parent = strstr(rest, " IKE SA #");
        size_t skip = strlen(" IKE SA #");
        if (!parent) {
            parent = strstr(rest, " ISAKMP SA #");
            skip = strlen(" ISAKMP SA #");
        }
        if (parent) {
            parse_serial(parent + skip, &sa->ike_serial);
        }
        if (sa->established || is_any_of(state, state_len, child_up_states)) {
            child_set_up(sa);
        }
        return;
    }

    struct swan_status_tunnel *t = sa->tunnel;
    if (!sa->ike) {
        sa->ike = true;
        t->n_ike_sas++;
    }
    sa->established = (sa->established
                       || is_any_of(state, state_len, ike_up_states)
                       || (v1 && (starts_with(state, "STATE_XAUTH_")
                                  || starts_with(state, "STATE_MODE_CFG_"))));
    if (!t->ike || t->ike == sa || ike_better(sa, t->ike)) {
        t->ike = sa;
    }
}

/* Returns the number after 'key' in the 'n' bytes at 's', in '*value'. */
static bool
find_u64(const char *s, size_t n, const char *key, uint64_t *value)
{
    size_t key_len = strlen(key);
    const char *p = memmem(s, n, key, key_len);
    if (!p || !isdigit((unsigned char) p[key_len])) {
        return false;
    }
    *value = strtoull(p + key_len, NULL, 10);
    return true;
}

/* Parses the rest 'p' of a --trafficstatus line, after the conn:
 * ", type=ESP, add_time=..., inBytes=N, outBytes=N, maxBytes=..., id='..'"
 * (only established IPsec SAs are listed).  The fields are searched
 * before ", id='" because the peer's ID comes from the wire. */
static void
parse_traffic(struct swan_status *st, unsigned long serial,
              const char *name, size_t len, const char *p)
{
    struct swan_status_sa *sa = sa_get(st, serial, name, len);
    if (sa->ike) {
        return;
    }

    const char *id = strstr(p, ", id='");
    size_t n = id ? id - p : strlen(p);
    uint64_t in = 0, out = 0;
    bool have_in = find_u64(p, n, ", inBytes=", &in);
    bool have_out = find_u64(p, n, ", outBytes=", &out);
    if (have_in || have_out) {
        struct swan_status_tunnel *t = sa->tunnel;

        if (sa->have_bytes) {
            t->in_bytes -= sa->in_bytes;
            t->out_bytes -= sa->out_bytes;
        }
        sa->have_bytes = t->have_bytes = true;
        sa->in_bytes = in;
        sa->out_bytes = out;
        t->in_bytes += in;
        t->out_bytes += out;
    }
    child_set_up(sa);
}

static void
parse_status_line(struct swan_status *st, const char *line)
{
    const char *s = line;

    /* Whack prefixes its lines with a 3-digit code. */
    if (isdigit((unsigned char) s[0]) && isdigit((unsigned char) s[1])
        && isdigit((unsigned char) s[2]) && s[3] == ' ') {
        s += 4;
    }

    const char *name;
    size_t len;
    if (s[0] == '#') {
        /* "#N: "CONN"..." is a state, traffic or SA detail line. */
        unsigned long serial;
        const char *p = parse_serial(s + 1, &serial);
        if (!p || p[0] != ':' || p[1] != ' ') {
            return;
        }
        p = parse_conn(p + 2, &name, &len);
        if (!p) {
            return;
        } else if (*p == ',') {
            parse_traffic(st, serial, name, len, p);
        } else {
            const char *state = strstr(p, " STATE_");
            if (state) {
                parse_state(st, serial, name, len, state + 1);
            }
        }
    } else if (s[0] == '"') {
        /* In --status's Connection list, a conn's first line continues
         * after ": " with its selectors, its other lines with spaces. */
        const char *p = parse_conn(s, &name, &len);
        if (p && p[0] == ':' && p[1] == ' ' && p[2] && p[2] != ' ') {
            tunnel_get(st, name, len)->loaded = true;
        }
    } else if (starts_with(s, "Total IPsec connections:")) {
        st->have_conn_list = true;
    }
}

/* Copies the notification name (or other token) at 's' into 'buf'. */
static const char *
get_token(const char *s, char *buf, size_t size)
{
    size_t n = 0;

    while (n + 1 < size && (isalnum((unsigned char) s[n]) || s[n] == '_')) {
        n++;
    }
    memcpy(buf, s, n);
    buf[n] = '\0';
    return buf;
}

/* Returns the reason that IKE notification 'n' means in 'phase', or
 * SWAN_REASON_NONE for notifications that are part of a normal
 * negotiation (INVALID_KE_PAYLOAD, COOKIE, ...) or unknown. */
static enum swan_reason
notification_reason(const char *n, int phase)
{
    if (!strcmp(n, "AUTHENTICATION_FAILED")
        || !strcmp(n, "INVALID_HASH_INFORMATION")
        || !strcmp(n, "INVALID_KEY_INFORMATION")
        || !strcmp(n, "INVALID_SIGNATURE")) {
        return SWAN_REASON_AUTH_FAILED;
    } else if (!strcmp(n, "NO_PROPOSAL_CHOSEN")) {
        return SWAN_REASON_NO_PROPOSAL_CHOSEN;
    } else if (!strcmp(n, "TS_UNACCEPTABLE")) {
        return SWAN_REASON_TS_UNACCEPTABLE;
    } else if (!strcmp(n, "INVALID_ID_INFORMATION")) {
        return (phase == 1 ? SWAN_REASON_AUTH_FAILED
                : SWAN_REASON_TS_UNACCEPTABLE);
    }
    return SWAN_REASON_NONE;
}

/* Returns the phase of IKEv2 exchange 'exchange' that fails with
 * notification 'n', or 0 if the exchange is not one that sets SAs up. */
static int
exchange_phase(const char *exchange, const char *n)
{
    if (!strcmp(exchange, "IKE_SA_INIT")) {
        return 1;
    } else if (!strcmp(exchange, "IKE_AUTH")) {
        return notification_reason(n, 1) == SWAN_REASON_AUTH_FAILED ? 1 : 2;
    } else if (!strcmp(exchange, "CREATE_CHILD_SA")) {
        return 2;
    }
    return 0;
}

static bool OVS_PRINTF_FORMAT(5, 6)
failure(struct swan_status_event *ev, int phase, enum swan_reason reason,
        bool weak, const char *format, ...)
{
    va_list args;

    ev->type = SWAN_EVENT_FAILURE;
    ev->phase = phase;
    ev->reason = reason;
    ev->weak = weak;
    va_start(args, format);
    vsnprintf(ev->detail, sizeof ev->detail, format, args);
    va_end(args);
    ev->detail[strcspn(ev->detail, "\r\n")] = '\0';
    return true;
}

/* Parses the notification 'n' with which a Child SA failed, e.g. after
 * "IKE_AUTH response rejected Child SA with ", into a phase-2 failure. */
static bool
child_failed(const char *n, struct swan_status_event *ev, bool weak)
{
    char name[64];
    get_token(n, name, sizeof name);

    enum swan_reason reason = notification_reason(name, 2);
    if (reason == SWAN_REASON_NONE) {
        reason = SWAN_REASON_NEGOTIATION_FAILED;
    }
    return failure(ev, 2, reason, weak, "%s Child SA (%s)",
                   weak ? "failed to set up" : "peer rejected the", name);
}

/* Parses a retransmission give-up, "STATE_X: 60 second timeout exceeded
 * after 7 retransmits.  <why>" or "STATE_X: max number of retransmissions
 * (N) reached after ...". */
static bool
retransmit_timeout(const char *msg, struct swan_status_event *ev)
{
    char state[64];
    get_token(msg, state, sizeof state);

    int phase = (strstr(state, "QUICK") || strstr(state, "CHILD")) ? 2 : 1;
    if (strstr(msg, "Possible authentication failure")) {
        return failure(ev, 1, SWAN_REASON_AUTH_FAILED, false,
                       "no acceptable reply to our first encrypted message "
                       "(%s)", state);
    } else if (strstr(msg, "perhaps peer likes no proposal")) {
        return failure(ev, 2, SWAN_REASON_NO_PROPOSAL_CHOSEN, false,
                       "no acceptable reply to Quick Mode (%s)", state);
    }
    return failure(ev, phase, SWAN_REASON_PEER_NOT_RESPONDING, true,
                   "no response from peer (%s)", state);
}

/* Parses "failed to add connection: X": an algorithm that this build of
 * libreswan refuses ("IKE DH algorithm 'modp1024' is not supported", "ESP
 * encryption algorithm ..." ) or another configuration error. */
static bool
add_failed(const char *why, struct swan_status_event *ev)
{
    bool ike = starts_with(why, "IKE ");
    bool esp_ah = starts_with(why, "ESP ") || starts_with(why, "AH ");

    if ((ike || esp_ah) && strstr(why, " algorithm")) {
        return failure(ev, ike ? 1 : 2, SWAN_REASON_ALG_UNSUPPORTED, false,
                       "%s", why);
    }
    return failure(ev, 1, SWAN_REASON_CONFIG_REJECTED, false, "%s", why);
}

static bool
parse_log_message(const char *msg, struct swan_status_event *ev)
{
    char n[64], exchange[64];
    const char *p, *id;

    /* Successes. */
    if (starts_with(msg, "initiator established IKE SA")
        || starts_with(msg, "responder established IKE SA")
        || starts_with(msg, "IKE SA established")
        || starts_with(msg, "initiator rekeyed IKE SA")
        || starts_with(msg, "responder rekeyed IKE SA")) {
        ev->type = SWAN_EVENT_IKE_UP;
        return true;
    } else if (starts_with(msg, "initiator established Child SA")
               || starts_with(msg, "responder established Child SA")
               || starts_with(msg, "IPsec SA established")
               || starts_with(msg, "initiator rekeyed Child SA")
               || starts_with(msg, "responder rekeyed Child SA")) {
        ev->type = SWAN_EVENT_CHILD_UP;
        return true;
    } else if (!ev->serial && starts_with(msg, "added IKEv")
               && strstr(msg, " connection")) {
        ev->type = SWAN_EVENT_CONN_ADDED;
        return true;
    }

    /* Authentication. */
    if ((p = after(msg, "IKE SA authentication request rejected by peer: "))) {
        get_token(p, n, sizeof n);
        return failure(ev, 1, SWAN_REASON_AUTH_FAILED, false,
                       "peer rejected our authentication (%s)",
                       n[0] ? n : "unrecognized response");
    } else if ((p = strstr(msg, "authentication failed"))) {
        const char *what = (strstr(p, "hash does not match")
                            ? "pre-shared key mismatch"
                            : strstr(p, "no PSK found")
                            ? "no pre-shared key for the peer"
                            : strstr(p, "too short")
                            ? "pre-shared key too short"
                            : NULL);
        const char *rest = p + strlen("authentication failed");
        rest += strspn(rest, ":; ");
        return failure(ev, 1, SWAN_REASON_AUTH_FAILED, false,
                       "authentication failed: %s", what ? what : rest);
    } else if ((id = after(msg, "Peer ID '"))
               && (p = strstr(id, "' mismatched"))) {
        return failure(ev, 1, SWAN_REASON_AUTH_FAILED, false,
                       "peer ID '%.*s' does not match",
                       (int) MIN(p - id, 64), id);
    } else if (starts_with(msg, "probable authentication failure")) {
        return failure(ev, 1, SWAN_REASON_AUTH_FAILED, false,
                       "probable pre-shared key mismatch");
    } else if (starts_with(msg, "received Hash Payload does not match")) {
        return failure(ev, 1, SWAN_REASON_AUTH_FAILED, false,
                       "pre-shared key mismatch");
    }

    /* Notifications we sent or received. */
    if ((id = after(msg, "responding to "))
        && (p = strstr(msg, " notification "))) {
        get_token(id, exchange, sizeof exchange);
        get_token(p + strlen(" notification "), n, sizeof n);
        int phase = exchange_phase(exchange, n);
        enum swan_reason reason = notification_reason(n, phase);
        return (phase && reason
                && failure(ev, phase, reason, false,
                           "sent %s in reply to %s", n, exchange));
    } else if ((id = after(msg, "dropping unexpected "))
               && (p = strstr(msg, " message containing "))) {
        get_token(id, exchange, sizeof exchange);
        get_token(p + strlen(" message containing "), n, sizeof n);
        int phase = exchange_phase(exchange, n);
        enum swan_reason reason = notification_reason(n, phase);
        return (phase && reason
                && failure(ev, phase, reason, false,
                           "peer answered %s with %s", exchange, n));
    } else if ((p = after(msg, "ignoring informational payload "))) {
        get_token(p, n, sizeof n);
        enum swan_reason reason = notification_reason(n, 1);
        if (reason) {
            ev->phase_guessed = (!strcmp(n, "NO_PROPOSAL_CHOSEN")
                                 || !strcmp(n, "INVALID_ID_INFORMATION"));
            return failure(ev, 1, reason, false, "peer sent %s", n);
        }
        return false;
    }

    /* Proposals and traffic selectors. */
    if (starts_with(msg, "no local proposal matches remote proposals ")) {
        bool ike = strstr(msg, ":IKE:") != NULL;
        return failure(ev, ike ? 1 : 2, SWAN_REASON_NO_PROPOSAL_CHOSEN,
                       false, "no local %s proposal matches the peer's",
                       ike ? "IKE" : "ESP/AH");
    } else if ((p = strstr(msg, "responder SA processing returned "))) {
        get_token(p + strlen("responder SA processing returned "), n,
                  sizeof n);
        enum swan_reason reason = notification_reason(n, 2);
        return failure(ev, 2,
                       reason ? reason : SWAN_REASON_NEGOTIATION_FAILED,
                       false, "peer's Child SA proposal refused (%s)", n);
    } else if ((p = after(msg, "IKE_AUTH response rejected Child SA with "))
               || (p = after(msg, "CREATE_CHILD_SA failed with error "
                             "notification "))) {
        return child_failed(p, ev, false);
    } else if ((p = after(msg, "CHILD SA encountered fatal error: "))
               || (p = after(msg, "CHILD SA failed: "))) {
        return child_failed(p, ev, true);
    } else if (starts_with(msg, "No IKEv2 connection found with compatible "
                           "Traffic Selectors")
               || starts_with(msg, "cannot respond to IPsec SA request "
                              "because no connection is known")) {
        return failure(ev, 2, SWAN_REASON_TS_UNACCEPTABLE, false,
                       "no conn matches the peer's traffic selectors");
    } else if (starts_with(msg, "no acceptable Oakley Transform")) {
        return failure(ev, 1, SWAN_REASON_NO_PROPOSAL_CHOSEN, false,
                       "no local IKE proposal matches the peer's");
    } else if (starts_with(msg, "no acceptable Proposal in IPsec SA")) {
        return failure(ev, 2, SWAN_REASON_NO_PROPOSAL_CHOSEN, false,
                       "no local ESP/AH proposal matches the peer's");
    }

    /* Kernel. */
    if (starts_with(msg, "netlink response for Add SA ")
        || starts_with(msg, "netlink response for Get SPI ")) {
        p = strrchr(msg, ':');
        return failure(ev, 2, SWAN_REASON_KERNEL_INSTALL, false,
                       "kernel refused the SA: %s",
                       p && p[1] == ' ' ? p + 2 : "unknown error");
    }

    /* The peer does not answer. */
    if (starts_with(msg, "STATE_")
        && (strstr(msg, " timeout exceeded after ")
            || strstr(msg, ": max number of retransmissions"))) {
        return retransmit_timeout(msg, ev);
    } else if (starts_with(msg, "asynchronous network error report")) {
        const char *why = strstr(msg, "complainant ");
        why = why ? strstr(why, ": ") : NULL;
        why = why ? why + 2 : "network error";
        size_t why_len = strcspn(why, "[");
        while (why_len > 0 && why[why_len - 1] == ' ') {
            why_len--;
        }
        return failure(ev, 1, SWAN_REASON_PEER_NOT_RESPONDING, true,
                       "peer unreachable: %.*s", (int) why_len, why);
    }

    /* Configuration. */
    if ((p = after(msg, "failed to add connection: "))) {
        return add_failed(p, ev);
    }
    return false;
}

/* strongswan. */

enum swan_conn_state
swan_status_swanctl_classify(const char *out, enum swan_reason *reason,
                             const char **detail)
{
    bool ike_up = (strstr(out, " established between ")
                   || (strstr(out, "CREATE_CHILD_SA")
                       && !strstr(out, "IKE_SA_INIT")));
    enum swan_conn_state phase = (ike_up ? SWAN_CONN_PHASE2_FAILED
                                  : SWAN_CONN_PHASE1_FAILED);
    if (strstr(out, "AUTHENTICATION_FAILED")
        || strstr(out, "with pre-shared key failed")) {
        *reason = SWAN_REASON_AUTH_FAILED;
        *detail = "authentication failed (pre-shared key or ids)";
        return SWAN_CONN_PHASE1_FAILED;
    } else if (strstr(out, "NO_PROPOSAL_CHOSEN")) {
        *reason = SWAN_REASON_NO_PROPOSAL_CHOSEN;
        *detail = (ike_up ? "the peer accepted no IPsec proposal"
                   : "the peer accepted no IKE proposal");
    } else if (strstr(out, "TS_UNACCEPTABLE")) {
        *reason = SWAN_REASON_TS_UNACCEPTABLE;
        *detail = "the peer accepted no traffic selector";
    } else if (strstr(out, "retransmits")
               || strstr(out, "peer not responding")) {
        *reason = SWAN_REASON_PEER_NOT_RESPONDING;
        *detail = "the peer did not respond";
    } else {
        *reason = SWAN_REASON_NEGOTIATION_FAILED;
        *detail = "negotiation failed";
    }
    return phase;
}

/* Returns the value of "KEY=" in the 'len' bytes at 's', as a new string,
 * or NULL.  Values in swanctl's raw output hold no space. */
static char *
swanctl_value(const char *s, size_t len, const char *key)
{
    size_t key_len = strlen(key);
    for (size_t i = 0; i + key_len < len; i++) {
        if ((i == 0 || s[i - 1] == ' ' || s[i - 1] == '{')
            && !strncmp(&s[i], key, key_len) && s[i + key_len] == '=') {
            const char *v = &s[i + key_len + 1];
            return xmemdup0(v, strcspn(v, " }"));
        }
    }
    return NULL;
}

void
swan_status_swanctl_sas(const char *out, struct sset *ikes,
                        struct sset *children)
{
    static const char prefix[] = "list-sa event {";
    const char *line = out;
    while (line && *line) {
        const char *end = strchr(line, '\n');
        char *l = xmemdup0(line, end ? end - line : strlen(line));
        line = end ? end + 1 : NULL;
        if (strncmp(l, prefix, sizeof prefix - 1)) {
            free(l);
            continue;
        }

        const char *ike = l + sizeof prefix - 1;
        char *cs = strstr(ike, "child-sas {");
        if (cs) {
            *cs++ = '\0';      /* The IKE SA's own values end here. */
        }
        char *state = swanctl_value(ike, strlen(ike), "state");
        if (state && !strcmp(state, "ESTABLISHED")) {
            sset_add_and_free(ikes, xmemdup0(ike, strcspn(ike, " {")));

            /* Each Child SA: "UNIQUE {name=CHILD ... state=S ...}". */
            for (char *c = cs ? strstr(cs, "{name=") : NULL; c;
                 c = strstr(c, "{name=")) {
                c++;
                size_t n = strcspn(c, "}");
                char *name = swanctl_value(c, n, "name");
                char *cstate = swanctl_value(c, n, "state");
                if (name && cstate && !strcmp(cstate, "INSTALLED")) {
                    sset_add(children, name);
                }
                free(name);
                free(cstate);
                c += n;
            }
        }
        free(state);
        free(l);
    }
}
