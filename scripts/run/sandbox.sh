# Sourced by run.sh. The sandbox on this machine: two chassis and an external network.
#
#   VM namespaces  --veth--  br-int [chassis namespace: ovsdb-server + ovs-vswitchd, netdev]
#                            br-phy 172.31.255.N  ==veth (underlay)==  br-phy of the other chassis
#                            br-ex  --veth--  "external" namespace: Linux bridge, 172.24.4.1/24
#
# br-ex is the physical fabric too: bridge_mappings maps both physical networks, "public" (the
# flat external network) and "physnet1" (VLAN networks), to it, and the external namespace's
# Linux bridge (not VLAN-filtering) carries the tagged frames between the chassis.
#
# Each chassis is its own network namespace (a userspace datapath creates taps named after its
# bridges, so two cannot share one) with its own OVS run directory $RUN/chN. Its controller runs
# in the host namespace and reaches OVS through unix sockets in that directory.
# The controller of each chassis makes br-int and a flow-based Geneve port (df-geneve, local_ip =
# the chassis' br-phy address) on it: tunnelled packets are encapsulated by the userspace datapath
# and cross the underlay veth to the other chassis, a real Geneve tunnel. A VM is a namespace
# whose eth0 is one end of a veth; the other end is a port of br-int whose iface-id is the VM's
# Neutron port (plug_vm below).
# Names: $TOKEN ("df-" + 4 random hex digits; the test harness never uses "-") + role, at most
# 15 characters.

OVS_SCHEMA=/usr/share/openvswitch/vswitch.ovsschema
UNDERLAY=172.31.255          # exists only inside the chassis namespaces
EXTERNAL_GW=172.24.4.1       # the "outside world" router: the external subnet's gateway
EXTERNAL_CIDR=172.24.4.0/24
PHYSNET=physnet1             # the physical network of the demo's VLAN network, also on br-ex

chassis_ns()  { echo "${TOKEN}c$1"; }
chassis_dir() { echo "$RUN/ch$1"; }
chassis_ip()  { echo "$UNDERLAY.$1"; }
chassis_mac() { printf '02:fe:00:00:00:%02x' "$1"; }
external_ns() { echo "${TOKEN}x"; }
vsctl()  { local i=$1; shift; ovs-vsctl --db="unix:$(chassis_dir "$i")/db.sock" --timeout=20 "$@"; }
appctl() { local i=$1; shift; ovs-appctl -t "$(chassis_dir "$i")/ovs-vswitchd.ctl" "$@"; }
ofctl()  { local i=$1; shift; OVS_RUNDIR=$(chassis_dir "$i") ovs-ofctl -O OpenFlow13 "$@"; }
in_ns()  { local ns=$1; shift; ip netns exec "$ns" "$@"; }

new_netns() {
  record netns "$1"
  ip netns add "$1"
  ip -n "$1" link set lo up
  in_ns "$1" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
}

# An OVS daemon in chassis $1's namespace, detached, everything in its run directory.
ovs_daemon() {
  local i=$1 program=$2; shift 2
  local dir; dir=$(chassis_dir "$i")
  record pidfile "$dir/$program.pid"
  in_ns "$(chassis_ns "$i")" env OVS_RUNDIR="$dir" OVS_LOGDIR="$dir" OVS_DBDIR="$dir" \
    "$program" "$@" --pidfile="$dir/$program.pid" --unixctl="$dir/$program.ctl" \
    --log-file="$dir/$program.log" -vconsole:off -vfile:info --detach --no-chdir \
    </dev/null >>"$dir/$program.log" 2>&1
}

