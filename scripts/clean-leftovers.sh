#!/usr/bin/env bash
# Removes what a killed test process left behind, from the ledger it kept (see
# tests/Dragonflow.Testing/Leftovers.cs): a process only if its pid still has the recorded
# start time (so a pid the kernel gave to another process is never hit), then namespaces.
# Usage: scripts/clean-leftovers.sh DIR
set -uo pipefail
dir=${1:?ledger directory}
[ -d "$dir" ] || exit 0

. "$(dirname "$(readlink -f "$0")")/lib/process.sh"

for entry in "$dir"/pid-*; do
  [ -e "$entry" ] || continue
  read -r pid recorded < "$entry"
  if [ "$(start_time "$pid")" = "$recorded" ]; then
    echo "clean-leftovers: killing process $pid ($(cat "/proc/$pid/comm" 2>/dev/null)), left by a test process that did not finish"
    kill -9 "$pid" 2>/dev/null
  fi
  rm -f "$entry"
done

for entry in "$dir"/netns-*; do
  [ -e "$entry" ] || continue
  read -r name < "$entry"
  if ip netns list | awk '{print $1}' | grep -qxF "$name"; then
    echo "clean-leftovers: deleting network namespace $name, left by a test process that did not finish"
    ip netns delete "$name"
    rm -rf "/etc/netns/$name"
  fi
  rm -f "$entry"
done
