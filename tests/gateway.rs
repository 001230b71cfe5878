//! Forward-auth through a real NGINX (`auth_request`): the gateway asks the
//! sidecar's `/v1/authorize` before proxying, passes 401/403 through, and
//! exposes the role the sidecar returned.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use serde_json::json;
use support::server::{config, uid, TestServer};
use trackly_authz::store::memory::MemoryStore;
use trackly_authz::store::StoreSettings;

/// nginx on a free port, killed on drop.
struct Nginx {
    child: Child,
    port: u16,
    _dir: tempfile::TempDir,
}

impl Drop for Nginx {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn nginx_binary() -> String {
    for candidate in ["/usr/sbin/nginx", "/usr/local/sbin/nginx", "/usr/bin/nginx"] {
        if Path::new(candidate).exists() {
            return candidate.to_owned();
        }
    }
    match Command::new("nginx").arg("-v").output() {
        Ok(_) => "nginx".to_owned(),
        Err(_) => panic!(
            "nginx not found: install it (Debian: apt-get install nginx) to run the gateway tests"
        ),
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

async fn start_nginx(sidecar: std::net::SocketAddr) -> Nginx {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let p = dir.path().display();
    let conf = format!(
        r#"
daemon off;
master_process off;
worker_processes 1;
user root;
pid {p}/nginx.pid;
error_log {p}/error.log warn;
events {{ worker_connections 64; }}
http {{
    access_log off;
    client_body_temp_path {p}/body;
    proxy_temp_path {p}/proxy;
    fastcgi_temp_path {p}/fastcgi;
    uwsgi_temp_path {p}/uwsgi;
    scgi_temp_path {p}/scgi;
    # The action of each route, as the gateway's configuration would say.
    map $request_uri $trackly_action {{
        ~^/campaigns/send  SendCampaign;
        ~^/reports         ViewReports;
        ~^/team/keys       CreateApiKey;
        default            "";
    }}
    server {{
        listen 127.0.0.1:{port};
        location = /_authz {{
            internal;
            proxy_pass http://{sidecar}/v1/authorize;
            proxy_pass_request_body off;
            proxy_set_header Content-Length "";
            proxy_set_header X-Trackly-Action $trackly_action;
        }}
        location / {{
            auth_request /_authz;
            auth_request_set $trackly_role $upstream_http_x_trackly_role;
            add_header X-Role $trackly_role always;
            # The "application" behind the gateway.
            rewrite ^ /healthz break;
            proxy_pass http://{sidecar};
        }}
    }}
}}
"#
    );
    let conf_path = dir.path().join("nginx.conf");
    std::fs::write(&conf_path, conf).unwrap();
    let mut child = Command::new(nginx_binary())
        .args(["-p", &p.to_string(), "-e", &format!("{p}/error.log"), "-c"])
        .arg(&conf_path)
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start nginx");
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
        {
            return Nginx {
                child,
                port,
                _dir: dir,
            };
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("nginx did not listen on {port}; see {p}/error.log");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nginx_auth_request_allows_denies_and_passes_the_role() {
    let sidecar = TestServer::start(
        Arc::new(MemoryStore::new(StoreSettings::default())),
        config(),
    )
    .await;
    let (acct, owner, viewer) = (uid("acct"), uid("u"), uid("u"));
    sidecar.account(&acct, &owner).await;
    sidecar.join(&acct, &owner, &viewer, "Viewer").await;
    let key = sidecar
        .as_user(
            &owner,
            "POST",
            &format!("/v1/accounts/{acct}/api-keys"),
            Some(json!({"name": "gw"})),
        )
        .await;
    let secret = key.json["secret"].as_str().unwrap().to_owned();
    let nginx = start_nginx(sidecar.addr).await;
    let gw: std::net::SocketAddr = format!("127.0.0.1:{}", nginx.port).parse().unwrap();
    let get = |path: &'static str, headers: Vec<(&'static str, String)>| async move {
        let h: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
        support::http::send(gw, "GET", path, &h, None).await
    };
    let user = |u: &str| {
        vec![
            ("x-trackly-account", acct.clone()),
            ("x-trackly-user", u.to_owned()),
        ]
    };

    let r = get("/campaigns/send", user(&owner)).await;
    r.expect(200);
    assert_eq!(r.header("x-role"), Some("Owner"));
    assert_eq!(
        r.json["status"], "ok",
        "the request reached the application"
    );
    get("/campaigns/send", user(&viewer)).await.expect(403);
    let r = get("/reports", user(&viewer)).await;
    r.expect(200);
    assert_eq!(r.header("x-role"), Some("Viewer"));
    get("/reports", user(&uid("u"))).await.expect(403);
    let with_key = |k: &str| {
        vec![
            ("x-trackly-account", acct.clone()),
            ("x-trackly-api-key", k.to_owned()),
        ]
    };
    let r = get("/campaigns/send", with_key(&secret)).await;
    r.expect(200);
    assert_eq!(r.header("x-role"), Some("Member"));
    get("/team/keys", with_key(&secret)).await.expect(403);
    get("/reports", with_key("tk_not-a-key")).await.expect(401);
    drop(nginx);
    sidecar.stop().await;
}
