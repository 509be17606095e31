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

/* Pre-shared keys sealed to one chassis's X25519 key (see vpn-seal.h). */

#include <config.h>

#include "vpn-seal.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/pem.h>
#include <openssl/rand.h>

#include "openvswitch/dynamic-string.h"
#include "openvswitch/shash.h"
#include "openvswitch/util.h"
#include "util.h"

#define RAW_KEY_LEN 32          /* X25519 keys, either half. */
#define AES_KEY_LEN 32
#define GCM_IV_LEN 12
#define GCM_TAG_LEN 16
#define COMMIT_LEN 16           /* Truncated HMAC-SHA256. */
#define SALT_LEN 16             /* Version 2's salt, one per box. */
#define BOX_VERSION "2"         /* What vpn_sealer_seal() makes. */
#define HKDF_LABEL_1 "ovn-vpn psk seal 1"
#define HKDF_LABEL_2 "ovn-vpn psk seal 2"
#define COMMIT_LABEL "ovn-vpn psk commitment 1"

/* A pre-shared key is at most this long (the schemas say 128). */
#define MAX_PSK_LEN 1024

struct vpn_seal_key {
    EVP_PKEY *pkey;
    char *public_key;           /* Base64 of the raw public key. */
};

static char *base64_encode(const uint8_t *, size_t);
static bool base64_decode(const char *, size_t len, uint8_t **, size_t *);
static bool split_box(const char *box, char *fields[4]);
static char *from_pkey(EVP_PKEY *, struct vpn_seal_key **);
static EVP_PKEY *public_from_base64(const char *);
static bool agree(EVP_PKEY *own, EVP_PKEY *peer,
                  uint8_t shared[RAW_KEY_LEN]);
static bool expand(const uint8_t shared[RAW_KEY_LEN], const uint8_t *salt,
                   size_t salt_len, const char *label,
                   const uint8_t eph_pub[RAW_KEY_LEN],
                   const uint8_t recipient_pub[RAW_KEY_LEN],
                   uint8_t key[AES_KEY_LEN], uint8_t iv[GCM_IV_LEN]);
static bool commitment(const char *secret, const char *name,
                       const char *public_key, const char *psk,
                       uint8_t out[COMMIT_LEN]);

/* Reads the private key in PEM file 'file' into '*keyp'.  Returns NULL, or
 * a malloc'd error (ENOENT's text if the file does not exist). */
char *
vpn_seal_key_load(const char *file, struct vpn_seal_key **keyp)
{
    *keyp = NULL;
    FILE *stream = fopen(file, "r");
    if (!stream) {
        return xasprintf("%s: %s", file, ovs_strerror(errno));
    }
    EVP_PKEY *pkey = PEM_read_PrivateKey(stream, NULL, NULL, NULL);
    fclose(stream);
    if (!pkey) {
        return xasprintf("%s: not a PEM private key", file);
    }
    if (EVP_PKEY_get_base_id(pkey) != EVP_PKEY_X25519) {
        EVP_PKEY_free(pkey);
        return xasprintf("%s: not an X25519 key", file);
    }
    return from_pkey(pkey, keyp);
}

/* Makes a new random key pair in '*keyp'. */
char *
vpn_seal_key_generate(struct vpn_seal_key **keyp)
{
    *keyp = NULL;
    EVP_PKEY *pkey = EVP_PKEY_Q_keygen(NULL, NULL, "X25519");
    if (!pkey) {
        return xstrdup("X25519 key generation failed");
    }
    return from_pkey(pkey, keyp);
}

/* Writes 'key''s private half to 'file', readable by its owner alone: to a
 * new file beside it first, then renamed over it, so that 'file' always
 * holds one whole key. */
char *
vpn_seal_key_save(const struct vpn_seal_key *key, const char *file)
{
    char *tmp = xasprintf("%s.tmp", file);
    char *error = NULL;

    unlink(tmp);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    FILE *stream = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (!stream) {
        error = xasprintf("%s: %s", tmp, ovs_strerror(errno));
        if (fd >= 0) {
            close(fd);
        }
    } else {
        bool ok = PEM_write_PrivateKey(stream, key->pkey, NULL, NULL, 0,
                                       NULL, NULL);
        ok = !fflush(stream) && !fsync(fileno(stream)) && ok;
        ok = !fclose(stream) && ok;
        if (!ok) {
            error = xasprintf("%s: write failed", tmp);
        } else if (rename(tmp, file)) {
            error = xasprintf("%s: %s", file, ovs_strerror(errno));
        }
    }
    if (error) {
        unlink(tmp);
    }
    free(tmp);
    return error;
}

