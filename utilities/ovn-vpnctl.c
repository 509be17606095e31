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

/* ovn-vpnctl: the operator's command-line tool for the VPN tables of the
 * OVN northbound database, built on OVS's db-ctl-base exactly as ovn-nbctl
 * and ovn-ic-nbctl are: the generic database commands (list, find, get,
 * set, create, destroy, wait-until, ...) work on every table, and the
 * vpn-* commands manage gateways, peer gateways and tunnels, validate
 * them with the shared rules of lib/vpn-validate and lib/vpn-nb before
 * anything is committed, and print tunnel configurations for libreswan or
 * strongswan with lib/vpn-swan-conf.
 *
 * The commands are in vpnctl-gateway.c and vpnctl-tunnel.c (see vpnctl.h).
 * This file, about 1,100 lines, is the program around them: options,
 * help, the transaction and its retries, --wait, and the masking of keys
 * in every output, which all share the options' state. */

#include <config.h>

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "command-line.h"
#include "db-ctl-base.h"
#include "fatal-signal.h"
#include "lib/ovn-vpn-nb-idl.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/json.h"
#include "openvswitch/poll-loop.h"
#include "openvswitch/shash.h"
#include "openvswitch/vlog.h"
#include "ovsdb-data.h"
#include "ovsdb-idl.h"
#include "packets.h"
#include "process.h"
#include "smap.h"
#include "sset.h"
#include "stream-ssl.h"
#include "stream.h"
#include "svec.h"
#include "table.h"
#include "timeval.h"
#include "util.h"
#include "vpn-catalog.h"
#include "vpn-dirs.h"
#include "vpn-nb.h"
#include "vpn-params.h"
#include "vpn-swan-conf.h"
#include "vpn-validate.h"
#include "vpnctl.h"

VLOG_DEFINE_THIS_MODULE(vpnctl);

/* --db: The database server to contact. */
static const char *db;

/* --oneline: Write each command's output as a single line? */
static bool oneline;

/* --dry-run: Do not commit any changes. */
static bool dry_run;

/* --show-secrets: print pre-shared keys.  Without it, every command's
 * output has them masked (mask_secrets()), generic ones (list, find, get)
 * included. */
bool vpnctl_show_secrets;

/* --timeout: Time to wait for a connection to 'db' (or for
 * vpn-tunnel-wait). */
static unsigned int timeout;

/* Format for table output; 'format_given' is true if --format was given,
 * otherwise the vpn-*-list commands print a table rather than the
 * generic commands' list format. */
static struct table_style table_style = TABLE_STYLE_DEFAULT;
static bool format_given;

/* --leader-only, --no-leader-only: Only accept the leader in a cluster. */
static int leader_only = true;

/* --wait: Wait for ovn-vpn-northd to act on the change?  The "sync" command
 * sets 'force_wait', to wait even if the transaction changes nothing. */
enum vpnctl_wait_type {
    VPNCTL_WAIT_NONE,           /* Do not wait. */
    VPNCTL_WAIT_SB,             /* Until ovn-vpn-northd has written SB. */
    VPNCTL_WAIT_HV,             /* Until the agents have applied it too. */
};
static enum vpnctl_wait_type wait_type = VPNCTL_WAIT_NONE;
static bool force_wait;

/* The value of the --psk option, where getopt found it in argv (inside
 * "--psk=KEY" or as the word after "--psk"), for masked_args(). */
static const char *psk_optarg;

/* The IDL and the current transaction, for vpnctl_exit() only. */
static struct ovsdb_idl *the_idl;
static struct ovsdb_idl_txn *the_idl_txn;
OVS_NO_RETURN static void vpnctl_exit(int status);

static void vpnctl_cmd_init(void);
static void pre_sync(struct ctl_context *);
OVS_NO_RETURN static void usage(void);
static void parse_options(int argc, char *argv[], struct shash *);
static char *masked_args(char *argv[]);
static void mask_secrets(struct ctl_command *, const struct sset *psks);
static void run_prerequisites(struct ctl_command[], size_t n_commands,
                              struct ovsdb_idl *);
static bool do_vpnctl(const char *args, struct ctl_command *, size_t n,
                      struct ovsdb_idl *);

int
main(int argc, char *argv[])
{
    struct ctl_command *commands;
    struct shash local_options;
    size_t n_commands;

    set_program_name(argv[0]);
    fatal_ignore_sigpipe();
    vlog_set_levels(NULL, VLF_CONSOLE, VLL_WARN);
    vlog_set_levels_from_string_assert("reconnect:warn");
    /* On a busy machine the OVS library warns that one iteration of the
     * main loop took over a second ("Unreasonably long ...ms poll
     * interval"): nothing that the user of a command can act on, and
     * noise in the stderr that scripts read for errors.  A log file still
     * gets it; -vtimeval:console:warn shows it again. */
    vlog_set_levels_from_string_assert("timeval:console:err");

    vpnctl_cmd_init();

    shash_init(&local_options);
    parse_options(argc, argv, &local_options);
    /* The command line, with secrets masked, for the log and the
     * transaction comment. */
    char *args = masked_args(argv);
    char *error = ctl_parse_commands(argc - optind, argv + optind,
                                     &local_options, &commands, &n_commands);
    if (error) {
        ctl_fatal("%s", error);
    }
    VLOG(ctl_might_write_to_db(commands, n_commands) ? VLL_INFO : VLL_DBG,
         "Called as %s", args);

    ctl_timeout_setup(timeout);

    struct ovsdb_idl *idl = the_idl
        = ovsdb_idl_create_unconnected(&nbrec_idl_class, false);
    ovsdb_idl_set_remote(idl, db, false);
    ovsdb_idl_set_db_change_aware(idl, false);
    ovsdb_idl_set_leader_only(idl, leader_only);
    run_prerequisites(commands, n_commands, idl);
    if (wait_type != VPNCTL_WAIT_NONE) {
        ovsdb_idl_add_column(idl, &nbrec_vpn_global_col_nb_cfg);
        ovsdb_idl_add_column(idl, &nbrec_vpn_global_col_sb_cfg);
        ovsdb_idl_add_column(idl, &nbrec_vpn_global_col_hv_cfg);
    }

    /* As in ovn-nbctl: there is no point in trying to commit more than
     * once for a given database sequence number. */
    unsigned int seqno = ovsdb_idl_get_seqno(idl);
    for (;;) {
        ovsdb_idl_run(idl);
        if (!ovsdb_idl_is_alive(idl)) {
            int retval = ovsdb_idl_get_last_error(idl);
            ctl_fatal("%s: database connection failed (%s)",
                      db, ovs_retval_to_string(retval));
        }

        if (seqno != ovsdb_idl_get_seqno(idl)) {
            seqno = ovsdb_idl_get_seqno(idl);
            if (do_vpnctl(args, commands, n_commands, idl)) {
                free(args);
                exit(EXIT_SUCCESS);
            }
        }

        if (seqno == ovsdb_idl_get_seqno(idl)) {
            ovsdb_idl_wait(idl);
            poll_block();
        }
    }
}

