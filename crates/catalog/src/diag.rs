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

impl Diagnostic {
    pub fn error(code: &'static str, loc: Loc, message: impl Into<String>) -> Diagnostic {
        Diagnostic { severity: Severity::Error, code, loc, message: message.into(), hint: None }
    }
    pub fn warning(code: &'static str, loc: Loc, message: impl Into<String>) -> Diagnostic {
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
