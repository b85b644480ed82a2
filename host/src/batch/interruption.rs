//! Ctrl-C and `kill` during a batch: the run stops reading, writes and
//! records every chunk already being screened, and says how far it got
//! and how to go on. Without this the process died where it stood: the
//! output was still resumable (it is its own progress record), but the
//! analyst was told nothing, and the progress line was left half drawn.
//!
//! Only the first SIGINT or SIGTERM is caught; the handler puts the
//! default back, so a second one stops the process at once (and the run
//! is still resumable, as after SIGKILL).

use std::sync::atomic::{AtomicI32, Ordering};

/// The signal caught, 0 before any.
static CAUGHT: AtomicI32 = AtomicI32::new(0);

/// Catches SIGINT and SIGTERM from now on. A signal the process was
/// started ignoring (`nohup`, a background job of a script) stays
/// ignored.
pub fn catch() {
    #[cfg(unix)]
    for signal in [libc::SIGINT, libc::SIGTERM] {
        // SAFETY: the handler only stores to an atomic, which is
        // async-signal-safe; the structures passed are zeroed and then
        // filled as sigaction(2) asks.
        unsafe {
            let mut old: libc::sigaction = std::mem::zeroed();
            if libc::sigaction(signal, std::ptr::null(), &mut old) != 0
                || old.sa_sigaction == libc::SIG_IGN
            {
                continue;
            }
            let mut action: libc::sigaction = std::mem::zeroed();
            action.sa_sigaction = on_signal as extern "C" fn(libc::c_int) as libc::sighandler_t;
            // SA_RESTART: the reader's and writer's system calls go on;
            // the run notices at its next chunk.
            action.sa_flags = libc::SA_RESETHAND | libc::SA_RESTART;
            libc::sigemptyset(&mut action.sa_mask);
            libc::sigaction(signal, &action, std::ptr::null_mut());
        }
    }
}

#[cfg(unix)]
extern "C" fn on_signal(signal: libc::c_int) {
    CAUGHT.store(signal, Ordering::Relaxed);
}

/// The signal that asked the run to stop, if one did.
pub fn caught() -> Option<Stop> {
    match CAUGHT.load(Ordering::Relaxed) {
        0 => None,
        signal => Some(Stop(signal)),
    }
}

/// A signal that stopped a run early.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Stop(i32);

impl Stop {
    /// The exit status a shell expects of a process stopped by it.
    pub fn exit_status(self) -> u8 {
        (128 + self.0).clamp(0, 255) as u8
    }

    pub fn name(self) -> &'static str {
        match self.0 {
            #[cfg(unix)]
            libc::SIGINT => "Ctrl-C (SIGINT)",
            #[cfg(unix)]
            libc::SIGTERM => "SIGTERM",
            _ => "a signal",
        }
    }
}
