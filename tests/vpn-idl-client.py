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

"""vpn-idl-client.py: an orchestrator, for the tests.

Cloud orchestrators write the northbound database with an OVSDB client
of their own, as OpenStack does with the OVS Python IDL
(python3-openvswitch).  This client does the same, with only the
columns that the schema requires, and none of ovn-vpnctl's help: no
defaults, no creation time, no checks beyond the schema's.

usage: vpn-idl-client.py SCHEMA REMOTE COMMAND ARG...

  add-gateway NAME ROUTER SWITCH PUBLIC_IP
  add-peer NAME IP
  add-tunnel NAME GATEWAY PEER LOCAL_CIDRS PEER_CIDRS PSK_FILE
                                    (CIDR lists separated by commas)
  set TABLE NAME COLUMN JSON        (an optional column: a JSON list)
  del TABLE NAME

Each command is one transaction.  On failure, prints the IDL's error and
exits with status 1."""

import json
import sys

import ovs.db.idl
import ovs.poller


def connect(schema, remote):
    helper = ovs.db.idl.SchemaHelper(schema)
    helper.register_all()
    idl = ovs.db.idl.Idl(remote, helper)
    seqno = idl.change_seqno
    while idl.change_seqno == seqno or not idl.has_ever_connected():
        idl.run()
        poller = ovs.poller.Poller()
        idl.wait(poller)
        # The Python reconnect FSM registers no wake-up for its first
        # connection attempt.
        poller.timer_wait(100)
        poller.block()
    return idl


def by_name(idl, table, name):
    for row in idl.tables[table].rows.values():
        if row.name == name:
            return row
    sys.exit("%s %s: no such row" % (table, name))


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    schema, remote, command, args = (sys.argv[1], sys.argv[2], sys.argv[3],
                                     sys.argv[4:])
    idl = connect(schema, remote)
    txn = ovs.db.idl.Transaction(idl)
    try:
        if command == "add-gateway":
            name, router, switch, public_ip = args
            row = txn.insert(idl.tables["VPN_Gateway"])
            row.name = name
            row.router = by_name(idl, "Logical_Router", router)
            row.logical_switch = by_name(idl, "Logical_Switch", switch)
            row.public_ip = public_ip
        elif command == "add-peer":
            name, ip = args
            row = txn.insert(idl.tables["VPN_Peer"])
            row.name = name
            row.ip = ip
        elif command == "add-tunnel":
            name, gateway, peer, local, remote_cidrs, psk_file = args
            row = txn.insert(idl.tables["VPN_Tunnel"])
            row.name = name
            row.gateway = by_name(idl, "VPN_Gateway", gateway)
            row.peer = by_name(idl, "VPN_Peer", peer)
            row.local_cidrs = local.split(",")
            row.peer_cidrs = remote_cidrs.split(",")
            with open(psk_file) as f:
                row.psk = f.read()
        elif command == "set":
            table, name, column, value = args
            row = by_name(idl, table, name)
            value = json.loads(value)
            setattr(row, column, value)
            # The IDL drops, with only a log message, a value that breaks
            # the schema's constraints.
            if getattr(row, column) != value:
                print("vpn-idl-client: %s: the IDL refused %s (it breaks "
                      "the schema's constraints)" % (column, json.dumps(value)),
                      file=sys.stderr)
                sys.exit(1)
        elif command == "del":
            table, name = args
            by_name(idl, table, name).delete()
        else:
            sys.exit("%s: unknown command" % command)
    except ovs.db.error.Error as e:
        print("vpn-idl-client: %s" % e, file=sys.stderr)
        sys.exit(1)

    status = txn.commit_block()
    if status not in (ovs.db.idl.Transaction.SUCCESS,
                      ovs.db.idl.Transaction.UNCHANGED):
        print("vpn-idl-client: %s: %s" % (status, txn.get_error()),
              file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
