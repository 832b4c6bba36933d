//! Escaping of values that come from servers or profiles for every output format:
//! XML/HTML text and attributes (characters XML 1.0 cannot hold are dropped), Markdown
//! table cells, and JSON embedded in an HTML `<script>` block.

/// Whether XML 1.0 can hold `c` at all (no escape exists for the others).
fn xml_allowed(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..='\u{10FFFF}')
}

/// `text` as XML or HTML element content.
pub fn xml_text(text: &str) -> String {
    escape_xml(text, false)
}

/// `text` as a double- or single-quoted XML or HTML attribute value (line breaks kept
/// as character references, so parsers do not fold them into spaces).
pub fn xml_attr(text: &str) -> String {
    escape_xml(text, true)
}

fn escape_xml(text: &str, attribute: bool) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars().filter(|c| xml_allowed(*c)) {
        match (c, attribute) {
            ('&', _) => out.push_str("&amp;"),
            ('<', _) => out.push_str("&lt;"),
            ('>', _) => out.push_str("&gt;"),
            ('"', true) => out.push_str("&quot;"),
            ('\'', true) => out.push_str("&#39;"),
            ('\n', true) => out.push_str("&#10;"),
            ('\r', true) => out.push_str("&#13;"),
            ('\t', true) => out.push_str("&#9;"),
            _ => out.push(c),
        }
    }
    out
}

/// `text` as one Markdown table cell or list item: on one line, at most `max` characters,
/// with HTML (which GitHub renders) turned into entities and Markdown punctuation escaped.
pub fn markdown(text: &str, max: usize) -> String {
    let mut out = String::with_capacity(text.len().min(max) + 8);
    for (n, c) in text.chars().enumerate() {
        if n == max {
            out.push('…');
            break;
        }
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\n' | '\r' | '\t' => out.push(' '),
            '|' | '\\' | '`' | '*' | '_' | '[' | ']' | '#' | '~' | '!' => {
                out.push('\\');
                out.push(c);
            }
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// JSON text made safe inside `<script type="application/json">`: no `<`, `>` or `&`
/// (so no `</script>` or `<!--` can end the block), and no line or paragraph separators.
pub fn json_for_script(json: &str) -> String {
    let mut out = String::with_capacity(json.len() + json.len() / 16);
    for c in json.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_from_a_server_stays_text() {
        let planted = "<img src=x onerror=alert(1)> & \"q\" 'a'\u{1b}[31m\u{0}";
        assert_eq!(xml_text(planted), "&lt;img src=x onerror=alert(1)&gt; &amp; \"q\" 'a'[31m");
        assert_eq!(
            xml_attr(planted),
            "&lt;img src=x onerror=alert(1)&gt; &amp; &quot;q&quot; &#39;a&#39;[31m"
        );
        assert_eq!(xml_attr("a\nb\tc"), "a&#10;b&#9;c");
    }

    #[test]
    fn markdown_cells_are_one_escaped_line_of_bounded_length() {
        assert_eq!(markdown("a|b\n<b>x</b> `c` *d*", 100), "a\\|b &lt;b&gt;x&lt;/b&gt; \\`c\\` \\*d\\*");
        assert_eq!(markdown("abcdef", 3), "abc…");
    }

    #[test]
    fn script_json_cannot_close_its_block() {
        let json = serde_json::to_string(&serde_json::json!({"n": "</script><!-- & \u{2028}"})).unwrap();
        let safe = json_for_script(&json);
        assert!(!safe.contains('<') && !safe.contains('>') && !safe.contains('&'), "{safe}");
        let back: serde_json::Value = serde_json::from_str(&safe).unwrap();
        assert_eq!(back["n"], "</script><!-- & \u{2028}");
    }
}
