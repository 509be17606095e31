#! /bin/bash
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

# bench-agent.sh: ovn-vpn-agent's benchmark ("make bench-agent").  Not a
# test: it prints figures and asserts nothing.  Needs root.
#
# For each N (default 100, 500 and 1000) it runs, on one chassis (a
# network namespace with its own Open_vSwitch database and a br-int, as
# the test sandbox has), ovn-vpn-agent against an SB database whose rows
# it writes itself (no ovn-northd, no ovn-vpn-northd; a stand-in
# Chassis_Private row), with N tunnels on N/20 gateways (a gateway has at
# most 20 tunnels), each tunnel to a peer address of its own that never
# answers: each gateway namespace gets a permanent neighbour entry for its
# router that points at a MAC nobody owns, so that IKE packets are
# dropped at once instead of waiting for ARP (FACTS.md).  It prints:
#
#   - gateways: time from the VPN_Gateway rows written to every gateway
#     plumbed with its pluto running (the last "pluto is ready" that the
#     agent logs);
#   - load: time from the N VPN_Tunnel rows written (one transaction,
#     committed when the SB server replies) to the last conn loaded in the
#     plutos (the agent logs "NAME: conn added" or, for a batch of conns
#     loaded by one addconn, "N conns added", with millisecond timestamps;
#     the conns are then counted in the plutos with whack), and how long
#     the SB server took to commit the transaction after it was sent;
#   - floor: libreswan's own time for the same N conns (the texts the
#     agent gave its plutos) in one file, loaded into one running pluto
#     by one addconn call naming them all, and the ratio load / floor
#     (target: <= 1.5); also the same with "addconn --autoall", which
#     initiates them too, and with one addconn per gateway naming its
#     conns, one after the other (still into the one pluto): the agent
#     runs one per gateway too, but all at the same time, each into the
#     gateway's pluto;
#   - reload: time to replace all N conns (every tunnel made
#     response-only in one transaction), which also makes the plutos
#     quiet: nothing to initiate or retransmit;
#   - poll cost: over a quiet minute, the CPU of the agent (with the
#     commands it runs) and of the plutos, per status poll (one poll =
#     one gateway's pluto asked for its states and traffic, counted by the
#     agent's coverage counter vpn_pluto_poll) and as a share of one core
#     (target at N=1000: <= 1 %).  The agent's CPU in that minute also
#     covers its heartbeat and its periodic checks of the namespaces.
#
# Usage: tests/bench-agent.sh [N...]        (default: 100 500 1000)
# QUIET_SECS sets the length of the quiet period (default 60); AGENT the
# agent's binary (default: ovn-vpn-agent of this tree).

set -e

top=$(cd "$(dirname "$0")/.." && pwd)
SIZES=${*:-100 500 1000}
PER_GW=20
QUIET_SECS=${QUIET_SECS:-60}
PYTHON3=${PYTHON3:-/usr/bin/python3}
IPSEC=/usr/libexec/ipsec
AGENT=${AGENT:-ovn-vpn-agent}
export PATH=$top/ipsec-agent:$top/utilities:$PATH

if test "$(id -u)" != 0; then
    echo "bench-agent: must run as root (namespaces, plutos)" >&2
    exit 1
fi
if test ! -x $IPSEC/pluto; then
    echo "bench-agent: libreswan's pluto is not installed" >&2
    exit 1
fi

dir=$(mktemp -d /tmp/ovn-vpn-bench-agent.XXXXXX)

# The plutos' state directory (configuration, keys, one file per loaded
# conn) on a tmpfs, as the default $OVN_RUNDIR/ovn-vpn is where /run is
# a tmpfs: on this machine /run is on the disk, and creating a thousand
# files there costs seconds of ext4 inode allocation.
mkdir $dir/vpn
mount -t tmpfs -o size=256m,mode=0700 tmpfs $dir/vpn
id=b$$
chassis_ns=${id}ch
floor_ns=${id}fl
run_dir=/run/ovnvpn$id         # Short: pluto's socket path is limited.
floor_run=/run/ovnvpn${id}f

# now_us: microseconds since the epoch, without running a program (each
# costs milliseconds on this kind of machine).
now_us () {
    echo ${EPOCHREALTIME/./}
}

# cpu_ms PID [children]: user+system CPU time of PID in milliseconds, with
# its reaped children's if "children".
cpu_ms () {
    awk -v hz="$(getconf CLK_TCK)" -v ch="$2" '{
        t = $14 + $15; if (ch == "children") t += $16 + $17;
        print int(t * 1000 / hz) }' /proc/$1/stat
}

