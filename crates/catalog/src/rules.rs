//! Catalog rules written in CEL: the one environment every rule is compiled and run in, the
//! variables a rule reads and their types, the static checks `catalog check` runs on a rule, and
//! how far a design is from meeting a rule (so that a still-broken rule can be told to get worse).
//!
//! The checker and the engine share this module, so a function the checker accepts is a function
//! the engine runs, and a name the checker knows is a key the engine fills.

use cel::common::ast::{operators as op, EntryExpr, Expr};
use cel::{Context, Env, IdedExpr, Program, Value};
use std::sync::{Arc, OnceLock};

/// The type of a rule variable or expression, as far as the checker can tell.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Ty {
    Bool,
    Int,
    Uint,
    Double,
    String,
    Null,
    List(Box<Ty>),
    /// A map from strings to this type.
    Map(Box<Ty>),
    /// Not known statically (comprehension accumulators, `dyn`).
    Dyn,
}

impl std::fmt::Display for Ty {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Ty::Bool => f.write_str("a boolean"),
            Ty::Int | Ty::Uint => f.write_str("a count (integer)"),
            Ty::Double => f.write_str("a number"),
            Ty::String => f.write_str("a string"),
            Ty::Null => f.write_str("null"),
            Ty::List(_) => f.write_str("a list"),
            Ty::Map(_) => f.write_str("a map"),
            Ty::Dyn => f.write_str("a value"),
        }
    }
}

/// The variables a rule reads, their types and what they hold (docs/catalog.md lists the same).
pub const VARIABLES: &[(&str, &str)] = &[
    ("base", "the base's id (string)"),
    ("piece", "the base's piece: bracelet, ring… (string)"),
    ("size", "the chosen size's id, or the default size's (string)"),
    ("items", "how many components the design places (integer)"),
    ("skus", "SKU → how many the design places (every SKU the rule names is present, 0 when unused)"),
    ("kinds", "component kind → count (every kind is present)"),
    ("tags", "tag → count (every tag the rule names is present, 0 when unused)"),
    ("families", "family → count (every family the rule names is present, 0 when unused)"),
    (
        "params",
        "parameter → value as a string (every parameter of the base, its default when the design leaves it; \"\" for parameters the base does not have)",
    ),
    (
        "fields",
        "field id → value (every field of the catalog: the option chosen or its default for choice and colour fields, the text for text and engraving fields, \"\" when blank, absent or not on the base)",
    ),
];

/// The names of [`VARIABLES`].
pub fn variable_names() -> impl Iterator<Item = &'static str> {
    VARIABLES.iter().map(|(n, _)| *n)
}

/// The type of variable `name`.
pub fn variable_type(name: &str) -> Option<Ty> {
    Some(match name {
        "base" | "piece" | "size" => Ty::String,
        "items" => Ty::Int,
        "skus" | "kinds" | "tags" | "families" => Ty::Map(Box::new(Ty::Int)),
        "params" | "fields" => Ty::Map(Box::new(Ty::String)),
        _ => return None,
    })
}

/// Functions a rule may call, besides operators (`+ - * / % == != < <= > >= && || ! ?: in`,
/// indexing) and the macros `has`, `all`, `exists`, `exists_one`, `map`, `filter`.
/// (name, receiver: called as `x.name(…)`, what it does). docs/catalog.md lists the same.
pub const FUNCTIONS: &[(&str, bool, &str)] = &[
    ("size", false, "size(x): characters of a string, entries of a list or map"),
    ("size", true, "x.size()"),
    ("int", false, "int(x): a string or number as an integer"),
    ("uint", false, "uint(x)"),
    ("double", false, "double(x): a string or number as a decimal number"),
    ("string", false, "string(x)"),
    ("bool", false, "bool(x)"),
    ("contains", true, "s.contains(t)"),
    ("startsWith", true, "s.startsWith(t)"),
    ("endsWith", true, "s.endsWith(t)"),
    ("matches", true, "s.matches(re): a regular expression (RE2 syntax)"),
    ("matches", false, "matches(s, re)"),
    ("charAt", true, "s.charAt(i)"),
    ("indexOf", true, "s.indexOf(t)"),
    ("lastIndexOf", true, "s.lastIndexOf(t)"),
    ("lowerAscii", true, "s.lowerAscii()"),
    ("upperAscii", true, "s.upperAscii()"),
    ("trim", true, "s.trim()"),
    ("replace", true, "s.replace(a, b)"),
    ("split", true, "s.split(sep)"),
    ("substring", true, "s.substring(from[, to])"),
    ("join", true, "list.join([sep])"),
    ("reverse", true, "s.reverse()"),
];

