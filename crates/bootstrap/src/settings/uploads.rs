//! `APP__UPLOADS__*`.

use secrecy::SecretString;
use serde::Deserialize;

/// `APP__UPLOADS__*`.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct UploadsSettings {
    /// Where uploaded images are stored (created when missing).
    pub dir: String,
    /// Largest accepted image in bytes.
    pub max_bytes: usize,
    /// An S3-compatible bucket to store uploads in instead of `dir` (every
    /// instance then serves every image without a shared volume).
    pub s3_bucket: Option<String>,
    /// The bucket's region.
    pub s3_region: String,
    /// A custom endpoint (MinIO, R2, ...); unset: AWS.
    pub s3_endpoint: Option<String>,
    /// Access key; unset: the usual AWS variables or the instance role.
    pub s3_access_key_id: Option<String>,
    /// Secret key.
    pub s3_secret_access_key: Option<SecretString>,
    /// Folder for the objects inside the bucket.
    pub s3_prefix: String,
    /// Allow a plain-HTTP endpoint (local servers only).
    pub s3_allow_http: bool,
}

impl Default for UploadsSettings {
    fn default() -> Self {
        Self {
            dir: "data/uploads".into(),
            max_bytes: 5 * 1024 * 1024,
            s3_bucket: None,
            s3_region: "us-east-1".into(),
            s3_endpoint: None,
            s3_access_key_id: None,
            s3_secret_access_key: None,
            s3_prefix: "uploads".into(),
            s3_allow_http: false,
        }
    }
}
