#!/usr/bin/env bash
# Coverage-guided fuzzing of the gossip and mDNS decoders with AFL++ and SharpFuzz.
#
#   tests/PeerMesh.Fuzz/run.sh [SECONDS_PER_TARGET] [TARGET...]     (default 600 s, every target)
#
# Builds the targets, instruments PeerMesh.Mesh, PeerMesh.Discovery and MessagePack with SharpFuzz, seeds
# each corpus with valid messages, runs afl-fuzz on one core per target, one target after the other, and
# prints a table from afl's fuzzer_stats. Needs afl++ (Debian: apt-get install afl++) and the
# SharpFuzz.CommandLine tool (installed into the work folder from NuGet). Work folder: $FUZZ_WORK or
# /tmp/peermesh-fuzz; crashes and hangs stay in $FUZZ_WORK/out/<target>/default/{crashes,hangs}.
# Replay one: dotnet $FUZZ_WORK/plain/PeerMesh.Fuzz.dll replay TARGET FILE...
set -euo pipefail
cd "$(dirname "$0")"
seconds=${1:-600}
shift || true
work=${FUZZ_WORK:-/tmp/peermesh-fuzz}
bin=$work/bin
export PEERMESH_FUZZ_STATE=$work/state

command -v afl-fuzz >/dev/null || { echo "afl-fuzz not found: apt-get install afl++" >&2; exit 1; }
if [[ ! -x $work/tools/sharpfuzz ]]; then
  dotnet tool install --tool-path "$work/tools" SharpFuzz.CommandLine --version 2.3.0 >/dev/null
fi

# Instrumented assemblies write to AFL's shared memory, so seeds and replays use an uninstrumented copy.
rm -rf "$bin" "$work/plain"
dotnet publish -c Release -o "$bin" --nologo -v quiet . >/dev/null
cp -r "$bin" "$work/plain"
for assembly in PeerMesh.Mesh.dll PeerMesh.Discovery.dll MessagePack.dll; do
  "$work/tools/sharpfuzz" "$bin/$assembly" >/dev/null
done

if (($# == 0)); then
  mapfile -t targets < <(dotnet "$work/plain/PeerMesh.Fuzz.dll" list | awk '{print $1}')
else
  targets=("$@")
fi
rm -rf "$work/seeds"
dotnet "$work/plain/PeerMesh.Fuzz.dll" seeds "$work/seeds" >/dev/null

# dotnet is not an afl-instrumented binary (the instrumentation is in the assemblies); no core pinning on
# a shared machine; hang timeout 2 s because the first run of a path includes the JIT.
export AFL_SKIP_BIN_CHECK=1 AFL_NO_AFFINITY=1 AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_UI=1
for target in "${targets[@]}"; do
  rm -rf "$work/out/$target" && mkdir -p "$work/out"
  echo "fuzzing $target for $seconds s" >&2
  afl-fuzz -i "$work/seeds/$target" -o "$work/out/$target" -t 2000 -m none -V "$seconds" \
    -- dotnet "$bin/PeerMesh.Fuzz.dll" "$target" >"$work/$target.log" 2>&1 || {
    echo "afl-fuzz failed for $target, see $work/$target.log" >&2
    tail -20 "$work/$target.log" >&2
  }
done

stat() { awk -F' *: *' -v k="$2" '$1 == k { print $2 }' "$work/out/$1/default/fuzzer_stats"; }
echo "| target | time | inputs | inputs/s | corpus | edges found | map coverage | stability | crashes | hangs |"
echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
for target in "${targets[@]}"; do
  [[ -f $work/out/$target/default/fuzzer_stats ]] || { echo "| $target | no stats | | | | | | | | |"; continue; }
  runtime=$(stat "$target" run_time)
  execs=$(stat "$target" execs_done)
  printf '| %s | %d min | %d | %d | %d | %s | %s | %s | %d | %d |\n' "$target" $((runtime / 60)) "$execs" \
    $((execs / (runtime > 0 ? runtime : 1))) "$(stat "$target" corpus_count)" "$(stat "$target" edges_found)" \
    "$(stat "$target" bitmap_cvg)" "$(stat "$target" stability)" "$(stat "$target" saved_crashes)" "$(stat "$target" saved_hangs)"
done
