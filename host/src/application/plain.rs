//! Plain applications: the JSON an application almost always is, read
//! straight into an [`Application`], without the document tree and the
//! validator's walk over it.
//!
//! It reads only what the validator would accept without a problem or a
//! warning, and gives exactly what the validator would give. On anything
//! else it gives up (`None`), and [`super::parse`] reads the document the
//! long way, tree then validator, which names every problem. It gives up
//! on: a key the format does not have, a key given twice, a missing
//! required field, a value of the wrong kind or outside its rule, and
//! whatever the plain JSON reader gives up on (an escape in a string, a
//! syntax error). The rules of the values and the defaults of the fields
//! left out are the validator's own (`super`); tests hold the two readers
//! together on generated applications and on thousands of damaged ones,
//! and the `application_json` fuzz target on every input it tries.
//!
//! Why: the tree and the validator took 3.3 µs of a generated
//! application's 11 µs in `attest batch`, more than screening it in the
//! sandboxes (`docs/performance.md`).

use super::{
    currency_ok, fits, has_end_user, id_length_ok, known_country, needs_purpose, quantity,
    unit_value, year, DEFAULT_MANUFACTURE, DEFAULT_PERMANENCE, MAX_ENTRIES, MAX_TEXT,
};
use crate::document::plain_json::Reader;
use attest_rules::model::*;

/// The application `text` holds, if it is plain and valid.
pub fn read(text: &str) -> Option<Application> {
    let mut r = Reader::new(text);
    let app = application(&mut r)?;
    r.end().then_some(app)
}

/// Reads a table: each key in turn is handed to `field`, which reads its
/// value, or gives up on a key the table does not have.
fn table<'a>(
    r: &mut Reader<'a>,
    mut field: impl FnMut(&mut Reader<'a>, &'a str) -> Option<()>,
) -> Option<()> {
    r.token(b'{')?;
    if r.next_is(b'}') {
        return Some(());
    }
    loop {
        let key = r.text()?;
        r.token(b':')?;
        field(r, key)?;
        if r.next_is(b'}') {
            return Some(());
        }
        r.token(b',')?;
    }
}

/// Reads a list, each item with `item`, into a vector.
fn list<'a, T>(
    r: &mut Reader<'a>,
    mut item: impl FnMut(&mut Reader<'a>) -> Option<T>,
) -> Option<Vec<T>> {
    r.token(b'[')?;
    let mut items = Vec::new();
    if r.next_is(b']') {
        return Some(items);
    }
    loop {
        items.push(item(r)?);
        if r.next_is(b']') {
            return Some(items);
        }
        r.token(b',')?;
    }
}

/// A list of tables as the validator's `tables` reads one: at most
/// [`MAX_ENTRIES`], and at least one if `at_least_one`.
fn entries<'a, T>(
    r: &mut Reader<'a>,
    at_least_one: bool,
    item: impl FnMut(&mut Reader<'a>) -> Option<T>,
) -> Option<Vec<T>> {
    list(r, item).filter(|items| items.len() <= MAX_ENTRIES && !(at_least_one && items.is_empty()))
}

/// Keeps the value of a field; a field given twice is a problem.
fn once<T>(slot: &mut Option<T>, value: T) -> Option<()> {
    slot.is_none().then(|| *slot = Some(value))
}

fn string(r: &mut Reader<'_>) -> Option<String> {
    r.text().filter(|s| fits(s, MAX_TEXT)).map(String::from)
}

fn country(r: &mut Reader<'_>) -> Option<Country> {
    known_country(r.text()?)
}

fn date(r: &mut Reader<'_>) -> Option<Date> {
    Date::parse(r.text()?)
}

/// One of an enumeration's values, by its name in the format.
fn code<T>(r: &mut Reader<'_>, parse: fn(&str) -> Option<T>) -> Option<T> {
    parse(r.text()?)
}

