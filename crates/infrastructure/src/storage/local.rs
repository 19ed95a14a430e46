//! [`FileStorage`] on the local filesystem.

use std::io::ErrorKind;
use std::path::{Path, PathBuf};

use async_trait::async_trait;
use keel_domain::catalog::{FileStorage, ImageType, StorageError, StorageKey, StoredFile};

/// Files under one directory, named by their [`StorageKey`] (which only admits
/// `[a-z0-9]+.(jpg|png|webp)`, so a key can never leave the directory).
/// Writes go to a temporary file first and are renamed into place.
#[derive(Debug, Clone)]
pub struct LocalFileStorage {
    root: PathBuf,
}

fn unavailable(e: std::io::Error) -> StorageError {
    StorageError::Unavailable(e.to_string())
}

impl LocalFileStorage {
    /// Storage under `root`, created when missing.
    ///
    /// # Errors
    /// When the directory cannot be created.
    pub fn new(root: impl Into<PathBuf>) -> std::io::Result<Self> {
        let root = root.into();
        std::fs::create_dir_all(&root)?;
        Ok(Self { root })
    }

    /// The directory files are stored in.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Whether a file can be written to the directory now: writes and
    /// removes a small temporary file (for readiness).
    ///
    /// # Errors
    /// The I/O error when the directory is gone, not a directory, read-only
    /// or full.
    pub async fn probe_writable(&self) -> std::io::Result<()> {
        let probe = self
            .root
            .join(format!(".ready.{}.tmp", uuid::Uuid::new_v4().simple()));
        tokio::fs::write(&probe, b"ok").await?;
        tokio::fs::remove_file(&probe).await
    }

    fn path(&self, key: &StorageKey) -> PathBuf {
        self.root.join(key.as_str())
    }
}

#[async_trait]
impl FileStorage for LocalFileStorage {
    async fn put(
        &self,
        key: &StorageKey,
        bytes: Vec<u8>,
        _content_type: ImageType,
    ) -> Result<(), StorageError> {
        let target = self.path(key);
        let temp = self.root.join(format!(
            ".{}.{}.tmp",
            key.as_str(),
            uuid::Uuid::new_v4().simple()
        ));
        tokio::fs::write(&temp, &bytes).await.map_err(unavailable)?;
        if let Err(e) = tokio::fs::rename(&temp, &target).await {
            let _ = tokio::fs::remove_file(&temp).await;
            return Err(unavailable(e));
        }
        Ok(())
    }

    async fn get(&self, key: &StorageKey) -> Result<Option<StoredFile>, StorageError> {
        match tokio::fs::read(self.path(key)).await {
            Ok(bytes) => Ok(Some(StoredFile {
                bytes,
                content_type: key.image_type(),
            })),
            Err(e) if e.kind() == ErrorKind::NotFound => Ok(None),
            Err(e) => Err(unavailable(e)),
        }
    }

    async fn delete(&self, key: &StorageKey) -> Result<(), StorageError> {
        match tokio::fs::remove_file(self.path(key)).await {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == ErrorKind::NotFound => Ok(()),
            Err(e) => Err(unavailable(e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn storage() -> LocalFileStorage {
        let dir =
            std::env::temp_dir().join(format!("keel-storage-{}", uuid::Uuid::new_v4().simple()));
        LocalFileStorage::new(dir).unwrap()
    }

    #[tokio::test]
    async fn files_round_trip_and_missing_ones_are_none() {
        let s = storage();
        let key = StorageKey::generate(ImageType::Png);
        assert_eq!(s.get(&key).await.unwrap(), None);
        s.put(&key, vec![1, 2, 3], ImageType::Png).await.unwrap();
        let file = s.get(&key).await.unwrap().unwrap();
        assert_eq!(
            (file.bytes, file.content_type),
            (vec![1, 2, 3], ImageType::Png)
        );
        assert!(
            s.root().join(key.as_str()).is_file(),
            "stored under the key inside the root"
        );
    }

    #[tokio::test]
    async fn delete_removes_and_tolerates_missing_files() {
        let s = storage();
        let key = StorageKey::generate(ImageType::Webp);
        s.put(&key, vec![9], ImageType::Webp).await.unwrap();
        s.delete(&key).await.unwrap();
        s.delete(&key).await.unwrap();
        assert_eq!(s.get(&key).await.unwrap(), None);
        let leftovers: Vec<_> = std::fs::read_dir(s.root()).unwrap().collect();
        assert!(leftovers.is_empty(), "no temporary files left behind");
    }
}
