//! Ethernet II's subtree.

use super::{bit_prefix, mac_hex, Base, Builder, Field, Kind, Value};
use crate::ether_names::EtherNames;
use crate::timeline::ethertype_names::ethertype_name;
use crate::timeline::mac_name;

fields! {
    ETH: "eth", "Ethernet II", Kind::Protocol;
    DST: "eth.dst", "Destination", Kind::Ether;
    SRC: "eth.src", "Source", Kind::Ether;
    ADDR: "eth.addr", "Address", Kind::Ether;
    DST_RESOLVED: "eth.dst_resolved", "Destination (resolved)", Kind::Str;
    SRC_RESOLVED: "eth.src_resolved", "Source (resolved)", Kind::Str;
    ADDR_RESOLVED: "eth.addr_resolved", "Address (resolved)", Kind::Str;
    DST_OUI: "eth.dst.oui", "Destination OUI", Kind::UInt(24, Base::Dec);
    SRC_OUI: "eth.src.oui", "Source OUI", Kind::UInt(24, Base::Dec);
    ADDR_OUI: "eth.addr.oui", "Address OUI", Kind::UInt(24, Base::Dec);
    DST_OUI_RESOLVED: "eth.dst.oui_resolved", "Destination OUI (resolved)", Kind::Str;
    SRC_OUI_RESOLVED: "eth.src.oui_resolved", "Source OUI (resolved)", Kind::Str;
    ADDR_OUI_RESOLVED: "eth.addr.oui_resolved", "Address OUI (resolved)", Kind::Str;
    DST_LG: "eth.dst.lg", "LG bit", Kind::Bool;
    DST_IG: "eth.dst.ig", "IG bit", Kind::Bool;
    SRC_LG: "eth.src.lg", "LG bit", Kind::Bool;
    SRC_IG: "eth.src.ig", "IG bit", Kind::Bool;
    LG: "eth.lg", "LG bit", Kind::Bool;
    IG: "eth.ig", "IG bit", Kind::Bool;
    TYPE: "eth.type", "Type", Kind::UInt(16, Base::Hex);
    LEN: "eth.len", "Length", Kind::UInt(16, Base::Dec);
    VLAN: "vlan", "802.1Q Virtual LAN", Kind::Protocol;
    VLAN_PRIORITY: "vlan.priority", "Priority", Kind::UInt(16, Base::Dec);
    VLAN_DEI: "vlan.dei", "DEI", Kind::Bool;
    VLAN_ID: "vlan.id", "ID", Kind::UInt(16, Base::Dec);
    VLAN_ETYPE: "vlan.etype", "Type", Kind::UInt(16, Base::Hex);
    VLAN_LEN: "vlan.len", "Length", Kind::UInt(16, Base::Dec);
    QINQ: "ieee8021ad", "IEEE 802.1ad", Kind::Protocol;
    QINQ_PRIORITY: "ieee8021ad.priority", "Priority", Kind::UInt(16, Base::Dec);
    QINQ_DEI: "ieee8021ad.dei", "DEI", Kind::UInt(16, Base::Dec);
    QINQ_ID: "ieee8021ad.id", "ID", Kind::UInt(16, Base::Dec);
    QINQ_ETYPE: "ieee8021ah.etype", "Type", Kind::UInt(16, Base::Hex);
    PADDING: "eth.padding", "Padding", Kind::Bytes;
    TRAILER: "eth.trailer", "Trailer", Kind::Bytes;
    VLAN_TRAILER: "vlan.trailer", "Trailer", Kind::Bytes;
    QINQ_TRAILER: "ieee8021ah.trailer", "Trailer", Kind::Bytes;
    FCS: "eth.fcs", "Frame check sequence", Kind::UInt(32, Base::Hex);
    FCS_STATUS: "eth.fcs.status", "FCS Status", Kind::UInt(8, Base::Dec);
}

/// An address as [`named`] writes it, looked up only when written: a tree built without
/// its text does not read the names' tables.
pub(super) struct Named(pub [u8; 6]);

