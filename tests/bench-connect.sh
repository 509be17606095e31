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

# bench-connect.sh: "make bench-connect".  Not a test: it prints figures
# and asserts nothing.  Needs root.
#
# How long hundreds of tunnels created at once take to show connected in
# the NB, against libreswan's own time for the same work.  For each N
# (default 100, 500 and 1000):
#
#   - the whole product: the sandbox demo (utilities/ovn-vpn-sandbox: NB
#     and SB, stock ovn-northd, ovn-vpn-northd, a chassis with
#     ovs-vswitchd, ovn-controller and ovn-vpn-agent, the remote site
#     "dc1" on the VPC's internet side), then G = N/20 gateways, G peers
#     (all the remote site's address) and N tunnels, 20 per gateway, added
#     in one ovn-vpnctl transaction while ovn-vpn-northd is paused, so that
#     the remote site's pluto can be given every tunnel's --peer-view
#     configuration first (it only responds).  The clock starts when
#     ovn-vpn-northd resumes and stops when the NB shows all N connected;
#   - libreswan alone, in the same run: two plain plutos in two
#     namespaces, the remote site's N conns on one side and their mirror
#     image on the other (G addresses, G IKE SAs of 20 Child SAs each),
#     all added and initiated by one "addconn --autoall"; the clock stops
#     when the initiator has N Child SAs.
#
# It prints one table: both times and their ratio (target <= 1.5), the
# reroute policies in the NB then (one per tunnel), the CPU each process
# used meanwhile, the NB and SB database files' sizes,
# and stock ovn-northd's full recomputes (inc-engine/show-stats).
#
# Usage: tests/bench-connect.sh [N...]

set -e

top=$(cd "$(dirname "$0")/.." && pwd)
SIZES=${*:-100 500 1000}
PER_GW=20
IPSEC=/usr/libexec/ipsec
export PATH=$top/utilities:$top/northd-ext:$top/ipsec-agent:$PATH

if test "$(id -u)" != 0; then
    echo "bench-connect: must run as root (namespaces, plutos)" >&2
    exit 1
fi

dir=$(mktemp -d /tmp/ovn-vpn-bench-connect.XXXXXX)
sbx=$dir/sbx
fa=bcf$$a fb=bcf$$b
cleanup () {
    ovn-vpn-sandbox --dir=$sbx --stop > /dev/null 2>&1 || true
    for f in $dir/floor-*.pid; do
        test -f $f && kill $(cat $f) 2>/dev/null
    done
    ip netns del $fa 2>/dev/null || true
    ip netns del $fb 2>/dev/null || true
    rm -rf $dir
}
trap cleanup EXIT

# ms: the monotonic clock in milliseconds.
ms () {
    awk '{printf "%d\n", $1 * 1000}' /proc/uptime
}

# cpu_ms PID...: the CPU time those processes used so far, in ms.
cpu_ms () {
    local total=0 t
    for pid; do
        t=$(awk '{print $14 + $15}' /proc/$pid/stat 2>/dev/null || echo 0)
        total=$((total + t))
    done
    echo $((total * 1000 / $(getconf CLK_TCK)))
}

# northd_full: stock ovn-northd's full recomputes of its northd node.
northd_full () {
    ovn-appctl -t $sbx/ovn-northd.$(cat $sbx/northd.pid).ctl \
        inc-engine/show-stats 2>/dev/null \
        | awk '/^Node: northd$/ { n = 1; next }
               n && /recompute/ { print $3; exit }'
}

# wait_count WHAT N COMMAND: polls COMMAND, which prints a count, until
# it reaches N (at most 600 s from t0).
wait_count () {
    local what=$1 want=$2 up
    shift 2
    while :; do
        up=$("$@")
        test "$up" -ge $want && return 0
        if test $(( $(ms) - t0 )) -gt $((600 * 1000)); then
            echo "bench-connect: $what: $up of $want after 600 s" >&2
            return 0
        fi
        sleep 0.2
    done
}

# nb_connected, floor_connected: how many tunnels the NB shows connected,
# how many Child SAs the plain initiator has.
nb_connected () {
    ovn-vpnctl --bare --columns=status list VPN_Tunnel \
        | grep -cE '(^| )connection=connected( |$)' || true
}
floor_connected () {
    $IPSEC/whack --rundir $dir/fa/run --trafficstatus \
        | grep -c 'type=ESP' || true
}

# mirror: the initiator's view of the remote site's conns (left and right
# swapped, started by addconn --autoall).
mirror () {
    sed -e 's/^    left/    @@/; s/^    right/    left/; s/^    @@/    right/' \
        -e 's/^    auto=.*/    auto=start/'
}

