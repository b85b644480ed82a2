//! The sandbox: runs policy plug-ins on wasmtime under hard limits.
//!
//! Guarantees, each enforced here rather than trusted to the plug-in:
//! - no imports: a plug-in gets no clock, file, network, randomness or host
//!   call; a module that imports anything is refused at load;
//! - determinism: NaNs are canonicalised, threads and relaxed SIMD's
//!   non-determinism are off, so the same inputs give the same findings;
//! - bounded work: fuel per evaluation, a wall-clock deadline (epoch
//!   interruption), a memory cap, a stack cap and an output cap;
//! - every failure becomes a [`Fault`] naming what went wrong; the caller
//!   turns it into `refer`, never `approve`.
//!
//! Every limit is set in [`Limits`] with its default and the reason for it.

use crate::clean_pages::{self, CleanPages, Written};
use crate::manifest::{self, Manifest};
use crate::module_cache::ModuleCache;
use crate::reference::hex;
use crate::snapshot::{self, Plan};
use attest_rules::abi::codec::{self, Reused, TableRule};
use attest_rules::abi::view::TextFields;
use attest_rules::abi::{self, inline, ABI_VERSION};
use attest_rules::Finding;
use sha2::{Digest, Sha256};
use std::fmt;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;
use wasmtime::unix::StoreExt;
use wasmtime::{
    Config, Engine, Global, Instance, InstanceAllocationStrategy, InstancePre, Linker, Memory,
    Module, ModuleExport, PoolingAllocationConfig, ResourceLimiter, Store, Trap, TypedFunc, Val,
};

/// The sandbox's knobs, in one place.
#[derive(Clone, Debug, PartialEq)]
pub struct Limits {
    /// Fuel (roughly, wasm instructions) per evaluation and per
    /// initialisation. The bundled policies use under 200k per application;
    /// 50M leaves room for large national rule sets and still stops a
    /// runaway loop within tens of milliseconds.
    pub fuel: u64,
    /// Wall-clock budget per call, for what fuel does not meter (a huge
    /// `memory.fill`, host-side copying). Checked every [`EPOCH_TICK`].
    pub deadline: Duration,
    /// Linear memory a plug-in may grow to. The bundled policies need under
    /// 2 MiB; 64 MiB bounds a growth bomb well below the machine's memory
    /// even with one instance per core.
    pub memory_bytes: usize,
    /// Native stack for wasm frames. 512 KiB stops unbounded recursion
    /// quickly and is far above what rule code needs.
    pub stack_bytes: usize,
    /// Largest response accepted from a plug-in: 1 MiB is thousands of
    /// findings; more is a malfunction.
    pub max_output_bytes: u32,
    /// Start every application from the state a new instance starts in
    /// (no state can carry over) instead of reusing one instance per
    /// plug-in as the last application left it.
    pub isolation: Isolation,
    /// Instances that may exist at once in fresh isolation: the size of
    /// the pool they come from. Each screening session (a batch worker)
    /// keeps one per plug-in; [`Limits::for_sessions`] sizes it. Not read
    /// from the configuration file.
    pub instances: u32,
}

/// How instances are used between applications.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Isolation {
    /// Every application starts from the state a new instance starts in;
    /// nothing a plug-in does can reach the next application. The default.
    /// Once a plug-in is frozen (`snapshot`), an instance is set back to
    /// that state after each application ([`Plugin`]'s `rewind`: its
    /// memory and mutable globals, its whole state) instead of being
    /// replaced; otherwise each application gets a new instance.
    Fresh,
    /// One instance per plug-in, reused. The guest SDK resets its arena
    /// before each application, but a hostile module could keep state in
    /// its globals: use only with pinned, trusted modules (see
    /// docs/security.md). An instance that faulted is always discarded.
    Reuse,
}

impl Limits {
    /// The limits with a pool for `sessions` sessions of `plugins`
    /// plug-ins each, and the few instances that loading and freezing
    /// start; never under the default. A fixed pool of 256 ran out at
    /// about 50 workers with five plug-ins, and every application past it
    /// was referred for a fault (`tests/batch.rs`).
    pub fn for_sessions(self, sessions: usize, plugins: usize) -> Limits {
        let needed = sessions
            .saturating_mul(plugins)
            .saturating_add(LOADING_INSTANCES);
        Limits {
            instances: u32::try_from(needed)
                .unwrap_or(u32::MAX)
                .max(self.instances),
            ..self
        }
    }

    /// The wall-clock deadline in epoch ticks, at least one.
    fn deadline_ticks(&self) -> u64 {
        (self.deadline.as_millis() / EPOCH_TICK.as_millis()).max(1) as u64
    }
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            fuel: 50_000_000,
            deadline: Duration::from_millis(500),
            memory_bytes: 64 << 20,
            stack_bytes: 512 << 10,
            max_output_bytes: 1 << 20,
            isolation: Isolation::Fresh,
            instances: 256,
        }
    }
}

