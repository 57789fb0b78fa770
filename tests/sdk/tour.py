"""A tour of the official vendor SDKs' common methods against the bi-rest simulators.

    python tour.py looker BASE_URL CLIENT_ID CLIENT_SECRET
    python tour.py mstr BASE_URL USERNAME PASSWORD

Prints one JSON object: {"vendor": ..., "results": [{"method": ..., "ok": bool, "detail": ...}]}
and exits 0 when every method answered as a real server would shape it, 1 otherwise.
The SDKs are used unchanged (looker-sdk, mstrio-py); only their documented settings are set.
"""

import json
import os
import sys
import traceback

RESULTS = []


def step(name, fn):
    """Runs one SDK method; records whether it worked and a short detail."""
    try:
        detail = fn()
        RESULTS.append({"method": name, "ok": True, "detail": str(detail)[:200]})
        return detail
    except Exception as e:  # noqa: BLE001 - every failure is reported, not raised
        RESULTS.append(
            {
                "method": name,
                "ok": False,
                "detail": f"{type(e).__name__}: {e}"[:600],
                "trace": traceback.format_exc()[-1500:],
            }
        )
        return None


def looker_tour(base_url, client_id, client_secret):
    os.environ["LOOKERSDK_BASE_URL"] = base_url
    os.environ["LOOKERSDK_CLIENT_ID"] = client_id
    os.environ["LOOKERSDK_CLIENT_SECRET"] = client_secret
    os.environ["LOOKERSDK_VERIFY_SSL"] = "false"
    import looker_sdk
    from looker_sdk import models40 as models

    sdk = looker_sdk.init40()

    def check(cond, what):
        if not cond:
            raise AssertionError(what)

    me = step("me", lambda: sdk.me())
    step("user", lambda: sdk.user("2").display_name)
    step("all_users", lambda: len(sdk.all_users()))
    step("search_users", lambda: len(sdk.search_users(email="%example.com")))
    step("all_looks", lambda: [l.title for l in sdk.all_looks()])
    step("look", lambda: sdk.look("1").title)
    step("all_dashboards", lambda: [d.title for d in sdk.all_dashboards()])
    step("dashboard", lambda: sdk.dashboard("1").title)
    step("all_folders", lambda: [f.name for f in sdk.all_folders()])
    step("folder_looks", lambda: len(sdk.folder_looks("1")))
    step("search_looks", lambda: [l.title for l in sdk.search_looks(title="Orders%")])
    step("search_dashboards", lambda: len(sdk.search_dashboards(title="%")))
    folder = step(
        "create_folder",
        lambda: sdk.create_folder(models.CreateFolder(name="Tour", parent_id="1")),
    )
    query = step(
        "create_query",
        lambda: sdk.create_query(
            models.WriteQuery(model="thelook", view="orders", fields=["orders.count"])
        ),
    )
    look = step(
        "create_look",
        lambda: sdk.create_look(
            models.WriteLookWithQuery(
                title="Tour look",
                query_id=query.id if query else "1",
                folder_id=folder.id if folder else "1",
            )
        ),
    )

    def created_look_is_found():
        hits = sdk.search_looks(title="Tour look")
        check(len(hits) == 1 and look is not None and hits[0].id == look.id, hits)
        return hits[0].id

    step("search_looks(created)", created_look_is_found)
    step("update_look", lambda: sdk.update_look(look.id, models.WriteLookWithQuery(title="Tour look 2")).title)
    step("run_look(json)", lambda: sdk.run_look("1", "json")[:60])
    step("run_query(csv)", lambda: sdk.run_query(query.id, "csv")[:60])
    step(
        "run_inline_query",
        lambda: sdk.run_inline_query(
            "json", models.WriteQuery(model="thelook", view="orders", fields=["orders.count"])
        )[:60],
    )
    step(
        "create_dashboard",
        lambda: sdk.create_dashboard(models.WriteDashboard(title="Tour board", folder_id="1")).id,
    )
    step(
        "create_scheduled_plan",
        lambda: sdk.create_scheduled_plan(
            models.WriteScheduledPlan(name="Daily", look_id="1", crontab="0 6 * * *")
        ).id,
    )
    step("all_scheduled_plans", lambda: len(sdk.all_scheduled_plans()))
    step("versions", lambda: sdk.versions().looker_release_version)
    step("all_roles (spec default)", lambda: len(sdk.all_roles()))
    step("delete_look", lambda: sdk.delete_look(look.id))
    step("logout", lambda: sdk.auth.logout())
    return me


