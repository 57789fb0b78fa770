#!/usr/bin/env bash
# Generation time per spec, and cold/warm `cargo build` (debug) of the standalone crate that
# `bi-rest-gen --out` writes, per vendor spec and for a 20-operation Looker 4.0 subset.
# Prints numbers and ratios; asserts nothing. Run it niced on a shared machine:
#   nice -n 10 bench/gen.sh [--no-build] [--quick]
#   --no-build  generation times only
#   --quick     builds only the 20-op subset, Looker 4.0 full, mstr and agileapps (skips 3.0/3.1)
# CARGO_TARGET_DIR is honoured for the generator itself (dev profile: the generator and the crates
# it spends its time in are built with opt-level 2, see the root Cargo.toml).
#
# Build columns:
#   deps   cold build of the subset crate in an empty target dir minus its warm crate build:
#          the one-time cost of progenitor-client, reqwest (rustls), serde, ... (same for all crates)
#   crate  first build of the crate itself, its dependencies already built (shared target dir)
#   cold   deps + crate: what a user pays on a fresh machine
#   warm   rebuild after `touch src/lib.rs`
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
no_build=0 quick=0
for a in "$@"; do
  case "$a" in
    --no-build) no_build=1 ;;
    --quick) quick=1 ;;
    *) echo "usage: bench/gen.sh [--no-build] [--quick]" >&2; exit 2 ;;
  esac
done
# BI_REST_GEN=/path/to/bi-rest-gen uses an already built generator (no cargo lock taken).
gen="${BI_REST_GEN:-}"
if [ -z "$gen" ]; then
  cargo build -q -p bi-rest-generator --bin bi-rest-gen
  gen="${CARGO_TARGET_DIR:-$root/target}/debug/bi-rest-gen"
fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
specs=(specs/looker/Looker.3.0.json specs/looker/Looker.3.0.oas.json specs/looker/Looker.3.1.json
       specs/looker/Looker.3.1.oas.json specs/looker/Looker.4.0.json specs/looker/Looker.4.0.oas.json)
for s in specs/mstr/openapi.json specs/mstr/openapi.yaml specs/agileapps/openapi.yaml; do
  [ -f "$s" ] && specs+=("$s")
done
now() { date +%s.%N; }
secs() { echo "$2 - $1" | bc; }
echo "== $(date -u '+%F %H:%M UTC'), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "== generation time per spec (bi-rest-gen --module, includes formatting)"
printf '%-36s %8s %8s  %s\n' spec seconds lines operations
for s in "${specs[@]}"; do
  t0=$(now); "$gen" --spec "$s" --module "$work/m.rs" 2>"$work/log"; t1=$(now)
  printf '%-36s %8.2f %8d  %s\n' "$s" "$(secs "$t0" "$t1")" "$(wc -l <"$work/m.rs")" \
    "$(grep -o '[0-9]* generated.*excluded' "$work/log" | head -1)"
done
[ "$no_build" = 1 ] && exit 0

# The same 20 operations as generator/tests/standalone_check.rs.
subset=login,logout,me,user,all_users,create_user,update_user,delete_user,search_dashboards
subset+=,dashboard,copy_dashboard,create_query,query,run_query,run_inline_query,run_look
subset+=,query_task_results,create_query_task,all_looks,look
shared="$work/target-shared"
build() { # dir target -> seconds of `cargo build` (fails loudly)
  local t0 t1
  t0=$(now)
  if ! (cd "$1" && CARGO_TARGET_DIR="$2" cargo build -q 2>"$work/build.log"); then
    cat "$work/build.log" >&2; exit 1
  fi
  t1=$(now); secs "$t0" "$t1"
}
echo "== cargo build (debug) of the standalone crate"
sub="$work/looker-4-0-subset"
"$gen" --spec specs/looker/Looker.4.0.oas.json --out "$sub" --name looker-4-0-subset-client \
  --operations "$subset" 2>/dev/null
(cd "$sub" && cargo fetch -q)
cold_sub=$(build "$sub" "$shared")
touch "$sub/src/lib.rs"; warm_sub=$(build "$sub" "$shared")
# The crate alone: drop its own artefacts, keep the dependencies.
(cd "$sub" && CARGO_TARGET_DIR="$shared" cargo clean -q -p looker-4-0-subset-client 2>/dev/null || true)
crate_sub=$(build "$sub" "$shared")
deps=$(echo "$cold_sub - $crate_sub" | bc)
printf '%-36s %8s %8s %8s %8s %10s %12s\n' crate deps crate cold warm cold/warm "cold/subset"
row() { printf '%-36s %8.1f %8.1f %8.1f %8.1f %10.1f %12.2f\n' "$1" "$deps" "$2" "$3" "$4" \
  "$(echo "$3 / $4" | bc -l)" "$(echo "$3 / $cold_sub" | bc -l)"; }
row "looker 4.0, 20 operations" "$crate_sub" "$cold_sub" "$warm_sub"
targets=(specs/looker/Looker.4.0.oas.json)
[ "$quick" = 1 ] || targets+=(specs/looker/Looker.3.0.json specs/looker/Looker.3.1.oas.json)
for s in specs/mstr/openapi.json specs/mstr/openapi.yaml specs/agileapps/openapi.yaml; do
  [ -f "$s" ] && targets+=("$s")
done
for s in "${targets[@]}"; do
  d="$work/$(basename "$(dirname "$s")")-$(basename "$s" | tr '.' '-')"
  "$gen" --spec "$s" --out "$d" 2>/dev/null
  (cd "$d" && cargo fetch -q)
  c=$(build "$d" "$shared")
  touch "$d/src/lib.rs"; w=$(build "$d" "$shared")
  row "$s" "$c" "$(echo "$deps + $c" | bc)" "$w"
done