/// Instances beyond one per session and plug-in: loading a plug-in
/// starts one to check it and freezing another, each dropped at once.
const LOADING_INSTANCES: usize = 16;

/// Fresh instances of a plug-in initialised one by one before it is
/// frozen (`snapshot`). Freezing costs two more modules to compile (or
/// load from the cache): worth it for a batch, not for the few instances
/// one application needs (a plug-in runs once per state and role it
/// serves), which `attest screen` would pay in start-up time.
pub const FREEZE_AFTER: u32 = 8;

/// Bytes of each pooled memory and table kept resident between instances.
/// The bundled plug-ins touch well under 1 MiB per application.
const KEEP_RESIDENT: usize = 1 << 20;

/// Granularity of the wall-clock deadline.
pub const EPOCH_TICK: Duration = Duration::from_millis(5);

/// Why a plug-in could not be loaded or did not produce findings.
#[derive(Clone, Debug, PartialEq)]
pub enum Fault {
    NotLoadable(String),
    Imports(Vec<String>),
    MissingExport(&'static str),
    AbiVersion { found: u32 },
    InitFailed(u32),
    OutOfFuel,
    Timeout,
    MemoryLimit,
    StackOverflow,
    Trap(String),
    BadOutput(String),
    OutputTooLarge(u32),
    Reported(String),
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Fault::NotLoadable(e) => write!(f, "module could not be loaded: {e}"),
            Fault::Imports(list) => write!(
                f,
                "module imports {} (plug-ins may import nothing)",
                list.join(", ")
            ),
            Fault::MissingExport(name) => write!(
                f,
                "module does not export `{name}` with the signature of ABI v{ABI_VERSION}"
            ),
            Fault::AbiVersion { found } => write!(
                f,
                "module implements ABI version {found}; this host supports {}",
                crate::manifest::supported_versions()
            ),
            Fault::InitFailed(status) => write!(
                f,
                "attest_init rejected the reference data (status {status})"
            ),
            Fault::OutOfFuel => write!(f, "ran out of fuel"),
            Fault::Timeout => write!(f, "exceeded its wall-clock deadline"),
            Fault::MemoryLimit => write!(f, "exceeded its memory limit"),
            Fault::StackOverflow => write!(f, "overflowed its stack"),
            Fault::Trap(t) => write!(f, "trapped: {t}"),
            Fault::BadOutput(e) => write!(f, "returned malformed output: {e}"),
            Fault::OutputTooLarge(n) => write!(f, "returned {n} bytes, more than allowed"),
            Fault::Reported(m) => write!(f, "reported a failure: {m}"),
        }
    }
}

/// The engine and its settings; shared by every plug-in.
pub struct Sandbox {
    engine: Engine,
    limits: Limits,
    ticker: Arc<AtomicBool>,
    cache: Option<ModuleCache>,
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        self.ticker.store(true, Ordering::Relaxed);
    }
}

/// Per-store state: the memory limiter.
struct Guest {
    memory_limit: usize,
    hit_memory_limit: bool,
}

impl ResourceLimiter for Guest {
    fn memory_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _max: Option<usize>,
    ) -> wasmtime::Result<bool> {
        if desired > self.memory_limit {
            self.hit_memory_limit = true;
            return Err(wasmtime::Error::msg("memory limit"));
        }
        Ok(true)
    }
    fn table_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _max: Option<usize>,
    ) -> wasmtime::Result<bool> {
        Ok(desired <= 10_000)
    }
}

