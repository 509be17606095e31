#! /usr/bin/env python3
# Copyright (c) 2026 The ovn-vpn authors.
#
# Licensed under the Apache License, Version 2.0 (the "License");
# you may not use this file except in compliance with the License.
# You may obtain a copy of the License at:
#
#     http://www.apache.org/licenses/LICENSE-2.0
#
# Unless required by applicable law or agreed to in writing, software
# distributed under the License is distributed on an "AS IS" BASIS,
# WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
# See the License for the specific language governing permissions and
# limitations under the License.

"""Checks the monitoring files against ovn-vpn-agent's metrics.

usage: check-monitoring.py [--promtool=PROG] dashboard DASHBOARD ALERTS
       check-monitoring.py [--promtool=PROG] alerts ALERTS TESTS
       check-monitoring.py [--promtool=PROG] metrics SAMPLE

dashboard: the Grafana dashboard's structure (its keys, unique panel ids,
a Prometheus data source and queries on every panel, the time picker's
1h, 6h, 12h and 24h), that its queries and its variables' label_values()
name only the agent's metrics and, for each, only its labels, that its
outbound bandwidth panel's threshold line is the bandwidth alert's
threshold in ALERTS, and, with promtool, that every query is PromQL: each
becomes a recording rule, with Grafana's variables replaced, of a rules
file that "promtool check rules" reads.

alerts: that the alerting rules name only the agent's metrics, give every
alert a severity, a summary and a description, and use only labels that
exist in their templates; with promtool, "promtool check rules ALERTS"
and "promtool test rules TESTS" (the rules' unit tests).

metrics: that the sample exposition file has every metric of the agent,
typed and documented, with exactly its labels and nothing else; with
promtool, "promtool check metrics" on it.

PROG is promtool's name or path (default "promtool"); an empty one skips
the checks that need it.  Prints one line per problem; exits 1 if there
is any."""

import json
import os
import re
import subprocess
import sys
import tempfile

TUNNEL_LABELS = ("chassis", "gateway", "vpc", "tunnel", "peer", "peer_ip")
GATEWAY_LABELS = ("chassis", "gateway", "vpc")

# Every metric ovn-vpn-agent exports, with its labels.  Names that end in
# _total are counters, the others gauges.
METRICS = {
    "ovn_vpn_tunnel_up": TUNNEL_LABELS,
    "ovn_vpn_tunnel_failed_attempts": TUNNEL_LABELS,
    "ovn_vpn_tunnel_receive_bytes_total": TUNNEL_LABELS,
    "ovn_vpn_tunnel_transmit_bytes_total": TUNNEL_LABELS,
    "ovn_vpn_tunnel_receive_packets_total": TUNNEL_LABELS,
    "ovn_vpn_tunnel_transmit_packets_total": TUNNEL_LABELS,
    "ovn_vpn_gateway_up": GATEWAY_LABELS,
    "ovn_vpn_gateway_receive_bytes_total": GATEWAY_LABELS,
    "ovn_vpn_gateway_transmit_bytes_total": GATEWAY_LABELS,
    "ovn_vpn_gateway_receive_packets_total": GATEWAY_LABELS,
    "ovn_vpn_gateway_transmit_packets_total": GATEWAY_LABELS,
}

# What the alerting rules may read besides: node_exporter's textfile
# collector's own series, and the labels Prometheus and node_exporter add.
ALERT_OTHER_METRICS = {"node_textfile_mtime_seconds"}
ALERT_OTHER_LABELS = {"instance", "job", "file"}

DASHBOARD_KEYS = ("annotations", "editable", "panels", "schemaVersion",
                  "templating", "time", "timepicker", "title", "uid")
TIME_OPTIONS = ("1h", "6h", "12h", "24h")

# Grafana's own variables, and what they become in the rules file that
# promtool checks.
GRAFANA_VARIABLES = {
    "__rate_interval": "1m",
    "__interval": "1m",
    "__interval_ms": "60000",
    "__range": "1h",
    "__range_s": "3600",
    "__range_ms": "3600000",
}
# What a dashboard's own variable becomes there: it is always used inside
# a regular expression matcher's string.
TEMPLATE_VALUE = ".*"

