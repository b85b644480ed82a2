//! Parse & validate: the first step. Turns a TOML or JSON document into an
//! [`Application`], or into a list of problems each naming the field path
//! (`goods[1].quantity`) and what was expected. Nothing reaches a policy
//! until the whole document is valid.
//!
//! Two readers share the work. A valid application in plain JSON, by far
//! the most common input, is read straight into the model ([`plain`]);
//! anything else (TOML, escapes, and every document with a problem or an
//! unknown field) goes through the document tree and the validator,
//! which names every problem. Both apply the value rules defined once at
//! the end of this file.

pub mod plain;

use crate::countries;
use crate::document::{self, Node};
use attest_rules::model::*;
use std::fmt;

/// The formats an application may come in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Toml,
    Json,
}

impl Format {
    /// From a file name: `.json` and `.jsonl` are JSON, anything else TOML.
    pub fn from_path(path: &std::path::Path) -> Format {
        match path.extension().and_then(|e| e.to_str()) {
            Some("json") | Some("jsonl") => Format::Json,
            _ => Format::Toml,
        }
    }

    /// From the text itself, for a document with no name (standard
    /// input): JSON if it starts with `{`, after any byte order mark and
    /// white space; anything else is read as TOML.
    pub fn sniff(bytes: &[u8]) -> Format {
        let text = bytes.strip_prefix("\u{feff}".as_bytes()).unwrap_or(bytes);
        match text.trim_ascii_start().first() {
            Some(b'{') => Format::Json,
            _ => Format::Toml,
        }
    }

    /// The format's name in messages.
    pub fn name(self) -> &'static str {
        match self {
            Format::Toml => "TOML",
            Format::Json => "JSON",
        }
    }
}

/// One thing wrong (or, as a warning, odd) about a field.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldProblem {
    /// The field path, e.g. `goods[1].quantity`; empty for the document.
    pub path: String,
    pub message: String,
}

impl fmt::Display for FieldProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "{}: {}", self.path, self.message)
        }
    }
}

/// Why an application was rejected: every problem found, not just the first.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApplicationError {
    pub problems: Vec<FieldProblem>,
}

impl fmt::Display for ApplicationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let lines: Vec<String> = self.problems.iter().map(ToString::to_string).collect();
        f.write_str(&lines.join("\n"))
    }
}

impl std::error::Error for ApplicationError {}

/// A valid application and the warnings met on the way (unknown fields
/// outside strict mode).
#[derive(Clone, Debug)]
pub struct Parsed {
    pub application: Application,
    pub warnings: Vec<FieldProblem>,
}

/// The largest application document read, in bytes. Real ones are a few
/// KiB; the cap keeps a stray binary file, or a file without line ends
/// given to `attest batch`, from being read into memory whole.
pub const MAX_DOCUMENT_BYTES: usize = 1 << 20;

impl ApplicationError {
    /// One problem with the document as a whole (no field path).
    pub fn of_document(message: String) -> ApplicationError {
        ApplicationError {
            problems: vec![FieldProblem {
                path: String::new(),
                message,
            }],
        }
    }
}

/// The problem of a document over [`MAX_DOCUMENT_BYTES`], which is not read.
pub fn too_large() -> ApplicationError {
    ApplicationError::of_document(format!(
        "larger than {MAX_DOCUMENT_BYTES} bytes; not an application (real ones are a few KiB)"
    ))
}

/// Parses and validates one application. A UTF-8 byte order mark before
/// the document is ignored: Windows editors and PowerShell write one, and
/// RFC 8259 (section 8.1) lets a JSON parser ignore it rather than fail on
/// an invisible character at "line 1 column 1".
pub fn parse(text: &str, format: Format, strict: bool) -> Result<Parsed, ApplicationError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if format == Format::Json {
        if let Some(application) = plain::read(text) {
            return Ok(Parsed {
                application,
                warnings: Vec::new(),
            });
        }
    }
    let tree = match format {
        Format::Json => Node::from_json(text).map_err(|e| document_error(format.name(), e)),
        Format::Toml => Node::from_toml(text)
            .map_err(|e| document_error(format.name(), document::toml_error(text, &e))),
    }?;
    validate(&tree, strict)
}

