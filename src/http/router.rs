//! Routes: path templates (matchit) and method dispatch. The template, never
//! the raw path, is the `route` label of metrics and logs.

use std::sync::OnceLock;

use hyper::body::Incoming;
use hyper::{Method, Request};

use super::error::ApiError;
use super::{accounts, activity, decisions, invitations, keys, ops, respond, Resp};
use crate::app::AppState;

/// Every endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    /// `/healthz`
    Healthz,
    /// `/readyz`
    Readyz,
    /// `/metrics`
    Metrics,
    /// `/v1/is_authorized`
    IsAuthorized,
    /// `/v1/is_authorized/batch`
    Batch,
    /// `/v1/authorize`
    Authorize,
    /// `/v1/policies`
    Policies,
    /// `/v1/policies/reload`
    PoliciesReload,
    /// `/v1/accounts`
    Accounts,
    /// `/v1/accounts/{account}/permissions`
    Permissions,
    /// `/v1/accounts/{account}/members`
    Members,
    /// `/v1/accounts/{account}/members/{user}`
    Member,
    /// `/v1/accounts/{account}/members/{user}/role`
    MemberRole,
    /// `/v1/accounts/{account}/ownership/transfer`
    Transfer,
    /// `/v1/accounts/{account}/invitations`
    Invitations,
    /// `/v1/accounts/{account}/invitations/{id}`
    Invitation,
    /// `/v1/accounts/{account}/invitations/{id}/resend`
    Resend,
    /// `/v1/invitations/accept`
    Accept,
    /// `/v1/accounts/{account}/api-keys`
    ApiKeys,
    /// `/v1/accounts/{account}/api-keys/{id}`
    ApiKey,
    /// `/v1/discord/links`
    DiscordLinks,
    /// `/v1/discord/links/{discord_user_id}`
    DiscordLink,
    /// `/v1/accounts/{account}/team/activity`
    Activity,
    /// `/v1/accounts/{account}/logins`
    Logins,
}

const ROUTES: &[(&str, Route)] = &[
    ("/healthz", Route::Healthz),
    ("/readyz", Route::Readyz),
    ("/metrics", Route::Metrics),
    ("/v1/is_authorized", Route::IsAuthorized),
    ("/v1/is_authorized/batch", Route::Batch),
    ("/v1/authorize", Route::Authorize),
    ("/v1/policies", Route::Policies),
    ("/v1/policies/reload", Route::PoliciesReload),
    ("/v1/accounts", Route::Accounts),
    ("/v1/accounts/{account}/permissions", Route::Permissions),
    ("/v1/accounts/{account}/members", Route::Members),
    ("/v1/accounts/{account}/members/{user}", Route::Member),
    (
        "/v1/accounts/{account}/members/{user}/role",
        Route::MemberRole,
    ),
    ("/v1/accounts/{account}/ownership/transfer", Route::Transfer),
    ("/v1/accounts/{account}/invitations", Route::Invitations),
    ("/v1/accounts/{account}/invitations/{id}", Route::Invitation),
    (
        "/v1/accounts/{account}/invitations/{id}/resend",
        Route::Resend,
    ),
    ("/v1/invitations/accept", Route::Accept),
    ("/v1/accounts/{account}/api-keys", Route::ApiKeys),
    ("/v1/accounts/{account}/api-keys/{id}", Route::ApiKey),
    ("/v1/discord/links", Route::DiscordLinks),
    ("/v1/discord/links/{id}", Route::DiscordLink),
    ("/v1/accounts/{account}/team/activity", Route::Activity),
    ("/v1/accounts/{account}/logins", Route::Logins),
];

impl Route {
    /// The path template (metrics label).
    pub fn template(self) -> &'static str {
        ROUTES
            .iter()
            .find(|(_, r)| *r == self)
            .map_or("unmatched", |(t, _)| t)
    }
}

/// A matched route with its path parameters.
#[derive(Debug, Clone)]
pub struct Matched {
    /// Which endpoint.
    pub route: Route,
    /// `{account}`, if the template has it.
    pub account: Option<String>,
    /// `{user}` or `{id}`, if the template has one.
    pub id: Option<String>,
}

fn router() -> &'static matchit::Router<Route> {
    static ROUTER: OnceLock<matchit::Router<Route>> = OnceLock::new();
    ROUTER.get_or_init(|| {
        let mut r = matchit::Router::new();
        for (template, route) in ROUTES {
            // The table is static and tested; a conflict is a programming error.
            if let Err(e) = r.insert(*template, *route) {
                tracing::error!(template, error = %e, "route conflict");
            }
        }
        r
    })
}

