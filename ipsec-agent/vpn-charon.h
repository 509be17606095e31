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

#ifndef VPN_CHARON_H
#define VPN_CHARON_H 1

/* The strongswan driver of ovn-vpn-agent: one supervised charon for a VPN
 * gateway whose tunnels need what the chassis's libreswan lacks (Debian
 * 12's libreswan has no DH group 1, 2 or 24; its strongswan has them all).
 *
 * A "struct vpn_charon" owns one strongswan 5.9 charon that runs inside
 * the gateway's network namespace and, through "unshare --mount", in a
 * mount namespace of its own where RUNDIR is bound over /run: charon's pid
 * file has a fixed path there (/run/charon.pid), and its VICI socket,
 * /run/charon.vici inside, is RUNDIR/charon.vici outside.  STATEDIR (mode
 * 0700) holds its strongswan.conf, its log charon.log, and swanctl.conf,
 * which holds the pre-shared keys (mode 0600, replaced atomically): the
 * keys reach charon through that file and "swanctl --load-all", never
 * through a command line or a log.
 *
 * Every command is swanctl over the VICI socket, run in the background
 * (vpn_exec_job): "--stats" until charon answers, "--load-all" whenever
 * the wanted set of tunnels changed (swanctl.conf is declarative: a
 * connection no longer in it is unloaded), "--terminate" of a changed
 * tunnel's IKE SA, "--initiate" of each tunnel that initiates, and
 * "--list-sas --raw" every VPN_CHARON_POLL_MSEC while a tunnel is not
 * connected (VPN_CHARON_IDLE_POLL_MSEC otherwise).
 *
 * The connections are named "cN" (N a number the driver gives each
 * tunnel), never after the tunnel: a swanctl.conf section name cannot hold
 * some characters that tunnel names can, and no mapping of one name onto
 * another may let two tunnels meet.  Each tunnel has an IKE SA of its own.
 *
 * The retry rule is the libreswan driver's (vpn-pluto.h): the renderer
 * gives charon one try per initiation (keyingtries = 1, start_action =
 * none); a failed "--initiate" counts as an attempt, whose failure (phase
 * 1 unless the IKE SA was established, and its reason) comes from what
 * charon logged for it; the tunnel shows the failure only once
 * VPN_PLUTO_RETRIES retries have failed too, and is retried
 * VPN_PLUTO_QUICK_RETRY_MSEC after each of the first failures, then every
 * VPN_PLUTO_RETRY_MSEC.  A tunnel that was connected and is not any more
 * is initiated again.
 *
 * A charon that dies is started again with exponential backoff, and its
 * tunnels loaded and initiated again.  vpn_charon_destroy() stops it
 * (SIGTERM, SIGKILL after 5 s, waited for) and removes its directories. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct ds;
struct vpn_caps;
struct vpn_pluto_tunnel;
struct vpn_tunnel_params;

/* strongswan's programs. */
#define VPN_CHARON_PROGRAM "/usr/lib/ipsec/charon"
#define VPN_CHARON_SWANCTL "/usr/sbin/swanctl"

#define VPN_CHARON_POLL_MSEC        1000
#define VPN_CHARON_IDLE_POLL_MSEC   10000
#define VPN_CHARON_INITIATE_TIMEOUT_MSEC 60000

bool vpn_charon_available(void);
void vpn_charon_probe_caps(struct vpn_caps *);
void vpn_charon_kill_stale(const char *rundir);

struct vpn_charon *vpn_charon_create(const char *name, const char *netns,
                                     const char *rundir,
                                     const char *statedir);
void vpn_charon_destroy(struct vpn_charon *);
void vpn_charon_run(struct vpn_charon *);
void vpn_charon_wait(struct vpn_charon *);

bool vpn_charon_set_conns(struct vpn_charon *,
                          const struct vpn_tunnel_params *, size_t n);

bool vpn_charon_is_running(const struct vpn_charon *);
const char *vpn_charon_get_error(const struct vpn_charon *);
const char *vpn_charon_get_rundir(const struct vpn_charon *);
pid_t vpn_charon_get_pid(const struct vpn_charon *);
unsigned int vpn_charon_get_n_starts(const struct vpn_charon *);

uint64_t vpn_charon_get_seqno(const struct vpn_charon *);
const struct vpn_pluto_tunnel *vpn_charon_get_tunnel(
    const struct vpn_charon *, const char *name);
bool vpn_charon_report_events(const struct vpn_charon *, const char *name,
                              struct ds *);
bool vpn_charon_format_log(const struct vpn_charon *, const char *name,
                           struct ds *);
void vpn_charon_format_status(const struct vpn_charon *, struct ds *);

#endif /* vpn-charon.h */
