//! `attest policy`: the policy author's commands (new, build, test,
//! inspect), the registry's list, and signing keys and signatures.

use super::files::{distinct_files, with_suffix};
use crate::{fail, screener};
use attest::config::Config;
use attest::screen::Loaded;
use attest_rules::abi::codec::TableRule;
use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

pub fn keygen(out: &Path) -> ExitCode {
    use std::os::unix::fs::OpenOptionsExt;
    let (secret, public) = match attest::signing::generate_key() {
        Ok(k) => k,
        Err(e) => return fail(&e),
    };
    let written = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(out)
        .and_then(|mut f| writeln!(f, "{secret}"))
        .and_then(|_| std::fs::write(with_suffix(out, ".pub"), format!("{public}\n")));
    match written {
        Ok(()) => {
            say!("{public}");
            eprintln!(
                "secret key in {} (keep it private); public key in {}.pub",
                out.display(),
                out.display()
            );
            ExitCode::SUCCESS
        }
        Err(e) => fail(&format!("{}: {e}", out.display())),
    }
}

pub fn sign(module: &Path, key: &Path, out: Option<&Path>) -> ExitCode {
    let (wasm, secret) = match (std::fs::read(module), std::fs::read_to_string(key)) {
        (Ok(w), Ok(k)) => (w, k),
        (Err(e), _) => return fail(&format!("{}: {e}", module.display())),
        (_, Err(e)) => return fail(&format!("{}: {e}", key.display())),
    };
    let out = out.map_or_else(|| with_suffix(module, ".sig"), Path::to_path_buf);
    // `--out` on the key would replace the secret key by a signature.
    if let Err(e) = distinct_files(&[("MODULE", module), ("--key", key), ("--out", &out)]) {
        return fail(&e);
    }
    match attest::signing::sign(&wasm, &secret).and_then(|sig| {
        std::fs::write(&out, format!("{sig}\n"))
            .map_err(|e| attest::signing::SigningError(e.to_string()))
    }) {
        Ok(()) => {
            say!("signed {} -> {}", module.display(), out.display());
            ExitCode::SUCCESS
        }
        Err(e) => fail(&e),
    }
}

pub fn verify(
    config: Option<&Path>,
    module: &Path,
    signature: Option<&Path>,
    keys: &[String],
) -> ExitCode {
    let trusted = if keys.is_empty() {
        match config.map(Config::load).transpose() {
            Ok(c) => c.unwrap_or_default().trusted_keys,
            Err(e) => return fail(&e),
        }
    } else {
        match keys
            .iter()
            .map(|k| attest::signing::parse_public_key(k))
            .collect::<Result<Vec<_>, _>>()
        {
            Ok(k) => k,
            Err(e) => return fail(&e),
        }
    };
    if trusted.is_empty() {
        return fail(&"no public key: pass --key ed25519:... or configure [trust] keys");
    }
    let sig_path = signature.map_or_else(|| with_suffix(module, ".sig"), Path::to_path_buf);
    let (wasm, sig) = match (std::fs::read(module), std::fs::read_to_string(&sig_path)) {
        (Ok(w), Ok(s)) => (w, s),
        (Err(e), _) => return fail(&format!("{}: {e}", module.display())),
        (_, Err(e)) => return fail(&format!("{}: {e}", sig_path.display())),
    };
    match attest::signing::verify(&wasm, &sig, &trusted) {
        Ok(key) => {
            say!("{}: signature valid, signed by {key}", module.display());
            ExitCode::SUCCESS
        }
        Err(e) => fail(&format!("{}: {e}", module.display())),
    }
}

pub fn new(dir: &Path, name: &str, state: &str) -> ExitCode {
    let Some(country) =
        attest_rules::model::Country::new(state).filter(|&c| attest::countries::is_known(c))
    else {
        return fail(&format!(
            "--state: {}",
            attest::countries::not_a_code(state)
        ));
    };
    match attest::authoring::scaffold(dir, name, country) {
        Ok(files) => {
            for f in files {
                say!("created {}", f.display());
            }
            say!("next: attest policy build {name} && attest policy test {name}");
            ExitCode::SUCCESS
        }
        Err(e) => fail(&e),
    }
}

