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

#ifndef VPN_DIRS_H
#define VPN_DIRS_H 1

/* OVN's directories and default database remotes, as OVN's own programs
 * find them (lib/ovn-dirs.c and lib/ovn-util.c in OVN): the environment
 * variables OVN_RUNDIR, OVN_LOGDIR, OVN_DBDIR, OVN_NB_DB and OVN_SB_DB
 * override the configured defaults, so that the ovn-vpn programs meet
 * OVN's daemons and ovn-ctl's sockets wherever those are. */

const char *vpn_ovn_rundir(void);
const char *vpn_ovn_logdir(void);
const char *vpn_ovn_dbdir(void);
const char *vpn_default_nb_db(void);
const char *vpn_default_sb_db(void);
void vpn_print_version(void);

#endif /* vpn-dirs.h */
