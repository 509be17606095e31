/* Copyright (c) 2026 The ovn-vpn authors.
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

/* fuzz-swan-status: libFuzzer harness for lib/vpn-swan-status, which
 * parses what pluto prints (whack --status, --trafficstatus,
 * --showstates) and writes in its log.  The input is both: the status
 * parser and the log tracker each get all of it, and every tunnel found
 * is classified with what the log says of it. */

#include <config.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "openvswitch/shash.h"
#include "util.h"
#include "vpn-swan-status.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
    char *text = xmemdup0((const char *) data, n);

    struct swan_status status;
    swan_status_init(&status);
    swan_status_parse(&status, text);

    struct swan_status_log log;
    swan_status_log_init(&log);
    swan_status_log_feed(&log, (const char *) data, n);

    struct shash_node *node;
    SHASH_FOR_EACH (node, &status.tunnels) {
        const struct swan_status_tunnel *t = node->data;
        ovs_assert(swan_status_find(&status, t->name) == t);
        for (size_t expected = 0; expected < 3; expected++) {
            enum swan_reason reason;
            swan_status_classify(t, expected,
                                 swan_status_log_last_failure(&log,
                                                              t->name),
                                 &reason);
        }
    }

    swan_status_log_destroy(&log);
    swan_status_destroy(&status);
    free(text);
    return 0;
}
