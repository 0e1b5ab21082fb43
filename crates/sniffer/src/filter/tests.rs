//! The compiler's answers: what it accepts, and its refusals in Wireshark's words (each
//! checked against tshark 4.0's).

use super::DisplayFilter;

fn error(text: &str) -> String {
    match DisplayFilter::compile(text) {
        Ok(_) => panic!("{text} compiled"),
        Err(e) => e.render(text),
    }
}

#[test]
fn accepts_the_lessons_filters() {
    for text in [
        "tcp.port==12345",
        "tcp.analysis.retransmission",
        "tcp.flags.syn==1 && tcp.flags.ack==0",
        "tcp.stream==3",
        "tcp contains \"python\"",
        "tcp.port in {80, 443, 8000..8080}",
        "ip.addr == 10.0.0.0/8 and not ip.src == 10.0.0.1",
        "ipv6.addr == ::1",
        "eth.src == 02:00:00:00:00:01",
        "frame.time_relative > 1.5",
        "tcp.flags.syn == True",
        "count(tcp.options.sack_le) >= 1",
        "len(data.data) > 10",
        "upper(frame.protocols) contains \"TCP\"",
        "frame.protocols matches \"(?i)TCP$\"",
        "tcp.srcport eq 0x3039 || tcp.dstport gt 010",
        "!(udp)",
        "tcp.port !== 80",
        "tcp.port ~= 80",
        "tcp.port === 80",
        "tcp.srcport == tcp.dstport",
        "eth.src[0:3] == 02:00:00",
        "tcp.payload[-2:] == 79:7a",
        "tcp.flags & 0x12 == 0x12",
    ] {
        if let Err(e) = DisplayFilter::compile(text) {
            panic!("{text}: {}", e.render(text));
        }
    }
}

#[test]
fn refuses_in_wiresharks_words() {
    assert_eq!(
        error("tcp.prt"),
        "tcp.prt is neither a field nor a protocol name.\n    tcp.prt\n    ^~~~~~~"
    );
    assert_eq!(error("tcp.port =="), "Unexpected end of filter expression.");
    assert_eq!(
        error("(tcp.port == 1"),
        "Unexpected end of filter expression."
    );
    assert_eq!(
        error("tcp.port == == 1"),
        "\"==\" was unexpected in this context.\n    tcp.port == == 1\n                ^~"
    );
    assert_eq!(
        error("tcp.port == foo"),
        "\"foo\" is not a valid number.\n    tcp.port == foo\n                ^~~"
    );
    assert_eq!(
        error("tcp.port == 99999").lines().next(),
        Some("\"99999\" too big for this field, maximum 65535.")
    );
    assert_eq!(
        error("ip.src == abc").lines().next(),
        Some("\"abc\" is not a valid hostname or IPv4 address.")
    );
    assert_eq!(
        error("ip.src == \"abc\"").lines().next(),
        Some("IPv4 address cannot be converted from a string (\"abc\").")
    );
    assert_eq!(
        error("eth.src == 1.2.3.4").lines().next(),
        Some("\"1.2.3.4\" contains too few bytes to be a valid Ethernet address.")
    );
    assert_eq!(
        error("tcp.port matches \"x\"").lines().next(),
        Some(
            "tcp.port (type=Unsigned integer (2 bytes)) cannot participate in matches comparison."
        )
    );
    assert_eq!(
        error("tcp.port in {80 443}").lines().next(),
        Some("\"443\" was unexpected in this context.")
    );
    assert_eq!(
        error("tcp.port == 80)"),
        "\")\" was unexpected in this context.\n    tcp.port == 80)\n                  ^"
    );
    assert_eq!(
        error("frame.time_relative > abc").lines().next(),
        Some("\"abc\" is not a valid time.")
    );
    assert_eq!(
        error("1 == 1").lines().next(),
        Some("Left side of \"==\" expression must be a field or function, not 1.")
    );
}

#[test]
fn quantifiers_are_read_into_the_comparison_or_over_the_relation() {
    use super::parse::{Cmp, Test};
    let root = |text: &str| match DisplayFilter::compile(text) {
        Ok(f) => f.root,
        Err(e) => panic!("{text}: {}", e.render(text)),
    };
    let cmp = |text: &str| match root(text) {
        Test::Compare(_, cmp, _) | Test::CompareFields(_, cmp, _) => cmp,
        other => panic!("{text}: {other:?}"),
    };
    assert_eq!(cmp("all tcp.port == 80"), Cmp::AllEq);
    assert_eq!(cmp("any tcp.port === 80"), Cmp::AnyEq);
    assert_eq!(cmp("any tcp.port != 80"), Cmp::AnyNe);
    assert_eq!(cmp("all tcp.port !== 80"), Cmp::AllNe);
    assert_eq!(cmp("any tcp.port < tcp.srcport"), Cmp::Lt);
    for text in [
        "all tcp.port < 80",
        "all tcp.port in {80}",
        "all frame contains 00",
        "all frame.protocols matches \"x\"",
        "all tcp.port > tcp.srcport",
    ] {
        assert!(matches!(root(text), Test::All(_)), "{text}");
    }
    assert_eq!(
        error("all tcp.port"),
        "Unexpected end of filter expression."
    );
    assert_eq!(
        error("all tcp.prt == 1"),
        "Left side of \"==\" expression must be a field or function, not tcp.prt.\n    \
         all tcp.prt == 1\n        ^~~~~~~"
    );
    assert_eq!(
        error("any any tcp.port == 1"),
        "\"any\" was unexpected in this context.\n    any any tcp.port == 1\n        ^~~"
    );
}