/// The environment every rule runs in: CEL's standard library, its macros, and the strings
/// extension. Built once: building it costs more than running a rule.
pub fn env() -> Arc<Env> {
    static ENV: OnceLock<Arc<Env>> = OnceLock::new();
    ENV.get_or_init(|| {
        let mut e = Env::stdlib();
        e.add_extension(cel::extensions::strings).expect("the strings extension registers once");
        Arc::new(e)
    })
    .clone()
}

/// Compiles a rule's source in [`env`].
pub fn compile(src: &str) -> Result<Program, cel::ParseErrors> {
    env().compile(src)
}

pub use crate::analyse::{analyse, Finding, Scope};

/// Calls `f` on `e` and every expression under it.
pub(crate) fn walk(e: &IdedExpr, f: &mut impl FnMut(&IdedExpr)) {
    f(e);
    match &e.expr {
        Expr::Call(c) => {
            if let Some(t) = &c.target {
                walk(t, f);
            }
            for a in &c.args {
                walk(a, f);
            }
        }
        Expr::Select(s) => walk(&s.operand, f),
        Expr::List(l) => l.elements.iter().for_each(|x| walk(x, f)),
        Expr::Map(m) => {
            for en in &m.entries {
                if let EntryExpr::MapEntry(me) = &en.expr {
                    walk(&me.key, f);
                    walk(&me.value, f);
                }
            }
        }
        Expr::Comprehension(c) => {
            walk(&c.iter_range, f);
            walk(&c.loop_step, f);
        }
        _ => {}
    }
}

/// How far a context is from meeting `e`, 0 when it is met: the "branch distance" of
/// search-based testing, in thousandths. A comparison of numbers counts by how much it misses
/// (`kinds["x"] <= 2` with 4 is 2 away), `&&` adds, `||` takes the nearer side, `!` turns a
/// comparison into its complement, `all` adds over the elements and `exists` takes the nearest;
/// anything else is met or 1 away. Used to tell a still-broken rule that got worse (a third large
/// clip where two are allowed) from one that did not.
pub fn distance(e: &IdedExpr, ctx: &Context) -> u64 {
    dist(e, ctx, false)
}

