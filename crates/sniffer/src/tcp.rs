//! TCP wire values as types: flags, options and sequence-number arithmetic.
//!
//! The header layout itself is read by `etherparse` in [`crate::decode`]; this module gives the
//! values meaning. Everything here is plain data: parsing options never fails, it records what
//! it could read and stops where the bytes stop making sense (see [`TcpOptions::malformed`]).

use std::fmt;

use serde::Serialize;

/// The TCP control bits, as in the header's flags octet plus the NS/AE bit (RFC 3540/9768).
///
/// Displays as Wireshark does in its Info column: names in bit order, joined by `, `
/// (`SYN, ACK`), `<None>` when no bit is set.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct TcpFlags(u16);

impl TcpFlags {
    pub const FIN: TcpFlags = TcpFlags(0x001);
    pub const SYN: TcpFlags = TcpFlags(0x002);
    pub const RST: TcpFlags = TcpFlags(0x004);
    pub const PSH: TcpFlags = TcpFlags(0x008);
    pub const ACK: TcpFlags = TcpFlags(0x010);
    pub const URG: TcpFlags = TcpFlags(0x020);
    pub const ECE: TcpFlags = TcpFlags(0x040);
    pub const CWR: TcpFlags = TcpFlags(0x080);
    /// The former ECN-nonce bit (RFC 3540), now AE (Accurate ECN); Wireshark 4.0 prints AE.
    pub const NS: TcpFlags = TcpFlags(0x100);
    /// The three bits still reserved in the 12-bit flags field.
    pub const RESERVED: TcpFlags = TcpFlags(0xe00);

    /// Names in the order Wireshark prints them.
    const NAMES: [(TcpFlags, &'static str); 9] = [
        (TcpFlags::FIN, "FIN"),
        (TcpFlags::SYN, "SYN"),
        (TcpFlags::RST, "RST"),
        (TcpFlags::PSH, "PSH"),
        (TcpFlags::ACK, "ACK"),
        (TcpFlags::URG, "URG"),
        (TcpFlags::ECE, "ECE"),
        (TcpFlags::CWR, "CWR"),
        (TcpFlags::NS, "AE"),
    ];

    /// Builds flags from the 12 bits that follow the data offset in the header
    /// (`reserved(3) | NS | CWR | ECE | URG | ACK | PSH | RST | SYN | FIN`).
    pub fn from_bits(bits: u16) -> TcpFlags {
        TcpFlags(bits & 0x0fff)
    }

    /// The 12 raw bits.
    pub fn bits(self) -> u16 {
        self.0
    }

    /// True when every bit of `other` is set.
    pub fn contains(self, other: TcpFlags) -> bool {
        self.0 & other.0 == other.0 && other.0 != 0
    }

    /// True when any bit of `other` is set.
    pub fn intersects(self, other: TcpFlags) -> bool {
        self.0 & other.0 != 0
    }

    /// The names of the set bits, in Wireshark's order (`Reserved` last, if any).
    pub fn names(self) -> Vec<&'static str> {
        let mut names: Vec<&'static str> = Self::NAMES
            .iter()
            .filter(|(flag, _)| self.contains(*flag))
            .map(|(_, name)| *name)
            .collect();
        if self.intersects(TcpFlags::RESERVED) {
            names.push("Reserved");
        }
        names
    }
}

impl TcpFlags {
    /// Appends the names as [`fmt::Display`] writes them, without allocating a list.
    pub fn push_names(self, out: &mut String) {
        let mut first = true;
        let mut add = |name: &str| {
            if !first {
                out.push_str(", ");
            }
            out.push_str(name);
            first = false;
        };
        for (flag, name) in Self::NAMES {
            if self.contains(flag) {
                add(name);
            }
        }
        if self.intersects(TcpFlags::RESERVED) {
            add("Reserved");
        }
        if first {
            out.push_str("<None>");
        }
    }
}

