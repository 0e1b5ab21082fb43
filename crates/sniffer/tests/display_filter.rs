//! Display filters (`-Y`) against tshark's: the frames a filter selects on the committed
//! captures, the listing and details of those frames, refusals in tshark's words, and
//! random filters built from the grammar.

mod common;

use std::path::{Path, PathBuf};

use proptest::prelude::*;

/// Filters of every operator and field type the language has.
const FILTERS: &[&str] = &[
    // The lesson's questions.
    "tcp.port==12345",
    "tcp.analysis.retransmission",
    "tcp.flags.syn==1 && tcp.flags.ack==0",
    "tcp.stream==3",
    "tcp contains \"python\"",
    "tcp contains \"welcome\"",
    // Presence, protocols, negation, parentheses, word forms.
    "tcp",
    "!tcp",
    "not udp and not tcp",
    "(tcp or udp) and ip",
    "icmp || icmpv6",
    "arp",
    "tcp.srcport eq 12345 or tcp.dstport ne 12345",
    // Orderings and integers in every base.
    "tcp.len > 0",
    "tcp.len >= 1 && tcp.len <= 100",
    "tcp.window_size_value lt 1000",
    "tcp.srcport == 0x3039",
    "ip.ttl == 0100",
    "frame.len > 100",
    "frame.number in {1, 3, 5..9}",
    "tcp.port in {80, 443, 8000..8080, 12345}",
    // Repeated fields.
    "tcp.port != 12345",
    "tcp.port === 12345",
    "tcp.port !== 12345",
    "tcp.port ~= 12345",
    "ip.addr == 10.0.0.1",
    "ip.addr != 10.0.0.1",
    // Addresses, masks, MACs, byte strings.
    "ip.src == 10.0.0.0/8",
    "ip.dst == 127.0.0.1",
    "ipv6.addr == ::1",
    "ipv6.src == 2001:db8::/32",
    "ipv6.addr == ::ffff:10.0.0.1",
    "ip.src == 10.0.0.1/32",
    "tcp.srcport == 24690/2",
    "frame contains r\"wel\"",
    "frame contains r\"\\x77el\"",
    "frame matches r\"w\\x65l\"",
    "frame ~ \"(?i)WEL\"",
    // `contains` with a field's values; bytes read as Wireshark reads them; masked bytes.
    "eth.src contains eth.dst",
    "tcp.payload contains tcp.payload",
    "frame contains frame",
    "frame.protocols contains lower(frame.protocols)",
    "all tcp.payload contains tcp.payload",
    "tcp.payload contains ${tcp.payload}",
    "tcp.payload contains 0x77",
    "tcp.payload contains :77",
    "eth.src[0] == 0x02",
    "eth.src[0] == 0b00000010",
    "eth.addr == :00:00:00:00:00:00",
    "eth.src[0] & 0x0F == 2",
    "eth.src[0] & 0x03 == 0x02",
    "eth.src[0] & 0xf0",
    "eth.src[0] & 2",
    "eth.src[0:2] & ff:ff == 02",
    "eth.src[0] & 0x0F & 0x01 == 0",
    "eth.src[0] & :0f == 2",
    "eth.src[0] bitwise_and 2",
    "eth.src & 02:00:00:00:00:00 == 02:00:00:00:00:00",
    "tcp.payload & 0x77 == 0x77",
    "all eth.src[0] & 2 == 2",
    "${private_ethernet:eth.src}",
    // Character constants.
    "ip.ttl == '@'",
    "ip.ttl == '\\100'",
    "ip.ttl == '\\x40'",
    "tcp.payload contains 'w'",
    "tcp.flags.syn == 'a'",
    "tcp.flags.syn == '\\x00'",
    "frame.protocols == 'a'",
    "tcp.port in {'a'..'z'}",
    "frame[0] == '\\xff'",
    "tcp.port == '\\''",
    // `matches` ignores case unless told, as in Wireshark 4.0; a sign split off a word.
    "frame.protocols matches \"TCP\"",
    "frame.protocols matches \"(?-i)TCP\"",
    "tcp.port == 1 -1",
    "tcp.srcport -1 > 0",
    "tcp.srcport -1 -1 > 0",
    "eth.src contains 02:00",
    // Macros (Wireshark's own, when the profile has none) and field references, which
    // tshark has no frame to take values from.
    "${private_ipv4:ip.src}",
    "${private_ipv6:ipv6.src} || ${private_ipv4:ip.dst}",
    "!${private_ipv4:ip.dst}",
    "tcp.port == ${tcp.port}",
    "!(tcp.port == ${tcp.port})",
    "tcp.port != ${tcp.port}",
    "tcp.port in {${tcp.port}, 80}",
    "tcp.port > ${frame.len} + 1",
    "ip.src == ${ip.dst#2}",
    "eth.src == 02:00:00:00:00:01",
    "eth.addr == ff:ff:ff:ff:ff:ff",
    "tcp.options contains 02:04",
    "data.data contains 41",
    // Booleans, times, floats, strings.
    "tcp.flags.syn == True",
    "tcp.flags.fin == False",
    "frame.time_relative > 0.001",
    "frame.time_delta >= 0",
    "tcp.analysis.ack_rtt < 0.01",
    "frame.protocols == \"eth:ethertype:ip:tcp\"",
    "frame.protocols contains \"icmp\"",
    "frame.protocols matches \"(?i)IPV6\"",
    "frame.protocols matches \"^eth:.*:data$\"",
    // Functions.
    "len(data.data) > 10",
    "count(tcp.options.sack_le) >= 1",
    "count(ip.addr) == 2",
    "upper(frame.protocols) contains \"UDP\"",
    "lower(frame.protocols) == \"eth:ethertype:arp\"",
    // Fields compared with fields.
    "tcp.srcport > tcp.dstport",
    "ip.src == ip.dst",
    // Slices and masks.
    "eth.src[0:3] == 02:00:00",
    "eth.src[1-2] == 00:00",
    "frame[12:2] == 08:00",
    "eth.dst[5] == 02",
    "tcp.payload[0:3] == \"abc\"",
    "eth.src[3:] == 00:00:01",
    "ip.dst[-1:] == 01",
    "frame.protocols[0:3] == \"eth\"",
    "tcp.flags & 0x02",
    "tcp.flags & 0x12 == 0x12",
    // Quantifiers: `all` holds of every value, `any` of some; over `==`/`!=` they stand for
    // `===`/`!=` and `==`/`!==`.
    "all tcp.port > 1000",
    "all tcp.port < 20000",
    "any tcp.port < 20000",
    "any tcp.port != 12345",
    "all tcp.port != 12345",
    "any tcp.port === 12345",
    "all tcp.port !== 12345",
    "all tcp.port eq 12345",
    "not all tcp.port == 12345",
    "all tcp.port in {1..20000}",
    "any tcp.port in {12345}",
    "all ip.addr == 127.0.0.0/8",
    "all ip.addr == ip.src",
    "all tcp.port >= tcp.srcport",
    "any tcp.seq > tcp.ack",
    "all tcp.options.sack_le > 0",
    "all frame contains \"python\"",
    "all frame.protocols matches \"ip\"",
    "all upper(frame.protocols) contains \"TCP\"",
    "all len(tcp.options) > 4",
    "all tcp.flags & 0x02 == 2",
    "all udp.port != 1",
    "all tcp.port gt 100 or any udp.port lt 100",
    // A field on the right that is absent: nothing is equal, nothing differs.
    "tcp.port === udp.port",
    "tcp.port !== udp.port",
    // Layers: `#` takes a field from some of its protocol's headers (an ICMP error's quoted
    // header is the second IP layer).
    "ip.src#2",
    "ip#2",
    "ip.src#1 == 10.0.0.2",
    "ip.src#2 == 10.0.0.1",
    "ip.addr#[1-2] == 10.0.0.1",
    "ip.addr#[2:1]",
    "ip.addr#[-1] == 10.0.0.1",
    "ip.src#[-2]",
    "ip.src#[1,2]",
    "ip.src#[:1]",
    "ip.src #02",
    "ipv6.src#2",
    "ip.src#1 != ip.src#2",
    "len(ip.src#2) == 4",
    "count(ip.src#[1-2]) == 2",
    "ip.src#2[0] == 0a",
    "all ip.ttl#2 > 60",
    "ip.flags#2 & 0x2",
    "udp.port#1 == 53",
    "tcp.port#1 == 80",
    // Binary integers.
    "tcp.srcport == 0b11000000111001",
    "tcp.srcport in {0B11000000111001, 80}",
    // Arithmetic: every combination of the operands' values; a division by zero, or a
    // negative number read as an unsigned field's type, has no value.
    "tcp.srcport + 1 == 12346",
    "tcp.dstport - 1 == 12344",
    "tcp.srcport - 20000 < 0",
    "tcp.len * 2 > 30",
    "tcp.srcport / 1000 == 12",
    "tcp.srcport % 2 == 1",
    "-tcp.srcport < -20000",
    "{tcp.srcport + 1} * 2 == 24692",
    "tcp.srcport + tcp.dstport > 50000",
    "min(tcp.srcport, tcp.dstport) == 12345",
    "min(tcp.srcport, tcp.dstport) < 12345",
    "abs(tcp.srcport - tcp.dstport) > 1000",
    "tcp.len > 10 * 2",
    "tcp.len > {1 + 2} * 3",
    "ip.ttl - 1 == 63",
    "frame.time_delta + 1.5 > 1.5",
    "string(tcp.srcport) == \"12345\"",
    "string(ip.src) contains \"127.0\"",
    "string(eth.src) matches \"^02:\"",
    "string(ipv6.src) == \"::1\"",
    "tcp.seq % 2 == 0",
    "tcp.port + 0 == 12345",
    "all tcp.port - 12345 >= 0",
    "tcp.flags & 1 + 1",
    "tcp.srcport * -1",
    "tcp.srcport / 0",
    "count(ip.addr) * 2 == 4",
    "len(tcp.payload) + 0 > 5",
    "tcp.srcport + 1",
    "-tcp.srcport",
    "tcp.len == tcp.srcport - tcp.srcport",
    "frame.len - frame.cap_len == 0",
    "max(tcp.srcport, 5, tcp.dstport) > 20000",
    "min(frame.len) < 100",
    "abs(-tcp.srcport) == 12345",
    "udp.length - 8 > udp.srcport * 0",
    "frame.number * frame.number > 20",
    "frame.time_relative - frame.time_delta >= 0",
    "ip.len - ip.hdr_len * 1 > 40",
    "frame.time_relative + 0.5 > 0.5001",
    "-frame.time_delta < 0",
    "frame.time_relative > 0.5 - 0.4999",
    // Times are exact to the nanosecond, read as Wireshark reads them; doubles as C's strtod.
    "frame.time_delta == 0.000100000",
    "frame.time_delta == 00.0001",
    "frame.time_delta == 0.0001xyz",
    "frame.time_delta == 1.5.5",
    "frame.time_delta == -0",
    "frame.time_delta in {0.0001..0.0002}",
    "frame.time_relative - 0.0001 == frame.time_relative - frame.time_delta",
    "frame.time_epoch > 1700000000.0001",
    "icmp.resptime > 0x1p-20",
    "icmp.resptime < inf",
    "icmp.resptime > 1e-9",
    // Fields compared with fields of a compatible type.
    "tcp.port == ip.ttl",
    "tcp.seq == frame.number",
    "tcp.flags == tcp.flags.syn",
    "eth.src == tcp.payload",
    "tcp == udp",
    "frame[0:6] == eth.src",
    // A negative number and an unsigned value: only arithmetic's negative values compare.
    "tcp.srcport >= -3",
    "tcp.srcport - 20000 >= -3",
    "tcp.srcport - 20000 != -7655",
    "-tcp.srcport > -20000",
    "tcp.srcport - tcp.dstport < -3",
    "tcp.srcport > tcp.dstport - 50000",
    "tcp.srcport + 1 > 1 - 3",
    // Signs, names marked as fields with a dot, ranges with spaces.
    "tcp.port == +12345",
    "+tcp.srcport == 12345",
    "tcp.port + +1 == 12346",
    ".tcp.port == 12345",
    "tcp.port == .tcp.srcport",
    "frame.number in {1 .. 3}",
    // Absolute times: local unless marked UTC, ISO 8601 with an offset, to the nanosecond.
    "frame.time > \"2020-01-01\"",
    "frame.time >= \"Nov 24, 2026 14:51:45.898454 UTC\"",
    "frame.time == \"2026-11-24 14:51:45.898348 UTC\"",
    "frame.time < \"2026-11-24T14:51:45.8984Z\"",
    "frame.time == \"2026-11-24T16:51:45.898348+02:00\"",
    "frame.time > \"2026-11-24 14:51\"",
    "frame.time in {\"2020-01-01\"..\"2030-01-01\"}",
    "frame.time == frame.time",
    "frame.time > 2026-11-24",
    "max(frame.time, frame.time) > \"2020-01-01\"",
    "frame.time >= \"2023-11-14 22:13:20.0001 UTC\"",
    "frame.time >= \"2026-11-24 14:51:45\"",
    "frame.time >= \"Nov 24, 2026 14:51:45.5\"",
    "frame.time < \"2026-11-24T14:51:45.5Z\"",
    "{tcp.len + 1} * 2 > 30",
    "frame.time_relative - 0.5 > 1",
    "frame.time_delta > 0.0001",
    "frame.time < \"Nov 14, 2023 22:13:20.0005\"",
    // A slice that does not fit is empty; slices joined; `!=`, `===` and `all` hold of every
    // value (of none, for arithmetic without one; of one that cannot be compared), and fail
    // with a field or count() that is absent.
    "eth.src[10:2] != 00:00",
    "eth.src[10:2] < 00",
    "eth.src[4:4] < 00:00:00",
    "frame[12:2,14] == 08:00:45",
    "frame[12,13] == 08:00",
    "frame[12-14] == 08:00:45",
    "count(ip.addr) != 2",
    "tcp.srcport === -3",
    "all tcp.srcport < -3",
    "tcp.srcport / 0 === 53",
    "tcp.srcport / 0 != tcp.dstport",
    "abs(tcp.srcport / 0) === 1",
    "tcp.srcport + udp.port != 1",
    "max(tcp.srcport, udp.port) > 1",
    "all tcp.len > -1",
    // Byte strings in groups of up to four digits, with or without separators.
    "tcp.payload contains 7765",
    "tcp.payload contains 7765.6c63.6f",
    "tcp.payload contains 77.656c",
    "tcp.payload contains 7765-6c63",
    "tcp.payload[0:3] == 77656c",
    "eth.src == 0000.0000.0000",
    "eth.dst == ffff.ffff.ffff",
    "tcp.payload contains 7.65",
    // Byte strings ordered as Wireshark orders them: the shorter first.
    "tcp.payload[0:2] < 00:00:00",
    "tcp.payload > eth.src",
    // Fields in a set.
    "tcp.port in {tcp.srcport, 80}",
    "ip.addr in {ip.src}",
    "all tcp.port in {tcp.srcport}",
    "tcp.port in {12345..tcp.dstport}",
    "tcp.port in {tcp.srcport..tcp.dstport}",
    "frame.len in {len(frame), 1}",
    "frame.protocols in {upper(frame.protocols), \"eth:ethertype:arp\"}",
    // Value names for numbers, regardless of case, quoted or not; a Boolean's two names.
    "ip.proto == TCP",
    "ip.proto == \"udp\"",
    "ip.proto != TCP",
    "ip.proto > ICMP",
    "ip.proto in {ICMP, UDP}",
    "ip.proto in {ICMP..TCP}",
    "ip.proto + 0 == TCP",
    "ipv6.nxt == ICMPv6",
    "eth.type == IPv4",
    "eth.type == \"arp\"",
    "arp.opcode == reply",
    "icmp.checksum.status == Good",
    "icmpv6.type == \"Echo (ping) request\"",
    "tcp.option_kind == \"SACK Permitted\"",
    "ip.dsfield.dscp == \"Default\"",
    "vlan.priority == \"Excellent Effort\"",
    "tcp.flags.syn == Set && tcp.flags.ack == \"not SET\"",
    "ip.flags.df == set",
    "frame.marked == false",
    "frame.marked == \"TRUE\"",
    // An address masked by an address (its own mask first): an address, or alone, not zero.
    "ip.src & 255.0.0.0",
    "ip.src & 255.0.0.0 == 127.0.0.0",
    "ip.addr & 0.0.0.255 == 0.0.0.1",
    "ip.src & 255.255.0.0 == 127.0.0.0/8",
    "ip.src & 255.255.255.255/8 == 127.0.0.0",
    "ip.src & 255.0.0.0 & 0.255.0.0",
    "all ip.addr & 255.0.0.0 == 127.0.0.0",
    "ipv6.src & ::1",
    "ipv6.src & ::ffff == ::1",
    // `&` as Wireshark's arithmetic: fields as masks (every combination), chained from the
    // left, after `+ - * / %`, after len() and count(); alone, true when some value is not 0.
    "tcp.srcport & tcp.dstport",
    "tcp.srcport & tcp.dstport == 0",
    "tcp.srcport & 1 & tcp.dstport",
    "tcp.srcport & -tcp.dstport",
    "tcp.srcport & {tcp.dstport & 1}",
    "tcp.flags & 0x02 & 0x10",
    "tcp.flags & 0x12 & 0x02 == 2",
    "tcp.port & count(tcp.port)",
    "tcp.srcport + 1 & 3",
    "len(ip.src) & 4 == 4",
    "ip.src & ip.dst",
    "ip.src & ip.dst == 127.0.0.1",
    "ip.src & ip.dst & 255.0.0.0",
    "eth.src & eth.dst",
    "eth.src[0:3] & eth.dst[0:3]",
    "eth.src[0] & eth.dst[0] & 0x02",
    "tcp.payload & tcp.payload",
    "ip.src & ${ip.dst}",
    "tcp.srcport - tcp.srcport",
    "frame.time_delta - frame.time_delta",
    "tcp.srcport * 0",
    "tcp.srcport > 1 & 1",
    "tcp.flags & 0x10 == 0x12 & 0x10",
    "frame.len > 100 & 0x7f",
    "tcp.srcport == 1 & 2 & 3",
    "ip.src == ip.dst & 255.0.0.0",
    // `&` on the right after a literal of bytes or an address: of the left side's type, an
    // address keeping the literal's network prefix and compared under it.
    "ip.src == 127.0.0.1 & 255.0.0.0",
    "ip.dst == 127.0.0.1 & 255.255.255.0 & 255.0.0.0",
    "ip.src == 10.0.0.1 & 255.255.255.0",
    "ip.src == 127.0.0.1 & ip.dst",
    "ip.src == 127.0.0.1 & 255.255.255.255 & ip.dst",
    "ip.src == 127.0.0.1 & ip.dst & 255.255.0.0",
    "ip.src == 127.0.0.1/8 & 255.255.255.255",
    "ip.src == 127.0.0.2/31 & ip.dst",
    "ip.src == 126.0.0.1/8 & ip.dst",
    "ip.src > 127.0.0.0/8 & 255.255.255.255",
    "ip.src < 128.0.0.0/8 & 255.255.255.255",
    "ip.src != 127.0.0.1 & 255.0.0.0",
    "ip.src === 127.0.0.1 & ip.addr",
    "ip.addr != 10.0.0.2 & ip.addr",
    "eth.src == 00:00:00:00:00:00 & eth.dst",
    "eth.src == ff:ff:ff:ff:ff:ff & eth.dst",
    "eth.src == 00:00:00:00:00:00 & ff-ff-ff-ff-ff-ff",
    "eth.src == ff:ff:ff:ff:ff:ff & tcp.payload",
    "eth.src == ff:ff:ff:ff:ff:ff & eth.dst[0:3]",
    "tcp.payload == 77:65 & tcp.payload",
    "frame[0:2] == 00:00:00 & frame[6:2]",
    // Chained comparisons: `a < b < c` is `a < b and b < c`.
    "tcp.srcport < tcp.dstport < 60000",
    "not tcp.srcport < tcp.dstport < 60000",
    "ip.src == ip.dst == 127.0.0.1 && tcp.len > 0",
    "tcp.srcport <= tcp.port >= tcp.srcport",
    "tcp.port != tcp.srcport != 12345",
    // Wireshark 4.0 copies arithmetic in the middle with its first operand twice.
    "frame.len > tcp.len + 10 > 60",
    "frame.len > tcp.len + 10 > 0",
    "frame.len > tcp.len - 3 * 2 + 1 > 0",
    "frame.len > len(tcp.payload) + 10 > 0",
    "ip.dst == ip.src & 255.0.0.0 != ip.src",
    "ip.ttl >= ip.ttl & 0x40 > 0",
    "all tcp.port == tcp.srcport == tcp.srcport",
    // `not in`, `!in`.
    "tcp.port not in {80, 12345}",
    "tcp.port not in {80}",
    "tcp.port !in {80..90}",
    "not tcp.port not in {80}",
    "ip.addr not in {10.0.0.1, 10.0.0.2} and ip",
    "any tcp.port not in {12345}",
    // Escapes in strings and character constants, as Wireshark 4.0's scanner reads them.
    r#"frame contains "\x6""#,
    r#"tcp.payload contains "w\145lcome\40""#,
    r#"frame contains "\u00e9""#,
    r#"frame contains "\U0001F600""#,
    r#"tcp.payload contains "\a\b\f\v" or tcp.payload contains "\'\"""#,
    r"tcp.port == '\u00e9'",
    r"frame[0] == '\u0024' or frame[0] == 0",
    // A slice's range as Wireshark reads it: spaces, `0x` and octal numbers, a sign.
    "frame[ 1 : 2 ] == 00:00",
    "frame[1 - 2] == 00:00 or frame[ 0x0c : 2 ] == 08:00",
    "frame[+1] == 00 or frame[010] == 00",
    "ip.src#[0x1] == 127.0.0.1",
    "tcp.payload[ -1:] == 21",
    // A slice alone: true when it holds a byte.
    "frame[0]",
    "tcp.payload[10:2]",
    "tcp.payload[-1:] and not tcp.payload[100:1]",
    "ip.src[0] and eth.src[0:3] and tcp.flags.str[0]",
    "tcp.options[20]",
    // A slice of a slice, of a function's text.
    "tcp.payload[0:4][1:2] == 65:6c",
    "tcp.payload[0:4][-1] == 63 and frame[0:2][1:]",
    "tcp.payload[0:4][1:2,0] == 65:6c:77",
    "tcp.payload[0:4][1:2] contains 6c or tcp.payload[0:4][1:2] == tcp.payload[1:2]",
    r#"string(tcp.srcport)[-1:] == "5" or string(ip.src)[0:3] == 31:32:37"#,
    r#"upper(tcp.flags.str)[0] == 53 or lower(tcp.flags.str)[0:3] matches "·""#,
    "string(frame.number)[0] == 31 and string(tcp.port)[0]",
];

