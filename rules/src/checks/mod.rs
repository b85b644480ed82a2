//! Reusable treaty checks. Each public function checks one provision,
//! cites it in its doc comment and in the findings it emits, and appends
//! findings to `out`; it never decides the overall outcome. Policies call
//! them, natively in tests and benches or inside the sandbox.
//!
//! Where the law or the data leave room, checks take the conservative
//! reading and `refer` — a licensing officer decides — rather than approve
//! or deny on a guess. `docs/rules.md` lists every such choice.

pub mod att;
pub mod cop;
pub mod embargo;
pub mod end_use;
pub mod eu_cp;
pub mod fp;
pub mod risk;
pub mod treaty_status;

use crate::model::{Country, Date, Role};
use crate::reference::ReferenceData;

/// What a check knows besides the application.
pub struct Context<'a> {
    /// The date the rules are applied as of (embargoes, treaty status).
    pub as_of: Date,
    /// The state on whose behalf this evaluation runs.
    pub state: Country,
    /// The part that state plays in the transfer.
    pub role: Role,
    /// The reference data named in the policy's manifest.
    pub data: &'a ReferenceData,
}

impl Context<'_> {
    /// True when the evaluating state authorises the goods leaving or
    /// passing: exporting, brokering or transit. Import-side states run
    /// their own, different checks.
    pub fn authorises_outbound(&self) -> bool {
        matches!(self.role, Role::Export | Role::Brokering | Role::Transit)
    }
}
