//! What the workspace's binaries share on their command line: `--generate KIND`, which
//! writes the program's man page or a shell's completion script, generated from its clap
//! definition (as `rg --generate` does).
//!
//! ```sh
//! sniff-demo --generate man > sniff-demo.1
//! sniffer --generate complete-bash > ~/.local/share/bash-completion/completions/sniffer
//! ```

use std::io::{self, Write};

use clap_complete::Shell;

/// What `--generate` writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Generate {
    /// The man page (roff), subcommands included.
    Man,
    /// Completions for bash.
    CompleteBash,
    /// Completions for zsh.
    CompleteZsh,
    /// Completions for fish.
    CompleteFish,
    /// Completions for elvish.
    CompleteElvish,
    /// Completions for PowerShell.
    CompletePowershell,
}

/// Writes what `kind` asks for about `cmd` to `out`.
pub fn generate(mut cmd: clap::Command, kind: Generate, out: &mut dyn Write) -> io::Result<()> {
    let name = cmd.get_name().to_owned();
    let shell = match kind {
        Generate::Man => return man_page(cmd, out),
        Generate::CompleteBash => Shell::Bash,
        Generate::CompleteZsh => Shell::Zsh,
        Generate::CompleteFish => Shell::Fish,
        Generate::CompleteElvish => Shell::Elvish,
        Generate::CompletePowershell => Shell::PowerShell,
    };
    clap_complete::generate(shell, &mut cmd, name, out);
    Ok(())
}

/// One page for the program: its own sections, then a section per subcommand with its
/// synopsis and options (rather than a page each, which a single `--generate man` could not
/// write).
fn man_page(cmd: clap::Command, out: &mut dyn Write) -> io::Result<()> {
    let mut cmd = cmd.disable_help_subcommand(true);
    cmd.build();
    let man = clap_mangen::Man::new(cmd.clone());
    man.render_title(out)?;
    man.render_name_section(out)?;
    man.render_synopsis_section(out)?;
    man.render_description_section(out)?;
    man.render_options_section(out)?;
    let name = cmd.get_name().to_owned();
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        let full = format!("{name} {}", sub.get_name());
        writeln!(out, ".SH \"{}\"", full.to_uppercase())?;
        if let Some(about) = sub.get_long_about().or(sub.get_about()) {
            writeln!(out, "{}", roff_text(&about.to_string()))?;
        }
        let page = clap_mangen::Man::new(sub.clone().bin_name(full));
        let mut section = Vec::new();
        page.render_synopsis_section(&mut section)?;
        page.render_options_section(&mut section)?;
        // The subcommand's parts become subsections of its section.
        for line in String::from_utf8_lossy(&section).lines() {
            match line {
                ".SH SYNOPSIS" => writeln!(out, ".SS Synopsis")?,
                ".SH OPTIONS" => writeln!(out, ".SS Options")?,
                other => writeln!(out, "{other}")?,
            }
        }
    }
    man.render_version_section(out)
}

/// Text for a roff paragraph: a line may not start with `.` or `'`, and `\` and `-` are
/// escaped.
fn roff_text(text: &str) -> String {
    text.lines()
        .map(|l| {
            let l = l.replace('\\', "\\e").replace('-', "\\-");
            if l.starts_with('.') || l.starts_with('\'') {
                format!("\\&{l}")
            } else {
                l
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}