/* Returns 'key''s public half, as published: base64 of its 32 bytes. */
const char *
vpn_seal_key_public(const struct vpn_seal_key *key)
{
    return key->public_key;
}

void
vpn_seal_key_destroy(struct vpn_seal_key *key)
{
    if (key) {
        EVP_PKEY_free(key->pkey);
        free(key->public_key);
        free(key);
    }
}

/* Returns true if 'public_key' is a public key as an agent publishes it. */
bool
vpn_seal_public_key_is_valid(const char *public_key)
{
    EVP_PKEY *pkey = public_key ? public_from_base64(public_key) : NULL;
    EVP_PKEY_free(pkey);
    return pkey != NULL;
}

/* Returns a new random commitment secret, malloc'd. */
char *
vpn_seal_secret_generate(void)
{
    uint8_t bytes[VPN_SEAL_SECRET_LEN];
    if (RAND_bytes(bytes, sizeof bytes) != 1) {
        ovs_fatal(0, "no random bytes for a commitment secret");
    }
    struct ds s = DS_EMPTY_INITIALIZER;
    for (size_t i = 0; i < sizeof bytes; i++) {
        ds_put_format(&s, "%02x", bytes[i]);
    }
    OPENSSL_cleanse(bytes, sizeof bytes);
    return ds_steal_cstr(&s);
}

/* Returns true if 'secret' is a commitment secret: VPN_SEAL_SECRET_LEN
 * bytes in hexadecimal. */
bool
vpn_seal_secret_is_valid(const char *secret)
{
    if (!secret || strlen(secret) != 2 * VPN_SEAL_SECRET_LEN) {
        return false;
    }
    for (const char *s = secret; *s; s++) {
        if (!strchr("0123456789abcdefABCDEF", *s)) {
            return false;
        }
    }
    return true;
}

/* A sealer keeps, for each recipient it has sealed to, one ephemeral key
 * and its agreement with the recipient's key, so that sealing many keys to
 * one chassis costs one X25519 agreement rather than one per key.  Each box
 * still gets its own AES key and IV, from a random salt of its own. */
struct vpn_sealer {
    struct shash recipients;    /* Public key -> struct sealer_entry. */
};

struct sealer_entry {
    uint8_t eph_pub[RAW_KEY_LEN];
    uint8_t recipient_pub[RAW_KEY_LEN];
    uint8_t shared[RAW_KEY_LEN];
};

struct vpn_sealer *
vpn_sealer_create(void)
{
    struct vpn_sealer *sealer = xmalloc(sizeof *sealer);
    shash_init(&sealer->recipients);
    return sealer;
}

void
vpn_sealer_destroy(struct vpn_sealer *sealer)
{
    if (sealer) {
        struct shash_node *node;
        SHASH_FOR_EACH (node, &sealer->recipients) {
            struct sealer_entry *e = node->data;
            OPENSSL_cleanse(e->shared, sizeof e->shared);
            free(e);
        }
        shash_destroy(&sealer->recipients);
        free(sealer);
    }
}

/* Returns 'sealer''s ephemeral key and agreement for 'public_key', made
 * the first time, or NULL if 'public_key' is not an X25519 key or the
 * agreement fails. */
