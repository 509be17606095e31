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

/* test-vpn-swan-status: drives lib/vpn-swan-status on saved libreswan
 * output and prints the results in a stable text form.
 *
 *   status [--expect NAME=N]... [--log FILE]... [--sas] FILE...
 *       Parses the whack outputs FILE... into one status, follows the
 *       pluto logs given with --log, and prints one line per tunnel
 *       (those in the status, in the logs or named by --expect), sorted:
 *         NAME: STATE reason=R ike=#N/STATE children=UP/EXPECTED
 *               bytes=IN/OUT [loaded=yes|no] [detail="..."]
 *       NAME is expected to have N Child SAs (default 1).  --sas adds one
 *       indented line per SA.
 *   log FILE          Prints every event that FILE's lines give.
 *   track [--chunk N] FILE
 *       Feeds FILE to a tracker N bytes at a time (0: line by line) and
 *       prints each tunnel's last uncured failure.
 *   bench FILE [N]    Parses FILE N times (default 100) and prints the
 *                     tunnel count and the time per parse.
 *   base CONN...      Prints the base name of each CONN.
 *   strings           Prints every state and reason string, checking that
 *                     each one parses back.
 *   swanctl-classify FILE...
 *                     Prints "FILE: STATE REASON" for each output of a
 *                     failed "swanctl --initiate" (strongswan).
 *   swanctl-sas FILE  Prints "ike NAME" for each established IKE SA of a
 *                     "swanctl --list-sas --raw" output, then "child NAME"
 *                     for each installed Child SA, sorted. */

#include <config.h>

#include "vpn-swan-status.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "openvswitch/dynamic-string.h"
#include "openvswitch/shash.h"
#include "openvswitch/util.h"
#include "sset.h"
#include "timeval.h"
#include "util.h"

static char *read_file(const char *name);
static void print_sas(const struct swan_status_tunnel *);

static void
usage(void)
{
    ovs_fatal(0, "usage: test-vpn-swan-status status|log|track|bench|base|"
              "strings ... (see the source)");
}

static void
print_tunnel(const struct swan_status *st, const char *name,
             size_t n_expected, const struct swan_status_event *failure,
             bool sas)
{
    const struct swan_status_tunnel *t = swan_status_find(st, name);
    enum swan_reason reason;
    enum swan_conn_state state = swan_status_classify(t, n_expected, failure,
                                                      &reason);
    struct ds s = DS_EMPTY_INITIALIZER;

    ds_put_format(&s, "%s: %s reason=%s", name,
                  swan_status_state_to_string(state),
                  swan_status_reason_to_string(reason));
    if (t && t->ike) {
        ds_put_format(&s, " ike=#%lu/%s", t->ike->serial, t->ike->state);
    } else {
        ds_put_cstr(&s, " ike=none");
    }
    ds_put_format(&s, " children=%"PRIuSIZE"/%"PRIuSIZE,
                  t ? sset_count(&t->up_conns) : 0, n_expected);
    if (t && t->have_bytes) {
        ds_put_format(&s, " bytes=%"PRIu64"/%"PRIu64,
                      t->in_bytes, t->out_bytes);
    } else {
        ds_put_cstr(&s, " bytes=n/a");
    }
    if (st->have_conn_list) {
        ds_put_format(&s, " loaded=%s", t && t->loaded ? "yes" : "no");
    }
    if (reason != SWAN_REASON_NONE) {
        ds_put_format(&s, " detail=\"%s\"", failure->detail);
    }
    puts(ds_cstr(&s));
    ds_destroy(&s);

    if (sas && t) {
        print_sas(t);
    }
}

static void
print_sas(const struct swan_status_tunnel *t)
{
    const struct swan_status_sa *sa;

    LIST_FOR_EACH (sa, list_node, &t->sas) {
        struct ds s = DS_EMPTY_INITIALIZER;

        ds_put_format(&s, "  #%lu %s %s %s%s", sa->serial, sa->conn,
                      sa->ike ? "ike" : "child",
                      sa->state ? sa->state : "-",
                      sa->established ? " up" : "");
        if (sa->newest) {
            ds_put_cstr(&s, " newest");
        }
        if (sa->ike_serial) {
            ds_put_format(&s, " parent=#%lu", sa->ike_serial);
        }
        if (sa->have_bytes) {
            ds_put_format(&s, " bytes=%"PRIu64"/%"PRIu64,
                          sa->in_bytes, sa->out_bytes);
        }
        puts(ds_cstr(&s));
        ds_destroy(&s);
    }
}

static void
feed_file(struct swan_status_log *log, const char *file, size_t chunk)
{
    char *text = read_file(file);
    size_t len = strlen(text);

    if (!chunk) {
        char *save_ptr = NULL;
        for (char *line = strtok_r(text, "\n", &save_ptr); line;
             line = strtok_r(NULL, "\n", &save_ptr)) {
            swan_status_log_feed_line(log, line);
        }
    } else {
        for (size_t ofs = 0; ofs < len; ofs += chunk) {
            swan_status_log_feed(log, text + ofs, MIN(chunk, len - ofs));
        }
    }
    free(text);
}