impl TcpFlags {
    /// Appends the names as Wireshark shows them once Accurate ECN is in use: FIN to URG by
    /// name, then the ECE, CWR and AE bits as one counter (`ACE=n`, AE the high bit), then
    /// `Reserved`.
    pub fn push_names_with_ace(self, out: &mut String) {
        for (flag, name) in &Self::NAMES[..6] {
            if self.contains(*flag) {
                out.push_str(name);
                out.push_str(", ");
            }
        }
        let ace = u16::from(self.contains(TcpFlags::ECE))
            | u16::from(self.contains(TcpFlags::CWR)) << 1
            | u16::from(self.contains(TcpFlags::NS)) << 2;
        out.push_str("ACE=");
        out.push(char::from(b'0' + ace as u8));
        if self.intersects(TcpFlags::RESERVED) {
            out.push_str(", Reserved");
        }
    }
}

impl std::ops::BitOr for TcpFlags {
    type Output = TcpFlags;
    fn bitor(self, rhs: TcpFlags) -> TcpFlags {
        TcpFlags(self.0 | rhs.0)
    }
}

impl fmt::Display for TcpFlags {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names = self.names();
        if names.is_empty() {
            f.write_str("<None>")
        } else {
            f.write_str(&names.join(", "))
        }
    }
}

impl Serialize for TcpFlags {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.names())
    }
}

/// Option kinds (IANA "TCP Option Kind Numbers").
pub(crate) mod kind {
    pub const EOL: u8 = 0;
    pub const NOP: u8 = 1;
    pub const MSS: u8 = 2;
    pub const WINDOW_SCALE: u8 = 3;
    pub const SACK_PERMITTED: u8 = 4;
    pub const SACK: u8 = 5;
    pub const TIMESTAMP: u8 = 8;
    /// Echo and Echo Reply (RFC 1072, obsolete).
    pub const ECHO: u8 = 6;
    pub const ECHO_REPLY: u8 = 7;
    /// Quick-Start Response (RFC 4782).
    pub const QUICK_START: u8 = 27;
    /// User Timeout (RFC 5482).
    pub const USER_TIMEOUT: u8 = 28;
    /// TCP MD5 signature (RFC 2385).
    pub const MD5: u8 = 19;
    /// TCP Authentication Option (RFC 5925).
    pub const AUTHENTICATION: u8 = 29;
    pub const FAST_OPEN: u8 = 34;
    /// Accurate ECN counters, in two orders (RFC 9768, kinds 172 and 174).
    pub const ACC_ECN_0: u8 = 172;
    pub const ACC_ECN_1: u8 = 174;
    /// Experimental options (RFC 4727), shared through a 16-bit ExID (RFC 6994).
    pub const EXPERIMENT_1: u8 = 253;
    pub const EXPERIMENT_2: u8 = 254;
    /// The experiment identifier of TCP Fast Open before it had its kind (RFC 7413 §4.1.1).
    pub const FAST_OPEN_EXID: u16 = 0xf989;
}

/// Wireshark's text for a Quick-Start rate code.
pub fn quick_start_rate(rate: u8) -> &'static str {
    const RATES: [&str; 16] = [
        "0 bit/s",
        "80 Kbit/s",
        "160 Kbit/s",
        "320 Kbit/s",
        "640 Kbit/s",
        "1.28 Mbit/s",
        "2.56 Mbit/s",
        "5.12 Mbit/s",
        "10.24 Mbit/s",
        "20.48 Mbit/s",
        "40.96 Mbit/s",
        "81.92 Mbit/s",
        "163.84 Mbit/s",
        "327.68 Mbit/s",
        "655.36 Mbit/s",
        "1.31072 Gbit/s",
    ];
    RATES[usize::from(rate & 0x0f)]
}

/// The largest shift RFC 7323 allows; larger values are treated as 14, as receivers do.
pub const MAX_WINDOW_SHIFT: u8 = 14;

