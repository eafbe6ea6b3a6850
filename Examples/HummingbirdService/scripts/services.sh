# Functions shared by smoke.sh and load.sh: install what the example needs, start PostgreSQL (with
# the seeded catalog), memcached and instances of the service on free loopback ports, and stop all
# of them on exit. Source it; it sets `started_pids` and a trap.
example_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
started_pids=()
cleanup_dirs=()
pg_data=""

stop_everything() {
    for pid in "${started_pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${started_pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    if [ -n "$pg_data" ]; then as_postgres "$pg_bin/pg_ctl" -D "$pg_data" -m fast -w stop >/dev/null 2>&1 || true; fi
    for dir in "${cleanup_dirs[@]}"; do rm -rf "$dir"; done
}
trap stop_everything EXIT

install_packages() {
    local missing=()
    command -v memcached >/dev/null || missing+=(memcached)
    pkg-config --exists libmemcached 2>/dev/null || missing+=(libmemcached-dev pkg-config)
    ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
    command -v curl >/dev/null || missing+=(curl)
    [ "${1:-}" = wrk ] && ! command -v wrk >/dev/null && missing+=(wrk)
    if [ ${#missing[@]} -gt 0 ]; then
        echo "== installing ${missing[*]}"
        local sudo=()
        [ "$(id -u)" = 0 ] || sudo=(sudo)
        "${sudo[@]}" apt-get update -qq
        DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq "${missing[@]}" >/dev/null
    fi
    pg_bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
}

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Runs a command as the postgres user when this script runs as root (PostgreSQL refuses root).
as_postgres() {
    if [ "$(id -u)" = 0 ]; then
        su postgres -s /bin/sh -c "cd / && $(printf '%q ' "$@")"
    else
        "$@"
    fi
}

# Waits until `url` answers, for up to `seconds`.
wait_for_http() {
    local url=$1 seconds=${2:-60}
    for _ in $(seq $((seconds * 10))); do
        curl -fs -o /dev/null "$url" && return 0
        sleep 0.1
    done
    echo "error: $url did not answer within $seconds s" >&2
    return 1
}

# Runs psql on the catalog database (or the one `-d` names) of the server start_postgres started.
psql_catalog() {
    psql -h 127.0.0.1 -p "$pg_port" -U postgres -d catalog -X -q -t -A -v ON_ERROR_STOP=1 "$@"
}

# Starts PostgreSQL on a free loopback port with pg_stat_statements and the seeded database
# `catalog`; sets `pg_port`.
start_postgres() {
    local dir
    dir=$(mktemp -d)
    cleanup_dirs+=("$dir")
    chmod 755 "$dir"
    pg_data="$dir/data"
    mkdir "$pg_data"
    [ "$(id -u)" = 0 ] && chown postgres "$pg_data"
    pg_port=$(free_port)
    as_postgres "$pg_bin/initdb" -D "$pg_data" -U postgres --auth=trust -E UTF8 >/dev/null
    as_postgres "$pg_bin/pg_ctl" -D "$pg_data" -l "$pg_data/server.log" -w start -o \
        "-p $pg_port -k $pg_data -c listen_addresses=127.0.0.1 -c shared_preload_libraries=pg_stat_statements -c max_connections=200" >/dev/null
    psql_catalog -d postgres -c "CREATE DATABASE catalog" >/dev/null
    echo "== PostgreSQL on 127.0.0.1:$pg_port: seeding 10,000 products and 1,000,000 reviews"
    psql_catalog -f "$example_dir/scripts/seed.sql" >/dev/null
}

# Starts memcached on a free loopback port; sets `memcached_port`.
start_memcached() {
    memcached_port=$(free_port)
    local user=()
    [ "$(id -u)" = 0 ] && user=(-u nobody)
    memcached -l 127.0.0.1 -p "$memcached_port" -U 0 -m 256 "${user[@]}" &
    started_pids+=($!)
    for _ in $(seq 100); do
        (exec 3<>"/dev/tcp/127.0.0.1/$memcached_port") 2>/dev/null && break
        sleep 0.05
    done
    echo "== memcached on 127.0.0.1:$memcached_port"
}

# Starts an instance of the service built in `build_dir` on `port`, with caching `on` or `off`,
# logging JSON lines to `log`; returns when it answers. Sets `service_pid`.
start_service() {
    local build_dir=$1 port=$2 caching=$3 log=$4
    HTTP_PORT=$port DATABASE_PORT=$pg_port CACHE_ENABLED=$([ "$caching" = on ] && echo true || echo false) \
        MEMCACHED_URL="127.0.0.1:$memcached_port" LOG_LEVEL=${LOG_LEVEL:-notice} \
        "$build_dir/catalog-service" >"$log" 2>&1 &
    service_pid=$!
    started_pids+=($service_pid)
    wait_for_http "http://127.0.0.1:$port/health" 60 || { cat "$log" >&2; return 1; }
}

# Stops the instance `pid` gracefully (SIGTERM) and waits for it.
stop_service() {
    kill -TERM "$1"
    wait "$1" 2>/dev/null || true
}
