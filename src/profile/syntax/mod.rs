//! Parsing profile files (YAML, TOML) into one position-carrying [`tree::Node`].

pub mod source;
pub mod toml_tree;
pub mod tree;
pub mod yaml;
pub mod yaml_stream;

pub use source::{LineIndex, Source};
pub use tree::{Key, Node, Pos, Value};
