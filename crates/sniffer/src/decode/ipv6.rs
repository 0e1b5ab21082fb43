//! IPv6's own headers: the fixed header, the extension chain Wireshark walks (a Fragment
//! header, options that run past the packet, a jumbogram's length).

use super::*;

/// IPv6 extension header types this module walks (RFC 8200 §4).
pub mod ipv6_ext {
    pub const HOP_BY_HOP: u8 = 0;
    pub const ROUTING: u8 = 43;
    pub const FRAGMENT: u8 = 44;
    pub const AUTHENTICATION: u8 = 51;
    pub const DESTINATION_OPTIONS: u8 = 60;
    /// Bytes of a Fragment header.
    pub const FRAGMENT_LEN: usize = 8;
    /// Hop-by-Hop options: one byte of padding, and the Jumbo Payload length (RFC 2675).
    pub const PAD1: u8 = 0;
    pub const JUMBO_PAYLOAD: u8 = 0xc2;
    /// The option-carrying headers walked when checking that the chain fits the packet.
    pub const WALKED: [u8; 3] = [HOP_BY_HOP, ROUTING, DESTINATION_OPTIONS];
}

/// An IPv6 packet's extension headers read from their bytes (`next` first the fixed header's
/// Next Header): each one's type and bytes, in order, while they are Hop-by-Hop, Routing,
/// Fragment, Destination Options or Authentication headers and whole. Never reads past the
/// bytes.
///
/// (etherparse's own iterator over a laxly sliced extension chain is not used here: on an
/// oddly chained packet — a Hop-by-Hop header after a Routing header — version 0.21 reads
/// past the slice.)
struct ExtChain<'a> {
    next: u8,
    rest: &'a [u8],
}

