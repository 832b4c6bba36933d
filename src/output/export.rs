//! Extra exports after a run (`--format csv|json|jsonl`): one file per (command list, step)
//! across all tenants, a `tenant` column/field first. CSV is flattened with rayon
//! across the items files (nested values become JSON text); nothing holds a whole
//! result in memory — each items file is streamed into its own part, and the parts
//! are concatenated.
//!
//! Our `tenant` and `tenant_name` come first and keep their names (an item's own
//! properties of those names are renamed, see [`item_key`]); CSV cells are made inert for
//! spreadsheets ([`inert`]) and CSV files start with a UTF-8 byte order mark (SPEC §9).

use super::export_cells::{inert, item_key, item_key_owned};
use super::export_groups::{Groups, Part, RecordGroups};
use super::record::StepRecord;
use super::rundir::{CSV, JSON, JSONL};
use super::safe_fs::{self, Replacement};
use super::sanitize::safe_component;
use rayon::prelude::*;
use serde_json::Value;
use std::collections::HashSet;
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};

fn lines(path: &Path) -> std::io::Result<impl Iterator<Item = std::io::Result<Value>>> {
    let reader = BufReader::new(safe_fs::open_read(path)?);
    Ok(reader.lines().filter(|l| !matches!(l, Ok(s) if s.trim().is_empty())).map(|l| {
        l.and_then(|s| {
            serde_json::from_str(&s).map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))
        })
    }))
}

/// Write `csv/<command>.<step>.csv` for every group; returns the files written.
pub fn export_csv(run_dir: &Path, records: &[StepRecord]) -> std::io::Result<Vec<PathBuf>> {
    export_csv_from(run_dir, &mut RecordGroups::new(records))
}

/// [`export_csv`] of `groups`.
pub fn export_csv_from(run_dir: &Path, groups: &mut dyn Groups) -> std::io::Result<Vec<PathBuf>> {
    let dir = run_dir.join(CSV);
    safe_fs::create_dir_all(&dir)?;
    let mut written = Vec::new();
    for i in 0..groups.count() {
        let ((command, step), files) = groups.group(i)?;
        let name = format!("{}.{step}.csv", safe_component(&command));
        // Pass 1: the columns, in first-seen order across tenants.
        let per_file: Vec<Vec<String>> = files
            .par_iter()
            .map(|part| columns_of(&run_dir.join(&part.items)))
            .collect::<std::io::Result<_>>()?;
        let mut seen = HashSet::new();
        let columns: Vec<String> =
            per_file.into_iter().flatten().filter(|c| seen.insert(c.clone())).collect();
        // Pass 2: each items file into its own part, in parallel.
        let parts: Vec<PathBuf> = files
            .par_iter()
            .enumerate()
            .map(|(i, p)| {
                let part = dir.join(format!(".{name}.part{i}"));
                let tenant_name = p.name.as_deref().unwrap_or("");
                write_part(&run_dir.join(&p.items), &part, (&p.tenant, tenant_name), &columns)?;
                Ok(part)
            })
            .collect::<std::io::Result<_>>()?;
        let path = dir.join(&name);
        let mut out = Replacement::create(&path)?;
        // A byte order mark, or Excel on Windows reads UTF-8 as the local code page.
        out.write_all("\u{feff}".as_bytes())?;
        let header: Vec<String> = ["tenant".to_string(), "tenant_name".to_string()]
            .into_iter()
            .chain(columns.iter().map(|c| item_key(c).into_owned()))
            .collect();
        write_row(&mut out, header.iter().map(String::as_str))?;
        for part in &parts {
            std::io::copy(&mut safe_fs::open_read(part)?, &mut out)?;
            std::fs::remove_file(part)?;
        }
        out.commit()?;
        written.push(path);
    }
    Ok(written)
}

fn columns_of(path: &Path) -> std::io::Result<Vec<String>> {
    let mut seen = HashSet::new();
    let mut cols = Vec::new();
    for item in lines(path)? {
        match item? {
            Value::Object(map) => {
                for k in map.keys() {
                    if seen.insert(k.clone()) {
                        cols.push(k.clone());
                    }
                }
            }
            _ => {
                if seen.insert("value".to_string()) {
                    cols.push("value".to_string());
                }
            }
        }
    }
    Ok(cols)
}

