//! Users and records: search with fieldList / filter / sortBy / paging, CRUD.

use super::*;

#[derive(Debug)]
pub(super) enum Op {
    Eq,
    Ne,
    Contains,
}

pub(super) fn parse_filter(filter: &str) -> Result<Vec<(String, Op, String)>, Reply> {
    let bad = || fail(400, -4601, &format!("Invalid filter expression {filter:?}"));
    let mut conds = Vec::new();
    let mut rest = filter.trim();
    while !rest.is_empty() {
        let (field, after) = rest.split_once(char::is_whitespace).ok_or_else(bad)?;
        let after = after.trim_start();
        let (op, after) = if let Some(a) = after.strip_prefix("!=") {
            (Op::Ne, a)
        } else if let Some(a) = after.strip_prefix('=') {
            (Op::Eq, a)
        } else if let Some(a) = after.strip_prefix("contains") {
            (Op::Contains, a)
        } else {
            return Err(bad());
        };
        let after = after.trim_start().strip_prefix('\'').ok_or_else(bad)?;
        let (value, after) = after.split_once('\'').ok_or_else(bad)?;
        conds.push((field.to_string(), op, value.to_string()));
        rest = after.trim_start();
        if rest.is_empty() {
            break;
        }
        let lower = rest.to_ascii_lowercase();
        if !lower.starts_with("and ") {
            return Err(bad());
        }
        rest = rest[4..].trim_start();
    }
    Ok(conds)
}

pub(super) fn matches(rec: &BTreeMap<String, String>, conds: &[(String, Op, String)]) -> bool {
    conds.iter().all(|(f, op, v)| {
        let have = rec.get(f).map(String::as_str).unwrap_or("");
        match op {
            Op::Eq => have == v,
            Op::Ne => have != v,
            Op::Contains => have.to_lowercase().contains(&v.to_lowercase()),
        }
    })
}

pub(super) fn project(rec: &BTreeMap<String, String>, field_list: Option<&String>) -> Out {
    let wanted: Option<Vec<&str>> = field_list
        .map(|l| {
            l.split(',')
                .map(str::trim)
                .filter(|f| !f.is_empty())
                .collect()
        })
        .filter(|l: &Vec<&str>| !l.contains(&"*"));
    Out::Obj(
        rec.iter()
            .filter(|(k, _)| {
                k.as_str() == "id" || wanted.as_ref().is_none_or(|w| w.contains(&k.as_str()))
            })
            .map(|(k, v)| (k.clone(), s(v)))
            .collect(),
    )
}

pub(super) fn list_reply(req: &Req, key: &str, rows: Vec<BTreeMap<String, String>>) -> Reply {
    let conds = match req.query.get("filter") {
        Some(f) if !f.trim().is_empty() => match parse_filter(f) {
            Ok(c) => c,
            Err(r) => return r,
        },
        _ => Vec::new(),
    };
    let mut rows: Vec<_> = rows.into_iter().filter(|r| matches(r, &conds)).collect();
    if let Some(sort) = req.query.get("sortBy") {
        let (field, desc) = match sort.trim().rsplit_once(' ') {
            Some((f, d)) if d.eq_ignore_ascii_case("desc") => (f.trim().to_string(), true),
            _ => (sort.trim().to_string(), false),
        };
        rows.sort_by(|a, b| a.get(&field).cmp(&b.get(&field)));
        if desc {
            rows.reverse();
        }
    }
    let total = rows.len();
    let offset = req
        .query
        .get("offset")
        .and_then(|o| o.parse::<usize>().ok())
        .unwrap_or(0);
    let page = req
        .query
        .get("pageSize")
        .and_then(|p| p.parse::<usize>().ok())
        .unwrap_or(usize::MAX);
    let items: Vec<Out> = rows
        .iter()
        .skip(offset)
        .take(page)
        .map(|r| project(r, req.query.get("fieldList")))
        .collect();
    let mut reply = ok(vec![(key.to_string(), Out::List(items))]);
    reply
        .body
        .push(("recordCount".into(), s(total.to_string())));
    reply
}

