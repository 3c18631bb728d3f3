#!/usr/bin/env bash
# Runs the README's test command (`dotnet test PeerMesh.sln`) N times in a row on a fresh clone of the
# current commit, with one core kept busy, stopping at the first failed run. A test that fails under load
# is a race to find, in the product or in the test; this is how to look for one.
#
#   tests/stress.sh [N]                 N runs (default 10)
#   tests/stress.sh --no-busy [N]       without the busy core
#   tests/stress.sh --command CMD [N]   run CMD instead of the test command (to check this script itself)
#
# Per run it prints the number, the duration and the passed/failed/skipped counts; a run fails when
# `.ci/run --summarize` says so (tests failed, no results, or, as root, any test skipped). The logs of
# failed runs are kept (their path is printed); everything else is removed on exit, and the busy loop and
# a running test command are ended whatever ends the script. Uncommitted changes are not tested.
set -uo pipefail

runs=10
busy=1
command='dotnet test PeerMesh.sln'
while (($#)); do
  case $1 in
    --no-busy) busy=0 ;;
    --command) command=${2:?--command needs a command}; shift ;;
    -h | --help) sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *[!0-9]* | '') echo "usage: tests/stress.sh [--no-busy] [--command CMD] [N]" >&2; exit 2 ;;
    *) runs=$1 ;;
  esac
  shift
done

root=$(git -C "$(dirname "$0")" rev-parse --show-toplevel) || exit 2
ci=$root/.ci/run
commit=$(git -C "$root" rev-parse HEAD) || exit 2
[[ -z $(git -C "$root" status --porcelain --untracked-files=no) ]] \
  || echo "stress: uncommitted changes in $root are not tested (only commit ${commit:0:12})"

work=$(mktemp -d "${TMPDIR:-/tmp}/peermesh-stress.XXXXXX") || exit 2
clone=$work/clone
busy_pid=
test_pid=
kept=0

cleanup() {
  trap - EXIT INT TERM HUP
  if [[ -n $test_pid ]]; then
    # The test command runs in its own session: end it and everything it started (test hosts, nodes).
    kill -TERM -- "-$test_pid" 2>/dev/null
    wait "$test_pid" 2>/dev/null
  fi

  if [[ -n $busy_pid ]]; then
    kill "$busy_pid" 2>/dev/null
    wait "$busy_pid" 2>/dev/null
  fi

  rm -rf "$clone"
  if ((kept == 0)); then
    rm -rf "$work"
  fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

# A fresh clone, so no build output of the working copy is reused.
git clone --quiet --no-checkout "$root" "$clone" || exit 1
git -C "$clone" cat-file -e "$commit^{commit}" 2>/dev/null \
  || git -C "$clone" fetch --quiet "$root" HEAD || exit 1
git -C "$clone" checkout --quiet --detach "$commit" || exit 1

if ((busy)); then
  while :; do :; done &
  busy_pid=$!
fi

minutes() { printf '%d m %02d s' $(($1 / 60)) $(($1 % 60)); }

echo "stress: $runs run(s) of '$command' on commit ${commit:0:12}, $(nproc) core(s)$( ((busy)) && echo ", one kept busy"), as uid $(id -u)"
durations=()
passed_runs=0
for ((run = 1; run <= runs; run++)); do
  log=$work/run-$run.log
  started=$SECONDS
  # Its own session (setsid), so that the trap can end the whole tree; waited for in the background, so
  # that a signal to this script is handled at once.
  setsid bash -c 'cd "$0" && eval "$1"' "$clone" "$command" > "$log" 2>&1 < /dev/null &
  test_pid=$!
  wait "$test_pid"
  status=$?
  test_pid=
  elapsed=$((SECONDS - started))
  durations+=("$elapsed")
  summary=$("$ci" --summarize "$log" "$status")
  verdict=$?
  counts=$(tail -n 1 <<<"$summary")
  if ((verdict == 0)); then
    passed_runs=$((passed_runs + 1))
    rm -f "$log"
    echo "run $run/$runs: $(minutes "$elapsed"), $counts: ok"
    continue
  fi

  kept=1
  echo "run $run/$runs: $(minutes "$elapsed"), $counts: FAILED (test command exit $status)"
  head -n -1 <<<"$summary" | sed 's/^/  /'
  grep -E '^[[:space:]]+Failed [^[:space:]]' "$log" | head -n 20 | sed 's/^[[:space:]]*/  /'
  echo "  log kept: $log"
  break
done

if ((${#durations[@]})); then
  sorted=$(printf '%s\n' "${durations[@]}" | sort -n)
  shortest=$(head -n 1 <<<"$sorted")
  longest=$(tail -n 1 <<<"$sorted")
  median=$(sed -n "$(((${#durations[@]} + 1) / 2))p" <<<"$sorted")
  times="; duration min $(minutes "$shortest"), median $(minutes "$median"), max $(minutes "$longest")"
else
  times=
fi

if ((passed_runs == runs)); then
  echo "stress: $passed_runs of $runs run(s) passed in a row$times"
  exit 0
fi

echo "stress: run $((passed_runs + 1)) of $runs failed after $passed_runs passing run(s)$times; log in $work"
exit 1
