//! `tenantrun diff OLD_RUN NEW_RUN` (SPEC §8): objects of every step `ok` in both runs
//! matched by key and reported added, removed or changed property by property; steps
//! not comparable, tenants added or removed and check transitions; rendered as a
//! terraform-like table, JSON, Markdown or HTML. Items are streamed through an
//! on-disk sort-merge, so memory stays bounded whatever the number of objects.

pub mod change;
mod compare;
pub mod keyed;
mod render_html;
mod render_json;
mod render_text;
pub mod sorted;

pub use change::{CheckChange, DiffSink, NotComparable, ObjectChange, Overview, StepId, Totals};
pub use compare::{diff, DiffOptions};
pub use keyed::Rules;

/// `--format` of `diff`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum DiffFormat {
    Table,
    Json,
    Markdown,
    Html,
}

/// The renderer for `format`, writing to `out`.
pub fn sink<'a>(format: DiffFormat, out: &'a mut dyn std::io::Write) -> Box<dyn DiffSink + 'a> {
    match format {
        DiffFormat::Table => Box::new(render_text::TextSink::new(out, false)),
        DiffFormat::Markdown => Box::new(render_text::TextSink::new(out, true)),
        DiffFormat::Json => Box::new(render_json::JsonSink::new(out)),
        DiffFormat::Html => Box::new(render_html::HtmlSink::new(out)),
    }
}
