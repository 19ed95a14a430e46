//! `CatalogService`: updating, deleting and reading products.

use keel_domain::catalog::{Product, ProductId, ProductRef};
use keel_domain::money::{Currency, Money};
use mockall::predicate::eq;

use super::test_support::{
    Mocks, Slot, admin, deleted, eur, inactive, invalid_fields, now, product, slug,
};
use super::{CatalogError, ProductPatch};

/// `ProductRepo::update` is called once and answers `saved`; returns the
/// slot the saved product lands in.
fn expect_update(m: &mut Mocks, saved: bool) -> Slot<Product> {
    let updated = Slot::new();
    let slot = updated.clone();
    m.products.expect_update().times(1).returning(move |p| {
        slot.put(p.clone());
        Ok(saved)
    });
    updated
}

#[tokio::test]
async fn update_product_of_a_missing_product_is_not_found_and_saves_nothing() {
    let id = ProductId::generate();
    let mut m = Mocks::new();
    m.expect_find(id, None, 1);
    m.products.expect_update().never();

    let result = m
        .catalog()
        .update_product(
            &admin(),
            id,
            ProductPatch {
                stock: Some(1),
                ..Default::default()
            },
        )
        .await;

    assert_eq!(result, Err(CatalogError::NotFound));
}

#[tokio::test]
async fn update_product_of_a_soft_deleted_product_is_not_found_and_saves_nothing() {
    let gone = deleted("Old Tea", eur(100));
    let mut m = Mocks::new();
    m.expect_find(gone.id, Some(gone.clone()), 1);
    m.products.expect_update().never();

    let result = m
        .catalog()
        .update_product(
            &admin(),
            gone.id,
            ProductPatch {
                stock: Some(1),
                ..Default::default()
            },
        )
        .await;

    assert_eq!(result, Err(CatalogError::NotFound));
}

#[tokio::test]
async fn patching_only_the_price_keeps_the_currency() {
    let stored = product("Tea", Money::new(500, Currency::USD));
    let mut m = Mocks::new();
    m.expect_find(stored.id, Some(stored.clone()), 1);
    let updated = expect_update(&mut m, true);

    let result = m
        .catalog()
        .update_product(
            &admin(),
            stored.id,
            ProductPatch {
                price_cents: Some(750),
                ..Default::default()
            },
        )
        .await
        .expect("the product is updated");

    assert_eq!(updated.take().price, Money::new(750, Currency::USD));
    assert_eq!(result.price, Money::new(750, Currency::USD));
}

#[tokio::test]
async fn patching_only_the_currency_keeps_the_price() {
    let stored = product("Tea", Money::new(500, Currency::USD));
    let mut m = Mocks::new();
    m.expect_find(stored.id, Some(stored.clone()), 1);
    let updated = expect_update(&mut m, true);

    m.catalog()
        .update_product(
            &admin(),
            stored.id,
            ProductPatch {
                currency: Some("eur".into()),
                ..Default::default()
            },
        )
        .await
        .expect("the product is updated");

    assert_eq!(updated.take().price, Money::new(500, Currency::EUR));
}

#[tokio::test]
async fn update_product_changes_only_the_patched_fields_and_stamps_the_clock() {
    let stored = product("Tea", eur(300));
    let mut m = Mocks::new();
    m.expect_find(stored.id, Some(stored.clone()), 1);
    let updated = expect_update(&mut m, true);

    m.catalog()
        .update_product(
            &admin(),
            stored.id,
            ProductPatch {
                name: Some(" Green Tea ".into()),
                description: Some(None),
                is_active: Some(false),
                ..Default::default()
            },
        )
        .await
        .expect("the product is updated");

    let saved = updated.take();
    assert_eq!(saved.name, "Green Tea");
    assert_eq!((saved.description, saved.is_active), (None, false));
    assert_eq!(
        (saved.slug, saved.price, saved.stock),
        (stored.slug, stored.price, stored.stock)
    );
    assert_eq!(
        (saved.created_at, saved.updated_at),
        (stored.created_at, now())
    );
}

