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

# bench-status.sh: the status benchmark ("make bench-status").  Not a
# test: it prints figures and asserts nothing.
#
# What agents' reports and heartbeats cost stock OVN.  For each C, in a
# fresh sandbox (NB, SB and the status database on TCP, stock ovn-northd,
# ovn-vpn-northd), T tunnels on T/20 gateways, one per VPC (at least 100
# VPCs, each with a router, a switch and a distributed gateway port), each
# gateway with two candidate chassis; C simulated chassis
# (tests/vpn-status-sim: the agent's own report and heartbeat code) run
# them.  Once every tunnel shows connected, it measures over SECS seconds
# at rest (counters moving), then over SECS seconds of churn (one tunnel
# state change a second), and prints one line per C:
#   - stock ovn-northd's full recomputes (northd and lflow nodes) and CPU;
#   - NB and SB ovsdb-server CPU (the SB's serves the status database);
#   - bytes each simulated chassis received from the servers, on average,
#     for the initial sync and per minute after it;
#   - status latency p50/p99 (ms) from a simulated pluto event to the
#     tunnel's NB status;
#   - failover: ms from the death of a chassis until every tunnel it ran
#     shows connected on another.
#
# Usage: tests/bench-status.sh [C...]   (default: 1 100 500)
# Environment: T (tunnels, default 10000), SECS (default 60), BEAT_MSEC
# (the chassis's heartbeat interval, default 2000).

set -e

top=$(cd "$(dirname "$0")/.." && pwd)
CS=${*:-1 100 500}
T=${T:-10000}
SECS=${SECS:-60}
BEAT_MSEC=${BEAT_MSEC:-2000}
PER_GW=20
PYTHON3=${PYTHON3:-/usr/bin/python3}
export PATH=$top/utilities:$top/northd-ext:$top/tests:$PATH

# Hundreds of simulated chassis hold three connections each.
ulimit -n 65536 2>/dev/null || ulimit -n 4096

now_ms () {
    date +%s%3N
}

# cpu_ms PID: user+system CPU time of PID in milliseconds.
cpu_ms () {
    awk -v hz="$(getconf CLK_TCK)" '{print int(($14 + $15) * 1000 / hz)}' \
        /proc/$1/stat
}

