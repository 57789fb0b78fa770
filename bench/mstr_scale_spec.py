#!/usr/bin/env python3
"""Expand specs/mstr/openapi.yaml into a scale spec shaped like a live Strategy Library spec
(about 1,700 operations over about 650 paths) with the real spec's quirks: springdoc de-dup
suffixes (`getAcl_1`) and the same operationId on different paths, `ms-` modeling ids answering
{"errors": [...]}, about a third `x-microstrategy: {visibility: internal}` and a few deprecated,
inline X-MSTR-* headers, a JSESSIONID cookie on some operations, 200/202 and 201/204 mixes.
Deterministic (names are hashed, nothing is random). Authored operations are kept unchanged;
generated resource families with shared components, nested objects, enums and arrays surround them.

usage: mstr_scale_spec.py [OUT]   (default: <repo>/target/mstr-scale.json; prints only the path)
"""
import copy
import hashlib
import json
import os
import re
import sys

try:
    import yaml
except ImportError:
    sys.exit("mstr_scale_spec.py: PyYAML is required (pip install pyyaml)")

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BASE = os.path.join(REPO, "specs", "mstr", "openapi.yaml")

RESOURCES = [
    "attributes", "metrics", "facts", "filters", "prompts", "tables", "transformations",
    "hierarchies", "calendars", "timezones", "consolidations", "customGroups", "derivedElements",
    "drillMaps", "securityFilters", "subtotals", "datamarts", "documents", "dossiers", "bots",
    "subscriptions", "schedules", "events", "contacts", "contactGroups", "devices", "transmitters",
    "languages", "migrations", "packages", "runtimes", "scripts", "securityRoles", "applications",
    "contentGroups", "datasources", "drivers", "gateways", "fences", "palettes", "bookmarks",
    "historyMessages", "emailTemplates", "licenses", "themes", "insights", "kpis", "shortcuts",
    "formulas", "partitions", "logicalTables", "semanticModels",
]
PROJECT_SCOPED = {"attributes", "metrics", "facts", "filters", "prompts", "tables", "documents",
                  "dossiers", "bots", "derivedElements", "drillMaps", "subtotals", "datamarts",
                  "consolidations", "customGroups", "transformations", "hierarchies", "insights",
                  "kpis", "shortcuts", "bookmarks", "formulas", "partitions", "logicalTables",
                  "semanticModels", "securityFilters", "calendars"}
STATUS = ["ready", "running", "waiting_for_prompt", "error", "cancelled"]
ERR = "#/components/schemas/ErrorResponse"
MS_ERR = "#/components/schemas/ModelingErrorResponse"


def singular(name):
    if name.endswith("ies"):
        return name[:-3] + "y"
    return name[:-1] if name.endswith("s") else name


def cap(name):
    return name[0].upper() + name[1:]


def title(name):
    out = "".join(" " + c if c.isupper() else c for c in name)
    return out[0].upper() + out[1:]


class Ids:
    """springdoc-style operationIds: a name already taken gets the next free `_1`, `_2`, ...
    `dup=True` reuses the plain name (the real spec repeats some ids on different paths)."""

    def __init__(self, spec):
        self.used = {op["operationId"] for item in spec["paths"].values()
                     for op in item.values() if isinstance(op, dict) and "operationId" in op}

    def take(self, name, dup=False):
        n, candidate = 0, name
        while candidate in self.used and not dup:
            n += 1
            candidate = f"{name}_{n}"
        self.used.add(candidate)
        return candidate


def header(name, desc, required=True):
    return {"name": name, "in": "header", "description": desc, "required": required,
            "schema": {"type": "string"}}


def path_param(name, desc):
    return {"name": name, "in": "path", "description": desc, "required": True,
            "schema": {"type": "string"}}


def query(name, desc, schema):
    return {"name": name, "in": "query", "description": desc, "required": False, "schema": schema}


def paging():
    return [query("offset", "Index of the first item", {"type": "integer", "format": "int32", "default": 0}),
            query("limit", "Maximum number of items; -1 for all",
                  {"type": "integer", "format": "int32", "default": -1}),
            query("fields", "Comma-separated top-level fields to return", {"type": "string"})]


def body(ref):
    return {"required": True, "content": {"application/json": {"schema": {"$ref": ref}}}}


def ok(desc, ref=None, array=False):
    if ref is None:
        return {"description": desc}
    schema = {"type": "array", "items": {"$ref": ref}} if array else {"$ref": ref}
    return {"description": desc, "content": {"application/json": {"schema": schema}}}


