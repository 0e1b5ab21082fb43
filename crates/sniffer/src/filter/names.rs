//! Names a filter may use where the registry's fields are not enough: the names Wireshark
//! gives a field's values (`ip.proto == TCP`, `eth.type == "IPv4"`, `tcp.flags.syn == Set`),
//! and the filter names of the protocols Wireshark dissects and the tree does not (`dns`).
//!
//! **Value names.** Wireshark 4.0 reads a literal compared with a field first as the field's
//! type; where that fails and the field has value names, it looks the literal up among them,
//! ignoring case, the first name that matches giving the value (`mk_fvalue_from_val_string`
//! in `epan/dfilter/semcheck.c`). A Boolean always has two names (`True` and `False` unless
//! its field names them otherwise: `Set` and `Not set` for the TCP flags); a field whose names
//! are ranges, or units, names no single value. The tables are Wireshark's own, written by
//! `scripts/gen-wireshark-names.sh` into `names_table.rs`.
//!
//! **Other protocols.** Wireshark knows some 3,000 protocols' names; a name of one the tree
//! does not have is still a field to Wireshark, of the protocol type, which is why
//! `ip.proto == igmp` is refused there as two types that do not compare rather than read as
//! `IGMP`'s number. [`known`] gives such a name a field of that type, so that checks run as
//! Wireshark's do; a filter that would test one is then refused ([`not_dissected`]), since
//! no frame here can hold that protocol, where tshark would have dissected it.
//!
//! **Fields the tree does not build.** Wireshark registers some 900 fields under the tree's
//! protocols that the tree never builds (options it does not dissect, expert entries,
//! GeoIP lookups: `tcp.options.mptcp.subtype`, `ip.geoip.country`). [`known`] gives each its
//! Wireshark type, so that a filter naming one is checked as tshark checks it, then refused
//! in the same way. A name under another protocol (`dns.qry.name`) has no type here (Wireshark
//! has some 230,000 fields), and is refused at once, naming its protocol ([`in_other_protocol`]).

use std::sync::OnceLock;

use crate::tree::{Field, Kind};

#[path = "names_table.rs"]
mod table;

/// What Wireshark names a field's values with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Names {
    /// A name for each of some values, in Wireshark's order.
    Values(&'static [(u64, &'static str)]),
    /// A Boolean's names for true and false.
    TrueFalse(&'static str, &'static str),
    /// Names of ranges of values: none names one value.
    Ranges,
    /// A unit after the number (`bytes`): no value's name.
    Units,
}

/// The value `word` names for `field` (a Boolean's `1` or `0`), or tshark's refusal of it,
/// once `word` was not read as the field's type; `None` for a field that has no value
/// names, whose refusal is that of the type.
pub(super) fn value_named(field: &Field, word: &str) -> Option<Result<u64, String>> {
    let names = match (field.kind, table::names(field.abbrev)) {
        (Kind::Bool, None) => Names::TrueFalse("True", "False"),
        (_, names) => names?,
    };
    let not_found = || {
        Err(format!(
            "\"{word}\" cannot be found among the possible values for {}.",
            field.abbrev
        ))
    };
    Some(match names {
        Names::TrueFalse(yes, _) if word.eq_ignore_ascii_case(yes) => Ok(1),
        Names::TrueFalse(_, no) if word.eq_ignore_ascii_case(no) => Ok(0),
        Names::Values(values) => match values.iter().find(|(_, n)| word.eq_ignore_ascii_case(n)) {
            Some(&(value, _)) => Ok(value),
            None => not_found(),
        },
        Names::Ranges => Err(format!(
            "\"{}\" cannot accept [range] strings as values.",
            field.abbrev
        )),
        Names::TrueFalse(..) | Names::Units => not_found(),
    })
}

/// True when a literal compared with `field` may be one of its value names: a Boolean
/// (always two), or a field Wireshark names values of.
pub(super) fn has_names(field: &Field) -> bool {
    field.kind == Kind::Bool || table::names(field.abbrev).is_some()
}

/// The field named `name`: the registry's, else one of Wireshark's other protocols.
pub(super) fn known(name: &str) -> Option<&'static Field> {
    crate::tree::field(name)
        .or_else(|| other_protocol(name))
        .or_else(|| unbuilt(name))
}

/// True for a field [`known`] made for a protocol the tree does not have, or for a field of
/// the tree's protocols that it does not build.
pub(super) fn not_built(field: &Field) -> bool {
    crate::tree::field(field.abbrev).is_none()
        && (table::OTHER_PROTOCOLS.binary_search(&field.abbrev).is_ok()
            || unbuilt(field.abbrev).is_some())
}