/// [`distance`] of `e`, or of `!e` when `neg`.
fn dist(e: &IdedExpr, ctx: &Context, neg: bool) -> u64 {
    let num = |e: &IdedExpr| -> Option<f64> {
        match Value::resolve(e, ctx).ok()? {
            Value::Int(i) => Some(i as f64),
            Value::UInt(u) => Some(u as f64),
            Value::Float(f) => Some(f),
            _ => None,
        }
    };
    let truth = |e: &IdedExpr| -> u64 {
        match Value::resolve(e, ctx) {
            Ok(Value::Bool(b)) if b != neg => 0,
            _ => 1000,
        }
    };
    match &e.expr {
        Expr::Call(c) => match (c.func_name.as_str(), c.args.as_slice()) {
            (op::LOGICAL_NOT, [a]) => dist(a, ctx, !neg),
            (op::LOGICAL_AND, [a, b]) if !neg => dist(a, ctx, neg).saturating_add(dist(b, ctx, neg)),
            (op::LOGICAL_OR, [a, b]) if neg => dist(a, ctx, neg).saturating_add(dist(b, ctx, neg)),
            (op::LOGICAL_AND | op::LOGICAL_OR, [a, b]) => dist(a, ctx, neg).min(dist(b, ctx, neg)),
            (
                f @ (op::LESS | op::LESS_EQUALS | op::GREATER | op::GREATER_EQUALS | op::EQUALS | op::NOT_EQUALS),
                [a, b],
            ) => {
                let (Some(x), Some(y)) = (num(a), num(b)) else { return truth(e) };
                if truth(e) == 0 {
                    return 0;
                }
                // The comparison that must hold: the complement under a negation.
                let f = if !neg {
                    f
                } else {
                    match f {
                        op::LESS => op::GREATER_EQUALS,
                        op::LESS_EQUALS => op::GREATER,
                        op::GREATER => op::LESS_EQUALS,
                        op::GREATER_EQUALS => op::LESS,
                        op::EQUALS => op::NOT_EQUALS,
                        _ => op::EQUALS,
                    }
                };
                // Integers need one more to pass a strict comparison; decimals a thousandth.
                let step = if x.fract() == 0.0 && y.fract() == 0.0 { 1.0 } else { 0.001 };
                let d = match f {
                    op::LESS => x - y + step,
                    op::LESS_EQUALS => x - y,
                    op::GREATER => y - x + step,
                    op::GREATER_EQUALS => y - x,
                    op::NOT_EQUALS => step,
                    _ => (x - y).abs(),
                };
                ((d.max(step) * 1000.0).ceil() as u64).clamp(1, 1 << 40)
            }
            _ => truth(e),
        },
        Expr::Comprehension(c) => comprehension(c, ctx, neg).unwrap_or_else(|| truth(e)),
        _ => truth(e),
    }
}

/// The distance of an `all` or `exists` over a list or a map's keys, from its elements'.
fn comprehension(c: &cel::common::ast::ComprehensionExpr, ctx: &Context, neg: bool) -> Option<u64> {
    // The macros expand to `@result && pred` (all) and `@result || pred` (exists).
    let Expr::Call(step) = &c.loop_step.expr else { return None };
    let [acc, pred] = step.args.as_slice() else { return None };
    if !matches!(&acc.expr, Expr::Ident(a) if *a == c.accu_var) || c.iter_var2.is_some() {
        return None;
    }
    let all = match step.func_name.as_str() {
        op::LOGICAL_AND => true,
        op::LOGICAL_OR => false,
        _ => return None,
    };
    let elements: Vec<Value> = match Value::resolve(&c.iter_range, ctx).ok()? {
        Value::List(l) => l.iter().cloned().collect(),
        Value::Map(m) => m.map.keys().map(Value::from).collect(),
        _ => return None,
    };
    let each = elements.into_iter().map(|v| {
        let mut inner = ctx.new_inner_scope();
        inner.add_variable_from_value(c.iter_var.clone(), v);
        dist(pred, &inner, neg)
    });
    // Not all = some not; not some = all not.
    Some(if all != neg { each.fold(0u64, |a, d| a.saturating_add(d)) } else { each.min().unwrap_or(1000) })
}

/// Where each use of variable `name` starts in `program`'s source (not where a comprehension
/// binds a variable of that name).
pub fn variable_offsets(program: &Program, name: &str) -> Vec<usize> {
    let info = program.source_info();
    let mut out = Vec::new();
    walk(program.expression(), &mut |x| {
        if matches!(&x.expr, Expr::Ident(n) if n == name) {
            if let Some((s, _)) = info.offset_for(x.id) {
                out.push(s as usize);
            }
        }
    });
    out.sort();
    out
}

