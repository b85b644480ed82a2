//! The guest SDK: everything a Rust policy crate needs to become a plug-in.
//!
//! A policy writes one function and one macro call:
//!
//! ```ignore
//! #![no_std]
//! use attest_rules::checks::Context;
//! use attest_rules::{Application, Finding};
//! use alloc::vec::Vec;
//!
//! fn evaluate(app: &Application, ctx: &Context<'_>, out: &mut Vec<Finding>) {
//!     attest_rules::checks::fp::run(app, ctx, out);
//! }
//! attest_rules::export_policy!(evaluate);
//! ```
//!
//! The macro exports the ABI functions and embeds `manifest.toml` from the
//! crate root as the manifest section.
//!
//! A policy that reads only what [`RequestView`] exposes can skip decoding
//! the application: `export_policy!(in_place evaluate, rules = &RULES)`
//! with
//! `fn evaluate(request: &RequestView<'_>, ctx: &Context<'_>, out: &mut Findings<'_>)`,
//! and `request = "view"` in its manifest, so that the host sends the view
//! request (fixed-size records read where they lie, `abi::view`). Every
//! field it reads is checked just as thoroughly, but nothing is copied, and
//! the findings of the rules in `RULES` cross as indexes (`abi::indexed`)
//! (docs/policy-authoring.md, docs/performance.md). On wasm32 this module also supplies
//! the allocator (an arena reset before every application, so no request
//! can see memory another left behind through the allocator) and a panic
//! handler that traps, which the host reports as a `refer`.

use crate::abi::codec::{self, Request, Response};
use crate::abi::indexed::{Answer, Findings};
use crate::abi::view::{self, RequestView};
use crate::abi::wire::{WireError, WireProblem};
use crate::checks::Context;
use crate::finding::{Finding, Rule};
use crate::model::Application;
use crate::reference::ReferenceData;
use alloc::format;
use alloc::vec::Vec;
use core::cell::UnsafeCell;

