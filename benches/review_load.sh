#!/usr/bin/env bash
# 300 simulated reviewers submitting score sheets at once, against SQLite and PostgreSQL
# (release build). Prints requests/s, p50/p90/p99 latency and the exactly-once check.
# Usage: benches/review_load.sh [reviewers]   (PINGCHA_BENCH_PG_URL: PostgreSQL admin URL)
set -euo pipefail
cd "$(dirname "$0")/.."
export PINGCHA_BENCH_REVIEWERS="${1:-300}"
for backend in sqlite postgres; do
  PINGCHA_BENCH_BACKEND=$backend cargo bench --bench review_load
done
