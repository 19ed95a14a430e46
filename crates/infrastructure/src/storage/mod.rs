//! File storage adapters.

mod local;

pub use local::LocalFileStorage;