start_chassis() {
  local i=$1 dir ns
  dir=$(chassis_dir "$i"); ns=$(chassis_ns "$i")
  mkdir -p "$dir"
  new_netns "$ns"
  # arp_ignore=1: the chassis kernel must not answer ARP for the br-phy address on the
  # underlay veth as well (OVS could learn the wrong MAC).
  in_ns "$ns" sysctl -qw net.ipv4.conf.all.arp_ignore=1
  ovsdb-tool create "$dir/conf.db" "$OVS_SCHEMA"
  ovs_daemon "$i" ovsdb-server "$dir/conf.db" --remote="punix:$dir/db.sock"
  vsctl "$i" --no-wait init
  vsctl "$i" --no-wait set Open_vSwitch . "external_ids:system-id=chassis-$i" "external_ids:hostname=chassis-$i"
  ovs_daemon "$i" ovs-vswitchd "unix:$dir/db.sock"
}

# The underlay: one veth between the two chassis, a br-phy on each holding the chassis
# address, fixed MACs and static tunnel neighbours (else the first tunnelled packets are lost).
connect_underlay() {
  local i p
  ip link add "${TOKEN}u1" netns "$(chassis_ns 1)" type veth peer name "${TOKEN}u2" netns "$(chassis_ns 2)"
  for i in 1 2; do
    ip -n "$(chassis_ns "$i")" link set "${TOKEN}u$i" up
    vsctl "$i" -- add-br br-phy -- set bridge br-phy datapath_type=netdev fail_mode=standalone \
      "other_config:hwaddr=\"$(chassis_mac "$i")\"" -- add-port br-phy "${TOKEN}u$i"
    ip -n "$(chassis_ns "$i")" addr add "$(chassis_ip "$i")/24" dev br-phy
    ip -n "$(chassis_ns "$i")" link set br-phy up
  done
  for i in 1 2; do
    p=$((3 - i))
    appctl "$i" tnl/neigh/aging 3600 >/dev/null
    appctl "$i" tnl/neigh/set br-phy "$(chassis_ip "$p")" "$(chassis_mac "$p")" >/dev/null
  done
  in_ns "$(chassis_ns 1)" ping -c1 -W2 "$(chassis_ip 2)" >/dev/null
}

# The outside world: a namespace with a Linux bridge owning the external gateway address,
# and a veth from it into br-ex of each chassis (br-ex is a plain L2 bridge, as on a real
# network node; the dnat app connects br-int to it).
start_external() {
  local ns i
  ns=$(external_ns)
  new_netns "$ns"
  ip -n "$ns" link add br0 type bridge stp_state 0 forward_delay 0
  ip -n "$ns" addr add "$EXTERNAL_GW/24" dev br0
  ip -n "$ns" link set br0 up
  for i in 1 2; do
    ip link add "${TOKEN}e$i" netns "$(chassis_ns "$i")" type veth peer name "${TOKEN}x$i" netns "$ns"
    ip -n "$ns" link set "${TOKEN}x$i" master br0
    ip -n "$ns" link set "${TOKEN}x$i" up
    in_ns "$ns" ethtool -K "${TOKEN}x$i" tx off >/dev/null
    ip -n "$(chassis_ns "$i")" link set "${TOKEN}e$i" up
    vsctl "$i" -- --may-exist add-br br-ex -- set bridge br-ex datapath_type=netdev fail_mode=standalone \
      other_config:disable-in-band=true -- --may-exist add-port br-ex "${TOKEN}e$i"
  done
}

# Background process in its own session (Ctrl-C reaches only run.sh, which then stops it in
# order); its pid goes to the state file. $1 = log file; the rest is the command.
spawn() {
  local log=$1; shift
  setsid "$@" </dev/null >"$log" 2>&1 &
  record pid $!
  SPAWNED=$!
  disown "$SPAWNED"  # run.sh watches it by pid; no "Killed" job notices from bash
  # Until the child has exec'd, its cmdline is run.sh's own and `ours` would call it gone.
  local i
  for i in $(seq 50); do
    grep -qF "$RUN" "/proc/$SPAWNED/cmdline" 2>/dev/null && return 0
    kill -0 "$SPAWNED" 2>/dev/null || return 0
    sleep 0.05
  done
}

