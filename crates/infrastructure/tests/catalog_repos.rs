//! The catalog adapters against a real, migrated database (SQLite by
//! default, PostgreSQL with `TEST_DATABASE_URL`).

mod common;

use std::cmp::Ordering;
use std::collections::HashSet;

use chrono::{DateTime, Duration, SubsecRound, Utc};
use keel_domain::catalog::{
    Category, CategoryId, CategoryName, CategoryRef, CategoryRepo, Product, ProductCursor,
    ProductFilter, ProductId, ProductName, ProductRepo, ProductSort, Slug, StorageKey,
};
use keel_domain::money::{Currency, Money};
use keel_domain::{Page, PageRequest, RepoError};
use keel_infrastructure::persistence::{SeaOrmCategoryRepo, SeaOrmProductRepo};
use sea_orm::{ConnectionTrait, DatabaseConnection};
use uuid::Uuid;

/// A storage key (the tests use short readable ones).
fn key(raw: &str) -> StorageKey {
    StorageKey::parse(raw).unwrap()
}

fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(6)
}

fn slug(raw: &str) -> Slug {
    Slug::parse(raw).unwrap()
}

fn category(name: &str, slug_str: &str) -> Category {
    Category::new(CategoryName::parse(name).unwrap(), slug(slug_str), now())
}

fn product(name: &str, slug_str: &str, cents: i64) -> Product {
    Product::new(
        ProductName::parse(name).unwrap(),
        slug(slug_str),
        Money::price(cents, Currency::EUR).unwrap(),
        now(),
    )
    .unwrap()
}

fn repos(db: DatabaseConnection) -> (SeaOrmCategoryRepo, SeaOrmProductRepo) {
    (
        SeaOrmCategoryRepo::new(db.clone()),
        SeaOrmProductRepo::new(db),
    )
}

fn page(number: u64, size: u64) -> PageRequest {
    PageRequest::parse(Some(number), Some(size)).unwrap()
}

async fn list_all(repo: &SeaOrmProductRepo, filter: ProductFilter) -> Page<Product> {
    repo.list(&filter, page(1, 100)).await.unwrap()
}

/// The names on a page, sorted, for filters whose order does not matter.
fn names(page: &Page<Product>) -> Vec<&str> {
    let mut names: Vec<&str> = page.items.iter().map(|p| p.name.as_str()).collect();
    names.sort_unstable();
    names
}

fn search(query: &str) -> ProductFilter {
    ProductFilter {
        query: Some(query.to_owned()),
        ..ProductFilter::default()
    }
}

fn is_conflict<T: std::fmt::Debug>(result: Result<T, RepoError>) -> bool {
    matches!(result, Err(RepoError::Conflict(_)))
}

#[tokio::test]
async fn categories_are_created_found_updated_listed_by_name_and_deleted() {
    let (categories, _) = repos(common::fresh_db().await);
    let tea = category("Tea", "tea");
    let mut coffee = category("Coffee", "coffee");
    coffee.description = Some("Beans and grounds".into());
    categories.create(&tea).await.unwrap();
    categories.create(&coffee).await.unwrap();

    assert_eq!(
        categories.find_by_id(tea.id).await.unwrap(),
        Some(tea.clone())
    );
    assert_eq!(
        categories.find_by_slug(&slug("coffee")).await.unwrap(),
        Some(coffee.clone())
    );
    assert_eq!(
        categories.list().await.unwrap(),
        vec![coffee.clone(), tea.clone()]
    );

    let mut green = tea.clone();
    green.name = "Green tea".into();
    green.slug = slug("green-tea");
    green.description = Some("Sencha and matcha".into());
    green.updated_at = tea.updated_at + Duration::seconds(5);
    assert!(categories.update(&green).await.unwrap());
    assert_eq!(
        categories.find_by_id(tea.id).await.unwrap(),
        Some(green.clone())
    );
    assert_eq!(categories.find_by_slug(&slug("tea")).await.unwrap(), None);
    assert!(
        !categories
            .update(&category("Ghost", "ghost"))
            .await
            .unwrap()
    );

    assert!(categories.delete(coffee.id).await.unwrap());
    assert!(!categories.delete(coffee.id).await.unwrap());
    assert_eq!(categories.find_by_id(coffee.id).await.unwrap(), None);
    assert_eq!(categories.list().await.unwrap(), vec![green]);
}