/// Parses an application from bytes read as they are (a line of a batch
/// input, a file): bytes that are not UTF-8 are a problem with the
/// document, reported like any other.
pub fn parse_bytes(bytes: &[u8], format: Format, strict: bool) -> Result<Parsed, ApplicationError> {
    if let Some(problem) = utf16(bytes) {
        return Err(document_error(format.name(), problem));
    }
    let text = std::str::from_utf8(bytes)
        .map_err(|e| document_error(format.name(), not_utf8(bytes, e.valid_up_to())))?;
    parse(text, format, strict)
}

/// Where text stops being UTF-8, said so that it can be found: line,
/// column and the text just before it. Such a file is nearly always in
/// an 8-bit encoding (an accented name exported by a spreadsheet), which
/// the byte alone, "invalid utf-8 sequence of 1 bytes from index 147",
/// does not tell.
fn not_utf8(bytes: &[u8], valid_up_to: usize) -> String {
    // Valid up to there by definition.
    let before = std::str::from_utf8(&bytes[..valid_up_to]).unwrap_or_default();
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let line = before.matches('\n').count() + 1;
    let column = before[line_start..].chars().count() + 1;
    let lead: String = {
        let tail: Vec<char> = before[line_start..].chars().rev().take(20).collect();
        tail.into_iter().rev().collect()
    };
    let byte = bytes.get(valid_up_to).copied().unwrap_or_default();
    format!(
        "not UTF-8 at line {line}, column {column} (byte 0x{byte:02X}, after {lead:?}): text in \
         another encoding, such as Latin-1 or Windows-1252; save it as UTF-8"
    )
}

/// What is wrong with UTF-16 text, told by its byte order mark: Windows
/// PowerShell 5 writes UTF-16 with `>` and `Out-File`, and byte by byte
/// it is only "invalid utf-8 at index 0".
pub fn utf16(bytes: &[u8]) -> Option<String> {
    let mark = match bytes {
        [0xFF, 0xFE, ..] => "FF FE",
        [0xFE, 0xFF, ..] => "FE FF",
        _ => return None,
    };
    Some(format!(
        "UTF-16 text (byte order mark {mark}); save it as UTF-8 \
         (PowerShell: Out-File -Encoding utf8)"
    ))
}

/// Validates an already parsed document.
pub fn validate(tree: &Node<'_>, strict: bool) -> Result<Parsed, ApplicationError> {
    let mut v = Validator {
        problems: Vec::new(),
        warnings: Vec::new(),
        strict,
    };
    let application = v.application(tree);
    match application {
        Some(application) if v.problems.is_empty() => Ok(Parsed {
            application,
            warnings: v.warnings,
        }),
        // An unknown field beside an invalid application is often why it
        // is invalid: `destinaton` given, `destination` missing. Outside
        // strict mode it would be only a warning, never shown with the
        // errors; it is reported with them.
        _ => Err(ApplicationError {
            problems: v.problems.into_iter().chain(v.warnings).collect(),
        }),
    }
}

/// The known key an unknown `key` was most likely meant to be: the same
/// letters in another case or with `-` for `_`, or within two edits (one
/// for keys of up to four letters, where two edits reach too many words).
/// `None` when nothing is that close.
fn closest_key<'k>(key: &str, known: &[&'k str]) -> Option<&'k str> {
    let normal = |c: u8| {
        if c == b'-' {
            b'_'
        } else {
            c.to_ascii_lowercase()
        }
    };
    let same = |k: &str| k.len() == key.len() && k.bytes().map(normal).eq(key.bytes().map(normal));
    if let Some(k) = known.iter().find(|k| same(k)) {
        return Some(k);
    }
    let reach = if key.chars().count() <= 4 { 1 } else { 2 };
    known
        .iter()
        // Lengths further apart than `reach` are further apart in edits:
        // a key of a megabyte is not measured against each known one.
        .filter(|k| k.len().abs_diff(key.len()) <= reach)
        .map(|k| (edits(key, k), *k))
        .filter(|(d, _)| *d <= reach)
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k)
}

/// Edits (insert, delete, replace one character, or swap two neighbours)
/// from `a` to `b`: the optimal string alignment distance.
fn edits(a: &str, b: &str) -> usize {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    // Keys are short (the longest known is under 30 characters), and only
    // an unknown key is ever measured: a full table is cheap.
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let replace = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + replace);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = best;
        }
    }
    d[a.len()][b.len()]
}

