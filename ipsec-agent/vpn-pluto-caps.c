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

/* What the local libreswan accepts, for the libreswan driver (see
 * vpn-pluto-private.h): each algorithm of the catalog (vpn-catalog.h) tried
 * with libreswan's algparse. */

#include <config.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "coverage.h"
#include "hash.h"
#include "fatal-signal.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/poll-loop.h"
#include "openvswitch/shash.h"
#include "openvswitch/util.h"
#include "openvswitch/vlog.h"
#include "process.h"
#include "sset.h"
#include "svec.h"
#include "timeval.h"
#include "util.h"
#include "vpn-exec.h"
#include "vpn-catalog.h"
#include "vpn-params.h"
#include "vpn-report.h"
#include "vpn-swan-conf.h"
#include "vpn-swan-status.h"

#include "vpn-pluto-private.h"

VLOG_DEFINE_THIS_MODULE(vpn_pluto_caps);

static bool pluto_algparse_accepts(const char *a, const char *b, bool pfs);

/* Asks the local libreswan (its algparse program) which of the schema's DH
 * groups, encryption and integrity algorithms it accepts, for IKE and for
 * ESP (a DH group as IKE group and as PFS group), and stores the answer in
 * 'caps', which the caller initialized with vpn_caps_init().  Returns
 * false, leaving 'caps->known' false, if algparse cannot be run. */
bool
vpn_pluto_probe_caps(struct vpn_caps *caps)
{
    /* Each algorithm of the catalog is tried with a proposal that is
     * otherwise the default one. */
    const char *enc0 = swan_conf_encryption_name(
        vpn_setting_find("ike_encryption")->default_string);
    const char *integ0 = swan_conf_integrity_name(
        vpn_setting_find("ike_integrity")->default_string);
    const char *dh0 = swan_conf_dh_name(
        vpn_setting_find("ike_dh_group")->default_int);

    caps->known = false;
    caps->dh_groups = 0;
    sset_clear(caps->encryption);
    sset_clear(caps->integrity);
    if (access(ALGPARSE_BIN, X_OK)) {
        VLOG_WARN("%s: cannot run (%s)", ALGPARSE_BIN, ovs_strerror(errno));
        return false;
    }

    for (size_t i = 0; i < vpn_catalog_n_dh_groups; i++) {
        const struct vpn_catalog_dh *dh = &vpn_catalog_dh_groups[i];
        char *ike = xasprintf("ike=%s-%s;%s", enc0, integ0, dh->libreswan);
        char *esp = xasprintf("esp=%s-%s;%s", enc0, integ0, dh->libreswan);
        if (pluto_algparse_accepts(ike, esp, true)) {
            caps->dh_groups |= UINT64_C(1) << dh->group;
        }
        free(ike);
        free(esp);
    }
    for (const struct vpn_catalog_value *v = vpn_catalog_encryptions;
         v->name; v++) {
        char *ike = xasprintf("ike=%s-%s;%s", v->libreswan, integ0, dh0);
        char *esp = xasprintf("esp=%s-%s", v->libreswan, integ0);
        if (pluto_algparse_accepts(ike, esp, false)) {
            sset_add(caps->encryption, v->name);
        }
        free(ike);
        free(esp);
    }
    for (const struct vpn_catalog_value *v = vpn_catalog_integrities;
         v->name; v++) {
        char *ike = xasprintf("ike=%s-%s;%s", enc0, v->libreswan, dh0);
        char *esp = xasprintf("esp=%s-%s", enc0, v->libreswan);
        if (pluto_algparse_accepts(ike, esp, false)) {
            sset_add(caps->integrity, v->name);
        }
        free(ike);
        free(esp);
    }
    caps->known = true;
    return true;
}

/* Returns true if algparse accepts proposals 'a' and 'b' (IKEv2, with PFS
 * for an ESP proposal with a DH group if 'pfs'). */
static bool
pluto_algparse_accepts(const char *a, const char *b, bool pfs)
{
    char *argv[] = { ALGPARSE_BIN, "-v2", pfs ? "-pfs=yes" : "-pfs=no",
                     CONST_CAST(char *, a), CONST_CAST(char *, b), NULL };
    char *error = pluto_run_command(argv, NULL);
    bool ok = !error;
    free(error);
    return ok;
}