#[tokio::test]
async fn category_slugs_are_unique_on_create_and_on_update() {
    let (categories, _) = repos(common::fresh_db().await);
    categories.create(&category("Tea", "tea")).await.unwrap();
    assert!(is_conflict(
        categories.create(&category("Other tea", "tea")).await
    ));

    let coffee = category("Coffee", "coffee");
    categories.create(&coffee).await.unwrap();
    let mut clash = coffee.clone();
    clash.slug = slug("tea");
    assert!(is_conflict(categories.update(&clash).await));
    assert_eq!(
        categories.find_by_id(coffee.id).await.unwrap(),
        Some(coffee)
    );
    assert_eq!(categories.list().await.unwrap().len(), 2);
}

#[tokio::test]
async fn a_category_used_by_a_product_even_a_soft_deleted_one_cannot_be_deleted() {
    let (categories, products) = repos(common::fresh_db().await);
    let tea = category("Tea", "tea");
    categories.create(&tea).await.unwrap();
    let mut sencha = product("Sencha", "sencha", 900);
    sencha.category_id = Some(tea.id);
    products.create(&sencha).await.unwrap();

    assert!(is_conflict(categories.delete(tea.id).await));
    assert!(categories.find_by_id(tea.id).await.unwrap().is_some());

    assert!(products.soft_delete(sencha.id, now()).await.unwrap());
    assert!(is_conflict(categories.delete(tea.id).await));
    assert!(categories.find_by_id(tea.id).await.unwrap().is_some());
    let stored = products.find_by_id(sencha.id).await.unwrap().unwrap();
    assert_eq!(stored.category_id, Some(tea.id));
}

#[tokio::test]
async fn a_product_round_trips_with_its_images_in_upload_order() {
    let (categories, products) = repos(common::fresh_db().await);
    let tea = category("Tea", "tea");
    categories.create(&tea).await.unwrap();
    let mut sencha = product("Sencha", "sencha", 1249);
    sencha.category_id = Some(tea.id);
    sencha.description = Some("Steamed green tea".into());
    sencha.price = Money::price(1500, Currency::parse("JPY").unwrap()).unwrap();
    sencha.stock = 42;
    sencha.images = vec![key("z.png"), key("a.png"), key("m.png")];
    products.create(&sencha).await.unwrap();

    assert_eq!(
        products.find_by_id(sencha.id).await.unwrap(),
        Some(sencha.clone())
    );
    assert_eq!(
        products.find_by_slug(&slug("sencha")).await.unwrap(),
        Some(sencha.clone())
    );

    let later = sencha.created_at + Duration::seconds(30);
    assert!(
        products
            .add_image(sencha.id, &key("b.png"), later)
            .await
            .unwrap()
    );
    let mut expected = sencha.clone();
    expected.images.push(key("b.png"));
    expected.updated_at = later;
    assert_eq!(
        products.find_by_id(sencha.id).await.unwrap(),
        Some(expected)
    );

    let mut bare = product("Bare", "bare", 0);
    bare.stock = u32::try_from(i32::MAX).unwrap();
    products.create(&bare).await.unwrap();
    assert_eq!(products.find_by_id(bare.id).await.unwrap(), Some(bare));
    assert_eq!(
        products.find_by_id(ProductId::generate()).await.unwrap(),
        None
    );
    assert_eq!(products.find_by_slug(&slug("nope")).await.unwrap(), None);
}

