//! `-z io,stat,INTERVAL[,COLUMN…]`: frames and bytes per interval, or `COUNT()`, `SUM()`,
//! `MIN()`, `MAX()` and `AVG()` of a field, each column with its own display filter, as
//! tshark 4.0's `tap-iostat.c` counts and draws them (relative times).
//!
//! A column is `FILTER` (frames and bytes of the packets it selects; empty: all), or
//! `FUNC(FIELD)FILTER`. As in tshark, a field's values are seen only where a display filter
//! of the run names that field (`-Y`, any report's filter, any column's): tshark builds the
//! tree without the fields nobody asked for, so `SUM(tcp.len)` alone counts nothing, while
//! `SUM(tcp.len)tcp.len` counts every segment's length ([`IoStat::prime`]).

use std::collections::HashSet;
use std::io::{self, Write};

use crate::filter::DisplayFilter;
use crate::tree::{self, Kind, Tree, Value};

/// What a column computes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Calc {
    Frames,
    Bytes,
    FramesAndBytes,
    Count,
    Sum,
    Min,
    Max,
    Avg,
}

impl Calc {
    /// The function's name, as the column's head shows it.
    fn name(self) -> &'static str {
        match self {
            Calc::Frames => "FRAMES",
            Calc::Bytes => "BYTES",
            Calc::FramesAndBytes => "FRAMES BYTES",
            Calc::Count => "COUNT",
            Calc::Sum => "SUM",
            Calc::Min => "MIN",
            Calc::Max => "MAX",
            Calc::Avg => "AVG",
        }
    }
}

/// How a field's values are added up.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Num {
    /// Unsigned, up to 32 bits (read as 32) or 64.
    Unsigned,
    /// Signed (read as 32 bits).
    Signed,
    /// Seconds, counted in nanoseconds.
    RelTime,
    /// Floating point.
    Double,
    /// Anything else: only `COUNT()`.
    Other,
}

/// One interval of one column.
#[derive(Clone, Copy, Debug, Default)]
struct Item {
    frames: u32,
    /// Values seen (for `AVG()`).
    num: u32,
    counter: u64,
    double: f64,
}

/// One column.
#[derive(Debug)]
pub struct Column {
    /// The column's text as given (its head lists it), or none: frames and bytes of all.
    text: Option<String>,
    calc: Calc,
    field: Option<(&'static str, Num)>,
    filter: Option<DisplayFilter>,
    /// Per interval; the intervals before the last with no frame are left out.
    items: std::collections::BTreeMap<usize, Item>,
    /// The last interval a frame came in (tshark never goes back).
    last: Option<usize>,
    max_val: u64,
    max_frame: u32,
}

/// An `io,stat` report while it counts.
#[derive(Debug)]
pub struct IoStat {
    /// In microseconds; `u64::MAX` for the whole capture (an interval of 0).
    interval: u64,
    /// Decimals of the interval as given.
    precision: u32,
    pub columns: Vec<Column>,
    /// Fields named by some display filter of the run: the only ones whose values count.
    primed: HashSet<&'static str>,
    /// The last frame's time since the first, for a frame from before the first.
    last_us: u64,
    /// The largest relative time: the capture's duration.
    elapsed: (i64, i64),
}

/// Why an `io,stat` argument is refused (tshark's words).
pub fn usage() -> String {
    "invalid \"-z io,stat,<interval>[,<filter>][,<filter>]...\" argument".to_owned()
}

impl IoStat {
    /// Reads `io,stat,INTERVAL[,COLUMN…]`.
    pub fn parse(arg: &str) -> Result<IoStat, String> {
        let rest = arg.strip_prefix("io,stat,").ok_or_else(usage)?;
        if arg.ends_with(',') {
            return Err(usage());
        }
        let (interval_text, columns_text) = match rest.split_once(',') {
            Some((i, c)) => (i, Some(c)),
            None => (rest, None),
        };
        let seconds: f64 = interval_text.trim().parse().map_err(|_| usage())?;
        if !seconds.is_finite() || seconds < 0.0 {
            return Err(usage());
        }
        let (interval, precision) = if seconds == 0.0 {
            (u64::MAX, 0)
        } else {
            let us = (seconds * 1_000_000.0 + 0.5) as u64;
            let mut precision = 6;
            let mut i = 10;
            while i < 10_000_000 {
                if us % i > 0 {
                    break;
                }
                precision -= 1;
                i *= 10;
            }
            if precision == 0 {
                // Zeros written after the point are decimals to show.
                if let Some((_, decimals)) = interval_text.split_once('.') {
                    if !decimals.is_empty() {
                        precision = decimals.len().min(6) as u32;
                    }
                }
            }
            (us, precision)
        };
        if interval < 1 {
            return Err(
                "\"-z\" interval must be >=0.000001 seconds or \"0\" for the entire capture \
                 duration."
                    .to_owned(),
            );
        }
        let mut columns = Vec::new();
        match columns_text {
            None => columns.push(Column::new(None)?),
            Some(text) => {
                // A filter may hold commas: a piece that does not compile takes the next one.
                let pieces: Vec<&str> = text.split(',').collect();
                let mut start = 0;
                let mut last_err = String::new();
                for end in 0..pieces.len() {
                    let candidate = pieces[start..=end].join(",");
                    let trimmed = candidate.trim();
                    let column = if trimmed.is_empty() {
                        Column::new(None)
                    } else {
                        Column::new(Some(trimmed))
                    };
                    match column {
                        Ok(c) => {
                            columns.push(c);
                            start = end + 1;
                        }
                        Err(e) => last_err = e,
                    }
                }
                if start < pieces.len() {
                    return Err(format!("Couldn't register io,stat tap: {last_err}"));
                }
            }
        }
        Ok(IoStat {
            interval,
            precision,
            columns,
            primed: HashSet::new(),
            last_us: 0,
            elapsed: (0, 0),
        })
    }