/// Maps byte offsets in a TOML string's value to byte offsets in its source token (quotes
/// included), so that a position inside a rule points at the right column even after escapes.
/// `raw` is the token as written: `"…"`, `'…'`, `"""…"""` or `'''…'''`. The result has one entry
/// per byte of the value, plus one for its end.
pub fn value_to_source_offsets(raw: &str) -> Vec<usize> {
    let (delim, literal) = if raw.starts_with("\"\"\"") {
        (3, false)
    } else if raw.starts_with("'''") {
        (3, true)
    } else if raw.starts_with('\'') {
        (1, true)
    } else {
        (1, false)
    };
    let body_end = raw.len().saturating_sub(delim).max(delim);
    let mut i = delim;
    // A newline right after a multi-line string's opening delimiter is not part of the value.
    if delim == 3 {
        if raw[i..].starts_with("\r\n") {
            i += 2;
        } else if raw[i..].starts_with('\n') {
            i += 1;
        }
    }
    let bytes = raw.as_bytes();
    let mut out = Vec::new();
    while i < body_end {
        if !literal && bytes[i] == b'\\' && i + 1 < body_end {
            let c = bytes[i + 1];
            let (len, produced) = match c {
                b'u' => (6, char_len_of_escape(&raw[(i + 2).min(body_end)..(i + 6).min(body_end)])),
                b'U' => (10, char_len_of_escape(&raw[(i + 2).min(body_end)..(i + 10).min(body_end)])),
                b'\n' | b' ' | b'\t' | b'\r' if delim == 3 => {
                    // A line-ending backslash: the newline and the whitespace after it vanish.
                    let mut j = i + 1;
                    while j < body_end && (bytes[j] as char).is_ascii_whitespace() {
                        j += 1;
                    }
                    (j - i, 0)
                }
                _ => (2, 1),
            };
            for _ in 0..produced {
                out.push(i);
            }
            i += len;
        } else {
            out.push(i);
            i += 1;
        }
    }
    out.push(i.min(raw.len()));
    out
}