fn application(r: &mut Reader<'_>) -> Option<Application> {
    let (mut id, mut kind, mut licensing_state, mut submitted) = (None, None, None, None);
    let (mut permanence, mut temporary_purpose) = (None, None);
    let (mut applicant, mut route, mut parties, mut goods) = (None, None, None, None);
    let (mut documents, mut end_use, mut sale) = (None, None, None);
    table(r, |r, key| match key {
        "id" => once(&mut id, string(r).filter(|id| id_length_ok(id))?),
        "kind" => once(&mut kind, code(r, TransferKind::parse)?),
        "licensing_state" => once(&mut licensing_state, country(r)?),
        "submitted" => once(&mut submitted, date(r)?),
        "permanence" => once(&mut permanence, code(r, Permanence::parse)?),
        "temporary_purpose" => once(&mut temporary_purpose, code(r, TemporaryPurpose::parse)?),
        "applicant" => once(&mut applicant, self::applicant(r)?),
        "route" => once(&mut route, self::route(r)?),
        "parties" => once(&mut parties, self::parties(r)?),
        "goods" => once(&mut goods, entries(r, true, goods_item)?),
        "documents" => once(&mut documents, self::documents(r)?),
        "end_use" => once(&mut end_use, self::end_use(r)?),
        "sale" => once(&mut sale, self::sale(r)?),
        _ => None,
    })?;
    let permanence = permanence.unwrap_or(DEFAULT_PERMANENCE);
    if needs_purpose(permanence) && temporary_purpose.is_none() {
        return None;
    }
    Some(Application {
        id: id?,
        kind: kind?,
        licensing_state: licensing_state?,
        submitted: submitted?,
        permanence,
        temporary_purpose,
        applicant: applicant?,
        route: route?,
        parties: parties?,
        goods: goods?,
        documents: documents.unwrap_or_default(),
        end_use,
        sale,
    })
}

fn applicant(r: &mut Reader<'_>) -> Option<Applicant> {
    let (mut name, mut state, mut kind, mut registration) = (None, None, None, None);
    table(r, |r, key| match key {
        "name" => once(&mut name, string(r)?),
        "state" => once(&mut state, country(r)?),
        "kind" => once(&mut kind, code(r, ApplicantKind::parse)?),
        "registration" => once(&mut registration, string(r)?),
        _ => None,
    })?;
    Some(Applicant {
        name: name?,
        state: state?,
        kind: kind?,
        registration,
    })
}

fn route(r: &mut Reader<'_>) -> Option<Route> {
    let (mut origin, mut destination, mut transit, mut transport) = (None, None, None, None);
    table(r, |r, key| match key {
        "origin" => once(&mut origin, country(r)?),
        "destination" => once(&mut destination, country(r)?),
        // The validator sets no limit on transit states.
        "transit" => once(&mut transit, list(r, country)?),
        "transport" => once(&mut transport, code(r, Transport::parse)?),
        _ => None,
    })?;
    Some(Route {
        origin: origin?,
        destination: destination?,
        transit: transit.unwrap_or_default(),
        transport: transport?,
    })
}

fn parties(r: &mut Reader<'_>) -> Option<Vec<Party>> {
    entries(r, true, party).filter(|parties| has_end_user(parties))
}

fn party(r: &mut Reader<'_>) -> Option<Party> {
    let (mut role, mut name, mut state) = (None, None, None);
    let (mut party_type, mut registration) = (None, None);
    table(r, |r, key| match key {
        "role" => once(&mut role, code(r, PartyRole::parse)?),
        "name" => once(&mut name, string(r)?),
        "state" => once(&mut state, country(r)?),
        "type" => once(&mut party_type, code(r, PartyType::parse)?),
        "registration" => once(&mut registration, string(r)?),
        _ => None,
    })?;
    Some(Party {
        role: role?,
        name: name?,
        state: state?,
        party_type: party_type?,
        registration,
    })
}