    /// The display filters of the columns.
    pub fn filters(&self) -> impl Iterator<Item = &DisplayFilter> {
        self.columns.iter().filter_map(|c| c.filter.as_ref())
    }

    /// Sets the fields whose values count: those the run's display filters name.
    pub fn prime<'a>(&mut self, fields: impl IntoIterator<Item = &'a str>) {
        for name in fields {
            if let Some(field) = tree::field(name) {
                self.primed.insert(field.abbrev);
            }
        }
    }

    /// Counts one frame, `time` after the first (seconds, nanoseconds), of `len` bytes.
    pub fn tap(&mut self, tree: &Tree, time: (i64, i64), len: u64) {
        // The frame's relative time as the tree shows it (`frame.time_relative`).
        let time = tree
            .nodes
            .iter()
            .find(|n| n.field.abbrev == "frame.time_relative")
            .and_then(|n| match n.value {
                Value::RelTime(s, n) => Some((s, n)),
                _ => None,
            })
            .unwrap_or(time);
        // The capture's duration: the latest relative time.
        if time > self.elapsed {
            self.elapsed = time;
        }
        // In microseconds; a time before the first frame's counts as the last one seen.
        let us = if time.0 >= 0 && time.1 >= 0 {
            let us = time.0 as u64 * 1_000_000 + (time.1 as u64 + 500) / 1000;
            self.last_us = us;
            us
        } else {
            self.last_us
        };
        let index = if self.interval == u64::MAX {
            0
        } else {
            usize::try_from(us / self.interval).unwrap_or(usize::MAX)
        };
        for column in &mut self.columns {
            if column.filter.as_ref().is_some_and(|f| !f.matches(tree)) {
                continue;
            }
            // A frame from before the column's last interval counts in it (tshark moves on
            // only).
            let at = column.last.map_or(index, |last| index.max(last));
            column.last = Some(at);
            let primed = column
                .field
                .is_some_and(|(name, _)| self.primed.contains(name));
            column.count(at, tree, len, primed);
        }
    }

    /// Writes the report as tshark draws it.
    pub fn write(&self, out: &mut impl Write) -> io::Result<()> {
        draw(self, out)
    }
}