/// One TCP option as read from the header.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "option", rename_all = "snake_case")]
pub enum TcpOption {
    /// Maximum segment size the sender can receive.
    Mss { value: u16 },
    /// Window scale: the sender's receive windows are to be shifted left by `shift`.
    WindowScale { shift: u8 },
    /// The sender understands selective acknowledgments.
    SackPermitted,
    /// Selective acknowledgment blocks: `(left edge, right edge)`, raw sequence numbers of the
    /// *peer's* data that arrived.
    Sack { blocks: Vec<(u32, u32)> },
    /// Timestamps (RFC 7323): the sender's clock and the echo of the peer's.
    Timestamp { value: u32, echo: u32 },
    /// TCP Fast Open: a cookie request (empty) or a cookie; also in its experimental form
    /// (kind 254 with experiment identifier 0xF989).
    FastOpen { cookie: Vec<u8> },
    /// TCP MD5 signature (RFC 2385).
    Md5Signature,
    /// Echo or Echo Reply (RFC 1072): the echoed value.
    Echo { value: u32 },
    /// Quick-Start (RFC 4782): the rate request's 4-bit code.
    QuickStart { rate: u8 },
    /// User Timeout (RFC 5482): the timeout, without its granularity bit.
    UserTimeout { value: u16 },
    /// TCP Authentication Option (RFC 5925).
    Authentication,
    /// Accurate ECN byte counters (RFC 9768): kind 172 carries EE0B, ECEB, EE1B in that order,
    /// kind 174 EE1B, ECEB, EE0B; an option may carry the first zero to three of them.
    AccEcn { kind: u8, counters: Vec<u32> },
    /// An experimental option (kind 253 or 254) with its experiment identifier.
    Experimental { exid: u16 },
    /// Any other option, kept by kind and length so nothing is silently lost.
    Unknown { kind: u8, len: u8 },
}

/// The options of one segment, in wire order (NOP and EOL are padding and are not kept).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct TcpOptions {
    pub list: Vec<TcpOption>,
    /// Set when an option's length byte was missing, below 2 or ran past the header: parsing
    /// stopped there, and `list` holds the options before it.
    pub malformed: bool,
    /// Set when Wireshark's reading of an option fails outright (a SACK option too short for
    /// one block): `[Malformed Packet]` after the options before it, and no analysis tags.
    pub exception: bool,
    /// The capture cut them, but only in bytes Wireshark's packet list does not read (an MD5
    /// digest, the data of an option it does not read or whose length is wrong): the list shows the segment as if whole (see
    /// [`TcpOptions::list_reading_of_cut`]); its details still stop at the cut.
    #[serde(skip)]
    pub cut_unread: bool,
}

/// The bytes of an option with a right length that Wireshark's packet list reads (kind and
/// length included): the values its Info shows. Others it names without reading more.
fn list_reads(kind: u8, len: usize) -> usize {
    match (kind, len) {
        (kind::MSS, 4) | (kind::USER_TIMEOUT, 4) => 4,
        (kind::WINDOW_SCALE, 3) => 3,
        (kind::TIMESTAMP, 10) => 10,
        (kind::ECHO | kind::ECHO_REPLY, 6) => 6,
        // The rate, then the TTL; the nonce is not read.
        (kind::QUICK_START, 8) => 4,
        // The experiment's identifier (and a Fast Open cookie, below).
        (kind::EXPERIMENT_1 | kind::EXPERIMENT_2, 4..) => 4,
        // A Fast Open cookie is read whole.
        (kind::FAST_OPEN, _) => len,
        // Read block by block, or value by value, to the option's end.
        (kind::SACK | kind::AUTHENTICATION | kind::ACC_ECN_0 | kind::ACC_ECN_1, _) => len,
        // A kind no dissector of Wireshark's takes: its data is read.
        (2..=8 | 11..=13 | 19..=23 | 27..=30 | 76 | 78 | 253 | 254, _) => 2,
        _ => len,
    }
}

