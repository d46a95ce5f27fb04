#!/usr/bin/env bash
# Runs OpenStack's own API suites, tempest.api.network and neutron_tempest_plugin.api, against
# `dragonflow server` with auth_strategy = keystone on a private Keystone and an embedded sqlite
# NB, all in one run directory. Prints passed / failed / skipped per suite, the failed tests and
# the run directory. Every process it starts is stopped by pid on exit, also on failure.
#
# Usage: scripts/tempest.sh [--run-dir DIR] [--regex REGEX] [--concurrency N]
#   --regex REGEX   run only the tests matching REGEX (one run) instead of the two suites
set -euo pipefail

here=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
run_dir=""
regex=""
concurrency=2
suites=('tempest\.api\.network' 'neutron_tempest_plugin\.api')
region=RegionOne
admin_password=admin
service_password=dragonflow-service
public_cidr=172.24.4.0/24
project_cidr=10.100.0.0/16

while [ $# -gt 0 ]; do
  case $1 in
    --run-dir) run_dir=$2; shift 2 ;;
    --regex) regex=$2; shift 2 ;;
    --concurrency) concurrency=$2; shift 2 ;;
    -h|--help) sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "tempest.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done

log() { echo "tempest.sh: $*" >&2; }
fail() { log "$*"; exit 1; }

"$here/scripts/install-deps.sh" tempest neutron-tempest-plugin

[ -n "$run_dir" ] || run_dir=$(mktemp -d /tmp/df-tempest-XXXXXX)
mkdir -p "$run_dir"
run_dir=$(cd "$run_dir" && pwd)
keystone_dir=$run_dir/keystone
log "run directory $run_dir"

. "$here/scripts/lib/process.sh"

server_pid=""
server_start=""
tempest_pid=""
stop_all() {
  local rc=$?
  trap - EXIT INT TERM
  # tempest run leads its own process group (setsid below): its stestr workers go with it.
  [ -n "$tempest_pid" ] && kill -TERM -- "-$tempest_pid" 2>/dev/null
  [ -n "$server_pid" ] && stop_pid "$server_pid" "$server_start" 10 "dragonflow server"
  [ -d "$keystone_dir" ] && "$here/scripts/keystone/down.sh" "$keystone_dir" || true
  log "logs in $run_dir"
  exit "$rc"
}
trap stop_all EXIT
trap 'exit 130' INT
trap 'exit 143' TERM


# --- Keystone, and the admin's environment for the openstack CLI ---
keystone_url=$(KEYSTONE_ADMIN_PASSWORD=$admin_password "$here/scripts/keystone/up.sh" "$keystone_dir" | tail -n1)
export OS_AUTH_URL=$keystone_url/v3 OS_IDENTITY_API_VERSION=3 OS_REGION_NAME=$region \
  OS_USERNAME=admin OS_PASSWORD=$admin_password OS_PROJECT_NAME=admin \
  OS_USER_DOMAIN_NAME=Default OS_PROJECT_DOMAIN_NAME=Default
unset OS_CLOUD OS_TOKEN OS_AUTH_TYPE OS_ENDPOINT
os() { openstack "$@" >>"$run_dir/openstack.log" 2>&1 || fail "openstack $* failed; see $run_dir/openstack.log"; }

# The server's service user: project service, role service (what keystonemiddleware's users have).
os project create --or-show --domain Default service
os user create --or-show --domain Default --password "$service_password" dragonflow
os role create --or-show service
os role add --project service --user dragonflow service

# --- dragonflow server: keystone auth, embedded sqlite NB, free ports on 127.0.0.1 ---
api_port=$(free_port)
api_url=http://127.0.0.1:$api_port
cat > "$run_dir/dragonflow.ini" <<CONF
[df]
nb_db_class = sqlite
nb_db_path = $run_dir/nb.db
publisher_port = $(free_port)
publisher_bind_address = 127.0.0.1

[api]
bind = 127.0.0.1:$api_port
auth_strategy = keystone

[keystone_authtoken]
www_authenticate_uri = $keystone_url/v3
auth_url = $keystone_url/v3
auth_type = password
username = dragonflow
password = $service_password
project_name = service
user_domain_name = Default
project_domain_name = Default
region_name = $region
CONF
"$here/dragonflow" --help >/dev/null   # builds the CLI first, so the pid below is the server
setsid "$here/dragonflow" server --config "$run_dir/dragonflow.ini" </dev/null >"$run_dir/server.log" 2>&1 &
server_pid=$!
sleep 0.2
server_start=$(start_time "$server_pid") || fail "dragonflow server exited at once; see $run_dir/server.log"
[ -n "${DF_TEST_LEFTOVERS:-}" ] && mkdir -p "$DF_TEST_LEFTOVERS" && echo "$server_pid $server_start" > "$DF_TEST_LEFTOVERS/pid-$server_pid"
for i in $(seq 300); do
  curl -sf --max-time 2 "$api_url/" >/dev/null && break
  [ "$(start_time "$server_pid" || true)" = "$server_start" ] || fail "dragonflow server exited; see $run_dir/server.log"
  [ "$i" = 300 ] && fail "dragonflow server not ready after 60 s; see $run_dir/server.log"
  sleep 0.2
