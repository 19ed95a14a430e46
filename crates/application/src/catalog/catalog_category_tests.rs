//! `CatalogService`: creating, updating and deleting categories.

use keel_domain::RepoError;
use keel_domain::catalog::{Category, CategoryId};
use mockall::predicate::eq;

use super::CatalogError;
use super::test_support::{Mocks, Slot, admin, now, slug};

#[tokio::test]
async fn create_category_generates_the_slug_from_the_name_and_stamps_the_clock() {
    let mut m = Mocks::new();
    let created: Slot<Category> = Slot::new();
    let slot = created.clone();
    m.categories.expect_create().times(1).returning(move |c| {
        slot.put(c.clone());
        Ok(())
    });

    let category = m
        .catalog()
        .create_category(
            &admin(),
            "  Crème Brûlée & Co ",
            None,
            Some(" Sweet ".into()),
        )
        .await
        .expect("the category is created");

    assert_eq!(category, created.take());
    assert_eq!(category.name, "Crème Brûlée & Co");
    assert_eq!(category.slug, slug("creme-brulee-co"));
    assert_eq!(category.description.as_deref(), Some("Sweet"));
    assert_eq!((category.created_at, category.updated_at), (now(), now()));
}

#[tokio::test]
async fn create_category_with_an_explicit_slug_uses_it_as_given() {
    let mut m = Mocks::new();
    m.categories
        .expect_create()
        .withf(|c| c.slug == slug("hot") && c.name == "Hot drinks")
        .times(1)
        .returning(|_| Ok(()));

    let category = m
        .catalog()
        .create_category(&admin(), "Hot drinks", Some("hot"), None)
        .await
        .expect("the category is created");

    assert_eq!(category.slug, slug("hot"));
}

#[tokio::test]
async fn create_category_with_a_taken_slug_is_a_conflict() {
    let mut m = Mocks::new();
    m.categories
        .expect_create()
        .times(1)
        .returning(|_| Err(RepoError::Conflict("categories.slug".into())));

    let result = m
        .catalog()
        .create_category(&admin(), "Drinks", None, None)
        .await;

    assert_eq!(
        result,
        Err(CatalogError::Conflict(
            "a category with this slug exists".into()
        ))
    );
}

#[tokio::test]
async fn create_category_named_without_a_latin_letter_or_digit_gets_a_generated_slug() {
    let mut m = Mocks::new();
    m.categories.expect_create().times(1).returning(|_| Ok(()));

    let category = m
        .catalog()
        .create_category(&admin(), "\u{65e5}\u{672c}\u{8336}", None, None)
        .await
        .expect("created");

    assert!(category.slug.as_str().starts_with("category-"));
    assert_eq!(category.name.as_str(), "\u{65e5}\u{672c}\u{8336}");
}

#[tokio::test]
async fn delete_category_in_use_is_a_conflict_and_an_unknown_one_is_not_found() {
    let id = CategoryId::generate();
    for (answer, expected) in [
        (
            Err(RepoError::Conflict("fk".into())),
            Err(CatalogError::Conflict(
                "products still use this category".into(),
            )),
        ),
        (Ok(false), Err(CatalogError::NotFound)),
        (Ok(true), Ok(())),
    ] {
        let mut m = Mocks::new();
        let answer = std::sync::Mutex::new(Some(answer));
        m.categories
            .expect_delete()
            .with(eq(id))
            .times(1)
            .returning(move |_| answer.lock().unwrap().take().expect("one call"));
        let result = m.catalog().delete_category(&admin(), id).await;
        assert_eq!(result, expected);
    }
}

#[tokio::test]
async fn update_category_of_an_unknown_id_is_not_found_and_saves_nothing() {
    let id = CategoryId::generate();
    let mut m = Mocks::new();
    m.categories
        .expect_find_by_id()
        .with(eq(id))
        .times(1)
        .returning(|_| Ok(None));
    m.categories.expect_update().never();

    let result = m
        .catalog()
        .update_category(&admin(), id, Some("New"), None, None)
        .await;

    assert_eq!(result, Err(CatalogError::NotFound));
}