# Waits until FILE contains PATTERN, while PID lives; $4 = seconds.
wait_for_log() {
  local file=$1 pattern=$2 pid=$3 seconds=$4 i
  for i in $(seq $((seconds * 5))); do
    grep -q -- "$pattern" "$file" 2>/dev/null && return 0
    kill -0 "$pid" 2>/dev/null || return 1
    sleep 0.2
  done
  return 1
}

# The controller of chassis $1 (its own config file; logs to $RUN/controller-N.log).
controller_config() {
  local i=$1
  cat > "$RUN/controller-$i.ini" <<INI
# dragonflow controller of chassis-$i (written by run.sh)
[df]
host = chassis-$i
nb_db_class = sqlite
nb_db_path = $RUN/nb.db
pub_sub_driver = zmq
publisher_bind_address = 127.0.0.1
publisher_port = 0
apps_list = $APPS_LIST
tunnel_types = geneve
local_ip = $(chassis_ip "$i")
integration_bridge = br-int
external_bridge = br-ex
bridge_mappings = public:br-ex,$PHYSNET:br-ex
enable_chassis_as_gateway = $([ "$i" = 2 ] && echo true || echo false)
datapath_type = netdev
ovsdb_connection = unix:$(chassis_dir "$i")/db.sock
of_listen = unix:$(chassis_dir "$i")/df-of.sock
INI
}

# A "VM": namespace NAME with eth0 (MAC of its Neutron port, TX checksum offload off, no
# address yet), the veth's other end in br-int of chassis $2 with iface-id = the port id.
# It has its own /etc/netns/NAME/resolv.conf so a DHCP client inside cannot touch the host's.
plug_vm() {
  local vm=$1 i=$2 port=$3 mac=$4 n=${1#vm}
  local ns="${TOKEN}v$n" tap="${TOKEN}t$n"
  record path "/etc/netns/$ns"
  mkdir -p "/etc/netns/$ns"
  : > "/etc/netns/$ns/resolv.conf"
  new_netns "$ns"
  ip link add "$tap" netns "$(chassis_ns "$i")" type veth peer name eth0 netns "$ns"
  ip -n "$ns" link set eth0 address "$mac" mtu 1400
  ip -n "$ns" link set eth0 up
  in_ns "$ns" ethtool -K eth0 tx off >/dev/null
  ip -n "$(chassis_ns "$i")" link set "$tap" up
  vsctl "$i" -- add-port br-int "$tap" -- set Interface "$tap" \
    "external_ids:iface-id=\"$port\"" "external_ids:attached-mac=\"$mac\"" external_ids:iface-status=active
  VM_NS[$vm]=$ns
}

# udhcpc (busybox) in the VM: a few tries, quits once bound. Its script only calls `ip` in
# the VM and writes what the server offered to $RUN/lease-VM.
take_lease() {
  local vm=$1 script="$RUN/udhcpc-$1.sh"
  cat > "$script" <<SH
#!/bin/sh
case "\$1" in
  deconfig) ip addr flush dev "\$interface"; ip link set "\$interface" up ;;
  bound|renew)
    ip addr add "\$ip/\$mask" dev "\$interface"
    [ -n "\$mtu" ] && ip link set dev "\$interface" mtu "\$mtu"
    for r in \$router; do ip route replace default via "\$r" dev "\$interface"; done
    printf 'ip=%s\nmask=%s\nrouter=%s\nmtu=%s\nlease=%s\nserver=%s\ndns=%s\n' \
      "\$ip" "\$mask" "\$router" "\$mtu" "\$lease" "\$serverid" "\$dns" > "$RUN/lease-$vm" ;;
esac
exit 0
SH
  chmod 700 "$script"
  in_ns "${VM_NS[$vm]}" udhcpc -i eth0 -n -q -f -t 15 -T 1 -A 1 -s "$script" >"$RUN/udhcpc-$vm.log" 2>&1 || true
}

lease_value() { sed -n "s/^$2=//p" "$RUN/lease-$1" 2>/dev/null; }