def mstr_tour(base_url, username, password):
    from mstrio.connection import Connection
    from mstrio.server import list_projects
    from mstrio.users_and_groups import list_users, list_user_groups
    from mstrio.object_management import full_search
    from mstrio.project_objects import list_reports

    conn = step(
        "Connection",
        lambda: Connection(base_url, username, password, login_mode=1, ssl_verify=False),
    )
    if conn is None:
        return
    step("iserver_version", lambda: conn.iserver_version)
    step("select_project", lambda: conn.select_project(project_name="MicroStrategy Tutorial"))
    step("list_projects", lambda: [p.name for p in list_projects(conn)])
    step("list_users", lambda: [u.name for u in list_users(conn)])
    step("list_user_groups", lambda: [g.name for g in list_user_groups(conn)])
    step(
        "full_search",
        lambda: [o["name"] for o in full_search(conn, project=conn.project_id, name="Revenue")],
    )
    step("list_reports", lambda: [r.name for r in list_reports(conn)])
    objects_tour(conn)
    step("get_api_token", lambda: bool(conn.get_api_token()))
    step("renew", lambda: conn.renew())
    step("close", lambda: conn.close())


def objects_tour(conn):
    """Folders, dashboards, documents, cubes and datasets: the calls mstrio-py users automate."""
    from mstrio.object_management import (
        Folder,
        get_my_personal_objects_contents,
        get_predefined_folder_contents,
        list_folders,
    )
    from mstrio.object_management.predefined_folders import PredefinedFolders
    from mstrio.project_objects import Report, list_dashboards, list_documents
    from mstrio.project_objects.datasets import OlapCube, SuperCube, list_olap_cubes, list_super_cubes

    def check(cond, what):
        if not cond:
            raise AssertionError(what)
        return what

    pid = conn.project_id
    roots = step("list_folders", lambda: [f.name for f in list_folders(conn, project_id=pid)])
    check(roots and "Public Objects" in roots, roots)
    reports_folder = step(
        "get_predefined_folder_contents(PUBLIC_REPORTS)",
        lambda: [
            o.name
            for o in get_predefined_folder_contents(
                conn, PredefinedFolders.PUBLIC_REPORTS, project_id=pid
            )
        ],
    )
    check(reports_folder and "Sales Cube" in reports_folder, reports_folder)
    step(
        "get_my_personal_objects_contents",
        lambda: [o.name for o in get_my_personal_objects_contents(conn, project_id=pid)],
    )
    public = next(f for f in list_folders(conn, project_id=pid) if f.name == "Public Objects")
    folder = step(
        "Folder.create",
        lambda: Folder.create(conn, name="Tour folder", parent=public.id),
    )
    step("Folder.get_contents", lambda: [o.name for o in folder.get_contents()])
    step(
        "list_dashboards",
        lambda: check([d.name for d in list_dashboards(conn)] == ["Sales Dashboard"], "1 dashboard"),
    )
    step("list_documents", lambda: [d.name for d in list_documents(conn)])
    cubes = step("list_olap_cubes", lambda: list_olap_cubes(conn))
    step("list_olap_cubes(names)", lambda: check([c.name for c in cubes] == ["Sales Cube"], [c.name for c in cubes]))
    cube_id = cubes[0].id if cubes else ""
    step("OlapCube.to_dataframe", lambda: OlapCube(conn, id=cube_id).to_dataframe().shape)
    revenue = next((r for r in list_reports_safe(conn) if r.name.startswith("Revenue")), None)
    step("Report.to_dataframe", lambda: Report(conn, id=revenue.id).to_dataframe().shape)
    step("list_super_cubes", lambda: [c.name for c in list_super_cubes(conn)])

    def create_super_cube():
        import pandas as pd

        frame = pd.DataFrame({"Store": ["North", "South"], "Amount": [10.5, 4.0]})
        cube = SuperCube(conn, name="Tour dataset")
        cube.add_table(name="sales", data_frame=frame, update_policy="replace")
        cube.create(folder_id=public.id)
        return cube

    pushed = step("SuperCube.create (push data, publish)", create_super_cube)
    step(
        "list_super_cubes(created)",
        lambda: check([c.name for c in list_super_cubes(conn)] == ["Tour dataset"], "1 super cube"),
    )
    step(
        "SuperCube.to_dataframe",
        lambda: check(
            SuperCube(conn, id=pushed.id).to_dataframe().to_dict("list")
            == {"Store": ["North", "South"], "Amount": [10.5, 4.0]},
            "the pushed rows",
        ),
    )
    step("SuperCube.delete", lambda: pushed.delete(force=True))
    step("list_super_cubes(deleted)", lambda: check(list_super_cubes(conn) == [], "none left"))
    step("Folder.delete", lambda: folder.delete(force=True))


def list_reports_safe(conn):
    from mstrio.project_objects import list_reports

    try:
        return list_reports(conn)
    except Exception:  # noqa: BLE001 - the list_reports step reports the failure
        return []


def main():
    vendor, base_url, user, secret = sys.argv[1:5]
    if vendor == "looker":
        looker_tour(base_url, user, secret)
    else:
        mstr_tour(base_url, user, secret)
    print(json.dumps({"vendor": vendor, "results": RESULTS}))
    sys.exit(0 if all(r["ok"] for r in RESULTS) else 1)


if __name__ == "__main__":
    main()
