//! The shared policy in Rego, run by Regorus 0.14: its interpreter and
//! its compiled virtual machine (RVM). `data.screening.fired` is the set of
//! rule ids that fired.

use attest_rules::comparison::{self, Facts, Fired, BULK_QUANTITY, CONCERN, EMBARGOED, HIGH_VALUE};
use attest_rules::Application;
use regorus::languages::rego::compiler::Compiler;
use regorus::rvm::RegoVM;
use regorus::{Engine, Value};
use std::collections::BTreeMap;

pub const ENTRY: &str = "data.screening.fired";

fn set(items: &[&str]) -> String {
    let quoted: Vec<String> = items.iter().map(|s| format!("\"{s}\"")).collect();
    format!("{{{}}}", quoted.join(", "))
}

/// The Rego module, from the same lists and thresholds as the native rules.
pub fn policy_text() -> String {
    let ids: Vec<&str> = comparison::RULES.iter().map(|(r, _)| r.id).collect();
    format!(
        r#"package screening
import rego.v1

embargoed := {embargoed}
concern := {concern}

fired contains "{0}" if input.destination in embargoed
fired contains "{1}" if {{
    some state in input.transit
    state in embargoed
}}
fired contains "{2}" if not input.import_licence
fired contains "{3}" if {{
    some kind in input.end_user_types
    kind in {{"individual", "commercial"}}
    input.ml1_quantity > {BULK_QUANTITY}
}}
fired contains "{4}" if {{
    input.destination in concern
    input.value > {HIGH_VALUE}
}}
fired contains "{5}" if not input.end_user_certificate
"#,
        ids[0],
        ids[1],
        ids[2],
        ids[3],
        ids[4],
        ids[5],
        embargoed = set(&EMBARGOED),
        concern = set(&CONCERN),
    )
}

/// The Rego input document for an application.
pub fn input(app: &Application) -> Value {
    let facts = Facts::of(app);
    let strings = |items: Vec<Value>| Value::from(items);
    let mut doc = BTreeMap::new();
    doc.insert(
        Value::from("destination"),
        Value::from(facts.destination.as_str()),
    );
    doc.insert(
        Value::from("transit"),
        strings(
            facts
                .transit
                .iter()
                .map(|c| Value::from(c.as_str()))
                .collect(),
        ),
    );
    doc.insert(
        Value::from("import_licence"),
        Value::from(facts.import_licence),
    );
    doc.insert(
        Value::from("end_user_certificate"),
        Value::from(facts.end_user_certificate),
    );
    doc.insert(
        Value::from("end_user_types"),
        strings(
            facts
                .end_user_types
                .iter()
                .map(|t| Value::from(t.as_str()))
                .collect(),
        ),
    );
    doc.insert(Value::from("ml1_quantity"), Value::from(facts.ml1_quantity));
    doc.insert(Value::from("value"), Value::from(facts.value));
    Value::from(doc)
}

/// Reads `fired` back: a set of rule ids, or undefined when none fired.
fn fired(value: &Value) -> Fired {
    if *value == Value::Undefined {
        return Fired::default();
    }
    let set = value.as_set().expect("fired is a set");
    let ids: Vec<&str> = set
        .iter()
        .map(|v| v.as_string().expect("rule ids are strings").as_ref())
        .collect();
    Fired::from_ids(ids).expect("fired holds rule ids")
}

fn engine() -> Engine {
    let mut engine = Engine::new();
    engine
        .add_policy("screening.rego".to_string(), policy_text())
        .expect("policy parses");
    engine
}

/// The tree-walking interpreter.
pub struct RegoInterpreter {
    engine: Engine,
}

impl RegoInterpreter {
    pub fn new() -> RegoInterpreter {
        RegoInterpreter { engine: engine() }
    }

    pub fn decide(&mut self, app: &Application) -> Fired {
        self.engine.set_input(input(app));
        fired(&self.engine.eval_rule(ENTRY.to_string()).expect("evaluates"))
    }
}

impl Default for RegoInterpreter {
    fn default() -> Self {
        RegoInterpreter::new()
    }
}

/// The policy compiled to an RVM program.
pub struct RegoVm {
    vm: RegoVM,
}

impl RegoVm {
    pub fn new() -> RegoVm {
        let mut engine = engine();
        let compiled = engine
            .compile_with_entrypoint(&ENTRY.into())
            .expect("compiles");
        let program = Compiler::compile_from_policy(&compiled, &[ENTRY]).expect("compiles to RVM");
        let mut vm = RegoVM::new_with_policy(compiled);
        vm.load_program(program);
        vm.set_data(Value::new_object()).expect("empty data");
        RegoVm { vm }
    }

    pub fn decide(&mut self, app: &Application) -> Fired {
        self.vm.set_input(input(app));
        fired(
            &self
                .vm
                .execute_entry_point_by_name(ENTRY)
                .expect("executes"),
        )
    }
}

impl Default for RegoVm {
    fn default() -> Self {
        RegoVm::new()
    }
}