static const struct sealer_entry *
sealer_entry_get(struct vpn_sealer *sealer, const char *public_key)
{
    struct sealer_entry *e = shash_find_data(&sealer->recipients,
                                             public_key);
    if (e) {
        return e;
    }

    EVP_PKEY *recipient = public_from_base64(public_key);
    EVP_PKEY *eph = recipient ? EVP_PKEY_Q_keygen(NULL, NULL, "X25519")
                              : NULL;
    e = xmalloc(sizeof *e);
    size_t eph_len = RAW_KEY_LEN, recipient_len = RAW_KEY_LEN;
    bool ok = (eph
               && EVP_PKEY_get_raw_public_key(eph, e->eph_pub,
                                              &eph_len) == 1
               && EVP_PKEY_get_raw_public_key(recipient, e->recipient_pub,
                                              &recipient_len) == 1
               && agree(eph, recipient, e->shared));
    EVP_PKEY_free(eph);
    EVP_PKEY_free(recipient);
    if (!ok) {
        free(e);
        return NULL;
    }
    shash_add(&sealer->recipients, public_key, e);
    return e;
}

/* Seals 'psk', the key of tunnel 'name', to the chassis whose published
 * public key is 'public_key', with a commitment keyed by 'secret'.  Stores
 * the malloc'd box in '*box' and returns NULL, or returns a malloc'd
 * error. */
char *
vpn_sealer_seal(struct vpn_sealer *sealer, const char *public_key,
                const char *name, const char *psk, const char *secret,
                char **box)
{
    *box = NULL;
    size_t psk_len = strlen(psk);
    if (psk_len > MAX_PSK_LEN) {
        return xstrdup("pre-shared key too long to seal");
    }
    if (!vpn_seal_public_key_is_valid(public_key)) {
        return xstrdup("the chassis's public key is not an X25519 key");
    }
    const struct sealer_entry *e = sealer_entry_get(sealer, public_key);

    char *error = NULL;
    uint8_t key[AES_KEY_LEN], iv[GCM_IV_LEN], commit[COMMIT_LEN];
    size_t sealed_len = RAW_KEY_LEN + SALT_LEN + psk_len + GCM_TAG_LEN;
    uint8_t *sealed = xmalloc(sealed_len);
    uint8_t *salt = sealed + RAW_KEY_LEN;
    uint8_t *ct = salt + SALT_LEN;
    EVP_CIPHER_CTX *ctx = NULL;
    if (!e
        || RAND_bytes(salt, SALT_LEN) != 1
        || !expand(e->shared, salt, SALT_LEN, HKDF_LABEL_2, e->eph_pub,
                   e->recipient_pub, key, iv)
        || !commitment(secret, name, public_key, psk, commit)) {
        error = xstrdup("key agreement failed");
        goto out;
    }

    memcpy(sealed, e->eph_pub, RAW_KEY_LEN);
    int n;
    ctx = EVP_CIPHER_CTX_new();
    if (!ctx
        || EVP_EncryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, key, iv) != 1
        || EVP_EncryptUpdate(ctx, NULL, &n, (const uint8_t *) name,
                             strlen(name)) != 1
        || EVP_EncryptUpdate(ctx, ct, &n, (const uint8_t *) psk,
                             psk_len) != 1
        || EVP_EncryptFinal_ex(ctx, ct + n, &n) != 1
        || EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, GCM_TAG_LEN,
                               ct + psk_len) != 1) {
        error = xstrdup("encryption failed");
        goto out;
    }

    char *commit64 = base64_encode(commit, sizeof commit);
    char *sealed64 = base64_encode(sealed, sealed_len);
    *box = xasprintf(BOX_VERSION":%s:%s:%s", public_key, commit64, sealed64);
    free(commit64);
    free(sealed64);

out:
    OPENSSL_cleanse(key, sizeof key);
    OPENSSL_cleanse(sealed, sealed_len);
    free(sealed);
    EVP_CIPHER_CTX_free(ctx);
    return error;
}

/* Seals one key, as vpn_sealer_seal() does, with an ephemeral key of its
 * own. */
char *
vpn_seal(const char *public_key, const char *name, const char *psk,
         const char *secret, char **box)
{
    struct vpn_sealer *sealer = vpn_sealer_create();
    char *error = vpn_sealer_seal(sealer, public_key, name, psk, secret,
                                  box);
    vpn_sealer_destroy(sealer);
    return error;
}

/* Returns true if 'box' holds 'psk', the key of tunnel 'name', sealed to
 * 'public_key' with commitment secret 'secret'. */