def errors(codes, modeling):
    text = {"400": "Bad Request", "401": "Unauthorized", "403": "Insufficient privileges",
            "404": "Not Found", "409": "Object already exists (ERR0015)",
            "500": "Internal Server Error"}
    out = {}
    for c in codes:
        ref = MS_ERR if modeling and c not in ("401", "403") else ERR
        out[c] = {"description": text[c], "content": {"application/json": {"schema": {"$ref": ref}}}}
    return out


def schemas_for(C, res, i):
    """Components for one resource: entity, create body, list page, instance."""
    nested = {"type": "object", "properties": {
        "mode": {"type": "string", "enum": ["automatic", "manual", "inherited"][: 2 + i % 2]},
        "priority": {"type": "integer", "format": "int32", "minimum": 0, "maximum": 10},
        "ratio": {"type": "number", "format": "double"},
        "flags": {"type": "array", "items": {"type": "string"}},
        "expires": {"type": "string", "format": "date-time", "nullable": True}}}
    item = {"type": "object", "required": ["id"], "properties": {
        "id": {"type": "string"}, "name": {"type": "string"},
        "status": {"type": "string", "enum": STATUS[: 3 + i % 3]},
        "children": {"type": "array", "items": {"$ref": f"#/components/schemas/{C}Item"}}}}
    entity = {"type": "object", "required": ["id", "name"], "properties": {
        "id": {"type": "string"}, "name": {"type": "string"}, "description": {"type": "string"},
        "type": {"type": "integer", "format": "int32"},
        "subtype": {"type": "integer", "format": "int32"},
        "owner": {"$ref": "#/components/schemas/Owner"},
        "dateCreated": {"type": "string", "format": "date-time"},
        "dateModified": {"type": "string", "format": "date-time"},
        "acl": {"type": "array", "items": {"$ref": "#/components/schemas/AclEntry"}},
        "settings": nested,
        "items": {"type": "array", "items": {"$ref": f"#/components/schemas/{C}Item"}},
        "extra": {"type": "object", "additionalProperties": {"type": "string"}}}}
    if res in PROJECT_SCOPED:
        entity["properties"]["projectId"] = {"type": "string"}
    create = {"type": "object", "required": ["name"], "properties": {
        "name": {"type": "string"}, "description": {"type": "string"},
        "folderId": {"type": "string"}, "settings": nested,
        "items": {"type": "array", "items": {"$ref": f"#/components/schemas/{C}Item"}}}}
    page = {"type": "object", "properties": {
        "total": {"type": "integer", "format": "int32"},
        "offset": {"type": "integer", "format": "int32"},
        "limit": {"type": "integer", "format": "int32"},
        res: {"type": "array", "items": {"$ref": f"#/components/schemas/{C}"}}}}
    instance = {"type": "object", "properties": {
        "id": {"type": "string"}, "instanceId": {"type": "string"},
        "status": {"type": "string", "enum": STATUS},
        "result": {"$ref": f"#/components/schemas/{C}"},
        "paging": {"$ref": "#/components/schemas/Paging"}}}
    return {C: entity, f"{C}Create": create, f"{C}Item": item, f"{C}List": page,
            f"{C}Instance": instance}


def visibility(path, method):
    v = int(hashlib.sha1(f"{path}|{method}".encode()).hexdigest()[:8], 16) % 100
    return "internal" if v < 33 else "deprecated" if v < 36 else "public"


def operation(ids, tag, name, summary, params, responses, req=None, dup=False):
    op = {"tags": [tag], "summary": summary, "operationId": ids.take(name, dup), "parameters": params}
    if req:
        op["requestBody"] = req
    op["responses"] = responses
    return op


