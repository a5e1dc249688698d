#!/usr/bin/env bash
# Runs one or every fuzz target under AFL++ for N seconds each (default 300):
#   fuzz/run.sh [SECONDS] [TARGET...]
# Needs: apt-get install afl++; dotnet tool install --global SharpFuzz.CommandLine --version 2.3.0
# Crashes and hangs land in fuzz/findings/<target>/default/{crashes,hangs}; copy each one that a fix covers
# into fuzz/regressions/<target>/ so the [Category("Fuzz")] replay test keeps it fixed.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-300}"; shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(detect elf bzimage image payload cmdline startinfo fdt kallsyms setup)
export PATH="$PATH:$HOME/.dotnet/tools"
out=fuzz/bin/afl
dotnet publish fuzz -c Release -o "$out" --nologo -v q
# SharpFuzz rewrites the loader assembly to report branch coverage to AFL's shared memory.
sharpfuzz "$out/LoaderHarness.Loader.dll" || true  # says so, and fails, when already instrumented
export AFL_SKIP_BIN_CHECK=1 AFL_NO_UI=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_SKIP_CPUFREQ=1
for target in "${targets[@]}"; do
  mkdir -p fuzz/findings
  seeds="fuzz/bin/seeds/$target"
  rm -rf "$seeds"; mkdir -p "$seeds"
  # Seeds: the generated fixtures, the peer images, fuzz/seeds/<target> (compressed payloads, a DTB, a
  # start_info, a command line) and earlier findings; only inputs under 1 MiB.
  find fixtures/generated tests/PeerImages "fuzz/seeds/$target" "fuzz/regressions/$target" -type f -size -1024k 2>/dev/null \
    | while read -r f; do cp "$f" "$seeds/$(echo "$f" | tr / _)"; done || true
  [ -n "$(ls -A "$seeds")" ] || printf 'seed' > "$seeds/seed"
  echo "== $target for ${seconds}s"
  afl-fuzz -i "$seeds" -o "fuzz/findings/$target" -V "$seconds" -t 5000 -m none -- dotnet "$out/loader-fuzz.dll" "$target" \
    > "fuzz/findings/$target.log" 2>&1 || true
  crashes=$(find "fuzz/findings/$target" -path '*crashes/id*' 2>/dev/null | wc -l)
  hangs=$(find "fuzz/findings/$target" -path '*hangs/id*' 2>/dev/null | wc -l)
  execs=$(grep -h execs_done "fuzz/findings/$target"/default/fuzzer_stats 2>/dev/null | awk '{print $3}')
  echo "   $target: ${execs:-0} executions, $crashes crashes, $hangs hangs"
done