static void
do_status(int argc, char *argv[])
{
    struct swan_status st;
    struct swan_status_log log;
    struct shash expect = SHASH_INITIALIZER(&expect);
    struct sset names = SSET_INITIALIZER(&names);
    bool sas = false;

    swan_status_init(&st);
    swan_status_log_init(&log);
    for (int i = 0; i < argc; i++) {
        if (!strcmp(argv[i], "--expect") && i + 1 < argc) {
            char *name = xstrdup(argv[++i]);
            char *eq = strchr(name, '=');
            int n;

            if (!eq || !str_to_int(eq + 1, 10, &n) || n < 0) {
                ovs_fatal(0, "--expect %s: expected NAME=N", name);
            }
            *eq = '\0';
            shash_replace(&expect, name, (void *) (intptr_t) n);
            sset_add(&names, name);
            free(name);
        } else if (!strcmp(argv[i], "--log") && i + 1 < argc) {
            feed_file(&log, argv[++i], 0);
        } else if (!strcmp(argv[i], "--sas")) {
            sas = true;
        } else {
            char *text = read_file(argv[i]);
            swan_status_parse(&st, text);
            free(text);
        }
    }

    struct shash_node *node;
    SHASH_FOR_EACH (node, &st.tunnels) {
        sset_add(&names, node->name);
    }
    SHASH_FOR_EACH (node, &log.tunnels) {
        if (swan_status_log_last_failure(&log, node->name)) {
            sset_add(&names, node->name);
        }
    }

    const char **sorted = sset_sort(&names);
    for (size_t i = 0; i < sset_count(&names); i++) {
        void *n = shash_find_data(&expect, sorted[i]);
        print_tunnel(&st, sorted[i], n ? (intptr_t) n : 1,
                     swan_status_log_last_failure(&log, sorted[i]), sas);
    }
    free(sorted);

    sset_destroy(&names);
    shash_destroy(&expect);
    swan_status_log_destroy(&log);
    swan_status_destroy(&st);
}

static void
do_log(const char *file)
{
    char *text = read_file(file);
    char *save_ptr = NULL;

    for (char *line = strtok_r(text, "\n", &save_ptr); line;
         line = strtok_r(NULL, "\n", &save_ptr)) {
        struct swan_status_event ev;

        if (!swan_status_parse_log_line(line, &ev)) {
            continue;
        }

        struct ds s = DS_EMPTY_INITIALIZER;
        if (ev.type == SWAN_EVENT_RESTART) {
            puts("pluto restart");
            continue;
        }
        ds_put_cstr(&s, ev.conn);
        if (strcmp(ev.conn, ev.tunnel)) {
            ds_put_format(&s, " (%s)", ev.tunnel);
        }
        if (ev.serial) {
            ds_put_format(&s, " #%lu", ev.serial);
        }
        ds_put_cstr(&s, ": ");
        switch (ev.type) {
        case SWAN_EVENT_FAILURE:
            ds_put_format(&s, "phase%d %s%s%s \"%s\"", ev.phase,
                          swan_status_reason_to_string(ev.reason),
                          ev.weak ? " weak" : "",
                          ev.phase_guessed ? " guessed" : "", ev.detail);
            break;
        case SWAN_EVENT_IKE_UP:
            ds_put_cstr(&s, "ike-up");
            break;
        case SWAN_EVENT_CHILD_UP:
            ds_put_cstr(&s, "child-up");
            break;
        case SWAN_EVENT_CONN_ADDED:
            ds_put_cstr(&s, "added");
            break;
        case SWAN_EVENT_RESTART:
        default:
            OVS_NOT_REACHED();
        }
        puts(ds_cstr(&s));
        ds_destroy(&s);
    }
    free(text);
}

static void
do_track(int argc, char *argv[])
{
    struct swan_status_log log;
    size_t chunk = 0;
    int i = 0;

    if (argc >= 2 && !strcmp(argv[0], "--chunk")) {
        unsigned int n;
        if (!str_to_uint(argv[1], 10, &n)) {
            usage();
        }
        chunk = n;
        i = 2;
    }
    if (i + 1 != argc) {
        usage();
    }

    swan_status_log_init(&log);
    feed_file(&log, argv[i], chunk);

    const struct shash_node **nodes = shash_sort(&log.tunnels);
    for (size_t j = 0; j < shash_count(&log.tunnels); j++) {
        const char *name = nodes[j]->name;
        const struct swan_status_event *ev
            = swan_status_log_last_failure(&log, name);

        if (ev) {
            printf("%s: phase%d %s conn=%s #%lu \"%s\"\n", name, ev->phase,
                   swan_status_reason_to_string(ev->reason), ev->conn,
                   ev->serial, ev->detail);
        } else {
            printf("%s: no failure\n", name);
        }
    }
    free(nodes);
    swan_status_log_destroy(&log);
}

