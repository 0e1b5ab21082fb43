//! The names of IANA Private Enterprise Numbers, as Wireshark shows them (pcapng Custom
//! Blocks carry one): read from the `enterprises.tsv` table Wireshark installs (Debian's
//! `wireshark-common`, which `tshark` brings). Without it every number is `Unknown`.

use std::collections::HashMap;
use std::sync::OnceLock;

/// Where Wireshark's tables are installed.
const DATA_DIRS: [&str; 2] = ["/usr/share/wireshark", "/usr/local/share/wireshark"];

/// The names by number, read once.
fn table() -> &'static HashMap<u32, String> {
    static TABLE: OnceLock<HashMap<u32, String>> = OnceLock::new();
    TABLE.get_or_init(|| {
        DATA_DIRS
            .iter()
            .find_map(|dir| std::fs::read_to_string(format!("{dir}/enterprises.tsv")).ok())
            .map(|text| parse(&text))
            .unwrap_or_default()
    })
}

/// `<number>\t<name>` lines; `#` starts a comment.
fn parse(text: &str) -> HashMap<u32, String> {
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| {
            let (number, name) = l.split_once(['\t', ' '])?;
            Some((number.trim().parse().ok()?, name.trim_start().to_owned()))
        })
        .collect()
}

/// Wireshark's name for Private Enterprise Number `pen`: `Unknown` when it has none.
pub fn name(pen: u32) -> &'static str {
    table().get(&pen).map_or("Unknown", String::as_str)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_names() {
        let t = parse("# comment\n0\tReserved\n2\tIBM (https://w3.ibm.com/standards )\n");
        assert_eq!(
            t.get(&2).map(String::as_str),
            Some("IBM (https://w3.ibm.com/standards )")
        );
        assert_eq!(t.get(&0).map(String::as_str), Some("Reserved"));
        assert_eq!(t.len(), 2);
    }
}
