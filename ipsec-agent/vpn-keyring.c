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

/* The agent's sealing keys and the keys they opened (see vpn-keyring.h). */

#include <config.h>

#include "vpn-keyring.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "openvswitch/dynamic-string.h"
#include "openvswitch/shash.h"
#include "openvswitch/util.h"
#include "openvswitch/vlog.h"
#include "util.h"
#include "vpn-seal.h"
#include "vpn-validate.h"

VLOG_DEFINE_THIS_MODULE(vpn_keyring);

struct vpn_keyring {
    char *file;
    char *old_file;
    struct vpn_seal_key *key;       /* The current key pair. */
    struct vpn_seal_key *old_key;   /* The one before a rotation, or NULL. */
    struct shash opened;            /* Sealed value -> "struct opened". */
};

struct opened {
    char *psk;
    bool used;                      /* Since the last vpn_keyring_sweep(). */
    bool old;                       /* Opened with 'old_key'. */
};

static void free_opened(struct opened *);

/* Opens the key pair in 'file', making it if the file does not exist, and
 * the previous one in 'file'.old if a rotation left one.  Exits with an
 * error if 'file' exists but holds no key: a new key would make every
 * tunnel of this chassis wait for its keys to be sealed anew, so that is
 * the operator's choice (remove the file). */
struct vpn_keyring *
vpn_keyring_open(const char *file)
{
    struct vpn_keyring *kr = xzalloc(sizeof *kr);
    kr->file = xstrdup(file);
    kr->old_file = xasprintf("%s.old", file);
    shash_init(&kr->opened);

    char *error = vpn_seal_key_load(file, &kr->key);
    if (error && access(file, F_OK) && errno == ENOENT) {
        free(error);
        error = vpn_seal_key_generate(&kr->key);
        if (!error) {
            error = vpn_seal_key_save(kr->key, file);
        }
        if (!error) {
            VLOG_INFO("%s: made a new sealing key", file);
        }
    }
    if (error) {
        ovs_fatal(0, "sealing key: %s", error);
    }

    error = vpn_seal_key_load(kr->old_file, &kr->old_key);
    if (error) {
        free(error);
        kr->old_key = NULL;
    }
    return kr;
}

void
vpn_keyring_destroy(struct vpn_keyring *kr)
{
    if (kr) {
        struct shash_node *node;
        SHASH_FOR_EACH (node, &kr->opened) {
            free_opened(node->data);
        }
        shash_destroy(&kr->opened);
        vpn_seal_key_destroy(kr->key);
        vpn_seal_key_destroy(kr->old_key);
        free(kr->file);
        free(kr->old_file);
        free(kr);
    }
}

/* Returns the public half of the current key, as published. */
const char *
vpn_keyring_public(const struct vpn_keyring *kr)
{
    return vpn_seal_key_public(kr->key);
}

/* Makes a new key pair.  The current one becomes the old one (replacing
 * any old one still kept), on disk first: a crash at any point leaves a
 * file that opens every key sealed to either. */
char *
vpn_keyring_rotate(struct vpn_keyring *kr)
{
    struct vpn_seal_key *key;
    char *error = vpn_seal_key_generate(&key);
    if (error) {
        return error;
    }
    error = vpn_seal_key_save(kr->key, kr->old_file);
    if (!error) {
        error = vpn_seal_key_save(key, kr->file);
    }
    if (error) {
        vpn_seal_key_destroy(key);
        return error;
    }
    vpn_seal_key_destroy(kr->old_key);
    kr->old_key = kr->key;
    kr->key = key;
    VLOG_INFO("%s: new sealing key; the old one is kept until no tunnel "
              "is sealed to it", kr->file);
    return NULL;
}

/* Returns the pre-shared key of tunnel 'name' that 'sealed' holds, or NULL
 * if neither key opens it (the reason is logged).  The returned string
 * belongs to 'kr' and lives until the next vpn_keyring_sweep() that finds
 * it unused. */
const char *
vpn_keyring_unseal(struct vpn_keyring *kr, const char *name,
                   const char *sealed)
{
    if (!sealed) {
        return NULL;
    }
    struct opened *o = shash_find_data(&kr->opened, sealed);
    if (o) {
        o->used = true;
        return o->psk;
    }

    char *recipient = vpn_seal_recipient(sealed);
    const struct vpn_seal_key *key = NULL;
    if (recipient && !strcmp(recipient, vpn_seal_key_public(kr->key))) {
        key = kr->key;
    } else if (recipient && kr->old_key
               && !strcmp(recipient, vpn_seal_key_public(kr->old_key))) {
        key = kr->old_key;
    }
    free(recipient);

    char *psk = NULL;
    char *error = (key
                   ? vpn_unseal(key, name, sealed, &psk)
                   : xstrdup("sealed to a key this chassis does not have "
                             "(a new key of this chassis's is not yet "
                             "used?)"));
    if (error) {
        static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 5);
        struct ds s = DS_EMPTY_INITIALIZER;
        vpn_put_printable(&s, name, strlen(name));
        VLOG_WARN_RL(&rl, "tunnel %s: pre-shared key: %s", ds_cstr(&s),
                     error);
        ds_destroy(&s);
        free(error);
        return NULL;
    }
    o = xmalloc(sizeof *o);
    o->psk = psk;
    o->used = true;
    o->old = key == kr->old_key;
    shash_add(&kr->opened, sealed, o);
    return o->psk;
}

/* After a pass over every tunnel of this chassis: forgets the keys that the
 * pass did not use, and the old key pair once no key in use was sealed to
 * it. */
void
vpn_keyring_sweep(struct vpn_keyring *kr)
{
    bool old_in_use = false;
    struct shash_node *node;
    SHASH_FOR_EACH_SAFE (node, &kr->opened) {
        struct opened *o = node->data;
        if (!o->used) {
            free_opened(o);
            shash_delete(&kr->opened, node);
        } else {
            old_in_use |= o->old;
            o->used = false;
        }
    }
    if (kr->old_key && !old_in_use) {
        vpn_seal_key_destroy(kr->old_key);
        kr->old_key = NULL;
        if (unlink(kr->old_file) && errno != ENOENT) {
            VLOG_WARN("%s: %s", kr->old_file, ovs_strerror(errno));
        } else {
            VLOG_INFO("%s: no tunnel is sealed to the old sealing key any "
                      "more: removed", kr->old_file);
        }
    }
}

/* Appends to 's' the keys, for the agent's "status". */
void
vpn_keyring_format(const struct vpn_keyring *kr, struct ds *s)
{
    ds_put_format(s, "seal key: %s\n", vpn_seal_key_public(kr->key));
    if (kr->old_key) {
        ds_put_format(s, "old seal key: %s\n",
                      vpn_seal_key_public(kr->old_key));
    }
}

static void
free_opened(struct opened *o)
{
    OPENSSL_cleanse(o->psk, strlen(o->psk));
    free(o->psk);
    free(o);
}
