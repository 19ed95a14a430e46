//! `APP__WS__*`: the chat WebSocket.

use serde::Deserialize;

/// `APP__WS__*`.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct WsSettings {
    /// Seconds between pings.
    pub heartbeat_secs: u64,
    /// Seconds without a frame or pong before a socket is closed.
    pub idle_timeout_secs: u64,
    /// Largest client frame, in bytes.
    pub max_frame_bytes: usize,
    /// Open sockets per user and instance.
    pub max_sockets_per_user: usize,
    /// Frames queued for a socket before it counts as a slow reader.
    pub send_queue: usize,
    /// Seconds one frame may take to be written before the reader counts as slow.
    pub send_timeout_secs: u64,
    /// Seconds between checks that the socket's session is still valid.
    pub auth_check_secs: u64,
}

impl Default for WsSettings {
    fn default() -> Self {
        Self {
            heartbeat_secs: 15,
            idle_timeout_secs: 45,
            max_frame_bytes: 64 * 1024,
            max_sockets_per_user: 8,
            send_queue: 256,
            send_timeout_secs: 10,
            auth_check_secs: 2,
        }
    }
}