/// The signature of a policy's entry point.
pub type Evaluate = fn(&Application, &Context<'_>, &mut Vec<Finding>);

/// The signature of an entry point that reads the request in place. It
/// writes its findings to [`Findings`], which sends those of the rules in
/// the policy's rule table as indexes.
pub type EvaluateInPlace = fn(&RequestView<'_>, &Context<'_>, &mut Findings<'_>);

/// A cell for the guest's single-threaded globals. Wasm plug-ins run without
/// threads (the host's engine disables them), so there is never a second
/// accessor.
struct GuestCell<T>(UnsafeCell<T>);
// SAFETY: the sandbox has no threads; see the type's doc.
unsafe impl<T> Sync for GuestCell<T> {}

static DATA: GuestCell<Option<ReferenceData>> = GuestCell(UnsafeCell::new(None));

/// Decodes and keeps the reference data. Returns the `attest_init` status:
/// 0 on success, 1 when the bytes are not valid reference data.
pub fn handle_init(bytes: &[u8]) -> u32 {
    match codec::decode::<ReferenceData>(bytes) {
        Ok(data) => {
            // SAFETY: single-threaded guest; no reference to DATA is alive
            // across calls.
            unsafe { *DATA.0.get() = Some(data) };
            0
        }
        Err(_) => 1,
    }
}

/// Decodes a request, runs the policy and encodes its response.
pub fn handle_evaluate(bytes: &[u8], evaluate: Evaluate) -> Vec<u8> {
    let request = if bytes.starts_with(&view::TAG) {
        Err(WireError {
            offset: 0,
            problem: WireProblem::WrongForm { sent: "view" },
        })
    } else {
        codec::decode::<Request>(bytes)
    };
    answer(request, |req, data| {
        let ctx = Context {
            as_of: req.as_of,
            state: req.state,
            role: req.role,
            data,
        };
        // Room for a typical answer without growing.
        let mut findings = Vec::with_capacity(8);
        evaluate(&req.application, &ctx, &mut findings);
        reclaimed_by_arena(req);
        let response = Response::Findings(findings);
        let mut out = Vec::with_capacity(1024);
        codec::encode(&response, &mut out);
        reclaimed_by_arena(response);
        out
    })
}

/// Reads a request in place, runs the policy and returns the findings it
/// wrote, those of the rules in `rules` named by index (`abi::indexed`):
/// inline when they fit (`abi::inline`).
pub fn handle_evaluate_in_place(bytes: &[u8], evaluate: EvaluateInPlace, rules: &[Rule]) -> Answer {
    answer(RequestView::parse(bytes), |view, data| {
        let ctx = Context {
            as_of: view.as_of(),
            state: view.state(),
            role: view.role(),
            data,
        };
        // No buffer until the findings outgrow an inline answer.
        let mut findings = Findings::new(rules, Vec::new());
        evaluate(&view, &ctx, &mut findings);
        findings.answer()
    })
}

/// Runs `policy` on a request that could be read, with the reference
/// data; otherwise answers why it could not run.
fn answer<R, A: From<Vec<u8>>>(
    request: Result<R, WireError>,
    policy: impl FnOnce(R, &ReferenceData) -> A,
) -> A {
    // SAFETY: single-threaded guest; DATA is only written by handle_init.
    let data = unsafe { &*DATA.0.get() };
    let failure = match (data, request) {
        (None, _) => "attest_evaluate called before attest_init".into(),
        (_, Err(e)) => format!("request could not be decoded: {e}"),
        (Some(data), Ok(request)) => return policy(request, data),
    };
    let mut out = Vec::new();
    codec::encode(&Response::Failed(failure), &mut out);
    A::from(out)
}

/// Drops `value` natively; in the sandbox, leaves it to the arena, which
/// takes back everything an application allocated when the next one
/// starts. Walking a decoded application to free each string, one by one,
/// cost about 3% of a plug-in call for nothing.
fn reclaimed_by_arena<T>(value: T) {
    if cfg!(target_arch = "wasm32") {
        core::mem::forget(value);
    }
}

#[cfg(target_arch = "wasm32")]
pub mod wasm {
    //! The raw exports and the runtime pieces a `no_std` cdylib needs.
    use super::*;
    use core::alloc::{GlobalAlloc, Layout};
    use core::arch::wasm32;

    const PAGE: usize = 65_536;

    extern "C" {
        /// First free byte after data and stack, provided by the linker.
        static __heap_base: u8;
    }

    /// A bump allocator. `mark` is where memory stood after `attest_init`;
    /// every new request resets to it, so per-application allocations never
    /// accumulate and never survive into the next application.
    pub struct Arena {
        next: UnsafeCell<usize>,
        end: UnsafeCell<usize>,
        mark: UnsafeCell<usize>,
    }
    // SAFETY: single-threaded guest.
    unsafe impl Sync for Arena {}

    impl Arena {
        pub const fn new() -> Arena {
            Arena {
                next: UnsafeCell::new(0),
                end: UnsafeCell::new(0),
                mark: UnsafeCell::new(0),
            }
        }
        unsafe fn start(&self) {
            if *self.next.get() == 0 {
                *self.next.get() = core::ptr::addr_of!(__heap_base) as usize;
                *self.end.get() = wasm32::memory_size(0) * PAGE;
            }
        }
        /// Remembers the current top as the reset point.
        pub unsafe fn set_mark(&self) {
            *self.mark.get() = *self.next.get();
        }
        /// Frees everything allocated since the mark.
        pub unsafe fn reset(&self) {
            if *self.mark.get() != 0 {
                *self.next.get() = *self.mark.get();
            }
        }
    }

    unsafe impl GlobalAlloc for Arena {
        unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
            self.start();
            let start = (*self.next.get() + layout.align() - 1) & !(layout.align() - 1);
            let Some(top) = start.checked_add(layout.size()) else {
                return core::ptr::null_mut();
            };
            if top > *self.end.get() {
                let pages = (top - *self.end.get()).div_ceil(PAGE);
                if wasm32::memory_grow(0, pages) == usize::MAX {
                    return core::ptr::null_mut();
                }
                *self.end.get() += pages * PAGE;
            }
            *self.next.get() = top;
            start as *mut u8
        }
        unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
            // Give back the most recent allocation (common for growing Vecs).
            if ptr as usize + layout.size() == *self.next.get() {
                *self.next.get() = ptr as usize;
            }
        }
    }

    #[global_allocator]
    pub static ARENA: Arena = Arena::new();

    #[panic_handler]
    fn panic(_: &core::panic::PanicInfo<'_>) -> ! {
        // The host reports the trap as a fault of this plug-in: `refer`.
        wasm32::unreachable()
    }

    static INITIALISED: GuestCell<bool> = GuestCell(UnsafeCell::new(false));

    /// Requests up to this size are written straight into [`INPUT`]; the
    /// bundled examples encode to under 2 KiB, generated applications to
    /// under 600 bytes. A larger one goes through `attest_alloc`. Kept
    /// small because a fresh instance's memory is reset whole: with a
    /// 16 KiB stack, a 4 KiB buffer keeps the bundled plug-ins in one
    /// 64 KiB page (docs/performance.md).
    pub const INPUT_BYTES: usize = 4 << 10;

    /// The request buffer `attest_input` hands the host. Static, outside
    /// the arena, so that resetting the arena never frees it.
    static INPUT: GuestCell<[u8; INPUT_BYTES]> = GuestCell(UnsafeCell::new([0; INPUT_BYTES]));

    /// `attest_input`: where the host may write a request without asking
    /// for a buffer first, saving a call per application.
    pub fn input_buffer() -> u64 {
        crate::abi::pack(INPUT.0.get() as u32, INPUT_BYTES as u32)
    }

    /// `attest_alloc`: after initialisation, each call starts a new
    /// application and so first resets the arena.
    pub fn alloc(len: u32) -> u32 {
        unsafe {
            if *INITIALISED.0.get() {
                ARENA.reset();
            }
            let layout = Layout::from_size_align_unchecked(len as usize, 8);
            ARENA.alloc(layout) as u32
        }
    }

    unsafe fn input<'a>(ptr: u32, len: u32) -> &'a [u8] {
        core::slice::from_raw_parts(ptr as *const u8, len as usize)
    }

    /// `attest_rules`: the policy's rule table, for the host to read once
    /// per module (the arena reclaims it at the next application).
    pub fn rule_table(groups: &[&[Rule]]) -> u64 {
        let rules: Vec<Rule> = groups.iter().flat_map(|g| g.iter().copied()).collect();
        let mut out = Vec::new();
        codec::encode_rules(&rules, &mut out);
        let packed = crate::abi::pack(out.as_ptr() as u32, out.len() as u32);
        core::mem::forget(out);
        packed
    }

    /// `attest_init`.
    pub fn init(ptr: u32, len: u32) -> u32 {
        unsafe {
            let status = handle_init(input(ptr, len));
            *INITIALISED.0.get() = status == 0;
            ARENA.set_mark();
            status
        }
    }

    /// `attest_evaluate`: `handle` is [`handle_evaluate`] or
    /// [`handle_evaluate_in_place`] with the policy's entry point. A request
    /// in the input buffer starts a new application, as `attest_alloc` does
    /// for one written elsewhere, so the arena is reset first.
    pub fn evaluate(ptr: u32, len: u32, handle: impl FnOnce(&[u8]) -> Answer) -> u64 {
        unsafe {
            if ptr == INPUT.0.get() as u32 && *INITIALISED.0.get() {
                ARENA.reset();
            }
        }
        match handle(unsafe { input(ptr, len) }) {
            Answer::Inline(answer) => answer,
            Answer::Bytes(out) => {
                let packed = crate::abi::pack(out.as_ptr() as u32, out.len() as u32);
                // The arena reclaims it at the next request.
                core::mem::forget(out);
                packed
            }
        }
    }
}