def families(res, i, ids):
    """Yield (path, method, operation) for one resource family."""
    C, S, tag = cap(singular(res)), singular(res), title(res)
    ref = lambda n: f"#/components/schemas/{n}"
    auth = header("X-MSTR-AuthToken", "Authorization token")
    proj = [header("X-MSTR-ProjectID", "Project ID")] if res in PROJECT_SCOPED else []
    cs = header("X-MSTR-MS-Changeset", "Changeset ID")
    pid = path_param("id", f"{C} ID")
    iid = path_param("instanceId", "Instance ID")
    dup = i % 8 == 0  # every eighth family reuses plain ids on its sub-resources
    std = ["400", "401", "403", "404", "500"]
    for prefix in ("", "/v2"):
        base = f"{prefix}/{res}"
        yield base, "get", operation(ids, tag, f"get{C}s", f"List {res}", [auth] + proj + paging(),
                                     {"200": ok(f"Page of {res}", ref(f"{C}List")),
                                      **errors(["401", "403", "500"], False)})
        yield base, "post", operation(ids, tag, f"create{C}", f"Create a {S}", [auth] + proj,
                                      {"201": ok(f"Created {S}", ref(C)), **errors(["400", "401", "403", "409", "500"], False)},
                                      body(ref(f"{C}Create")))
        one = f"{base}/{{id}}"
        yield one, "get", operation(ids, tag, f"get{C}", f"Get a {S}", [auth] + proj + [pid],
                                    {"200": ok(S, ref(C)), **errors(["401", "403", "404", "500"], False)})
        yield one, "put", operation(ids, tag, f"update{C}", f"Replace a {S}", [auth] + proj + [pid],
                                    {"200": ok(f"Updated {S}", ref(C)), **errors(std, False)},
                                    body(ref(f"{C}Create")))
        yield one, "patch", operation(ids, tag, f"updatePartial{C}", f"Update some fields of a {S}",
                                      [auth] + proj + [pid],
                                      {"200": ok(f"Updated {S}", ref(C)), "204": ok("No change"),
                                       **errors(std, False)}, body(ref("PatchOperations")))
        yield one, "delete", operation(ids, tag, f"delete{C}", f"Delete a {S}", [auth] + proj + [pid],
                                       {"204": ok("Deleted"), **errors(["401", "403", "404", "500"], False)})
    mbase = f"/model/{res}"
    yield mbase, "get", operation(ids, tag, f"ms-get{C}s", f"List {res} (modeling service)",
                                  [auth, header("X-MSTR-ProjectID", "Project ID", False),
                                   header("X-MSTR-MS-Changeset", "Changeset ID", False)] + paging(),
                                  {"200": ok(f"Page of {res}", ref(f"{C}List")), **errors(["401", "500"], True)})
    yield mbase, "post", operation(ids, tag, f"ms-post{C}", f"Create a {S} in a changeset", [auth, cs],
                                   {"201": ok(f"Created {S}", ref(C)), **errors(["400", "401", "500"], True)},
                                   body(ref(f"{C}Create")))
    mone = f"{mbase}/{{id}}"
    yield mone, "get", operation(ids, tag, f"ms-get{C}Details", f"Get a {S} definition",
                                 [auth, header("X-MSTR-ProjectID", "Project ID", False),
                                  header("X-MSTR-MS-Changeset", "Changeset ID", False), pid,
                                  query("showExpressionAs", "Expression formats",
                                        {"type": "array", "items": {"type": "string", "enum": ["tokens", "tree"]}})],
                                 {"200": ok(S, ref(C)), **errors(["401", "404", "500"], True)})
    yield mone, "put", operation(ids, tag, f"ms-put{C}", f"Replace a {S} in a changeset", [auth, cs, pid],
                                 {"200": ok(f"Updated {S}", ref(C)), **errors(["400", "401", "404", "500"], True)},
                                 body(ref(f"{C}Create")))
    yield mone, "patch", operation(ids, tag, f"ms-patch{C}", f"Update a {S} in a changeset", [auth, cs, pid],
                                   {"200": ok(f"Updated {S}", ref(C)), **errors(["400", "401", "404", "500"], True)},
                                   body(ref("PatchOperations")))
    yield mone, "delete", operation(ids, tag, f"ms-delete{C}", f"Delete a {S} in a changeset", [auth, cs, pid],
                                    {"204": ok("Deleted"), **errors(["401", "404", "500"], True)})
    one = f"/{res}/{{id}}"
    for verb, name, resp, req in (
            ("get", "getSettings", {"200": ok("Settings", ref("SettingsMap"))}, None),
            ("put", "setAllSettings", {"204": ok("Replaced")}, body(ref("SettingsMap"))),
            ("patch", "setSettings", {"204": ok("Updated")}, body(ref("SettingsMap")))):
        yield f"{one}/settings", verb, operation(ids, tag, name, f"{verb.upper()} {S} settings",
                                                 [auth] + proj + [pid], {**resp, **errors(std, False)}, req, dup)
    for verb, name, resp, req in (
            ("get", "getTranslations", {"200": ok("Translations", ref("Translations"))}, None),
            ("patch", "updateTranslations", {"200": ok("Translations", ref("Translations"))},
             body(ref("PatchOperations"))),
            ("delete", "removeTranslations", {"204": ok("Removed")}, None)):
        yield f"{one}/translations", verb, operation(ids, tag, name, f"{verb.upper()} {S} translations",
                                                     [auth] + proj + [pid], {**resp, **errors(std, False)}, req, dup)
    cookie = [{"name": "JSESSIONID", "in": "cookie", "description": "HTTP session cookie", "required": False,
               "schema": {"type": "string"}}] if i % 4 == 0 else []
    yield f"{one}/instances", "post", operation(
        ids, tag, f"create{C}Instance", f"Create a {S} instance",
        [auth] + proj + cookie + [pid, header("Prefer", "respond-async to run asynchronously", False)],
        {"201": ok("Instance", ref(f"{C}Instance")), "202": ok("Still running", ref(f"{C}Instance")),
         **errors(std, False)}, {"required": False, "content": {"application/json": {"schema": {"$ref": ref(f"{C}Create")}}}})
    yield f"{one}/instances", "get", operation(ids, tag, f"get{C}Instances", f"List {S} instances",
                                               [auth] + proj + [pid] + paging(),
                                               {"200": ok("Instances", ref(f"{C}Instance"), array=True),
                                                **errors(["401", "404", "500"], False)})
    inst = f"{one}/instances/{{instanceId}}"
    yield inst, "get", operation(ids, tag, f"get{C}Instance", f"Get a {S} instance", [auth] + proj + cookie + [pid, iid] + paging(),
                                 {"200": ok("Instance", ref(f"{C}Instance")), "202": ok("Still running", ref(f"{C}Instance")),
                                  **errors(["401", "404", "500"], False)})
    yield inst, "put", operation(ids, tag, f"update{C}Instance", f"Update a {S} instance", [auth] + proj + [pid, iid],
                                 {"200": ok("Instance", ref(f"{C}Instance")), **errors(std, False)},
                                 body(ref(f"{C}Create")))
    yield inst, "delete", operation(ids, tag, f"delete{C}Instance", f"Close a {S} instance", [auth] + proj + [pid, iid],
                                    {"204": ok("Closed"), **errors(["401", "404", "500"], False)})
    yield f"{one}/acl", "get", operation(ids, tag, "getAcl", f"Get the ACL of a {S}", [auth] + proj + [pid],
                                         {"200": ok("ACL", ref("AclEntry"), array=True), **errors(["401", "404", "500"], False)},
                                         None, dup)
    yield f"{one}/acl", "put", operation(ids, tag, "updateAcl", f"Replace the ACL of a {S}", [auth] + proj + [pid],
                                         {"204": ok("Updated"), **errors(std, False)},
                                         {"required": True, "content": {"application/json": {"schema": {
                                             "type": "array", "items": {"$ref": ref("AclEntry")}}}}}, dup)


