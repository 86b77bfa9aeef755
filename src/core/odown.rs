//! Objective down and asking peers (§6.8).
