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

#ifndef VPN_SEAL_H
#define VPN_SEAL_H 1

/* Pre-shared keys sealed to one chassis.
 *
 * The southbound database is readable by every chassis's certificate, so a
 * tunnel's pre-shared key travels there only sealed to the chassis that
 * hosts its gateway.  Each ovn-vpn-agent keeps an X25519 key pair (the
 * private half in a file of mode 0600, made once) and publishes the public
 * half in its report.  ovn-vpn-northd seals each key to the public key of
 * the gateway's chassis:
 *
 *     shared = X25519(ephemeral private key, chassis public key)
 *     key, iv = HKDF-SHA256(salt, shared,
 *                           info = label | ephemeral | chassis)
 *     box = AES-256-GCM(key, iv, aad = tunnel name, psk)
 *
 * so that only that chassis's private key opens it, and a box moved to
 * another tunnel's row does not open.  A sealer (struct vpn_sealer) uses
 * one ephemeral key for all the boxes it seals to one chassis, which makes
 * sealing a thousand keys one X25519 agreement instead of a thousand; the
 * random salt, 16 bytes per box, still gives every box its own AES key and
 * IV.  A sealed box is the string
 *
 *     2:RECIPIENT:COMMITMENT:EPHEMERAL|SALT|CIPHERTEXT|TAG
 *
 * in base64, where RECIPIENT is the chassis's public key, and COMMITMENT
 * is an HMAC-SHA256 of the tunnel name, the recipient and the key, keyed
 * by a secret of the translator's (kept in the northbound database): it
 * lets the translator see that a box still holds the right key for the
 * right chassis, without opening it, so that it rewrites a box only when
 * either changed; it tells a reader without the secret nothing about the
 * key.  Version 1 boxes (an ephemeral key per box, no salt), which earlier
 * translators wrote, still open and still count as current.
 *
 * Every function uses OpenSSL's EVP interface. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "openvswitch/compiler.h"

struct vpn_seal_key;
struct vpn_sealer;

/* The translator's commitment secret: VPN_SEAL_SECRET_LEN random bytes,
 * written as hexadecimal. */
#define VPN_SEAL_SECRET_LEN 32

char *vpn_seal_key_load(const char *file, struct vpn_seal_key **)
    OVS_WARN_UNUSED_RESULT;
char *vpn_seal_key_generate(struct vpn_seal_key **) OVS_WARN_UNUSED_RESULT;
char *vpn_seal_key_save(const struct vpn_seal_key *, const char *file)
    OVS_WARN_UNUSED_RESULT;
const char *vpn_seal_key_public(const struct vpn_seal_key *);
void vpn_seal_key_destroy(struct vpn_seal_key *);

bool vpn_seal_public_key_is_valid(const char *public_key);

char *vpn_seal_secret_generate(void);
bool vpn_seal_secret_is_valid(const char *secret);

struct vpn_sealer *vpn_sealer_create(void);
void vpn_sealer_destroy(struct vpn_sealer *);
char *vpn_sealer_seal(struct vpn_sealer *, const char *public_key,
                      const char *name, const char *psk,
                      const char *secret, char **box)
    OVS_WARN_UNUSED_RESULT;
char *vpn_seal(const char *public_key, const char *name, const char *psk,
               const char *secret, char **box) OVS_WARN_UNUSED_RESULT;
bool vpn_seal_is_current(const char *box, const char *public_key,
                         const char *name, const char *psk,
                         const char *secret);
char *vpn_seal_recipient(const char *box);
char *vpn_unseal(const struct vpn_seal_key *, const char *name,
                 const char *box, char **psk) OVS_WARN_UNUSED_RESULT;

#endif /* vpn-seal.h */