#[tokio::test]
async fn creating_a_product_in_an_unknown_category_is_a_conflict_and_stores_nothing() {
    let (_, products) = repos(common::fresh_db().await);
    let mut orphan = product("Orphan", "orphan", 100);
    orphan.category_id = Some(CategoryId::generate());
    orphan.images = vec![key("orphan.png")];

    assert!(is_conflict(products.create(&orphan).await));
    assert_eq!(products.find_by_id(orphan.id).await.unwrap(), None);
    assert!(!products.slug_exists(&slug("orphan")).await.unwrap());
}

#[tokio::test]
async fn a_product_slug_stays_taken_after_a_soft_delete() {
    let (_, products) = repos(common::fresh_db().await);
    let first = product("Mug", "mug", 800);
    products.create(&first).await.unwrap();
    assert!(is_conflict(
        products.create(&product("Mug 2", "mug", 900)).await
    ));

    assert!(products.soft_delete(first.id, now()).await.unwrap());
    assert!(products.slug_exists(&slug("mug")).await.unwrap());
    assert!(!products.slug_exists(&slug("cup")).await.unwrap());
    let again = product("New mug", "mug", 900);
    assert!(is_conflict(products.create(&again).await));
    assert_eq!(products.find_by_id(again.id).await.unwrap(), None);
}

#[tokio::test]
async fn update_saves_every_mutable_field_except_images() {
    let (categories, products) = repos(common::fresh_db().await);
    let tea = category("Tea", "tea");
    let gifts = category("Gifts", "gifts");
    categories.create(&tea).await.unwrap();
    categories.create(&gifts).await.unwrap();
    let mut mug = product("Mug", "mug", 800);
    mug.category_id = Some(tea.id);
    mug.images = vec![key("mug.png")];
    products.create(&mug).await.unwrap();

    let mut changed = mug.clone();
    changed.category_id = Some(gifts.id);
    changed.name = "Big mug".into();
    changed.slug = slug("big-mug");
    changed.description = Some("Holds half a litre".into());
    changed.price = Money::price(999, Currency::USD).unwrap();
    changed.stock = 7;
    changed.is_active = false;
    changed.updated_at = mug.updated_at + Duration::seconds(10);
    changed.images = vec![key("ignored.png")];
    assert!(products.update(&changed).await.unwrap());

    let mut expected = changed.clone();
    expected.images = mug.images.clone();
    assert_eq!(
        products.find_by_id(mug.id).await.unwrap(),
        Some(expected.clone())
    );
    assert_eq!(products.find_by_slug(&slug("mug")).await.unwrap(), None);

    let mut uncategorised = expected.clone();
    uncategorised.category_id = None;
    assert!(products.update(&uncategorised).await.unwrap());
    assert_eq!(
        products
            .find_by_id(mug.id)
            .await
            .unwrap()
            .unwrap()
            .category_id,
        None
    );
    assert!(products.update(&expected).await.unwrap());

    let mut unknown_category = expected.clone();
    unknown_category.category_id = Some(CategoryId::generate());
    assert!(is_conflict(products.update(&unknown_category).await));
    let other = product("Cup", "cup", 500);
    products.create(&other).await.unwrap();
    let mut slug_clash = expected.clone();
    slug_clash.slug = slug("cup");
    assert!(is_conflict(products.update(&slug_clash).await));
    assert_eq!(
        products.find_by_id(mug.id).await.unwrap(),
        Some(expected.clone())
    );

    assert!(
        !products
            .update(&product("Ghost", "ghost", 1))
            .await
            .unwrap()
    );
    let deleted_at = now();
    assert!(products.soft_delete(other.id, deleted_at).await.unwrap());
    let mut revived = other.clone();
    revived.name = "Revived cup".into();
    assert!(!products.update(&revived).await.unwrap());
    let stored = products.find_by_id(other.id).await.unwrap().unwrap();
    assert_eq!(stored.name, "Cup");
    assert_eq!(stored.deleted_at, Some(deleted_at));
}