fn char_len_of_escape(hex: &str) -> usize {
    u32::from_str_radix(hex, 16).ok().and_then(char::from_u32).map(|c| c.len_utf8()).unwrap_or(1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn scope() -> Scope {
        let mut s = Scope::default();
        s.keys.insert("kinds", crate::model::Kind::ALL.iter().map(|k| k.as_str().to_string()).collect());
        s.keys.insert("tags", vec!["large".into(), "small".into()]);
        s.keys.insert("fields", vec!["style".into(), "message".into()]);
        s.values.insert("fields/style".into(), vec!["circle".into(), "square".into()]);
        s.keys.insert("params", vec!["metal".into()]);
        s
    }

    fn findings(src: &str) -> Vec<Finding> {
        analyse(&compile(src).unwrap(), &scope())
    }

    #[test]
    fn a_well_formed_rule_has_no_finding() {
        assert_eq!(findings(r#"tags["large"] <= 2 || fields["style"] == "circle""#), vec![]);
        assert_eq!(findings(r#"kinds.all(k, kinds[k] <= 7) && size(fields["message"]) < 40"#), vec![]);
        assert_eq!(findings(r#"fields.message.lowerAscii().contains("love")"#), vec![]);
    }

    #[test]
    fn unknown_keys_and_values_are_named_with_a_suggestion() {
        let f = findings(r#"tags["lrage"] <= 2"#);
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(f[0].code, "unknown-reference");
        assert_eq!(f[0].hint.as_deref(), Some("did you mean \"large\"?"));
        assert_eq!(&r#"tags["lrage"] <= 2"#[f[0].start..f[0].end], r#""lrage""#, "the key is what is misspelt");
        let f = findings(r#"fields["style"] == "circel""#);
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(f[0].code, "unknown-value");
        assert_eq!(f[0].message, r#"fields["style"] is never "circel""#);
        let f = findings(r#"fields["stlye"] == "circle""#);
        assert_eq!(f[0].code, "unknown-reference");
    }

    #[test]
    fn type_errors_and_unknown_functions_are_found_where_they_are() {
        let src = r#"kinds["charm"] >= "2""#;
        let f = findings(src);
        assert_eq!(f.len(), 1, "{f:?}");
        assert!(f[0].message.contains("compares a count (integer) with a string"), "{}", f[0].message);
        let src = r#"fields["message"].wordCount() > 2"#;
        let f = findings(src);
        assert_eq!(f[0].message, "unknown function `.wordCount()`");
        assert_eq!(&src[f[0].start..f[0].start + 1], ".");
    }

    #[test]
    fn distance_counts_how_far_a_rule_is_from_being_met() {
        let p = compile(r#"tags["large"] <= 2 && kinds["clip"] <= 7"#).unwrap();
        let at = |large: i64, clips: i64| {
            let mut ctx = Context::with_env(env());
            ctx.add_variable_from_value("tags", HashMap::from([("large".to_string(), large)]));
            ctx.add_variable_from_value("kinds", HashMap::from([("clip".to_string(), clips)]));
            distance(p.expression(), &ctx)
        };
        assert_eq!(at(2, 7), 0);
        assert!(at(4, 7) > at(3, 7));
        assert!(at(3, 9) > at(3, 8));
        let p = compile(r#"double(params["carat"]) <= 1.0"#).unwrap();
        let at = |ct: &str| {
            let mut ctx = Context::with_env(env());
            ctx.add_variable_from_value("params", HashMap::from([("carat".to_string(), ct.to_string())]));
            distance(p.expression(), &ctx)
        };
        assert_eq!(at("1"), 0);
        assert!(at("1.5") > at("1.2"));
    }

    #[test]
    fn distance_sees_through_negations_and_macros() {
        let at = |src: &str, kinds: &[(&str, i64)], tags: &[(&str, i64)]| {
            let p = compile(src).unwrap();
            let mut ctx = Context::with_env(env());
            let k: HashMap<String, i64> = kinds.iter().map(|(a, b)| (a.to_string(), *b)).collect();
            let t: HashMap<String, i64> = tags.iter().map(|(a, b)| (a.to_string(), *b)).collect();
            ctx.add_variable_from_value("kinds", k);
            ctx.add_variable_from_value("tags", t);
            distance(p.expression(), &ctx)
        };
        let all = "kinds.all(k, kinds[k] <= 7)";
        assert_eq!(at(all, &[("clip", 7), ("charm", 2)], &[]), 0);
        assert!(at(all, &[("clip", 9), ("charm", 2)], &[]) > at(all, &[("clip", 8), ("charm", 2)], &[]));
        assert!(at(all, &[("clip", 8), ("charm", 9)], &[]) > at(all, &[("clip", 8), ("charm", 2)], &[]));
        let exists = r#"kinds.exists(k, kinds[k] >= 3)"#;
        assert_eq!(at(exists, &[("clip", 3)], &[]), 0);
        assert!(at(exists, &[("clip", 0)], &[]) > at(exists, &[("clip", 2)], &[]));
        let not = r#"!(tags["large"] > 2)"#;
        assert_eq!(at(not, &[], &[("large", 2)]), 0);
        assert!(at(not, &[], &[("large", 4)]) > at(not, &[], &[("large", 3)]));
        let not_and = r#"!(tags["large"] > 2 && kinds["clip"] > 5)"#;
        assert_eq!(at(not_and, &[("clip", 9)], &[("large", 1)]), 0);
    }

    #[test]
    fn offsets_follow_escapes_in_basic_strings() {
        // "a\"b" : the value a"b; its 'b' (value byte 2) is source byte 4.
        let m = value_to_source_offsets(r#""a\"b""#);
        assert_eq!(m[2], 4);
        let m = value_to_source_offsets("'a\\\"b'");
        assert_eq!(m[2], 3);
        let m = value_to_source_offsets("'''\nab'''");
        assert_eq!(m[0], 4);
        let m = value_to_source_offsets(r#""\u00e9x""#);
        assert_eq!(m[2], 7, "é is two bytes from one six-character escape");
    }
}
