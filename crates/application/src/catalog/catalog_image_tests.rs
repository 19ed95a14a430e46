//! `CatalogService`: uploading and serving product images.

use keel_domain::catalog::{ImageType, ProductId, StorageError, StorageKey, StoredFile};
use mockall::predicate::eq;

use super::test_support::{Mocks, Slot, admin, deleted, eur, now, product};
use super::{CatalogCase, CatalogError};

const JPEG: &[u8] = &[
    0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, b'J', b'F', b'I', b'F', 0,
];
const PNG: &[u8] = &[
    0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 0x0D,
];
const WEBP: &[u8] = b"RIFF\x24\x00\x00\x00WEBPVP8 ";

/// Mocks where `find_by_id` answers an active product once; returns its id.
fn with_product() -> (Mocks, ProductId) {
    let tea = product("Tea", eur(300));
    let mut m = Mocks::new();
    m.expect_find(tea.id, Some(tea.clone()), 1);
    (m, tea.id)
}

/// `put` is expected once with `bytes` as `kind`; returns the slot its key lands in.
fn expect_put(m: &mut Mocks, bytes: &'static [u8], kind: ImageType) -> Slot<StorageKey> {
    let stored = Slot::new();
    let slot = stored.clone();
    m.storage
        .expect_put()
        .withf(move |_, b, k| b.as_slice() == bytes && *k == kind)
        .times(1)
        .returning(move |key, _, _| {
            slot.put(key.clone());
            Ok(())
        });
    stored
}

/// `add_image(id, key, now)` is expected once and answers `added`;
/// returns the slot the key lands in.
fn expect_add_key(m: &mut Mocks, id: ProductId, added: bool) -> Slot<StorageKey> {
    let keys = Slot::new();
    let slot = keys.clone();
    m.products
        .expect_add_image()
        .withf(move |pid, _, at| *pid == id && *at == now())
        .times(1)
        .returning(move |_, key, _| {
            slot.put(key.clone());
            Ok(added)
        });
    keys
}

#[tokio::test]
async fn add_image_refuses_bytes_that_are_not_an_image_and_never_calls_storage() {
    for bytes in [
        &b""[..],
        b"GIF89a\x01\x00\x01\x00",
        b"<svg xmlns=\"http://www.w3.org/2000/svg\"/>",
        b"%PDF-1.7",
        &PNG[..7],
    ] {
        let (mut m, id) = with_product();
        m.storage.expect_put().never();
        m.products.expect_add_image().never();

        let result = m.catalog().add_image(&admin(), id, bytes.to_vec()).await;

        assert_eq!(
            result,
            Err(CatalogError::Case(CatalogCase::UnsupportedMediaType)),
            "{bytes:?}"
        );
    }
}

#[tokio::test]
async fn add_image_stores_png_jpeg_and_webp_under_a_key_with_their_extension() {
    for (bytes, kind, ext) in [
        (PNG, ImageType::Png, ".png"),
        (JPEG, ImageType::Jpeg, ".jpg"),
        (WEBP, ImageType::Webp, ".webp"),
    ] {
        let (mut m, id) = with_product();
        let key = expect_put(&mut m, bytes, kind);
        let added = expect_add_key(&mut m, id, true);
        m.storage.expect_delete().never();

        let returned = m
            .catalog()
            .add_image(&admin(), id, bytes.to_vec())
            .await
            .expect("the image is stored");

        let key = key.take();
        assert!(key.as_str().ends_with(ext), "{key} should end with {ext}");
        assert_eq!(key.image_type(), kind);
        assert_eq!(returned, key, "the key stored is the key recorded");
        assert_eq!(added.take(), key);
    }
}

