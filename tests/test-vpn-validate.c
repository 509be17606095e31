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

/* Test driver for lib/vpn-validate.c, used by tests/vpn-validate.at.
 *
 * Usage: test-vpn-validate [--field=LABEL] COMMAND ARG...
 *
 * Most commands check each ARG in turn and print one line for it: "ok" (or
 * the parsed value, where the command says so) or the error message.  The
 * exit status is 0 if every ARG was accepted, 1 if any was refused, 2 on a
 * usage error.  --field replaces the field label that the command passes
 * (by default the NB column name).  Lists are comma-separated. */

#include <config.h>

#include "vpn-validate.h"

#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "openvswitch/dynamic-string.h"
#include "openvswitch/util.h"
#include "packets.h"
#include "svec.h"
#include "util.h"
#include "vpn-params.h"

struct command {
    const char *name;
    const char *usage;
    int min_args;
    int (*run)(const char *field, int argc, char *argv[]);
};

static const char *field_or(const char *field, const char *dflt);
static int report(char *error, const char *ok);
static void split_list(const char *s, struct svec *);
static struct vpn_cidr *parse_cidrs_or_die(const char *field, const char *s,
                                           size_t *n);
static struct vpn_cidr *parse_networks_or_die(const char *s, size_t *n);
static int parse_int_or_die(const char *s);
static const struct command *find_command(const char *name);
static void usage(void) OVS_NO_RETURN;

/* Commands that check strings with a "char *f(field, s)" function. */
typedef char *string_check_func(const char *field, const char *);

static int
run_string_checks(const char *field, string_check_func *check,
                  int argc, char *argv[])
{
    int status = 0;
    for (int i = 0; i < argc; i++) {
        status |= report(check(field, argv[i]), NULL);
    }
    return status;
}

static int
cmd_name(const char *field, int argc, char *argv[])
{
    return run_string_checks(field_or(field, "name"), vpn_check_name,
                             argc, argv);
}

static int
cmd_comment(const char *field, int argc, char *argv[])
{
    return run_string_checks(field_or(field, "comment"), vpn_check_comment,
                             argc, argv);
}

static char *
check_ip(const char *field, const char *s)
{
    return vpn_parse_ip(field, s, NULL);
}

static char *
check_unicast_ip(const char *field, const char *s)
{
    return vpn_check_unicast_ip(field, s, NULL);
}

static char *
check_peer_ip(const char *field, const char *s)
{
    return vpn_check_peer_ip(field, s, NULL);
}

static int
cmd_ip(const char *field, int argc, char *argv[])
{
    return run_string_checks(field_or(field, "ip"), check_ip, argc, argv);
}

static int
cmd_unicast_ip(const char *field, int argc, char *argv[])
{
    return run_string_checks(field_or(field, "public_ip"), check_unicast_ip,
                             argc, argv);
}

static int
cmd_peer_ip(const char *field, int argc, char *argv[])
{
    return run_string_checks(field_or(field, "ip"), check_peer_ip,
                             argc, argv);
}

/* cidr CIDR...: prints each parsed CIDR, formatted again. */
static int
cmd_cidr(const char *field, int argc, char *argv[])
{
    int status = 0;
    for (int i = 0; i < argc; i++) {
        struct vpn_cidr cidr;
        char *error = vpn_cidr_parse(field_or(field, "peer_cidrs"), argv[i],
                                     &cidr);
        if (!error) {
            char *s = vpn_cidr_to_string(&cidr);
            printf("%s\n", s);
            free(s);
        } else {
            status |= report(error, NULL);
        }
    }
    return status;
}

/* cidr-list MAX LIST: parses comma-separated LIST with at most MAX
 * entries (0 for no limit) and prints it again, space-separated. */
static int
cmd_cidr_list(const char *field, int argc OVS_UNUSED, char *argv[])
{
    size_t max = parse_int_or_die(argv[0]);
    struct svec strings = SVEC_EMPTY_INITIALIZER;
    struct vpn_cidr *cidrs;

    split_list(argv[1], &strings);
    char *error = vpn_parse_cidr_list(field_or(field, "local_cidrs"),
                                      (const char *const *) strings.names,
                                      strings.n, max, &cidrs);
    if (error) {
        svec_destroy(&strings);
        return report(error, NULL);
    }

    struct ds ds = DS_EMPTY_INITIALIZER;
    for (size_t i = 0; i < strings.n; i++) {
        if (i) {
            ds_put_char(&ds, ' ');
        }
        vpn_cidr_format(&cidrs[i], &ds);
    }
    printf("%s\n", ds_cstr(&ds));
    ds_destroy(&ds);
    free(cidrs);
    svec_destroy(&strings);
    return 0;
}

