use chrono::Duration;

use super::*;
use crate::catalog::ProductCursor;
use crate::money::Currency;

fn product(now: DateTime<Utc>) -> Product {
    Product::new(
        ProductName::parse("Flat White").unwrap(),
        Slug::parse("flat-white").unwrap(),
        Money::price(350, Currency::EUR).unwrap(),
        now,
    )
    .unwrap()
}

fn fields(errors: &[FieldError]) -> Vec<&str> {
    errors.iter().map(|e| e.field.as_str()).collect()
}

#[test]
fn a_new_product_is_active_empty_of_stock_and_purchasable() {
    let now = Utc::now();
    let p = product(now);
    assert_eq!(p.name, "Flat White");
    assert_eq!((p.stock, p.is_active, p.deleted_at), (0, true, None));
    assert_eq!((p.created_at, p.updated_at), (now, now));
    assert!(p.images.is_empty() && p.category_id.is_none());
    assert!(p.is_purchasable());
}

#[test]
fn a_product_with_a_negative_price_cannot_be_created() {
    let made = Product::new(
        ProductName::parse("Refund").unwrap(),
        Slug::parse("refund").unwrap(),
        Money::new(-1, Currency::EUR),
        Utc::now(),
    );
    assert_eq!(made, Err(MoneyError::Negative));
}

#[test]
fn inactive_or_deleted_products_are_not_purchasable() {
    let now = Utc::now();
    let inactive = Product {
        is_active: false,
        ..product(now)
    };
    let deleted = Product {
        deleted_at: Some(now + Duration::seconds(1)),
        ..product(now)
    };
    let both = Product {
        is_active: false,
        deleted_at: Some(now),
        ..product(now)
    };
    for p in [inactive, deleted, both] {
        assert!(!p.is_purchasable(), "{p:?}");
    }
}

#[test]
fn a_new_category_has_its_name_slug_and_timestamps() {
    let now = Utc::now();
    let c = Category::new(
        CategoryName::parse(" Hot drinks ").unwrap(),
        Slug::parse("hot-drinks").unwrap(),
        now,
    );
    assert_eq!(
        (c.name.as_str(), c.slug.as_str()),
        ("Hot drinks", "hot-drinks")
    );
    assert_eq!(
        (c.description, c.created_at, c.updated_at),
        (None, now, now)
    );
}

#[test]
fn every_contract_sort_key_parses_and_round_trips() {
    let table = [
        ("name", ProductSort::NameAsc),
        ("-name", ProductSort::NameDesc),
        ("price", ProductSort::PriceAsc),
        ("-price", ProductSort::PriceDesc),
        ("-created_at", ProductSort::Newest),
    ];
    for (key, sort) in table {
        assert_eq!(ProductSort::parse(key).unwrap(), sort);
        assert_eq!(sort.as_str(), key);
    }
    assert_eq!(ProductSort::ALL.len(), table.len());
}

#[test]
fn unknown_sort_keys_are_rejected_and_the_default_is_newest() {
    for bad in [
        "",
        "created_at",
        "+price",
        "Name",
        "price ",
        "-stock",
        "rating",
    ] {
        assert_eq!(
            ProductSort::parse(bad).unwrap_err().field,
            "sort",
            "{bad:?}"
        );
    }
    assert_eq!(ProductSort::default(), ProductSort::Newest);
}

#[test]
fn price_bounds_must_be_non_negative() {
    let check = |min, max| {
        ProductFilter {
            min_price: min,
            max_price: max,
            ..ProductFilter::default()
        }
        .validate()
        .map_err(|e| fields(&e).join(","))
    };
    assert_eq!(check(None, None), Ok(()));
    assert_eq!(check(Some(0), Some(0)), Ok(()));
    assert_eq!(check(Some(100), Some(500)), Ok(()));
    assert_eq!(check(Some(100), None), Ok(()));
    assert_eq!(check(None, Some(0)), Ok(()));
    assert_eq!(check(Some(-1), None), Err("min_price".into()));
    assert_eq!(check(None, Some(-1)), Err("max_price".into()));
    // An inverted range is valid and matches nothing (JSON Schema cannot
    // state min <= max, so a 422 would surprise a client built from it).
    assert_eq!(check(Some(501), Some(500)), Ok(()));
    assert_eq!(check(Some(-1), Some(-5)), Err("min_price,max_price".into()));
}

#[test]
fn parsing_a_filter_normalises_the_query_and_defaults_the_sort() {
    let f = ProductFilter::parse(
        Some("  latte "),
        Some("hot-drinks"),
        Some(1),
        Some(9),
        None,
        None,
    )
    .unwrap();
    assert_eq!(f.query.as_deref(), Some("latte"));
    assert_eq!(
        f.category,
        Some(CategoryRef::Slug(Slug::parse("hot-drinks").unwrap()))
    );
    assert_eq!(
        (f.min_price, f.max_price, f.sort),
        (Some(1), Some(9), ProductSort::Newest)
    );
    let blank = ProductFilter::parse(Some("   "), None, None, None, Some("-price"), None).unwrap();
    assert_eq!((blank.query, blank.sort), (None, ProductSort::PriceDesc));
}

#[test]
fn parsing_a_filter_reports_every_bad_field_at_once() {
    let long = "q".repeat(201);
    let errors = ProductFilter::parse(
        Some(&long),
        Some("Hot Drinks"),
        Some(-1),
        None,
        Some("cheap"),
        Some("not a cursor"),
    )
    .unwrap_err();
    assert_eq!(
        fields(&errors),
        ["q", "category", "sort", "after", "min_price"]
    );
    assert!(ProductFilter::parse(Some(&"q".repeat(200)), None, None, None, None, None).is_ok());
}

#[test]
fn parsing_a_filter_decodes_a_cursor_of_its_sort_order_only() {
    let now = chrono::Utc::now();
    let p = Product::new(
        ProductName::parse("Latte").unwrap(),
        Slug::parse("latte").unwrap(),
        Money::price(350, Currency::EUR).unwrap(),
        now,
    )
    .unwrap();
    let text = ProductCursor::after(&p, ProductSort::PriceAsc).encode();
    let f = ProductFilter::parse(None, None, None, None, Some("price"), Some(&text)).unwrap();
    assert_eq!(
        f.after,
        Some(ProductCursor::after(&p, ProductSort::PriceAsc))
    );
    let errors =
        ProductFilter::parse(None, None, None, None, Some("name"), Some(&text)).unwrap_err();
    assert_eq!(fields(&errors), ["after"]);
}
