//! Can a CEL rule be met at all? For each base a rule applies to, a search over the values its
//! variables can take — the counts it names, the base's sizes, its fields' options and texts, its
//! parameters' values — for one where the rule holds, guided by the rule's distance
//! ([`rules::distance`]: coordinate descent from several starting points). The values are an
//! over-approximation of real designs (counts vary independently), so a rule the search cannot
//! meet is one no design can meet; and a rule that fails to evaluate on one of these values (a
//! missing key, a type mismatch) would fail on a shopper's design too.

use crate::diag::Diagnostic;
use crate::load::Extra;
use crate::model::*;
use crate::rules;
use cel::{Context, Value};
use std::collections::HashMap;

/// Evaluations one rule may spend over all its bases.
const BUDGET: usize = 40_000;

/// One variable of the search and the values it may take (the first is where searches start).
struct Var {
    /// `kinds/charm`, `fields/finish`, `size`…
    name: String,
    values: Vec<Value>,
    /// The values are a sample of an open set (a text a shopper types): not finding a design
    /// then proves nothing.
    open: bool,
}

/// The literals of a rule's source: integers (with their neighbours), all numbers, and strings.
fn literals(src: &str) -> (Vec<i64>, Vec<f64>, Vec<String>) {
    let mut ints = Vec::new();
    let mut nums = Vec::new();
    let mut strs = Vec::new();
    let b = src.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c == b'"' || c == b'\'' {
            if let Some(end) = src[i + 1..].find(c as char) {
                strs.push(src[i + 1..i + 1 + end].to_string());
                i += end + 2;
                continue;
            }
        }
        if c.is_ascii_digit() && (i == 0 || !(b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'_' || b[i - 1] == b'.'))
        {
            let mut j = i;
            while j < b.len() && (b[j].is_ascii_digit() || b[j] == b'.') {
                j += 1;
            }
            let text = src[i..j].trim_end_matches('.');
            if let Ok(n) = text.parse::<i64>() {
                ints.extend([n - 1, n, n + 1]);
            }
            if let Ok(x) = text.parse::<f64>() {
                nums.push(x);
            }
            i = j;
            continue;
        }
        i += 1;
    }
    (ints, nums, strs)
}

fn count_values(ints: &[i64]) -> Vec<Value> {
    let mut v: Vec<i64> = (0..=30).chain([40, 50, 100]).collect();
    v.extend(ints.iter().filter(|n| **n >= 0 && **n < 100_000));
    v.sort();
    v.dedup();
    v.into_iter().map(Value::Int).collect()
}

/// A text a shopper could type into a field with this character set.
fn sample_text(c: &Charset, max: u32) -> String {
    let pick: String = match c {
        Charset::Latin => "Léa 2024".into(),
        Charset::Upper => "LÉA".into(),
        Charset::Digits => "2024".into(),
        Charset::Custom(s) => s.chars().filter(|c| !c.is_whitespace()).take(3).collect(),
    };
    pick.chars().take(max.max(1) as usize).collect()
}

