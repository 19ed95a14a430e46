//! End-to-end suite: the real `keel` server on port 0 with a fresh database
//! per test (SQLite, or PostgreSQL when `TEST_DATABASE_URL` is set).

mod adversarial;
mod auth;
mod clerk;
mod cluster;
mod input;
mod limits;
mod mail;
mod meta;
mod migrations;
mod profiles;
mod proxies;
mod races;
mod sessions;
mod shared_state;
mod shop;
mod users;
mod webhooks;
mod workspace;
mod ws;