PROMQL_FUNCTIONS = {
    "abs", "absent", "absent_over_time", "avg", "avg_over_time", "bottomk",
    "ceil", "changes", "clamp", "clamp_max", "clamp_min", "count",
    "count_over_time", "count_values", "delta", "deriv", "floor", "group",
    "histogram_quantile", "idelta", "increase", "irate", "label_join",
    "label_replace", "last_over_time", "max", "max_over_time", "min",
    "min_over_time", "predict_linear", "quantile", "quantile_over_time",
    "rate", "resets", "round", "scalar", "sort", "sort_desc", "stddev",
    "stdvar", "sum", "sum_over_time", "time", "timestamp", "topk",
    "vector",
}
PROMQL_GROUPING = {"by", "without", "on", "ignoring", "group_left",
                   "group_right"}
PROMQL_KEYWORDS = {"and", "or", "unless", "bool", "offset", "atan2"}

TOKEN = re.compile(r"""
    (?P<space>\s+)
  | (?P<string>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')
  | (?P<range>\[[^\]]*\])
  | (?P<variable>\$\{[^}]*\}|\$\w+)
  | (?P<duration>\d+(?:ms|[smhdwy])\b)
  | (?P<number>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)
  | (?P<ident>[a-zA-Z_:][a-zA-Z0-9_:]*)
  | (?P<op>=~|!~|!=|==|>=|<=|[-+*/%^<>=(){},@])
""", re.X)
VARIABLE = re.compile(r"\$\{(\w+)(?::\w+)?\}|\$(\w+)")


class Query(object):
    """What a PromQL expression reads: its metrics, the labels its
    selectors match on (metric, label), the labels it groups or joins by,
    and the variables it uses."""

    def __init__(self):
        self.metrics = []
        self.matchers = []
        self.grouping = []
        self.variables = []
        self.errors = []


def tokenize(expr, query):
    tokens = []
    pos = 0
    while pos < len(expr):
        m = TOKEN.match(expr, pos)
        if not m:
            query.errors.append("cannot read %r" % expr[pos:pos + 20])
            break
        pos = m.end()
        kind = m.lastgroup
        if kind == "space":
            continue
        if kind in ("string", "range", "variable"):
            query.variables += [a or b for a, b
                                in VARIABLE.findall(m.group())]
        tokens.append((kind, m.group()))
    return tokens


def parse_selector(tokens, i, metric, query):
    """Reads the label matchers from the "{" at tokens[i]; returns the
    index after the "}"."""
    i += 1
    while i < len(tokens) and tokens[i][1] != "}":
        kind, text = tokens[i]
        if (kind == "ident" and i + 1 < len(tokens)
                and tokens[i + 1][1] in ("=", "!=", "=~", "!~")):
            query.matchers.append((metric, text))
            i += 3
        elif text == ",":
            i += 1
        else:
            query.errors.append("unexpected %r in a selector" % text)
            return len(tokens)
    return i + 1


def analyse(expr):
    query = Query()
    tokens = tokenize(expr, query)
    i = 0
    while i < len(tokens):
        kind, text = tokens[i]
        nxt = tokens[i + 1][1] if i + 1 < len(tokens) else None
        if kind == "ident" and text in PROMQL_GROUPING:
            i += 1
            if nxt == "(":
                i += 1
                while i < len(tokens) and tokens[i][1] != ")":
                    if tokens[i][0] == "ident":
                        query.grouping.append(tokens[i][1])
                    i += 1
                i += 1
        elif kind == "ident" and text in PROMQL_KEYWORDS:
            i += 1
        elif kind == "ident" and text in PROMQL_FUNCTIONS:
            i += 1
        elif kind == "ident" and nxt == "(":
            query.errors.append("unknown function %s" % text)
            i += 1
        elif kind == "ident":
            query.metrics.append(text)
            i += 1
            if nxt == "{":
                i = parse_selector(tokens, i, text, query)
        elif text == "{":
            i = parse_selector(tokens, i, None, query)
        else:
            i += 1
    return query


