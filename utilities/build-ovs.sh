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

# build-ovs.sh: unpacks Debian's openvswitch-source tarball into a cache
# directory outside the source tree and builds only what ovn-vpn links
# against (lib/libopenvswitch.la) and generates code with (ovsdb-idlc),
# exactly once per OVS tarball.  Prints the OVS tree's path on stdout, for
# "./configure --with-ovs-source=$(utilities/build-ovs.sh)".
#
# Environment:
#   OVS_TARBALL     the tarball (default /usr/src/openvswitch/openvswitch.tar.gz)
#   OVN_VPN_CACHE   cache root (default ${XDG_CACHE_HOME:-$HOME/.cache}/ovn-vpn)
#   OVS_CFLAGS      CFLAGS for the OVS build (default "-O2 -g0")
#   OVS_JOBS        make's parallel jobs (default: the number of CPUs)

set -e

tarball=${OVS_TARBALL:-/usr/src/openvswitch/openvswitch.tar.gz}
cache=${OVN_VPN_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/ovn-vpn}
cflags=${OVS_CFLAGS:-"-O2 -g0"}
jobs=${OVS_JOBS:-$(nproc)}
python=/usr/bin/python3

if test ! -r "$tarball"; then
    echo "build-ovs.sh: $tarball not found (apt-get install openvswitch-source)" >&2
    exit 1
fi

# The cache key covers the tarball's contents and the flags, so a new
# Debian openvswitch-source upload or other flags give a fresh build.
confargs="--prefix=/usr --localstatedir=/var --sysconfdir=/etc"
key=$( (sha256sum < "$tarball"; echo "$cflags $confargs") | sha256sum \
       | cut -c1-12)
dir=$cache/ovs-$key
tree=$dir/openvswitch
stamp=$dir/.built

if test -f "$stamp"; then
    echo "$tree"
    exit 0
fi

mkdir -p "$cache"
# Serialise concurrent builders on the same cache entry.
exec 9>"$cache/.lock-$key"
flock 9
if test -f "$stamp"; then
    echo "$tree"
    exit 0
fi

rm -rf "$dir"
mkdir -p "$dir"
log=$dir/build.log
echo "build-ovs.sh: building OVS library in $tree (log: $log)" >&2
start=$(date +%s)
{
    tar -C "$dir" -xzf "$tarball"
    cd "$tree"
    # Debian's own directories, so that the library's default run and
    # database directories are those of Debian's ovs-vswitchd and OVN.
    ./configure $confargs --disable-dependency-tracking \
        --enable-silent-rules PYTHON3=$python CFLAGS="$cflags"
    # BUILT_SOURCES first, in a call of its own, or odp-netlink.h races.
    built=$(make -s --no-print-directory \
                 --eval='print-%: ; @echo $($*)' print-BUILT_SOURCES)
    make -j"$jobs" $built
    make -j"$jobs" lib/libopenvswitch.la ovsdb/ovsdb-idlc
} > "$log" 2>&1 || {
    echo "build-ovs.sh: OVS build failed, last lines of $log:" >&2
    tail -n 20 "$log" >&2
    exit 1
}
echo "build-ovs.sh: built in $(( $(date +%s) - start )) s" >&2
touch "$stamp"
echo "$tree"