/* Returns true if generic command argument 'arg' ("COLUMN[:KEY]OP VALUE",
 * as in set, create, find or wait-until) may name column "psk": db-ctl
 * takes any case-insensitive abbreviation of a column name ("PSK", "Psk",
 * "ps", even "p" when no other column of the table starts so), so each of
 * those counts. */
static bool
names_psk_column(const char *arg)
{
    size_t len = strcspn(arg, "=!<>{:");
    return (len && len <= 3 && arg[len]
            && !strncasecmp(arg, "psk", len));
}

/* Replaces, in command 'c''s output, every value that is one of the
 * pre-shared keys in 'psks' by SECRET_MASK: a table's cells (list, find)
 * and whole lines of text (get).  A key is masked wherever it shows, in
 * whatever column: hiding a value that only equals a key hides nothing
 * else of use. */
static void
mask_secrets(struct ctl_command *c, const struct sset *psks)
{
    if (sset_is_empty(psks)) {
        return;
    }
    if (c->table) {
        size_t n = c->table->n_rows * c->table->n_columns;
        for (size_t i = 0; i < n; i++) {
            struct cell *cell = &c->table->cells[i];
            if (cell->json && cell->json->type == JSON_STRING
                && sset_contains(psks, json_string(cell->json))) {
                json_destroy(cell->json);
                cell->json = json_string_create(SECRET_MASK);
            }
            if (cell->text && sset_contains(psks, cell->text)) {
                free(cell->text);
                cell->text = xstrdup(SECRET_MASK);
            }
        }
    }

    struct ds masked = DS_EMPTY_INITIALIZER;
    bool changed = false;
    const char *p = ds_cstr(&c->output);
    while (*p) {
        size_t len = strcspn(p, "\n");
        char *line = xmemdup0(p, len);
        char *unquoted = (len >= 2 && line[0] == '"' && line[len - 1] == '"'
                          ? xmemdup0(line + 1, len - 2) : NULL);
        if (sset_contains(psks, line)
            || (unquoted && sset_contains(psks, unquoted))) {
            ds_put_cstr(&masked, SECRET_MASK);
            changed = true;
        } else {
            ds_put_buffer(&masked, p, len);
        }
        free(line);
        free(unquoted);
        p += len;
        if (*p == '\n') {
            ds_put_char(&masked, '\n');
            p++;
        }
    }
    if (changed) {
        ds_swap(&masked, &c->output);
    }
    ds_destroy(&masked);
}

/* Returns the command line with the pre-shared keys masked, so that no key
 * reaches a log or a transaction comment: the value of the --psk option
 * (however it was written: "--psk=KEY", "--psk KEY" or an abbreviation
 * such as "--ps=KEY", which getopt accepts), and the value in a generic
 * command's "psk=KEY" argument (set, create, find, wait-until).  Must be
 * called after parse_options(). */
static char *
masked_args(char *argv[])
{
    static const char mask[] = SECRET_MASK;
    size_t n = 0;
    while (argv[n]) {
        n++;
    }

    struct svec masked = SVEC_EMPTY_INITIALIZER;
    for (size_t i = 0; i < n; i++) {
        const char *arg = argv[i];
        size_t len = strlen(arg);
        if (psk_optarg && psk_optarg >= arg && psk_optarg <= arg + len) {
            svec_add_nocopy(&masked, xasprintf("%.*s%s",
                                               (int) (psk_optarg - arg), arg,
                                               mask));
        } else if ((int) i >= optind && names_psk_column(arg)) {
            size_t op = strcspn(arg, "=!<>{:");
            op += strspn(arg + op, "=!<>{}:");
            svec_add_nocopy(&masked, xasprintf("%.*s%s", (int) op, arg,
                                               mask));
        } else {
            svec_add(&masked, arg);
        }
    }
    svec_terminate(&masked);
    char *args = process_escape_args(masked.names);
    svec_destroy(&masked);
    return args;
}