# free_port: a TCP port nobody listens on.
free_port () {
    $PYTHON3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# recomputes: stock ovn-northd's full recomputes of its northd and lflow
# nodes, summed.
recomputes () {
    local n=0 node r
    for node in northd lflow; do
        r=$(ovn-appctl -t $dir/northd.ctl inc-engine/show-stats $node \
                recompute)
        n=$((n + r))
    done
    echo $n
}

# rx_bytes PID PORT: bytes received by PID's TCP sockets to PORT
# (tcp_info), the simulated chassis's connections to the SB's server.
rx_bytes () {
    ss -tinpH 2>/dev/null \
        | awk -v pid="pid=$1," -v port=":$2" '
            /^[A-Z]/ { mine = index($0, pid) \
                          && substr($5, length($5) - length(port) + 1) \
                             == port; next }
            mine && match($0, /bytes_received:[0-9]+/) {
                n += substr($0, RSTART + 15, RLENGTH - 15); mine = 0 }
            END { print n + 0 }'
}

# gen C: the NB transaction: T/20 VPCs, each with a gateway (candidates
# hv(v % C) at 20 and hv((v + 1) % C) at 10), a peer and 20 tunnels.
gen () {
    $PYTHON3 - "$1" "$T" "$PER_GW" <<'EOF'
import json, sys
c, n, per_gw = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
ops = []
n_vpc = max(100, (n + per_gw - 1) // per_gw)
def named(name):
    return ["named-uuid", name]
for v in range(n_vpc):
    a, b = 10 + v // 200, v % 200
    ops.append({"op": "insert", "table": "Gateway_Chassis",
                "row": {"name": "gc%d" % v, "chassis_name": "hv%d" % (v % c),
                        "priority": 10}, "uuid-name": "gc_%d" % v})
    ops.append({"op": "insert", "table": "Logical_Router_Port",
                "row": {"name": "vpc%d-pub" % v,
                        "mac": "00:00:01:00:%02x:%02x" % (v // 256, v % 256),
                        "networks": "100.64.%d.%d/16" % (v // 200, v % 200 + 1),
                        "gateway_chassis": named("gc_%d" % v)},
                "uuid-name": "lrp_pub_%d" % v})
    ops.append({"op": "insert", "table": "Logical_Router_Port",
                "row": {"name": "vpc%d-in" % v,
                        "mac": "00:00:02:00:%02x:%02x" % (v // 256, v % 256),
                        "networks": "%d.%d.0.1/16" % (a, b)},
                "uuid-name": "lrp_in_%d" % v})
    ops.append({"op": "insert", "table": "Logical_Router_Static_Route",
                "row": {"ip_prefix": "0.0.0.0/0",
                        "nexthop": "100.64.255.254"},
                "uuid-name": "rt_%d" % v})
    ops.append({"op": "insert", "table": "Logical_Switch_Port",
                "row": {"name": "ls%d-r" % v, "type": "router",
                        "addresses": "router",
                        "options": ["map", [["router-port", "vpc%d-in" % v]]]},
                "uuid-name": "lsp_%d" % v})
    vms = []
    for m in range(4):
        ops.append({"op": "insert", "table": "Logical_Switch_Port",
                    "row": {"name": "vm%d_%d" % (v, m),
                            "addresses": "00:00:03:%02x:%02x:%02x %d.%d.%d.%d"
                            % (v // 256, v % 256, m, a, b, 100 + m, 10)},
                    "uuid-name": "vm_%d_%d" % (v, m)})
        vms.append(named("vm_%d_%d" % (v, m)))
    ops.append({"op": "insert", "table": "Logical_Switch",
                "row": {"name": "ls%d" % v,
                        "ports": ["set", [named("lsp_%d" % v)] + vms]},
                "uuid-name": "ls_%d" % v})
    ops.append({"op": "insert", "table": "Logical_Router",
                "row": {"name": "vpc%d" % v,
                        "ports": ["set", [named("lrp_pub_%d" % v),
                                          named("lrp_in_%d" % v)]],
                        "static_routes": named("rt_%d" % v)},
                "uuid-name": "lr_%d" % v})
    tunnels = min(per_gw, n - v * per_gw)
    if tunnels <= 0:
        continue
    cand = [["hv%d" % (v % c), 20]]
    if c > 1:
        cand.append(["hv%d" % ((v + 1) % c), 10])
    ops.append({"op": "insert", "table": "VPN_Gateway",
                "row": {"name": "gw%d" % v, "router": named("lr_%d" % v),
                        "logical_switch": named("ls_%d" % v),
                        "public_ip": "100.64.%d.%d" % (100 + v // 200, v % 200 + 1),
                        "internal_ip": "%d.%d.0.5" % (a, b),
                        "chassis": ["map", cand]},
                "uuid-name": "gw_%d" % v})
    ops.append({"op": "insert", "table": "VPN_Peer",
                "row": {"name": "peer%d" % v,
                        "ip": "198.18.%d.%d" % (v // 200, v % 200 + 1)},
                "uuid-name": "peer_%d" % v})
    for t in range(tunnels):
        ops.append({"op": "insert", "table": "VPN_Tunnel",
                    "row": {"name": "t%d_%d" % (v, t),
                            "gateway": named("gw_%d" % v),
                            "peer": named("peer_%d" % v),
                            "local_cidrs": "%d.%d.%d.0/24" % (a, b, t + 1),
                            "peer_cidrs": "172.%d.%d.0/24" % (16 + t % 16, t),
                            "psk": "bench-secret-%d" % v,
                            "created_at": v * per_gw + t}})
print(json.dumps(["OVN_Northbound"] + ops))
EOF
}

echo "ovn-vpn bench-status: T=$T tunnels," \
     "$(( (T + PER_GW - 1) / PER_GW )) gateways, ${SECS} s at rest" \
     "and ${SECS} s of churn (1 state change/s) per C, heartbeats every" \
     "$BEAT_MSEC ms"
if grep -q '^SANITIZER_FLAGS = -f' $top/Makefile 2>/dev/null; then
    echo "warning: this build uses the sanitizers; figures are pessimistic"
fi
printf '%5s | %-15s %-15s | %-15s %-15s | %-11s %-11s | %-17s | %-11s | %s\n' \
    C "rest:recomp" "rest:northdCPU" "churn:recomp" "churn:northdCPU" \
    "NB cpu" "SB cpu" "bytes/ch sync,min" "lat p50/p99" "failover"

for C in $CS; do
    dir=$(mktemp -d /tmp/ovn-vpn-bench-status.XXXXXX)
    export OVS_RUNDIR=$dir OVS_LOGDIR=$dir OVS_DBDIR=$dir
    export OVN_RUNDIR=$dir OVN_LOGDIR=$dir OVN_DBDIR=$dir
    nb_port=$(free_port)
    sb_port=$(free_port)
    # The simulated chassis connect over TCP, whose bytes ss counts.
    export OVN_NB_DB=unix:$dir/nb.sock OVN_SB_DB=unix:$dir/sb.sock
    trap 'for p in $dir/*.pid; do kill $(cat $p) 2>/dev/null; done; test -n "$BENCH_KEEP" || rm -rf $dir' EXIT

    ovsdb-tool create $dir/nb.db $top/ovn-vpn-nb.ovsschema
    ovsdb-tool create $dir/sb.db $top/ovn-vpn-sb.ovsschema
    ovsdb-tool create $dir/status.db $top/schemas/vpn-status.ovsschema
    ovsdb-server --detach --no-chdir --pidfile=$dir/nb.pid \
        --log-file=$dir/nb.log --unixctl=$dir/nb.ctl -vconsole:off \
        --remote=punix:$dir/nb.sock --remote=ptcp:$nb_port:127.0.0.1 \
        $dir/nb.db 2>/dev/null
    ovsdb-server --detach --no-chdir --pidfile=$dir/sb.pid \
        --log-file=$dir/sb.log --unixctl=$dir/sb.ctl -vconsole:off \
        --remote=punix:$dir/sb.sock --remote=ptcp:$sb_port:127.0.0.1 \
        $dir/sb.db $dir/status.db 2>/dev/null
    ovn-northd --detach --no-chdir --pidfile=$dir/northd.pid \
        --log-file=$dir/northd.log --unixctl=$dir/northd.ctl -vconsole:off \
        --ovnnb-db=$OVN_NB_DB --ovnsb-db=$OVN_SB_DB 2>/dev/null
    ovn-vpn-northd --detach --no-chdir --pidfile=$dir/vnd.pid \
        --log-file=$dir/vnd.log --unixctl=$dir/vnd.ctl -vconsole:off \
        --ovnnb-db=$OVN_NB_DB --ovnsb-db=$OVN_SB_DB 2>/dev/null

    gen $C > $dir/nb.json
    $PYTHON3 $top/tests/vpn-ovsdb.py transact-file nb $dir/nb.json
    # The simulated chassis are real ones (Chassis rows, as their
    # ovn-controllers would make): gateways are placed on no other.
    $PYTHON3 - "$C" > $dir/chassis.json <<'EOF'
import json, sys
ops = []
for i in range(int(sys.argv[1])):
    ops.append({"op": "insert", "table": "Encap",
                "row": {"type": "geneve", "ip": "10.%d.%d.%d"
                        % (i // 65536 + 128, i // 256 % 256, i % 256),
                        "chassis_name": "hv%d" % i},
                "uuid-name": "e%d" % i})
    ops.append({"op": "insert", "table": "Chassis",
                "row": {"name": "hv%d" % i, "hostname": "hv%d" % i,
                        "encaps": ["named-uuid", "e%d" % i]}})
print(json.dumps(["OVN_Southbound"] + ops))
EOF
    $PYTHON3 $top/tests/vpn-ovsdb.py transact-file sb $dir/chassis.json
    vpn-status-sim --sb=tcp:127.0.0.1:$sb_port --nb=tcp:127.0.0.1:$nb_port \
        --chassis=$C --heartbeat-interval=$BEAT_MSEC \
        --unixctl=$dir/sim.ctl > $dir/sim.log 2>&1 &
    echo $! > $dir/sim.pid
    sim_pid=$!

    # Every tunnel connected, and quiet for a few seconds.
    t0=$(now_ms)
    while :; do
        set -- $(ovs-appctl -t $dir/sim.ctl sim/connected 2>/dev/null \
                 || echo 0 1)
        test "$1" = "$T" && break
        if test $(( $(now_ms) - t0 )) -gt 900000; then
            echo "C=$C: only $1 of $T tunnels connected after 900 s" >&2
            exit 1
        fi
        sleep 1
    done
    ovn-nbctl --timeout=600 --wait=sb sync
    sync_rx=$(rx_bytes $sim_pid $sb_port)
    sleep 5

    northd_pid=$(cat $dir/northd.pid)
    nb_pid=$(cat $dir/nb.pid)
    sb_pid=$(cat $dir/sb.pid)

    # At rest, counters moving.
    r0=$(recomputes); c0=$(cpu_ms $northd_pid)
    nb0=$(cpu_ms $nb_pid); sb0=$(cpu_ms $sb_pid); rx0=$(rx_bytes $sim_pid $sb_port)
    sleep $SECS
    rest_r=$(( $(recomputes) - r0 )); rest_c=$(( $(cpu_ms $northd_pid) - c0 ))

    # Churn: one state change a second.
    ovs-appctl -t $dir/sim.ctl sim/reset-latency
    r0=$(recomputes); c0=$(cpu_ms $northd_pid)
    ovs-appctl -t $dir/sim.ctl sim/churn 1 $SECS
    sleep $SECS
    sleep 2
    churn_r=$(( $(recomputes) - r0 ))
    churn_c=$(( $(cpu_ms $northd_pid) - c0 ))
    nb_c=$(( $(cpu_ms $nb_pid) - nb0 )); sb_c=$(( $(cpu_ms $sb_pid) - sb0 ))
    rx_min=$(( ($(rx_bytes $sim_pid $sb_port) - rx0) * 60 / (2 * SECS) / C ))
    set -- $(ovs-appctl -t $dir/sim.ctl sim/latency)
    lat="$2/$3"

    # A chassis dies.
    if test $C -gt 1; then
        ovs-appctl -t $dir/sim.ctl sim/kill hv0
        while :; do
            fo=$(ovs-appctl -t $dir/sim.ctl sim/failover)
            test "$fo" != pending && break
            sleep 0.2
        done
        fo="$fo ms"
    else
        fo="n/a"
    fi

    printf '%5s | %-15s %-15s | %-15s %-15s | %-11s %-11s | %-17s | %-11s | %s\n' \
        $C "$rest_r" "$rest_c ms" "$churn_r" "$churn_c ms" \
        "$nb_c ms" "$sb_c ms" "$(( sync_rx / C )),$rx_min" "$lat ms" "$fo"

    ovs-appctl -t $dir/sim.ctl exit 2>/dev/null || true
    for p in $dir/*.pid; do kill $(cat $p) 2>/dev/null || true; done
    sleep 1
    rm -rf $dir
    trap - EXIT
done
echo "(recomp: full recomputes of ovn-northd's northd and lflow nodes;" \
     "CPU over each ${SECS} s phase; NB/SB: both phases;" \
     "bytes/ch: initial sync, then per minute; failover: kill of hv0)"