/* contains OUTER INNER: prints "true" if OUTER contains INNER. */
static int
cmd_contains(const char *field OVS_UNUSED, int argc OVS_UNUSED,
             char *argv[])
{
    size_t n;
    struct vpn_cidr *outer = parse_cidrs_or_die("outer", argv[0], &n);
    struct vpn_cidr *inner = parse_cidrs_or_die("inner", argv[1], &n);

    printf("%s\n", vpn_cidr_contains(outer, inner) ? "true" : "false");
    free(outer);
    free(inner);
    return 0;
}

/* overlap A B: prints "true" if A and B overlap. */
static int
cmd_overlap(const char *field OVS_UNUSED, int argc OVS_UNUSED,
            char *argv[])
{
    size_t n;
    struct vpn_cidr *a = parse_cidrs_or_die("a", argv[0], &n);
    struct vpn_cidr *b = parse_cidrs_or_die("b", argv[1], &n);

    printf("%s\n", vpn_cidrs_overlap(a, b) ? "true" : "false");
    free(a);
    free(b);
    return 0;
}

static int
cmd_psk(const char *field, int argc, char *argv[])
{
    return run_string_checks(field_or(field, "psk"), vpn_check_psk,
                             argc, argv);
}

/* psk-no-leak PSK...: checks that each PSK is refused and that the message
 * contains no substring of 3 or more characters of the PSK that is not
 * also in the message for an unrelated refused key.  Prints "no leak" or
 * "LEAK" with the message (exit status 1). */
static int
cmd_psk_no_leak(const char *field, int argc, char *argv[])
{
    int status = 0;
    for (int i = 0; i < argc; i++) {
        const char *psk = argv[i];
        char *error = vpn_check_psk(field_or(field, "psk"), psk);
        if (!error) {
            printf("accepted\n");
            status = 1;
            continue;
        }

        bool leak = false;
        size_t len = strlen(psk);
        for (size_t start = 0; start < len && !leak; start++) {
            for (size_t n = 3; start + n <= len && !leak; n++) {
                char *part = xmemdup0(psk + start, n);
                leak = strstr(error, part) != NULL;
                free(part);
            }
        }
        if (leak) {
            printf("LEAK: %s\n", error);
            status = 1;
        } else {
            printf("no leak\n");
        }
        free(error);
    }
    return status;
}

static int
cmd_id(const char *field, int argc, char *argv[])
{
    return run_string_checks(field_or(field, "peer_id"), vpn_check_id,
                             argc, argv);
}

/* id-libreswan ID...: prints each valid ID's kind and libreswan form. */
static int
cmd_id_libreswan(const char *field, int argc, char *argv[])
{
    int status = 0;
    for (int i = 0; i < argc; i++) {
        char *error = vpn_check_id(field_or(field, "peer_id"), argv[i]);
        if (error) {
            status |= report(error, NULL);
            continue;
        }

        struct ds ds = DS_EMPTY_INITIALIZER;
        vpn_id_format_libreswan(argv[i], &ds);
        printf("%s %s\n", vpn_id_is_fqdn(argv[i]) ? "fqdn" : "ipv4",
               ds_cstr(&ds));
        ds_destroy(&ds);
    }
    return status;
}

/* enum KIND VALUE...: KIND is the column name. */
static int
cmd_enum(const char *field, int argc, char *argv[])
{
    static const struct {
        const char *column;
        string_check_func *check;
    } kinds[] = {
        { "ike_version", vpn_check_ike_version },
        { "ike_mode", vpn_check_ike_mode },
        { "ike_encryption", vpn_check_encryption },
        { "ike_integrity", vpn_check_integrity },
        { "ipsec_protocol", vpn_check_ipsec_protocol },
        { "ipsec_encryption", vpn_check_encryption },
        { "ipsec_integrity", vpn_check_integrity },
        { "dpd_action", vpn_check_dpd_action },
        { "initiator", vpn_check_initiator },
    };

    for (size_t i = 0; i < ARRAY_SIZE(kinds); i++) {
        if (!strcmp(argv[0], kinds[i].column)) {
            return run_string_checks(field_or(field, kinds[i].column),
                                     kinds[i].check, argc - 1, argv + 1);
        }
    }
    ovs_fatal(0, "%s: unknown enumeration", argv[0]);
}

