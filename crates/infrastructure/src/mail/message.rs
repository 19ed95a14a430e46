//! A [`Mail`] as an RFC 5322 message (lettre's builder): multipart/
//! alternative with the text and HTML parts, plus the mail's headers.

use keel_domain::mail::{Mail, MailError};
use lettre::Message;
use lettre::message::header::{HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart};

/// The message for `mail`, sent from `from`.
///
/// # Errors
/// [`MailError::Permanent`] for an address or header lettre refuses:
/// retrying the same mail cannot help.
pub(super) fn build(from: &Mailbox, mail: &Mail) -> Result<Message, MailError> {
    let to: Mailbox = mail
        .to
        .parse()
        .map_err(|e| MailError::Permanent(format!("recipient address: {e}")))?;
    let mut message = Message::builder()
        .from(from.clone())
        .to(to)
        .subject(mail.subject.clone());
    for (name, value) in &mail.headers {
        let name = HeaderName::new_from_ascii(name.clone())
            .map_err(|e| MailError::Permanent(format!("header {name}: {e}")))?;
        message = message.raw_header(HeaderValue::new(name, value.clone()));
    }
    message
        .multipart(MultiPart::alternative_plain_html(
            mail.text.clone(),
            mail.html.clone(),
        ))
        .map_err(|e| MailError::Permanent(format!("message: {e}")))
}

/// `APP__MAIL__FROM` as a mailbox.
///
/// # Errors
/// A message for a malformed address.
pub fn parse_from(from: &str) -> Result<Mailbox, String> {
    from.parse::<Mailbox>()
        .map_err(|e| format!("not a mailbox ({e}): {from:?}"))
}