# start_pluto NS DIR: a plain pluto in namespace NS, with fakexfrm.so if
# this kernel has no ESP.
start_pluto () {
    local ns=$1 d=$2
    mkdir -p $d/nss $d/run
    chmod 700 $d
    certutil -N -d sql:$d/nss --empty-password
    printf 'config setup\n\tikev1-policy=accept\n\tuniqueids=no\n' \
        > $d/ipsec.conf
    ip netns exec $ns env $pluto_env $IPSEC/pluto --config $d/ipsec.conf \
        --rundir $d/run --nssdir $d/nss --secretsfile $d/ipsec.secrets \
        --ipsecdir $d --logfile $d/pluto.log --nofork \
        > $d/pluto.stderr 2>&1 &
    echo $! > $dir/floor-$(basename $d).pid
    for i in $(seq 300); do
        test -S $d/run/pluto.ctl && $IPSEC/whack --rundir $d/run --listen \
            > /dev/null 2>&1 && return 0
        sleep 0.1
    done
    echo "bench-connect: pluto in $ns did not start" >&2
    return 1
}

esp=yes
ip netns add bcprobe$$
ip -n bcprobe$$ xfrm state add src 192.0.2.1 dst 192.0.2.2 proto esp \
    spi 0x100 enc 'cbc(aes)' 0x00112233445566778899aabbccddeeff \
    > /dev/null 2>&1 || esp=no
ip netns del bcprobe$$
pluto_env=
if test $esp = no; then
    pluto_env="LD_PRELOAD=$top/tests/fakexfrm.so"
fi

printf '%-6s %-4s %-11s %-11s %-6s %-9s %-28s %-9s %-8s\n' N G \
    "libreswan" "NB all" "ratio" "policies" "CPU s: vnd/northd/agt/nb/sb" \
    "NB/SB MB" "recomp."
