//! Plug-in ABI v4: how the host and a policy plug-in talk.
//!
//! A plug-in is a WebAssembly core module with **no imports** and these
//! exports (all integers are `i32`/`i64` as wasm sees them, unsigned here):
//!
//! | export | signature | meaning |
//! |---|---|---|
//! | `memory` | memory | the guest's linear memory |
//! | `attest_abi_version` | `() -> u32` | must return [`ABI_VERSION`] |
//! | `attest_alloc` | `(len) -> ptr` | a buffer of `len` bytes for the host to write into |
//! | `attest_init` | `(ptr, len) -> status` | reference data, once per instance; 0 = ok |
//! | `attest_input` | `() -> u64` | the guest's request buffer: `ptr << 32 \| capacity` |
//! | `attest_evaluate` | `(ptr, len) -> u64` | a request; returns `out_ptr << 32 \| out_len`, or (v4) an inline answer, bit 63 set ([`inline`]) |
//! | `attest_rules` | `() -> u64` | optional (v3): the rule table, `ptr << 32 \| len` |
//!
//! and a custom section [`MANIFEST_SECTION`] holding the TOML manifest.
//! `docs/abi.md` is the full specification, including the byte layout that
//! [`codec`] implements.

pub mod codec;
pub mod indexed;
pub mod inline;
pub mod view;
pub mod wire;

/// The ABI version this crate implements, and plug-ins built with it
/// declare.
///
/// Version 4 (this one) lets `attest_evaluate` answer up to eight
/// findings of rules in its table in the returned `u64` itself, with no
/// bytes for the host to read ([`inline`]). Version 3 added the
/// view request ([`view`]): fixed-size records a plug-in reads in place,
/// sent to plug-ins whose manifest says `request = "view"`; and findings
/// named by their rule's index in a table the plug-in exports
/// ([`indexed`]). Version 2 added the full request's section table and
/// the `attest_input` buffer, so that one call per application suffices.
pub const ABI_VERSION: u32 = 4;

/// The versions a host built from this crate runs. Each version only adds
/// to the one before, so version-2 and version-3 plug-ins run unchanged:
/// the host reads an inline answer only from a module that says it
/// implements version 4.
pub const SUPPORTED_VERSIONS: [u32; 3] = [2, 3, 4];

/// Whether a plug-in built for ABI `version` runs on this host.
pub fn supported(version: u32) -> bool {
    SUPPORTED_VERSIONS.contains(&version)
}

/// Name of the custom section that carries the plug-in's manifest.
pub const MANIFEST_SECTION: &str = "attest.manifest";

pub const EXPORT_MEMORY: &str = "memory";
pub const EXPORT_ABI_VERSION: &str = "attest_abi_version";
pub const EXPORT_ALLOC: &str = "attest_alloc";
pub const EXPORT_INIT: &str = "attest_init";
pub const EXPORT_INPUT: &str = "attest_input";
pub const EXPORT_EVALUATE: &str = "attest_evaluate";
/// Optional (ABI v3): `() -> u64`, where the plug-in's rule table lies.
pub const EXPORT_RULES: &str = "attest_rules";

/// Packs a location the way `attest_input` and `attest_evaluate` return it.
pub fn pack(ptr: u32, len: u32) -> u64 {
    (u64::from(ptr) << 32) | u64::from(len)
}

/// Splits what `attest_input` or `attest_evaluate` returned into
/// `(ptr, len)`.
pub fn unpack(v: u64) -> (u32, u32) {
    ((v >> 32) as u32, v as u32)
}