/// The search space of rule `src` (which reads `vars`) on `base`.
fn space(cat: &Catalog, base: &Base, vars: &[String], src: &str) -> Vec<Var> {
    let (ints, nums, strs) = literals(src);
    let counts = count_values(&ints);
    let wants = |v: &str| vars.iter().any(|x| x == v);
    let mut out = Vec::new();
    if wants("size") {
        let mut sizes: Vec<Value> = vec![Value::from(base.sizes[base.default_size].id.clone())];
        sizes.extend(base.sizes.iter().map(|s| Value::from(s.id.clone())));
        out.push(Var { name: "size".into(), values: sizes, open: false });
    }
    if wants("items") {
        out.push(Var { name: "items".into(), values: counts.clone(), open: false });
    }
    for (var, names) in [
        ("kinds", Kind::ALL.iter().map(|k| k.as_str().to_string()).collect::<Vec<_>>()),
        ("tags", cat.tags.clone()),
        ("families", cat.families.clone()),
    ] {
        if !wants(var) {
            continue;
        }
        for n in names.iter().filter(|n| strs.contains(n)) {
            out.push(Var { name: format!("{var}/{n}"), values: counts.clone(), open: false });
        }
    }
    if wants("skus") {
        for s in strs.iter().filter(|s| cat.by_sku.contains_key(*s)) {
            out.push(Var { name: format!("skus/{s}"), values: counts.clone(), open: false });
        }
    }
    if wants("fields") {
        for f in &base.fields {
            let mut values: Vec<String> = match &f.spec {
                FieldSpec::Choice { options, default } => {
                    let mut v: Vec<String> = default.map(|d| options[d].id.clone()).into_iter().collect();
                    if default.is_none() && !f.required {
                        v.push(String::new());
                    }
                    v.extend(options.iter().map(|o| o.id.clone()));
                    v
                }
                FieldSpec::Colour { colours, default, .. } => {
                    let mut v: Vec<String> =
                        default.map(|d| cat.materials[colours[d] as usize].id.clone()).into_iter().collect();
                    if default.is_none() && !f.required {
                        v.push(String::new());
                    }
                    v.extend(colours.iter().map(|&i| cat.materials[i as usize].id.clone()));
                    v
                }
                FieldSpec::Engraving { charset, max_length, .. } | FieldSpec::Text { charset, max_length, .. } => {
                    let mut v = vec![String::new(), sample_text(charset, *max_length)];
                    // A text equal to a literal the rule compares it with.
                    v.extend(strs.iter().filter(|s| !s.is_empty()).cloned());
                    v
                }
            };
            values.dedup();
            let open = matches!(f.spec, FieldSpec::Engraving { .. } | FieldSpec::Text { .. });
            out.push(Var {
                name: format!("fields/{}", f.id),
                values: values.into_iter().map(Value::from).collect(),
                open,
            });
        }
    }
    if wants("params") {
        for m in &base.mounts {
            let MountSpec::Parametric(p) = &m.spec else { continue };
            for n in p.param_names() {
                let values: Vec<String> = match n {
                    "metal" => p.metals.iter().map(|&i| cat.metals[i as usize].id.clone()).collect(),
                    "stone" => p.stones.iter().map(|&i| cat.stones[i as usize].id.clone()).collect(),
                    "profile" => p.profiles.iter().map(|x| x.as_str().to_string()).collect(),
                    "cut" => p.cuts.iter().map(|x| x.id.clone()).collect(),
                    "setting" => p.settings.iter().map(|x| x.id.clone()).collect(),
                    _ => {
                        let r = match n {
                            "width_mm" => p.width.as_ref(),
                            "thickness_mm" => p.thickness.as_ref(),
                            _ => p.carat.as_ref(),
                        };
                        match r {
                            Some(r) => {
                                let all = r.values(501);
                                let mut v = vec![r.default, r.min, r.max];
                                if all.len() <= 500 {
                                    v.extend(all);
                                } else {
                                    // Values around the numbers the rule compares with.
                                    let step: f64 = r.step.to_string().parse().unwrap_or(1.0);
                                    for x in r.values(100_000) {
                                        let f: f64 = x.to_string().parse().unwrap_or(f64::NAN);
                                        if nums.iter().any(|n| (f - n).abs() <= step) {
                                            v.push(x);
                                        }
                                    }
                                }
                                v.dedup();
                                v.into_iter().map(|d| d.normalize().to_string()).collect()
                            }
                            None => vec![String::new()],
                        }
                    }
                };
                out.push(Var {
                    name: format!("params/{n}"),
                    values: values.into_iter().map(Value::from).collect(),
                    open: false,
                });
            }
        }
    }
    out.retain(|v| !v.values.is_empty());
    out
}

/// The context of one point of the search.
fn context(
    cat: &Catalog,
    base: &Base,
    vars: &[String],
    space: &[Var],
    point: &[usize],
    field_ids: &[String],
    params: &[String],
) -> Context<'static, 'static> {
    let mut ctx = Context::with_env(rules::env());
    let mut ints: HashMap<&str, HashMap<String, i64>> = HashMap::new();
    ints.insert("kinds", Kind::ALL.iter().map(|k| (k.as_str().to_string(), 0)).collect());
    for m in ["skus", "tags", "families"] {
        ints.insert(m, HashMap::new());
    }
    let mut fields: HashMap<String, String> = field_ids.iter().map(|f| (f.clone(), String::new())).collect();
    let mut ps: HashMap<String, String> = params.iter().map(|f| (f.clone(), String::new())).collect();
    let mut size = base.sizes[base.default_size].id.clone();
    let mut items = 0i64;
    for (v, &i) in space.iter().zip(point) {
        let value = &v.values[i];
        let (var, key) = v.name.split_once('/').unwrap_or((v.name.as_str(), ""));
        match (var, value) {
            ("size", Value::String(s)) => size = s.to_string(),
            ("items", Value::Int(n)) => items = *n,
            ("fields", Value::String(s)) => {
                fields.insert(key.to_string(), s.to_string());
            }
            ("params", Value::String(s)) => {
                ps.insert(key.to_string(), s.to_string());
            }
            (m, Value::Int(n)) => {
                if let Some(map) = ints.get_mut(m) {
                    map.insert(key.to_string(), *n);
                }
            }
            _ => {}
        }
    }
    let wants = |v: &str| vars.iter().any(|x| x == v);
    if wants("base") {
        ctx.add_variable_from_value("base", base.id.clone());
    }
    if wants("piece") {
        ctx.add_variable_from_value("piece", base.piece.as_str().to_string());
    }
    if wants("size") {
        ctx.add_variable_from_value("size", size);
    }
    if wants("items") {
        ctx.add_variable_from_value("items", items);
    }
    for (m, map) in ints {
        if wants(m) {
            ctx.add_variable_from_value(m, map);
        }
    }
    if wants("fields") {
        ctx.add_variable_from_value("fields", fields);
    }
    if wants("params") {
        ctx.add_variable_from_value("params", ps);
    }
    let _ = cat;
    ctx
}