impl std::fmt::Display for Named {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&named(self.0))
    }
}

/// `IntelCor_12:34:56 (00:1b:21:12:34:56)`, remembered per thread (at most 4,096).
pub(super) fn named(mac: [u8; 6]) -> String {
    use std::cell::RefCell;
    use std::collections::HashMap;
    thread_local! {
        static NAMED: RefCell<HashMap<[u8; 6], String, foldhash::fast::RandomState>> =
            RefCell::new(HashMap::default());
    }
    NAMED.with(|named| {
        let mut named = named.borrow_mut();
        if let Some(text) = named.get(&mac) {
            return text.clone();
        }
        if named.len() >= 4096 {
            named.clear();
        }
        let text = format!("{} ({})", mac_name(mac), mac_hex(mac));
        named.insert(mac, text.clone());
        text
    })
}

/// Builds Ethernet II's subtree for the header at `at`.
pub(super) fn build(b: &mut Builder, data: &[u8], at: usize, trailer: Option<Trailer>) {
    let mac = |i: usize| -> [u8; 6] {
        data.get(i..i + 6)
            .and_then(|m| m.try_into().ok())
            .unwrap_or_default()
    };
    let (dst, src) = (mac(at), mac(at + 6));
    let ether_type = data
        .get(at + 12..at + 14)
        .map_or(0, |t| u16::from_be_bytes([t[0], t[1]]));
    let (src_named, dst_named) = (Named(src), Named(dst));
    // An IEEE 802.3 frame has its length where Ethernet II has its type.
    let ieee_8023 = ether_type <= MAX_8023_LENGTH;
    if ieee_8023 {
        b.add(&ETH, Value::None, (at, 14), "IEEE 802.3 Ethernet ");
    } else {
        b.add(
            &ETH,
            Value::None,
            (at, 14),
            format_args!("Ethernet II, Src: {src_named}, Dst: {dst_named}"),
        );
    }
    b.open();
    let names = b.vendors().then(EtherNames::installed);
    for (field, resolved, (oui, oui_resolved), lg_field, ig_field, addr, offset) in [
        (
            &DST,
            &DST_RESOLVED,
            (&DST_OUI, &DST_OUI_RESOLVED),
            &DST_LG,
            &DST_IG,
            dst,
            at,
        ),
        (
            &SRC,
            &SRC_RESOLVED,
            (&SRC_OUI, &SRC_OUI_RESOLVED),
            &SRC_LG,
            &SRC_IG,
            src,
            at + 6,
        ),
    ] {
        let prefix = u64::from(u32::from_be_bytes([0, addr[0], addr[1], addr[2]]));
        let vendor = names.and_then(|n| n.oui_long_name(addr));
        b.add(
            field,
            Value::Ether(addr),
            (offset, 6),
            format_args!("{}: {}", field.name, Named(addr)),
        );
        b.open();
        b.hidden(resolved, Value::Ether(addr), (offset, 6));
        b.hidden(oui, Value::UInt(prefix), (offset, 3));
        if let Some(vendor) = vendor {
            b.hidden(oui_resolved, Value::Str(vendor.to_owned()), (offset, 6));
        }
        b.add(
            &ADDR,
            Value::Ether(addr),
            (offset, 6),
            format_args!("Address: {}", Named(addr)),
        );
        b.hidden(&ADDR_RESOLVED, Value::Ether(addr), (offset, 6));
        b.hidden(&ADDR_OUI, Value::UInt(prefix), (offset, 3));
        if let Some(vendor) = vendor {
            b.hidden(
                &ADDR_OUI_RESOLVED,
                Value::Str(vendor.to_owned()),
                (offset, 6),
            );
        }
        let first = u64::from(addr[0]) << 16;
        for (field, any, mask, name, set_text, clear_text) in [
            (
                lg_field,
                &LG,
                0x02_0000,
                "LG",
                "Locally administered address (this is NOT the factory default)",
                "Globally unique address (factory default)",
            ),
            (
                ig_field,
                &IG,
                0x01_0000,
                "IG",
                "Group address (multicast/broadcast)",
                "Individual address (unicast)",
            ),
        ] {
            let set = first & mask != 0;
            b.add(
                field,
                Value::Bool(set),
                (offset, 3),
                format_args!(
                    "{}{name} bit: {}",
                    bit_prefix(first, mask, 24),
                    if set { set_text } else { clear_text }
                ),
            );
            b.hidden(any, Value::Bool(set), (offset, 3));
        }
        b.close();
    }
    if ieee_8023 {
        b.field(&LEN, Value::UInt(u64::from(ether_type)), (at + 12, 2));
    } else {
        b.add(
            &TYPE,
            Value::UInt(u64::from(ether_type)),
            (at + 12, 2),
            format_args!(
                "Type: {} (0x{ether_type:04x})",
                ethertype_name(ether_type).unwrap_or("Unknown")
            ),
        );
    }
    if let Some(t) = trailer {
        build_trailer(b, data, t);
    }
    b.close();
}

