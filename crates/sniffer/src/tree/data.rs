//! The bytes no dissector of the judged set takes: the `data` protocol.

use super::{Base, Builder, Field, Kind, Value};

fields! {
    DATA: "data", "Data", Kind::Protocol;
    DATA_DATA: "data.data", "Data", Kind::Bytes;
    DATA_LEN: "data.len", "Length", Kind::UInt(32, Base::Dec);
}

/// Builds the data's subtree for `len` bytes at `at`.
pub(super) fn build(b: &mut Builder, data: &[u8], at: usize, len: usize) {
    build_bytes(b, data.get(at..at + len).unwrap_or_default(), at, len);
}

/// The data's subtree for `bytes`, found at `at` in the frame, inside another protocol's
/// subtree (an option no dissector of the judged set reads).
pub(super) fn build_nested(b: &mut Builder, bytes: &[u8], at: usize) {
    build_bytes(b, bytes, at, bytes.len());
}

/// The subtree of `len` bytes at `at`, of which `bytes` were captured.
fn build_bytes(b: &mut Builder, bytes: &[u8], at: usize, len: usize) {
    b.add(
        &DATA,
        Value::None,
        (at, len),
        format_args!("Data ({})", super::bytes_text(len)),
    );
    b.open();
    let shown = super::shown_bytes(bytes);
    b.add(
        &DATA_DATA,
        Value::Bytes,
        (at, len),
        format_args!("Data: {shown}"),
    );
    b.add(
        &DATA_LEN,
        Value::UInt(len as u64),
        (at, 0),
        format_args!("Length: {len}"),
    )
    .generated = true;
    b.close();
}
