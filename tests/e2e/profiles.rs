//! Profiles over HTTP: the caller's profile, contacts, job history,
//! visibility for strangers, owners and admins, search, soft deletes.

use keel_e2e::{Account, TestApp, assert_problem, spawn_app};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

async fn put_profile(app: &TestApp, who: &Account, body: &Value) -> reqwest::Response {
    app.send_json(
        Method::PUT,
        "/api/v1/users/me/profile",
        Some(&who.access),
        body,
    )
    .await
}

fn ada(is_public: bool, allow_contact: bool) -> Value {
    json!({
        "first_name": "Ada", "last_name": "Lovelace", "date_of_birth": "1990-12-10",
        "gender": "female", "bio": "Writes programs for engines",
        "is_public": is_public, "allow_contact": allow_contact,
        "location": {"country": "gb", "city": "London", "postal_code": "SW1A 1AA"}
    })
}

async fn json_of(res: reqwest::Response, status: StatusCode) -> Value {
    assert_eq!(res.status(), status);
    res.json().await.unwrap()
}

#[tokio::test]
async fn my_profile_is_404_until_put_then_created_then_replaced_then_deleted() {
    let app = spawn_app().await;
    let me = app.register_random().await;
    assert_problem(
        app.get("/api/v1/users/me/profile", Some(&me.access)).await,
        StatusCode::NOT_FOUND,
    )
    .await;
    let created = json_of(
        put_profile(&app, &me, &ada(true, false)).await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(created["first_name"], "Ada");
    assert_eq!(created["location"]["country"], "GB");
    assert_eq!(created["gender"], "female");
    let mut changed = ada(false, false);
    changed["first_name"] = json!("Augusta");
    let replaced = json_of(put_profile(&app, &me, &changed).await, StatusCode::OK).await;
    assert_eq!(replaced["id"], created["id"]);
    assert_eq!(replaced["first_name"], "Augusta");
    assert_eq!(replaced["created_at"], created["created_at"]);
    let read = json_of(
        app.get("/api/v1/users/me/profile", Some(&me.access)).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(read["is_public"], false);

    let deleted = app
        .request(Method::DELETE, "/api/v1/users/me/profile")
        .bearer_auth(&me.access)
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    assert_problem(
        app.get("/api/v1/users/me/profile", Some(&me.access)).await,
        StatusCode::NOT_FOUND,
    )
    .await;
    assert_problem(
        app.get(
            &format!("/api/v1/profiles/{}", created["id"].as_str().unwrap()),
            None,
        )
        .await,
        StatusCode::NOT_FOUND,
    )
    .await;
    // A PUT after the delete creates it again.
    assert_eq!(
        put_profile(&app, &me, &ada(true, false)).await.status(),
        StatusCode::CREATED
    );
}

#[tokio::test]
async fn bad_profiles_are_422_naming_each_field() {
    let app = spawn_app().await;
    let me = app.register_random().await;
    let body = json!({
        "first_name": " ", "last_name": "L", "date_of_birth": "2999-01-01",
        "location": {"country": "XX"}
    });
    let problem = assert_problem(
        put_profile(&app, &me, &body).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    let mut fields: Vec<&str> = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    fields.sort_unstable();
    assert_eq!(fields, ["date_of_birth", "first_name", "location.country"]);
    assert_problem(
        put_profile(
            &app,
            &me,
            &json!({"first_name": "A", "last_name": "B", "gender": "robot"}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
}

#[tokio::test]
async fn contacts_and_jobs_are_mine_alone_with_one_primary_per_type() {
    let app = spawn_app().await;
    let me = app.register_random().await;
    let other = app.register_random().await;
    put_profile(&app, &me, &ada(true, true)).await;
    put_profile(&app, &other, &ada(true, true)).await;
    let add = |who: &Account, path: &'static str, body: Value| {
        let token = who.access.clone();
        let app = &app;
        async move {
            app.send_json(
                Method::POST,
                &format!("/api/v1/users/me/profile/{path}"),
                Some(&token),
                &body,
            )
            .await
        }
    };
    let first = json_of(
        add(
            &me,
            "contacts",
            json!({"type": "phone", "value": "+44 20 7946 0000", "is_primary": true}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let second = json_of(
        add(
            &me,
            "contacts",
            json!({"type": "phone", "value": "+44 20 7946 0001", "is_primary": true}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    assert_problem(
        add(
            &me,
            "contacts",
            json!({"type": "email", "value": "not an email"}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_problem(
        add(&me, "contacts", json!({"type": "fax", "value": "1"})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    let contacts = json_of(
        app.get("/api/v1/users/me/profile/contacts", Some(&me.access))
            .await,
        StatusCode::OK,
    )
    .await;
    let primaries: Vec<&Value> = contacts
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["is_primary"] == true)
        .collect();
    assert_eq!(primaries.len(), 1);
    assert_eq!(primaries[0]["id"], second["id"]);

    let first_id = first["id"].as_str().unwrap();
    // Another user's contact is 404, never 403.
    assert_problem(
        app.send_json(
            Method::PATCH,
            &format!("/api/v1/users/me/profile/contacts/{first_id}"),
            Some(&other.access),
            &json!({"value": "+1 555 0100"}),
        )
        .await,
        StatusCode::NOT_FOUND,
    )
    .await;
    let patched = json_of(
        app.send_json(
            Method::PATCH,
            &format!("/api/v1/users/me/profile/contacts/{first_id}"),
            Some(&me.access),
            &json!({"type": "website", "value": "https://ada.dev"}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(patched["type"], "website");

    let job = json_of(
        add(
            &me,
            "jobs",
            json!({"title": "Analyst", "company": "Engines Ltd", "start_date": "2020-01-01"}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    assert_problem(add(&me, "jobs", json!({"title": "T", "company": "C", "start_date": "2020-01-02", "end_date": "2020-01-01"})).await, StatusCode::UNPROCESSABLE_ENTITY).await;
    let job_id = job["id"].as_str().unwrap();
    assert_problem(
        app.send_json(
            Method::PATCH,
            &format!("/api/v1/users/me/profile/jobs/{job_id}"),
            Some(&me.access),
            &json!({"end_date": "2019-12-31"}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    let ended = json_of(
        app.send_json(
            Method::PATCH,
            &format!("/api/v1/users/me/profile/jobs/{job_id}"),
            Some(&me.access),
            &json!({"end_date": "2021-06-30", "industry": "Computing"}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(ended["end_date"], "2021-06-30");
    let del = |who: &Account, path: String| {
        let token = who.access.clone();
        let app = &app;
        async move {
            app.request(Method::DELETE, &path)
                .bearer_auth(token)
                .send()
                .await
                .unwrap()
        }
    };
    assert_eq!(
        del(&other, format!("/api/v1/users/me/profile/jobs/{job_id}"))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        del(&me, format!("/api/v1/users/me/profile/jobs/{job_id}"))
            .await
            .status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        del(&me, format!("/api/v1/users/me/profile/jobs/{job_id}"))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    let jobs = json_of(
        app.get("/api/v1/users/me/profile/jobs", Some(&me.access))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(jobs, json!([]));
}

#[tokio::test]
async fn strangers_owners_and_admins_see_what_they_may() {
    let app = spawn_app().await;
    let admin = app.create_admin("root@example.com", "admin password").await;
    let owner = app.register_random().await;
    let stranger = app.register_random().await;
    let created = json_of(
        put_profile(&app, &owner, &ada(true, false)).await,
        StatusCode::CREATED,
    )
    .await;
    let id = created["id"].as_str().unwrap().to_owned();
    app.send_json(
        Method::POST,
        "/api/v1/users/me/profile/contacts",
        Some(&owner.access),
        &json!({"type": "email", "value": "ada@example.org"}),
    )
    .await;
    let path = format!("/api/v1/profiles/{id}");

    let anonymous = json_of(app.get(&path, None).await, StatusCode::OK).await;
    assert_eq!(
        anonymous["contacts"],
        json!([]),
        "contacts hidden without allow_contact"
    );
    let mine = json_of(app.get(&path, Some(&owner.access)).await, StatusCode::OK).await;
    assert_eq!(mine["contacts"].as_array().unwrap().len(), 1);
    put_profile(&app, &owner, &ada(true, true)).await;
    let allowed = json_of(app.get(&path, Some(&stranger.access)).await, StatusCode::OK).await;
    assert_eq!(allowed["contacts"].as_array().unwrap().len(), 1);

    put_profile(&app, &owner, &ada(false, true)).await;
    assert_problem(
        app.get(&path, Some(&stranger.access)).await,
        StatusCode::NOT_FOUND,
    )
    .await;
    assert_problem(app.get(&path, None).await, StatusCode::NOT_FOUND).await;
    assert_eq!(
        app.get(&path, Some(&owner.access)).await.status(),
        StatusCode::OK
    );
    assert_eq!(
        app.get(&path, Some(&admin.access)).await.status(),
        StatusCode::OK
    );
    let listed = json_of(
        app.get("/api/v1/profiles", Some(&admin.access)).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(listed["total"], 1, "admins list private profiles too");
    let public = json_of(app.get("/api/v1/profiles", None).await, StatusCode::OK).await;
    assert_eq!(public["total"], 0);
    // A bad token on a public route is still a 401.
    assert_problem(
        app.get("/api/v1/profiles", Some("not-a-token")).await,
        StatusCode::UNAUTHORIZED,
    )
    .await;
    assert_problem(
        app.get(&format!("/api/v1/profiles/{}", uuid::Uuid::now_v7()), None)
            .await,
        StatusCode::NOT_FOUND,
    )
    .await;
}

#[tokio::test]
async fn search_filters_by_term_country_and_city_and_forgets_deactivated_users() {
    let app = spawn_app().await;
    let admin = app.create_admin("root@example.com", "admin password").await;
    let london = app.register_random().await;
    let paris = app.register_random().await;
    put_profile(&app, &london, &ada(true, false)).await;
    put_profile(
        &app,
        &paris,
        &json!({"first_name": "Blaise", "last_name": "Pascal", "is_public": true,
                "location": {"country": "FR", "city": "Paris"}}),
    )
    .await;
    let names = |query: &'static str| {
        let app = &app;
        async move {
            let page = json_of(
                app.get(&format!("/api/v1/profiles?{query}"), None).await,
                StatusCode::OK,
            )
            .await;
            let mut names: Vec<String> = page["data"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| p["first_name"].as_str().unwrap().to_owned())
                .collect();
            names.sort();
            names
        }
    };
    assert_eq!(names("").await, ["Ada", "Blaise"]);
    assert_eq!(names("q=PASC").await, ["Blaise"]);
    assert_eq!(names("q=engines").await, ["Ada"]);
    assert_eq!(names("country=gb").await, ["Ada"]);
    assert_eq!(names("city=paris").await, ["Blaise"]);
    assert_eq!(names("q=nobody&size=5").await, Vec::<String>::new());
    for bad in ["Narnia", ""] {
        assert_problem(
            app.get(&format!("/api/v1/profiles?country={bad}"), None)
                .await,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }

    // Deactivating the user takes the profile out of search and public reads at once.
    let me: Value = app
        .get("/api/v1/users/me", Some(&paris.access))
        .await
        .json()
        .await
        .unwrap();
    let res = app
        .send_json(
            Method::PATCH,
            &format!("/api/v1/users/{}", me["id"].as_str().unwrap()),
            Some(&admin.access),
            &json!({"is_active": false}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(names("").await, ["Ada"]);
}

#[tokio::test]
async fn a_picture_upload_needs_a_profile_and_an_image_and_sets_the_url() {
    use base64::Engine as _;
    let app = spawn_app().await;
    let me = app.register_random().await;
    let png = base64::engine::general_purpose::STANDARD
        .decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==")
        .unwrap();
    let upload = |bytes: Vec<u8>| {
        let token = me.access.clone();
        let app = &app;
        async move {
            let part = reqwest::multipart::Part::bytes(bytes).file_name("me.png");
            app.request(Method::POST, "/api/v1/users/me/profile/picture")
                .bearer_auth(token)
                .multipart(reqwest::multipart::Form::new().part("file", part))
                .send()
                .await
                .unwrap()
        }
    };
    assert_problem(upload(png.clone()).await, StatusCode::NOT_FOUND).await;
    put_profile(&app, &me, &ada(true, false)).await;
    assert_problem(
        upload(b"<html>".to_vec()).await,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
    )
    .await;
    let profile = json_of(upload(png.clone()).await, StatusCode::OK).await;
    let url = profile["profile_picture_url"].as_str().unwrap().to_owned();
    assert!(
        url.starts_with("/api/v1/images/") && url.ends_with(".png"),
        "{url}"
    );
    let served = app.get(&url, None).await;
    assert_eq!(served.status(), StatusCode::OK);
    assert_eq!(served.bytes().await.unwrap().to_vec(), png);
}

#[tokio::test]
async fn the_document_lists_every_profile_route() {
    let app = spawn_app().await;
    let doc: Value = app
        .get("/api/v1/openapi.json", None)
        .await
        .json()
        .await
        .unwrap();
    for (path, method) in [
        ("/api/v1/users/me/profile", "get"),
        ("/api/v1/users/me/profile", "put"),
        ("/api/v1/users/me/profile", "delete"),
        ("/api/v1/users/me/profile/picture", "post"),
        ("/api/v1/users/me/profile/contacts", "get"),
        ("/api/v1/users/me/profile/contacts", "post"),
        ("/api/v1/users/me/profile/contacts/{id}", "patch"),
        ("/api/v1/users/me/profile/contacts/{id}", "delete"),
        ("/api/v1/users/me/profile/jobs", "get"),
        ("/api/v1/users/me/profile/jobs", "post"),
        ("/api/v1/users/me/profile/jobs/{id}", "patch"),
        ("/api/v1/users/me/profile/jobs/{id}", "delete"),
        ("/api/v1/profiles", "get"),
        ("/api/v1/profiles/{id}", "get"),
    ] {
        assert!(doc["paths"][path][method].is_object(), "{method} {path}");
    }
    // A method the path does not declare is 405 with Allow.
    let res = app
        .request(Method::POST, "/api/v1/users/me/profile")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert!(res.headers()["allow"].to_str().unwrap().contains("PUT"));
}