impl<'a> Iterator for ExtChain<'a> {
    type Item = (u8, &'a [u8]);

    fn next(&mut self) -> Option<(u8, &'a [u8])> {
        let len = match self.next {
            ipv6_ext::FRAGMENT => ipv6_ext::FRAGMENT_LEN,
            ipv6_ext::HOP_BY_HOP | ipv6_ext::ROUTING | ipv6_ext::DESTINATION_OPTIONS => {
                (usize::from(*self.rest.get(1)?) + 1) * 8
            }
            ipv6_ext::AUTHENTICATION => (usize::from(*self.rest.get(1)?) + 2) * 4,
            _ => return None,
        };
        let kind = self.next;
        let header = self.rest.get(..len)?;
        self.next = header[0];
        self.rest = &self.rest[len..];
        Some((kind, header))
    }
}

/// The Fragment header among an IPv6 packet's extension headers (`first` is the fixed
/// header's Next Header).
pub(super) fn ipv6_fragment(first: u8, exts: &[u8], captured: bool) -> Option<Fragment> {
    let chain = ExtChain {
        next: first,
        rest: exts,
    };
    let (_, h) = chain
        .into_iter()
        .find(|(kind, _)| *kind == ipv6_ext::FRAGMENT)?;
    let offset_flags = u16::from_be_bytes([h[2], h[3]]);
    let offset = u32::from(offset_flags >> 3) * 8;
    let more = offset_flags & 1 == 1;
    if offset == 0 && !more {
        // An "atomic" fragment: the whole packet.
        return None;
    }
    Some(Fragment {
        id: u32::from_be_bytes([h[4], h[5], h[6], h[7]]),
        offset,
        more,
        captured,
    })
}

/// True when the extension chain (`first` is the fixed header's Next Header) reaches an
/// Authentication Header.
fn reaches_auth_header(first: u8, exts: &[u8]) -> bool {
    let mut chain = ExtChain {
        next: first,
        rest: exts,
    };
    chain.any(|(kind, _)| kind == ipv6_ext::AUTHENTICATION)
}

/// Where a packet with a Routing header that still has segments to visit is going in the
/// end, as Wireshark shows its destination: the last address of a source route (type 0),
/// the home address (type 2), the last of an RPL route (type 3), the first entry of a
/// segment list (type 4).
fn routing_final_destination(
    first: u8,
    exts: &[u8],
    destination: [u8; 16],
) -> Option<std::net::Ipv6Addr> {
    let chain = ExtChain {
        next: first,
        rest: exts,
    };
    let (_, h) = chain
        .into_iter()
        .find(|(kind, _)| *kind == ipv6_ext::ROUTING)?;
    let (routing_type, segments_left) = (*h.get(2)?, *h.get(3)?);
    if segments_left == 0 {
        return None;
    }
    let at = match routing_type {
        0 => 8 + 16 * ((h.len() - 8) / 16).checked_sub(1)?,
        2 | 4 => 8,
        3 => return rpl_final_destination(h, destination),
        _ => return None,
    };
    let addr: [u8; 16] = h.get(at..at + 16)?.try_into().ok()?;
    Some(addr.into())
}

/// The last address of an RPL source route (RFC 6554), whose addresses leave out the first
/// bytes they share with the packet's destination: all but the last leave out CmprI bytes,
/// the last CmprE, and Pad bytes follow.
fn rpl_final_destination(h: &[u8], destination: [u8; 16]) -> Option<std::net::Ipv6Addr> {
    let (cmpr_i, cmpr_e) = (usize::from(h[4] >> 4), usize::from(h[4] & 0x0f));
    let pad = usize::from(*h.get(5)? >> 4);
    let room = (h.len() - 8).checked_sub(pad)?;
    let last_len = 16 - cmpr_e;
    let others = room.checked_sub(last_len)?;
    if others % (16 - cmpr_i) != 0 {
        return None;
    }
    let last = h.get(8 + others..8 + others + last_len)?;
    let mut addr = destination;
    addr[cmpr_e..].copy_from_slice(last);
    Some(addr.into())
}

/// The Jumbo Payload option's length (RFC 2675), when the extension headers after the fixed
/// header (`first` is its Next Header) start with a Hop-by-Hop header that carries one.
fn jumbo_payload_len(first: u8, bytes: &[u8]) -> Option<u32> {
    if first != ipv6_ext::HOP_BY_HOP {
        return None;
    }
    let header_len = (usize::from(*bytes.get(1)?) + 1) * 8;
    let mut options = bytes.get(2..header_len)?;
    while let Some((&kind, rest)) = options.split_first() {
        if kind == ipv6_ext::PAD1 {
            options = rest;
            continue;
        }
        let (&len, rest) = rest.split_first()?;
        let data = rest.get(..usize::from(len))?;
        if kind == ipv6_ext::JUMBO_PAYLOAD {
            return Some(u32::from_be_bytes(data.try_into().ok()?));
        }
        options = &rest[usize::from(len)..];
    }
    None
}

/// When an IPv6 extension header claims more bytes than the packet holds, the extension
/// headers read up to it (their next-header numbers), the one that overruns included.
fn ipv6_chain_overrun(first: u8, bytes: &[u8], payload_len: u32) -> Option<Vec<u8>> {
    let mut read: Vec<u8> = Vec::new();
    let mut next = first;
    let mut at = 0usize;
    // Judged against the packet's length, not what was captured: a header cut by the
    // snapshot length is not malformed.
    let limit = payload_len as usize;
    loop {
        if !ipv6_ext::WALKED.contains(&next) {
            return None; // the transport, a fragment, or a header we do not walk
        }
        read.push(next);
        let len = (usize::from(*bytes.get(at + 1)?) + 1) * 8;
        if at + len > limit {
            return Some(read);
        }
        next = *bytes.get(at)?;
        at += len;
    }
}

/// When an IPv6 extension header that Wireshark names before reading it (Hop-by-Hop,
/// Routing, Destination Options) or a Fragment header runs past what the capture kept of
/// `bytes`, though not past the packet: the headers named up to it.
fn ipv6_chain_cut(first: u8, bytes: &[u8]) -> Option<Vec<u8>> {
    let mut read: Vec<u8> = Vec::new();
    let mut next = first;
    let mut at = 0usize;
    loop {
        if next == ipv6_ext::FRAGMENT {
            return (bytes.len() < at + ipv6_ext::FRAGMENT_LEN).then_some(read);
        }
        if !ipv6_ext::WALKED.contains(&next) {
            return None;
        }
        read.push(next);
        let Some(&len) = bytes.get(at + 1) else {
            return Some(read);
        };
        let len = (usize::from(len) + 1) * 8;
        if at + len > bytes.len() {
            return Some(read);
        }
        next = bytes[at];
        at += len;
    }
}

/// The extension headers Wireshark names as it reads them whole from `bytes` (see
/// `Packet::ipv6_named`).
fn ipv6_chain_named(first: u8, bytes: &[u8]) -> Vec<Ipv6Named> {
    let mut named: Vec<Ipv6Named> = Vec::new();
    let mut next = first;
    let mut at = 0usize;
    loop {
        let len = match next {
            ipv6_ext::FRAGMENT => ipv6_ext::FRAGMENT_LEN,
            n if ipv6_ext::WALKED.contains(&n) => match bytes.get(at + 1) {
                Some(&len) => (usize::from(len) + 1) * 8,
                None => return named,
            },
            _ => return named,
        };
        let Some(header) = bytes.get(at..at + len) else {
            return named;
        };
        named.push(match next {
            ipv6_ext::FRAGMENT => {
                let field = u16::from_be_bytes([header[2], header[3]]);
                Ipv6Named::Fragment {
                    offset: u32::from(field >> 3) * 8,
                    more: field & 1 == 1,
                    ident: u32::from_be_bytes([header[4], header[5], header[6], header[7]]),
                    next: header[0],
                }
            }
            n => Ipv6Named::Options(n),
        });
        next = header[0];
        at += len;
    }
}

/// The extension headers read when one of them runs past the packet, and whether it runs
/// past what the capture kept rather than the packet.
type Overrun = Option<(Vec<u8>, bool)>;

/// What the rest of the pipeline needs of an IPv6 header, the extension headers read when
/// one of them runs past the packet (with `true`, past what the capture kept), and those
/// Wireshark names in the Info column.
pub(super) fn ipv6_header(
    v6: &etherparse::LaxIpv6Slice<'_>,
    wire: WireBound<'_>,
) -> (IpHeader, Overrun, Vec<Ipv6Named>) {
    let h = v6.header();
    let start = (h.slice().as_ptr() as usize).saturating_sub(wire.frame.as_ptr() as usize);
    let after = wire.frame.get(start + 40..).unwrap_or_default();
    let on_wire = wire.after(h.slice().as_ptr(), 40);
    // A payload length of 0 with a Jumbo Payload option: the length is the option's (RFC 2675,
    // Linux's BIG TCP).
    let claimed = match h.payload_length() {
        0 => jumbo_payload_len(h.next_header().0, after).unwrap_or(0),
        n => u32::from(n),
    };
    let wire_payload = on_wire.min(claimed);
    // Where the capture cut the chain before its end on the wire, Wireshark's reading stops
    // at the cut first.
    let cut = ipv6_chain_cut(h.next_header().0, after).map(|read| (read, true));
    let overrun = match ipv6_chain_overrun(h.next_header().0, after, wire_payload) {
        Some(_) if cut.is_some() && (after.len() as u64) < u64::from(wire_payload) => cut,
        Some(read) => Some((read, false)),
        None => cut,
    };
    let named = ipv6_chain_named(h.next_header().0, after);
    let ext_len = u32::try_from(v6.extensions().slice().len()).unwrap_or(u32::MAX);
    let payload_len = claimed.min(on_wire).saturating_sub(ext_len);
    let captured = u32::try_from(v6.payload().payload.len()).unwrap_or(u32::MAX) >= payload_len;
    // etherparse walks an Authentication Header; Wireshark's judged set does not (`ah` is
    // off), so the chain ends there.
    let protocol = if reaches_auth_header(h.next_header().0, v6.extensions().slice()) {
        ipv6_ext::AUTHENTICATION
    } else {
        v6.payload().ip_number.0
    };
    let ip = IpHeader {
        src: IpAddr::V6(h.source_addr()),
        dst: IpAddr::V6(
            routing_final_destination(h.next_header().0, v6.extensions().slice(), h.destination())
                .unwrap_or(h.destination_addr()),
        ),
        protocol,
        payload_len,
        ttl: h.hop_limit(),
        fragment: ipv6_fragment(h.next_header().0, v6.extensions().slice(), captured),
    };
    (ip, overrun, named)
}
