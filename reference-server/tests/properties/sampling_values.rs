//! Values of the sampling keys, each with what it means: a plain rate or a per-type map
//! (JSON or `type=rate`), valid or broken in one named way.

use proptest::prelude::*;
use proptest::sample::{Index, select};

use crate::spelling::{
    TYPES, bad_plain_rate, case_variant, json_reads_exactly, padded, padding, spell_rate,
    spelled_rate,
};

/// Where one type's rate comes from inside a sampling value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Origin {
    /// A plain rate for every type: the origin is the key itself.
    Whole,
    /// The type's own map entry: `KEY[type]`.
    Type,
    /// The map's `default` entry: `KEY[default]`.
    MapDefault,
    /// Not in the map, no `default` entry: the built-in 1.0, origin `default`.
    BuiltIn,
}

/// What a valid sampling value means per type.
#[derive(Clone, Debug, PartialEq)]
pub struct Rates {
    /// The rate of each type, in [`TYPES`] order.
    pub per_type: [f64; 3],
    /// Where each came from.
    pub origins: [Origin; 3],
}

impl Rates {
    /// The origin strings the effective config must show when `key` holds this value.
    pub fn origin_names(&self, key: &str) -> [String; 3] {
        std::array::from_fn(|i| match self.origins[i] {
            Origin::Whole => key.to_owned(),
            Origin::Type => format!("{key}[{}]", TYPES[i]),
            Origin::MapDefault => format!("{key}[default]"),
            Origin::BuiltIn => "default".to_owned(),
        })
    }
}

/// A sampling value as written, and its meaning (`None`: it must be rejected).
#[derive(Clone, Debug)]
pub struct SamplingValue {
    /// The env value, exactly as set.
    pub text: String,
    /// What it means; `None` when the generator broke it on purpose.
    pub meaning: Option<Rates>,
    /// How it was built, for failure reports.
    pub form: &'static str,
}

/// Map entries as written: (type name, rate text).
type Entries = Vec<(String, String)>;

/// Separators inside a map (JSON whitespace or spaces around list items).
fn seps() -> impl Strategy<Value = Vec<&'static str>> {
    proptest::collection::vec(select(vec!["", "", "", " ", "\t", "  "]), 8)
}

/// `{"name":rate,...}` from members already written as `"name":rate`.
fn json_text(members: &[String], seps: &[&str]) -> String {
    let sep = |i: usize| seps[i % seps.len()];
    let body: Vec<String> = members
        .iter()
        .enumerate()
        .map(|(i, member)| format!("{}{member}{}", sep(i), sep(i + 3)))
        .collect();
    format!("{{{}}}", body.join(","))
}

/// `name=rate,...` from items already written.
fn list_text(items: &[String], seps: &[&str]) -> String {
    let sep = |i: usize| seps[i % seps.len()];
    items
        .iter()
        .enumerate()
        .map(|(i, item)| format!("{}{item}{}", sep(i), sep(i + 5)))
        .collect::<Vec<_>>()
        .join(",")
}

/// One entry written for its form, with whitespace around `=` or `:`.
fn member(name: &str, rate: &str, json: bool, pad: &str) -> String {
    if json {
        format!("\"{name}\"{pad}:{pad}{rate}")
    } else {
        format!("{name}{pad}={pad}{rate}")
    }
}

/// The members of a map, each written for its form.
fn members(entries: &Entries, json: bool, seps: &[&str]) -> Vec<String> {
    entries
        .iter()
        .enumerate()
        .map(|(i, (name, rate))| member(name, rate, json, seps[(i + 1) % seps.len()]))
        .collect()
}

/// The whole map from members already written.
fn write_members(members: &[String], json: bool, seps: &[&str]) -> String {
    if json {
        json_text(members, seps)
    } else {
        list_text(members, seps)
    }
}

/// The whole map from its entries.
fn write_map(entries: &Entries, json: bool, seps: &[&str]) -> String {
    write_members(&members(entries, json, seps), json, seps)
}

/// A plain rate that applies to every type.
pub fn plain_valid() -> impl Strategy<Value = SamplingValue> {
    (spelled_rate(false), padding(), padding()).prop_map(|((x, text), before, after)| {
        SamplingValue {
            text: format!("{before}{text}{after}"),
            meaning: Some(Rates {
                per_type: [x; 3],
                origins: [Origin::Whole; 3],
            }),
            form: "plain rate",
        }
    })
}

/// A plain value that is not a rate in [0, 1].
pub fn plain_invalid() -> impl Strategy<Value = SamplingValue> {
    padded(bad_plain_rate()).prop_map(|text| SamplingValue {
        text,
        meaning: None,
        form: "bad plain rate",
    })
}

/// The entries of a valid map and what they mean.
#[derive(Clone, Debug)]
struct ValidMap {
    entries: Entries,
    rates: Rates,
}

