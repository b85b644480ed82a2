//! Plug-ins frozen after initialisation, so that a fresh instance per
//! application does not decode the reference data again.
//!
//! With fresh isolation every application gets a new instance, and each
//! used to run `attest_init` on the reference data: a fresh `att` call
//! took 14.2 µs, and 5.9 µs once started frozen (criterion,
//! `docs/performance.md`). Initialisation
//! is a pure function of the module and the data (a plug-in imports
//! nothing), so the host runs it once at load and writes the result back
//! into the module: the linear memory after `attest_init` becomes the data
//! segments, its size the memory's minimum, and every mutable global its
//! value then. A fresh instance of that module starts exactly where an
//! initialised one stands, and nothing of one application reaches the
//! next: each still gets its own instance.
//!
//! Memory and globals are a module's whole mutable state, unless its code
//! can change a table or reads data segments at run time (`memory.init`,
//! `data.drop`, passive segments): [`Plan::of`] refuses those modules, and
//! the host then initialises each instance as before. It refuses any
//! module it cannot read fully, for the same reason. The host freezes a
//! plug-in only once it has made a few fresh instances of it
//! (`sandbox::FREEZE_AFTER`).
//!
//! Mutable globals are not readable from outside unless exported, so the
//! module is first rewritten with an export for each ([`Plan::instrument`]);
//! the frozen module ([`Plan::freeze`]) is rebuilt from the original bytes.

use wasm_encoder as enc;
use wasmparser::{DataKind, ExternalKind, Operator, Parser, Payload, ValType};

/// How the host names the export it adds for mutable global `index`.
pub fn global_export(index: u32) -> String {
    format!("attest.snapshot.global.{index}")
}

/// A module that can be frozen, and what freezing it involves.
#[derive(Debug)]
pub struct Plan {
    /// The module's mutable globals, by index (a plug-in imports none, so
    /// indexes count its own globals).
    pub mutable_globals: Vec<u32>,
}

/// A global's value after initialisation, as wasm encodes constants.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Value {
    I32(i32),
    I64(i64),
    F32(u32),
    F64(u64),
}

impl Plan {
    /// Reads `wasm` and says whether its state after initialisation lies
    /// wholly in its memory and globals; `Err` says why not.
    pub fn of(wasm: &[u8]) -> Result<Plan, String> {
        let mut mutable_globals = Vec::new();
        let mut memories = 0;
        for payload in Parser::new(0).parse_all(wasm) {
            match payload.map_err(|e| e.to_string())? {
                Payload::ImportSection(s) if s.count() > 0 => {
                    return Err("it imports something".into())
                }
                Payload::MemorySection(s) => {
                    for memory in s {
                        let memory = memory.map_err(|e| e.to_string())?;
                        if memory.memory64 || memory.shared || memory.page_size_log2.is_some() {
                            return Err("its memory is not a plain 32-bit memory".into());
                        }
                        memories += 1;
                    }
                }
                Payload::GlobalSection(s) => {
                    for (index, global) in (0u32..).zip(s) {
                        let ty = global.map_err(|e| e.to_string())?.ty;
                        if !matches!(
                            ty.content_type,
                            ValType::I32 | ValType::I64 | ValType::F32 | ValType::F64
                        ) {
                            return Err(format!("global {index} is not a number"));
                        }
                        if ty.mutable {
                            mutable_globals.push(index);
                        }
                    }
                }
                Payload::DataSection(s) => {
                    for segment in s {
                        if let DataKind::Passive = segment.map_err(|e| e.to_string())?.kind {
                            return Err("it has a passive data segment".into());
                        }
                    }
                }
                Payload::CodeSectionEntry(body) => {
                    let mut ops = body.get_operators_reader().map_err(|e| e.to_string())?;
                    while !ops.eof() {
                        if let Some(op) = run_time_state(&ops.read().map_err(|e| e.to_string())?) {
                            return Err(format!("its code uses {op}"));
                        }
                    }
                }
                _ => {}
            }
        }
        if memories != 1 {
            return Err(format!("it defines {memories} memories, not one"));
        }
        Ok(Plan { mutable_globals })
    }

