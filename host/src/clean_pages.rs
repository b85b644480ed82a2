//! Clean pages: the parts of a frozen instance's memory that no call has
//! written, kept read-only, so that setting the instance back after an
//! application (`Plugin::rewind`) copies only the pages that may have
//! changed.
//!
//! Why: with fresh isolation every plug-in run ends by setting its 64 KiB
//! of memory back to the frozen image, and that copy was a fifth of a
//! batch's CPU, while the bundled plug-ins write four or five of their
//! sixteen 4 KiB pages (their stack, their request buffer, what they
//! allocate); the rest is reference data they only read
//! (`docs/performance.md`).
//!
//! How it stays exact: a clean page is mapped read-only, so it still holds
//! the image's bytes. A plug-in that writes one anyway, by a store or by
//! `memory.fill` or `memory.copy` (which wasmtime runs in the host), takes
//! a fault that the store's signal handler turns into making that page
//! writable, and the write goes ahead as if nothing had happened; the page
//! is no longer clean, so the rewind restores it. The host opens a page
//! the same way before writing a request into it (`CleanPages::open`),
//! since a fault outside a call into the plug-in would not reach the
//! handler. Pages a plug-in has written once start writable in its later
//! instances (`Written`), so a worker pays each fault once. Before the
//! instance goes back to wasmtime's pool, every page is made writable
//! again (`Drop`), because the pool resets the memory by writing it.
//!
//! Where any of this is not available (another page size, a memory larger
//! than 64 pages, a failed `mprotect`), no page is kept clean and the
//! whole image is restored, as before.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// The page size this works with; others restore everything.
pub const PAGE: usize = 4096;

/// The pages, one bit each, that a plug-in's instances have written.
/// Shared by all its instances, on every worker.
pub type Written = Arc<AtomicU64>;

/// The clean pages of one instance's memory.
pub struct CleanPages {
    base: usize,
    pages: usize,
    /// Pages mapped read-only now; the signal handler clears a page's bit
    /// when it opens the page.
    clean: Arc<AtomicU64>,
    written: Written,
}

impl CleanPages {
    /// Maps read-only the pages of the memory at `base` (`len` bytes)
    /// that the plug-in has not been seen to write, and returns them with
    /// the signal handler that opens a page on its first write; `None`
    /// where this cannot be done, leaving every page writable.
    ///
    /// # Safety
    /// `base..base + len` must be the linear memory of an instance that
    /// is not running, mapped read-write, and stay mapped while the value
    /// lives.
    pub unsafe fn protect(base: *mut u8, len: usize, written: &Written) -> Option<CleanPages> {
        let pages = len / PAGE;
        // SAFETY: sysconf has no preconditions.
        let page_size = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
        if page_size != PAGE as libc::c_long
            || !len.is_multiple_of(PAGE)
            || !(1..=64).contains(&pages)
            || !(base as usize).is_multiple_of(PAGE)
        {
            return None;
        }
        let clean = mask(0, pages) & !written.load(Ordering::Relaxed);
        let this = CleanPages {
            base: base as usize,
            pages,
            clean: Arc::new(AtomicU64::new(0)),
            written: written.clone(),
        };
        for (first, count) in runs(clean) {
            // SAFETY: the range lies in the memory the caller vouches for.
            if unsafe { this.set(first, count, libc::PROT_READ) }.is_err() {
                // `this` opens what was closed so far when it drops.
                return None;
            }
            this.clean.fetch_or(mask(first, count), Ordering::Relaxed);
        }
        Some(this)
    }

    /// The handler to give the instance's store: it opens a clean page of
    /// this memory that a write faulted on, and declines every other
    /// fault, which wasmtime then reports as the trap it is.
    pub fn handler(
        &self,
    ) -> impl Fn(libc::c_int, *const libc::siginfo_t, *const libc::c_void) -> bool + Send + Sync + 'static
    {
        let (base, pages) = (self.base, self.pages);
        let (clean, written) = (self.clean.clone(), self.written.clone());
        move |signal, info, _context| {
            if signal != libc::SIGSEGV && signal != libc::SIGBUS {
                return false;
            }
            // SAFETY: the kernel gives a SIGSEGV or SIGBUS handler its
            // siginfo, with the faulting address.
            let addr = unsafe { (*info).si_addr() } as usize;
            let Some(page) = addr.checked_sub(base).map(|offset| offset / PAGE) else {
                return false;
            };
            if page >= pages || clean.load(Ordering::Relaxed) & (1 << page) == 0 {
                return false;
            }
            let at = (base + page * PAGE) as *mut libc::c_void;
            // SAFETY: the page is this memory's, read-only since
            // `protect`; mprotect is async-signal-safe.
            if unsafe { libc::mprotect(at, PAGE, libc::PROT_READ | libc::PROT_WRITE) } != 0 {
                return false;
            }
            clean.fetch_and(!(1 << page), Ordering::Relaxed);
            written.fetch_or(1 << page, Ordering::Relaxed);
            true
        }
    }