fn goods_item(r: &mut Reader<'_>) -> Option<Goods> {
    let (mut description, mut item, mut att_category, mut control_entry) = (None, None, None, None);
    let (mut count, mut value, mut currency) = (None, None, None);
    let (mut manufacture, mut deactivated, mut marking) = (None, None, None);
    table(r, |r, key| match key {
        "description" => once(&mut description, string(r)?),
        "item" => once(&mut item, code(r, ItemKind::parse)?),
        "att_category" => once(&mut att_category, code(r, AttCategory::parse)?),
        "control_entry" => once(&mut control_entry, string(r)?),
        "quantity" => once(&mut count, quantity(r.number_token()?.as_u64())?),
        "unit_value" => once(&mut value, unit_value(r.number_token()?.as_f64())?),
        "currency" => once(
            &mut currency,
            r.text().filter(|c| currency_ok(c)).map(String::from)?,
        ),
        "manufacture" => once(&mut manufacture, code(r, Manufacture::parse)?),
        "deactivated" => once(&mut deactivated, r.boolean()?),
        "marking" => once(&mut marking, self::marking(r)?),
        _ => None,
    })?;
    if value.is_some() && currency.is_none() {
        return None;
    }
    Some(Goods {
        description: description?,
        item: item?,
        att_category,
        control_entry,
        quantity: count?,
        unit_value: value,
        currency,
        manufacture: manufacture.unwrap_or(DEFAULT_MANUFACTURE),
        deactivated: deactivated.unwrap_or(false),
        marking,
    })
}

fn marking(r: &mut Reader<'_>) -> Option<Marking> {
    let (mut manufacturer, mut country_of, mut serial_numbers) = (None, None, None);
    let (mut import_marking, mut made) = (None, None);
    table(r, |r, key| match key {
        "manufacturer" => once(&mut manufacturer, string(r)?),
        "country" => once(&mut country_of, country(r)?),
        "serial_numbers" => once(&mut serial_numbers, r.boolean()?),
        "import_marking" => once(&mut import_marking, r.boolean()?),
        "year" => once(&mut made, year(r.number_token()?.as_u64())?),
        _ => None,
    })?;
    Some(Marking {
        manufacturer,
        country: country_of,
        serial_numbers: serial_numbers.unwrap_or(false),
        import_marking: import_marking.unwrap_or(false),
        year: made,
    })
}

fn documents(r: &mut Reader<'_>) -> Option<Documents> {
    let (mut import_licence, mut end_user_certificate) = (None, None);
    let (mut transit_consent, mut delivery_verification) = (None, None);
    table(r, |r, key| match key {
        "import_licence" => once(&mut import_licence, self::import_licence(r)?),
        "end_user_certificate" => once(&mut end_user_certificate, certificate(r)?),
        "transit_consent" => once(&mut transit_consent, entries(r, false, consent)?),
        "delivery_verification" => once(&mut delivery_verification, r.boolean()?),
        _ => None,
    })?;
    Some(Documents {
        import_licence,
        end_user_certificate,
        transit_consent: transit_consent.unwrap_or_default(),
        delivery_verification,
    })
}

fn import_licence(r: &mut Reader<'_>) -> Option<ImportLicence> {
    let (mut number, mut issued_by, mut valid_until) = (None, None, None);
    table(r, |r, key| match key {
        "number" => once(&mut number, string(r)?),
        "issued_by" => once(&mut issued_by, country(r)?),
        "valid_until" => once(&mut valid_until, date(r)?),
        _ => None,
    })?;
    Some(ImportLicence {
        number: number?,
        issued_by: issued_by?,
        valid_until,
    })
}

fn certificate(r: &mut Reader<'_>) -> Option<EndUserCertificate> {
    let (mut number, mut issued_by) = (None, None);
    let (mut authenticated, mut no_reexport_clause) = (None, None);
    table(r, |r, key| match key {
        "number" => once(&mut number, string(r)?),
        "issued_by" => once(&mut issued_by, country(r)?),
        "authenticated" => once(&mut authenticated, r.boolean()?),
        "no_reexport_clause" => once(&mut no_reexport_clause, r.boolean()?),
        _ => None,
    })?;
    Some(EndUserCertificate {
        number: number?,
        issued_by: issued_by?,
        authenticated: authenticated?,
        no_reexport_clause: no_reexport_clause?,
    })
}

