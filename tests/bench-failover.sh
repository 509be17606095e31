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

# bench-failover.sh: "make bench-failover".  Not a test: it prints figures
# and asserts nothing.  Needs root.
#
# How long the translator takes to work again after a fault of a clustered
# deployment.  It runs the demo with "ovn-vpn-sandbox --clustered" (3-member
# NB and SB, two ovn-vpn-northd) and, N times each (default 5), kills with
# SIGKILL the SB leader, the NB leader and the active ovn-vpn-northd.  After
# each kill it times, from the kill:
#
#   - ovn-vpn-northd: until "ovn-vpnctl --wait=sb sync" returns, which
#     needs the active translator to have read and written both databases;
#   - stock ovn-northd, for comparison: "ovn-nbctl --wait=sb sync".
#
# A client that meets the killed member's socket first gives up at once
# (as ovn-nbctl does); both are run again until they succeed.  The killed
# member or translator is restarted once both are back.  Throughout, t1's
# connection state in the NB is sampled every 0.5 s.  It prints one line
# per fault, then the samples that were not "connected" and the CPU the
# standby translator used.

set -e

top=$(cd "$(dirname "$0")/.." && pwd)
n=${1:-5}
export PATH=$top/utilities:$top/northd-ext:$top/ipsec-agent:$PATH
dir=$(mktemp -d /tmp/ovn-vpn-bench-failover.XXXXXX)
sbx=$top/utilities/ovn-vpn-sandbox
trap '$sbx --dir=$dir/c --stop; rm -rf $dir' EXIT

$sbx --dir=$dir/c --clustered --batch --keep > $dir/demo.out 2>&1
grep -q '^t1 is connected$' $dir/demo.out || {
    echo "bench-failover: the demo's tunnel did not connect" >&2
    exit 1
}
. $dir/c/sandbox.env
c=$dir/c

now () {
    date +%s.%N
}

leader () {
    local name
    name=$(ovsdb-tool schema-name $top/ovn-vpn-$1.ovsschema)
    for i in 1 2 3; do
        if ovs-appctl -t $c/ovn$1_db$i.ctl cluster/status $name 2>/dev/null \
                | grep -qx 'Role: leader'; then
            echo $i
            return 0
        fi
    done
    return 1
}

active () {
    for t in ovn-vpn-northd ovn-vpn-northd2; do
        if ovs-appctl -t $c/$t.ctl status 2>/dev/null | head -1 \
                | grep -qx 'Status: active'; then
            echo $t
            return 0
        fi
    done
    return 1
}

cpu_ticks () {
    awk '{ print $14 + $15 }' /proc/$(cat $c/$1.pid)/stat
}

(
    while test ! -e $dir/stop; do
        s=$(ovn-vpnctl --no-leader-only --timeout=5 --bare --columns=status \
                find VPN_Tunnel name=t1 2>/dev/null | tr ' ' '\n' \
                | sed -n 's/^connection=//p')
        echo "$(now) ${s:-unreadable}"
        sleep 0.5
    done
) > $dir/samples &

printf '%-10s %-6s %12s %12s\n' fault kill ovn-vpn-northd ovn-northd
for fault in sb nb translator; do
    for k in $(seq $n); do
        case $fault in
            sb|nb)
                i=$(leader $fault)
                victim=ovn${fault}_db$i
                ;;
            translator)
                victim=$(active)
                standby=ovn-vpn-northd
                test $victim = ovn-vpn-northd && standby=ovn-vpn-northd2
                ;;
        esac
        t0=$(now)
        kill -9 $(cat $c/$victim.pid)
        (
            until ovn-nbctl --timeout=60 --wait=sb sync 2>/dev/null; do
                sleep 0.05
            done
            echo "$(now) - $t0" | bc > $dir/northd.time
        ) &
        nbctl=$!
        until ovn-vpnctl --timeout=60 --wait=sb sync 2>/dev/null; do
            sleep 0.05
        done
        t1=$(echo "$(now) - $t0" | bc)
        wait $nbctl
        printf '%-10s %-6s %11.2fs %11.2fs\n' $fault $k $t1 \
            $(cat $dir/northd.time)
        case $fault in
            sb|nb)
                # The SB's servers also serve the status database.
                status=
                test $fault = nb || status=$c/ovnstatus_db$i.db
                (cd $c && ovsdb-server --detach --no-chdir -vconsole:err \
                     --pidfile=$c/$victim.pid --log-file=$c/$victim.log \
                     --unixctl=$c/$victim.ctl --remote=punix:$c/$victim.sock \
                     $c/$victim.db $status)
                name=$(ovsdb-tool schema-name $top/ovn-vpn-$fault.ovsschema)
                until ovs-appctl -t $c/$victim.ctl cluster/status $name \
                        2>/dev/null | grep -qx 'Status: cluster member'; do
                    sleep 0.1
                done
                ;;
            translator)
                ovn-vpn-northd --detach --no-chdir -vconsole:err \
                    --pidfile=$c/$victim.pid --log-file=$c/$victim.log \
                    --unixctl=$c/$victim.ctl
                ;;
        esac
        # Let the cluster settle before the next fault.
        sleep 3
    done
done

standby=ovn-vpn-northd
test "$(active)" = ovn-vpn-northd && standby=ovn-vpn-northd2
a=$(cpu_ticks $standby)
sleep 10
b=$(cpu_ticks $standby)
touch $dir/stop
wait
echo
echo "t1 samples: $(wc -l < $dir/samples), not connected:" \
     "$(grep -c ' connecting\| phase\| unreadable' $dir/samples || :)" \
     "(unreadable: $(grep -c ' unreadable' $dir/samples || :))"
echo "agents declared dead: $(cat $c/ovn-vpn-northd*.log \
     | grep -c 'declared dead' || :)"
echo "standby $standby at rest: $((b - a)) CPU ticks in 10 s" \
     "($(getconf CLK_TCK) per second)"