impl Sandbox {
    /// An engine configured for deterministic, bounded execution.
    pub fn new(limits: Limits) -> Result<Sandbox, Fault> {
        let mut config = Config::new();
        config
            .consume_fuel(true)
            .epoch_interruption(true)
            .cranelift_nan_canonicalization(true)
            .relaxed_simd_deterministic(true)
            .max_wasm_stack(limits.stack_bytes);
        // Threads are not merely off: the `threads` feature of wasmtime is
        // not compiled in (see Cargo.toml), so shared memories cannot exist.
        if limits.isolation == Isolation::Fresh {
            // Fresh instances come from a pool whose memories are reset
            // copy-on-write: microseconds instead of a fresh mmap.
            let mut pool = PoolingAllocationConfig::default();
            pool.total_core_instances(limits.instances)
                .total_memories(limits.instances)
                .total_tables(limits.instances)
                .max_memory_size(limits.memory_bytes)
                // Reset the first pages of a returned memory with memset
                // instead of madvise: madvise takes the process's memory
                // map lock, which serialised fresh instantiation across
                // workers (1.06x from 1 to 2 workers, docs/performance.md).
                .linear_memory_keep_resident(KEEP_RESIDENT)
                .table_keep_resident(KEEP_RESIDENT);
            config.allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
        }
        if std::env::var_os("ATTEST_PERFMAP").is_some() {
            // For profiling plug-ins with `perf` (docs/performance.md):
            // wasmtime writes /tmp/perf-PID.map naming each compiled
            // function. Read once per engine, never per call.
            config.profiler(wasmtime::ProfilingStrategy::PerfMap);
        }
        let engine = Engine::new(&config).map_err(|e| Fault::NotLoadable(e.to_string()))?;
        let ticker = Arc::new(AtomicBool::new(false));
        let (stop, weak) = (ticker.clone(), engine.weak());
        std::thread::spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                std::thread::sleep(EPOCH_TICK);
                match weak.upgrade() {
                    Some(engine) => engine.increment_epoch(),
                    None => break,
                }
            }
        });
        Ok(Sandbox {
            engine,
            limits,
            ticker,
            cache: None,
        })
    }

    /// Uses the precompiled module cache at `dir` (see `module_cache`).
    /// An unusable cache leaves the sandbox compiling every module, and
    /// says why.
    pub fn use_cache(&mut self, dir: &std::path::Path) -> Result<(), String> {
        self.cache = Some(ModuleCache::open(dir, &self.engine)?);
        Ok(())
    }

    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// Compiles and checks a module: manifest present, no imports, the ABI
    /// exports present with the right types. `data` is the encoded
    /// reference data the plug-in is initialised with.
    pub fn load(&self, wasm: &[u8], data: Vec<u8>) -> Result<Plugin, LoadFailure> {
        let sha256 = hex(&Sha256::digest(wasm));
        let manifest = manifest::read(wasm).map_err(|e| LoadFailure {
            manifest: None,
            fault: Fault::NotLoadable(e.to_string()),
        })?;
        let fail = |fault| LoadFailure {
            manifest: Some(Box::new(manifest.clone())),
            fault,
        };
        let view_text = manifest
            .text()
            .map_err(|e| fail(Fault::NotLoadable(format!("manifest: {e}"))))?;
        let module = compile(&self.engine, self.cache.as_ref(), wasm)
            .map_err(|e| fail(Fault::NotLoadable(format!("{e:#}"))))?;
        let imports: Vec<String> = module
            .imports()
            .map(|i| format!("{}.{}", i.module(), i.name()))
            .collect();
        if !imports.is_empty() {
            return Err(fail(Fault::Imports(imports)));
        }
        let pre = Prepared::new(&self.engine, &module).map_err(fail)?;
        let plugin = Plugin {
            manifest: manifest.clone(),
            sha256,
            pre,
            data,
            limits: self.limits.clone(),
            engine: self.engine.clone(),
            wasm: wasm.to_vec(),
            cache: self.cache.clone(),
            fresh_starts: AtomicU32::new(0),
            frozen: OnceLock::new(),
            started: AtomicU64::new(0),
            rules: Vec::new(),
            view_text,
            abi: 0,
            deadline_ticks: self.limits.deadline_ticks(),
        };
        // Instantiating once checks exports, ABI version and initialisation
        // now, so a broken module is reported at load, not per application.
        let mut live = plugin.start(&plugin.pre, None).map_err(fail)?;
        let rules = live.rule_table(&manifest).map_err(fail)?;
        Ok(Plugin {
            rules,
            abi: live.abi,
            ..plugin
        })
    }
}

/// Compiles `wasm`, through the module cache when there is one.
fn compile(engine: &Engine, cache: Option<&ModuleCache>, wasm: &[u8]) -> wasmtime::Result<Module> {
    match cache {
        Some(cache) => cache.load_or_compile(engine, wasm, &hex(&Sha256::digest(wasm))),
        None => Module::new(engine, wasm),
    }
}

/// A global's value as the snapshot writes it back.
fn snapshot_value(value: Val) -> Result<snapshot::Value, String> {
    Ok(match value {
        Val::I32(v) => snapshot::Value::I32(v),
        Val::I64(v) => snapshot::Value::I64(v),
        Val::F32(bits) => snapshot::Value::F32(bits),
        Val::F64(bits) => snapshot::Value::F64(bits),
        _ => return Err("a global holds a reference".into()),
    })
}

/// A snapshot's value as wasmtime sets it: [`snapshot_value`] undone.
fn val(value: snapshot::Value) -> Val {
    match value {
        snapshot::Value::I32(v) => Val::I32(v),
        snapshot::Value::I64(v) => Val::I64(v),
        snapshot::Value::F32(bits) => Val::F32(bits),
        snapshot::Value::F64(bits) => Val::F64(bits),
    }
}

/// A module the sandbox refused, with its manifest when it could be read.
#[derive(Debug)]
pub struct LoadFailure {
    pub manifest: Option<Box<Manifest>>,
    pub fault: Fault,
}

