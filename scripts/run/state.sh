# Sourced by run.sh. What the all-in-one creates, and how it removes exactly that.
#
# Every process and namespace is written to $RUN/state *before* it is created (a pid right
# after it is known), one record a line:
#   netns NAME        a network namespace (its veths and OVS taps go with it)
#   pid PID           a process we started in the background (API server, controllers)
#   pidfile PATH      an OVS daemon that detached and writes its pid there
#   path PATH         a file or directory outside $RUN (/etc/netns/NAME of a VM)
# teardown reads that file, so `./run.sh --down` after a crash (even kill -9 of run.sh)
# removes the same things. Processes are stopped only if /proc/PID/cmdline still mentions
# $RUN (the run directory is on every command line we start), so a recycled pid is never hit;
# nothing is ever killed by name.

record() { printf '%s\n' "$*" >> "$RUN/state"; }

# Is PID alive and one of ours (its command line mentions the run directory)?
# A process in the middle of exec (e.g. ./dragonflow's wrapper becoming dotnet) shows an empty
# command line for a moment; that is read again rather than taken for "gone". A zombie's stays
# empty, and it is not alive anyway.
ours() {
  local pid=$1 i
  for i in 1 2 3 4 5 6 7 8 9 10; do
    [ -r "/proc/$pid/cmdline" ] || return 1
    # (proc files report size 0: the content is what tells)
    [ -n "$(tr -d '\0' < "/proc/$pid/cmdline" 2>/dev/null)" ] || { sleep 0.02; continue; }
    grep -qF "$RUN" "/proc/$pid/cmdline" 2>/dev/null || return 1
    # An explicit status: a bare `return` in a trap handler (teardown on Ctrl-C) would return
    # the status of the command before the trap.
    if grep -q '^State:[[:space:]]*Z' "/proc/$pid/status" 2>/dev/null; then return 1; fi
    return 0
  done
  return 1
}

# SIGTERM the pids given, wait up to 5 s for all, then SIGKILL what is left.
stop_pids() {
  local pid left i
  for pid in "$@"; do ours "$pid" && kill -TERM "$pid" 2>/dev/null || true; done
  for i in $(seq 50); do
    left=0
    for pid in "$@"; do ours "$pid" && left=1; done
    [ $left = 0 ] && return 0
    sleep 0.1
  done
  for pid in "$@"; do
    if ours "$pid"; then
      echo "run.sh: pid $pid did not stop on SIGTERM; killing it" >&2
      kill -KILL "$pid" 2>/dev/null || true
    fi
  done
  for i in $(seq 30); do
    left=0
    for pid in "$@"; do ours "$pid" && left=1; done
    [ $left = 0 ] && return 0
    sleep 0.1
  done
}

# Removes everything the state file lists, in the safe order: our processes (controllers and
# server first, then the OVS daemons), then namespaces, then files outside the run directory.
# Logs stay in $RUN for reading; everything else in it is removed.
teardown() {
  local state=$RUN/state kind arg pids=() daemons=() f pid
  [ -f "$state" ] || return 0
  while read -r kind arg; do
    case $kind in
      pid) pids+=("$arg") ;;
      pidfile) [ -f "$arg" ] && pid=$(cat "$arg" 2>/dev/null) && [ -n "$pid" ] && daemons+=("$pid") ;;
    esac
  done < "$state"
  [ ${#pids[@]} -gt 0 ] && stop_pids "${pids[@]}"
  [ ${#daemons[@]} -gt 0 ] && stop_pids "${daemons[@]}"
  while read -r kind arg; do
    case $kind in
      netns) ip netns del "$arg" 2>/dev/null || true ;;
      path) rm -rf -- "$arg" ;;
    esac
  done < "$state"
  # Keep the logs; remove the databases, sockets, pid files, configs and the state itself.
  find "$RUN" -mindepth 1 ! -type d ! -name '*.log' -delete 2>/dev/null || true
  find "$RUN" -mindepth 1 -type d -empty -delete 2>/dev/null || true
}

# What of the state is still there (for --down's report and the tests): live processes and
# namespaces, one a line.
leftovers() {
  local kind arg pid
  [ -f "$RUN/state" ] || return 0
  while read -r kind arg; do
    case $kind in
      pid) ours "$arg" && echo "process $arg" ;;
      pidfile) [ -f "$arg" ] && pid=$(cat "$arg" 2>/dev/null) && ours "$pid" && echo "process $pid ($arg)" ;;
      netns) [ -e "/run/netns/$arg" ] && echo "namespace $arg" ;;
    esac
  done < "$RUN/state"
  return 0
}