static void
parse_options(int argc, char *argv[], struct shash *local_options)
{
    enum {
        OPT_DB = UCHAR_MAX + 1,
        OPT_ONELINE,
        OPT_NO_SYSLOG,
        OPT_DRY_RUN,
        OPT_SHOW_SECRETS,
        OPT_WAIT,
        OPT_NO_WAIT,
        OPT_LOCAL,
        OPT_COMMANDS,
        OPT_OPTIONS,
        OPT_BOOTSTRAP_CA_CERT,
        VLOG_OPTION_ENUMS,
        TABLE_OPTION_ENUMS,
        SSL_OPTION_ENUMS,
    };
    static const struct option global_long_options[] = {
        {"db", required_argument, NULL, OPT_DB},
        {"no-syslog", no_argument, NULL, OPT_NO_SYSLOG},
        {"dry-run", no_argument, NULL, OPT_DRY_RUN},
        {"show-secrets", no_argument, NULL, OPT_SHOW_SECRETS},
        {"wait", required_argument, NULL, OPT_WAIT},
        {"no-wait", no_argument, NULL, OPT_NO_WAIT},
        {"oneline", no_argument, NULL, OPT_ONELINE},
        {"timeout", required_argument, NULL, 't'},
        {"help", no_argument, NULL, 'h'},
        {"commands", no_argument, NULL, OPT_COMMANDS},
        {"options", no_argument, NULL, OPT_OPTIONS},
        {"leader-only", no_argument, &leader_only, true},
        {"no-leader-only", no_argument, &leader_only, false},
        {"version", no_argument, NULL, 'V'},
        VLOG_LONG_OPTIONS,
        STREAM_SSL_LONG_OPTIONS,
        {"bootstrap-ca-cert", required_argument, NULL, OPT_BOOTSTRAP_CA_CERT},
        TABLE_LONG_OPTIONS,
        {NULL, 0, NULL, 0},
    };
    const int n_global_long_options = ARRAY_SIZE(global_long_options) - 1;

    char *tmp = ovs_cmdl_long_options_to_short_options(global_long_options);
    char *short_options = xasprintf("+%s", tmp);
    free(tmp);

    /* Global options, then every command's own options (which come before
     * the command's name, as in ovn-nbctl). */
    struct option *options = xmemdup(global_long_options,
                                     sizeof global_long_options);
    size_t allocated_options = ARRAY_SIZE(global_long_options);
    size_t n_options = n_global_long_options;
    ctl_add_cmd_options(&options, &n_options, &allocated_options, OPT_LOCAL);

    for (;;) {
        int idx;
        int c = getopt_long(argc, argv, short_options, options, &idx);
        if (c == -1) {
            break;
        }

        switch (c) {
        case OPT_DB:
            db = optarg;
            break;

        case OPT_ONELINE:
            oneline = true;
            break;

        case OPT_NO_SYSLOG:
            vlog_set_levels(&this_module, VLF_SYSLOG, VLL_WARN);
            break;

        case OPT_DRY_RUN:
            dry_run = true;
            break;

        case OPT_SHOW_SECRETS:
            vpnctl_show_secrets = true;
            break;

        case OPT_WAIT:
            if (!strcmp(optarg, "none")) {
                wait_type = VPNCTL_WAIT_NONE;
            } else if (!strcmp(optarg, "sb")) {
                wait_type = VPNCTL_WAIT_SB;
            } else if (!strcmp(optarg, "hv")) {
                wait_type = VPNCTL_WAIT_HV;
            } else {
                ctl_fatal("argument to --wait must be \"none\", \"sb\" or "
                          "\"hv\"");
            }
            break;

        case OPT_NO_WAIT:
            wait_type = VPNCTL_WAIT_NONE;
            break;

        case OPT_LOCAL: {
            char *key = xasprintf("--%s", options[idx].name);
            if (shash_find(local_options, key)) {
                ctl_fatal("'%s' option specified multiple times", key);
            }
            if (!strcmp(options[idx].name, "psk")) {
                psk_optarg = optarg;
            }
            shash_add_nocopy(local_options, key, nullable_xstrdup(optarg));
            break;
        }

        case 'h':
            usage();

        case OPT_COMMANDS:
            ctl_print_commands();
            /* fall through */

        case OPT_OPTIONS:
            ctl_print_options(global_long_options);
            /* fall through */

        case 'V':
            vpn_print_version();
            printf("DB Schema %s\n", nbrec_get_db_version());
            exit(EXIT_SUCCESS);

        case 't':
            if (!str_to_uint(optarg, 10, &timeout) || !timeout) {
                ctl_fatal("value %s on -t or --timeout is invalid", optarg);
            }
            break;

        case 'f':
            format_given = true;
            table_parse_format(&table_style, optarg);
            break;

        VLOG_OPTION_HANDLERS
        STREAM_SSL_OPTION_HANDLERS

        case 'd':
            table_parse_cell_format(&table_style, optarg);
            break;

        case OPT_NO_HEADINGS:
            table_style.headings = false;
            break;

        case OPT_PRETTY:
            table_style.json_flags |= JSSF_PRETTY;
            break;

        case OPT_BARE:
            format_given = true;
            table_style.format = TF_LIST;
            table_style.cell_format = CF_BARE;
            table_style.headings = false;
            break;

        case OPT_MAX_COLUMN_WIDTH:
            table_style.max_column_width = atoi(optarg);
            break;

        case OPT_BOOTSTRAP_CA_CERT:
            stream_ssl_set_ca_cert_file(optarg, true);
            break;

        case '?':
            exit(EXIT_FAILURE);

        default:
            ovs_abort(0, "Internal error when parsing option %d.", c);

        case 0:
            break;
        }
    }
    free(short_options);

    if (!db) {
        db = vpn_default_nb_db();
    }

    for (size_t i = n_global_long_options; options[i].name; i++) {
        free(CONST_CAST(char *, options[i].name));
    }
    free(options);
}

/* Appends 'word' to 's', whose current line starts at '*line', wrapping
 * before column 79 with an indent of two spaces. */
static void
put_usage_word(struct ds *s, size_t *line, const char *word)
{
    if (s->length - *line + 1 + strlen(word) > 79) {
        ds_put_cstr(s, "\n ");
        *line = s->length - 1;
    }
    ds_put_format(s, " %s", word);
}