bool
vpn_seal_is_current(const char *box, const char *public_key,
                    const char *name, const char *psk, const char *secret)
{
    char *fields[4];
    if (!box || !split_box(box, fields)) {
        return false;
    }
    uint8_t want[COMMIT_LEN], *have = NULL;
    size_t have_len = 0;
    bool current = (!strcmp(fields[1], public_key)
                    && commitment(secret, name, public_key, psk, want)
                    && base64_decode(fields[2], strlen(fields[2]),
                                     &have, &have_len)
                    && have_len == COMMIT_LEN
                    && !CRYPTO_memcmp(have, want, COMMIT_LEN));
    free(have);
    for (size_t i = 0; i < 4; i++) {
        free(fields[i]);
    }
    return current;
}

/* Returns the public key that 'box' is sealed to, malloc'd, or NULL if
 * 'box' is not a sealed box. */
char *
vpn_seal_recipient(const char *box)
{
    char *fields[4];
    if (!box || !split_box(box, fields)) {
        return NULL;
    }
    for (size_t i = 0; i < 4; i++) {
        if (i != 1) {
            free(fields[i]);
        }
    }
    return fields[1];
}

/* Opens 'box', the sealed key of tunnel 'name', with 'key'.  Stores the
 * malloc'd pre-shared key in '*psk' and returns NULL, or returns a
 * malloc'd error: a box sealed to another key, for another tunnel, or
 * changed in any way, does not open. */
char *
vpn_unseal(const struct vpn_seal_key *key, const char *name,
           const char *box, char **psk)
{
    *psk = NULL;
    char *fields[4];
    if (!split_box(box, fields)) {
        return xstrdup("not a sealed key");
    }

    char *error = NULL;
    uint8_t *sealed = NULL;
    size_t sealed_len = 0;
    EVP_PKEY *eph = NULL;
    EVP_CIPHER_CTX *ctx = NULL;
    char *plain = NULL;
    size_t plain_len = 0;
    uint8_t own_raw[RAW_KEY_LEN];
    size_t len = RAW_KEY_LEN;
    uint8_t aes[AES_KEY_LEN], iv[GCM_IV_LEN], shared[RAW_KEY_LEN];
    bool v2 = !strcmp(fields[0], "2");
    size_t salt_len = v2 ? SALT_LEN : 0;
    size_t head_len = RAW_KEY_LEN + salt_len;

    if (strcmp(fields[1], key->public_key)) {
        error = xstrdup("sealed to another chassis's key");
        goto out;
    }
    if (!base64_decode(fields[3], strlen(fields[3]), &sealed, &sealed_len)
        || sealed_len < head_len + GCM_TAG_LEN
        || sealed_len > head_len + GCM_TAG_LEN + MAX_PSK_LEN) {
        error = xstrdup("malformed sealed key");
        goto out;
    }
    eph = EVP_PKEY_new_raw_public_key(EVP_PKEY_X25519, NULL, sealed,
                                      RAW_KEY_LEN);
    if (!eph
        || EVP_PKEY_get_raw_public_key(key->pkey, own_raw, &len) != 1
        || !agree(key->pkey, eph, shared)
        || !expand(shared, sealed + RAW_KEY_LEN, salt_len,
                   v2 ? HKDF_LABEL_2 : HKDF_LABEL_1, sealed, own_raw, aes,
                   iv)) {
        error = xstrdup("key agreement failed");
        goto out;
    }

    plain_len = sealed_len - head_len - GCM_TAG_LEN;
    plain = xmalloc(plain_len + 1);
    int n, n2;
    ctx = EVP_CIPHER_CTX_new();
    if (!ctx
        || EVP_DecryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, aes, iv) != 1
        || EVP_DecryptUpdate(ctx, NULL, &n, (const uint8_t *) name,
                             strlen(name)) != 1
        || EVP_DecryptUpdate(ctx, (uint8_t *) plain, &n,
                             sealed + head_len, plain_len) != 1
        || EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, GCM_TAG_LEN,
                               sealed + head_len + plain_len) != 1
        || EVP_DecryptFinal_ex(ctx, (uint8_t *) plain + n, &n2) != 1
        || memchr(plain, '\0', plain_len)) {
        error = xstrdup("the sealed key does not open (changed, or sealed "
                        "for another tunnel)");
        goto out;
    }
    plain[plain_len] = '\0';
    *psk = plain;
    plain = NULL;

