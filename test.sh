#!/usr/bin/env bash
# Runs the whole test suite: installs what is missing (Debian packages, NuGet), builds, tests.
# Exits non-zero if anything fails. Extra arguments go to `dotnet test` (e.g. --filter Name~Sqlite).
set -euo pipefail
cd "$(dirname "$(readlink -f "$0")")"

scripts/install-deps.sh
dotnet restore Dragonflow.slnx --nologo -v quiet
dotnet build Dragonflow.slnx -c Release --no-restore --nologo -v quiet -clp:ErrorsOnly
./dragonflow --help >/dev/null

results=$(mktemp -d)
trap 'rm -rf "$results"' EXIT
status=0
# What the tests start is recorded here, so that a test process killed for hanging leaves no
# database server, OVS daemon or namespace behind (scripts/clean-leftovers.sh, below).
export DF_TEST_LEFTOVERS="$results/leftovers"
# One test assembly at a time (-m:1): the integration tests start real OVS, etcd, ZooKeeper and
# VMs, and on a 2-core machine several assemblies at once starve each other's timing.
# A test that hangs is stopped after 5 minutes and named (--blame-hang-timeout), rather than
# holding the run until CI gives up on it.
dotnet test Dragonflow.slnx -c Release --no-build --nologo -m:1 \
  --blame-hang-timeout 5m --blame-hang-dump-type none \
  --logger "console;verbosity=normal" --results-directory "$results" 2>&1 | tee "$results/log" || status=$?

scripts/clean-leftovers.sh "$DF_TEST_LEFTOVERS"

# Failures again at the end, each with its message and the start of its stack, so that the tail
# of the output says what failed.
awk '/^  Failed / { show = 1; lines = 0; print "" }
     /^  (Passed|Skipped) / || /^\[xUnit/ || /^Test Run/ { show = 0 }
     show && lines++ < 14
     /^The test running when the crash occurred/ { print ""; print "  Aborted (hung or crashed) while running:"; getline; print "  " $0 }' "$results/log"

# One closing line for the whole run, summed over the test assemblies' summaries.
awk '/^ +Passed: [0-9]+$/ { p += $2 } /^ +Failed: [0-9]+$/ { f += $2 } /^ +Skipped: [0-9]+$/ { s += $2 }
     /^Test Run Aborted/ { a++ }
     END { printf "%d passed, %d failed, %d skipped%s\n", p, f, s, a ? sprintf(", %d test assemblies aborted", a) : "" }' "$results/log"
exit $status