impl Column {
    fn new(text: Option<&str>) -> Result<Column, String> {
        let mut column = Column {
            text: text.map(str::to_owned),
            calc: Calc::FramesAndBytes,
            field: None,
            filter: None,
            items: std::collections::BTreeMap::new(),
            last: None,
            max_val: 0,
            max_frame: 0,
        };
        let Some(text) = text else {
            return Ok(column);
        };
        let mut filter_text = text;
        for calc in [
            Calc::Frames,
            Calc::Bytes,
            Calc::Count,
            Calc::Sum,
            Calc::Min,
            Calc::Max,
            Calc::Avg,
        ] {
            let name = calc.name();
            let Some(after) = text.strip_prefix(name) else {
                continue;
            };
            let Some(inside) = after.strip_prefix('(') else {
                continue;
            };
            column.calc = calc;
            let (field, rest) = inside
                .split_once(')')
                .ok_or("Closing parenthesis missing from calculated expression.")?;
            filter_text = rest;
            if matches!(calc, Calc::Frames | Calc::Bytes) {
                if !field.is_empty() {
                    return Err(format!(
                        "{name} does not require or allow a field name within the parens."
                    ));
                }
                break;
            }
            if field.is_empty() {
                return Err(format!("You didn't specify a field name for {name}(*)."));
            }
            let f =
                tree::field(field).ok_or_else(|| format!("There is no field named '{field}'."))?;
            let num = match f.kind {
                Kind::UInt(..) => Num::Unsigned,
                Kind::Int => Num::Signed,
                Kind::RelTime => Num::RelTime,
                Kind::Double => Num::Double,
                _ => Num::Other,
            };
            if num == Num::Other && calc != Calc::Count {
                return Err(format!(
                    "{field} doesn't have integral values, so {name}(*) calculations are not \
                     supported on it."
                ));
            }
            column.field = Some((f.abbrev, num));
            break;
        }
        let filter_text = filter_text.trim();
        if !filter_text.is_empty() {
            column.filter = Some(
                DisplayFilter::compile(filter_text)
                    .map_err(|e| format!("Filter \"{filter_text}\" is invalid - {}", e.message))?,
            );
        }
        Ok(column)
    }

    /// Counts a frame into interval `at`; `primed`: its field's values are in the tree.
    fn count(&mut self, at: usize, tree: &Tree, len: u64, primed: bool) {
        let item = self.items.entry(at).or_default();
        item.frames += 1;
        let values: Vec<&Value> = match (self.field, primed) {
            (Some((name, _)), true) => tree
                .nodes
                .iter()
                .filter(|n| n.field.abbrev == name)
                .map(|n| &n.value)
                .collect(),
            _ => Vec::new(),
        };
        let num = self.field.map_or(Num::Other, |(_, num)| num);
        let int = |v: &Value| -> u64 {
            match (num, v) {
                // Unsigned fields are read 32 bits wide unless they are wider.
                (Num::Unsigned, Value::UInt(x)) => *x,
                (Num::Signed, Value::Int(x)) => *x as u64,
                (Num::Signed, Value::UInt(x)) => *x,
                (Num::RelTime, Value::RelTime(s, n)) => (*s as u64)
                    .wrapping_mul(1_000_000_000)
                    .wrapping_add(*n as u64),
                _ => 0,
            }
        };
        let double = |v: &Value| match v {
            Value::Double(x) => *x,
            _ => 0.0,
        };
        match self.calc {
            Calc::Frames | Calc::Bytes | Calc::FramesAndBytes => item.counter += len,
            Calc::Count => item.counter += values.len() as u64,
            Calc::Sum => {
                for v in &values {
                    match num {
                        Num::Double => item.double += double(v),
                        _ => item.counter = item.counter.wrapping_add(int(v)),
                    }
                }
            }
            Calc::Min => {
                for (i, v) in values.iter().enumerate() {
                    let first = item.frames == 1 && i == 0;
                    match num {
                        Num::Double => {
                            let x = double(v);
                            if first || x < item.double {
                                item.double = x;
                            }
                        }
                        Num::Signed => {
                            let x = int(v);
                            if first || (x as i32) < (item.counter as i32) {
                                item.counter = x;
                            }
                        }
                        _ => {
                            let x = int(v);
                            if first || x < item.counter {
                                item.counter = x;
                            }
                        }
                    }
                }
            }
            Calc::Max => {
                for v in &values {
                    match num {
                        Num::Double => item.double = item.double.max(double(v)),
                        Num::Signed => {
                            let x = int(v);
                            if (x as i32) > (item.counter as i32) {
                                item.counter = x;
                            }
                        }
                        _ => item.counter = item.counter.max(int(v)),
                    }
                }
            }
            Calc::Avg => {
                for v in &values {
                    item.num += 1;
                    match num {
                        Num::Double => item.double += double(v),
                        _ => item.counter = item.counter.wrapping_add(int(v)),
                    }
                }
            }
        }
        // The widest value of the column, for its width.
        let item = *item;
        match self.calc {
            Calc::Frames | Calc::FramesAndBytes => {
                self.max_frame = self.max_frame.max(item.frames);
                if self.calc == Calc::FramesAndBytes {
                    self.max_val = self.max_val.max(item.counter);
                }
            }
            Calc::Bytes | Calc::Count => self.max_val = self.max_val.max(item.counter),
            Calc::Sum | Calc::Min | Calc::Max => {
                self.max_val = self.max_val.max(match num {
                    Num::Double => (item.double + 0.5) as u64,
                    _ => item.counter,
                });
            }
            Calc::Avg => {
                if item.num > 0 {
                    self.max_val = self.max_val.max(match num {
                        Num::Double => (item.double as u64) / u64::from(item.num),
                        Num::RelTime => {
                            (item.counter / u64::from(item.num) + 500_000_000) / 1_000_000_000
                        }
                        _ => item.counter / u64::from(item.num),
                    });
                }
            }
        }
    }