out:
    OPENSSL_cleanse(aes, sizeof aes);
    OPENSSL_cleanse(shared, sizeof shared);
    if (plain) {
        OPENSSL_cleanse(plain, plain_len);
        free(plain);
    }
    EVP_CIPHER_CTX_free(ctx);
    EVP_PKEY_free(eph);
    free(sealed);
    for (size_t i = 0; i < 4; i++) {
        free(fields[i]);
    }
    return error;
}

static char *
from_pkey(EVP_PKEY *pkey, struct vpn_seal_key **keyp)
{
    uint8_t raw[RAW_KEY_LEN];
    size_t len = sizeof raw;
    if (EVP_PKEY_get_raw_public_key(pkey, raw, &len) != 1
        || len != RAW_KEY_LEN) {
        EVP_PKEY_free(pkey);
        return xstrdup("no public key");
    }
    struct vpn_seal_key *key = xmalloc(sizeof *key);
    key->pkey = pkey;
    key->public_key = base64_encode(raw, len);
    *keyp = key;
    return NULL;
}

static EVP_PKEY *
public_from_base64(const char *s)
{
    uint8_t *raw;
    size_t len;
    EVP_PKEY *pkey = NULL;
    if (base64_decode(s, strlen(s), &raw, &len)) {
        if (len == RAW_KEY_LEN) {
            pkey = EVP_PKEY_new_raw_public_key(EVP_PKEY_X25519, NULL, raw,
                                               len);
        }
        free(raw);
    }
    return pkey;
}

/* Stores in 'shared' the X25519 agreement between 'own' and 'peer'. */
static bool
agree(EVP_PKEY *own, EVP_PKEY *peer, uint8_t shared[RAW_KEY_LEN])
{
    size_t shared_len = RAW_KEY_LEN;
    EVP_PKEY_CTX *dh = EVP_PKEY_CTX_new(own, NULL);
    bool ok = (dh
               && EVP_PKEY_derive_init(dh) == 1
               && EVP_PKEY_derive_set_peer(dh, peer) == 1
               && EVP_PKEY_derive(dh, shared, &shared_len) == 1
               && shared_len == RAW_KEY_LEN);
    EVP_PKEY_CTX_free(dh);
    return ok;
}

/* Derives the AES key and IV of a box from agreement 'shared', bound to
 * 'label' and both public keys, with the box's 'salt' (version 2; version
 * 1 had none). */
static bool
expand(const uint8_t shared[RAW_KEY_LEN], const uint8_t *salt,
       size_t salt_len, const char *label,
       const uint8_t eph_pub[RAW_KEY_LEN],
       const uint8_t recipient_pub[RAW_KEY_LEN], uint8_t key[AES_KEY_LEN],
       uint8_t iv[GCM_IV_LEN])
{
    uint8_t okm[AES_KEY_LEN + GCM_IV_LEN];
    size_t okm_len = sizeof okm;
    size_t label_len = strlen(label);
    uint8_t info[64 + 2 * RAW_KEY_LEN];
    ovs_assert(label_len <= 64);
    memcpy(info, label, label_len);
    memcpy(info + label_len, eph_pub, RAW_KEY_LEN);
    memcpy(info + label_len + RAW_KEY_LEN, recipient_pub, RAW_KEY_LEN);

    EVP_PKEY_CTX *kdf = EVP_PKEY_CTX_new_id(EVP_PKEY_HKDF, NULL);
    bool ok = (kdf
               && EVP_PKEY_derive_init(kdf) == 1
               && EVP_PKEY_CTX_set_hkdf_md(kdf, EVP_sha256()) == 1
               && (!salt_len
                   || EVP_PKEY_CTX_set1_hkdf_salt(kdf, salt, salt_len) == 1)
               && EVP_PKEY_CTX_set1_hkdf_key(kdf, shared, RAW_KEY_LEN) == 1
               && EVP_PKEY_CTX_add1_hkdf_info(kdf, info,
                                              label_len + 2 * RAW_KEY_LEN)
                  == 1
               && EVP_PKEY_derive(kdf, okm, &okm_len) == 1
               && okm_len == sizeof okm);
    if (ok) {
        memcpy(key, okm, AES_KEY_LEN);
        memcpy(iv, okm + AES_KEY_LEN, GCM_IV_LEN);
    }
    OPENSSL_cleanse(okm, sizeof okm);
    EVP_PKEY_CTX_free(kdf);
    return ok;
}

