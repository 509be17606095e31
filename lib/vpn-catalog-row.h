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

#ifndef VPN_CATALOG_ROW_H
#define VPN_CATALOG_ROW_H 1

/* The catalog's settings (vpn-catalog.h) in database rows.
 *
 * Each setting is a column of the same name in the NB's and the SB's
 * VPN_Tunnel tables, so the code that copies settings between rows and a
 * "struct vpn_tunnel_params" goes by the catalog, through the IDL's
 * generic interface, and a new setting needs no copy line anywhere:
 *
 *   - vpn_catalog_from_row() reads every setting of an IDL row (NB rows
 *     leave the optional ones unset: a null string, 0, or -1 for the PFS
 *     group, since VPN_PFS_DISABLED is 0);
 *
 *   - vpn_catalog_to_row() writes to an IDL row, in the current
 *     transaction, every setting whose value differs, and
 *     vpn_catalog_write_setting() one setting (ovn-vpnctl's options). */

#include <stdbool.h>

struct ovsdb_idl_row;
struct vpn_setting;
struct vpn_tunnel_params;

void vpn_catalog_from_row(const struct ovsdb_idl_row *,
                          struct vpn_tunnel_params *);
bool vpn_catalog_to_row(const struct ovsdb_idl_row *,
                        const struct vpn_tunnel_params *);
bool vpn_catalog_write_setting(const struct ovsdb_idl_row *,
                               const struct vpn_setting *,
                               const char *string, int number);

#endif /* vpn-catalog-row.h */