/// The largest value of the type field that is an IEEE 802.3 frame's length.
pub(super) const MAX_8023_LENGTH: u16 = 1500;

/// The name of an 802.1p priority.
fn priority_name(pcp: u16) -> &'static str {
    match pcp {
        0 => "Best Effort (default)",
        1 => "Background",
        2 => "Excellent Effort",
        3 => "Critical Applications",
        4 => "Video, < 100ms latency and jitter",
        5 => "Voice, < 10ms latency and jitter",
        6 => "Internetwork Control",
        _ => "Network Control",
    }
}

/// An 802.1Q tag at `at`: priority, DEI, VLAN identifier, the type it carries.
pub(super) fn build_vlan(b: &mut Builder, data: &[u8], at: usize, trailer: Option<Trailer>) {
    let tci = data
        .get(at..at + 2)
        .map_or(0, |t| u16::from_be_bytes([t[0], t[1]]));
    let ether_type = data
        .get(at + 2..at + 4)
        .map_or(0, |t| u16::from_be_bytes([t[0], t[1]]));
    vlan_tci(b, at, tci);
    if ether_type <= MAX_8023_LENGTH {
        // A length, as in IEEE 802.3.
        b.field(&VLAN_LEN, Value::UInt(u64::from(ether_type)), (at + 2, 2));
        if usize::from(ether_type) > data.len().saturating_sub(at + 4) {
            b.expert(
                "vlan.len.past_end",
                "Error",
                "Malformed",
                "Length field value goes past the end of the payload",
            );
        }
        b.close();
        return;
    }
    tag_end(b, data, (&VLAN_ETYPE, ether_type, at + 2), trailer);
}

/// An 802.1Q or 802.1ad tag at `at` that the capture cut: an 802.1Q tag's title and fields
/// once its TCI is there, an 802.1ad tag's title alone; then the line that says the capture
/// cut it, as Wireshark shows them.
pub(super) fn build_tag_cut(b: &mut Builder, data: &[u8], at: usize, kind: TagKind) {
    let tci = data
        .get(at..at + 2)
        .map(|t| u16::from_be_bytes([t[0], t[1]]));
    match (kind, tci) {
        (TagKind::Vlan, Some(tci)) => {
            vlan_tci(b, at, tci);
            b.close();
        }
        (TagKind::Qinq, Some(_)) => {
            b.add(&QINQ, Value::None, (at, data.len() - at), "IEEE 802.1ad");
        }
        (_, None) => {}
    }
    let name = match kind {
        TagKind::Vlan => "VLAN",
        TagKind::Qinq => "IEEE 802.1AD",
    };
    super::truncated(b, name, data.len());
}