/* Returns, for usage(), the options of the settings of the catalog
 * (vpn-catalog.h), with the values each takes, by group. */
static char *
settings_usage(void)
{
    static const struct {
        const char *group;
        const char *extra[2];   /* Options that are no catalog setting. */
    } groups[] = {
        { "IKE", { "--local-id=IP|FQDN", "--peer-id=IP|FQDN" } },
        { "IPsec", { NULL, NULL } },
        { "Other", { "--comment=TEXT", NULL } },
    };
    struct ds s = DS_EMPTY_INITIALIZER;
    for (size_t i = 0; i < ARRAY_SIZE(groups); i++) {
        size_t line = s.length;
        ds_put_format(&s, "%s options:", groups[i].group);
        for (size_t j = 0; j < vpn_n_settings; j++) {
            const struct vpn_setting *setting = &vpn_settings[j];
            if (strcmp(setting->group, groups[i].group)) {
                continue;
            }
            struct ds word = DS_EMPTY_INITIALIZER;
            ds_put_format(&word, "%s=", setting->option);
            vpn_catalog_put_values(setting, "|", &word);
            if (setting->esp_only) {
                ds_put_cstr(&word, "|none");
            }
            put_usage_word(&s, &line, ds_cstr(&word));
            ds_destroy(&word);
        }
        for (size_t j = 0; j < ARRAY_SIZE(groups[i].extra); j++) {
            if (groups[i].extra[j]) {
                put_usage_word(&s, &line, groups[i].extra[j]);
            }
        }
        ds_put_char(&s, '\n');
    }
    return ds_steal_cstr(&s);
}

static void
usage(void)
{
    char *settings = settings_usage();
    printf("%s: OVN VPN management utility\n"
           "\n"
           "usage: %s [OPTIONS] COMMAND [ARG...]\n"
           "\n"
           "Command options come before the command's name, as in ovn-nbctl.\n"
           "\n"
           "VPN gateway commands:\n"
           "  [--may-exist] [--internal-ip=IP] [--chassis=CH[:PRIO],...]"
           " [--comment=TEXT]\n"
           "  vpn-gateway-add NAME ROUTER SWITCH PUBLIC_IP\n"
           "                              create a VPN gateway in VPC ROUTER"
           " on SWITCH\n"
           "  [--if-exists] vpn-gateway-del NAME...\n"
           "                              delete gateways (refused while"
           " tunnels use them)\n"
           "  vpn-gateway-list            list gateways\n"
           "  vpn-gateway-show [NAME]     show one or every gateway\n"
           "  [--name=NEW] [--comment=TEXT] [--chassis=CH[:PRIO],...]"
           " [--internal-ip=IP]\n"
           "  vpn-gateway-set NAME        change a gateway\n"
           "\n"
           "Peer gateway commands:\n"
           "  [--may-exist] [--comment=TEXT] vpn-peer-add NAME IP\n"
           "                              create a peer gateway (IP 0.0.0.0:"
           " any address)\n"
           "  [--if-exists] vpn-peer-del NAME...\n"
           "                              delete peers (refused while tunnels"
           " use them)\n"
           "  vpn-peer-list               list peer gateways\n"
           "  [--name=NEW] [--ip=IP] [--comment=TEXT] vpn-peer-set NAME\n"
           "                              change a peer gateway\n"
           "\n"
           "Tunnel commands:\n"
           "  --local-cidrs=CIDR,... --peer-cidrs=CIDR,..."
           " --psk-file=FILE|--psk=KEY\n"
           "  [IKE OPTIONS] [IPSEC OPTIONS] [OTHER OPTIONS] [--may-exist]\n"
           "  vpn-tunnel-add NAME GATEWAY PEER\n"
           "                              create a tunnel (defaults as"
           " documented)\n"
           "  [--if-exists] vpn-tunnel-del NAME...\n"
           "                              delete tunnels\n"
           "  vpn-tunnel-list             list tunnels with their status\n"
           "  [--show-secrets] vpn-tunnel-show NAME\n"
           "                              show every setting, status and"
           " counter\n"
           "  vpn-tunnel-log NAME         show the last connection events\n"
           "  [--local-cidrs=CIDR,...] [--peer-cidrs=CIDR,...]"
           " vpn-tunnel-set-cidrs NAME\n"
           "  [IKE OPTIONS] vpn-tunnel-set-ike NAME\n"
           "  [IPSEC OPTIONS] vpn-tunnel-set-ipsec NAME\n"
           "  [--name=NEW] [--comment=TEXT] [--psk=KEY|--psk-file=FILE]"
           " [OTHER OPTIONS]\n"
           "  vpn-tunnel-set NAME         change a tunnel\n"
           "  [--peer-view] [--config-format=libreswan|strongswan]"
           " [--show-secrets]\n"
           "  vpn-tunnel-config NAME      print the tunnel's configuration,"
           " from this\n"
           "                              platform's view or the remote"
           " device's\n"
           "  vpn-tunnel-wait NAME STATE  wait (see --timeout) until the"
           " tunnel's\n"
           "                              connection is STATE (connecting,"
           " connected,\n"
           "                              phase1-failed, phase2-failed)\n"
           "\n"
           "Synchronization command (use with --wait=sb or --wait=hv):\n"
           "  sync                        wait until ovn-vpn-northd has acted"
           " on\n"
           "                              earlier changes\n"
           "\n"
           "%s"
           "\n"
           "--psk=KEY puts the key on the command line, where other users of"
           " the\n"
           "machine can see it; prefer --psk-file=FILE (FILE \"-\" reads"
           " stdin).\n"
           "\n"
           "%s"
           "%s"
           "\n"
           "Options:\n"
           "  --db=DATABASE               connect to DATABASE\n"
           "                              (default: %s)\n"
           "  --no-leader-only            accept any cluster member, not just"
           " the leader\n"
           "  -t, --timeout=SECS          wait at most SECS seconds\n"
           "  --dry-run                   do not commit changes to database\n"
           "  --wait=none|sb|hv           wait (or not) for ovn-vpn-northd to"
           " act\n"
           "                              on the change (sb), and for the"
           " agents\n"
           "                              to apply it (hv) (default: none)\n"
           "  --no-wait                   same as --wait=none\n"
           "  --oneline                   print exactly one line of output"
           " per command\n",
           program_name, program_name, settings,
           ctl_get_db_cmd_usage(),
           ctl_list_db_tables_usage(), vpn_default_nb_db());
    free(settings);
    table_usage();
    vlog_usage();
    printf("  --no-syslog             equivalent to"
           " --verbose=vpnctl:syslog:warn\n");
    printf("\n"
           "Other options:\n"
           "  -h, --help                  display this help message\n"
           "  -V, --version               display version information\n");
    stream_usage("database", true, true, true);
    exit(EXIT_SUCCESS);
}

