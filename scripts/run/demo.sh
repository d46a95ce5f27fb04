# Sourced by run.sh. The demo topology, made through the Neutron API with the real openstack
# CLI, and the ping matrix expected of it.
#
#   demo-blue 10.10.1.0/24: vm1 (chassis-1), vm2 (chassis-2)   \
#                                                                demo-router -- public 172.24.4.0/24
#   demo-red  10.10.2.0/24: vm3 (chassis-1), vm4 (chassis-2)   -- demo-router -- public 172.24.4.0/24
#   demo-vlan 10.10.3.0/24: vm5 (chassis-1), vm6 (chassis-2)   /                (external, flat)
#     (VLAN 100 on physnet1: between the chassis over br-ex and the external namespace's bridge,
#      not the tunnel)
#   floating IP on public -> vm1
#   security groups: demo-open (ICMP and SSH from anywhere): vm1, vm2, vm3, vm5, vm6
#                    demo-blue-only (ICMP and SSH only from demo-blue): vm4

DEMO_VMS=(vm1 vm2 vm3 vm4 vm5 vm6)
DEMO_VLAN_ID=100
declare -A VM_NETWORK=([vm1]=demo-blue [vm2]=demo-blue [vm3]=demo-red [vm4]=demo-red [vm5]=demo-vlan [vm6]=demo-vlan)
declare -A VM_CHASSIS=([vm1]=1 [vm2]=2 [vm3]=1 [vm4]=2 [vm5]=1 [vm6]=2)
declare -A VM_GROUP=([vm1]=demo-open [vm2]=demo-open [vm3]=demo-open [vm4]=demo-blue-only [vm5]=demo-open [vm6]=demo-open)
declare -A NETWORK_CIDR=([demo-blue]=10.10.1.0/24 [demo-red]=10.10.2.0/24 [demo-vlan]=10.10.3.0/24)
# Networks carried by a physical network (the provider app) rather than the tunnels.
declare -A NETWORK_PHYSICAL=([demo-vlan]=1)
# The one ingress rule of each demo group that matters to ping: ICMP from this prefix.
declare -A GROUP_ICMP_FROM=([demo-open]=0.0.0.0/0 [demo-blue-only]=10.10.1.0/24)
FIP_VM=vm1
SNAT_VM=vm3   # no floating IP, on chassis-1 (not a gateway): reaches the outside through chassis-2's SNAT
declare -A VM_PORT VM_MAC VM_IP VM_NS
FIP_ADDRESS=""

# The openstack CLI runs once for a whole batch of commands (its interactive mode reads them
# from stdin), which is many times faster than one process per command. That mode splits
# lines at spaces and knows no quotes: no argument may contain a space.
openstack_batch() {
  local out=$1 err=$2
  OS_AUTH_TYPE=none OS_ENDPOINT="http://$API" openstack >"$out" 2>"$err"
  [ ! -s "$err" ]
}

