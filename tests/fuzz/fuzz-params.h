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

#ifndef FUZZ_PARAMS_H
#define FUZZ_PARAMS_H 1

/* The fuzzers' input for a tunnel: "key=value" lines (tests/fuzz/seeds/
 * params/ has examples), one per field of "struct vpn_tunnel_params",
 * with comma-separated CIDR lists.  A line without '=' or with an unknown
 * key is ignored, so that every byte string is some tunnel. */

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "svec.h"
#include "util.h"
#include "vpn-params.h"

struct fuzz_params {
    struct vpn_tunnel_params p;
    struct svec strings;        /* Owns every string 'p' points to. */
    struct svec local_cidrs;
    struct svec peer_cidrs;
};

/* Returns a copy of 's' that lives as long as 'fp' (svec_add() may move
 * the array of names, never the strings). */
static inline const char *
fuzz_params_keep(struct fuzz_params *fp, const char *s)
{
    svec_add(&fp->strings, s);
    return fp->strings.names[fp->strings.n - 1];
}

static inline void
fuzz_params_split(struct svec *out, const char *list)
{
    char *copy = xstrdup(list);
    char *save_ptr = NULL;
    for (char *s = strtok_r(copy, ",", &save_ptr); s;
         s = strtok_r(NULL, ",", &save_ptr)) {
        svec_add(out, s);
    }
    free(copy);
}

/* Fills 'fp' from the 'n' bytes at 'data'.  NUL bytes end a value early,
 * as a C string would. */
static inline void
fuzz_params_parse(struct fuzz_params *fp, const uint8_t *data, size_t n)
{
    vpn_params_init(&fp->p);
    svec_init(&fp->strings);
    svec_init(&fp->local_cidrs);
    svec_init(&fp->peer_cidrs);

    char *text = xmemdup0((const char *) data, n);
    char *save_ptr = NULL;
    for (char *line = strtok_r(text, "\n", &save_ptr); line;
         line = strtok_r(NULL, "\n", &save_ptr)) {
        char *eq = strchr(line, '=');
        if (!eq) {
            continue;
        }
        *eq = '\0';
        const char *key = line, *value = eq + 1;
        struct vpn_tunnel_params *p = &fp->p;
#define STR(FIELD)                                          \
        if (!strcmp(key, #FIELD)) {                         \
            p->FIELD = fuzz_params_keep(fp, value);         \
            continue;                                       \
        }
#define INT(FIELD)                                          \
        if (!strcmp(key, #FIELD)) {                         \
            p->FIELD = atoi(value);                         \
            continue;                                       \
        }
        STR(name) STR(local_ip) STR(local_public_ip) STR(peer_ip)
        STR(local_id) STR(peer_id) STR(psk) STR(ike_version) STR(ike_mode)
        STR(ike_encryption) STR(ike_integrity) INT(ike_dh_group)
        INT(ike_lifetime) STR(ipsec_protocol) STR(ipsec_encryption)
        STR(ipsec_integrity) INT(ipsec_pfs_group) INT(ipsec_lifetime)
        STR(dpd_action) INT(dpd_delay) INT(dpd_timeout) STR(initiator)
#undef STR
#undef INT
        if (!strcmp(key, "local_cidrs")) {
            fuzz_params_split(&fp->local_cidrs, value);
        } else if (!strcmp(key, "peer_cidrs")) {
            fuzz_params_split(&fp->peer_cidrs, value);
        }
    }
    free(text);
    fp->p.local_cidrs = (const char **) fp->local_cidrs.names;
    fp->p.n_local_cidrs = fp->local_cidrs.n;
    fp->p.peer_cidrs = (const char **) fp->peer_cidrs.names;
    fp->p.n_peer_cidrs = fp->peer_cidrs.n;
}

static inline void
fuzz_params_destroy(struct fuzz_params *fp)
{
    svec_destroy(&fp->strings);
    svec_destroy(&fp->local_cidrs);
    svec_destroy(&fp->peer_cidrs);
}

#endif /* fuzz-params.h */
