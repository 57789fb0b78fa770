#!/usr/bin/env bash
# The public corpus (specs/corpus/): release generation time per spec, then 5 runs (wall and
# CPU time, medians) on two big specs: Looker 4.0 (2 MB, 483 operations, specs/looker/) and a
# merged spec of 1.4 MB / 621 operations (Superset + Grafana + Airflow v1, paths and schemas
# prefixed), then
# how `cargo check` time of a generated crate grows with its operation count (the first N
# operations of the merged spec; dependencies already built in a shared target dir, so the
# number is the crate itself). Prints numbers; asserts nothing (results: bench/corpus-results.md).
# Run it niced on a shared machine:
#   nice -n 10 bench/corpus.sh [--no-check]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
target="${CARGO_TARGET_DIR:-$root/target}"
cargo build -q --release -p bi-rest-generator --bin bi-rest-gen
gen="$target/release/bi-rest-gen"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
secs() { python3 -c "import time,sys; print(f'{time.time()-float(sys.argv[1]):.2f}')" "$1"; }
echo "load: $(uptime)"
echo "spec | bytes | generation (release, s)"
for s in specs/corpus/*.json specs/corpus/*.yaml specs/corpus/*.yml specs/corpus/*/; do
  entry="$s"
  if [ -d "$s" ]; then
    # A multi-file spec: its openapi.yaml or the file named like the directory.
    d="${s%/}"; entry=$(ls "$d/openapi.yaml" "$d/$(basename "$d").yaml" 2>/dev/null | head -1 || true)
    bytes=$(find "$d" -type f \( -name '*.yaml' -o -name '*.yml' -o -name '*.json' \) -exec cat {} + | wc -c)
  else
    bytes=$(stat -c %s "$s")
  fi
  t=$(python3 -c 'import time; print(time.time())')
  "$gen" --spec "$entry" --module "$work/m.rs" 2>/dev/null
  echo "$(basename "$s") | $bytes | $(secs "$t")"
done
python3 - "$work/merged.json" <<'PY'
import json, sys, yaml
out = {"openapi": "3.0.3", "info": {"title": "merged", "version": "1"}, "paths": {}, "components": {}}
for prefix, path in [("superset", "specs/corpus/superset-openapi.json"),
                     ("grafana", "specs/corpus/grafana-openapi3.json"),
                     ("airflow", "specs/corpus/airflow-v1.yaml")]:
    text = open(path).read()
    d = json.loads(text) if path.endswith(".json") else yaml.safe_load(text)
    text = json.dumps(d).replace('"#/components/', f'"#/components/{prefix}__')
    d = json.loads(text)
    for p, item in d.get("paths", {}).items():
        for op in item.values():
            if isinstance(op, dict) and "operationId" in op:
                op["operationId"] = f"{prefix}_{op['operationId']}"
        out["paths"][f"/{prefix}{p}"] = item
    for kind, items in d.get("components", {}).items():
        out["components"].setdefault(kind, {})
        for name, v in items.items():
            out["components"][kind][f"{prefix}__{name}"] = v
text = json.dumps(out, indent=1)
text = text.replace('"#/components/superset__', '"#/components/superset__')
for prefix in ("superset", "grafana", "airflow"):
    for kind in out["components"]:
        text = text.replace(f'"#/components/{prefix}__{kind}/', f'"#/components/{kind}/{prefix}__')
open(sys.argv[1], "w").write(text)
PY
ops=$(python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(sum(1 for i in d['paths'].values() for m in i if m in ('get','put','post','delete','patch','head','options','trace')))" "$work/merged.json")
# Median of 5 release runs of the generator on one spec (load + normalise + progenitor + format).
# Wall time is what a user waits; CPU time (user + sys) is what the load of a shared machine
# changes least.
time5() {
  local runs="" cpus="" w u s
  for _ in 1 2 3 4 5; do
    /usr/bin/time -f '%e %U %S' -o "$work/time" "$gen" --spec "$1" --module "$work/m.rs" --report "$work/report.json" 2>/dev/null
    read -r w u s < "$work/time"
    runs="$runs $w"
    cpus="$cpus $(python3 -c "print(round($u + $s, 2))")"
  done
  med() { python3 -c "import statistics,sys; print(statistics.median(map(float, sys.argv[1:])))" "$@"; }
  echo "wall$runs s (median $(med $runs) s); CPU$cpus s (median $(med $cpus) s)"
}
echo "2 MB specs | size | generation (release)"
echo "Looker 4.0 OAS (specs/looker, 483 operations) | $(stat -c %s specs/looker/Looker.4.0.oas.json) bytes | $(time5 specs/looker/Looker.4.0.oas.json)"
echo "merged (superset+grafana+airflow-v1, $ops operations) | $(stat -c %s "$work/merged.json") bytes | $(time5 "$work/merged.json")"
cp "$work/report.json" "$work/merged-report.json"
[ "${1:-}" = "--no-check" ] && exit 0
check_target="$target/standalone-check/target"
echo "operations | generated lines | cargo check of the crate (s)"
ids=$(python3 -c "import json,sys; print(','.join(o['operation_id'] for o in json.load(open(sys.argv[1]))['operations']))" "$work/merged-report.json")
for n in 25 50 100 200 400 $ops; do
  subset=$(echo "$ids" | cut -d, -f1-"$n")
  rm -rf "$work/c"
  # A crate name per size, so that no incremental cache of the previous size is reused.
  "$gen" --spec "$work/merged.json" --out "$work/c" --name "corpus-scale-$n" --operations "$subset" 2>/dev/null
  t=$(python3 -c 'import time; print(time.time())')
  # Warnings of the generated code go to a file; errors are shown.
  CARGO_TARGET_DIR="$check_target" cargo check -q --manifest-path "$work/c/Cargo.toml" \
    2> "$work/check.log" || { cat "$work/check.log"; exit 1; }
  echo "$n | $(wc -l < "$work/c/src/lib.rs") | $(secs "$t")"
done
