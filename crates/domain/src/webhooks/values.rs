//! Webhook values.

/// The delivery headers a signature covers (`svix-*` or `webhook-*`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookHeaders {
    /// `svix-id`: the delivery's unique id.
    pub id: String,
    /// `svix-timestamp`: seconds since the epoch, as sent.
    pub timestamp: String,
    /// `svix-signature`: space-separated `v1,<base64>` entries.
    pub signature: String,
}
