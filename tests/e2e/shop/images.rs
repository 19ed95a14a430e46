//! Product images: typed by content, authorised before the body, one file per form.

use super::*;

/// A real 1×1 PNG.
fn png() -> Vec<u8> {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD
        .decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==")
        .unwrap()
}

async fn upload(
    s: &Shop,
    product: &str,
    name: &str,
    bytes: Vec<u8>,
    mime: &str,
) -> reqwest::Response {
    let part = reqwest::multipart::Part::bytes(bytes)
        .file_name(name.to_owned())
        .mime_str(mime)
        .unwrap();
    let form = reqwest::multipart::Form::new().part("file", part);
    s.app
        .request(Method::POST, &format!("/api/v1/products/{product}/images"))
        .bearer_auth(&s.admin.access)
        .multipart(form)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn images_are_typed_by_content_limited_in_size_and_served_back() {
    let s = shop().await;
    let a = s.simple("Photogenic", 100, 1).await;
    let res = upload(&s, &a, "../../etc/passwd.jpg", png(), "image/jpeg").await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let url = res.json::<Value>().await.unwrap()["url"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(url.starts_with("/api/v1/images/") && url.ends_with(".png") && !url.contains("passwd"));
    let served = s.app.get(&url, None).await;
    assert_eq!(served.headers()["content-type"], "image/png");
    assert!(
        served.headers()["cache-control"]
            .to_str()
            .unwrap()
            .contains("immutable")
    );
    assert_eq!(served.bytes().await.unwrap().to_vec(), png());
    let product: Value = s
        .app
        .get(&format!("/api/v1/products/{a}"), None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(product["image_urls"], json!([url]));

    assert_problem(
        upload(
            &s,
            &a,
            "fake.png",
            b"<?php echo 1; ?>".to_vec(),
            "image/png",
        )
        .await,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
    )
    .await;
    // A real PNG with HTML after its end, and a PNG signature with nothing behind it.
    let mut polyglot = png();
    polyglot.extend_from_slice(b"<html><script>alert(1)</script></html>");
    let mut signature_only = png()[..8].to_vec();
    signature_only.extend_from_slice(&[0u8; 64]);
    for bytes in [polyglot, signature_only] {
        assert_problem(
            upload(&s, &a, "x.png", bytes, "image/png").await,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
        )
        .await;
    }
    let mut big = png();
    big.resize(65 * 1024, 0);
    assert_problem(
        upload(&s, &a, "big.png", big, "image/png").await,
        StatusCode::PAYLOAD_TOO_LARGE,
    )
    .await;
    let not_form = s
        .app
        .request(Method::POST, &format!("/api/v1/products/{a}/images"))
        .bearer_auth(&s.admin.access)
        .body(png())
        .send()
        .await
        .unwrap();
    assert_problem(not_form, StatusCode::UNSUPPORTED_MEDIA_TYPE).await;
    for path in [
        "/api/v1/images/..%2F..%2Fetc%2Fpasswd",
        "/api/v1/images/nothere.png",
        "/api/v1/images/x.gif",
    ] {
        assert_problem(s.app.get(path, None).await, StatusCode::NOT_FOUND).await;
    }
}

/// Sends the head of a chunked multipart upload and one chunk, keeps the
/// body open, and returns the status line the server answers with (or
/// `None` when it has not answered within ten seconds).
fn open_upload_status(port: u16, token: &str, product: &str) -> Option<String> {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(10)))
        .unwrap();
    let head = format!(
        "POST /api/v1/products/{product}/images HTTP/1.1\r\nHost: 127.0.0.1\r\n\
         Authorization: Bearer {token}\r\n\
         Content-Type: multipart/form-data; boundary=XyZ\r\n\
         Transfer-Encoding: chunked\r\n\r\n"
    );
    stream.write_all(head.as_bytes()).unwrap();
    let part = "--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.png\"\r\n\r\n";
    let chunk = format!("{:x}\r\n{part}{}\r\n", part.len() + 1024, "x".repeat(1024));
    stream.write_all(chunk.as_bytes()).unwrap();
    let mut buf = [0u8; 256];
    let n = stream.read(&mut buf).ok()?;
    let text = String::from_utf8_lossy(&buf[..n]).into_owned();
    text.lines().next().map(str::to_owned)
}

#[tokio::test]
async fn an_upload_is_refused_before_its_body_is_read() {
    let s = shop().await;
    let product = s.simple("Guarded", 100, 1).await;
    let customer = s.app.register_random().await;
    let port = s.app.port;
    let (token, id) = (customer.access.clone(), product.clone());
    let forbidden = tokio::task::spawn_blocking(move || open_upload_status(port, &token, &id))
        .await
        .unwrap();
    assert!(
        forbidden.as_deref().is_some_and(|l| l.contains(" 403 ")),
        "a customer's open upload is answered at once: {forbidden:?}"
    );
    let admin = s.admin.access.clone();
    let missing = uuid::Uuid::now_v7().to_string();
    let not_found = tokio::task::spawn_blocking(move || open_upload_status(port, &admin, &missing))
        .await
        .unwrap();
    assert!(
        not_found.as_deref().is_some_and(|l| l.contains(" 404 ")),
        "an upload to no product is answered at once: {not_found:?}"
    );
}

#[tokio::test]
async fn an_upload_form_has_exactly_one_file_field() {
    let s = shop().await;
    let a = s.simple("Framed", 100, 1).await;
    let send = |form: reqwest::multipart::Form| {
        s.app
            .request(Method::POST, &format!("/api/v1/products/{a}/images"))
            .bearer_auth(&s.admin.access)
            .multipart(form)
            .send()
    };
    let part = || reqwest::multipart::Part::bytes(png()).file_name("a.png");
    let extra = reqwest::multipart::Form::new()
        .part("file", part())
        .text("caption", "hello");
    assert_problem(send(extra).await.unwrap(), StatusCode::UNPROCESSABLE_ENTITY).await;
    let none = reqwest::multipart::Form::new().text("caption", "hello");
    assert_problem(send(none).await.unwrap(), StatusCode::UNPROCESSABLE_ENTITY).await;
    let twice = reqwest::multipart::Form::new()
        .part("file", part())
        .part("file", part());
    assert_problem(send(twice).await.unwrap(), StatusCode::UNPROCESSABLE_ENTITY).await;
    let one = reqwest::multipart::Form::new().part("file", part());
    assert_eq!(send(one).await.unwrap().status(), StatusCode::CREATED);
}
