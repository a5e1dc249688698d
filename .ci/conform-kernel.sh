#!/usr/bin/env bash
# The CI recipe of docs/ci.md: check one kernel's boot-protocol conformance under every VMM profile and leave
# the JUnit XML and the HTML report in an output folder for the CI to keep as artefacts.
# Usage: .ci/conform-kernel.sh <vmlinux|bzImage|Image> [output-folder]   (CMDLINE overrides the command line)
# Exit status: conform's (0 everything conforms, 1 a contract failed, 2 bad input).
set -euo pipefail
kernel=$1
out=${2:-conform-results}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
mkdir -p "$out"
# Build once, then run the built CLI: `dotnet run` would spend seconds checking the build on every call.
dotnet build "$here/emulator-harness/LoaderHarness.Cli/LoaderHarness.Cli.csproj" -c Release --nologo -v quiet
dotnet "$here/emulator-harness/LoaderHarness.Cli/bin/Release/net10.0/loader-harness.dll" conform \
  --kernel "$kernel" --cmdline "${CMDLINE:-console=ttyS0}" --junit "$out/conform.xml" --html "$out/report.html"
