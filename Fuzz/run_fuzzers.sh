#!/usr/bin/env bash
# Builds probewatch's libFuzzer targets and runs each for a bounded time. See Fuzz/README.md.
#
#   Fuzz/run_fuzzers.sh                 build, then run every target for $FUZZ_SECONDS (default 60)
#   Fuzz/run_fuzzers.sh kmsg config     only these targets
#   FUZZ_BUILD_ONLY=1 Fuzz/run_fuzzers.sh
#
# Environment:
#   FUZZ_SECONDS     time per target (default 60)
#   FUZZ_JOBS        targets run at once (default: half the CPUs, at least 1)
#   FUZZ_SANITIZERS  swiftc -sanitize= value (default "fuzzer"; "fuzzer,address" adds ASan, ~3x slower)
#   FUZZ_SCRATCH     scratch directory (default .build-fuzz, git-ignored; never the default .build)
#   FUZZ_ARGS        extra libFuzzer flags for every target, e.g. "-seed=1", or to keep going past crashes:
#                    "-fork=1 -ignore_crashes=1" (then the table shows no exec/s: fork mode prints none)
#
# Output, under $FUZZ_SCRATCH/fuzz/: bin/<target> (the binaries), work/<target>/ (the corpus grown from
# Fuzz/corpus/<target>/, which stays untouched), logs/<target>.log, crashes/<target>-crash-<sha1> (and
# leak-, timeout-, oom-). Exits non-zero when a target failed to build or crashed.
#
# Building: libFuzzer wants one swiftc link with -sanitize=fuzzer (a SwiftPM executable target with it
# does not link), so the package's sources are compiled here with swiftc into instrumented static
# libraries: ProbeWatchCore whole, and the ProbeWatch files the parsers live in (the rest of ProbeWatch
# needs swift-log and the daemon's C libraries, which the parsers do not). swift-collections' DequeModule
# (ProbeWatchCore's one dependency) is built by SwiftPM into the same scratch directory, uninstrumented.
set -euo pipefail

cd "$(dirname "$0")/.."
SCRATCH=${FUZZ_SCRATCH:-.build-fuzz}
SECONDS_PER_TARGET=${FUZZ_SECONDS:-60}
SANITIZERS=${FUZZ_SANITIZERS:-fuzzer}
CPUS=$(nproc 2>/dev/null || echo 2)
JOBS=${FUZZ_JOBS:-$(( CPUS / 2 > 0 ? CPUS / 2 : 1 ))}
OUT=$SCRATCH/fuzz
SWIFT=${SWIFT:-swift}
SWIFTC=${SWIFTC:-swiftc}

ALL_TARGETS=(uevent udevadm jsonl kmsg config)
TARGETS=("$@")
[ ${#TARGETS[@]} -gt 0 ] || TARGETS=("${ALL_TARGETS[@]}")
for target in "${TARGETS[@]}"; do
    [ -f "Fuzz/Targets/$target.swift" ] || { echo "unknown target '$target' (have: ${ALL_TARGETS[*]})" >&2; exit 2; }
done

# Per target: the largest input libFuzzer makes. Kernel uevents are at most 2 KiB each, but an input holds
# several; text and JSON inputs get room for long lines and many records.
max_len() {
    case $1 in
        uevent) echo 8192 ;;
        config) echo 4096 ;;
        *) echo 16384 ;;
    esac
}

