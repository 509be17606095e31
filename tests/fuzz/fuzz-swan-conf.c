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

/* fuzz-swan-conf: libFuzzer harness for lib/vpn-swan-conf, the libreswan
 * and strongswan renderers.  The input is a tunnel in the form of
 * fuzz-params.h.  A tunnel that validation accepts (the checks every
 * program applies, and swan_conf_check()) must render to configuration
 * that holds no control character but tabs and newlines, in which every
 * line is a section header or one indented "key=value": nothing a
 * tenant writes can start a line or a section of its own.
 *
 * Built with -DFUZZ_RENDER, it is instead a program that prints, for the
 * tunnel in the file it is given, the ipsec.conf that the agent would give
 * libreswan (or nothing if validation refuses it): "make fuzz" passes what
 * it prints for every input the fuzzer kept to libreswan's own parser
 * (addconn --checkconfig), the round trip. */

#include <config.h>

#include <errno.h>
#include <stdio.h>

#include "fuzz-params.h"
#include "openvswitch/dynamic-string.h"
#include "vpn-swan-conf.h"
#include "vpn-validate.h"

/* Renders the libreswan configuration of the tunnel in 'data' into 'conf'
 * and its secret into 'secret', if validation accepts it.  Returns true if
 * it did. */
static bool
render(const uint8_t *data, size_t n, struct ds *conf, struct ds *secret)
{
    struct fuzz_params fp;
    fuzz_params_parse(&fp, data, n);
    vpn_params_apply_defaults(&fp.p);

    char *error = vpn_check_tunnel_params(&fp.p);
    if (!error) {
        struct vpn_tunnel_cidrs cidrs;
        error = vpn_tunnel_cidrs_parse(&fp.p, &cidrs);
        if (!error) {
            vpn_tunnel_cidrs_destroy(&cidrs);
        }
    }
    if (!error) {
        error = swan_conf_check(&fp.p);
    }
    bool ok = !error;
    if (ok) {
        swan_conf_render_setup(conf, "/dev/null");
        swan_conf_render_conn(&fp.p, fp.p.name, SWAN_VIEW_PLATFORM, conf);
        swan_conf_render_conn(&fp.p, "peer-view", SWAN_VIEW_PEER, conf);
        swan_conf_render_secret(&fp.p, SWAN_VIEW_PLATFORM, secret);

        struct ds swanctl = DS_EMPTY_INITIALIZER;
        swan_conf_render_swanctl(&fp.p, SWAN_VIEW_PEER, "peer-view", NULL,
                                 true, &swanctl);
        ds_destroy(&swanctl);
    }
    free(error);
    fuzz_params_destroy(&fp);
    return ok;
}

#ifndef FUZZ_RENDER
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
    struct ds conf = DS_EMPTY_INITIALIZER;
    struct ds secret = DS_EMPTY_INITIALIZER;
    if (render(data, n, &conf, &secret)) {
        const char *line = ds_cstr(&conf);
        while (*line) {
            size_t len = strcspn(line, "\n");
            for (size_t i = 0; i < len; i++) {
                uint8_t c = line[i];
                ovs_assert(c == '\t' || (c >= 0x20 && c != 0x7f));
            }
            ovs_assert(!len
                       || !strncmp(line, "conn ", 5)
                       || !strncmp(line, "config setup", 12)
                       || ((line[0] == ' ' || line[0] == '\t')
                           && memchr(line, '=', len)));
            line += len + (line[len] == '\n');
        }
        /* The secret is one line. */
        ovs_assert(!strchr(ds_cstr(&secret), '\n')
                   || strchr(ds_cstr(&secret), '\n')
                      == ds_cstr(&secret) + secret.length - 1);
    }
    ds_destroy(&conf);
    ds_destroy(&secret);
    return 0;
}
#else
int
main(int argc, char *argv[])
{
    set_program_name(argv[0]);
    if (argc != 2) {
        ovs_fatal(0, "usage: %s FILE", program_name);
    }
    FILE *file = fopen(argv[1], "rb");
    if (!file) {
        ovs_fatal(errno, "%s", argv[1]);
    }
    struct ds input = DS_EMPTY_INITIALIZER;
    int c;
    while ((c = getc(file)) != EOF) {
        ds_put_char(&input, c);
    }
    fclose(file);

    struct ds conf = DS_EMPTY_INITIALIZER;
    struct ds secret = DS_EMPTY_INITIALIZER;
    if (render((const uint8_t *) input.string, input.length, &conf,
               &secret)) {
        fputs(ds_cstr(&conf), stdout);
    }
    ds_destroy(&conf);
    ds_destroy(&secret);
    ds_destroy(&input);
    return 0;
}
#endif