/// An 802.1Q tag's title and the fields of its TCI (priority, DEI, VLAN identifier); leaves
/// its subtree open.
fn vlan_tci(b: &mut Builder, at: usize, tci: u16) {
    let (pcp, dei, vid) = (tci >> 13, (tci >> 12) & 1, tci & 0x0fff);
    b.add(
        &VLAN,
        Value::None,
        (at, 4),
        format_args!("802.1Q Virtual LAN, PRI: {pcp}, DEI: {dei}, ID: {vid}"),
    );
    b.open();
    let t = u64::from(tci);
    b.add(
        &VLAN_PRIORITY,
        Value::UInt(u64::from(pcp)),
        (at, 2),
        format_args!(
            "{}Priority: {} ({pcp})",
            bit_prefix(t, 0xe000, 16),
            priority_name(pcp)
        ),
    );
    b.add(
        &VLAN_DEI,
        Value::Bool(dei == 1),
        (at, 2),
        format_args!(
            "{}DEI: {}",
            bit_prefix(t, 0x1000, 16),
            if dei == 1 { "Eligible" } else { "Ineligible" }
        ),
    );
    b.add(
        &VLAN_ID,
        Value::UInt(u64::from(vid)),
        (at, 2),
        format_args!("{}ID: {vid}", bit_prefix(t, 0x0fff, 16)),
    );
}

/// The tag a payload follows, which then owns what follows the payload.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum TagKind {
    /// 802.1Q.
    Vlan,
    /// 802.1ad.
    Qinq,
}

/// An 802.1ad (Q-in-Q) service tag at `at`: priority, DEI, ID, the type it carries, and what
/// follows the payload when it is the last tag.
pub(super) fn build_qinq(b: &mut Builder, data: &[u8], at: usize, trailer: Option<Trailer>) {
    let word = |i: usize| {
        data.get(i..i + 2)
            .map_or(0, |t| u16::from_be_bytes([t[0], t[1]]))
    };
    let (tci, ether_type) = (word(at), word(at + 2));
    let vid = tci & 0x0fff;
    b.add(
        &QINQ,
        Value::None,
        (at, 4),
        format_args!("IEEE 802.1ad, ID: {vid}"),
    );
    b.open();
    let t = u64::from(tci);
    for (field, mask) in [
        (&QINQ_PRIORITY, 0xe000u64),
        (&QINQ_DEI, 0x1000),
        (&QINQ_ID, 0x0fff),
    ] {
        let value = (t & mask) >> mask.trailing_zeros();
        b.add(
            field,
            Value::UInt(value),
            (at, 2),
            format_args!("{}{}: {value}", bit_prefix(t, mask, 16), field.name),
        );
    }
    tag_end(b, data, (&QINQ_ETYPE, ether_type, at + 2), trailer);
}

/// A tag's last lines: the type it carries (its field, value and place), then what follows
/// the payload when it is the last tag; closes the tag's subtree.
fn tag_end(
    b: &mut Builder,
    data: &[u8],
    (field, ether_type, at): (&'static Field, u16, usize),
    trailer: Option<Trailer>,
) {
    b.add(
        field,
        Value::UInt(u64::from(ether_type)),
        (at, 2),
        format_args!(
            "Type: {} (0x{ether_type:04x})",
            ethertype_name(ether_type).unwrap_or("Unknown")
        ),
    );
    if let Some(t) = trailer {
        build_trailer(b, data, t);
    }
    b.close();
}

/// What follows the payload of an Ethernet frame: where it starts, and which tag carried the
/// payload, if one did (then the trailer is the tag's, and never ends in a frame check
/// sequence, as in Wireshark).
#[derive(Clone, Copy, Debug)]
pub(super) struct Trailer {
    pub start: usize,
    pub under_tag: Option<TagKind>,
    /// The frame's length on the wire.
    pub wire_len: usize,
}

/// How what follows a frame's payload divides, as Wireshark 4.0 reads it when the capture
/// does not say whether frames keep their frame check sequence: zeros up to Ethernet's
/// 60-byte minimum are padding (unless one of them is not zero: then all is trailer), the
/// last four bytes of a frame of 64 bytes or more are its FCS (never under a tag), the rest
/// is trailer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Parts {
    /// Bytes of padding shown.
    padding: usize,
    /// Padding was expected but a byte of it is not zero.
    bad_padding: bool,
    /// Bytes of trailer shown (those captured).
    trailer: usize,
    /// The FCS is shown (it was captured).
    fcs: bool,
    /// Wireshark stops here: the capture cut the padding it checks, or the FCS it reads.
    cut: bool,
}

