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

/* Prometheus exposition of the agent's metrics (see vpn-metrics.h). */

#include <config.h>

#include "vpn-metrics.h"

#include <inttypes.h>

#include "util.h"

struct metrics_family {
    char *type;
    char *help;
    struct ds samples;
};

void
vpn_metrics_init(struct vpn_metrics *m)
{
    shash_init(&m->families);
    svec_init(&m->order);
}

void
vpn_metrics_destroy(struct vpn_metrics *m)
{
    struct shash_node *node;
    SHASH_FOR_EACH_SAFE (node, &m->families) {
        struct metrics_family *f = node->data;
        free(f->type);
        free(f->help);
        ds_destroy(&f->samples);
        free(f);
    }
    shash_destroy(&m->families);
    svec_destroy(&m->order);
}

/* Appends 's' to 'ds' as a label value: '\', '"' and new-line escaped. */
static void
metrics_put_value(struct ds *ds, const char *s)
{
    for (; *s; s++) {
        if (*s == '\\' || *s == '"') {
            ds_put_char(ds, '\\');
            ds_put_char(ds, *s);
        } else if (*s == '\n') {
            ds_put_cstr(ds, "\\n");
        } else {
            ds_put_char(ds, *s);
        }
    }
}

void
vpn_metrics_add(struct vpn_metrics *m, const char *name, const char *type,
                const char *help, const char *const *labels,
                size_t n_labels, int64_t value)
{
    struct metrics_family *f = shash_find_data(&m->families, name);
    if (!f) {
        f = xzalloc(sizeof *f);
        f->type = xstrdup(type);
        f->help = xstrdup(help);
        ds_init(&f->samples);
        shash_add(&m->families, name, f);
        svec_add(&m->order, name);
    }

    ds_put_cstr(&f->samples, name);
    for (size_t i = 0; i + 1 < n_labels * 2; i += 2) {
        ds_put_format(&f->samples, "%s%s=\"", i ? "," : "{", labels[i]);
        metrics_put_value(&f->samples, labels[i + 1] ? labels[i + 1] : "");
        ds_put_char(&f->samples, '"');
    }
    ds_put_format(&f->samples, "%s %"PRId64"\n", n_labels ? "}" : "",
                  value);
}

void
vpn_metrics_format(const struct vpn_metrics *m, struct ds *ds)
{
    const char *name;
    size_t i;
    SVEC_FOR_EACH (i, name, &m->order) {
        const struct metrics_family *f = shash_find_data(&m->families, name);
        ds_put_format(ds, "# HELP %s %s\n# TYPE %s %s\n", name, f->help,
                      name, f->type);
        ds_put_cstr(ds, ds_cstr_ro(&f->samples));
    }
}
