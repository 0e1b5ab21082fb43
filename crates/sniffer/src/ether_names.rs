//! Names for Ethernet addresses, as Wireshark shows them in the Source and Destination
//! columns of frames without IP addresses (ARP, for one).
//!
//! Wireshark names an address from two tables it installs: `wka` (well-known addresses:
//! `Broadcast`, `LLDP_Multicast`, `IPv4mcast_…`) and `manuf` (the IEEE's vendor prefixes:
//! `IntelCor_12:34:56`). When those files are installed (Debian's `wireshark-common`, which
//! `tshark` brings), this module reads them and names addresses the same way; otherwise it
//! knows only `Broadcast` and prints the other addresses as `02:00:00:00:00:01`.
//!
//! The rules, checked against tshark 4.0: an exact well-known address is its name; else the
//! longest *n* for which the address's first *n* bits, the rest cleared, equal a well-known
//! prefix's masked address (of any length) gives that prefix's name, `_`, and the bytes after
//! the *n* bits (those bits cleared) without leading zero bytes; else a vendor prefix (24, 28
//! or 36 bits) is its name, `_`, and every byte after the prefix's whole bytes.

use std::collections::HashMap;
use std::path::Path;
use std::sync::OnceLock;

/// Where Wireshark's tables are installed.
const DATA_DIRS: [&str; 2] = ["/usr/share/wireshark", "/usr/local/share/wireshark"];

/// Where a name lies in [`EtherNames`]'s text.
#[derive(Debug, Clone, Copy)]
struct Span {
    start: u32,
    len: u32,
}

/// A map hashed with foldhash: the tables hold 50,000 entries, made at every start.
type Map<K> = HashMap<K, Span, foldhash::fast::RandomState>;

/// Prefixes indexed by length: for each length (longest first), the masked addresses.
/// A lookup is then one hash probe per distinct length, not a scan of 50,000 entries.
#[derive(Debug, Default)]
struct PrefixTable {
    by_len: Vec<(u32, Map<[u8; 6]>)>,
}

impl PrefixTable {
    fn insert(&mut self, masked: [u8; 6], bits: u32, name: Span) {
        match self.by_len.iter_mut().find(|(b, _)| *b == bits) {
            Some((_, map)) => {
                map.entry(masked).or_insert(name);
            }
            None => {
                let mut map = Map::default();
                map.insert(masked, name);
                self.by_len.push((bits, map));
                self.by_len
                    .sort_by_key(|(bits, _)| std::cmp::Reverse(*bits));
            }
        }
    }

    /// The longest prefix matching `addr`: its length and name.
    fn lookup(&self, addr: [u8; 6]) -> Option<(u32, Span)> {
        self.by_len
            .iter()
            .find_map(|(bits, map)| map.get(&mask(addr, *bits)).map(|n| (*bits, *n)))
    }
}

/// The loaded tables. The names are kept in one text (the files' own, read once), and the
/// tables say where each lies in it: reading them is then one allocation, not 100,000.
#[derive(Debug, Default)]
pub struct EtherNames {
    text: String,
    exact: Map<[u8; 6]>,
    /// Well-known prefixes, all in one table keyed by the masked address, whatever their
    /// length (see [`EtherNames::name`]).
    wka_prefixes: Map<[u8; 6]>,
    /// Vendor prefixes (24, 28 and 36 bits).
    manuf: PrefixTable,
    /// The long names of the 24-bit vendor prefixes, keyed by the prefix.
    oui_long: Map<u32>,
}

fn mask(addr: [u8; 6], bits: u32) -> [u8; 6] {
    let mut out = [0u8; 6];
    for (i, byte) in addr.iter().enumerate() {
        let start = i as u32 * 8;
        out[i] = if start + 8 <= bits {
            *byte
        } else if start >= bits {
            0
        } else {
            byte & (0xffu8 << (8 - (bits - start)))
        };
    }
    out
}

