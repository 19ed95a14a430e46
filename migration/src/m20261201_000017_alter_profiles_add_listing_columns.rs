use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DatabaseBackend;

/// Columns that let public reads and search filter `profiles` alone (a join
/// per filter made a search page cost three to ten times more, see
/// docs/benchmarks.md):
///
/// - `country` and `city_key` (the city lower-cased by the application,
///   Unicode-aware on both engines) copy the live location, written by the
///   adapter with the profile; indexed with the creation order.
/// - `owner_active`: whether the profile's user is active and not deleted,
///   kept by triggers:
///
///   - a change of `users.is_active` or `users.deactivated_at` copies the
///     user's state to the profile in the same statement, so a deactivation
///     hides the profile in its own transaction whichever code path made it
///     (admin, `DELETE /users/me`, Clerk's `user.deleted`, SQL);
///   - a new profile takes its user's state when inserted. On PostgreSQL the
///     user row is read `FOR SHARE`: a deactivation running at the same time
///     either waits for the insert (and then updates the new row) or is seen
///     by it. SQLite serialises writers, so the plain read is enough.
#[derive(DeriveMigrationName)]
pub struct Migration;

const POSTGRES_UP: [&str; 11] = [
    "ALTER TABLE profiles ADD COLUMN country varchar(2) NULL",
    "ALTER TABLE profiles ADD COLUMN city_key varchar(100) NULL",
    "UPDATE profiles SET country = (SELECT l.country FROM profile_locations l WHERE l.id = profiles.location_id), \
     city_key = (SELECT lower(l.city) FROM profile_locations l WHERE l.id = profiles.location_id)",
    "CREATE INDEX idx_profiles_country ON profiles (country, created_at, id)",
    "CREATE INDEX idx_profiles_city_key ON profiles (city_key, created_at, id)",
    "ALTER TABLE profiles ADD COLUMN owner_active boolean NOT NULL DEFAULT true",
    "UPDATE profiles SET owner_active = EXISTS (SELECT 1 FROM users u \
     WHERE u.id = profiles.user_id AND u.is_active AND u.deactivated_at IS NULL)",
    "CREATE FUNCTION keel_profiles_follow_user() RETURNS trigger LANGUAGE plpgsql AS $$ \
     BEGIN \
       UPDATE profiles SET owner_active = (NEW.is_active AND NEW.deactivated_at IS NULL) \
       WHERE user_id = NEW.id \
         AND owner_active IS DISTINCT FROM (NEW.is_active AND NEW.deactivated_at IS NULL); \
       RETURN NULL; \
     END $$",
    "CREATE TRIGGER trg_users_profiles_owner_active AFTER UPDATE OF is_active, deactivated_at \
     ON users FOR EACH ROW EXECUTE FUNCTION keel_profiles_follow_user()",
    "CREATE FUNCTION keel_profiles_take_owner() RETURNS trigger LANGUAGE plpgsql AS $$ \
     BEGIN \
       NEW.owner_active := COALESCE((SELECT u.is_active AND u.deactivated_at IS NULL \
         FROM users u WHERE u.id = NEW.user_id FOR SHARE), false); \
       RETURN NEW; \
     END $$",
    "CREATE TRIGGER trg_profiles_owner_active BEFORE INSERT ON profiles \
     FOR EACH ROW EXECUTE FUNCTION keel_profiles_take_owner()",
];

const POSTGRES_DOWN: [&str; 9] = [
    "DROP TRIGGER IF EXISTS trg_profiles_owner_active ON profiles",
    "DROP FUNCTION IF EXISTS keel_profiles_take_owner()",
    "DROP TRIGGER IF EXISTS trg_users_profiles_owner_active ON users",
    "DROP FUNCTION IF EXISTS keel_profiles_follow_user()",
    "ALTER TABLE profiles DROP COLUMN owner_active",
    "DROP INDEX IF EXISTS idx_profiles_city_key",
    "DROP INDEX IF EXISTS idx_profiles_country",
    "ALTER TABLE profiles DROP COLUMN city_key",
    "ALTER TABLE profiles DROP COLUMN country",
];

const SQLITE_UP: [&str; 9] = [
    "ALTER TABLE profiles ADD COLUMN country varchar(2) NULL",
    "ALTER TABLE profiles ADD COLUMN city_key varchar(100) NULL",
    "UPDATE profiles SET country = (SELECT l.country FROM profile_locations l WHERE l.id = profiles.location_id), \
     city_key = (SELECT lower(l.city) FROM profile_locations l WHERE l.id = profiles.location_id)",
    "CREATE INDEX idx_profiles_country ON profiles (country, created_at, id)",
    "CREATE INDEX idx_profiles_city_key ON profiles (city_key, created_at, id)",
    "ALTER TABLE profiles ADD COLUMN owner_active boolean NOT NULL DEFAULT 1",
    "UPDATE profiles SET owner_active = EXISTS (SELECT 1 FROM users u \
     WHERE u.id = profiles.user_id AND u.is_active AND u.deactivated_at IS NULL)",
    "CREATE TRIGGER trg_users_profiles_owner_active AFTER UPDATE OF is_active, deactivated_at \
     ON users FOR EACH ROW BEGIN \
       UPDATE profiles SET owner_active = (NEW.is_active AND NEW.deactivated_at IS NULL) \
       WHERE user_id = NEW.id \
         AND owner_active IS NOT (NEW.is_active AND NEW.deactivated_at IS NULL); \
     END",
    "CREATE TRIGGER trg_profiles_owner_active AFTER INSERT ON profiles FOR EACH ROW BEGIN \
       UPDATE profiles SET owner_active = COALESCE((SELECT u.is_active AND u.deactivated_at IS NULL \
         FROM users u WHERE u.id = NEW.user_id), 0) \
       WHERE id = NEW.id; \
     END",
];

const SQLITE_DOWN: [&str; 7] = [
    "DROP TRIGGER IF EXISTS trg_profiles_owner_active",
    "DROP TRIGGER IF EXISTS trg_users_profiles_owner_active",
    "ALTER TABLE profiles DROP COLUMN owner_active",
    "DROP INDEX IF EXISTS idx_profiles_city_key",
    "DROP INDEX IF EXISTS idx_profiles_country",
    "ALTER TABLE profiles DROP COLUMN city_key",
    "ALTER TABLE profiles DROP COLUMN country",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        let statements: &[&str] = match manager.get_database_backend() {
            DatabaseBackend::Postgres => &POSTGRES_UP,
            _ => &SQLITE_UP,
        };
        for sql in statements {
            db.execute_unprepared(sql).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        let statements: &[&str] = match manager.get_database_backend() {
            DatabaseBackend::Postgres => &POSTGRES_DOWN,
            _ => &SQLITE_DOWN,
        };
        for sql in statements {
            db.execute_unprepared(sql).await?;
        }
        Ok(())
    }
}