/// The refusal of a filter that tests a protocol the tree does not have, or a field it does
/// not build.
pub(super) fn not_dissected(field: &Field) -> String {
    match field.kind {
        Kind::Protocol => format!(
            "\"{}\" is a protocol Wireshark dissects and this program does not.",
            field.abbrev
        ),
        // (Short, to fit an 80-column line with most names.)
        _ => format!(
            "\"{}\" is a field this program does not read.",
            field.abbrev
        ),
    }
}

/// The refusal of `name`, which no field has, when it lies under one of Wireshark's other
/// protocols (`dns.qry.name`): whether or not Wireshark has such a field, none could be
/// found here.
pub(super) fn in_other_protocol(name: &str) -> Option<String> {
    let protocol = name
        .match_indices('.')
        .map(|(at, _)| &name[..at])
        .rev()
        .find(|p| table::OTHER_PROTOCOLS.binary_search(p).is_ok())?;
    Some(format!(
        "\"{name}\" is in {protocol}, a protocol this program does not dissect."
    ))
}

/// A field of [`table::UNBUILT_FIELDS`]: its name is its filter name.
const fn unbuilt_field(abbrev: &'static str, kind: Kind) -> Field {
    Field {
        abbrev,
        name: abbrev,
        kind,
    }
}

fn unbuilt(name: &str) -> Option<&'static Field> {
    let at = table::UNBUILT_FIELDS
        .binary_search_by(|f| f.abbrev.cmp(name))
        .ok()?;
    table::UNBUILT_FIELDS.get(at)
}

