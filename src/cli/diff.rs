//! `tenantrun diff OLD_RUN NEW_RUN [--format table|json|markdown|html] [--key PROP]
//! [--ignore PROP,...]`: what changed between two runs (SPEC §8), offline. Exit 0 when
//! nothing differs, 3 when objects, tenants or checks moved.

use crate::error::CliError;
use crate::report::diff::{self, DiffFormat, DiffOptions, Rules};
use clap::Args;
use std::io::Write;
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The earlier run directory (`OUT/<run-id>`).
    #[arg(value_name = "OLD_RUN")]
    pub old: PathBuf,
    /// The later run directory.
    #[arg(value_name = "NEW_RUN")]
    pub new: PathBuf,
    /// Output format on stdout.
    #[arg(long, value_enum, default_value_t = DiffFormat::Table)]
    pub format: DiffFormat,
    /// Match objects by this property (default: the first present of Guid, ExchangeObjectId,
    /// ExternalDirectoryObjectId, Identity, DistinguishedName, Name).
    #[arg(long, value_name = "PROP")]
    pub key: Option<String>,
    /// More properties to ignore (names or dotted paths), besides those that change on every
    /// read (WhenChanged, WhenChangedUTC, LastModifiedTime, ...).
    #[arg(long, value_name = "PROP", value_delimiter = ',')]
    pub ignore: Vec<String>,
}

pub fn execute(args: DiffArgs) -> Result<(), CliError> {
    let options = DiffOptions { rules: Rules::new(args.key.clone(), &args.ignore), ..DiffOptions::default() };
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::with_capacity(64 * 1024, stdout.lock());
    let result = {
        let mut sink = diff::sink(args.format, &mut out);
        diff::diff(&args.old, &args.new, &options, sink.as_mut())
    };
    let totals = match result {
        Ok(t) => t,
        // A closed pipe (`diff … | head`) ends the output quietly.
        Err(crate::report::ReportError::Io { source, .. })
            if source.kind() == std::io::ErrorKind::BrokenPipe =>
        {
            return Ok(())
        }
        Err(e) => {
            let _ = out.flush();
            return Err(super::report::to_cli(e));
        }
    };
    super::pipe::ignore_closed(out.flush());
    match totals.differs() {
        true => Err(CliError::Differences),
        false => Ok(()),
    }
}