# The ProbeWatch (adapter) files the adapter-level targets need; none of them imports Logging.
PROBEWATCH_FILES=(
    Sources/ProbeWatch/Udev/UEventDecoding.swift
    Sources/ProbeWatch/Udev/UdevDevice.swift
    Sources/ProbeWatch/System/ByteLiterals.swift
    Sources/ProbeWatch/Replay/UdevadmTextParser.swift
    Sources/ProbeWatch/Replay/CaptureDeduplicator.swift
    Sources/ProbeWatch/Replay/JSONLinesEventParser.swift
    Sources/ProbeWatch/Replay/EventLineScanner.swift
    Sources/ProbeWatch/Replay/EventLineFields.swift
    Sources/ProbeWatch/Replay/JSONByteCursor.swift
    Sources/ProbeWatch/Replay/PlainASCIIScan.swift
    Sources/ProbeWatch/Replay/JSONEscapes.swift
    Sources/ProbeWatch/Replay/JSONNumberToken+Integers.swift
    Sources/ProbeWatch/Replay/PropertyListBuilder.swift
    Sources/ProbeWatch/Replay/RecordTimeText.swift
    Sources/ProbeWatch/Inspect/RecordLineParser.swift
)
needs_probewatch() { [ "$1" != kmsg ] && [ "$1" != config ]; }

# Swift's runtime backtracer catches the trap of a failed check first and exits: libFuzzer would then
# neither report the crash nor save the input. Off, libFuzzer's own handler does both.
export SWIFT_BACKTRACE=${SWIFT_BACKTRACE:-enable=no}

mkdir -p "$OUT"/{bin,lib,modules,work,logs,crashes}
COMMON=(-O -wmo -swift-version 6 -parse-as-library -sanitize="$SANITIZERS")
DEQUE_MODULES=$SCRATCH/release/Modules

echo "== building DequeModule (swift-collections) with SwiftPM into $SCRATCH"
"$SWIFT" build --scratch-path "$SCRATCH" -c release --target DequeModule >"$OUT/logs/deque-build.log" 2>&1 \
    || { tail -30 "$OUT/logs/deque-build.log" >&2; exit 1; }
DEQUE_OBJECTS=()
for module in DequeModule ContainersPreview InternalCollectionsUtilities; do
    DEQUE_OBJECTS+=("$SCRATCH/release/$module.build"/*.o)
done

# build OUTPUT DEPENDENCY SWIFTC-ARGS...: runs swiftc unless the same arguments, over the same input files
# and the same DEPENDENCY (a library built before, or "-"), made OUTPUT last time.
build() {
    local output=$1 dependency=$2 stamp
    shift 2
    stamp=$( {
        printf '%s\n' "$@"
        for file in "$dependency" "$@"; do if [ -f "$file" ]; then cat "$file"; fi; done
    } | sha1sum | cut -d' ' -f1)
    if [ -f "$output" ] && [ "$(cat "$output.stamp" 2>/dev/null)" = "$stamp" ]; then
        echo "   (up to date: $output)"
        return
    fi
    rm -f "$output.stamp"
    "$SWIFTC" "$@" -o "$output"
    echo "$stamp" >"$output.stamp"
}

echo "== building ProbeWatchCore (instrumented)"
mapfile -t CORE_FILES < <(find Sources/ProbeWatchCore -name '*.swift' | LC_ALL=C sort)
build "$OUT/lib/libProbeWatchCore.a" - "${COMMON[@]}" -enable-testing -module-name ProbeWatchCore \
    -I "$DEQUE_MODULES" -emit-module -emit-module-path "$OUT/modules/ProbeWatchCore.swiftmodule" \
    -emit-library -static "${CORE_FILES[@]}"

BUILD_PROBEWATCH=0
for target in "${TARGETS[@]}"; do needs_probewatch "$target" && BUILD_PROBEWATCH=1; done
if [ $BUILD_PROBEWATCH = 1 ]; then
    echo "== building the ProbeWatch parsers (instrumented): ${PROBEWATCH_FILES[*]##*/}"
    build "$OUT/lib/libProbeWatch.a" "$OUT/lib/libProbeWatchCore.a" "${COMMON[@]}" -enable-testing \
        -module-name ProbeWatch -I "$OUT/modules" -I "$DEQUE_MODULES" -I Sources/CUdev \
        -emit-module -emit-module-path "$OUT/modules/ProbeWatch.swiftmodule" \
        -emit-library -static "${PROBEWATCH_FILES[@]}"
fi

