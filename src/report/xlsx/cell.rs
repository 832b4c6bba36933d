//! One JSON value as a typed XLSX cell: numbers as numbers, booleans as booleans,
//! ISO 8601 dates and times as Excel dates (UTC), nested values as JSON text, null as
//! an empty cell. Text is always written as text, so no cell is ever a formula.

use rust_xlsxwriter::{ExcelDateTime, Format, Worksheet, XlsxError};
use serde_json::Value;

/// Excel's limit on the characters of one cell.
const CELL_CHARS: usize = 32_767;
/// Integers beyond this lose digits as a double: written as text instead.
const EXACT_INTEGER: u64 = 1 << 53;

/// The date formats cells use.
pub struct Formats {
    pub date: Format,
    pub datetime: Format,
    pub header: Format,
}

impl Formats {
    pub fn new() -> Formats {
        Formats {
            date: Format::new().set_num_format("yyyy-mm-dd"),
            datetime: Format::new().set_num_format("yyyy-mm-dd hh:mm:ss"),
            header: Format::new().set_bold(),
        }
    }
}

/// Write `value` at (row, col).
pub fn write(sheet: &mut Worksheet, row: u32, col: u16, value: &Value, f: &Formats) -> Result<(), XlsxError> {
    match value {
        Value::Null => {}
        Value::Bool(b) => {
            sheet.write_boolean(row, col, *b)?;
        }
        Value::Number(n) => match (n.as_u64(), n.as_i64(), n.as_f64()) {
            (Some(u), _, _) if u > EXACT_INTEGER => text(sheet, row, col, &n.to_string())?,
            (_, Some(i), _) if i.unsigned_abs() > EXACT_INTEGER => text(sheet, row, col, &n.to_string())?,
            (_, _, Some(x)) => {
                sheet.write_number(row, col, x)?;
            }
            _ => text(sheet, row, col, &n.to_string())?,
        },
        Value::String(s) => match date_time(s) {
            Some((dt, true)) => {
                sheet.write_datetime_with_format(row, col, &dt, &f.datetime)?;
            }
            Some((dt, false)) => {
                sheet.write_datetime_with_format(row, col, &dt, &f.date)?;
            }
            None => text(sheet, row, col, s)?,
        },
        nested => text(sheet, row, col, &nested.to_string())?,
    }
    Ok(())
}

/// Write `s` as text (cut to Excel's cell limit).
pub fn text(sheet: &mut Worksheet, row: u32, col: u16, s: &str) -> Result<(), XlsxError> {
    if s.chars().count() <= CELL_CHARS {
        sheet.write_string(row, col, s)?;
    } else {
        let cut: String = s.chars().take(CELL_CHARS - 1).chain(std::iter::once('…')).collect();
        sheet.write_string(row, col, cut)?;
    }
    Ok(())
}

/// An ISO 8601 date (`2026-06-30`) or date-time with an offset (RFC 3339, converted to
/// UTC), and whether it has a time of day.
fn date_time(s: &str) -> Option<(ExcelDateTime, bool)> {
    let b = s.as_bytes();
    if b.len() < 10 || !(b[4] == b'-' && b[7] == b'-' && b[..4].iter().all(u8::is_ascii_digit)) {
        return None;
    }
    if b.len() == 10 {
        let d = time::Date::parse(s, time::macros::format_description!("[year]-[month]-[day]")).ok()?;
        let dt = ExcelDateTime::from_ymd(u16::try_from(d.year()).ok()?, d.month() as u8, d.day()).ok()?;
        return Some((dt, false));
    }
    let t = time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).ok()?;
    let t = t.to_offset(time::UtcOffset::UTC);
    let dt = ExcelDateTime::from_ymd(u16::try_from(t.year()).ok()?, t.month() as u8, t.day())
        .ok()?
        .and_hms_milli(t.hour() as u16, t.minute(), t.second(), t.millisecond())
        .ok()?;
    Some((dt, true))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_dates_and_times_are_recognised_and_other_text_is_not() {
        assert!(matches!(date_time("2026-06-30"), Some((_, false))));
        assert!(matches!(date_time("2026-06-30T10:00:00Z"), Some((_, true))));
        assert!(matches!(date_time("2026-06-30T10:00:00.123+02:00"), Some((_, true))));
        for s in ["2026-13-01", "2026-06-30 garbage", "=SUM(1,2)", "06:00:00", "", "1234-5"] {
            assert!(date_time(s).is_none(), "{s}");
        }
    }
}
