//! pcapng: sections, interfaces and packet blocks, read into the same frames as pcap's
//! records.

use super::*;

impl<B: BufRead> FileCapture<B> {
    /// Reads a Section Header Block whose type word was just read at `start` (and its length
    /// word too, when `len_bytes` has it).
    pub(super) fn read_section_header(
        &mut self,
        start: u64,
        len_bytes: Option<[u8; 4]>,
    ) -> Result<(), CaptureError> {
        // Length and byte-order magic decide how to read everything else.
        let len_raw = match len_bytes {
            Some(b) => b,
            None => {
                if !self.fill(4, "a section header")? {
                    return Err(self.error(start, "the file ends inside a section header"));
                }
                [self.buf[0], self.buf[1], self.buf[2], self.buf[3]]
            }
        };
        if !self.fill(4, "a section header")? {
            return Err(self.error(start, "the file ends inside a section header"));
        }
        let bom = [self.buf[0], self.buf[1], self.buf[2], self.buf[3]];
        self.big_endian = if u32::from_be_bytes(bom) == pcapng::BYTE_ORDER_MAGIC {
            true
        } else if u32::from_le_bytes(bom) == pcapng::BYTE_ORDER_MAGIC {
            false
        } else {
            return Err(self.error(start + 8, "bad byte-order magic in the section header"));
        };
        let len = if self.big_endian {
            u32::from_be_bytes(len_raw)
        } else {
            u32::from_le_bytes(len_raw)
        };
        if len < 28 || len % 4 != 0 || len > MAX_RECORD_LEN {
            return Err(self.error(start, format!("bad section header length {len}")));
        }
        // The rest of the block: version, section length, options, trailing length.
        self.fill(len as usize - 12, "a section header")?;
        self.interfaces.clear();
        Ok(())
    }

