//! Reading the mails the file transport wrote, as a user opening them would:
//! headers, the decoded text, and the token of the link inside.

use std::path::{Path, PathBuf};
use std::time::Duration;

/// One `.eml` file, decoded.
#[derive(Debug, Clone)]
pub struct ReceivedMail {
    /// The file.
    pub path: PathBuf,
    /// `To:`.
    pub to: String,
    /// `Subject:`.
    pub subject: String,
    /// `X-Keel-Template:`, the kind of mail.
    pub template: String,
    /// The whole message with quoted-printable soft breaks and escapes undone.
    pub decoded: String,
}

impl ReceivedMail {
    /// The token of the first link (`?token=`) in the mail.
    ///
    /// # Panics
    /// When the mail carries no link with a token.
    pub fn token(&self) -> String {
        let at = self
            .decoded
            .find("?token=")
            .unwrap_or_else(|| panic!("no link with a token in {}", self.decoded));
        self.decoded[at + 7..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
            .collect()
    }
}

/// Undoes quoted-printable: soft line breaks and `=XX` escapes.
fn unquote(raw: &str) -> String {
    let joined = raw.replace("=\r\n", "").replace("=\n", "");
    let bytes = joined.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'='
            && i + 2 < bytes.len()
            && let Ok(b) = u8::from_str_radix(&joined[i + 1..i + 3], 16)
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn header(raw: &str, name: &str) -> String {
    raw.lines()
        .take_while(|l| !l.is_empty())
        .find_map(|l| {
            l.split_once(':')
                .filter(|(n, _)| n.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.trim().to_owned())
        })
        .unwrap_or_default()
}

/// Every mail under `dir`, oldest first.
pub fn read_mails(dir: &Path) -> Vec<ReceivedMail> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut paths: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "eml"))
        .collect();
    paths.sort();
    paths
        .into_iter()
        .filter_map(|path| {
            let raw = std::fs::read_to_string(&path).ok()?.replace("\r\n", "\n");
            Some(ReceivedMail {
                to: header(&raw, "To"),
                subject: header(&raw, "Subject"),
                template: header(&raw, "X-Keel-Template"),
                decoded: unquote(&raw),
                path,
            })
        })
        .collect()
}

/// Waits up to ten seconds for `count` mails of `template` to `to` under
/// `dir` and returns them, oldest first.
///
/// # Panics
/// When they do not arrive in time.
pub async fn wait_for_mails(
    dir: &Path,
    to: &str,
    template: &str,
    count: usize,
) -> Vec<ReceivedMail> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let found: Vec<ReceivedMail> = read_mails(dir)
            .into_iter()
            .filter(|m| m.to == to && m.template == template)
            .collect();
        if found.len() >= count {
            return found;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "expected {count} {template} mail(s) to {to}, found {}: {:?}",
            found.len(),
            read_mails(dir)
                .iter()
                .map(|m| (&m.to, &m.template))
                .collect::<Vec<_>>()
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}