    fn num(&self) -> Num {
        self.field.map_or(Num::Other, |(_, n)| n)
    }
}

/// Digits of `val`, from 1 to `max`.
fn magnitude(mut val: u64, max: u32) -> u32 {
    let mut mag = 0;
    for _ in 0..max {
        mag += 1;
        val /= 10;
        if val == 0 {
            break;
        }
    }
    mag
}

/// A column's label centred in its head (`printcenter`); nothing when it does not fit.
fn center(label: &str, width: u32) -> String {
    const SPACES: usize = 6;
    let lenlab = label.len() as i64;
    let width = i64::from(width);
    let len = SPACES as i64 - ((width - lenlab) / 2 + 1);
    if len > 0 && len < 6 {
        let pad = " ".repeat(SPACES - len as usize);
        if (width - lenlab) % 2 == 0 {
            format!("{pad}{label}{pad}|")
        } else {
            format!(" {pad}{label}{pad}|")
        }
    } else if len > 0 && len <= 15 {
        format!("{label}|")
    } else {
        String::new()
    }
}

/// A cell's format: its widths and how its values are written.
#[derive(Clone, Copy, Debug)]
enum Cell {
    Frames(usize),
    FramesBytes(usize, usize),
    Unsigned(usize),
    Signed(usize),
    Time(usize),
    Double(usize),
}

impl Cell {
    fn write(self, item: Option<&Item>, calc: Calc, last: bool) -> String {
        let Some(item) = item else {
            // An interval after the column's last frame.
            return match self {
                Cell::Frames(w) | Cell::Unsigned(w) | Cell::Signed(w) => format!(" {:>w$} |", 0),
                Cell::FramesBytes(f, b) => format!(" {:>f$} | {:>b$} |", 0, 0),
                Cell::Time(w) => format!(" {:>w$}.{:06} |", 0, 0),
                Cell::Double(w) => format!(" {:>w$.6} |", 0.0, w = w),
            };
        };
        let _ = last;
        let value = match calc {
            Calc::Avg => {
                let num = u64::from(item.num.max(1));
                match self {
                    Cell::Double(_) => return self.double(item.double / num as f64),
                    Cell::Time(_) => return self.time((item.counter / num + 500) / 1000),
                    _ => item.counter / num,
                }
            }
            Calc::Sum | Calc::Min | Calc::Max => match self {
                Cell::Double(_) => return self.double(item.double),
                Cell::Time(_) => return self.time((item.counter + 500) / 1000),
                _ => item.counter,
            },
            _ => item.counter,
        };
        match self {
            Cell::Frames(w) => format!(" {:>w$} |", item.frames),
            Cell::FramesBytes(f, b) => format!(" {:>f$} | {:>b$} |", item.frames, value),
            Cell::Unsigned(w) => format!(" {value:>w$} |"),
            Cell::Signed(w) => format!(" {:>w$} |", value as i64),
            Cell::Time(_) | Cell::Double(_) => unreachable!("handled above"),
        }
    }

