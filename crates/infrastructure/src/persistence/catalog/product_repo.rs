//! [`ProductRepo`] on SeaORM: products, their images and the public list.

use std::collections::HashMap;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use keel_domain::catalog::{
    CategoryId, CategoryRef, CursorKey, Product, ProductCursor, ProductFilter, ProductId,
    ProductRepo, ProductSort, Slug, StorageKey,
};
use keel_domain::money::{Currency, Money};
use keel_domain::{Page, PageRequest, RepoError};
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::{Expr, ExprTrait, Query, QueryStatementBuilder};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseBackend, DatabaseConnection, EntityTrait,
    FromQueryResult, Order, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Statement,
};
use uuid::Uuid;

use crate::cache::TtlCache;
use crate::persistence::database::{
    begin_write, like_pattern, page_total, repo_err, with_page_bounds,
};
use crate::persistence::entities::{categories, product_images, products};

use super::{corrupt, missing_category};

/// [`ProductRepo`] on SeaORM. Image URLs live in `product_images`, ordered
/// by `created_at` then id.
///
/// The public list's `total` (a `COUNT(*)` over every matching row, the
/// costliest part of a page) is cached per filter for [`LIST_TOTAL_TTL`] and
/// dropped on every product write through this adapter; stock changes do not
/// affect it. Rows themselves are always read fresh.
#[derive(Clone)]
pub struct SeaOrmProductRepo {
    db: DatabaseConnection,
    totals: std::sync::Arc<TtlCache<String, u64>>,
}

/// How long a list total may be reused.
pub const LIST_TOTAL_TTL: std::time::Duration = std::time::Duration::from_secs(2);

impl std::fmt::Debug for SeaOrmProductRepo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SeaOrmProductRepo").finish_non_exhaustive()
    }
}

impl SeaOrmProductRepo {
    /// An adapter over `db`.
    pub fn new(db: DatabaseConnection) -> Self {
        Self {
            db,
            totals: std::sync::Arc::new(TtlCache::new(LIST_TOTAL_TTL)),
        }
    }

    fn forget_totals(&self) {
        self.totals.remove_where(|_| true);
    }
}

fn product_from_row(m: products::Model, images: Vec<String>) -> Result<Product, RepoError> {
    let currency = Currency::parse(&m.currency).map_err(|_| corrupt("product currency"))?;
    Ok(Product {
        id: ProductId::from_uuid(m.id),
        category_id: m.category_id.map(CategoryId::from_uuid),
        name: m.name,
        slug: Slug::parse(&m.slug).map_err(|_| corrupt("product slug"))?,
        description: m.description,
        price: Money::price(m.price_cents, currency).map_err(|_| corrupt("product price"))?,
        stock: u32::try_from(m.stock).map_err(|_| corrupt("product stock"))?,
        is_active: m.is_active,
        images: images
            .iter()
            .map(|k| StorageKey::parse(k).map_err(|_| corrupt("image key")))
            .collect::<Result<_, _>>()?,
        created_at: m.created_at,
        updated_at: m.updated_at,
        deleted_at: m.deleted_at,
    })
}

/// The stored stock: `u32` clamped into the `i32` column.
fn stock_column(stock: u32) -> i32 {
    i32::try_from(stock).unwrap_or(i32::MAX)
}

fn product_to_row(p: &Product) -> products::ActiveModel {
    products::ActiveModel {
        id: Set(p.id.as_uuid()),
        category_id: Set(p.category_id.map(|c| c.as_uuid())),
        name: Set(p.name.clone()),
        slug: Set(p.slug.as_str().to_owned()),
        description: Set(p.description.clone()),
        price_cents: Set(p.price.amount_minor()),
        currency: Set(p.price.currency().as_str().to_owned()),
        stock: Set(stock_column(p.stock)),
        is_active: Set(p.is_active),
        created_at: Set(p.created_at),
        updated_at: Set(p.updated_at),
        deleted_at: Set(p.deleted_at),
    }
}

/// Image rows for `keys`, all created at `at`, with ids increasing in list
/// order so `ORDER BY created_at, id` gives the keys back in order.
fn image_rows(
    product: Uuid,
    keys: &[StorageKey],
    at: DateTime<Utc>,
) -> Vec<product_images::ActiveModel> {
    let mut ids: Vec<Uuid> = keys.iter().map(|_| Uuid::now_v7()).collect();
    ids.sort_unstable();
    ids.into_iter()
        .zip(keys)
        .map(|(id, key)| product_images::ActiveModel {
            id: Set(id),
            product_id: Set(product),
            storage_key: Set(key.as_str().to_owned()),
            created_at: Set(at),
        })
        .collect()
}

