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

/* The catalog's settings in database rows (see vpn-catalog-row.h). */

#include <config.h>

#include "vpn-catalog-row.h"

#include "openvswitch/json.h"
#include "openvswitch/shash.h"
#include "openvswitch/util.h"
#include "ovsdb-data.h"
#include "ovsdb-idl-provider.h"
#include "ovsdb-idl.h"
#include "util.h"
#include "vpn-catalog.h"
#include "vpn-params.h"

/* Returns the column of 'row''s table that holds setting 's'. */
static const struct ovsdb_idl_column *
setting_column(const struct ovsdb_idl_row *row, const struct vpn_setting *s)
{
    const struct ovsdb_idl_column *column
        = shash_find_data(&row->table->columns, s->column);
    ovs_assert(column);
    return column;
}

void
vpn_catalog_from_row(const struct ovsdb_idl_row *row,
                     struct vpn_tunnel_params *p)
{
    for (size_t i = 0; i < vpn_n_settings; i++) {
        const struct vpn_setting *s = &vpn_settings[i];
        const struct ovsdb_datum *datum
            = ovsdb_idl_read(row, setting_column(row, s));
        void *field = (char *) p + s->offset;
        if (s->kind == VPN_SETTING_ENUM) {
            *(const char **) field = (datum->n
                                      ? json_string(datum->keys[0].s)
                                      : NULL);
        } else {
            *(int *) field = (datum->n ? datum->keys[0].integer
                              : s->kind == VPN_SETTING_PFS ? -1 : 0);
        }
    }
}

bool
vpn_catalog_to_row(const struct ovsdb_idl_row *row,
                   const struct vpn_tunnel_params *p)
{
    bool changed = false;
    for (size_t i = 0; i < vpn_n_settings; i++) {
        const struct vpn_setting *s = &vpn_settings[i];
        const struct ovsdb_idl_column *column = setting_column(row, s);
        const void *field = (const char *) p + s->offset;

        struct ovsdb_datum datum = { .refcnt = NULL, .values = NULL };
        const char *string = (s->kind == VPN_SETTING_ENUM
                              ? *(const char *const *) field : NULL);
        if (s->kind == VPN_SETTING_ENUM && !string) {
            datum.n = 0;
            datum.keys = NULL;
        } else {
            datum.n = 1;
            datum.keys = xmalloc(sizeof *datum.keys);
            if (string) {
                datum.keys[0].s = ovsdb_atom_string_create(string);
            } else {
                datum.keys[0].integer = *(const int *) field;
            }
        }

        if (ovsdb_datum_equals(ovsdb_idl_read(row, column), &datum,
                               &column->type)) {
            ovsdb_datum_destroy(&datum, &column->type);
        } else {
            ovsdb_idl_txn_write(row, column, &datum);
            changed = true;
        }
    }
    return changed;
}
