#!/usr/bin/env python3
"""Checks specs/mstr/openapi.yaml (or a spec given as argument) for the house rules.

1. openapi-spec-validator passes once the *intended* duplicate operationIds are made unique
   (the real Strategy spec repeats some ids on different paths; the validator rejects that).
2. Every operation has x-microstrategy.visibility in {public, internal, deprecated}.
3. Every operation declares at least one 4xx (except GET /status) and one 5xx response, and every 4xx/5xx response
   has an application/json body whose schema is ErrorResponse or ModelingErrorResponse.
4. Every operation except login/delegate/token/status declares the X-MSTR-AuthToken header.
5. No YAML flow-mapping accident left a key with a null value.
Prints a summary; exits 1 on any failure.
"""
import collections
import copy
import json
import sys

import yaml

ERROR_SCHEMAS = {"#/components/schemas/ErrorResponse", "#/components/schemas/ModelingErrorResponse"}
NO_AUTH = {"postLogin", "postDelegation", "getAuthToken", "getStatus"}
METHODS = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}


def load(path):
    with open(path) as f:
        return json.load(f) if path.endswith(".json") else yaml.safe_load(f)


def nulls(node, ptr, out):
    if isinstance(node, dict):
        for k, v in node.items():
            if v is None:
                out.append(f"{ptr}/{k}")
            nulls(v, f"{ptr}/{k}", out)
    elif isinstance(node, list):
        for i, v in enumerate(node):
            nulls(v, f"{ptr}/{i}", out)


def main(path):
    spec = load(path)
    problems = []
    nulls(spec, "", problems)
    problems = [f"null value at {p}" for p in problems]
    ops = [(p, m, op) for p, item in spec["paths"].items() for m, op in item.items() if m in METHODS]
    by_tag, vis, ids = collections.Counter(), collections.Counter(), collections.Counter()
    for p, m, op in ops:
        where = f"{m.upper()} {p}"
        oid = op.get("operationId")
        ids[oid] += 1
        by_tag[(op.get("tags") or ["(none)"])[0]] += 1
        v = (op.get("x-microstrategy") or {}).get("visibility")
        vis[v] += 1
        if v not in ("public", "internal", "deprecated"):
            problems.append(f"{where}: x-microstrategy.visibility missing or invalid: {v!r}")
        codes = [c for c in op["responses"] if c[0] in "45"]
        needs_4xx = oid != "getStatus"  # takes no input and no token: only 5xx applies
        if (needs_4xx and not any(c[0] == "4" for c in codes)) or not any(c[0] == "5" for c in codes):
            problems.append(f"{where}: needs at least one 4xx and one 5xx response")
        for c in codes:
            ref = (((op["responses"][c].get("content") or {}).get("application/json") or {})
                   .get("schema") or {}).get("$ref")
            if ref not in ERROR_SCHEMAS:
                problems.append(f"{where}: {c} does not use the shared error schema")
        names = {(q.get("in"), q.get("name")) for q in op.get("parameters", [])}
        if oid not in NO_AUTH and ("header", "X-MSTR-AuthToken") not in names:
            problems.append(f"{where}: no X-MSTR-AuthToken header parameter")
    dups = {k: n for k, n in ids.items() if n > 1}
    # openapi-spec-validator on a copy whose duplicate ids are made unique
    relaxed = copy.deepcopy(spec)
    seen = collections.Counter()
    for item in relaxed["paths"].values():
        for m, op in item.items():
            if m in METHODS and op.get("operationId") in dups:
                seen[op["operationId"]] += 1
                op["operationId"] += f"__dup{seen[op['operationId']]}"
    try:
        from openapi_spec_validator import validate
        validate(relaxed)
        validator = "OK (after de-duplicating the intended duplicate operationIds)"
    except ImportError:
        validator = "skipped (pip install openapi-spec-validator)"
    except Exception as e:  # report, do not crash
        validator = f"FAILED: {str(e).splitlines()[0]}"
        problems.append(validator)
    print(f"operations: {len(ops)} over {len(spec['paths'])} paths")
    print("by tag: " + ", ".join(f"{t} {n}" for t, n in sorted(by_tag.items())))
    print("visibility: " + ", ".join(f"{k} {n}" for k, n in sorted(vis.items(), key=str)))
    print("duplicate operationIds: " + (", ".join(f"{k} x{n}" for k, n in sorted(dups.items())) or "none"))
    print(f"openapi-spec-validator: {validator}")
    for p in problems:
        print("PROBLEM:", p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "specs/mstr/openapi.yaml"))