# log_ms TIMESTAMP: an OVS log timestamp (UTC) in ms since the epoch.
log_ms () {
    date -u -d "$(echo "$1" | sed 's/T/ /; s/Z$//')" +%s%3N
}

# sb_transact FILE: runs the SB transaction in FILE and prints two times
# (ms since the epoch): when it was sent (Python's start-up time is not
# counted) and when the SB server's reply came, that is, when the rows
# were committed (the server sends its monitors their updates at once).
sb_transact () {
    $PYTHON3 $top/tests/vpn-ovsdb.py transact-file sb "$1" --print-times-ms
}

agent_ctl () {
    ovs-appctl -t $dir/agent.ctl "$@"
}

stop_all () {
    if test -f $dir/agent.pid; then
        local pid=$(cat $dir/agent.pid)
        agent_ctl exit --cleanup 2>/dev/null || true
        for i in $(seq 100); do
            kill -0 $pid 2>/dev/null || break
            sleep 0.1
        done
        kill -9 $pid 2>/dev/null || true
    fi
    for pidfile in $run_dir/*/pluto.pid $floor_run/pluto.pid \
                   $dir/*.pid; do
        test -f "$pidfile" && kill "$(cat "$pidfile")" 2>/dev/null || true
    done
    sleep 0.5
    for ns in $(ip netns list | awk '{print $1}' | grep "^$id"); do
        ip netns del $ns
    done
    rm -rf $run_dir $floor_run $dir/*.pid $dir/*.db $dir/*.sock $dir/vpn/* \
           $dir/floor $dir/*.log
}

cleanup () {
    stop_all
    umount $dir/vpn 2>/dev/null || true
    rm -rf "$dir"
}
trap cleanup EXIT

# start_sandbox: the SB database with the merged schema, a stand-in
# Chassis_Private row, the chassis's namespace and Open_vSwitch database
# with br-int (no ovs-vswitchd: nothing forwards packets here), and the
# agent in that namespace.
start_sandbox () {
    ovsdb-tool create $dir/sb.db $top/ovn-vpn-sb.ovsschema
    ovsdb-server --detach --no-chdir --pidfile=$dir/sb.pid \
        --log-file=$dir/sb.log --unixctl=$dir/sb.ctl \
        --remote=punix:$dir/sb.sock $dir/sb.db 2>/dev/null
    export OVN_SB_DB=unix:$dir/sb.sock
    ovsdb-client transact $OVN_SB_DB '["OVN_Southbound",
        {"op": "insert", "table": "Chassis_Private",
         "row": {"name": "hv1"}}]' > /dev/null

    ovsdb-tool create $dir/conf.db /usr/share/openvswitch/vswitch.ovsschema
    ovsdb-server --detach --no-chdir --pidfile=$dir/ovs.pid \
        --log-file=$dir/ovs.log --unixctl=$dir/ovs.ctl \
        --remote=punix:$dir/db.sock $dir/conf.db 2>/dev/null
    ovs-vsctl --db=unix:$dir/db.sock --no-wait init -- add-br br-int \
        -- set open . external_ids:system-id=hv1 \
           external_ids:ovn-remote=$OVN_SB_DB
    ip netns add $chassis_ns
    ip -n $chassis_ns link set lo up

    nsenter --net=/run/netns/$chassis_ns \
        $AGENT --detach --no-chdir --pidfile=$dir/agent.pid \
        --log-file=$dir/agent.log --unixctl=$dir/agent.ctl \
        --netns-prefix=$id --state-dir=$dir/vpn --run-dir=$run_dir \
        --seal-key=$dir/seal-key.pem unix:$dir/db.sock 2>/dev/null
}

# gen_gateways G: the transaction that creates G gateways, gwNNN in
# 10.A.B.0/24 (router 10.A.B.1, gateway 10.A.B.2).
gen_gateways () {
    $PYTHON3 - "$1" <<'EOF'
import json, sys
ops = []
for g in range(int(sys.argv[1])):
    a, b = 1 + g // 250, g % 250
    ops.append({"op": "insert", "table": "VPN_Gateway",
                "row": {"name": "gw%03d" % g, "chassis": "hv1",
                        "logical_port": "lp-gw%03d" % g,
                        "mac": "0a:00:00:00:%02x:%02x" % (g // 256, g % 256),
                        "ip": "10.%d.%d.2" % (a, b), "prefix_len": 24,
                        "router_ip": "10.%d.%d.1" % (a, b),
                        "public_ip": "198.18.%d.%d" % (a, b)},
                "uuid-name": "gw%d" % g})
print(json.dumps(["OVN_Southbound"] + ops))
EOF
}

# gen_tunnels N: the transaction that creates N tunnels, 20 per gateway,
# each to a peer of its own (198.19.X.Y) and peer CIDR (100.X.Y.0/24).
gen_tunnels () {
    $PYTHON3 - "$1" "$PER_GW" "$OVN_SB_DB" <<'EOF'
import json, subprocess, sys
n, per_gw, db = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
out = subprocess.run(
    ["ovsdb-client", "query", db, json.dumps(
        ["OVN_Southbound", {"op": "select", "table": "VPN_Gateway",
                            "where": [], "columns": ["_uuid", "name"]}])],
    check=True, stdout=subprocess.PIPE, universal_newlines=True).stdout
gws = {r["name"]: r["_uuid"][1] for r in json.loads(out)[0]["rows"]}
ops = []
for i in range(n):
    g = i // per_gw
    a, b = 1 + g // 250, g % 250
    peer = "198.19.%d.%d" % (i // 250, i % 250 + 1)
    ops.append({"op": "insert", "table": "VPN_Tunnel",
                "row": {"name": "t%04d" % i,
                        "gateway": ["uuid", gws["gw%03d" % g]],
                        "ike_group": "%s-%s" % (gws["gw%03d" % g], peer),
                        "generation": 1,
                        "peer_ip": peer, "peer_id": peer,
                        "local_id": "198.18.%d.%d" % (a, b),
                        "local_cidrs": "10.%d.%d.0/24" % (a, b),
                        "peer_cidrs": "100.%d.%d.0/24" % (64 + i // 256,
                                                          i % 256),
                        "psk": "bench-key-%d" % i,
                        "ike_version": "ikev2", "ike_mode": "main",
                        "ike_encryption": "aes128", "ike_integrity": "sha1",
                        "ike_dh_group": 14, "ike_lifetime": 86400,
                        "ipsec_protocol": "esp",
                        "ipsec_encryption": "aes128",
                        "ipsec_integrity": "sha1", "ipsec_pfs_group": 14,
                        "ipsec_lifetime": 86400, "dpd_action": "hold",
                        "dpd_delay": 8, "dpd_timeout": 13,
                        "initiator": "bi-directional"}})
print(json.dumps(["OVN_Southbound"] + ops))
EOF
}

# n_loaded RUNDIR: the conns loaded in the pluto of RUNDIR.
n_loaded () {
    $IPSEC/whack --rundir $1 --status \
        | sed -n 's/.*Total IPsec connections: loaded \([0-9]*\).*/\1/p'
}

