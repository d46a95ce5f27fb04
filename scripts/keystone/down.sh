#!/usr/bin/env bash
# Stops what scripts/keystone/up.sh DIR started, by the pids it recorded in DIR (a pid whose
# start time changed belongs to another process and is left alone). Keeps DIR.
# Usage: scripts/keystone/down.sh DIR [NAME...]   (NAME: uwsgi, mariadb; default both)
set -uo pipefail
dir=${1:?usage: down.sh DIR [uwsgi|mariadb...]}
shift
names=("$@")
[ ${#names[@]} -gt 0 ] || names=(uwsgi mariadb)

# True while PID is the process recorded with START and has not exited (a zombie has).
alive() {
  local recorded=$2 stat rest
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  rest=${stat##*) }
  set -- $rest
  [ "$1" != Z ] && [ "${20}" = "$recorded" ]
}

for name in "${names[@]}"; do
  file=$dir/$name.pid
  [ -e "$file" ] || continue
  read -r pid start < "$file"
  if alive "$pid" "$start"; then
    kill -TERM "$pid" 2>/dev/null
    for _ in $(seq 100); do
      alive "$pid" "$start" || break
      sleep 0.1
    done
    if alive "$pid" "$start"; then
      echo "keystone/down.sh: $name (pid $pid) did not stop in 10 s; killing it" >&2
      kill -KILL "$pid" 2>/dev/null
    fi
  fi
  rm -f "$file"
  [ -n "${DF_TEST_LEFTOVERS:-}" ] && rm -f "$DF_TEST_LEFTOVERS/pid-$pid"
done
exit 0
