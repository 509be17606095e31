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

#ifndef VPN_BEAT_H
#define VPN_BEAT_H 1

/* An agent's heartbeat: the liveness signal that ovn-vpn-northd places
 * gateways by.
 *
 * The heartbeat is the "heartbeat" column of this chassis's Chassis_Report
 * row in the status database (ovn-vpn-status(5)), bumped every
 * VPN_REPORT_HEARTBEAT_MSEC over a connection of its own.  A "struct
 * vpn_beat" made with 'threaded' beats from a thread of its own, so that
 * an agent whose main loop is busy (waiting for a pluto that is slow to
 * answer, loading thousands of conns) does not miss a beat and is not
 * taken for dead; it stops beating only when the main loop has not come
 * round for VPN_BEAT_WEDGED_MSEC (vpn_beat_progress()), since an agent
 * that stopped for that long does not serve its gateways any more.
 * Without 'threaded' the caller runs it (vpn_beat_run() and
 * vpn_beat_wait() in its own loop), as the status benchmark does for
 * hundreds of simulated chassis in one thread.
 *
 * A beat is one "mutate" (heartbeat += 1) of this chassis's row over a
 * plain JSON-RPC session, and an "insert" of the row the first time: it
 * reads nothing, so it monitors nothing, which spares the server a
 * condition check per chassis for every beat of every other chassis.
 * RBAC (role ovn-controller) lets a chassis write its own row alone. */

#include <stdbool.h>

struct ds;

/* A main loop that has not come round for this long is wedged. */
#define VPN_BEAT_WEDGED_MSEC 30000

struct vpn_beat *vpn_beat_create(bool threaded);
void vpn_beat_destroy(struct vpn_beat *);

void vpn_beat_set_chassis(struct vpn_beat *, const char *chassis);
void vpn_beat_set_remote(struct vpn_beat *, const char *remote);
int vpn_beat_set_interval(struct vpn_beat *, int msec);
void vpn_beat_progress(struct vpn_beat *);
void vpn_beat_format_status(struct vpn_beat *, struct ds *);

void vpn_beat_run(struct vpn_beat *);
void vpn_beat_wait(struct vpn_beat *);

#endif /* vpn-beat.h */
