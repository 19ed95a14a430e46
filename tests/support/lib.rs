//! Test harness for the end-to-end suite (zero2prod's `spawn_app`): each test
//! gets a fresh database, the real server on port 0 and a typed client.
//!
//! The database is SQLite in a temporary file unless `TEST_DATABASE_URL`
//! points at a PostgreSQL server, in which case every test gets its own
//! `CREATE DATABASE test_<uuid>` there.

pub mod fake_clerk;
pub mod mailbox;

use keel_bootstrap::cli::{self, Cli, Command};
use keel_bootstrap::{Application, Settings};
use reqwest::{Method, RequestBuilder, Response, StatusCode};
use serde_json::{Value, json};
use uuid::Uuid;

/// A fixed 32-byte key, so tests can also forge tokens with it.
pub const TEST_JWT_SECRET: &str = "e2e-secret-e2e-secret-e2e-secret-0123";

pub use keel_infrastructure::test_support::{fresh_database_url, on_postgres};

/// Settings for a test server on `database_url`.
pub fn test_settings(database_url: String) -> Settings {
    let mut settings = Settings {
        env: "test".into(),
        ..Settings::default()
    };
    settings.server.host = "127.0.0.1".into();
    settings.server.port = 0;
    settings.server.workers = 2;
    settings.server.shutdown_timeout_secs = 1;
    settings.database.url = database_url;
    settings.database.max_connections = 8;
    settings.auth.jwt_secret = Some(TEST_JWT_SECRET.to_owned().into());
    settings.auth.hash_concurrency = 2;
    settings.uploads.dir = std::env::temp_dir()
        .join(format!("keel-uploads-{}", Uuid::new_v4().simple()))
        .display()
        .to_string();
    settings.uploads.max_bytes = 64 * 1024;
    settings.mail.dir = std::env::temp_dir()
        .join(format!("keel-mail-{}", Uuid::new_v4().simple()))
        .display()
        .to_string();
    settings.jobs.poll_interval_ms = 50;
    settings.jobs.base_backoff_ms = 50;
    settings.jobs.max_backoff_secs = 1;
    settings
}

/// A running server and a client for it.
pub struct TestApp {
    /// `http://127.0.0.1:PORT`.
    pub address: String,
    /// The bound port.
    pub port: u16,
    /// A client without cookies or redirects.
    pub client: reqwest::Client,
    /// The settings the server runs with.
    pub settings: Settings,
    /// Shuts the server down as SIGTERM would.
    pub stopper: keel_bootstrap::startup::Stopper,
}

/// Starts the real server with the default test settings.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// Starts the real server after `customize` has adjusted the settings.
///
/// # Panics
/// When the server cannot be built.
pub async fn spawn_app_with(customize: impl FnOnce(&mut Settings)) -> TestApp {
    let mut settings = test_settings(fresh_database_url().await);
    customize(&mut settings);
    spawn_with_settings(settings).await
}

/// Starts the real server with exactly `settings` (e.g. a second server on
/// the database of a first one).
///
/// # Panics
/// When the server cannot be built.
pub async fn spawn_with_settings(settings: Settings) -> TestApp {
    let app = Application::build(settings.clone())
        .await
        .expect("server builds");
    let port = app.port();
    let stopper = app.stopper();
    tokio::spawn(app.run_until_stopped());
    TestApp {
        address: format!("http://127.0.0.1:{port}"),
        port,
        client: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client"),
        settings,
        stopper,
    }
}

/// Starts a server with Clerk enabled against `fake` (JWKS, Backend API and
/// webhooks with [`fake_clerk::WEBHOOK_SECRET`]).
pub async fn spawn_clerk_app(
    fake: &fake_clerk::FakeClerk,
    customize: impl FnOnce(&mut Settings),
) -> TestApp {
    let url = fake.url.clone();
    spawn_app_with(move |s| {
        s.clerk.enabled = true;
        s.clerk.issuer = fake_clerk::ISSUER.into();
        s.clerk.jwks_url = Some(format!("{url}/.well-known/jwks.json"));
        s.clerk.authorized_parties = fake_clerk::AZP.into();
        s.clerk.api_url = url;
        s.clerk.secret_key = Some("sk_test_keel".to_owned().into());
        s.clerk.webhook_secret = Some(fake_clerk::WEBHOOK_SECRET.to_owned().into());
        customize(s);
    })
    .await
}

