#!/usr/bin/env bash
# Per-call cost of the auth layer in instructions and simulated cache misses (valgrind
# cachegrind): exact and repeatable, unlike timings on a shared machine. Runs the auth_overhead
# bench binary with one side only (BENCH_PROFILE=bare|auth) at concurrency 1 and 64, each at two
# round counts; the slope is the per-call count (client + in-process simulator, user space
# only), the setup cost cancels out. Instructions say how much work the layer adds; L1 misses
# (each ~10-15 cycles when L2 has the line) are why its time overhead can exceed that.
# Usage: bench/auth_instructions.sh        (needs valgrind; prints numbers and ratios)
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
run() { # side concurrency rounds -> the cachegrind summary in $work/side-concurrency-rounds
  BENCH_PROFILE=$1 BENCH_CONCURRENCY=$2 BENCH_ROUNDS=$3 BENCH_CALLS=$calls \
    valgrind --tool=cachegrind --cache-sim=yes --cachegrind-out-file=/dev/null \
    "$bin" --bench >"$work/$1-$2-$3" 2>&1
}
for concurrency in 1 64; do
  for side in bare auth; do
    run "$side" "$concurrency" 2
    run "$side" "$concurrency" 6
  done
done
python3 - "$work" "$calls" <<'PY'
import re, sys
work, calls = sys.argv[1], int(sys.argv[2])
def totals(name):
    text = open(f"{work}/{name}").read()
    get = lambda key: int(re.search(re.escape(key) + r":\s+([\d,]+)", text).group(1).replace(",", ""))
    return {"instructions": get("I   refs"), "I1 misses": get("I1  misses"), "D1 misses": get("D1  misses")}
for concurrency in (1, 64):
    per = {}
    for side in ("bare", "auth"):
        a, b = totals(f"{side}-{concurrency}-2"), totals(f"{side}-{concurrency}-6")
        per[side] = {k: (b[k] - a[k]) / (4 * calls) for k in a}
    for key in ("instructions", "I1 misses", "D1 misses"):
        bare, auth = per["bare"][key], per["auth"][key]
        target = ", target < 5%" if key == "instructions" else ""
        print(f"concurrency {concurrency:>2} {key:<12} per call: bare {bare:10.1f}  auth {auth:10.1f}"
              f"  auth/bare {auth / bare:.4f} ({auth - bare:+.1f}, {(auth / bare - 1) * 100:+.2f}%{target})")
PY
