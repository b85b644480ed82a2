//! Fixtures shared by the benchmarks: the bundled example applications,
//! and the engines of the shared-policy comparison.

pub mod comparison;

use attest::application::{self, Format};
use attest_rules::Application;

/// The bundled examples, parsed.
pub fn examples() -> Vec<Application> {
    ["gb-ke-police-rifles.toml", "xa-kp-ammunition.toml"]
        .iter()
        .map(|name| {
            let path = format!("{}/../examples/{name}", env!("CARGO_MANIFEST_DIR"));
            let text = std::fs::read_to_string(&path).expect("example exists");
            application::parse(&text, Format::Toml, true)
                .expect("example is valid")
                .application
        })
        .collect()
}
