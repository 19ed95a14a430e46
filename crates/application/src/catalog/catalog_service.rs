use std::sync::Arc;

use keel_domain::catalog::{
    Category, CategoryId, CategoryName, CategoryRepo, FileStorage, ImageDecoder, Product,
    ProductFilter, ProductId, ProductName, ProductRef, ProductRepo, Slug, StorageKey, StoredFile,
};
use keel_domain::clock::Clock;
use keel_domain::identity::Principal;
use keel_domain::money::{Currency, Money};
use keel_domain::{FieldError, Page, PageRequest};

use super::error::{CatalogCase, CatalogError};

/// Input of [`CatalogService::create_product`].
#[derive(Debug, Clone, Default)]
pub struct NewProduct {
    /// 1..=200 characters.
    pub name: String,
    /// Generated from the name when absent (made unique with `-2`, `-3`...).
    pub slug: Option<String>,
    /// Free text.
    pub description: Option<String>,
    /// Price in minor units, >= 0.
    pub price_cents: i64,
    /// ISO 4217 code.
    pub currency: String,
    /// Units in stock.
    pub stock: i64,
    /// The category, if any.
    pub category_id: Option<CategoryId>,
    /// Sold or hidden (default true).
    pub is_active: Option<bool>,
}

/// A partial product update; `Some(None)` clears a nullable field.
#[derive(Debug, Clone, Default)]
pub struct ProductPatch {
    /// New name.
    pub name: Option<String>,
    /// New slug.
    pub slug: Option<String>,
    /// New description.
    pub description: Option<Option<String>>,
    /// New price.
    pub price_cents: Option<i64>,
    /// New currency.
    pub currency: Option<String>,
    /// New stock.
    pub stock: Option<i64>,
    /// New category.
    pub category_id: Option<Option<CategoryId>>,
    /// Sold or hidden.
    pub is_active: Option<bool>,
}

/// Categories, products and their images. Reads are public; writes need `admin`.
pub struct CatalogService {
    categories: Arc<dyn CategoryRepo>,
    products: Arc<dyn ProductRepo>,
    storage: Arc<dyn FileStorage>,
    images: Arc<dyn ImageDecoder>,
    clock: Arc<dyn Clock>,
}

fn stock(raw: i64) -> Result<u32, FieldError> {
    u32::try_from(raw)
        .ok()
        .filter(|s| *s <= i32::MAX as u32)
        .ok_or_else(|| FieldError::new("stock", "must be between 0 and 2147483647"))
}

fn price(cents: i64, currency: &str) -> Result<Money, Vec<FieldError>> {
    let mut errors = Vec::new();
    if cents < 0 {
        errors.push(FieldError::new("price_cents", "must be 0 or more"));
    }
    let currency = Currency::parse(currency)
        .map_err(|_| errors.push(FieldError::new("currency", "must be an ISO 4217 code")))
        .ok();
    match (currency, errors.is_empty()) {
        (Some(currency), true) => Money::price(cents, currency)
            .map_err(|_| vec![FieldError::new("price_cents", "must be 0 or more")]),
        _ => Err(errors),
    }
}

fn description(raw: Option<String>) -> Result<Option<String>, FieldError> {
    match raw.map(|d| d.trim().to_owned()).filter(|d| !d.is_empty()) {
        Some(d) if d.chars().count() > 5000 => Err(FieldError::new(
            "description",
            "must be at most 5000 characters",
        )),
        other => Ok(other),
    }
}

