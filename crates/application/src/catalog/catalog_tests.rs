//! `CatalogService`: who may write, and creating products.

use keel_domain::RepoError;
use keel_domain::catalog::{CategoryId, Product, ProductId};
use keel_domain::identity::Principal;
use keel_domain::money::{Currency, Money};
use mockall::predicate::eq;

use super::test_support::{Mocks, Slot, admin, customer, invalid_fields, now, slug, staff};
use super::{CatalogError, NewProduct, ProductPatch};

/// The bytes of a PNG header.
const PNG: &[u8] = &[
    0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 0x0D,
];

/// A product input that passes every check.
fn new_product(name: &str) -> NewProduct {
    NewProduct {
        name: name.into(),
        slug: None,
        description: Some("  Cold and strong.  ".into()),
        price_cents: 450,
        currency: "eur".into(),
        stock: 12,
        category_id: None,
        is_active: None,
    }
}

/// `slug_exists` answers `taken` once for `candidate`.
fn expect_slug_taken(m: &mut Mocks, candidate: &str, taken: bool) {
    m.products
        .expect_slug_exists()
        .with(eq(slug(candidate)))
        .times(1)
        .returning(move |_| Ok(taken));
}

/// `ProductRepo::create` is called once; returns the slot the product lands in.
fn expect_product_created(m: &mut Mocks) -> Slot<Product> {
    let created = Slot::new();
    let slot = created.clone();
    m.products.expect_create().times(1).returning(move |p| {
        slot.put(p.clone());
        Ok(())
    });
    created
}

/// Runs every catalog write as `who` over mocks without expectations.
async fn every_write_as(who: &Principal) -> Vec<(&'static str, Result<(), CatalogError>)> {
    let (cat, id) = (CategoryId::generate(), ProductId::generate());
    vec![
        (
            "create_category",
            Mocks::new()
                .catalog()
                .create_category(who, "Drinks", None, None)
                .await
                .map(drop),
        ),
        (
            "update_category",
            Mocks::new()
                .catalog()
                .update_category(who, cat, Some("Hot drinks"), None, None)
                .await
                .map(drop),
        ),
        (
            "delete_category",
            Mocks::new().catalog().delete_category(who, cat).await,
        ),
        (
            "create_product",
            Mocks::new()
                .catalog()
                .create_product(who, new_product("Iced Latte"))
                .await
                .map(drop),
        ),
        (
            "update_product",
            Mocks::new()
                .catalog()
                .update_product(who, id, ProductPatch::default())
                .await
                .map(drop),
        ),
        (
            "delete_product",
            Mocks::new().catalog().delete_product(who, id).await,
        ),
        (
            "add_image",
            Mocks::new()
                .catalog()
                .add_image(who, id, PNG.to_vec())
                .await
                .map(drop),
        ),
    ]
}

#[tokio::test]
async fn every_catalog_write_is_forbidden_to_customers_and_touches_no_repo() {
    for (write, result) in every_write_as(&customer()).await {
        assert_eq!(result, Err(CatalogError::Forbidden), "{write}");
    }
}

#[tokio::test]
async fn every_catalog_write_is_forbidden_to_staff_and_touches_no_repo() {
    for (write, result) in every_write_as(&staff()).await {
        assert_eq!(result, Err(CatalogError::Forbidden), "{write}");
    }
}

#[tokio::test]
async fn create_product_reports_every_invalid_field_in_one_validation_and_touches_no_repo() {
    let input = NewProduct {
        name: "   ".into(),
        slug: Some("Not A Slug".into()),
        price_cents: -1,
        currency: "EURO".into(),
        stock: -1,
        ..new_product("unused")
    };

    let result = Mocks::new().catalog().create_product(&admin(), input).await;

    assert_eq!(
        invalid_fields(result),
        ["name", "price_cents", "currency", "stock", "slug"]
    );
}

#[tokio::test]
async fn create_product_rejects_each_invalid_field_on_its_own() {
    let cases: Vec<(&str, NewProduct)> = vec![
        (
            "name",
            NewProduct {
                name: "x".repeat(201),
                ..new_product("")
            },
        ),
        (
            "price_cents",
            NewProduct {
                price_cents: -1,
                ..new_product("Tea")
            },
        ),
        (
            "currency",
            NewProduct {
                currency: "XXX".into(),
                ..new_product("Tea")
            },
        ),
        (
            "stock",
            NewProduct {
                stock: -1,
                ..new_product("Tea")
            },
        ),
        (
            "stock",
            NewProduct {
                stock: i64::from(i32::MAX) + 1,
                ..new_product("Tea")
            },
        ),
        (
            "slug",
            NewProduct {
                slug: Some("a--b".into()),
                ..new_product("Tea")
            },
        ),
        (
            "description",
            NewProduct {
                description: Some("d".repeat(5001)),
                ..new_product("Tea")
            },
        ),
    ];
    for (field, input) in cases {
        let result = Mocks::new().catalog().create_product(&admin(), input).await;
        assert_eq!(invalid_fields(result), [field], "{field}");
    }
}

