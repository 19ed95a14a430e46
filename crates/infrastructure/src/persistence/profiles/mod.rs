//! SeaORM adapter of the profile port.

mod entities;
mod profile_repo;

pub use profile_repo::SeaOrmProfileRepo;