impl CatalogService {
    /// Wires the service.
    pub fn new(
        categories: Arc<dyn CategoryRepo>,
        products: Arc<dyn ProductRepo>,
        storage: Arc<dyn FileStorage>,
        images: Arc<dyn ImageDecoder>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            categories,
            products,
            storage,
            images,
            clock,
        }
    }

    /// Every category.
    ///
    /// # Errors
    /// Storage errors.
    pub async fn categories(&self) -> Result<Vec<Category>, CatalogError> {
        Ok(self.categories.list().await?)
    }

    /// Creates a category (admin); the slug comes from the name when absent.
    ///
    /// # Errors
    /// `Forbidden`, `Validation`, `Conflict` for a taken slug.
    pub async fn create_category(
        &self,
        principal: &Principal,
        name: &str,
        slug: Option<&str>,
        description_text: Option<String>,
    ) -> Result<Category, CatalogError> {
        principal.require_admin()?;
        let name = CategoryName::parse(name).map_err(|e| CatalogError::Validation(vec![e]))?;
        let slug = match slug {
            Some(s) => Slug::parse(s).map_err(|e| CatalogError::Validation(vec![e]))?,
            None => Slug::from_name_or_random(name.as_str(), "category"),
        };
        let mut category = Category::new(name, slug, self.clock.now());
        category.description =
            description(description_text).map_err(|e| CatalogError::Validation(vec![e]))?;
        self.categories
            .create(&category)
            .await
            .map_err(|e| match e {
                keel_domain::RepoError::Conflict(_) => {
                    CatalogError::Conflict("a category with this slug exists".into())
                }
                other => other.into(),
            })?;
        Ok(category)
    }

    /// Updates a category's name, slug or description (admin).
    ///
    /// # Errors
    /// `Forbidden`, `NotFound`, `Validation`, `Conflict` for a taken slug.
    pub async fn update_category(
        &self,
        principal: &Principal,
        id: CategoryId,
        name: Option<&str>,
        slug: Option<&str>,
        description_text: Option<Option<String>>,
    ) -> Result<Category, CatalogError> {
        principal.require_admin()?;
        let mut category = self
            .categories
            .find_by_id(id)
            .await?
            .ok_or(CatalogError::NotFound)?;
        let mut errors = Vec::new();
        if let Some(name) = name {
            match CategoryName::parse(name) {
                Ok(n) => category.name = n.into_inner(),
                Err(e) => errors.push(e),
            }
        }
        if let Some(slug) = slug {
            match Slug::parse(slug) {
                Ok(s) => category.slug = s,
                Err(e) => errors.push(e),
            }
        }
        if let Some(d) = description_text {
            match description(d) {
                Ok(d) => category.description = d,
                Err(e) => errors.push(e),
            }
        }
        if !errors.is_empty() {
            return Err(CatalogError::Validation(errors));
        }
        category.updated_at = self.clock.now();
        match self.categories.update(&category).await {
            Ok(true) => Ok(category),
            Ok(false) => Err(CatalogError::NotFound),
            Err(keel_domain::RepoError::Conflict(_)) => Err(CatalogError::Conflict(
                "a category with this slug exists".into(),
            )),
            Err(e) => Err(e.into()),
        }
    }

    /// Deletes a category no product uses (admin).
    ///
    /// # Errors
    /// `Forbidden`, `NotFound`, `Conflict` while products use it.
    pub async fn delete_category(
        &self,
        principal: &Principal,
        id: CategoryId,
    ) -> Result<(), CatalogError> {
        principal.require_admin()?;
        match self.categories.delete(id).await {
            Ok(true) => Ok(()),
            Ok(false) => Err(CatalogError::NotFound),
            Err(keel_domain::RepoError::Conflict(_)) => Err(CatalogError::Conflict(
                "products still use this category".into(),
            )),
            Err(e) => Err(e.into()),
        }
    }

    /// The public product list.
    ///
    /// # Errors
    /// Storage errors.
    pub async fn products(
        &self,
        filter: &ProductFilter,
        page: PageRequest,
    ) -> Result<Page<Product>, CatalogError> {
        Ok(self.products.list(filter, page).await?)
    }

    /// A purchasable product by id or slug.
    ///
    /// # Errors
    /// `NotFound` for missing, inactive or deleted products.
    pub async fn product(&self, reference: &ProductRef) -> Result<Product, CatalogError> {
        let found = match reference {
            ProductRef::Id(id) => self.products.find_by_id(*id).await?,
            ProductRef::Slug(slug) => self.products.find_by_slug(slug).await?,
        };
        found
            .filter(Product::is_purchasable)
            .ok_or(CatalogError::NotFound)
    }

    /// Creates a product (admin).
    ///
    /// # Errors
    /// `Forbidden`, `Validation`, `Conflict` for a taken slug or unknown category.
    pub async fn create_product(
        &self,
        principal: &Principal,
        input: NewProduct,
    ) -> Result<Product, CatalogError> {
        principal.require_admin()?;
        let mut errors = Vec::new();
        let name = ProductName::parse(&input.name)
            .map_err(|e| errors.push(e))
            .ok();
        let money = price(input.price_cents, &input.currency)
            .map_err(|e| errors.extend(e))
            .ok();
        let units = stock(input.stock).map_err(|e| errors.push(e)).ok();
        let desc = description(input.description)
            .map_err(|e| errors.push(e))
            .ok();
        let explicit = input
            .slug
            .as_deref()
            .map(Slug::parse)
            .transpose()
            .map_err(|e| errors.push(e))
            .ok();
        let (Some(name), Some(money), Some(units), Some(desc), Some(explicit), true) =
            (name, money, units, desc, explicit, errors.is_empty())
        else {
            return Err(CatalogError::Validation(errors));
        };
        let slug = match explicit {
            Some(slug) => slug,
            None => self.unique_slug(name.as_str()).await?,
        };
        let mut product = Product::new(name, slug, money, self.clock.now())?;
        product.description = desc;
        product.stock = units;
        product.category_id = input.category_id;
        product.is_active = input.is_active.unwrap_or(true);
        self.products.create(&product).await.map_err(|e| match e {
            keel_domain::RepoError::Conflict(_) => {
                CatalogError::Conflict("the slug is taken or the category does not exist".into())
            }
            other => other.into(),
        })?;
        Ok(product)
    }

    async fn unique_slug(&self, name: &str) -> Result<Slug, CatalogError> {
        let base = Slug::from_name_or_random(name, "product");
        if !self.products.slug_exists(&base).await? {
            return Ok(base);
        }
        for n in 2..1000 {
            let suffix = format!("-{n}");
            let stem: String = base
                .as_str()
                .chars()
                .take(Slug::MAX_LEN - suffix.len())
                .collect();
            if let Ok(candidate) = Slug::parse(&format!("{}{suffix}", stem.trim_end_matches('-')))
                && !self.products.slug_exists(&candidate).await?
            {
                return Ok(candidate);
            }
        }
        Err(CatalogError::Conflict("no free slug for this name".into()))
    }

    /// Updates a product (admin).
    ///
    /// # Errors
    /// `Forbidden`, `NotFound`, `Validation`, `Conflict`.
    pub async fn update_product(
        &self,
        principal: &Principal,
        id: ProductId,
        patch: ProductPatch,
    ) -> Result<Product, CatalogError> {
        principal.require_admin()?;
        let mut product = self
            .products
            .find_by_id(id)
            .await?
            .filter(|p| p.deleted_at.is_none())
            .ok_or(CatalogError::NotFound)?;
        let mut errors = Vec::new();
        if let Some(name) = patch.name {
            match ProductName::parse(&name) {
                Ok(n) => product.name = n.into_inner(),
                Err(e) => errors.push(e),
            }
        }
        if let Some(slug) = patch.slug {
            match Slug::parse(&slug) {
                Ok(s) => product.slug = s,
                Err(e) => errors.push(e),
            }
        }
        if let Some(d) = patch.description {
            match description(d) {
                Ok(d) => product.description = d,
                Err(e) => errors.push(e),
            }
        }
        if patch.price_cents.is_some() || patch.currency.is_some() {
            let cents = patch.price_cents.unwrap_or(product.price.amount_minor());
            let currency = patch
                .currency
                .unwrap_or_else(|| product.price.currency().as_str().to_owned());
            match price(cents, &currency) {
                Ok(m) => product.price = m,
                Err(e) => errors.extend(e),
            }
        }
        if let Some(s) = patch.stock {
            match stock(s) {
                Ok(s) => product.stock = s,
                Err(e) => errors.push(e),
            }
        }
        if !errors.is_empty() {
            return Err(CatalogError::Validation(errors));
        }
        if let Some(category) = patch.category_id {
            product.category_id = category;
        }
        if let Some(active) = patch.is_active {
            product.is_active = active;
        }
        product.updated_at = self.clock.now();
        match self.products.update(&product).await {
            Ok(true) => Ok(product),
            Ok(false) => Err(CatalogError::NotFound),
            Err(keel_domain::RepoError::Conflict(_)) => Err(CatalogError::Conflict(
                "the slug is taken or the category does not exist".into(),
            )),
            Err(e) => Err(e.into()),
        }
    }

    /// Soft-deletes a product (admin); orders keep their snapshots.
    ///
    /// # Errors
    /// `Forbidden`, `NotFound`.
    pub async fn delete_product(
        &self,
        principal: &Principal,
        id: ProductId,
    ) -> Result<(), CatalogError> {
        principal.require_admin()?;
        if self.products.soft_delete(id, self.clock.now()).await? {
            Ok(())
        } else {
            Err(CatalogError::NotFound)
        }
    }

    /// Whether `principal` may add an image to product `id`: checked before
    /// an upload's body is read, so a customer or a wrong id costs nothing.
    ///
    /// # Errors
    /// `Forbidden` unless admin, `NotFound` for an unknown or deleted product.
    pub async fn check_image_target(
        &self,
        principal: &Principal,
        id: ProductId,
    ) -> Result<(), CatalogError> {
        principal.require_admin()?;
        let product = self.products.find_by_id(id).await?;
        if product.is_none_or(|p| p.deleted_at.is_some()) {
            return Err(CatalogError::NotFound);
        }
        Ok(())
    }

    /// Stores an image for a product (admin) under a generated name and
    /// returns its key; the type is decided by the bytes, never by a name or
    /// header.
    ///
    /// # Errors
    /// `Forbidden`, `NotFound`, `UnsupportedMediaType`, storage errors.
    pub async fn add_image(
        &self,
        principal: &Principal,
        id: ProductId,
        bytes: Vec<u8>,
    ) -> Result<StorageKey, CatalogError> {
        self.check_image_target(principal, id).await?;
        let kind = self
            .images
            .inspect(&bytes)
            .await
            .ok_or(CatalogError::Case(CatalogCase::UnsupportedMediaType))?
            .kind;
        let key = StorageKey::generate(kind);
        self.storage.put(&key, bytes, kind).await?;
        if !self.products.add_image(id, &key, self.clock.now()).await? {
            self.storage.delete(&key).await.ok();
            return Err(CatalogError::NotFound);
        }
        Ok(key)
    }

    /// An uploaded image by its key.
    ///
    /// # Errors
    /// `NotFound` for a malformed or unknown key; storage errors.
    pub async fn image(&self, key: &str) -> Result<StoredFile, CatalogError> {
        let key = StorageKey::parse(key).map_err(|_| CatalogError::NotFound)?;
        self.storage.get(&key).await?.ok_or(CatalogError::NotFound)
    }
}