fn document_error(what: &str, e: impl fmt::Display) -> ApplicationError {
    let detail = e.to_string();
    let detail = detail.trim().replace('\n', " ");
    ApplicationError {
        problems: vec![FieldProblem {
            path: String::new(),
            message: format!("not a valid {what} document: {detail}"),
        }],
    }
}

/// Every item read, or `None` if any could not be; reads them all either
/// way, so that each item's problems are reported.
fn every<T>(items: impl ExactSizeIterator<Item = Option<T>>) -> Option<Vec<T>> {
    let mut read = Vec::with_capacity(items.len());
    let mut complete = true;
    for item in items {
        match item {
            Some(item) => read.push(item),
            None => complete = false,
        }
    }
    complete.then_some(read)
}

/// The path of `key` inside the table at `path`, formatted only when a
/// problem is reported: a valid application of eighty fields then builds
/// no path strings at all.
fn join<'a>(path: &'a str, key: &'a str) -> Joined<'a> {
    Joined(path, key)
}

#[derive(Clone, Copy)]
struct Joined<'a>(&'a str, &'a str);

impl fmt::Display for Joined<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Joined("", key) => f.write_str(key),
            Joined(path, key) => write!(f, "{path}.{key}"),
        }
    }
}

struct Validator {
    problems: Vec<FieldProblem>,
    warnings: Vec<FieldProblem>,
    strict: bool,
}

/// A table being read, with the path it is at: borrowed, since a path is
/// only ever formatted into a problem (copying it for each of the dozen
/// tables of an application was a fifth of the validator's allocations).
struct Table<'p, 'v> {
    path: &'p str,
    map: &'v document::Table<'v>,
}

impl Validator {
    fn problem(&mut self, path: impl fmt::Display, message: impl Into<String>) {
        self.problems.push(FieldProblem {
            path: path.to_string(),
            message: message.into(),
        });
    }

    /// Opens `value` as a table allowed to hold `known` keys. Unknown keys
    /// are errors in strict mode and warnings otherwise; a known key given
    /// twice is an error, since which value was meant cannot be told (a
    /// `serde_json::Value` kept the last silently, so a destination given
    /// as KP and then KE was screened as KE).
    fn table<'p, 'v>(
        &mut self,
        path: &'p str,
        value: &'v Node<'v>,
        known: &[&str],
    ) -> Option<Table<'p, 'v>> {
        let Node::Table(map) = value else {
            self.problem(
                path,
                format!("expected a table, found {}", value.describe()),
            );
            return None;
        };
        debug_assert!(known.len() <= 64, "one bit per known key");
        let mut seen = 0u64;
        for key in map.keys() {
            match known.iter().position(|k| *k == key) {
                Some(i) if seen & (1 << i) != 0 => {
                    self.problem(join(path, key), "given more than once");
                    continue;
                }
                Some(i) => {
                    seen |= 1 << i;
                    continue;
                }
                None => {}
            }
            let message = match closest_key(key, known) {
                Some(meant) => format!("unknown field; did you mean `{meant}`?"),
                None => "unknown field".into(),
            };
            let p = FieldProblem {
                path: join(path, key).to_string(),
                message,
            };
            if self.strict {
                self.problems.push(p);
            } else {
                self.warnings.push(p);
            }
        }
        Some(Table { path, map })
    }

