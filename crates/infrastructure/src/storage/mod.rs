//! File storage adapters, and the decoder that judges uploads.

mod images;
mod local;

pub use images::ImageCrateDecoder;
pub use local::LocalFileStorage;