#[tokio::test]
async fn soft_delete_hides_a_product_from_the_list_but_find_by_id_still_returns_it() {
    let (_, products) = repos(common::fresh_db().await);
    let mug = product("Mug", "mug", 800);
    let cup = product("Cup", "cup", 500);
    products.create(&mug).await.unwrap();
    products.create(&cup).await.unwrap();
    assert_eq!(list_all(&products, ProductFilter::default()).await.total, 2);

    let at = mug.created_at + Duration::seconds(60);
    assert!(products.soft_delete(mug.id, at).await.unwrap());
    let listed = list_all(&products, ProductFilter::default()).await;
    assert_eq!(names(&listed), ["Cup"]);
    assert_eq!(listed.total, 1);

    let stored = products.find_by_id(mug.id).await.unwrap().unwrap();
    assert_eq!(stored.deleted_at, Some(at));
    assert_eq!(stored.updated_at, at);
    assert!(!stored.is_active);
    assert!(!stored.is_purchasable());

    assert!(
        !products
            .soft_delete(mug.id, at + Duration::seconds(1))
            .await
            .unwrap()
    );
    assert_eq!(
        products
            .find_by_id(mug.id)
            .await
            .unwrap()
            .unwrap()
            .deleted_at,
        Some(at)
    );
    assert!(
        !products
            .soft_delete(ProductId::generate(), at)
            .await
            .unwrap()
    );
}

#[tokio::test]
async fn inactive_products_are_not_listed() {
    let (_, products) = repos(common::fresh_db().await);
    products
        .create(&product("Active", "active", 100))
        .await
        .unwrap();
    let mut hidden = product("Hidden", "hidden", 100);
    hidden.is_active = false;
    products.create(&hidden).await.unwrap();

    let listed = list_all(&products, ProductFilter::default()).await;
    assert_eq!(names(&listed), ["Active"]);
    assert_eq!(listed.total, 1);
    assert_eq!(
        names(&list_all(&products, search("hidden")).await),
        Vec::<&str>::new()
    );
    assert_eq!(products.find_by_id(hidden.id).await.unwrap(), Some(hidden));
}

#[tokio::test]
async fn the_search_matches_name_or_description_case_insensitively() {
    let (_, products) = repos(common::fresh_db().await);
    products
        .create(&product("Green Tea", "green-tea", 100))
        .await
        .unwrap();
    let mut espresso = product("Espresso", "espresso", 200);
    espresso.description = Some("Strong Coffee from Italy".into());
    products.create(&espresso).await.unwrap();
    let mut mug = product("Mug", "mug", 300);
    mug.description = Some("For TEA lovers".into());
    products.create(&mug).await.unwrap();

    let tea = list_all(&products, search("tea")).await;
    assert_eq!(names(&tea), ["Green Tea", "Mug"]);
    assert_eq!(tea.total, 2);
    assert_eq!(
        names(&list_all(&products, search("TeA")).await),
        ["Green Tea", "Mug"]
    );
    assert_eq!(
        names(&list_all(&products, search("COFFEE")).await),
        ["Espresso"]
    );
    assert_eq!(
        names(&list_all(&products, search("spress")).await),
        ["Espresso"]
    );
    assert_eq!(
        names(&list_all(&products, search("italy")).await),
        ["Espresso"]
    );
    let none = list_all(&products, search("chocolate")).await;
    assert!(none.items.is_empty());
    assert_eq!(none.total, 0);
}

