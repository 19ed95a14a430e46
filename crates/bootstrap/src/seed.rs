//! `keel seed`: an idempotent demo bakery catalog, and optional generated
//! products for benchmarks.

use chrono::Utc;
use keel_domain::catalog::{
    Category, CategoryName, CategoryRepo, Product, ProductName, ProductRepo, Slug,
};
use keel_domain::money::{Currency, Money};
use keel_infrastructure::persistence::{SeaOrmCategoryRepo, SeaOrmProductRepo};
use sea_orm::{ConnectionTrait, DatabaseConnection};

/// A demo product: name, description, price in cents, stock.
type DemoProduct = (&'static str, &'static str, i64, u32);

/// The demo categories and their products.
const BAKERY: &[(&str, &[DemoProduct])] = &[
    (
        "Breads",
        &[
            (
                "Baguette tradition",
                "Crisp crust, open crumb, 24 h fermentation.",
                130,
                60,
            ),
            (
                "Country sourdough",
                "Wheat and rye levain loaf, 800 g.",
                590,
                25,
            ),
            ("Rye bread", "Dark, dense, with caraway.", 520, 15),
            (
                "Multigrain loaf",
                "Sunflower, flax, sesame and oats.",
                480,
                20,
            ),
            ("Ciabatta", "Olive oil, airy and chewy.", 350, 18),
            (
                "Brioche loaf",
                "Butter and eggs, for toast and French toast.",
                650,
                12,
            ),
            (
                "Focaccia rosemary",
                "Sea salt, rosemary, generous olive oil.",
                420,
                10,
            ),
        ],
    ),
    (
        "Viennoiserie",
        &[
            ("Croissant", "All-butter, laminated in 27 layers.", 150, 80),
            ("Pain au chocolat", "Two bars of dark chocolate.", 180, 70),
            ("Almond croissant", "Twice-baked with frangipane.", 290, 30),
            (
                "Pain aux raisins",
                "Custard and rum-soaked raisins.",
                220,
                30,
            ),
            ("Kouign-amann", "Caramelised Breton butter cake.", 320, 20),
            (
                "Cinnamon roll",
                "Brown sugar, cinnamon, cream-cheese glaze.",
                310,
                25,
            ),
        ],
    ),
    (
        "Cakes & Tarts",
        &[
            ("Lemon tart", "Sweet pastry, sharp lemon curd.", 450, 12),
            (
                "Apple tart",
                "Thin apples on puff pastry, apricot glaze.",
                420,
                12,
            ),
            (
                "Chocolate fondant",
                "Dark chocolate, molten heart.",
                480,
                10,
            ),
            ("Paris-Brest", "Choux ring, praline cream.", 560, 8),
            (
                "Carrot cake slice",
                "Walnuts, spices, cream-cheese frosting.",
                390,
                14,
            ),
            ("Cheesecake slice", "Baked New York style.", 410, 14),
            ("Opéra", "Coffee, chocolate and almond sponge.", 520, 8),
        ],
    ),
    (
        "Cookies & Small Bites",
        &[
            ("Chocolate chip cookie", "Brown butter, sea salt.", 220, 40),
            (
                "Macaron box (6)",
                "Pistachio, raspberry, vanilla, chocolate, lemon, coffee.",
                1200,
                15,
            ),
            ("Madeleines (4)", "Honey and lemon zest.", 380, 20),
            ("Financiers (4)", "Brown butter and almond.", 400, 20),
            ("Shortbread", "Scottish style, three ingredients.", 250, 30),
        ],
    ),
    (
        "Drinks",
        &[
            ("Espresso", "Single origin, roasted locally.", 220, 500),
            ("Cappuccino", "Double shot, steamed milk.", 340, 500),
            ("Hot chocolate", "Made with 70% dark chocolate.", 380, 300),
            ("Fresh orange juice", "Pressed to order.", 420, 100),
        ],
    ),
];

/// What `seed` created.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Seeded {
    /// Categories created (existing ones are kept).
    pub categories: usize,
    /// Products created (existing ones are kept).
    pub products: usize,
}

fn slug(name: &str) -> anyhow::Result<Slug> {
    Slug::from_name(name).ok_or_else(|| anyhow::anyhow!("no slug for {name}"))
}

/// Creates the demo catalog and `extra` generated products (`bench-product-N`),
/// skipping whatever already exists, so running it again changes nothing.
///
/// # Errors
/// Storage errors.
pub async fn seed(
    db: &DatabaseConnection,
    currency: Currency,
    extra: u32,
) -> anyhow::Result<Seeded> {
    let categories = SeaOrmCategoryRepo::new(db.clone());
    let products = SeaOrmProductRepo::new(db.clone());
    let mut seeded = Seeded::default();
    let now = Utc::now();
    for (category_name, items) in BAKERY {
        let cat_slug = slug(category_name)?;
        let category = match categories.find_by_slug(&cat_slug).await? {
            Some(existing) => existing,
            None => {
                let category = Category::new(CategoryName::parse(category_name)?, cat_slug, now);
                categories.create(&category).await?;
                seeded.categories += 1;
                category
            }
        };
        for (name, description, cents, stock) in *items {
            let product_slug = slug(name)?;
            if products.slug_exists(&product_slug).await? {
                continue;
            }
            let mut product = Product::new(
                ProductName::parse(name)?,
                product_slug,
                Money::price(*cents, currency)?,
                now,
            )?;
            product.description = Some((*description).to_owned());
            product.stock = *stock;
            product.category_id = Some(category.id);
            products.create(&product).await?;
            seeded.products += 1;
        }
    }
    for n in 1..=extra {
        let now = now + chrono::Duration::microseconds(i64::from(n));
        let name = format!("Bench product {n}");
        let product_slug = slug(&name)?;
        if products.slug_exists(&product_slug).await? {
            continue;
        }
        let cents = 100 + i64::from(n % 50) * 25;
        let mut product = Product::new(
            ProductName::parse(&name)?,
            product_slug,
            Money::price(cents, currency)?,
            now,
        )?;
        product.description = Some(format!("Generated for benchmarks; batch {}.", n % 100));
        product.stock = 1_000_000;
        products.create(&product).await?;
        seeded.products += 1;
    }
    if db.get_database_backend() == sea_orm::DatabaseBackend::Postgres && seeded.products > 0 {
        // Fresh statistics after a bulk load, so the planner uses the indexes at once.
        db.execute_unprepared("ANALYZE products").await?;
    }
    Ok(seeded)
}
