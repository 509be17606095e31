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

/* fuzz-seal: libFuzzer harness for lib/vpn-seal, whose opening of sealed
 * keys reads what the southbound database holds.  Each input is tried as
 * a sealed key itself, and as changes (XORed in) to a sealed key that
 * does open: neither may crash, and a changed box must never open to a
 * key other than the one sealed. */

#include <config.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "vpn-seal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n);

#define PSK "fuzz-pre-shared-key"

static struct vpn_seal_key *key;
static char *secret;
static char *box;

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
    if (!key) {
        ovs_assert(!vpn_seal_key_generate(&key));
        secret = vpn_seal_secret_generate();
        ovs_assert(!vpn_seal(vpn_seal_key_public(key), "t1", PSK, secret,
                             &box));
    }

    /* The input as a box. */
    char *text = xmemdup0((const char *) data, n);
    char *psk;
    char *error = vpn_unseal(key, "t1", text, &psk);
    ovs_assert(!error == !!psk);
    free(psk);
    free(error);
    free(vpn_seal_recipient(text));
    vpn_seal_is_current(text, vpn_seal_key_public(key), "t1", PSK, secret);
    free(text);

    /* The input XORed into a box that opens. */
    char *changed = xstrdup(box);
    size_t len = strlen(changed);
    for (size_t i = 0; i < n && i < len; i++) {
        changed[i] ^= data[i];
        if (!changed[i]) {
            changed[i] = data[i];
        }
    }
    error = vpn_unseal(key, "t1", changed, &psk);
    if (!error) {
        ovs_assert(!strcmp(psk, PSK));
        free(psk);
    }
    free(error);
    free(changed);
    return 0;
}