/* dh-group TEXT...: prints each parsed group. */
static int
cmd_dh_group(const char *field, int argc, char *argv[])
{
    int status = 0;
    for (int i = 0; i < argc; i++) {
        int group;
        char *error = vpn_parse_dh_group(field_or(field, "ike_dh_group"),
                                         argv[i], &group);
        if (!error) {
            printf("%d\n", group);
        } else {
            status |= report(error, NULL);
        }
    }
    return status;
}

/* pfs-group TEXT...: prints each parsed group, formatted again, with the
 * number stored in the database. */
static int
cmd_pfs_group(const char *field, int argc, char *argv[])
{
    int status = 0;
    for (int i = 0; i < argc; i++) {
        int group;
        char *error = vpn_parse_pfs_group(field_or(field, "ipsec_pfs_group"),
                                          argv[i], &group);
        if (!error) {
            struct ds ds = DS_EMPTY_INITIALIZER;
            vpn_format_pfs_group(group, &ds);
            printf("%s (%d)\n", ds_cstr(&ds), group);
            ds_destroy(&ds);
        } else {
            status |= report(error, NULL);
        }
    }
    return status;
}

/* Commands that check integers with a "char *f(field, int)" function. */
typedef char *int_check_func(const char *field, int);

static int
run_int_checks(const char *field, int_check_func *check,
               int argc, char *argv[])
{
    int status = 0;
    for (int i = 0; i < argc; i++) {
        status |= report(check(field, parse_int_or_die(argv[i])), NULL);
    }
    return status;
}

static char *
check_dh_group_int(const char *field, int group)
{
    return vpn_check_dh_group(field, group);
}

static char *
check_pfs_group_int(const char *field, int group)
{
    return vpn_check_pfs_group(field, group);
}

static int
cmd_dh_group_int(const char *field, int argc, char *argv[])
{
    return run_int_checks(field_or(field, "ike_dh_group"),
                          check_dh_group_int, argc, argv);
}

static int
cmd_pfs_group_int(const char *field, int argc, char *argv[])
{
    return run_int_checks(field_or(field, "ipsec_pfs_group"),
                          check_pfs_group_int, argc, argv);
}

static int
cmd_lifetime(const char *field, int argc, char *argv[])
{
    return run_int_checks(field_or(field, "ike_lifetime"),
                          vpn_check_lifetime, argc, argv);
}

static int
cmd_dpd_delay(const char *field, int argc, char *argv[])
{
    return run_int_checks(field_or(field, "dpd_delay"),
                          vpn_check_dpd_delay, argc, argv);
}

static int
cmd_dpd_timeout(const char *field, int argc, char *argv[])
{
    return run_int_checks(field_or(field, "dpd_timeout"),
                          vpn_check_dpd_timeout, argc, argv);
}

/* int MIN MAX TEXT...: parses each TEXT with vpn_parse_int() and prints
 * the value. */
static int
cmd_int(const char *field, int argc, char *argv[])
{
    int min = parse_int_or_die(argv[0]);
    int max = parse_int_or_die(argv[1]);
    int status = 0;

    for (int i = 2; i < argc; i++) {
        int value;
        char *error = vpn_parse_int(field_or(field, "ike_lifetime"),
                                    argv[i], min, max, &value);
        if (!error) {
            printf("%d\n", value);
        } else {
            status |= report(error, NULL);
        }
    }
    return status;
}

/* tunnel [KEY=VALUE]...: checks a tunnel with vpn_check_tunnel_params(),
 * after vpn_params_apply_defaults().  The tunnel starts from a valid one
 * (see 'base' below); each KEY=VALUE replaces a setting, and KEY= unsets
 * it.  KEYs are the NB column names, plus internal_ip, public_ip and ip
 * for the gateway's and the peer's addresses. */
