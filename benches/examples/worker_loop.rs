//! What one `attest batch` worker does to each record, and nothing else:
//! read the application from its JSON line, screen it, write the decision
//! line. For counting instructions per application under cachegrind
//! (`scripts/instructions.sh`), which gives the same count on every run
//! where wall-clock times on this machine drift by a tenth.
//!
//! ```sh
//! worker_loop APPLICATIONS.jsonl COUNT [CONFIG] [fresh|reuse]
//! ```
//!
//! Reads the first COUNT lines (0 measures start-up alone, to subtract).
//! CONFIG is an `attest.toml` (default: the embedded configuration), so
//! that two builds of the plug-ins can be compared by the same host.
//! `fresh` runs natively (for `perf`) but not under valgrind, which
//! cannot reserve the address space of wasmtime's instance pool.

use attest::application::{parse_bytes, Format};
use attest::batch::CHUNK;
use attest::config::Config;
use attest::module_cache::ModuleCache;
use attest::sandbox::Isolation;
use attest::screen::Screener;
use std::path::Path;
use std::process::ExitCode;

// The allocator of the `attest` binary.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    match run(&std::env::args().skip(1).collect::<Vec<_>>()) {
        Ok(_) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("worker_loop: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: &[String]) -> Result<usize, String> {
    let [input, count, rest @ ..] = args else {
        return Err("usage: worker_loop APPLICATIONS.jsonl COUNT [CONFIG] [fresh|reuse]".into());
    };
    let text = std::fs::read(input).map_err(|e| format!("{input}: {e}"))?;
    let count: usize = count.parse().map_err(|e| format!("COUNT: {e}"))?;
    // Split before screening, whatever COUNT is, so that subtracting a
    // run of 0 leaves the loop alone (the batch reader finds line ends on
    // a thread of its own).
    let lines: Vec<&[u8]> = text.split(|&b| b == b'\n').collect();
    let mut config = match rest.first().map(String::as_str) {
        None | Some("-") => Config::default(),
        Some(path) => Config::load(Path::new(path)).map_err(|e| e.to_string())?,
    };
    config.limits.isolation = match rest.get(1).map(String::as_str) {
        None | Some("reuse") => Isolation::Reuse,
        Some("fresh") => Isolation::Fresh,
        Some(other) => return Err(format!("isolation {other}: fresh or reuse")),
    };
    // Compiling the plug-ins costs billions of instructions; the cache
    // keeps start-up out of the way.
    config.cache_dir = ModuleCache::default_dir();
    let screener = Screener::new(config).map_err(|e| e.to_string())?;
    let mut session = screener.session();
    // One buffer for a chunk's lines, emptied after each chunk as the
    // batch writer empties it: growing one buffer for every line would
    // count reallocations that a batch does not make.
    let (mut out, mut written) = (Vec::new(), 0);
    for (number, line) in lines.iter().take(count).enumerate() {
        let parsed = parse_bytes(line, Format::Json, false)
            .map_err(|e| format!("line {}: {e}", number + 1))?;
        session
            .screen(&parsed.application, None)
            .write_line(&mut out);
        out.push(b'\n');
        if (number + 1) % CHUNK == 0 {
            written += out.len();
            out.clear();
        }
    }
    Ok(written + out.len())
}
