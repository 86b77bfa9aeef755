//! Acting on INFO replies (§6.4).
