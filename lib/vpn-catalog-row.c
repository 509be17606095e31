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

/* Writes setting 's' of 'row' in the current transaction, unless it
 * already has that value: 'string' for an enumeration (NULL empties the
 * column), 'number' for the others.  Returns true if it wrote. */
bool
vpn_catalog_write_setting(const struct ovsdb_idl_row *row,
                          const struct vpn_setting *s, const char *string,
                          int number)
{
    const struct ovsdb_idl_column *column = setting_column(row, s);
    struct ovsdb_datum datum = { .refcnt = NULL, .values = NULL };
    if (s->kind == VPN_SETTING_ENUM && !string) {
        datum.n = 0;
        datum.keys = NULL;
    } else {
        datum.n = 1;
        datum.keys = xmalloc(sizeof *datum.keys);
        if (s->kind == VPN_SETTING_ENUM) {
            datum.keys[0].s = ovsdb_atom_string_create(string);
        } else {
            datum.keys[0].integer = number;
        }
    }

    if (ovsdb_datum_equals(ovsdb_idl_read(row, column), &datum,
                           &column->type)) {
        ovsdb_datum_destroy(&datum, &column->type);
        return false;
    }
    ovsdb_idl_txn_write(row, column, &datum);
    return true;
}

bool
vpn_catalog_to_row(const struct ovsdb_idl_row *row,
                   const struct vpn_tunnel_params *p)
{
    bool changed = false;
    for (size_t i = 0; i < vpn_n_settings; i++) {
        const struct vpn_setting *s = &vpn_settings[i];
        const void *field = (const char *) p + s->offset;
        bool wrote = (s->kind == VPN_SETTING_ENUM
                      ? vpn_catalog_write_setting(
                          row, s, *(const char *const *) field, 0)
                      : vpn_catalog_write_setting(row, s, NULL,
                                                  *(const int *) field));
        changed = wrote || changed;
    }
    return changed;
}
