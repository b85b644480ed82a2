//! Configuration loading: any text gives a configuration or an error
//! naming the key, never a panic.
#![no_main]
use attest::config::Config;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let read = |path: &str| -> Result<Vec<u8>, String> {
        // Every file the configuration names exists and is empty TOML.
        if path.is_empty() { Err("empty path".into()) } else { Ok(Vec::new()) }
    };
    let _ = Config::parse(text, "fuzz.toml", &read);
});