fn other_protocol(name: &str) -> Option<&'static Field> {
    static FIELDS: OnceLock<Vec<Field>> = OnceLock::new();
    let at = table::OTHER_PROTOCOLS.binary_search(&name).ok()?;
    let fields = FIELDS.get_or_init(|| {
        table::OTHER_PROTOCOLS
            .iter()
            .map(|&abbrev| Field {
                abbrev,
                name: abbrev,
                kind: Kind::Protocol,
            })
            .collect()
    });
    fields.get(at)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_protocol_names_are_sorted_for_searching() {
        assert!(table::OTHER_PROTOCOLS.windows(2).all(|w| w[0] < w[1]));
        assert!(table::OTHER_PROTOCOLS.len() > 1000);
        assert!(table::OTHER_PROTOCOLS.binary_search(&"tcp").is_err());
    }

    #[test]
    fn names_are_looked_up_regardless_of_case_first_match_first() {
        let proto = crate::tree::field("ip.proto").expect("ip.proto");
        assert_eq!(value_named(proto, "tcp"), Some(Ok(6)));
        assert_eq!(value_named(proto, "UDP"), Some(Ok(17)));
        assert!(
            matches!(value_named(proto, "nothing"), Some(Err(m)) if m.contains("cannot be found"))
        );
        let syn = crate::tree::field("tcp.flags.syn").expect("syn");
        assert_eq!(value_named(syn, "not SET"), Some(Ok(0)));
        assert!(matches!(value_named(syn, "true"), Some(Err(_))));
        let ttl = crate::tree::field("ip.ttl").expect("ttl");
        assert_eq!(value_named(ttl, "TCP"), None);
    }

    /// What `tshark -G what` lists; `None` (the test skipped) where tshark is not installed,
    /// which fails in CI.
    fn tshark_listing(what: &str) -> Option<String> {
        match std::process::Command::new("tshark")
            .args(["-G", what])
            .output()
        {
            Ok(out) => Some(String::from_utf8_lossy(&out.stdout).into_owned()),
            Err(_) => {
                assert!(std::env::var_os("CI").is_none(), "tshark is needed in CI");
                eprintln!("skipped: tshark is not installed");
                None
            }
        }
    }

    /// The tables are those the installed tshark lists (`tshark -G values`), each field's
    /// first (where Wireshark registers several fields under one name, the first is the one
    /// its filters read, as the display-filter tests check on `vlan.priority`).
    #[test]
    fn the_tables_are_the_installed_tsharks() {
        let Some(text) = tshark_listing("values") else {
            return;
        };
        let mut listed: Vec<(&str, &str, Vec<&str>)> = Vec::new();
        let mut values: std::collections::HashMap<&str, Vec<(u64, &str)>> = Default::default();
        let mut closed = std::collections::HashSet::new();
        let mut previous = "";
        for line in text.lines() {
            let cols: Vec<&str> = line.split('\t').collect();
            let (kind, abbrev) = (cols[0], cols.get(1).copied().unwrap_or(""));
            let ours = crate::tree::field(abbrev).is_some() || unbuilt(abbrev).is_some();
            if ours && !closed.contains(abbrev) {
                match (kind, &cols[2..]) {
                    ("V", [value, name]) => {
                        let v = match value.strip_prefix("0x") {
                            Some(hex) => u64::from_str_radix(hex, 16),
                            None => value.parse(),
                        }
                        .expect("a number");
                        let table = values.entry(abbrev).or_default();
                        if previous != abbrev && !table.is_empty()
                            || table.iter().any(|&(w, _)| w == v)
                        {
                            closed.insert(abbrev);
                        } else {
                            table.push((v, name));
                        }
                    }
                    ("T" | "R" | "U", rest) => listed.push((abbrev, kind, rest.to_vec())),
                    _ => {}
                }
            }
            previous = abbrev;
        }
        assert!(values.len() > 40, "{}", values.len());
        for (abbrev, listed) in &values {
            let ours = match table::names(abbrev) {
                Some(Names::Values(ours)) => ours,
                other => panic!("{abbrev}: {other:?}"),
            };
            assert!(ours == listed.as_slice(), "{abbrev}: {ours:?} {listed:?}");
        }
        for (abbrev, kind, rest) in listed {
            match (kind, table::names(abbrev)) {
                ("T", Some(Names::TrueFalse(yes, no))) => assert_eq!(rest, [yes, no]),
                ("R", Some(Names::Ranges)) | ("U", Some(Names::Units)) => {}
                (_, other) => panic!("{abbrev}: {kind} {other:?}"),
            }
        }
    }

    /// The fields not built are those the installed tshark lists (`tshark -G fields`) under
    /// the tree's protocols that the registry does not have, the first registration's type
    /// giving the kind.
    #[test]
    fn the_unbuilt_fields_are_the_installed_tsharks() {
        let Some(text) = tshark_listing("fields") else {
            return;
        };
        let mut listed = std::collections::BTreeMap::new();
        for line in text.lines() {
            let cols: Vec<&str> = line.split('\t').collect();
            let [_, _, abbrev, ftype, parent, ..] = cols[..] else {
                continue;
            };
            if cols[0] == "F"
                && crate::tree::field(parent).is_some()
                && crate::tree::field(abbrev).is_none()
            {
                listed.entry(abbrev).or_insert(ftype);
            }
        }
        assert!(listed.len() > 500, "{}", listed.len());
        let ours: Vec<&str> = table::UNBUILT_FIELDS.iter().map(|f| f.abbrev).collect();
        assert_eq!(ours, listed.keys().copied().collect::<Vec<_>>());
        for (abbrev, ftype) in listed {
            let kind = unbuilt(abbrev).map(|f| f.kind);
            let uint = |bits: u8| Kind::UInt(bits, crate::tree::Base::Dec);
            let expected = match ftype {
                "FT_CHAR" | "FT_UINT8" => uint(8),
                "FT_UINT16" => uint(16),
                "FT_UINT24" => uint(24),
                "FT_UINT32" => uint(32),
                "FT_UINT40" => uint(40),
                "FT_UINT48" => uint(48),
                "FT_UINT56" => uint(56),
                "FT_UINT64" => uint(64),
                t if t.starts_with("FT_INT") => Kind::Int,
                "FT_BOOLEAN" => Kind::Bool,
                "FT_IPv4" => Kind::Ipv4,
                "FT_IPv6" => Kind::Ipv6,
                "FT_ETHER" => Kind::Ether,
                "FT_NONE" => Kind::Text,
                "FT_PROTOCOL" => Kind::Protocol,
                "FT_ABSOLUTE_TIME" => Kind::AbsTime,
                "FT_RELATIVE_TIME" => Kind::RelTime,
                "FT_FRAMENUM" => Kind::FrameNum,
                "FT_DOUBLE" | "FT_FLOAT" => Kind::Double,
                t if t.starts_with("FT_STRING") || t == "FT_UINT_STRING" => Kind::Str,
                _ => Kind::Bytes,
            };
            assert_eq!(kind, Some(expected), "{abbrev} {ftype}");
        }
    }

    /// The other protocols are those the installed tshark lists (`tshark -G protocols`) that
    /// the registry does not have.
    #[test]
    fn the_other_protocols_are_the_installed_tsharks() {
        let Some(text) = tshark_listing("protocols") else {
            return;
        };
        let mut listed: Vec<&str> = text
            .lines()
            .filter_map(|l| l.split('\t').nth(2))
            .filter(|name| crate::tree::field(name).is_none())
            .collect();
        listed.sort_unstable();
        listed.dedup();
        assert_eq!(table::OTHER_PROTOCOLS, listed.as_slice());
    }

    #[test]
    fn other_protocols_are_fields_of_the_protocol_type() {
        let dns = known("dns").expect("dns");
        assert_eq!((dns.abbrev, dns.kind), ("dns", Kind::Protocol));
        assert!(not_built(dns));
        assert!(!not_built(known("tcp").expect("tcp")));
        assert!(known("no.such.protocol").is_none());
    }
}
