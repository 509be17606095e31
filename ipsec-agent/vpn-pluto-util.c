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

/* Files and strings for the libreswan driver (see vpn-pluto-private.h):
 * atomic writes of private files, reads, directories. */

#include <config.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "coverage.h"
#include "hash.h"
#include "fatal-signal.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/poll-loop.h"
#include "openvswitch/shash.h"
#include "openvswitch/util.h"
#include "openvswitch/vlog.h"
#include "process.h"
#include "sset.h"
#include "svec.h"
#include "timeval.h"
#include "util.h"
#include "vpn-exec.h"
#include "vpn-catalog.h"
#include "vpn-params.h"
#include "vpn-report.h"
#include "vpn-swan-conf.h"
#include "vpn-swan-status.h"

#include "vpn-pluto-private.h"

VLOG_DEFINE_THIS_MODULE(vpn_pluto_util);

/* Creates directory 'path' with 'mode' and any missing parent with 0755. */
bool
pluto_mkdir_p(const char *path, mode_t mode)
{
    char *copy = xstrdup(path);
    bool ok = true;

    for (char *p = copy + 1; ; p++) {
        if (*p == '/' || !*p) {
            char c = *p;
            *p = '\0';
            if (mkdir(copy, c ? 0755 : mode) && errno != EEXIST) {
                ok = false;
                break;
            }
            *p = c;
            if (!c) {
                break;
            }
        }
    }
    free(copy);
    return ok;
}

/* Stores in 'out' the first nonblank line of 'text', at most 200 bytes. */
void
pluto_first_line(const char *text, struct ds *out)
{
    text += strspn(text, " \t\r\n");
    size_t len = strcspn(text, "\r\n");
    ds_put_buffer(out, text, MIN(len, 200));
}

bool
pluto_nullable_streq(const char *a, const char *b)
{
    return a ? b && !strcmp(a, b) : !b;
}

void
pluto_replace_string(char **dst, const char *src)
{
    if (!pluto_nullable_streq(*dst, src)) {
        free(*dst);
        *dst = nullable_xstrdup(src);
    }
}


/* Events. */

/* Returns the slot for a new event in 'ring', which the caller fills: the
 * oldest one once the ring is full. */
struct vpn_pluto_event *
vpn_pluto_events_add(struct vpn_pluto_events *ring)
{
    struct vpn_pluto_event *e = &ring->events[ring->next];
    ring->next = (ring->next + 1) % VPN_PLUTO_N_EVENTS;
    ring->n = MIN(ring->n + 1, VPN_PLUTO_N_EVENTS);
    return e;
}

/* Returns the 'i'th of the last 'n' events of 'ring', oldest first. */
static const struct vpn_pluto_event *
events_nth(const struct vpn_pluto_events *ring, size_t n, size_t i)
{
    return &ring->events[(ring->next + VPN_PLUTO_N_EVENTS - n + i)
                         % VPN_PLUTO_N_EVENTS];
}

/* Appends to 'ds' the events of 'ring', oldest first, one a line: "TIME
 * STATE (REASON): DETAIL" for a change of state or reason, "TIME -- WHAT"
 * for what the driver did, with TIME in UTC. */
void
vpn_pluto_events_format_log(const struct vpn_pluto_events *ring,
                            struct ds *ds)
{
    for (size_t i = 0; i < ring->n; i++) {
        const struct vpn_pluto_event *e = events_nth(ring, ring->n, i);
        ds_put_strftime_msec(ds, "%Y-%m-%d %H:%M:%S.###", e->when, true);
        if (e->state_change) {
            ds_put_format(ds, " %s (%s)",
                          swan_status_state_to_string(e->state),
                          swan_status_reason_to_string(e->reason));
            if (e->text[0]) {
                ds_put_format(ds, ": %s", e->text);
            }
        } else {
            ds_put_format(ds, " -- %s", e->text);
        }
        ds_put_char(ds, '\n');
    }
}

/* Appends to 'ds' the last VPN_REPORT_MAX_EVENTS events of 'ring', in the
 * report's format (see vpn-report.h).  Returns false if it has none. */
bool
vpn_pluto_events_report(const struct vpn_pluto_events *ring, struct ds *ds)
{
    size_t n = MIN(ring->n, VPN_REPORT_MAX_EVENTS);
    for (size_t i = 0; i < n; i++) {
        const struct vpn_pluto_event *e = events_nth(ring, n, i);
        vpn_report_event_format(
            e->when,
            e->state_change ? swan_status_state_to_string(e->state) : "--",
            swan_status_reason_to_string(e->reason), e->text, ds);
    }
    return n > 0;
}
