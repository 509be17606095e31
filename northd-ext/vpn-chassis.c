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

/* Agent liveness, capabilities and reports, from the status database's
 * Chassis_Report rows or, for an agent that reports the old way, from
 * Chassis_Private (see vpn-chassis.h). */

#include <config.h>

#include "vpn-chassis.h"

#include <string.h>

#include "hash.h"
#include "lib/ovn-vpn-sb-idl.h"
#include "lib/ovn-vpn-status-idl.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/poll-loop.h"
#include "openvswitch/util.h"
#include "openvswitch/vlog.h"
#include "smap.h"
#include "util.h"
#include "vpn-report.h"
#include "vpn-seal.h"
#include "vpn-validate.h"

VLOG_DEFINE_THIS_MODULE(vpn_chassis);

struct vpn_chassis {
    struct hmap_node node;      /* In vpn_chassis_set's 'chassis'. */
    char *name;
    char *heartbeat;            /* Last heartbeat value seen. */
    long long int last_change;  /* When it last changed (monotonic). */
    int interval;               /* Its heartbeat interval, in ms. */
    bool alive;
    struct vpn_caps caps;
    char *seal_key;             /* Its public key for sealing, or NULL. */
    int64_t nb_cfg;             /* The SB nb_cfg it has applied. */
    struct smap reports;        /* Its ovn-vpn-* keys, as last seen. */
    bool seen;                  /* Mark for sweeping vanished rows. */
};

static struct vpn_chassis *find_chassis(const struct vpn_chassis_set *,
                                        const char *name);
static void refresh_chassis(struct vpn_chassis_set *, const char *name,
                            const struct ovsdb_idl *sb,
                            const struct ovsdb_idl *status,
                            bool reports_changed, long long int now);
static void update_chassis(struct vpn_chassis_set *, const char *name,
                           const char *heartbeat, const struct smap *ids,
                           long long int now);
static void remove_chassis(struct vpn_chassis_set *, struct vpn_chassis *);
static const char *printable(const char *name);
static void refresh_real_chassis(struct vpn_chassis_set *,
                                 const struct ovsdb_idl *sb);
static long long int chassis_deadline(const struct vpn_chassis_set *,
                                      const struct vpn_chassis *);
static void update_reports(struct vpn_chassis_set *, struct vpn_chassis *,
                           const struct smap *ids);
static void note_report_change(struct vpn_chassis_set *, const char *key);
static bool is_report_key(const char *key);
static void destroy_chassis(struct vpn_chassis *);

void
vpn_chassis_set_init(struct vpn_chassis_set *set)
{
    hmap_init(&set->chassis);
    sset_init(&set->changed_chassis);
    sset_init(&set->changed_tunnels);
    sset_init(&set->changed_gateways);
    set->next_deadline = LLONG_MAX;
    set->last_beat = LLONG_MIN;
    set->initialized = false;
    sset_init(&set->real);
    sset_init(&set->enabled);
    set->chassis_table_seqno = UINT_MAX;
}

void
vpn_chassis_set_destroy(struct vpn_chassis_set *set)
{
    if (set) {
        struct vpn_chassis *ch;
        HMAP_FOR_EACH_POP (ch, node, &set->chassis) {
            destroy_chassis(ch);
        }
        hmap_destroy(&set->chassis);
        sset_destroy(&set->changed_chassis);
        sset_destroy(&set->changed_tunnels);
        sset_destroy(&set->changed_gateways);
        sset_destroy(&set->real);
        sset_destroy(&set->enabled);
    }
}

/* Adds to 'sb' and 'status' what vpn_chassis_run() reads. */
void
vpn_chassis_add_columns(struct ovsdb_idl *sb, struct ovsdb_idl *status)
{
    static const struct ovsdb_idl_column *sb_columns[] = {
        &sbrec_chassis_private_col_name,
        &sbrec_chassis_private_col_external_ids,
        &sbrec_chassis_col_name,
        &sbrec_chassis_col_other_config,
    };
    for (size_t i = 0; i < ARRAY_SIZE(sb_columns); i++) {
        ovsdb_idl_add_column(sb, sb_columns[i]);
        ovsdb_idl_track_add_column(sb, sb_columns[i]);
    }

    static const struct ovsdb_idl_column *columns[] = {
        &vpnstatusrec_chassis_report_col_chassis,
        &vpnstatusrec_chassis_report_col_heartbeat,
        &vpnstatusrec_chassis_report_col_report,
    };
    for (size_t i = 0; i < ARRAY_SIZE(columns); i++) {
        ovsdb_idl_add_column(status, columns[i]);
        ovsdb_idl_track_add_column(status, columns[i]);
    }
}