/// Parses `00:1B:21`, `01-80-C2-00-00-00/44` and the like: the address bytes and the prefix
/// length (all given bytes when no `/n`). Byte by byte: 50,000 lines are read at each start.
fn parse_prefix(text: &str) -> Option<([u8; 6], u32)> {
    let (addr, bits) = match text.split_once('/') {
        Some((a, b)) => (a, Some(b.parse::<u32>().ok()?)),
        None => (text, None),
    };
    let mut out = [0u8; 6];
    let mut n = 0;
    let mut digits = 0;
    for &c in addr.as_bytes() {
        let value = match c {
            b'0'..=b'9' => c - b'0',
            b'a'..=b'f' => c - b'a' + 10,
            b'A'..=b'F' => c - b'A' + 10,
            b':' | b'-' | b'.' if digits > 0 => {
                n += 1;
                digits = 0;
                continue;
            }
            _ => return None,
        };
        if n == 6 || digits == 2 {
            return None;
        }
        out[n] = out[n] << 4 | value;
        digits += 1;
    }
    if digits == 0 {
        return None;
    }
    n += 1;
    let bits = bits.unwrap_or(n as u32 * 8).min(48);
    Some((mask(out, bits), bits))
}

/// One line of a table: the masked address, the prefix length, and where the name and the
/// long name (if any) lie in `text`.
type Entry = ([u8; 6], u32, Span, Option<Span>);

/// The entries of one table, read from `text[base..]`: lines of tab-separated fields, the
/// address, the name and the long name, `#` starting a comment line.
fn entries(text: &str, base: usize) -> impl Iterator<Item = Entry> + '_ {
    let span = move |field: &str| Span {
        start: u32::try_from(field.as_ptr() as usize - text.as_ptr() as usize).unwrap_or(0),
        len: u32::try_from(field.len()).unwrap_or(0),
    };
    text[base..]
        .split('\n')
        .filter(|l| !l.starts_with('#'))
        .filter_map(move |l| {
            let mut fields = l.split('\t').filter(|f| !f.is_empty());
            let (addr, bits) = parse_prefix(fields.next()?.trim())?;
            let name = span(fields.next()?.trim());
            let long = fields.next().map(|f| span(f.trim()));
            Some((addr, bits, name, long))
        })
}

