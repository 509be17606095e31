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

/* test-vpn-collide: finds a name that collides with another under the OVS
 * library's hash_string(), as an attacker would, for the tests of what
 * must never be keyed by such a hash (a gateway's pluto directories once
 * were).
 *
 *     test-vpn-collide PREFIX VICTIM
 *
 * prints a gateway name NAME, valid as a VPN name, such that
 * hash_string(PREFIX NAME, 0) == hash_string(PREFIX VICTIM, 0).  The hash
 * is inverted, not searched: the last four bytes of NAME are solved for
 * (the mhash steps are bijections), and the bytes before them are varied
 * until those four are letters or digits.  The result is checked with the
 * library's own hash_string(), so a library whose hash differs makes this
 * fail rather than print a name that does not collide. */

#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hash.h"
#include "openvswitch/util.h"
#include "random.h"
#include "util.h"

/* The multiplicative inverse of odd 'a' modulo 2**32. */
static uint32_t
inverse(uint32_t a)
{
    uint32_t x = a;             /* Correct to 3 bits. */
    for (int i = 0; i < 5; i++) {
        x *= 2 - a * x;
    }
    return x;
}

static uint32_t
rotr(uint32_t x, int k)
{
    return (x >> k) | (x << (32 - k));
}

/* The inverse of mhash_finish(). */
static uint32_t
unfinish(uint32_t h)
{
    h ^= h >> 16;
    h *= inverse(0xc2b2ae35);
    h ^= (h >> 13) ^ (h >> 26);
    h *= inverse(0x85ebca6b);
    h ^= h >> 16;
    return h;
}

/* The state of hash_bytes() after the whole 32-bit words of 's'. */
static uint32_t
state_after(const char *s, size_t n_words)
{
    uint32_t h = 0;
    for (size_t i = 0; i < n_words; i++) {
        uint32_t w;
        memcpy(&w, s + 4 * i, 4);
        h = mhash_add(h, w);
    }
    return h;
}

static bool
is_name_char(uint8_t c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

int
main(int argc, char *argv[])
{
    set_program_name(argv[0]);
    if (argc != 3) {
        ovs_fatal(0, "usage: %s PREFIX VICTIM", program_name);
    }
    const char *prefix = argv[1];
    char *victim = xasprintf("%s%s", prefix, argv[2]);
    uint32_t target = hash_string(victim, 0);

    /* NAME is FILL then the 4 solved bytes, with FILL long enough for
     * PREFIX NAME to be whole words and to vary. */
    size_t plen = strlen(prefix);
    size_t fill = 8 + (4 - (plen + 8) % 4) % 4;
    size_t total = plen + fill + 4;
    char *s = xmalloc(total + 1);
    memcpy(s, prefix, plen);
    s[total] = '\0';

    static const char alphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
    random_init();
    for (int attempt = 0; attempt < 10 * 1000 * 1000; attempt++) {
        for (size_t i = 0; i < fill; i++) {
            s[plen + i] = alphabet[random_range(sizeof alphabet - 1)];
        }
        uint32_t before = state_after(s, (total - 4) / 4);
        uint32_t after = unfinish(target) ^ (uint32_t) total;
        uint32_t mixed = rotr((after - 0xe6546b64) * inverse(5), 13) ^ before;
        uint32_t w = rotr(mixed * inverse(0x1b873593), 15)
                     * inverse(0xcc9e2d51);
        uint8_t bytes[4];
        memcpy(bytes, &w, 4);
        if (is_name_char(bytes[0]) && is_name_char(bytes[1])
            && is_name_char(bytes[2]) && is_name_char(bytes[3])) {
            memcpy(s + total - 4, bytes, 4);
            if (hash_string(s, 0) != target || !strcmp(s, victim)) {
                ovs_fatal(0, "the library's hash_string() is not the one "
                          "this program inverts");
            }
            puts(s + plen);
            free(s);
            free(victim);
            return 0;
        }
    }
    ovs_fatal(0, "no colliding name found");
}
