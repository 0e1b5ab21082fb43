#!/usr/bin/env python3
"""Writes crates/sniffer/src/filter/names_table.rs: for every field of the tree's registry that
Wireshark gives value names, the names a display filter may use for its values, as the
installed tshark lists them (`tshark -G values`), the filter names of Wireshark's other
protocols (`tshark -G protocols`), and the fields Wireshark registers under the tree's
protocols that the tree does not build, with their types (`tshark -G fields`). Called by
scripts/gen-wireshark-names.sh; run that again when the tshark that judges the tests changes.

Where Wireshark registers several fields under one name (`vlan.priority`), tshark 4.0's filter
reads the names of the one registered first, whose table comes first in `tshark -G values`.
"""

import glob
import os
import re
import subprocess
import sys

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
OUT = os.path.join(ROOT, "crates/sniffer/src/filter/names_table.rs")


def tshark(*args):
    return subprocess.run(
        ["tshark", *args], capture_output=True, text=True, check=True
    ).stdout


def registry():
    """The filter names the tree declares (`IDENT: "abbrev", "Name", Kind;`, `abbrev: "…"`)."""
    names = set()
    for path in glob.glob(os.path.join(ROOT, "crates/sniffer/src/tree/*.rs")):
        with open(path, encoding="utf-8") as f:
            text = f.read()
            for m in re.finditer(r'^\s*[A-Z_0-9]+:\s*"([^"]+)",\s*"', text, re.M):
                names.add(m.group(1))
            for m in re.finditer(r'^\s*abbrev:\s*"([^"]+)",', text, re.M):
                names.add(m.group(1))
    return names


