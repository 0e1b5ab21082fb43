//! The command line's view of the library's choices, for the binaries' clap definitions: the
//! library itself (`render` above all) knows nothing of clap.

use crate::render::Format;

/// An output format, as `--format` names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum FormatArg {
    /// Exactly what `tshark -r FILE` prints.
    Plain,
    /// A table fitted to the terminal, with the Step and both ends' states (the default on
    /// a terminal).
    Table,
    /// One JSON object per packet, one per line.
    Json,
}

impl From<FormatArg> for Format {
    fn from(arg: FormatArg) -> Format {
        match arg {
            FormatArg::Plain => Format::Plain,
            FormatArg::Table => Format::Table,
            FormatArg::Json => Format::Json,
        }
    }
}