/* Tables shown by "show": every tunnel, with its gateway and peer. */
static struct cmd_show_table cmd_show_tables[] = {
    {&nbrec_table_vpn_tunnel,
     &nbrec_vpn_tunnel_col_name,
     {&nbrec_vpn_tunnel_col_gateway, &nbrec_vpn_tunnel_col_peer,
      &nbrec_vpn_tunnel_col_status},
     {NULL, NULL, NULL}},

    {&nbrec_table_vpn_gateway,
     &nbrec_vpn_gateway_col_name,
     {&nbrec_vpn_gateway_col_public_ip, &nbrec_vpn_gateway_col_chassis,
      &nbrec_vpn_gateway_col_status},
     {NULL, NULL, NULL}},

    {&nbrec_table_vpn_peer,
     &nbrec_vpn_peer_col_name,
     {&nbrec_vpn_peer_col_ip, NULL, NULL},
     {NULL, NULL, NULL}},

    {NULL, NULL, {NULL, NULL, NULL}, {NULL, NULL, NULL}},
};

/* Lookup of rows by name for the generic commands. */
static const struct ctl_table_class tables[NBREC_N_TABLES] = {
    [NBREC_TABLE_VPN_GATEWAY].row_ids[0]
    = {&nbrec_vpn_gateway_col_name, NULL, NULL},
    [NBREC_TABLE_VPN_PEER].row_ids[0]
    = {&nbrec_vpn_peer_col_name, NULL, NULL},
    [NBREC_TABLE_VPN_TUNNEL].row_ids[0]
    = {&nbrec_vpn_tunnel_col_name, NULL, NULL},
    [NBREC_TABLE_LOGICAL_SWITCH].row_ids[0]
    = {&nbrec_logical_switch_col_name, NULL, NULL},
    [NBREC_TABLE_LOGICAL_SWITCH_PORT].row_ids[0]
    = {&nbrec_logical_switch_port_col_name, NULL, NULL},
    [NBREC_TABLE_LOGICAL_ROUTER].row_ids[0]
    = {&nbrec_logical_router_col_name, NULL, NULL},
    [NBREC_TABLE_LOGICAL_ROUTER_PORT].row_ids[0]
    = {&nbrec_logical_router_port_col_name, NULL, NULL},
    [NBREC_TABLE_ADDRESS_SET].row_ids[0]
    = {&nbrec_address_set_col_name, NULL, NULL},
    [NBREC_TABLE_NAT].row_ids[0]
    = {&nbrec_nat_col_external_ip, NULL, NULL},
};

/* Prerequisites. */

/* Monitors what the vpn-* commands and the shared checks read: the VPN
 * tables whole, and the stock columns that describe VPCs, subnets,
 * addresses and NAT. */
static void
add_all_columns(struct ovsdb_idl *idl, const struct ovsdb_idl_table_class *tc)
{
    for (size_t i = 0; i < tc->n_columns; i++) {
        ovsdb_idl_add_column(idl, &tc->columns[i]);
    }
}

static void
pre_vpn(struct ctl_context *ctx)
{
    add_all_columns(ctx->idl, &nbrec_table_vpn_gateway);
    add_all_columns(ctx->idl, &nbrec_table_vpn_peer);
    add_all_columns(ctx->idl, &nbrec_table_vpn_tunnel);

    ovsdb_idl_add_column(ctx->idl, &nbrec_logical_router_col_name);
    ovsdb_idl_add_column(ctx->idl, &nbrec_logical_router_col_ports);
    ovsdb_idl_add_column(ctx->idl, &nbrec_logical_router_col_nat);
    ovsdb_idl_add_column(ctx->idl, &nbrec_logical_router_port_col_name);
    ovsdb_idl_add_column(ctx->idl, &nbrec_logical_router_port_col_networks);
    ovsdb_idl_add_column(ctx->idl, &nbrec_logical_switch_col_name);
    ovsdb_idl_add_column(ctx->idl, &nbrec_logical_switch_col_ports);
    ovsdb_idl_add_column(ctx->idl, &nbrec_logical_switch_port_col_name);
    ovsdb_idl_add_column(ctx->idl, &nbrec_logical_switch_port_col_type);
    ovsdb_idl_add_column(ctx->idl, &nbrec_logical_switch_port_col_options);
    ovsdb_idl_add_column(ctx->idl,
                         &nbrec_logical_switch_port_col_addresses);
    ovsdb_idl_add_column(ctx->idl,
                         &nbrec_logical_switch_port_col_external_ids);
    ovsdb_idl_add_column(ctx->idl, &nbrec_nat_col_external_ip);
    ovsdb_idl_add_column(ctx->idl, &nbrec_nat_col_logical_ip);
    ovsdb_idl_add_column(ctx->idl, &nbrec_nat_col_type);
    ovsdb_idl_add_column(ctx->idl, &nbrec_nat_col_external_ids);
}

