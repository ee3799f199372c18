//! The checker on a brand's first draft: the demo catalog with one mistake at a time, generated
//! by mutation operators (a typo in a reference, a comma in a price, a broken string, a key
//! misspelt, a key left out, a CEL typo…) applied to the sites where each can happen. Every
//! mutant must give exactly one error, at the mutated place (file:line:col), with a hint; the
//! diagnostics are kept as a golden file.
//!
//! Also: mutated and random catalogs never make the checker or the engine panic.

use orfevre_catalog::{load, Severity, SourceSet};
use std::path::PathBuf;

fn demo() -> SourceSet {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../catalogs/demo");
    SourceSet::from_dir(&dir).unwrap()
}

/// A misspelling of `s` that is no other name: two letters in the middle swapped (or one doubled).
fn typo(s: &str) -> String {
    let mut c: Vec<char> = s.chars().collect();
    let i = c.len() / 2;
    if c.len() >= 3 && c[i - 1] != c[i] && c[i - 1].is_alphabetic() && c[i].is_alphabetic() {
        c.swap(i - 1, i);
    } else {
        c.insert(i, c[i.saturating_sub(1)]);
    }
    c.into_iter().collect()
}

/// One way to make a mistake at a site: the new text and the byte offset the error must point at.
#[derive(Clone, Copy)]
enum Op {
    /// The quoted value after the site, misspelt; the error points at its opening quote.
    QuotedTypo,
    /// The `n`th quoted item of the list after the site, misspelt.
    ItemTypo(usize),
    /// The key at the site renamed (to the given text, or misspelt); the error points at the key.
    RenameKey(Option<&'static str>),
    /// `from` replaced by `to` at the first place after the site; the error points `at` bytes
    /// into the replacement, or at the quote opening the value it is in (`usize::MAX`).
    Replace { from: &'static str, to: &'static str, at: usize },
    /// The closing quote of the value after the site taken away; the error points at the line's end.
    BreakString,
    /// The line of the site taken away; the error points at its entry's `[[…]]` header.
    DropLine,
    /// The SKU after the site made equal to the first component's of the file.
    DuplicateSku,
}

/// `Op::Replace`'s `at` for "the quote opening the value".
const QUOTE: usize = usize::MAX;

struct Operator {
    name: &'static str,
    /// Files whose path starts with this.
    prefix: &'static str,
    /// The text marking a site (its first occurrences are used).
    needle: &'static str,
    op: Op,
    /// How many sites to mutate.
    sites: usize,
    /// The code the one error must carry.
    code: &'static str,
}

const OPERATORS: &[Operator] = &[
    Operator {
        name: "family typo on a mount",
        prefix: "bases/",
        needle: "families = [",
        op: Op::ItemTypo(0),
        sites: 3,
        code: "unknown-reference",
    },
    Operator {
        name: "family typo on a component",
        prefix: "components/",
        needle: "family = ",
        op: Op::QuotedTypo,
        sites: 2,
        code: "dead-option",
    },
    Operator {
        name: "option SKU typo",
        prefix: "bases/",
        needle: "sku = \"PK-",
        op: Op::Replace { from: "PK-", to: "PK-X", at: QUOTE },
        sites: 2,
        code: "unknown-reference",
    },
    Operator {
        name: "slots default typo",
        prefix: "bases/composable",
        needle: "default = \"",
        op: Op::QuotedTypo,
        sites: 2,
        code: "unknown-reference",
    },
    Operator {
        name: "metal typo on a mount",
        prefix: "bases/",
        needle: "metals = [",
        op: Op::ItemTypo(1),
        sites: 2,
        code: "unknown-reference",
    },
    Operator {
        name: "metal typo on a component",
        prefix: "components/",
        needle: "metal = ",
        op: Op::QuotedTypo,
        sites: 2,
        code: "unknown-reference",
    },
    Operator {
        name: "colour typo",
        prefix: "bases/",
        needle: "colours = [",
        op: Op::ItemTypo(2),
        sites: 2,
        code: "unknown-reference",
    },
    Operator {
        name: "font typo",
        prefix: "bases/",
        needle: "fonts = [",
        op: Op::ItemTypo(1),
        sites: 2,
        code: "unknown-reference",
    },
    Operator {
        name: "default size typo",
        prefix: "bases/",
        needle: "default_size = ",
        op: Op::QuotedTypo,
        sites: 3,
        code: "unknown-reference",
    },
    Operator {
        name: "component kind typo",
        prefix: "components/",
        needle: "kind = ",
        op: Op::QuotedTypo,
        sites: 2,
        code: "unknown-value",
    },
    Operator {
        name: "connector typo",
        prefix: "components/",
        needle: "connector = ",
        op: Op::QuotedTypo,
        sites: 2,
        code: "unknown-value",
    },
    Operator {
        name: "piece typo",
        prefix: "bases/",
        needle: "piece = ",
        op: Op::QuotedTypo,
        sites: 2,
        code: "unknown-value",
    },
    Operator {
        name: "component key misspelt",
        prefix: "components/",
        needle: "width_mm = ",
        op: Op::RenameKey(None),
        sites: 2,
        code: "unknown-field",
    },
    Operator {
        name: "field key misspelt",
        prefix: "bases/",
        needle: "max_length = ",
        op: Op::RenameKey(None),
        sites: 2,
        code: "unknown-field",
    },
    Operator {
        name: "mount key misspelt",
        prefix: "bases/",
        needle: "reserve_mm = ",
        op: Op::RenameKey(None),
        sites: 2,
        code: "unknown-field",
    },
    Operator {
        name: "price with a decimal comma",
        prefix: "components/",
        needle: "price = \"",
        op: Op::Replace { from: ".", to: ",", at: QUOTE },
        sites: 2,
        code: "invalid-value",
    },
    Operator {
        name: "broken string",
        prefix: "components/",
        needle: "name = ",
        op: Op::BreakString,
        sites: 2,
        code: "toml",
    },
    Operator {
        name: "duplicate SKU",
        prefix: "components/",
        needle: "sku = ",
        op: Op::DuplicateSku,
        sites: 2,
        code: "duplicate-sku",
    },
    Operator {
        name: "tag typo in a rule",
        prefix: "rules.toml",
        needle: "tag = ",
        op: Op::QuotedTypo,
        sites: 2,
        code: "unknown-reference",
    },
    Operator {
        name: "CEL variable typo",
        prefix: "rules.toml",
        needle: "kinds[",
        op: Op::Replace { from: "kinds", to: "kinsd", at: 0 },
        sites: 1,
        code: "invalid-expression",
    },
    Operator {
        name: "CEL kind typo",
        prefix: "rules.toml",
        needle: "kinds[\"dangle\"]",
        op: Op::Replace { from: "dangle", to: "dangel", at: QUOTE },
        sites: 1,
        code: "unknown-reference",
    },
    Operator {
        name: "CEL count compared with a string",
        prefix: "rules.toml",
        needle: "<= 2",
        op: Op::Replace { from: "2", to: "\"2\"", at: 0 },
        sites: 1,
        code: "invalid-expression",
    },
    Operator {
        name: "CEL function typo",
        prefix: "rules.toml",
        needle: "double(",
        op: Op::Replace { from: "double", to: "dubble", at: 0 },
        sites: 1,
        code: "invalid-expression",
    },
    Operator {
        name: "CEL parameter value typo",
        prefix: "rules.toml",
        needle: "\"knife-edge\"",
        op: Op::Replace { from: "knife-edge", to: "knife-egde", at: QUOTE },
        sites: 1,
        code: "unknown-value",
    },
    Operator {
        name: "CEL parameter typo",
        prefix: "rules.toml",
        needle: "params[\"carat\"]",
        op: Op::Replace { from: "carat", to: "karat", at: QUOTE },
        sites: 1,
        code: "unknown-reference",
    },
    Operator {
        name: "CEL syntax error",
        prefix: "rules.toml",
        needle: "|| kinds",
        op: Op::Replace { from: "||", to: "|| &&", at: 3 },
        sites: 1,
        code: "invalid-expression",
    },
    Operator {
        name: "charset typo",
        prefix: "bases/",
        needle: "charset = ",
        op: Op::QuotedTypo,
        sites: 2,
        code: "unknown-value",
    },
    Operator {
        name: "choice default typo",
        prefix: "bases/",
        needle: "default = \"pouch\"",
        op: Op::QuotedTypo,
        sites: 2,
        code: "unknown-reference",
    },
    Operator {
        name: "rule base typo",
        prefix: "rules.toml",
        needle: "bases = [",
        op: Op::ItemTypo(0),
        sites: 3,
        code: "unknown-reference",
    },
    Operator {
        name: "required key left out",
        prefix: "components/",
        needle: "name = ",
        op: Op::DropLine,
        sites: 2,
        code: "missing-field",
    },
    Operator {
        name: "profile typo",
        prefix: "bases/",
        needle: "profiles = [",
        op: Op::ItemTypo(1),
        sites: 2,
        code: "unknown-value",
    },
    Operator {
        name: "count limit kind typo",
        prefix: "bases/",
        needle: "max = { ",
        op: Op::Replace { from: "dangle", to: "dangel", at: 0 },
        sites: 1,
        code: "unknown-value",
    },
    Operator {
        name: "core typo",
        prefix: "bases/",
        needle: "core = ",
        op: Op::QuotedTypo,
        sites: 2,
        code: "unknown-reference",
    },
    Operator {
        name: "range default off its steps",
        prefix: "bases/",
        needle: "width_mm = { ",
        op: Op::Replace { from: "default = 4", to: "default = 4.2", at: 10 },
        sites: 1,
        code: "invalid-value",
    },
    Operator {
        name: "station connector typo",
        prefix: "bases/",
        needle: "stations = { ",
        op: Op::Replace { from: "\"clip\"", to: "\"cilp\"", at: 0 },
        sites: 1,
        code: "unknown-value",
    },
    Operator {
        name: "bundle kind typo",
        prefix: "rules.toml",
        needle: "select = { kind = ",
        op: Op::QuotedTypo,
        sites: 1,
        code: "unknown-value",
    },
    Operator {
        name: "GTIN check digit",
        prefix: "bases/",
        needle: "gtin = ",
        op: Op::Replace { from: "931\"", to: "932\"", at: QUOTE },
        sites: 1,
        code: "invalid-gtin",
    },
    Operator {
        name: "art path typo",
        prefix: "components/",
        needle: "art = ",
        op: Op::QuotedTypo,
        sites: 2,
        code: "missing-art",
    },
    Operator {
        name: "rule kind typo",
        prefix: "rules.toml",
        needle: "kind = ",
        op: Op::QuotedTypo,
        sites: 2,
        code: "unknown-value",
    },
];

struct Mutant {
    name: String,
    file: String,
    sources: SourceSet,
    /// Where the error must be: 1-based line and column (characters).
    line: u32,
    col: u32,
    code: &'static str,
}

fn line_col(text: &str, offset: usize) -> (u32, u32) {
    let before = &text[..offset];
    let line = before.matches('\n').count() as u32 + 1;
    let col = before.rsplit('\n').next().unwrap().chars().count() as u32 + 1;
    (line, col)
}

/// The opening quote of the `n`th quoted string at or after `from`.
fn nth_quote(text: &str, from: usize, n: usize) -> Option<(usize, usize)> {
    let mut at = from;
    for k in 0..=n {
        let open = at + text[at..].find('"')?;
        let close = open + 1 + text[open + 1..].find('"')?;
        if k == n {
            return Some((open, close));
        }
        at = close + 1;
    }
    None
}

fn mutants() -> Vec<Mutant> {
    let base = demo();
    let mut out = Vec::new();
    for o in OPERATORS {
        let mut done = 0;
        for (path, bytes) in &base.files {
            if !path.starts_with(o.prefix) || !path.ends_with(".toml") || done >= o.sites {
                continue;
            }
            let text = std::str::from_utf8(bytes).unwrap();
            let mut search = 0;
            while done < o.sites {
                let Some(i) = text[search..].find(o.needle).map(|i| i + search) else { break };
                search = i + o.needle.len();
                // Sites in comments are not sites.
                let line_start = text[..i].rfind('\n').map(|x| x + 1).unwrap_or(0);
                if text[line_start..i].contains('#') {
                    continue;
                }
                let edit: Option<(String, usize)> = match o.op {
                    Op::QuotedTypo | Op::ItemTypo(_) => {
                        let n = if let Op::ItemTypo(n) = o.op { n } else { 0 };
                        // The value starts after the site's `=`.
                        let eq = i + o.needle.find('=').map(|e| e + 1).unwrap_or(0);
                        nth_quote(text, eq, n).filter(|(_, close)| !text[i..*close].contains('\n')).map(
                            |(open, close)| {
                                let t =
                                    format!("{}{}{}", &text[..open + 1], typo(&text[open + 1..close]), &text[close..]);
                                (t, open)
                            },
                        )
                    }
                    Op::RenameKey(to) => {
                        let key = o.needle.split_whitespace().next().unwrap();
                        let new = to.map(String::from).unwrap_or_else(|| typo(key));
                        Some((format!("{}{}{}", &text[..i], new, &text[i + key.len()..]), i))
                    }
                    Op::Replace { from, to, at } => {
                        text[i..].find(from).map(|j| i + j).filter(|j| !text[i..*j].contains('\n')).map(|j| {
                            let expect =
                                if at == QUOTE { text[..j + 1].rfind(['"', '\'']).unwrap_or(j) } else { j + at };
                            (format!("{}{}{}", &text[..j], to, &text[j + from.len()..]), expect)
                        })
                    }
                    Op::BreakString => nth_quote(text, i, 0).map(|(_, close)| {
                        let eol = close + text[close..].find('\n').unwrap_or(text.len() - close);
                        (format!("{}{}", &text[..close], &text[close + 1..]), eol - 1)
                    }),
                    Op::DropLine => {
                        let end = i + text[i..].find('\n').map(|x| x + 1).unwrap_or(text.len() - i);
                        let header = text[..i].rfind("[[").unwrap();
                        Some((format!("{}{}", &text[..line_start], &text[end..]), header))
                    }
                    Op::DuplicateSku => {
                        let first = nth_quote(text, text.find("sku = ").unwrap(), 0).unwrap();
                        let first_sku = &text[first.0 + 1..first.1];
                        nth_quote(text, i, 0).filter(|(o2, _)| *o2 != first.0).map(|(open, close)| {
                            (format!("{}{}{}", &text[..open + 1], first_sku, &text[close..]), open)
                        })
                    }
                };
                let Some((new_text, at)) = edit else { continue };
                if new_text == text {
                    continue;
                }
                let (line, col) = line_col(&new_text, at);
                let mut sources = base.clone();
                sources.files.insert(path.clone(), new_text.into_bytes());
                done += 1;
                out.push(Mutant {
                    name: format!("{} #{done}", o.name),
                    file: path.clone(),
                    sources,
                    line,
                    col,
                    code: o.code,
                });
            }
        }
        assert!(done > 0, "operator \"{}\" found no site in the demo catalog", o.name);
    }
    out
}

#[test]
fn every_mistake_gives_one_error_at_its_place_with_a_hint() {
    let mutants = mutants();
    assert!(mutants.len() >= 40, "only {} mutants", mutants.len());
    let mut golden = Vec::new();
    let mut wrong = Vec::new();
    for m in &mutants {
        let loaded = load(&m.sources);
        let errors: Vec<_> = loaded.diagnostics.iter().filter(|d| d.severity == Severity::Error).collect();
        let ok = errors.len() == 1
            && errors[0].loc.file.as_ref() == m.file
            && (errors[0].loc.line, errors[0].loc.col) == (m.line, m.col)
            && errors[0].code == m.code
            && errors[0].hint.is_some();
        if !ok {
            wrong.push(format!(
                "{} (expected {}:{}:{} {}):\n    {}",
                m.name,
                m.file,
                m.line,
                m.col,
                m.code,
                errors.iter().map(|d| d.to_string().replace('\n', "\n    ")).collect::<Vec<_>>().join("\n    ")
            ));
        }
        assert!(loaded.catalog.is_none(), "{}: a catalog with an error must not load", m.name);
        golden.push(format!(
            "{}:\n  {}",
            m.name,
            errors.iter().map(|d| d.to_string()).collect::<Vec<_>>().join("\n  ")
        ));
    }
    assert!(
        wrong.is_empty(),
        "{} of {} mutants are not reported as one error at their place:\n{}",
        wrong.len(),
        mutants.len(),
        wrong.join("\n")
    );
    insta::assert_snapshot!("mutations", golden.join("\n"));
}
