//! The screening hot path, all in one run so that ratios are comparable:
//! - `input/*`: reading one generated application from its JSON Lines
//!   form: the document tree alone, and the tree validated into an
//!   `Application`, the first step of every line of `attest batch`;
//! - `abi/*`: encoding a request on the host and decoding it as the guest
//!   does (natively), the cost of the boundary format;
//! - `att/native` vs `att/sandbox-reuse`: the same ATT rule code called
//!   directly and through the sandbox with a reused instance (the ratio is
//!   the sandbox tax); `att/sandbox-fresh`: a new pooled instance per call;
//! - `startup/*`: loading the `att` plug-in by compiling it, and from the
//!   precompiled module cache.
//! - `screen/*`: the full default stack (fp + att, combined decision).
//! - `batch-100k/*`: `attest batch` end to end on 100,000 generated
//!   applications, 1 and 2 workers, reused and fresh instances.
//!
//! - `compare/*`: the shared policy (`attest_rules::comparison`) natively,
//!   as an Attest plug-in and, with `--features peers`, in Cedar and in
//!   Regorus (interpreter and VM), after checking on 100,000 generated
//!   applications that every engine agrees with the native rules.
//!
//! Run: `scripts/compare-engines.sh` (the whole table of
//! docs/performance.md), or `cargo bench -p attest-benches --features peers`.

use attest::application::{self, Format};
use attest::config::Config;
use attest::document::Node;
use attest::reference::Library;
use attest::sandbox::{Isolation, Limits, Sandbox};
use attest::screen::Screener;
use attest_benches::comparison as engines;
use attest_benches::examples;
use attest_rules::abi::codec::{self, Request, Reused};
use attest_rules::checks::{att, cop, Context};
use attest_rules::comparison;
use attest_rules::model::Role;
use attest_rules::reference::ReferenceData;
use criterion::{criterion_group, criterion_main, Criterion};
use std::hint::black_box;

/// The allocator the `attest` binary ships with, so that host-side costs
/// here are those of the binary; every engine runs with it.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const ATT_WASM: &[u8] = include_bytes!("../../policies/dist/att.wasm");

fn input(c: &mut Criterion) {
    let lines: Vec<String> = (0..1_000)
        .map(|n| serde_json::to_string(&attest::workload::application(1, n)).unwrap())
        .collect();
    let mut i = 0;
    c.bench_function("input/json-tree", |b| {
        b.iter(|| {
            i = (i + 1) % lines.len();
            Node::from_json(black_box(&lines[i])).unwrap()
        })
    });
    c.bench_function("input/application", |b| {
        b.iter(|| {
            i = (i + 1) % lines.len();
            application::parse(black_box(&lines[i]), Format::Json, false).unwrap()
        })
    });
}

fn boundary(c: &mut Criterion) {
    let app = &examples()[0];
    let mut buf = Vec::new();
    c.bench_function("abi/encode-request", |b| {
        b.iter(|| {
            codec::encode_request(
                app.submitted,
                app.licensing_state,
                Role::Export,
                black_box(app),
                &mut buf,
            )
        })
    });
    codec::encode_request(
        app.submitted,
        app.licensing_state,
        Role::Export,
        app,
        &mut buf,
    );
    c.bench_function("abi/decode-request", |b| {
        b.iter(|| codec::decode::<Request>(black_box(&buf)).unwrap())
    });
}

/// The reference data the `att` plug-in is loaded with: the UN embargoes.
fn att_data() -> ReferenceData {
    let library = Library::load(&Config::default().data).unwrap();
    library.subset(&["un-arms-embargoes".to_string()])
}