/* db-ctl-base framework, as in ovn-ic-nbctl. */

static void
vpnctl_context_init(struct ctl_context *ctx, struct ctl_command *command,
                    struct ovsdb_idl *idl, struct ovsdb_idl_txn *txn,
                    struct ovsdb_symbol_table *symtab)
{
    ctl_context_init(ctx, command, idl, txn, symtab, NULL);
}

static void
run_prerequisites(struct ctl_command *commands, size_t n_commands,
                  struct ovsdb_idl *idl)
{
    for (struct ctl_command *c = commands; c < &commands[n_commands]; c++) {
        if (c->syntax->prerequisites) {
            struct ctl_context ctx;

            ds_init(&c->output);
            c->table = NULL;
            vpnctl_context_init(&ctx, c, idl, NULL, NULL);
            (c->syntax->prerequisites)(&ctx);
            if (ctx.error) {
                ctl_fatal("%s", ctx.error);
            }
            ctl_context_done(&ctx, c);

            ovs_assert(!c->output.string);
            ovs_assert(!c->table);
        }
    }
}

static bool
is_vpn_list_command(const struct ctl_command *c)
{
    const char *name = c->syntax->name;
    return !strncmp(name, "vpn-", 4) && strstr(name, "-list");
}

/* Returns true if 'error', a failed transaction's error as
 * ovsdb_idl_txn_get_error() gives it, says that the transaction conflicted
 * with rows that this client had not seen: a name already taken (an index)
 * or a row that is gone (a reference).
 *
 * In a cluster this happens without any other writer.  A transaction whose
 * reply was lost with the leader that took it may still be committed by the
 * next leader; the client's rerun of the same commands then meets the rows
 * of its own first try. */
static bool
txn_error_is_conflict(const char *error)
{
    struct json *json = json_from_string(error);
    const struct json *tag = (json->type == JSON_OBJECT
                              ? shash_find_data(json_object(json), "error")
                              : NULL);
    bool conflict = (tag && tag->type == JSON_STRING
                     && (!strcmp(tag->string, "constraint violation")
                         || !strcmp(tag->string,
                                    "referential integrity violation")));
    json_destroy(json);
    return conflict;
}

static bool
do_vpnctl(const char *args, struct ctl_command *commands, size_t n_commands,
          struct ovsdb_idl *idl)
{
    struct ctl_command *c;
    unsigned int seqno = ovsdb_idl_get_seqno(idl);

    struct ovsdb_idl_txn *txn = the_idl_txn = ovsdb_idl_txn_create(idl);
    if (dry_run) {
        ovsdb_idl_txn_set_dry_run(txn);
    }
    ovsdb_idl_txn_add_comment(txn, "ovn-vpnctl: %s", args);

    struct ovsdb_symbol_table *symtab = ovsdb_symbol_table_create();
    for (c = commands; c < &commands[n_commands]; c++) {
        ds_init(&c->output);
        c->table = NULL;
    }

    /* As ovn-nbctl does with NB_Global's nb_cfg: the counter goes up in
     * the same transaction as the change, if there is one (or always,
     * for "sync"), and ovn-vpn-northd copies it to sb_cfg once it has
     * acted on what the database held then. */
    if (wait_type != VPNCTL_WAIT_NONE && !dry_run) {
        const struct nbrec_vpn_global *g = nbrec_vpn_global_first(idl);
        if (!g) {
            g = nbrec_vpn_global_insert(txn);
        }
        nbrec_vpn_global_verify_nb_cfg(g);
        ovsdb_idl_txn_increment(txn, &g->header_,
                                &nbrec_vpn_global_col_nb_cfg, force_wait);
    }

    struct ctl_context ctx;
    vpnctl_context_init(&ctx, NULL, idl, txn, symtab);
    for (c = commands; c < &commands[n_commands]; c++) {
        ctl_context_init_command(&ctx, c, c == &commands[n_commands - 1]);
        if (c->syntax->run) {
            (c->syntax->run)(&ctx);
        }
        if (ctx.error) {
            ctl_fatal("%s", ctx.error);
        }
        ctl_context_done_command(&ctx, c);

        if (ctx.try_again) {
            ctl_context_done(&ctx, NULL);
            goto try_again;
        }
    }
    if (!vpnctl_check_pending(&ctx)) {
        ctl_fatal("%s", ctx.error);
    }
    ctl_context_done(&ctx, NULL);

    struct shash_node *node;
    SHASH_FOR_EACH (node, &symtab->sh) {
        struct ovsdb_symbol *symbol = node->data;
        if (!symbol->created) {
            ctl_fatal("row id \"%s\" is referenced but never created (e.g. "
                      "with \"-- --id=%s create ...\")",
                      node->name, node->name);
        }
        if (!symbol->strong_ref) {
            if (!symbol->weak_ref) {
                VLOG_WARN("row id \"%s\" was created but no reference to it "
                          "was inserted, so it will not actually appear in "
                          "the database", node->name);
            } else {
                VLOG_WARN("row id \"%s\" was created but only a weak "
                          "reference to it was inserted, so it will not "
                          "actually appear in the database", node->name);
            }
        }
    }

    enum ovsdb_idl_txn_status status = ovsdb_idl_txn_commit_block(txn);
    if (status == TXN_UNCHANGED || status == TXN_SUCCESS) {
        for (c = commands; c < &commands[n_commands]; c++) {
            if (c->syntax->postprocess) {
                vpnctl_context_init(&ctx, c, idl, txn, symtab);
                (c->syntax->postprocess)(&ctx);
                if (ctx.error) {
                    ctl_fatal("%s", ctx.error);
                }
                ctl_context_done(&ctx, c);
            }
        }
    }

