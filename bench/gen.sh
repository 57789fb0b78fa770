#!/usr/bin/env bash
# Generation time per spec, and cold/warm `cargo build` time of a standalone generated crate
# per vendor spec and for a 20-operation subset. Prints numbers and ratios; asserts nothing.
# Usage: bench/gen.sh [--no-build]   (CARGO_TARGET_DIR is honoured for the generator build)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
cargo build -q --release -p bi-rest-generator
gen="${CARGO_TARGET_DIR:-$root/target}/release/bi-rest-gen"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
specs=(specs/looker/Looker.3.0.json specs/looker/Looker.3.0.oas.json specs/looker/Looker.3.1.json
       specs/looker/Looker.3.1.oas.json specs/looker/Looker.4.0.json specs/looker/Looker.4.0.oas.json)
for s in specs/mstr/openapi.json specs/mstr/openapi.yaml specs/agileapps/openapi.yaml; do
  [ -f "$s" ] && specs+=("$s")
done
now() { date +%s.%N; }
echo "== generation time per spec (release bi-rest-gen, includes formatting)"
printf '%-40s %8s %8s\n' spec seconds lines
for s in "${specs[@]}"; do
  t0=$(now); "$gen" --spec "$s" --module "$work/m.rs" 2>"$work/log"; t1=$(now)
  printf '%-40s %8.2f %8d   %s\n' "$s" "$(echo "$t1 - $t0" | bc)" "$(wc -l <"$work/m.rs")" "$(tail -1 "$work/log" | sed 's/.*: \([0-9]* generated.*excluded\).*/\1/')"
done
[ "${1:-}" = "--no-build" ] && exit 0
build() { # dir -> prints "cold warm"
  local dir=$1 t0 t1 t2
  ( cd "$dir" && CARGO_TARGET_DIR="$work/target-shared" cargo fetch -q )
  rm -rf "$dir/target"
  t0=$(now); ( cd "$dir" && CARGO_TARGET_DIR="$dir/target" cargo build -q --offline 2>/dev/null ); t1=$(now)
  touch "$dir/src/lib.rs"
  ( cd "$dir" && CARGO_TARGET_DIR="$dir/target" cargo build -q --offline 2>/dev/null ); t2=$(now)
  echo "$(echo "$t1 - $t0" | bc) $(echo "$t2 - $t1" | bc)"
}
echo "== cargo build (debug) of the standalone crate: cold (deps included) / warm (touch lib.rs)"
printf '%-40s %8s %8s %8s\n' crate cold warm cold/warm
sub="$work/sub20"
ops=$(python3 -c "
import json,sys
d=json.load(open('specs/looker/Looker.4.0.oas.json'))
ids=[o['operationId'] for p in d['paths'].values() for m,o in p.items() if isinstance(o,dict) and 'operationId' in o]
print(','.join(ids[:20]))")
"$gen" --spec specs/looker/Looker.4.0.oas.json --out "$sub" --operations "$ops" 2>/dev/null
read -r c w < <(build "$sub"); printf '%-40s %8.1f %8.1f %8.1f\n' "looker 4.0, 20 operations" "$c" "$w" "$(echo "$c / $w" | bc -l)"
base_c=$c
for s in specs/looker/Looker.3.0.json specs/looker/Looker.3.1.oas.json specs/looker/Looker.4.0.oas.json; do
  d="$work/$(basename "$s" .json)"
  "$gen" --spec "$s" --out "$d" 2>/dev/null
  read -r c w < <(build "$d")
  printf '%-40s %8.1f %8.1f %8.1f   (cold vs 20-op subset: %.1fx)\n' "$s" "$c" "$w" "$(echo "$c / $w" | bc -l)" "$(echo "$c / $base_c" | bc -l)"
done
