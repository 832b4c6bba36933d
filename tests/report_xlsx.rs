//! `report --format xlsx` read back with calamine: the sheets SPEC §8 names (one per
//! command list and step, present when empty), typed cells (numbers, booleans, dates,
//! nested values as JSON text), tenant id and name first, no formula anywhere (a
//! tenant named `=SUM(1,2)` stays text), frozen header rows and filters.
#![allow(clippy::unwrap_used)]

use crate::report_support;

use calamine::{open_workbook, Data, Reader, Xlsx};
use report_support::{mixed_profile, Scratch, PLANTED_NAME};
use std::path::Path;

const FORMULA_NAME: &str = "=SUM(1,2)";

fn column(rows: &[Vec<Data>], name: &str) -> usize {
    rows[0].iter().position(|c| c == &Data::String(name.into())).unwrap_or_else(|| panic!("no column {name}"))
}

fn sheet_xml(book: &Path, n: usize) -> String {
    let out = std::process::Command::new("unzip")
        .arg("-p")
        .arg(book)
        .arg(format!("xl/worksheets/sheet{n}.xml"))
        .output()
        .expect("unzip (Debian: apt-get install unzip) reads the workbook's XML");
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn workbook_has_typed_cells_every_step_sheet_and_no_formula() {
    let s = Scratch::new();
    let extra = format!("  - {{ id: woodgrove.onmicrosoft.com, name: \"{FORMULA_NAME}\", tags: [x] }}\n");
    let profile = s.write("mixed.yaml", &mixed_profile(&extra));
    let (run, out) = s.run(&profile, &["--report", "xlsx"]);
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    let path = run.join("report.xlsx");
    let mut book: Xlsx<_> = open_workbook(&path).unwrap();
    assert_eq!(book.sheet_names(), ["Summary", "Steps", "Checks", "labels.0", "broken.0", "broken.1"]);
    for name in book.sheet_names() {
        let formulas = book.worksheet_formula(&name).unwrap();
        assert!(formulas.used_cells().all(|(_, _, f)| f.is_empty()), "a formula in {name}");
    }

    let rows = |book: &mut Xlsx<_>, name: &str| -> Vec<Vec<Data>> {
        book.worksheet_range(name).unwrap().rows().map(|r| r.to_vec()).collect()
    };
    let summary = rows(&mut book, "Summary");
    assert_eq!(summary[0], [Data::String("Field".into()), Data::String("Value".into())]);
    assert!(summary.contains(&vec![Data::String("Tenants".into()), Data::Float(4.0)]), "{summary:?}");
    assert!(summary.contains(&vec![Data::String("Steps failed".into()), Data::Float(4.0)]), "{summary:?}");

    let steps = rows(&mut book, "Steps");
    assert_eq!(steps.len(), 1 + 4 * 3);
    let header: Vec<String> = steps[0].iter().map(|c| c.to_string()).collect();
    assert_eq!(
        header,
        [
            "Tenant",
            "Tenant name",
            "Tags",
            "Command",
            "Step",
            "Cmdlet",
            "Status",
            "Attempts",
            "Duration (ms)",
            "Objects",
            "Error kind",
            "HTTP status",
            "Error code",
            "Error message",
            "Warnings"
        ]
    );
    let woodgrove_failed = steps
        .iter()
        .find(|r| {
            r[0] == Data::String("woodgrove.onmicrosoft.com".into())
                && r[3] == Data::String("broken".into())
                && r[4] == Data::Float(0.0)
        })
        .unwrap();
    assert_eq!(woodgrove_failed[1], Data::String(FORMULA_NAME.into()));
    assert_eq!(woodgrove_failed[6], Data::String("failed".into()));
    assert_eq!(woodgrove_failed[7], Data::Float(1.0));
    assert_eq!(woodgrove_failed[9], Data::Empty);
    assert_eq!(woodgrove_failed[10], Data::String("http".into()));
    assert_eq!(woodgrove_failed[11], Data::Float(404.0));
    assert!(steps.iter().any(|r| r[1] == Data::String(PLANTED_NAME.into())));

    let checks = rows(&mut book, "Checks");
    assert_eq!(checks.len(), 1 + 4 * 3);
    let exempt = checks
        .iter()
        .find(|r| {
            r[0] == Data::String("litware.onmicrosoft.com".into()) && r[2] == Data::String("LBL-01".into())
        })
        .unwrap();
    assert_eq!(exempt[8], Data::String("exempt".into()));
    assert_eq!(exempt[9], Data::String("fail".into()));
    assert_eq!(exempt[14], Data::String("lab tenants keep test labels".into()));
    assert!(matches!(exempt[15], Data::DateTime(_)), "the expiry date is a date: {:?}", exempt[15]);
    assert_eq!(exempt[16], Data::Bool(false));

    // One row per object of every tenant, tenant id and name first, typed.
    let results = std::fs::read_to_string(run.join("results.jsonl")).unwrap();
    let label_objects: u64 = results
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .filter(|r| r["command"] == "labels")
        .map(|r| r["item_count"].as_u64().unwrap())
        .sum();
    let labels = rows(&mut book, "labels.0");
    assert_eq!(labels.len() as u64, 1 + label_objects);
    assert_eq!(
        labels[0][..3],
        [Data::String("Tenant".into()), Data::String("Tenant name".into()), Data::String("Name".into())]
    );
    let (disabled, priority, changed, actions) = (
        column(&labels, "Disabled"),
        column(&labels, "Priority"),
        column(&labels, "WhenChangedUTC"),
        column(&labels, "LabelActions"),
    );
    for row in &labels[1..] {
        assert!(matches!(row[disabled], Data::Bool(_)), "{:?}", row[disabled]);
        assert!(matches!(row[priority], Data::Float(_)), "{:?}", row[priority]);
        assert!(matches!(row[changed], Data::DateTime(_)), "{:?}", row[changed]);
        assert!(matches!(&row[actions], Data::String(s) if s.starts_with('[')), "{:?}", row[actions]);
    }
    let woodgrove_rows =
        labels.iter().filter(|r| r[0] == Data::String("woodgrove.onmicrosoft.com".into())).count();
    assert!(
        woodgrove_rows > 0
            && labels.iter().filter(|r| r[1] == Data::String(FORMULA_NAME.into())).count() == woodgrove_rows
    );

    // Every tenant's Get-Mailbox failed: the sheet is there with its header only.
    assert_eq!(
        rows(&mut book, "broken.0"),
        vec![vec![Data::String("Tenant".into()), Data::String("Tenant name".into())]]
    );

    let steps_xml = sheet_xml(&path, 2);
    assert!(
        steps_xml.contains(r#"<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>"#),
        "{steps_xml}"
    );
    assert!(steps_xml.contains(r#"<autoFilter ref="A1:O13"/>"#), "{steps_xml}");
    let empty_xml = sheet_xml(&path, 5);
    assert!(empty_xml.contains(r#"<autoFilter ref="A1:B1"/>"#), "{empty_xml}");
}