/// Captures with most of the layers and cases the tree reads.
const CAPTURES: &[&str] = &[
    "synthetic-every-tag.pcap",
    "greeting-ipv4.pcap",
    "greeting-ipv6.pcapng",
    "icmp-messages.pcap",
    "arp-and-padding.pcap",
    "tcp-options.pcap",
];

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// The frame numbers `filter` selects, by tshark and by sniffer.
fn selected(file: &Path, filter: &str) -> (Vec<String>, Vec<String>) {
    let args = ["-Y", filter, "-T", "fields", "-e", "frame.number"];
    (
        common::tshark_output(file, &args),
        common::sniffer_output(file, &args),
    )
}

/// The lines of `listing` (tshark's whole listing) of the frames numbered `numbers`.
fn lines_of(listing: &[String], numbers: &[String]) -> Vec<String> {
    numbers
        .iter()
        .filter_map(|n| {
            let n: usize = n.parse().ok()?;
            listing.get(n.checked_sub(1)?).cloned()
        })
        .collect()
}

#[test]
fn filters_select_the_frames_tshark_selects() {
    if !common::has_tshark() {
        return;
    }
    let mut failures = Vec::new();
    let mut selections = 0;
    for name in CAPTURES {
        let file = fixture(name);
        let listing = common::tshark_lines(&file);
        for filter in FILTERS {
            let (theirs, ours) = selected(&file, filter);
            selections += theirs.len();
            if theirs != ours {
                failures.push(format!(
                    "{name} [{filter}]: tshark {theirs:?}, sniffer {ours:?}"
                ));
            }
            // The listing takes another path (frames a filter cannot select are not
            // decoded): the same frames, each the line tshark prints for it.
            let rows = common::sniffer_output(&file, &["--format", "plain", "-Y", filter]);
            let expected = lines_of(&listing, &theirs);
            if rows != expected {
                failures.push(format!(
                    "{name} [{filter}] listing: tshark {expected:#?}, sniffer {rows:#?}"
                ));
            }
        }
    }
    eprintln!(
        "{} filters on {} captures: {selections} frames selected by tshark, {} disagreements",
        FILTERS.len(),
        CAPTURES.len(),
        failures.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // The filters select something: the comparison is not of empty lists.
    assert!(selections > 1000, "{selections}");
}

/// Filters on the tunnels' own fields (GRE, ERSPAN, VXLAN, Geneve) and on the packets they
/// carry, each selecting at least one frame of the tunnel capture.
const TUNNEL_FILTERS: &[&str] = &[
    "gre",
    "vxlan",
    "geneve",
    "erspan",
    "gre.key == 7",
    "gre.proto == 0x6558",
    "gre.proto == 0x88be",
    "gre.flags.checksum == 1",
    "gre.checksum.status == 0",
    "gre.sequence_number > 5",
    "gre.flags_and_version == 0xb000",
    "gre.routing.address_family == 2048 and data",
    "gre.key.call_id == 7 and ppp and tcp",
    "ppp.protocol == 0xc021",
    "vxlan.vni == 42",
    "vxlan.flag_i",
    "vxlan.flags",
    "vxlan.next_proto == 1 and tcp",
    r#"vxlan.next_proto == "Network Service Header" and data"#,
    "geneve.vni == 0x2b",
    "geneve.vni == 44",
    "geneve.option.class == 0x000f",
    "geneve.proto_type == 0x0800",
    "geneve.options",
    "geneve.option.flags",
    "geneve.option.type.critical == 0",
    "erspan.version == 2",
    "erspan.vlan == 1",
    "erspan.o == 1",
    "erspan.pid7.timestamp == 0",
    "tcp.port == 12345 && tcp.len > 0",
    "ip.src#2 == 10.0.0.1",
    // Counted from the last header holding the field (not 29 and 30, whose inner header is
    // cut before its addresses).
    "ip.src#[-2]",
    "ipv6.src#1 == 2001:db8::1",
    "eth.src#2 == 02:00:00:00:00:01",
    "ip#2 and gre",
    "count(eth) == 2",
    "udp.dstport == 6081 and tcp",
    r#"frame.protocols contains "erspan""#,
    "arp.opcode == 1 and vxlan",
    "_ws.malformed and (gre or vxlan)",
    "gre && data",
    "tcp.analysis.acks_frame and geneve",
    "!gre && !vxlan && !geneve",
];

/// The tunnels are opened in the field tree as in the list, so filters select what tshark
/// selects when it decodes them (its defaults), and the filtered listing shows tshark's
/// lines.
#[test]
fn filters_on_tunnels_select_the_frames_tshark_selects() {
    if !common::has_tshark() {
        return;
    }
    let file = fixture("tunnels/tunnels.pcap");
    let listing = common::tshark_lines_with_tunnels(&file);
    let args = |filter| ["-Y", filter, "-T", "fields", "-e", "frame.number"];
    for filter in TUNNEL_FILTERS {
        let theirs = common::tshark_output_with_tunnels(&file, &args(filter));
        assert!(!theirs.is_empty(), "[{filter}] selects nothing");
        let ours = common::sniffer_output(&file, &args(filter));
        assert_eq!(ours, theirs, "[{filter}]");
        let rows = common::sniffer_output(&file, &["--format", "plain", "-Y", filter]);
        assert_eq!(rows, lines_of(&listing, &theirs), "[{filter}] listing");
    }
}

#[test]
fn the_layer_operator_takes_a_tunnels_inner_header() {
    if !common::has_tshark() {
        return;
    }
    let file = fixture("ip-in-ip.pcap");
    for filter in [
        "ip.src#2 == 10.1.0.1",
        "ip#2",
        "ip.ttl#2 == 32",
        "ip.ttl#1 == 64",
        "ip.src#1 == 10.1.0.1",
        "ip.addr#[-1] == 10.1.0.2",
        "ip.src#[-2] == 192.0.2.1",
        "ip.proto#1 == 4",
        "tcp.port#1 == 80",
        "all ip.ttl#[1-2] > 40",
    ] {
        let (theirs, ours) = selected(&file, filter);
        assert!(!theirs.is_empty(), "[{filter}] selects nothing");
        assert_eq!(ours, theirs, "[{filter}]");
    }
}

#[test]
fn filtered_listing_and_details_are_tsharks() {
    if !common::has_tshark() {
        return;
    }
    let file = fixture("synthetic-every-tag.pcap");
    for filter in [
        "tcp.stream == 3 || udp",
        "tcp.analysis.flags && !tcp.analysis.window_update",
    ] {
        for args in [vec!["--format", "plain"], vec!["-V"], vec!["-T", "json"]] {
            let ours_args: Vec<&str> = ["-Y", filter]
                .iter()
                .copied()
                .chain(args.iter().copied())
                .collect();
            let theirs_args: Vec<&str> = ["-Y", filter]
                .iter()
                .copied()
                .chain(
                    args.iter()
                        .copied()
                        .filter(|a| *a != "--format" && *a != "plain"),
                )
                .collect();
            let theirs = common::tshark_output(&file, &theirs_args);
            let ours = common::sniffer_output(&file, &ours_args);
            assert!(!theirs.is_empty());
            assert_eq!(ours, theirs, "[{filter}] {args:?}");
        }
    }
}

/// Filters on ports and transports, those a listing tests on the frames' first bytes before
/// decoding them (`PORT` stands for a port of the capture).
const PREFILTERED: &[&str] = &[
    "tcp",
    "udp",
    "tcp.port == PORT",
    "udp.port == PORT",
    "tcp.port == PORT && tcp.len > 0",
    "tcp.dstport == PORT",
    "tcp.srcport in {1..1023, PORT}",
    "tcp.port >= PORT",
    "tcp.port < PORT",
    "(tcp.port == PORT && tcp.flags.syn == 1) || udp.srcport == PORT",
    "tcp.port == PORT && !tcp.analysis.retransmission",
    "tcp.seq == 1 && tcp.port == PORT",
    "ip.addr == 10.0.0.1 && tcp.port == PORT",
    "icmp || tcp.port == PORT",
];

/// `sniffer read FILE --format plain [-Y FILTER]`, run in this process.
fn listing(file: &Path, filter: Option<&str>) -> Vec<String> {
    use sniffer::filter::DisplayFilter;
    use sniffer::listing::{self, ReadOptions};
    use sniffer::render::{Format, TableStyle};
    let opts = ReadOptions {
        format: Format::Plain,
        style: TableStyle {
            width: None,
            color: false,
        },
        explain: false,
        stream: None,
        quiet: false,
        ladder: false,
        follow: None,
        streaming: false,
        filter: filter.map(|f| std::sync::Arc::new(DisplayFilter::compile(f).expect("compiles"))),
        http: false,
    };
    let mut source = sniffer::pcapfile::FileCapture::open(file).expect("opens");
    let mut out = Vec::new();
    listing::read(&mut source, file, &opts, &mut out, |_| {}).expect("reads");
    String::from_utf8(out)
        .expect("UTF-8")
        .lines()
        .map(str::to_owned)
        .collect()
}

/// The numbers of the frames `filter` selects, each frame's whole tree tested (the path of
/// `-V` and `-T`), run in this process.
fn selected_in_full(file: &Path, filter: &str) -> Vec<String> {
    let filter = sniffer::filter::DisplayFilter::compile(filter).expect("compiles");
    let mut source = sniffer::pcapfile::FileCapture::open(file).expect("opens");
    let mut details = sniffer::listing::Details::new();
    let mut numbers = Vec::new();
    let mut number = 0;
    while let Some(frame) = source.next_frame().expect("reads") {
        number += 1;
        if filter.matches(details.tree(&frame)) {
            numbers.push(number.to_string());
        }
    }
    numbers
}

/// Filters whose trees build some layers in full and leave the others as their protocol's
/// line: each frame, Ethernet, IPv4, IPv6, TCP, UDP and data layer built alone, none of them
/// (ICMP's fields are always built), two of them, all of them; and filters that read a
/// protocol's bytes (named second), after whose first line every layer is built.
const SELECTIVE: &[(&str, Option<&str>)] = &[
    ("frame.len", None),
    ("eth.src", None),
    ("ip.addr", None),
    ("ipv6.addr", None),
    ("tcp.port", None),
    ("udp.port", None),
    ("data.len", None),
    ("icmp.type", None),
    ("tcp.stream && ip.src", None),
    (
        "frame.comment || eth.type || ip.ttl || ipv6.nxt || tcp.seq || udp.length || data.data",
        None,
    ),
    ("tcp contains \"a\"", Some("tcp")),
    ("len(ip) > 40", Some("ip")),
    ("udp[0:1] == 00", Some("udp")),
    ("icmp matches \"x\"", Some("icmp")),
    ("gre[0:2] == 00:00 || ipv6[0:1] == 60", Some("gre")),
];

/// A tree built only to test a filter (the rows of `read`, `live` and the demo with `-Y`)
/// holds all a filter can ask of the whole tree: every line of the protocols it names (their
/// own lines, their fields), in the same order, with the same value, bytes and depth; on
/// every committed capture, the tunnels' and HTTP's (decoded) too. And it selects the same
/// frames.
#[test]
fn trees_built_for_a_filter_hold_what_it_names() {
    use sniffer::filter::DisplayFilter;
    use sniffer::listing::Details;
    use sniffer::tree::Tree;
    let mut files: Vec<(PathBuf, bool)> =
        common::fixtures().into_iter().map(|f| (f, false)).collect();
    files.push((fixture("tunnels/tunnels.pcap"), false));
    files.extend(
        common::fixtures()
            .into_iter()
            .filter(|f| f.to_string_lossy().contains("http"))
            .map(|f| (f, true)),
    );
    let mut failures = Vec::new();
    let mut compared = 0;
    for (file, http) in &files {
        for &(text, read) in SELECTIVE {
            let filter = DisplayFilter::compile(text).expect("compiles");
            assert!(filter.selection().is_some(), "{text}");
            let named: Vec<&str> = filter
                .fields()
                .iter()
                .map(|f| f.split('.').next().unwrap_or(f))
                .collect();
            // What the filter can see of a tree: the nodes of the protocols it names, their
            // protocols' lines among them, and every node after the first line of a protocol
            // whose bytes it reads (vendors' names are looked up only for a filter that names
            // them, which these do not).
            let seen = |tree: &Tree| -> Vec<String> {
                let from = tree
                    .nodes
                    .iter()
                    .position(|n| Some(n.field.abbrev) == read)
                    .unwrap_or(tree.nodes.len());
                tree.nodes
                    .iter()
                    .enumerate()
                    .filter(|&(i, n)| {
                        (i >= from
                            || named.contains(&n.field.abbrev.split('.').next().unwrap_or("")))
                            && !n.field.abbrev.ends_with("oui_resolved")
                    })
                    .map(|(_, n)| n)
                    .map(|n| {
                        format!(
                            "{}={:?}@{}+{} ({})",
                            n.field.abbrev, n.value, n.start, n.len, n.depth
                        )
                    })
                    .collect()
            };
            let mut full = Details::new();
            if *http {
                full.enable_http();
            }
            full.filtering = true;
            let mut selective = Details::for_filter(&filter, *http);
            let mut source = sniffer::pcapfile::FileCapture::open(file).expect("opens");
            let mut number = 0;
            while let Some(frame) = source.next_frame().expect("reads") {
                number += 1;
                let tree = full.tree(&frame);
                let (whole, selected) = (seen(tree), filter.matches(tree));
                let built = selective.tree(&frame);
                let part = seen(built);
                compared += 1;
                if whole != part {
                    let at = (0..)
                        .find(|&i| whole.get(i) != part.get(i))
                        .unwrap_or_default();
                    failures.push(format!(
                        "{} frame {number} [{text}], line {at}: whole {:?}, built {:?}",
                        file.display(),
                        whole.get(at),
                        part.get(at)
                    ));
                }
                let built_selected = filter.matches(built);
                if selected {
                    full.displayed(frame.ts);
                    selective.displayed(frame.ts);
                }
                if built_selected != selected {
                    failures.push(format!(
                        "{} frame {number} [{text}]: selected differently",
                        file.display()
                    ));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} differ:\n{}",
        failures.len(),
        failures[..failures.len().min(20)].join("\n")
    );
    assert!(compared > 10_000, "{compared}");
}

/// The listing with a filter it tests before decoding (above) is the listing's own lines of
/// the frames the full path selects, on every committed capture: the frames it leaves
/// undecoded change nothing in those it shows (fragments, ICMP quoting segments, tunnels,
/// cut headers, pcapng's other blocks are all there). The whole listing is tshark's
/// (`tshark_conformance.rs`), so these lines are too.
#[test]
fn listings_that_skip_frames_show_the_full_paths_lines() {
    let mut failures = Vec::new();
    let mut compared = 0;
    for file in common::fixtures() {
        let all = listing(&file, None);
        // The least and the greatest port of the capture.
        let mut ports: Vec<String> = common::sniffer_output(
            &file,
            &["-T", "fields", "-e", "tcp.srcport", "-e", "udp.srcport"],
        )
        .into_iter()
        .flat_map(|l| l.split('\t').map(str::to_owned).collect::<Vec<_>>())
        .filter(|p| !p.is_empty())
        .collect();
        ports.sort_by_key(|p| p.parse::<u32>().unwrap_or(0));
        ports.dedup();
        for port in ports.first().into_iter().chain(ports.last()) {
            for filter in PREFILTERED {
                let filter = filter.replace("PORT", port);
                let rows = listing(&file, Some(&filter));
                compared += rows.len();
                let expected = lines_of(&all, &selected_in_full(&file, &filter));
                if rows != expected {
                    failures.push(format!(
                        "{} [{filter}]: expected {expected:#?}, got {rows:#?}",
                        file.display()
                    ));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(compared > 500, "{compared}");
}

#[test]
fn macros_of_the_personal_configuration_are_tsharks() {
    if !common::has_tshark() {
        return;
    }
    // A configuration folder of this test's: tshark's judged protocols, and macros.
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("filter-macros");
    std::fs::create_dir_all(&dir).expect("create the folder");
    std::fs::copy(
        common::judged_disabled_protos(),
        dir.join("disabled_protos"),
    )
    .expect("copy disabled_protos");
    std::fs::write(
        dir.join("dfilter_macros"),
        "# The lesson's filters\n\
         \"lesson\",\"tcp.port == 12345\"\n\
         \"data_of\",\"$1 and tcp.len > 0\"\n\
         \"either\", \"$1 || $2\"\n\
         \"syn_or_data\",\"${data_of:$1} or tcp.flags.syn == 1\"\n\
         \"escaped\",\"frame contains \\x22welcome\\x22\"\n",
    )
    .expect("write dfilter_macros");
    let file = fixture("greeting-ipv4.pcap");
    let run = |program: &str, filter: &str| {
        let mut command = std::process::Command::new(program);
        if program == "sniffer" {
            command = std::process::Command::new(assert_cmd::cargo::cargo_bin("sniffer"));
            command.arg("read");
        } else {
            command.arg("-r");
        }
        let out = command
            .arg(&file)
            .args(["-Y", filter, "-T", "fields", "-e", "frame.number"])
            .env("WIRESHARK_CONFIG_DIR", &dir)
            .output()
            .expect("run");
        let errors: Vec<String> = String::from_utf8_lossy(&out.stderr)
            .lines()
            .filter(|l| !l.starts_with("Running as user"))
            .map(|l| l.replacen("tshark: ", "sniffer: ", 1))
            .collect();
        (
            String::from_utf8_lossy(&out.stdout).into_owned(),
            errors,
            out.status.code(),
        )
    };
    let mut selected = 0;
    for filter in [
        "${lesson}",
        "${data_of:${lesson}}",
        "${data_of:tcp}",
        "${either:arp;${lesson}}",
        "${syn_or_data:tcp.port == 12345}",
        "${escaped}",
        "${private_ipv4:ip.src}",
        "${lesson:1}",
        "${nothing}",
    ] {
        let theirs = run("tshark", filter);
        assert_eq!(run("sniffer", filter), theirs, "[{filter}]");
        selected += theirs.0.lines().count();
    }
    assert!(selected > 10, "{selected}");

    // Files Wireshark's table scanner stops in, or leaves records out of: the same macros
    // defined, and its report of the file (its warnings are log lines with the process's
    // number and the time: only their text is compared).
    let good = "\"good\",\"tcp.port == $1\"\n";
    for (text, filter) in [
        (format!("this is bad\n{good}"), "${good:12345}"),
        (format!("{good}\"x\"\n\"other\",\"tcp\"\n"), "${good:12345}"),
        (format!("{good}\"x\"\n\"other\",\"tcp\"\n"), "${other}"),
        (format!("\"a-b\",\"tcp\"\n{good}"), "${good:12345}"),
        (format!("{good}\"good\",\"udp\"\n"), "${good:12345}"),
        (format!("\"a\",\"t\\x01\"\n{good}"), "${good:12345}"),
        (format!("\"a\",\"t\\x01\"\n{good}"), "${a}"),
        (format!("\"a\",\"ip\",\"c\"\n{good}"), "${a}"),
        (good.trim_end().to_owned(), "${good:12345}"),
        (format!("{good}\"a\" \"b\"\n"), "${good:12345}"),
        (format!("{good}\"a\",\n\"b\",\"tcp\"\n"), "${b}"),
        (format!("{good},\"b\"\n"), "${good:12345}"),
        (format!("\"\",\"tcp\"\n{good}"), "${good:12345}"),
        (format!("{good}\"x\",\"y\" z\n"), "${good:12345}"),
        (format!("6162,\"tcp\"\n{good}"), "${ab}"),
        (format!("616,\"tcp\"\n{good}"), "${good:1}"),
        (
            format!("\n  # note\n\t\"sp\" ,  \"tcp\"  \n{good}"),
            "${sp}",
        ),
        ("\"esc\",\"tcp.port == 1\\062345\"\n".to_owned(), "${esc}"),
    ] {
        std::fs::write(dir.join("dfilter_macros"), &text).expect("write dfilter_macros");
        let strip = |(out, errors, code): (String, Vec<String>, Option<i32>)| {
            let errors: Vec<String> = errors
                .into_iter()
                .map(|l| match l.split_once("[UAT WARNING] -- ") {
                    Some((_, warning)) => format!("sniffer: {warning}"),
                    None => l,
                })
                .collect();
            (out, errors, code)
        };
        let theirs = strip(run("tshark", filter));
        assert_eq!(run("sniffer", filter), theirs, "[{text:?}] [{filter}]");
    }
}

/// What `sniffer read FILE -Y FILTER` prints when it refuses the filter (exit code 2).
fn refused(file: &Path, filter: &str) -> std::process::Output {
    assert_cmd::Command::cargo_bin("sniffer")
        .expect("binary")
        .arg("read")
        .arg(file)
        .args(["-Y", filter])
        .assert()
        .code(2)
        .get_output()
        .clone()
}

#[test]
fn refusals_are_tsharks_and_exit_with_2() {
    if !common::has_tshark() {
        return;
    }
    let file = fixture("greeting-ipv4.pcap");
    for filter in [
        "tcp.prt",
        "tcp.port ==",
        // VXLAN-GPE's flags, a byte, share VXLAN's name: the filter reads it as theirs.
        "vxlan.flags == 0x0800",
        // Words end where tshark's scanner ends them: `:` and `/` only in addresses, byte
        // strings and masks.
        "tcp.port == 80:2",
        "ip.src == 10.0.0.1:2",
        "tcp.port == 1:2:3",
        "tcp.port == 80:",
        "tcp.len == -1:2",
        "frame.time_delta > -.5",
        "ip.src == 10.0.0.0/",
        "ip.src == 1.2.3/8",
        "ip.src == 10.0.0.0/123",
        "ipv6.src == ::1/1234",
        "ipv6.addr == fe80::1:2:3:4:5:6:7",
        "ipv6.addr == ::ffff:1.2.3.04",
        "ip.src == 10.0.0.256/8",
        // A syntax error anywhere comes before a bad name or literal, as tshark parses
        // the whole expression first; an unknown function is refused as it is parsed.
        "tcp.port == foo and )",
        "tcp.port == 99999 and (",
        "tcp.prt == 1 and )",
        "ip.src == 1.2.3 or tcp.port == 80:2",
        "tcp.port == \"x\" and tcp.port ==",
        "tcp.port == :0050:",
        "frame.time > 2026-11-24T14:51:45",
        "tcp.port == == \"abc",
        "tcp.port in {foo} )",
        "foo(1) == 1 )",
        "foo() == 1",
        "tcp.port(1) == 1",
        "tcp.port == foo(1)",
        "1(2) == 1",
        "foo(tcp.prt == ) == 1",
        "tcp.port == 1 \"a\\x41\"",
        "frame contains r\"abc",
        "${foo}",
        "tcp.port == ${tcp}",
        "tcp.port == ${tcp.prt}",
        "frame contains \"${x}\"",
        "tcp.port == ${",
        "tcp.port == ${a b}",
        "tcp.port == ${a:1\\}",
        "tcp.port == $x",
        "tcp.port == $",
        "$$",
        "${private_ipv4}",
        "${private_ipv4:ip.src;ip.dst}",
        "tcp.port == 1 and ${private_ipv4:tcp.port}",
        "${tcp.port} == 1 and ip.src#1 == 1.1.1.1",
        "${tcp.port}",
        "tcp.port == ${ip.src}",
        "len(${tcp.port}) == 1",
        "tcp.port == ${tcp.port}[0]",
        "eth.src[0:1] == ${eth.src}[0:1]",
        // A name that is no field, on the left of each kind of relation.
        "ip.srcc == 1",
        "ip.srcc eq 1",
        "ip.srcc contains \"a\"",
        "ip.srcc ~ \"a\"",
        "ip.srcc in {1}",
        "ip.srcc not in {1}",
        "ip.srcc & 1",
        "ip.srcc + tcp.port == 2",
        "ip.srcc[0] == 1",
        "\"a\" == 1",
        "\"a\"",
        "1 and tcp",
        "1 contains \"a\"",
        // A capture filter given as a display filter: tshark's note follows the refusal.
        "tcp port 80",
        "host 10.0.0.1",
        "len > 100",
        "frame[0:2] == :zz",
        "frame contains tcp.payload",
        "frame contains ${tcp.payload}",
        "tcp.payload contains upper(frame.protocols)",
        "eth.src[0] == 0xZZ",
        "eth.addr == :00:00",
        "eth.src & 0x02",
        "eth.src[0] & \"a\" == 2",
        "eth.src[0] & 0x0F in {02}",
        "tcp.flags & 0x02 in {2}",
        "frame[0] & 0x0f00 == 2",
        "tcp.payload > 1 + 1",
        "ip.src > 1 + 1",
        "ip.src == 1.1.1.1 + 1",
        "eth.src == 1 * 2",
        "tcp.flags.syn == 1 + 1",
        "ip.src > -1.1.1.1",
        "ip.src > -foo",
        "tcp.payload == -41",
        "ip.src == -ip.dst",
        "tcp.flags.syn == -1",
        "frame.protocols == -abc",
        "frame[0] == '\\n'",
        "tcp.port == '\\777'",
        "tcp.port == 'ab'",
        "tcp.port == ''",
        "tcp.port == '\\'",
        "tcp.port == 'a",
        "ip.src == 'a'",
        "eth.src == 'a'",
        "frame.time_delta == 'a'",
        "'a' == 1",
        "tcp.port == 'a' + 1",
        "tcp.port == '\\u0041'",
        "tcp.port == 'é'",
        "tcp.port == '\\x'",
        "tcp.port == '\\8'",
        "tcp.port == 1 'a'",
        "tcp.port == \"80\"",
        "frame.time_delta == \"1\"",
        "len(tcp.payload) == \"1\"",
        "frame contains \"é\" and tcp.prt",
        "'a' + 1",
        "\"a\" + 1",
        "frame.protocols matches 't'",
        "upper(frame.protocols) ~ tcp",
        "ip.proto == -1.1.1.1",
        "frame.time_delta == -abc",
        "icmp.resptime == abc",
        "icmp.resptime == -abc",
        "ip.src & 1",
        "frame.protocols & 1",
        "frame & 0x01",
        "eth.dst == 0xZZ",
        "eth.dst == zz",
        "tcp.len in -1",
        "eth.src > \"we\"",
        "eth.src contains \"a\"",
        // A Boolean's words are looked for among its value names; a label takes part in
        // no relation.
        "tcp.flags.syn == foo",
        "tcp.flags.syn == \"True\"",
        "tcp.flags.syn in {foo}",
        "tcp.flags.syn == -foo",
        "tcp.analysis.retransmission eq 1",
        "tcp.analysis.retransmission in {1}",
        "tcp.analysis.retransmission > tcp.port",
        "tcp.analysis.retransmission == \"a\"",
        "tcp.analysis.retransmission & 1",
        "tcp.port == == 1",
        "tcp.port == foo",
        "tcp.port == 99999",
        "ip.src == abc",
        "eth.src == 1.2.3.4",
        "tcp.port matches \"x\"",
        "(tcp.port == 1",
        "tcp.port == 80)",
        "tcp.port in {}",
        "\"abc",
        "eth.src[abc] == 1",
        "tcp.port == 1 ééé",
        "ip.ttl == 0b2",
        "frame.time_delta == 0b1",
        "all tcp.port",
        "all tcp.port && frame",
        "all tcp.flags & 0x02",
        "all tcp.prt == 1",
        "all tcp.prt",
        "all 12 == tcp.port",
        "all not tcp.port == 1",
        "all (tcp.port == 1)",
        "any any tcp.port == 1",
        "all(tcp.port == 12345)",
        "ip.src# 2",
        "ip.src#a",
        "ip.src#-1",
        "ip.src#[a]",
        "ip.src#[]",
        "ip.src#",
        "ip.src#12x",
        "tcp.prt#2",
        "all tcp.prt#2 == 1",
        "ip.src#[1",
        "ip.src#[1,",
        "eth.src[1",
        "eth.src[1 == 1",
        "frame.time_relative * 1000 > 0.5",
        "tcp.srcport + \"a\" == 1",
        "1 + 2 == tcp.port",
        "ip.src + 1 == 1",
        "tcp.srcport + frame.time_relative > 1",
        "max() == 1",
        "abs(tcp.port, tcp.port) == 1",
        "abs() == 1",
        "string(tcp.port) in {\"1\"}",
        "upper(tcp.port) == \"A\"",
        "len(upper(frame.protocols)) > 1",
        "tcp.srcport + 1 contains 00",
        "string(frame.time_relative) == \"x\"",
        "max(1, 2) == tcp.port",
        "-1 == tcp.port",
        "tcp.srcport + 1 matches \"1\"",
        "tcp.srcport + 1 in {1 2}",
        "{tcp.srcport + 1 == 2",
        "tcp.srcport + == 1",
        "tcp.srcport + 99999 == 1",
        "tcp.srcport == 1 + x",
        "frame.time_delta == 0.0000000001",
        "frame.time_delta == 1e-4",
        "frame.time_delta == 0x10",
        "frame.time_delta < inf",
        "frame.time_relative == 1.0000000000001",
        "icmp.resptime > frame.time_delta",
        "tcp.port == ip.src",
        "eth.src == frame",
        "tcp.flags.syn == tcp.port",
        "ip.src == len(frame)",
        "tcp.flags.syn == count(tcp.port)",
        "ip.src == string(ip.src)",
        "frame.time_delta == icmp.resptime",
        "icmp.resptime + frame.time_delta > 1",
        "tcp.port == .80",
        ".foo == 1",
        "tcp.port == 1.",
        ". == 1",
        "tcp.port == +-1",
        "tcp.port == ++1",
        "tcp.port == -+1",
        "+1 == tcp.port",
        "tcp.port == 12345..",
        "tcp.srcport == 12345.",
        ".tcp.port.x == 1",
        "frame.time > \"2020\"",
        "frame.time > \"2020-01-01 10:00.5\"",
        "frame.time > \"2020-01-01 10:00:00.x\"",
        "frame.time > \"2020-01-01 10:00:00 x\"",
        "frame.time > \"2026-11-24T14:51:45 UTC\"",
        "frame.time == \"2026-11-24 14:51:45.8983480001 UTC\"",
        "frame.time + 1 > 0",
        "abs(frame.time) > \"2020-01-01\"",
        "frame.time contains 00",
        "ip.ttl < -7655",
        "ip.ttl * -256",
        "tcp.port in {-65536..1}",
        "eth.src[5:0] != 00",
        "eth.src[3-3] != 00",
        "eth.src[0:-1] != 00",
        "frame[12:2,] == 08:00",
        "eth.src == 0000.0000.00001",
        "eth.src == 0000.0000",
        "tcp.payload contains 7x",
        "tcp.port in {12345,80..90,}",
        "ip.src == 10.0.0.0/33",
        "ipv6.src == ::1/129",
        "ip.src === 2001:db8::/32",
        "tcp.port in {ip.src}",
        "ipv6.addr == 10.0.0.0/8",
        // Value names: a number's type first, then its names; a Boolean's own two names.
        "ip.ttl == true",
        "ip.ttl == True",
        "tcp.flags.syn == true",
        "tcp.flags.syn == -true",
        "frame.marked == \"1\"",
        "ip.proto == abc",
        "ip.proto == 300",
        "ip.proto == \"6\"",
        "ip.proto == -TCP",
        "len(ip.proto) == TCP",
        "ip.opt.ra == x",
        "vlan.priority == \"Critical Applications\"",
        "ipv6.hopopts.len_oct == bytes",
        // Wireshark's other protocols are fields of its protocol type.
        "ip.proto == igmp",
        "tcp.port == ff",
        "frame.time_delta == nan",
        // `&` on a type that has none is refused before its mask is read.
        "tcp.flags.syn & 1",
        "frame.time & foo",
        "icmp.resptime & foo",
        "ip.src & foo",
        "ip.src & tcp.port",
        "eth.src & ip.src",
        "tcp.srcport & ip.src",
        "tcp.flags & tcp.flags.syn",
        "eth.src & frame",
        "ip.src & len(ip.src)",
        "eth.src & tcp.payload == 00",
        "tcp.srcport + 1 & ip.src",
        "tcp.srcport & 1 & ip.src",
        "ip.src & ip.dst & tcp.port",
        "tcp.srcport == 1 & ip.src",
        "tcp.srcport == 1 & tcp.flags.syn",
        "tcp.srcport == 1 + 1 & ip.src",
        // `&` after a literal on the right, and arithmetic on a mask.
        "eth.src == 00:00:00:00:00:00 & ip.dst",
        "ip.src == 127.0.0.1 & \"x\"",
        "ip.src == \"127.0.0.1\" & 255.0.0.0",
        "ip.src == 127.0.0.1 & tcp.port",
        "ip.src == 127.0.0.1 & 5",
        "ip.src == 127.0.0.1 & 255.0.0.x",
        "ip.src == 127.0.0.1 & len(ip.src)",
        "ip.src == 127.0.0.1 &",
        "ip.src == 127.0.0.1 & -255.0.0.0",
        "tcp.payload == 00 & ip.src",
        "frame.time_delta == 1.0 & 2",
        "frame.protocols == \"a\" & \"b\"",
        "frame.protocols == abc & \"b\"",
        "ip.src == 127.0.0.1 & 255.0.0.0 + 1",
        "ip.src == ip.dst & 255.0.0.0 + 1",
        "ip.src == ip.dst & ip.src * 2",
        "ip.src & 255.0.0.0 -1 == 1.1.1.1",
        "eth.src & eth.dst - 1 == 00:00:00:00:00:00",
        "tcp.payload == 01 & 00 % 2",
        "frame[0:1] & frame[1:1] / 2 == 00",
        // Chained comparisons: the middle is the next comparison's left side.
        "tcp.port == 80 == 80",
        "tcp.srcport > 1 < tcp.dstport",
        "tcp.srcport < tcp.dstport < 60000 < 70000",
        "ip.src == 127.0.0.1 & 255.0.0.0 == 1",
        "tcp.srcport == 1 & 2 == 1",
        "tcp.len > 0 contains 1",
        "tcp.srcport < tcp.dstport <",
        // `not in` after an entity only; membership of a field only.
        "tcp.srcport + 1 not in {1}",
        "tcp.port & 1 not in {1}",
        "tcp.port not {80}",
        "tcp.port not",
        "tcp.port not contains 1",
        "len(tcp.payload) in {0}",
        "count(tcp.port) not in {2}",
        "tcp.payload[0:1] in {77}",
        "${tcp.port} not in {1}",
        "max(tcp.port, 1) in {1}",
        "len(tcp.port) contains 1",
        "max(tcp.port,1) contains 1",
        // Escapes Wireshark 4.0's scanner refuses.
        r#"frame contains "\q""#,
        r#"frame contains "\777""#,
        r#"frame contains "\xg""#,
        r#"frame contains "\u12""#,
        r#"frame contains "\uD800""#,
        r#"frame contains "\U00110000""#,
        r#"frame contains "\u0077""#,
        r#"frame contains "\u""#,
        r"tcp.port == '\u0077'",
        // `#` reads a layer wherever it stands.
        "tcp.port == 12345 # comment",
        "tcp.port == 1 #",
        "tcp.port == 1 #2",
        "(#a",
        "1#2 == 1",
        // A masked number's literal is checked against its field's range.
        "ip.ttl & 0x40 < 1000",
        "tcp.srcport & 0xff == 70000",
        // A slice's range: one word up to `,` or `]`, read as `drange_node_from_str` reads it.
        "frame[1-] == 00",
        "frame[1:2:3] == 1",
        "frame[ ] == 1",
        "frame[1 2] == 1",
        r#"frame["1"] == 1"#,
        "frame[1.5] == 1",
        "frame[08] == 00",
        "frame[#1] == 00",
        "frame[1:#] == 1",
        "frame[#]",
        "frame[(1)] == 1",
        "frame[2147483648] == 00",
        "frame[1:2147483648] == 00",
        "frame[99999999999]",
        "frame[-1-2] == 00",
        "frame[0x:1] == 00",
        "tcp.payload[ -1: ] == 0a",
        "frame[1:2] == 1 and frame[x] == 1 and )",
        "ip#0x1",
        "ip#99999999999",
        "ip.src#[1:2147483648] == 127.0.0.1",
        "tcp.payload[0:4][x]",
        // Only bytes, addresses and text are sliced.
        "tcp.port[0] == 1",
        "tcp.len[0]",
        "frame.time[0] == 00",
        "tcp.flags.syn[0]",
        "tcp.analysis.flags[0]",
        "tcp.port[0][0]",
        "tcp.port[0] == 1 and )",
        "len(frame)[0]",
        "count(ip.addr)[0] == 1",
        // A function is no test alone; its argument is a field, not a literal, arithmetic
        // or a slice.
        "len(frame)",
        "upper(tcp.payload) or tcp",
        "not count(frame[0])",
        "count(frame[x])",
        "len(tcp.prt)",
        "len(tcp.payload[0:4]) == 2",
        r#"lower(tcp.payload[0:2]) == "we""#,
        "len(upper(tcp.flags.str)[0]) == 1",
        r#"upper(tcp.prt) == "A""#,
        r#"len("abc") == 1"#,
        "len(80) == 1",
        "len('a') == 1",
        "len(-tcp.len) == 1",
        "len(tcp.len * 2 + 1 - 3) == 1",
        r#"upper(tcp.len & 1) == "A""#,
        "len(frame[0]) == 1 and )",
    ] {
        let tshark = std::process::Command::new("tshark")
            .args(["-r"])
            .arg(&file)
            .args(["-Y", filter])
            .output()
            .expect("tshark");
        let theirs = String::from_utf8_lossy(&tshark.stderr)
            .lines()
            .filter(|l| !l.starts_with("Running as user"))
            .map(|l| l.replacen("tshark: ", "sniffer: ", 1))
            .collect::<Vec<_>>();
        let ours = refused(&file, filter);
        assert!(ours.stdout.is_empty());
        let ours: Vec<String> = String::from_utf8_lossy(&ours.stderr)
            .lines()
            .map(str::to_owned)
            .collect();
        assert_eq!(ours, theirs, "[{filter}]");
    }
}

/// A protocol Wireshark dissects and sniffer does not (`dns`) is a field to both, checked as
/// tshark checks it (a type error, a syntax error first), but a filter that passes is refused
/// here, where tshark would select that protocol's frames.
#[test]
fn protocols_wireshark_dissects_and_sniffer_does_not_are_refused_by_name() {
    if !common::has_tshark() {
        return;
    }
    let file = fixture("greeting-ipv4.pcap");
    for (filter, name) in [
        ("dns", "dns"),
        ("tcp.port == 80 or dns", "dns"),
        ("frame contains tls and not gre", "tls"),
        ("!igmp && ip.ttl > 0", "igmp"),
    ] {
        let tshark = std::process::Command::new("tshark")
            .arg("-r")
            .arg(&file)
            .args(["-Y", filter])
            .output()
            .expect("tshark");
        assert!(tshark.status.success(), "tshark refused [{filter}]");
        let ours = refused(&file, filter);
        let at = filter.find(name).unwrap_or_default();
        let message = format!(
            "sniffer: \"{name}\" is a protocol Wireshark dissects and this program does \
             not.\n    {filter}\n    {}^{}\n",
            " ".repeat(at),
            "~".repeat(name.len() - 1)
        );
        assert_eq!(String::from_utf8_lossy(&ours.stderr), message);
    }
}

/// A field Wireshark registers under one of the tree's protocols and the tree does not build
/// (`tcp.options.mptcp.subtype`) has its Wireshark type: a filter naming one is checked as
/// tshark checks it, then refused by name; a name under another protocol (`dns.qry.name`) is
/// refused at once, naming the protocol.
#[test]
fn fields_wireshark_dissects_and_sniffer_does_not_are_refused_by_name() {
    if !common::has_tshark() {
        return;
    }
    let file = fixture("greeting-ipv4.pcap");
    let tshark_accepts = |filter: &str| {
        std::process::Command::new("tshark")
            .arg("-r")
            .arg(&file)
            .args(["-Y", filter])
            .output()
            .expect("tshark")
            .status
            .success()
    };
    let mark = |filter: &str, name: &str| {
        let at = filter.find(name).unwrap_or_default();
        format!(
            "    {filter}\n    {}^{}\n",
            " ".repeat(at),
            "~".repeat(name.len() - 1)
        )
    };
    for (filter, name) in [
        (
            "tcp.options.mptcp.subtype == 1",
            "tcp.options.mptcp.subtype",
        ),
        (
            "tcp.options.mptcp.subtype == \"Join Connection\"",
            "tcp.options.mptcp.subtype",
        ),
        ("ip.geoip.country contains \"a\"", "ip.geoip.country"),
        ("tcp.port == 80 || icmpv6.nonce", "icmpv6.nonce"),
        ("udp.possible_traceroute", "udp.possible_traceroute"),
    ] {
        assert!(tshark_accepts(filter), "tshark refused [{filter}]");
        let ours = refused(&file, filter);
        let message = format!(
            "sniffer: \"{name}\" is a field this program does not read.\n{}",
            mark(filter, name)
        );
        assert_eq!(String::from_utf8_lossy(&ours.stderr), message);
    }
    for (filter, name, protocol) in [
        ("dns.qry.name == \"example.com\"", "dns.qry.name", "dns"),
        ("tls.handshake.type == 1", "tls.handshake.type", "tls"),
        ("tcp.port == 443 and tls.record", "tls.record", "tls"),
        ("tcp.port in {53, dns.id}", "dns.id", "dns"),
    ] {
        assert!(tshark_accepts(filter), "tshark refused [{filter}]");
        let ours = refused(&file, filter);
        let message = format!(
            "sniffer: \"{name}\" is in {protocol}, a protocol this program does not \
             dissect.\n{}",
            mark(filter, name)
        );
        assert_eq!(String::from_utf8_lossy(&ours.stderr), message);
    }
}

#[test]
fn an_empty_filter_selects_everything_and_a_bad_expression_is_refused() {
    let file = fixture("greeting-ipv4.pcap");
    let all = common::sniffer_output(&file, &["--format", "plain"]);
    assert_eq!(all.len(), 8);
    assert_eq!(
        common::sniffer_output(&file, &["--format", "plain", "-Y", " "]),
        all
    );
    let out = assert_cmd::Command::cargo_bin("sniffer")
        .expect("binary")
        .arg("read")
        .arg(&file)
        .args(["-Y", "frame matches \"((\""])
        .assert()
        .code(2)
        .get_output()
        .clone();
    assert!(String::from_utf8_lossy(&out.stderr).starts_with("sniffer: Regex compilation error: "));
}

/// A random filter from the grammar: relations on fields of several types, with values
/// drawn from the capture's, joined by `and`/`or`/`not`.
fn relation() -> impl Strategy<Value = String> {
    let port = prop::sample::select(vec!["12345", "40000", "40001", "80", "0x3039"]);
    let cmp = prop::sample::select(vec!["==", "!=", "<", ">=", "===", "!=="]);
    let quantifier = prop::sample::select(vec!["", "", "any ", "all "]);
    prop_oneof![
        (
            quantifier,
            prop::sample::select(vec!["tcp.port", "tcp.srcport", "tcp.dstport", "udp.port"]),
            cmp.clone(),
            port
        )
            .prop_map(|(q, f, c, v)| format!("{q}{f} {c} {v}")),
        (
            prop::sample::select(vec![
                "tcp.len",
                "frame.len",
                "ip.ttl",
                "tcp.stream",
                "tcp.flags.syn"
            ]),
            cmp,
            0u32..200
        )
            .prop_map(|(f, c, v)| format!("{f} {c} {v}")),
        (
            prop::sample::select(vec!["tcp.srcport", "tcp.len", "ip.ttl", "frame.len"]),
            prop::sample::select(vec!["+", "-", "*", "/", "%"]),
            prop::sample::select(vec!["1", "2", "7", "0", "tcp.dstport", "{ip.ttl - 3}"]),
            prop::sample::select(vec!["==", "!=", "<", ">="]),
            prop::sample::select(vec!["0", "200", "64", "100", "-3", "-200", "1 + 1"]),
        )
            .prop_map(|(f, op, x, c, v)| format!("{f} {op} {x} {c} {v}")),
        (
            prop::sample::select(vec![
                "eth.src[0]",
                "eth.dst[0:2]",
                "tcp.payload",
                "ip.src[3]"
            ]),
            prop::sample::select(vec!["0x01", "0x02", "0xff", "0f", "ff:00"]),
            prop::sample::select(vec!["", " == 02", " != 00", " > 01"]),
        )
            .prop_map(|(b, m, rest)| format!("{b} & {m}{rest}")),
        prop::sample::select(vec![
            "tcp",
            "udp",
            "icmp",
            "arp",
            "ipv6",
            "tcp.analysis.flags",
            "data",
            "tcp.options.sack_le",
            "ip.flags.df == 1",
            "ip.addr == 10.0.0.0/24",
            "tcp contains 00:00",
            "frame.protocols contains \"data\"",
            "eth.src contains eth.dst",
            "tcp.payload contains data.data",
            "${private_ipv4:ip.src}",
            "tcp.port == ${tcp.port}",
        ])
        .prop_map(str::to_owned),
    ]
}

fn filter() -> impl Strategy<Value = String> {
    relation().prop_recursive(3, 8, 2, |inner| {
        prop_oneof![
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a}) and ({b})")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a}) || ({b})")),
            inner.prop_map(|a| format!("!({a})")),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]
    #[test]
    fn random_filters_select_what_tshark_selects(f in filter()) {
        if common::has_tshark() {
            let (theirs, ours) = selected(&fixture("synthetic-every-tag.pcap"), &f);
            prop_assert_eq!(ours, theirs, "{}", f);
        }
    }
}