for n in $SIZES; do
    g_count=$(( (n + PER_GW - 1) / PER_GW ))
    if test $g_count -gt 64; then
        echo "bench-connect: at most 1280 tunnels" >&2
        exit 1
    fi

    # The product.
    ovn-vpn-sandbox --dir=$sbx --batch --keep > $dir/sandbox.log 2>&1
    export OVN_NB_DB=unix:$sbx/ovnnb_db.sock OVN_SB_DB=unix:$sbx/ovnsb_db.sock
    vnd_ctl=$sbx/ovn-vpn-northd.ctl
    # The demo's tunnel goes: only the benchmark's remain.
    ovn-vpnctl --wait=sb vpn-tunnel-del t1
    (umask 077 && printf 'bench-psk-%s' "$(od -An -N8 -tx8 /dev/urandom \
        | tr -d ' ')" > $dir/psk)

    ovs-appctl -t $vnd_ctl pause
    args=()
    for g in $(seq 0 $((g_count - 1))); do
        args+=(-- --chassis=hv1 vpn-gateway-add bg$g vpc1 sub1
               203.0.113.$((100 + g)))
        args+=(-- vpn-peer-add bp$g 203.0.113.7)
    done
    for i in $(seq 0 $((n - 1))); do
        g=$((i / PER_GW))
        # Each gateway its own local CIDR: a remote site cannot route one
        # CIDR to several peers (libreswan refuses the Child SAs with
        # TS_UNACCEPTABLE).
        args+=(-- --local-cidrs=10.0.$((1 + g / 32)).$((g % 32 * 8))/29
               --peer-cidrs=172.$((16 + i / 256)).$((i % 256)).0/24
               --psk-file=$dir/psk vpn-tunnel-add bt$i bg$g bp$g)
    done
    ovn-vpnctl "${args[@]:1}"

    # The remote site learns every tunnel first (it only responds).
    args=()
    for i in $(seq 0 $((n - 1))); do
        args+=(-- --peer-view --show-secrets vpn-tunnel-config bt$i)
    done
    ovn-vpnctl "${args[@]:1}" > $dir/peer.conf
    grep -v '^#' $dir/peer.conf | grep -v ': PSK "' \
        | sed 's/^    auto=.*/    auto=add/' > $dir/remote.conf
    grep ': PSK "' $dir/peer.conf > $dir/secrets
    dc1=$sbx/dc1
    dc1_run=$(tr '\0' '\n' < /proc/$(cat $sbx/dc1.pid)/cmdline \
              | sed -n '/^--rundir$/{n;p;}')
    cat $dir/secrets >> $dc1/ipsec.secrets
    { printf 'config setup\n\tikev1-policy=accept\n\tuniqueids=no\n\n'
      cat $dir/remote.conf; } > $dir/remote-full.conf
    $IPSEC/addconn --config $dir/remote-full.conf --ctlsocket \
        $dc1_run/pluto.ctl $(grep '^conn ' $dir/remote.conf | cut -d' ' -f2) \
        > /dev/null
    $IPSEC/whack --rundir $dc1_run --rereadsecrets > /dev/null

    pids="$(cat $sbx/ovn-vpn-northd.pid) $(cat $sbx/northd.pid)"
    pids="$pids $(cat $sbx/ovn-vpn-agent.pid)"
    pids="$pids $(cat $sbx/ovnnb_db.pid) $(cat $sbx/ovnsb_db.pid)"
    set -- $pids
    cpu0=($(for p; do cpu_ms $p; done))
    full0=$(northd_full)
    t0=$(ms)
    ovs-appctl -t $vnd_ctl resume
    wait_count "N=$n: NB" $n nb_connected
    t_nb=$(( $(ms) - t0 ))
    cpu1=($(for p; do cpu_ms $p; done))
    full1=$(northd_full)
    policies=$(ovn-nbctl --bare --columns=_uuid find Logical_Router_Policy \
               priority=31001 | grep -c . || true)
    nb_mb=$(du -m $sbx/ovnnb_db.db | cut -f1)
    sb_mb=$(du -m $sbx/ovnsb_db.db | cut -f1)
    cpus=
    for k in 0 1 2 3 4; do
        c=$(( (${cpu1[$k]} - ${cpu0[$k]}) ))
        cpus="$cpus$(awk -v c=$c 'BEGIN { printf "%.1f", c / 1000 }')/"
    done
    ovn-vpn-sandbox --dir=$sbx --stop > /dev/null 2>&1
    unset OVN_NB_DB OVN_SB_DB

    # Libreswan alone: the same conns between two plain plutos.
    ip netns add $fa
    ip netns add $fb
    ip -n $fa link add bcv$$ type veth peer name eth0 netns $fb
    ip -n $fa link set bcv$$ up
    ip -n $fb link set eth0 up
    ip -n $fa link set lo up
    ip -n $fb link set lo up
    ip -n $fb addr add 203.0.113.7/24 dev eth0
    for g in $(seq 0 $((g_count - 1))); do
        ip -n $fa addr add 203.0.113.$((100 + g))/24 dev bcv$$
    done
    rm -rf $dir/fa $dir/fb
    mkdir -p $dir/fa $dir/fb
    cp $dir/secrets $dir/fa/ipsec.secrets
    cp $dir/secrets $dir/fb/ipsec.secrets
    chmod 600 $dir/fa/ipsec.secrets $dir/fb/ipsec.secrets
    start_pluto $fa $dir/fa
    start_pluto $fb $dir/fb
    { printf 'config setup\n\tikev1-policy=accept\n\tuniqueids=no\n\n'
      cat $dir/remote.conf; } > $dir/fb.conf
    $IPSEC/addconn --config $dir/fb.conf --ctlsocket $dir/fb/run/pluto.ctl \
        $(grep '^conn ' $dir/remote.conf | cut -d' ' -f2) > /dev/null
    { printf 'config setup\n\tikev1-policy=accept\n\tuniqueids=no\n\n'
      mirror < $dir/remote.conf; } > $dir/fa.conf
    t0=$(ms)
    $IPSEC/addconn --config $dir/fa.conf --ctlsocket $dir/fa/run/pluto.ctl \
        --autoall > /dev/null 2>&1
    wait_count "N=$n: libreswan" $n floor_connected
    t_swan=$(( $(ms) - t0 ))
    for f in $dir/floor-*.pid; do
        kill $(cat $f) 2>/dev/null || true
    done
    ip netns del $fa
    ip netns del $fb

    printf '%-6s %-4s %-11s %-11s %-6s %-9s %-28s %-9s %-8s\n' $n $g_count \
        "$(awk -v t=$t_swan 'BEGIN { printf "%.1f s", t / 1000 }')" \
        "$(awk -v t=$t_nb 'BEGIN { printf "%.1f s", t / 1000 }')" \
        "$(awk -v a=$t_nb -v b=$t_swan 'BEGIN { printf "%.2f", a / b }')" \
        "$policies" \
        "${cpus%/}" "$nb_mb/$sb_mb" "$((full1 - full0))"
done
