//! Skipping the records of a classic pcap file several at a time, for a reader that skips
//! most frames (a display filter's prefilter over a memory-mapped file).
//!
//! Each record's place is known only from the length in the record before it, so a walk
//! from record to record waits for memory at each step, one step after the other. The scout
//! cuts a window of [`WINDOW`] bytes into [`LANES`] lanes, finds a record start near the
//! beginning of each lane by its look (a header whose lengths and time are plausible,
//! followed by two more such headers), and walks all the lanes in turn, a record of each at
//! a time, asking of each record whether the reader wants it: the processor then waits for
//! several lanes' headers at once, and reads little more than the headers and the bytes the
//! question reads. (Asking the processor for every line of the file ahead of a single walk,
//! the other way to keep it from waiting, pulls the whole file through the caches: on the
//! benchmark file that walk took most of a filtered read.)
//!
//! A start found by its look is never trusted. A lane's records are kept only when the walk
//! from the window's first record, through the lanes before it, lands exactly on the lane's
//! first record: from a true record start, the records that follow are the file's. A lane
//! whose start was wrong is walked again from where the lane before it ended. What the scout
//! reports is always what a walk from the window's start would have seen; the lanes only
//! make seeing it faster. The question asked of each record must therefore depend on the
//! record alone (a prefilter does), as records are asked out of order and some of them twice.

use super::MAX_RECORD_LEN;
use crate::format::RecordHeader;
use crate::readahead::prefetch;

/// Lanes walked at once.
pub(super) const LANES: usize = 8;
/// Bytes of the file scouted at a time (the last record may run past them).
pub(super) const WINDOW: usize = 4 << 20;
/// Bytes from a lane's beginning searched for a record start.
const SEARCH: usize = 4096;
/// A window of fewer records than this per lane was not worth cutting into lanes; the next
/// one is walked as one (records that large are few, and searching for their starts costs
/// more than the walk).
const FEW: usize = 4;

/// How records are laid out in the file.
#[derive(Clone, Copy, Debug)]
pub(super) struct Layout {
    /// The record header's length (16, or 24 in the "modified" pcap).
    pub header_len: usize,
    pub big_endian: bool,
}

impl Layout {
    /// The record at `at` in `bytes`: its header, and the offset just past it. `None` when
    /// the header or the data it claims do not lie whole in `bytes`, or it claims more than
    /// [`MAX_RECORD_LEN`] (which the reader reports as a corrupt file).
    #[inline]
    pub fn record(self, bytes: &[u8], at: usize) -> Option<(RecordHeader, usize)> {
        let header = bytes.get(at..at.checked_add(self.header_len)?)?;
        let header = RecordHeader::parse(header, self.big_endian)?;
        if header.caplen > MAX_RECORD_LEN {
            return None;
        }
        let end = at + self.header_len + header.caplen as usize;
        (end <= bytes.len()).then_some((header, end))
    }

    /// The record at `at` if it looks like one of a capture whose first record is from
    /// second `secs`: no more captured than sent, a time fraction below a second's worth of
    /// nanoseconds, within a day of `secs`.
    fn plausible(self, bytes: &[u8], at: usize, secs: u32) -> Option<usize> {
        let (header, end) = self.record(bytes, at)?;
        (header.caplen <= header.wire_len
            && header.wire_len <= MAX_RECORD_LEN
            && header.frac < 1_000_000_000
            && header.secs.abs_diff(secs) <= 86_400)
            .then_some(end)
    }

    /// The first offset in `from..to` where three plausible records follow one another.
    fn find_start(self, bytes: &[u8], from: usize, to: usize, secs: u32) -> Option<usize> {
        (from..to.min(bytes.len())).find(|&at| {
            self.plausible(bytes, at, secs)
                .and_then(|next| self.plausible(bytes, next, secs))
                .and_then(|next| self.plausible(bytes, next, secs))
                .is_some()
        })
    }
}

