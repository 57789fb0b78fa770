//! Routing, sessions and the login resources.

use super::*;

pub(super) async fn handle(
    State(shared): State<Arc<Shared>>,
    expire: Option<Extension<ExpireSessionFault>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    shared.counters.calls.fetch_add(1, Ordering::SeqCst);
    let query: HashMap<String, String> = uri
        .query()
        .map(|q| {
            url::form_urlencoded::parse(q.as_bytes())
                .into_owned()
                .collect()
        })
        .unwrap_or_default();
    let req = Req {
        method,
        path: uri.path().to_string(),
        query,
        headers,
        body,
    };
    let fmt = req.response_format();
    if expire.is_some() {
        // Shared plumbing's "expired" fault: the caller's session times out just now.
        if let Some(id) = req.session_id() {
            lock(&shared.sessions).remove(&id);
        }
    }

    if let Some(kind) = take_fault(&shared, &req.path) {
        match kind {
            FaultKind::Delay(d) => tokio::time::sleep(d).await,
            FaultKind::ServerError => {
                return render(fail(500, -1, "Request could not be completed"), fmt)
            }
            FaultKind::NotLoggedIn => {
                if let Some(id) = req.session_id() {
                    lock(&shared.sessions).remove(&id);
                }
                return render(not_logged_in(&shared), fmt);
            }
            FaultKind::Status(status, code, description) => {
                return render(fail(status, code, &description), fmt)
            }
            FaultKind::Html(status) => {
                let mut resp =
                    Response::new(Body::from("<html><body><h1>Bad Gateway</h1></body></html>"));
                *resp.status_mut() =
                    StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_GATEWAY);
                resp.headers_mut()
                    .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html"));
                return resp;
            }
        }
    }

    let reply = route(&shared, &req).await;
    render(reply, fmt)
}

pub(super) fn take_fault(shared: &Shared, path: &str) -> Option<FaultKind> {
    let mut faults = lock(&shared.faults);
    let idx = faults.iter().position(|f| {
        f.times > 0 && (f.path_contains.is_empty() || path.contains(&f.path_contains))
    })?;
    faults[idx].times -= 1;
    let kind = faults[idx].kind.clone();
    if faults[idx].times == 0 {
        faults.remove(idx);
    }
    Some(kind)
}

pub(super) async fn route(shared: &Arc<Shared>, req: &Req) -> Reply {
    let Some(rest) = req.path.strip_prefix("/networking/rest/") else {
        return fail(404, -300, "Resource does not exist");
    };
    let parts: Vec<&str> = rest.split('/').filter(|p| !p.is_empty()).collect();
    let m = &req.method;
    let sessionless = matches!(parts.first(), Some(&"login" | &"logout"));
    if sessionless {
        if let Err(refused) = check_body(req) {
            return refused;
        }
    }
    match (m.as_str(), parts.as_slice()) {
        ("POST", ["login"]) => login_password(shared, req).await,
        ("POST", ["login", "samlAssertion"]) => login_saml(shared, req).await,
        ("POST", ["login", "customerSupport"]) => login_customer_support(shared, req).await,
        ("POST", ["login", "proxyLogin"]) => proxy_login(shared, req).await,
        ("GET", ["login", "proxyLogin", "switchBack"]) | ("GET", ["login", "switchBack"]) => {
            switch_back(shared, req)
        }
        ("GET" | "POST", ["logout"]) => logout(shared, req),
        (_, ["login", ..]) | (_, ["logout"]) => fail(405, -300, "Method not allowed"),
        _ => {
            let Some(session) = touch_session(shared, req) else {
                return not_logged_in(shared);
            };
            if let Some(name) = &shared.config.affinity_cookie {
                if req.cookie(name).is_none() {
                    shared
                        .counters
                        .missing_affinity_cookie
                        .fetch_add(1, Ordering::SeqCst);
                }
            }
            if let Err(refused) = check_body(req) {
                return refused;
            }
            match (m.as_str(), parts.as_slice()) {
                ("GET", ["user"]) => list_users(shared, req, &session),
                ("GET", ["user", id]) => get_user(shared, req, &session, id),
                ("GET", ["record", object]) => search_records(shared, req, &session, object),
                ("POST", ["record", object]) => add_record(shared, req, &session, object),
                ("GET", ["record", object, id]) => get_record(shared, req, &session, object, id),
                ("PUT", ["record", object, id]) => update_record(shared, req, &session, object, id),
                ("DELETE", ["record", object, id]) => delete_record(shared, &session, object, id),
                _ => spec_default::answer(req),
            }
        }
    }
}

