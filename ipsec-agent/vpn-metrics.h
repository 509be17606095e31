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

#ifndef VPN_METRICS_H
#define VPN_METRICS_H 1

/* Metrics in Prometheus's text exposition format (version 0.0.4), as
 * ovn-vpn-agent exports them: samples are added in any order, each with
 * its family's name, help and type, and formatted grouped by family, in
 * the order the families first appeared, with one HELP and one TYPE line
 * each.  Label values are names that tenants chose: they are escaped as
 * the format requires ('\\', '"' and new-line). */

#include <stdint.h>

#include "openvswitch/dynamic-string.h"
#include "openvswitch/shash.h"
#include "svec.h"

struct vpn_metrics {
    struct shash families;      /* Name -> struct metrics_family. */
    struct svec order;          /* Names in the order they appeared. */
};

void vpn_metrics_init(struct vpn_metrics *);
void vpn_metrics_destroy(struct vpn_metrics *);

/* 'labels' holds 'n_labels' pairs: name, value, name, value... */
void vpn_metrics_add(struct vpn_metrics *, const char *name,
                     const char *type, const char *help,
                     const char *const *labels, size_t n_labels,
                     int64_t value);
void vpn_metrics_format(const struct vpn_metrics *, struct ds *);

#endif /* vpn-metrics.h */