/// Asks the processor for the cache lines of `bytes[at..at + len]` (clamped to `bytes`): one
/// or two lines for a record's header and first bytes, wherever it starts in a line.
#[inline]
fn prefetch_lines(bytes: &[u8], at: usize, len: usize) {
    let first = at.saturating_sub((bytes.as_ptr() as usize + at) % 64);
    prefetch(bytes, first, (at + len).min(bytes.len()));
}

/// What the scout saw, in the file's order (offsets counted from where it began).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Seen {
    /// Records one after the other that the reader does not want: how many, the first's
    /// and the last's time (seconds and fraction, as their headers give them), and where
    /// the last one ends.
    Skipped {
        count: u32,
        first: (u32, u32),
        last: (u32, u32),
        end: usize,
    },
    /// A record the reader wants, from `at` to `end`.
    Wanted { at: usize, end: usize },
}

impl Seen {
    fn end(self) -> usize {
        match self {
            Seen::Skipped { end, .. } | Seen::Wanted { end, .. } => end,
        }
    }
}

/// One lane's walk.
#[derive(Default)]
struct Lane {
    /// Where the lane began.
    start: usize,
    /// Where the walk is: the first record start not yet walked.
    at: usize,
    /// The walk stops at the first record start at or past this.
    end: usize,
    seen: Vec<Seen>,
    /// The walk stopped at a record that does not lie whole in the bytes.
    broken: bool,
    done: bool,
}

impl Lane {
    fn reset(&mut self, start: usize, end: usize) {
        self.start = start;
        self.at = start;
        self.end = end;
        self.seen.clear();
        self.broken = false;
        self.done = false;
    }

    /// One record further, asking `wanted` of its data; `false` once the lane is done.
    #[inline]
    fn step(
        &mut self,
        bytes: &[u8],
        layout: Layout,
        wanted: &mut impl FnMut(&[u8]) -> bool,
    ) -> bool {
        if self.done {
            return false;
        }
        if self.at >= self.end {
            self.done = true;
            return false;
        }
        let Some((header, next)) = layout.record(bytes, self.at) else {
            self.broken = true;
            self.done = true;
            return false;
        };
        // The lane's next record (its header and the first bytes of its data), asked of
        // memory a round of the lanes before it is read.
        prefetch_lines(bytes, next, layout.header_len + 64);
        if wanted(&bytes[self.at + layout.header_len..next]) {
            self.seen.push(Seen::Wanted {
                at: self.at,
                end: next,
            });
        } else {
            let time = (header.secs, header.frac);
            match self.seen.last_mut() {
                Some(Seen::Skipped {
                    count, last, end, ..
                }) => {
                    *count += 1;
                    *last = time;
                    *end = next;
                }
                _ => self.seen.push(Seen::Skipped {
                    count: 1,
                    first: time,
                    last: time,
                    end: next,
                }),
            }
        }
        self.at = next;
        true
    }
}

/// What the window last scouted holds, and how far the reader has used it.
pub(super) struct Scout {
    /// Bytes scouted at a time ([`WINDOW`]).
    window: usize,
    /// The file offset the scout's offsets are counted from.
    base: u64,
    seen: Vec<Seen>,
    /// The next of `seen` the reader has not passed, and where it begins.
    next: usize,
    next_at: usize,
    lanes: Vec<Lane>,
    /// The last window was walked as one lane (its records were large).
    narrow: bool,
}

impl Default for Scout {
    fn default() -> Scout {
        Scout::with_window(WINDOW)
    }
}

impl Scout {
    /// A scout of `window` bytes at a time.
    fn with_window(window: usize) -> Scout {
        Scout {
            window,
            base: 0,
            seen: Vec::new(),
            next: 0,
            next_at: 0,
            lanes: Vec::new(),
            narrow: false,
        }
    }

    /// Bytes the reader should have whole ahead of it for [`Scout::scout`] to be worth it:
    /// a few lanes' worth (fewer bytes than that, in a mapped file, are its last).
    pub fn wants(&self) -> usize {
        self.window / 4
    }