fn write_part(items: &Path, part: &Path, tenant: (&str, &str), columns: &[String]) -> std::io::Result<()> {
    let mut out = BufWriter::new(safe_fs::create_new(part)?);
    for item in lines(items)? {
        let item = item?;
        let cells: Vec<String> = columns
            .iter()
            .map(|c| match &item {
                Value::Object(map) => map.get(c).map(cell).unwrap_or_default(),
                other if c == "value" => cell(other),
                _ => String::new(),
            })
            .collect();
        write_row(&mut out, [tenant.0, tenant.1].into_iter().chain(cells.iter().map(String::as_str)))?;
    }
    out.flush()
}

/// A JSON value as a CSV cell: strings as they are, null empty, the rest as JSON text.
pub fn cell(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// One RFC 4180 row (CRLF-free: `\n` line ends, fields quoted when needed), every cell
/// made inert for spreadsheets first (see [`inert`]).
pub(crate) fn write_row<'a>(
    out: &mut impl Write,
    cells: impl Iterator<Item = &'a str>,
) -> std::io::Result<()> {
    let mut first = true;
    for c in cells {
        if !first {
            out.write_all(b",")?;
        }
        first = false;
        let c = inert(c);
        if c.contains([',', '"', '\n', '\r']) || c.starts_with(' ') || c.ends_with(' ') {
            out.write_all(b"\"")?;
            out.write_all(c.replace('"', "\"\"").as_bytes())?;
            out.write_all(b"\"")?;
        } else {
            out.write_all(c.as_bytes())?;
        }
    }
    out.write_all(b"\n")
}

/// Every item of `files` as an object with `tenant` and `tenant_name` first (a
/// non-object item is kept under `value`), in tenant order.
fn tagged_items<'a>(
    run_dir: &'a Path,
    files: &'a [Part],
) -> impl Iterator<Item = std::io::Result<serde_json::Map<String, Value>>> + 'a {
    files.iter().flat_map(move |Part { tenant, name, items }| {
        let tenant_name = name.as_ref().map(|n| Value::String(n.clone())).unwrap_or(Value::Null);
        let items: Box<dyn Iterator<Item = std::io::Result<Value>>> = match lines(&run_dir.join(items)) {
            Ok(it) => Box::new(it),
            Err(e) => Box::new(std::iter::once(Err(e))),
        };
        items.map(move |item| {
            let mut obj = serde_json::Map::new();
            obj.insert("tenant".into(), Value::String(tenant.clone()));
            obj.insert("tenant_name".into(), tenant_name.clone());
            match item? {
                Value::Object(map) => {
                    obj.extend(map.into_iter().map(|(k, v)| (item_key_owned(k), v)));
                }
                other => {
                    obj.insert("value".into(), other);
                }
            }
            Ok(obj)
        })
    })
}

/// Write `json/<command>.<step>.json`: a JSON array of the items, each with `tenant` first.
pub fn export_json(run_dir: &Path, records: &[StepRecord]) -> std::io::Result<Vec<PathBuf>> {
    export_json_from(run_dir, &mut RecordGroups::new(records))
}

/// [`export_json`] of `groups`.
pub fn export_json_from(run_dir: &Path, groups: &mut dyn Groups) -> std::io::Result<Vec<PathBuf>> {
    let dir = run_dir.join(JSON);
    safe_fs::create_dir_all(&dir)?;
    let mut written = Vec::new();
    for i in 0..groups.count() {
        let ((command, step), files) = groups.group(i)?;
        let path = dir.join(format!("{}.{step}.json", safe_component(&command)));
        let mut out = Replacement::create(&path)?;
        out.write_all(b"[")?;
        let mut first = true;
        for obj in tagged_items(run_dir, &files) {
            out.write_all(if first { b"\n" } else { b",\n" })?;
            first = false;
            serde_json::to_writer(&mut out, &obj?)?;
        }
        out.write_all(b"\n]\n")?;
        out.commit()?;
        written.push(path);
    }
    Ok(written)
}

