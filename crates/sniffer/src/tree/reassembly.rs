//! IP fragments kept for the packet details: every piece's frame, offset and bytes, so that
//! the last one can show the fragments it completes (`[3 IPv4 Fragments (68 bytes): #1(32),
//! …]`), the reassembled bytes (`-x`'s "Reassembled IPv4" section) and the transport read
//! from them. The listing's reassembly keeps only what its Info needs; this store is used only
//! when details are asked for.

use std::collections::HashMap;
use std::net::IpAddr;

use crate::decode::{Network, Packet};
use crate::frame::Frame;

/// Fragmented packets awaiting their last pieces are forgotten beyond this many.
const MAX_PENDING: usize = 4096;

/// A packet put back together: its pieces (frame, offset, length) in order, and its bytes.
#[derive(Clone, Debug, Default)]
pub struct Reassembled {
    pub pieces: Vec<(u64, u32, u32)>,
    pub bytes: Vec<u8>,
    /// Put back together from IPv6 fragments (else IPv4).
    pub v6: bool,
}

#[derive(Debug, Default)]
struct Pending {
    pieces: Vec<(u64, u32, Vec<u8>)>,
    total: Option<u32>,
}

/// The IP fragments seen so far, by addresses, protocol and identification.
#[derive(Debug, Default)]
pub struct FragmentStore {
    pending: HashMap<(IpAddr, IpAddr, u8, u32), Pending>,
}

impl FragmentStore {
    /// Records frame `number` if it is a wholly captured IP fragment; the packet it
    /// completes, if it does.
    pub fn add(&mut self, number: u64, frame: &Frame<'_>, packet: &Packet) -> Option<Reassembled> {
        let Network::Ip(ip) = &packet.net else {
            return None;
        };
        let frag = ip.fragment.filter(|f| f.captured)?;
        let at = super::network_offset(frame, packet)?;
        let data = frame.data;
        let v6 = !ip.src.is_ipv4();
        let (start, end) = if v6 {
            // The fragment's bytes follow the Fragment header, to the payload's end.
            let plen = usize::from(u16::from_be_bytes([*data.get(at + 4)?, *data.get(at + 5)?]));
            (super::ip::v6_transport(data, at).0, at + 40 + plen)
        } else {
            let start = at + usize::from(data.get(at)? & 0x0f) * 4;
            (start, start + ip.payload_len as usize)
        };
        let bytes = data.get(start..end)?;
        let key = (ip.src, ip.dst, ip.protocol, frag.id);
        if self.pending.len() >= MAX_PENDING && !self.pending.contains_key(&key) {
            self.pending.clear();
        }
        let entry = self.pending.entry(key).or_default();
        entry.pieces.push((number, frag.offset, bytes.to_vec()));
        if !frag.more {
            let len = u32::try_from(bytes.len()).unwrap_or(u32::MAX);
            entry.total = Some(frag.offset.saturating_add(len));
        }
        let total = entry.total?;
        entry.pieces.sort_by_key(|(_, offset, _)| *offset);
        // Complete when the pieces cover the whole payload from its start.
        let mut covered = 0u32;
        for (_, offset, bytes) in &entry.pieces {
            if *offset > covered {
                return None;
            }
            covered = covered.max(offset + u32::try_from(bytes.len()).unwrap_or(u32::MAX));
        }
        if covered < total {
            return None;
        }
        let done = self.pending.remove(&key)?;
        let mut out = Reassembled {
            v6,
            ..Reassembled::default()
        };
        out.bytes.resize(total as usize, 0);
        for (frame, offset, bytes) in done.pieces {
            let from = offset as usize;
            let to = (from + bytes.len()).min(out.bytes.len());
            if let Some(slot) = out.bytes.get_mut(from..to) {
                slot.copy_from_slice(&bytes[..to - from]);
            }
            out.pieces.push((
                frame,
                offset,
                u32::try_from(bytes.len()).unwrap_or(u32::MAX),
            ));
        }
        Some(out)
    }
}
