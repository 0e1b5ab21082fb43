//! Reading a capture file ahead of the decoder: a regular file is mapped into memory, anything
//! else (a pipe, standard input, a device) is read a few chunks ahead on a thread of its own.
//!
//! **Mapped** ([`ReadAhead::file`]), for a reader that skips most frames undecoded (a display
//! filter's prefilter): the file is read through a memory map ([`memmap2`]), the decoder is
//! lent the page cache's own bytes and nothing is copied. Copying the benchmark file (89 MB)
//! out of the page cache took 15–16 ms, more than half of a display-filtered read of it. When
//! every frame is decoded, chunks are better: the copy runs on the second core while the
//! first decodes, where the map's page faults and cache misses would fall on the first (the
//! whole listing of the benchmark file took 208 ms mapped against 181 ms in chunks).
//!
//! Mapping the pages is then most of the work, and the kernel does it on the thread that
//! touches them, 64 KiB at a time. On a machine of more than one core, [`Populate`]'s threads
//! have them mapped a window at a time, at most [`POPULATE_AHEAD`] bytes ahead of the
//! decoder (a byte read per 64 KiB through `process_vm_readv`, which a file cut short
//! cannot turn into a bus error; `MADV_POPULATE_READ` where that call is refused), and hand
//! back to the kernel the pages more than [`RELEASE`] bytes behind it, so the memory the
//! process holds stays bounded (about 12 MiB) whatever the file's size; the file stays in
//! the page cache, as a read would have left it. On the benchmark file that took a
//! display-filtered read from 19 ms to 11 ms. A filter
//! that skips most frames reads little more than their headers, but each header's place is
//! known only from the one before it: the pcap reader walks several parts of the map at once
//! (`pcapfile`'s scout), and [`prefetch`] asks for the lines it will read next.
//!
//! Bytes the file gained after it was opened are read on, as from any file, once the map is
//! used up. A file cut short while it is mapped makes the next touch of a lost page a bus
//! error (`SIGBUS`) rather than a short read: [`guard`] turns that into one line naming the
//! file and the byte, and exit code 2, as a read error would have been.
//!
//! **Chunks.** A second thread copies the input while the first decodes: it reads chunks of
//! [`CHUNK`] bytes, at most [`AHEAD`] ahead, and hands them over a bounded channel; spent chunks
//! come back to be filled again, so the memory used is a few chunks whatever the input's size.
//! The chunks are small enough for all of them to stay in the processor's cache between the
//! copy and the decoding: with chunks of 256 KiB, merely reading the frames of the benchmark
//! file took twice as long (56–80 ms against 27–30 ms).

use std::fs::File;
use std::io::{self, BufRead, Read, Seek, SeekFrom};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender, TryRecvError};
use std::sync::{Arc, Condvar, Mutex};

/// Bytes asked of the kernel per read.
pub const CHUNK: usize = 64 * 1024;
/// Chunks read but not yet used, at most.
pub const AHEAD: usize = 8;

/// Bytes of a mapped file the decoder keeps behind it; older pages go back to the kernel.
pub const RELEASE: usize = 1 << 20;
/// Bytes ahead of the decoder whose cache lines [`prefetch`] asks for.
pub const PREFETCH: usize = 8 * 1024;
/// Bytes of a mapped file the kernel is asked to map at a time (see [`Populate`]).
pub const POPULATE: usize = 2 << 20;
/// How far ahead of the decoder the pages of a mapped file are mapped, at most.
pub const POPULATE_AHEAD: usize = 16 << 20;

/// A [`BufRead`] over a mapped file, or over any reader filled by a thread of its own.
pub struct ReadAhead {
    source: Source,
}

enum Source {
    Mapped(Mapped),
    Chunks(Chunks),
    /// A mapped file read to its end, which it did not grow past.
    Ended,
}

impl ReadAhead {
    /// Reads `file`: through a memory map when it is a non-empty regular file that can be
    /// mapped, else a few chunks ahead on a new thread. `name` is what a bus error's message
    /// calls the file (see [`guard`]).
    pub fn file(file: File, name: &std::path::Path) -> io::Result<ReadAhead> {
        match Mapped::new(&file, name) {
            Some(mapped) => Ok(ReadAhead {
                source: Source::Mapped(mapped),
            }),
            None => ReadAhead::new(file),
        }
    }

    /// Starts reading `inner` on a new thread.
    pub fn new<R: Read + Send + 'static>(inner: R) -> io::Result<ReadAhead> {
        Ok(ReadAhead {
            source: Source::Chunks(Chunks::new(inner)?),
        })
    }

    /// Whether the input is a memory map (else chunks read on a thread).
    pub fn is_mapped(&self) -> bool {
        matches!(self.source, Source::Mapped(_))
    }

    /// Whether reading on would not wait for the input: bytes are buffered, more have
    /// arrived, or the input ended. From a pipe fed as packets are captured (`tcpdump -U -w -`),
    /// `false` means everything sent so far has been read: the moment to show it. A mapped
    /// file never waits.
    pub fn ready(&mut self) -> bool {
        match &mut self.source {
            Source::Chunks(chunks) => chunks.ready(),
            Source::Mapped(_) | Source::Ended => true,
        }
    }
}