    /// What the scout saw from file offset `offset` on, if the window last scouted holds it
    /// (the reader has not moved elsewhere), and what to subtract from its offsets to count
    /// them from `offset`.
    pub fn resume(&self, offset: u64) -> Option<(&[Seen], usize)> {
        let delta = usize::try_from(offset.checked_sub(self.base)?).ok()?;
        (self.next < self.seen.len() && self.next_at == delta)
            .then(|| (&self.seen[self.next..], delta))
    }

    /// The reader passed `n` more of what was seen.
    pub fn passed(&mut self, n: usize) {
        let n = n.min(self.seen.len() - self.next);
        if n > 0 {
            self.next_at = self.seen[self.next + n - 1].end();
            self.next += n;
        }
    }

    /// Walks the records of `bytes` (the file from offset `base` on, from a record start),
    /// from its first record to the first start at or past its window, or to a record that
    /// does not lie whole in `bytes`, asking `wanted` of each record's data.
    pub fn scout(
        &mut self,
        bytes: &[u8],
        base: u64,
        layout: Layout,
        mut wanted: impl FnMut(&[u8]) -> bool,
    ) {
        self.base = base;
        self.next = 0;
        self.next_at = 0;
        self.seen.clear();
        let window = self.window.min(bytes.len());
        let lanes = if self.narrow { 1 } else { LANES };
        let mut all_lanes = std::mem::take(&mut self.lanes);
        if all_lanes.len() < LANES + 1 {
            all_lanes.resize_with(LANES + 1, Lane::default);
        }
        // The last lane is kept for walking again a lane whose start was wrong.
        let (walks, spare) = all_lanes.split_at_mut(LANES);
        let secs = RecordHeader::parse(bytes, layout.big_endian).map_or(0, |r| r.secs);
        let lane_len = window / lanes;
        // The lines searched, asked of memory at once rather than lane after lane.
        for j in 1..lanes {
            prefetch(bytes, j * lane_len, j * lane_len + 512);
        }
        let mut live = 0;
        for j in 0..lanes {
            let start = match j {
                0 => Some(0),
                _ => {
                    let from = j * lane_len;
                    layout.find_start(bytes, from, from + SEARCH.min(lane_len), secs)
                }
            };
            if let Some(start) = start {
                if live > 0 {
                    walks[live - 1].end = start;
                }
                walks[live].reset(start, window);
                live += 1;
            }
        }
        let walks = &mut walks[..live];
        // Each lane a record at a time, in turn.
        loop {
            let mut moved = false;
            for lane in walks.iter_mut() {
                moved |= lane.step(bytes, layout, &mut wanted);
            }
            if !moved {
                break;
            }
        }
        // The lanes that the walk before them lands on, in order; the others walked again.
        let spare = &mut spare[0];
        let mut at = 0;
        let mut records = 0;
        for lane in walks.iter() {
            let kept = if lane.start == at {
                lane
            } else if at < lane.end {
                spare.reset(at, lane.end);
                while spare.step(bytes, layout, &mut wanted) {}
                &*spare
            } else {
                continue;
            };
            for &seen in &kept.seen {
                records += match seen {
                    Seen::Skipped { count, .. } => count as usize,
                    Seen::Wanted { .. } => 1,
                };
                self.push(seen);
            }
            at = kept.at;
            if kept.broken {
                break;
            }
        }
        self.narrow = records < FEW * LANES && window == self.window;
        self.lanes = all_lanes;
    }