/// A compiled, checked plug-in, ready to instantiate.
pub struct Plugin {
    pub manifest: Manifest,
    /// sha256 of the module bytes, recorded in every decision.
    pub sha256: String,
    pre: Prepared,
    data: Vec<u8>,
    limits: Limits,
    engine: Engine,
    /// The module's bytes and the cache, to freeze it when fresh instances
    /// turn out to be wanted.
    wasm: Vec<u8>,
    cache: Option<ModuleCache>,
    /// Fresh instances made for applications so far, counted up to
    /// [`FREEZE_AFTER`].
    fresh_starts: AtomicU32,
    /// The module frozen after initialisation, once made; `None` inside
    /// when it cannot be (`snapshot`).
    frozen: OnceLock<Option<Frozen>>,
    /// Instances started so far, for whatever reason: what rewinding
    /// saves shows here.
    started: AtomicU64,
    /// Its rule table (`attest_rules`, ABI v3), read once at load: its
    /// findings may name their rules by index into it. Empty when the
    /// module exports none.
    pub rules: Vec<TableRule>,
    /// The text fields of the view request it is sent (its manifest's
    /// `text_fields`), parsed once at load.
    pub view_text: TextFields,
    /// The ABI version the module says it implements (`attest_abi_version`),
    /// read at load: only version 4 may answer inline.
    pub abi: u32,
    /// The deadline in epoch ticks, worked out once: its `u128`
    /// arithmetic was about 2 ns of every call (`docs/performance.md`).
    deadline_ticks: u64,
}

/// A plug-in as it stands after initialisation (`snapshot`): its
/// instances start there, and its request buffer lies where
/// `attest_input` said when it was frozen. `memory` and `globals` are
/// that state, to which `rewind` sets an instance back.
struct Frozen {
    pre: Prepared,
    input: (u32, u32),
    /// The linear memory after initialisation.
    memory: snapshot::Image,
    /// Each mutable global's value then, in the order of `pre.globals`.
    globals: Vec<Val>,
    /// The pages its instances have written, which start writable in the
    /// next ones (`clean_pages`).
    written: Written,
}

/// A module ready to instantiate, with the exports every instance needs
/// resolved once: looking them up by name for each fresh instance was
/// about a twentieth of its cost.
struct Prepared {
    pre: InstancePre<Guest>,
    memory: ModuleExport,
    alloc: ModuleExport,
    evaluate: ModuleExport,
    /// The mutable globals the snapshot exports (`snapshot::global_export`),
    /// when the module is a frozen one: what `rewind` sets back.
    globals: Vec<ModuleExport>,
}

impl Prepared {
    fn new(engine: &Engine, module: &Module) -> Result<Prepared, Fault> {
        Prepared::with_globals(engine, module, &[])
    }

    /// As [`Prepared::new`], also resolving the exports of the mutable
    /// globals numbered `globals`, which `Plan::instrument` added.
    fn with_globals(engine: &Engine, module: &Module, globals: &[u32]) -> Result<Prepared, Fault> {
        let pre = Linker::new(engine)
            .instantiate_pre(module)
            .map_err(|e| Fault::NotLoadable(format!("{e:#}")))?;
        let export = |name| {
            module
                .get_export_index(name)
                .ok_or(Fault::MissingExport(name))
        };
        let globals = globals
            .iter()
            .map(|&index| {
                module
                    .get_export_index(&snapshot::global_export(index))
                    .ok_or(Fault::MissingExport("a mutable global's snapshot export"))
            })
            .collect::<Result<_, _>>()?;
        Ok(Prepared {
            memory: export(abi::EXPORT_MEMORY)?,
            alloc: export(abi::EXPORT_ALLOC)?,
            evaluate: export(abi::EXPORT_EVALUATE)?,
            globals,
            pre,
        })
    }
}

/// A live instance with its exports resolved.
struct Live {
    /// The pages of its memory kept read-only since it started frozen
    /// (`clean_pages`). First, so that it drops first: the pages must be
    /// writable again before the store hands the memory back to the pool.
    clean: Option<CleanPages>,
    instance: Instance,
    store: Store<Guest>,
    memory: Memory,
    alloc: TypedFunc<u32, u32>,
    evaluate: TypedFunc<(u32, u32), u64>,
    /// The guest's request buffer (`attest_input`): address and capacity.
    input: (u32, u32),
    /// The ABI version its module says it implements, when this instance
    /// was initialised here (0 when it started frozen).
    abi: u32,
    /// Did it start from the frozen module? Only then can it be rewound.
    started_frozen: bool,
    /// Its mutable globals, when it started frozen (`Prepared::globals`).
    globals: Vec<Global>,
}

/// The result of one evaluation.
pub struct Evaluated {
    pub findings: Vec<Finding>,
    /// Fuel consumed, recorded in the decision.
    pub fuel: u64,
}

