//! Starts the real server in-process on an ephemeral port, over the memory
//! store or a throwaway Redis, with an injectable clock.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde_json::{json, Value};
use tokio::sync::oneshot;
use trackly_authz::app::AppState;
use trackly_authz::clock::ManualClock;
use trackly_authz::config::Config;
use trackly_authz::policy::PolicyEngine;
use trackly_authz::store::Store;

use super::http::{send, Resp};

/// The repo root (policies, schema).
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A fixed start time for the manual clock.
pub fn t0() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-12-01T10:00:00Z")
        .expect("time")
        .with_timezone(&Utc)
}

/// The default configuration, with the repo's policies.
pub fn config() -> Config {
    let mut c = Config::defaults();
    c.policies = repo().join("policies");
    c.schema = repo().join("schema/trackly.cedarschema");
    c
}

/// A running server.
pub struct TestServer {
    pub addr: SocketAddr,
    pub clock: ManualClock,
    pub state: AppState,
    stop: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl TestServer {
    /// Starts a server over `store` with `config`.
    pub async fn start(store: Arc<dyn Store>, config: Config) -> TestServer {
        let policies =
            Arc::new(PolicyEngine::load(&config.policies, &config.schema).expect("policies load"));
        let clock = ManualClock::new(t0());
        let state = AppState::new(store, policies, Arc::new(clock.clone()), &config);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        let (tx, rx) = oneshot::channel::<()>();
        let serve_state = state.clone();
        let task = tokio::spawn(async move {
            trackly_authz::http::serve(
                listener,
                serve_state,
                async {
                    let _ = rx.await;
                },
                std::time::Duration::from_secs(5),
            )
            .await;
        });
        TestServer {
            addr,
            clock,
            state,
            stop: Some(tx),
            task: Some(task),
        }
    }

    /// Stops accepting and waits for the drain.
    pub async fn stop(mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }

    /// A raw request.
    pub async fn call(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<Value>,
    ) -> Resp {
        send(
            self.addr,
            method,
            path,
            headers,
            body.map(|b| serde_json::to_vec(&b).expect("json")),
        )
        .await
    }

    /// A request as `user` (X-Trackly-User).
    pub async fn as_user(&self, user: &str, method: &str, path: &str, body: Option<Value>) -> Resp {
        self.call(method, path, &[("x-trackly-user", user)], body)
            .await
    }

    /// Creates an account owned by `owner`.
    pub async fn account(&self, account: &str, owner: &str) {
        self.call(
            "POST",
            "/v1/accounts",
            &[],
            Some(json!({"id": account, "owner": owner})),
        )
        .await
        .expect(201);
    }

    /// Invites and accepts: `user` joins `account` with `role` (Owner via a
    /// transfer without demote_self).
    pub async fn join(&self, account: &str, owner: &str, user: &str, role: &str) {
        let invite_role = if role == "Owner" { "Member" } else { role };
        let inv = self
            .as_user(
                owner,
                "POST",
                &format!("/v1/accounts/{account}/invitations"),
                Some(json!({"email": format!("{user}@example.com"), "role": invite_role})),
            )
            .await;
        inv.expect(201);
        let token = inv.json["token"].as_str().expect("token").to_owned();
        self.as_user(
            user,
            "POST",
            "/v1/invitations/accept",
            Some(json!({"token": token})),
        )
        .await
        .expect(200);
        if role == "Owner" {
            self.as_user(
                owner,
                "POST",
                &format!("/v1/accounts/{account}/ownership/transfer"),
                Some(json!({"to": user, "demote_self": false})),
            )
            .await
            .expect(200);
        }
    }

    /// `POST /v1/is_authorized` and returns the JSON (asserting 200).
    pub async fn decide(
        &self,
        principal: Value,
        account: &str,
        action: &str,
        resource: Option<Value>,
    ) -> Value {
        let mut body = json!({"principal": principal, "account": account, "action": action});
        if let Some(r) = resource {
            body["resource"] = r;
        }
        let r = self
            .call("POST", "/v1/is_authorized", &[], Some(body))
            .await;
        r.expect(200);
        r.json.clone()
    }

    /// The decision string for a user.
    pub async fn decision(&self, user: &str, account: &str, action: &str) -> String {
        self.decide(json!({"user": user}), account, action, None)
            .await["decision"]
            .as_str()
            .unwrap_or("")
            .to_owned()
    }
}

/// A unique id with a prefix.
pub fn uid(prefix: &str) -> String {
    format!("{prefix}_{}", uuid::Uuid::new_v4().simple())
}