/* Reads the agents' rows that changed since the last run (all of them the
 * first time and after vpn_chassis_reload()): Chassis_Report rows of
 * 'status' and Chassis_Private rows of 'sb'.  A chassis with a
 * Chassis_Report row is read from it alone; its Chassis_Private keys, if
 * any are left from before the status database, are ignored.  Only what
 * changed is reported onwards; a row of which only the heartbeat changed
 * costs a comparison, not a pass over its reports. */
void
vpn_chassis_run(struct vpn_chassis_set *set, const struct ovsdb_idl *sb,
                const struct ovsdb_idl *status, long long int now)
{
    const struct sbrec_chassis_private *cp;
    const struct vpnstatusrec_chassis_report *cr;
    refresh_real_chassis(set, sb);
    if (!set->initialized) {
        /* A reload follows a time when the translator could not see the
         * agents (a first start, a reconnection after a database failover,
         * the lock taken again): no live agent is judged on that time.
         * Each gets a full VPN_REPORT_DEAD_MSEC from now to show that it
         * still beats. */
        struct vpn_chassis *ch;
        HMAP_FOR_EACH (ch, node, &set->chassis) {
            ch->seen = false;
            if (ch->alive) {
                ch->last_change = MAX(ch->last_change, now);
            }
        }
        VPNSTATUSREC_CHASSIS_REPORT_FOR_EACH (cr, status) {
            refresh_chassis(set, cr->chassis, sb, status, true, now);
        }
        SBREC_CHASSIS_PRIVATE_FOR_EACH (cp, sb) {
            refresh_chassis(set, cp->name, sb, status, true, now);
        }
        HMAP_FOR_EACH_SAFE (ch, node, &set->chassis) {
            if (!ch->seen) {
                remove_chassis(set, ch);
            }
        }
        set->initialized = true;
    } else {
        VPNSTATUSREC_CHASSIS_REPORT_FOR_EACH_TRACKED (cr, status) {
            bool reports = (vpnstatusrec_chassis_report_is_deleted(cr)
                            || vpnstatusrec_chassis_report_is_new(cr)
                            || vpnstatusrec_chassis_report_is_updated(
                                   cr, VPNSTATUSREC_CHASSIS_REPORT_COL_REPORT)
                            || vpnstatusrec_chassis_report_is_updated(
                                   cr,
                                   VPNSTATUSREC_CHASSIS_REPORT_COL_CHASSIS));
            refresh_chassis(set, cr->chassis, sb, status, reports, now);
        }
        SBREC_CHASSIS_PRIVATE_FOR_EACH_TRACKED (cp, sb) {
            refresh_chassis(set, cp->name, sb, status, true, now);
        }
    }

    set->next_deadline = LLONG_MAX;
    struct vpn_chassis *ch;
    HMAP_FOR_EACH (ch, node, &set->chassis) {
        long long int deadline = chassis_deadline(set, ch);
        bool alive = now < deadline;
        if (alive != ch->alive) {
            ch->alive = alive;
            sset_add(&set->changed_chassis, ch->name);
            VLOG_INFO("agent on chassis %s is %s", printable(ch->name),
                      alive ? "alive again" : "silent: declared dead");
        }
        if (alive && deadline < set->next_deadline) {
            set->next_deadline = deadline;
        }
    }
}

/* Returns 'name' (a chassis name, which a chassis's certificate chose) as
 * it may be logged: with control characters escaped (vpn_put_printable()),
 * so that no name forges a log line.  The result is valid until the next
 * call. */
static const char *
printable(const char *name)
{
    static struct ds s = DS_EMPTY_INITIALIZER;
    ds_clear(&s);
    vpn_put_printable(&s, name, strlen(name));
    return ds_cstr(&s);
}

/* Returns true if 'options' (ovn-cms-options: comma-separated tokens)
 * holds VPN_CHASSIS_OPT_IN. */
static bool
has_opt_in(const char *options)
{
    if (!options) {
        return false;
    }
    char *copy = xstrdup(options);
    char *save_ptr = NULL;
    bool found = false;
    for (char *token = strtok_r(copy, ", ", &save_ptr); token && !found;
         token = strtok_r(NULL, ", ", &save_ptr)) {
        found = !strcmp(token, VPN_CHASSIS_OPT_IN);
    }
    free(copy);
    return found;
}

/* Rebuilds 'set''s 'real' and 'enabled' from the SB's Chassis table when
 * it changed, and notes the chassis whose membership changed (their
 * gateways' placement is reconsidered). */
