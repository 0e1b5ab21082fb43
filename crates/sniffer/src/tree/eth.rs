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
    VLAN: "vlan", "802.1Q Virtual LAN", Kind::Protocol;
    VLAN_PRIORITY: "vlan.priority", "Priority", Kind::UInt(16, Base::Dec);
    VLAN_DEI: "vlan.dei", "DEI", Kind::Bool;
    VLAN_ID: "vlan.id", "ID", Kind::UInt(16, Base::Dec);
    VLAN_ETYPE: "vlan.etype", "Type", Kind::UInt(16, Base::Hex);
}

/// `IntelCor_12:34:56 (00:1b:21:12:34:56)`, remembered per thread (at most 4,096).
fn named(mac: [u8; 6]) -> String {
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
pub(super) fn build(b: &mut Builder, data: &[u8], at: usize) {
    let mac = |i: usize| -> [u8; 6] {
        data.get(i..i + 6)
            .and_then(|m| m.try_into().ok())
            .unwrap_or_default()
    };
    let (dst, src) = (mac(at), mac(at + 6));
    let ether_type = data
        .get(at + 12..at + 14)
        .map_or(0, |t| u16::from_be_bytes([t[0], t[1]]));
    let (src_named, dst_named) = (named(src), named(dst));
    b.add(
        &ETH,
        Value::None,
        (at, 14),
        format_args!("Ethernet II, Src: {src_named}, Dst: {dst_named}"),
    );
    b.open();
    let names = EtherNames::installed();
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
        let vendor = names.oui_long_name(addr);
        b.add(
            field,
            Value::Ether(addr),
            (offset, 6),
            format_args!("{}: {}", field.name, named(addr)),
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
            format_args!("Address: {}", named(addr)),
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
    b.add(
        &TYPE,
        Value::UInt(u64::from(ether_type)),
        (at + 12, 2),
        format_args!(
            "Type: {} (0x{ether_type:04x})",
            ethertype_name(ether_type).unwrap_or("Unknown")
        ),
    );
    b.close();
}

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
pub(super) fn build_vlan(b: &mut Builder, data: &[u8], at: usize) {
    let tci = data
        .get(at..at + 2)
        .map_or(0, |t| u16::from_be_bytes([t[0], t[1]]));
    let ether_type = data
        .get(at + 2..at + 4)
        .map_or(0, |t| u16::from_be_bytes([t[0], t[1]]));
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
    b.add(
        &VLAN_ETYPE,
        Value::UInt(u64::from(ether_type)),
        (at + 2, 2),
        format_args!(
            "Type: {} (0x{ether_type:04x})",
            ethertype_name(ether_type).unwrap_or("Unknown")
        ),
    );
    b.close();
}
