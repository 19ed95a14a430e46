//! The workspace over HTTP: items, projects and agents (owner scoping, PUT
//! and PATCH, admins), chat with the offline assistant, failures kept.

use keel_e2e::{Account, TestApp, assert_problem, spawn_app};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

async fn send(
    app: &TestApp,
    method: Method,
    path: &str,
    who: &Account,
    body: &Value,
) -> reqwest::Response {
    app.send_json(method, path, Some(&who.access), body).await
}

async fn json_of(res: reqwest::Response, status: StatusCode) -> Value {
    let got = res.status();
    let body: Value = res.json().await.unwrap();
    assert_eq!(got, status, "{body}");
    body
}

async fn delete(app: &TestApp, path: &str, who: &Account) -> StatusCode {
    app.request(Method::DELETE, path)
        .bearer_auth(&who.access)
        .send()
        .await
        .unwrap()
        .status()
}

#[tokio::test]
async fn items_are_owner_scoped_with_put_patch_and_delete() {
    let app = spawn_app().await;
    let me = app.register_random().await;
    let other = app.register_random().await;
    let admin = app
        .create_admin("boss@example.com", "a long admin password")
        .await;

    let item = json_of(
        send(
            &app,
            Method::POST,
            "/api/v1/items",
            &me,
            &json!({"title": " Groceries ", "description": "milk\neggs"}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(item["title"], "Groceries");
    assert_eq!(item["description"], "milk\neggs", "line breaks are kept");
    assert_eq!(item["owner_id"], me.id.as_str());
    let path = format!("/api/v1/items/{}", item["id"].as_str().unwrap());
    json_of(
        send(
            &app,
            Method::POST,
            "/api/v1/items",
            &other,
            &json!({"title": "Theirs"}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;

    let mine = json_of(
        app.get("/api/v1/items", Some(&me.access)).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(mine["total"], 1);
    assert_eq!(mine["data"][0]["id"], item["id"]);
    let all = json_of(
        app.get("/api/v1/items", Some(&admin.access)).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(all["total"], 2, "admins list everyone's");

    // Someone else's id is 404 whatever the method; an admin reads it.
    assert_problem(
        app.get(&path, Some(&other.access)).await,
        StatusCode::NOT_FOUND,
    )
    .await;
    assert_problem(
        send(
            &app,
            Method::PATCH,
            &path,
            &other,
            &json!({"title": "Mine now"}),
        )
        .await,
        StatusCode::NOT_FOUND,
    )
    .await;
    assert_problem(
        send(
            &app,
            Method::PUT,
            &path,
            &other,
            &json!({"title": "Mine now"}),
        )
        .await,
        StatusCode::NOT_FOUND,
    )
    .await;
    assert_eq!(delete(&app, &path, &other).await, StatusCode::NOT_FOUND);
    json_of(app.get(&path, Some(&admin.access)).await, StatusCode::OK).await;

    let patched = json_of(
        send(
            &app,
            Method::PATCH,
            &path,
            &me,
            &json!({"title": "Errands"}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(patched["title"], "Errands");
    assert_eq!(patched["description"], "milk\neggs", "PATCH keeps the rest");
    let cleared = json_of(
        send(
            &app,
            Method::PATCH,
            &path,
            &me,
            &json!({"description": null}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(cleared["description"], Value::Null);
    let replaced = json_of(
        send(
            &app,
            Method::PUT,
            &path,
            &me,
            &json!({"title": "Week plan", "description": "all of it"}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(replaced["description"], "all of it");
    let replaced = json_of(
        send(
            &app,
            Method::PUT,
            &path,
            &me,
            &json!({"title": "Week plan"}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        replaced["description"],
        Value::Null,
        "PUT clears what it leaves out"
    );
    assert_eq!(replaced["created_at"], item["created_at"]);

    let bad = assert_problem(
        send(
            &app,
            Method::POST,
            "/api/v1/items",
            &me,
            &json!({"title": "  "}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(bad["errors"][0]["field"], "title");
    assert_problem(
        send(
            &app,
            Method::POST,
            "/api/v1/items",
            &me,
            &json!({"title": "x", "owner_id": other.id}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_problem(
        app.get("/api/v1/items", None).await,
        StatusCode::UNAUTHORIZED,
    )
    .await;

    assert_eq!(delete(&app, &path, &me).await, StatusCode::NO_CONTENT);
    assert_problem(
        app.get(&path, Some(&me.access)).await,
        StatusCode::NOT_FOUND,
    )
    .await;
}

#[tokio::test]
async fn agents_take_only_their_owners_projects_and_outlive_a_deleted_project() {
    let app = spawn_app().await;
    let me = app.register_random().await;
    let other = app.register_random().await;
    let project = json_of(
        send(
            &app,
            Method::POST,
            "/api/v1/projects",
            &me,
            &json!({"name": "Launch"}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let theirs = json_of(
        send(
            &app,
            Method::POST,
            "/api/v1/projects",
            &other,
            &json!({"name": "Secret"}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let refused = assert_problem(
        send(
            &app,
            Method::POST,
            "/api/v1/agents",
            &me,
            &json!({"name": "Spy", "project_id": theirs["id"]}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(refused["errors"][0]["field"], "project_id");
    let agent = json_of(
        send(
            &app,
            Method::POST,
            "/api/v1/agents",
            &me,
            &json!({
                "name": "Planner", "project_id": project["id"], "provider": "local",
                "model": "none", "instructions": "Plan the launch.\nBe brief."
            }),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(agent["status"], "active");
    assert_eq!(agent["provider"], "local");
    assert_eq!(agent["project_id"], project["id"]);
    let agent_path = format!("/api/v1/agents/{}", agent["id"].as_str().unwrap());
    assert_problem(
        send(
            &app,
            Method::PATCH,
            &agent_path,
            &me,
            &json!({"status": "sleeping"}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    let busy = json_of(
        send(
            &app,
            Method::PATCH,
            &agent_path,
            &me,
            &json!({"status": "processing", "model": null}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(busy["status"], "processing");
    assert_eq!(busy["model"], Value::Null);
    assert_eq!(busy["instructions"], agent["instructions"]);

    let project_path = format!("/api/v1/projects/{}", project["id"].as_str().unwrap());
    let patched = json_of(
        send(
            &app,
            Method::PATCH,
            &project_path,
            &me,
            &json!({"description": "Q3\nlaunch"}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(patched["name"], "Launch");
    assert_eq!(patched["description"], "Q3\nlaunch");
    let read = json_of(
        app.get(&project_path, Some(&me.access)).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(read["description"], "Q3\nlaunch");
    assert_problem(
        app.get(&project_path, Some(&other.access)).await,
        StatusCode::NOT_FOUND,
    )
    .await;
    let mine = json_of(
        app.get("/api/v1/projects", Some(&me.access)).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(mine["total"], 1, "only my project, not theirs");
    assert_eq!(mine["data"][0]["id"], project["id"]);
    // PUT on an agent replaces it whole: what is left out is cleared or defaulted.
    let replaced = json_of(
        send(
            &app,
            Method::PUT,
            &agent_path,
            &me,
            &json!({"name": "Planner", "project_id": project["id"]}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(replaced["status"], "active");
    assert_eq!(replaced["instructions"], Value::Null);
    assert_eq!(replaced["provider"], Value::Null);
    assert_eq!(replaced["created_at"], agent["created_at"]);
    let renamed = json_of(
        send(
            &app,
            Method::PUT,
            &project_path,
            &me,
            &json!({"name": "Relaunch"}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(renamed["name"], "Relaunch");
    assert_eq!(
        delete(&app, &project_path, &me).await,
        StatusCode::NO_CONTENT
    );
    let kept = json_of(app.get(&agent_path, Some(&me.access)).await, StatusCode::OK).await;
    assert_eq!(
        kept["project_id"],
        Value::Null,
        "the agent stays, without a project"
    );
    assert_eq!(kept["name"], "Planner");
    let list = json_of(
        app.get("/api/v1/agents", Some(&me.access)).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(list["total"], 1);
    assert_problem(
        app.get(&agent_path, Some(&other.access)).await,
        StatusCode::NOT_FOUND,
    )
    .await;
}

#[tokio::test]
async fn chat_answers_with_the_offline_assistant_keeps_history_and_context() {
    let app = spawn_app().await;
    let me = app.register_random().await;
    let other = app.register_random().await;
    let agent = json_of(
        send(
            &app,
            Method::POST,
            "/api/v1/agents",
            &me,
            &json!({"name": "Echo", "instructions": "Repeat."}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let first = json_of(
        send(
            &app,
            Method::POST,
            "/api/v1/chat",
            &me,
            &json!({"message": "hello there", "agent_id": agent["id"]}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(first["status"], "completed");
    assert_eq!(first["message"], "hello there");
    assert_eq!(first["agent_id"], agent["id"]);
    let reply = first["response"].as_str().unwrap();
    assert!(reply.starts_with("[offline assistant"), "{reply}");
    assert!(reply.contains("\"hello there\""));
    let second = json_of(
        send(
            &app,
            Method::POST,
            "/api/v1/chat",
            &me,
            &json!({"message": "again", "agent_id": agent["id"]}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    assert!(
        second["response"]
            .as_str()
            .unwrap()
            .contains("1 earlier exchange"),
        "the first exchange is context of the second"
    );
    let plain = json_of(
        send(
            &app,
            Method::POST,
            "/api/v1/chat",
            &me,
            &json!({"message": "no agent"}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    assert!(
        !plain["response"]
            .as_str()
            .unwrap()
            .contains("earlier exchange"),
        "another conversation"
    );

    let all = json_of(
        app.get("/api/v1/chat", Some(&me.access)).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(all["total"], 3);
    assert_eq!(all["data"][0]["id"], plain["id"], "newest first");
    let with_agent = json_of(
        app.get(
            &format!("/api/v1/chat?agent_id={}", agent["id"].as_str().unwrap()),
            Some(&me.access),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(with_agent["total"], 2);
    let path = format!("/api/v1/chat/{}", first["id"].as_str().unwrap());
    let read = json_of(app.get(&path, Some(&me.access)).await, StatusCode::OK).await;
    assert_eq!(read["response"], first["response"]);
    assert_problem(
        app.get(&path, Some(&other.access)).await,
        StatusCode::NOT_FOUND,
    )
    .await;
    let theirs = json_of(
        app.get("/api/v1/chat", Some(&other.access)).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(theirs["total"], 0);

    // Someone else's agent is 404; an inactive one 409; a blank message 422.
    assert_problem(
        send(
            &app,
            Method::POST,
            "/api/v1/chat",
            &other,
            &json!({"message": "hi", "agent_id": agent["id"]}),
        )
        .await,
        StatusCode::NOT_FOUND,
    )
    .await;
    let agent_path = format!("/api/v1/agents/{}", agent["id"].as_str().unwrap());
    json_of(
        send(
            &app,
            Method::PATCH,
            &agent_path,
            &me,
            &json!({"status": "inactive"}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_problem(
        send(
            &app,
            Method::POST,
            "/api/v1/chat",
            &me,
            &json!({"message": "hi", "agent_id": agent["id"]}),
        )
        .await,
        StatusCode::CONFLICT,
    )
    .await;
    let bad = assert_problem(
        send(
            &app,
            Method::POST,
            "/api/v1/chat",
            &me,
            &json!({"message": " \n "}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(bad["errors"][0]["field"], "message");

    // Deleting the agent keeps its chats, addressed to no agent.
    assert_eq!(delete(&app, &agent_path, &me).await, StatusCode::NO_CONTENT);
    let read = json_of(app.get(&path, Some(&me.access)).await, StatusCode::OK).await;
    assert_eq!(read["agent_id"], Value::Null);
}

#[tokio::test]
async fn a_provider_that_is_not_configured_is_a_502_and_the_exchange_is_kept_as_failed() {
    let app = spawn_app().await;
    let me = app.register_random().await;
    let agent = json_of(
        send(
            &app,
            Method::POST,
            "/api/v1/agents",
            &me,
            &json!({"name": "Cloud", "provider": "bedrock"}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let problem = assert_problem(
        send(
            &app,
            Method::POST,
            "/api/v1/chat",
            &me,
            &json!({"message": "hi", "agent_id": agent["id"]}),
        )
        .await,
        StatusCode::BAD_GATEWAY,
    )
    .await;
    assert!(problem["detail"].as_str().unwrap().contains("bedrock"));
    let chat_id = problem["chat_id"].as_str().expect("the kept exchange");
    let kept = json_of(
        app.get(&format!("/api/v1/chat/{chat_id}"), Some(&me.access))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(kept["status"], "failed");
    assert_eq!(kept["response"], Value::Null);
    assert!(kept["error"].as_str().unwrap().contains("not configured"));
}

#[tokio::test]
async fn an_openai_agent_streams_from_an_openai_compatible_server_and_a_refusal_is_a_502() {
    use keel_infrastructure::test_support::fake_http::{Step, openai_reply, serve};
    let (base, seen) = serve(openai_reply(&["Bon", "jour"])).await;
    let app = keel_e2e::spawn_app_with(|s| {
        s.assistant.openai.base_url = base;
        s.assistant.openai.model = Some("llama3".into());
    })
    .await;
    let me = app.register_random().await;
    let agent = json_of(
        send(&app, Method::POST, "/api/v1/agents", &me,
            &json!({"name": "Local LLM", "provider": "openai", "instructions": "Answer in French."})).await,
        StatusCode::CREATED,
    )
    .await;
    let chat = json_of(
        send(
            &app,
            Method::POST,
            "/api/v1/chat",
            &me,
            &json!({"message": "hello", "agent_id": agent["id"]}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(chat["response"], "Bonjour");
    assert_eq!(chat["status"], "completed");
    let sent = seen.lock().unwrap()[0].clone();
    assert!(sent.contains("\"model\":\"llama3\""), "{sent}");
    assert!(sent.contains("Answer in French."));

    let body = r#"{"error":{"message":"model not found"}}"#;
    let (base, _) = serve(vec![Step::Write(
        format!(
            "HTTP/1.1 404 Not Found\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
            body.len()
        )
        .into_bytes(),
    )])
    .await;
    let failing = keel_e2e::spawn_app_with(|s| {
        s.assistant.default = "openai".into();
        s.assistant.openai.base_url = base;
        s.assistant.openai.model = Some("missing".into());
    })
    .await;
    let me = failing.register_random().await;
    let problem = assert_problem(
        send(
            &failing,
            Method::POST,
            "/api/v1/chat",
            &me,
            &json!({"message": "hi"}),
        )
        .await,
        StatusCode::BAD_GATEWAY,
    )
    .await;
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("model not found")
    );
    let kept = json_of(
        failing
            .get(
                &format!("/api/v1/chat/{}", problem["chat_id"].as_str().unwrap()),
                Some(&me.access),
            )
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(kept["status"], "failed");
}

#[tokio::test]
async fn a_rest_client_that_hangs_up_mid_reply_still_gets_its_exchange_stored() {
    use keel_infrastructure::test_support::fake_http::{
        Step, chunk, openai_delta, serve, sse_head,
    };
    let (base, _) = serve(vec![
        sse_head(),
        openai_delta("slow"),
        Step::Sleep(1_500),
        openai_delta(" reply"),
        chunk("data: [DONE]\n\n"),
        chunk(""),
    ])
    .await;
    let app = keel_e2e::spawn_app_with(|s| {
        s.assistant.default = "openai".into();
        s.assistant.openai.base_url = base;
        s.assistant.openai.model = Some("llama3".into());
    })
    .await;
    let me = app.register_random().await;
    let gave_up = app
        .request(Method::POST, "/api/v1/chat")
        .bearer_auth(&me.access)
        .json(&json!({"message": "take your time"}))
        .timeout(std::time::Duration::from_millis(300))
        .send()
        .await;
    assert!(
        gave_up.is_err(),
        "the client hung up before the reply ended"
    );
    let mut last = Value::Null;
    for _ in 0..50 {
        last = json_of(
            app.get("/api/v1/chat", Some(&me.access)).await,
            StatusCode::OK,
        )
        .await;
        if last["data"][0]["status"] != "pending" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(last["data"][0]["status"], "completed", "{last}");
    assert_eq!(last["data"][0]["response"], "slow reply");
}