create_topology() {
  local vm net group cmds="$RUN/topology.cmds"
  {
    echo "network create demo-blue -f value -c id"
    echo "network create demo-red -f value -c id"
    echo "network create demo-vlan --provider-network-type vlan --provider-physical-network $PHYSNET --provider-segment $DEMO_VLAN_ID -f value -c id"
    for net in demo-blue demo-red demo-vlan; do
      echo "subnet create $net-v4 --network $net --subnet-range ${NETWORK_CIDR[$net]} --dns-nameserver 10.10.0.53 -f value -c id"
    done
    echo "network create public --external --provider-network-type flat --provider-physical-network public -f value -c id"
    echo "subnet create public-v4 --network public --subnet-range $EXTERNAL_CIDR --gateway $EXTERNAL_GW --no-dhcp --allocation-pool start=172.24.4.10,end=172.24.4.99 -f value -c id"
    echo "router create demo-router -f value -c id"
    echo "router add subnet demo-router demo-blue-v4"
    echo "router add subnet demo-router demo-red-v4"
    echo "router add subnet demo-router demo-vlan-v4"
    echo "router set demo-router --external-gateway public"
    for group in demo-open demo-blue-only; do
      echo "security group create $group --description icmp+ssh-from-${GROUP_ICMP_FROM[$group]} -f value -c id"
      echo "security group rule create $group --ingress --protocol icmp --remote-ip ${GROUP_ICMP_FROM[$group]} -f value -c id"
      echo "security group rule create $group --ingress --protocol tcp --dst-port 22 --remote-ip ${GROUP_ICMP_FROM[$group]} -f value -c id"
    done
    for vm in "${DEMO_VMS[@]}"; do
      echo "port create $vm --network ${VM_NETWORK[$vm]} --security-group ${VM_GROUP[$vm]} --device-owner compute:demo -f shell --prefix ${vm}_ -c id -c mac_address -c fixed_ips"
    done
    echo "floating ip create public --port $FIP_VM -f shell --prefix fip_ -c floating_ip_address"
  } > "$cmds"
  openstack_batch "$RUN/topology.out" "$RUN/topology.err" < "$cmds" || return 1
  local vm_id vm_mac vm_fixed
  for vm in "${DEMO_VMS[@]}"; do
    vm_id=$(sed -n "s/^${vm}_id=\"\(.*\)\"$/\1/p" "$RUN/topology.out")
    vm_mac=$(sed -n "s/^${vm}_mac_address=\"\(.*\)\"$/\1/p" "$RUN/topology.out")
    vm_fixed=$(sed -n "s/^${vm}_fixed_ips=\"\(.*\)\"$/\1/p" "$RUN/topology.out")
    VM_PORT[$vm]=$vm_id
    VM_MAC[$vm]=$vm_mac
    VM_IP[$vm]=$(grep -oE '[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+' <<<"$vm_fixed" | head -1)
    [ -n "$vm_id" ] && [ -n "$vm_mac" ] && [ -n "${VM_IP[$vm]}" ] || { echo "no port id/MAC/IP for $vm in the CLI's output" >>"$RUN/topology.err"; return 1; }
  done
  FIP_ADDRESS=$(sed -n 's/^fip_floating_ip_address="\(.*\)"$/\1/p' "$RUN/topology.out")
  [ -n "$FIP_ADDRESS" ] || { echo "no floating IP address in the CLI's output" >>"$RUN/topology.err"; return 1; }
}

# Port status from the API (curl + python: no CLI start-up per poll). Prints "VM STATUS".
port_statuses() {
  curl -sf "http://$API/v2.0/ports" | python3 -c '
import json, sys
names = set(sys.argv[1:])
for p in json.load(sys.stdin)["ports"]:
    if p.get("name") in names: print(p["name"], p.get("status"), p.get("binding:host_id") or "-")
' "${DEMO_VMS[@]}"
}

wait_ports_active() {
  local i
  for i in $(seq 60); do
    [ "$(port_statuses | awk '$2 == "ACTIVE"' | wc -l)" = "${#DEMO_VMS[@]}" ] && return 0
    sleep 0.5
  done
  return 1
}

