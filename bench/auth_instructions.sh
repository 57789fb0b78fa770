#!/usr/bin/env bash
# Per-call cost of the auth layer in instructions (valgrind callgrind): exact and repeatable,
# unlike timings on a shared machine. Runs the auth_overhead bench binary with one side only
# (BENCH_PROFILE=bare|auth) at concurrency 1 and 64, each at two round counts; the slope is the
# per-call count (client + in-process simulator, user space only), the setup cost cancels out.
# Usage: bench/auth_instructions.sh        (needs valgrind; prints numbers and the ratio)
set -euo pipefail
cd "$(dirname "$0")/.."
bin=$(cargo bench --features mstr,sim --bench auth_overhead --no-run --message-format=json 2>/dev/null |
  python3 -c 'import json,sys
for l in sys.stdin:
    m=json.loads(l)
    if m.get("reason")=="compiler-artifact" and m.get("target",{}).get("name")=="auth_overhead" and m.get("executable"):
        print(m["executable"])')
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
calls=1280
count() { # side concurrency rounds -> instructions
  BENCH_PROFILE=$1 BENCH_CONCURRENCY=$2 BENCH_ROUNDS=$3 BENCH_CALLS=$calls valgrind --tool=callgrind \
    --callgrind-out-file="$work/cg" "$bin" --bench 2>&1 | sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}
for concurrency in 1 64; do
  declare -A per=()
  for side in bare auth; do
    a=$(count "$side" "$concurrency" 2); b=$(count "$side" "$concurrency" 6)
    per[$side]=$(( (b - a) / (4 * calls) ))
    printf 'concurrency %2d  %-5s %9d instructions per call\n' "$concurrency" "$side" "${per[$side]}"
  done
  python3 -c "b,a=${per[bare]},${per[auth]}; print(f'concurrency $concurrency: auth/bare {a/b:.4f}: overhead {a-b:+d} instructions per call ({(a/b-1)*100:+.2f}%, target < 5%)')"
done
