//! A format-neutral, position-carrying tree of one profile file. YAML and TOML
//! both parse into it, so the checks that follow are written once and report
//! `LINE:COL` whatever the format.

/// A 1-based position in a source file, with the length of the token it names
/// (in characters; at least 1 when rendered). Kept small: a profile of 100,000
/// tenants holds a million of them while it is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Pos {
    pub line: u32,
    pub col: u32,
    pub len: u32,
}

impl Pos {
    /// A position from counts; a file is at most a few MiB, so they fit (saturating
    /// rather than wrapping if they ever did not).
    pub fn new(line: usize, col: usize, len: usize) -> Pos {
        let narrow = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
        Pos { line: narrow(line), col: narrow(col), len: narrow(len) }
    }

    /// The line, for indexing a [`super::Source`].
    pub fn line(&self) -> usize {
        self.line as usize
    }

    /// The column, in characters.
    pub fn col(&self) -> usize {
        self.col as usize
    }

    /// The token's length, in characters.
    pub fn length(&self) -> usize {
        self.len as usize
    }
}

/// One node: a value and where it was written.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub pos: Pos,
    pub value: Value,
}

/// A map key and where it was written.
#[derive(Debug, Clone, PartialEq)]
pub struct Key {
    pub name: String,
    pub pos: Pos,
}

/// The value of a node.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Seq(Vec<Node>),
    /// Entries in source order; duplicates are reported by the parser.
    Map(Vec<(Key, Node)>),
}

impl Value {
    /// What the value is, as a user would say it in a message.
    pub fn kind(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "a boolean",
            Value::Int(_) => "an integer",
            Value::Float(_) => "a number",
            Value::Str(_) => "a string",
            Value::Seq(_) => "a list",
            Value::Map(_) => "a table",
        }
    }

    /// The value as JSON (for cmdlet parameters, which are passed through as written).
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            Value::Null => serde_json::Value::Null,
            Value::Bool(b) => serde_json::Value::Bool(*b),
            Value::Int(i) => serde_json::Value::from(*i),
            Value::Float(f) => serde_json::Number::from_f64(*f)
                .map(serde_json::Value::Number)
                .unwrap_or(serde_json::Value::Null),
            Value::Str(s) => serde_json::Value::String(s.clone()),
            Value::Seq(items) => serde_json::Value::Array(items.iter().map(|n| n.value.to_json()).collect()),
            Value::Map(entries) => serde_json::Value::Object(
                entries.iter().map(|(k, v)| (k.name.clone(), v.value.to_json())).collect(),
            ),
        }
    }
}
