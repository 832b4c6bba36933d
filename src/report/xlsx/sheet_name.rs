//! Worksheet names Excel accepts: at most 31 characters, none of `[]:*?/\`, not
//! starting or ending with `'`, unique without regard to case.

use std::collections::HashSet;

/// Hands out distinct valid names.
#[derive(Default)]
pub struct SheetNames {
    taken: HashSet<String>,
}

impl SheetNames {
    /// A valid name for `wanted`, distinct from those already given (`name~2`, `name~3`, ...).
    pub fn claim(&mut self, wanted: &str) -> String {
        let clean: String = wanted
            .chars()
            .map(|c| {
                if matches!(c, '[' | ']' | ':' | '*' | '?' | '/' | '\\') || c.is_control() {
                    '_'
                } else {
                    c
                }
            })
            .collect();
        let clean = clean.trim_matches('\'').to_string();
        let base = if clean.is_empty() { "sheet".to_string() } else { clean };
        let mut n: u64 = 1;
        loop {
            let suffix = if n == 1 { String::new() } else { format!("~{n}") };
            let room = 31usize.saturating_sub(suffix.chars().count());
            let name: String =
                base.chars().take(room).collect::<String>().trim_end_matches('\'').to_string() + &suffix;
            if self.taken.insert(name.to_lowercase()) {
                return name;
            }
            n += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_valid_and_distinct() {
        let mut names = SheetNames::default();
        assert_eq!(names.claim("Summary"), "Summary");
        assert_eq!(names.claim("summary"), "summary~2");
        assert_eq!(names.claim("a/b:c[0]"), "a_b_c_0_");
        let long = "x".repeat(40);
        assert_eq!(names.claim(&long), "x".repeat(31));
        assert_eq!(names.claim(&long), format!("{}~2", "x".repeat(29)));
        assert_eq!(names.claim("'quoted'"), "quoted");
    }
}