/// What the search found for one base.
enum Outcome {
    Met,
    /// `when` holds somewhere, `require` never does with it.
    NeverMet,
    /// `when` never holds.
    NeverApplies,
    /// An evaluation failed: the error.
    Fails(String),
}

struct Search<'a> {
    when: Option<&'a cel::Program>,
    require: &'a cel::Program,
    spent: usize,
}

impl Search<'_> {
    /// The distance of a point: 0 when the rule applies and holds; the error when it fails.
    fn score(&mut self, ctx: &Context, only_when: bool) -> Result<u64, String> {
        self.spent += 1;
        let check = |p: &cel::Program| match p.execute(ctx) {
            Ok(Value::Bool(_)) => Ok(rules::distance(p.expression(), ctx)),
            Ok(v) => Err(format!("it gives {}, not true or false", describe(&v))),
            Err(e) => Err(e.to_string()),
        };
        let w = match self.when {
            Some(w) => check(w)?,
            None => 0,
        };
        if only_when {
            return Ok(w);
        }
        // As the engine does: `require` is run only where `when` holds.
        if w > 0 {
            return Ok(w.saturating_add(1000));
        }
        check(self.require)
    }
}

fn describe(v: &Value) -> String {
    match v {
        Value::Int(_) | Value::UInt(_) => "a number".into(),
        Value::Float(_) => "a number".into(),
        Value::String(_) => "a string".into(),
        Value::List(_) => "a list".into(),
        Value::Map(_) => "a map".into(),
        _ => "a value".into(),
    }
}

/// Coordinate descent from several starts; `Ok(true)` when a point scores 0.
#[allow(clippy::too_many_arguments)]
fn descend(
    s: &mut Search,
    cat: &Catalog,
    base: &Base,
    vars: &[String],
    space: &[Var],
    field_ids: &[String],
    params: &[String],
    only_when: bool,
) -> Result<Found, String> {
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15 ^ (base.id.len() as u64);
    let mut next = || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for start in 0..8 {
        let mut point: Vec<usize> =
            space.iter().map(|v| if start == 0 { 0 } else { (next() % v.values.len() as u64) as usize }).collect();
        let mut best = s.score(&context(cat, base, vars, space, &point, field_ids, params), only_when)?;
        for _pass in 0..8 {
            if best == 0 {
                return Ok(Found::Yes);
            }
            let mut improved = false;
            for vi in 0..space.len() {
                for value in 0..space[vi].values.len() {
                    if value == point[vi] || s.spent > BUDGET {
                        continue;
                    }
                    let keep = point[vi];
                    point[vi] = value;
                    let d = s.score(&context(cat, base, vars, space, &point, field_ids, params), only_when)?;
                    if d < best {
                        best = d;
                        improved = true;
                    } else {
                        point[vi] = keep;
                    }
                }
            }
            if !improved || s.spent > BUDGET {
                break;
            }
        }
        if best == 0 {
            return Ok(Found::Yes);
        }
        if s.spent > BUDGET {
            return Ok(Found::OutOfBudget);
        }
    }
    Ok(Found::No)
}

/// What a search found.
#[derive(PartialEq)]
enum Found {
    Yes,
    No,
    /// Out of budget before finding: nothing can be claimed.
    OutOfBudget,
}

