//! Synthetic workload: realistic, varied applications for tests,
//! benchmarks and rehearsing a re-evaluation. Seeded and deterministic: the
//! same seed gives the same applications on every machine.
//!
//! The mix: exports most of all, then imports, brokering and transit;
//! destinations across clean states, states under UN or EU embargoes, and
//! the fictional states of the example data; every party type and item
//! kind; and documents missing or faulty at the rates below (chosen to
//! exercise every rule, not measured from real caseloads).

use attest_rules::model::*;

/// A small, fast, seedable generator (SplitMix64).
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// A number in `0..n`.
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }
    /// True with probability `percent`/100.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

const LICENSING: &[&str] = &[
    "GB", "DE", "FR", "BE", "SE", "CH", "NO", "ZA", "BR", "KR", "AU", "XA", "XB",
];
const CLEAN: &[&str] = &[
    "KE", "BR", "IN", "AU", "CA", "JP", "NO", "GH", "PE", "TH", "PH", "NZ", "CL", "SN", "XB",
];
const EMBARGOED: &[&str] = &[
    "KP", "IR", "SS", "LY", "CF", "CD", "LB", "IQ", "SO", "SD", "VE", "BY", "RU", "MM", "HT", "YE",
    "XD", "XF", "XG", "XH",
];
const TRANSIT: &[&str] = &["FR", "DE", "NL", "AE", "SG", "TR", "EG", "XB", "XC", "PA"];

fn country(code: &str) -> Country {
    Country::new(code).unwrap_or_else(|| unreachable!("constant code {code}"))
}

/// A country drawn from a constant list.
fn draw(rng: &mut Rng, codes: &[&str]) -> Country {
    country(codes[rng.below(codes.len() as u64) as usize])
}

fn pick_enum<T: Copy>(rng: &mut Rng, all: &[T]) -> T {
    *rng.pick(all)
}

/// The `n`th application of the workload with this seed.
pub fn application(seed: u64, n: u64) -> Application {
    let mut rng = Rng::new(seed ^ n.wrapping_mul(0xD6E8_FEB8_6659_FD93));
    let kind = match rng.below(100) {
        0..=69 => TransferKind::Export,
        70..=84 => TransferKind::Import,
        85..=91 => TransferKind::Brokering,
        92..=96 => TransferKind::Transit,
        _ => TransferKind::Transshipment,
    };
    let submitted = Date::from_ymd(
        2000 + rng.below(27) as u32,
        1 + rng.below(12) as u32,
        1 + rng.below(28) as u32,
    )
    .unwrap_or_else(|| unreachable!("day <= 28 always exists"));
    let exporter = draw(&mut rng, LICENSING);
    let destination = if rng.chance(25) {
        draw(&mut rng, EMBARGOED)
    } else {
        draw(&mut rng, CLEAN)
    };
    let transit: Vec<Country> = (0..if rng.chance(30) { 1 + rng.below(2) } else { 0 })
        .map(|_| draw(&mut rng, TRANSIT))
        .filter(|&t| t != exporter && t != destination)
        .collect();
    let licensing_state = match kind {
        TransferKind::Import => destination,
        TransferKind::Transit | TransferKind::Transshipment => {
            *transit.first().unwrap_or(&exporter)
        }
        _ => exporter,
    };
    let recipient_type = pick_enum(&mut rng, PartyType::ALL);
    let mut parties = vec![
        Party {
            role: PartyRole::Consignee,
            name: format!("Consignee {}", rng.below(500)),
            state: destination,
            party_type: recipient_type,
            registration: None,
        },
        Party {
            role: PartyRole::EndUser,
            name: format!("End user {}", rng.below(500)),
            state: destination,
            party_type: recipient_type,
            registration: None,
        },
    ];
    if rng.chance(5) {
        parties.push(Party {
            role: PartyRole::UltimateEndUser,
            name: format!("Ultimate end user {}", rng.below(100)),
            state: draw(&mut rng, EMBARGOED),
            party_type: pick_enum(&mut rng, PartyType::ALL),
            registration: None,
        });
    }
    if kind == TransferKind::Brokering || rng.chance(10) {
        parties.push(Party {
            role: PartyRole::Broker,
            name: format!("Broker {}", rng.below(50)),
            state: draw(&mut rng, TRANSIT),
            party_type: PartyType::Commercial,
            registration: rng.chance(85).then(|| format!("BR-{}", rng.below(10_000))),
        });
    }
    let goods = (0..1 + rng.below(3))
        .map(|_| goods_item(&mut rng, exporter))
        .collect();
    let licence_until = Date::from_ymd(
        submitted.year() + 1 + rng.below(2) as u32,
        submitted.month(),
        submitted.day(),
    );
    let documents = Documents {
        import_licence: rng.chance(85).then(|| ImportLicence {
            number: format!("IL-{}", rng.below(1_000_000)),
            issued_by: if rng.chance(97) {
                destination
            } else {
                draw(&mut rng, CLEAN)
            },
            valid_until: if rng.chance(95) { licence_until } else { None },
        }),
        end_user_certificate: rng.chance(80).then(|| EndUserCertificate {
            number: format!("EUC-{}", rng.below(1_000_000)),
            issued_by: destination,
            authenticated: rng.chance(90),
            no_reexport_clause: rng.chance(90),
        }),
        transit_consent: transit
            .iter()
            .filter_map(|&state| {
                let reference = format!("TC-{}", rng.below(100_000));
                rng.chance(85)
                    .then_some(TransitConsent { state, reference })
            })
            .collect(),
        delivery_verification: rng.chance(90).then(|| rng.chance(75)),
    };
    let applicant_kind = if kind == TransferKind::Brokering {
        ApplicantKind::Broker
    } else {
        pick_enum(
            &mut rng,
            &[
                ApplicantKind::Manufacturer,
                ApplicantKind::Dealer,
                ApplicantKind::Government,
            ],
        )
    };
    let temporary = rng.chance(5);
    Application {
        id: format!("GEN-{seed}-{n:09}"),
        kind,
        licensing_state,
        submitted,
        permanence: if temporary {
            Permanence::Temporary
        } else {
            Permanence::Permanent
        },
        temporary_purpose: temporary.then(|| pick_enum(&mut rng, TemporaryPurpose::ALL)),
        applicant: Applicant {
            name: format!("Applicant {}", rng.below(1_000)),
            state: exporter,
            kind: applicant_kind,
            registration: rng
                .chance(90)
                .then(|| format!("REG-{}", rng.below(100_000))),
        },
        route: Route {
            origin: exporter,
            destination,
            transit,
            transport: if rng.chance(4) {
                pick_enum(&mut rng, &[Transport::Postal, Transport::Courier])
            } else {
                pick_enum(
                    &mut rng,
                    &[
                        Transport::Air,
                        Transport::Sea,
                        Transport::Road,
                        Transport::Rail,
                    ],
                )
            },
        },
        parties,
        goods,
        documents,
        end_use: Some(EndUse {
            statement: "Generated".into(),
            purpose: pick_enum(&mut rng, EndUsePurpose::ALL),
        }),
        sale: Some(Sale {
            channel: Some(if rng.chance(3) {
                SaleChannel::Online
            } else {
                SaleChannel::Direct
            }),
            payment: Some(if rng.chance(1) {
                Payment::Cryptocurrency
            } else {
                pick_enum(&mut rng, &[Payment::BankTransfer, Payment::LetterOfCredit])
            }),
        }),
    }
}

