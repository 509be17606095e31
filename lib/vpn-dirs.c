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

/* OVN's directories and default database remotes (see vpn-dirs.h). */

#include <config.h>

#include "vpn-dirs.h"

#include <stdio.h>
#include <stdlib.h>

#include "openvswitch/util.h"
#include "util.h"

static const char *
env_or(const char *name, const char *dflt)
{
    const char *value = getenv(name);
    return value && value[0] ? value : dflt;
}

const char *
vpn_ovn_rundir(void)
{
    return env_or("OVN_RUNDIR", OVN_VPN_RUNDIR);
}

const char *
vpn_ovn_logdir(void)
{
    return env_or("OVN_LOGDIR", OVN_VPN_LOGDIR);
}

const char *
vpn_ovn_dbdir(void)
{
    return env_or("OVN_DBDIR", OVN_VPN_DBDIR);
}

const char *
vpn_default_nb_db(void)
{
    static char *def;
    if (!def) {
        const char *env = getenv("OVN_NB_DB");
        def = env ? xstrdup(env)
                  : xasprintf("unix:%s/ovnnb_db.sock", vpn_ovn_rundir());
    }
    return def;
}

const char *
vpn_default_sb_db(void)
{
    static char *def;
    if (!def) {
        const char *env = getenv("OVN_SB_DB");
        def = env ? xstrdup(env)
                  : xasprintf("unix:%s/ovnsb_db.sock", vpn_ovn_rundir());
    }
    return def;
}

/* Prints the program's version, and that of the OVS library it is built
 * on, as OVN's programs do. */
void
vpn_print_version(void)
{
    printf("%s (ovn-vpn) %s\n", program_name, PACKAGE_VERSION);
    printf("Open vSwitch Library %s\n", OVN_VPN_OVS_VERSION);
}
