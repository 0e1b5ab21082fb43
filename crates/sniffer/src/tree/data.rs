//! The bytes no dissector of the judged set takes: the `data` protocol.

use super::{Base, Builder, Field, Kind, Value};

fields! {
    DATA: "data", "Data", Kind::Protocol;
    DATA_DATA: "data.data", "Data", Kind::Bytes;
    DATA_LEN: "data.len", "Length", Kind::UInt(32, Base::Dec);
}

/// Builds the data's subtree for `len` bytes at `at`.
pub(super) fn build(b: &mut Builder, data: &[u8], at: usize, len: usize) {
    let bytes = data.get(at..at + len).unwrap_or_default();
    b.add(
        &DATA,
        Value::None,
        (at, len),
        format_args!("Data ({})", super::bytes_text(len)),
    );
    b.open();
    let hex = super::hex_bytes(&bytes[..bytes.len().min(36)]);
    let shown = if bytes.len() > 36 {
        format!("{hex}…")
    } else {
        hex
    };
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