/// Valid map entries: some types explicit, maybe a `default` entry, names in any case.
fn valid_map_entries(json: bool) -> impl Strategy<Value = ValidMap> {
    (
        [
            proptest::option::of(spelled_rate(json)),
            proptest::option::of(spelled_rate(json)),
            proptest::option::of(spelled_rate(json)),
        ],
        proptest::option::of(spelled_rate(json)),
        [any::<u8>(), any::<u8>(), any::<u8>(), any::<u8>()],
    )
        .prop_filter("a map names at least one type", |(explicit, default, _)| {
            explicit.iter().any(Option::is_some) || default.is_some()
        })
        .prop_flat_map(|(explicit, default, cases)| {
            let mut entries = Entries::new();
            let mut per_type = [1.0; 3];
            let mut origins = [Origin::BuiltIn; 3];
            if let Some((d, text)) = &default {
                entries.push((case_variant("default", cases[3]), text.clone()));
                per_type = [*d; 3];
                origins = [Origin::MapDefault; 3];
            }
            for (i, entry) in explicit.iter().enumerate() {
                if let Some((x, text)) = entry {
                    entries.push((case_variant(TYPES[i], cases[i]), text.clone()));
                    per_type[i] = *x;
                    origins[i] = Origin::Type;
                }
            }
            let rates = Rates { per_type, origins };
            Just(entries)
                .prop_shuffle()
                .prop_map(move |entries| ValidMap {
                    entries,
                    rates: rates.clone(),
                })
        })
}

/// A valid per-type map, JSON or `type=rate`.
pub fn map_valid() -> impl Strategy<Value = SamplingValue> {
    any::<bool>().prop_flat_map(|json| {
        (valid_map_entries(json), seps(), padding(), padding()).prop_map(
            move |(map, seps, before, after)| SamplingValue {
                text: format!("{before}{}{after}", write_map(&map.entries, json, &seps)),
                meaning: Some(map.rates),
                form: if json { "JSON map" } else { "type=rate list" },
            },
        )
    })
}

/// One way to break a map.
#[derive(Clone, Copy, Debug)]
enum Breakage {
    UnknownType,
    DuplicateType,
    BadValue,
    StrayComma,
    ItemWithoutEquals,
    EmptyName,
    Truncated,
    TrailingGarbage,
    EmptyObject,
}

const BREAKAGES: [Breakage; 9] = [
    Breakage::UnknownType,
    Breakage::DuplicateType,
    Breakage::BadValue,
    Breakage::StrayComma,
    Breakage::ItemWithoutEquals,
    Breakage::EmptyName,
    Breakage::Truncated,
    Breakage::TrailingGarbage,
    Breakage::EmptyObject,
];

/// The random choices behind one broken map.
#[derive(Clone, Debug)]
struct Damage {
    breakage: Breakage,
    /// Where the bad entry goes.
    at: Index,
    /// Which name or bad value to use.
    pick: Index,
    /// A case variant or a small choice between variants of the breakage.
    case: u8,
    /// A valid rate for an added entry.
    rate: String,
}

/// A per-type map broken in one way: unknown or repeated type, bad rate, bad syntax.
pub fn map_invalid() -> impl Strategy<Value = SamplingValue> {
    any::<bool>().prop_flat_map(|json| {
        let damage = (
            select(BREAKAGES.to_vec()),
            any::<Index>(),
            any::<Index>(),
            any::<u8>(),
            spelled_rate(json),
        )
            .prop_map(|(breakage, at, pick, case, (_, rate))| Damage {
                breakage,
                at,
                pick,
                case,
                rate,
            });
        (valid_map_entries(json), damage, seps())
            .prop_map(move |(map, damage, seps)| broken_map(map.entries, json, damage, &seps))
    })
}