    fn time(self, us: u64) -> String {
        let w = match self {
            Cell::Time(w) => w,
            _ => 0,
        };
        // Written from 32-bit integers, as tshark does.
        format!(
            " {:>w$}.{:06} |",
            (us / 1_000_000) as u32,
            (us % 1_000_000) as u32
        )
    }

    fn double(self, x: f64) -> String {
        let w = match self {
            Cell::Double(w) => w,
            _ => 0,
        };
        format!(" {x:>w$.6} |")
    }
}

/// Each column's cell format and widths (frames, value), and the row's width.
fn widths(io: &IoStat) -> (Vec<Cell>, Vec<(u32, u32)>, u32) {
    let mut cells = Vec::new();
    let mut widths = Vec::new();
    let mut row = 0;
    for c in &io.columns {
        let namelen = match c.calc {
            Calc::FramesAndBytes => 5,
            other => other.name().len() as u32,
        };
        match c.calc {
            Calc::Frames | Calc::FramesAndBytes => {
                let fr = magnitude(u64::from(c.max_frame), 15).max(6);
                row += fr + 3;
                if c.calc == Calc::Frames {
                    cells.push(Cell::Frames(fr as usize));
                    widths.push((fr, 0));
                } else {
                    let val = magnitude(c.max_val, 15).max(5);
                    row += val + 3;
                    cells.push(Cell::FramesBytes(fr as usize, val as usize));
                    widths.push((fr, val));
                }
                continue;
            }
            Calc::Bytes | Calc::Count => {
                let val = magnitude(c.max_val, 15).max(5);
                cells.push(Cell::Unsigned(val as usize));
                widths.push((0, val));
                row += val + 3;
            }
            _ => match c.num() {
                Num::Double => {
                    let mag = magnitude(c.max_val, 15);
                    cells.push(Cell::Double(mag as usize));
                    widths.push((0, mag + 7));
                    row += mag + 7 + 3;
                }
                Num::RelTime => {
                    let max = if c.calc == Calc::Avg {
                        c.max_val
                    } else {
                        (c.max_val + 500_000_000) / 1_000_000_000
                    };
                    let mag = magnitude(max, 15);
                    cells.push(Cell::Time(mag as usize));
                    widths.push((0, mag + 7));
                    row += mag + 7 + 3;
                }
                num => {
                    let val = magnitude(c.max_val, 15).max(namelen);
                    cells.push(if num == Num::Signed {
                        Cell::Signed(val as usize)
                    } else {
                        Cell::Unsigned(val as usize)
                    });
                    widths.push((0, val));
                    row += val + 3;
                }
            },
        }
    }
    (cells, widths, row)
}

/// The most rows printed: a longer table is refused rather than written (tshark would try
/// to hold every interval in memory).
const MAX_ROWS: u64 = 10_000_000;

