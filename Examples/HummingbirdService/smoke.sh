#!/usr/bin/env bash
# The example's smoke test, run by CI: builds the service, starts PostgreSQL (seeded), memcached and
# one instance, sends ten requests and checks each answer, stops the instance gracefully (SIGTERM)
# and checks that it exited cleanly, then stops everything it started.
set -euo pipefail
source "$(dirname "$0")/scripts/services.sh"
install_packages
cd "$example_dir"

echo "== build"
swift build --product catalog-service 2>&1 | tail -1
build_dir=$(swift build --show-bin-path)

start_postgres
start_memcached
port=$(free_port)
log=$(mktemp)
cleanup_dirs+=("$log")
start_service "$build_dir" "$port" on "$log"
echo "== catalog-service on 127.0.0.1:$port"

failures=0
# check NAME URL STATUS TEXT: the response to GET URL has status STATUS and contains TEXT.
check() {
    local name=$1 path=$2 status=$3 text=$4 body code
    body=$(mktemp)
    cleanup_dirs+=("$body")
    code=$(curl -s -o "$body" -w '%{http_code}' "http://127.0.0.1:$port$path")
    if [ "$code" = "$status" ] && { [ -z "$text" ] || grep -qF -- "$text" "$body"; }; then
        echo "ok   $name"
    else
        echo "FAIL $name: GET $path answered $code: $(head -c 300 "$body")"
        failures=$((failures + 1))
    fi
    cp "$body" "$body.last"
    last_body="$body.last"
    cleanup_dirs+=("$body.last")
}

check "health" /health 200 ok
check "top rated, made" /top 200 '"products":['
first_top=$(cat "$last_body")
check "top rated, from the response cache" /top 200 '"products":['
[ "$(cat "$last_body")" = "$first_top" ] && echo "ok   both answers are the same" || { echo "FAIL the cached answer differs"; failures=$((failures + 1)); }
for id in 1 2 3 4; do
    check "product $id" "/products/$id" 200 "\"id\":$id"
done
check "a missing product" /products/999999 404 ""
check "metrics" /metrics 200 'cache_requests{region="pages",result="hit"} 1'
queries=$(psql_catalog -c "SELECT coalesce(sum(calls), 0) FROM pg_stat_statements WHERE query LIKE '%FROM reviews r JOIN products p%'")
[ "$queries" = 1 ] && echo "ok   /top ran its query once" || { echo "FAIL /top ran its query $queries times"; failures=$((failures + 1)); }

[ -n "${SMOKE_LOG:-}" ] && cp "$log" "$SMOKE_LOG"
stop_service "$service_pid" && status=0 || status=$?
if grep -q '"message":"starting"' "$log" && [ "$status" = 0 ]; then
    echo "ok   graceful shutdown"
else
    echo "FAIL the service did not shut down cleanly (status $status)"
    tail -5 "$log"
    failures=$((failures + 1))
fi
[ "$failures" = 0 ] && echo "smoke: all checks passed" || { echo "smoke: $failures check(s) failed"; exit 1; }