    pub(super) fn next_pcapng_packet(&mut self) -> Result<Option<Frame<'_>>, CaptureError> {
        loop {
            let start = self.offset;
            if let Some((iface, epb)) = self.whole_enhanced_packet()? {
                let options_start = pcapng::EPB_HEAD_LEN + (epb.caplen as usize).div_ceil(4) * 4;
                let options_end = (epb.block_len as usize).saturating_sub(4);
                let lent = Lent {
                    skip: pcapng::EPB_HEAD_LEN,
                    len: epb.caplen as usize,
                    consumed: epb.block_len as usize,
                    options: options_start.min(options_end)..options_end,
                };
                return self
                    .lend(lent, iface, iface.timestamp(epb.timestamp), epb.wire_len)
                    .map(Some);
            }
            if !self.fill(8, "a block header")? {
                return Ok(None);
            }
            let block_type = self.u32_at(0);
            if block_type == pcapng::SECTION_HEADER {
                // A new section: its length is read in its own byte order.
                let len_bytes = [self.buf[4], self.buf[5], self.buf[6], self.buf[7]];
                self.read_section_header(start, Some(len_bytes))?;
                continue;
            }
            let len = self.u32_at(4);
            if len < 12 || len % 4 != 0 || len > MAX_RECORD_LEN {
                return Err(self.error(start, format!("bad block length {len}")));
            }
            if !self.fill_at(len as usize - 8, "a block", start)? {
                return Err(self.error(start, "the file ends after a block header"));
            }
            let body_len = len as usize - 12;
            let trailer = self.u32_at(body_len);
            if trailer != len {
                return Err(self.error(
                    start,
                    format!("block length {len} does not match its trailing copy {trailer}"),
                ));
            }
            match block_type {
                pcapng::INTERFACE_DESCRIPTION => self.read_interface(start, body_len)?,
                pcapng::ENHANCED_PACKET | pcapng::PACKET_OBSOLETE => {
                    return self.enhanced_packet(start, block_type, body_len).map(Some);
                }
                pcapng::SIMPLE_PACKET => return self.simple_packet(start, body_len).map(Some),
                pcapng::CUSTOM_COPY | pcapng::CUSTOM_NO_COPY if body_len >= 4 => {
                    return Ok(Some(self.custom_block(block_type, body_len)));
                }
                _ => {} // name resolution, statistics, custom, journal…: nothing to show
            }
        }
    }

    /// The next block if it is a well-formed Enhanced Packet Block lying whole in the reader's
    /// buffer: its interface, raw timestamp, captured length, original length and block
    /// length. Anything else (and every malformed block) is left to the copying path, which
    /// names what is wrong.
    pub(super) fn whole_enhanced_packet(
        &mut self,
    ) -> Result<Option<(Interface, pcapng::EnhancedPacketHeader)>, CaptureError> {
        let big_endian = self.big_endian;
        let epb = pcapng::EnhancedPacketHeader::parse_whole(
            self.available()?,
            big_endian,
            MAX_RECORD_LEN,
        );
        Ok(epb.and_then(|epb| {
            let iface = self.interfaces.get(epb.interface as usize)?;
            Some((*iface, epb))
        }))
    }

    pub(super) fn read_interface(
        &mut self,
        start: u64,
        body_len: usize,
    ) -> Result<(), CaptureError> {
        if body_len < 8 {
            return Err(self.error(start, "interface description block too short"));
        }
        let linktype = LinkType(u32::from(self.u16_at(0)));
        let snaplen = self.u32_at(4);
        let mut iface = Interface::new(linktype, snaplen);
        iface.id = u32::try_from(self.interfaces.len()).ok();
        let mut name = None;
        let mut at = 8;
        while at + 4 <= body_len {
            let code = self.u16_at(at);
            let len = usize::from(self.u16_at(at + 2));
            let value = at + 4;
            if code == pcapng::OPT_END || value + len > body_len {
                break;
            }
            match code {
                pcapng::IF_TSRESOL if len >= 1 => iface.set_resolution(self.buf[value]),
                pcapng::IF_NAME => {
                    name =
                        Some(String::from_utf8_lossy(&self.buf[value..value + len]).into_owned());
                }
                pcapng::IF_TSOFFSET if len >= 8 => {
                    let hi = u64::from(self.u32_at(value));
                    let lo = u64::from(self.u32_at(value + 4));
                    let v = if self.big_endian {
                        (hi << 32) | lo
                    } else {
                        (lo << 32) | hi
                    };
                    iface.offset_secs = v as i64;
                }
                _ => {}
            }
            at = value + len.div_ceil(4) * 4;
        }
        self.check_linktype(linktype)?;
        self.interfaces.push(iface);
        self.names.push(name);
        Ok(())
    }

    pub(super) fn interface(&self, start: u64, id: u32) -> Result<Interface, CaptureError> {
        self.interfaces.get(id as usize).copied().ok_or_else(|| {
            self.error(
                start,
                format!("packet of interface {id}, which the file never described"),
            )
        })
    }

    pub(super) fn enhanced_packet(
        &mut self,
        start: u64,
        kind: u32,
        body_len: usize,
    ) -> Result<Frame<'_>, CaptureError> {
        if body_len < 20 {
            return Err(self.error(start, "packet block too short"));
        }
        // The obsolete Packet Block has a 16-bit interface id and a drops count.
        let id = if kind == pcapng::PACKET_OBSOLETE {
            u32::from(self.u16_at(0))
        } else {
            self.u32_at(0)
        };
        let iface = self.interface(start, id)?;
        let raw = (u64::from(self.u32_at(4)) << 32) | u64::from(self.u32_at(8));
        let caplen = self.u32_at(12) as usize;
        let wire_len = self.u32_at(16);
        if 20 + caplen > body_len {
            return Err(self.error(
                start,
                format!("packet claims {caplen} captured bytes, more than its block holds"),
            ));
        }
        self.options.clear();
        let options_start = 20 + caplen.div_ceil(4) * 4;
        if kind != pcapng::PACKET_OBSOLETE {
            if let Some(options) = self.buf.get(options_start..body_len) {
                self.options.extend_from_slice(options);
            }
        }
        self.buf.drain(..20);
        self.buf.truncate(caplen);
        Ok(self.frame(iface, iface.timestamp(raw), wire_len))
    }

    /// A Custom Block, as a frame of its own (Wireshark lists them): the PEN, big-endian, then
    /// the custom data; its length is the data's, padding included, as Wireshark counts it.
    pub(super) fn custom_block(&mut self, block_type: u32, body_len: usize) -> Frame<'_> {
        let pen = self.u32_at(0);
        self.buf.truncate(body_len);
        self.buf[..4].copy_from_slice(&pen.to_be_bytes());
        let wire_len = u32::try_from(body_len - 4).unwrap_or(u32::MAX);
        let mut frame = Frame::new(Timestamp::default(), wire_len, &self.buf);
        frame.linktype = if block_type == pcapng::CUSTOM_COPY {
            LinkType::PCAPNG_CUSTOM
        } else {
            LinkType::PCAPNG_CUSTOM_NO_COPY
        };
        frame.precision = TsPrecision::None;
        frame
    }

    pub(super) fn simple_packet(
        &mut self,
        start: u64,
        body_len: usize,
    ) -> Result<Frame<'_>, CaptureError> {
        if body_len < 4 {
            return Err(self.error(start, "simple packet block too short"));
        }
        let iface = self.interface(start, 0)?;
        let wire_len = self.u32_at(0);
        let caplen = (wire_len as usize)
            .min(iface.snaplen as usize)
            .min(body_len - 4);
        self.buf.drain(..4);
        self.buf.truncate(caplen);
        // Simple packets have no timestamp: Wireshark shows no time for them.
        let mut frame = self.frame(iface, Timestamp::default(), wire_len);
        frame.precision = TsPrecision::None;
        Ok(frame)
    }
}