fn att_policy(c: &mut Criterion) {
    let app = &examples()[0];
    let data = att_data();
    c.bench_function("att/native", |b| {
        let ctx = Context {
            as_of: app.submitted,
            state: app.licensing_state,
            role: Role::Export,
            data: &data,
        };
        let mut out = Vec::new();
        b.iter(|| {
            out.clear();
            att::run(black_box(app), &ctx, &mut out);
            cop::run(app, &ctx, &mut out);
            black_box(out.len())
        })
    });
    let mut data_bytes = Vec::new();
    codec::encode(&data, &mut data_bytes);
    let mut request = Vec::new();
    for (name, isolation) in [
        ("att/sandbox-reuse", Isolation::Reuse),
        ("att/sandbox-fresh", Isolation::Fresh),
    ] {
        let sandbox = Sandbox::new(Limits {
            isolation,
            ..Limits::default()
        })
        .unwrap();
        let plugin = sandbox.load(ATT_WASM, data_bytes.clone()).unwrap();
        let mut evaluator = plugin.evaluator();
        let mut findings = Reused::default();
        c.bench_function(name, |b| {
            b.iter(|| {
                codec::encode_request(
                    app.submitted,
                    app.licensing_state,
                    Role::Export,
                    app,
                    &mut request,
                );
                evaluator
                    .evaluate_into(black_box(&request), &mut findings)
                    .unwrap();
                findings.as_slice().len()
            })
        });
    }
}

/// Loading the `att` plug-in, ready to evaluate: compiled with Cranelift,
/// against deserialised from the precompiled module cache (which the host
/// wrote itself, in a fresh folder). Both include the one instantiation
/// that checks the exports and initialises the data.
fn startup(c: &mut Criterion) {
    let mut data = Vec::new();
    codec::encode(&att_data(), &mut data);
    let dir = std::env::temp_dir().join(format!("attest-bench-cache-{}", std::process::id()));
    let mut group = c.benchmark_group("startup");
    group.sample_size(10);
    let compiling = Sandbox::new(Limits::default()).unwrap();
    group.bench_function("compile", |b| {
        b.iter(|| compiling.load(ATT_WASM, data.clone()).unwrap())
    });
    let mut cached = Sandbox::new(Limits::default()).unwrap();
    cached.use_cache(&dir).unwrap();
    cached.load(ATT_WASM, data.clone()).unwrap();
    group.bench_function("cached", |b| {
        b.iter(|| cached.load(ATT_WASM, data.clone()).unwrap())
    });
    group.finish();
    let _ = std::fs::remove_dir_all(&dir);
}

fn full_stack(c: &mut Criterion) {
    let apps = examples();
    for (name, isolation) in [
        ("screen/reuse", Isolation::Reuse),
        ("screen/fresh", Isolation::Fresh),
    ] {
        let mut config = Config::default();
        config.limits.isolation = isolation;
        let screener = Screener::new(config).unwrap();
        let mut session = screener.session();
        let mut i = 0;
        c.bench_function(name, |b| {
            b.iter(|| {
                i += 1;
                session
                    .screen(black_box(&apps[i % apps.len()]), None)
                    .findings
                    .len()
            })
        });
    }
}

/// `attest batch` end to end (parse, validate, screen, serialise, write in
/// order) on 2,000 generated applications, on 1 and 2 workers.
/// Applications in the batch benchmark: the 100,000, generated
/// as `attest gen --count 100000 --seed 1` writes them.
const BATCH_SIZE: u64 = 100_000;

