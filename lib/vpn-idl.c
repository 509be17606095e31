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

/* Database connections of the ovn-vpn daemons (see vpn-idl.h). */

#include <config.h>

#include "vpn-idl.h"

#include <limits.h>

#include "openvswitch/dynamic-string.h"
#include "openvswitch/poll-loop.h"
#include "openvswitch/vlog.h"
#include "ovsdb-idl.h"
#include "ovsdb-session.h"
#include "util.h"
#include "uuid.h"

VLOG_DEFINE_THIS_MODULE(vpn_idl);

/* Returns true if a transaction on 'idl' would be sent to its server now.
 * 'idl' must have no open transaction.
 *
 * The OVS IDL answers this question for every commit, before anything
 * else: an empty transaction that it may not send ends as TXN_TRY_AGAIN
 * (or TXN_NOT_LOCKED), one that it may send as TXN_UNCHANGED, and neither
 * goes to the server. */
bool
vpn_idl_may_write(struct ovsdb_idl *idl)
{
    struct ovsdb_idl_txn *txn = ovsdb_idl_txn_create(idl);
    enum ovsdb_idl_txn_status status = ovsdb_idl_txn_commit(txn);
    ovsdb_idl_txn_destroy(txn);
    return status == TXN_UNCHANGED;
}

/* Initializes 'r' to keep 'idl', connected to 'remote', looking for its
 * cluster's leader.  'remote' is the string 'idl' was created with. */
void
vpn_idl_retry_init(struct vpn_idl_retry *r, struct ovsdb_idl *idl,
                   const char *remote)
{
    struct uuid cid;

    r->idl = idl;
    svec_init(&r->remotes);
    ovsdb_session_parse_remote(remote, &r->remotes, &cid);
    r->cid = (uuid_is_zero(&cid) ? NULL
              : xasprintf("cid:"UUID_FMT, UUID_ARGS(&cid)));
    r->rotation = 0;
    r->next_retry = LLONG_MAX;
    r->n_retries = 0;
}

void
vpn_idl_retry_destroy(struct vpn_idl_retry *r)
{
    if (r) {
        svec_destroy(&r->remotes);
        free(r->cid);
    }
}

/* Restarts the IDL's session if it has been without a server for
 * VPN_IDL_RETRY_MSEC.  Call on every pass of the main loop, after the
 * IDL's run. */
void
vpn_idl_retry_run(struct vpn_idl_retry *r, long long int now)
{
    if (r->remotes.n < 2 || ovsdb_idl_is_connected(r->idl)) {
        r->next_retry = LLONG_MAX;
        return;
    }
    if (r->next_retry == LLONG_MAX) {
        /* The connection just went: the IDL tries every member once
         * without backing off, give it that chance. */
        r->next_retry = now + VPN_IDL_RETRY_MSEC;
        return;
    }
    if (now < r->next_retry) {
        return;
    }

    /* The same members in another order make another remote string, so
     * the IDL starts a new session (which tries every member at once)
     * where the old one would have waited. */
    r->rotation = (r->rotation + 1) % r->remotes.n;
    struct ds s = DS_EMPTY_INITIALIZER;
    for (size_t i = 0; i < r->remotes.n; i++) {
        size_t j = (r->rotation + i) % r->remotes.n;
        ds_put_format(&s, "%s%s", i ? "," : "", r->remotes.names[j]);
    }
    if (r->cid) {
        ds_put_format(&s, ",%s", r->cid);
    }
    VLOG_DBG("no database server for %d ms: trying every member again",
             VPN_IDL_RETRY_MSEC);
    ovsdb_idl_set_remote(r->idl, ds_cstr(&s), true);
    ds_destroy(&s);
    r->n_retries++;
    r->next_retry = now + VPN_IDL_RETRY_MSEC;
}

void
vpn_idl_retry_wait(const struct vpn_idl_retry *r)
{
    if (r->next_retry != LLONG_MAX) {
        poll_timer_wait_until(r->next_retry);
    }
}