impl Plugin {
    /// A new instance for an application. After [`FREEZE_AFTER`] fresh
    /// ones, the plug-in is frozen (`snapshot`) and every instance starts
    /// frozen.
    fn instance(&self) -> Result<Live, Fault> {
        let fresh = self.limits.isolation == Isolation::Fresh;
        let starts = self.fresh_starts.load(Ordering::Relaxed);
        if fresh && starts < FREEZE_AFTER {
            self.fresh_starts.fetch_add(1, Ordering::Relaxed);
        }
        if fresh && starts >= FREEZE_AFTER {
            if let Some(frozen) = self.frozen.get_or_init(|| self.freeze().ok()) {
                let mut live = self.start(&frozen.pre, Some(frozen.input))?;
                live.keep_clean(&frozen.written);
                return Ok(live);
            }
        }
        self.start(&self.pre, None)
    }

    /// Instantiates `pre`: ready to evaluate when it is frozen (`input`
    /// is then where its request buffer lies), else initialised here.
    fn start(&self, pre: &Prepared, frozen: Option<(u32, u32)>) -> Result<Live, Fault> {
        self.started.fetch_add(1, Ordering::Relaxed);
        let guest = Guest {
            memory_limit: self.limits.memory_bytes,
            hit_memory_limit: false,
        };
        let mut store = Store::new(&self.engine, guest);
        store.limiter(|g| g);
        self.budget(&mut store)?;
        let instance = pre
            .pre
            .instantiate(&mut store)
            .map_err(|e| classify(&store, e))?;
        let memory = instance
            .get_module_export(&mut store, &pre.memory)
            .and_then(|e| e.into_memory())
            .ok_or(Fault::MissingExport(abi::EXPORT_MEMORY))?;
        let func = |store: &mut Store<Guest>, export, name| {
            instance
                .get_module_export(&mut *store, export)
                .and_then(|e| e.into_func())
                .ok_or(Fault::MissingExport(name))
        };
        let alloc = func(&mut store, &pre.alloc, abi::EXPORT_ALLOC)?
            .typed(&store)
            .map_err(|_| Fault::MissingExport(abi::EXPORT_ALLOC))?;
        let evaluate = func(&mut store, &pre.evaluate, abi::EXPORT_EVALUATE)?
            .typed(&store)
            .map_err(|_| Fault::MissingExport(abi::EXPORT_EVALUATE))?;
        let globals = pre
            .globals
            .iter()
            .map(|export| {
                instance
                    .get_module_export(&mut store, export)
                    .and_then(|e| e.into_global())
                    .ok_or(Fault::MissingExport("a mutable global's snapshot export"))
            })
            .collect::<Result<_, _>>()?;
        let mut live = Live {
            clean: None,
            instance,
            store,
            memory,
            alloc,
            evaluate,
            input: frozen.unwrap_or((0, 0)),
            abi: 0,
            started_frozen: frozen.is_some(),
            globals,
        };
        if frozen.is_none() {
            self.initialise(&mut live)?;
        }
        Ok(live)
    }

    /// Checks the ABI version, hands the instance its reference data and
    /// asks where its request buffer is: what a frozen module has done
    /// already.
    fn initialise(&self, live: &mut Live) -> Result<(), Fault> {
        let (instance, store) = (live.instance, &mut live.store);
        let version: TypedFunc<(), u32> = instance
            .get_typed_func(&mut *store, abi::EXPORT_ABI_VERSION)
            .map_err(|_| Fault::MissingExport(abi::EXPORT_ABI_VERSION))?;
        let init: TypedFunc<(u32, u32), u32> = instance
            .get_typed_func(&mut *store, abi::EXPORT_INIT)
            .map_err(|_| Fault::MissingExport(abi::EXPORT_INIT))?;
        let input: TypedFunc<(), u64> = instance
            .get_typed_func(&mut *store, abi::EXPORT_INPUT)
            .map_err(|_| Fault::MissingExport(abi::EXPORT_INPUT))?;
        let found = version
            .call(&mut *store, ())
            .map_err(|e| classify(store, e))?;
        if !abi::supported(found) {
            return Err(Fault::AbiVersion { found });
        }
        live.abi = found;
        let ptr = live.write_input(&self.data)?;
        let status = init
            .call(&mut live.store, (ptr, self.data.len() as u32))
            .map_err(|e| classify(&live.store, e))?;
        if status != 0 {
            return Err(Fault::InitFailed(status));
        }
        let packed = input
            .call(&mut live.store, ())
            .map_err(|e| classify(&live.store, e))?;
        live.input = abi::unpack(packed);
        Ok(())
    }

    fn budget(&self, store: &mut Store<Guest>) -> Result<(), Fault> {
        store
            .set_fuel(self.limits.fuel)
            .map_err(|e| Fault::Trap(e.to_string()))?;
        store.set_epoch_deadline(self.deadline_ticks);
        Ok(())
    }

    /// How many instances of the plug-in have been started: at load, to
    /// freeze it, and for applications, a new one only where the last
    /// could be neither reused nor rewound.
    pub fn instances_started(&self) -> u64 {
        self.started.load(Ordering::Relaxed)
    }