# count_loaded: conns loaded in all the agent's plutos.
count_loaded () {
    local n=0 rd
    for rd in $run_dir/*/; do
        n=$(( n + $(n_loaded $rd) ))
    done
    echo $n
}

# wait_until TIMEOUT_SECS COMMAND...: runs COMMAND every 0.1 s until it
# succeeds.
wait_until () {
    local deadline=$(( $(date +%s) + $1 ))
    shift
    until "$@"; do
        if test $(date +%s) -ge $deadline; then
            echo "bench-agent: timed out waiting for: $*" >&2
            return 1
        fi
        sleep 0.1
    done
}

gateways_running () {
    test "$(agent_ctl status | grep -c 'plumbed, pluto [0-9]')" = "$1"
}

# n_added: the conns that the agent's log says it loaded.
n_added () {
    awk '/: conn added/ { n++ }
         / conns added / { for (i = 1; i + 2 <= NF; i++)
                               if ($(i + 1) == "conns" && $(i + 2) == "added")
                                   n += $i }
         END { print n + 0 }' $dir/agent.log
}

conns_added () {
    test "$(n_added)" -ge "$1"
}

conns_added_again () {
    test "$(n_added)" -ge $(( 2 * $1 ))
}

# last_added_ms: log time of the last "conn added" or "conns added".
last_added_ms () {
    log_ms "$(grep -E ': (conn|[0-9]+ conns) added' $dir/agent.log | tail -1 \
              | cut -d'|' -f1)"
}

# floor names|autoall|pergw: loads the conns that the agent's plutos
# have, in one file, into a fresh pluto with one addconn call, and prints
# its time in ms and the number of conns loaded.  "names" names them all
# (addconn only adds them), "autoall" uses --autoall (which also
# initiates those with auto=start), "pergw" runs one addconn per
# gateway's file, naming its conns, one after the other (into the one
# pluto).
floor () {
    local fd=$dir/floor names
    rm -rf $fd $floor_run
    ip netns del $floor_ns 2>/dev/null || true
    mkdir -p $fd/nss $fd/ipsec.d $floor_run
    certutil -N -d sql:$fd/nss --empty-password
    printf 'config setup\n    ikev1-policy=accept\n    uniqueids=yes\n' \
        > $fd/ipsec.conf
    cat $dir/vpn/*/conns/*.conf > $fd/conns.conf
    local gwdir i=0
    for gwdir in $dir/vpn/*/conns; do
        cat $gwdir/*.conf > $fd/gw$i.conf
        i=$(( i + 1 ))
    done
    cat $dir/vpn/*/ipsec.secrets > $fd/ipsec.secrets
    chmod 600 $fd/ipsec.secrets
    names=$(sed -n 's/^conn //p' $fd/conns.conf)

    # Every gateway's address is local to this pluto, as each is to its
    # own pluto in the agent's case, and the same neighbour trick.
    ip netns add $floor_ns
    ip -n $floor_ns link set lo up
    ip -n $floor_ns link add fl0 type veth peer name fl1
    ip -n $floor_ns link set fl0 up
    ip -n $floor_ns link set fl1 up
    for a in $(sed -n 's/^ *left=//p' $fd/conns.conf | sort -u); do
        ip -n $floor_ns addr add $a/24 dev fl0
    done
    ip -n $floor_ns route add default via 10.1.0.1 dev fl0
    ip -n $floor_ns neigh replace 10.1.0.1 lladdr 02:00:00:00:00:01 \
        dev fl0 nud permanent

    ip netns exec $floor_ns $IPSEC/pluto --config $fd/ipsec.conf \
        --rundir $floor_run --nssdir $fd/nss --secretsfile $fd/ipsec.secrets \
        --ipsecdir $fd/ipsec.d --logfile $fd/pluto.log --nofork \
        > $fd/pluto.stderr 2>&1 &
    echo $! > $floor_run/pluto.pid
    wait_until 10 test -S $floor_run/pluto.ctl
    sleep 0.5

    if test $1 = autoall; then
        names=--autoall
    fi
    local f gw_names=()
    for f in $fd/gw*.conf; do
        gw_names+=("$(sed -n 's/^conn //p' $f)")
    done
    local t0=${EPOCHREALTIME/./}
    if test $1 = pergw; then
        i=0
        for f in $fd/gw*.conf; do
            $IPSEC/addconn --config $f --ctlsocket $floor_run/pluto.ctl \
                ${gw_names[i]} >> $fd/addconn.out 2>&1
            i=$(( i + 1 ))
        done
    else
        $IPSEC/addconn --config $fd/conns.conf \
            --ctlsocket $floor_run/pluto.ctl $names > $fd/addconn.out 2>&1
    fi
    local t1=${EPOCHREALTIME/./}
    local t=$(( (t1 - t0) / 1000 ))
    local loaded=$(n_loaded $floor_run)
    local pid=$(cat $floor_run/pluto.pid)
    kill $pid
    while kill -0 $pid 2>/dev/null; do sleep 0.1; done
    ip netns del $floor_ns
    echo "$t $loaded"
}

