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

"""Checks the schemas and ovn-vpn-nb(5) against the catalog of tunnel
settings.

usage: check-catalog.py CATALOG NB-SCHEMA SB-SCHEMA NB-XML [HELP [COMMANDS]]

CATALOG is test-vpn-catalog's output.  For every setting: the NB and SB
VPN_Tunnel column allows exactly the catalog's values (or range), the
column's documentation names every value and the default, and HELP (the
output of "ovn-vpnctl --help"), if given, has its option with every
value, and COMMANDS (the output of "ovn-vpnctl --commands"), if given,
shows vpn-tunnel-add taking every setting's option and the other tunnel
commands no option that is neither a setting's nor one of their own.
Prints one line per mismatch; exits 1 if there is any."""

# The tunnel commands' options that are no setting of the catalog.
OWN_OPTIONS = {"--local-cidrs", "--peer-cidrs", "--local-id", "--peer-id",
               "--comment", "--psk", "--psk-file", "--may-exist", "--name"}


def check_commands(catalog, commands_file, errors):
    options = {s["option"] for s in catalog}
    taken = {}
    for line in open(commands_file):
        fields = line.strip().split(",")
        if len(fields) > 1:
            taken[fields[1]] = set(re.findall(r"\[(--[a-z-]+)=?\]",
                                              fields[0]))
    for option in sorted(options - taken.get("vpn-tunnel-add", set())):
        errors.append("ovn-vpnctl vpn-tunnel-add: no %s" % option)
    for cmd in ("vpn-tunnel-set-ike", "vpn-tunnel-set-ipsec",
                "vpn-tunnel-set"):
        for option in sorted(taken.get(cmd, set()) - options - OWN_OPTIONS):
            errors.append("ovn-vpnctl %s: %s is no setting" % (cmd, option))

import json
import re
import sys
import xml.etree.ElementTree as ET


def column_type(schema, column):
    t = schema["tables"]["VPN_Tunnel"]["columns"][column]["type"]
    key = t["key"] if isinstance(t, dict) else t
    return key if isinstance(key, dict) else {"type": key}


def docs(xml_file):
    """Maps each VPN_Tunnel column to its documentation's text, with
    <ref column="X"/> written as the text of column X's own (it says "As
    X")."""
    root = ET.parse(xml_file).getroot()
    table = [t for t in root.iter("table") if t.get("name") == "VPN_Tunnel"]
    texts = {}
    for c in table[0].iter("column"):
        if c.get("key"):
            continue
        texts[c.get("name")] = (c, " ".join("".join(c.itertext()).split()))
    result = {}
    for name, (c, text) in texts.items():
        for ref in c.iter("ref"):
            other = texts.get(ref.get("column"))
            if other:
                text += " " + other[1]
        result[name] = text
    return result


def main():
    if len(sys.argv) not in (5, 6, 7):
        sys.exit(__doc__)
    help_text = open(sys.argv[5]).read() if len(sys.argv) >= 6 else None
    catalog = [json.loads(line) for line in open(sys.argv[1])]
    schemas = {"nb": json.load(open(sys.argv[2])),
               "sb": json.load(open(sys.argv[3]))}
    text = docs(sys.argv[4])
    errors = []
    for s in catalog:
        col = s["column"]
        for db, schema in schemas.items():
            t = column_type(schema, col)
            if s["kind"] == "int":
                have = (t.get("minInteger"), t.get("maxInteger"))
                if have != (s["min"], s["max"]) and have != (None, None):
                    errors.append("%s %s: range %s, catalog %s..%s"
                                  % (db, col, have, s["min"], s["max"]))
            else:
                enum = t.get("enum", ["set", []])[1]
                if sorted(enum, key=str) != sorted(s["values"], key=str):
                    errors.append("%s %s: enum %s, catalog %s"
                                  % (db, col, enum, s["values"]))
        doc = text.get(col, "")
        words = set(w.strip(".") for w in re.findall(r"[\w.-]+", doc))
        if s["kind"] != "int":
            for v in s["values"]:
                if str(v) not in words and not (s["kind"] == "pfs"
                                                and v == 0):
                    errors.append("ovn-vpn-nb(5) %s: no %s" % (col, v))
        else:
            if "%d to %d" % (s["min"], s["max"]) not in doc:
                errors.append("ovn-vpn-nb(5) %s: no range %d to %d"
                              % (col, s["min"], s["max"]))
        if help_text is not None:
            m = re.search(r"%s=(\S+)" % re.escape(s["option"]), help_text)
            have = m.group(1).split("|") if m else []
            for v in s["values"]:
                if s["kind"] == "int" or (s["kind"] == "pfs" and v == 0):
                    continue
                if str(v) not in have:
                    errors.append("ovn-vpnctl --help %s: no %s"
                                  % (s["option"], v))
        d = str(s["default"])
        if "%s (default)" % d not in doc and "(default %s)" % d not in doc:
            errors.append("ovn-vpn-nb(5) %s: default %s not stated"
                          % (col, d))
    if len(sys.argv) == 7:
        check_commands(catalog, sys.argv[6], errors)
    for e in errors:
        print(e)
    sys.exit(1 if errors else 0)


if __name__ == "__main__":
    main()
