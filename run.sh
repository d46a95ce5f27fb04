#!/usr/bin/env bash
# Dragonflow all-in-one on this machine, with the embedded defaults (sqlite NB database,
# ZeroMQ pub/sub): builds, starts the Neutron API server on 127.0.0.1:9696, creates a demo
# topology with the real openstack CLI, prints it, and runs until Ctrl-C, then removes
# everything it started.
#   ./run.sh          bring it up and keep it running
#   ./run.sh --once   bring it up, show it, tear it down (non-interactive check)
#   ./run.sh --down   clean up after a crash
set -euo pipefail
cd "$(dirname "$(readlink -f "$0")")"
state="$PWD/var/run"
api=127.0.0.1:9696
mode=${1:-up}

step() { printf '\n==> %s\n' "$*"; }
fail() { printf '\nrun.sh: %s\n  logs: %s\n' "$1" "$state" >&2; exit 1; }

down() {
  if [ -f "$state/server.pid" ]; then
    pid=$(cat "$state/server.pid")
    if kill -0 "$pid" 2>/dev/null; then
      kill "$pid" 2>/dev/null || true
      for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -9 "$pid" 2>/dev/null || true
    fi
    rm -f "$state/server.pid"
  fi
}

case "$mode" in
  --down) down; rm -rf "$state"; echo "run.sh: cleaned up"; exit 0 ;;
  up|--once) ;;
  *) echo "usage: $0 [--once|--down]" >&2; exit 2 ;;
esac

step "Installing what is missing (Debian packages, NuGet) and building"
scripts/install-deps.sh
./dragonflow --help >/dev/null

down
rm -rf "$state"
mkdir -p "$state"
cat > "$state/dragonflow.ini" <<INI
[df]
host = $(hostname)
nb_db_class = sqlite
nb_db_path = $state/nb.db
pub_sub_driver = zmq
publisher_bind_address = 127.0.0.1
publisher_port = 0

[api]
bind = $api
auth_strategy = noauth
INI

step "Starting the Neutron API server on http://$api (log: $state/server.log)"
trap 'down' EXIT
trap 'echo; echo "run.sh: stopping"; exit 0' INT TERM
./dragonflow server --config "$state/dragonflow.ini" >"$state/server.log" 2>&1 &
echo $! > "$state/server.pid"
for _ in $(seq 100); do
  curl -sf "http://$api/" >/dev/null 2>&1 && break
  kill -0 "$(cat "$state/server.pid")" 2>/dev/null || fail "the API server exited (see $state/server.log)"
  sleep 0.2
done
curl -sf "http://$api/" >/dev/null || fail "the API server did not answer on $api"

os() { openstack --os-auth-type none --os-endpoint "http://$api" "$@"; }
step "Creating a demo topology through the Neutron API (openstack CLI)"
os network create demo-blue -f value -c id >/dev/null || fail "network create failed"
os network create demo-red -f value -c id >/dev/null || fail "network create failed"
os subnet create demo-blue-v4 --network demo-blue --subnet-range 10.10.1.0/24 -f value -c id >/dev/null || fail "subnet create failed"
os subnet create demo-red-v4 --network demo-red --subnet-range 10.10.2.0/24 -f value -c id >/dev/null || fail "subnet create failed"
for vm in vm1 vm2; do os port create "$vm" --network demo-blue -f value -c id >/dev/null || fail "port create failed"; done
for vm in vm3 vm4; do os port create "$vm" --network demo-red -f value -c id >/dev/null || fail "port create failed"; done

step "Topology"
os network list
os subnet list
os port list

step "Northbound database (dragonflow db)"
./dragonflow db ls lport --config "$state/dragonflow.ini"

cat <<TXT

Drive it with the openstack CLI:
  openstack --os-auth-type none --os-endpoint http://$api network list
Inspect the NB database:
  ./dragonflow db dump --config $state/dragonflow.ini
TXT

if [ "$mode" = --once ]; then
  step "Tearing down (--once)"
  exit 0
fi
echo "Running; Ctrl-C stops and removes everything."
wait "$(cat "$state/server.pid")" || fail "the API server stopped (see $state/server.log)"