/// Write `jsonl/<command>.<step>.jsonl`: every tenant's items of that step in one JSON
/// Lines file, one object a line with `tenant` first (for `jq`, log shippers, DuckDB).
pub fn export_jsonl(run_dir: &Path, records: &[StepRecord]) -> std::io::Result<Vec<PathBuf>> {
    export_jsonl_from(run_dir, &mut RecordGroups::new(records))
}

/// [`export_jsonl`] of `groups`.
pub fn export_jsonl_from(run_dir: &Path, groups: &mut dyn Groups) -> std::io::Result<Vec<PathBuf>> {
    let dir = run_dir.join(JSONL);
    safe_fs::create_dir_all(&dir)?;
    let mut written = Vec::new();
    for i in 0..groups.count() {
        let ((command, step), files) = groups.group(i)?;
        let path = dir.join(format!("{}.{step}.jsonl", safe_component(&command)));
        let mut out = Replacement::create(&path)?;
        for obj in tagged_items(run_dir, &files) {
            serde_json::to_writer(&mut out, &obj?)?;
            out.write_all(b"\n")?;
        }
        out.commit()?;
        written.push(path);
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::StepStatus;
    use crate::profile::Service;
    use serde_json::json;

    fn rec(tenant: &str, items: &str) -> StepRecord {
        StepRecord {
            tenant: tenant.into(),
            tenant_name: None,
            command: "labels".into(),
            step: 0,
            cmdlet: "Get-Label".into(),
            service: Service::Compliance,
            status: StepStatus::Ok,
            attempts: 1,
            duration_ms: 1,
            item_count: Some(1),
            items: Some(items.into()),
            warnings: vec![],
            error: None,
        }
    }

    #[test]
    fn csv_has_tenant_first_union_columns_and_json_text() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("items/labels")).unwrap();
        std::fs::write(
            dir.path().join("items/labels/b.0.jsonl"),
            format!("{}\n", json!({"Name": "x,y", "Settings": {"k": [1]}})),
        )
        .unwrap();
        std::fs::write(
            dir.path().join("items/labels/a.0.jsonl"),
            format!("{}\n{}\n", json!({"Name": "A", "Enabled": true}), json!({"Name": "say \"hi\""})),
        )
        .unwrap();
        let a = StepRecord { tenant_name: Some("Alpha".into()), ..rec("a", "items/labels/a.0.jsonl") };
        let records = vec![rec("b", "items/labels/b.0.jsonl"), a];
        let files = export_csv(dir.path(), &records).unwrap();
        assert_eq!(files, vec![dir.path().join("csv/labels.0.csv")]);
        let text = std::fs::read_to_string(&files[0]).unwrap();
        assert_eq!(
            text,
            "\u{feff}tenant,tenant_name,Name,Enabled,Settings\na,Alpha,A,true,\na,Alpha,\"say \"\"hi\"\"\",,\nb,,\"x,y\",,\"{\"\"k\"\":[1]}\"\n"
        );
        let json_files = export_json(dir.path(), &records).unwrap();
        let v: Value = serde_json::from_str(&std::fs::read_to_string(&json_files[0]).unwrap()).unwrap();
        assert_eq!(v.as_array().unwrap().len(), 3);
        assert_eq!(v[0], json!({"tenant": "a", "tenant_name": "Alpha", "Name": "A", "Enabled": true}));
        assert_eq!(v[0].as_object().unwrap().keys().take(2).collect::<Vec<_>>(), ["tenant", "tenant_name"]);
        let jsonl_files = export_jsonl(dir.path(), &records).unwrap();
        assert_eq!(jsonl_files, vec![dir.path().join("jsonl/labels.0.jsonl")]);
        let text = std::fs::read_to_string(&jsonl_files[0]).unwrap();
        let rows: Vec<Value> = text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
        assert_eq!(rows.len(), 3);
        assert_eq!(
            rows[2],
            json!({"tenant": "b", "tenant_name": null, "Name": "x,y", "Settings": {"k": [1]}})
        );
        let leftovers: Vec<_> = std::fs::read_dir(dir.path().join("csv")).unwrap().flatten().collect();
        assert_eq!(leftovers.len(), 1);
    }
}
