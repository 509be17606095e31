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

/* test-vpn-seal: the sealing of pre-shared keys (lib/vpn-seal.c) from the
 * command line, for the tests:
 *
 *     test-vpn-seal keygen FILE            makes a key pair, prints the
 *                                          public half
 *     test-vpn-seal public FILE            prints FILE's public half
 *     test-vpn-seal seal PUBLIC NAME       seals the key on stdin to
 *                                          PUBLIC for tunnel NAME
 *     test-vpn-seal unseal FILE NAME BOX   opens BOX with FILE's key
 *     test-vpn-seal check                  the library's own checks
 *
 * Keys are read from stdin, never from arguments: a test must not teach
 * by example what the product never does. */

#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "openvswitch/dynamic-string.h"
#include "openvswitch/util.h"
#include "util.h"
#include "vpn-seal.h"

static char *
read_stdin(void)
{
    struct ds s = DS_EMPTY_INITIALIZER;
    if (ds_get_line(&s, stdin)) {
        ovs_fatal(0, "no key on stdin");
    }
    return ds_steal_cstr(&s);
}

static struct vpn_seal_key *
load(const char *file)
{
    struct vpn_seal_key *key;
    char *error = vpn_seal_key_load(file, &key);
    if (error) {
        ovs_fatal(0, "%s", error);
    }
    return key;
}

/* Seals and opens in every way that must and must not work. */
static void
check(void)
{
    struct vpn_seal_key *a, *b;
    ovs_assert(!vpn_seal_key_generate(&a));
    ovs_assert(!vpn_seal_key_generate(&b));
    char *secret = vpn_seal_secret_generate();
    char *other_secret = vpn_seal_secret_generate();
    ovs_assert(vpn_seal_secret_is_valid(secret));
    ovs_assert(!vpn_seal_secret_is_valid("xyz"));
    ovs_assert(vpn_seal_public_key_is_valid(vpn_seal_key_public(a)));
    ovs_assert(!vpn_seal_public_key_is_valid("AAAA"));
    ovs_assert(!vpn_seal_public_key_is_valid("not base64 at all!"));

    const char *psk = "s3cr3t-Key_with:colons";
    char *box, *box2, *opened;
    ovs_assert(!vpn_seal(vpn_seal_key_public(a), "t1", psk, secret, &box));
    ovs_assert(!strstr(box, psk));

    /* The recipient opens it, for its tunnel only. */
    ovs_assert(!vpn_unseal(a, "t1", box, &opened));
    ovs_assert(!strcmp(opened, psk));
    free(opened);
    char *error = vpn_unseal(a, "t2", box, &opened);
    ovs_assert(error && !opened);
    free(error);

    /* No one else does. */
    error = vpn_unseal(b, "t1", box, &opened);
    ovs_assert(error && !opened);
    free(error);

    /* A box changed anywhere does not open. */
    for (size_t i = 0; i < strlen(box); i++) {
        char *bad = xstrdup(box);
        bad[i] = bad[i] == 'A' ? 'B' : 'A';
        error = vpn_unseal(a, "t1", bad, &opened);
        if (!error) {
            /* Only base64's padding bits may change without effect. */
            ovs_assert(!strcmp(opened, psk));
            free(opened);
        }
        free(error);
        free(bad);
    }

    /* The commitment: current for what was sealed, not for anything
     * else. */
    const char *pub_a = vpn_seal_key_public(a);
    const char *pub_b = vpn_seal_key_public(b);
    ovs_assert(vpn_seal_is_current(box, pub_a, "t1", psk, secret));
    ovs_assert(!vpn_seal_is_current(box, pub_b, "t1", psk, secret));
    ovs_assert(!vpn_seal_is_current(box, pub_a, "t2", psk, secret));
    ovs_assert(!vpn_seal_is_current(box, pub_a, "t1", "other", secret));
    ovs_assert(!vpn_seal_is_current(box, pub_a, "t1", psk, other_secret));
    ovs_assert(!vpn_seal_is_current(NULL, pub_a, "t1", psk, secret));
    ovs_assert(!vpn_seal_is_current("1:x", pub_a, "t1", psk, secret));

    /* Each sealing is fresh: the same key twice gives two boxes. */
    ovs_assert(!vpn_seal(pub_a, "t1", psk, secret, &box2));
    ovs_assert(strcmp(box, box2));
    char *recipient = vpn_seal_recipient(box2);
    ovs_assert(recipient && !strcmp(recipient, pub_a));
    free(recipient);

    /* A sealer's boxes to one chassis share their ephemeral key, yet each
     * has its own salt, and so its own AES key and IV: the same key
     * sealed twice gives two different ciphertexts, and each opens. */
    struct vpn_sealer *sealer = vpn_sealer_create();
    char *s1, *s2, *s3;
    ovs_assert(!vpn_sealer_seal(sealer, pub_a, "t1", psk, secret, &s1));
    ovs_assert(!vpn_sealer_seal(sealer, pub_a, "t1", psk, secret, &s2));
    ovs_assert(!vpn_sealer_seal(sealer, pub_b, "t1", psk, secret, &s3));
    vpn_sealer_destroy(sealer);
    const char *sealed1 = strrchr(s1, ':') + 1;
    const char *sealed2 = strrchr(s2, ':') + 1;
    const char *sealed3 = strrchr(s3, ':') + 1;
    /* The first 42 base64 characters encode the ephemeral key alone (252
     * of its 256 bits); the first 48, it and 4 bytes of the salt. */
    ovs_assert(!strncmp(sealed1, sealed2, 42));
    ovs_assert(strncmp(sealed1, sealed2, 48));
    ovs_assert(strncmp(sealed1, sealed3, 42));
    ovs_assert(strcmp(s1, s2));
    ovs_assert(!vpn_unseal(a, "t1", s1, &opened) && !strcmp(opened, psk));
    free(opened);
    ovs_assert(!vpn_unseal(a, "t1", s2, &opened) && !strcmp(opened, psk));
    free(opened);
    ovs_assert(!vpn_unseal(b, "t1", s3, &opened) && !strcmp(opened, psk));
    free(opened);
    ovs_assert(vpn_seal_is_current(s2, pub_a, "t1", psk, secret));
    free(s1);
    free(s2);
    free(s3);

    free(box);
    free(box2);
    free(secret);
    free(other_secret);
    vpn_seal_key_destroy(a);
    vpn_seal_key_destroy(b);
}

