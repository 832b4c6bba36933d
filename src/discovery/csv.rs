//! RFC 4180 CSV records with the line each starts on: quoted fields (with `""` for a
//! quote, and line breaks inside quotes), CRLF or LF, an optional UTF-8 BOM.

/// One record: the 1-based line it starts on and its fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    pub line: usize,
    pub fields: Vec<String>,
}

/// Why the text is not CSV: the line and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsvError {
    pub line: usize,
    pub message: String,
}

/// Parse `text` into records; blank lines are skipped.
pub fn parse(text: &str) -> Result<Vec<Record>, CsvError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut records = Vec::new();
    let mut chars = text.chars().peekable();
    let mut line = 1;
    while chars.peek().is_some() {
        let start = line;
        let mut fields = Vec::new();
        let mut field = String::new();
        let mut quoted_field = false;
        loop {
            match chars.next() {
                None => {
                    fields.push(std::mem::take(&mut field));
                    break;
                }
                Some('"') if field.is_empty() && !quoted_field => {
                    quoted_field = true;
                    let opened = line;
                    loop {
                        match chars.next() {
                            None => {
                                return Err(CsvError {
                                    line: opened,
                                    message: "a quoted field is not closed".into(),
                                })
                            }
                            Some('"') if chars.peek() == Some(&'"') => {
                                chars.next();
                                field.push('"');
                            }
                            Some('"') => break,
                            Some(c) => {
                                if c == '\n' {
                                    line += 1;
                                }
                                field.push(c);
                            }
                        }
                    }
                    if !matches!(chars.peek(), None | Some(',' | '\r' | '\n')) {
                        return Err(CsvError { line, message: "text after a closing quote".into() });
                    }
                }
                Some(',') => {
                    fields.push(std::mem::take(&mut field));
                    quoted_field = false;
                }
                Some('\r') if chars.peek() == Some(&'\n') => {}
                Some('\n') => {
                    line += 1;
                    fields.push(std::mem::take(&mut field));
                    break;
                }
                Some('"') => {
                    return Err(CsvError { line, message: "a quote inside an unquoted field".into() })
                }
                Some(c) => field.push(c),
            }
        }
        let blank = fields.len() == 1 && fields[0].trim().is_empty();
        if !blank {
            records.push(Record { line: start, fields });
        }
    }
    Ok(records)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_line_breaks_bom_and_crlf() {
        let text = "\u{feff}id,name\r\na.example,\"Contoso, \"\"Ltd\"\"\"\r\n\r\nb.example,\"two\nlines\"\nc.example,\n";
        let records = parse(text).unwrap_or_default();
        let shown: Vec<(usize, Vec<&str>)> =
            records.iter().map(|r| (r.line, r.fields.iter().map(String::as_str).collect())).collect();
        assert_eq!(
            shown,
            [
                (1, vec!["id", "name"]),
                (2, vec!["a.example", "Contoso, \"Ltd\""]),
                (4, vec!["b.example", "two\nlines"]),
                (6, vec!["c.example", ""]),
            ]
        );
        assert_eq!(
            parse("id\n\"open\n"),
            Err(CsvError { line: 2, message: "a quoted field is not closed".into() })
        );
        assert_eq!(parse("id\nx\"y\n").map_err(|e| e.line), Err(2));
    }
}
