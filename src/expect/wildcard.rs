//! PowerShell wildcards for `like` (`-like`): `*` any run of characters, `?` one
//! character, `[abc]` and `[a-z]` one character of a set, a backtick escapes the
//! next character; the whole text must match, case-insensitively.

/// A compiled wildcard pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Wildcard {
    source: String,
    tokens: Vec<Token>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    /// A literal character, lower-cased.
    Char(char),
    Any,
    Star,
    /// A set of single characters and ranges, lower-cased.
    Set(Vec<(char, char)>),
}

/// Why a wildcard pattern is invalid: the message and the 0-based character offset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WildcardError {
    pub message: String,
    pub offset: usize,
}

fn lower(c: char) -> char {
    c.to_lowercase().next().unwrap_or(c)
}

impl Wildcard {
    pub fn parse(source: &str) -> Result<Self, WildcardError> {
        let chars: Vec<char> = source.chars().collect();
        let mut tokens = Vec::new();
        let mut i = 0;
        while i < chars.len() {
            match chars[i] {
                '*' => {
                    if tokens.last() != Some(&Token::Star) {
                        tokens.push(Token::Star);
                    }
                }
                '?' => tokens.push(Token::Any),
                '`' => {
                    i += 1;
                    let Some(&c) = chars.get(i) else {
                        return Err(WildcardError {
                            message: "a backtick at the end escapes nothing".into(),
                            offset: i - 1,
                        });
                    };
                    tokens.push(Token::Char(lower(c)));
                }
                '[' => {
                    let start = i;
                    let mut set = Vec::new();
                    i += 1;
                    loop {
                        let Some(&c) = chars.get(i) else {
                            return Err(WildcardError {
                                message: "`[` is not closed by `]`".into(),
                                offset: start,
                            });
                        };
                        if c == ']' && !set.is_empty() {
                            break;
                        }
                        let c = if c == '`' {
                            i += 1;
                            *chars.get(i).ok_or(WildcardError {
                                message: "`[` is not closed by `]`".into(),
                                offset: start,
                            })?
                        } else {
                            c
                        };
                        if chars.get(i + 1) == Some(&'-') && chars.get(i + 2).is_some_and(|n| *n != ']') {
                            let end = chars[i + 2];
                            if lower(end) < lower(c) {
                                return Err(WildcardError {
                                    message: format!("the range `{c}-{end}` is reversed"),
                                    offset: i,
                                });
                            }
                            set.push((lower(c), lower(end)));
                            i += 3;
                        } else {
                            set.push((lower(c), lower(c)));
                            i += 1;
                        }
                    }
                    tokens.push(Token::Set(set));
                }
                c => tokens.push(Token::Char(lower(c))),
            }
            i += 1;
        }
        Ok(Wildcard { source: source.to_string(), tokens })
    }

    /// The pattern as written.
    pub fn as_str(&self) -> &str {
        &self.source
    }

    /// Whether the whole of `text` matches (case-insensitively).
    pub fn matches(&self, text: &str) -> bool {
        let text: Vec<char> = text.chars().map(lower).collect();
        // Greedy with one backtrack point per star: linear for patterns like `*a*b*`.
        let (mut t, mut p) = (0usize, 0usize);
        let mut star: Option<(usize, usize)> = None;
        while t < text.len() {
            let step = match self.tokens.get(p) {
                Some(Token::Char(c)) => *c == text[t],
                Some(Token::Any) => true,
                Some(Token::Set(set)) => set.iter().any(|(lo, hi)| (*lo..=*hi).contains(&text[t])),
                Some(Token::Star) => {
                    star = Some((p, t));
                    p += 1;
                    continue;
                }
                None => false,
            };
            if step {
                t += 1;
                p += 1;
            } else if let Some((sp, st)) = star {
                p = sp + 1;
                t = st + 1;
                star = Some((sp, st + 1));
            } else {
                return false;
            }
        }
        self.tokens[p..].iter().all(|tok| *tok == Token::Star)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(p: &str, t: &str) -> bool {
        Wildcard::parse(p).unwrap().matches(t)
    }

    #[test]
    fn powershell_wildcards() {
        assert!(m("*", ""));
        assert!(m("Con*", "contoso"));
        assert!(!m("Con*", "xcontoso"));
        assert!(m("*@contoso.com", "Admin@CONTOSO.com"));
        assert!(m("a?c", "abc") && !m("a?c", "ac"));
        assert!(m("[a-c]x", "Bx") && !m("[a-c]x", "dx"));
        assert!(m("[xyz]", "y") && !m("[xyz]", "xy"));
        assert!(m("`*literal", "*literal") && !m("`*literal", "aliteral"));
        assert!(m("*a*b*", "xxaxxbxx") && !m("*a*b*", "xxbxxaxx"));
        assert!(m("Disc*ery", "discovery"));
        assert!(!m("abc", "abcd"));
    }

    #[test]
    fn bad_patterns_say_where() {
        assert_eq!(Wildcard::parse("ab[cd").unwrap_err().offset, 2);
        assert_eq!(Wildcard::parse("ab`").unwrap_err().offset, 2);
        assert!(Wildcard::parse("[z-a]").is_err());
    }
}
