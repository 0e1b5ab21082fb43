//! What the workspace's binaries share on their command line: `--generate KIND`, which
//! writes the program's man page or a shell's completion script, generated from its clap
//! definition (as `rg --generate` does); and how a run ends ([`finish`]): a closed pipe
//! downstream is success, any other error one line and exit code 2.
//!
//! ```sh
//! sniff-demo --generate man > sniff-demo.1
//! sniffer --generate complete-bash > ~/.local/share/bash-completion/completions/sniffer
//! ```

use std::io::{self, Write};
use std::process::ExitCode;

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

/// Writes what `--generate KIND` asks for about `cmd` to stdout; the program's exit code.
/// A reader that stops early (`| head`) is no failure.
pub fn print_generated(cmd: clap::Command, kind: Generate, program: &str) -> ExitCode {
    match generate(cmd, kind, &mut io::stdout()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{program}: cannot write to standard output: {e}");
            ExitCode::from(2)
        }
    }
}

/// Whether an error is only the reader of the output going away (`| head`, `| less` quit):
/// for a program writing to a pipe, the end of its job rather than a failure.
pub fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|cause| {
        cause
            .downcast_ref::<io::Error>()
            .is_some_and(|io| io.kind() == io::ErrorKind::BrokenPipe)
    })
}

/// How a program's `main` ends: the run's exit code, success after a closed pipe, or exit
/// code 2 after `report` has printed the error.
pub fn finish(result: anyhow::Result<ExitCode>, report: impl FnOnce(&anyhow::Error)) -> ExitCode {
    match result {
        Ok(code) => code,
        Err(e) if is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            report(&e);
            ExitCode::from(2)
        }
    }
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
