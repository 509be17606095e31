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

/* test-vpn-catalog: prints the catalog of tunnel settings (lib/vpn-catalog)
 * as JSON, one object per setting, for the test that checks the schemas
 * and the manual pages against it:
 *
 *     {"column": "ike_encryption", "option": "--ike-encryption",
 *      "kind": "enum", "values": ["3des", ...], "default": "aes128"}
 *
 * "kind" is "enum", "dh", "pfs" (the DH groups and 0 for disabled) or
 * "int" (with "min" and "max"). */

#include <config.h>

#include <stdio.h>

#include "openvswitch/json.h"
#include "openvswitch/util.h"
#include "util.h"
#include "vpn-catalog.h"

int
main(int argc OVS_UNUSED, char *argv[])
{
    set_program_name(argv[0]);
    for (size_t i = 0; i < vpn_n_settings; i++) {
        const struct vpn_setting *s = &vpn_settings[i];
        struct json *o = json_object_create();
        json_object_put_string(o, "column", s->column);
        json_object_put_string(o, "option", s->option);
        struct json *values = json_array_create_empty();
        switch (s->kind) {
        case VPN_SETTING_ENUM:
            json_object_put_string(o, "kind", "enum");
            for (const struct vpn_catalog_value *v = s->values; v->name;
                 v++) {
                json_array_add(values, json_string_create(v->name));
            }
            json_object_put_string(o, "default", s->default_string);
            break;

        case VPN_SETTING_PFS:
            json_array_add(values, json_integer_create(0));
            /* Fall through. */
        case VPN_SETTING_DH:
            json_object_put_string(o, "kind", s->kind == VPN_SETTING_DH
                                              ? "dh" : "pfs");
            for (size_t j = 0; j < vpn_catalog_n_dh_groups; j++) {
                json_array_add(values, json_integer_create(
                                   vpn_catalog_dh_groups[j].group));
            }
            json_object_put(o, "default",
                            json_integer_create(s->default_int));
            break;

        case VPN_SETTING_INT:
            json_object_put_string(o, "kind", "int");
            json_object_put(o, "min", json_integer_create(s->min));
            json_object_put(o, "max", json_integer_create(s->max));
            json_object_put(o, "default",
                            json_integer_create(s->default_int));
            break;

        default:
            OVS_NOT_REACHED();
        }
        json_object_put(o, "values", values);
        char *text = json_to_string(o, JSSF_SORT);
        puts(text);
        free(text);
        json_destroy(o);
    }
    return 0;
}
