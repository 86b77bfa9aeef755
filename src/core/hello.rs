//! Processing received hello messages (§6.6).
