//! Reading a capture file a few chunks ahead, on a thread of its own.
//!
//! Copying a file out of the page cache is kernel work, about a fifth of the time `sniffer
//! read` spends on a big file when it is done between packets. A second thread does it while
//! the first decodes: it reads chunks of [`CHUNK`] bytes, at most [`AHEAD`] ahead, and hands
//! them over a bounded channel; spent chunks come back to be filled again, so the memory used
//! is a few chunks whatever the file's size. The chunks are small enough for all of them to
//! stay in the processor's cache between the copy and the decoding: with chunks of 256 KiB,
//! merely reading the frames of the benchmark file took twice as long (56–80 ms against
//! 27–30 ms), which shows when a display filter leaves most frames undecoded.

use std::io::{self, BufRead, Read};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender, TryRecvError};

/// Bytes asked of the kernel per read.
pub const CHUNK: usize = 64 * 1024;
/// Chunks read but not yet used, at most.
pub const AHEAD: usize = 8;

/// A [`BufRead`] over any reader, filled by a thread of its own.
pub struct ReadAhead {
    /// Chunks as read: the buffer (always [`CHUNK`] long) and how many bytes of it are data.
    chunks: Receiver<io::Result<(Vec<u8>, usize)>>,
    spent: SyncSender<Vec<u8>>,
    current: Vec<u8>,
    len: usize,
    pos: usize,
    ended: bool,
    /// A chunk taken by [`ReadAhead::ready`] before it was needed.
    early: Option<io::Result<(Vec<u8>, usize)>>,
}

impl ReadAhead {
    /// Starts reading `inner` on a new thread.
    pub fn new<R: Read + Send + 'static>(mut inner: R) -> io::Result<ReadAhead> {
        let (full_tx, full_rx) = sync_channel::<io::Result<(Vec<u8>, usize)>>(AHEAD);
        let (spent_tx, spent_rx) = sync_channel::<Vec<u8>>(AHEAD + 2);
        std::thread::Builder::new()
            .name("read-ahead".into())
            .spawn(move || loop {
                // A spent chunk is reused as it is: its bytes are overwritten, not cleared.
                let mut chunk = spent_rx.try_recv().unwrap_or_else(|_| vec![0; CHUNK]);
                // One read, not a full chunk: from a pipe, what has arrived goes on at once.
                let got = loop {
                    match inner.read(&mut chunk) {
                        Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                        other => break other,
                    }
                };
                match got {
                    Ok(n) => {
                        // An empty chunk says the input ended. A send fails only when the
                        // reading side is gone: nothing more to do.
                        if full_tx.send(Ok((chunk, n))).is_err() || n == 0 {
                            return;
                        }
                    }
                    Err(e) => {
                        let _ = full_tx.send(Err(e));
                        return;
                    }
                }
            })?;
        Ok(ReadAhead {
            chunks: full_rx,
            spent: spent_tx,
            current: Vec::new(),
            len: 0,
            pos: 0,
            ended: false,
            early: None,
        })
    }
}

impl ReadAhead {
    /// Whether reading on would not wait for the input: bytes are buffered, more have
    /// arrived, or the input ended. From a pipe fed as packets are captured (`tcpdump -U -w -`),
    /// `false` means everything sent so far has been read: the moment to show it.
    pub fn ready(&mut self) -> bool {
        if self.pos < self.len || self.ended || self.early.is_some() {
            return true;
        }
        match self.chunks.try_recv() {
            Ok(chunk) => {
                self.early = Some(chunk);
                true
            }
            Err(TryRecvError::Empty) => false,
            Err(TryRecvError::Disconnected) => true,
        }
    }
}

impl BufRead for ReadAhead {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        while self.pos >= self.len && !self.ended {
            let spent = std::mem::take(&mut self.current);
            if spent.capacity() > 0 {
                // Full only if the reader made more chunks than it got back: drop this one.
                let _ = self.spent.try_send(spent);
            }
            self.pos = 0;
            self.len = 0;
            let next = match self.early.take() {
                Some(chunk) => Ok(chunk),
                None => self.chunks.recv(),
            };
            match next {
                Ok(Ok((chunk, len))) => {
                    self.ended = len == 0;
                    self.current = chunk;
                    self.len = len;
                }
                Ok(Err(e)) => {
                    self.ended = true;
                    return Err(e);
                }
                Err(_) => {
                    self.ended = true;
                    return Err(io::Error::other("the reading thread stopped"));
                }
            }
        }
        Ok(&self.current[self.pos..self.len])
    }

    fn consume(&mut self, amt: usize) {
        self.pos = (self.pos + amt).min(self.len);
    }
}

impl Read for ReadAhead {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let available = self.fill_buf()?;
        let n = available.len().min(out.len());
        out[..n].copy_from_slice(&available[..n]);
        self.consume(n);
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A reader that hands out a few bytes at a time, then fails if asked to.
    struct Dribble {
        data: Vec<u8>,
        pos: usize,
        fail_at_end: bool,
    }

    impl Read for Dribble {
        fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
            if self.pos == self.data.len() && self.fail_at_end {
                return Err(io::Error::other("disk on fire"));
            }
            let n = (self.data.len() - self.pos).min(out.len()).min(7_777);
            out[..n].copy_from_slice(&self.data[self.pos..self.pos + n]);
            self.pos += n;
            Ok(n)
        }
    }

    fn data() -> Vec<u8> {
        (0..3 * CHUNK + 12_345).map(|i| (i % 251) as u8).collect()
    }

    #[test]
    fn reads_everything_in_order() {
        let expected = data();
        let mut ahead = ReadAhead::new(Dribble {
            data: expected.clone(),
            pos: 0,
            fail_at_end: false,
        })
        .expect("start");
        let mut got = Vec::new();
        ahead.read_to_end(&mut got).expect("read");
        assert_eq!(got, expected);
        // And the end stays the end.
        assert_eq!(ahead.fill_buf().expect("end").len(), 0);
    }

    #[test]
    fn ready_says_whether_a_read_would_wait() {
        let (mut tx, rx) = std::os::unix::net::UnixStream::pair().expect("socket pair");
        let mut ahead = ReadAhead::new(rx).expect("start");
        assert!(!ahead.ready(), "nothing written yet");
        std::io::Write::write_all(&mut tx, b"abc").expect("write");
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while !ahead.ready() {
            assert!(
                std::time::Instant::now() < deadline,
                "the bytes never arrived"
            );
            std::thread::sleep(std::time::Duration::from_millis(1));
        }
        assert_eq!(ahead.fill_buf().expect("read"), b"abc");
        ahead.consume(3);
        assert!(!ahead.ready(), "all read, the writer still open");
        drop(tx);
        let mut rest = Vec::new();
        ahead.read_to_end(&mut rest).expect("end");
        assert!(rest.is_empty());
        assert!(ahead.ready(), "the end does not wait");
    }

    #[test]
    fn passes_errors_on_after_the_data() {
        let expected = data();
        let mut ahead = ReadAhead::new(Dribble {
            data: expected.clone(),
            pos: 0,
            fail_at_end: true,
        })
        .expect("start");
        let mut got = vec![0; expected.len()];
        ahead.read_exact(&mut got).expect("the data comes first");
        assert_eq!(got, expected);
        let err = ahead.fill_buf().expect_err("then the error");
        assert_eq!(err.to_string(), "disk on fire");
    }
}