    switch (status) {
    case TXN_UNCOMMITTED:
    case TXN_INCOMPLETE:
        OVS_NOT_REACHED();

    case TXN_ABORTED:
        /* Should not happen--we never call ovsdb_idl_txn_abort(). */
        ctl_fatal("transaction aborted");

    case TXN_UNCHANGED:
    case TXN_SUCCESS:
        break;

    case TXN_TRY_AGAIN:
        goto try_again;

    case TXN_ERROR:
        /* A conflict with rows that reached this client only with the
         * error (the server sends updates before replies) is no error of
         * the commands: they are rerun against what the database now
         * holds, where they either succeed (--may-exist, --if-exists) or
         * fail with their own message.  Each rerun needs news, so this
         * cannot loop. */
        if (seqno != ovsdb_idl_get_seqno(idl)
            && txn_error_is_conflict(ovsdb_idl_txn_get_error(txn))) {
            VLOG_INFO("transaction conflicted with rows not yet seen, "
                      "rerunning: %s", ovsdb_idl_txn_get_error(txn));
            goto try_again;
        }
        ctl_fatal("transaction error: %s", ovsdb_idl_txn_get_error(txn));

    case TXN_NOT_LOCKED:
        /* Should not happen--we never call ovsdb_idl_set_lock(). */
        ctl_fatal("database not locked");

    default:
        OVS_NOT_REACHED();
    }

    ovsdb_symbol_table_destroy(symtab);

    int64_t next_cfg = 0;
    if (wait_type != VPNCTL_WAIT_NONE && status == TXN_SUCCESS) {
        next_cfg = ovsdb_idl_txn_get_increment_new_value(txn);
    }

    struct sset psks = SSET_INITIALIZER(&psks);
    if (!vpnctl_show_secrets) {
        const struct nbrec_vpn_tunnel *t;
        NBREC_VPN_TUNNEL_FOR_EACH (t, idl) {
            if (t->psk && t->psk[0]) {
                sset_add(&psks, t->psk);
            }
        }
        /* The translator's commitment secret is masked as keys are. */
        const struct nbrec_vpn_global *g = nbrec_vpn_global_first(idl);
        if (g && g->seal_secret && g->seal_secret[0]) {
            sset_add(&psks, g->seal_secret);
        }
    }
    for (c = commands; c < &commands[n_commands]; c++) {
        struct ds *ds = &c->output;

        mask_secrets(c, &psks);
        if (c->table) {
            struct table_style style = table_style;
            if (!format_given && is_vpn_list_command(c)) {
                style.format = TF_TABLE;
            }
            table_print(c->table, &style);
        } else if (oneline) {
            ds_chomp(ds, '\n');
            for (size_t j = 0; j < ds->length; j++) {
                int ch = ds->string[j];
                switch (ch) {
                case '\n':
                    fputs("\\n", stdout);
                    break;

                case '\\':
                    fputs("\\\\", stdout);
                    break;

                default:
                    putchar(ch);
                }
            }
            putchar('\n');
        } else {
            fputs(ds_cstr(ds), stdout);
        }
        ds_destroy(&c->output);
        table_destroy(c->table);
        free(c->table);

        shash_destroy_free_data(&c->options);
    }
    sset_destroy(&psks);
    free(commands);
    ovsdb_idl_txn_destroy(txn);
    the_idl_txn = NULL;

    /* --wait: until ovn-vpn-northd has acted on the change, and with
     * --wait=hv until every agent that hosts a gateway has applied it
     * (--timeout bounds it).  A reconnection, to another member of a
     * cluster say, changes nothing: sb_cfg and hv_cfg only grow. */
    if (next_cfg > 0) {
        ovsdb_idl_enable_reconnect(idl);
        for (;;) {
            ovsdb_idl_run(idl);
            const struct nbrec_vpn_global *g = nbrec_vpn_global_first(idl);
            if (g && (wait_type == VPNCTL_WAIT_HV ? g->hv_cfg : g->sb_cfg)
                     >= next_cfg) {
                break;
            }
            ovsdb_idl_wait(idl);
            poll_block();
        }
    }
    ovsdb_idl_destroy(idl);

    return true;

try_again:
    /* Our transaction needs to be rerun, or a prerequisite was not met.  Free
     * resources and return so that the caller can try again. */
    vpnctl_forget_pending();
    ovsdb_idl_txn_abort(txn);
    ovsdb_idl_txn_destroy(txn);
    the_idl_txn = NULL;

    ovsdb_symbol_table_destroy(symtab);
    for (c = commands; c < &commands[n_commands]; c++) {
        ds_destroy(&c->output);
        table_destroy(c->table);
        free(c->table);
    }
    return false;
}

/* Frees the current transaction and the underlying IDL and then calls
 * exit(status). */
static void
vpnctl_exit(int status)
{
    if (the_idl_txn) {
        ovsdb_idl_txn_abort(the_idl_txn);
        ovsdb_idl_txn_destroy(the_idl_txn);
    }
    ovsdb_idl_destroy(the_idl);
    exit(status);
}

#define TUNNEL_CIDR_OPTIONS "--local-cidrs=,--peer-cidrs="

/* The tunnel commands' options (NULL in the table below) are the catalog's
 * settings' options of some groups (lib/vpn-catalog) and a few of their
 * own: vpnctl_cmd_init() fills them in. */
