//! The static checks of a catalog's CEL rules, run by `catalog check` before any design: the
//! functions a rule calls, the types its operators compare, the catalog names it reads as keys
//! and the values it compares them with, for the bases the rule applies to ([`Scope`]).

use crate::load::Broken;
use crate::model::*;
use crate::rules::{variable_type, walk, Ty, FUNCTIONS};
use cel::common::ast::{operators as op, EntryExpr, Expr, LiteralValue};
use cel::{IdedExpr, Program};
use std::collections::{HashMap, HashSet};

/// A mistake found in a rule without running it, at a byte range of the rule's source.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    pub start: usize,
    pub end: usize,
    pub code: &'static str,
    pub message: String,
    pub hint: Option<String>,
}

/// What the checker knows about the names a rule may use, for the bases it applies to.
#[derive(Clone, Debug, Default)]
pub struct Scope {
    /// Known keys of each map variable (`skus`, `kinds`, `tags`, `families`, `fields`, `params`).
    pub keys: HashMap<&'static str, Vec<String>>,
    /// Known values: of `base`, `piece`, `size`, and of `fields/<id>` and `params/<name>` where
    /// the values are a closed list (choice and colour fields, metals, cuts…). Absent: any value.
    pub values: HashMap<String, Vec<String>>,
}

/// The static checks of one compiled rule: functions it may call, types of its operators, map
/// keys and compared values against the catalog's names. Findings are ordered by position.
pub fn analyse(program: &Program, scope: &Scope) -> Vec<Finding> {
    let mut a = Analyser { program, scope, findings: Vec::new(), bound: Vec::new() };
    a.ty(program.expression());
    let mut f = a.findings;
    f.sort_by_key(|x| (x.start, x.end));
    f.dedup_by(|a, b| a.start == b.start && a.code == b.code);
    f
}

struct Analyser<'a> {
    program: &'a Program,
    scope: &'a Scope,
    findings: Vec<Finding>,
    /// Comprehension variables in scope, with their types.
    bound: Vec<(String, Ty)>,
}

/// The key of `var["key"]`, `var.key` or `has(var.key)` when written with a literal.
fn literal_string(e: &IdedExpr) -> Option<&str> {
    match &e.expr {
        Expr::Literal(LiteralValue::String(s)) => Some(s.as_ref()),
        _ => None,
    }
}

fn is_numeric(t: &Ty) -> bool {
    matches!(t, Ty::Int | Ty::Uint | Ty::Double)
}

/// Whether values of types `a` and `b` can be compared for equality without CEL refusing it.
fn comparable(a: &Ty, b: &Ty) -> bool {
    a == b
        || matches!(a, Ty::Dyn | Ty::Null)
        || matches!(b, Ty::Dyn | Ty::Null)
        || (is_numeric(a) && is_numeric(b))
        || matches!((a, b), (Ty::List(_), Ty::List(_)) | (Ty::Map(_), Ty::Map(_)))
}