#[test]
fn binary_integers_are_read() {
    assert!(DisplayFilter::compile("tcp.srcport == 0b11000000111001").is_ok());
    assert_eq!(
        error("ip.ttl == 0b2"),
        "\"0b2\" is not a valid number.\n    ip.ttl == 0b2\n              ^~~"
    );
}

#[test]
fn layers_are_numbered_from_one_and_from_the_last_when_negative() {
    use super::parse::{Operand, Test};
    let layers = |text: &str| match DisplayFilter::compile(text) {
        Ok(f) => match f.root {
            Test::Exists(f) | Test::Compare(Operand::Field(f), ..) => f.layers,
            other => panic!("{text}: {other:?}"),
        },
        Err(e) => panic!("{text}: {}", e.render(text)),
    };
    let taken = |text: &str, total: usize| -> Vec<usize> {
        let l = layers(text);
        (0..=total).filter(|&n| l.takes(n, total)).collect()
    };
    assert_eq!(taken("ip.src", 3), vec![0, 1, 2, 3]);
    assert_eq!(taken("ip.src#2", 3), vec![2]);
    assert_eq!(taken("ip.src#[2-3]", 3), vec![2, 3]);
    assert_eq!(taken("ip.src#[1:2]", 3), vec![1, 2]);
    assert_eq!(taken("ip.src#[-1]", 3), vec![3]);
    assert_eq!(taken("ip.src#[-2:]", 3), vec![2, 3]);
    assert_eq!(taken("ip.src#[1,3]", 3), vec![1, 3]);
    assert_eq!(taken("ip.src#[2:] == 1.2.3.4", 3), vec![2, 3]);
    assert_eq!(
        error("ip.src#a"),
        "Expected digit or \"[\", not \"a\"\n    ip.src#a\n           ^"
    );
    assert_eq!(
        error("tcp.prt#2"),
        "tcp.prt is not a valid field\n    tcp.prt#2\n    ^~~~~~~"
    );
}

#[test]
fn words_end_where_wiresharks_scanner_ends_them() {
    let words = |text: &str| -> Vec<String> {
        super::lex::tokens(text)
            .expect("tokens")
            .into_iter()
            .map(|t| match t.tok {
                super::lex::Tok::Word(w) => w,
                super::lex::Tok::Str(_) => "\"…\"".to_owned(),
                super::lex::Tok::Char(_, w) => w,
                super::lex::Tok::Punct(p) => p.to_owned(),
            })
            .collect()
    };
    assert_eq!(words("80:2"), ["80", ":2"]);
    assert_eq!(words("10.0.0.1:2"), ["10.0.0.1", ":2"]);
    assert_eq!(words("10.0.0.0/8"), ["10.0.0.0/8"]);
    assert_eq!(words("10.0.0.0/123"), ["10.0.0.0/12", "3"]);
    assert_eq!(words("10.0.0.0/x"), ["10.0.0.0", "/", "x"]);
    assert_eq!(words("1.2.3/8"), ["1.2.3", "/", "8"]);
    assert_eq!(words("fe80::1/64"), ["fe80::1/64"]);
    assert_eq!(words("::ffff:1.2.3.4"), ["::ffff:1.2.3.4"]);
    assert_eq!(words("::ffff:1.2.3.04"), ["::ffff:1.2.3.0", "4"]);
    assert_eq!(words("2026-11-24T14:51:45"), ["2026-11-24T14", ":51:45"]);
    assert_eq!(words("aa:bb:cc:dd:ee:ff"), ["aa:bb:cc:dd:ee:ff"]);
    assert_eq!(words(":aa:bb"), [":aa:bb"]);
    assert_eq!(words("-.tcp.port"), ["-", "tcp.port"]);
    // Inside a slice's brackets a word is whole.
    assert_eq!(words("frame[1:2]"), ["frame", "[", "1:2", "]"]);
}

#[test]
fn character_constants_are_read_as_wiresharks() {
    let value = |text: &str| match super::lex::tokens(text).map(|t| t[0].tok.clone()) {
        Ok(super::lex::Tok::Char(v, _)) => Ok(v),
        Ok(other) => panic!("{other:?}"),
        Err(e) => Err(e.message),
    };
    assert_eq!(value("'a'"), Ok(97));
    assert_eq!(value("'\\x41'"), Ok(65));
    assert_eq!(value("'\\101'"), Ok(65));
    assert_eq!(value("'\\''"), Ok(39));
    assert_eq!(value("'\\t'"), Ok(9));
    // Wireshark 4.0 refuses `'\n'`, and so does this.
    assert_eq!(
        value("'\\n'"),
        Err("'\\n' is too long to be a valid character constant.".to_owned())
    );
    assert_eq!(
        value("'\\777'"),
        Err("'\\777' is too large to be a valid character constant.".to_owned())
    );
    assert_eq!(value("''"), Err("Empty character constant.".to_owned()));
    assert_eq!(
        value("'\\8'"),
        Err("'\\8' isn't a valid character constant.".to_owned())
    );
}

#[test]
fn prefix_masks_cover_the_first_bits() {
    use super::parse::prefix_mask;
    assert_eq!(prefix_mask(0, 32), 0);
    assert_eq!(prefix_mask(8, 32), 0xff00_0000);
    assert_eq!(prefix_mask(32, 32), 0xffff_ffff);
    assert_eq!(prefix_mask(33, 32), 0xffff_ffff);
    assert_eq!(prefix_mask(128, 128), u128::MAX);
    assert_eq!(prefix_mask(1, 128), 1 << 127);
}
