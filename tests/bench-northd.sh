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

# bench-northd.sh: the translator's benchmark ("make bench-northd").  Not a
# test: it prints figures and asserts nothing.
#
# In a sandbox (NB and SB with the merged schemas, stock ovn-northd,
# ovn-vpn-northd, a stand-in agent reporting every tunnel connected) it
# builds N tunnels with P peer CIDRs each (20 tunnels per gateway, one
# gateway and one peer per VPC, every VPC with a default route) and
# prints:
#   - ovn-vpn-northd's cold full sync: wall time, CPU, peak RSS;
#   - one tunnel's CIDR change among N: the translator's own run time, the
#     time until its result is in the NB, and ovn-northd's time to process
#     it (until the SB is in sync);
#   - ovn-northd's time and CPU to process the whole result;
#   - the same traffic encoded naively, one policy per (local, peer) pair,
#     in a fresh sandbox: ovn-northd's time and CPU for all of it and for
#     one change.
#
# Usage: tests/bench-northd.sh [N [P]]   (defaults 1000 and 20)

set -e

top=$(cd "$(dirname "$0")/.." && pwd)
N=${1:-1000}
P=${2:-20}
PER_GW=20
dir=$(mktemp -d /tmp/ovn-vpn-bench.XXXXXX)
export PATH=$top/utilities:$top/northd-ext:$PATH
export OVS_RUNDIR=$dir OVS_LOGDIR=$dir OVS_DBDIR=$dir
export OVN_RUNDIR=$dir OVN_LOGDIR=$dir OVN_DBDIR=$dir
export OVN_NB_DB=unix:$dir/nb.sock OVN_SB_DB=unix:$dir/sb.sock
PYTHON3=${PYTHON3:-/usr/bin/python3}