    /// Do fresh instances start from the module frozen after
    /// initialisation (`snapshot`), instead of initialising each? Only
    /// after [`FREEZE_AFTER`] fresh instances.
    pub fn starts_frozen(&self) -> bool {
        matches!(self.frozen.get(), Some(Some(_)))
    }

    /// The plug-in frozen after initialisation: its memory and mutable
    /// globals, read from an instance just initialised, written into the
    /// module (`snapshot`). `Err` says why it cannot be; its instances
    /// are then initialised one by one, as before.
    fn freeze(&self) -> Result<Frozen, String> {
        let plan = Plan::of(&self.wasm)?;
        let instrumented = plan.instrument(&self.wasm)?;
        let module = compile(&self.engine, self.cache.as_ref(), &instrumented)
            .map_err(|e| format!("{e:#}"))?;
        let pre = Prepared::new(&self.engine, &module).map_err(|f| f.to_string())?;
        let mut live = self.start(&pre, None).map_err(|f| f.to_string())?;
        let memory = live.memory.data(&live.store).to_vec();
        let mut globals = Vec::new();
        for &index in &plan.mutable_globals {
            let global = live
                .instance
                .get_global(&mut live.store, &snapshot::global_export(index))
                .ok_or_else(|| format!("global {index} is not exported"))?;
            globals.push((index, snapshot_value(global.get(&mut live.store))?));
        }
        let values = globals.iter().map(|&(_, value)| val(value)).collect();
        // The frozen module exports its mutable globals too, so that an
        // instance of it can be rewound.
        let frozen = plan.instrument(&plan.freeze(&self.wasm, &memory, &globals)?)?;
        let module =
            compile(&self.engine, self.cache.as_ref(), &frozen).map_err(|e| format!("{e:#}"))?;
        let pre = Prepared::with_globals(&self.engine, &module, &plan.mutable_globals)
            .map_err(|f| f.to_string())?;
        self.start(&pre, Some(live.input))
            .map_err(|f| f.to_string())?;
        Ok(Frozen {
            pre,
            input: live.input,
            memory: snapshot::Image::new(memory),
            globals: values,
            written: Written::default(),
        })
    }

    /// The pages, one bit per 4 KiB, that its frozen instances have been
    /// seen to write (`clean_pages`); `None` until it is frozen.
    pub fn pages_written(&self) -> Option<u64> {
        let frozen = self.frozen.get()?.as_ref()?;
        Some(frozen.written.load(Ordering::Relaxed))
    }

    /// Sets an instance that started frozen back to the state it started
    /// in, so that it can take the next application as a new instance
    /// would: every byte of its memory and every mutable global as the
    /// frozen module starts them. That is the whole of its state: the
    /// snapshot's `Plan` admits only modules whose tables and data
    /// segments cannot change, and fuel and deadline are set before each
    /// call. False when it cannot be (it did not start frozen, or its
    /// memory grew): the instance must then be dropped.
    ///
    /// Why: a new pooled instance per application cost about 4.3 µs
    /// (instantiating, registering the module, resetting and returning
    /// the memory slot); copying back one page of memory costs a fraction
    /// of that (`docs/performance.md`).
    fn rewind(&self, live: &mut Live) -> bool {
        let Some(Some(frozen)) = self.frozen.get() else {
            return false;
        };
        if !live.started_frozen || live.globals.len() != frozen.globals.len() {
            return false;
        }
        let touched = live.clean.as_ref().map(CleanPages::touched);
        let memory = live.memory.data_mut(&mut live.store);
        let restored = match touched {
            Some(pages) => frozen
                .memory
                .restore_pages(memory, pages, clean_pages::PAGE),
            None => frozen.memory.restore(memory),
        };
        if !restored {
            return false;
        }
        live.globals
            .iter()
            .zip(&frozen.globals)
            .all(|(global, value)| global.set(&mut live.store, *value).is_ok())
    }

    /// A handle that evaluates applications with this plug-in, keeping an
    /// instance between calls when the isolation mode allows.
    pub fn evaluator(&self) -> Evaluator<'_> {
        Evaluator {
            plugin: self,
            live: None,
            fuel_used: 0,
        }
    }
}

/// Evaluates requests against one plug-in. One per worker thread.
pub struct Evaluator<'p> {
    plugin: &'p Plugin,
    live: Option<Live>,
    fuel_used: u64,
}

