//! Three keel processes behind HAProxy on one PostgreSQL and Redis, started
//! by `scripts/cluster.sh` exactly as `make cluster` starts them. Needs
//! Redis, PostgreSQL, HAProxy and `KEEL_BIN`: `make test-redis` runs it
//! (skipping it by name with a message when HAProxy is missing, unless
//! `CI=true`, where `.ci/run` installs it from Debian's packages).

use std::process::Command;
use std::time::Duration;

use keel_e2e::fake_clerk::clerk_user;
use keel_e2e::{TestApp, keel_bin, on_postgres, spawn_app_with};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

/// Stops the cluster when the test ends, however it ends.
struct Cluster {
    env: Vec<(String, String)>,
}

impl Cluster {
    fn script(&self, action: &str) -> std::process::Output {
        Command::new("bash")
            .arg(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../scripts/cluster.sh"
            ))
            .arg(action)
            .envs(self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .output()
            .expect("bash runs")
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        self.script("stop");
    }
}

/// A base port with the next `n` ports free too.
fn free_ports(n: u16) -> u16 {
    loop {
        let probe = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let base = probe.local_addr().unwrap().port();
        drop(probe);
        if base > 65_000 {
            continue;
        }
        if (0..=n).all(|i| std::net::TcpListener::bind(("127.0.0.1", base + i)).is_ok()) {
            return base;
        }
    }
}

fn at(template: &TestApp, port: u16) -> TestApp {
    TestApp {
        address: format!("http://127.0.0.1:{port}"),
        port,
        client: template.client.clone(),
        settings: template.settings.clone(),
        stopper: template.stopper.clone(),
    }
}