cleanup () {
    for pidfile in "$dir"/*.pid; do
        test -f "$pidfile" && kill "$(cat "$pidfile")" 2>/dev/null || true
    done
    rm -rf "$dir"
}
trap cleanup EXIT

now_ms () {
    date +%s%3N
}

# cpu_ms PID: user+system CPU time of PID in milliseconds.
cpu_ms () {
    awk -v hz="$(getconf CLK_TCK)" '{print int(($14 + $15) * 1000 / hz)}' \
        /proc/$1/stat
}

rss_kb () {
    awk '/VmHWM/ {print $2}' /proc/$1/status
}

start_dbs () {
    ovsdb-tool create $dir/status.db $top/schemas/vpn-status.ovsschema
    for db in nb sb; do
        ovsdb-tool create $dir/$db.db $top/ovn-vpn-$db.ovsschema
        ovsdb-server --detach --no-chdir --pidfile=$dir/$db.pid \
            --log-file=$dir/$db.log --unixctl=$dir/$db.ctl \
            --remote=punix:$dir/$db.sock $dir/$db.db \
            $(test $db = sb && echo $dir/status.db)
    done
    ovn-northd --detach --no-chdir --pidfile=$dir/northd.pid \
        --log-file=$dir/northd.log --ovnnb-db=$OVN_NB_DB \
        --ovnsb-db=$OVN_SB_DB
}

stop_all () {
    for pidfile in "$dir"/*.pid; do
        test -f "$pidfile" && kill "$(cat "$pidfile")" 2>/dev/null || true
    done
    sleep 1
    rm -f $dir/*.db $dir/*.pid
}

# gen MODE: prints an ovsdb-client transaction creating the VPCs and, in
# MODE "vpn", the VPN rows, in MODE "naive", one reroute policy per
# (local, peer) pair.
gen () {
    $PYTHON3 - "$1" "$N" "$P" "$PER_GW" <<'EOF'
import json, sys
mode, n, p, per_gw = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
ops = []
n_vpc = (n + per_gw - 1) // per_gw
def named(name):
    return ["named-uuid", name]
for v in range(n_vpc):
    a, b = 10 + v // 200, v % 200
    lrp_pub, lrp_in = "lrp_pub_%d" % v, "lrp_in_%d" % v
    ops.append({"op": "insert", "table": "Gateway_Chassis",
                "row": {"name": "gc%d" % v, "chassis_name": "hv1",
                        "priority": 10}, "uuid-name": "gc_%d" % v})
    ops.append({"op": "insert", "table": "Logical_Router_Port",
                "row": {"name": "vpc%d-pub" % v, "mac": "00:00:01:00:%02x:%02x" % (v // 256, v % 256),
                        "networks": "100.64.%d.%d/16" % (v // 200, v % 200 + 1),
                        "gateway_chassis": named("gc_%d" % v)},
                "uuid-name": lrp_pub})
    ops.append({"op": "insert", "table": "Logical_Router_Port",
                "row": {"name": "vpc%d-in" % v, "mac": "00:00:02:00:%02x:%02x" % (v // 256, v % 256),
                        "networks": "%d.%d.0.1/16" % (a, b)},
                "uuid-name": lrp_in})
    ops.append({"op": "insert", "table": "Logical_Router_Static_Route",
                "row": {"ip_prefix": "0.0.0.0/0",
                        "nexthop": "100.64.255.254"},
                "uuid-name": "rt_%d" % v})
    ops.append({"op": "insert", "table": "Logical_Switch_Port",
                "row": {"name": "ls%d-r" % v, "type": "router",
                        "addresses": "router",
                        "options": ["map", [["router-port", "vpc%d-in" % v]]]},
                "uuid-name": "lsp_%d" % v})
    ops.append({"op": "insert", "table": "Logical_Switch",
                "row": {"name": "ls%d" % v, "ports": named("lsp_%d" % v)},
                "uuid-name": "ls_%d" % v})
    router = {"name": "vpc%d" % v,
              "ports": ["set", [named(lrp_pub), named(lrp_in)]],
              "static_routes": named("rt_%d" % v)}
    if mode == "naive":
        pols = []
        for t in range(min(per_gw, n - v * per_gw)):
            for q in range(p):
                name = "pol_%d_%d_%d" % (v, t, q)
                ops.append({"op": "insert", "table": "Logical_Router_Policy",
                            "row": {"priority": 31001, "action": "reroute",
                                    "match": "ip4.src == %d.%d.%d.0/24 && ip4.dst == 172.%d.%d.0/24" % (a, b, t + 1, 16 + t % 16, q),
                                    "nexthops": "%d.%d.0.5" % (a, b)},
                            "uuid-name": name})
                pols.append(named(name))
        router["policies"] = ["set", pols]
    ops.append({"op": "insert", "table": "Logical_Router", "row": router,
                "uuid-name": "lr_%d" % v})
    if mode != "vpn":
        continue
    ops.append({"op": "insert", "table": "VPN_Gateway",
                "row": {"name": "gw%d" % v, "router": named("lr_%d" % v),
                        "logical_switch": named("ls_%d" % v),
                        "public_ip": "100.64.%d.%d" % (100 + v // 200, v % 200 + 1),
                        "internal_ip": "%d.%d.0.5" % (a, b),
                        "chassis": ["map", [["hv1", 10]]]},
                "uuid-name": "gw_%d" % v})
    ops.append({"op": "insert", "table": "VPN_Peer",
                "row": {"name": "peer%d" % v,
                        "ip": "198.18.%d.%d" % (v // 200, v % 200 + 1)},
                "uuid-name": "peer_%d" % v})
    for t in range(min(per_gw, n - v * per_gw)):
        ops.append({"op": "insert", "table": "VPN_Tunnel",
                    "row": {"name": "t%d_%d" % (v, t),
                            "gateway": named("gw_%d" % v),
                            "peer": named("peer_%d" % v),
                            "local_cidrs": "%d.%d.%d.0/24" % (a, b, t + 1),
                            "peer_cidrs": ["set", ["172.%d.%d.0/24" % (16 + t % 16, q) for q in range(p)]],
                            "psk": "bench-secret-%d" % v,
                            "created_at": v * per_gw + t}})
print(json.dumps(["OVN_Northbound"] + ops))
EOF
}

# wait_sb_sync: time (ms) for "ovn-nbctl --wait=sb sync".
wait_sb_sync () {
    local t0=$(now_ms)
    ovn-nbctl --timeout=600 --wait=sb sync
    echo $(( $(now_ms) - t0 ))
}

echo "ovn-vpn bench-northd: N=$N tunnels x P=$P peer CIDRs" \
     "($(( (N + PER_GW - 1) / PER_GW )) VPCs)"
if grep -q -- '-fsanitize' $top/Makefile 2>/dev/null \
   && grep -q '^SANITIZER_FLAGS = -f' $top/Makefile; then
    echo "warning: this build uses the sanitizers; figures are pessimistic"
fi

# ---- Our encoding. ----
start_dbs
gen vpn > $dir/vpn.json
$PYTHON3 $top/tests/vpn-ovsdb.py transact-file nb $dir/vpn.json
t=$(wait_sb_sync)
echo "setup: stock ovn-northd processed the VPCs in $t ms"

# A stand-in agent on hv1, a real chassis (the Chassis row that its
# ovn-controller would make), reporting in the status database as agents
# do: a heartbeat and every tunnel connected.
ovn-sbctl chassis-add hv1 geneve 127.0.0.1
$PYTHON3 - "$N" "$PER_GW" > $dir/reports.json <<'EOF'
import json, sys
n, per_gw = int(sys.argv[1]), int(sys.argv[2])
report = [["ovn-vpn-dh-groups", "5,14,19,20,21,31"],
          ["ovn-vpn-encryption", "3des,aes128,aes192,aes256"],
          ["ovn-vpn-integrity", "md5,sha1,sha2-256"],
          ["ovn-vpn-seal-key", "xCljwPldQMb/1XLXPnx+WM4FB0ENgpdos3WL/z71UR4="]]
for i in range(n):
    v, t = divmod(i, per_gw)
    report.append(["ovn-vpn-tun-t%d_%d" % (v, t), "1;connected;0;;;;;"])
print(json.dumps(["OVN_VPN_Status",
                  {"op": "insert", "table": "Chassis_Report",
                   "row": {"chassis": "hv1", "heartbeat": 1,
                           "report": ["map", report]}}]))
EOF
$PYTHON3 $top/tests/vpn-ovsdb.py transact-file status $dir/reports.json
(while :; do
     ovsdb-client --timeout=5 transact $OVN_SB_DB '["OVN_VPN_Status",
         {"op": "mutate", "table": "Chassis_Report",
          "where": [["chassis", "==", "hv1"]],
          "mutations": [["heartbeat", "+=", 1]]}]' 2>/dev/null || true
     sleep 1
 done) > /dev/null 2>&1 &
echo $! > $dir/heartbeat.pid

northd_pid=$(cat $dir/northd.pid)
northd_cpu0=$(cpu_ms $northd_pid)
t0=$(now_ms)
ovn-vpn-northd --detach --no-chdir --pidfile=$dir/vnd.pid \
    --log-file=$dir/vnd.log --unixctl=$dir/vnd.ctl
vnd_pid=$(cat $dir/vnd.pid)
# Cold sync done when every tunnel's policy exists.
n_vpc=$(( (N + PER_GW - 1) / PER_GW ))
while :; do
    n_pol=$(ovsdb-client query $OVN_NB_DB '["OVN_Northbound",{"op":"select","table":"Logical_Router_Policy","where":[],"columns":["_uuid"]}]' | grep -o '"uuid"' | wc -l)
    test "$n_pol" -ge "$N" && break
    sleep 0.2
done
t_cold=$(( $(now_ms) - t0 ))
echo "ovn-vpn-northd cold full sync: $t_cold ms wall," \
     "$(cpu_ms $vnd_pid) ms CPU, peak RSS $(rss_kb $vnd_pid) kB" \
     "($n_pol policies, $(( N * 2 )) address sets)"
ovs-appctl -t $dir/vnd.ctl status \
    | sed -n 's/^last full recompute: /  translator full recompute run: /p'
t=$(wait_sb_sync)
echo "ovn-northd processing our result: $t ms after it was complete," \
     "$(( $(cpu_ms $northd_pid) - northd_cpu0 )) ms CPU in all"

# One tunnel's CIDR change among N.
for i in 1 2 3; do
    v=$(( (i * 7) % n_vpc )); tn=t${v}_3
    a=$(( 10 + v / 200 )); b=$(( v % 200 ))
    new="172.99.$i.0/24"
    cpu0=$(cpu_ms $vnd_pid)
    ncpu0=$(cpu_ms $northd_pid)
    t0=$(now_ms)
    ovn-vpnctl --no-leader-only set VPN_Tunnel $tn \
        "peer_cidrs=[\"$new\"]"
    uuid=$(ovn-vpnctl --bare --columns=_uuid list VPN_Tunnel $tn)
    as=vpn_$(echo $uuid | tr - _)_peer
    ovn-nbctl --timeout=60 wait-until Address_Set $as "addresses=\"$new\""
    t_nb=$(( $(now_ms) - t0 ))
    run=$(ovs-appctl -t $dir/vnd.ctl status \
          | sed -n 's/^last incremental run: //p')
    t_sb=$(wait_sb_sync)
    echo "one tunnel change ($tn): translator run $run," \
         "in the NB after $t_nb ms (CLI included)," \
         "translator CPU $(( $(cpu_ms $vnd_pid) - cpu0 )) ms;" \
         "ovn-northd then needed $t_sb ms," \
         "$(( $(cpu_ms $northd_pid) - ncpu0 )) ms CPU"
done
kill $(cat $dir/heartbeat.pid)
stop_all

# ---- Naive encoding: one policy per (local, peer) pair. ----
start_dbs
gen naive > $dir/naive.json
northd_pid=$(cat $dir/northd.pid)
cpu0=$(cpu_ms $northd_pid)
t0=$(now_ms)
$PYTHON3 $top/tests/vpn-ovsdb.py transact-file nb $dir/naive.json
ovn-nbctl --timeout=600 --wait=sb sync
echo "naive encoding ($(( N * P )) policies): ovn-northd $(( $(now_ms) - t0 )) ms," \
     "$(( $(cpu_ms $northd_pid) - cpu0 )) ms CPU"
for i in 1 2 3; do
    pol=$(ovn-nbctl --bare --columns=_uuid find Logical_Router_Policy \
          "match=\"ip4.src == 10.$(( (i * 7) % n_vpc )).3.0/24 && ip4.dst == 172.19.0.0/24\"" | head -1)
    [ -z "$pol" ] && pol=$(ovn-nbctl --bare --columns=_uuid list Logical_Router_Policy | head -1)
    cpu0=$(cpu_ms $northd_pid)
    t0=$(now_ms)
    ovn-nbctl --wait=sb set Logical_Router_Policy $pol \
        "match=\"ip4.src == 10.0.$i.0/24 && ip4.dst == 172.99.$i.0/24\""
    echo "naive one change: ovn-northd $(( $(now_ms) - t0 )) ms," \
         "$(( $(cpu_ms $northd_pid) - cpu0 )) ms CPU"
done
stop_all