    /// Opens the clean pages among the `len` bytes at `offset`, which the
    /// host is about to write (a request). False if one cannot be opened.
    pub fn open(&self, offset: usize, len: usize) -> bool {
        if len == 0 {
            return true;
        }
        let first = offset / PAGE;
        let last = (offset.saturating_add(len) - 1) / PAGE;
        if first >= self.pages {
            return true;
        }
        let wanted = mask(first, last.min(self.pages - 1) - first + 1);
        let closed = wanted & self.clean.load(Ordering::Relaxed);
        for (first, count) in runs(closed) {
            // SAFETY: pages of this memory, read-only since `protect`.
            if unsafe { self.set(first, count, libc::PROT_READ | libc::PROT_WRITE) }.is_err() {
                return false;
            }
            let opened = mask(first, count);
            self.clean.fetch_and(!opened, Ordering::Relaxed);
            self.written.fetch_or(opened, Ordering::Relaxed);
        }
        true
    }

    /// The pages that may differ from the image: all but the clean ones.
    pub fn touched(&self) -> u64 {
        mask(0, self.pages) & !self.clean.load(Ordering::Relaxed)
    }

    /// # Safety
    /// The pages must lie in this memory.
    unsafe fn set(&self, first: usize, count: usize, protection: libc::c_int) -> Result<(), ()> {
        let at = (self.base + first * PAGE) as *mut libc::c_void;
        // SAFETY: as the caller promises.
        match unsafe { libc::mprotect(at, count * PAGE, protection) } {
            0 => Ok(()),
            _ => Err(()),
        }
    }
}

impl Drop for CleanPages {
    /// Makes every page writable again before wasmtime's pool, which resets
    /// a returned memory by writing it, gets the memory back.
    fn drop(&mut self) {
        let clean = self.clean.swap(0, Ordering::Relaxed);
        for (first, count) in runs(clean) {
            // SAFETY: pages of this memory. Should this fail, the pool's
            // reset faults and the process stops: it cannot carry on
            // with memory it cannot write.
            let _ = unsafe { self.set(first, count, libc::PROT_READ | libc::PROT_WRITE) };
        }
    }
}

/// The bits `first..first + count`.
fn mask(first: usize, count: usize) -> u64 {
    if count == 64 {
        u64::MAX
    } else {
        ((1u64 << count) - 1) << first
    }
}

/// The runs of set bits of `bits`, as (first, count).
pub fn runs(mut bits: u64) -> impl Iterator<Item = (usize, usize)> {
    std::iter::from_fn(move || {
        if bits == 0 {
            return None;
        }
        let first = bits.trailing_zeros() as usize;
        let count = (bits >> first).trailing_ones() as usize;
        bits &= !mask(first, count);
        Some((first, count))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::alloc::{alloc_zeroed, dealloc, Layout};

    #[test]
    fn pages_written_before_start_writable_and_the_host_opens_what_it_writes() {
        let layout = Layout::from_size_align(16 * PAGE, PAGE).unwrap();
        // SAFETY: a non-zero size; freed below, after `clean` is dropped.
        let base = unsafe { alloc_zeroed(layout) };
        assert!(!base.is_null());
        let written = Written::new(AtomicU64::new(1 << 1));
        // SAFETY: our own allocation, whole pages, not in use elsewhere.
        let clean = unsafe { CleanPages::protect(base, 16 * PAGE, &written) }.unwrap();
        assert_eq!(clean.touched(), 1 << 1, "only the page written before");
        // A request across pages 3 and 4: both opened, and learned.
        assert!(clean.open(3 * PAGE + 10, PAGE));
        assert_eq!(clean.touched(), 1 << 1 | 1 << 3 | 1 << 4);
        assert_eq!(written.load(Ordering::Relaxed), 1 << 1 | 1 << 3 | 1 << 4);
        // SAFETY: page 4 was just opened.
        unsafe { base.add(4 * PAGE + 7).write(1) };
        assert!(
            clean.open(15 * PAGE, 3 * PAGE),
            "past the end: nothing to open"
        );
        assert_eq!(clean.touched() >> 15, 1);
        drop(clean);
        // Writable again everywhere, as the pool needs it.
        // SAFETY: every page is read-write after the drop.
        unsafe { base.add(9 * PAGE).write(1) };
        // SAFETY: allocated above with this layout.
        unsafe { dealloc(base, layout) };
    }

    #[test]
    fn runs_are_the_stretches_of_set_bits() {
        assert_eq!(runs(0).collect::<Vec<_>>(), []);
        assert_eq!(runs(0b1011_1000).collect::<Vec<_>>(), [(3, 3), (7, 1)]);
        assert_eq!(runs(u64::MAX).collect::<Vec<_>>(), [(0, 64)]);
        assert_eq!(runs(1 << 63).collect::<Vec<_>>(), [(63, 1)]);
    }
}
