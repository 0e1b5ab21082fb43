//! The command line's view of the library's choices, for the binaries' clap definitions: the
//! library itself (`render` above all) knows nothing of clap.

use crate::render::details::{DetailsFormat, FieldsFormat};
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

/// What `sniffer read` and `sniffer live` show of each packet instead of the listing, with
/// tshark's letters: `-V` (details), `-x` (bytes), `-T fields -e FIELD -E OPTION`.
#[derive(Clone, Debug, Default, clap::Args)]
pub struct DetailArgs {
    /// Packet details: each packet's protocol tree, as `tshark -V` prints it.
    #[arg(short = 'V')]
    pub details: bool,
    /// Packet bytes: each packet in hex and ASCII, as `tshark -x` prints it (after the
    /// details with -V).
    #[arg(short = 'x')]
    pub hex: bool,
    /// Output type: `fields` writes the values of the fields named with -e, one line a
    /// packet; `json` each packet's tree as tshark's JSON; `ek` two lines a packet,
    /// Elasticsearch/OpenSearch bulk input; `text` the listing, or the details with -V.
    #[arg(short = 'T', value_name = "TYPE", value_parser = ["fields", "json", "ek", "text"])]
    pub output: Option<String>,
    /// A field to write with -T fields, by its filter name (`tcp.seq`, `ip.src`); repeat for
    /// more. With -T json or -T ek, the only fields written.
    #[arg(short = 'e', value_name = "FIELD")]
    pub fields: Vec<String>,
    /// How -T fields writes: header=y|n, separator=/t|/s|C, occurrence=f|l|a, aggregator=,|/s|C,
    /// quote=d|s|n.
    #[arg(short = 'E', value_name = "OPTION")]
    pub field_options: Vec<String>,
    /// Display filter, in Wireshark's language (`tcp.port == 12345`, `tcp.flags.syn == 1 &&
    /// tcp.flags.ack == 0`): only the packets it selects are shown, with their own numbers.
    #[arg(
        short = 'Y',
        long = "display-filter",
        value_name = "FILTER",
        allow_hyphen_values = true
    )]
    pub display_filter: Option<String>,
}

impl DetailArgs {
    /// The display filter, compiled; its refusal as tshark prints it.
    pub fn filter(&self) -> Result<Option<crate::filter::DisplayFilter>, String> {
        // An empty filter selects every packet, as tshark's does.
        self.display_filter
            .as_deref()
            .filter(|text| !text.trim().is_empty())
            .map(|text| crate::filter::DisplayFilter::compile(text).map_err(|e| e.report(text)))
            .transpose()
    }
}

impl DetailArgs {
    /// What these flags ask for: `None` for the listing; an error in tshark's words.
    pub fn format(&self) -> Result<Option<DetailsFormat>, String> {
        // Every field named with -e must be one the tree has, whatever the output.
        let known = crate::tree::field_names();
        let unknown: Vec<String> = self
            .fields
            .iter()
            .filter(|f| !known.contains(&f.as_str()))
            .map(|f| format!("\t{f}"))
            .collect();
        if !unknown.is_empty() {
            return Err(format!("Some fields aren't valid:\n{}", unknown.join("\n")));
        }
        let fields = match self.output.as_deref() {
            Some("fields") => {
                if self.fields.is_empty() {
                    return Err(
                        "\"-T fields\" was specified, but no fields were specified with \"-e\"."
                            .to_owned(),
                    );
                }
                let mut format = FieldsFormat {
                    fields: self.fields.clone(),
                    ..Default::default()
                };
                for option in &self.field_options {
                    format.set(option)?;
                }
                Some(format)
            }
            Some("json" | "ek") => None,
            _ if !self.fields.is_empty() => {
                return Err("-e names fields for -T fields, json or ek".to_owned())
            }
            _ => None,
        };
        let json = self.output.as_deref() == Some("json");
        let ek = self.output.as_deref() == Some("ek");
        if (json || ek) && self.hex {
            return Err(
                "-x with -T json or -T ek (the \"_raw\" members) is not supported; use -x alone or with -V"
                    .to_owned(),
            );
        }
        Ok(
            (self.details || self.hex || json || ek || fields.is_some()).then_some(DetailsFormat {
                tree: self.details,
                hex: self.hex,
                fields,
                json,
                ek,
                only: self.fields.clone(),
            }),
        )
    }
}