impl Analyser<'_> {
    /// The source range an expression covers: its own position and every sub-expression's (the
    /// parser places a call at its operator, an index at its bracket).
    fn span(&self, e: &IdedExpr) -> (usize, usize) {
        let info = self.program.source_info();
        let mut lo = usize::MAX;
        let mut hi = 0;
        let mut visit = |x: &IdedExpr| {
            if let Some((s, t)) = info.offset_for(x.id) {
                lo = lo.min(s as usize);
                hi = hi.max((t as usize).max(s as usize));
            }
        };
        walk(e, &mut visit);
        if lo == usize::MAX {
            return (0, 0);
        }
        // Positions name where a node starts and where its last token starts: take that token in,
        // then the brackets still open.
        let src = info.source.as_bytes();
        let mut hi = hi.min(src.len());
        while hi < src.len()
            && (src[hi].is_ascii_alphanumeric() || src[hi] == b'_' || src[hi] == b'"' || src[hi] == b'\'')
        {
            if src[hi] == b'"' || src[hi] == b'\'' {
                hi += 1;
                break;
            }
            hi += 1;
        }
        let open = |s: &[u8], a: u8, b: u8| {
            s.iter().filter(|&&c| c == a).count() as i64 - s.iter().filter(|&&c| c == b).count() as i64
        };
        while hi < src.len() {
            let span = &src[lo..hi];
            let want = if src[hi] == b']' {
                open(span, b'[', b']')
            } else if src[hi] == b')' {
                open(span, b'(', b')')
            } else {
                0
            };
            if want <= 0 {
                break;
            }
            hi += 1;
        }
        (lo, hi)
    }

    fn find(&mut self, e: &IdedExpr, code: &'static str, message: String, hint: Option<String>) {
        let (start, end) = self.span(e);
        self.findings.push(Finding { start, end, code, message, hint });
    }

    fn source(&self, e: &IdedExpr) -> String {
        let (s, t) = self.span(e);
        let src = &self.program.source_info().source;
        src.get(s..t.max(s)).filter(|x| !x.is_empty()).unwrap_or("this").to_string()
    }

    fn did_you_mean(name: &str, known: &[String]) -> Option<String> {
        crate::load::suggest(name, known.iter().map(|s| s.as_str())).map(|s| format!("did you mean \"{s}\"?"))
    }

    /// `var[key]` with a literal key: the key must be one the catalog defines.
    fn check_key(&mut self, at: &IdedExpr, var: &str, key: &str) {
        let Some(known) = self.scope.keys.get(var) else { return };
        if known.iter().any(|k| k == key) {
            return;
        }
        let what = match var {
            "skus" => "no component has the SKU",
            "kinds" => "there is no component kind",
            "tags" => "no component has the tag",
            "families" => "no component belongs to the family",
            "fields" => "no base this rule applies to has a field",
            "params" => "no base this rule applies to has a parameter",
            _ => "there is no",
        };
        let hint = Self::did_you_mean(key, known).or_else(|| {
            Some(match var {
                "kinds" => format!("kinds are: {}", crate::model::Kind::names()),
                "fields" | "params" if known.is_empty() => format!("the rule's bases have no {var}"),
                "fields" | "params" => format!("known {var}: {}", known.join(", ")),
                _ => "a misspelt name would make the rule silently never match".into(),
            })
        });
        self.find(at, "unknown-reference", format!("{var}[\"{key}\"]: {what} \"{key}\""), hint);
    }

    /// The key of the closed list of values `e` may take, if any: `base`, `piece`, `size`,
    /// `fields/<id>`, `params/<name>`.
    fn value_domain(&self, e: &IdedExpr) -> Option<String> {
        match &e.expr {
            Expr::Ident(n) if matches!(n.as_str(), "base" | "piece" | "size") && !self.is_bound(n) => Some(n.clone()),
            Expr::Call(c) if c.func_name == op::INDEX && c.args.len() == 2 => {
                let Expr::Ident(var) = &c.args[0].expr else { return None };
                if !matches!(var.as_str(), "fields" | "params") || self.is_bound(var) {
                    return None;
                }
                literal_string(&c.args[1]).map(|k| format!("{var}/{k}"))
            }
            Expr::Select(s) if !s.test => {
                let Expr::Ident(var) = &s.operand.expr else { return None };
                if !matches!(var.as_str(), "fields" | "params") || self.is_bound(var) {
                    return None;
                }
                Some(format!("{var}/{}", s.field))
            }
            _ => None,
        }
    }

    /// `x == "lit"`: the literal must be a value `x` can take.
    fn check_value(&mut self, subject: &IdedExpr, lit: &IdedExpr) {
        let Some(value) = literal_string(lit) else { return };
        let Some(domain) = self.value_domain(subject) else { return };
        let Some(known) = self.scope.values.get(&domain) else { return };
        if value.is_empty() || known.iter().any(|k| k == value) {
            return;
        }
        let subject_src = self.source(subject);
        let hint = Self::did_you_mean(value, known).or_else(|| Some(format!("its values are: {}", known.join(", "))));
        self.find(lit, "unknown-value", format!("{subject_src} is never \"{value}\""), hint);
    }

    fn is_bound(&self, name: &str) -> bool {
        self.bound.iter().any(|(n, _)| n == name)
    }

    fn ty(&mut self, e: &IdedExpr) -> Ty {
        match &e.expr {
            Expr::Literal(l) => match l {
                LiteralValue::Boolean(_) => Ty::Bool,
                LiteralValue::Bytes(_) => Ty::Dyn,
                LiteralValue::Double(_) => Ty::Double,
                LiteralValue::Int(_) => Ty::Int,
                LiteralValue::Null => Ty::Null,
                LiteralValue::String(_) => Ty::String,
                LiteralValue::UInt(_) => Ty::Uint,
            },
            Expr::Ident(n) => {
                if let Some((_, t)) = self.bound.iter().rev().find(|(b, _)| b == n) {
                    return t.clone();
                }
                match variable_type(n) {
                    Some(t) => t,
                    None => {
                        // Unknown variables are reported by the loader with the list of known ones.
                        Ty::Dyn
                    }
                }
            }
            Expr::Select(s) => {
                let t = self.ty(&s.operand);
                // `fields.finish`, `has(tags.large)`: a key of a variable, written as a field.
                if let Expr::Ident(var) = &s.operand.expr {
                    if !self.is_bound(var) && matches!(t, Ty::Map(_)) {
                        let (var, field) = (var.clone(), s.field.clone());
                        self.check_key(e, &var, &field);
                    }
                }
                if s.test {
                    return Ty::Bool;
                }
                match t {
                    Ty::Map(v) => *v,
                    Ty::Dyn => Ty::Dyn,
                    other => {
                        self.find(
                            e,
                            "invalid-expression",
                            format!("`.{}` reads a field of {other}, which has none", s.field),
                            None,
                        );
                        Ty::Dyn
                    }
                }
            }
            Expr::List(l) => {
                let mut elem: Option<Ty> = None;
                for x in &l.elements {
                    let t = self.ty(x);
                    elem = Some(match elem {
                        None => t,
                        Some(p) if p == t => p,
                        Some(_) => Ty::Dyn,
                    });
                }
                Ty::List(Box::new(elem.unwrap_or(Ty::Dyn)))
            }
            Expr::Map(m) => {
                let mut val: Option<Ty> = None;
                for en in &m.entries {
                    if let EntryExpr::MapEntry(me) = &en.expr {
                        self.ty(&me.key);
                        let t = self.ty(&me.value);
                        val = Some(match val {
                            None => t,
                            Some(p) if p == t => p,
                            Some(_) => Ty::Dyn,
                        });
                    }
                }
                Ty::Map(Box::new(val.unwrap_or(Ty::Dyn)))
            }
            Expr::Struct(_) => {
                self.find(e, "invalid-expression", "rules cannot build messages or structs".into(), None);
                Ty::Dyn
            }
            Expr::Comprehension(c) => {
                let range = self.ty(&c.iter_range);
                let (first, second) = match &range {
                    Ty::Map(v) => (Ty::String, (**v).clone()),
                    Ty::List(t) => (Ty::Int, (**t).clone()),
                    _ => (Ty::Dyn, Ty::Dyn),
                };
                // One variable: a list's element or a map's key; two: index/key and value.
                let one = match &range {
                    Ty::List(t) => (**t).clone(),
                    _ => first.clone(),
                };
                self.ty(&c.accu_init);
                let depth = self.bound.len();
                match &c.iter_var2 {
                    None => self.bound.push((c.iter_var.clone(), one)),
                    Some(v2) => {
                        self.bound.push((c.iter_var.clone(), first));
                        self.bound.push((v2.clone(), second));
                    }
                }
                self.bound.push((c.accu_var.clone(), Ty::Dyn));
                self.ty(&c.loop_cond);
                self.ty(&c.loop_step);
                let r = self.ty(&c.result);
                self.bound.truncate(depth);
                r
            }
            Expr::Call(c) => self.call(e, c),
            Expr::Unspecified => Ty::Dyn,
        }
    }

    fn call(&mut self, e: &IdedExpr, c: &cel::common::ast::CallExpr) -> Ty {
        let f = c.func_name.as_str();
        // Operators first.
        match f {
            op::LOGICAL_AND | op::LOGICAL_OR => {
                for a in &c.args {
                    let t = self.ty(a);
                    if !matches!(t, Ty::Bool | Ty::Dyn) {
                        let src = self.source(a);
                        self.find(
                            a,
                            "invalid-expression",
                            format!("`{src}` is {t}, not a condition (true or false)"),
                            Some("compare it, e.g. `kinds[\"charm\"] > 0`".into()),
                        );
                    }
                }
                return Ty::Bool;
            }
            op::LOGICAL_NOT | op::NOT_STRICTLY_FALSE => {
                for a in &c.args {
                    self.ty(a);
                }
                return Ty::Bool;
            }
            op::EQUALS | op::NOT_EQUALS => {
                let (a, b) = (&c.args[0], &c.args[1]);
                let (ta, tb) = (self.ty(a), self.ty(b));
                if !comparable(&ta, &tb) {
                    let at = literal_operand(a, b).unwrap_or(e);
                    let msg = format!("`{}` compares {ta} with {tb}", self.source(e));
                    self.find(at, "invalid-expression", msg, Some(comparison_hint(&ta, &tb)));
                } else {
                    self.check_value(a, b);
                    self.check_value(b, a);
                }
                return Ty::Bool;
            }
            op::LESS | op::LESS_EQUALS | op::GREATER | op::GREATER_EQUALS => {
                let (ta, tb) = (self.ty(&c.args[0]), self.ty(&c.args[1]));
                let ordered = |t: &Ty| matches!(t, Ty::Int | Ty::Uint | Ty::Double | Ty::String | Ty::Bool | Ty::Dyn);
                let ok = (is_numeric(&ta) && is_numeric(&tb))
                    || matches!(ta, Ty::Dyn) && ordered(&tb)
                    || matches!(tb, Ty::Dyn) && ordered(&ta)
                    || (ta == tb && ordered(&ta));
                if !ok {
                    let at = literal_operand(&c.args[0], &c.args[1]).unwrap_or(e);
                    let msg = format!("`{}` compares {ta} with {tb}", self.source(e));
                    self.find(at, "invalid-expression", msg, Some(comparison_hint(&ta, &tb)));
                }
                return Ty::Bool;
            }
            op::ADD | op::SUBSTRACT | op::MULTIPLY | op::DIVIDE | op::MODULO => {
                let (ta, tb) = (self.ty(&c.args[0]), self.ty(&c.args[1]));
                if matches!(ta, Ty::Dyn) {
                    return tb;
                }
                if matches!(tb, Ty::Dyn) {
                    return ta;
                }
                let ok = ta == tb && (is_numeric(&ta) || (f == op::ADD && matches!(ta, Ty::String | Ty::List(_))));
                if !ok {
                    self.find(
                        e,
                        "invalid-expression",
                        format!("`{}` mixes {ta} and {tb}", self.source(e)),
                        Some("convert one side: int(…), double(…) or string(…)".into()),
                    );
                    return Ty::Dyn;
                }
                return ta;
            }
            op::NEGATE => {
                let t = self.ty(&c.args[0]);
                return t;
            }
            op::CONDITIONAL => {
                self.ty(&c.args[0]);
                let a = self.ty(&c.args[1]);
                let b = self.ty(&c.args[2]);
                return if a == b { a } else { Ty::Dyn };
            }
            op::INDEX | op::OPT_INDEX => {
                let t = self.ty(&c.args[0]);
                let k = self.ty(&c.args[1]);
                if let (Expr::Ident(var), Some(key)) = (&c.args[0].expr, literal_string(&c.args[1])) {
                    if !self.is_bound(var) && variable_type(var).is_some() {
                        // Pointed at the key: that is what is misspelt.
                        let (var, key) = (var.clone(), key.to_string());
                        self.check_key(&c.args[1], &var, &key);
                    }
                }
                return match t {
                    Ty::Map(v) => {
                        if !matches!(k, Ty::String | Ty::Dyn) {
                            self.find(
                                &c.args[1],
                                "invalid-expression",
                                format!("`{}` is {k}; this map's keys are strings", self.source(&c.args[1])),
                                None,
                            );
                        }
                        *v
                    }
                    Ty::List(v) => *v,
                    Ty::Dyn => Ty::Dyn,
                    other => {
                        self.find(e, "invalid-expression", format!("`{}` indexes {other}", self.source(e)), None);
                        Ty::Dyn
                    }
                };
            }
            op::IN => {
                let k = self.ty(&c.args[0]);
                let t = self.ty(&c.args[1]);
                if let (Expr::Ident(var), Some(key)) = (&c.args[1].expr, literal_string(&c.args[0])) {
                    if !self.is_bound(var) && matches!(t, Ty::Map(_)) {
                        let (var, key) = (var.clone(), key.to_string());
                        self.check_key(&c.args[0], &var, &key);
                    }
                }
                if let Expr::List(l) = &c.args[1].expr {
                    for x in &l.elements {
                        self.check_value(&c.args[0], x);
                    }
                }
                if matches!(t, Ty::Map(_)) && !matches!(k, Ty::String | Ty::Dyn) {
                    self.find(
                        e,
                        "invalid-expression",
                        format!("`{}`: map keys are strings, not {k}", self.source(e)),
                        None,
                    );
                }
                return Ty::Bool;
            }
            _ => {}
        }
        if f.starts_with('@') || f.starts_with('_') {
            for a in c.target.iter().map(|b| b.as_ref()).chain(c.args.iter()) {
                self.ty(a);
            }
            return Ty::Dyn;
        }
        let receiver = c.target.is_some();
        let target_ty = c.target.as_ref().map(|t| self.ty(t));
        let arg_tys: Vec<Ty> = c.args.iter().map(|a| self.ty(a)).collect();
        let known = FUNCTIONS.iter().any(|(n, r, _)| *n == f && *r == receiver);
        if !known {
            let names: Vec<String> = FUNCTIONS.iter().map(|(n, _, _)| n.to_string()).collect();
            let hint = Self::did_you_mean(f, &names)
                .map(|h| h.replace('"', "`"))
                .unwrap_or_else(|| "docs/catalog.md lists the functions rules may call".into());
            let how = if receiver { format!(".{f}()") } else { format!("{f}()") };
            // Point at the name: the parser places a call at its opening parenthesis.
            let at = self.program.source_info().offset_for(e.id).map(|(s, _)| s as usize).unwrap_or(0);
            let start = at.saturating_sub(f.len() + receiver as usize);
            self.findings.push(Finding {
                start,
                end: at,
                code: "invalid-expression",
                message: format!("unknown function `{how}`"),
                hint: Some(hint),
            });
            return Ty::Dyn;
        }
        let string_receiver = |me: &mut Self, t: &Option<Ty>| {
            if let Some(t) = t {
                if !matches!(t, Ty::String | Ty::Dyn) {
                    let src = me.source(c.target.as_ref().unwrap());
                    me.find(e, "invalid-expression", format!("`.{f}()` works on text; `{src}` is {t}"), None);
                }
            }
        };
        match f {
            "size" => Ty::Int,
            "int" => Ty::Int,
            "uint" => Ty::Uint,
            "double" => Ty::Double,
            "string" => Ty::String,
            "bool" => Ty::Bool,
            "contains" | "startsWith" | "endsWith" | "matches" => {
                string_receiver(self, &target_ty);
                for (a, t) in c.args.iter().zip(&arg_tys) {
                    if !matches!(t, Ty::String | Ty::Dyn) {
                        let src = self.source(a);
                        self.find(a, "invalid-expression", format!("`{f}` takes text; `{src}` is {t}"), None);
                    }
                }
                Ty::Bool
            }
            "indexOf" | "lastIndexOf" => {
                string_receiver(self, &target_ty);
                Ty::Int
            }
            "split" => {
                string_receiver(self, &target_ty);
                Ty::List(Box::new(Ty::String))
            }
            "join" => Ty::String,
            _ => {
                string_receiver(self, &target_ty);
                Ty::String
            }
        }
    }
}