impl TcpOptions {
    /// Parses the option bytes that follow the fixed 20-byte header.
    pub fn parse(mut bytes: &[u8]) -> TcpOptions {
        let mut out = TcpOptions::default();
        while let Some((&kind, rest)) = bytes.split_first() {
            match kind {
                kind::EOL => break,
                kind::NOP => {
                    bytes = rest;
                    continue;
                }
                _ => {}
            }
            let Some(&len) = rest.first() else {
                out.malformed = true;
                break;
            };
            if len < 2 || usize::from(len) > bytes.len() {
                out.malformed = true;
                break;
            }
            let body = &bytes[2..usize::from(len)];
            let option = match (kind, body) {
                (kind::MSS, &[a, b]) => TcpOption::Mss {
                    value: u16::from_be_bytes([a, b]),
                },
                (kind::WINDOW_SCALE, &[shift]) => TcpOption::WindowScale { shift },
                // Wireshark names it whatever its length (and notes a wrong one).
                (kind::SACK_PERMITTED, _) => TcpOption::SackPermitted,
                // Whole blocks; bytes after the last are noted, not read.
                (kind::SACK, body) if body.len() >= 8 => TcpOption::Sack {
                    blocks: body
                        .chunks_exact(8)
                        .map(|c| (be32(&c[..4]), be32(&c[4..])))
                        .collect(),
                },
                (kind::SACK, _) => {
                    out.exception = true;
                    break;
                }
                (kind::ECHO | kind::ECHO_REPLY, body) if body.len() == 4 => {
                    TcpOption::Echo { value: be32(body) }
                }
                (kind::QUICK_START, body) if body.len() == 6 => TcpOption::QuickStart {
                    rate: body[0] & 0x0f,
                },
                (kind::USER_TIMEOUT, &[a, b]) => TcpOption::UserTimeout {
                    value: u16::from_be_bytes([a, b]) & 0x7fff,
                },
                (kind::TIMESTAMP, body) if body.len() == 8 => TcpOption::Timestamp {
                    value: be32(&body[..4]),
                    echo: be32(&body[4..]),
                },
                (kind::FAST_OPEN, cookie) => TcpOption::FastOpen {
                    cookie: cookie.to_vec(),
                },
                (kind::MD5, _) => TcpOption::Md5Signature,
                (kind::AUTHENTICATION, body) if !body.is_empty() => TcpOption::Authentication,
                (kind::ACC_ECN_0 | kind::ACC_ECN_1, body)
                    if body.len() % 3 == 0 && body.len() <= 9 =>
                {
                    TcpOption::AccEcn {
                        kind,
                        counters: body
                            .chunks_exact(3)
                            .map(|c| u32::from_be_bytes([0, c[0], c[1], c[2]]))
                            .collect(),
                    }
                }
                (kind::EXPERIMENT_1 | kind::EXPERIMENT_2, &[a, b, ref cookie @ ..]) => {
                    match u16::from_be_bytes([a, b]) {
                        kind::FAST_OPEN_EXID => TcpOption::FastOpen {
                            cookie: cookie.to_vec(),
                        },
                        exid => TcpOption::Experimental { exid },
                    }
                }
                (kind, _) => TcpOption::Unknown { kind, len },
            };
            out.list.push(option);
            bytes = &bytes[usize::from(len)..];
        }
        out
    }