pub(super) fn touch_session(shared: &Shared, req: &Req) -> Option<Session> {
    let id = req.session_id()?;
    let mut sessions = lock(&shared.sessions);
    purge_idle(&mut sessions, shared.config.idle_timeout);
    let s = sessions.get_mut(&id)?;
    s.last_used = Instant::now();
    Some(s.clone())
}

pub(super) fn user<'a>(shared: &'a Shared, id: &str) -> Option<&'a SimUser> {
    shared.config.users.iter().find(|u| u.id == id)
}

pub(super) fn tenant<'a>(shared: &'a Shared, id: &str) -> Option<&'a SimTenant> {
    shared.config.tenants.iter().find(|t| t.id == id)
}

pub(super) fn new_session_id(shared: &Shared) -> String {
    let n = shared.next_id.fetch_add(1, Ordering::SeqCst);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    format!("{:016x}{:08x}", nanos as u64 ^ 0x9e37_79b9_7f4a_7c15, n)
}

/// Opens a session for `user_id` and answers the login body with its cookie.
pub(super) fn open_session(
    shared: &Shared,
    user_id: &str,
    tenant_id: &str,
    kind: SimLoginKind,
    parent: Option<String>,
) -> Reply {
    let Some(u) = user(shared, user_id) else {
        return fail(404, -200, "Invalid user identifier");
    };
    let id = new_session_id(shared);
    {
        let mut sessions = lock(&shared.sessions);
        purge_idle(&mut sessions, shared.config.idle_timeout);
        if let Some(cap) = shared.config.max_sessions_per_user {
            let held = sessions.values().filter(|s| s.user_id == user_id).count();
            if held >= cap {
                shared.counters.failed_logins.fetch_add(1, Ordering::SeqCst);
                return fail(
                    403,
                    -4600,
                    "Maximum number of sessions reached for this user",
                );
            }
        }
        sessions.insert(
            id.clone(),
            Session {
                user_id: user_id.to_string(),
                tenant_id: tenant_id.to_string(),
                parent,
                last_used: Instant::now(),
            },
        );
    }
    let counter = match kind {
        SimLoginKind::Password => &shared.counters.logins_password,
        SimLoginKind::Saml => &shared.counters.logins_saml,
        SimLoginKind::CustomerSupport => &shared.counters.logins_customer_support,
        SimLoginKind::Proxy => &shared.counters.logins_proxy,
    };
    counter.fetch_add(1, Ordering::SeqCst);
    let mut reply = ok(vec![(
        "login".into(),
        login_info(shared, u, tenant_id, &id),
    )]);
    reply.set_cookie = Some(format!("{SESSION_COOKIE}={id}; Path=/; HttpOnly"));
    reply.truncated = shared.config.login_answer == LoginAnswerShape::Unusable;
    reply.extra_cookie = shared
        .config
        .affinity_cookie
        .as_ref()
        .map(|name| format!("{name}=node-1; Path=/"));
    reply
}

