#!/usr/bin/env bash
# Installs the Debian packages Dragonflow's sandbox and tests use, if any is missing.
# Services that the packages would start (OVS, etcd, redis, zookeeper, keystone, mariadb) are
# kept stopped: the sandbox and the tests start their own instances in their own directories.
# Usage: scripts/install-deps.sh [EXTRA_PACKAGE...]   (extra packages, e.g. scripts/tempest.sh's)
set -euo pipefail

PACKAGES=(
  openvswitch-switch openvswitch-common   # the switch: ovsdb-server, ovs-vswitchd, ovs-ofctl
  iproute2 iputils-ping ethtool curl      # namespaces, veths, ping, checksum offload, HTTP checks
  tcpdump                                 # captures on the test fabric (802.1Q tags on the wire)
  udhcpc isc-dhcp-client                  # real DHCP clients inside VM namespaces
  etcd-server redis-server zookeeperd     # distributed NB backends
  python3-openstackclient                 # the real openstack CLI
  keystone mariadb-server python3-pymysql # Keystone for auth_strategy = keystone, on its own MariaDB
  uwsgi-core uwsgi-plugin-python3         # serves Keystone's WSGI app (scripts/keystone/up.sh)
)
PACKAGES+=("$@")

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "install-deps: installing ${missing[*]}" >&2
sudo=""
[ "$(id -u)" -ne 0 ] && sudo="sudo"
policy=/usr/sbin/policy-rc.d
added_policy=0
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' | $sudo tee "$policy" >/dev/null
  $sudo chmod +x "$policy"
  added_policy=1
fi
trap '[ $added_policy = 1 ] && $sudo rm -f "$policy"' EXIT
$sudo apt-get update -q >&2
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}" >&2