#[tokio::test]
async fn percent_underscore_and_backslash_in_the_search_match_literally() {
    let (_, products) = repos(common::fresh_db().await);
    for (name, slug_str) in [
        ("Deal 50% off", "deal-50"),
        ("Deal 500 off", "deal-500"),
        ("Snake a_b", "snake-a-b"),
        ("Snake axb", "snake-axb"),
        ("Path c\\d", "path"),
    ] {
        products
            .create(&product(name, slug_str, 100))
            .await
            .unwrap();
    }
    let mut described = product("Plain", "plain", 100);
    described.description = Some("100% cotton".into());
    products.create(&described).await.unwrap();

    assert_eq!(
        names(&list_all(&products, search("50%")).await),
        ["Deal 50% off"]
    );
    assert_eq!(
        names(&list_all(&products, search("%")).await),
        ["Deal 50% off", "Plain"]
    );
    assert_eq!(
        names(&list_all(&products, search("a_b")).await),
        ["Snake a_b"]
    );
    assert_eq!(
        names(&list_all(&products, search("_")).await),
        ["Snake a_b"]
    );
    assert_eq!(
        names(&list_all(&products, search("\\")).await),
        ["Path c\\d"]
    );
    assert_eq!(names(&list_all(&products, search("0% C")).await), ["Plain"]);
}

#[tokio::test]
async fn the_category_filter_takes_an_id_or_a_slug_and_an_unknown_slug_matches_nothing() {
    let (categories, products) = repos(common::fresh_db().await);
    let tea = category("Tea", "tea");
    let coffee = category("Coffee", "coffee");
    categories.create(&tea).await.unwrap();
    categories.create(&coffee).await.unwrap();
    let mut sencha = product("Sencha", "sencha", 100);
    sencha.category_id = Some(tea.id);
    let mut espresso = product("Espresso", "espresso", 100);
    espresso.category_id = Some(coffee.id);
    let mut mocha = product("Mocha", "mocha", 100);
    mocha.category_id = Some(coffee.id);
    for p in [&sencha, &espresso, &mocha, &product("Mug", "mug", 100)] {
        products.create(p).await.unwrap();
    }
    let by = |category: CategoryRef| ProductFilter {
        category: Some(category),
        ..ProductFilter::default()
    };

    let tea_list = list_all(&products, by(CategoryRef::Id(tea.id))).await;
    assert_eq!(names(&tea_list), ["Sencha"]);
    assert_eq!(tea_list.total, 1);
    let coffee_list = list_all(&products, by(CategoryRef::Slug(slug("coffee")))).await;
    assert_eq!(names(&coffee_list), ["Espresso", "Mocha"]);
    assert_eq!(coffee_list.total, 2);

    let unknown = list_all(&products, by(CategoryRef::Slug(slug("juice")))).await;
    assert!(unknown.items.is_empty());
    assert_eq!(unknown.total, 0);
    let unknown_id = list_all(&products, by(CategoryRef::Id(CategoryId::generate()))).await;
    assert_eq!(unknown_id.total, 0);
    assert_eq!(list_all(&products, ProductFilter::default()).await.total, 4);
}

#[tokio::test]
async fn price_bounds_are_inclusive() {
    let (_, products) = repos(common::fresh_db().await);
    for (name, cents) in [("Cheap", 100), ("Middle", 200), ("Dear", 300)] {
        products
            .create(&product(name, &name.to_lowercase(), cents))
            .await
            .unwrap();
    }
    let between = |min: Option<i64>, max: Option<i64>| ProductFilter {
        min_price: min,
        max_price: max,
        ..ProductFilter::default()
    };

    assert_eq!(
        names(&list_all(&products, between(Some(200), None)).await),
        ["Dear", "Middle"]
    );
    assert_eq!(
        names(&list_all(&products, between(None, Some(200))).await),
        ["Cheap", "Middle"]
    );
    let exact = list_all(&products, between(Some(200), Some(200))).await;
    assert_eq!(names(&exact), ["Middle"]);
    assert_eq!(exact.total, 1);
    assert_eq!(
        list_all(&products, between(Some(201), Some(299)))
            .await
            .total,
        0
    );
    assert_eq!(
        list_all(&products, between(Some(100), Some(300)))
            .await
            .total,
        3
    );
}

