//! [`Mailer`] writing one `.eml` file per message: the default transport,
//! so development needs no mail server and the mails open in any client.

use std::path::PathBuf;

use async_trait::async_trait;
use keel_domain::mail::{Mail, MailError, Mailer};
use lettre::message::Mailbox;

use super::message::{build, parse_from};

/// Writes each mail to `<dir>/<time>-<id>.eml`.
#[derive(Debug, Clone)]
pub struct FileMailer {
    dir: PathBuf,
    from: Mailbox,
}

impl FileMailer {
    /// A mailer writing under `dir` (created when missing) as `from`.
    ///
    /// # Errors
    /// A malformed `from`.
    pub fn new(dir: impl Into<PathBuf>, from: &str) -> Result<Self, String> {
        Ok(Self {
            dir: dir.into(),
            from: parse_from(from)?,
        })
    }
}

#[async_trait]
impl Mailer for FileMailer {
    async fn send(&self, mail: &Mail) -> Result<(), MailError> {
        let bytes = build(&self.from, mail)?.formatted();
        let name = format!(
            "{}-{}.eml",
            chrono::Utc::now().format("%Y%m%dT%H%M%S%.6fZ"),
            uuid::Uuid::new_v4().simple()
        );
        let (dir, tmp) = (self.dir.clone(), self.dir.join(format!(".{name}.tmp")));
        let path = self.dir.join(name);
        // Written under a temporary name and renamed, so a reader never sees
        // half a mail.
        // Readable by the owner only: the mails carry live tokens.
        let written = async {
            tokio::fs::create_dir_all(&dir).await?;
            let mut options = tokio::fs::OpenOptions::new();
            options.write(true).create_new(true);
            #[cfg(unix)]
            options.mode(0o600);
            let mut file = options.open(&tmp).await?;
            tokio::io::AsyncWriteExt::write_all(&mut file, &bytes).await?;
            file.sync_all().await?;
            drop(file);
            tokio::fs::rename(&tmp, &path).await
        };
        written
            .await
            .map_err(|e| MailError::Transient(format!("writing {}: {e}", dir.display())))
    }
}