impl Evaluator<'_> {
    /// The fuel the last call used, also when it faulted: the whole budget
    /// when it ran out, what it had used when it trapped, 0 when it never
    /// started. A decision records it for a faulted plug-in too.
    pub fn fuel_used(&self) -> u64 {
        self.fuel_used
    }

    /// Runs one encoded request. Any fault discards the instance, so the
    /// next application starts from a clean one.
    pub fn evaluate(&mut self, request: &[u8]) -> Result<Evaluated, Fault> {
        self.evaluate_with(request.len(), |dst| dst.copy_from_slice(request))
    }

    /// Runs a request of `len` bytes that `write` writes straight into the
    /// instance, as [`Evaluator::evaluate_with_into`] does.
    pub fn evaluate_with(
        &mut self,
        len: usize,
        write: impl FnOnce(&mut [u8]),
    ) -> Result<Evaluated, Fault> {
        let mut findings = Reused::default();
        let fuel = self.evaluate_with_into(len, write, &mut findings)?;
        Ok(Evaluated {
            findings: findings.take(),
            fuel,
        })
    }

    /// Runs one encoded request as [`Evaluator::evaluate`] does, writing
    /// the findings over `findings` and returning the fuel used. Called
    /// with the same buffer each time on a reused instance, it allocates
    /// nothing once the buffer and its strings have grown to the answers
    /// (`tests/hot_path.rs`). On a fault `findings` is emptied.
    pub fn evaluate_into(
        &mut self,
        request: &[u8],
        findings: &mut Reused<Finding>,
    ) -> Result<u64, Fault> {
        self.evaluate_with_into(request.len(), |dst| dst.copy_from_slice(request), findings)
    }

    /// Runs a request of `len` bytes that `write` writes straight into the
    /// instance's input buffer, as [`Evaluator::evaluate_into`] runs one
    /// already encoded: no buffer of the host's own, no copy. `write` must
    /// write every byte of the slice it is given (the buffer holds the
    /// last request's bytes), as `view::write_request` does.
    pub fn evaluate_with_into(
        &mut self,
        len: usize,
        write: impl FnOnce(&mut [u8]),
        findings: &mut Reused<Finding>,
    ) -> Result<u64, Fault> {
        // The instance stays where it is while it runs: moving it out and
        // back per call was a copy of the whole `Live`.
        self.fuel_used = 0;
        let live = match &mut self.live {
            Some(live) => live,
            empty => empty.insert(self.plugin.instance().inspect_err(|fault| {
                findings.clear();
                // A new instance initialises on the same budget.
                if *fault == Fault::OutOfFuel {
                    self.fuel_used = self.plugin.limits.fuel;
                }
            })?),
        };
        let result = run(self.plugin, live, len, write, findings);
        let left = live.store.get_fuel().unwrap_or(0);
        self.fuel_used = self.plugin.limits.fuel.saturating_sub(left);
        let keep = result.is_ok()
            && match self.plugin.limits.isolation {
                Isolation::Reuse => true,
                Isolation::Fresh => self.plugin.rewind(live),
            };
        if result.is_err() {
            findings.clear();
        }
        if !keep {
            self.live = None;
        }
        result
    }
}

/// One call into `live`: write the request, evaluate, read the findings.
fn run(
    plugin: &Plugin,
    live: &mut Live,
    len: usize,
    write: impl FnOnce(&mut [u8]),
    findings: &mut Reused<Finding>,
) -> Result<u64, Fault> {
    plugin.budget(&mut live.store)?;
    let ptr = live.write_request(len, write)?;
    let packed = live
        .evaluate
        .call(&mut live.store, (ptr, len as u32))
        .map_err(|e| classify(&live.store, e))?;
    let fuel = plugin.limits.fuel - live.store.get_fuel().unwrap_or(0);
    if plugin.abi >= 4 && inline::is_inline(packed) {
        // Findings in the answer itself: no bytes to find and read.
        return codec::decode_inline(packed, findings, &plugin.rules)
            .map(|()| fuel)
            .map_err(|e| Fault::BadOutput(e.to_string()));
    }
    let (out_ptr, out_len) = abi::unpack(packed);
    if out_len > plugin.limits.max_output_bytes {
        return Err(Fault::OutputTooLarge(out_len));
    }
    let data = live.memory.data(&live.store);
    let bytes = data
        .get(out_ptr as usize..out_ptr as usize + out_len as usize)
        .ok_or_else(|| {
            Fault::BadOutput(format!("output at {out_ptr}+{out_len} lies outside memory"))
        })?;
    match codec::decode_response_into(bytes, findings, &plugin.rules) {
        Ok(None) => Ok(fuel),
        Ok(Some(message)) => Err(Fault::Reported(message)),
        Err(e) => Err(Fault::BadOutput(e.to_string())),
    }
}

