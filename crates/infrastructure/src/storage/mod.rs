//! File storage adapters, and the decoder that judges uploads.

mod images;
mod local;
mod s3;

pub use images::ImageCrateDecoder;
pub use local::LocalFileStorage;
pub use s3::{S3Config, S3FileStorage};