    /// `wasm` with an export for each mutable global, so that their values
    /// can be read after initialisation. The original bytes when there
    /// is none.
    pub fn instrument(&self, wasm: &[u8]) -> Result<Vec<u8>, String> {
        if self.mutable_globals.is_empty() {
            return Ok(wasm.to_vec());
        }
        rebuild(wasm, |payload, module| {
            let Payload::ExportSection(s) = payload else {
                return Ok(false);
            };
            let mut exports = enc::ExportSection::new();
            for export in s.clone() {
                let export = export.map_err(|e| e.to_string())?;
                exports.export(export.name, export_kind(export.kind)?, export.index);
            }
            for &index in &self.mutable_globals {
                exports.export(&global_export(index), enc::ExportKind::Global, index);
            }
            module.section(&exports);
            Ok(true)
        })
    }

    /// The original `wasm`, started from `memory` (its bytes after
    /// initialisation) and `globals` (each mutable global's value then):
    /// no start function, the memory's minimum its size then, its non-zero
    /// bytes the data segments.
    pub fn freeze(
        &self,
        wasm: &[u8],
        memory: &[u8],
        globals: &[(u32, Value)],
    ) -> Result<Vec<u8>, String> {
        let pages = (memory.len() / PAGE) as u64;
        let segments = non_zero_runs(memory, SEGMENT_JOIN_BELOW);
        rebuild(wasm, |payload, module| {
            match payload {
                Payload::MemorySection(s) => {
                    let mut memories = enc::MemorySection::new();
                    for memory in s.clone() {
                        let memory = memory.map_err(|e| e.to_string())?;
                        memories.memory(enc::MemoryType {
                            minimum: pages,
                            maximum: memory.maximum,
                            memory64: false,
                            shared: false,
                            page_size_log2: None,
                        });
                    }
                    module.section(&memories);
                }
                Payload::GlobalSection(s) => {
                    let mut section = enc::GlobalSection::new();
                    for (index, global) in (0u32..).zip(s.clone()) {
                        let global = global.map_err(|e| e.to_string())?;
                        let init = match globals.iter().find(|(i, _)| *i == index) {
                            Some((_, value)) => constant(*value),
                            None if global.ty.mutable => {
                                return Err(format!("no value for mutable global {index}"))
                            }
                            None => {
                                // The reader's expression ends with `end`,
                                // which the encoder adds back.
                                let mut reader = global.init_expr.get_binary_reader();
                                let bytes = reader
                                    .read_bytes(reader.bytes_remaining())
                                    .map_err(|e| e.to_string())?;
                                let body = bytes.split_last().map_or(&[][..], |(_, b)| b);
                                enc::ConstExpr::raw(body.iter().copied())
                            }
                        };
                        section.global(
                            enc::GlobalType {
                                val_type: number_type(global.ty.content_type)?,
                                mutable: global.ty.mutable,
                                shared: false,
                            },
                            &init,
                        );
                    }
                    module.section(&section);
                }
                // Its work is done: the memory and globals hold its result.
                Payload::StartSection { .. } => {}
                Payload::DataCountSection { .. } => {
                    module.section(&enc::DataCountSection {
                        count: segments.len() as u32,
                    });
                }
                // The segments follow the code (below), where the data
                // section belongs even if the module had none.
                Payload::DataSection(_) => {}
                _ => return Ok(false),
            }
            Ok(true)
        })
        .map(|bytes| with_data_after_code(bytes, memory, &segments))?
    }
}

const PAGE: usize = 65_536;

/// A linear memory as initialisation left it, kept to set a memory back
/// to it (`sandbox`'s `rewind`).
///
/// Its non-zero runs are copied back and the rest, most of it, zeroed:
/// zeroing writes without reading. The bundled plug-ins have 3-23 KiB of
/// non-zero bytes in their 64 KiB; copying all 64 KiB back took half as
/// long again (`docs/performance.md`). Comparing blocks first, to write
/// only those a call changed, was slower still.
#[derive(Debug)]
pub struct Image {
    bytes: Vec<u8>,
    runs: Vec<(usize, usize)>,
}