#[tokio::test]
async fn update_product_reports_every_invalid_field_and_saves_nothing() {
    let stored = product("Tea", eur(300));
    let mut m = Mocks::new();
    m.expect_find(stored.id, Some(stored.clone()), 1);
    m.products.expect_update().never();

    let result = m
        .catalog()
        .update_product(
            &admin(),
            stored.id,
            ProductPatch {
                name: Some(String::new()),
                slug: Some("-bad".into()),
                price_cents: Some(-5),
                stock: Some(-1),
                ..Default::default()
            },
        )
        .await;

    assert_eq!(
        invalid_fields(result),
        ["name", "slug", "price_cents", "stock"]
    );
}

#[tokio::test]
async fn update_product_deleted_meanwhile_is_not_found() {
    let stored = product("Tea", eur(300));
    let mut m = Mocks::new();
    m.expect_find(stored.id, Some(stored.clone()), 1);
    expect_update(&mut m, false);

    let result = m
        .catalog()
        .update_product(
            &admin(),
            stored.id,
            ProductPatch {
                stock: Some(3),
                ..Default::default()
            },
        )
        .await;

    assert_eq!(result, Err(CatalogError::NotFound));
}

#[tokio::test]
async fn delete_product_soft_deletes_at_now() {
    let id = ProductId::generate();
    let mut m = Mocks::new();
    m.products
        .expect_soft_delete()
        .with(eq(id), eq(now()))
        .times(1)
        .returning(|_, _| Ok(true));

    assert_eq!(m.catalog().delete_product(&admin(), id).await, Ok(()));
}

#[tokio::test]
async fn delete_product_the_repo_did_not_delete_is_not_found() {
    let id = ProductId::generate();
    let mut m = Mocks::new();
    m.products
        .expect_soft_delete()
        .with(eq(id), eq(now()))
        .times(1)
        .returning(|_, _| Ok(false));

    assert_eq!(
        m.catalog().delete_product(&admin(), id).await,
        Err(CatalogError::NotFound)
    );
}

#[tokio::test]
async fn product_returns_a_purchasable_product_by_id_and_by_slug() {
    let tea = product("Tea", eur(300));
    let mut m = Mocks::new();
    m.expect_find(tea.id, Some(tea.clone()), 1);
    let by_slug = tea.clone();
    m.products
        .expect_find_by_slug()
        .with(eq(slug("tea")))
        .times(1)
        .returning(move |_| Ok(Some(by_slug.clone())));
    let catalog = m.catalog();

    assert_eq!(
        catalog.product(&ProductRef::Id(tea.id)).await,
        Ok(tea.clone())
    );
    assert_eq!(
        catalog.product(&ProductRef::Slug(slug("tea"))).await,
        Ok(tea)
    );
}

#[tokio::test]
async fn product_hides_missing_inactive_and_deleted_products() {
    for (case, found) in [
        ("missing", None),
        ("inactive", Some(inactive("Tea", eur(300)))),
        ("deleted", Some(deleted("Tea", eur(300)))),
    ] {
        let id = found.as_ref().map_or_else(ProductId::generate, |p| p.id);
        let mut m = Mocks::new();
        m.expect_find(id, found, 1);
        let result = m.catalog().product(&ProductRef::Id(id)).await;
        assert_eq!(result, Err(CatalogError::NotFound), "{case}");
    }
}

#[tokio::test]
async fn product_by_slug_hides_a_soft_deleted_product() {
    let gone = deleted("Tea", eur(300));
    let mut m = Mocks::new();
    m.products
        .expect_find_by_slug()
        .with(eq(slug("tea")))
        .times(1)
        .returning(move |_| Ok(Some(gone.clone())));

    let result = m.catalog().product(&ProductRef::Slug(slug("tea"))).await;

    assert_eq!(result, Err(CatalogError::NotFound));
}