enum param_type { P_STRING, P_INT, P_PFS, P_LOCAL_CIDRS, P_PEER_CIDRS };

static const struct param_key {
    const char *key;
    enum param_type type;
    size_t offset;
} param_keys[] = {
#define PK(KEY, TYPE, MEMBER) \
    { KEY, TYPE, offsetof(struct vpn_tunnel_params, MEMBER) }
    PK("name", P_STRING, name),
    PK("internal_ip", P_STRING, local_ip),
    PK("public_ip", P_STRING, local_public_ip),
    PK("ip", P_STRING, peer_ip),
    PK("local_id", P_STRING, local_id),
    PK("peer_id", P_STRING, peer_id),
    PK("local_cidrs", P_LOCAL_CIDRS, local_cidrs),
    PK("peer_cidrs", P_PEER_CIDRS, peer_cidrs),
    PK("psk", P_STRING, psk),
    PK("ike_version", P_STRING, ike_version),
    PK("ike_mode", P_STRING, ike_mode),
    PK("ike_encryption", P_STRING, ike_encryption),
    PK("ike_integrity", P_STRING, ike_integrity),
    PK("ike_dh_group", P_INT, ike_dh_group),
    PK("ike_lifetime", P_INT, ike_lifetime),
    PK("ipsec_protocol", P_STRING, ipsec_protocol),
    PK("ipsec_encryption", P_STRING, ipsec_encryption),
    PK("ipsec_integrity", P_STRING, ipsec_integrity),
    PK("ipsec_pfs_group", P_PFS, ipsec_pfs_group),
    PK("ipsec_lifetime", P_INT, ipsec_lifetime),
    PK("dpd_action", P_STRING, dpd_action),
    PK("dpd_delay", P_INT, dpd_delay),
    PK("dpd_timeout", P_INT, dpd_timeout),
    PK("initiator", P_STRING, initiator),
#undef PK
};

static void
set_param(struct vpn_tunnel_params *p, const char *assignment,
          struct svec *local, struct svec *peer)
{
    const char *eq = strchr(assignment, '=');
    if (!eq) {
        ovs_fatal(0, "%s: KEY=VALUE expected", assignment);
    }

    size_t key_len = eq - assignment;
    const char *value = eq + 1;
    for (size_t i = 0; i < ARRAY_SIZE(param_keys); i++) {
        const struct param_key *k = &param_keys[i];
        if (strlen(k->key) != key_len
            || strncmp(k->key, assignment, key_len)) {
            continue;
        }

        void *member = (char *) p + k->offset;
        switch (k->type) {
        case P_STRING:
            *(const char **) member = value[0] ? value : NULL;
            break;
        case P_INT:
            *(int *) member = value[0] ? parse_int_or_die(value) : 0;
            break;
        case P_PFS:
            *(int *) member = value[0] ? parse_int_or_die(value) : -1;
            break;
        case P_LOCAL_CIDRS:
            svec_clear(local);
            split_list(value, local);
            break;
        case P_PEER_CIDRS:
            svec_clear(peer);
            split_list(value, peer);
            break;
        }
        return;
    }
    ovs_fatal(0, "%.*s: unknown key", (int) key_len, assignment);
}

static int
cmd_tunnel(const char *field OVS_UNUSED, int argc, char *argv[])
{
    static const char *const base[] = {
        "name=t1", "internal_ip=10.0.0.5", "public_ip=172.16.0.10",
        "ip=203.0.113.7", "local_cidrs=10.0.0.0/24",
        "peer_cidrs=192.168.0.0/24", "psk=s3cr3t-key",
    };
    struct svec local = SVEC_EMPTY_INITIALIZER;
    struct svec peer = SVEC_EMPTY_INITIALIZER;
    struct vpn_tunnel_params p;

    vpn_params_init(&p);
    for (size_t i = 0; i < ARRAY_SIZE(base); i++) {
        set_param(&p, base[i], &local, &peer);
    }
    for (int i = 0; i < argc; i++) {
        set_param(&p, argv[i], &local, &peer);
    }
    p.local_cidrs = (const char **) local.names;
    p.n_local_cidrs = local.n;
    p.peer_cidrs = (const char **) peer.names;
    p.n_peer_cidrs = peer.n;

    vpn_params_apply_defaults(&p);
    int status = report(vpn_check_tunnel_params(&p), NULL);
    svec_destroy(&local);
    svec_destroy(&peer);
    return status;
}