pub(crate) fn check(cat: &Catalog, extra: &Extra, out: &mut Vec<Diagnostic>) {
    let field_ids = cat.field_ids();
    let params = cat.param_names();
    for (ri, r) in cat.rules.iter().enumerate() {
        let RuleSpec::Expr { when, require } = &r.spec else { continue };
        if extra.rule_errors.contains(&ri) {
            continue;
        }
        let (Ok(req), when) = (rules::compile(require), when.as_ref().map(|w| rules::compile(w))) else { continue };
        let when = match when {
            Some(Ok(w)) => Some(w),
            Some(Err(_)) => continue,
            None => None,
        };
        let mut vars: Vec<String> = Vec::new();
        for p in when.iter().chain(std::iter::once(&req)) {
            vars.extend(p.references().variables().into_iter().map(String::from));
        }
        vars.sort();
        vars.dedup();
        let src = format!("{} {require}", when_src(r));
        let loc = extra.rule_expr_locs.get(&ri).cloned().unwrap_or_else(|| r.loc.clone());
        let mut search = Search { when: when.as_ref(), require: &req, spent: 0 };
        let mut never_met: Vec<&str> = Vec::new();
        let mut applies_somewhere = false;
        let mut in_scope = 0;
        // Bases that look alike to the rule are searched once.
        let mut seen: HashMap<String, bool> = HashMap::new();
        let mut failed = false;
        for (bi, base) in cat.bases.iter().enumerate() {
            if !r.applies_to(bi as BaseId) {
                continue;
            }
            in_scope += 1;
            let sp = space(cat, base, &vars, &src);
            let reads_base = vars.iter().any(|v| v == "base" || v == "piece");
            let sig = format!(
                "{}|{}",
                if reads_base { base.id.as_str() } else { "" },
                sp.iter().map(|v| format!("{}={:?}", v.name, v.values)).collect::<Vec<_>>().join(";")
            );
            let open = sp.iter().any(|v| v.open);
            let outcome = match seen.get(&sig) {
                Some(true) => Outcome::Met,
                Some(false) => Outcome::NeverMet,
                None => {
                    // Out of budget, nothing is claimed: the rule counts as met.
                    let o = match descend(&mut search, cat, base, &vars, &sp, &field_ids, &params, false) {
                        Ok(Found::Yes | Found::OutOfBudget) => Outcome::Met,
                        Ok(Found::No) if when.is_some() => {
                            match descend(&mut search, cat, base, &vars, &sp, &field_ids, &params, true) {
                                Ok(Found::Yes) => Outcome::NeverMet,
                                Ok(Found::OutOfBudget) => Outcome::Met,
                                Ok(Found::No) => Outcome::NeverApplies,
                                Err(e) => Outcome::Fails(e),
                            }
                        }
                        Ok(Found::No) => Outcome::NeverMet,
                        Err(e) => Outcome::Fails(e),
                    };
                    // What a shopper types is sampled, not searched: a rule reading a text is
                    // never called impossible (it is still run on the samples, for errors).
                    let o = match o {
                        Outcome::NeverMet | Outcome::NeverApplies if open => Outcome::Met,
                        o => o,
                    };
                    if !matches!(o, Outcome::Fails(_)) {
                        seen.insert(sig, matches!(o, Outcome::Met | Outcome::NeverApplies));
                    }
                    o
                }
            };
            match outcome {
                Outcome::Met => applies_somewhere = true,
                Outcome::NeverMet => {
                    applies_somewhere = true;
                    never_met.push(&base.name);
                }
                Outcome::NeverApplies => {}
                Outcome::Fails(e) => {
                    out.push(
                        Diagnostic::error(
                            "invalid-expression",
                            loc.clone(),
                            format!("rule {} cannot be evaluated for a design of {}: {e}", r.id, base.name),
                        )
                        .hint("every variable is present for every design (docs/catalog.md); compare values of one type, and guard what a base may not have with `when`"),
                    );
                    failed = true;
                    break;
                }
            }
        }
        if failed || in_scope == 0 {
            continue;
        }
        if !never_met.is_empty() {
            let msg = if never_met.len() == in_scope {
                format!("rule {} can never be met: no design of its bases satisfies it", r.id)
            } else {
                format!(
                    "rule {} can never be met by a design of {}, so {} can never be made",
                    r.id,
                    never_met.join(", "),
                    if never_met.len() == 1 { "it" } else { "they" }
                )
            };
            out.push(
                Diagnostic::error("unsatisfiable-rule", loc.clone(), msg)
                    .hint("the condition contradicts itself or the bases (their sizes, fields, parameters); limit the rule with `bases` or `when`, or fix the condition"),
            );
        } else if !applies_somewhere {
            let at = extra.rule_when_locs.get(&ri).cloned().unwrap_or(loc);
            out.push(
                Diagnostic::warning(
                    "unsatisfiable-rule",
                    at,
                    format!("rule {} never applies: no design makes its `when` true", r.id),
                )
                .hint("check the `when` condition's names and values"),
            );
        }
    }
}

fn when_src(r: &Rule) -> String {
    match &r.spec {
        RuleSpec::Expr { when: Some(w), .. } => w.clone(),
        _ => String::new(),
    }
}
