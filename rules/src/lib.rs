//! Attest's shared core: what a transfer application is, what a policy may
//! say about it, how the two cross the sandbox boundary, and the treaty
//! checks that policies are built from.
//!
//! This crate is `no_std + alloc` because it runs on both sides: the host
//! links it natively, and every Rust policy plug-in links it inside
//! WebAssembly. It is the only crate a policy author needs to read; it holds
//! no host code, no I/O and no clock.
//!
//! - [`model`]: the application (spec `application.md`).
//! - [`finding`]: findings, effects, outcomes (spec `decision.md`).
//! - [`reference`](mod@reference): embargoes and treaty participation handed to plug-ins.
//! - [`abi`]: the plug-in ABI (version [`abi::ABI_VERSION`]) and its byte encoding.
//! - [`checks`]: reusable treaty checks, one function per article.
//! - `guest` (feature `guest`; `cargo doc -p attest-rules --features guest`
//!   documents it): the plug-in SDK.
//! - [`text`](mod@text): findings' messages built without `core::fmt` (`text!`).
//! - [`comparison`]: the small policy every engine runs in the performance
//!   comparison.
#![no_std]
extern crate alloc;

pub mod abi;
pub mod checks;
pub mod comparison;
pub mod finding;
#[cfg(feature = "guest")]
pub mod guest;
pub mod model;
pub mod reference;
pub mod text;

pub use finding::{Effect, Finding, Instrument, Outcome, Rule};
pub use model::Application;
