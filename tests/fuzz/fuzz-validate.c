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

/* fuzz-validate: libFuzzer harness for lib/vpn-validate, the rules every
 * program applies to what tenants write.  The input is a tunnel in the
 * form of fuzz-params.h; besides the whole tunnel's check, each string of
 * it goes through the single-field checks, and the CIDR lists through the
 * parser.  Whatever is accepted must hold what the rules promise: a valid
 * name is printable as it is, an accepted CIDR formats back to a CIDR the
 * parser accepts and that equals it. */

#include <config.h>

#include "fuzz-params.h"
#include "openvswitch/dynamic-string.h"
#include "vpn-validate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n);

static void
check_printable(const char *s)
{
    struct ds out = DS_EMPTY_INITIALIZER;
    vpn_put_printable(&out, s, strlen(s));
    for (const char *c = ds_cstr(&out); *c; c++) {
        uint8_t ch = *c;
        ovs_assert(ch >= 0x20 && ch != 0x7f);
    }
    char *error = vpn_check_name("name", s);
    if (!error) {
        ovs_assert(!strcmp(ds_cstr(&out), s));   /* Nothing to escape. */
    }
    free(error);
    ds_destroy(&out);
}

static void
check_cidrs(const char **cidrs, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        struct vpn_cidr cidr;
        char *error = vpn_cidr_parse("cidr", cidrs[i], &cidr);
        if (!error) {
            char *s = vpn_cidr_to_string(&cidr);
            struct vpn_cidr again;
            char *error2 = vpn_cidr_parse("cidr", s, &again);
            ovs_assert(!error2);
            ovs_assert(vpn_cidr_equals(&cidr, &again));
            free(s);
        }
        free(error);
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
    struct fuzz_params fp;
    fuzz_params_parse(&fp, data, n);

    free(vpn_check_tunnel_params(&fp.p));
    struct vpn_tunnel_cidrs cidrs;
    char *error = vpn_tunnel_cidrs_parse(&fp.p, &cidrs);
    if (!error) {
        vpn_tunnel_cidrs_destroy(&cidrs);
    }
    free(error);
    check_cidrs(fp.p.local_cidrs, fp.p.n_local_cidrs);
    check_cidrs(fp.p.peer_cidrs, fp.p.n_peer_cidrs);

    for (size_t i = 0; i < fp.strings.n; i++) {
        const char *s = fp.strings.names[i];
        ovs_be32 ip;
        int group;
        check_printable(s);
        free(vpn_check_name("name", s));
        free(vpn_check_comment("comment", s));
        free(vpn_parse_ip("ip", s, &ip));
        free(vpn_check_peer_ip("ip", s, &ip));
        free(vpn_check_psk("psk", s));
        free(vpn_check_id("id", s));
        free(vpn_parse_dh_group("dh", s, &group));
        free(vpn_parse_pfs_group("pfs", s, &group));
    }

    fuzz_params_destroy(&fp);
    return 0;
}