/// Matches a path (a trailing slash is tolerated).
pub fn route(path: &str) -> Option<Matched> {
    let path = if path.len() > 1 {
        path.strip_suffix('/').unwrap_or(path)
    } else {
        path
    };
    let m = router().at(path).ok()?;
    let account = m.params.get("account").map(str::to_owned);
    let id = m
        .params
        .get("user")
        .or_else(|| m.params.get("id"))
        .map(str::to_owned);
    Some(Matched {
        route: *m.value,
        account,
        id,
    })
}

/// Runs the handler of a matched route, or answers 405.
pub async fn dispatch(state: &AppState, m: Matched, req: Request<Incoming>) -> Resp {
    use Route as R;
    let method = req.method().clone();
    let account = m.account.unwrap_or_default();
    let id = m.id.unwrap_or_default();
    let result = match (m.route, &method) {
        (R::Healthz, &Method::GET | &Method::HEAD) => return ops::healthz(),
        (R::Readyz, &Method::GET | &Method::HEAD) => return ops::readyz(state).await,
        (R::Metrics, &Method::GET) => return ops::metrics(state),
        (R::IsAuthorized, &Method::POST) => decisions::is_authorized(state, req).await,
        (R::Batch, &Method::POST) => decisions::batch(state, req).await,
        // Forward-auth: gateways use whatever method the original request had.
        (R::Authorize, _) => decisions::forward_auth(state, req).await,
        (R::Policies, &Method::GET) => ops::policies(state),
        (R::PoliciesReload, &Method::POST) => ops::reload(state),
        (R::Accounts, &Method::POST) => accounts::create(state, req).await,
        (R::Permissions, &Method::GET) => decisions::permissions(state, &account, req).await,
        (R::Members, &Method::GET) => accounts::list(state, &account, req).await,
        (R::Member, &Method::DELETE) => accounts::remove(state, &account, &id, req).await,
        (R::MemberRole, &Method::PUT) => accounts::change_role(state, &account, &id, req).await,
        (R::Transfer, &Method::POST) => accounts::transfer(state, &account, req).await,
        (R::Invitations, &Method::POST) => invitations::create(state, &account, req).await,
        (R::Invitations, &Method::GET) => invitations::list(state, &account, req).await,
        (R::Invitation, &Method::DELETE) => invitations::revoke(state, &account, &id, req).await,
        (R::Resend, &Method::POST) => invitations::resend(state, &account, &id, req).await,
        (R::Accept, &Method::POST) => invitations::accept(state, req).await,
        (R::ApiKeys, &Method::POST) => keys::create(state, &account, req).await,
        (R::ApiKeys, &Method::GET) => keys::list(state, &account, req).await,
        (R::ApiKey, &Method::DELETE) => keys::delete(state, &account, &id, req).await,
        (R::DiscordLinks, &Method::POST) => keys::link_discord(state, req).await,
        (R::DiscordLink, &Method::DELETE) => keys::unlink_discord(state, &id).await,
        (R::Activity, &Method::GET) => activity::list(state, &account, req).await,
        (R::Logins, &Method::POST) => activity::login(state, &account, req).await,
        (route, _) => Err(ApiError::MethodNotAllowed(allowed_methods(route))),
    };
    if matches!(result, Err(ApiError::Unavailable)) {
        state.metrics.store_error();
    }
    if let Err(ApiError::RateLimited { .. }) = result {
        state.metrics.rate_limited(crate::app::INVITE_LIMIT_NAME);
    }
    match result {
        Ok(resp) => resp,
        Err(e) => respond(Err(e)),
    }
}

fn allowed_methods(route: Route) -> &'static str {
    use Route as R;
    match route {
        R::Healthz | R::Readyz => "GET, HEAD",
        R::Metrics | R::Policies | R::Permissions | R::Members | R::Activity => "GET",
        R::Invitations | R::ApiKeys => "GET, POST",
        R::Member | R::Invitation | R::ApiKey | R::DiscordLink => "DELETE",
        R::MemberRole => "PUT",
        R::Authorize => "any",
        R::IsAuthorized
        | R::Batch
        | R::PoliciesReload
        | R::Accounts
        | R::Transfer
        | R::Resend
        | R::Accept
        | R::DiscordLinks
        | R::Logins => "POST",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_template_routes_to_itself() {
        for (template, route) in ROUTES {
            let path = template
                .replace("{account}", "acct_1")
                .replace("{user}", "u_1")
                .replace("{id}", "x_1");
            let m = route_or_panic(&path);
            assert_eq!(m.route, *route, "{path}");
            assert_eq!(route.template(), *template);
        }
        let m = route_or_panic("/v1/accounts/acct_1/members/u_2/role/");
        assert_eq!(
            (m.account.as_deref(), m.id.as_deref()),
            (Some("acct_1"), Some("u_2"))
        );
        assert!(route("/v1/nope").is_none());
    }

    fn route_or_panic(path: &str) -> Matched {
        route(path).unwrap_or_else(|| panic!("{path} did not route"))
    }
}