    fn required<'v>(&mut self, t: &Table<'_, 'v>, key: &str) -> Option<&'v Node<'v>> {
        let v = t.map.get(key);
        if v.is_none() {
            self.problem(join(t.path, key), "missing required field");
        }
        v
    }

    fn string(&mut self, path: impl fmt::Display, v: &Node<'_>, max: usize) -> Option<String> {
        match v {
            Node::Text(s) if fits(s, max) => Some(s.to_string()),
            Node::Text(_) => {
                self.problem(
                    path,
                    format!("expected a string of at most {max} characters"),
                );
                None
            }
            other => {
                self.problem(
                    path,
                    format!("expected a string, found {}", other.describe()),
                );
                None
            }
        }
    }

    fn req_string(&mut self, t: &Table<'_, '_>, key: &str) -> Option<String> {
        let v = self.required(t, key)?;
        self.string(join(t.path, key), v, MAX_TEXT)
    }

    fn opt_string(&mut self, t: &Table<'_, '_>, key: &str) -> Option<String> {
        let v = t.map.get(key)?;
        self.string(join(t.path, key), v, MAX_TEXT)
    }

    fn boolean(&mut self, path: impl fmt::Display, v: &Node<'_>) -> Option<bool> {
        match v {
            Node::Bool(b) => Some(*b),
            other => {
                self.problem(
                    path,
                    format!("expected true or false, found {}", other.describe()),
                );
                None
            }
        }
    }

    fn req_bool(&mut self, t: &Table<'_, '_>, key: &str) -> Option<bool> {
        let v = self.required(t, key)?;
        self.boolean(join(t.path, key), v)
    }

    fn opt_bool(&mut self, t: &Table<'_, '_>, key: &str) -> Option<bool> {
        let v = t.map.get(key)?;
        self.boolean(join(t.path, key), v)
    }

    fn enumerated<T: Copy + fmt::Display>(
        &mut self,
        path: impl fmt::Display,
        v: &Node<'_>,
        parse: fn(&str) -> Option<T>,
        all: &[T],
    ) -> Option<T> {
        let found = v.as_str().and_then(parse);
        if found.is_none() {
            let choices: Vec<String> = all.iter().map(ToString::to_string).collect();
            self.problem(
                path,
                format!(
                    "expected one of {}, found {}",
                    choices.join(", "),
                    v.describe()
                ),
            );
        }
        found
    }

    fn country(&mut self, path: impl fmt::Display, v: &Node<'_>) -> Option<Country> {
        let Some(text) = v.as_str() else {
            self.problem(
                path,
                format!(
                    "expected an ISO 3166-1 alpha-2 code, found {}",
                    v.describe()
                ),
            );
            return None;
        };
        match known_country(text) {
            Some(c) => Some(c),
            None => {
                self.problem(path, crate::countries::not_a_code(text));
                None
            }
        }
    }

    fn req_country(&mut self, t: &Table<'_, '_>, key: &str) -> Option<Country> {
        let v = self.required(t, key)?;
        self.country(join(t.path, key), v)
    }

    fn date(&mut self, path: impl fmt::Display, v: &Node<'_>) -> Option<Date> {
        let found = v.as_str().and_then(Date::parse);
        if found.is_none() {
            self.problem(
                path,
                format!("expected a date YYYY-MM-DD, found {}", v.describe()),
            );
        }
        found
    }

    fn list<'v>(&mut self, path: &str, v: &'v Node<'v>) -> &'v [Node<'v>] {
        match v {
            Node::List(items) => items,
            other => {
                self.problem(path, format!("expected a list, found {}", other.describe()));
                &[]
            }
        }
    }

    fn application(&mut self, tree: &Node<'_>) -> Option<Application> {
        let t = self.table(
            "",
            tree,
            &[
                "id",
                "kind",
                "licensing_state",
                "submitted",
                "permanence",
                "temporary_purpose",
                "applicant",
                "route",
                "parties",
                "goods",
                "documents",
                "end_use",
                "sale",
            ],
        )?;
        let id = self.req_string(&t, "id");
        if id.as_ref().is_some_and(|id| !id_length_ok(id)) {
            self.problem("id", "expected 1 to 128 characters");
        }
        let kind = self
            .required(&t, "kind")
            .and_then(|v| self.enumerated("kind", v, TransferKind::parse, TransferKind::ALL));
        let licensing_state = self.req_country(&t, "licensing_state");
        let submitted = self
            .required(&t, "submitted")
            .and_then(|v| self.date("submitted", v));
        let permanence = match t.map.get("permanence") {
            None => Some(DEFAULT_PERMANENCE),
            Some(v) => self.enumerated("permanence", v, Permanence::parse, Permanence::ALL),
        };
        let temporary_purpose = t.map.get("temporary_purpose").and_then(|v| {
            self.enumerated(
                "temporary_purpose",
                v,
                TemporaryPurpose::parse,
                TemporaryPurpose::ALL,
            )
        });
        if permanence.is_some_and(needs_purpose) && !t.map.contains_key("temporary_purpose") {
            self.problem("temporary_purpose", "required when permanence is temporary: one of hunting, sport_shooting, evaluation, exhibition, repair");
        }
        let applicant = self
            .required(&t, "applicant")
            .and_then(|v| self.applicant(v));
        let route = self.required(&t, "route").and_then(|v| self.route(v));
        let parties = self.required(&t, "parties").and_then(|v| self.parties(v));
        let goods = self.required(&t, "goods").and_then(|v| self.goods(v));
        let documents = match t.map.get("documents") {
            None => Some(Documents::default()),
            Some(v) => self.documents(v),
        };
        let end_use = t.map.get("end_use").and_then(|v| self.end_use(v));
        let sale = t.map.get("sale").and_then(|v| self.sale(v));
        Some(Application {
            id: id?,
            kind: kind?,
            licensing_state: licensing_state?,
            submitted: submitted?,
            permanence: permanence?,
            temporary_purpose,
            applicant: applicant?,
            route: route?,
            parties: parties?,
            goods: goods?,
            documents: documents?,
            end_use,
            sale,
        })
    }

    fn applicant(&mut self, v: &Node<'_>) -> Option<Applicant> {
        let t = self.table("applicant", v, &["name", "state", "kind", "registration"])?;
        let name = self.req_string(&t, "name");
        let state = self.req_country(&t, "state");
        let kind = self.required(&t, "kind").and_then(|v| {
            self.enumerated(
                "applicant.kind",
                v,
                ApplicantKind::parse,
                ApplicantKind::ALL,
            )
        });
        let registration = self.opt_string(&t, "registration");
        Some(Applicant {
            name: name?,
            state: state?,
            kind: kind?,
            registration,
        })
    }

    fn route(&mut self, v: &Node<'_>) -> Option<Route> {
        let t = self.table(
            "route",
            v,
            &["origin", "destination", "transit", "transport"],
        )?;
        let origin = self.req_country(&t, "origin");
        let destination = self.req_country(&t, "destination");
        let transit = match t.map.get("transit") {
            None => Some(Vec::new()),
            Some(v) => {
                let items = self.list("route.transit", v);
                every(
                    items
                        .iter()
                        .enumerate()
                        .map(|(i, s)| self.country(format_args!("route.transit[{i}]"), s)),
                )
            }
        };
        let transport = self
            .required(&t, "transport")
            .and_then(|v| self.enumerated("route.transport", v, Transport::parse, Transport::ALL));
        Some(Route {
            origin: origin?,
            destination: destination?,
            transit: transit?,
            transport: transport?,
        })
    }

    /// A required list of tables with at least one entry, read by `item`.
    fn tables<T>(
        &mut self,
        name: &str,
        v: &Node<'_>,
        at_least_one: bool,
        mut item: impl FnMut(&mut Self, &str, &Node<'_>) -> Option<T>,
    ) -> Option<Vec<T>> {
        let items = self.list(name, v);
        if at_least_one && items.is_empty() && v.is_list() {
            self.problem(name, "expected at least one entry");
        }
        if items.len() > MAX_ENTRIES {
            self.problem(name, format!("expected at most {MAX_ENTRIES} entries"));
            return None;
        }
        every(
            items
                .iter()
                .enumerate()
                .map(|(i, x)| item(self, &format!("{name}[{i}]"), x)),
        )
    }

    fn parties(&mut self, v: &Node<'_>) -> Option<Vec<Party>> {
        let parties = self.tables("parties", v, true, |s, path, x| s.party(path, x))?;
        if !has_end_user(&parties) {
            self.problem("parties", "expected at least one party with role end_user");
        }
        Some(parties)
    }

    fn party(&mut self, path: &str, v: &Node<'_>) -> Option<Party> {
        let t = self.table(path, v, &["role", "name", "state", "type", "registration"])?;
        let role = self
            .required(&t, "role")
            .and_then(|v| self.enumerated(join(path, "role"), v, PartyRole::parse, PartyRole::ALL));
        let name = self.req_string(&t, "name");
        let state = self.req_country(&t, "state");
        let party_type = self
            .required(&t, "type")
            .and_then(|v| self.enumerated(join(path, "type"), v, PartyType::parse, PartyType::ALL));
        let registration = self.opt_string(&t, "registration");
        Some(Party {
            role: role?,
            name: name?,
            state: state?,
            party_type: party_type?,
            registration,
        })
    }

    fn goods(&mut self, v: &Node<'_>) -> Option<Vec<Goods>> {
        self.tables("goods", v, true, |s, path, x| s.goods_item(path, x))
    }

    fn goods_item(&mut self, path: &str, v: &Node<'_>) -> Option<Goods> {
        let t = self.table(
            path,
            v,
            &[
                "description",
                "item",
                "att_category",
                "control_entry",
                "quantity",
                "unit_value",
                "currency",
                "manufacture",
                "deactivated",
                "marking",
            ],
        )?;
        let description = self.req_string(&t, "description");
        let item = self
            .required(&t, "item")
            .and_then(|v| self.enumerated(join(path, "item"), v, ItemKind::parse, ItemKind::ALL));
        let att_category = t.map.get("att_category").and_then(|v| {
            self.enumerated(
                join(path, "att_category"),
                v,
                AttCategory::parse,
                AttCategory::ALL,
            )
        });
        let control_entry = self.opt_string(&t, "control_entry");
        let quantity = self.required(&t, "quantity").and_then(|v| {
            let q = quantity(v.as_u64());
            if q.is_none() {
                self.problem(
                    join(path, "quantity"),
                    format!("expected an integer greater than 0, found {}", v.describe()),
                );
            }
            q
        });
        let unit_value = t.map.get("unit_value").and_then(|v| {
            let x = unit_value(v.as_f64());
            if x.is_none() {
                self.problem(
                    join(path, "unit_value"),
                    format!("expected a number of at least 0, found {}", v.describe()),
                );
            }
            x
        });
        let currency = t.map.get("currency").and_then(|v| {
            let c = v.as_str().filter(|c| currency_ok(c));
            if c.is_none() {
                self.problem(
                    join(path, "currency"),
                    format!(
                        "expected an ISO 4217 code such as EUR, found {}",
                        v.describe()
                    ),
                );
            }
            c.map(String::from)
        });
        if t.map.contains_key("unit_value") && !t.map.contains_key("currency") {
            self.problem(
                join(path, "currency"),
                "required with unit_value: an ISO 4217 code such as EUR",
            );
        }
        let manufacture = match t.map.get("manufacture") {
            None => Some(DEFAULT_MANUFACTURE),
            Some(v) => self.enumerated(
                join(path, "manufacture"),
                v,
                Manufacture::parse,
                Manufacture::ALL,
            ),
        };
        let deactivated = self.opt_bool(&t, "deactivated").unwrap_or(false);
        let marking = t
            .map
            .get("marking")
            .and_then(|v| self.marking(&join(path, "marking").to_string(), v));
        Some(Goods {
            description: description?,
            item: item?,
            att_category,
            control_entry,
            quantity: quantity?,
            unit_value,
            currency,
            manufacture: manufacture?,
            deactivated,
            marking,
        })
    }

    fn marking(&mut self, path: &str, v: &Node<'_>) -> Option<Marking> {
        let t = self.table(
            path,
            v,
            &[
                "manufacturer",
                "country",
                "serial_numbers",
                "import_marking",
                "year",
            ],
        )?;
        let manufacturer = self.opt_string(&t, "manufacturer");
        let country = t
            .map
            .get("country")
            .and_then(|v| self.country(join(path, "country"), v));
        let serial_numbers = self.opt_bool(&t, "serial_numbers").unwrap_or(false);
        let import_marking = self.opt_bool(&t, "import_marking").unwrap_or(false);
        let year = t.map.get("year").and_then(|v| {
            let y = year(v.as_u64());
            if y.is_none() {
                self.problem(
                    join(path, "year"),
                    format!("expected a four-digit year, found {}", v.describe()),
                );
            }
            y
        });
        Some(Marking {
            manufacturer,
            country,
            serial_numbers,
            import_marking,
            year,
        })
    }

    fn documents(&mut self, v: &Node<'_>) -> Option<Documents> {
        let t = self.table(
            "documents",
            v,
            &[
                "import_licence",
                "end_user_certificate",
                "transit_consent",
                "delivery_verification",
            ],
        )?;
        let import_licence = t.map.get("import_licence").and_then(|v| {
            let l = self.table(
                "documents.import_licence",
                v,
                &["number", "issued_by", "valid_until"],
            )?;
            let number = self.req_string(&l, "number");
            let issued_by = self.req_country(&l, "issued_by");
            let valid_until = l
                .map
                .get("valid_until")
                .and_then(|v| self.date("documents.import_licence.valid_until", v));
            Some(ImportLicence {
                number: number?,
                issued_by: issued_by?,
                valid_until,
            })
        });
        let end_user_certificate = t.map.get("end_user_certificate").and_then(|v| {
            let path = "documents.end_user_certificate";
            let c = self.table(
                path,
                v,
                &["number", "issued_by", "authenticated", "no_reexport_clause"],
            )?;
            let number = self.req_string(&c, "number");
            let issued_by = self.req_country(&c, "issued_by");
            let authenticated = self.req_bool(&c, "authenticated");
            let no_reexport_clause = self.req_bool(&c, "no_reexport_clause");
            Some(EndUserCertificate {
                number: number?,
                issued_by: issued_by?,
                authenticated: authenticated?,
                no_reexport_clause: no_reexport_clause?,
            })
        });
        let transit_consent = match t.map.get("transit_consent") {
            None => Some(Vec::new()),
            Some(v) => self.tables("documents.transit_consent", v, false, |s, path, x| {
                let c = s.table(path, x, &["state", "reference"])?;
                let state = s.req_country(&c, "state");
                let reference = s.req_string(&c, "reference");
                Some(TransitConsent {
                    state: state?,
                    reference: reference?,
                })
            }),
        };
        let delivery_verification = self.opt_bool(&t, "delivery_verification");
        Some(Documents {
            import_licence,
            end_user_certificate,
            transit_consent: transit_consent?,
            delivery_verification,
        })
    }

    fn end_use(&mut self, v: &Node<'_>) -> Option<EndUse> {
        let t = self.table("end_use", v, &["statement", "purpose"])?;
        let statement = self.req_string(&t, "statement");
        let purpose = self.required(&t, "purpose").and_then(|v| {
            self.enumerated(
                "end_use.purpose",
                v,
                EndUsePurpose::parse,
                EndUsePurpose::ALL,
            )
        });
        Some(EndUse {
            statement: statement?,
            purpose: purpose?,
        })
    }

    fn sale(&mut self, v: &Node<'_>) -> Option<Sale> {
        let t = self.table("sale", v, &["channel", "payment"])?;
        let channel = t
            .map
            .get("channel")
            .and_then(|v| self.enumerated("sale.channel", v, SaleChannel::parse, SaleChannel::ALL));
        let payment = t
            .map
            .get("payment")
            .and_then(|v| self.enumerated("sale.payment", v, Payment::parse, Payment::ALL));
        Some(Sale { channel, payment })
    }
}