def rust_str(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


# Wireshark's field types as the tree's kinds (those it has no kind for are read as bytes).
KINDS = {
    "FT_PROTOCOL": "Kind::Protocol",
    "FT_NONE": "Kind::Text",
    "FT_BOOLEAN": "Kind::Bool",
    "FT_IPv4": "Kind::Ipv4",
    "FT_IPv6": "Kind::Ipv6",
    "FT_ETHER": "Kind::Ether",
    "FT_STRING": "Kind::Str",
    "FT_STRINGZ": "Kind::Str",
    "FT_STRINGZPAD": "Kind::Str",
    "FT_STRINGZTRUNC": "Kind::Str",
    "FT_UINT_STRING": "Kind::Str",
    "FT_ABSOLUTE_TIME": "Kind::AbsTime",
    "FT_RELATIVE_TIME": "Kind::RelTime",
    "FT_FRAMENUM": "Kind::FrameNum",
    "FT_DOUBLE": "Kind::Double",
    "FT_FLOAT": "Kind::Double",
    "FT_CHAR": "Kind::UInt(8, Base::Dec)",
}


def kind_of(ftype):
    m = re.fullmatch(r"FT_UINT(\d+)", ftype)
    if m:
        return f"Kind::UInt({m.group(1)}, Base::Dec)"
    if re.fullmatch(r"FT_INT\d+", ftype):
        return "Kind::Int"
    return KINDS.get(ftype, "Kind::Bytes")


def unbuilt(ours):
    """The fields Wireshark registers under the tree's protocols that the tree does not
    build: (abbrev, kind), sorted; the first registration of a name gives its type."""
    fields = {}
    for line in tshark("-G", "fields").splitlines():
        cols = line.split("\t")
        if len(cols) > 4 and cols[0] == "F" and cols[4] in ours and cols[2] not in ours:
            fields.setdefault(cols[2], kind_of(cols[3]))
    return sorted(fields.items())


def main():
    ours = registry()
    not_built = unbuilt(ours)
    # Their value names are read as the tree's fields' are.
    named = ours | {abbrev for abbrev, _ in not_built}
    version = tshark("--version").splitlines()[0]
    # abbrev -> (kind, entries); a new block starts where a field's lines resume after
    # another field's, or a value comes again: another field registered under that name,
    # whose names are left out.
    blocks = {}
    done = set()
    previous = None
    for line in tshark("-G", "values").splitlines():
        cols = line.split("\t")
        kind, abbrev = cols[0], cols[1] if len(cols) > 1 else ""
        if kind not in ("V", "V64", "R", "T", "U") or abbrev not in named:
            previous = abbrev
            continue
        current = blocks.get(abbrev)
        fresh = (
            current is None
            or previous != abbrev
            or current[0] != kind
            or kind in ("T", "U")
            or (kind in ("V", "V64") and any(v == int(cols[2], 0) for v, _ in current[1]))
        )
        if fresh and current is not None:
            done.add(abbrev)
        if abbrev in done:
            previous = abbrev
            continue
        if fresh:
            current = (kind, [])
            blocks[abbrev] = current
        if kind in ("V", "V64"):
            current[1].append((int(cols[2], 0), cols[3]))
        elif kind == "T":
            current[1].append((cols[2], cols[3]))
        previous = abbrev

    tables = {}  # entries -> table name
    arms = {}  # right-hand side -> abbrevs
    for abbrev in sorted(blocks):
        kind, entries = blocks[abbrev]
        if kind in ("V", "V64"):
            key = tuple(entries)
            if key not in tables:
                tables[key] = re.sub(r"[^A-Z0-9]", "_", abbrev.upper())
            rhs = f"Names::Values({tables[key]})"
        elif kind == "T":
            true, false = entries[0]
            rhs = f"Names::TrueFalse({rust_str(true)}, {rust_str(false)})"
        elif kind == "R":
            rhs = "Names::Ranges"
        else:
            rhs = "Names::Units"
        arms.setdefault(rhs, []).append(abbrev)

    protocols = sorted(
        {
            cols[2]
            for cols in (l.split("\t") for l in tshark("-G", "protocols").splitlines())
            if len(cols) > 2 and cols[2] not in ours
        }
    )

    out = []
    out.append(
        "//! The value names of the tree's fields, the names of Wireshark's other protocols and"
    )
    out.append("//! the fields it has and the tree does not build, as a display filter reads them.")
    out.append("//! Generated by `scripts/gen-wireshark-names.sh`")
    out.append(
        f"//! from `tshark -G values`, `-G protocols` and `-G fields` ({version}); do not edit."
    )
    out.append("")
    out.append("use super::{unbuilt_field as f, Names};")
    out.append("use crate::tree::{Base, Field, Kind};")
    out.append("")
    for entries, name in tables.items():
        out.append(f"static {name}: &[(u64, &str)] = &[")
        for value, text in entries:
            out.append(f"    ({value}, {rust_str(text)}),")
        out.append("];")
    out.append("")
    out.append("/// The names Wireshark gives the values of the field `abbrev`, if it gives any.")
    out.append("pub(super) fn names(abbrev: &str) -> Option<Names> {")
    out.append("    Some(match abbrev {")
    for rhs, abbrevs in arms.items():
        out.append(f"        {' | '.join(rust_str(a) for a in abbrevs)} => {rhs},")
    out.append("        _ => return None,")
    out.append("    })")
    out.append("}")
    out.append("")
    out.append("/// The filter names of Wireshark's protocols that the tree does not have, sorted.")
    out.append("pub(super) static OTHER_PROTOCOLS: &[&str] = &[")
    for p in protocols:
        out.append(f"    {rust_str(p)},")
    out.append("];")
    out.append("")
    out.append(
        "/// The fields Wireshark registers under the tree's protocols that the tree does not build,"
    )
    out.append("/// sorted, each with the kind of its Wireshark type.")
    out.append("pub(super) static UNBUILT_FIELDS: &[Field] = &[")
    for abbrev, kind in not_built:
        out.append(f"    f({rust_str(abbrev)}, {kind}),")
    out.append("];")
    with open(OUT, "w", encoding="utf-8") as f:
        f.write("\n".join(out) + "\n")
    subprocess.run(["rustfmt", "--edition", "2021", OUT], check=True)
    print("wrote crates/sniffer/src/filter/names_table.rs", file=sys.stderr)


if __name__ == "__main__":
    main()