fn broken_map(mut entries: Entries, json: bool, damage: Damage, seps: &[&str]) -> SamplingValue {
    let Damage {
        breakage,
        at,
        pick,
        case,
        rate,
    } = damage;
    let position = at.index(entries.len() + 1);
    let text = match breakage {
        Breakage::UnknownType => {
            let names = [
                "db",
                "sql",
                "queries",
                "https",
                "template",
                "renders",
                "all",
                "*",
                "http_",
                "defaults",
                "databases",
                "http render",
            ];
            entries.insert(position, (pick.get(&names).to_string(), rate));
            write_map(&entries, json, seps)
        }
        Breakage::DuplicateType => {
            let (name, _) = pick.get(&entries).clone();
            let again = case_variant(&name.to_ascii_lowercase(), case);
            entries.insert(position, (again, rate));
            write_map(&entries, json, seps)
        }
        Breakage::BadValue => {
            let bad: &[&str] = if json {
                &[
                    "1.5", "-0.5", "2", "1e3", "\"0.1\"", "null", "true", "[0.1]", "{}", "NaN",
                    "-1",
                ]
            } else {
                &[
                    "1.5", "-0.1", "NaN", "inf", "abc", "", "1e3", "0..5", "50%", "-1", "{0.1}",
                ]
            };
            let name = TYPES[usize::from(case) % TYPES.len()];
            entries.insert(position, (name.to_owned(), pick.get(bad).to_string()));
            // The bad entry may now repeat a type: still a rejected map.
            write_map(&entries, json, seps)
        }
        Breakage::StrayComma => {
            let text = write_map(&entries, json, seps);
            match (json, case % 3) {
                (true, 0) => text.replacen('{', "{,", 1),
                (true, _) => format!("{},}}", &text[..text.len() - 1]),
                (false, 0) => format!(",{text}"),
                (false, 1) => format!("{text},"),
                (false, _) => format!("{text},,http=1"),
            }
        }
        Breakage::ItemWithoutEquals => {
            // `http` in a list, or `"http"` (a member without a value) in JSON.
            let mut members = members(&entries, json, seps);
            let name = *pick.get(&TYPES);
            members.insert(
                position,
                if json {
                    format!("\"{name}\"")
                } else {
                    name.to_owned()
                },
            );
            write_members(&members, json, seps)
        }
        Breakage::EmptyName => {
            entries.insert(position, (" ".repeat(usize::from(case % 2)), rate));
            write_map(&entries, json, seps)
        }
        Breakage::Truncated => {
            let text = write_map(&entries, json, seps);
            if json {
                text[..text.len() - 1].to_owned()
            } else {
                format!("{text},=")
            }
        }
        Breakage::TrailingGarbage => {
            let text = write_map(&entries, json, seps);
            if json {
                format!("{text} x")
            } else {
                format!("{text},http")
            }
        }
        Breakage::EmptyObject => {
            if json {
                format!("{{{}}}", seps[0])
            } else {
                "=".to_owned()
            }
        }
    };
    SamplingValue {
        text,
        meaning: None,
        form: if json {
            "broken JSON map"
        } else {
            "broken type=rate list"
        },
    }
}

/// Another spelling of the same per-type rates: plain when uniform, or a map that
/// lists types, leans on a `default` entry, or leaves 1.0 to the built-in default.
pub fn respell(rates: [f64; 3]) -> impl Strategy<Value = SamplingValue> {
    (
        any::<bool>(),
        any::<bool>(),
        any::<Index>(),
        any::<bool>(),
        [any::<bool>(), any::<bool>(), any::<bool>()],
        [
            any::<Index>(),
            any::<Index>(),
            any::<Index>(),
            any::<Index>(),
        ],
        seps(),
        [any::<u8>(), any::<u8>(), any::<u8>(), any::<u8>()],
    )
        .prop_map(
            move |(plain, json, default_pick, omit_ones, keep, spell, seps, cases)| {
                let uniform = rates.iter().all(|r| *r == rates[0]);
                // Rates JSON cannot carry exactly (see `JSON_SIGNIFICANT_DIGITS`) go
                // into a list instead.
                let json = json && rates.iter().all(|r| json_reads_exactly(&r.to_string()));
                if plain && uniform {
                    return SamplingValue {
                        text: spell_rate(rates[0], false, spell[0]),
                        meaning: Some(Rates {
                            per_type: rates,
                            origins: [Origin::Whole; 3],
                        }),
                        form: "plain rate (respelled)",
                    };
                }
                // `default_pick` chooses whether, and with which rate, a `default`
                // entry stands in for the types that share it.
                let default = default_pick
                    .index(4)
                    .checked_sub(1)
                    .map(|i| rates[i.min(2)]);
                let mut entries = Entries::new();
                let mut origins = [Origin::Type; 3];
                if let Some(d) = default {
                    entries.push((
                        case_variant("default", cases[3]),
                        spell_rate(d, json, spell[3]),
                    ));
                }
                for i in 0..3 {
                    let covered = match default {
                        Some(d) => rates[i] == d && !keep[i],
                        None => rates[i] == 1.0 && omit_ones && !keep[i],
                    };
                    if covered {
                        origins[i] = if default.is_some() {
                            Origin::MapDefault
                        } else {
                            Origin::BuiltIn
                        };
                    } else {
                        entries.push((
                            case_variant(TYPES[i], cases[i]),
                            spell_rate(rates[i], json, spell[i]),
                        ));
                    }
                }
                if entries.is_empty() {
                    // Every type left at the built-in 1.0: name one explicitly.
                    entries.push(("http".into(), spell_rate(1.0, json, spell[0])));
                    origins[0] = Origin::Type;
                }
                SamplingValue {
                    text: write_map(&entries, json, &seps),
                    meaning: Some(Rates {
                        per_type: rates,
                        origins,
                    }),
                    form: if json {
                        "JSON map (respelled)"
                    } else {
                        "type=rate list (respelled)"
                    },
                }
            },
        )
}

/// Any valid sampling value.
pub fn valid() -> BoxedStrategy<SamplingValue> {
    prop_oneof![3 => plain_valid(), 4 => map_valid()].boxed()
}

/// Any sampling value the resolver must reject.
pub fn invalid() -> BoxedStrategy<SamplingValue> {
    prop_oneof![plain_invalid(), map_invalid()].boxed()
}

/// Valid or not.
pub fn any_value() -> BoxedStrategy<SamplingValue> {
    prop_oneof![3 => valid(), 2 => invalid()].boxed()
}