static void
refresh_real_chassis(struct vpn_chassis_set *set, const struct ovsdb_idl *sb)
{
    unsigned int seqno = ovsdb_idl_table_get_seqno(sb, &sbrec_table_chassis);
    if (seqno == set->chassis_table_seqno) {
        return;
    }
    set->chassis_table_seqno = seqno;

    struct sset real = SSET_INITIALIZER(&real);
    struct sset enabled = SSET_INITIALIZER(&enabled);
    const struct sbrec_chassis *chassis;
    SBREC_CHASSIS_FOR_EACH (chassis, sb) {
        sset_add(&real, chassis->name);
        if (has_opt_in(smap_get(&chassis->other_config,
                                "ovn-cms-options"))) {
            sset_add(&enabled, chassis->name);
        }
    }

    const char *name;
    SSET_FOR_EACH (name, &real) {
        if (!sset_contains(&set->real, name)) {
            sset_add(&set->changed_chassis, name);
        }
    }
    SSET_FOR_EACH (name, &set->real) {
        if (!sset_contains(&real, name)) {
            sset_add(&set->changed_chassis, name);
        }
    }
    SSET_FOR_EACH (name, &enabled) {
        if (!sset_contains(&set->enabled, name)) {
            VLOG_INFO("chassis %s is enabled for VPN gateways",
                      printable(name));
            sset_add(&set->changed_chassis, name);
        }
    }
    SSET_FOR_EACH (name, &set->enabled) {
        if (!sset_contains(&enabled, name)) {
            VLOG_INFO("chassis %s is no longer enabled for VPN gateways",
                      printable(name));
            sset_add(&set->changed_chassis, name);
        }
    }
    sset_swap(&real, &set->real);
    sset_swap(&enabled, &set->enabled);
    sset_destroy(&real);
    sset_destroy(&enabled);
}

/* Returns when 'ch' is to be declared dead if its heartbeat does not
 * change: VPN_REPORT_DEAD_FACTOR of its intervals after the last change,
 * if another agent's heartbeat changed after 'ch' missed two of its own
 * (so the database delivers: in a database that stalls, every agent's
 * last beat came within about one interval of the others'), otherwise
 * VPN_REPORT_DEAD_MSEC after it.  (A heartbeat that comes through later
 * wakes the caller, which then judges again.) */
static long long int
chassis_deadline(const struct vpn_chassis_set *set,
                 const struct vpn_chassis *ch)
{
    long long int fast = ch->last_change
                         + VPN_REPORT_DEAD_FACTOR * ch->interval;
    long long int slow = ch->last_change
                         + MAX(VPN_REPORT_DEAD_FACTOR * ch->interval,
                               VPN_REPORT_DEAD_MSEC);
    bool database_works = (set->last_beat
                           > ch->last_change + 2 * ch->interval);
    return database_works ? fast : slow;
}

/* Forces vpn_chassis_run() to read every row again (after a reconnect). */
void
vpn_chassis_reload(struct vpn_chassis_set *set)
{
    set->initialized = false;
}

/* Wakes the main loop when an agent may have gone silent.  Only for a
 * caller that will then call vpn_chassis_run(): the deadline moves only
 * there, so a caller that waits without running (a standby, or one that
 * cannot reach the database) would wake up at once, again and again. */
void
vpn_chassis_wait(const struct vpn_chassis_set *set)
{
    if (set->next_deadline != LLONG_MAX) {
        poll_timer_wait_until(set->next_deadline);
    }
}

void
vpn_chassis_clear_changes(struct vpn_chassis_set *set)
{
    sset_clear(&set->changed_chassis);
    sset_clear(&set->changed_tunnels);
    sset_clear(&set->changed_gateways);
}

bool
vpn_chassis_is_alive(const struct vpn_chassis_set *set, const char *name)
{
    const struct vpn_chassis *ch = find_chassis(set, name);
    return ch && ch->alive;
}

/* Returns true if chassis 'name' has a row in the SB's Chassis table (one
 * that its ovn-controller made).  A gateway is placed on such a chassis
 * only: a certificate that writes only an agent's report is no chassis. */
bool
vpn_chassis_is_real(const struct vpn_chassis_set *set, const char *name)
{
    return sset_contains(&set->real, name);
}

/* Returns true if chassis 'name' is real and its operator enabled it for
 * VPN gateways that name no chassis (VPN_CHASSIS_OPT_IN). */
bool
vpn_chassis_is_enabled(const struct vpn_chassis_set *set, const char *name)
{
    return sset_contains(&set->enabled, name);
}