/// `attest batch` end to end (read the JSON Lines file, screen, write the
/// decisions in order to a file) on 1 and 2 workers, in both isolation
/// modes; criterion reports applications/s as `thrpt`.
fn batch_throughput(c: &mut Criterion) {
    use attest::batch::{self, AsOf, Input, Output};
    use criterion::Throughput;
    let dir = std::env::temp_dir().join(format!("attest-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let input = dir.join("apps.jsonl");
    let mut lines = String::new();
    for n in 0..BATCH_SIZE {
        lines += &serde_json::to_string(&attest::workload::application(1, n)).unwrap();
        lines.push('\n');
    }
    std::fs::write(&input, lines).unwrap();
    let mut group = c.benchmark_group("batch-100k");
    group.throughput(Throughput::Elements(BATCH_SIZE));
    // About a second an iteration: ten of them, the fewest criterion takes.
    group.sample_size(10);
    group.measurement_time(std::time::Duration::from_secs(20));
    for (mode, isolation) in [("reuse", Isolation::Reuse), ("fresh", Isolation::Fresh)] {
        let mut config = Config::default();
        config.limits.isolation = isolation;
        // Pool instances for both workers, as `attest batch --jobs 2` does.
        config.sessions = 2;
        let screener = Screener::new(config).unwrap();
        for jobs in [1, 2] {
            let opts = batch::Options {
                jobs,
                as_of: AsOf::Submitted,
                strict: false,
                progress: false,
                restart: true,
            };
            let out = Output::File(dir.join(format!("out-{jobs}.jsonl")));
            let name = format!("{mode}-{jobs}-workers");
            group.bench_function(name, |b| {
                b.iter(|| {
                    let summary = batch::run(
                        &screener,
                        &Input::JsonLines(input.clone()),
                        &out,
                        &opts,
                        None,
                    )
                    .unwrap();
                    assert_eq!(summary.screened, BATCH_SIZE);
                })
            });
        }
    }
    group.finish();
    let _ = std::fs::remove_dir_all(&dir);
}

/// Applications the comparison cycles through: varied, so that every rule
/// fires and branch prediction cannot learn one answer.
fn comparison_workload(n: u64) -> Vec<attest_rules::Application> {
    (0..n)
        .map(|i| attest::workload::application(7, i))
        .collect()
}

/// Times one engine over the workload, one decision per iteration.
fn time_engine(
    c: &mut Criterion,
    name: &str,
    apps: &[attest_rules::Application],
    mut decide: impl FnMut(&attest_rules::Application) -> comparison::Fired,
) {
    let mut i = 0;
    c.bench_function(name, |b| {
        b.iter(|| {
            i = (i + 1) % apps.len();
            decide(black_box(&apps[i]))
        })
    });
}

/// Panics unless `engine` agrees with the native rules on every one of
/// 100,000 generated applications.
fn check_agreement(
    name: &str,
    engine: impl FnMut(&attest_rules::Application) -> comparison::Fired,
) {
    let apps = comparison_workload(AGREEMENT_SAMPLE);
    let wrong = engines::disagreements(&apps, engine, 5);
    assert!(wrong.is_empty(), "{name} disagrees with native: {wrong:?}");
    eprintln!("{name}: agrees with native on {AGREEMENT_SAMPLE} applications");
}

const AGREEMENT_SAMPLE: u64 = 100_000;

fn compare(c: &mut Criterion) {
    let apps = comparison_workload(1_000);
    let mut findings = Vec::new();
    time_engine(c, "compare/native", &apps, |app| {
        engines::native(app, &mut findings)
    });
    for (name, isolation) in [
        ("compare/attest-reuse", Isolation::Reuse),
        ("compare/attest-fresh", Isolation::Fresh),
    ] {
        let engine = engines::AttestEngine::new(isolation);
        let mut session = engine.session();
        check_agreement(name, |app| session.decide(app).expect("evaluates"));
        time_engine(c, name, &apps, |app| {
            session.decide(app).expect("evaluates")
        });
    }
    #[cfg(feature = "peers")]
    {
        use engines::{cedar::CedarEngine, rego::RegoInterpreter, rego::RegoVm};
        let cedar = CedarEngine::new();
        check_agreement("compare/cedar", |app| cedar.decide(app));
        time_engine(c, "compare/cedar", &apps, |app| cedar.decide(app));
        let mut interpreter = RegoInterpreter::new();
        check_agreement("compare/regorus-interpreter", |app| interpreter.decide(app));
        time_engine(c, "compare/regorus-interpreter", &apps, |app| {
            interpreter.decide(app)
        });
        let mut vm = RegoVm::new();
        check_agreement("compare/regorus-vm", |app| vm.decide(app));
        time_engine(c, "compare/regorus-vm", &apps, |app| vm.decide(app));
    }
}

criterion_group!(
    benches,
    input,
    boundary,
    att_policy,
    startup,
    compare,
    full_stack,
    batch_throughput
);
criterion_main!(benches);