pub(super) fn login_info(shared: &Shared, u: &SimUser, tenant_id: &str, session_id: &str) -> Out {
    let org = tenant(shared, tenant_id)
        .map(|t| t.name.clone())
        .unwrap_or_default();
    let app_id = format!("app{tenant_id}");
    let variant = shared.config.login_answer == LoginAnswerShape::Variant;
    // The element with attributes, or (the other JSON rendering) its bare text.
    let starting_app_id = if variant {
        s(app_id)
    } else {
        Out::AttrText(
            vec![
                ("type".into(), String::new()),
                (
                    "uri".into(),
                    format!(
                        "{}/networking/rest/application/{app_id}",
                        lock(&shared.base_url)
                    ),
                ),
                ("displayValue".into(), String::new()),
            ],
            app_id,
        )
    };
    let time_zone = if variant {
        Out::Obj(vec![("id".into(), s("12")), ("name".into(), s("GMT"))])
    } else {
        s("12")
    };
    let mut fields = vec![
        ("userId".into(), s(&u.id)),
        ("email".into(), s(&u.email)),
        ("userName".into(), s(&u.user_name)),
        ("firstName".into(), s(&u.first_name)),
        ("isForceChangePassword".into(), s("false")),
        ("lastName".into(), s(&u.last_name)),
        ("organizationName".into(), s(org)),
        ("organizationId".into(), s(tenant_id)),
        ("timeZone".into(), time_zone),
        ("primaryTeamId".into(), s("1")),
        ("employeeNumber".into(), s("")),
        ("sessionId".into(), s(session_id)),
        (
            "cookieString".into(),
            s(format!("{SESSION_COOKIE}={session_id}")),
        ),
        ("startingAppId".into(), starting_app_id),
        ("userLocale".into(), s("en")),
        ("userDateFormat".into(), s("MM/dd/yyyy")),
    ];
    if variant {
        // Undocumented extras a newer platform might add.
        fields.push((
            "extraInfo".into(),
            Out::Obj(vec![("tier".into(), s("gold"))]),
        ));
    }
    Out::Obj(fields)
}

pub(super) fn login_failed(shared: &Shared, description: &str) -> Reply {
    shared.counters.failed_logins.fetch_add(1, Ordering::SeqCst);
    fail(401, -101, description)
}

pub(super) async fn login_password(shared: &Arc<Shared>, req: &Req) -> Reply {
    let body = match read_login(req) {
        Ok(b) => b,
        Err(r) => return r,
    };
    tokio::time::sleep(shared.config.login_delay).await;
    let (Some(name), Some(pw)) = (body.user_name, body.password) else {
        return fail(400, -4601, "userName and password are required");
    };
    match shared
        .config
        .users
        .iter()
        .find(|u| u.user_name == name && u.password == pw)
    {
        Some(u) => open_session(shared, &u.id, &u.tenant_id, SimLoginKind::Password, None),
        None => login_failed(shared, "Invalid user name or password"),
    }
}

pub(super) async fn login_saml(shared: &Arc<Shared>, req: &Req) -> Reply {
    let body = match read_login(req) {
        Ok(b) => b,
        Err(r) => return r,
    };
    tokio::time::sleep(shared.config.login_delay).await;
    let Some(assertion) = body.saml_assertion else {
        return fail(400, -4601, "samlAssertion is required");
    };
    let assertion = assertion.trim();
    let found = shared
        .config
        .saml_assertions
        .iter()
        .find(|(a, _)| a == assertion)
        .and_then(|(_, uid)| user(shared, uid));
    match found {
        Some(u) => open_session(shared, &u.id, &u.tenant_id, SimLoginKind::Saml, None),
        None => login_failed(shared, "Invalid SAML assertion"),
    }
}