#[tokio::test]
async fn every_sort_order_breaks_ties_by_id_and_pages_are_stable() {
    let (_, products) = repos(common::fresh_db().await);
    let base = now();
    // Random (v4) ids, so insertion order says nothing about id order.
    let rows = [
        ("Bravo", 300, 0),
        ("Alpha", 100, 1),
        ("Bravo", 300, 1),
        ("Charlie", 200, 2),
        ("Alpha", 100, 3),
        ("Delta", 300, 3),
        ("Bravo", 50, 3),
    ];
    let mut all = Vec::new();
    for (i, (name, cents, seconds)) in rows.into_iter().enumerate() {
        let mut p = product(name, &format!("p{i}"), cents);
        p.id = ProductId::from_uuid(Uuid::new_v4());
        p.created_at = base + Duration::seconds(seconds);
        p.updated_at = p.created_at;
        products.create(&p).await.unwrap();
        all.push(p);
    }

    for sort in ProductSort::ALL {
        let mut expected = all.clone();
        expected.sort_by(|a, b| {
            let key: Ordering = match sort {
                ProductSort::NameAsc | ProductSort::NameDesc => a.name.cmp(&b.name),
                ProductSort::PriceAsc | ProductSort::PriceDesc => {
                    a.price.amount_minor().cmp(&b.price.amount_minor())
                }
                ProductSort::Newest => a.created_at.cmp(&b.created_at),
            };
            let ascending = key.then(a.id.cmp(&b.id));
            match sort {
                ProductSort::NameAsc | ProductSort::PriceAsc => ascending,
                _ => ascending.reverse(),
            }
        });
        let expected: Vec<ProductId> = expected.iter().map(|p| p.id).collect();
        let filter = ProductFilter {
            sort,
            ..ProductFilter::default()
        };

        let full = list_all(&products, filter.clone()).await;
        let full_ids: Vec<ProductId> = full.items.iter().map(|p| p.id).collect();
        assert_eq!(full_ids, expected, "{sort:?}");
        assert_eq!(full.total, 7);

        let mut paged = Vec::new();
        for number in 1..=3 {
            let one = products.list(&filter, page(number, 3)).await.unwrap();
            assert_eq!(one.total, 7, "{sort:?} page {number}");
            assert_eq!(one.request, page(number, 3));
            paged.extend(one.items.into_iter().map(|p| p.id));
        }
        assert_eq!(paged, expected, "{sort:?} pages");
        assert_eq!(paged.iter().collect::<HashSet<_>>().len(), 7);
        let beyond = products.list(&filter, page(4, 3)).await.unwrap();
        assert!(beyond.items.is_empty());
        assert_eq!(beyond.total, 7);

        // The keyset cursor walks the same order without offsets.
        let mut walked = Vec::new();
        let mut after = None;
        loop {
            let keyset = ProductFilter {
                after: after.clone(),
                ..filter.clone()
            };
            let one = products.list(&keyset, page(1, 3)).await.unwrap();
            assert_eq!(one.total, 7, "{sort:?} after {after:?}");
            let Some(last) = one.items.last() else { break };
            after = Some(ProductCursor::after(last, sort));
            walked.extend(one.items.iter().map(|p| p.id));
            assert!(walked.len() <= 7, "{sort:?} keyset walk does not end");
        }
        assert_eq!(walked, expected, "{sort:?} keyset");
    }
}