    /// Adds `seen`, one run with the run before it if both are of records skipped.
    fn push(&mut self, seen: Seen) {
        if let (
            Some(Seen::Skipped {
                count, last, end, ..
            }),
            Seen::Skipped {
                count: more,
                last: new_last,
                end: new_end,
                ..
            },
        ) = (self.seen.last_mut(), seen)
        {
            *count += more;
            *last = new_last;
            *end = new_end;
        } else {
            self.seen.push(seen);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const LAYOUT: Layout = Layout {
        header_len: 16,
        big_endian: false,
    };

    /// The window of these tests' scouts, smaller than the reader's to keep them quick.
    const TEST_WINDOW: usize = 64 * 1024;

    /// The question asked of each record in these tests.
    fn wanted(data: &[u8]) -> bool {
        data.len() % 7 == 3
    }

    /// Records of the given captured lengths, each filled with `fill`'s bytes (repeated),
    /// timed a second apart from 1,700,000,000.
    fn records(lengths: &[u32], fill: &[u8]) -> Vec<u8> {
        let mut bytes = Vec::new();
        for (i, &len) in lengths.iter().enumerate() {
            let secs = 1_700_000_000 + i as u32;
            for word in [secs, 5, len, len] {
                bytes.extend_from_slice(&word.to_le_bytes());
            }
            let fill = |k: usize| fill.get(k % fill.len().max(1)).copied().unwrap_or(0);
            bytes.extend((0..len as usize).map(fill));
        }
        bytes
    }

    /// What a plain walk of `bytes` from 0 sees, up to `to`.
    fn walked(bytes: &[u8], to: usize) -> Vec<Seen> {
        let mut lane = Lane::default();
        lane.reset(0, to);
        while lane.step(bytes, LAYOUT, &mut wanted) {}
        let mut scout = Scout::with_window(TEST_WINDOW);
        for &seen in &lane.seen {
            scout.push(seen);
        }
        scout.seen
    }

    /// What `scout` holds from `offset` on, counted from `offset`.
    fn resumed(scout: &Scout, offset: u64) -> Vec<Seen> {
        let Some((seen, delta)) = scout.resume(offset) else {
            return Vec::new();
        };
        seen.iter()
            .map(|&s| match s {
                Seen::Skipped {
                    count,
                    first,
                    last,
                    end,
                } => Seen::Skipped {
                    count,
                    first,
                    last,
                    end: end - delta,
                },
                Seen::Wanted { at, end } => Seen::Wanted {
                    at: at - delta,
                    end: end - delta,
                },
            })
            .collect()
    }

    /// Everything seen, window after window, as the reader goes through it (offsets from
    /// the start of `bytes`).
    fn scouted_all(bytes: &[u8]) -> Vec<Seen> {
        let mut scout = Scout::with_window(TEST_WINDOW);
        let mut all = Scout::default();
        let mut base = 0;
        loop {
            scout.scout(&bytes[base..], base as u64, LAYOUT, wanted);
            let seen = resumed(&scout, base as u64);
            let Some(last) = seen.last() else { break };
            let end = last.end();
            for s in seen {
                all.push(match s {
                    Seen::Skipped {
                        count,
                        first,
                        last,
                        end,
                    } => Seen::Skipped {
                        count,
                        first,
                        last,
                        end: end + base,
                    },
                    Seen::Wanted { at, end } => Seen::Wanted {
                        at: at + base,
                        end: end + base,
                    },
                });
            }
            base += end;
        }
        all.seen
    }

    #[test]
    fn lanes_see_what_a_walk_sees() {
        let lengths: Vec<u32> = (0..3_000).map(|i| 60 + (i * 37) % 1400).collect();
        let bytes = records(&lengths, &[0xab, 0x17, 0x00, 0x42]);
        let mut scout = Scout::with_window(TEST_WINDOW);
        scout.scout(&bytes, 0, LAYOUT, wanted);
        assert_eq!(resumed(&scout, 0), walked(&bytes, TEST_WINDOW));
        assert!(!scout.narrow);
        // Every lane but the first found its start by its look, and was kept.
        assert!(scout.lanes[1..LANES]
            .iter()
            .all(|l| l.start > 0 && !l.seen.is_empty()));
        let all = scouted_all(&bytes);
        assert!(
            all.iter()
                .filter(|s| matches!(s, Seen::Wanted { .. }))
                .count()
                > 100
        );
        assert_eq!(all, walked(&bytes, bytes.len()));
    }

    /// Payloads made of record headers, so that the lanes' searches find false starts.
    #[test]
    fn false_starts_are_walked_again() {
        let mut fake = Vec::new();
        for word in [1_700_000_100u32, 7, 20, 20] {
            fake.extend_from_slice(&word.to_le_bytes());
        }
        fake.extend_from_slice(&[0; 20]);
        let lengths: Vec<u32> = (0..2_000).map(|i| 150 + (i * 13) % 300).collect();
        let bytes = records(&lengths, &fake);
        let mut scout = Scout::with_window(TEST_WINDOW);
        scout.scout(&bytes, 0, LAYOUT, wanted);
        let starts: Vec<usize> = scout.lanes[1..LANES].iter().map(|l| l.start).collect();
        let true_starts: Vec<usize> = std::iter::once(0)
            .chain(walked(&bytes, bytes.len()).iter().map(|s| s.end()))
            .collect();
        assert!(
            starts.iter().any(|s| !true_starts.contains(s)),
            "{starts:?}"
        );
        assert_eq!(resumed(&scout, 0), walked(&bytes, TEST_WINDOW));
        assert_eq!(scouted_all(&bytes), walked(&bytes, bytes.len()));
    }

    #[test]
    fn a_record_cut_short_ends_what_is_seen_before_it() {
        let lengths: Vec<u32> = (0..2_000).map(|i| 100 + i % 700).collect();
        let mut bytes = records(&lengths, &[1, 2, 3]);
        let whole = walked(&bytes, bytes.len());
        // The file ends in the middle of a record some way past the first window.
        let cut = TEST_WINDOW * 5 / 2;
        bytes.truncate(cut);
        let before = walked(&bytes, bytes.len());
        assert!(before.last().is_some_and(|s| s.end() < cut) && before != whole);
        assert_eq!(scouted_all(&bytes), before);
    }

    #[test]
    fn large_records_are_walked_as_one_lane() {
        let lengths = vec![9_000u32; 40];
        let bytes = records(&lengths, &[9]);
        let mut scout = Scout::with_window(TEST_WINDOW);
        scout.scout(&bytes, 0, LAYOUT, wanted);
        assert!(scout.narrow);
        assert_eq!(scouted_all(&bytes), walked(&bytes, bytes.len()));
    }

    #[test]
    fn resume_follows_the_reader() {
        let lengths: Vec<u32> = (0..500).map(|i| 200 + i % 50).collect();
        let bytes = records(&lengths, &[7]);
        let mut scout = Scout::with_window(TEST_WINDOW);
        scout.scout(&bytes, 1000, LAYOUT, wanted);
        let seen = walked(&bytes, TEST_WINDOW);
        assert!(seen.len() > 3);
        assert_eq!(resumed(&scout, 1000), seen);
        scout.passed(2);
        let from = 1000 + seen[1].end() as u64;
        assert_eq!(resumed(&scout, from).len(), seen.len() - 2);
        // Elsewhere than where the reader is: nothing to resume.
        assert!(scout.resume(from + 1).is_none());
        assert!(scout.resume(999).is_none());
        scout.passed(seen.len());
        assert!(scout
            .resume(1000 + seen[seen.len() - 1].end() as u64)
            .is_none());
    }

    proptest! {
        /// Whatever the records' lengths and bytes (payloads that look like headers, all
        /// zeros, random) and wherever the file ends, the scout sees what a walk sees.
        #[test]
        fn the_scout_sees_what_a_walk_sees(
            lengths in proptest::collection::vec(0u32..2000, 1..400),
            fill in proptest::collection::vec(any::<u8>(), 0..64),
            cut in 0usize..64,
        ) {
            let mut bytes = records(&lengths, &fill);
            let keep = bytes.len().saturating_sub(cut);
            bytes.truncate(keep);
            prop_assert_eq!(scouted_all(&bytes), walked(&bytes, bytes.len()));
        }
    }
}
