//! Attest's host: reads transfer applications, routes them to sandboxed
//! WebAssembly policy plug-ins, and combines their findings into a
//! decision that cites the article behind every finding.
//!
//! The steps, one module each, in the order an application travels:
//! [`application`] (parse & validate) → [`route`] → encode (in
//! `attest_rules::abi`) → [`sandbox`] (plug-in) → findings → [`combine`] →
//! [`decision`]. [`screen`] drives them; [`config`] holds the embedded
//! defaults; [`reference`] loads the data handed to plug-ins.
//!
//! This crate is not for policy authors: everything they need is in
//! `attest-rules` and `docs/`.

pub mod application;
pub mod authoring;
pub mod batch;
pub mod clean_pages;
pub mod combine;
pub mod config;
pub mod countries;
pub mod decision;
pub mod diff;
pub mod document;
pub mod manifest;
pub mod module_cache;
pub mod progress;
pub mod reference;
pub mod register;
pub mod reproduction;
pub mod route;
pub mod sandbox;
pub mod screen;
pub mod signing;
pub mod snapshot;
pub mod workload;