int
main(int argc, char *argv[])
{
    set_program_name(argv[0]);
    if (argc == 3 && !strcmp(argv[1], "keygen")) {
        struct vpn_seal_key *key;
        char *error = vpn_seal_key_generate(&key);
        if (!error) {
            error = vpn_seal_key_save(key, argv[2]);
        }
        if (error) {
            ovs_fatal(0, "%s", error);
        }
        puts(vpn_seal_key_public(key));
        vpn_seal_key_destroy(key);
    } else if (argc == 3 && !strcmp(argv[1], "public")) {
        struct vpn_seal_key *key = load(argv[2]);
        puts(vpn_seal_key_public(key));
        vpn_seal_key_destroy(key);
    } else if (argc == 4 && !strcmp(argv[1], "seal")) {
        char *psk = read_stdin();
        char *secret = vpn_seal_secret_generate();
        char *box;
        char *error = vpn_seal(argv[2], argv[3], psk, secret, &box);
        if (error) {
            ovs_fatal(0, "%s", error);
        }
        puts(box);
        free(box);
        free(secret);
        free(psk);
    } else if (argc == 5 && !strcmp(argv[1], "unseal")) {
        struct vpn_seal_key *key = load(argv[2]);
        char *psk;
        char *error = vpn_unseal(key, argv[3], argv[4], &psk);
        if (error) {
            ovs_fatal(0, "%s", error);
        }
        puts(psk);
        free(psk);
        vpn_seal_key_destroy(key);
    } else if (argc == 2 && !strcmp(argv[1], "check")) {
        check();
    } else {
        ovs_fatal(0, "usage: see the comment at the top of %s.c",
                  program_name);
    }
    return 0;
}