echo "ovn-vpn bench-agent: N tunnels, $PER_GW per gateway, peers that never answer"
if test "$AGENT" = ovn-vpn-agent \
   && grep -q '^SANITIZER_FLAGS = -f' $top/Makefile 2>/dev/null; then
    echo "warning: this build uses the sanitizers; the agent's figures are pessimistic"
fi
echo

for N in $SIZES; do
    G=$(( (N + PER_GW - 1) / PER_GW ))
    echo "== N=$N tunnels, $G gateways"
    start_sandbox
    agent_pid=$(cat $dir/agent.pid)

    # Gateways.
    gen_gateways $G > $dir/gateways.json
    set -- $(sb_transact $dir/gateways.json)
    t0=$1
    wait_until 300 gateways_running $G
    t=$(( $(log_ms "$(grep ': pluto (pid [0-9]*) is ready' $dir/agent.log \
                      | tail -1 | cut -d'|' -f1)") - t0 ))
    printf '  gateways:   %6d ms for %d namespaces and plutos (%d ms each)\n' \
        $t $G $(( t / G ))
    for g in $(seq 0 $(( G - 1 ))); do
        ip -n $id-$(printf 'gw%03d' $g) neigh replace \
            10.$(( 1 + g / 250 )).$(( g % 250 )).1 \
            lladdr 02:00:00:00:00:01 dev eth0 nud permanent
    done

    # Tunnels.
    gen_tunnels $N > $dir/tunnels.json
    set -- $(sb_transact $dir/tunnels.json)
    sent=$1 t0=$2
    wait_until 600 conns_added $N
    load=$(( $(last_added_ms) - t0 ))
    addconns=$(agent_ctl coverage/read-counter vpn_pluto_addconn)
    loaded=$(count_loaded)
    printf '  load:       %6d ms from the SB rows to %d conns loaded (%d in the plutos, %d addconn calls)\n' \
        $load $N $loaded $addconns
    printf '              (%d ms before, the SB server got the transaction, which it took that long to commit)\n' \
        $(( t0 - sent ))

    set -- $(floor names)
    floor_ms=$1
    printf '  floor:      %6d ms for one addconn of %d conns into one pluto (%d loaded)\n' \
        $floor_ms $N $2
    set -- $(floor autoall)
    printf '              %6d ms with --autoall, which also initiates them (%d loaded)\n' \
        $1 $2
    set -- $(floor pergw)
    printf '              %6d ms with one addconn per gateway, one after the other (%d loaded)\n' \
        $1 $2
    printf '  ratio:      %6s   load / floor (target <= 1.5)\n' \
        $(awk -v a=$load -v b=$floor_ms 'BEGIN { printf "%.1f", b ? a / b : 0 }')

    # Every tunnel response-only: all conns replaced, then nothing to do.
    sed 's/"bi-directional"/"response-only"/' $dir/tunnels.json \
        | $PYTHON3 -c '
