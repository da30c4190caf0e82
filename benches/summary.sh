#!/usr/bin/env bash
# Issue 10 benchmark: leadership summaries over 1,000,000 scored items (8 closed rounds of
# 6,250 files, two reviewers per file, ten rubric items per sheet) on SQLite, and on
# PostgreSQL when PINGCHA_BENCH_PG names an admin URL (a scratch database is created and
# dropped). Times the raw SQL aggregation queries alone next to the round summary and the
# trend view as the pages build them. Data is generated here, never committed.
# Usage: benches/summary.sh [FILES_PER_ROUND] [ROUNDS] [ITEMS_PER_SHEET]
set -euo pipefail
cd "$(dirname "$0")/.."
files=${1:-6250}
rounds=${2:-8}
items=${3:-10}
cargo build --release --example summary_bench
bin=${CARGO_TARGET_DIR:-target}/release/examples/summary_bench
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "=== SQLite"
"$bin" generate "$work/summary.sqlite3" "$files" "$rounds" "$items"
"$bin" time "$work/summary.sqlite3" 5
if [ -n "${PINGCHA_BENCH_PG:-}" ]; then
  db="pingcha_summary_bench_$$"
  psql "$PINGCHA_BENCH_PG" -q -c "CREATE DATABASE $db"
  echo "=== PostgreSQL"
  "$bin" generate "${PINGCHA_BENCH_PG%/*}/$db" "$files" "$rounds" "$items"
  # As autovacuum would leave it: visibility map set, so the covering index answers alone.
  psql "${PINGCHA_BENCH_PG%/*}/$db" -q -c "VACUUM ANALYZE"
  "$bin" time "${PINGCHA_BENCH_PG%/*}/$db" 5
  psql "$PINGCHA_BENCH_PG" -q -c "DROP DATABASE $db WITH (FORCE)"
fi
