#!/usr/bin/env bash
# Dragonflow all-in-one on this machine, on the embedded defaults (sqlite NB database, ZeroMQ
# pub/sub). Installs what is missing, builds, and starts:
#   - the Neutron API server on 127.0.0.1:9696,
#   - two chassis, each a network namespace with its own ovsdb-server and ovs-vswitchd
#     (userspace datapath) joined by a real Geneve tunnel over an underlay veth, each with
#     its `dragonflow controller`,
#   - a demo topology made through the Neutron API with the openstack CLI: two tenant
#     networks and a VLAN network (on the physical network the external namespace's bridge
#     also carries), a router between them, an external network with a floating IP, security
#     groups, six VMs (namespaces) over both chassis that take DHCP leases; chassis-2 is the
#     gateway chassis that SNATs the router's traffic of VMs without a floating IP,
# then prints the topology, the leases and a ping matrix checked against what is expected.
#
#   ./run.sh          bring it up and keep it running until Ctrl-C, then remove everything
#   ./run.sh --once   bring it up, show and check it, tear it down; exit 1 if a check failed
#   ./run.sh --down   remove what a crashed run left (processes, namespaces)
#
# Needs root (namespaces, OVS). Everything runs from var/run/ (configs, databases, sockets,
# logs); the logs stay there after it stops.
set -Eeuo pipefail
ROOT=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
cd "$ROOT"
RUN=$ROOT/var/run
API=127.0.0.1:9696
APPS_LIST=l2,l3_proactive,dhcp,dnat,snat,sg,portsec,aging,tunneling,provider
# shellcheck source=scripts/run/state.sh
source scripts/run/state.sh
# shellcheck source=scripts/run/sandbox.sh
source scripts/run/sandbox.sh
# shellcheck source=scripts/run/demo.sh
source scripts/run/demo.sh

mode=up
case "${1:-}" in
  "") ;;
  --once) mode=once ;;
  --down) mode=down ;;
  -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
  *) echo "usage: $0 [--once|--down|--help]" >&2; exit 2 ;;
esac

# Namespaces and OVS need root: come back through sudo, keeping PATH (where dotnet is).
if [ "$(id -u)" != 0 ] && command -v sudo >/dev/null; then
  echo "run.sh: needs root for network namespaces and Open vSwitch; running it with sudo" >&2
  exec sudo env "PATH=$PATH" ${DOTNET_ROOT:+"DOTNET_ROOT=$DOTNET_ROOT"} "$0" "$@"
fi

# ---- progress and failure ------------------------------------------------------------------
STEPS=10
STEP_NO=0
STEP_NAME=""
STEP_LOG=""
step() {  # NAME [LOG]
  STEP_NO=$((STEP_NO + 1)); STEP_NAME=$1; STEP_LOG=${2:-}; STEP_START=$SECONDS
  printf '[%2d/%d] %s ...\n' "$STEP_NO" "$STEPS" "$STEP_NAME"
}
step_done() { printf '       ok (%ds)%s\n' $((SECONDS - STEP_START)) "${1:+ - $1}"; }
section() { printf '\n== %s ==\n' "$1"; }
fail() {  # MESSAGE [LOG]
  local log=${2:-$STEP_LOG}
  trap - ERR
  {
    printf '\nrun.sh: FAILED'
    [ -n "$STEP_NAME" ] && printf ' at step %d/%d (%s)' "$STEP_NO" "$STEPS" "$STEP_NAME"
    printf ': %s\n' "$1"
    if [ -n "$log" ] && [ -f "$log" ]; then
      echo "  last lines of $log:"
      tail -n 15 "$log" | sed 's/^/    /'
    fi
    [ "$STEP_NO" -gt 1 ] && echo "  logs: $RUN/*.log (server, controllers, build), $RUN/ch1/ and $RUN/ch2/ (OVS)"
  } >&2
  exit 1
}
# Only the main shell reports (set -E hands the trap to subshells too; theirs fail their caller).
trap '[ $BASHPID = $$ ] && fail "command failed (${BASH_SOURCE[0]#"$ROOT"/}:$LINENO): $BASH_COMMAND"' ERR

# Is another run.sh of this checkout running?
live_run() {
  local pid
  pid=$(cat "$RUN/run.pid" 2>/dev/null) || return 1
  [ "$pid" != $$ ] && [ -r "/proc/$pid/cmdline" ] && grep -qF run.sh "/proc/$pid/cmdline" \
    && [ "$(readlink "/proc/$pid/cwd")" = "$ROOT" ] && echo "$pid"
}