pub(super) fn user_row(u: &SimUser) -> BTreeMap<String, String> {
    [
        ("id", u.id.as_str()),
        ("username", u.user_name.as_str()),
        ("first_name", u.first_name.as_str()),
        ("last_name", u.last_name.as_str()),
        ("email", u.email.as_str()),
        ("is_active", "true"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect()
}

pub(super) fn list_users(shared: &Shared, req: &Req, session: &Session) -> Reply {
    let rows = shared
        .config
        .users
        .iter()
        .filter(|u| u.tenant_id == session.tenant_id)
        .map(user_row)
        .collect();
    list_reply(req, "user", rows)
}

pub(super) fn get_user(shared: &Shared, req: &Req, session: &Session, id: &str) -> Reply {
    match user(shared, id).filter(|u| u.tenant_id == session.tenant_id) {
        Some(u) => ok(vec![(
            "user".into(),
            project(&user_row(u), req.query.get("fieldList")),
        )]),
        None => fail(404, -200, "Invalid user identifier"),
    }
}

pub(super) fn check_object(shared: &Shared, object: &str) -> Result<(), Reply> {
    if shared.config.objects.iter().any(|o| o == object) {
        Ok(())
    } else {
        Err(fail(
            404,
            -200,
            "Invalid object name, object ID, or record identifier",
        ))
    }
}

pub(super) fn can_write(shared: &Shared, session: &Session) -> Result<(), Reply> {
    if user(shared, &session.user_id).is_some_and(|u| u.can_write) {
        Ok(())
    } else {
        Err(fail(
            400,
            -850,
            "Insufficient permission for this operation",
        ))
    }
}

pub(super) fn store_key(session: &Session, object: &str) -> (String, String) {
    (session.tenant_id.clone(), object.to_string())
}

pub(super) fn search_records(shared: &Shared, req: &Req, session: &Session, object: &str) -> Reply {
    if let Err(r) = check_object(shared, object) {
        return r;
    }
    let rows = lock(&shared.records)
        .get(&store_key(session, object))
        .map(|s| s.values().cloned().collect())
        .unwrap_or_default();
    list_reply(req, "record", rows)
}

pub(super) fn parse_id(id: &str) -> Result<u64, Reply> {
    id.parse::<u64>().map_err(|_| {
        fail(
            404,
            -200,
            "Invalid object name, object ID, or record identifier",
        )
    })
}

pub(super) fn get_record(
    shared: &Shared,
    req: &Req,
    session: &Session,
    object: &str,
    id: &str,
) -> Reply {
    if let Err(r) = check_object(shared, object) {
        return r;
    }
    let n = match parse_id(id) {
        Ok(n) => n,
        Err(r) => return r,
    };
    let records = lock(&shared.records);
    match records
        .get(&store_key(session, object))
        .and_then(|s| s.get(&n))
    {
        Some(rec) => ok(vec![(
            "record".into(),
            project(rec, req.query.get("fieldList")),
        )]),
        None => fail(
            404,
            -200,
            "Invalid object name, object ID, or record identifier",
        ),
    }
}

pub(super) fn add_record(shared: &Shared, req: &Req, session: &Session, object: &str) -> Reply {
    if let Err(r) = check_object(shared, object).and_then(|_| can_write(shared, session)) {
        return r;
    }
    let mut rec = match read_record(req) {
        Ok(r) => r,
        Err(r) => return r,
    };
    if rec.contains_key("id") {
        return fail(
            400,
            -4601,
            "The id of a new record is assigned by the platform",
        );
    }
    let n = shared.next_id.fetch_add(1, Ordering::SeqCst);
    rec.insert("id".into(), n.to_string());
    lock(&shared.records)
        .entry(store_key(session, object))
        .or_default()
        .insert(n, rec);
    Reply {
        status: StatusCode::CREATED,
        body: vec![(
            "message".into(),
            Out::Obj(vec![
                ("code".into(), s("0")),
                ("description".into(), s("Record added successfully")),
                ("id".into(), s(n.to_string())),
            ]),
        )],
        set_cookie: None,
        extra_cookie: None,
        truncated: false,
    }
}

pub(super) fn update_record(
    shared: &Shared,
    req: &Req,
    session: &Session,
    object: &str,
    id: &str,
) -> Reply {
    if let Err(r) = check_object(shared, object).and_then(|_| can_write(shared, session)) {
        return r;
    }
    let n = match parse_id(id) {
        Ok(n) => n,
        Err(r) => return r,
    };
    let fields = match read_record(req) {
        Ok(r) => r,
        Err(r) => return r,
    };
    if fields.get("id").is_some_and(|v| v != id) {
        return fail(400, -4601, "The record id cannot be changed");
    }
    let mut records = lock(&shared.records);
    match records
        .get_mut(&store_key(session, object))
        .and_then(|s| s.get_mut(&n))
    {
        Some(rec) => {
            rec.extend(fields);
            ok(vec![])
        }
        None => fail(
            404,
            -200,
            "Invalid object name, object ID, or record identifier",
        ),
    }
}

pub(super) fn delete_record(shared: &Shared, session: &Session, object: &str, id: &str) -> Reply {
    if let Err(r) = check_object(shared, object).and_then(|_| can_write(shared, session)) {
        return r;
    }
    let n = match parse_id(id) {
        Ok(n) => n,
        Err(r) => return r,
    };
    let mut records = lock(&shared.records);
    match records
        .get_mut(&store_key(session, object))
        .and_then(|s| s.remove(&n))
    {
        Some(_) => ok(vec![]),
        None => fail(
            404,
            -200,
            "Invalid object name, object ID, or record identifier",
        ),
    }
}