impl BufRead for ReadAhead {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        if let Source::Mapped(mapped) = &self.source {
            if mapped.pos == mapped.map.len() {
                // The map is used up. Whatever the file gained since it was opened is read
                // on, as a reader of the file would have.
                self.source = match mapped.grown()? {
                    Some(file) => Source::Chunks(Chunks::new(file)?),
                    None => Source::Ended,
                };
            }
        }
        match &mut self.source {
            Source::Mapped(mapped) => Ok(&mapped.map[mapped.pos..]),
            Source::Chunks(chunks) => chunks.fill_buf(),
            Source::Ended => Ok(&[]),
        }
    }

    fn consume(&mut self, amt: usize) {
        match &mut self.source {
            Source::Mapped(mapped) => mapped.consume(amt),
            Source::Chunks(chunks) => chunks.pos = (chunks.pos + amt).min(chunks.len),
            Source::Ended => {}
        }
    }
}

/// Chunks read by a thread of their own.
struct Chunks {
    /// Chunks as read: the buffer (always [`CHUNK`] long) and how many bytes of it are data.
    chunks: Receiver<io::Result<(Vec<u8>, usize)>>,
    spent: SyncSender<Vec<u8>>,
    current: Vec<u8>,
    len: usize,
    pos: usize,
    ended: bool,
    /// A chunk taken by [`Chunks::ready`] before it was needed.
    early: Option<io::Result<(Vec<u8>, usize)>>,
}