const struct vpn_caps *
vpn_chassis_caps(const struct vpn_chassis_set *set, const char *name)
{
    const struct vpn_chassis *ch = find_chassis(set, name);
    return ch ? &ch->caps : NULL;
}

/* Returns the public key that chassis 'name''s agent published for
 * sealing pre-shared keys to it (vpn-seal.h), or NULL. */
const char *
vpn_chassis_seal_key(const struct vpn_chassis_set *set, const char *name)
{
    const struct vpn_chassis *ch = name ? find_chassis(set, name) : NULL;
    return ch ? ch->seal_key : NULL;
}

/* Returns the SB VPN_SB_Global nb_cfg that chassis 'name''s agent says it
 * has applied, or 0. */
int64_t
vpn_chassis_nb_cfg(const struct vpn_chassis_set *set, const char *name)
{
    const struct vpn_chassis *ch = name ? find_chassis(set, name) : NULL;
    return ch ? ch->nb_cfg : 0;
}

/* Returns the ovn-vpn-* keys chassis 'name' reported, or NULL. */
const struct smap *
vpn_chassis_reports(const struct vpn_chassis_set *set, const char *name)
{
    const struct vpn_chassis *ch = name ? find_chassis(set, name) : NULL;
    return ch ? &ch->reports : NULL;
}

/* Returns the time (time_msec()) when the first live agent will be
 * declared dead unless it beats before, as of the last vpn_chassis_run(),
 * or LLONG_MAX if there is no live agent. */
long long int
vpn_chassis_next_deadline(const struct vpn_chassis_set *set)
{
    return set->next_deadline;
}

/* Adds the names of the chassis with a live agent to 'names'. */
void
vpn_chassis_alive_names(const struct vpn_chassis_set *set,
                        struct sset *names)
{
    const struct vpn_chassis *ch;
    HMAP_FOR_EACH (ch, node, &set->chassis) {
        if (ch->alive) {
            sset_add(names, ch->name);
        }
    }
}

/* Static functions. */

static struct vpn_chassis *
find_chassis(const struct vpn_chassis_set *set, const char *name)
{
    struct vpn_chassis *ch;
    HMAP_FOR_EACH_WITH_HASH (ch, node, hash_string(name, 0), &set->chassis) {
        if (!strcmp(ch->name, name)) {
            return ch;
        }
    }
    return NULL;
}

/* Brings chassis 'name' in line with its row: its Chassis_Report row in
 * 'status' if it has one, else its Chassis_Private row in 'sb' if that
 * holds a heartbeat, else none (no agent, or no more).  'reports_changed'
 * false says that only the heartbeat can have changed. */
static void
refresh_chassis(struct vpn_chassis_set *set, const char *name,
                const struct ovsdb_idl *sb, const struct ovsdb_idl *status,
                bool reports_changed, long long int now)
{
    /* A chassis seen for the first time is read in full. */
    reports_changed = reports_changed || !find_chassis(set, name);

    const struct vpnstatusrec_chassis_report *cr;
    VPNSTATUSREC_CHASSIS_REPORT_FOR_EACH (cr, status) {
        if (!strcmp(cr->chassis, name)) {
            char heartbeat[32];
            snprintf(heartbeat, sizeof heartbeat, "%"PRId64, cr->heartbeat);
            update_chassis(set, name, heartbeat,
                           reports_changed ? &cr->report : NULL, now);
            return;
        }
    }

    const struct sbrec_chassis_private *cp;
    SBREC_CHASSIS_PRIVATE_FOR_EACH (cp, sb) {
        if (!strcmp(cp->name, name)) {
            const char *heartbeat = smap_get(&cp->external_ids,
                                             VPN_REPORT_HEARTBEAT);
            if (heartbeat) {
                update_chassis(set, name, heartbeat, &cp->external_ids,
                               now);
                return;
            }
            break;
        }
    }

    struct vpn_chassis *ch = find_chassis(set, name);
    if (ch) {
        remove_chassis(set, ch);
    }
}

/* Takes in what chassis 'name''s row says now: its agent's 'heartbeat',
 * and the keys 'ids' (NULL: the same as last time). */
