//! The published plug-ins under policies/dist are what the host embeds,
//! declare exactly the rules their source implements, and carry correct
//! sha256 files. (That dist/ is what the sources build is checked by
//! `policies/build.sh --check`, run by the README's test command.)

use attest::manifest;
use attest::reference::hex;
use attest_rules::checks::{att, cop, fp};
use sha2::{Digest, Sha256};

fn dist(file: &str) -> Vec<u8> {
    std::fs::read(format!(
        "{}/../policies/dist/{file}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

fn rule_ids(rules: &[&[attest_rules::Rule]]) -> Vec<String> {
    rules
        .iter()
        .flat_map(|r| r.iter().map(|r| r.id.to_string()))
        .collect()
}

#[test]
fn each_manifest_lists_exactly_the_rules_its_checks_define() {
    for (name, rules) in [
        ("fp", rule_ids(&[fp::RULES])),
        ("att", rule_ids(&[att::RULES, cop::RULES])),
    ] {
        let m = manifest::read(&dist(&format!("{name}.wasm"))).unwrap();
        assert_eq!(m.id, name);
        assert_eq!(
            m.rules, rules,
            "{name}: manifest.toml and the rules crate disagree"
        );
        let published: manifest::Manifest =
            toml::from_str(&String::from_utf8(dist(&format!("{name}.manifest.toml"))).unwrap())
                .unwrap();
        assert_eq!(
            published, m,
            "{name}.manifest.toml is the embedded manifest"
        );
    }
}

#[test]
fn each_sha256_file_matches_its_module() {
    for name in ["fp", "att"] {
        let digest = hex(&Sha256::digest(dist(&format!("{name}.wasm"))));
        let file = String::from_utf8(dist(&format!("{name}.wasm.sha256"))).unwrap();
        assert_eq!(file, format!("{digest}  {name}.wasm\n"));
    }
}

#[test]
fn rule_ids_name_their_article_and_are_unique() {
    let ids = rule_ids(&[fp::RULES, att::RULES, cop::RULES]);
    let mut sorted = ids.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted.len(), ids.len(), "duplicate rule id");
    for r in fp::RULES.iter().chain(att::RULES).chain(cop::RULES) {
        let article_digits: String = r.article.chars().filter(char::is_ascii_digit).collect();
        let id_digits: String = r.id.chars().filter(char::is_ascii_digit).collect();
        assert!(
            id_digits.starts_with(&article_digits) || id_digits.contains(&article_digits),
            "{} vs {}",
            r.id,
            r.article
        );
    }
}

/// Each published plug-in keeps its stack below its data (`--stack-first`)
/// with the 16 KiB that `policies/build.sh` gives it, and starts with one
/// 64 KiB page: a fresh instance's memory is reset whole, so a second page
/// cost about a sixth of each fresh instance (docs/performance.md). An
/// overflowing stack then runs below address 0 and traps (the host refers
/// the application) instead of overwriting data.
#[test]
fn each_plugin_keeps_its_stack_first_and_starts_in_one_page() {
    use wasmparser::{ConstExpr, DataKind, Operator, Parser, Payload};
    let value = |e: &ConstExpr<'_>| match e.get_operators_reader().read() {
        Ok(Operator::I32Const { value }) => value as u32,
        other => panic!("not a constant address: {other:?}"),
    };
    for name in ["fp", "att", "eu-cp", "comparison", "xa", "xa-2020", "xb"] {
        let wasm = dist(&format!("{name}.wasm"));
        let (mut stack_top, mut lowest_data, mut pages) = (None, u32::MAX, None);
        for payload in Parser::new(0).parse_all(&wasm) {
            match payload.unwrap() {
                // The stack pointer is the module's first global.
                Payload::GlobalSection(globals) => {
                    let first = globals.into_iter().next().unwrap().unwrap();
                    assert!(
                        first.ty.mutable,
                        "{name}: the first global is the stack pointer"
                    );
                    stack_top = Some(value(&first.init_expr));
                }
                Payload::DataSection(data) => {
                    for segment in data {
                        if let DataKind::Active { offset_expr, .. } = segment.unwrap().kind {
                            lowest_data = lowest_data.min(value(&offset_expr));
                        }
                    }
                }
                Payload::MemorySection(memories) => {
                    pages = Some(memories.into_iter().next().unwrap().unwrap().initial);
                }
                _ => {}
            }
        }
        assert_eq!(stack_top, Some(16 << 10), "{name}: a 16 KiB stack");
        assert!(
            lowest_data >= 16 << 10,
            "{name}: data at {lowest_data}, below the stack top"
        );
        assert_eq!(pages, Some(1), "{name}: starts in one page");
    }
}