for target in "${TARGETS[@]}"; do
    echo "== building target $target"
    sources=("Fuzz/Targets/$target.swift" Fuzz/Support/FuzzSupport.swift)
    libs=(-lProbeWatchCore)
    library=$OUT/lib/libProbeWatchCore.a
    if needs_probewatch "$target"; then
        sources+=(Fuzz/Support/RoundTrip.swift)
        libs=(-lProbeWatch -lProbeWatchCore -ludev)
        library=$OUT/lib/libProbeWatch.a  # built after the core, so it changes when the core does
    fi
    build "$OUT/bin/$target" "$library" "${COMMON[@]}" -module-name "Fuzz_$target" -I "$OUT/modules" \
        -I "$DEQUE_MODULES" -I Sources/CUdev -L "$OUT/lib" "${libs[@]}" "${DEQUE_OBJECTS[@]}" "${sources[@]}"
done

[ "${FUZZ_BUILD_ONLY:-0}" = 1 ] && { echo "built: ${TARGETS[*]} in $OUT/bin"; exit 0; }

# Runs one target; writes its log, its exit status and its wall time next to each other.
run_target() {
    local target=$1 work=$OUT/work/$1 log=$OUT/logs/$1.log dict=() started status=0
    mkdir -p "$work"
    [ -f "Fuzz/dicts/$target.dict" ] && dict=(-dict="Fuzz/dicts/$target.dict")
    started=$(date +%s)
    # shellcheck disable=SC2086  # FUZZ_ARGS is a list of flags
    "$OUT/bin/$target" "$work" "Fuzz/corpus/$target" \
        -max_total_time="$SECONDS_PER_TARGET" -max_len="$(max_len "$target")" -timeout=10 -rss_limit_mb=2560 \
        -print_final_stats=1 -artifact_prefix="$OUT/crashes/$target-" "${dict[@]}" \
        ${FUZZ_ARGS:-} >"$log" 2>&1 || status=$?
    echo "$status" >"$OUT/logs/$target.status"
    echo $(( $(date +%s) - started )) >"$OUT/logs/$target.seconds"
}

echo "== fuzzing ${TARGETS[*]}: ${SECONDS_PER_TARGET}s each, $JOBS at a time (logs in $OUT/logs)"
running=0
for target in "${TARGETS[@]}"; do
    rm -f "$OUT/crashes/$target-"* "$OUT/logs/$target".{log,status,seconds}
    run_target "$target" &
    running=$((running + 1))
    if [ $running -ge "$JOBS" ]; then
        wait -n || true
        running=$((running - 1))
    fi
done
wait

failed=0
printf '\n%-8s %-6s %10s %8s %7s %7s %8s\n' target result execs exec/s cov ft seconds
for target in "${TARGETS[@]}"; do
    log=$OUT/logs/$target.log
    stat_of() { sed -n "s/^stat::$1: *//p" "$log" | tail -1; }
    last=$(grep -E '^#[0-9]+' "$log" | tail -1 || true)
    cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")
    ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")
    crashes=$(find "$OUT/crashes" -name "$target-*" -type f | wc -l)
    result=ok
    if [ "$(cat "$OUT/logs/$target.status")" != 0 ] || [ "$crashes" -gt 0 ]; then result=CRASH; failed=1; fi
    printf '%-8s %-6s %10s %8s %7s %7s %8s\n' "$target" "$result" "$(stat_of number_of_executed_units)" \
        "$(stat_of average_exec_per_sec)" "${cov:-?}" "${ft:-?}" "$(cat "$OUT/logs/$target.seconds")"
    if [ $result = CRASH ]; then
        grep -m1 -E 'Fatal error|ERROR: libFuzzer|==ERROR|SUMMARY' "$log" | sed 's/^/         /' || true
        find "$OUT/crashes" -name "$target-*" -type f | sed 's/^/         artifact: /'
    fi
done
[ $failed = 0 ] || { echo "crashes found: see $OUT/logs and $OUT/crashes" >&2; exit 1; }
echo "no crashes"