ip_to_int() { local IFS=.; set -- $1; echo $(( ($1 << 24) + ($2 << 16) + ($3 << 8) + $4 )); }
in_cidr() {  # ADDRESS CIDR
  local bits=${2#*/} mask
  mask=$(( bits == 0 ? 0 : (0xffffffff << (32 - bits)) & 0xffffffff ))
  [ $(( $(ip_to_int "$1") & mask )) = $(( $(ip_to_int "${2%/*}") & mask )) ]
}

app_runs() { [[ " $RUNNING_APPS " == *" $1 "* ]]; }

# ---------------------------------------------------------------------------------------
# THE EXPECTED PING MATRIX. The one place that decides whether a ping should get a reply:
# from the topology above and from the apps the controllers actually run (RUNNING_APPS, from
# `dragonflow config apps`). So a run with sg or dnat left out of apps_list expects what
# that means, with no other change.
# expected_ping SRC DST  ->  prints "ok" or "fail: <why>". SRC is a VM or "external" (then
# DST is the floating IP's VM and the ping goes to the floating address).
# ---------------------------------------------------------------------------------------
expected_ping() {
  local src=$1 dst=$2 src_ip group
  if [ "$src" = external ]; then
    app_runs dnat || { echo "fail: the dnat app (floating IPs) does not run in this build"; return; }
    src_ip=$EXTERNAL_GW
  else
    src_ip=${VM_IP[$src]}
    app_runs l2 || { echo "fail: the l2 app does not run"; return; }
    # Across chassis the destination's network carries the packet (the source chassis routes).
    if [ "${VM_CHASSIS[$src]}" != "${VM_CHASSIS[$dst]}" ]; then
      if [ -n "${NETWORK_PHYSICAL[${VM_NETWORK[$dst]}]:-}" ]; then
        app_runs provider || { echo "fail: the provider app (VLAN networks) does not run"; return; }
      elif ! app_runs tunneling; then
        echo "fail: the tunneling app does not run"; return
      fi
    fi
    if [ "${VM_NETWORK[$src]}" != "${VM_NETWORK[$dst]}" ] && ! app_runs l3_proactive && ! app_runs l3_reactive; then
      echo "fail: no l3 app runs"; return
    fi
  fi
  group=${VM_GROUP[$dst]}
  if app_runs sg && ! in_cidr "$src_ip" "${GROUP_ICMP_FROM[$group]}"; then
    echo "fail: security group $group of $dst admits ICMP only from ${GROUP_ICMP_FROM[$group]}"; return
  fi
  echo ok
}

# One ping source -> destination, retried for up to $3 s (the first packets may wait for
# flows or ARP); writes ok|fail to $RUN/ping/SRC-DST.
ping_pair() {
  local ns=$1 addr=$2 seconds=$3 out=$4 deadline
  deadline=$((SECONDS + seconds))
  while :; do
    if in_ns "$ns" ping -c1 -W1 -q "$addr" >/dev/null 2>&1; then echo ok > "$out"; return; fi
    [ $SECONDS -ge $deadline ] && break
    sleep 0.2
  done
  echo fail > "$out"
}

# Runs every ping at once; then MISMATCHES counts results that differ from expected_ping.
run_ping_matrix() {
  local src dst pids=()
  rm -rf "$RUN/ping"; mkdir -p "$RUN/ping"
  for src in "${DEMO_VMS[@]}"; do
    for dst in "${DEMO_VMS[@]}"; do
      [ "$src" = "$dst" ] && continue
      ping_pair "${VM_NS[$src]}" "${VM_IP[$dst]}" 8 "$RUN/ping/$src-$dst" &
      pids+=($!)
    done
  done
  ping_pair "$(external_ns)" "$FIP_ADDRESS" 8 "$RUN/ping/external-$FIP_VM" &
  pids+=($!)
  ping_pair "${VM_NS[$SNAT_VM]}" "$EXTERNAL_GW" 8 "$RUN/ping/$SNAT_VM-outside" &
  pids+=($!)
  wait "${pids[@]}"  # not a bare `wait`: that would wait for the server and controllers too
}

print_ping_matrix() {
  local src dst got want mark
  MISMATCHES=0
  EXPECTED_FAILURES=()
  printf '  %-10s' "from \\ to"
  for dst in "${DEMO_VMS[@]}"; do printf '%-9s' "$dst"; done
  printf '%s\n' "floating IP $FIP_ADDRESS ($FIP_VM)"
  for src in "${DEMO_VMS[@]}" external; do
    printf '  %-10s' "$src"
    for dst in "${DEMO_VMS[@]}" fip; do
      if [ "$src" = "$dst" ] || { [ "$src" = external ] && [ "$dst" != fip ]; } || { [ "$src" != external ] && [ "$dst" = fip ]; }; then
        [ "$dst" = fip ] || printf '%-9s' "."
        continue
      fi
      [ "$dst" = fip ] && dst=$FIP_VM
      got=$(cat "$RUN/ping/$src-$dst" 2>/dev/null || echo fail)
      want=$(expected_ping "$src" "$dst")
      mark=""
      if [ "${want%%:*}" = fail ]; then
        mark="*"
        EXPECTED_FAILURES+=("$src -> $dst: ${want#fail: }")
      fi
      if [ "$got" != "${want%%:*}" ]; then mark="!"; MISMATCHES=$((MISMATCHES + 1)); fi
      printf '%-9s' "$([ "$got" = ok ] && echo ok || echo no)$mark"
    done
    echo
  done
  got=$(cat "$RUN/ping/$SNAT_VM-outside" 2>/dev/null || echo fail)
  want=ok
  app_runs snat || want="fail: the snat app (gateway chassis) does not run in this build"
  mark=""
  [ "${want%%:*}" = fail ] && { mark="*"; EXPECTED_FAILURES+=("$SNAT_VM -> outside: ${want#fail: }"); }
  if [ "$got" != "${want%%:*}" ]; then mark="!"; MISMATCHES=$((MISMATCHES + 1)); fi
  printf '  %-10s%s\n' "$SNAT_VM" "-> outside $EXTERNAL_GW (no floating IP: SNAT on the gateway chassis): $([ "$got" = ok ] && echo ok || echo no)$mark"
  echo "  ok = replied, no = no reply; * = expected to fail, ! = NOT what was expected"
  for line in "${EXPECTED_FAILURES[@]}"; do echo "  expected to fail: $line"; done
  if [ "$MISMATCHES" -eq 0 ]; then
    echo "  ping matrix: as expected"
  else
    echo "  ping matrix: $MISMATCHES result(s) differ from the expectation"
  fi
}

print_placement() {
  local i vm
  for i in 1 2; do
    echo "  chassis-$i (underlay $(chassis_ip "$i"), namespace $(chassis_ns "$i"), log $RUN/controller-$i.log)"
    for vm in "${DEMO_VMS[@]}"; do
      [ "${VM_CHASSIS[$vm]}" = "$i" ] || continue
      printf '    %-4s %-10s %-15s %s  group %-15s port %s%s\n' "$vm" "${VM_NETWORK[$vm]}" "${VM_IP[$vm]}" "${VM_MAC[$vm]}" \
        "${VM_GROUP[$vm]}" "${VM_PORT[$vm]}" "$([ "$vm" = "$FIP_VM" ] && echo "  floating IP $FIP_ADDRESS")"
    done
  done
  echo "  external network: namespace $(external_ns), gateway $EXTERNAL_GW, reaches br-ex of both chassis"
  echo "  physical network $PHYSNET (demo-vlan, VLAN $DEMO_VLAN_ID): br-ex of both chassis, through the same namespace's bridge"
}

print_leases() {
  local vm
  printf '  %-4s %-16s %-12s %-8s %-6s %-13s %s\n' vm address router "lease s" mtu "DHCP server" namespace
  for vm in "${DEMO_VMS[@]}"; do
    printf '  %-4s %-16s %-12s %-8s %-6s %-13s %s\n' "$vm" "$(lease_value "$vm" ip)/$(lease_value "$vm" mask)" \
      "$(lease_value "$vm" router)" "$(lease_value "$vm" lease)" "$(lease_value "$vm" mtu)" \
      "$(lease_value "$vm" server)" "${VM_NS[$vm]}"
  done
}


print_topology() {
  printf '%s\n' "network list" "subnet list" "router list -c Name -c Status" "port list" "floating ip list" \
    "security group list -c Name -c Description" "security group rule list demo-blue-only" \
    | openstack_batch "$RUN/show.out" "$RUN/show.err" || true
  sed 's/^/  /' "$RUN/show.out"
  [ -s "$RUN/show.err" ] && sed 's/^/  (openstack) /' "$RUN/show.err"
  return 0
}