/// The page statement on 20,000 products, planned by the database: each
/// sort key reads its own index (no sort of the whole table), and on
/// PostgreSQL a search term uses the trigram index.
#[tokio::test]
async fn the_list_statement_reads_the_sort_indexes_and_the_trigram_index() {
    let db = common::fresh_db().await;
    let insert = if common::on_postgres() {
        "INSERT INTO products (id, name, slug, description, price_cents, currency, stock, \
         is_active, created_at, updated_at) \
         SELECT gen_random_uuid(), 'Product ' || g, 'product-' || g, 'Batch ' || (g % 97), \
         100 + g % 500, 'EUR', 10, true, now() - g * interval '1 second', now() \
         FROM generate_series(1, 20000) g"
    } else {
        "WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < 20000) \
         INSERT INTO products (id, name, slug, description, price_cents, currency, stock, \
         is_active, created_at, updated_at) \
         SELECT randomblob(16), 'Product ' || n, 'product-' || n, 'Batch ' || (n % 97), \
         100 + n % 500, 'EUR', 10, 1, '2026-12-01T00:00:00+00:00', '2026-12-01T00:00:00+00:00' FROM g"
    };
    db.execute_unprepared(insert).await.unwrap();
    // What autovacuum does after a bulk load (on PostgreSQL it also sets the
    // visibility map that index-only scans need).
    let vacuum = if common::on_postgres() {
        "VACUUM (ANALYZE) products"
    } else {
        "ANALYZE"
    };
    db.execute_unprepared(vacuum).await.unwrap();
    let (_, products) = repos(db);
    for (sort, index) in [
        (ProductSort::NameAsc, "idx_products_name"),
        (ProductSort::NameDesc, "idx_products_name"),
        (ProductSort::PriceAsc, "idx_products_price"),
        (ProductSort::PriceDesc, "idx_products_price"),
        (ProductSort::Newest, "idx_products_newest"),
    ] {
        let filter = ProductFilter {
            sort,
            ..ProductFilter::default()
        };
        let plan = products
            .explain_list(&filter, page(40, 20))
            .await
            .unwrap()
            .join("\n");
        assert!(
            plan.contains(index),
            "{sort:?} does not use {index}:\n{plan}"
        );
        if common::on_postgres() {
            // The outer rows come off the index in order: no Sort node.
            assert!(!plan.contains("Sort  ("), "{sort:?} sorts:\n{plan}");
            // Deferred join: the skipped and the page's keys are index
            // entries alone, the page's rows looked up by primary key.
            assert!(
                plan.contains(&format!("Index Only Scan using {index}"))
                    || plan.contains(&format!("Index Only Scan Backward using {index}")),
                "{sort:?} reads table rows to skip them:\n{plan}"
            );
            assert!(
                plan.contains("Index Scan using products_pkey"),
                "{sort:?} does not look its rows up by key:\n{plan}"
            );
        } else {
            assert!(
                !plan.contains("USE TEMP B-TREE FOR ORDER BY"),
                "{sort:?} sorts:\n{plan}"
            );
        }
    }
    if common::on_postgres() {
        let plan = products
            .explain_list(&search("product 1234"), page(1, 20))
            .await
            .unwrap()
            .join("\n");
        assert!(
            plan.contains("idx_products_search_trgm"),
            "the search does not use the trigram index:\n{plan}"
        );
    }
}

#[tokio::test]
async fn the_list_loads_the_images_of_every_product_on_the_page() {
    let (_, products) = repos(common::fresh_db().await);
    let mut mug = product("Mug", "mug", 100);
    mug.images = vec![key("mug2.png"), key("mug1.png")];
    let mut cup = product("Cup", "cup", 200);
    cup.images = vec![key("cup.png")];
    let bowl = product("Bowl", "bowl", 300);
    for p in [&mug, &cup, &bowl] {
        products.create(p).await.unwrap();
    }
    let later = now() + Duration::seconds(5);
    assert!(
        products
            .add_image(cup.id, &key("cupside.png"), later)
            .await
            .unwrap()
    );
    cup.images.push(key("cupside.png"));
    cup.updated_at = later;

    let filter = ProductFilter {
        sort: ProductSort::PriceAsc,
        ..ProductFilter::default()
    };
    let listed = list_all(&products, filter).await;
    assert_eq!(listed.items, vec![mug, cup, bowl]);
}

