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

#ifndef VPN_KEYRING_H
#define VPN_KEYRING_H 1

/* The agent's sealing keys: the private key that opens the pre-shared keys
 * that ovn-vpn-northd seals to this chassis (vpn-seal.h), and the keys it
 * opened.
 *
 * The key pair lives in a PEM file of mode 0600, made the first time the
 * agent runs.  Its public half is what the agent publishes
 * (VPN_REPORT_SEAL_KEY).  vpn_keyring_rotate() makes a new pair; the old
 * one stays (in the file's name with ".old" appended) until no tunnel of
 * this chassis is sealed to it any more, so that a rotation never leaves
 * a tunnel without its key.
 *
 * Opened keys are cached by sealed value, so that the agent opens each
 * only once however often the southbound database changes; the cache
 * keeps only what the last complete pass over the chassis's tunnels used
 * (vpn_keyring_sweep()), and its memory is cleared when freed. */

#include "openvswitch/compiler.h"

struct ds;
struct vpn_keyring;

struct vpn_keyring *vpn_keyring_open(const char *file);
void vpn_keyring_destroy(struct vpn_keyring *);
const char *vpn_keyring_public(const struct vpn_keyring *);
char *vpn_keyring_rotate(struct vpn_keyring *) OVS_WARN_UNUSED_RESULT;

const char *vpn_keyring_unseal(struct vpn_keyring *, const char *name,
                               const char *sealed);
void vpn_keyring_sweep(struct vpn_keyring *);

void vpn_keyring_format(const struct vpn_keyring *, struct ds *);

#endif /* vpn-keyring.h */