/// Zero stretches of an image shorter than this are copied with the runs
/// around them rather than zeroed by a call of their own.
const IMAGE_JOIN_BELOW: usize = 512;

impl Image {
    pub fn new(bytes: Vec<u8>) -> Image {
        Image {
            runs: non_zero_runs(&bytes, IMAGE_JOIN_BELOW),
            bytes,
        }
    }

    /// Bytes of the memory it holds.
    pub fn len(&self) -> usize {
        self.bytes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    /// Sets every byte of `memory` to the image's; false, changing
    /// nothing, when `memory` is not the image's size.
    pub fn restore(&self, memory: &mut [u8]) -> bool {
        if memory.len() != self.bytes.len() {
            return false;
        }
        let mut at = 0;
        for &(start, end) in &self.runs {
            memory[at..start].fill(0);
            memory[start..end].copy_from_slice(&self.bytes[start..end]);
            at = end;
        }
        memory[at..].fill(0);
        true
    }

    /// Sets the bytes of the `page`-byte pages of `memory` whose bits are
    /// set in `pages` to the image's, trusting the others to hold them
    /// already (they were read-only: `clean_pages`); false, changing
    /// nothing, when `memory` is not the image's size.
    pub fn restore_pages(&self, memory: &mut [u8], pages: u64, page: usize) -> bool {
        if memory.len() != self.bytes.len() {
            return false;
        }
        for (first, count) in crate::clean_pages::runs(pages) {
            let range = first * page..((first + count) * page).min(memory.len());
            memory[range.clone()].copy_from_slice(&self.bytes[range]);
        }
        true
    }
}

/// The operators through which a module's state could live outside its
/// memory and globals, or depend on the data segments freezing replaces.
fn run_time_state(op: &Operator<'_>) -> Option<&'static str> {
    Some(match op {
        Operator::TableSet { .. } => "table.set",
        Operator::TableGrow { .. } => "table.grow",
        Operator::TableFill { .. } => "table.fill",
        Operator::TableCopy { .. } => "table.copy",
        Operator::TableInit { .. } => "table.init",
        Operator::ElemDrop { .. } => "elem.drop",
        Operator::MemoryInit { .. } => "memory.init",
        Operator::DataDrop { .. } => "data.drop",
        _ => return None,
    })
}

fn export_kind(kind: ExternalKind) -> Result<enc::ExportKind, String> {
    Ok(match kind {
        ExternalKind::Func => enc::ExportKind::Func,
        ExternalKind::Table => enc::ExportKind::Table,
        ExternalKind::Memory => enc::ExportKind::Memory,
        ExternalKind::Global => enc::ExportKind::Global,
        ExternalKind::Tag => enc::ExportKind::Tag,
        other => return Err(format!("it exports a {other:?}")),
    })
}

fn number_type(ty: ValType) -> Result<enc::ValType, String> {
    Ok(match ty {
        ValType::I32 => enc::ValType::I32,
        ValType::I64 => enc::ValType::I64,
        ValType::F32 => enc::ValType::F32,
        ValType::F64 => enc::ValType::F64,
        other => return Err(format!("a global of type {other:?}")),
    })
}

fn constant(value: Value) -> enc::ConstExpr {
    match value {
        Value::I32(v) => enc::ConstExpr::i32_const(v),
        Value::I64(v) => enc::ConstExpr::i64_const(v),
        Value::F32(bits) => enc::ConstExpr::f32_const(enc::Ieee32::new(bits)),
        Value::F64(bits) => enc::ConstExpr::f64_const(enc::Ieee64::new(bits)),
    }
}

/// Copies `wasm` section by section, letting `replace` write a section
/// instead (returning `true`) or leave it to be copied as it is.
fn rebuild(
    wasm: &[u8],
    mut replace: impl FnMut(&Payload<'_>, &mut enc::Module) -> Result<bool, String>,
) -> Result<Vec<u8>, String> {
    let mut module = enc::Module::new();
    for payload in Parser::new(0).parse_all(wasm) {
        let payload = payload.map_err(|e| e.to_string())?;
        let Some((id, range)) = payload.as_section() else {
            continue;
        };
        if !replace(&payload, &mut module)? {
            module.section(&enc::RawSection {
                id,
                data: &wasm[range],
            });
        }
    }
    Ok(module.finish())
}

/// Where memory holds something other than zeros, as (start, end) runs;
/// zeros shorter than a segment header's worth are kept inside a run.
/// Zero gaps shorter than this between two data segments are written as
/// part of one segment: a segment's header costs about as much.
const SEGMENT_JOIN_BELOW: usize = 16;

/// The `(start, end)` runs of non-zero bytes of `memory`, two runs joined
/// into one where fewer than `join_below` zeros part them.
fn non_zero_runs(memory: &[u8], join_below: usize) -> Vec<(usize, usize)> {
    let mut runs: Vec<(usize, usize)> = Vec::new();
    let mut at = 0;
    while let Some(start) = memory[at..].iter().position(|&b| b != 0).map(|p| p + at) {
        let end = memory[start..]
            .iter()
            .position(|&b| b == 0)
            .map_or(memory.len(), |p| p + start);
        match runs.last_mut() {
            Some(last) if start - last.1 < join_below => last.1 = end,
            _ => runs.push((start, end)),
        }
        at = end;
    }
    runs
}

/// Inserts the data section holding `segments` of `memory` right after
/// the code section of `module`.
fn with_data_after_code(
    module: Vec<u8>,
    memory: &[u8],
    segments: &[(usize, usize)],
) -> Result<Vec<u8>, String> {
    let mut data = enc::DataSection::new();
    for &(start, end) in segments {
        let offset = i32::try_from(start).map_err(|_| "memory beyond 2 GiB".to_string())?;
        data.active(
            0,
            &enc::ConstExpr::i32_const(offset),
            memory[start..end].iter().copied(),
        );
    }
    let mut placed = false;
    let frozen = rebuild(&module, |payload, out| {
        let Payload::CodeSectionStart { range, .. } = payload else {
            return Ok(false);
        };
        out.section(&enc::RawSection {
            id: 10,
            data: &module[range.clone()],
        });
        out.section(&data);
        placed = true;
        Ok(true)
    })?;
    match placed {
        true => Ok(frozen),
        false => Err("it has no code section".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_join_short_gaps_and_skip_long_ones() {
        let mut memory = vec![0u8; 200];
        memory[3] = 1;
        memory[10] = 2;
        memory[100..104].copy_from_slice(&[7, 7, 7, 7]);
        assert_eq!(non_zero_runs(&memory, 16), [(3, 11), (100, 104)]);
        assert_eq!(non_zero_runs(&memory, 100), [(3, 104)]);
        assert!(non_zero_runs(&[0; 64], 16).is_empty());
    }

    #[test]
    fn an_image_restores_every_byte_of_a_memory_of_its_size() {
        let mut bytes = vec![0u8; 3 * 4096];
        bytes[5..900].fill(3);
        bytes[1000] = 9;
        bytes[8000..8100].fill(4);
        let image = Image::new(bytes.clone());
        // Whatever a call left behind, in runs, in gaps, in one byte.
        let mut memory: Vec<u8> = (0..bytes.len()).map(|i| (i % 251) as u8 + 1).collect();
        assert!(image.restore(&mut memory));
        assert_eq!(memory, bytes);
        for at in [0, 1023, 1024, 5000, bytes.len() - 1] {
            memory[at] ^= 0x55;
            assert!(image.restore(&mut memory));
            assert_eq!(memory, bytes, "byte {at}");
        }
        // A memory that grew cannot be restored in place.
        let mut grown = vec![7u8; bytes.len() + 65_536];
        assert!(!image.restore(&mut grown));
        assert!(grown.iter().all(|&b| b == 7));
        assert_eq!(image.len(), bytes.len());
    }

    #[test]
    fn table_and_segment_operators_are_named() {
        assert_eq!(
            run_time_state(&Operator::DataDrop { data_index: 0 }),
            Some("data.drop")
        );
        assert_eq!(run_time_state(&Operator::Nop), None);
    }
}
