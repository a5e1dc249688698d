#!/usr/bin/env bash
# CI's fuzz smoke run: every target under AFL++ for a few seconds (SECONDS each, default 2), one after the
# other, failing on any crash or hang (an input over a second). Needs afl++ (Debian) and SharpFuzz.CommandLine.
#   fuzz/smoke.sh [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-2}"
export PATH="$PATH:$HOME/.dotnet/tools"
out=fuzz/bin/smoke seeder=fuzz/bin/seeder
rm -rf "$out" fuzz/bin/smoke-findings
mkdir -p fuzz/bin/smoke-findings
dotnet publish fuzz -c Release -o "$out" --nologo -v q
dotnet build fuzz -c Release -o "$seeder" --nologo -v q
sharpfuzz "$out/LoaderHarness.Loader.dll" >/dev/null
sharpfuzz "$out/LoaderHarness.Emulator.dll" >/dev/null
export AFL_SKIP_BIN_CHECK=1 AFL_NO_UI=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_SKIP_CPUFREQ=1 AFL_FAST_CAL=1 AFL_NO_AFFINITY=1
failed=0
for target in $(dotnet "$seeder/loader-fuzz.dll" --list); do
  # A second per input, except for the engine targets: a fresh process JITs the engine and the compiling tier on its
  # first inputs, which on a loaded machine overran a second in the dry run; the targets still fail any engine run
  # over a second themselves (FuzzContractException.PerInput).
  case "$target" in x86-*|a64*) timeout_ms=5000 ;; *) timeout_ms=1000 ;; esac
  seeds="fuzz/bin/smoke-seeds/$target"
  rm -rf "$seeds"; mkdir -p "$seeds"
  dotnet "$seeder/loader-fuzz.dll" "$target" --seeds "$seeds" >/dev/null
  findings="fuzz/bin/smoke-findings/$target"
  afl-fuzz -i "$seeds" -o "$findings" -V "$seconds" -t "$timeout_ms" -m none -- dotnet "$out/loader-fuzz.dll" "$target" > "$findings.log" 2>&1 \
    || { echo "$target: afl-fuzz failed (see $findings.log)"; failed=1; continue; }
  crashes=$(find "$findings" -path '*crashes/id*' | wc -l)
  hangs=$(find "$findings" -path '*hangs/id*' | wc -l)
  execs=$(awk '$1 == "execs_done" { print $3 }' "$findings/default/fuzzer_stats")
  echo "$target: $execs executions, $crashes crashes, $hangs hangs"
  [ "$crashes" -eq 0 ] && [ "$hangs" -eq 0 ] || failed=1
done
exit "$failed"
