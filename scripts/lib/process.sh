# Shell helpers for scripts that stop what they started by pid, never by name (sourced, not run).

# Prints the start time of PID (field 22 of /proc/PID/stat), which tells a process from a later
# one given the same pid. Fails when there is no such process.
start_time() {
  local stat rest
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  rest=${stat##*) }
  set -- $rest
  echo "${20}"
}

# True while PID is the process that started at START and has not exited (a zombie has).
alive() {
  local recorded=$2 stat rest
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  rest=${stat##*) }
  set -- $rest
  [ "$1" != Z ] && [ "${20}" = "$recorded" ]
}

# Stops PID (started at START): TERM, up to SECONDS (default 10) for it to go, then KILL.
# NAME is for the message. A process that merely reuses the pid is left alone.
stop_pid() {
  local pid=$1 start=$2 seconds=${3:-10} name=${4:-process}
  alive "$pid" "$start" || return 0
  kill -TERM "$pid" 2>/dev/null
  for _ in $(seq $((seconds * 10))); do
    alive "$pid" "$start" || return 0
    sleep 0.1
  done
  echo "$name (pid $pid) did not stop in $seconds s; killing it" >&2
  kill -KILL "$pid" 2>/dev/null
  return 0
}

# Prints a free TCP port on 127.0.0.1.
free_port() {
  /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