/// A registered user's credentials and tokens.
#[derive(Debug, Clone)]
pub struct Account {
    /// Email as registered.
    pub email: String,
    /// Password.
    pub password: String,
    /// User id.
    pub id: String,
    /// Access token.
    pub access: String,
    /// Refresh token.
    pub refresh: String,
}

impl TestApp {
    /// Waits for the newest mail of `template` to `to` (see
    /// [`mailbox::wait_for_mails`]).
    pub async fn mail(&self, to: &str, template: &str) -> mailbox::ReceivedMail {
        self.mails(to, template, 1)
            .await
            .pop()
            .expect("at least one mail")
    }

    /// Waits for `count` mails of `template` to `to`, oldest first.
    pub async fn mails(
        &self,
        to: &str,
        template: &str,
        count: usize,
    ) -> Vec<mailbox::ReceivedMail> {
        mailbox::wait_for_mails(
            std::path::Path::new(&self.settings.mail.dir),
            to,
            template,
            count,
        )
        .await
    }

    /// Every mail written so far.
    pub fn all_mails(&self) -> Vec<mailbox::ReceivedMail> {
        mailbox::read_mails(std::path::Path::new(&self.settings.mail.dir))
    }

    /// An absolute URL for `path`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    /// A request builder for `path`.
    pub fn request(&self, method: Method, path: &str) -> RequestBuilder {
        self.client.request(method, self.url(path))
    }

    /// `GET path` with an optional bearer token.
    pub async fn get(&self, path: &str, token: Option<&str>) -> Response {
        let mut req = self.request(Method::GET, path);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        req.send().await.expect("request sent")
    }

    /// `METHOD path` with a JSON body and an optional bearer token.
    pub async fn send_json(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: &Value,
    ) -> Response {
        let mut req = self.request(method, path).json(body);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        req.send().await.expect("request sent")
    }

    /// `POST path` with a JSON body.
    pub async fn post_json(&self, path: &str, body: &Value) -> Response {
        self.send_json(Method::POST, path, None, body).await
    }

    /// Registers `email` and returns its tokens.
    ///
    /// # Panics
    /// When registration does not answer 201.
    pub async fn register(&self, email: &str, password: &str) -> Account {
        let res = self
            .post_json(
                "/api/v1/auth/register",
                &json!({"email": email, "password": password}),
            )
            .await;
        assert_eq!(res.status(), StatusCode::CREATED, "register {email}");
        account_from(email, password, res.json().await.expect("json"))
    }

    /// Registers a user with a random email.
    pub async fn register_random(&self) -> Account {
        let email = format!("user-{}@example.com", Uuid::new_v4().simple());
        self.register(&email, "correct horse battery").await
    }

    /// Logs in and returns the raw response.
    pub async fn login(&self, email: &str, password: &str) -> Response {
        self.post_json(
            "/api/v1/auth/login",
            &json!({"email": email, "password": password}),
        )
        .await
    }

    /// Runs `keel create-admin` against this server's database, then logs in.
    ///
    /// # Panics
    /// When the command or the login fails.
    pub async fn create_admin(&self, email: &str, password: &str) -> Account {
        self.run_create_admin(email, password).await;
        let res = self.login(email, password).await;
        assert_eq!(res.status(), StatusCode::OK, "admin login");
        account_from(email, password, res.json().await.expect("json"))
    }
}

impl TestApp {
    /// Posts a Svix-signed webhook delivery with `svix-id` `id`, signed now.
    pub async fn post_webhook(&self, id: &str, body: &Value) -> Response {
        let body = body.to_string();
        let ts = fake_clerk::now();
        let signature = fake_clerk::svix_signature(fake_clerk::WEBHOOK_SECRET, id, ts, &body);
        self.request(Method::POST, "/api/v1/webhooks/clerk")
            .header("content-type", "application/json")
            .header("svix-id", id)
            .header("svix-timestamp", ts.to_string())
            .header("svix-signature", signature)
            .body(body)
            .send()
            .await
            .expect("request sent")
    }