    /// How Wireshark's packet list, which builds no details, reads options the capture cut
    /// (`kept` of the header's `len` bytes of options): each option's kind and length (and
    /// each byte of padding), then only the values its Info shows ([`list_reads`]). Whether that reading runs past what
    /// was kept (Wireshark then stops: `[Packet size limited during capture]`, no analysis
    /// tags), and the option the capture cut if Wireshark named it before stopping or
    /// without reading it (an MD5 signature, an experiment's identifier, a Quick-Start rate).
    pub fn list_reading_of_cut(kept: &[u8], len: usize) -> (bool, Option<TcpOption>) {
        let mut at = 0;
        while at < len {
            let Some(&kind) = kept.get(at) else {
                return (true, None);
            };
            // (Wireshark reads on after an end of list, byte by byte.)
            if matches!(kind, kind::EOL | kind::NOP) {
                at += 1;
                continue;
            }
            // A length byte past the options, below 2 or running past them is noted, not read.
            if at + 1 >= len {
                return (false, None);
            }
            let Some(&olen) = kept.get(at + 1) else {
                return (true, None);
            };
            let olen = usize::from(olen);
            if olen < 2 {
                return (false, None);
            }
            // An option running past the others is noted after the rest is read.
            if at + olen > len {
                return (len > kept.len(), None);
            }
            if at + olen <= kept.len() {
                at += olen;
                continue;
            }
            // The option the capture cut.
            let body = &kept[at + 2..];
            let named = match kind {
                kind::MD5 => Some(TcpOption::Md5Signature),
                kind::QUICK_START if olen == 8 => body
                    .first()
                    .map(|rate| TcpOption::QuickStart { rate: rate & 0x0f }),
                // (A Fast Open cookie is read before it is named.)
                kind::EXPERIMENT_1 | kind::EXPERIMENT_2 => match body {
                    [a, b, ..] => match u16::from_be_bytes([*a, *b]) {
                        kind::FAST_OPEN_EXID => None,
                        exid => Some(TcpOption::Experimental { exid }),
                    },
                    _ => None,
                },
                kind::SACK_PERMITTED => Some(TcpOption::SackPermitted),
                _ => None,
            };
            let fast_open_exid = matches!(kind, kind::EXPERIMENT_1 | kind::EXPERIMENT_2)
                && body.get(..2) == Some(&kind::FAST_OPEN_EXID.to_be_bytes()[..]);
            let reads = if fast_open_exid {
                olen
            } else {
                list_reads(kind, olen)
            };
            if at + reads > kept.len() {
                return (true, named);
            }
            // Read as far as the list needs; the next option's kind was not captured.
            return (at + olen < len, named);
        }
        (false, None)
    }

    /// The kind and length of the option that runs past `bytes` (the options the capture
    /// kept of a header it cut), if one does.
    pub fn cut_option(bytes: &[u8]) -> Option<(u8, u8)> {
        match Self::cut_option_bytes(bytes)? {
            [kind, len, ..] => Some((*kind, *len)),
            _ => None,
        }
    }

    /// The bytes the capture kept of the option that runs past `bytes`, from its kind on, if
    /// one does (see [`TcpOptions::cut_option`]).
    pub fn cut_option_bytes(mut bytes: &[u8]) -> Option<&[u8]> {
        while let Some((&kind, rest)) = bytes.split_first() {
            match kind {
                kind::EOL => return None,
                kind::NOP => bytes = rest,
                _ => {
                    let len = usize::from(*rest.first()?);
                    if len < 2 {
                        return None;
                    }
                    if len > bytes.len() {
                        return Some(bytes);
                    }
                    bytes = &bytes[len..];
                }
            }
        }
        None
    }

    /// True when an Accurate ECN option is among them.
    pub fn has_acc_ecn(&self) -> bool {
        self.list
            .iter()
            .any(|o| matches!(o, TcpOption::AccEcn { .. }))
    }

    /// The window-scale shift announced in this segment, if any.
    pub fn window_shift(&self) -> Option<u8> {
        self.list.iter().find_map(|o| match o {
            TcpOption::WindowScale { shift } => Some(*shift),
            _ => None,
        })
    }
}

fn be32(b: &[u8]) -> u32 {
    let mut word = [0u8; 4];
    word.copy_from_slice(&b[..4]);
    u32::from_be_bytes(word)
}

/// A 32-bit TCP sequence (or acknowledgment) number, compared modulo 2^32 (RFC 9293 §3.4).
///
/// All wrapping arithmetic of the crate lives here.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct SeqNum(pub u32);

impl SeqNum {
    /// What Wireshark's sequence analysis stores for "not seen yet". A real sequence number
    /// 0 reads as unset too: Wireshark accepts that ambiguity, and printing what it prints
    /// means accepting it as well (see [`crate::flow`]'s analysis).
    pub const UNSET: SeqNum = SeqNum(0);

    /// False for [`SeqNum::UNSET`].
    pub fn is_set(self) -> bool {
        self != SeqNum::UNSET
    }

