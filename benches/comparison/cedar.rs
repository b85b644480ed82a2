//! The shared policy in Cedar (cedar-policy 4.14): one `permit` per rule,
//! named by its rule id, so that the policies that satisfied the request
//! (`diagnostics().reason()`) are exactly the rules that fired.

use attest_rules::comparison::{self, Facts, Fired, BULK_QUANTITY, CONCERN, EMBARGOED, HIGH_VALUE};
use attest_rules::Application;
use cedar_policy::{
    Authorizer, Context, Entities, EntityUid, Policy, PolicyId, PolicySet, Request,
    RestrictedExpression,
};

pub struct CedarEngine {
    policies: PolicySet,
    authorizer: Authorizer,
    entities: Entities,
    principal: EntityUid,
    action: EntityUid,
    resource: EntityUid,
}

/// A Cedar set literal of strings.
fn set(items: &[&str]) -> String {
    let quoted: Vec<String> = items.iter().map(|s| format!("\"{s}\"")).collect();
    format!("[{}]", quoted.join(", "))
}

/// The Cedar text of each rule, keyed by rule id, from the same lists and
/// thresholds as the native rules.
pub fn policy_texts() -> Vec<(&'static str, String)> {
    let (embargoed, concern) = (set(&EMBARGOED), set(&CONCERN));
    let conditions = [
        format!("{embargoed}.contains(context.destination)"),
        format!("context.transit.containsAny({embargoed})"),
        "!context.import_licence".to_string(),
        format!(
            "context.end_user_types.containsAny([\"individual\", \"commercial\"]) && \
             context.ml1_quantity > {BULK_QUANTITY}"
        ),
        format!("{concern}.contains(context.destination) && context.value > {HIGH_VALUE}"),
        "!context.end_user_certificate".to_string(),
    ];
    comparison::RULES
        .iter()
        .zip(conditions)
        .map(|((rule, _), when)| {
            (
                rule.id,
                format!("permit(principal, action, resource) when {{ {when} }};"),
            )
        })
        .collect()
}

fn uid(text: &str) -> EntityUid {
    text.parse().expect("constant entity uid")
}

impl CedarEngine {
    pub fn new() -> CedarEngine {
        let mut policies = PolicySet::new();
        for (id, text) in policy_texts() {
            let policy = Policy::parse(Some(PolicyId::new(id)), text).expect("policy parses");
            policies.add(policy).expect("ids are unique");
        }
        CedarEngine {
            policies,
            authorizer: Authorizer::new(),
            entities: Entities::empty(),
            principal: uid(r#"Authority::"licensing""#),
            action: uid(r#"Action::"screen""#),
            resource: uid(r#"Application::"any""#),
        }
    }

    /// Builds the Cedar context from the application and authorises.
    pub fn decide(&self, app: &Application) -> Fired {
        let facts = Facts::of(app);
        let string = |s: &str| RestrictedExpression::new_string(s.to_string());
        let long = |n: u64| RestrictedExpression::new_long(i64::try_from(n).unwrap_or(i64::MAX));
        let context = Context::from_pairs([
            (
                "destination".to_string(),
                string(facts.destination.as_str()),
            ),
            (
                "transit".to_string(),
                RestrictedExpression::new_set(facts.transit.iter().map(|c| string(c.as_str()))),
            ),
            (
                "import_licence".to_string(),
                RestrictedExpression::new_bool(facts.import_licence),
            ),
            (
                "end_user_certificate".to_string(),
                RestrictedExpression::new_bool(facts.end_user_certificate),
            ),
            (
                "end_user_types".to_string(),
                RestrictedExpression::new_set(
                    facts.end_user_types.iter().map(|t| string(t.as_str())),
                ),
            ),
            ("ml1_quantity".to_string(), long(facts.ml1_quantity)),
            ("value".to_string(), long(facts.value)),
        ])
        .expect("context keys are unique");
        let request = Request::new(
            self.principal.clone(),
            self.action.clone(),
            self.resource.clone(),
            context,
            None,
        )
        .expect("request without schema");
        let response = self
            .authorizer
            .is_authorized(&request, &self.policies, &self.entities);
        assert!(
            response.diagnostics().errors().next().is_none(),
            "cedar evaluation error: {:?}",
            response.diagnostics().errors().collect::<Vec<_>>()
        );
        Fired::from_ids(response.diagnostics().reason().map(|id| id.as_ref()))
            .expect("reasons are rule ids")
    }
}

impl Default for CedarEngine {
    fn default() -> Self {
        CedarEngine::new()
    }
}
