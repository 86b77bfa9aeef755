//! TILT mode (§6.9).