    /// `self + n`, wrapping at 2^32.
    pub fn plus(self, n: u32) -> SeqNum {
        SeqNum(self.0.wrapping_add(n))
    }

    /// `self - n`, wrapping at 0.
    pub fn back(self, n: u32) -> SeqNum {
        SeqNum(self.0.wrapping_sub(n))
    }

    /// `self - base`, wrapping: the relative number Wireshark shows.
    pub fn minus(self, base: SeqNum) -> u32 {
        self.0.wrapping_sub(base.0)
    }

    /// True when `self` comes after `other` in sequence space (within half the space).
    pub fn after(self, other: SeqNum) -> bool {
        (self.0.wrapping_sub(other.0) as i32) > 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_list_reads_of_cut_options_only_what_info_shows() {
        // A SYN's options cut inside its timestamps: the list stops there.
        assert_eq!(
            TcpOptions::list_reading_of_cut(&LINUX_SYN_OPTIONS[..10], 20),
            (true, None)
        );
        // An MD5 signature is named, its digest not read: cut inside it, nothing stops.
        let md5 = [19, 18, 0, 0, 0, 0];
        assert_eq!(
            TcpOptions::list_reading_of_cut(&md5, 18),
            (false, Some(TcpOption::Md5Signature))
        );
        // The same with padding after it: the padding's first byte is read, and was cut.
        assert_eq!(
            TcpOptions::list_reading_of_cut(&md5, 20),
            (true, Some(TcpOption::Md5Signature))
        );
        // Quick-Start: named once its rate is read, stopped by its TTL.
        assert_eq!(
            TcpOptions::list_reading_of_cut(&[27, 8, 0x03], 8),
            (true, Some(TcpOption::QuickStart { rate: 3 }))
        );
        assert_eq!(
            TcpOptions::list_reading_of_cut(&[27, 8, 0x03, 2], 8),
            (false, Some(TcpOption::QuickStart { rate: 3 }))
        );
        // A wrong length is noted without reading the value; a kind no dissector takes has
        // its data read.
        assert_eq!(TcpOptions::list_reading_of_cut(&[3, 4], 4), (false, None));
        assert_eq!(TcpOptions::list_reading_of_cut(&[99, 4], 4), (true, None));
        // A Fast Open cookie is read before it is named.
        assert_eq!(
            TcpOptions::list_reading_of_cut(&[34, 6, 1], 8),
            (true, None)
        );
    }

    /// The options of a Linux loopback SYN: MSS, SACK_PERM, TS, NOP, WS.
    static LINUX_SYN_OPTIONS: &[u8] = &[
        0x02, 0x04, 0xff, 0xd7, // MSS 65495
        0x04, 0x02, // SACK permitted
        0x08, 0x0a, 0xce, 0xc6, 0x7e, 0x4e, 0x00, 0x00, 0x00, 0x00, // TSval, TSecr=0
        0x01, // NOP
        0x03, 0x03, 0x0a, // WS shift 10
    ];

    #[test]
    fn linux_syn_options() {
        let opts = TcpOptions::parse(LINUX_SYN_OPTIONS);
        assert!(!opts.malformed);
        assert_eq!(
            opts.list,
            vec![
                TcpOption::Mss { value: 65495 },
                TcpOption::SackPermitted,
                TcpOption::Timestamp {
                    value: 0xcec67e4e,
                    echo: 0
                },
                TcpOption::WindowScale { shift: 10 },
            ]
        );
        assert_eq!(opts.window_shift(), Some(10));
    }

    #[test]
    fn sack_blocks_and_fast_open() {
        let bytes = [
            0x05, 0x12, 0, 0, 0, 10, 0, 0, 0, 20, 0, 0, 0, 30, 0, 0, 0, 40, // 2 SACK blocks
            0x22, 0x02, // TFO cookie request
            0x22, 0x06, 1, 2, 3, 4, // TFO cookie
            0xfd, 0x04, 0xab, 0xcd, // experimental, unknown here
        ];
        let opts = TcpOptions::parse(&bytes);
        assert!(!opts.malformed);
        assert_eq!(
            opts.list,
            vec![
                TcpOption::Sack {
                    blocks: vec![(10, 20), (30, 40)]
                },
                TcpOption::FastOpen { cookie: vec![] },
                TcpOption::FastOpen {
                    cookie: vec![1, 2, 3, 4]
                },
                TcpOption::Experimental { exid: 0xabcd },
            ]
        );
    }

    #[test]
    fn named_options_and_their_experimental_forms() {
        let bytes = [
            0xfe, 0x04, 0xf9, 0x89, // TFO request, experimental form
            0xfd, 0x05, 0xf9, 0x89, 7, // TFO cookie, experimental form
            0x13, 0x04, 0, 0, // MD5 (any length)
            0x1d, 0x03, 1, // TCP-AO
            0xac, 0x05, 0, 1, 2, // AccECN0 with one counter
            0xae, 0x04, 0, 0, // AccECN1 of a length it cannot have
        ];
        let opts = TcpOptions::parse(&bytes);
        assert_eq!(
            opts.list,
            vec![
                TcpOption::FastOpen { cookie: vec![] },
                TcpOption::FastOpen { cookie: vec![7] },
                TcpOption::Md5Signature,
                TcpOption::Authentication,
                TcpOption::AccEcn {
                    kind: 172,
                    counters: vec![0x102]
                },
                TcpOption::Unknown { kind: 174, len: 4 },
            ]
        );
        assert!(opts.has_acc_ecn());
    }

    #[test]
    fn ace_counter_replaces_the_ecn_bits() {
        let mut s = String::new();
        (TcpFlags::PSH | TcpFlags::ACK | TcpFlags::CWR | TcpFlags::NS).push_names_with_ace(&mut s);
        assert_eq!(s, "PSH, ACK, ACE=6");
        s.clear();
        (TcpFlags::ECE | TcpFlags::from_bits(0x800)).push_names_with_ace(&mut s);
        assert_eq!(s, "ACE=1, Reserved");
    }

    #[test]
    fn eol_ends_the_list() {
        let opts = TcpOptions::parse(&[0x04, 0x02, 0x00, 0x02, 0x04, 0x05, 0xb4]);
        assert_eq!(opts.list, vec![TcpOption::SackPermitted]);
        assert!(!opts.malformed);
    }

    #[test]
    fn bad_lengths_stop_parsing_and_are_flagged() {
        // Length past the end of the options.
        let opts = TcpOptions::parse(&[0x04, 0x02, 0x02, 0x08, 0x05, 0xb4]);
        assert_eq!(opts.list, vec![TcpOption::SackPermitted]);
        assert!(opts.malformed);
        // Length below 2 would loop forever if trusted.
        assert!(TcpOptions::parse(&[0x02, 0x01, 0x00, 0x00]).malformed);
        // Kind with no length byte at all.
        assert!(TcpOptions::parse(&[0x01, 0x02]).malformed);
    }

    #[test]
    fn flags_display_like_wireshark() {
        assert_eq!((TcpFlags::SYN | TcpFlags::ACK).to_string(), "SYN, ACK");
        assert_eq!(
            (TcpFlags::FIN | TcpFlags::PSH | TcpFlags::ACK).to_string(),
            "FIN, PSH, ACK"
        );
        assert_eq!(TcpFlags::from_bits(0).to_string(), "<None>");
        assert_eq!(
            TcpFlags::from_bits(0x0fff).to_string(),
            "FIN, SYN, RST, PSH, ACK, URG, ECE, CWR, AE, Reserved"
        );
    }

    #[test]
    fn sequence_numbers_wrap() {
        let base = SeqNum(0xffff_fff0);
        assert_eq!(SeqNum(0x10).minus(base), 0x20);
        assert_eq!(base.plus(0x20), SeqNum(0x10));
        assert_eq!(SeqNum(0x10).back(0x20), base);
        assert!(!SeqNum::UNSET.is_set() && base.is_set());
        assert!(SeqNum(0x10).after(base));
        assert!(!base.after(SeqNum(0x10)));
    }
}