import json, sys
txn = json.load(sys.stdin)
ops = [txn[0]]
for op in txn[1:]:
    ops.append({"op": "update", "table": "VPN_Tunnel",
                "where": [["name", "==", op["row"]["name"]]],
                "row": {"initiator": "response-only", "generation": 2}})
print(json.dumps(ops))' > $dir/quiet.json
    set -- $(sb_transact $dir/quiet.json)
    t0=$2
    wait_until 900 conns_added_again $N
    t=$(( $(last_added_ms) - t0 ))
    printf '  reload:     %6d ms to replace all %d conns\n' $t $N

    # A quiet period.
    sleep 5
    plutos=$(cat $run_dir/*/pluto.pid)
    a0=$(cpu_ms $agent_pid children)
    s0=$(cpu_ms $agent_pid)
    p0=0
    for p in $plutos; do p0=$(( p0 + $(cpu_ms $p) )); done
    polls0=$(agent_ctl coverage/read-counter vpn_pluto_poll)
    t0=$(now_us)
    sleep $QUIET_SECS
    t=$(( ($(now_us) - t0) / 1000 ))
    a1=$(cpu_ms $agent_pid children)
    s1=$(cpu_ms $agent_pid)
    p1=0
    for p in $plutos; do p1=$(( p1 + $(cpu_ms $p) )); done
    polls=$(( $(agent_ctl coverage/read-counter vpn_pluto_poll) - polls0 ))
    $PYTHON3 - $t $polls $(( s1 - s0 )) $(( a1 - a0 )) $(( p1 - p0 )) <<'EOF'
import sys
t, polls, agent, agent_whack, plutos = map(int, sys.argv[1:])
def pct(ms):
    return 100.0 * ms / t
polls = max(polls, 1)
print("  poll cost:  %d polls in %.0f s: agent %.2f ms/poll (%.2f %% of a"
      " core),\n              with its whack commands %.2f ms/poll"
      " (%.2f %%), plutos %.2f ms/poll (%.2f %%)"
      % (polls, t / 1000.0, agent / polls, pct(agent),
         agent_whack / polls, pct(agent_whack), plutos / polls,
         pct(plutos)))
print("              total %.2f %% of a core (target at N=1000: <= 1 %%)"
      % pct(agent_whack + plutos))
EOF
    stop_all
    echo
done
