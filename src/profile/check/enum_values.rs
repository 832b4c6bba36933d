//! Step parameters typed with an enumeration whose names are known
//! ([`crate::adminapi::enum_parameters`]): a value that names none of them is warned about
//! at the step's cmdlet, with the valid names as the hint — the service would answer every
//! tenant with a 400 listing them.

use crate::adminapi::enum_parameters;
use crate::profile::diagnostic::{did_you_mean, Diagnostic};
use crate::profile::resolve::Checked;

/// One warning per step parameter whose value is not a name of its enumeration.
pub fn warnings(files: &[Checked]) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for f in files {
        for (_, steps) in &f.decl.commands {
            for step in steps {
                for (key, value) in &step.parameters {
                    let Some(known) = enum_parameters::find(&step.cmdlet.value, key) else { continue };
                    let Some(bad) = known.first_unknown(value) else { continue };
                    let suggestion = match did_you_mean(bad, known.names.iter().copied()) {
                        Some(m) => format!("did you mean `{m}`? "),
                        None => String::new(),
                    };
                    out.push(
                        Diagnostic::at(
                            &f.source,
                            step.cmdlet.pos,
                            format!("`{bad}` is not a value of {} -{}", known.cmdlet, known.parameter),
                        )
                        .hint(format!(
                            "{suggestion}-{} takes: {}",
                            known.parameter,
                            known.names.join(", ")
                        )),
                    );
                }
            }
        }
    }
    out
}
