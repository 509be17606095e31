#!/bin/sh
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

# bench-system.sh BUILDDIR [TESTSUITEFLAGS...]: "make bench-system".  Boots
# the qemu guest of the system suite (utilities/ovn-vpn-guest) and runs, on
# the real kernel with kernel ESP and the openvswitch datapath:
#
#   - the benchmark group (tests/system-bench.at): iperf3 throughput and
#     ping round trip from a VM to a host behind a remote site, through the
#     IPsec tunnel and, on the same path, with plain routing; and the time
#     from "ovn-vpnctl vpn-tunnel-add" to the first ping reply through the
#     new tunnel;
#   - the HA test (tests/system-ha.at), for the data-plane outage when the
#     active gateway's agent is killed.
#
# Prints the figures (also left in BUILDDIR/tests/bench-system/).  Not a
# test: it fails only if the figures could not be measured.  The guest runs
# under TCG unless KVM is usable, so throughput reflects the emulator: compare
# the two paths, not the absolute numbers.

set -e

builddir=$(cd "${1:?usage: $0 BUILDDIR [TESTSUITEFLAGS...]}" && pwd -P)
shift
srcdir=$(sed -n "s/^abs_top_srcdir='\(.*\)'$/\1/p" "$builddir/tests/atconfig")
out=$builddir/tests/bench-system

start=$(date +%s)
rc=0
"${SHELL:-/bin/sh}" "${srcdir:-$builddir}/utilities/ovn-vpn-guest" bench "$builddir" \
    "$out" "$@" > "$out.console" 2>&1 || rc=$?
mkdir -p "$out"
mv "$out.console" "$out/run.log"

accel=TCG
if grep -q '^ovn-vpn-guest: booting .*(kvm' "$out/run.log"; then
    accel=KVM
fi
echo "bench-system: $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) host cores," \
    "guest 2 vCPUs under qemu $accel, $(( $(date +%s) - start )) s in all"
if test -s "$out/bench-system.txt"; then
    sed 's/^/  /' "$out/bench-system.txt"
else
    echo "  no figures: see $out/run.log and $out/console.log" >&2
    exit 1
fi
if test $rc != 0; then
    echo "bench-system: the guest's suite failed (status $rc): see" \
         "$out/system-testsuite.log" >&2
fi
exit $rc