done
log "dragonflow server on $api_url (pid $server_pid)"

# --- the catalog: the network service in the region ---
os service create --name neutron network
for interface in public internal admin; do
  os endpoint create --region "$region" network "$interface" "$api_url"
done

# The extensions tempest may use: exactly what the server lists.
token=$(openstack token issue -f value -c id)
extensions=$(curl -sf -H "X-Auth-Token: $token" "$api_url/v2.0/extensions" \
  | /usr/bin/python3 -c 'import json,sys; print(",".join(sorted(e["alias"] for e in json.load(sys.stdin)["extensions"])))') \
  || fail "GET /v2.0/extensions failed"
log "extensions: $extensions"

# The public network: external, flat on the physical network of [df] bridge_mappings' default.
net() { openstack "$@" -f value -c id 2>>"$run_dir/openstack.log" || fail "openstack $* failed; see $run_dir/openstack.log"; }
public_id=$(net network create --external --share --provider-network-type flat \
  --provider-physical-network public public)
net subnet create --network "$public_id" --subnet-range "$public_cidr" --no-dhcp public-subnet >/dev/null

# --- the tempest workspace ---
workspace=$run_dir/tempest
# From the run directory: tempest writes a tempest.log into the directory it runs in.
[ -d "$workspace" ] || (cd "$run_dir" && tempest init --workspace-path "$run_dir/workspace.yaml" "$workspace") \
  >>"$run_dir/tempest-init.log" 2>&1
services_off=""
for s in nova cinder glance swift heat ceilometer aodh panko sahara ironic trove zaqar designate \
  octavia barbican manila mistral watcher horizon placement; do
  services_off+="$s = false"$'\n'
done
cat > "$workspace/etc/tempest.conf" <<CONF
[DEFAULT]
log_file = tempest.log
debug = true

[auth]
use_dynamic_credentials = true
create_isolated_networks = true
admin_username = admin
admin_password = $admin_password
admin_project_name = admin
admin_domain_name = Default

[identity]
uri_v3 = $keystone_url/v3
auth_version = v3
region = $region
disable_ssl_certificate_validation = true

[identity-feature-enabled]
api_v2 = false
api_v3 = true

[service_available]
neutron = true
keystone = true
$services_off
[network]
region = $region
endpoint_type = publicURL
project_network_cidr = $project_cidr
project_network_mask_bits = 28
project_network_v6_cidr = fd00:df::/48
project_network_v6_mask_bits = 64
public_network_id = $public_id
floating_network_name = public
shared_physical_network = false

[network-feature-enabled]
api_extensions = $extensions
ipv6 = true
ipv6_subnet_attributes = true
port_security = true

[validation]
run_validation = false

[neutron_plugin_options]
available_type_drivers = flat,vlan,geneve
provider_vlans = public
q_agent = None
create_shared_resources = true
CONF

# --- the runs ---
cd "$workspace"
status=0
summary=()
run_suite() {
  local name=$1 filter=$2
  log "running $name (concurrency $concurrency)"
  # In the background so that a TERM to this script runs the trap at once, not after the run.
  setsid tempest run --concurrency "$concurrency" --regex "$filter" </dev/null >"$run_dir/$name.log" 2>&1 &
  tempest_pid=$!
  wait "$tempest_pid" || status=1
  tempest_pid=""
  stestr last --subunit 2>/dev/null | subunit2csv >"$run_dir/$name.csv" || true
  summary+=("$(/usr/bin/python3 - "$name" "$run_dir/$name.csv" <<'PY'
import csv, sys
name, path = sys.argv[1], sys.argv[2]
counts = {"success": 0, "failure": 0, "skip": 0}
failed = []
with open(path) as f:
    for row in csv.DictReader(f):
        status = row["status"]
        if status in counts:
            counts[status] += 1
        if status == "failure":
            failed.append(row["test"])
print(f"{name}: passed {counts['success']}, failed {counts['failure']}, skipped {counts['skip']}")
for t in failed:
    print(f"  FAILED {t}")
PY
)")
}
if [ -n "$regex" ]; then
  run_suite selection "$regex"
else
  run_suite tempest-api-network "^${suites[0]}"
  run_suite neutron-tempest-plugin-api "^${suites[1]}"
fi
printf '%s\n' "${summary[@]}"
echo "run directory: $run_dir (server.log, keystone/, tempest/tempest.log, *.log, *.csv)"
exit $status