/// Fails with [`RepoError::Conflict`] unless category `id` exists. The row
/// is share-locked on PostgreSQL so it cannot be deleted before commit.
async fn ensure_category(conn: &impl ConnectionTrait, id: CategoryId) -> Result<(), RepoError> {
    let found = categories::Entity::find_by_id(id.as_uuid())
        .lock_shared()
        .one(conn)
        .await
        .map_err(repo_err)?;
    found.map(|_| ()).ok_or_else(|| missing_category(id))
}

/// The image keys of each of `ids`, in upload order, in one query.
async fn image_keys_of(
    conn: &impl ConnectionTrait,
    ids: Vec<Uuid>,
) -> Result<HashMap<Uuid, Vec<String>>, RepoError> {
    let mut by_product: HashMap<Uuid, Vec<String>> = HashMap::new();
    if ids.is_empty() {
        return Ok(by_product);
    }
    let rows = product_images::Entity::find()
        .filter(product_images::Column::ProductId.is_in(ids))
        .order_by_asc(product_images::Column::CreatedAt)
        .order_by_asc(product_images::Column::Id)
        .all(conn)
        .await
        .map_err(repo_err)?;
    for row in rows {
        by_product
            .entry(row.product_id)
            .or_default()
            .push(row.storage_key);
    }
    Ok(by_product)
}

/// The purchasable products matching every set field of `filter`.
fn list_condition(filter: &ProductFilter) -> Condition {
    // `is_active` is written as the bare column, not `= $1`: PostgreSQL
    // plans a prepared statement once for every binding (a generic plan),
    // and only a literal lets it prove the sort indexes' partial predicate
    // (`WHERE is_active AND deleted_at IS NULL`); with a parameter, every
    // execution was planned anew or fell back to a sort of every row.
    let mut cond = Condition::all()
        .add(Expr::col((products::Entity, products::Column::IsActive)))
        .add(products::Column::DeletedAt.is_null());
    if let Some(q) = &filter.query {
        // The same expression as the trigram index of the products migration,
        // so PostgreSQL can use it.
        let haystack = Expr::cust(
            r#"LOWER("products"."name" || ' ' || COALESCE("products"."description", ''))"#,
        );
        cond = cond.add(haystack.like(like_pattern(&q.to_lowercase())));
    }
    match &filter.category {
        Some(CategoryRef::Id(id)) => {
            cond = cond.add(products::Column::CategoryId.eq(id.as_uuid()));
        }
        Some(CategoryRef::Slug(slug)) => {
            cond = cond.add(
                products::Column::CategoryId.in_subquery(
                    Query::select()
                        .column(categories::Column::Id)
                        .from(categories::Entity)
                        .and_where(categories::Column::Slug.eq(slug.as_str()))
                        .to_owned(),
                ),
            );
        }
        None => {}
    }
    if let Some(min) = filter.min_price {
        cond = cond.add(products::Column::PriceCents.gte(min));
    }
    if let Some(max) = filter.max_price {
        cond = cond.add(products::Column::PriceCents.lte(max));
    }
    cond
}

/// The image keys of the outer `page` row, in upload order, joined by
/// spaces (keys are `[a-z0-9.]`), aggregated inside the list statement.
/// `string_agg` with `ORDER BY` is PostgreSQL's and SQLite's (3.44+) alike.
const IMAGE_KEYS_SQL: &str = r#"(SELECT string_agg("pi"."storage_key", ' ' ORDER BY "pi"."created_at", "pi"."id") FROM "product_images" AS "pi" WHERE "pi"."product_id" = "page"."id")"#;

/// Alias of the page subquery [`IMAGE_KEYS_SQL`] refers to.
const PAGE_ALIAS: &str = "page";

/// Alias of the aggregated image keys in a list row.
const IMAGES_COLUMN: &str = "keel_image_keys";

/// Alias of the list total in a list row.
const TOTAL_COLUMN: &str = "keel_list_total";

/// A list row: the product, its image keys and (unless cached) the total.
struct ListRow {
    model: products::Model,
    images: Option<String>,
    total: Option<i64>,
}