/* in-subnets ROUTER LOCAL_CIDRS SUBNETS: SUBNETS are router port networks
 * such as "10.0.0.1/24" (host bits allowed). */
static int
cmd_in_subnets(const char *field, int argc OVS_UNUSED, char *argv[])
{
    size_t n_local, n_subnets;
    struct vpn_cidr *local = parse_cidrs_or_die("local_cidrs", argv[1],
                                                &n_local);
    struct vpn_cidr *subnets = parse_networks_or_die(argv[2], &n_subnets);

    int status = report(vpn_check_local_cidrs_in_subnets(
                            field_or(field, "local_cidrs"), local, n_local,
                            subnets, n_subnets, argv[0]), NULL);
    free(local);
    free(subnets);
    return status;
}

/* ip-in-subnet SWITCH SUBNET IP...: SUBNET may have host bits set. */
static int
cmd_ip_in_subnet(const char *field, int argc, char *argv[])
{
    size_t n;
    struct vpn_cidr *subnet = parse_networks_or_die(argv[1], &n);
    int status = 0;

    if (n != 1) {
        ovs_fatal(0, "exactly one subnet expected");
    }
    for (int i = 2; i < argc; i++) {
        ovs_be32 ip;
        char *error = vpn_check_unicast_ip("ip", argv[i], &ip);
        if (error) {
            ovs_fatal(0, "%s", error);
        }
        status |= report(vpn_check_ip_in_subnet(
                             field_or(field, "internal_ip"), ip, subnet,
                             argv[0]), NULL);
    }
    free(subnet);
    return status;
}

/* conflict LOCAL PEER OTHER_NAME OTHER_LOCAL OTHER_PEER. */
static int
cmd_conflict(const char *field OVS_UNUSED, int argc OVS_UNUSED,
             char *argv[])
{
    struct vpn_tunnel_cidrs a, b;

    a.local = parse_cidrs_or_die("local_cidrs", argv[0], &a.n_local);
    a.peer = parse_cidrs_or_die("peer_cidrs", argv[1], &a.n_peer);
    b.local = parse_cidrs_or_die("local_cidrs", argv[3], &b.n_local);
    b.peer = parse_cidrs_or_die("peer_cidrs", argv[4], &b.n_peer);

    int status = report(vpn_check_tunnel_conflict(&a, &b, argv[2]), NULL);
    vpn_tunnel_cidrs_destroy(&a);
    vpn_tunnel_cidrs_destroy(&b);
    return status;
}

static const struct command commands[] = {
    { "name", "NAME...", 1, cmd_name },
    { "comment", "COMMENT...", 1, cmd_comment },
    { "ip", "IP...", 1, cmd_ip },
    { "unicast-ip", "IP...", 1, cmd_unicast_ip },
    { "peer-ip", "IP...", 1, cmd_peer_ip },
    { "cidr", "CIDR...", 1, cmd_cidr },
    { "cidr-list", "MAX LIST", 2, cmd_cidr_list },
    { "contains", "OUTER INNER", 2, cmd_contains },
    { "overlap", "CIDR CIDR", 2, cmd_overlap },
    { "psk", "PSK...", 1, cmd_psk },
    { "psk-no-leak", "PSK...", 1, cmd_psk_no_leak },
    { "id", "ID...", 1, cmd_id },
    { "id-libreswan", "ID...", 1, cmd_id_libreswan },
    { "enum", "COLUMN VALUE...", 2, cmd_enum },
    { "dh-group", "TEXT...", 1, cmd_dh_group },
    { "pfs-group", "TEXT...", 1, cmd_pfs_group },
    { "dh-group-int", "N...", 1, cmd_dh_group_int },
    { "pfs-group-int", "N...", 1, cmd_pfs_group_int },
    { "lifetime", "N...", 1, cmd_lifetime },
    { "dpd-delay", "N...", 1, cmd_dpd_delay },
    { "dpd-timeout", "N...", 1, cmd_dpd_timeout },
    { "int", "MIN MAX TEXT...", 3, cmd_int },
    { "tunnel", "[KEY=VALUE]...", 0, cmd_tunnel },
    { "in-subnets", "ROUTER LOCAL_CIDRS SUBNETS", 3, cmd_in_subnets },
    { "ip-in-subnet", "SWITCH SUBNET IP...", 3, cmd_ip_in_subnet },
    { "conflict", "LOCAL PEER OTHER_NAME OTHER_LOCAL OTHER_PEER", 5,
      cmd_conflict },
};