/// Longest free text accepted in any field.
const MAX_TEXT: usize = 4_096;
/// Most entries accepted in one list (parties, goods, consents).
const MAX_ENTRIES: usize = 1_000;

// What a valid value is, and what a field left out means: one definition
// each, which the validator and the plain reader (`plain`) both use, so
// that the two cannot come to disagree on them.

/// No more than `max` characters (no more bytes means no more characters
/// either, without counting them).
fn fits(s: &str, max: usize) -> bool {
    s.len() <= max || s.chars().count() <= max
}

fn id_length_ok(id: &str) -> bool {
    (1..=128).contains(&id.chars().count())
}

/// An ISO 3166-1 alpha-2 code of a state that exists.
fn known_country(text: &str) -> Option<Country> {
    Country::new(text).filter(|&c| countries::is_known(c))
}

fn quantity(n: Option<u64>) -> Option<u64> {
    n.filter(|&q| q > 0)
}

fn unit_value(x: Option<f64>) -> Option<f64> {
    x.filter(|x| x.is_finite() && *x >= 0.0)
}

/// An ISO 4217 code's shape: three capital letters.
fn currency_ok(code: &str) -> bool {
    code.len() == 3 && code.bytes().all(|b| b.is_ascii_uppercase())
}

fn year(y: Option<u64>) -> Option<u32> {
    y.filter(|y| (1000..=9999).contains(y)).map(|y| y as u32)
}

/// A temporary transfer must say what for (`temporary_purpose`).
fn needs_purpose(permanence: Permanence) -> bool {
    permanence == Permanence::Temporary
}

fn has_end_user(parties: &[Party]) -> bool {
    parties.iter().any(|p| p.role == PartyRole::EndUser)
}

const DEFAULT_PERMANENCE: Permanence = Permanence::Permanent;
const DEFAULT_MANUFACTURE: Manufacture = Manufacture::Standard;