fn goods_item(rng: &mut Rng, maker: Country) -> Goods {
    let item = pick_enum(rng, ItemKind::ALL);
    let quantity = match item {
        ItemKind::Ammunition => 1_000 + rng.below(2_000_000),
        _ => {
            let upto = if rng.chance(80) { 50 } else { 5_000 };
            1 + rng.below(upto)
        }
    };
    let manufacture = if rng.chance(3) {
        pick_enum(rng, &Manufacture::ALL[1..])
    } else {
        Manufacture::Standard
    };
    let marking = (item == ItemKind::Firearm && rng.chance(95)).then(|| Marking {
        manufacturer: Some(format!("Maker {}", rng.below(100))),
        country: Some(maker),
        serial_numbers: rng.chance(98),
        import_marking: rng.chance(60),
        year: Some(1990 + rng.below(36) as u32),
    });
    Goods {
        description: format!("{item} lot {}", rng.below(10_000)),
        item,
        att_category: rng.chance(90).then(|| pick_enum(rng, AttCategory::ALL)),
        control_entry: Some(format!("ML{}.a", 1 + rng.below(3))),
        quantity,
        unit_value: Some((rng.below(500_000) as f64) / 100.0),
        currency: Some("EUR".into()),
        manufacture,
        deactivated: rng.chance(1),
        marking,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_applications_and_every_one_is_valid() {
        for n in 0..2_000 {
            let app = application(7, n);
            assert_eq!(app, application(7, n));
            let json = serde_json::to_string(&app).unwrap();
            let json = crate::document::Node::from_json(&json).unwrap();
            let parsed =
                crate::application::validate(&json, true).unwrap_or_else(|e| panic!("{n}: {e}"));
            assert_eq!(parsed.application, app, "canonical JSON round-trips");
        }
        assert_ne!(application(7, 1), application(8, 1));
    }

    #[test]
    fn the_workload_covers_every_kind_item_and_party_type() {
        let apps: Vec<Application> = (0..2_000).map(|n| application(1, n)).collect();
        for kind in TransferKind::ALL {
            assert!(apps.iter().any(|a| a.kind == *kind), "{kind}");
        }
        for item in ItemKind::ALL {
            assert!(
                apps.iter().flat_map(|a| &a.goods).any(|g| g.item == *item),
                "{item}"
            );
        }
        for t in PartyType::ALL {
            assert!(
                apps.iter()
                    .flat_map(|a| &a.parties)
                    .any(|p| p.party_type == *t),
                "{t}"
            );
        }
        let missing_licence = apps
            .iter()
            .filter(|a| a.documents.import_licence.is_none())
            .count();
        assert!(
            (200..400).contains(&missing_licence),
            "{missing_licence} of 2000 lack an import licence"
        );
    }
}