pub(super) async fn login_customer_support(shared: &Arc<Shared>, req: &Req) -> Reply {
    let body = match read_login(req) {
        Ok(b) => b,
        Err(r) => return r,
    };
    tokio::time::sleep(shared.config.login_delay).await;
    let (Some(name), Some(pw), Some(tenant_id)) =
        (body.user_name, body.password, body.client_tenant_id)
    else {
        return fail(
            400,
            -4601,
            "userName, password and client_tenant_id are required",
        );
    };
    let Some(u) = shared
        .config
        .users
        .iter()
        .find(|u| u.user_name == name && u.password == pw)
    else {
        return login_failed(shared, "Invalid user name or password");
    };
    if !u.customer_support {
        shared.counters.failed_logins.fetch_add(1, Ordering::SeqCst);
        return fail(400, -850, "Insufficient permission for this operation");
    }
    let Some(t) = tenant(shared, &tenant_id) else {
        shared.counters.failed_logins.fetch_add(1, Ordering::SeqCst);
        return fail(400, -4006, "Invalid Tenant ID");
    };
    open_session(
        shared,
        &t.admin_user_id.clone(),
        &t.id.clone(),
        SimLoginKind::CustomerSupport,
        None,
    )
}

pub(super) async fn proxy_login(shared: &Arc<Shared>, req: &Req) -> Reply {
    let Some(current) = touch_session(shared, req) else {
        return not_logged_in(shared);
    };
    let body = match read_login(req) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let Some(target) = body.proxy_user_id else {
        return fail(400, -4601, "proxy_user_id is required");
    };
    let allowed = user(shared, &current.user_id).is_some_and(|u| u.proxy_login);
    if !allowed {
        shared.counters.failed_logins.fetch_add(1, Ordering::SeqCst);
        return fail(400, -850, "Insufficient permission for this operation");
    }
    let Some(t) = user(shared, &target).filter(|u| u.tenant_id == current.tenant_id) else {
        shared.counters.failed_logins.fetch_add(1, Ordering::SeqCst);
        return fail(404, -200, "Invalid user identifier");
    };
    let parent = req.session_id();
    open_session(
        shared,
        &t.id,
        &current.tenant_id,
        SimLoginKind::Proxy,
        parent,
    )
}

pub(super) fn switch_back(shared: &Arc<Shared>, req: &Req) -> Reply {
    let Some(id) = req.session_id() else {
        return not_logged_in(shared);
    };
    let mut sessions = lock(&shared.sessions);
    purge_idle(&mut sessions, shared.config.idle_timeout);
    let Some(current) = sessions.get(&id).cloned() else {
        return not_logged_in(shared);
    };
    let Some(parent_id) = current.parent.clone() else {
        return fail(400, -4601, "Not in a proxy login");
    };
    sessions.remove(&id);
    let Some(parent) = sessions.get_mut(&parent_id) else {
        return not_logged_in(shared);
    };
    parent.last_used = Instant::now();
    let parent = parent.clone();
    drop(sessions);
    shared.counters.switch_backs.fetch_add(1, Ordering::SeqCst);
    let Some(u) = user(shared, &parent.user_id) else {
        return fail(500, -1, "Unknown user");
    };
    let mut reply = ok(vec![(
        "login".into(),
        login_info(shared, u, &parent.tenant_id, &parent_id),
    )]);
    reply.set_cookie = Some(format!("{SESSION_COOKIE}={parent_id}; Path=/; HttpOnly"));
    reply
}

pub(super) fn logout(shared: &Arc<Shared>, req: &Req) -> Reply {
    let Some(id) = req.session_id() else {
        return not_logged_in(shared);
    };
    let mut sessions = lock(&shared.sessions);
    purge_idle(&mut sessions, shared.config.idle_timeout);
    if sessions.remove(&id).is_none() {
        return not_logged_in(shared);
    }
    // Proxy sessions opened from this one end with it.
    let mut ended = vec![id];
    while let Some(parent) = ended.pop() {
        let children: Vec<String> = sessions
            .iter()
            .filter(|(_, s)| s.parent.as_deref() == Some(parent.as_str()))
            .map(|(k, _)| k.clone())
            .collect();
        for c in children {
            sessions.remove(&c);
            ended.push(c);
        }
    }
    drop(sessions);
    shared.counters.logouts.fetch_add(1, Ordering::SeqCst);
    let mut reply = ok(vec![]);
    reply.set_cookie = Some(format!("{SESSION_COOKIE}=; Path=/; Max-Age=0"));
    reply
}