def check_query(where, query, metrics, other_labels, errors):
    """Reports what 'query' reads that 'metrics' (a map from each metric
    it may read to its labels) does not have, 'other_labels' aside."""
    for e in query.errors:
        errors.append("%s: %s" % (where, e))
    labels = set(other_labels)
    for m in query.metrics:
        if m not in metrics:
            errors.append("%s: unknown metric %s" % (where, m))
            # Say it once: not again for each of its labels.
            labels |= set(l for ls in metrics.values() for l in ls)
        else:
            labels |= set(metrics[m])
    for m, label in query.matchers:
        if m is None:
            if label not in labels:
                errors.append("%s: unknown label %s" % (where, label))
        elif m in metrics and label not in metrics[m]:
            if label not in other_labels:
                errors.append("%s: %s has no label %s" % (where, m, label))
    for label in query.grouping:
        if label not in labels:
            errors.append("%s: unknown label %s" % (where, label))
    return labels


def substitute(expr):
    def value(m):
        name = m.group(1) or m.group(2)
        return GRAFANA_VARIABLES.get(name, TEMPLATE_VALUE)
    return VARIABLE.sub(value, expr)


def run(cmd, errors, stdin=None):
    """Runs 'cmd'; on failure, reports its output."""
    try:
        p = subprocess.run(cmd, stdin=stdin, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT,
                           universal_newlines=True)
    except OSError as e:
        errors.append("%s: %s" % (cmd[0], e.strerror))
        return
    if p.returncode != 0:
        errors.append("%s: exit status %d" % (" ".join(cmd[1:3]),
                                              p.returncode))
        errors += ["  " + line for line in p.stdout.splitlines()
                   if line.strip()]


def alert_threshold(alerts_file):
    """The bandwidth alert's threshold, in bit/s, or None."""
    m = re.search(r"rate\(ovn_vpn_gateway_transmit_bytes_total\[[^\]]*\]\)"
                  r"\s*\*\s*8\s*>\s*([0-9.eE+]+)", open(alerts_file).read())
    return float(m.group(1)) if m else None


def panels_of(dashboard):
    """Every panel, those of collapsed rows included."""
    for p in dashboard.get("panels", []):
        yield p
        for q in p.get("panels", []):
            yield q


def datasource_names(dashboard):
    """The names that a panel's data source may take: "${X}" for a
    Prometheus data source variable or import input X."""
    names = set()
    for v in dashboard.get("templating", {}).get("list", []):
        if v.get("type") == "datasource" and v.get("query") == "prometheus":
            names.add(v.get("name"))
    for i in dashboard.get("__inputs", []):
        if i.get("type") == "datasource" and i.get("pluginId") == "prometheus":
            names.add(i.get("name"))
    return {"${%s}" % n for n in names} | {"$%s" % n for n in names}


def check_datasource(where, ds, names, errors):
    if not isinstance(ds, dict):
        errors.append("%s: no datasource" % where)
    elif ds.get("type") != "prometheus" or ds.get("uid") not in names:
        errors.append("%s: datasource %s is not the Prometheus variable"
                      % (where, json.dumps(ds, sort_keys=True)))