fn draw(io: &IoStat, out: &mut impl Write) -> io::Result<()> {
    let elapsed = io.elapsed;
    let mut duration =
        (elapsed.0.max(0) as u64) * 1_000_000 + (elapsed.1.max(0) as u64 + 500) / 1000;
    let whole = io.interval > duration || io.interval == u64::MAX;
    let mut interval = if whole { duration } else { io.interval };
    // tshark keeps the seconds in 32 bits.
    let secs = |us: u64| u64::from((us / 1_000_000) as u32);
    let mut dur_mag = magnitude(secs(duration), 5);
    let invl_mag = magnitude(interval / 1_000_000, 5);
    let precision;
    let mut border;
    if interval == duration {
        precision = match dur_mag {
            m if m >= 2 => 1,
            1 => 3,
            _ => 6,
        };
        border = 30 + dur_mag + if precision == 0 { 0 } else { precision + 1 };
    } else {
        precision = io.precision;
        border = 25 + invl_mag.max(dur_mag) + if precision == 0 { 0 } else { precision + 1 };
    }
    let dv = 1_000_000 / 10u64.pow(precision);
    if duration % dv > 5 * (dv / 10) {
        duration += 5 * (dv / 10);
        duration = duration / dv * dv;
        dur_mag = magnitude(secs(duration), 5);
    }
    if whole {
        interval = duration;
    }
    let dm = dur_mag as usize;
    let p = precision as usize;
    let mut invl_col = if precision == 0 {
        2 * dur_mag + 8
    } else {
        2 * dur_mag + 2 * precision + 10
    };
    invl_col = invl_col.max(12);
    let (cells, col_widths, cols_row) = widths(io);
    let row_w = invl_col + cols_row;
    border = border.max(row_w);
    let widest_filter = io
        .columns
        .iter()
        .map(|c| c.text.as_ref().map_or(26, |t| t.len() as u32 + 11))
        .max()
        .unwrap_or(0);
    if widest_filter > border && border < 102 {
        border = widest_filter.min(102);
    }
    if border - row_w == 1 {
        border += 1;
    }
    let b = border as usize;
    let pad_to = |line: &str| -> String {
        let used = line.chars().count();
        format!("{line}{:>w$}", "|", w = b.saturating_sub(used).max(1))
    };

    let dur_w = dm + if p == 0 { 0 } else { p + 1 };
    // The duration's and interval's lines are padded for the width their numbers should
    // have, whatever width they take.
    // (In whole seconds the duration has its microseconds too.)
    let nominal = |line: &str, width: usize| -> String {
        let pad = b as i64 - (12 + width as i64 + 5);
        format!("{line}{:>w$}", "|", w = pad.max(1) as usize)
    };

    // The head.
    writeln!(out)?;
    writeln!(out, "{}", "=".repeat(b))?;
    writeln!(out, "|{:<w$}|", " IO Statistics", w = b - 2)?;
    writeln!(out, "|{:<w$}|", "", w = b - 2)?;
    // The duration as rounded above (a half is not rounded up).
    let dur_text = if p == 0 {
        // In whole seconds tshark 4.0 shows the microseconds too, padded with spaces.
        format!("{:>dm$}.{:>6}", secs(duration), duration % 1_000_000)
    } else {
        format!("{}.{:0p$}", secs(duration), duration % 1_000_000 / dv)
    };
    writeln!(
        out,
        "{}",
        nominal(
            &format!("| Duration: {dur_text:>dur_w$} secs"),
            if p == 0 { dm + 7 } else { dur_w }
        )
    )?;
    let invl_text = if p == 0 {
        format!("{}", secs(interval))
    } else {
        format!("{}.{:0p$}", secs(interval), interval % 1_000_000 / dv)
    };
    writeln!(
        out,
        "{}",
        nominal(&format!("| Interval: {invl_text:>dur_w$} secs"), dur_w)
    )?;
    writeln!(out, "|{:<w$}|", "", w = b - 2)?;
    for (j, c) in io.columns.iter().enumerate() {
        let mut line = if j == 0 {
            format!("| Col {}: ", j + 1)
        } else {
            format!("|     {}: ", j + 1)
        };
        match &c.text {
            None => line.push_str("Frames and bytes"),
            Some(text) => {
                let mut filter = text.as_str();
                let max_w = b.saturating_sub(11);
                while filter.len() > max_w {
                    let (take, skip) = match filter[..max_w].rfind(' ') {
                        Some(pos) => (pos, pos + 1),
                        None => (max_w, max_w),
                    };
                    line.push_str(&filter[..take]);
                    writeln!(out, "{}", pad_to(&line))?;
                    line = "|        ".to_owned();
                    filter = &filter[skip..];
                }
                line.push_str(filter);
            }
        }
        writeln!(out, "{}", pad_to(&line))?;
    }
    writeln!(out, "|-{}|", "-".repeat(b - 3))?;

    // The columns' heads.
    let ic = invl_col as usize;
    let filler = if row_w < border {
        format!("{:>w$}", "|", w = (border - row_w) as usize)
    } else {
        String::new()
    };
    let mut line = format!("|{:>w$}", "|", w = ic - 1);
    for (j, c) in io.columns.iter().enumerate() {
        let (fr, val) = col_widths[j];
        let padding = match c.calc {
            Calc::FramesAndBytes => fr + val + 3,
            Calc::Frames => fr,
            _ => val,
        } as usize;
        line.push_str(&format!("{:<2}{:padding$}|", j + 1, ""));
    }
    writeln!(out, "{line}{filler}")?;
    let mut line = format!("| Interval{:>w$}", "|", w = ic - "| Interval".len());
    for (j, c) in io.columns.iter().enumerate() {
        let (fr, val) = col_widths[j];
        match c.calc {
            Calc::Frames => line.push_str(&center("FRAMES", fr)),
            Calc::FramesAndBytes => {
                line.push_str(&center("Frames", fr));
                line.push_str(&center("Bytes", val));
            }
            other => line.push_str(&center(other.name(), val)),
        }
    }
    writeln!(out, "{line}{filler}")?;
    writeln!(out, "|-{}|{filler}", "-".repeat(row_w as usize - 3))?;

    // The rows.
    if interval > 0 && duration / interval > MAX_ROWS {
        writeln!(
            out,
            "| {} intervals of {invl_text} s: too many to print (at most {MAX_ROWS}); choose a \
             longer interval",
            duration / interval
        )?;
        writeln!(out, "{}", "=".repeat(b))?;
        return Ok(());
    }
    let mut t = 0u64;
    let mut row = 0usize;
    while t < duration && interval > 0 {
        let mut end = t + interval;
        let last = end >= duration;
        if last {
            end = duration;
        }
        let mut line = if precision == 0 {
            if last {
                let maxw = if dur_mag >= 3 { dm + 1 } else { 3 };
                format!(
                    "| {}{:>dm$} <> {:<maxw$}|",
                    if dur_mag == 1 { " " } else { "" },
                    secs(t),
                    "Dur"
                )
            } else if dur_mag == 1 {
                format!("|  {:>dm$} <> {:>dm$}  |", secs(t), secs(end))
            } else {
                format!("| {:>dm$} <> {:>dm$} |", secs(t), secs(end))
            }
        } else {
            format!(
                "| {:>dm$}.{:0p$} <> {:>dm$}.{:0p$} |",
                secs(t),
                t % 1_000_000 / dv,
                secs(end),
                end % 1_000_000 / dv
            )
        };
        for (j, c) in io.columns.iter().enumerate() {
            let item = c
                .items
                .get(&row)
                .copied()
                .or_else(|| c.last.filter(|l| row <= *l).map(|_| Item::default()));
            line.push_str(&cells[j].write(item.as_ref(), c.calc, last));
        }
        writeln!(out, "{line}{filler}")?;
        if last {
            break;
        }
        t += interval;
        row += 1;
    }
    writeln!(out, "{}", "=".repeat(b))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_interval_and_its_precision() {
        let p = |a: &str| IoStat::parse(a).map(|io| (io.interval, io.precision));
        assert_eq!(p("io,stat,0"), Ok((u64::MAX, 0)));
        assert_eq!(p("io,stat,1"), Ok((1_000_000, 0)));
        assert_eq!(p("io,stat,1.00"), Ok((1_000_000, 2)));
        assert_eq!(p("io,stat,0.1"), Ok((100_000, 1)));
        assert_eq!(p("io,stat,0.025"), Ok((25_000, 3)));
        assert!(p("io,stat,x").is_err());
        assert!(p("io,stat,1,").is_err());
        let io = IoStat::parse("io,stat,1,tcp,SUM(tcp.len)tcp.len>0,COUNT(tcp.analysis.flags)")
            .expect("parses");
        assert_eq!(io.columns.len(), 3);
        assert_eq!(io.columns[1].calc, Calc::Sum);
        assert!(IoStat::parse("io,stat,1,SUM(ip.src)").is_err());
        assert!(IoStat::parse("io,stat,1,COUNT(ip.src)").is_ok());
        assert!(IoStat::parse("io,stat,1,SUM(no.such.field)").is_err());
        assert!(IoStat::parse("io,stat,1,SUM(tcp.len").is_err());
    }

    #[test]
    fn centres_a_label_as_tshark() {
        assert_eq!(center("SUM", 6), "   SUM  |");
        assert_eq!(center("Frames", 6), " Frames |");
        assert_eq!(center("Bytes", 6), "  Bytes |");
        assert_eq!(center("COUNT", 5), " COUNT |");
    }
}
