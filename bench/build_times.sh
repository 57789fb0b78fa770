#!/usr/bin/env bash
# Debug compile times of what a user builds (README, "What you compile"): cold (empty target
# dir) and warm (rebuild after touching a source file of the crate), wall seconds, for
#   1. bi-rest with default features
#   2. bi-rest with only `mstr`
#   3. bi-rest with only `looker-4_0`
#   4. a downstream crate (examples/downstream's layout) generating a 20-operation Looker 4.0
#      subset in its build.rs
# Each cold build gets its own target dir under $BENCH_DIR (default: target/build-times), so the
# figures include every dependency. Slow: about an hour on 2 cores. Usage:
#   bash bench/build_times.sh [default|mstr|looker|downstream ...]
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
BENCH_DIR=${BENCH_DIR:-$ROOT/target/build-times}
mkdir -p "$BENCH_DIR"
export CARGO_INCREMENTAL=0
unset CARGO_TARGET_DIR RUSTFLAGS

secs() { # runs "$@", prints its wall time in seconds
  local t0 t1
  t0=$(date +%s.%N)
  "$@" >/dev/null 2>&1 || { echo "failed: $*" >&2; exit 1; }
  t1=$(date +%s.%N)
  python3 -c "print(round($t1 - $t0))"
}

row() { # name, touched file, cargo args...
  local name=$1 touched=$2; shift 2
  local target="$BENCH_DIR/$name"
  rm -rf "$target"
  local cold warm
  cold=$(CARGO_TARGET_DIR=$target secs cargo build "$@")
  touch "$touched"
  warm=$(CARGO_TARGET_DIR=$target secs cargo build "$@")
  printf '| %s | %s s | %s s |\n' "$name" "$cold" "$warm"
}

downstream_crate() { # writes the 20-operation Looker subset crate into $1
  local dir=$1
  rm -rf "$dir" && mkdir -p "$dir/src"
  sed -e "s#path = \"../../generator\"#path = \"$ROOT/generator\"#" \
      -e "s#path = \"../..\"#path = \"$ROOT\"#" \
      -e 's#^name = .*#name = "looker-subset-bench"#' \
      examples/downstream/Cargo.toml > "$dir/Cargo.toml"
  cp Cargo.lock "$dir/"
  cat > "$dir/build.rs" <<RS
fn main() {
    bi_rest_generator::Build::looker("$ROOT/specs/looker/Looker.4.0.oas.json")
        .module("looker_api")
        .operations([
            "login", "logout", "me", "user", "all_users", "create_user", "update_user",
            "delete_user", "search_dashboards", "dashboard", "copy_dashboard", "create_query",
            "query", "run_query", "run_inline_query", "run_look", "query_task_results",
            "create_query_task", "all_looks", "look",
        ])
        .run();
}
RS
  cat > "$dir/src/main.rs" <<'RS'
bi_rest::generated_client!(pub mod looker_api);

fn main() {
    println!("{} operations", looker_api::operations::ALL.len());
}
RS
}

echo '| build | cold | warm |'
echo '|---|---|---|'
for what in "${@:-default mstr looker downstream}"; do
  for w in $what; do
    case $w in
      default) row "bi-rest default features" src/lib.rs ;;
      mstr) row "bi-rest only mstr" src/lib.rs --lib --no-default-features --features mstr ;;
      looker) row "bi-rest only looker-4_0" src/lib.rs --lib --no-default-features --features looker-4_0 ;;
      downstream)
        crate_dir="$BENCH_DIR/looker-subset-crate"
        downstream_crate "$crate_dir"
        row "downstream 20-op Looker subset" "$crate_dir/src/main.rs" --manifest-path "$crate_dir/Cargo.toml" ;;
      *) echo "unknown build: $w" >&2; exit 2 ;;
    esac
  done
done