/// Of two compared operands, the literal (the likelier mistake), if one is.
fn literal_operand<'e>(a: &'e IdedExpr, b: &'e IdedExpr) -> Option<&'e IdedExpr> {
    [b, a].into_iter().find(|x| matches!(x.expr, Expr::Literal(_)))
}

fn comparison_hint(a: &Ty, b: &Ty) -> String {
    if (is_numeric(a) && *b == Ty::String) || (is_numeric(b) && *a == Ty::String) {
        "counts are numbers: write `kinds[\"charm\"] >= 2`, not `\"2\"`; a parameter's text becomes a number with double(…)".into()
    } else {
        "both sides of a comparison must be of one type".into()
    }
}

/// The variables that comprehensions bind in `e` (`k` in `kinds.all(k, …)`).
pub(crate) fn bound_names(e: &cel::IdedExpr) -> Vec<String> {
    // A comprehension's own variables; nested ones sit in its range or step, which `walk` visits.
    let mut out = Vec::new();
    walk(e, &mut |x| {
        if let Expr::Comprehension(c) = &x.expr {
            out.push(c.iter_var.clone());
            out.extend(c.iter_var2.clone());
            out.push(c.accu_var.clone());
        }
    });
    out
}

/// What a rule over `bases` may name: every SKU, kind, tag and family of the catalog; the fields
/// and parameters of those bases; and the values of the closed ones.
#[allow(clippy::too_many_arguments)]
pub(crate) fn rule_scope(
    bases: &[&Base],
    components: &[Component],
    tags: &[String],
    families: &[String],
    metals: &[Metal],
    stones: &[Stone],
    materials: &[Material],
    broken: &Broken,
) -> Scope {
    let mut s = Scope::default();
    s.keys.insert("skus", components.iter().map(|c| c.sku.clone()).collect());
    s.keys.insert("kinds", Kind::ALL.iter().map(|k| k.as_str().to_string()).collect());
    s.keys.insert("tags", tags.to_vec());
    s.keys.insert("families", families.to_vec());
    let mut fields: Vec<String> = Vec::new();
    let mut params: Vec<String> = Vec::new();
    let add = |m: &mut HashMap<String, Vec<String>>, key: String, values: Vec<String>| {
        let e = m.entry(key).or_default();
        for v in values {
            if !e.contains(&v) {
                e.push(v);
            }
        }
    };
    // Fields whose values are open (text) on one of the bases: no closed list for them.
    let mut open: HashSet<String> = HashSet::new();
    let mut values: HashMap<String, Vec<String>> = HashMap::new();
    add(&mut values, "base".into(), bases.iter().map(|b| b.id.clone()).collect());
    add(&mut values, "piece".into(), bases.iter().map(|b| b.piece.as_str().to_string()).collect());
    add(&mut values, "size".into(), bases.iter().flat_map(|b| b.sizes.iter().map(|z| z.id.clone())).collect());
    for b in bases {
        for f in &b.fields {
            if !fields.contains(&f.id) {
                fields.push(f.id.clone());
            }
            let key = format!("fields/{}", f.id);
            match &f.spec {
                FieldSpec::Choice { options, .. } => {
                    add(&mut values, key, options.iter().map(|o| o.id.clone()).collect())
                }
                FieldSpec::Colour { colours, .. } => {
                    add(&mut values, key, colours.iter().map(|&i| materials[i as usize].id.clone()).collect())
                }
                _ => {
                    open.insert(key);
                }
            }
        }
        for m in &b.mounts {
            let MountSpec::Parametric(p) = &m.spec else { continue };
            for n in p.param_names() {
                if !params.iter().any(|x| x == n) {
                    params.push(n.to_string());
                }
                let key = format!("params/{n}");
                let list: Option<Vec<String>> = match n {
                    "metal" => Some(p.metals.iter().map(|&i| metals[i as usize].id.clone()).collect()),
                    "stone" => Some(p.stones.iter().map(|&i| stones[i as usize].id.clone()).collect()),
                    "profile" => Some(p.profiles.iter().map(|x| x.as_str().to_string()).collect()),
                    "cut" => Some(p.cuts.iter().map(|x| x.id.clone()).collect()),
                    "setting" => Some(p.settings.iter().map(|x| x.id.clone()).collect()),
                    _ => None,
                };
                match list {
                    Some(l) => add(&mut values, key, l),
                    None => {
                        open.insert(key);
                    }
                }
            }
        }
    }
    // A base that lost a mount or field may have had any: names and values are not checked then.
    if bases.iter().any(|b| broken.may_define("mount", &b.id)) || broken.any("base") {
        values.retain(|k, _| !k.starts_with("fields/") && !k.starts_with("params/"));
    } else {
        s.keys.insert("fields", fields);
        s.keys.insert("params", params);
    }
    values.retain(|k, _| !open.contains(k));
    s.values = values;
    s
}