impl EtherNames {
    /// The tables of the installed Wireshark, read once.
    pub fn installed() -> &'static EtherNames {
        static NAMES: OnceLock<EtherNames> = OnceLock::new();
        NAMES.get_or_init(|| {
            let dir = DATA_DIRS
                .iter()
                .map(Path::new)
                .find(|d| d.join("manuf").exists());
            let read = |file: &str| {
                dir.and_then(|d| std::fs::read_to_string(d.join(file)).ok())
                    .unwrap_or_default()
            };
            EtherNames::from_tables(&read("wka"), &read("manuf"))
        })
    }

    /// Builds the tables from the text of `wka` and `manuf` files.
    pub fn from_tables(wka: &str, manuf: &str) -> EtherNames {
        const BROADCAST: &str = "Broadcast";
        let text = format!("{BROADCAST}\n{wka}\n{manuf}");
        let wka_at = BROADCAST.len() + 1;
        let manuf_at = wka_at + wka.len() + 1;
        let mut names = EtherNames::default();
        names.exact.insert(
            [0xff; 6],
            Span {
                start: 0,
                len: BROADCAST.len() as u32,
            },
        );
        for (addr, bits, name, _) in entries(&text[..manuf_at], wka_at) {
            if bits == 48 {
                names.exact.insert(addr, name);
            } else {
                names.wka_prefixes.entry(addr).or_insert(name);
            }
        }
        names.oui_long.reserve(manuf.len() / 48);
        for (addr, bits, name, long) in entries(&text, manuf_at) {
            if bits == 24 {
                let key = u32::from_be_bytes([0, addr[0], addr[1], addr[2]]);
                // As Wireshark's table, the last entry for a prefix wins.
                names.oui_long.insert(key, long.unwrap_or(name));
            }
            names.manuf.insert(addr, bits, name);
        }
        names.text = text;
        names
    }

    fn at(&self, span: Span) -> &str {
        let start = span.start as usize;
        self.text
            .get(start..start + span.len as usize)
            .unwrap_or_default()
    }

    /// The long name of the vendor whose 24-bit prefix begins `addr`, if `manuf` has one
    /// (the hidden `eth.src.oui_resolved`): no group bit is cleared, and 28- and 36-bit
    /// blocks are not looked at.
    pub fn oui_long_name(&self, addr: [u8; 6]) -> Option<&str> {
        let key = u32::from_be_bytes([0, addr[0], addr[1], addr[2]]);
        self.oui_long.get(&key).map(|s| self.at(*s))
    }

    /// The name Wireshark shows for `addr`.
    pub fn name(&self, addr: [u8; 6]) -> String {
        if let Some(name) = self.exact.get(&addr) {
            return self.at(*name).to_owned();
        }
        let hex = |bytes: &[u8]| {
            bytes
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect::<Vec<_>>()
                .join(":")
        };
        // The bytes after a prefix of `bits`, with the prefix's bits cleared.
        let rest = |bits: u32| -> Vec<u8> {
            let first = (bits / 8) as usize;
            let mut bytes = addr[first.min(6)..].to_vec();
            if let Some(b) = bytes.first_mut() {
                *b &= 0xffu8.checked_shr(bits % 8).unwrap_or(0);
            }
            bytes
        };
        // Every prefix length from the longest, each looked up among all well-known prefixes:
        // as in Wireshark 4.0, an address whose shorter prefix equals a longer entry's masked
        // address takes that name (01:80:c2:00:01:21 is `Spanning-tree-(for-bridges)_01:21`
        // by the /44 entry 01:80:c2:00:00:00), its suffix taken after the length tried.
        let wka = (1..48).rev().find_map(|bits| {
            self.wka_prefixes
                .get(&mask(addr, bits))
                .map(|name| (bits, self.at(*name)))
        });
        if let Some((bits, name)) = wka {
            let bytes = rest(bits);
            let leading = bytes.iter().take_while(|b| **b == 0).count();
            let keep = &bytes[leading.min(bytes.len().saturating_sub(1))..];
            return format!("{name}_{}", hex(keep));
        }
        // A group address not named otherwise takes its vendor's name, the group bit cleared
        // (01:1b:19:00:00:00, PTP's, is `IEEEI&MS_00:00:00`).
        let unicast = {
            let mut a = addr;
            a[0] &= 0xfe;
            a
        };
        if let Some((bits, name)) = self
            .manuf
            .lookup(addr)
            .or_else(|| self.manuf.lookup(unicast))
        {
            return format!("{}_{}", self.at(name), hex(&rest(bits)));
        }
        hex(&addr)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    static WKA: &str = "01-00-5E/25\t\tIPv4mcast\n01-80-C2-00-00-0E\tLLDP_Multicast\n\
        09-00-2B-00-00-10/44\tDEC-Experimental\n33-33-00-00-00-00/16\tIPv6mcast\n";
    static MANUF: &str =
        "00:00:00\t00:00:00\tOfficially Xerox\n00:1B:21\tIntelCor\tIntel Corporate\n\
        00:55:DA:10:00:00/28\tKoolPOS\tKoolPOS Inc.\n00:1B:C5:00:10:00/36\tOpenRBco\tOpenRB.com\n\
        00:1B:19\tIEEEI&MS\tIEEE I&M Society TC9\n";

    #[test]
    fn names_as_tshark_shows_them() {
        let n = EtherNames::from_tables(WKA, MANUF);
        let at = |s: &str| {
            let (a, _) = parse_prefix(s).expect("address");
            n.name(a)
        };
        assert_eq!(at("ff:ff:ff:ff:ff:ff"), "Broadcast");
        assert_eq!(at("01:80:c2:00:00:0e"), "LLDP_Multicast");
        assert_eq!(at("01:00:5e:7f:00:01"), "IPv4mcast_7f:00:01");
        assert_eq!(at("01:00:5e:00:00:01"), "IPv4mcast_01");
        assert_eq!(at("01:00:5e:00:00:00"), "IPv4mcast_00");
        assert_eq!(at("33:33:ff:00:00:01"), "IPv6mcast_ff:00:00:01");
        assert_eq!(at("09:00:2b:00:00:12"), "DEC-Experimental_02");
        assert_eq!(at("00:1b:21:12:34:56"), "IntelCor_12:34:56");
        assert_eq!(at("00:55:da:12:34:56"), "KoolPOS_02:34:56");
        assert_eq!(at("00:1b:c5:00:12:34"), "OpenRBco_02:34");
        assert_eq!(at("00:00:00:00:00:00"), "00:00:00_00:00:00");
        assert_eq!(at("0a:00:00:00:00:01"), "0a:00:00:00:00:01");
        // A group address with no name of its own: its vendor's, the group bit cleared.
        assert_eq!(at("01:1b:19:00:00:00"), "IEEEI&MS_00:00:00");
        assert_eq!(at("01:1b:21:00:00:01"), "IntelCor_00:00:01");
    }

    #[test]
    fn without_tables_only_broadcast_has_a_name() {
        let n = EtherNames::from_tables("", "");
        assert_eq!(n.name([0xff; 6]), "Broadcast");
        assert_eq!(n.name([0x00, 0x1b, 0x21, 1, 2, 3]), "00:1b:21:01:02:03");
    }
}
