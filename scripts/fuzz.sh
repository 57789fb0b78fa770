#!/usr/bin/env bash
# Fuzzes every parser of server or file input: builds the cargo-fuzz targets in fuzz/ and runs
# each for SECONDS (default 60), then prints executions and crashes per target. Exits 1 if any
# target crashed (the input is kept in fuzz/artifacts/<target>/), 2 on a usage or build error.
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]        e.g. scripts/fuzz.sh 600 cookies bodies
#
# Not part of the test command (CI time): the property tests in tests/parser_props.rs run the
# same parsers on stable in `cargo test`.
#
# Toolchain. cargo-fuzz (`cargo install cargo-fuzz --locked`) passes nightly-only flags to
# rustc. On this project's stable toolchain RUSTC_BOOTSTRAP=1 allows them, which this script
# sets; a nightly toolchain works too (FUZZ_TOOLCHAIN=nightly). The default sanitizer is `none`:
# the parsers are safe Rust, so a crash is a panic (including debug-assertion overflow checks,
# which cargo-fuzz keeps on), and no sanitizer runtime is needed. FUZZ_SANITIZER=address runs
# under ASan instead (stable ships its runtime; about 2x slower).
#
# Corpora: fuzz/seeds/<target>/ (committed: real answers and files, after a few control
# bytes, see each target's header) is read; fuzz/corpus/<target>/ (not committed) grows.
# Other settings: FUZZ_NICE (default 10), FUZZ_RSS_MB (default 2048), FUZZ_MAX_LEN (65536).
set -uo pipefail
cd "$(dirname "$0")/../fuzz" || exit 2

seconds=${1:-60}
if ! [[ "$seconds" =~ ^[0-9]+$ ]] || [ "$seconds" -eq 0 ]; then
  echo "usage: $0 [SECONDS] [TARGET...]" >&2
  exit 2
fi
shift $(( $# > 0 ? 1 : 0 ))

if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "cargo-fuzz is not installed: cargo install cargo-fuzz --locked" >&2
  exit 2
fi

export RUSTC_BOOTSTRAP=1
sanitizer=${FUZZ_SANITIZER:-none}
toolchain=()
[ -n "${FUZZ_TOOLCHAIN:-}" ] && toolchain=("+$FUZZ_TOOLCHAIN")
nice_level=${FUZZ_NICE:-10}

if [ $# -gt 0 ]; then
  targets=("$@")
else
  mapfile -t targets < <(cargo "${toolchain[@]}" fuzz list)
fi

echo "==> building ${#targets[@]} targets (sanitizer: $sanitizer)"
for t in "${targets[@]}"; do
  if ! nice -n "$nice_level" cargo "${toolchain[@]}" fuzz build -s "$sanitizer" "$t"; then
    echo "building $t failed" >&2
    exit 2
  fi
done

mkdir -p target/fuzz-logs
failed=0
rows=()
for t in "${targets[@]}"; do
  mkdir -p "corpus/$t" "seeds/$t" "artifacts/$t"
  log="target/fuzz-logs/$t.log"
  before=$(find "artifacts/$t" -type f | wc -l)
  echo "==> $t: ${seconds}s"
  nice -n "$nice_level" cargo "${toolchain[@]}" fuzz run -s "$sanitizer" "$t" "corpus/$t" "seeds/$t" -- \
    -max_total_time="$seconds" -timeout=10 -rss_limit_mb="${FUZZ_RSS_MB:-2048}" \
    -max_len="${FUZZ_MAX_LEN:-65536}" -print_final_stats=1 >"$log" 2>&1
  rc=$?
  after=$(find "artifacts/$t" -type f | wc -l)
  crashes=$(( after - before ))
  if [ "$rc" -ne 0 ] && [ "$crashes" -eq 0 ]; then
    crashes=1 # libFuzzer stopped on a failure without writing an artifact
  fi
  execs=$(awk '/^stat::number_of_executed_units:/ {print $2}' "$log" | tail -1)
  rate=$(awk '/^stat::average_exec_per_sec:/ {print $2}' "$log" | tail -1)
  corpus=$(find "corpus/$t" -type f | wc -l)
  rows+=("$(printf '%-16s %12s %10s %8s %8s' "$t" "${execs:-?}" "${rate:-?}" "$corpus" "$crashes")")
  if [ "$crashes" -ne 0 ]; then
    failed=1
    echo "    CRASH (exit $rc): see $log and fuzz/artifacts/$t/"
    grep -m1 -A3 -E "panicked at|ERROR: libFuzzer|SUMMARY" "$log" | sed 's/^/    /'
  fi
done

echo
printf '%-16s %12s %10s %8s %8s\n' target executions exec/s corpus crashes
printf '%s\n' "${rows[@]}"
exit "$failed"