def build(base_path):
    with open(base_path) as f:
        spec = yaml.safe_load(f)
    out = copy.deepcopy(spec)
    out["info"]["description"] = ("Scale spec generated by bench/mstr_scale_spec.py from specs/mstr/openapi.yaml; "
                                  "shaped like a live Strategy Library /api/openapi.json.")
    ids = Ids(spec)
    tags = {t["name"] for t in out.get("tags", [])}
    shape = lambda p: re.sub(r"\{[^}]+\}", "{}", p)
    authored = {shape(p): p for p in spec["paths"]}
    for i, res in enumerate(RESOURCES):
        C = cap(singular(res))
        out["components"]["schemas"].update(schemas_for(C, res, i))
        tag = title(res)
        if tag not in tags:
            out["tags"].append({"name": tag, "description": f"{tag} (generated)"})
            tags.add(tag)
        for path, method, op in families(res, i, ids):
            if authored.get(shape(path), path) != path:  # same route, other parameter names
                continue
            item = out["paths"].setdefault(path, {})
            if method in item:  # authored operations win
                continue
            vis = visibility(path, method)
            op["x-microstrategy"] = {"visibility": vis}
            if vis == "deprecated":
                op["deprecated"] = True
            item[method] = op
    return out


def main():
    target = sys.argv[1] if len(sys.argv) > 1 else os.path.join(REPO, "target", "mstr-scale.json")
    spec = build(BASE)
    os.makedirs(os.path.dirname(os.path.abspath(target)), exist_ok=True)
    with open(target, "w") as f:
        json.dump(spec, f, indent=1)
        f.write("\n")
    print(target)


if __name__ == "__main__":
    main()
