//! Host configuration: sandbox limits, reference data and the policy
//! registry. The default is embedded in the binary — the published
//! plug-ins of `policies/dist/` and the data files of `data/` — so that
//! `attest screen FILE` works from a fresh clone with no flags.

use crate::route::{Registration, States};
use crate::sandbox::Limits;
use attest_rules::model::Role;

/// A plug-in's bytes and where they came from (for error messages).
#[derive(Clone, Debug)]
pub struct PolicySource {
    pub origin: String,
    pub wasm: Vec<u8>,
}

#[derive(Clone, Debug)]
pub struct Config {
    pub limits: Limits,
    /// (data set name, TOML text).
    pub data: Vec<(String, String)>,
    pub policies: Vec<PolicySource>,
    pub registry: Vec<Registration>,
}

const FP_WASM: &[u8] = include_bytes!("../../policies/dist/fp.wasm");
const ATT_WASM: &[u8] = include_bytes!("../../policies/dist/att.wasm");
const UN_EMBARGOES: &str = include_str!("../../data/un-arms-embargoes.toml");
const EU_EMBARGOES: &str = include_str!("../../data/eu-arms-embargoes.toml");
const TREATY_PARTIES: &str = include_str!("../../data/treaty-parties.toml");

impl Default for Config {
    /// The treaty baselines: `fp` and `att` for the licensing state, in
    /// whatever role its application puts it.
    fn default() -> Config {
        let baseline = |policy: &str| Registration {
            policy: policy.into(),
            states: States::Licensing,
            roles: Role::ALL.to_vec(),
        };
        Config {
            limits: Limits::default(),
            data: vec![
                ("un-arms-embargoes".into(), UN_EMBARGOES.into()),
                ("eu-arms-embargoes".into(), EU_EMBARGOES.into()),
                ("treaty-parties".into(), TREATY_PARTIES.into()),
            ],
            policies: vec![
                PolicySource {
                    origin: "policies/dist/fp.wasm (embedded)".into(),
                    wasm: FP_WASM.to_vec(),
                },
                PolicySource {
                    origin: "policies/dist/att.wasm (embedded)".into(),
                    wasm: ATT_WASM.to_vec(),
                },
            ],
            registry: vec![baseline("fp"), baseline("att")],
        }
    }
}