static void
update_chassis(struct vpn_chassis_set *set, const char *name,
               const char *heartbeat, const struct smap *ids,
               long long int now)
{
    struct vpn_chassis *ch = find_chassis(set, name);
    if (!ch) {
        ch = xzalloc(sizeof *ch);
        ch->name = xstrdup(name);
        ch->heartbeat = xstrdup(heartbeat);
        ch->last_change = now;
        ch->interval = VPN_REPORT_HEARTBEAT_MSEC;
        ch->alive = true;
        vpn_caps_init(&ch->caps);
        smap_init(&ch->reports);
        hmap_insert(&set->chassis, &ch->node, hash_string(ch->name, 0));
        sset_add(&set->changed_chassis, ch->name);
        VLOG_INFO("agent on chassis %s appeared", printable(ch->name));
    } else if (strcmp(ch->heartbeat, heartbeat)) {
        free(ch->heartbeat);
        ch->heartbeat = xstrdup(heartbeat);
        ch->last_change = now;
        set->last_beat = now;
    }
    ch->seen = true;
    if (!ids) {
        return;
    }
    ch->interval = vpn_report_heartbeat_clamp(
        smap_get_int(ids, VPN_REPORT_HEARTBEAT_INTERVAL,
                     VPN_REPORT_HEARTBEAT_MSEC));

    struct vpn_caps caps;
    vpn_caps_init(&caps);
    vpn_caps_from_smap(&caps, ids);
    if (caps.known != ch->caps.known
        || caps.dh_groups != ch->caps.dh_groups
        || !sset_equals(caps.encryption, ch->caps.encryption)
        || !sset_equals(caps.integrity, ch->caps.integrity)) {
        vpn_caps_destroy(&ch->caps);
        ch->caps = caps;
        sset_add(&set->changed_chassis, ch->name);
    } else {
        vpn_caps_destroy(&caps);
    }

    ch->nb_cfg = smap_get_ullong(ids, VPN_REPORT_NB_CFG, 0);

    /* A new sealing key: every key sealed to the old one, anew. */
    const char *seal_key = smap_get(ids, VPN_REPORT_SEAL_KEY);
    if (seal_key && !vpn_seal_public_key_is_valid(seal_key)) {
        static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 5);
        VLOG_WARN_RL(&rl, "agent on chassis %s: %s is not an X25519 public "
                     "key", printable(ch->name), VPN_REPORT_SEAL_KEY);
        seal_key = NULL;
    }
    if (!nullable_string_is_equal(seal_key, ch->seal_key)) {
        free(ch->seal_key);
        ch->seal_key = nullable_xstrdup(seal_key);
        sset_add(&set->changed_chassis, ch->name);
    }
    update_reports(set, ch, ids);
}

static void
remove_chassis(struct vpn_chassis_set *set, struct vpn_chassis *ch)
{
    VLOG_INFO("agent on chassis %s is gone", printable(ch->name));
    sset_add(&set->changed_chassis, ch->name);
    update_reports(set, ch, NULL);
    hmap_remove(&set->chassis, &ch->node);
    destroy_chassis(ch);
}

/* Brings 'ch''s remembered report keys in line with those of 'ids' (NULL:
 * none), changing only what differs, and notes every gateway and tunnel
 * whose report changed. */
static void
update_reports(struct vpn_chassis_set *set, struct vpn_chassis *ch,
               const struct smap *ids)
{
    size_t n_seen = 0;
    if (ids) {
        const struct smap_node *node;
        SMAP_FOR_EACH (node, ids) {
            if (!is_report_key(node->key)) {
                continue;
            }
            n_seen++;
            const char *old = smap_get(&ch->reports, node->key);
            if (!old || strcmp(old, node->value)) {
                note_report_change(set, node->key);
                smap_replace(&ch->reports, node->key, node->value);
            }
        }
    }
    if (n_seen != smap_count(&ch->reports)) {
        /* Some keys went away. */
        struct smap_node *node;
        SMAP_FOR_EACH_SAFE (node, &ch->reports) {
            if (!ids || !smap_get(ids, node->key)) {
                note_report_change(set, node->key);
                smap_remove_node(&ch->reports, node);
            }
        }
    }
}

static bool
is_report_key(const char *key)
{
    return (vpn_report_key_tunnel(key)
            || !strncmp(key, VPN_REPORT_GATEWAY_PREFIX,
                        strlen(VPN_REPORT_GATEWAY_PREFIX)));
}

static void
note_report_change(struct vpn_chassis_set *set, const char *key)
{
    const char *tunnel = vpn_report_key_tunnel(key);
    size_t glen = strlen(VPN_REPORT_GATEWAY_PREFIX);
    if (tunnel) {
        sset_add(&set->changed_tunnels, tunnel);
    } else if (!strncmp(key, VPN_REPORT_GATEWAY_PREFIX, glen)) {
        sset_add(&set->changed_gateways, key + glen);
    }
}

static void
destroy_chassis(struct vpn_chassis *ch)
{
    free(ch->name);
    free(ch->heartbeat);
    vpn_caps_destroy(&ch->caps);
    free(ch->seal_key);
    smap_destroy(&ch->reports);
    free(ch);
}
