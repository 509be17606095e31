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

# run-fuzz.sh SRCDIR FUZZDIR SECONDS HARNESS...: "make fuzz".  Runs each
# libFuzzer harness of FUZZDIR/bin for SECONDS on its corpus in
# FUZZDIR/corpus/HARNESS (seeded from tests/fuzz/seeds/params for the
# tunnel harnesses and from the pluto samples in tests/swan-samples for the
# status one), then passes the configuration rendered for every tunnel the
# renderer's fuzzer kept to libreswan's parser (addconn --checkconfig).
# Prints one line per harness: runs, coverage, corpus; exits non-zero if a
# harness found a crash, a sanitizer report or a broken invariant, or if
# libreswan refused a rendered configuration.  Logs and crashing inputs
# are left in FUZZDIR/results.

set -e
srcdir=$1 fuzzdir=$2 seconds=$3
shift 3
mkdir -p "$fuzzdir/corpus" "$fuzzdir/results"
for s in llvm-symbolizer llvm-symbolizer-14; do
    if command -v $s > /dev/null; then
        ASAN_SYMBOLIZER_PATH=$(command -v $s)
        export ASAN_SYMBOLIZER_PATH
        break
    fi
done
rc=0
for h in "$@"; do
    corpus=$fuzzdir/corpus/$h
    if test ! -d "$corpus"; then
        mkdir -p "$corpus"
        case $h in
            fuzz-swan-status) cp "$srcdir"/tests/swan-samples/* "$corpus"/ ;;
            fuzz-seal) cp "$srcdir"/tests/fuzz/seeds/seal/* "$corpus"/ ;;
            *) cp "$srcdir"/tests/fuzz/seeds/params/* "$corpus"/ ;;
        esac
    fi
    log=$fuzzdir/results/$h.log
    if "$fuzzdir/bin/$h" -max_total_time="$seconds" -print_final_stats=1 \
           -artifact_prefix="$fuzzdir/results/$h-" "$corpus" > "$log" 2>&1
    then
        status=clean
    else
        status="FAILED (see $log)"
        rc=1
        # The input again, with whole stacks through the OVS library
        # (which has no frame pointers), at the end of the log.
        for input in "$fuzzdir/results/$h"-*; do
            test -f "$input" || continue
            ASAN_OPTIONS=fast_unwind_on_malloc=0 \
                "$fuzzdir/bin/$h" "$input" >> "$log" 2>&1 || true
        done
    fi
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
    cov=$(grep -o 'cov: [0-9]* ft: [0-9]*' "$log" | tail -1)
    echo "$h: $status, ${runs:-?} runs in $seconds s, $cov," \
         "$(ls "$corpus" | wc -l) inputs kept"
done

# The round trip: what validation accepts, libreswan's parser accepts.
if test -x "$fuzzdir/bin/fuzz-swan-conf-render" \
   && test -d "$fuzzdir/corpus/fuzz-swan-conf"; then
    addconn=/usr/libexec/ipsec/addconn
    n=0 rendered=0 refused=0
    conf=$fuzzdir/results/render-$$.conf
    for input in "$fuzzdir"/corpus/fuzz-swan-conf/*; do
        n=$((n + 1))
        "$fuzzdir/bin/fuzz-swan-conf-render" "$input" > "$conf"
        test -s "$conf" || continue
        rendered=$((rendered + 1))
        if ! "$addconn" --config "$conf" --checkconfig \
               > "$fuzzdir/results/addconn-$$.out" 2>&1; then
            refused=$((refused + 1))
            if test $refused = 1; then
                cp "$input" "$fuzzdir/results/refused-input"
                cp "$conf" "$fuzzdir/results/refused.conf"
                echo "libreswan refused the rendering of $input:"
                cat "$fuzzdir/results/addconn-$$.out"
            fi
        fi
    done
    echo "round trip: $n inputs, $rendered accepted by validation and" \
         "rendered, $refused refused by libreswan's parser"
    test $refused = 0 || rc=1
fi
exit $rc
