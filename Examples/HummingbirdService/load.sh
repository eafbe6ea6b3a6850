#!/usr/bin/env bash
# The service under load: installs what it needs (PostgreSQL, memcached, wrk), builds the service in
# release, starts PostgreSQL (seeded), memcached and two instances of the service sharing memcached,
# and runs wrk (64 connections over 2 threads: 32 on each instance, LOAD_SECONDS, default 20 s, per
# run) on the hot route /top and on /products/{id} with Zipf-distributed ids; then the same with
# caching off (CACHE_ENABLED=false). Prints one table: requests/s (both instances), p50 (the mean of
# the two wrk processes' medians) and p99 (the higher of their 99th percentiles), errors, the database
# queries the route ran (pg_stat_statements) and the share of requests answered from the cache (from
# /metrics: hits and stale values served over all requests of the route's front region). Stops
# everything it started.
set -euo pipefail
source "$(dirname "$0")/scripts/services.sh"
install_packages wrk
cd "$example_dir"

echo "== release build"
swift build -c release --product catalog-service 2>&1 | tail -1
build_dir=$(swift build -c release --show-bin-path)
duration=${LOAD_SECONDS:-20}
expiration=${CACHE_EXPIRATION_SECONDS:-10}
export CACHE_EXPIRATION_SECONDS=$expiration

start_postgres
start_memcached
work=$(mktemp -d)
cleanup_dirs+=("$work")

# The sum over both instances of cache_requests for the regions in `regions` (separated by `+`)
# and the results listed after it.
cache_requests() {
    local regions=$1
    shift
    local total=0 port value region result metrics
    for port in "$port_a" "$port_b"; do
        metrics=$(curl -s "http://127.0.0.1:$port/metrics")
        for region in ${regions//+/ }; do
            for result in "$@"; do
                value=$(awk -v key="cache_requests{region=\"$region\",result=\"$result\"}" '$1 == key { print $2 }' <<<"$metrics")
                total=$((total + ${value:-0}))
            done
        done
    done
    echo "$total"
}

rows=()
# run NAME CACHING PATH MODE QUERY REGIONS: one wrk run on both instances. REGIONS are the regions
# a request goes through, the front one first (`products.local+products`): the share answered from
# the cache is their hits and stale values served over the front region's requests.
run() {
    local name=$1 caching=$2 path=$3 mode=$4 query=$5 regions=$6
    local front=${regions%%+*}
    psql_catalog -c "SELECT pg_stat_statements_reset()" >/dev/null
    local served_before=0 total_before=0
    if [ "$caching" = on ]; then
        served_before=$(cache_requests "$regions" hit stale)
        total_before=$(cache_requests "$front" hit miss stale)
    fi
    echo "== $name, caching $caching: wrk ${duration}s on $path"
    wrk -t1 -c32 -d"${duration}s" --timeout 10s --latency -s scripts/wrk.lua "http://127.0.0.1:$port_a$path" -- "$mode" | tail -1 >"$work/a" &
    local wrk_a=$!
    wrk -t1 -c32 -d"${duration}s" --timeout 10s --latency -s scripts/wrk.lua "http://127.0.0.1:$port_b$path" -- "$mode" | tail -1 >"$work/b" &
    wait "$wrk_a" $!
    local queries
    queries=$(psql_catalog -c "SELECT coalesce(sum(calls), 0) FROM pg_stat_statements WHERE query LIKE '$query'")
    local ratio="—"
    if [ "$caching" = on ]; then
        local served=$(($(cache_requests "$regions" hit stale) - served_before))
        local total=$(($(cache_requests "$front" hit miss stale) - total_before))
        ratio=$(awk -v s="$served" -v t="$total" 'BEGIN { if (t > 0) printf "%.2f%%", 100 * s / t; else print "—" }')
    fi
    rows+=("$(awk -v name="$name" -v caching="$caching" -v queries="$queries" -v ratio="$ratio" '
        NR == 1 { ra = $1; sa = $2; p50a = $3; p99a = $4; ea = $5 + $6 }
        NR == 2 { rb = $1; sb = $2; p50b = $3; p99b = $4; eb = $5 + $6 }
        END {
            seconds = sa > sb ? sa : sb
            printf "| %s | %s | %.0f | %.2f | %.2f | %d | %d | %s |", name, caching, (ra + rb) / seconds,
                (p50a + p50b) / 2, (p99a > p99b ? p99a : p99b), ea + eb, queries, ratio
        }' "$work/a" "$work/b")")
}

for caching in on off; do
    port_a=$(free_port)
    port_b=$(free_port)
    start_service "$build_dir" "$port_a" "$caching" "$work/service-a-$caching.log"
    pid_a=$service_pid
    start_service "$build_dir" "$port_b" "$caching" "$work/service-b-$caching.log"
    pid_b=$service_pid
    echo "== two instances, caching $caching, on 127.0.0.1:$port_a and 127.0.0.1:$port_b"
    run "hot: GET /top" "$caching" /top hot '%FROM reviews r JOIN products p%' pages
    run "Zipf: GET /products/{id}" "$caching" /products/1 zipf '%FROM products p LEFT JOIN reviews r%' products.local+products
    stop_service "$pid_a"
    stop_service "$pid_b"
done

echo
echo "$(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, ${duration} s per run, values expire after ${expiration} s:"
echo
echo "| route | caching | requests/s | p50 ms | p99 ms | errors | DB queries | from cache |"
echo "|---|---|---|---|---|---|---|---|"
printf '%s\n' "${rows[@]}"
