//! Signals of diversion in the end-use documentation, shared by the
//! instruments that ask about them (ATT Art. 11(2), EU Common Position
//! criterion 7). Each instrument turns them into findings under its own
//! rules; the reading of the documents is the same.

use crate::model::{Application, Party, PartyRole};
use crate::text;
use alloc::string::String;

/// What is wrong with the end-user certificate, if anything.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CertificateGap {
    Missing,
    NotAuthenticated,
    NoReexportClause,
}

impl CertificateGap {
    /// The evidence path for this gap.
    pub fn path(&self) -> &'static str {
        match self {
            CertificateGap::Missing => "documents.end_user_certificate",
            CertificateGap::NotAuthenticated => "documents.end_user_certificate.authenticated",
            CertificateGap::NoReexportClause => "documents.end_user_certificate.no_reexport_clause",
        }
    }
}

/// Every gap in the end-user certificate, with a message for the officer.
pub fn certificate_gaps(app: &Application) -> impl Iterator<Item = (CertificateGap, String)> + '_ {
    let cert = app.documents.end_user_certificate.as_ref();
    let missing = cert.is_none().then(|| {
        (
            CertificateGap::Missing,
            String::from("No end-user certificate"),
        )
    });
    let unauthenticated = cert.filter(|c| !c.authenticated).map(|c| {
        (
            CertificateGap::NotAuthenticated,
            text!(
                "End-user certificate ",
                c.number,
                " has not been authenticated"
            ),
        )
    });
    let reexport = cert.filter(|c| !c.no_reexport_clause).map(|c| {
        (
            CertificateGap::NoReexportClause,
            text!(
                "End-user certificate ",
                c.number,
                " has no clause forbidding re-export"
            ),
        )
    });
    missing.into_iter().chain(unauthenticated).chain(reexport)
}

/// Ultimate end users established outside the declared destination: the
/// goods are meant to move on. Yields the party index and a message.
pub fn onward_end_users(app: &Application) -> impl Iterator<Item = (usize, &Party, String)> + '_ {
    app.parties_in_role(PartyRole::UltimateEndUser)
        .filter(|(_, p)| p.state != app.route.destination)
        .map(|(i, p)| {
            let message = text!(
                "Ultimate end user \"",
                p.name,
                "\" is in ",
                p.state,
                ", not in the destination ",
                app.route.destination
            );
            (i, p, message)
        })
}
