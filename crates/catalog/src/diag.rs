//! Diagnostics: `path:line:col: error: message`, with a hint and a stable code.

use serde::Serialize;
use std::fmt;
use std::sync::Arc;

/// A place in a catalog file: 1-based line and column (columns count characters).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Loc {
    pub file: Arc<str>,
    pub line: u32,
    pub col: u32,
}

impl Loc {
    pub fn file_only(file: &str) -> Loc {
        Loc { file: Arc::from(file), line: 1, col: 1 }
    }
}

impl fmt::Display for Loc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.line, self.col)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    pub severity: Severity,
    /// A stable identifier of the kind of problem, e.g. `unknown-reference`.
    pub code: &'static str,
    #[serde(flatten)]
    pub loc: Loc,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
}

/// Every diagnostic code, with what it means. docs/catalog.md lists the same (a test holds the
/// two together), and no diagnostic is made with a code missing here.
pub const CODES: &[(&str, &str)] = &[
    ("toml", "the file is not TOML: a syntax error"),
    ("not-utf8", "the file is not UTF-8 text"),
    ("unknown-field", "a key the table does not have (a typo)"),
    ("missing-field", "a key the table needs is not there"),
    ("invalid-value", "a value of the wrong type, unit or range"),
    ("unknown-value", "a name that is not one of a closed list (kinds, connectors, pieces, charsets…)"),
    ("unknown-reference", "a name the catalog does not define (a SKU, family, metal, font, size, field…)"),
    ("duplicate-sku", "two components with one SKU"),
    ("duplicate-definition", "two definitions of one id (a base, metal, mount, option, currency…)"),
    ("missing-brand", "no [brand] table"),
    ("empty-catalog", "no .toml file at all"),
    ("missing-price", "something sold with neither a price nor a weight-priced metal"),
    ("inapplicable-field", "a key that does not apply to this kind of mount, field or rule"),
    ("invalid-selector", "a selector naming none or several of sku, tag and kind"),
    (
        "invalid-expression",
        "a CEL rule that does not compile, reads an unknown variable or function, mixes types, or fails to evaluate",
    ),
    ("unsatisfiable-rule", "a CEL rule no design of a base can meet (error), or whose `when` never holds (warning)"),
    ("invalid-gtin", "a GTIN with the wrong length or check digit"),
    ("missing-art", "an art file that is not in the catalog"),
    ("invalid-art", "an art file that is not an SVG document"),
    ("dead-option", "a component, metal or setting no design can use"),
    ("impossible-base", "a base, mount or size no design can satisfy (a base with nothing to personalize: warning)"),
    ("contradictory-rules", "requires and excludes rules that can never all hold"),
    ("rule-cycle", "requires rules that lead back to themselves"),
    ("file-too-large", "a file over the size limit (not read)"),
    ("catalog-too-large", "a catalog over the total size limit (the rest not read)"),
    ("too-many-files", "a catalog over the file count limit (the rest not read)"),
    ("out-of-stock", "warning: a component with no stock left"),
    ("unused", "warning: a material or metal nothing uses"),
    ("rule-string-match", "warning: a rule that matches SKUs by text"),
    ("no-machine", "warning: an engraving field that names no machine"),
];

impl Diagnostic {
    pub fn error(code: &'static str, loc: Loc, message: impl Into<String>) -> Diagnostic {
        debug_assert!(CODES.iter().any(|(c, _)| *c == code), "diagnostic code {code} is not in diag::CODES");
        Diagnostic { severity: Severity::Error, code, loc, message: message.into(), hint: None }
    }
    pub fn warning(code: &'static str, loc: Loc, message: impl Into<String>) -> Diagnostic {
        debug_assert!(CODES.iter().any(|(c, _)| *c == code), "diagnostic code {code} is not in diag::CODES");
        Diagnostic { severity: Severity::Warning, code, loc, message: message.into(), hint: None }
    }
    pub fn hint(mut self, hint: impl Into<String>) -> Diagnostic {
        self.hint = Some(hint.into());
        self
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sev = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        write!(f, "{}: {sev}[{}]: {}", self.loc, self.code, self.message)?;
        if let Some(h) = &self.hint {
            write!(f, "\n  = hint: {h}")?;
        }
        Ok(())
    }
}

/// Maps byte offsets of one file to line and column.
#[derive(Clone, Debug)]
pub struct LineIndex {
    file: Arc<str>,
    text: Arc<str>,
    starts: Vec<usize>,
}

impl LineIndex {
    pub fn new(file: &str, text: &str) -> LineIndex {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        LineIndex { file: Arc::from(file), text: Arc::from(text), starts }
    }
    pub fn file(&self) -> &Arc<str> {
        &self.file
    }
    pub fn loc(&self, offset: usize) -> Loc {
        let offset = offset.min(self.text.len());
        let line = self.starts.partition_point(|&s| s <= offset) - 1;
        let start = self.starts[line];
        let col = self.text.get(start..offset).map(|s| s.chars().count()).unwrap_or(0) + 1;
        Loc { file: self.file.clone(), line: line as u32 + 1, col: col as u32 }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_index_counts_characters() {
        let idx = LineIndex::new("a.toml", "x = 1\nnom = \"é\" y\n");
        assert_eq!(idx.loc(0).to_string(), "a.toml:1:1");
        assert_eq!(idx.loc(6).to_string(), "a.toml:2:1");
        // 'y' sits after a two-byte 'é': byte 17, character column 11.
        let y = "x = 1\nnom = \"é\" y".find(" y").unwrap() + 1;
        assert_eq!(idx.loc(y).to_string(), "a.toml:2:11");
    }
}
