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

#ifndef VPN_IDL_H
#define VPN_IDL_H 1

/* How the ovn-vpn daemons use their database connections, on top of the
 * OVS IDL.
 *
 * vpn_idl_may_write() says whether a transaction would be sent now: the
 * IDL is connected to a server that passed its cluster checks (the leader,
 * for a leader-only IDL), it monitors the database, and it holds its lock
 * if it asked for one.  ovsdb_idl_is_connected() and ovsdb_idl_has_lock()
 * say less: a leader-only IDL is connected, and may even be granted its
 * lock (OVSDB locks belong to one server, not to the cluster), on a
 * follower for the moment before it finds out that the server is not the
 * leader and goes to another one.
 *
 * A "struct vpn_idl_retry" keeps a leader-only IDL on a clustered database
 * looking for the new leader every VPN_IDL_RETRY_MSEC while it has none.
 * The OVS IDL backs off after each member that turned it away (1, 2, 4,
 * then 8 s), and during an election every member does, so that a daemon
 * could come back up to 8 s after the new leader was elected.  The retry
 * restarts the IDL's session (ovsdb_idl_set_remote() with the same members
 * in another order), which tries every member again at once; the IDL's
 * contents and its cluster index are kept.  A single server is left to the
 * IDL's own backoff. */

#include <stdbool.h>
#include <stddef.h>

#include "svec.h"

struct ovsdb_idl;

#define VPN_IDL_RETRY_MSEC 500

bool vpn_idl_may_write(struct ovsdb_idl *);

struct vpn_idl_retry {
    struct ovsdb_idl *idl;
    struct svec remotes;        /* The members, in the configured order. */
    char *cid;                  /* "cid:UUID" of the remote, or NULL. */
    size_t rotation;            /* First member of the current session. */
    long long int next_retry;   /* LLONG_MAX while connected. */
    unsigned int n_retries;     /* Sessions restarted, for "status". */
};

void vpn_idl_retry_init(struct vpn_idl_retry *, struct ovsdb_idl *,
                        const char *remote);
void vpn_idl_retry_destroy(struct vpn_idl_retry *);
void vpn_idl_retry_run(struct vpn_idl_retry *, long long int now);
void vpn_idl_retry_wait(const struct vpn_idl_retry *);

#endif /* vpn-idl.h */