if [ "$mode" = down ]; then
  if pid=$(live_run); then
    echo "run.sh: a run is active (pid $pid); stop it with Ctrl-C (or kill $pid), then ./run.sh --down" >&2
    exit 1
  fi
  [ "$(id -u)" = 0 ] || { echo "run.sh --down: needs root (namespaces, OVS)" >&2; exit 1; }
  if [ ! -f "$RUN/state" ]; then echo "run.sh: nothing to clean up"; exit 0; fi
  echo "run.sh: removing what the last run left:"
  leftovers | sed 's/^/  /'
  teardown
  rest=$(leftovers)
  rm -f "$RUN/state" "$RUN/run.pid"
  [ -z "$rest" ] || { echo "run.sh: could not remove:"; echo "$rest" | sed 's/^/  /'; exit 1; } >&2
  echo "run.sh: cleaned up (logs kept in $RUN)"
  exit 0
fi

# ---- 1. preconditions ----------------------------------------------------------------------
step "Checking this machine (root, port ${API##*:}, what a previous run left)"
[ "$(id -u)" = 0 ] || fail "needs root for network namespaces and Open vSwitch: sudo ./run.sh"
command -v dotnet >/dev/null || fail "the .NET SDK (dotnet) is not on PATH; install the .NET 10 SDK first"
if pid=$(live_run); then fail "another ./run.sh is running from $ROOT (pid $pid); stop it first"; fi
[ ${#RUN} -le 70 ] || fail "the checkout path is too long for OVS unix sockets ($RUN); clone it somewhere shorter"
if [ -f "$RUN/state" ]; then
  echo "       a previous run did not stop cleanly; removing what it left (as ./run.sh --down)"
  teardown
  [ -z "$(leftovers)" ] || fail "could not remove what a previous run left: $(leftovers | tr '\n' ' ')"
fi
if busy=$(ss -Htlnp "sport = :${API##*:}" 2>/dev/null) && [ -n "$busy" ]; then
  fail "port ${API##*:} is in use, the API server needs it: $busy"
fi
rm -rf "$RUN"
mkdir -p "$RUN"
echo $$ > "$RUN/run.pid"
TOKEN=df-$(od -An -N2 -tx2 /dev/urandom | tr -d ' ')
record token "$TOKEN"
step_done

stopping=0
on_exit() {
  local status=$?
  trap - ERR
  trap '' INT TERM
  [ $stopping = 1 ] && return
  stopping=1
  printf '[--/%d] Removing everything this run created ...\n' "$STEPS"
  teardown
  local rest; rest=$(leftovers)
  if [ -n "$rest" ]; then
    echo "run.sh: could not remove (try ./run.sh --down):" >&2; echo "$rest" | sed 's/^/  /' >&2
    status=1
  else
    rm -f "$RUN/state" "$RUN/run.pid"
    echo "       done; logs kept in $RUN"
  fi
  exit $status
}
trap on_exit EXIT
trap 'echo; echo "run.sh: interrupted"; exit 130' INT TERM

# ---- 2-3. dependencies and build -----------------------------------------------------------
step "Installing what is missing (Debian packages)" "$RUN/install.log"
scripts/install-deps.sh >"$RUN/install.log" 2>&1 || fail "installing packages failed"
step_done

step "Building the dragonflow command line (the first build takes a minute or two)" "$RUN/build.log"
./dragonflow --help >"$RUN/build.log" 2>&1 || fail "the build failed"
APPS=$(./dragonflow config apps --set "df.apps_list=$APPS_LIST" 2>>"$RUN/build.log") || fail "dragonflow config apps failed"
RUNNING_APPS=$(tr '\n' ' ' <<<"$APPS")
step_done "apps that run: ${RUNNING_APPS% }"

# ---- 4. API server -------------------------------------------------------------------------
step "Starting the Neutron API server on http://$API (sqlite NB, ZeroMQ pub/sub)" "$RUN/server.log"
cat > "$RUN/server.ini" <<INI
# dragonflow server (written by run.sh)
[df]
nb_db_class = sqlite
nb_db_path = $RUN/nb.db
pub_sub_driver = zmq
publisher_bind_address = 127.0.0.1
publisher_port = 0
tunnel_types = geneve

[api]
bind = $API
auth_strategy = noauth
INI
spawn "$RUN/server.log" ./dragonflow server --config "$RUN/server.ini"
SERVER_PID=$SPAWNED
for _ in $(seq 150); do
  curl -sf "http://$API/" >/dev/null 2>&1 && break
  ours "$SERVER_PID" || fail "the API server exited"
  sleep 0.2
done
curl -sf "http://$API/" >/dev/null || fail "the API server did not answer on $API within 30 s"
step_done "pid $SERVER_PID"

# ---- 5. chassis ----------------------------------------------------------------------------
step "Starting chassis-1 and chassis-2 (OVS in namespaces, underlay, external network)" "$RUN/ch1/ovs-vswitchd.log"
start_chassis 1
STEP_LOG=$RUN/ch2/ovs-vswitchd.log
start_chassis 2
connect_underlay || fail "the underlay between the chassis does not carry a ping"
start_external
step_done "namespaces $(chassis_ns 1), $(chassis_ns 2), $(external_ns)"

# ---- 6. controllers ------------------------------------------------------------------------
step "Starting a dragonflow controller for each chassis"
declare -a CONTROLLER_PIDS
for i in 1 2; do
  controller_config "$i"
  spawn "$RUN/controller-$i.log" ./dragonflow controller --config "$RUN/controller-$i.ini"
  CONTROLLER_PIDS[$i]=$SPAWNED
done
for i in 1 2; do
  STEP_LOG=$RUN/controller-$i.log
  wait_for_log "$STEP_LOG" "controller chassis-$i started" "${CONTROLLER_PIDS[$i]}" 60 \
    || fail "the controller of chassis-$i did not start"
done
step_done "pids ${CONTROLLER_PIDS[1]}, ${CONTROLLER_PIDS[2]}"

# ---- 7. topology ---------------------------------------------------------------------------
step "Creating the demo topology through the Neutron API (openstack CLI)" "$RUN/topology.err"
create_topology || fail "the openstack CLI reported an error (commands: $RUN/topology.cmds)"
step_done "2 networks, VLAN network demo-vlan (VLAN $DEMO_VLAN_ID), router, external network, floating IP $FIP_ADDRESS, 2 security groups, ${#DEMO_VMS[@]} ports"

# ---- 8. VMs --------------------------------------------------------------------------------
step "Plugging the VMs into br-int of their chassis; waiting for their ports to be ACTIVE"
for vm in "${DEMO_VMS[@]}"; do
  plug_vm "$vm" "${VM_CHASSIS[$vm]}" "${VM_PORT[$vm]}" "${VM_MAC[$vm]}"
done
wait_ports_active || fail "not every port became ACTIVE: $(port_statuses | tr '\n' ';')" "$RUN/controller-1.log"
step_done "$(port_statuses | sort | awk '{ printf "%s%s on %s", (NR > 1 ? ", " : ""), $1, $3 }')"

# ---- 9. DHCP -------------------------------------------------------------------------------
step "Taking DHCP leases in the VMs (udhcpc)"
dhcp_pids=()
for vm in "${DEMO_VMS[@]}"; do take_lease "$vm" & dhcp_pids+=($!); done
wait "${dhcp_pids[@]}" || true
for vm in "${DEMO_VMS[@]}"; do
  got=$(lease_value "$vm" ip)
  [ -n "$got" ] || fail "$vm got no DHCP lease" "$RUN/udhcpc-$vm.log"
  [ "$got" = "${VM_IP[$vm]}" ] || fail "$vm was leased $got, its port has ${VM_IP[$vm]}" "$RUN/udhcpc-$vm.log"
done
step_done

# ---- 10. pings -----------------------------------------------------------------------------
step "Pinging every VM from every VM, the floating IP from outside, and the outside from $SNAT_VM (SNAT)"
run_ping_matrix
step_done

section "Topology (openstack CLI)"
print_topology
section "Where things run"
print_placement
section "DHCP leases"
print_leases
section "Ping matrix"
print_ping_matrix

section "Drive it"
cat <<TXT
  export OS_AUTH_TYPE=none OS_ENDPOINT=http://$API     # the openstack CLI, no Keystone
  openstack network list
  openstack port list --network demo-red
  openstack security group rule create demo-blue-only --ingress --protocol icmp --remote-ip 10.10.2.0/24
  ip netns exec ${VM_NS[vm3]} ping ${VM_IP[vm4]}                 # vm3 -> vm4
  ip netns exec ${VM_NS[vm5]} ping ${VM_IP[vm6]}                 # vm5 -> vm6 over VLAN $DEMO_VLAN_ID
  ip netns exec $(external_ns) ping $FIP_ADDRESS                 # outside -> floating IP of $FIP_VM
  ip netns exec ${VM_NS[$SNAT_VM]} ping $EXTERNAL_GW                 # $SNAT_VM (no floating IP) -> outside, SNAT on chassis-2
  ./dragonflow status --config $RUN/server.ini            # chassis, ports, each router's active gateway chassis
  ./dragonflow db ls lport --config $RUN/server.ini       # the NB database
  OVS_RUNDIR=$RUN/ch1 ovs-ofctl -O OpenFlow13 dump-flows br-int   # chassis-1's flows
  logs: $RUN/server.log, $RUN/controller-1.log, $RUN/controller-2.log
TXT

if [ "$mode" = once ]; then
  echo
  [ "$MISMATCHES" -eq 0 ] || fail "the ping matrix differs from the expectation in $MISMATCHES place(s) (marked !)" "$RUN/controller-1.log"
  echo "run.sh --once: everything as expected"
  exit 0
fi

printf '\nRunning. Ctrl-C stops it and removes everything it created.\n'
STEP_NAME="running"; STEP_NO=$STEPS
while :; do
  ours "$SERVER_PID" || fail "the API server stopped" "$RUN/server.log"
  for i in 1 2; do ours "${CONTROLLER_PIDS[$i]}" || fail "the controller of chassis-$i stopped" "$RUN/controller-$i.log"; done
  sleep 1
done