/// How the bytes after `t.start` divide, of the `captured` bytes of a frame; `None` when
/// none of them was captured (Wireshark then shows nothing of them).
fn parts(data: &[u8], t: &Trailer) -> Option<Parts> {
    let captured = data.len().checked_sub(t.start).filter(|&c| c > 0)?;
    let reported = t.wire_len.saturating_sub(t.start).max(captured);
    // A frame shorter than Ethernet's minimum has no padding: all of it is trailer.
    let mut padding = if t.wire_len < 60 {
        0
    } else {
        60usize.saturating_sub(t.start).min(reported)
    };
    // Wireshark checks the padding byte by byte: a byte that is not zero ends the check (it
    // is all trailer), one the capture did not keep ends the dissection.
    let checked = &data[t.start..t.start + padding.min(captured)];
    let bad_padding = checked.iter().any(|&x| x != 0);
    if bad_padding {
        padding = 0;
    } else if padding > captured {
        return Some(Parts {
            padding: 0,
            bad_padding,
            trailer: 0,
            fcs: false,
            cut: true,
        });
    }
    let (mut trailer, mut trailer_reported) = (captured - padding, reported - padding);
    let has_fcs = t.under_tag.is_none()
        && t.wire_len >= 64
        && trailer_reported >= 4
        && data.len() <= t.wire_len;
    if has_fcs {
        trailer_reported -= 4;
        trailer = trailer.min(trailer_reported);
    }
    let cut = has_fcs && captured < reported;
    Some(Parts {
        padding,
        bad_padding,
        trailer,
        fcs: has_fcs && !cut,
        cut,
    })
}

/// Whether the capture cut what follows the payload where Wireshark stops reading it (the
/// padding it checks, or the frame check sequence it reads): `[Packet size limited during
/// capture]` then ends the Info column, and the details end with the line
/// [`super::truncated`] writes.
pub(super) fn trailer_cut(data: &[u8], t: &Trailer) -> bool {
    parts(data, t).is_some_and(|p| p.cut)
}

/// [`trailer_cut`] for bytes after the payload none of which was captured, where Wireshark
/// reads them all the same (after an IEEE 802.3 payload): it stops at the padding it checks
/// or at the frame check sequence.
pub(super) fn trailer_cut_uncaptured(t: &Trailer) -> bool {
    let reported = t.wire_len.saturating_sub(t.start);
    let padding = t.wire_len >= 60 && t.start < 60;
    let fcs = t.under_tag.is_none() && t.wire_len >= 64 && reported >= 4;
    reported > 0 && (padding || fcs)
}