def check_dashboard(dashboard_file, alerts_file, promtool, errors):
    dashboard = json.load(open(dashboard_file))
    for key in DASHBOARD_KEYS:
        if key not in dashboard:
            errors.append("dashboard: no %s" % key)
    options = dashboard.get("timepicker", {}).get("time_options", [])
    for o in TIME_OPTIONS:
        if o not in options:
            errors.append("dashboard: time picker has no %s" % o)
    if not datasource_names(dashboard):
        errors.append("dashboard: no Prometheus data source variable")
    names = datasource_names(dashboard)

    variables = set(GRAFANA_VARIABLES)
    records = []
    for v in dashboard.get("templating", {}).get("list", []):
        variables.add(v.get("name"))
        if v.get("type") != "query":
            continue
        where = "variable %s" % v.get("name")
        check_datasource(where, v.get("datasource"), names, errors)
        q = v.get("query")
        q = q.get("query", "") if isinstance(q, dict) else q or ""
        m = re.match(r"\s*label_values\((.*),\s*(\w+)\s*\)\s*$", q)
        if not m:
            errors.append("%s: %r is no label_values(METRIC, LABEL)"
                          % (where, q))
            continue
        query = analyse(m.group(1))
        labels = check_query(where, query, METRICS, (), errors)
        if m.group(2) not in labels:
            errors.append("%s: unknown label %s" % (where, m.group(2)))
        records.append(("variable_%s" % v.get("name"), m.group(1)))

    ids = set()
    threshold_panels = []
    for p in panels_of(dashboard):
        pid = p.get("id")
        where = "panel %s" % pid
        if pid is None or pid in ids:
            errors.append("%s (%s): id missing or not unique"
                          % (where, p.get("title")))
        ids.add(pid)
        if p.get("type") == "row":
            continue
        check_datasource(where, p.get("datasource"), names, errors)
        targets = p.get("targets") or []
        if not targets:
            errors.append("%s: no targets" % where)
        for t in targets:
            twhere = "%s %s" % (where, t.get("refId"))
            if "datasource" in t:
                check_datasource(twhere, t["datasource"], names, errors)
            expr = t.get("expr", "")
            query = analyse(expr)
            if not query.metrics:
                errors.append("%s: no metric" % twhere)
            labels = check_query(twhere, query, METRICS, (), errors)
            for label in re.findall(r"\{\{\s*(\w+)\s*\}\}",
                                    t.get("legendFormat", "")):
                if label not in labels:
                    errors.append("%s: legend's label %s is not in the "
                                  "query" % (twhere, label))
            for name in query.variables:
                if name not in variables:
                    errors.append("%s: unknown variable $%s"
                                  % (twhere, name))
            records.append(("panel_%s_%s" % (pid, t.get("refId")), expr))
            if "ovn_vpn_gateway_transmit_bytes_total" in query.metrics:
                threshold_panels.append(p)

    # The outbound bandwidth panel: the one on the gateways' transmitted
    # bytes with a threshold line.
    limit = alert_threshold(alerts_file)
    drawn = []
    for p in threshold_panels:
        defaults = p.get("fieldConfig", {}).get("defaults", {})
        style = defaults.get("custom", {}).get("thresholdsStyle", {})
        if style.get("mode", "off") == "off":
            continue
        steps = defaults.get("thresholds", {}).get("steps", [])
        drawn += [(p["id"], "threshold", s["value"]) for s in steps
                  if s.get("value") is not None]
        soft_max = defaults.get("custom", {}).get("axisSoftMax")
        if soft_max is not None:
            drawn.append((p["id"], "axisSoftMax", soft_max))
    if limit is None:
        errors.append("%s: no bandwidth alert "
                      "(rate(ovn_vpn_gateway_transmit_bytes_total[...]) "
                      "* 8 > N)" % alerts_file)
    elif not drawn:
        errors.append("dashboard: no threshold line on the gateways' "
                      "outbound bandwidth")
    for pid, what, value in drawn:
        if limit is not None and float(value) != limit:
            errors.append("panel %s: %s %g bit/s, the alert's %g"
                          % (pid, what, value, limit))

    if promtool:
        rules = {"groups": [{"name": "ovn-vpn-dashboard", "rules": [
            {"record": "ovn_vpn_dashboard:" + name, "expr": substitute(e)}
            for name, e in records]}]}
        with tempfile.NamedTemporaryFile("w", prefix="dashboard-",
                                         suffix=".rules.yml",
                                         delete=False) as f:
            json.dump(rules, f, indent=2)
        run([promtool, "check", "rules", f.name], errors)
        os.unlink(f.name)


