//! The decision file of a batch run, with its disk space reserved ahead of
//! the writes.
//!
//! A batch writes about 2.6 KB of decisions per application. On ext4 every
//! new block written that way is reserved one by one (delayed allocation,
//! quota, extent status), and with two workers on two cores that work is
//! taken from the workers. Reserving the space in large steps with
//! `fallocate` (keeping the file's size) does it once per step instead:
//! two workers ran 1.7-5.3% faster on 100,000 applications in four
//! alternating runs (`docs/performance.md`, "Batch throughput").
//!
//! The reservation changes no byte of the file: its size is always what was
//! written. Space reserved past the end is given back when the output is
//! flushed at the end of the run; after an interruption, resuming gives it
//! back (it cuts the file to its last complete line). A file system that
//! cannot reserve (or has no room to) is simply written without.

use std::fs::File;
use std::io::{self, Write};

/// How far ahead space is reserved: a few seconds of decisions.
pub const RESERVE_STEP: u64 = 64 << 20;

/// A file written at its end, with space reserved ahead of the writes.
pub struct DecisionFile {
    file: File,
    /// The file's length: every byte written so far.
    len: u64,
    /// Space is reserved up to here (`len` when nothing is).
    reserved: u64,
    /// False once the file system refused a reservation: not asked again.
    can_reserve: bool,
}

impl DecisionFile {
    /// Wraps `file`, opened for appending at its end, `len` bytes long.
    pub fn new(file: File, len: u64) -> DecisionFile {
        DecisionFile {
            file,
            len,
            reserved: len,
            can_reserve: true,
        }
    }

    fn reserve_for(&mut self, more: u64) {
        if !self.can_reserve || self.len + more <= self.reserved {
            return;
        }
        let from = self.reserved.max(self.len);
        let step = RESERVE_STEP.max(more);
        let flags = rustix::fs::FallocateFlags::KEEP_SIZE;
        match rustix::fs::fallocate(&self.file, flags, from, step) {
            Ok(()) => self.reserved = from + step,
            // Not supported, or no room: the write itself says whether
            // the data fits.
            Err(_) => self.can_reserve = false,
        }
    }

    /// Gives back the space reserved past the end.
    fn release(&mut self) -> io::Result<()> {
        if self.reserved > self.len {
            // Cutting the file to its own length frees the blocks past it.
            self.file.set_len(self.len)?;
            self.reserved = self.len;
        }
        Ok(())
    }
}

impl Write for DecisionFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.reserve_for(buf.len() as u64);
        let n = self.file.write(buf)?;
        self.len += n as u64;
        Ok(n)
    }

    /// Everything written is in the file, and no space is held past it.
    fn flush(&mut self) -> io::Result<()> {
        self.file.flush()?;
        self.release()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::MetadataExt;

    fn appending(path: &std::path::Path) -> File {
        std::fs::OpenOptions::new()
            .append(true)
            .create(true)
            .open(path)
            .unwrap()
    }

    #[test]
    fn the_file_holds_exactly_what_was_written_and_no_space_after_flush() {
        let dir = std::env::temp_dir().join(format!("attest-output-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("decisions.jsonl");
        std::fs::write(&path, b"earlier\n").unwrap();
        let mut out = DecisionFile::new(appending(&path), 8);
        out.write_all(b"{\"a\":1}\n").unwrap();
        // Mid-run the size is what was written, whatever is reserved.
        assert_eq!(std::fs::metadata(&path).unwrap().len(), 16);
        let blocks_reserved = std::fs::metadata(&path).unwrap().blocks();
        out.write_all(b"{\"b\":2}\n").unwrap();
        out.flush().unwrap();
        assert_eq!(
            std::fs::read(&path).unwrap(),
            b"earlier\n{\"a\":1}\n{\"b\":2}\n"
        );
        let blocks_after = std::fs::metadata(&path).unwrap().blocks();
        // Where the file system reserved the step (ext4, tmpfs, xfs), the
        // flush gave it back: a 24-byte file holds at most a few blocks.
        if blocks_reserved * 512 >= RESERVE_STEP {
            assert!(blocks_after * 512 < 1 << 20, "{blocks_after} blocks kept");
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
