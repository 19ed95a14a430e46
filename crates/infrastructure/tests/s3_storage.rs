//! The S3 adapter against an S3-compatible server on loopback: a small
//! in-process fake that keeps objects in memory, answers like S3 (ETag,
//! Last-Modified, 404 NoSuchKey) and records how each request was signed.

use std::collections::HashMap;
use std::sync::Mutex;

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use keel_domain::catalog::{FileStorage, ImageType, StorageKey};
use keel_infrastructure::storage::{S3Config, S3FileStorage};

#[derive(Default)]
struct Bucket {
    objects: Mutex<HashMap<String, (Vec<u8>, String)>>,
    signatures: Mutex<Vec<String>>,
}

async fn object(req: HttpRequest, body: web::Bytes, bucket: web::Data<Bucket>) -> HttpResponse {
    let path = req.path().to_owned();
    let auth = req
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    bucket.signatures.lock().unwrap().push(auth);
    let mut objects = bucket.objects.lock().unwrap();
    match *req.method() {
        actix_web::http::Method::PUT => {
            let content_type = req
                .headers()
                .get("content-type")
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_owned();
            objects.insert(path, (body.to_vec(), content_type));
            HttpResponse::Ok()
                .insert_header(("etag", "\"e1\""))
                .finish()
        }
        actix_web::http::Method::GET => match objects.get(&path) {
            Some((bytes, content_type)) => HttpResponse::Ok()
                .insert_header(("etag", "\"e1\""))
                .insert_header(("last-modified", "Tue, 01 Dec 2026 20:00:00 GMT"))
                .insert_header(("content-type", content_type.clone()))
                .body(bytes.clone()),
            None => HttpResponse::NotFound()
                .content_type("application/xml")
                .body("<Error><Code>NoSuchKey</Code><Message>missing</Message></Error>"),
        },
        actix_web::http::Method::DELETE => {
            objects.remove(&path);
            HttpResponse::NoContent().finish()
        }
        _ => HttpResponse::MethodNotAllowed().finish(),
    }
}

async fn fake_s3() -> (String, web::Data<Bucket>) {
    let bucket = web::Data::new(Bucket::default());
    let data = bucket.clone();
    let server = HttpServer::new(move || {
        App::new()
            .app_data(data.clone())
            .app_data(web::PayloadConfig::new(16 * 1024 * 1024))
            .default_service(web::to(object))
    })
    .workers(1)
    .bind(("127.0.0.1", 0))
    .unwrap();
    let port = server.addrs()[0].port();
    tokio::spawn(server.run());
    (format!("http://127.0.0.1:{port}"), bucket)
}

fn storage(endpoint: String) -> S3FileStorage {
    S3FileStorage::new(&S3Config {
        bucket: "keel-uploads".into(),
        region: "us-east-1".into(),
        endpoint: Some(endpoint),
        access_key_id: Some("AKIDKEEL".into()),
        secret_access_key: Some("secret-never-sent".into()),
        prefix: "uploads".into(),
        allow_http: true,
    })
    .unwrap()
}

#[actix_web::test]
async fn images_round_trip_through_an_s3_compatible_server_signed_with_sigv4() {
    let (endpoint, bucket) = fake_s3().await;
    let s3 = storage(endpoint.clone());
    let key = StorageKey::generate(ImageType::Png);
    let png = b"\x89PNG\r\n\x1a\nnot really".to_vec();
    s3.put(&key, png.clone(), ImageType::Png).await.unwrap();
    {
        let objects = bucket.objects.lock().unwrap();
        let (stored, content_type) = &objects[&format!("/keel-uploads/uploads/{}", key.as_str())];
        assert_eq!(stored, &png, "path-style: /bucket/prefix/key");
        assert_eq!(content_type, "image/png");
    }
    let back = s3.get(&key).await.unwrap().expect("stored");
    assert_eq!(back.bytes, png);
    assert_eq!(back.content_type, ImageType::Png);

    // A second instance (another client) reads what the first wrote.
    let other = storage(endpoint);
    assert_eq!(other.get(&key).await.unwrap().unwrap().bytes, png);

    s3.delete(&key).await.unwrap();
    assert!(
        s3.get(&key).await.unwrap().is_none(),
        "a missing object is None"
    );
    s3.delete(&key).await.unwrap();
    s3.probe_writable().await.unwrap();

    let signatures = bucket.signatures.lock().unwrap();
    assert!(!signatures.is_empty());
    for auth in signatures.iter() {
        assert!(
            auth.starts_with("AWS4-HMAC-SHA256 Credential=AKIDKEEL/"),
            "{auth}"
        );
        assert!(!auth.contains("secret-never-sent"));
    }
}

#[actix_web::test]
async fn an_unreachable_store_is_unavailable_not_a_panic_or_a_hang() {
    let probe = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let dead = format!("http://127.0.0.1:{}", probe.local_addr().unwrap().port());
    drop(probe);
    let s3 = storage(dead);
    let key = StorageKey::generate(ImageType::Jpeg);
    let started = std::time::Instant::now();
    assert!(s3.put(&key, vec![1, 2, 3], ImageType::Jpeg).await.is_err());
    assert!(s3.get(&key).await.is_err());
    assert!(started.elapsed() < std::time::Duration::from_secs(30));
}
