#! /bin/sh
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

# check-soak.sh: "make check-soak".  Runs the sandbox suite RUNS times in a
# row while a CPU hog keeps HOGS cores busy, and prints which tests ever
# failed and how often: flakes that only a busy machine shows are found
# before they land.
#
# Usage: check-soak.sh TESTSUITE TOP_BUILDDIR AUTOTEST_PATH RESULTS
#                      [RUNS [HOGS]]
#
# AUTOTEST_PATH's relative directories are relative to TOP_BUILDDIR.
# Each run's log and the directories of its failed tests are kept in
# RESULTS/run-N.  TESTSUITEFLAGS (e.g. -j2, or a subset of tests) is passed
# to every run.  Exits with status 1 if any test failed in any run.

set -u

testsuite=$1 top=$2 rel_path=$3 results=$4 runs=${5:-5} hogs=${6:-1}
autotest_path=
for d in $(echo "$rel_path" | tr ':' ' '); do
    case $d in
        /*) ;;
        *) d=$top/$d ;;
    esac
    autotest_path=${autotest_path:+$autotest_path:}$d
done

rm -rf "$results"
mkdir -p "$results" || exit 1
results=$(cd "$results" && pwd)

# The hog: a shell loop per core, killed however this script ends.
hog_pids=
stop_hogs () {
    for pid in $hog_pids; do
        kill "$pid" 2>/dev/null
    done
    hog_pids=
}
trap 'stop_hogs; exit 1' INT TERM HUP
i=0
while test $i -lt "$hogs"; do
    (while :; do :; done) &
    hog_pids="$hog_pids $!"
    i=$((i + 1))
done

# The suite reads atconfig and atlocal (made by configure in the build
# tree) from the directory it runs in.
run=1
while test $run -le "$runs"; do
    dir=$results/run-$run
    mkdir -p "$dir"
    cp "$top/tests/atconfig" "$top/tests/atlocal" "$dir/"
    start=$(date +%s)
    # shellcheck disable=SC2086
    "$SHELL" "$testsuite" -C "$dir" AUTOTEST_PATH="$autotest_path" \
        ${TESTSUITEFLAGS:-} > "$dir/output" 2>&1
    rc=$?
    log=$dir/testsuite.log
    n_ok=$(grep -cE '^[0-9]+\. .*\): ok' "$log" 2>/dev/null)
    n_failed=$(grep -cE '^[0-9]+\. .*\): FAILED' "$log" 2>/dev/null)
    echo "check-soak: run $run of $runs: ${n_ok:-0} passed," \
         "${n_failed:-0} failed (exit status $rc) in" \
         "$(( $(date +%s) - start )) s"
    sed -n 's/^[0-9]*\. [^ ]*: [0-9]*\. \(.*\) ([^)]*): FAILED (\(.*\))$/\1 (\2)/p' \
        "$log" >> "$results/failures" 2>/dev/null
    if test $rc != 0 && test "${n_failed:-0}" = 0; then
        echo "check-soak: run $run did not complete; see $dir/output"
        echo "the suite itself did not complete" >> "$results/failures"
    fi
    run=$((run + 1))
done
stop_hogs

echo
if test -s "$results/failures"; then
    echo "check-soak: tests that failed in $runs runs with $hogs busy" \
         "core(s) (count, test, where):"
    sort "$results/failures" | uniq -c | sort -rn
    exit 1
fi
echo "check-soak: no test failed in $runs runs with $hogs busy core(s)"