def alert_blocks(text):
    """Splits an alerting rules file into (name, text) per alert."""
    parts = re.split(r"^\s*- (?:alert|record):", text, flags=re.M)
    names = re.findall(r"^\s*- (alert|record):\s*(\S+)", text, flags=re.M)
    return [(kind, name, body) for (kind, name), body
            in zip(names, parts[1:])]


def check_alerts(alerts_file, tests_file, promtool, errors):
    text = open(alerts_file).read()
    if not re.search(r"^\s*- name: ovn-vpn\s*$", text, flags=re.M):
        errors.append("%s: no group ovn-vpn" % alerts_file)
    blocks = alert_blocks(text)
    if not blocks:
        errors.append("%s: no alert" % alerts_file)
    known = dict(METRICS)
    known.update({m: () for m in ALERT_OTHER_METRICS})
    all_labels = set(TUNNEL_LABELS) | ALERT_OTHER_LABELS
    for kind, name, body in blocks:
        where = "%s %s" % (kind, name)
        if kind != "alert":
            continue
        for key in ("severity", "summary", "description"):
            if not re.search(r"^\s*%s:" % key, body, flags=re.M):
                errors.append("%s: no %s" % (where, key))
        for label in re.findall(r"\$labels\.(\w+)", body):
            if label not in all_labels:
                errors.append("%s: unknown label %s" % (where, label))
        m = re.search(r"^\s*expr:\s*(>-?\s*\n)?(.*?)^\s*(for|labels):",
                      body, flags=re.M | re.S)
        if m:
            query = analyse(m.group(2))
            check_query(where, query, known, ALERT_OTHER_LABELS, errors)
    if promtool:
        run([promtool, "check", "rules", alerts_file], errors)
        run([promtool, "test", "rules", tests_file], errors)


def check_metrics(sample_file, promtool, errors):
    types = {}
    helps = set()
    seen = {}
    for n, line in enumerate(open(sample_file), 1):
        line = line.strip()
        m = re.match(r"# (HELP|TYPE) (\w+) ?(.*)", line)
        if m:
            if m.group(1) == "TYPE":
                types[m.group(2)] = m.group(3)
            else:
                helps.add(m.group(2))
            continue
        if not line or line.startswith("#"):
            continue
        m = re.match(r"(\w+)(?:\{(.*)\})?\s+(\S+)$", line)
        if not m:
            errors.append("%s:%d: cannot read the sample"
                          % (sample_file, n))
            continue
        name, labels, value = m.groups()
        if name not in METRICS:
            errors.append("%s:%d: unknown metric %s"
                          % (sample_file, n, name))
            continue
        have = tuple(re.findall(r'(\w+)="(?:[^"\\]|\\.)*"', labels or ""))
        if sorted(have) != sorted(METRICS[name]):
            errors.append("%s:%d: %s has labels %s, not %s"
                          % (sample_file, n, name, ",".join(have),
                             ",".join(METRICS[name])))
        seen[name] = seen.get(name, 0) + 1
    for name in METRICS:
        kind = "counter" if name.endswith("_total") else "gauge"
        if name not in seen:
            errors.append("%s: no %s" % (sample_file, name))
        if types.get(name) != kind:
            errors.append("%s: %s is not typed %s"
                          % (sample_file, name, kind))
        if name not in helps:
            errors.append("%s: %s has no HELP" % (sample_file, name))
    if promtool:
        with open(sample_file) as f:
            run([promtool, "check", "metrics"], errors, stdin=f)


def main():
    args = sys.argv[1:]
    promtool = "promtool"
    if args and args[0].startswith("--promtool="):
        promtool = args.pop(0)[len("--promtool="):]
    errors = []
    if len(args) == 3 and args[0] == "dashboard":
        check_dashboard(args[1], args[2], promtool, errors)
    elif len(args) == 3 and args[0] == "alerts":
        check_alerts(args[1], args[2], promtool, errors)
    elif len(args) == 2 and args[0] == "metrics":
        check_metrics(args[1], promtool, errors)
    else:
        sys.exit(__doc__)
    for e in errors:
        print(e)
    sys.exit(1 if errors else 0)


if __name__ == "__main__":
    main()