fn consent(r: &mut Reader<'_>) -> Option<TransitConsent> {
    let (mut state, mut reference) = (None, None);
    table(r, |r, key| match key {
        "state" => once(&mut state, country(r)?),
        "reference" => once(&mut reference, string(r)?),
        _ => None,
    })?;
    Some(TransitConsent {
        state: state?,
        reference: reference?,
    })
}

fn end_use(r: &mut Reader<'_>) -> Option<EndUse> {
    let (mut statement, mut purpose) = (None, None);
    table(r, |r, key| match key {
        "statement" => once(&mut statement, string(r)?),
        "purpose" => once(&mut purpose, code(r, EndUsePurpose::parse)?),
        _ => None,
    })?;
    Some(EndUse {
        statement: statement?,
        purpose: purpose?,
    })
}

fn sale(r: &mut Reader<'_>) -> Option<Sale> {
    let (mut channel, mut payment) = (None, None);
    table(r, |r, key| match key {
        "channel" => once(&mut channel, code(r, SaleChannel::parse)?),
        "payment" => once(&mut payment, code(r, Payment::parse)?),
        _ => None,
    })?;
    Some(Sale { channel, payment })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::application::validate;
    use crate::document::Node;
    use crate::workload;
    use serde_json::{json, Value};

    /// What the long way gives: the tree, validated strictly, and only if
    /// it found nothing to say.
    fn long_way(text: &str) -> Option<Application> {
        let tree = Node::from_json(text).ok()?;
        validate(&tree, true)
            .ok()
            .filter(|parsed| parsed.warnings.is_empty())
            .map(|parsed| parsed.application)
    }

    fn generated(n: u64) -> String {
        serde_json::to_string(&workload::application(3, n)).unwrap()
    }

    #[test]
    fn generated_applications_read_as_the_validator_reads_them() {
        for n in 0..2_000 {
            let text = generated(n);
            let plain = read(&text);
            assert!(plain.is_some(), "gave up on {text}");
            assert_eq!(plain, long_way(&text), "{text}");
            assert_eq!(plain, Some(workload::application(3, n)));
        }
    }

    /// Every way of damaging one value that the tests below try.
    fn replacements() -> Vec<Value> {
        vec![
            Value::Null,
            json!(""),
            json!("x".repeat(MAX_TEXT + 1)),
            json!("KP"),
            json!("kp"),
            json!("ZZ"),
            json!("2026-02-30"),
            json!("2026-07-08"),
            json!("export"),
            json!("consignee"),
            json!("temporary"),
            json!(0),
            json!(-1),
            json!(1.5),
            json!(999),
            json!(2024),
            json!(u64::MAX),
            json!(true),
            json!([]),
            json!(["KE"]),
            json!({}),
        ]
    }

    /// Copies of `value`, each damaged in one place: a field removed, a
    /// value replaced, an unknown field added, a list emptied or cut.
    fn damaged(value: &Value, out: &mut Vec<Value>) {
        let mut at = |edit: &dyn Fn(&mut Value)| {
            let mut copy = value.clone();
            edit(&mut copy);
            out.push(copy);
        };
        match value {
            Value::Object(map) => {
                at(&|v| {
                    v.as_object_mut().unwrap().insert("extra".into(), json!(1));
                });
                for key in map.keys() {
                    at(&|v| {
                        v.as_object_mut().unwrap().remove(key);
                    });
                    for replacement in replacements() {
                        at(&|v| v[key.as_str()] = replacement.clone());
                    }
                }
            }
            Value::Array(items) if !items.is_empty() => {
                at(&|v| v.as_array_mut().unwrap().clear());
                at(&|v| {
                    v.as_array_mut().unwrap().remove(0);
                });
                at(&|v| {
                    v.as_array_mut().unwrap().pop();
                });
            }
            _ => {}
        }
    }

    /// Every damaged copy of the application `root`, damaged at every
    /// depth: each child's damaged copies are put back into `root`.
    fn damaged_everywhere(root: &Value) -> Vec<Value> {
        let mut out = Vec::new();
        damaged(root, &mut out);
        let children: Vec<(Value, Vec<Value>)> = match root {
            Value::Object(map) => map
                .iter()
                .map(|(k, v)| (json!(k), damaged_everywhere(v)))
                .collect(),
            Value::Array(items) => items
                .iter()
                .enumerate()
                .map(|(i, v)| (json!(i), damaged_everywhere(v)))
                .collect(),
            _ => Vec::new(),
        };
        for (place, copies) in children {
            for copy in copies {
                let mut whole = root.clone();
                match &place {
                    Value::String(k) => whole[k.as_str()] = copy,
                    Value::Number(i) => whole[i.as_u64().unwrap() as usize] = copy,
                    _ => unreachable!(),
                }
                out.push(whole);
            }
        }
        out
    }

    #[test]
    fn damaged_applications_are_read_as_the_validator_reads_them_or_not_at_all() {
        let (mut read_plainly, mut given_up) = (0, 0);
        for n in 0..12 {
            let root: Value = serde_json::from_str(&generated(n)).unwrap();
            for copy in damaged_everywhere(&root) {
                let text = serde_json::to_string(&copy).unwrap();
                match read(&text) {
                    Some(app) => {
                        read_plainly += 1;
                        assert_eq!(Some(app), long_way(&text), "{text}");
                    }
                    None => given_up += 1,
                }
            }
        }
        // Both ways were taken, often: a damaged optional field removed is
        // still a valid application.
        assert!(
            read_plainly > 2_000 && given_up > 12_000,
            "{read_plainly} read, {given_up} given up"
        );
    }

    #[test]
    fn every_field_given_twice_is_refused_both_ways() {
        let text = generated(0);
        let bytes = text.as_bytes();
        let mut tried = 0;
        for at in 1..text.len() {
            // A key starts after `{` or `,` and is followed by `:`.
            if bytes[at] != b'"' || !matches!(bytes[at - 1], b'{' | b',') {
                continue;
            }
            let key_end = at + 1 + text[at + 1..].find('"').unwrap() + 1;
            if bytes[key_end] != b':' {
                continue;
            }
            let entry = &text[at..key_end + 1 + value_length(&text[key_end + 1..])];
            let twice = format!("{}{entry},{}", &text[..at], &text[at..]);
            assert!(read(&twice).is_none(), "{twice}");
            assert!(long_way(&twice).is_none(), "{twice}");
            tried += 1;
        }
        assert!(tried > 40, "only {tried} keys");
    }

    /// Bytes of the JSON value `text` starts with (generated JSON: no
    /// white space, no escapes).
    fn value_length(text: &str) -> usize {
        let mut depth = 0;
        let mut in_string = false;
        for (i, b) in text.bytes().enumerate() {
            match b {
                b'"' => {
                    in_string = !in_string;
                    if !in_string && depth == 0 {
                        return i + 1;
                    }
                }
                _ if in_string => {}
                b'{' | b'[' => depth += 1,
                b'}' | b']' if depth > 0 => {
                    depth -= 1;
                    if depth == 0 {
                        return i + 1;
                    }
                }
                b',' | b'}' | b']' if depth == 0 => return i,
                _ => {}
            }
        }
        text.len()
    }

    #[test]
    fn what_is_not_plain_json_is_left_to_the_long_way() {
        let text = generated(1);
        let escaped = text.replacen("\"id\":\"", "\"id\":\"\\u0041", 1);
        assert!(read(&escaped).is_none());
        assert!(long_way(&escaped).is_some(), "serde_json reads the escape");
        assert!(read(&format!("{text} x")).is_none());
        assert!(read(&format!(" {text}\n")).is_some());
        assert!(read(&text[..text.len() - 1]).is_none());
    }
}