impl Live {
    /// Reads the module's rule table, when it exports one, and checks that
    /// its manifest lists each rule: coverage is reported against the
    /// manifest.
    fn rule_table(&mut self, manifest: &Manifest) -> Result<Vec<TableRule>, Fault> {
        let Ok(export) = self
            .instance
            .get_typed_func::<(), u64>(&mut self.store, abi::EXPORT_RULES)
        else {
            return Ok(Vec::new());
        };
        let packed = export
            .call(&mut self.store, ())
            .map_err(|e| classify(&self.store, e))?;
        let (ptr, len) = abi::unpack(packed);
        let bytes = self
            .memory
            .data(&self.store)
            .get(ptr as usize..ptr as usize + len as usize)
            .ok_or_else(|| {
                Fault::BadOutput(format!("attest_rules gave {ptr}+{len}, outside memory"))
            })?;
        let table: Vec<TableRule> =
            codec::decode(bytes).map_err(|e| Fault::BadOutput(format!("attest_rules: {e}")))?;
        match table.iter().find(|rule| !manifest.rules.contains(&rule.id)) {
            Some(rule) => Err(Fault::BadOutput(format!(
                "attest_rules lists `{}`, which the manifest's `rules` does not",
                rule.id
            ))),
            None => Ok(table),
        }
    }

    /// Has `write` write a request of `len` bytes into the guest's input
    /// buffer, one call fewer than asking for a buffer; a request larger
    /// than the buffer still gets one from `attest_alloc`.
    fn write_request(&mut self, len: usize, write: impl FnOnce(&mut [u8])) -> Result<u32, Fault> {
        let (ptr, capacity) = self.input;
        if len > capacity as usize {
            return self.write_allocated(len, write);
        }
        self.open(ptr, len)?;
        let dst = guest_slice(&self.memory, &mut self.store, ptr, len).ok_or_else(|| {
            Fault::BadOutput(format!(
                "attest_input gave {ptr}+{capacity}, outside memory for {len} bytes"
            ))
        })?;
        write(dst);
        Ok(ptr)
    }

    /// Asks the guest for a buffer and copies `bytes` into it.
    fn write_input(&mut self, bytes: &[u8]) -> Result<u32, Fault> {
        self.write_allocated(bytes.len(), |dst| dst.copy_from_slice(bytes))
    }

    /// Asks the guest for a buffer of `len` bytes and has `write` fill it,
    /// checking the buffer lies inside guest memory.
    fn write_allocated(&mut self, len: usize, write: impl FnOnce(&mut [u8])) -> Result<u32, Fault> {
        let asked = u32::try_from(len).map_err(|_| Fault::BadOutput("input over 4 GiB".into()))?;
        let ptr = self
            .alloc
            .call(&mut self.store, asked)
            .map_err(|e| classify(&self.store, e))?;
        self.open(ptr, len)?;
        let dst = guest_slice(&self.memory, &mut self.store, ptr, len).ok_or_else(|| {
            Fault::BadOutput(format!(
                "attest_alloc returned {ptr}, outside memory for {len} bytes"
            ))
        })?;
        write(dst);
        Ok(ptr)
    }

    /// Keeps the pages of its memory that the plug-in has not been seen to
    /// write read-only, so that a rewind copies only the others
    /// (`clean_pages`). Left as it is where that cannot be done.
    fn keep_clean(&mut self, written: &Written) {
        let memory = self.memory.data_mut(&mut self.store);
        let (base, len) = (memory.as_mut_ptr(), memory.len());
        // SAFETY: the instance's own memory, not running; `clean` drops
        // before the store, which keeps the memory mapped until then.
        let Some(clean) = (unsafe { CleanPages::protect(base, len, written) }) else {
            return;
        };
        // SAFETY: the handler only calls mprotect and touches atomics,
        // which are async-signal-safe.
        unsafe { self.store.set_signal_handler(clean.handler()) };
        self.clean = Some(clean);
    }

    /// Opens the clean pages the host is about to write `len` bytes to at
    /// `ptr`: a fault outside a call would not reach the store's handler.
    fn open(&self, ptr: u32, len: usize) -> Result<(), Fault> {
        match &self.clean {
            Some(clean) if !clean.open(ptr as usize, len) => Err(Fault::BadOutput(format!(
                "the request buffer at {ptr} could not be made writable"
            ))),
            _ => Ok(()),
        }
    }
}

/// The `len` bytes of guest memory at `ptr`, if they lie inside it.
fn guest_slice<'s>(
    memory: &Memory,
    store: &'s mut Store<Guest>,
    ptr: u32,
    len: usize,
) -> Option<&'s mut [u8]> {
    let start = ptr as usize;
    memory
        .data_mut(store)
        .get_mut(start..start.checked_add(len)?)
}

/// Names the fault behind a wasmtime error.
fn classify(store: &Store<Guest>, error: wasmtime::Error) -> Fault {
    if store.data().hit_memory_limit {
        return Fault::MemoryLimit;
    }
    match error.downcast_ref::<Trap>() {
        Some(Trap::OutOfFuel) => Fault::OutOfFuel,
        Some(Trap::Interrupt) => Fault::Timeout,
        Some(Trap::StackOverflow) => Fault::StackOverflow,
        Some(trap) => Fault::Trap(trap.to_string()),
        None => Fault::Trap(format!("{error:#}")),
    }
}
