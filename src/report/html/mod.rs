//! The HTML report (SPEC §8): one self-contained file that opens from disk. The run is
//! embedded as JSON in a `<script type="application/json">` block (escaped so it cannot
//! close the block) and drawn by inline JavaScript that only ever sets `textContent`, so
//! no value from a server or profile can become markup. The matrix is paginated and each
//! tenant's page is drawn when it is opened, so 10,000 tenants load quickly. A
//! Content-Security-Policy allows nothing but the page's own script (by hash) and style.

mod data;

use super::escape::{json_for_script, xml_text};
use super::run_view::RunView;
use base64::Engine;
use sha2::{Digest, Sha256};
use std::io::{self, Write};

const STYLE: &str = include_str!("report.css");
const SCRIPT: &str = include_str!("report.js");

/// Write the page.
pub fn write(view: &RunView, out: &mut dyn Write) -> io::Result<()> {
    let script_hash = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(SCRIPT.as_bytes()));
    let title = format!("tenantrun report {}", view.summary.run_id);
    write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; \
         script-src 'sha256-{script_hash}'; img-src data:; base-uri 'none'; form-action 'none'\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n\
         <noscript><p>This report needs JavaScript to draw the run; the data is in the page source.</p></noscript>\n\
         <main id=\"app\"><p id=\"loading\">Loading {}…</p></main>\n\
         <script type=\"application/json\" id=\"run-data\">",
        xml_text(&title),
        xml_text(&title)
    )?;
    let json = serde_json::to_string(&data::Data::of(view)).map_err(io::Error::other)?;
    out.write_all(json_for_script(&json).as_bytes())?;
    write!(out, "</script>\n<script>{SCRIPT}</script>\n</body>\n</html>\n")
}
