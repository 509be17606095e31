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

# build-debs.sh TARBALL OUTDIR: what "make debs" runs for the system
# suite's packaging test.  Unpacks the distribution tarball in
# OUTDIR/build, installs the build dependencies that debian/control
# declares, builds the packages there as a user would
# (dpkg-buildpackage -us -uc -b) and leaves in OUTDIR the project's .deb
# files and, in OUTDIR/ovn, the .deb files of Debian's ovn-central and
# ovn-common (the test reinstalls them, as an upgrade would).

set -e

prog=build-debs.sh
tarball=$1 out=$2
test -f "$tarball" && test -n "$out" || {
    echo "usage: $prog TARBALL OUTDIR" >&2
    exit 1
}

as_root () {
    if test "$(id -u)" = 0; then
        "$@"
    else
        sudo "$@"
    fi
}

start=$(date +%s)
mkdir -p "$out"
out=$(cd "$out" && pwd -P)
rm -rf "$out/build" "$out"/*.deb "$out/ovn"
mkdir -p "$out/build" "$out/ovn"
tar -C "$out/build" -xzf "$tarball"
src=$(ls -d "$out"/build/*/)

if ! (cd "$src" && dpkg-checkbuilddeps) > /dev/null 2>&1; then
    echo "$prog: installing the build dependencies" >&2
    as_root apt-get install -y -q --no-install-recommends \
        dpkg-dev debhelper > /dev/null \
        || { as_root apt-get update -q && as_root apt-get install -y -q \
                 --no-install-recommends dpkg-dev debhelper > /dev/null; }
    as_root env DEBIAN_FRONTEND=noninteractive apt-get build-dep -y -q \
        "$src" > /dev/null
fi

# The OVS library built for the packages is kept in the cache of
# utilities/build-ovs.sh (keyed by its flags, which name the build
# directory), not rebuilt each time.
DEB_OVS_CACHE=${OVN_VPN_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/ovn-vpn}
export DEB_OVS_CACHE
jobs=$(nproc)
(cd "$src" && DEB_BUILD_OPTIONS="parallel=$jobs" \
     dpkg-buildpackage -us -uc -b) > "$out/build.log" 2>&1 || {
    tail -n 40 "$out/build.log" >&2
    echo "$prog: dpkg-buildpackage failed; see $out/build.log" >&2
    exit 1
}
for deb in "$out"/build/*.deb; do
    case $deb in
        *-dbgsym_*) ;;
        *) cp "$deb" "$out/" ;;
    esac
done

# (apt would otherwise try to download as _apt, which cannot enter the
# output directory.)
download="apt-get -q -o APT::Sandbox::User=root download ovn-central ovn-common"
(cd "$out/ovn" && $download) > /dev/null 2>&1 || {
    as_root apt-get update -q > /dev/null
    (cd "$out/ovn" && $download) > /dev/null
}
rm -rf "$out/build"
echo "$prog: built in $(( $(date +%s) - start )) s:"
for deb in "$out"/*.deb; do
    echo "    $(basename "$deb") $(stat -c %s "$deb") bytes"
done
