//! The commands of the `attest` binary that are more than a call into the
//! library, one module each; `main.rs` parses the arguments and
//! dispatches.

pub mod files;
pub mod policy;
pub mod register;