impl Chunks {
    fn new<R: Read + Send + 'static>(mut inner: R) -> io::Result<Chunks> {
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
        Ok(Chunks {
            chunks: full_rx,
            spent: spent_tx,
            current: Vec::new(),
            len: 0,
            pos: 0,
            ended: false,
            early: None,
        })
    }

    fn ready(&mut self) -> bool {
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

/// A regular file mapped whole, read front to back.
struct Mapped {
    map: Arc<memmap2::Mmap>,
    /// Threads that ask the kernel to map pages ahead of the decoder.
    populate: Populate,
    /// The file, to read on from the map's end if the file grew.
    file: File,
    /// Where the decoder is.
    pos: usize,
    /// The map's entry in [`guard`]'s table, removed when the map goes.
    _watched: guard::Watched,
}

impl Mapped {
    /// Maps `file` if it is a non-empty regular file, the map can be made and [`guard`] can
    /// watch it; `None` sends the caller to reading chunks instead.
    fn new(file: &File, name: &std::path::Path) -> Option<Mapped> {
        let meta = file.metadata().ok()?;
        if !meta.is_file() || meta.len() == 0 || usize::try_from(meta.len()).is_err() {
            return None;
        }
        guard::install();
        // SAFETY: the map is read-only and its bytes are only ever read as plain bytes, so
        // bytes another process changes meanwhile are merely read as they are then (as a
        // read() might have). A file cut short makes a touch of its lost pages raise SIGBUS,
        // which [`guard`] turns into an error message and exit code 2.
        let map = Arc::new(unsafe { memmap2::Mmap::map(file) }.ok()?);
        let watched = guard::Watched::new(map.as_ptr() as usize, map.len(), name)?;
        // Advice only: reading works the same without it.
        let _ = map.advise(memmap2::Advice::Sequential);
        Some(Mapped {
            populate: Populate::start(&map),
            map,
            file: file.try_clone().ok()?,
            pos: 0,
            _watched: watched,
        })
    }

    fn consume(&mut self, amt: usize) {
        self.pos = (self.pos + amt).min(self.map.len());
        self.populate.moved_to(self.pos);
        if self.populate.shared.running.load(Ordering::Relaxed) == 0 {
            self.populate.shared.release_behind(&self.map);
        }
    }

    /// The file from the map's end, if it has grown since it was mapped.
    fn grown(&self) -> io::Result<Option<File>> {
        let end = self.map.len() as u64;
        if self.file.metadata()?.len() <= end {
            return Ok(None);
        }
        let mut file = self.file.try_clone()?;
        file.seek(SeekFrom::Start(end))?;
        Ok(Some(file))
    }
}

/// Threads that have the kernel map a mapped file's pages ahead of the decoder (a window of
/// [`POPULATE`] bytes at a time, at most [`POPULATE_AHEAD`] bytes ahead of it; see
/// [`PopulateShared::map_window`]). Mapping the pages is most of a skipping read's time, and the kernel
/// does it on the thread that asks: without them, the decoder's thread stopped at every
/// 64 KiB for the kernel to map the next ones.
struct Populate {
    shared: Arc<PopulateShared>,
    threads: Vec<std::thread::JoinHandle<()>>,
}

struct PopulateShared {
    /// The decoder's offset.
    pos: AtomicUsize,
    /// Pages before this offset were handed back to the kernel.
    released: AtomicUsize,
    /// Threads still mapping windows; once none is, the decoder's thread releases pages.
    running: AtomicUsize,
    /// The next window to map, as a count of windows.
    next: AtomicUsize,
    /// The decoder's offset at which a waiting thread may go on (`usize::MAX`: none waits).
    wake_at: AtomicUsize,
    stop: AtomicBool,
    /// `process_vm_readv` was refused: windows are mapped by `MADV_POPULATE_READ`.
    no_vm_read: AtomicBool,
    lock: Mutex<()>,
    moved: Condvar,
}

impl Populate {
    /// Starts the threads on `map`: as many as the processor has cores, at most two, and
    /// none on a single core (where they could only take turns with the decoder).
    fn start(map: &Arc<memmap2::Mmap>) -> Populate {
        let shared = Arc::new(PopulateShared::new());
        let cores = std::thread::available_parallelism().map_or(1, usize::from);
        let wanted = if cores > 1 { cores.min(2) } else { 0 };
        let threads = (0..wanted)
            .filter_map(|_| {
                let (mine, map) = (shared.clone(), map.clone());
                shared.running.fetch_add(1, Ordering::Relaxed);
                let spawned =
                    std::thread::Builder::new()
                        .name("populate".into())
                        .spawn(move || {
                            lower_priority();
                            mine.run(&map);
                            mine.running.fetch_sub(1, Ordering::Relaxed);
                        });
                if spawned.is_err() {
                    shared.running.fetch_sub(1, Ordering::Relaxed);
                }
                spawned.ok()
            })
            .collect();
        Populate { shared, threads }
    }

    /// Tells the threads where the decoder is.
    fn moved_to(&self, pos: usize) {
        self.shared.pos.store(pos, Ordering::Relaxed);
        if pos >= self.shared.wake_at.load(Ordering::Relaxed) {
            self.shared.wake_at.store(usize::MAX, Ordering::Relaxed);
            self.shared.moved.notify_all();
        }
    }
}

/// How much lower than the decoder's the populating threads' priority is (a nice value
/// added to the process's): on two cores, the decoder shares one with a populating thread.
/// On the benchmark file, 80 runs each taking turns, the median display-filtered read took
/// 16.5 ms with 5 against 17.9 ms with none; with the other core kept busy by another
/// process, the two were the same (20.0 and 20.2 ms), where 10 or more was slower (24 ms):
/// the decoder then faults the pages in itself.
const POPULATE_NICE: libc::c_int = 5;

/// Lowers the calling thread's priority by [`POPULATE_NICE`]. Advice only: a thread whose
/// priority cannot be changed runs as it is.
fn lower_priority() {
    // SAFETY: plain system calls on this thread, with no pointers.
    unsafe {
        let tid = libc::gettid();
        let Ok(who) = libc::id_t::try_from(tid) else {
            return;
        };
        *libc::__errno_location() = 0;
        let now = libc::getpriority(libc::PRIO_PROCESS, who);
        if now == -1 && *libc::__errno_location() != 0 {
            return;
        }
        libc::setpriority(libc::PRIO_PROCESS, who, (now + POPULATE_NICE).min(19));
    }
}

impl PopulateShared {
    fn new() -> PopulateShared {
        PopulateShared {
            pos: AtomicUsize::new(0),
            released: AtomicUsize::new(0),
            running: AtomicUsize::new(0),
            next: AtomicUsize::new(0),
            wake_at: AtomicUsize::new(usize::MAX),
            stop: AtomicBool::new(false),
            no_vm_read: AtomicBool::new(false),
            lock: Mutex::new(()),
            moved: Condvar::new(),
        }
    }

    /// Hands back to the kernel the pages more than [`RELEASE`] bytes behind the decoder,
    /// once there are [`RELEASE`] bytes of them, so that the memory the process holds stays
    /// bounded whatever the file's size. Any thread may call it; each range goes back once.
    fn release_behind(&self, map: &memmap2::Mmap) {
        let pos = self.pos.load(Ordering::Relaxed);
        let released = self.released.load(Ordering::Relaxed);
        if pos < released + 2 * RELEASE {
            return;
        }
        let upto = (pos - RELEASE) / page_size() * page_size();
        if self
            .released
            .compare_exchange(released, upto, Ordering::Relaxed, Ordering::Relaxed)
            .is_err()
        {
            return;
        }
        // SAFETY: the map is a read-only shared map of a file: dropped pages are mapped
        // again from the page cache, with the same bytes, if touched. Nothing lent out of
        // them is held: a frame's bytes live until the decoder's next `consume`, which is
        // [`RELEASE`] bytes ahead of this range at least (the decoder only moves forward).
        let _ = unsafe {
            map.unchecked_advise_range(
                memmap2::UncheckedAdvice::DontNeed,
                released,
                upto - released,
            )
        };
    }

    fn run(&self, map: &memmap2::Mmap) {
        while !self.stop.load(Ordering::Relaxed) {
            self.release_behind(map);
            let start = self
                .next
                .fetch_add(1, Ordering::Relaxed)
                .saturating_mul(POPULATE);
            if start >= map.len() {
                return;
            }
            // Wait while the window is too far ahead of the decoder.
            loop {
                let pos = self.pos.load(Ordering::Relaxed);
                if start <= pos.saturating_add(POPULATE_AHEAD) || self.stop.load(Ordering::Relaxed)
                {
                    break;
                }
                let go_on_at = start - POPULATE_AHEAD;
                self.wake_at.fetch_min(go_on_at, Ordering::Relaxed);
                let guard = self.lock.lock().unwrap_or_else(|e| e.into_inner());
                // A bounded wait: a wake-up missed between the test and the wait costs 1 ms.
                let _ = self
                    .moved
                    .wait_timeout(guard, std::time::Duration::from_millis(1));
                self.release_behind(map);
            }
            // A window the decoder has passed is not mapped again (its pages may have gone
            // back to the kernel already).
            let len = POPULATE.min(map.len() - start);
            if start + len > self.pos.load(Ordering::Relaxed) {
                self.map_window(map, start, len);
            }
        }
    }
}

impl PopulateShared {
    /// Has the kernel map the pages of `map[start..start + len]`. Advice only: a page left
    /// unmapped is mapped when the decoder touches it, so nothing here fails.
    ///
    /// A fault maps the page cache's pages around the faulting one, [`FAULT_AROUND`] bytes
    /// at a time, so one byte read per [`FAULT_AROUND`] bytes maps them all. The bytes are
    /// read through `process_vm_readv` on this process, which reports a page that cannot be
    /// read (a file cut short) as a short read where a plain read of the map would raise a
    /// bus error on this thread. On the benchmark file this cost the kernel 4.0 ms against
    /// 6.1 ms for `MADV_POPULATE_READ`, which looks up each page of the window in turn after
    /// mapping them; that advice is the fallback where the call is refused (a seccomp
    /// filter, say).
    fn map_window(&self, map: &memmap2::Mmap, start: usize, len: usize) {
        if !self.no_vm_read.load(Ordering::Relaxed) && touch_each(map, start, len).is_err() {
            self.no_vm_read.store(true, Ordering::Relaxed);
        }
        if self.no_vm_read.load(Ordering::Relaxed) {
            let _ = map.advise_range(memmap2::Advice::PopulateRead, start, len);
        }
    }
}

/// Bytes the kernel maps around a faulting page of a file (its default `fault_around_bytes`).
const FAULT_AROUND: usize = 64 * 1024;

/// Reads a byte of `map` at `start` and at each address in `start..start + len` that is a
/// multiple of [`FAULT_AROUND`] (the kernel maps the aligned block around a fault; see
/// [`PopulateShared::map_window`]). An error when `process_vm_readv` is refused outright; a
/// short read, where pages were lost to a file cut short, is no error.
fn touch_each(map: &memmap2::Mmap, start: usize, len: usize) -> io::Result<()> {
    const MAX: usize = 64;
    let stride = FAULT_AROUND.max(page_size());
    let end = (start + len).min(map.len());
    let base = map.as_ptr() as usize;
    let mut sink = [0u8; MAX];
    let mut at = start;
    while at < end {
        let mut local = [libc::iovec {
            iov_base: std::ptr::null_mut(),
            iov_len: 0,
        }; MAX];
        let mut remote = local;
        let mut n = 0;
        while n < MAX && at < end {
            local[n] = libc::iovec {
                iov_base: sink[n..].as_mut_ptr().cast(),
                iov_len: 1,
            };
            remote[n] = libc::iovec {
                // The kernel only reads through this pointer.
                iov_base: map[at..].as_ptr().cast_mut().cast(),
                iov_len: 1,
            };
            n += 1;
            // The next aligned block.
            at = (base + at + stride) / stride * stride - base;
        }
        let count = libc::c_ulong::try_from(n).unwrap_or(0);
        // SAFETY: each local iovec points at one byte of `sink`, which lives across the
        // call and is written by nothing else; each remote one at one byte of the map, in
        // this process, which the call only reads (a page it cannot read ends it early).
        let read = unsafe {
            libc::process_vm_readv(
                libc::getpid(),
                local.as_ptr(),
                count,
                remote.as_ptr(),
                count,
                0,
            )
        };
        if read < 0 {
            let error = io::Error::last_os_error();
            // Nothing could be read: the first page is lost (a file cut short), or the
            // call is not allowed here.
            return match error.raw_os_error() {
                Some(libc::EFAULT) => Ok(()),
                _ => Err(error),
            };
        }
        if usize::try_from(read).map_or(true, |r| r < n) {
            return Ok(());
        }
    }
    Ok(())
}

impl Drop for Populate {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::Relaxed);
        self.shared.moved.notify_all();
        for thread in self.threads.drain(..) {
            let _ = thread.join();
        }
    }
}

