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

"""vpn-ovsdb.py: builds OVSDB transactions for the test suite and prints
their results in a form that golden output can match.

Stock ovn-nbctl and ovn-sbctl do not know the VPN tables, and autotest
quotes make JSON awkward to write inline, so tests describe rows as
COLUMN=VALUE words and this script turns them into the JSON that
ovsdb-client speaks:

  query DB TABLE COLUMNS [COLUMN=VALUE...]   print matching rows, sorted
                                             (COLUMN:KEY: one map value)
  insert DB TABLE [COLUMN=VALUE...]          insert a row, print its UUID
  transaction DB TABLE [COLUMN=VALUE...]     print the insert transaction
  transact-file DB FILE [--print-times-ms]   run the transaction in FILE
                                             (too large for ovsdb-client's
                                             command line); optionally print
                                             when it was sent (ms since the
                                             epoch)

VALUE forms: "uuid:U" a row reference, "set:A,B" a set of strings,
"iset:1,2" a set of integers, "map:K=V,K2=V2" a string map,
"int:N" an integer, "rep:C*N" the character C repeated N times, anything
else a string.  In query conditions a JSON number, true or false is
compared as such."""

import json
import os
import subprocess
import sys

DB_NAMES = {"nb": "OVN_Northbound", "sb": "OVN_Southbound",
            "status": "OVN_VPN_Status"}


def value(text):
    if text.startswith("uuid:"):
        return ["uuid", text[5:]]
    if text.startswith("set:"):
        return ["set", [x for x in text[4:].split(",") if x]]
    if text.startswith("iset:"):
        return ["set", [int(x) for x in text[5:].split(",") if x]]
    if text.startswith("map:"):
        pairs = [x.split("=", 1) for x in text[4:].split(",") if x]
        return ["map", pairs]
    if text.startswith("int:"):
        return int(text[4:])
    if text.startswith("rep:"):
        char, _, count = text[4:].rpartition("*")
        return char * int(count)
    return text


def condition(text):
    col, _, val = text.partition("=")
    try:
        parsed = json.loads(val)
        if not isinstance(parsed, (list, dict)):
            return [col, "==", parsed]
    except ValueError:
        pass
    return [col, "==", value(val)]


def bare(v):
    if isinstance(v, list) and v and v[0] == "set":
        return " ".join(sorted(bare(x) for x in v[1]))
    if isinstance(v, list) and v and v[0] == "map":
        return " ".join(sorted("%s=%s" % (bare(k), bare(x))
                               for k, x in v[1]))
    if isinstance(v, list) and v and v[0] in ("uuid", "named-uuid"):
        return v[1]
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)


def cell(row, column):
    """Formats 'column' of 'row'; "COLUMN:KEY" gives one map value."""
    name, _, key = column.partition(":")
    if not key:
        return bare(row[name])
    for k, v in row[name][1]:
        if k == key:
            return bare(v)
    return ""


def remote(db):
    # The status database is served beside the SB.
    name = "SB" if db == "status" else db.upper()
    return os.environ["OVN_%s_DB" % name]


def transact(db, ops, read_only=False):
    txn = json.dumps([DB_NAMES[db]] + ops)
    cmd = ["ovsdb-client", "query" if read_only else "transact",
           remote(db), txn]
    proc = subprocess.run(cmd, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, universal_newlines=True)
    if proc.returncode:
        sys.stderr.write(proc.stderr)
        sys.exit(2)
    return json.loads(proc.stdout)


def transact_file(db, path, print_times=False):
    """Runs the transaction in 'path' on 'db', speaking JSON-RPC on its
    unix socket.  With 'print_times', prints when it was sent and when its
    reply came, that is, when the server had committed it (milliseconds
    since the epoch)."""
    import socket
    import time
    target = remote(db)
    if not target.startswith("unix:"):
        sys.exit("transact-file needs a unix: remote")
    s = socket.socket(socket.AF_UNIX)
    s.connect(target[5:])
    with open(path) as f:
        params = json.load(f)
    msg = json.dumps({"method": "transact", "id": 1,
                      "params": params}).encode()
    sent = time.time()
    s.sendall(msg)
    decoder, buf = json.JSONDecoder(), ""
    while True:
        data = s.recv(1 << 20)
        if not data:
            sys.exit("connection closed")
        buf += data.decode()
        try:
            reply, _ = decoder.raw_decode(buf)
        except ValueError:
            continue
        if reply.get("id") == 1:
            break
    committed = time.time()
    errors = [r for r in reply["result"] or [] if r and "error" in r]
    if reply.get("error") or errors:
        sys.exit("transaction failed: %s" % (reply.get("error") or errors))
    if print_times:
        print(int(sent * 1000), int(committed * 1000))
    return 0


def main(argv):
    if argv[1] == "transact-file":
        return transact_file(argv[2], argv[3], "--print-times-ms" in argv[4:])
    command, db, table = argv[1:4]
    args = argv[4:]
    if command == "query":
        # "COLUMN:KEY" selects one key of a map column.
        columns = args[0].split(",")
        fetch = sorted(set(c.partition(":")[0] for c in columns))
        op = {"op": "select", "table": table,
              "where": [condition(c) for c in args[1:]],
              "columns": fetch}
        result = transact(db, [op], read_only=True)[0]
        if "error" in result:
            sys.stderr.write("error: %s: %s\n"
                             % (result["error"], result.get("details")))
            return 1
        lines = [" ".join(cell(r, c) for c in columns)
                 for r in result["rows"]]
        for line in sorted(lines):
            print(line)
        return 0

    row = {}
    for arg in args:
        col, _, val = arg.partition("=")
        row[col] = value(val)
    op = {"op": "insert", "table": table, "row": row}
    if command == "transaction":
        print(json.dumps([DB_NAMES[db], op]))
        return 0
    if command == "insert":
        results = transact(db, [op])
        for result in results:
            if result and "error" in result:
                print("error: %s: %s" % (result["error"],
                                         result.get("details", "")))
                return 1
        print(results[0]["uuid"][1])
        return 0
    sys.stderr.write("unknown command %s\n" % command)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