static void
do_bench(int argc, char *argv[])
{
    unsigned int n = 100;

    if (argc < 1 || argc > 2 || (argc == 2 && !str_to_uint(argv[1], 10, &n))
        || !n) {
        usage();
    }

    char *text = read_file(argv[0]);
    struct swan_status st;
    swan_status_init(&st);

    long long int start = time_usec();
    for (unsigned int i = 0; i < n; i++) {
        swan_status_clear(&st);
        swan_status_parse(&st, text);
    }
    long long int elapsed = time_usec() - start;

    printf("%"PRIuSIZE" tunnels, %"PRIuSIZE" SAs; parse time %.1f us\n",
           shash_count(&st.tunnels), hmap_count(&st.sas),
           (double) elapsed / n);
    swan_status_destroy(&st);
    free(text);
}

static void
do_swanctl_classify(int argc, char *argv[])
{
    for (int i = 0; i < argc; i++) {
        char *text = read_file(argv[i]);
        enum swan_reason reason;
        const char *detail;
        enum swan_conn_state state = swan_status_swanctl_classify(
            text, &reason, &detail);
        printf("%s: %s %s\n", argv[i], swan_status_state_to_string(state),
               swan_status_reason_to_string(reason));
        free(text);
    }
}

static void
do_swanctl_sas(const char *file)
{
    char *text = read_file(file);
    struct sset ikes = SSET_INITIALIZER(&ikes);
    struct sset children = SSET_INITIALIZER(&children);
    swan_status_swanctl_sas(text, &ikes, &children);
    const char *name;
    SSET_FOR_EACH (name, &ikes) {
        printf("ike %s\n", name);
    }
    const char **sorted = sset_sort(&children);
    for (size_t i = 0; i < sset_count(&children); i++) {
        printf("child %s\n", sorted[i]);
    }
    free(sorted);
    sset_destroy(&ikes);
    sset_destroy(&children);
    free(text);
}

static void
do_base(int argc, char *argv[])
{
    for (int i = 0; i < argc; i++) {
        size_t len = swan_status_base_len(argv[i], strlen(argv[i]));
        printf("%s -> %.*s\n", argv[i], (int) len, argv[i]);
    }
}

static void
do_strings(void)
{
    for (int i = SWAN_CONN_CONNECTING; i <= SWAN_CONN_PHASE2_FAILED; i++) {
        const char *s = swan_status_state_to_string(i);
        enum swan_conn_state state;

        if (!swan_status_state_from_string(s, &state) || state != i) {
            ovs_fatal(0, "state %s does not parse back", s);
        }
        printf("state %d %s\n", i, s);
    }
    for (int i = SWAN_REASON_NONE; i <= SWAN_REASON_NEGOTIATION_FAILED;
         i++) {
        const char *s = swan_status_reason_to_string(i);
        enum swan_reason reason;

        if (!swan_status_reason_from_string(s, &reason) || reason != i) {
            ovs_fatal(0, "reason %s does not parse back", s);
        }
        printf("reason %d %s\n", i, s);
    }

    enum swan_reason reason;
    if (swan_status_reason_from_string("bogus", &reason)) {
        ovs_fatal(0, "\"bogus\" parsed as a reason");
    }
}

int
main(int argc, char *argv[])
{
    set_program_name(argv[0]);
    if (argc < 2) {
        usage();
    }

    const char *cmd = argv[1];
    if (!strcmp(cmd, "status")) {
        do_status(argc - 2, argv + 2);
    } else if (!strcmp(cmd, "log") && argc == 3) {
        do_log(argv[2]);
    } else if (!strcmp(cmd, "track")) {
        do_track(argc - 2, argv + 2);
    } else if (!strcmp(cmd, "bench")) {
        do_bench(argc - 2, argv + 2);
    } else if (!strcmp(cmd, "base")) {
        do_base(argc - 2, argv + 2);
    } else if (!strcmp(cmd, "strings") && argc == 2) {
        do_strings();
    } else if (!strcmp(cmd, "swanctl-classify")) {
        do_swanctl_classify(argc - 2, argv + 2);
    } else if (!strcmp(cmd, "swanctl-sas") && argc == 3) {
        do_swanctl_sas(argv[2]);
    } else {
        usage();
    }
    return 0;
}

/* Returns the contents of file 'name', which the caller must free(). */
static char *
read_file(const char *name)
{
    FILE *stream = fopen(name, "r");
    if (!stream) {
        ovs_fatal(errno, "%s: open failed", name);
    }

    struct ds s = DS_EMPTY_INITIALIZER;
    char buf[65536];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, stream)) > 0) {
        ds_put_buffer(&s, buf, n);
    }
    if (ferror(stream)) {
        ovs_fatal(errno, "%s: read failed", name);
    }
    fclose(stream);
    return ds_steal_cstr(&s);
}