#[tokio::test]
async fn create_product_with_a_free_generated_slug_stores_every_field() {
    let mut m = Mocks::new();
    expect_slug_taken(&mut m, "iced-latte", false);
    let created = expect_product_created(&mut m);
    let category = CategoryId::generate();

    let result = m
        .catalog()
        .create_product(
            &admin(),
            NewProduct {
                category_id: Some(category),
                ..new_product(" Iced Latte ")
            },
        )
        .await
        .expect("the product is created");

    let stored = created.take();
    assert_eq!(result, stored);
    assert_eq!(stored.name, "Iced Latte");
    assert_eq!(stored.slug, slug("iced-latte"));
    assert_eq!(stored.description.as_deref(), Some("Cold and strong."));
    assert_eq!(stored.price, Money::new(450, Currency::EUR));
    assert_eq!((stored.stock, stored.category_id), (12, Some(category)));
    assert!(stored.is_active, "active by default");
    assert_eq!((stored.created_at, stored.deleted_at), (now(), None));
}

#[tokio::test]
async fn a_taken_generated_slug_gets_the_suffix_2() {
    let mut m = Mocks::new();
    expect_slug_taken(&mut m, "iced-latte", true);
    expect_slug_taken(&mut m, "iced-latte-2", false);
    let created = expect_product_created(&mut m);

    let result = m
        .catalog()
        .create_product(&admin(), new_product("Iced Latte"))
        .await
        .expect("the product is created");

    assert_eq!(result.slug, slug("iced-latte-2"));
    assert_eq!(created.take().slug, slug("iced-latte-2"));
}

#[tokio::test]
async fn a_generated_slug_gets_the_suffix_3_when_2_is_taken_too() {
    let mut m = Mocks::new();
    expect_slug_taken(&mut m, "iced-latte", true);
    expect_slug_taken(&mut m, "iced-latte-2", true);
    expect_slug_taken(&mut m, "iced-latte-3", false);
    let created = expect_product_created(&mut m);

    let result = m
        .catalog()
        .create_product(&admin(), new_product("Iced Latte"))
        .await
        .expect("the product is created");

    assert_eq!(result.slug, slug("iced-latte-3"));
    assert_eq!(created.take().slug, slug("iced-latte-3"));
}

#[tokio::test]
async fn a_taken_slug_at_the_length_limit_is_cut_to_make_room_for_the_suffix() {
    let mut m = Mocks::new();
    expect_slug_taken(&mut m, &"a".repeat(120), true);
    let shortened = format!("{}-2", "a".repeat(118));
    expect_slug_taken(&mut m, &shortened, false);
    let created = expect_product_created(&mut m);

    m.catalog()
        .create_product(&admin(), new_product(&"a".repeat(200)))
        .await
        .expect("the product is created");

    assert_eq!(created.take().slug, slug(&shortened));
}

#[tokio::test]
async fn an_explicit_slug_is_used_as_is_without_asking_whether_it_exists() {
    let mut m = Mocks::new();
    m.products.expect_slug_exists().never();
    let created = expect_product_created(&mut m);

    let result = m
        .catalog()
        .create_product(
            &admin(),
            NewProduct {
                slug: Some("house-blend".into()),
                ..new_product("Iced Latte")
            },
        )
        .await
        .expect("the product is created");

    assert_eq!(result.slug, slug("house-blend"));
    assert_eq!(created.take().slug, slug("house-blend"));
}

#[tokio::test]
async fn create_product_refused_by_the_repo_is_a_conflict() {
    let mut m = Mocks::new();
    m.products
        .expect_create()
        .times(1)
        .returning(|_| Err(RepoError::Conflict("products.slug".into())));

    let result = m
        .catalog()
        .create_product(
            &admin(),
            NewProduct {
                slug: Some("taken".into()),
                ..new_product("Tea")
            },
        )
        .await;

    assert!(
        matches!(result, Err(CatalogError::Conflict(_))),
        "{result:?}"
    );
}