pub fn build(dir: &Path, name: Option<&str>) -> ExitCode {
    let script = dir.join("build.sh");
    if !script.exists() {
        return fail(&format!(
            "{}: no build script; run from the repository root or pass --dir",
            script.display()
        ));
    }
    let status = std::process::Command::new("bash")
        .arg(&script)
        .args(name)
        .status();
    match status {
        Ok(s) if s.success() => ExitCode::SUCCESS,
        Ok(s) => ExitCode::from(s.code().unwrap_or(1).clamp(1, 255) as u8),
        Err(e) => fail(&format!("{}: {e}", script.display())),
    }
}

pub fn test(
    config: Option<&Path>,
    dir: &Path,
    name: Option<&str>,
    module: Option<&Path>,
    require_coverage: bool,
) -> ExitCode {
    let config = match config.map(Config::load).transpose() {
        Ok(c) => c.unwrap_or_default(),
        Err(e) => return fail(&e),
    };
    let names: Vec<String> = match name {
        Some(n) => vec![n.to_string()],
        None => {
            let mut found: Vec<String> = std::fs::read_dir(dir)
                .map(|d| {
                    d.filter_map(|e| e.ok())
                        .filter(|e| e.path().join("fixtures").is_dir())
                        .map(|e| e.file_name().to_string_lossy().into_owned())
                        .collect()
                })
                .unwrap_or_default();
            found.sort();
            found
        }
    };
    if names.is_empty() {
        return fail(&format!(
            "{}: no policy has a fixtures/ folder",
            dir.display()
        ));
    }
    let mut ok = true;
    for name in names {
        let wasm_path = module.map_or_else(
            || dir.join("dist").join(format!("{name}.wasm")),
            Path::to_path_buf,
        );
        let wasm = match std::fs::read(&wasm_path) {
            Ok(w) => w,
            Err(e) => {
                return fail(&format!(
                    "{}: {e} (build it with `attest policy build {name}`)",
                    wasm_path.display()
                ))
            }
        };
        // `--module` naming another policy's module would fail every
        // fixture for a reason no fixture names.
        if let Ok(m) = attest::manifest::read(&wasm) {
            if m.id != name {
                return fail(&format!(
                    "{}: its manifest says policy {}, not {name}, whose fixtures these are",
                    wasm_path.display(),
                    m.id
                ));
            }
        }
        match attest::authoring::run_fixtures(&wasm, &dir.join(&name).join("fixtures"), &config) {
            Ok(report) => {
                if let Err(e) = std::io::stdout().write_all(report.render().as_bytes()) {
                    crate::stdout_failed(e)
                }
                ok &= report.failed() == 0 && (!require_coverage || report.unreached().is_empty());
            }
            Err(e) => return fail(&e),
        }
    }
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

pub fn inspect(path: &Path) -> ExitCode {
    let wasm = match std::fs::read(path) {
        Ok(w) => w,
        Err(e) => return fail(&format!("{}: {e}", path.display())),
    };
    say!("{}", path.display());
    say!("  size     {} bytes", wasm.len());
    say!(
        "  sha256   {}",
        attest::reference::hex(&<sha2::Sha256 as sha2::Digest>::digest(&wasm))
    );
    match attest::manifest::read(&wasm) {
        Ok(m) => {
            let (from, until) = m.effective();
            say!(
                "  manifest {} {} [{}] ABI v{}",
                m.id,
                m.version,
                m.instrument,
                m.abi
            );
            say!("  title    {}", m.title);
            say!(
                "  request  {}",
                match m.request {
                    attest::manifest::RequestForm::Full => "full (the plug-in decodes it)",
                    attest::manifest::RequestForm::View => "view (read in place)",
                }
            );
            if let Some(fields) = &m.text_fields {
                say!(
                    "  text     {} (the host withholds every other text field)",
                    listed(fields)
                );
            }
            say!("  data     {}", listed(&m.data));
            say!("  rules    {}", m.rules.join(", "));
            if from.is_some() || until.is_some() {
                say!("  in force {}", in_force(from, until));
            }
        }
        Err(e @ attest::manifest::ManifestError::NotWasm(_)) => {
            say!("  {e}");
            return ExitCode::from(2);
        }
        Err(e) => say!("  manifest: {e}"),
    }
    let mut imports = Vec::new();
    let mut exports = Vec::new();
    for payload in wasmparser::Parser::new(0).parse_all(&wasm) {
        match payload {
            Ok(wasmparser::Payload::ImportSection(s)) => {
                for i in s.into_imports().flatten() {
                    imports.push(format!("{}.{}", i.module, i.name));
                }
            }
            Ok(wasmparser::Payload::ExportSection(s)) => {
                for e in s.into_iter().flatten() {
                    exports.push(e.name.to_string());
                }
            }
            Err(e) => {
                say!("  not a valid module: {e}");
                return ExitCode::from(2);
            }
            _ => {}
        }
    }
    say!("  exports  {}", exports.join(", "));
    say!(
        "  imports  {}",
        if imports.is_empty() {
            "none".into()
        } else {
            imports.join(", ")
        }
    );
    let verdict = attest::sandbox::Sandbox::new(attest::sandbox::Limits::default())
        .map_err(|f| f.to_string())
        .and_then(|sandbox| {
            let mut data = Vec::new();
            attest_rules::abi::codec::encode(
                &attest_rules::reference::ReferenceData::default(),
                &mut data,
            );
            sandbox
                .load(&wasm, data)
                .map(|plugin| plugin.rules)
                .map_err(|f| f.fault.to_string())
        });
    match verdict {
        Ok(table) => {
            say!("  sandbox  accepted (ABI exports present, initialises)");
            // What an officer will see for each rule (`policy rules`).
            for (i, rule) in table.iter().enumerate() {
                let lead = if i == 0 { "  table   " } else { "          " };
                say!("{lead} {}  {}  {}", rule.id, citation(rule), rule.checks);
            }
            if table.is_empty() {
                say!("  table    none: `attest policy rules` cannot say what its rules check (export_policy!(evaluate, rules = [...]))");
            }
            // Why a plug-in's fresh instances cost more than its peers'
            // is otherwise invisible to its author (docs/abi.md).
            match attest::snapshot::Plan::of(&wasm) {
                Ok(_) => say!(
                    "  frozen   yes: fresh instances start from it as initialised, and are set back to it after each application"
                ),
                Err(why) => say!("  frozen   no, each fresh instance runs attest_init: {why}"),
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            say!("  sandbox  refused: {e}");
            ExitCode::from(2)
        }
    }
}

/// Every rule the configured policies can raise (those beginning with one
/// of `wanted`, when given): its citation, the policies and versions that
/// raise it, and what it checks, from each module's rule table. An officer
/// reading a finding's rule id gets the provision behind it without the
/// source.
pub fn rules(config: Option<&Path>, wanted: &[String]) -> ExitCode {
    let screener = match screener(config) {
        Ok(s) => s,
        Err(code) => return code,
    };
    // Rule id -> (citation, what it checks, the policies raising it).
    let mut rules: BTreeMap<&str, (String, Option<&str>, Vec<String>)> = BTreeMap::new();
    for entry in screener.registry() {
        let p = match &entry.plugin {
            Loaded::Ready(p) => p,
            // Its rules are unknown: say so rather than let a rule of it
            // look like no rule at all.
            Loaded::Broken { origin, fault, .. } => {
                eprintln!(
                    "attest: {origin} could not be loaded, so its rules are not listed: {fault}"
                );
                continue;
            }
        };
        let policy = format!("{} {}", p.manifest.id, p.manifest.version);
        for id in &p.manifest.rules {
            let described = p.rules.iter().find(|r| &r.id == id);
            let rule = rules
                .entry(id.as_str())
                .or_insert_with(|| (described.map_or(String::new(), citation), None, Vec::new()));
            rule.1 = rule.1.or(described.map(|r| r.checks.as_str()));
            if !rule.2.contains(&policy) {
                rule.2.push(policy.clone());
            }
        }
    }
    let chosen = |id: &str| wanted.is_empty() || wanted.iter().any(|w| id.starts_with(w.as_str()));
    if let Some(unknown) = wanted
        .iter()
        .find(|w| !rules.keys().any(|id| id.starts_with(w.as_str())))
    {
        return fail(&format!(
            "no rule {unknown} among the {} rules of the configured policies; \
             `attest policy rules` lists them all",
            rules.len()
        ));
    }
    for (id, (citation, checks, policies)) in rules.iter().filter(|(id, _)| chosen(id)) {
        say!("{id}  {citation}  {}", policies.join(", "));
        match checks {
            Some(checks) => say!("    {checks}"),
            None => say!("    (its module has no rule table to say what it checks: see the policy's documentation)"),
        }
    }
    ExitCode::SUCCESS
}

/// A rule's citation as findings show it: `[ATT 11(2)]`.
fn citation(rule: &TableRule) -> String {
    format!("[{} {}]", rule.instrument.as_str(), rule.article)
}

pub fn list(config: Option<&Path>) -> ExitCode {
    let screener = match screener(config) {
        Ok(s) => s,
        Err(code) => return code,
    };
    for entry in screener.registry() {
        let states: Vec<String> = entry.states.iter().map(ToString::to_string).collect();
        let roles: Vec<&str> = entry.roles.iter().map(|r| r.as_str()).collect();
        match &entry.plugin {
            Loaded::Ready(p) => {
                let m = &p.manifest;
                let (from, until) = m.effective();
                let window = in_force(from, until);
                say!(
                    "{} {} [{}] ABI v{} ({})",
                    m.id,
                    m.version,
                    m.instrument,
                    m.abi,
                    entry.origin
                );
                say!("  {}", m.title);
                say!("  sha256 {} (pinned)", p.sha256);
                say!(
                    "  serves {} as {}; in force {window}",
                    states.join(", "),
                    roles.join(", ")
                );
                say!("  data: {}", listed(&m.data));
                say!("  rules: {}", m.rules.join(", "));
            }
            Loaded::Broken {
                id,
                origin,
                sha256,
                fault,
                ..
            } => {
                say!("{id} (from {origin}) NOT LOADED: {fault}\n  sha256 {sha256}");
            }
        }
    }
    for set in &screener.library().sets {
        say!(
            "data {}: {} ({} marked unverified), sha256 {}",
            set.name,
            crate::count_as(set.entries as u64, "entry", "entries"),
            set.unverified,
            set.sha256
        );
    }
    ExitCode::SUCCESS
}

/// Names separated by commas, or "none".
fn listed(names: &[String]) -> String {
    match names {
        [] => "none".into(),
        _ => names.join(", "),
    }
}

/// When a policy version is in force, from its manifest's dates (both
/// inclusive; either may be open).
fn in_force<D: std::fmt::Display>(from: Option<D>, until: Option<D>) -> String {
    match (from, until) {
        (None, None) => "always".into(),
        (Some(from), None) => format!("from {from}"),
        (None, Some(until)) => format!("until {until}"),
        (Some(from), Some(until)) => format!("{from} to {until}"),
    }
}

#[cfg(test)]
mod tests {
    use super::in_force;

    #[test]
    fn an_open_end_reads_as_from_or_until() {
        let none: Option<&str> = None;
        assert_eq!(in_force(none, none), "always");
        assert_eq!(in_force(Some("2026-01-01"), None), "from 2026-01-01");
        assert_eq!(in_force(None, Some("2025-12-31")), "until 2025-12-31");
        assert_eq!(
            in_force(Some("2020-01-01"), Some("2025-12-31")),
            "2020-01-01 to 2025-12-31"
        );
    }
}
