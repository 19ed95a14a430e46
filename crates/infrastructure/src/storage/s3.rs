//! [`FileStorage`] on an S3-compatible object store (AWS S3, MinIO, Ceph,
//! R2, ...) through the `object_store` crate: every instance reads what any
//! instance wrote, with no shared volume. Requests are signed with SigV4,
//! bounded by timeouts and retried at most twice.

use std::time::Duration;

use async_trait::async_trait;
use keel_domain::catalog::{FileStorage, ImageType, StorageError, StorageKey, StoredFile};
use object_store::aws::{AmazonS3, AmazonS3Builder};
use object_store::path::Path;
use object_store::{
    Attribute, AttributeValue, Attributes, BackoffConfig, ClientOptions, ObjectStore,
    ObjectStoreExt, PutOptions, PutPayload, RetryConfig,
};

/// Where and how to reach the bucket (`APP__UPLOADS__S3_*`).
#[derive(Debug, Clone, Default)]
pub struct S3Config {
    /// The bucket.
    pub bucket: String,
    /// Its region (`us-east-1` when the server ignores it).
    pub region: String,
    /// A custom endpoint (`http://127.0.0.1:9000` for MinIO); empty: AWS.
    pub endpoint: Option<String>,
    /// Access key; empty: the usual AWS variables, profile or instance role.
    pub access_key_id: Option<String>,
    /// Secret key.
    pub secret_access_key: Option<String>,
    /// Keys are stored under this folder (`uploads` → `uploads/<key>`).
    pub prefix: String,
    /// Allows a plain-HTTP endpoint (local servers only).
    pub allow_http: bool,
}

/// [`FileStorage`] over S3.
#[derive(Debug, Clone)]
pub struct S3FileStorage {
    store: std::sync::Arc<AmazonS3>,
    prefix: String,
}

fn unavailable(e: &object_store::Error) -> StorageError {
    StorageError::Unavailable(format!("object store: {e}"))
}

impl S3FileStorage {
    /// A client for `config` (nothing is contacted yet).
    ///
    /// # Errors
    /// An incomplete configuration (no bucket, a bad endpoint).
    pub fn new(config: &S3Config) -> Result<Self, String> {
        let mut builder = AmazonS3Builder::from_env()
            .with_bucket_name(&config.bucket)
            .with_region(&config.region)
            .with_allow_http(config.allow_http)
            // One object at a time: a plain DELETE, which every
            // S3-compatible server takes (not all take the bulk POST).
            .with_disable_bulk_delete(true)
            .with_client_options(
                ClientOptions::new()
                    .with_timeout(Duration::from_secs(20))
                    .with_connect_timeout(Duration::from_secs(3))
                    .with_allow_http(config.allow_http),
            )
            .with_retry(RetryConfig {
                backoff: BackoffConfig::default(),
                max_retries: 2,
                retry_timeout: Duration::from_secs(10),
            });
        if let Some(endpoint) = config.endpoint.as_deref().filter(|e| !e.is_empty()) {
            // Path-style addressing: what MinIO and most S3-compatible servers expect.
            builder = builder
                .with_endpoint(endpoint)
                .with_virtual_hosted_style_request(false);
        }
        if let (Some(id), Some(secret)) = (&config.access_key_id, &config.secret_access_key) {
            builder = builder
                .with_access_key_id(id)
                .with_secret_access_key(secret);
        }
        let store = builder
            .build()
            .map_err(|e| format!("APP__UPLOADS__S3_*: {e}"))?;
        Ok(Self {
            store: std::sync::Arc::new(store),
            prefix: config.prefix.trim_matches('/').to_owned(),
        })
    }

    fn path(&self, name: &str) -> Path {
        if self.prefix.is_empty() {
            Path::from(name)
        } else {
            Path::from(format!("{}/{name}", self.prefix))
        }
    }

    /// Writes and removes a small object: readiness of the bucket.
    ///
    /// # Errors
    /// What the store answered.
    pub async fn probe_writable(&self) -> Result<(), String> {
        let path = self.path(&format!(".ready.{}", uuid::Uuid::new_v4().simple()));
        self.store
            .put(&path, PutPayload::from_static(b"ok"))
            .await
            .map_err(|e| e.to_string())?;
        self.store.delete(&path).await.map_err(|e| e.to_string())
    }
}

#[async_trait]
impl FileStorage for S3FileStorage {
    async fn put(
        &self,
        key: &StorageKey,
        bytes: Vec<u8>,
        content_type: ImageType,
    ) -> Result<(), StorageError> {
        let attributes = Attributes::from_iter([(
            Attribute::ContentType,
            AttributeValue::from(content_type.content_type()),
        )]);
        // One PUT: the object appears whole or not at all.
        self.store
            .put_opts(
                &self.path(key.as_str()),
                PutPayload::from(bytes),
                PutOptions {
                    attributes,
                    ..PutOptions::default()
                },
            )
            .await
            .map(|_| ())
            .map_err(|e| unavailable(&e))
    }

    async fn get(&self, key: &StorageKey) -> Result<Option<StoredFile>, StorageError> {
        match self.store.get(&self.path(key.as_str())).await {
            Ok(found) => {
                let bytes = found.bytes().await.map_err(|e| unavailable(&e))?;
                Ok(Some(StoredFile {
                    bytes: bytes.to_vec(),
                    content_type: key.image_type(),
                }))
            }
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(unavailable(&e)),
        }
    }

    async fn delete(&self, key: &StorageKey) -> Result<(), StorageError> {
        match self.store.delete(&self.path(key.as_str())).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(unavailable(&e)),
        }
    }
}