/// Exports the ABI functions for a policy entry point and embeds the
/// crate's `manifest.toml` (or the named file, for a crate that builds
/// several editions) as the manifest custom section.
///
/// `rules = [att::RULES, cop::RULES]` (each a `&'static [Rule]`) makes
/// those the plug-in's rule table, exported as `attest_rules`: the host
/// reads it at load, and `attest policy rules` shows officers what each
/// rule checks and the article it cites. Every rule in it must be in the
/// manifest's `rules`, or the host refuses the plug-in.
///
/// With `in_place`, the entry point reads the request through
/// [`RequestView`] (its manifest must say `request = "view"`) and writes
/// its findings to [`Findings`]; there `rules = &RULES` (one slice) is
/// the rule table, and [`Findings::fire`] sends those rules' findings as
/// indexes into it.
///
/// ```ignore
/// export_policy!(evaluate, rules = [att::RULES, cop::RULES]);
/// export_policy!(evaluate, rules = [RULES], "manifest-2020.toml");
/// export_policy!(in_place evaluate, rules = &comparison::RULE_TABLE);
/// ```
#[macro_export]
macro_rules! export_policy {
    (in_place $evaluate:path) => {
        $crate::export_policy!(in_place $evaluate, rules = &[], "manifest.toml");
    };
    (in_place $evaluate:path, rules = $rules:expr) => {
        $crate::export_policy!(in_place $evaluate, rules = $rules, "manifest.toml");
    };
    (in_place $evaluate:path, $manifest:literal) => {
        $crate::export_policy!(in_place $evaluate, rules = &[], $manifest);
    };
    (in_place $evaluate:path, rules = $rules:expr, $manifest:literal) => {
        $crate::export_policy!(@abi $manifest, &[$rules], |bytes: &[u8]| {
            $crate::guest::handle_evaluate_in_place(bytes, $evaluate, $rules)
        });
    };
    ($evaluate:path) => {
        $crate::export_policy!($evaluate, rules = [], "manifest.toml");
    };
    ($evaluate:path, rules = [$($rules:expr),* $(,)?]) => {
        $crate::export_policy!($evaluate, rules = [$($rules),*], "manifest.toml");
    };
    ($evaluate:path, $manifest:literal) => {
        $crate::export_policy!($evaluate, rules = [], $manifest);
    };
    ($evaluate:path, rules = [$($rules:expr),* $(,)?], $manifest:literal) => {
        $crate::export_policy!(@abi $manifest, &[$($rules),*], |bytes: &[u8]| {
            $crate::guest::handle_evaluate(bytes, $evaluate).into()
        });
    };
    (@abi $manifest:literal, $rules:expr, $handle:expr) => {
        #[no_mangle]
        pub extern "C" fn attest_rules() -> u64 {
            $crate::guest::wasm::rule_table($rules)
        }
        #[no_mangle]
        pub extern "C" fn attest_abi_version() -> u32 {
            $crate::abi::ABI_VERSION
        }
        #[no_mangle]
        pub extern "C" fn attest_alloc(len: u32) -> u32 {
            $crate::guest::wasm::alloc(len)
        }
        #[no_mangle]
        pub extern "C" fn attest_init(ptr: u32, len: u32) -> u32 {
            $crate::guest::wasm::init(ptr, len)
        }
        #[no_mangle]
        pub extern "C" fn attest_input() -> u64 {
            $crate::guest::wasm::input_buffer()
        }
        #[no_mangle]
        pub extern "C" fn attest_evaluate(ptr: u32, len: u32) -> u64 {
            $crate::guest::wasm::evaluate(ptr, len, $handle)
        }
        #[link_section = "attest.manifest"]
        #[used]
        static ATTEST_MANIFEST: [u8; include_bytes!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/",
            $manifest
        ))
        .len()] = *include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/", $manifest));
    };
}