/// A list page is one statement: its rows, their image keys and the total
/// (or only rows and images while the total is cached); a page past the
/// end, which has no row to carry the total, counts apart.
#[tokio::test]
async fn a_list_page_is_one_statement_with_its_images_and_total() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering as AtomicOrdering};
    let mut db = common::fresh_db().await;
    let statements = Arc::new(AtomicUsize::new(0));
    let counter = statements.clone();
    db.set_metric_callback(move |_| {
        counter.fetch_add(1, AtomicOrdering::SeqCst);
    });
    let (_, products) = repos(db);
    for i in 0..5 {
        let mut p = product(&format!("Mug {i}"), &format!("mug-{i}"), 100 + i);
        p.images = vec![key(&format!("mug{i}a.png")), key(&format!("mug{i}b.png"))];
        products.create(&p).await.unwrap();
    }
    let filter = ProductFilter {
        sort: ProductSort::PriceAsc,
        ..ProductFilter::default()
    };
    for (n, label) in [(1, "total counted"), (2, "total cached")] {
        statements.store(0, AtomicOrdering::SeqCst);
        let one = products.list(&filter, page(n, 2)).await.unwrap();
        assert_eq!(statements.load(AtomicOrdering::SeqCst), 1, "{label}");
        assert_eq!(one.total, 5, "{label}");
        let first = &one.items[0];
        let i = (n - 1) * 2;
        assert_eq!(first.name, format!("Mug {i}"));
        assert_eq!(
            first.images,
            vec![key(&format!("mug{i}a.png")), key(&format!("mug{i}b.png"))]
        );
    }
    // A search term is another filter: its total is counted in the page.
    statements.store(0, AtomicOrdering::SeqCst);
    let found = products.list(&search("mug 3"), page(1, 2)).await.unwrap();
    assert_eq!(statements.load(AtomicOrdering::SeqCst), 1);
    assert_eq!((found.total, found.items.len()), (1, 1));
    statements.store(0, AtomicOrdering::SeqCst);
    let past = products.list(&search("mug"), page(9, 2)).await.unwrap();
    assert_eq!((past.total, past.items.len()), (5, 0));
    assert_eq!(statements.load(AtomicOrdering::SeqCst), 2);
}

#[tokio::test]
async fn add_image_url_only_touches_products_that_are_not_deleted() {
    let (_, products) = repos(common::fresh_db().await);
    let mut mug = product("Mug", "mug", 100);
    mug.images = vec![key("mug.png")];
    products.create(&mug).await.unwrap();
    let deleted_at = mug.created_at + Duration::seconds(1);
    assert!(products.soft_delete(mug.id, deleted_at).await.unwrap());

    assert!(
        !products
            .add_image(mug.id, &key("late.png"), deleted_at + Duration::seconds(1))
            .await
            .unwrap()
    );
    let stored = products.find_by_id(mug.id).await.unwrap().unwrap();
    assert_eq!(stored.images, mug.images);
    assert_eq!(stored.updated_at, deleted_at);
    assert!(
        !products
            .add_image(ProductId::generate(), &key("none.png"), now())
            .await
            .unwrap()
    );
}

#[tokio::test]
async fn a_stored_product_with_an_unknown_currency_is_an_internal_error_not_a_transient_one() {
    let db = common::fresh_db().await;
    let (_, products) = repos(db.clone());
    let mug = product("Mug", "mug", 100);
    products.create(&mug).await.unwrap();
    db.execute_unprepared("UPDATE products SET currency = 'ZZZ'")
        .await
        .unwrap();

    assert!(matches!(
        products.find_by_id(mug.id).await,
        Err(RepoError::Internal(_))
    ));
    assert!(matches!(
        products.list(&ProductFilter::default(), page(1, 10)).await,
        Err(RepoError::Internal(_))
    ));
}
