#!/usr/bin/env bash
# Stops what scripts/keystone/up.sh DIR started, by the pids it recorded in DIR (a pid whose
# start time changed belongs to another process and is left alone). Keeps DIR.
# Usage: scripts/keystone/down.sh DIR [NAME...]   (NAME: uwsgi, mariadb; default both)
set -uo pipefail
dir=${1:?usage: down.sh DIR [uwsgi|mariadb...]}
shift
names=("$@")
[ ${#names[@]} -gt 0 ] || names=(uwsgi mariadb)

. "$(dirname "$(readlink -f "$0")")/../lib/process.sh"

for name in "${names[@]}"; do
  file=$dir/$name.pid
  [ -e "$file" ] || continue
  read -r pid start < "$file"
  stop_pid "$pid" "$start" 10 "keystone/down.sh: $name"
  rm -f "$file"
  [ -n "${DF_TEST_LEFTOVERS:-}" ] && rm -f "$DF_TEST_LEFTOVERS/pid-$pid"
done
exit 0