    /// Polls the admin event log until `count` events have `status`, at most
    /// ~10 s (the worker runs asynchronously); returns the events with it.
    ///
    /// # Panics
    /// When they do not arrive in time.
    pub async fn wait_for_events(&self, admin: &str, status: &str, count: usize) -> Vec<Value> {
        for _ in 0..200 {
            let page: Value = self
                .get(
                    &format!("/api/v1/admin/webhook-events?status={status}&size=100"),
                    Some(admin),
                )
                .await
                .json()
                .await
                .expect("json");
            let data = page["data"].as_array().cloned().unwrap_or_default();
            if data.len() >= count {
                return data;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!("{count} {status} webhook events did not appear");
    }

    /// Runs `keel create-admin --email E --password P` against this server's database.
    ///
    /// # Panics
    /// When the command fails.
    pub async fn run_create_admin(&self, email: &str, password: &str) {
        let cli = Cli {
            command: Some(Command::CreateAdmin {
                email: email.into(),
                password: password.into(),
            }),
        };
        cli::run(cli, self.settings.clone())
            .await
            .expect("create-admin");
    }
}

/// Builds an [`Account`] from a token response.
///
/// # Panics
/// When the body lacks the token fields.
pub fn account_from(email: &str, password: &str, body: Value) -> Account {
    Account {
        email: email.into(),
        password: password.into(),
        id: body["user"]["id"].as_str().expect("user.id").into(),
        access: body["access_token"].as_str().expect("access_token").into(),
        refresh: body["refresh_token"]
            .as_str()
            .expect("refresh_token")
            .into(),
    }
}

/// Asserts a problem+json response with `status` and returns its body.
///
/// # Panics
/// When the status or content type differ.
pub async fn assert_problem(res: Response, status: StatusCode) -> Value {
    assert_eq!(res.status(), status, "status");
    let ct = res
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert!(
        ct.starts_with("application/problem+json"),
        "content type {ct:?}"
    );
    let body: Value = res.json().await.expect("problem body");
    assert_eq!(body["status"], status.as_u16());
    assert!(body["title"].is_string() && body["type"].is_string() && body["detail"].is_string());
    body
}

/// A WebSocket client connection.
pub type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

impl TestApp {
    /// Opens `/ws` with the token in `Authorization` (`query = false`) or
    /// in `?token=`; the handshake's error (e.g. its HTTP status) otherwise.
    ///
    /// # Errors
    /// The client's handshake error.
    pub async fn try_ws(
        &self,
        token: Option<&str>,
        query: bool,
    ) -> Result<Ws, tokio_tungstenite::tungstenite::Error> {
        use tokio_tungstenite::tungstenite::client::IntoClientRequest;
        let mut url = format!("ws://127.0.0.1:{}/ws", self.port);
        if let (Some(t), true) = (token, query) {
            url.push_str(&format!("?token={t}"));
        }
        let mut request = url.into_client_request()?;
        if let (Some(t), false) = (token, query) {
            request.headers_mut().insert(
                "authorization",
                format!("Bearer {t}").parse().expect("a header value"),
            );
        }
        tokio_tungstenite::connect_async(request)
            .await
            .map(|(ws, _)| ws)
    }

    /// Opens `/ws` for `token` (in the `Authorization` header).
    ///
    /// # Panics
    /// When the handshake fails.
    pub async fn ws(&self, token: &str) -> Ws {
        self.try_ws(Some(token), false).await.expect("socket opens")
    }
}

/// What a socket receives next, skipping pings and pongs: a JSON text frame,
/// or `Err(close code)` when it closes; `None` when nothing arrives in `wait`.
///
/// # Panics
/// On a text frame that is not JSON.
pub async fn next_frame(ws: &mut Ws, wait: std::time::Duration) -> Option<Result<Value, u16>> {
    use futures_util::StreamExt;
    use tokio_tungstenite::tungstenite::Message;
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        let message = tokio::time::timeout_at(deadline, ws.next()).await.ok()?;
        match message {
            Some(Ok(Message::Text(text))) => {
                return Some(Ok(serde_json::from_str(&text).expect("a JSON frame")));
            }
            Some(Ok(Message::Close(frame))) => {
                return Some(Err(frame.map_or(1005, |f| u16::from(f.code))));
            }
            Some(Ok(_)) => {}
            Some(Err(e)) => {
                eprintln!("socket error: {e:?}");
                return Some(Err(1006));
            }
            None => return Some(Err(1006)),
        }
    }
}

/// The real `keel` binary serving on the database of a [`TestApp`], as a
/// second process; killed when dropped.
pub struct KeelProcess {
    child: std::process::Child,
    /// The port it listens on.
    pub port: u16,
}

impl Drop for KeelProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl KeelProcess {
    /// `http://127.0.0.1:PORT`.
    pub fn address(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Sends SIGTERM and waits up to `wait` for the process to exit; whether
    /// it did.
    pub fn terminate(&mut self, wait: std::time::Duration) -> bool {
        let _ = std::process::Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let deadline = std::time::Instant::now() + wait;
        while std::time::Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return true;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        false
    }
}

/// The `keel` binary `make test` builds and names in `KEEL_BIN`.
pub fn keel_bin() -> Option<String> {
    std::env::var("KEEL_BIN")
        .ok()
        .filter(|b| std::path::Path::new(b).exists())
}

/// Starts the binary at `bin` (e.g. `KEEL_BIN`, which `make test` sets) with
/// the database, secret and upload folder of `settings`.
///
/// # Panics
/// When it does not start and log its port within 30 s.
pub fn spawn_process(bin: &str, settings: &Settings) -> KeelProcess {
    spawn_process_with(bin, settings, &[])
}

/// [`spawn_process`] with more environment variables (settings such as
/// `APP__AUTH__SESSION_CACHE_TTL_SECS`).
///
/// # Panics
/// When it does not start and log its port within 30 s.
pub fn spawn_process_with(bin: &str, settings: &Settings, env: &[(&str, &str)]) -> KeelProcess {
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};
    let mut child = Command::new(bin)
        .arg("serve")
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("APP_ENV", "test")
        .env("APP__SERVER__HOST", "127.0.0.1")
        .env("APP__SERVER__PORT", "0")
        .env("APP__SERVER__WORKERS", "2")
        .env("DATABASE_URL", &settings.database.url)
        .env("APP__AUTH__JWT_SECRET", TEST_JWT_SECRET)
        .env("APP__UPLOADS__DIR", &settings.uploads.dir)
        .env("APP__LOG__FORMAT", "json")
        .env("RUST_LOG", "info")
        .envs(env.iter().copied())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("the keel binary starts");
    let stdout = child.stdout.take().expect("piped stdout");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Some(rest) = line.split("listening on http://127.0.0.1:").nth(1) {
                let port: String = rest.chars().take_while(char::is_ascii_digit).collect();
                let _ = tx.send(port.parse::<u16>().ok());
            }
        }
    });
    let port = rx
        .recv_timeout(std::time::Duration::from_secs(30))
        .ok()
        .flatten()
        .expect("keel logs its port");
    KeelProcess { child, port }
}

/// A second instance on the database of a first one: the real binary in its
/// own process when `make test` names it (`KEEL_BIN`, started with `env`),
/// else a second in-process server with the first one's settings.
pub struct SecondInstance {
    /// Talks to the second instance.
    pub app: TestApp,
    _process: Option<KeelProcess>,
    _in_process: Option<TestApp>,
}

/// Starts a [`SecondInstance`] beside `first`; `env` should say what the
/// customisation of `first` said, for the process.
pub async fn second_instance(first: &TestApp, env: &[(&str, &str)]) -> SecondInstance {
    let (port, process, in_process) = match keel_bin() {
        Some(bin) => {
            let p = spawn_process_with(&bin, &first.settings, env);
            (p.port, Some(p), None)
        }
        None => {
            let app = spawn_with_settings(first.settings.clone()).await;
            (app.port, None, Some(app))
        }
    };
    SecondInstance {
        app: TestApp {
            address: format!("http://127.0.0.1:{port}"),
            port,
            client: first.client.clone(),
            settings: first.settings.clone(),
            stopper: first.stopper.clone(),
        },
        _process: process,
        _in_process: in_process,
    }
}