/// Padding, trailer and frame check sequence, as [`parts`] divides them.
fn build_trailer(b: &mut Builder, data: &[u8], t: Trailer) {
    let Some(Parts {
        padding,
        bad_padding,
        trailer,
        fcs,
        ..
    }) = parts(data, &t)
    else {
        return;
    };
    let rest = &data[t.start..];
    let hex = |bytes: &[u8]| super::hex_bytes(bytes);
    if padding > 0 {
        b.add(
            &PADDING,
            Value::Bytes,
            (t.start, padding),
            format_args!("Padding: {}", hex(&rest[..padding])),
        );
    }
    if trailer > 0 {
        let at = t.start + padding;
        // Under a tag, the trailer is the tag's.
        let field = match t.under_tag {
            None => &TRAILER,
            Some(TagKind::Vlan) => &VLAN_TRAILER,
            Some(TagKind::Qinq) => &QINQ_TRAILER,
        };
        b.add(
            field,
            Value::Bytes,
            (at, trailer),
            format_args!("Trailer: {}", hex(&rest[padding..padding + trailer])),
        );
        if bad_padding {
            b.expert(
                "eth.padding_bad",
                "Note",
                "Protocol",
                "Didn't find padding of zeros, and an undecoded trailer exists. There may be padding of non-zeros.",
            );
        }
    }
    if fcs {
        let at = t.start + padding + trailer;
        let value = data
            .get(at..at + 4)
            .map_or(0, |f| u32::from_be_bytes([f[0], f[1], f[2], f[3]]));
        b.add(
            &FCS,
            Value::UInt(u64::from(value)),
            (at, 4),
            format_args!("Frame check sequence: 0x{value:08x} [unverified]"),
        );
        b.add(
            &FCS_STATUS,
            Value::UInt(2),
            (at, 4),
            "FCS Status: Unverified",
        )
        .generated = true;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A frame of `wire_len` bytes whose payload ends at 54, `captured` of them kept, what
    /// follows the payload zeros.
    fn split(wire_len: usize, captured: usize, under_tag: Option<TagKind>) -> Option<Parts> {
        let data = vec![0u8; captured];
        let t = Trailer {
            start: 54,
            under_tag,
            wire_len,
        };
        parts(&data, &t)
    }

    #[test]
    fn padding_the_capture_cut_stops_the_reading() {
        // 60 bytes: 6 of padding, 3 kept.
        let p = split(60, 57, None).expect("some of it captured");
        assert!(p.cut);
        assert_eq!((p.padding, p.trailer, p.fcs), (0, 0, false));
        // None of it kept: Wireshark shows nothing of it.
        assert_eq!(split(60, 54, None), None);
        // All of it: padding, no frame check sequence below 64 bytes.
        let p = split(60, 60, None).expect("captured");
        assert!(!p.cut);
        assert_eq!((p.padding, p.trailer, p.fcs), (6, 0, false));
    }

    #[test]
    fn a_frame_check_sequence_the_capture_cut_stops_the_reading_after_the_trailer() {
        // 84 bytes: 6 of padding, 20 of trailer, 4 of FCS; 12 after the payload kept.
        let p = split(84, 66, None).expect("captured");
        assert!(p.cut);
        assert_eq!((p.padding, p.trailer, p.fcs), (6, 6, false));
        // Kept to the FCS but not all of it: the trailer whole.
        let p = split(84, 82, None).expect("captured");
        assert!(p.cut);
        assert_eq!((p.padding, p.trailer), (6, 20));
        // All of it.
        let p = split(84, 84, None).expect("captured");
        assert!(!p.cut);
        assert_eq!((p.padding, p.trailer, p.fcs), (6, 20, true));
    }

    #[test]
    fn under_a_tag_or_below_the_minimum_a_cut_trailer_is_shown_as_kept() {
        // A tag's trailer never ends in an FCS: what was kept is shown.
        let p = split(84, 66, Some(TagKind::Vlan)).expect("captured");
        assert!(!p.cut);
        assert_eq!((p.padding, p.trailer), (6, 6));
        // A 58-byte frame has no padding and no FCS.
        let p = split(58, 56, None).expect("captured");
        assert!(!p.cut);
        assert_eq!((p.padding, p.trailer), (0, 2));
    }

    #[test]
    fn padding_that_is_not_zeros_is_a_trailer_even_cut() {
        let data = [vec![0u8; 54], vec![1u8; 3]].concat();
        let t = Trailer {
            start: 54,
            under_tag: None,
            wire_len: 60,
        };
        let p = parts(&data, &t).expect("captured");
        assert!(p.bad_padding && !p.cut);
        assert_eq!((p.padding, p.trailer), (0, 3));
    }

    #[test]
    fn after_an_8023_payload_nothing_captured_is_still_read() {
        let t = |start, wire_len| Trailer {
            start,
            under_tag: None,
            wire_len,
        };
        // Padding expected.
        assert!(trailer_cut_uncaptured(&t(53, 60)));
        // The payload fills the frame.
        assert!(!trailer_cut_uncaptured(&t(60, 60)));
        // No padding, but an FCS.
        assert!(trailer_cut_uncaptured(&t(64, 70)));
        // Neither: two bytes of trailer, shown as kept.
        assert!(!trailer_cut_uncaptured(&t(61, 63)));
    }
}
