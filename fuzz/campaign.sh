#!/usr/bin/env bash
# The long run: every given target under AFL++ one after the other (never two fuzzers at once), each for
# SECONDS at the most or until it reaches the goal's executions, at the lowest CPU priority, from its own build
# directory so a rebuild of fuzz/bin/afl cannot pull the binary from under a running fuzzer:
#   nice -n 19 fuzz/campaign.sh SECONDS TARGET...
# Appends one line per target to fuzz/findings/campaign.tsv: target, seconds, executions, edges found,
# total edges in the map, corpus size, crashes, hangs (AFL++'s fuzzer_stats keys).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="$1"; shift
export PATH="$PATH:$HOME/.dotnet/tools"
# FUZZ_BUILD: an already published and instrumented build to use instead of publishing one now.
out="${FUZZ_BUILD:-fuzz/bin/campaign-$$}"
if [ -z "${FUZZ_BUILD:-}" ]; then
  dotnet publish fuzz -c Release -o "$out" --nologo -v q
  # SharpFuzz rewrites the loader and the engines to report branch coverage to AFL++'s shared memory.
  sharpfuzz "$out/LoaderHarness.Loader.dll"
  sharpfuzz "$out/LoaderHarness.Emulator.dll"
fi
# Seeds come from an uninstrumented build: instrumented code runs only under afl-fuzz (it writes AFL's map).
seeder="${FUZZ_SEEDER:-fuzz/bin/seeder}"
[ -n "${FUZZ_SEEDER:-}" ] || dotnet build fuzz -c Release -o "$seeder" --nologo -v q
export AFL_SKIP_BIN_CHECK=1 AFL_NO_UI=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_SKIP_CPUFREQ=1
mkdir -p fuzz/findings
for target in "$@"; do
  seeds="fuzz/bin/seeds-campaign/$target"
  rm -rf "$seeds"; mkdir -p "$seeds"
  dotnet "$seeder/loader-fuzz.dll" "$target" --seeds "$seeds"
  rm -rf "fuzz/findings/$target"
  # AFL's hang bound: a second per input for the parsers, the issue's bound. The engine targets get 5 s, as in
  # smoke.sh: the first inputs of a fresh process JIT the engine (and the compiling tier) and under a loaded machine
  # overran a second in the dry run, which AFL then took for a hang or for a binary without instrumentation (an
  # empty map); the targets themselves still fail any engine run over a second (FuzzContractException.PerInput).
  # -E: each target stops at the executions the goal asks for (10 M per parser, 1 M per engine mode) or at SECONDS,
  # whichever comes first; FUZZ_EXECS overrides it.
  case "$target" in x86-*|a64*) timeout_ms=5000 execs=1000000 ;; *) timeout_ms=1000 execs=10000000 ;; esac
  afl-fuzz -i "$seeds" -o "fuzz/findings/$target" -V "$seconds" -E "${FUZZ_EXECS:-$execs}" \
    -t "${FUZZ_TIMEOUT_MS:-$timeout_ms}" -m none \
    -- dotnet "$out/loader-fuzz.dll" "$target" > "fuzz/findings/$target.log" 2>&1 || true
  stats="fuzz/findings/$target/default/fuzzer_stats"
  get() { awk -v k="$1" '$1 == k { print $3 }' "$stats" 2>/dev/null; }
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$target" "$(get run_time)" "$(get execs_done)" "$(get edges_found)" \
    "$(get total_edges)" "$(get corpus_count)" "$(get saved_crashes)" "$(get saved_hangs)" | tee -a fuzz/findings/campaign.tsv
done