int
main(int argc, char *argv[])
{
    const char *field = NULL;

    set_program_name(argv[0]);
    if (argc > 1 && !strncmp(argv[1], "--field=", 8)) {
        field = argv[1] + 8;
        argc--;
        argv++;
    }
    if (argc < 2) {
        usage();
    }

    const struct command *command = find_command(argv[1]);
    if (!command || argc - 2 < command->min_args) {
        usage();
    }
    return command->run(field, argc - 2, argv + 2);
}

/* Static functions. */

static const char *
field_or(const char *field, const char *dflt)
{
    return field ? field : dflt;
}

/* Prints 'error' (and frees it) or 'ok' ("ok" if null); returns 1 if there
 * was an error, otherwise 0. */
static int
report(char *error, const char *ok)
{
    if (error) {
        printf("%s\n", error);
        free(error);
        return 1;
    }
    printf("%s\n", ok ? ok : "ok");
    return 0;
}

/* Adds the comma-separated elements of 's' to 'list' (nothing if 's' is
 * empty; empty elements are kept). */
static void
split_list(const char *s, struct svec *list)
{
    if (!s[0]) {
        return;
    }
    for (;;) {
        size_t len = strcspn(s, ",");
        svec_add_nocopy(list, xmemdup0(s, len));
        if (!s[len]) {
            break;
        }
        s += len + 1;
    }
}

/* Parses comma-separated CIDRs strictly; exits on error. */
static struct vpn_cidr *
parse_cidrs_or_die(const char *field, const char *s, size_t *n)
{
    struct svec strings = SVEC_EMPTY_INITIALIZER;
    struct vpn_cidr *cidrs;

    split_list(s, &strings);
    cidrs = xmalloc(MAX(1, strings.n) * sizeof *cidrs);
    for (size_t i = 0; i < strings.n; i++) {
        char *error = vpn_cidr_parse(field, strings.names[i], &cidrs[i]);
        if (error) {
            ovs_fatal(0, "%s", error);
        }
    }
    *n = strings.n;
    svec_destroy(&strings);
    return cidrs;
}

/* Parses comma-separated router port networks ("10.0.0.1/24"), keeping
 * only their network part; exits on error. */
static struct vpn_cidr *
parse_networks_or_die(const char *s, size_t *n)
{
    struct svec strings = SVEC_EMPTY_INITIALIZER;
    struct vpn_cidr *cidrs;

    split_list(s, &strings);
    cidrs = xmalloc(MAX(1, strings.n) * sizeof *cidrs);
    for (size_t i = 0; i < strings.n; i++) {
        ovs_be32 ip;
        unsigned int plen;
        char *error = ip_parse_cidr(strings.names[i], &ip, &plen);
        if (error) {
            ovs_fatal(0, "%s", error);
        }
        vpn_cidr_init(&cidrs[i], ip, plen);
    }
    *n = strings.n;
    svec_destroy(&strings);
    return cidrs;
}

static int
parse_int_or_die(const char *s)
{
    int value;
    if (!str_to_int(s, 10, &value)) {
        ovs_fatal(0, "%s: integer expected", s);
    }
    return value;
}

static const struct command *
find_command(const char *name)
{
    for (size_t i = 0; i < ARRAY_SIZE(commands); i++) {
        if (!strcmp(commands[i].name, name)) {
            return &commands[i];
        }
    }
    return NULL;
}

static void
usage(void)
{
    printf("usage: %s [--field=LABEL] COMMAND ARG...\n"
           "where COMMAND ARG... is one of:\n", program_name);
    for (size_t i = 0; i < ARRAY_SIZE(commands); i++) {
        printf("  %s %s\n", commands[i].name, commands[i].usage);
    }
    exit(2);
}
