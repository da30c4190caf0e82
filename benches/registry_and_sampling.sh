#!/usr/bin/env bash
# Issue 5 benchmark: a 200,000-row registry XLSX imported into SQLite (and PostgreSQL when
# PINGCHA_BENCH_PG names an empty database's admin URL), next to calamine reading the same file
# alone; and sampling over 1,000,000 candidates. Each step runs in its own process so its peak
# memory is its own. Inputs are generated here, never committed. The import reads and writes on
# two threads: on a busy machine compare the `cpu` lines as well as `total`. Honours
# CARGO_TARGET_DIR.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --example import_bench
bin="${CARGO_TARGET_DIR:-target}/release/examples/import_bench"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$bin" generate "$work/registry.xlsx" 200000
for run in 1 2 3; do
  echo "--- run $run"
  "$bin" calamine-range "$work/registry.xlsx"
  "$bin" calamine-cells "$work/registry.xlsx"
  "$bin" import "$work/registry.xlsx"
  "$bin" import-db "$work/registry.xlsx"
  if [ -n "${PINGCHA_BENCH_PG:-}" ]; then
    db="pingcha_bench_$$_$run"
    psql "$PINGCHA_BENCH_PG" -q -c "CREATE DATABASE $db"
    "$bin" import-db "$work/registry.xlsx" "${PINGCHA_BENCH_PG%/*}/$db"
    psql "$PINGCHA_BENCH_PG" -q -c "DROP DATABASE $db WITH (FORCE)"
  fi
  "$bin" sample 1000000
done