#[tokio::test]
async fn add_image_deletes_the_stored_file_when_the_product_vanished_meanwhile() {
    let (mut m, id) = with_product();
    let stored = expect_put(&mut m, PNG, ImageType::Png);
    expect_add_key(&mut m, id, false);
    let deleted_key: Slot<StorageKey> = Slot::new();
    let slot = deleted_key.clone();
    m.storage.expect_delete().times(1).returning(move |key| {
        slot.put(key.clone());
        Ok(())
    });

    let result = m.catalog().add_image(&admin(), id, PNG.to_vec()).await;

    assert_eq!(result, Err(CatalogError::NotFound));
    assert_eq!(deleted_key.take(), stored.take());
}

#[tokio::test]
async fn add_image_is_not_found_even_when_cleaning_up_the_file_fails() {
    let (mut m, id) = with_product();
    expect_put(&mut m, PNG, ImageType::Png);
    expect_add_key(&mut m, id, false);
    m.storage
        .expect_delete()
        .times(1)
        .returning(|_| Err(StorageError::Unavailable("disk gone".into())));

    let result = m.catalog().add_image(&admin(), id, PNG.to_vec()).await;

    assert_eq!(result, Err(CatalogError::NotFound));
}

#[tokio::test]
async fn add_image_to_a_missing_or_deleted_product_is_not_found_and_stores_nothing() {
    let gone = deleted("Tea", eur(300));
    for (case, id, found) in [
        ("missing", ProductId::generate(), None),
        ("deleted", gone.id, Some(gone.clone())),
    ] {
        let mut m = Mocks::new();
        m.expect_find(id, found, 1);
        m.storage.expect_put().never();

        let result = m.catalog().add_image(&admin(), id, PNG.to_vec()).await;

        assert_eq!(result, Err(CatalogError::NotFound), "{case}");
    }
}

#[tokio::test]
async fn add_image_when_storage_fails_is_unavailable_and_records_no_url() {
    let (mut m, id) = with_product();
    m.storage
        .expect_put()
        .times(1)
        .returning(|_, _, _| Err(StorageError::Unavailable("read-only".into())));
    m.products.expect_add_image().never();

    let result = m.catalog().add_image(&admin(), id, PNG.to_vec()).await;

    assert!(
        matches!(result, Err(CatalogError::Unavailable(_))),
        "{result:?}"
    );
}

#[tokio::test]
async fn image_with_a_malformed_key_is_not_found_without_asking_storage() {
    for key in ["../x.png", "", "a/b.png", "x.gif", "X.png", "%2e%2e.png"] {
        let mut m = Mocks::new();
        m.storage.expect_get().never();

        let result = m.catalog().image(key).await;

        assert_eq!(result, Err(CatalogError::NotFound), "{key:?}");
    }
}

#[tokio::test]
async fn image_returns_the_stored_file_and_an_unknown_key_is_not_found() {
    let file = StoredFile {
        bytes: PNG.to_vec(),
        content_type: ImageType::Png,
    };
    let known = StorageKey::parse("abc123.png").expect("a valid key");
    let unknown = StorageKey::parse("def456.jpg").expect("a valid key");
    let mut m = Mocks::new();
    let found = file.clone();
    m.storage
        .expect_get()
        .with(eq(known))
        .times(1)
        .returning(move |_| Ok(Some(found.clone())));
    m.storage
        .expect_get()
        .with(eq(unknown))
        .times(1)
        .returning(|_| Ok(None));
    let catalog = m.catalog();

    assert_eq!(catalog.image("abc123.png").await, Ok(file));
    assert_eq!(
        catalog.image("def456.jpg").await,
        Err(CatalogError::NotFound)
    );
}

#[tokio::test]
async fn add_image_refuses_what_the_decoder_does_not_accept_even_with_a_valid_signature() {
    let (mut m, id) = with_product();
    m.images = keel_domain::catalog::ports::MockImageDecoder::new();
    m.images
        .expect_inspect()
        .withf(|bytes| bytes == PNG)
        .times(1)
        .returning(|_| None);
    m.storage.expect_put().never();
    m.products.expect_add_image().never();

    let result = m.catalog().add_image(&admin(), id, PNG.to_vec()).await;

    assert_eq!(
        result,
        Err(CatalogError::Case(CatalogCase::UnsupportedMediaType))
    );
}