/* Computes the commitment to 'psk' as tunnel 'name''s key sealed to
 * 'public_key', keyed by hexadecimal 'secret'. */
static bool
commitment(const char *secret, const char *name, const char *public_key,
           const char *psk, uint8_t out[COMMIT_LEN])
{
    if (!vpn_seal_secret_is_valid(secret)) {
        return false;
    }
    uint8_t key[VPN_SEAL_SECRET_LEN];
    for (size_t i = 0; i < VPN_SEAL_SECRET_LEN; i++) {
        unsigned int byte;
        sscanf(secret + 2 * i, "%2x", &byte);
        key[i] = byte;
    }

    /* Each part is a string without NULs, ended by one. */
    struct ds msg = DS_EMPTY_INITIALIZER;
    const char *parts[] = { COMMIT_LABEL, name, public_key, psk };
    for (size_t i = 0; i < ARRAY_SIZE(parts); i++) {
        ds_put_buffer(&msg, parts[i], strlen(parts[i]) + 1);
    }
    uint8_t mac[EVP_MAX_MD_SIZE];
    size_t mac_len = 0;
    bool ok = (EVP_Q_mac(NULL, "HMAC", NULL, "SHA256", NULL, key,
                         sizeof key, (const uint8_t *) msg.string,
                         msg.length, mac, sizeof mac, &mac_len) != NULL
               && mac_len >= COMMIT_LEN);
    if (ok) {
        memcpy(out, mac, COMMIT_LEN);
    }
    OPENSSL_cleanse(key, sizeof key);
    OPENSSL_cleanse(msg.string, msg.length);
    ds_destroy(&msg);
    return ok;
}

/* Splits 'box' into its version, recipient, commitment and sealed parts,
 * malloc'd in 'fields'.  Returns false (and nothing to free) if 'box' has
 * not that form. */
static bool
split_box(const char *box, char *fields[4])
{
    const char *p = box;
    size_t i;
    for (i = 0; i < 4; i++) {
        size_t len = i < 3 ? strcspn(p, ":") : strlen(p);
        if ((i < 3 && p[len] != ':') || !len) {
            break;
        }
        fields[i] = xmemdup0(p, len);
        p += len + (i < 3);
    }
    if (i == 4 && (!strcmp(fields[0], "1") || !strcmp(fields[0], "2"))) {
        return true;
    }
    while (i > 0) {
        free(fields[--i]);
    }
    return false;
}

static char *
base64_encode(const uint8_t *data, size_t len)
{
    char *s = xmalloc(4 * DIV_ROUND_UP(len, 3) + 1);
    EVP_EncodeBlock((unsigned char *) s, data, len);
    return s;
}

/* Decodes the 'len' bytes of base64 at 's' (padded, no white space) into
 * malloc'd '*datap' and '*n'. */
static bool
base64_decode(const char *s, size_t len, uint8_t **datap, size_t *n)
{
    *datap = NULL;
    *n = 0;
    if (!len || len % 4 || len > INT_MAX) {
        return false;
    }
    for (size_t i = 0; i < len; i++) {
        if (!strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                    "0123456789+/=", s[i]) || !s[i]
            || (s[i] == '=' && i < len - 2)) {
            return false;
        }
    }
    if (s[len - 2] == '=' && s[len - 1] != '=') {
        return false;
    }
    uint8_t *data = xmalloc(len / 4 * 3 + 1);
    int decoded = EVP_DecodeBlock(data, (const unsigned char *) s, len);
    if (decoded < 0) {
        free(data);
        return false;
    }
    /* EVP_DecodeBlock() counts the padding as zero bytes. */
    size_t pad = (s[len - 1] == '=') + (s[len - 2] == '=');
    *datap = data;
    *n = decoded - pad;
    return true;
}