#[tokio::test]
async fn redis_cluster_three_instances_behind_haproxy_act_as_one() {
    let bin = keel_bin().expect("the keel binary in KEEL_BIN, which `make test` sets");
    let redis = std::env::var("TEST_REDIS_URL").expect("TEST_REDIS_URL (make test sets it)");
    assert!(
        on_postgres(),
        "the cluster shares one PostgreSQL database: run with TEST_DATABASE_URL"
    );
    assert!(
        Command::new("haproxy").arg("-v").output().is_ok(),
        "HAProxy is needed (apt-get install haproxy; make cluster installs it)"
    );
    // An in-process server migrates a fresh database and runs the admin
    // command; the cluster then serves that database.
    let seed = spawn_app_with(|s| s.jobs.enabled = false).await;
    let url = seed.settings.database.url.clone();
    let (admin_url, db) = url.rsplit_once('/').unwrap();
    let db = db.split('?').next().unwrap().to_owned();
    let base = free_ports(3);
    let dir = std::env::temp_dir().join(format!("keel-cluster-{db}"));
    let cluster = Cluster {
        env: vec![
            ("CLUSTER_N".into(), "3".into()),
            ("CLUSTER_PORT".into(), base.to_string()),
            ("CLUSTER_DIR".into(), dir.display().to_string()),
            ("CLUSTER_DB".into(), db.clone()),
            ("PG_ADMIN_URL".into(), format!("{admin_url}/postgres")),
            ("REDIS_URL".into(), redis),
            ("KEEL_BIN".into(), bin),
            (
                "CLUSTER_ENV".into(),
                format!(
                    "APP__WS__AUTH_CHECK_SECS=3600 APP__JOBS__POLL_INTERVAL_MS=50 APP__CLERK__WEBHOOK_SECRET={}",
                    keel_e2e::fake_clerk::WEBHOOK_SECRET
                ),
            ),
        ],
    };
    let out = cluster.script("start");
    assert!(
        out.status.success(),
        "the cluster starts: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let proxy = at(&seed, base);
    let nodes: Vec<TestApp> = (1..=3).map(|i| at(&seed, base + i)).collect();

    // Every instance reports ready, and so does the proxy.
    for app in nodes.iter().chain([&proxy]) {
        let ready: Value = app.get("/health/ready", None).await.json().await.unwrap();
        assert_eq!(ready, json!({"status": "ok"}), "{}", app.address);
    }
    // The docs page is served through the proxy.
    assert_eq!(
        proxy.get("/api/v1/docs/", None).await.status(),
        StatusCode::OK
    );

    // A logout on one instance is refused by the others within a second.
    let me = proxy.register_random().await;
    for node in &nodes {
        assert_eq!(
            node.get("/api/v1/users/me", Some(&me.access))
                .await
                .status(),
            StatusCode::OK
        );
    }
    let res = nodes[0]
        .request(Method::POST, "/api/v1/auth/logout")
        .bearer_auth(&me.access)
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success());
    tokio::time::sleep(Duration::from_secs(1)).await;
    for node in &nodes[1..] {
        assert_eq!(
            node.get("/api/v1/users/me", Some(&me.access))
                .await
                .status(),
            StatusCode::UNAUTHORIZED,
            "{}",
            node.address
        );
    }

    // A demotion on one instance is honoured everywhere within a second.
    seed.run_create_admin("root@example.com", "a long admin password")
        .await;
    let root = keel_e2e::account_from(
        "root@example.com",
        "a long admin password",
        proxy
            .login("root@example.com", "a long admin password")
            .await
            .json()
            .await
            .unwrap(),
    );
    let deputy = proxy.register_random().await;
    let path = format!("/api/v1/users/{}", deputy.id);
    let promote = async |role: &str| {
        nodes[0]
            .send_json(
                Method::PATCH,
                &path,
                Some(&root.access),
                &json!({"role": role}),
            )
            .await
            .status()
    };
    assert_eq!(promote("admin").await, StatusCode::OK);
    for node in &nodes {
        assert_eq!(
            node.get("/api/v1/users", Some(&deputy.access))
                .await
                .status(),
            StatusCode::OK
        );
    }
    assert_eq!(promote("customer").await, StatusCode::OK);
    tokio::time::sleep(Duration::from_secs(1)).await;
    for node in &nodes {
        assert_eq!(
            node.get("/api/v1/users", Some(&deputy.access))
                .await
                .status(),
            StatusCode::FORBIDDEN,
            "{}",
            node.address
        );
    }

    // An image uploaded through one instance is served by every other
    // (one upload directory for the cluster).
    let product: Value = nodes[0]
        .send_json(
            Method::POST,
            "/api/v1/products",
            Some(&root.access),
            &json!({"name": "Shared lamp", "price_cents": 1200, "currency": "EUR", "stock": 3}),
        )
        .await
        .json()
        .await
        .unwrap();
    let png = {
        use base64::Engine as _;
        base64::engine::general_purpose::STANDARD
            .decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==")
            .unwrap()
    };
    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(png.clone())
            .file_name("lamp.png")
            .mime_str("image/png")
            .unwrap(),
    );
    let res = nodes[0]
        .request(
            Method::POST,
            &format!(
                "/api/v1/products/{}/images",
                product["id"].as_str().unwrap()
            ),
        )
        .bearer_auth(&root.access)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let url = res.json::<Value>().await.unwrap()["url"]
        .as_str()
        .unwrap()
        .to_owned();
    for node in &nodes[1..] {
        let served = node.get(&url, None).await;
        assert_eq!(served.status(), StatusCode::OK, "{}", node.address);
        assert_eq!(served.bytes().await.unwrap().to_vec(), png);
    }

    // The throttle is shared: the sixth wrong password is refused wherever
    // it lands (the proxy names the client; all come from 127.0.0.1 here).
    let victim = proxy.register_random().await;
    for n in 0..5 {
        let res = nodes[n % 3].login(&victim.email, "not the password").await;
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    }
    for app in nodes.iter().chain([&proxy]) {
        let res = app.login(&victim.email, "not the password").await;
        assert_eq!(
            res.status(),
            StatusCode::TOO_MANY_REQUESTS,
            "{}",
            app.address
        );
    }

    // Each background job runs exactly once: webhook deliveries spread over
    // the instances, each applied by one of the three runners, once.
    for n in 0..9 {
        let body = json!({
            "object": "event", "type": "user.created", "timestamp": 1_700_000_000_000_i64,
            "instance_id": "ins_1",
            "data": clerk_user(&format!("user_c{n}"), &format!("c{n}@clerk-users.example"), true, "Ada", 1000),
        });
        let res = nodes[n % 3].post_webhook(&format!("msg_c{n}"), &body).await;
        assert_eq!(res.status(), StatusCode::OK);
    }
    let events = proxy.wait_for_events(&root.access, "processed", 9).await;
    assert_eq!(events.len(), 9);
    assert!(
        events.iter().all(|e| e["attempts"] == 1),
        "every delivery was applied by exactly one runner, once: {events:?}"
    );
    drop(cluster);
}