impl sea_orm::FromQueryResult for ListRow {
    fn from_query_result(res: &sea_orm::QueryResult, pre: &str) -> Result<Self, sea_orm::DbErr> {
        Ok(Self {
            model: products::Model::from_query_result(res, pre)?,
            images: res.try_get(pre, IMAGES_COLUMN)?,
            total: res.try_get(pre, TOTAL_COLUMN).ok(),
        })
    }
}

/// `(SELECT COUNT(*) FROM products WHERE <filter>)`: uncorrelated, so both
/// engines evaluate it once per statement, while the outer query still
/// stops after its page on the sort index.
fn total_subquery(filter: &ProductFilter) -> Expr {
    let count = Query::select()
        .expr(Expr::cust("COUNT(*)"))
        .from(products::Entity)
        .cond_where(list_condition(filter))
        .to_owned();
    Expr::SubQuery(None, Box::new(count.into_sub_query_statement()))
}

/// Rows strictly after `cursor` in its order: `(key, id) > (k, i)` for an
/// ascending sort, `<` for a descending one (a row-value comparison both
/// engines answer from the `(key, id)` sort index).
fn keyset_condition(cursor: &ProductCursor) -> Expr {
    let (column, order) = sort_key(cursor.sort);
    let value = match &cursor.key {
        CursorKey::Name(name) => Expr::value(name.clone()),
        CursorKey::Price(cents) => Expr::value(*cents),
        CursorKey::Created(at) => Expr::value(*at),
    };
    let left = Expr::tuple([
        Expr::col((products::Entity, column)),
        Expr::col((products::Entity, products::Column::Id)),
    ]);
    let right = Expr::tuple([value, Expr::value(cursor.id.as_uuid())]);
    match order {
        Order::Asc => left.gt(right),
        _ => left.lt(right),
    }
}

/// The sort key and direction of `sort`; the id breaks ties in the same
/// direction.
fn sort_key(sort: ProductSort) -> (products::Column, Order) {
    match sort {
        ProductSort::NameAsc => (products::Column::Name, Order::Asc),
        ProductSort::NameDesc => (products::Column::Name, Order::Desc),
        ProductSort::PriceAsc => (products::Column::PriceCents, Order::Asc),
        ProductSort::PriceDesc => (products::Column::PriceCents, Order::Desc),
        ProductSort::Newest => (products::Column::CreatedAt, Order::Desc),
    }
}

/// Alias of the page's ids and sort keys in [`list_query`].
const KEYS_ALIAS: &str = "keys";

