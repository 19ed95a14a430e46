//! Fixtures for the catalog and ordering use-case tests: one mock per port,
//! sample principals, products, carts and orders.

use std::sync::Arc;

use chrono::Duration;
use keel_domain::catalog::ports::{
    MockCategoryRepo, MockFileStorage, MockImageDecoder, MockProductRepo,
};
use keel_domain::catalog::{ImageInfo, ImageType};
use keel_domain::catalog::{Product, ProductId, ProductName, Slug};
use keel_domain::clock::MockClock;
use keel_domain::identity::{Principal, Role, UserId};
use keel_domain::money::{Currency, Money};
use keel_domain::ordering::ports::{MockCartRepo, MockOrderRepo};
use keel_domain::ordering::{Cart, Order, OrderId, OrderItem, OrderStatus, Quantity};

use super::principal_with as principal;
pub(crate) use super::{Slot, invalid_fields, now};
use crate::catalog::CatalogService;
use crate::ordering::{CartService, OrderService};

/// A customer.
pub(crate) fn customer() -> Principal {
    principal(Role::Customer)
}

/// A staff member.
pub(crate) fn staff() -> Principal {
    principal(Role::Staff)
}

/// An admin.
pub(crate) fn admin() -> Principal {
    principal(Role::Admin)
}

/// `cents` euro cents.
pub(crate) fn eur(cents: i64) -> Money {
    Money::price(cents, Currency::EUR).expect("a valid price")
}

/// A quantity in 1..=99.
pub(crate) fn qty(n: i64) -> Quantity {
    Quantity::parse(n).expect("a valid quantity")
}

/// A slug.
pub(crate) fn slug(raw: &str) -> Slug {
    Slug::parse(raw).expect("a valid slug")
}

/// An active product `name` at `price` with 10 in stock, created a day
/// before [`now`]; its slug comes from the name.
pub(crate) fn product(name: &str, price: Money) -> Product {
    let slug = Slug::from_name(name).expect("a name with letters");
    let mut product = Product::new(
        ProductName::parse(name).expect("a valid name"),
        slug,
        price,
        now() - Duration::days(1),
    )
    .expect("a non-negative price");
    product.stock = 10;
    product
}

/// [`product`], hidden from the shop.
pub(crate) fn inactive(name: &str, price: Money) -> Product {
    let mut p = product(name, price);
    p.is_active = false;
    p
}

/// [`product`], soft-deleted an hour before [`now`] (and so inactive).
pub(crate) fn deleted(name: &str, price: Money) -> Product {
    let mut p = product(name, price);
    p.is_active = false;
    p.deleted_at = Some(now() - Duration::hours(1));
    p
}

/// A cart of `user_id` holding `items` in that order.
pub(crate) fn cart(user_id: UserId, items: &[(ProductId, i64)]) -> Cart {
    let mut cart = Cart::new(user_id);
    for (id, n) in items {
        cart.set(*id, qty(*n));
    }
    cart
}

/// A one-line order of `user_id` (2 × 3.50 EUR) in `status`.
pub(crate) fn order(user_id: UserId, status: OrderStatus) -> Order {
    let item = OrderItem::snapshot(ProductId::generate(), "Espresso", eur(350), qty(2))
        .expect("a valid line");
    let mut order = Order::place(
        OrderId::generate(),
        user_id,
        vec![item],
        None,
        now() - Duration::hours(2),
    )
    .expect("a valid order");
    order.status = status;
    order
}

/// One mock per shop port. Only the clock (always [`now`]) and the image
/// decoder (a 1×1 image of whatever type the magic bytes name; replace
/// `images` to change that) have expectations; any other call a test did not
/// expect panics, so a test that sets no expectation on a port also proves
/// the port is not touched.
pub(crate) struct Mocks {
    pub(crate) categories: MockCategoryRepo,
    pub(crate) products: MockProductRepo,
    pub(crate) storage: MockFileStorage,
    pub(crate) images: MockImageDecoder,
    pub(crate) carts: MockCartRepo,
    pub(crate) orders: MockOrderRepo,
    pub(crate) clock: MockClock,
}

impl Mocks {
    /// Fresh mocks with the clock fixed at [`now`].
    pub(crate) fn new() -> Self {
        let mut clock = MockClock::new();
        clock.expect_now().return_const(now());
        let mut images = MockImageDecoder::new();
        images.expect_inspect().returning(|bytes| {
            ImageType::sniff(bytes).map(|kind| ImageInfo {
                kind,
                width: 1,
                height: 1,
            })
        });
        Self {
            categories: MockCategoryRepo::new(),
            products: MockProductRepo::new(),
            storage: MockFileStorage::new(),
            images,
            carts: MockCartRepo::new(),
            orders: MockOrderRepo::new(),
            clock,
        }
    }

    /// A [`CatalogService`] over these mocks.
    pub(crate) fn catalog(self) -> CatalogService {
        CatalogService::new(
            Arc::new(self.categories),
            Arc::new(self.products),
            Arc::new(self.storage),
            Arc::new(self.images),
            Arc::new(self.clock),
        )
    }

    /// A [`CartService`] over these mocks whose empty cart is in `currency`.
    pub(crate) fn carts(self, currency: Currency) -> CartService {
        CartService::new(
            Arc::new(self.carts),
            Arc::new(self.products),
            Arc::new(self.clock),
            currency,
        )
    }

    /// An [`OrderService`] over these mocks.
    pub(crate) fn orders(self) -> OrderService {
        OrderService::new(Arc::new(self.orders), Arc::new(self.clock))
    }

    /// `find_by_id(product.id)` answers `found` exactly `times` times.
    pub(crate) fn expect_find(&mut self, id: ProductId, found: Option<Product>, times: usize) {
        self.products
            .expect_find_by_id()
            .with(mockall::predicate::eq(id))
            .times(times)
            .returning(move |_| Ok(found.clone()));
    }
}