/// Asks the processor for the cache lines of `bytes[from..to]` (clamped to `bytes`), without
/// waiting for them. A capture's records chain each header to the next by its length, so
/// without this each header waits for memory in turn: a display filter that skips most frames
/// of a mapped file then spends most of its time waiting.
#[inline]
pub fn prefetch(bytes: &[u8], from: usize, to: usize) {
    #[cfg(target_arch = "x86_64")]
    {
        let mut at = from;
        while at < to.min(bytes.len()) {
            // SAFETY: prefetching is a hint; `at` is within `bytes`.
            unsafe {
                std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(
                    bytes.as_ptr().add(at).cast(),
                );
            }
            at += 64;
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = (bytes, from, to);
}

fn page_size() -> usize {
    // SAFETY: sysconf has no preconditions.
    let size = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    usize::try_from(size)
        .ok()
        .filter(|&s| s > 0)
        .unwrap_or(4096)
}

/// A bus error raised by touching a mapped capture file that was cut short becomes one line,
/// `PROGRAM: cannot read PATH: at byte N: the file was cut short while it was being read`,
/// and exit code 2; any other bus error kills the process as it would have.
pub mod guard {
    use std::sync::atomic::{AtomicPtr, AtomicUsize, Ordering};
    use std::sync::Once;

    /// Maps watched at once, at most; a file opened beyond them is read in chunks.
    const SLOTS: usize = 16;

    /// One watched map: its address range and the start of its message, a leaked
    /// `Box<[u8]>` of `prefix_len` bytes that `Watched`'s drop takes back.
    struct Slot {
        /// 0 for a free slot, 1 while one is being filled in; else the map's address.
        start: AtomicUsize,
        end: AtomicUsize,
        prefix: AtomicPtr<u8>,
        prefix_len: AtomicUsize,
    }

    #[allow(clippy::declare_interior_mutable_const)]
    const FREE: Slot = Slot {
        start: AtomicUsize::new(0),
        end: AtomicUsize::new(0),
        prefix: AtomicPtr::new(std::ptr::null_mut()),
        prefix_len: AtomicUsize::new(0),
    };
    static SLOTS_TABLE: [Slot; SLOTS] = [FREE; SLOTS];

    /// What follows the byte offset in the message.
    pub const REASON: &str = ": the file was cut short while it was being read\n";

    /// A map being watched, until dropped.
    pub(super) struct Watched(usize);

    impl Watched {
        /// Watches the `len` bytes at `start`, a map of the file `name`; `None` when every
        /// slot is taken.
        pub(super) fn new(start: usize, len: usize, name: &std::path::Path) -> Option<Watched> {
            let program = crate::program_name();
            let prefix = format!("{program}: cannot read {}: at byte ", name.display());
            for (i, slot) in SLOTS_TABLE.iter().enumerate() {
                if slot
                    .start
                    .compare_exchange(0, 1, Ordering::SeqCst, Ordering::SeqCst)
                    .is_ok()
                {
                    let prefix: Box<[u8]> = prefix.into_bytes().into_boxed_slice();
                    slot.prefix_len.store(prefix.len(), Ordering::SeqCst);
                    slot.prefix
                        .store(Box::into_raw(prefix).cast::<u8>(), Ordering::SeqCst);
                    slot.end.store(start + len, Ordering::SeqCst);
                    slot.start.store(start, Ordering::SeqCst);
                    return Some(Watched(i));
                }
            }
            None
        }
    }

    impl Drop for Watched {
        fn drop(&mut self) {
            let slot = &SLOTS_TABLE[self.0];
            slot.start.store(1, Ordering::SeqCst);
            let ptr = slot.prefix.swap(std::ptr::null_mut(), Ordering::SeqCst);
            let len = slot.prefix_len.load(Ordering::SeqCst);
            if !ptr.is_null() {
                // SAFETY: `ptr` and `len` are those of the Box leaked in `new`, taken back once
                // (the swap above); the handler reads them only for a fault inside this map,
                // which no thread can touch any more while its owner drops it.
                drop(unsafe { Box::from_raw(std::ptr::slice_from_raw_parts_mut(ptr, len)) });
            }
            slot.start.store(0, Ordering::SeqCst);
        }
    }

    /// Writes `bytes` to standard error (async-signal-safe).
    fn write_all(mut bytes: &[u8]) {
        while !bytes.is_empty() {
            // SAFETY: write(2) on a valid buffer.
            let n = unsafe { libc::write(2, bytes.as_ptr().cast(), bytes.len()) };
            if n <= 0 {
                return;
            }
            bytes = &bytes[n as usize..];
        }
    }

    /// `n` in decimal, in `buf` (no allocation: async-signal-safe).
    fn decimal(mut n: usize, buf: &mut [u8; 20]) -> &[u8] {
        let mut at = buf.len();
        loop {
            at -= 1;
            buf[at] = b'0' + (n % 10) as u8;
            n /= 10;
            if n == 0 {
                return &buf[at..];
            }
        }
    }

    extern "C" fn on_bus_error(_: libc::c_int, info: *mut libc::siginfo_t, _: *mut libc::c_void) {
        // SAFETY: the kernel hands a valid siginfo to an SA_SIGINFO handler.
        let addr = unsafe { (*info).si_addr() } as usize;
        for slot in &SLOTS_TABLE {
            let start = slot.start.load(Ordering::SeqCst);
            if start > 1 && addr >= start && addr < slot.end.load(Ordering::SeqCst) {
                let ptr = slot.prefix.load(Ordering::SeqCst);
                if !ptr.is_null() {
                    let len = slot.prefix_len.load(Ordering::SeqCst);
                    // SAFETY: the slot is live, so its prefix is (see `Watched::drop`).
                    write_all(unsafe { std::slice::from_raw_parts(ptr, len) });
                    write_all(decimal(addr - start, &mut [0; 20]));
                    write_all(REASON.as_bytes());
                }
                // SAFETY: _exit is async-signal-safe.
                unsafe { libc::_exit(2) };
            }
        }
        // Not a watched map: return to the default action, and the faulting access, made
        // again on return, kills the process as it would have.
        // SAFETY: a zeroed sigaction with SIG_DFL is valid; sigaction is async-signal-safe.
        unsafe {
            let mut default: libc::sigaction = std::mem::zeroed();
            default.sa_sigaction = libc::SIG_DFL;
            libc::sigaction(libc::SIGBUS, &default, std::ptr::null_mut());
        }
    }

    /// Installs the handler, once per process.
    pub(super) fn install() {
        static ONCE: Once = Once::new();
        ONCE.call_once(|| {
            // SAFETY: a zeroed sigaction is valid; the handler is async-signal-safe.
            unsafe {
                let mut action: libc::sigaction = std::mem::zeroed();
                action.sa_sigaction = on_bus_error as *const () as usize;
                action.sa_flags = libc::SA_SIGINFO;
                libc::sigemptyset(&mut action.sa_mask);
                libc::sigaction(libc::SIGBUS, &action, std::ptr::null_mut());
            }
        });
    }

    #[cfg(test)]
    mod tests {
        #[test]
        fn decimal_writes_every_digit() {
            for n in [0, 7, 10, 24, 1_234_567, usize::MAX] {
                let got = super::decimal(n, &mut [0; 20]).to_vec();
                assert_eq!(String::from_utf8(got).expect("ascii"), n.to_string());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

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

    /// A file holding `bytes`, in a directory removed with the returned guard.
    fn file_of(bytes: &[u8]) -> (tempfile::TempDir, std::path::PathBuf) {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("data");
        std::fs::write(&path, bytes).expect("write");
        (dir, path)
    }

    #[test]
    fn maps_a_regular_file_and_reads_it_all_in_any_steps() {
        // Several times RELEASE, so that pages behind are handed back while reading on.
        let expected: Vec<u8> = (0..5 * RELEASE + 4321).map(|i| (i % 253) as u8).collect();
        let (_dir, path) = file_of(&expected);
        let mut ahead = ReadAhead::file(File::open(&path).expect("open"), &path).expect("map");
        assert!(ahead.is_mapped());
        let mut got = Vec::new();
        let mut step = 1;
        loop {
            let available = ahead.fill_buf().expect("read");
            if available.is_empty() {
                break;
            }
            let n = available.len().min(step);
            got.extend_from_slice(&available[..n]);
            ahead.consume(n);
            step = step * 7 % 100_003 + 1;
        }
        assert_eq!(got.len(), expected.len());
        assert!(got == expected, "the bytes differ");
        assert!(ahead.ready(), "the end does not wait");
    }

    #[test]
    fn pages_are_mapped_ahead_and_handed_back_behind_as_the_decoder_moves() {
        // Longer than the populating threads may run ahead, so that they wait for the
        // decoder, and read in steps of every size.
        let len = POPULATE_AHEAD + 3 * POPULATE + 4321;
        let expected: Vec<u8> = (0..len).map(|i| (i % 241) as u8).collect();
        let (_dir, path) = file_of(&expected);
        let mut ahead = ReadAhead::file(File::open(&path).expect("open"), &path).expect("map");
        let mut got = Vec::with_capacity(len);
        let mut step = 1;
        while got.len() < len - 1 {
            let available = ahead.fill_buf().expect("read");
            let n = available.len().min(step).min(len - 1 - got.len());
            got.extend_from_slice(&available[..n]);
            ahead.consume(n);
            step = step * 13 % 300_007 + 1;
        }
        // Near the end, the pages far behind have gone back to the kernel.
        let Source::Mapped(mapped) = &ahead.source else {
            panic!("not mapped");
        };
        let released = mapped.populate.shared.released.load(Ordering::Relaxed);
        let behind = (len - 1) - released;
        // A thread may not have run since the decoder's last steps; then the last windows
        // are still held, but no more than it may run ahead.
        assert!(
            released > 0 && behind <= 2 * RELEASE + POPULATE_AHEAD + POPULATE,
            "{behind} bytes still held behind the decoder"
        );
        got.extend_from_slice(&ahead.fill_buf().expect("read")[..1]);
        ahead.consume(1);
        assert!(ahead.fill_buf().expect("read").is_empty());
        assert!(got == expected, "the bytes differ");
        // Dropping the reader stops and joins its threads.
        drop(ahead);
    }

    /// The nice value in a `/proc/.../stat` line (its 19th field).
    fn nice_of(stat: &str) -> Option<i32> {
        let (_, after_name) = stat.rsplit_once(')')?;
        after_name.split_whitespace().nth(16)?.parse().ok()
    }

    #[test]
    fn populating_threads_give_way_to_the_decoder() {
        if std::thread::available_parallelism().map_or(1, usize::from) < 2 {
            println!("skipped: one core, where no populating thread is started");
            return;
        }
        // Longer than the threads may run ahead: they wait for a decoder that never moves.
        let (_dir, path) = file_of(&vec![7; POPULATE_AHEAD + 3 * POPULATE]);
        let ahead = ReadAhead::file(File::open(&path).expect("open"), &path).expect("map");
        let mine = nice_of(&std::fs::read_to_string("/proc/thread-self/stat").expect("stat"))
            .expect("a nice value");
        let mut populating = Vec::new();
        // Threads get their names and priorities as they start.
        for _ in 0..200 {
            populating.clear();
            for task in std::fs::read_dir("/proc/self/task")
                .expect("tasks")
                .flatten()
            {
                let comm = std::fs::read_to_string(task.path().join("comm")).unwrap_or_default();
                let stat = std::fs::read_to_string(task.path().join("stat")).unwrap_or_default();
                if comm.trim_end() == "populate" {
                    populating.push(nice_of(&stat).expect("a nice value"));
                }
            }
            let wanted = (mine + POPULATE_NICE).min(19);
            if populating.len() >= 2 && populating.iter().all(|&n| n == wanted) {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        assert!(
            populating.len() >= 2,
            "{} populating threads",
            populating.len()
        );
        let wanted = (mine + POPULATE_NICE).min(19);
        assert!(
            populating.iter().all(|&n| n == wanted),
            "populating threads at nice {populating:?}, the decoder at {mine}"
        );
        // The decoder's own priority is left as it was.
        let after = nice_of(&std::fs::read_to_string("/proc/thread-self/stat").expect("stat"));
        assert_eq!(after, Some(mine));
        drop(ahead);
    }

    #[test]
    fn reads_on_what_the_file_gained_after_it_was_mapped() {
        let first: Vec<u8> = (0..100_000).map(|i| (i % 251) as u8).collect();
        let (_dir, path) = file_of(&first);
        let mut ahead = ReadAhead::file(File::open(&path).expect("open"), &path).expect("map");
        assert!(ahead.is_mapped());
        let more: Vec<u8> = (0..50_000).map(|i| (i % 241) as u8).collect();
        let mut appender = std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .expect("append");
        std::io::Write::write_all(&mut appender, &more).expect("write more");
        let mut got = Vec::new();
        ahead.read_to_end(&mut got).expect("read");
        assert_eq!(got.len(), first.len() + more.len());
        assert!(got[..first.len()] == first[..] && got[first.len()..] == more[..]);
    }

    #[test]
    fn reads_an_empty_file_and_a_device_in_chunks() {
        let (_dir, path) = file_of(b"");
        let mut empty = ReadAhead::file(File::open(&path).expect("open"), &path).expect("open");
        assert!(!empty.is_mapped());
        assert!(empty.fill_buf().expect("read").is_empty());
        let null = Path::new("/dev/null");
        let mut device = ReadAhead::file(File::open(null).expect("open"), null).expect("open");
        assert!(!device.is_mapped());
        assert!(device.fill_buf().expect("read").is_empty());
    }

    /// Bytes of `map` that are mapped into the process (its `Rss` in `/proc/self/smaps`).
    fn resident(map: &memmap2::Mmap) -> usize {
        let smaps = std::fs::read_to_string("/proc/self/smaps").expect("smaps");
        let start = format!("{:x}-", map.as_ptr() as usize);
        let area = smaps
            .split_once(&format!("\n{start}"))
            .map(|(_, rest)| rest)
            .or_else(|| smaps.strip_prefix(&start))
            .expect("the map is listed");
        let rss = area
            .lines()
            .find_map(|l| l.strip_prefix("Rss:"))
            .expect("an Rss line");
        let kib: usize = rss
            .trim()
            .trim_end_matches("kB")
            .trim()
            .parse()
            .expect("kB");
        kib * 1024
    }

    #[test]
    fn a_window_is_mapped_by_a_byte_read_per_fault_around_or_by_advice() {
        // Written a page at a time, so that the page cache holds it in pages: a file written
        // at once may be held in folios of 2 MiB, which one fault maps whole.
        let (_dir, path) = file_of(b"");
        let mut writer = File::create(&path).expect("create");
        for _ in 0..4 * POPULATE / 4096 {
            std::io::Write::write_all(&mut writer, &[3; 4096]).expect("write");
        }
        drop(writer);
        let file = File::open(&path).expect("open");
        for refused in [false, true] {
            // SAFETY: a read-only map of a file nothing changes meanwhile.
            let map = unsafe { memmap2::Mmap::map(&file) }.expect("map");
            assert_eq!(resident(&map), 0, "a new map holds no page");
            let shared = PopulateShared::new();
            shared.no_vm_read.store(refused, Ordering::Relaxed);
            shared.map_window(&map, POPULATE, POPULATE);
            // Every page of the window, as the kernel maps the aligned block around each
            // fault (`fault_around_bytes`, 64 KiB unless changed); nothing beyond the blocks
            // at its two ends.
            let mapped = resident(&map);
            assert!(
                (POPULATE..POPULATE + 2 * FAULT_AROUND).contains(&mapped),
                "{mapped} bytes mapped (process_vm_readv refused: {refused})"
            );
            assert_eq!(shared.no_vm_read.load(Ordering::Relaxed), refused);
        }
    }

    /// Cuts the file at `path` to its first 4096 bytes.
    fn cut_to_one_page(path: &std::path::Path) {
        std::fs::OpenOptions::new()
            .write(true)
            .open(path)
            .expect("open to cut")
            .set_len(4096)
            .expect("cut");
    }

    #[test]
    fn reading_ahead_in_a_file_cut_short_is_no_bus_error() {
        let (_dir, path) = file_of(&vec![5; 2 * POPULATE]);
        let file = File::open(&path).expect("open");
        // SAFETY: a read-only map; the pages lost to the cut are only touched through
        // process_vm_readv, which reports them rather than raising SIGBUS.
        let map = unsafe { memmap2::Mmap::map(&file) }.expect("map");
        cut_to_one_page(&path);
        // The first page is still there, the rest is lost; neither is an error.
        touch_each(&map, 0, 2 * POPULATE).expect("a short read is no error");
        touch_each(&map, POPULATE, POPULATE).expect("nothing readable is no error");
        assert_eq!(map[0], 5);
    }

    /// Set in the child process of `a_file_cut_short_while_mapped_is_an_error_not_a_crash`.
    const CUT_SHORT_CHILD: &str = "SNIFFER_READAHEAD_CUT_SHORT_CHILD";

    /// The child's part (nothing unless the parent asked): reads the first page of a mapped
    /// file, cuts the file to one page, and reads on.
    #[test]
    fn cut_short_child() {
        let Some(path) = std::env::var_os(CUT_SHORT_CHILD) else {
            return;
        };
        let path = std::path::PathBuf::from(path);
        let mut ahead = ReadAhead::file(File::open(&path).expect("open"), &path).expect("map");
        assert!(ahead.is_mapped());
        let first = ahead.fill_buf().expect("read")[..100].to_vec();
        assert!(first.iter().all(|&b| b == 7));
        ahead.consume(100);
        cut_to_one_page(&path);
        let mut sum = 0u64;
        loop {
            let available = ahead.fill_buf().expect("read");
            if available.is_empty() {
                break;
            }
            sum += available.iter().map(|&b| u64::from(b)).sum::<u64>();
            let n = available.len();
            ahead.consume(n);
        }
        panic!("read past the cut without a bus error (sum {sum})");
    }

    #[test]
    fn a_file_cut_short_while_mapped_is_an_error_not_a_crash() {
        let (_dir, path) = file_of(&vec![7; 64 * 1024]);
        let out = std::process::Command::new(std::env::current_exe().expect("test binary"))
            .args([
                "--exact",
                "readahead::tests::cut_short_child",
                "--nocapture",
            ])
            .env(CUT_SHORT_CHILD, &path)
            .output()
            .expect("run the child");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "stderr: {stderr}");
        let line = stderr
            .lines()
            .find(|l| l.contains("cannot read"))
            .unwrap_or_else(|| panic!("no message in: {stderr}"));
        let expected = format!(": cannot read {}: at byte ", path.display());
        let at = line.find(&expected).expect("names the file");
        let rest = &line[at + expected.len()..];
        let (offset, reason) = rest.split_once(':').expect("offset then reason");
        let offset: usize = offset.parse().expect("a byte offset");
        assert!((4096..64 * 1024).contains(&offset), "{line}");
        assert_eq!(format!(":{reason}\n"), guard::REASON);
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