/// The one statement of a list page, a deferred join: first the page's ids
/// and sort keys (with the filter's total when `with_total`) as a
/// subquery, read off the `(key, id)` sort index alone when no search term,
/// category or price filter needs other columns (an index-only scan on
/// PostgreSQL), so each row an `OFFSET` skips costs an index entry instead
/// of a table row; then each of the page's rows by primary key,
/// and its image keys. On PostgreSQL the row is a LATERAL lookup, which the
/// planner cannot turn into a hash join over the whole table; SQLite always
/// looks a primary key up. The limit is a literal ([`with_page_bounds`]).
fn list_query(
    filter: &ProductFilter,
    page: PageRequest,
    with_total: bool,
    backend: DatabaseBackend,
) -> Statement {
    let (key, order) = sort_key(filter.sort);
    let mut cond = list_condition(filter);
    if let Some(after) = &filter.after {
        cond = cond.add(keyset_condition(after));
    }
    let offset = if filter.after.is_some() {
        0
    } else {
        page.offset()
    };
    let mut keys = Query::select();
    keys.column((products::Entity, products::Column::Id))
        .column((products::Entity, key))
        .from(products::Entity)
        .cond_where(cond);
    if with_total {
        keys.expr_as(total_subquery(filter), TOTAL_COLUMN);
    }
    keys.order_by((products::Entity, key), order.clone())
        .order_by((products::Entity, products::Column::Id), order.clone());
    let keys = with_page_bounds(backend, &keys, page.size(), offset);
    let key = sea_orm::IdenStatic::as_str(&key);
    let dir = match order {
        Order::Asc => "ASC",
        _ => "DESC",
    };
    let total = if with_total {
        format!(r#", "{KEYS_ALIAS}"."{TOTAL_COLUMN}""#)
    } else {
        String::new()
    };
    let row = if backend == DatabaseBackend::Postgres {
        format!(
            r#"INNER JOIN LATERAL (SELECT * FROM "products" WHERE "products"."id" = "{KEYS_ALIAS}"."id") AS "{PAGE_ALIAS}" ON TRUE"#
        )
    } else {
        format!(
            r#"INNER JOIN "products" AS "{PAGE_ALIAS}" ON "{PAGE_ALIAS}"."id" = "{KEYS_ALIAS}"."id""#
        )
    };
    Statement {
        sql: format!(
            r#"SELECT "{PAGE_ALIAS}".*, {IMAGE_KEYS_SQL} AS "{IMAGES_COLUMN}"{total} FROM ({keys}) AS "{KEYS_ALIAS}" {row} ORDER BY "{KEYS_ALIAS}"."{key}" {dir}, "{KEYS_ALIAS}"."id" {dir}"#,
            keys = keys.sql
        ),
        ..keys
    }
}

impl SeaOrmProductRepo {
    /// The database's plan for the statement [`ProductRepo::list`] sends for
    /// `filter` and `page` (with its total), one line per plan line:
    /// `EXPLAIN` on PostgreSQL, `EXPLAIN QUERY PLAN` on SQLite. For tests
    /// and diagnosis; it reads nothing but the plan.
    ///
    /// # Errors
    /// The driver's error.
    pub async fn explain_list(
        &self,
        filter: &ProductFilter,
        page: PageRequest,
    ) -> Result<Vec<String>, RepoError> {
        let backend = self.db.get_database_backend();
        let stmt = list_query(filter, page, true, backend);
        let (prefix, column) = match backend {
            DatabaseBackend::Sqlite => ("EXPLAIN QUERY PLAN ", 3),
            _ => ("EXPLAIN ", 0),
        };
        let explain = Statement {
            sql: format!("{prefix}{}", stmt.sql),
            ..stmt
        };
        self.db
            .query_all_raw(explain)
            .await
            .map_err(repo_err)?
            .iter()
            .map(|row| row.try_get_by_index::<String>(column).map_err(repo_err))
            .collect()
    }

    async fn find_one(&self, cond: Condition) -> Result<Option<Product>, RepoError> {
        let Some(row) = products::Entity::find()
            .filter(cond)
            .one(&self.db)
            .await
            .map_err(repo_err)?
        else {
            return Ok(None);
        };
        let mut images = image_keys_of(&self.db, vec![row.id]).await?;
        let keys = images.remove(&row.id).unwrap_or_default();
        product_from_row(row, keys).map(Some)
    }
}

#[async_trait]
impl ProductRepo for SeaOrmProductRepo {
    async fn create(&self, product: &Product) -> Result<(), RepoError> {
        self.forget_totals();
        let txn = begin_write(&self.db).await.map_err(repo_err)?;
        if let Some(category) = product.category_id {
            ensure_category(&txn, category).await?;
        }
        products::Entity::insert(product_to_row(product))
            .exec_without_returning(&txn)
            .await
            .map_err(repo_err)?;
        let images = image_rows(product.id.as_uuid(), &product.images, product.created_at);
        if !images.is_empty() {
            product_images::Entity::insert_many(images)
                .exec_without_returning(&txn)
                .await
                .map_err(repo_err)?;
        }
        txn.commit().await.map_err(repo_err)
    }

    async fn update(&self, product: &Product) -> Result<bool, RepoError> {
        self.forget_totals();
        let id = product.id.as_uuid();
        let txn = begin_write(&self.db).await.map_err(repo_err)?;
        let live = products::Entity::find_by_id(id)
            .filter(products::Column::DeletedAt.is_null())
            .count(&txn)
            .await
            .map_err(repo_err)?;
        if live == 0 {
            txn.rollback().await.map_err(repo_err)?;
            return Ok(false);
        }
        if let Some(category) = product.category_id {
            ensure_category(&txn, category).await?;
        }
        let updated = products::Entity::update_many()
            .col_expr(
                products::Column::CategoryId,
                Expr::value(product.category_id.map(|c| c.as_uuid())),
            )
            .col_expr(products::Column::Name, Expr::value(product.name.clone()))
            .col_expr(products::Column::Slug, Expr::value(product.slug.as_str()))
            .col_expr(
                products::Column::Description,
                Expr::value(product.description.clone()),
            )
            .col_expr(
                products::Column::PriceCents,
                Expr::value(product.price.amount_minor()),
            )
            .col_expr(
                products::Column::Currency,
                Expr::value(product.price.currency().as_str()),
            )
            .col_expr(
                products::Column::Stock,
                Expr::value(stock_column(product.stock)),
            )
            .col_expr(products::Column::IsActive, Expr::value(product.is_active))
            .col_expr(products::Column::UpdatedAt, Expr::value(product.updated_at))
            .filter(products::Column::Id.eq(id))
            .filter(products::Column::DeletedAt.is_null())
            .exec(&txn)
            .await
            .map_err(repo_err)?;
        txn.commit().await.map_err(repo_err)?;
        Ok(updated.rows_affected == 1)
    }

    async fn soft_delete(&self, id: ProductId, now: DateTime<Utc>) -> Result<bool, RepoError> {
        self.forget_totals();
        let updated = products::Entity::update_many()
            .col_expr(products::Column::DeletedAt, Expr::value(now))
            .col_expr(products::Column::UpdatedAt, Expr::value(now))
            .col_expr(products::Column::IsActive, Expr::value(false))
            .filter(products::Column::Id.eq(id.as_uuid()))
            .filter(products::Column::DeletedAt.is_null())
            .exec(&self.db)
            .await
            .map_err(repo_err)?;
        Ok(updated.rows_affected == 1)
    }

    async fn find_by_id(&self, id: ProductId) -> Result<Option<Product>, RepoError> {
        self.find_one(Condition::all().add(products::Column::Id.eq(id.as_uuid())))
            .await
    }

    async fn find_by_slug(&self, slug: &Slug) -> Result<Option<Product>, RepoError> {
        self.find_one(Condition::all().add(products::Column::Slug.eq(slug.as_str())))
            .await
    }

    async fn list(
        &self,
        filter: &ProductFilter,
        page: PageRequest,
    ) -> Result<Page<Product>, RepoError> {
        let total_key = format!(
            "{:?}|{:?}|{:?}|{:?}",
            filter.query, filter.category, filter.min_price, filter.max_price
        );
        let cached_total = self.totals.get(&total_key);
        let backend = self.db.get_database_backend();
        let stmt = list_query(filter, page, cached_total.is_none(), backend);
        let rows = ListRow::find_by_statement(stmt)
            .all(&self.db)
            .await
            .map_err(repo_err)?;
        let total = match cached_total {
            Some(total) => total,
            None => {
                let carried = rows.first().map(|r| r.total.unwrap_or_default());
                let from_the_start = page.offset() == 0 && filter.after.is_none();
                let count = products::Entity::find()
                    .filter(list_condition(filter))
                    .count(&self.db);
                let total = page_total(carried, from_the_start, count).await?;
                self.totals.insert(total_key, total);
                total
            }
        };
        let items = rows
            .into_iter()
            .map(|row| {
                let keys = row
                    .images
                    .map(|k| k.split(' ').map(str::to_owned).collect())
                    .unwrap_or_default();
                product_from_row(row.model, keys)
            })
            .collect::<Result<_, _>>()?;
        Ok(Page {
            items,
            total,
            request: page,
        })
    }

    async fn add_image(
        &self,
        id: ProductId,
        key: &StorageKey,
        now: DateTime<Utc>,
    ) -> Result<bool, RepoError> {
        let txn = begin_write(&self.db).await.map_err(repo_err)?;
        let touched = products::Entity::update_many()
            .col_expr(products::Column::UpdatedAt, Expr::value(now))
            .filter(products::Column::Id.eq(id.as_uuid()))
            .filter(products::Column::DeletedAt.is_null())
            .exec(&txn)
            .await
            .map_err(repo_err)?;
        if touched.rows_affected != 1 {
            txn.rollback().await.map_err(repo_err)?;
            return Ok(false);
        }
        product_images::Entity::insert(product_images::ActiveModel {
            id: Set(Uuid::now_v7()),
            product_id: Set(id.as_uuid()),
            storage_key: Set(key.as_str().to_owned()),
            created_at: Set(now),
        })
        .exec_without_returning(&txn)
        .await
        .map_err(repo_err)?;
        txn.commit().await.map_err(repo_err)?;
        Ok(true)
    }

    async fn slug_exists(&self, slug: &Slug) -> Result<bool, RepoError> {
        let n = products::Entity::find()
            .filter(products::Column::Slug.eq(slug.as_str()))
            .count(&self.db)
            .await
            .map_err(repo_err)?;
        Ok(n > 0)
    }
}
