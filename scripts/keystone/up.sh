#!/usr/bin/env bash
# Starts a private Keystone in DIR: its own MariaDB (datadir and socket in DIR, no TCP), a
# keystone.conf, the database and keys, a bootstrapped admin, Keystone's public WSGI app under
# uwsgi on 127.0.0.1. Prints Keystone's URL on stdout. Every pid it starts is written to
# DIR/*.pid (and to $DF_TEST_LEFTOVERS when set) so that down.sh or clean-leftovers.sh stops it.
# Run again on the same DIR, it starts only what is not running (same port, same database).
#
# Usage: scripts/keystone/up.sh DIR
# Environment: KEYSTONE_TOKEN_EXPIRATION  seconds a token lives (default 3600)
#              KEYSTONE_ADMIN_PASSWORD    the bootstrapped admin's password (default: admin)
#              KEYSTONE_PORT              port to serve on (default: a free one)
set -euo pipefail

dir=${1:?usage: up.sh DIR}
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
expiration=${KEYSTONE_TOKEN_EXPIRATION:-3600}
admin_password=${KEYSTONE_ADMIN_PASSWORD:-admin}
db_password=keystone
socket=$dir/mysqld.sock
region=RegionOne

log() { echo "keystone/up.sh: $*" >&2; }
fail() { log "$*"; exit 1; }

for tool in mariadbd mariadb-install-db mariadb keystone-manage uwsgi; do
  command -v "$tool" >/dev/null || [ -x "/usr/sbin/$tool" ] || fail "$tool not found; run scripts/install-deps.sh"
done
[ -e /usr/lib/uwsgi/plugins/python3_plugin.so ] || fail "uwsgi's python3 plugin is missing; run scripts/install-deps.sh"

. "$(dirname "$(readlink -f "$0")")/../lib/process.sh"

# Records a started process: DIR/NAME.pid holds "PID START_TIME".
record() {
  local name=$1 pid=$2 start
  start=$(start_time "$pid") || fail "$name (pid $pid) exited at once; see $dir/$name.log"
  echo "$pid $start" > "$dir/$name.pid"
  if [ -n "${DF_TEST_LEFTOVERS:-}" ]; then
    mkdir -p "$DF_TEST_LEFTOVERS"
    echo "$pid $start" > "$DF_TEST_LEFTOVERS/pid-$pid"
  fi
}

# True if DIR/NAME.pid names a process that still runs (not exited, not a zombie).
running() {
  local pid start
  [ -e "$dir/$1.pid" ] || return 1
  read -r pid start < "$dir/$1.pid"
  alive "$pid" "$start"
}

# Waits up to $2 seconds for the command "$3..." to succeed while process $1 lives.
wait_for() {
  local name=$1 seconds=$2
  shift 2
  for _ in $(seq $((seconds * 5))); do
    "$@" >/dev/null 2>&1 && return 0
    running "$name" || fail "$name exited; see $dir/$name.log"
    sleep 0.2
  done
  fail "$name not ready after $seconds s; see $dir/$name.log"
}


sql() { mariadb --no-defaults --socket="$socket" -uroot "$@"; }

# --- MariaDB: socket only, its own datadir ---
if ! running mariadb; then
  if [ ! -d "$dir/mysql/mysql" ]; then
    mariadb-install-db --no-defaults --datadir="$dir/mysql" --user="$(id -un)" \
      --auth-root-authentication-method=normal --skip-test-db >"$dir/mariadb-install.log" 2>&1 \
      || fail "mariadb-install-db failed; see $dir/mariadb-install.log"
  fi
  setsid /usr/sbin/mariadbd --no-defaults --datadir="$dir/mysql" --socket="$socket" --skip-networking \
    --pid-file="$dir/mysql/mariadbd.pid" --user="$(id -un)" --skip-log-bin --innodb-buffer-pool-size=64M \
    --log-error="$dir/mariadb.log" </dev/null >>"$dir/mariadb.log" 2>&1 &
  record mariadb $!
  wait_for mariadb 60 sql -e 'SELECT 1'
fi

# --- keystone.conf, database, keys, bootstrap: once per DIR ---
if [ ! -e "$dir/port" ]; then
  echo "${KEYSTONE_PORT:-$(free_port)}" > "$dir/port"
fi
port=$(cat "$dir/port")
url=http://127.0.0.1:$port

if [ ! -e "$dir/bootstrapped" ]; then
  sql -e "CREATE DATABASE IF NOT EXISTS keystone;
          CREATE USER IF NOT EXISTS 'keystone'@'localhost' IDENTIFIED BY '$db_password';
          GRANT ALL PRIVILEGES ON keystone.* TO 'keystone'@'localhost';"
  mkdir -p "$dir/fernet-keys" "$dir/credential-keys"
  cat > "$dir/keystone.conf" <<CONF
[DEFAULT]
log_dir = $dir
log_file = keystone.log
use_stderr = false

[database]
connection = mysql+pymysql://keystone:$db_password@localhost/keystone?unix_socket=$socket

[token]
provider = fernet
expiration = $expiration

[fernet_tokens]
key_repository = $dir/fernet-keys

[credential]
key_repository = $dir/credential-keys

[cache]
# In-process cache only: no memcached to reach.
enabled = true
backend = dogpile.cache.memory
CONF
  manage() { keystone-manage --config-file "$dir/keystone.conf" "$@" >>"$dir/keystone-manage.log" 2>&1 \
    || fail "keystone-manage $1 failed; see $dir/keystone-manage.log"; }
  manage db_sync
  manage fernet_setup --keystone-user "$(id -un)" --keystone-group "$(id -gn)"
  manage credential_setup --keystone-user "$(id -un)" --keystone-group "$(id -gn)"
  # Creates the admin user and project, the roles admin, member and reader (admin implies
  # member implies reader), the region and the identity endpoint.
  manage bootstrap --bootstrap-password "$admin_password" --bootstrap-username admin \
    --bootstrap-project-name admin --bootstrap-role-name admin \
    --bootstrap-region-id "$region" --bootstrap-admin-url "$url/v3" \
    --bootstrap-public-url "$url/v3" --bootstrap-internal-url "$url/v3"
  touch "$dir/bootstrapped"
fi

# --- Keystone under uwsgi: one process, HTTP/1.1 keep-alive, no master (its pid is the server) ---
if ! running uwsgi; then
  setsid uwsgi --plugin python3 --http11-socket "127.0.0.1:$port" --wsgi-file /usr/bin/keystone-wsgi-public \
    --env "OS_KEYSTONE_CONFIG_DIR=$dir" --env OS_KEYSTONE_CONFIG_FILES=keystone.conf \
    --processes 1 --threads 8 --enable-threads --die-on-term --buffer-size 65535 --chdir "$dir" \
    </dev/null >>"$dir/uwsgi.log" 2>&1 &
  record uwsgi $!
  wait_for uwsgi 60 curl -sf --max-time 5 "$url/v3"
fi

echo "$url" > "$dir/url"
echo "$url"