static const struct {
    const char *command;
    const char *own;            /* Options that are no catalog setting. */
    const char *groups[3];      /* The catalog's groups it takes. */
} tunnel_options[] = {
    {"vpn-tunnel-add",
     "--may-exist," TUNNEL_CIDR_OPTIONS ",--local-id=,--peer-id=,"
     "--comment=,--psk=,--psk-file=", {"IKE", "IPsec", "Other"}},
    {"vpn-tunnel-set-ike", "--local-id=,--peer-id=", {"IKE"}},
    {"vpn-tunnel-set-ipsec", "", {"IPsec"}},
    {"vpn-tunnel-set", "--name=,--comment=,--psk=,--psk-file=", {"Other"}},
};

static struct ctl_command_syntax vpnctl_commands[] = {
    /* Gateways. */
    {"vpn-gateway-add", 4, 4, "NAME ROUTER SWITCH PUBLIC_IP", pre_vpn,
     cmd_vpn_gateway_add, NULL,
     "--may-exist,--internal-ip=,--chassis=,--comment=", RW},
    {"vpn-gateway-del", 1, INT_MAX, "NAME...", pre_vpn, cmd_vpn_gateway_del,
     NULL, "--if-exists", RW},
    {"vpn-gateway-list", 0, 0, "", pre_vpn, cmd_vpn_gateway_list, NULL, "",
     RO},
    {"vpn-gateway-show", 0, 1, "[NAME]", pre_vpn, cmd_vpn_gateway_show, NULL,
     "", RO},
    {"vpn-gateway-set", 1, 1, "NAME", pre_vpn, cmd_vpn_gateway_set, NULL,
     "--name=,--comment=,--chassis=,--internal-ip=", RW},

    /* Peer gateways. */
    {"vpn-peer-add", 2, 2, "NAME IP", pre_vpn, cmd_vpn_peer_add, NULL,
     "--may-exist,--comment=", RW},
    {"vpn-peer-del", 1, INT_MAX, "NAME...", pre_vpn, cmd_vpn_peer_del, NULL,
     "--if-exists", RW},
    {"vpn-peer-list", 0, 0, "", pre_vpn, cmd_vpn_peer_list, NULL, "", RO},
    {"vpn-peer-set", 1, 1, "NAME", pre_vpn, cmd_vpn_peer_set, NULL,
     "--name=,--ip=,--comment=", RW},

    /* Tunnels. */
    {"vpn-tunnel-add", 3, 3, "NAME GATEWAY PEER", pre_vpn,
     cmd_vpn_tunnel_add, NULL, NULL, RW},
    {"vpn-tunnel-del", 1, INT_MAX, "NAME...", pre_vpn, cmd_vpn_tunnel_del,
     NULL, "--if-exists", RW},
    {"vpn-tunnel-list", 0, 0, "", pre_vpn, cmd_vpn_tunnel_list, NULL, "",
     RO},
    {"vpn-tunnel-show", 1, 1, "NAME", pre_vpn, cmd_vpn_tunnel_show, NULL,
     "", RO},
    {"vpn-tunnel-log", 1, 1, "NAME", pre_vpn, cmd_vpn_tunnel_log, NULL, "",
     RO},
    {"vpn-tunnel-set-cidrs", 1, 1, "NAME", pre_vpn, cmd_vpn_tunnel_set_cidrs,
     NULL, TUNNEL_CIDR_OPTIONS, RW},
    {"vpn-tunnel-set-ike", 1, 1, "NAME", pre_vpn, cmd_vpn_tunnel_set_ike,
     NULL, NULL, RW},
    {"vpn-tunnel-set-ipsec", 1, 1, "NAME", pre_vpn, cmd_vpn_tunnel_set_ipsec,
     NULL, NULL, RW},
    {"vpn-tunnel-set", 1, 1, "NAME", pre_vpn, cmd_vpn_tunnel_set, NULL, NULL,
     RW},
    {"vpn-tunnel-config", 1, 1, "NAME", pre_vpn, cmd_vpn_tunnel_config, NULL,
     "--peer-view,--config-format=", RO},
    {"vpn-tunnel-wait", 2, 2, "NAME STATE", pre_vpn, cmd_vpn_tunnel_wait,
     NULL, "", RO},

    /* Synchronization. */
    {"sync", 0, 0, "", pre_sync, NULL, NULL, "", RO},

    {NULL, 0, 0, NULL, NULL, NULL, NULL, NULL, RO},
};

/* "sync": changes nothing, but with --wait waits all the same, for
 * ovn-vpn-northd to act on what the database holds now.  As in ovn-nbctl,
 * this is known before the transaction is built. */
static void
pre_sync(struct ctl_context *ctx OVS_UNUSED)
{
    force_wait = true;
}

/* Registers the vpn-* commands, their options from the catalog (see
 * 'tunnel_options'), and the generic database commands. */
static void
vpnctl_cmd_init(void)
{
    for (size_t i = 0; i < ARRAY_SIZE(tunnel_options); i++) {
        struct ds options = DS_EMPTY_INITIALIZER;
        ds_put_cstr(&options, tunnel_options[i].own);
        for (size_t j = 0; j < ARRAY_SIZE(tunnel_options[i].groups); j++) {
            const char *group = tunnel_options[i].groups[j];
            for (size_t k = 0; group && k < vpn_n_settings; k++) {
                if (!strcmp(vpn_settings[k].group, group)) {
                    ds_put_format(&options, "%s%s=",
                                  options.length ? "," : "",
                                  vpn_settings[k].option);
                }
            }
        }

        struct ctl_command_syntax *c;
        for (c = vpnctl_commands; c->name; c++) {
            if (!strcmp(c->name, tunnel_options[i].command)) {
                /* The table keeps it for the program's life. */
                c->options = ds_steal_cstr(&options);
            }
        }
        ovs_assert(!options.string);
    }

    ctl_init(&nbrec_idl_class, nbrec_table_classes, tables, cmd_show_tables,
             vpnctl_exit);
    ctl_register_commands(vpnctl_commands);
}
