//! The `keel` command line.

use clap::{Parser, Subcommand};
use keel_application::identity::{CreateAdminOutcome, UserService};
use migration::{Migrator, MigratorTrait};

use crate::settings::Settings;
use crate::startup::{Application, connect};

/// Keel: identity, profiles, shop and workspace in one backend.
#[derive(Debug, Parser)]
#[command(name = "keel", version, about)]
pub struct Cli {
    /// What to do (default: serve).
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Apply pending migrations and serve HTTP.
    Serve,
    /// Manage the schema.
    Migrate {
        /// Which migration action.
        #[command(subcommand)]
        action: MigrateAction,
    },
    /// Load the demo bakery catalog (idempotent).
    Seed {
        /// Also create this many generated products (for benchmarks).
        #[arg(long, default_value_t = 0)]
        products: u32,
    },
    /// Create an admin account, or promote the existing user with that email.
    CreateAdmin {
        /// The admin's email.
        #[arg(long)]
        email: String,
        /// The admin's password (8 to 128 characters) for a new account.
        #[arg(long, env = "KEEL_ADMIN_PASSWORD")]
        password: String,
    },
}

/// `keel migrate` actions.
#[derive(Debug, Subcommand)]
pub enum MigrateAction {
    /// Apply all pending migrations.
    Up,
    /// Roll back the last `steps` migrations (default 1).
    Down {
        /// How many to roll back.
        #[arg(short = 'n', long, default_value_t = 1)]
        steps: u32,
    },
    /// List migrations and whether each is applied.
    Status,
    /// Drop everything and re-apply all migrations (destroys data).
    Fresh,
}

/// Runs the CLI with loaded settings.
///
/// # Errors
/// Any failure of the chosen command.
pub async fn run(cli: Cli, settings: Settings) -> anyhow::Result<()> {
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => {
            let app = Application::build(settings).await?;
            app.run_until_stopped().await?;
        }
        Command::Migrate { action } => {
            let db = connect(&settings).await?;
            match action {
                MigrateAction::Up => Migrator::up(&db, None).await?,
                MigrateAction::Down { steps } => Migrator::down(&db, Some(steps)).await?,
                MigrateAction::Fresh => Migrator::fresh(&db).await?,
                MigrateAction::Status => {}
            }
            for m in Migrator::get_migration_with_status(&db).await? {
                println!("{:?}\t{}", m.status(), m.name());
            }
        }
        Command::Seed { products } => {
            let db = connect(&settings).await?;
            Migrator::up(&db, None).await?;
            let currency = keel_domain::money::Currency::parse(&settings.shop.currency)
                .map_err(|e| anyhow::anyhow!("APP__SHOP__CURRENCY: {e}"))?;
            let seeded = crate::seed::seed(&db, currency, products).await?;
            println!(
                "seeded {} categories and {} products (existing ones kept)",
                seeded.categories, seeded.products
            );
        }
        Command::CreateAdmin { email, password } => {
            let db = connect(&settings).await?;
            Migrator::up(&db, None).await?;
            let users = UserService::new(crate::contexts::identity::ports(
                &settings,
                &db,
                &keel_infrastructure::invalidation::Invalidations::local(),
                None,
            ));
            let outcome = users
                .create_admin(&email, &password)
                .await
                .map_err(|e| anyhow::anyhow!("create-admin failed: {e:?}"))?;
            match outcome {
                CreateAdminOutcome::Created => println!("created admin {email}"),
                CreateAdminOutcome::Promoted => {
                    println!("promoted {email} to admin (password unchanged)")
                }
                CreateAdminOutcome::Unchanged => println!("{email} is already an admin"),
            }
        }
    }
    Ok(())
}
