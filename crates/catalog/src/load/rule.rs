//! Resolving rules: selectors, rule kinds, and the CEL expressions — compiled with their syntax
//! errors at their columns, then checked against the catalog's names (`analyse`).

use super::*;

/// A CEL rule's file, `when` and `require`, as written.
type RuleSources<'f> = (&'f Unit, Option<&'f S<String>>, &'f S<String>);

impl Resolver<'_> {
    pub(super) fn selector(
        &mut self,
        f: &Unit,
        s: &S<RawSelector>,
        by_sku: &HashMap<String, CompId>,
        tags: &[String],
    ) -> Option<Selector> {
        let loc = self.at(f, s);
        let r = s.get_ref();
        let n = r.sku.is_some() as u8 + r.tag.is_some() as u8 + r.kind.is_some() as u8;
        if n != 1 {
            self.err("invalid-selector", loc, "a selector names exactly one of sku, tag or kind").hint =
                Some("e.g. { sku = \"CH-HEART\" } or { tag = \"birthstone\" }".into());
            return None;
        }
        if let Some(sku) = &r.sku {
            return self.lookup(f, Some(sku), by_sku, "component").map(Selector::Sku);
        }
        if let Some(tag) = &r.tag {
            return match tags.iter().position(|t| t == tag.get_ref()) {
                Some(t) => Some(Selector::Tag(t as TagId)),
                None if self.extra.broken.may_define("tag", tag.get_ref()) => None,
                None => {
                    let loc = self.at(f, tag);
                    let hint = suggest(tag.get_ref(), tags.iter().map(|t| t.as_str()))
                        .map(|h| format!("did you mean \"{h}\"?"))
                        .unwrap_or_else(|| "tags are named by the components' `tags` field".into());
                    self.err("unknown-reference", loc, format!("no component has the tag \"{}\"", tag.get_ref()))
                        .hint = Some(hint);
                    None
                }
            };
        }
        let k = r.kind.as_ref().unwrap();
        self.parse_named(f, k, Kind::parse, "component kind", Kind::names).map(Selector::Kind)
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) fn resolve_rule(
        &mut self,
        f: &Unit,
        x: &S<RawRule>,
        by_sku: &HashMap<String, CompId>,
        tags: &[String],
        _families: &[String],
        by_base: &HashMap<String, BaseId>,
        index: usize,
    ) -> Option<Rule> {
        let r = x.get_ref();
        let id = r.id.as_ref()?;
        let loc = self.at(f, id);
        let what = format!("rule {}", id.get_ref());
        if r.message.is_none() {
            self.missing(
                &loc,
                &what,
                "message",
                "the sentence a shopper reads when the rule is broken, e.g. message = \"More than two dangles need a clip\"",
            );
        }
        let Some(kind_s) = &r.kind else {
            self.missing(&loc, &what, "kind", "one of requires, excludes, expr");
            return None;
        };
        let kind = self.parse_named(f, kind_s, RuleKind::parse, "rule kind", RuleKind::names)?;
        let mut bases = Vec::new();
        let mut bases_lost = false;
        for b in &r.bases {
            match self.lookup(f, Some(b), by_base, "base") {
                Some(i) => bases.push(i),
                None => bases_lost = true,
            }
        }
        // A rule whose bases are not all known would seem to apply to every base: it is not run
        // by the checker (its reference has the error).
        if bases_lost {
            self.extra.rule_errors.insert(index);
        }
        let need = |me: &mut Self, name: &str, present: bool| {
            if !present {
                me.missing(&loc, &format!("a {kind} rule"), name, "docs/catalog.md, Rules");
            }
            present
        };
        let spec = match kind {
            RuleKind::Requires => {
                if !(need(self, "if", r.if_.is_some()) & need(self, "then", r.then.is_some())) {
                    return None;
                }
                let a = self.selector(f, r.if_.as_ref().unwrap(), by_sku, tags);
                let b = self.selector(f, r.then.as_ref().unwrap(), by_sku, tags);
                RuleSpec::Requires { if_: a?, then: b? }
            }
            RuleKind::Excludes => {
                if !(need(self, "a", r.a.is_some()) & need(self, "b", r.b.is_some())) {
                    return None;
                }
                let a = self.selector(f, r.a.as_ref().unwrap(), by_sku, tags);
                let b = self.selector(f, r.b.as_ref().unwrap(), by_sku, tags);
                RuleSpec::Excludes { a: a?, b: b? }
            }
            RuleKind::Expr => {
                if !need(self, "require", r.require.is_some()) {
                    return None;
                }
                let mut ok = true;
                for e in [r.when.as_ref(), r.require.as_ref()].into_iter().flatten() {
                    ok &= self.compile_cel(f, e);
                }
                let req = r.require.as_ref().unwrap();
                self.extra.rule_expr_locs.insert(index, self.at(f, req));
                if let Some(w) = &r.when {
                    self.extra.rule_when_locs.insert(index, self.at(f, w));
                }
                if !ok {
                    return None;
                }
                RuleSpec::Expr { when: r.when.as_ref().map(|w| w.get_ref().clone()), require: req.get_ref().clone() }
            }
        };
        let present = [
            ("if", r.if_.is_some()),
            ("then", r.then.is_some()),
            ("a", r.a.is_some()),
            ("b", r.b.is_some()),
            ("when", r.when.is_some()),
            ("require", r.require.is_some()),
        ];
        for (name, p) in present {
            let applies = match kind {
                RuleKind::Requires => name == "if" || name == "then",
                RuleKind::Excludes => name == "a" || name == "b",
                RuleKind::Expr => name == "when" || name == "require",
            };
            if p && !applies {
                self.err("inapplicable-field", loc.clone(), format!("`{name}` does not apply to a {kind} rule"));
            }
        }
        Some(Rule {
            id: id.get_ref().clone(),
            message: r.message.clone().unwrap_or_else(|| id.get_ref().clone()),
            bases,
            spec,
            loc,
        })
    }

    /// Where byte `at` of a TOML string's value is in its file.
    pub(super) fn value_loc(&self, f: &Unit, e: &S<String>, at: usize) -> Loc {
        let start = e.span().start;
        let end = e.span().end;
        let text = self.sources.files.get(f.path.as_ref()).and_then(|b| std::str::from_utf8(b).ok()).unwrap_or("");
        let raw = text.get(f.offset + start..f.offset + end).unwrap_or("");
        let map = rules::value_to_source_offsets(raw);
        let off = map.get(at).or(map.last()).copied().unwrap_or(0);
        self.loc(&f.path, f.offset + start + off)
    }

    /// Compiles a CEL expression and checks the variables it reads; syntax errors are reported
    /// once, at their column.
    fn compile_cel(&mut self, f: &Unit, e: &S<String>) -> bool {
        let src = e.get_ref();
        if src.chars().count() > 4096 {
            let loc = self.value_loc(f, e, 0);
            self.err("invalid-expression", loc, "a rule expression is limited to 4096 characters");
            return false;
        }
        match rules::compile(src) {
            Err(errs) => {
                // One mistake, one error: the parser's first.
                if let Some(pe) = errs.errors.first() {
                    let (l, c) = pe.pos;
                    // `pos` is the 1-based line and column within the expression.
                    let line_start: usize = src.split_inclusive('\n').take((l.max(1) - 1) as usize).map(str::len).sum();
                    let line = src[line_start..].lines().next().unwrap_or("");
                    let index = (c.max(1) - 1) as usize;
                    let byte = line_start + line.char_indices().nth(index).map(|(i, _)| i).unwrap_or(line.len());
                    let loc = self.value_loc(f, e, byte);
                    self.err("invalid-expression", loc, format!("CEL syntax error: {}", pe.msg)).hint = Some(
                        "rules are written in CEL (https://cel.dev); see docs/catalog.md for the variables and functions".into(),
                    );
                }
                false
            }
            Ok(p) => {
                let mut ok = true;
                let refs = p.references();
                let bound = bound_names(p.expression());
                for v in refs.variables() {
                    if rules::variable_type(v).is_some() || bound.iter().any(|b| b == v) {
                        continue;
                    }
                    ok = false;
                    let at = rules::variable_offsets(&p, v).first().copied().unwrap_or(0);
                    let loc = self.value_loc(f, e, at);
                    let hint = suggest(v, rules::variable_names());
                    let vars: Vec<&str> = rules::variable_names().collect();
                    self.err("invalid-expression", loc, format!("unknown variable `{v}` in rule expression")).hint =
                        Some(match hint {
                            Some(h) => format!("did you mean `{h}`? rules can read {}", vars.join(", ")),
                            None => format!("rules can read {}", vars.join(", ")),
                        });
                }
                ok
            }
        }
    }

    /// The static checks of each CEL rule against the catalog: the names it reads and compares,
    /// its types and the functions it calls (see [`rules::analyse`]).
    #[allow(clippy::too_many_arguments)]
    pub(super) fn check_rules(
        &mut self,
        files: &[(Unit, RawFile)],
        rules_: &[Rule],
        components: &[Component],
        bases: &[Base],
        tags: &[String],
        families: &[String],
        metals: &[Metal],
        stones: &[Stone],
        materials: &[Material],
    ) {
        // The raw expressions, by rule id, with their files.
        let mut exprs: HashMap<&str, RuleSources> = HashMap::new();
        for (f, raw) in files {
            for x in &raw.rule {
                let r = x.get_ref();
                if let (Some(id), Some(req)) = (&r.id, &r.require) {
                    exprs.entry(id.get_ref().as_str()).or_insert((f, r.when.as_ref(), req));
                }
            }
        }
        for (i, rule) in rules_.iter().enumerate() {
            let RuleSpec::Expr { .. } = &rule.spec else { continue };
            let Some(&(f, when, req)) = exprs.get(rule.id.as_str()) else { continue };
            let scope_bases: Vec<&Base> = bases
                .iter()
                .enumerate()
                .filter(|(bi, _)| rule.bases.is_empty() || rule.bases.contains(&(*bi as BaseId)))
                .map(|(_, b)| b)
                .collect();
            let scope =
                rule_scope(&scope_bases, components, tags, families, metals, stones, materials, &self.extra.broken);
            let f = f.clone();
            for e in [when, Some(req)].into_iter().flatten() {
                let Ok(p) = rules::compile(e.get_ref()) else { continue };
                let mut findings = rules::analyse(&p, &scope);
                // A name the lost entries may define is not reported a second time.
                findings.retain(|x| !(x.code == "unknown-reference" && self.broken_name(&x.message)));
                let mut said: HashSet<String> = HashSet::new();
                for x in findings {
                    if !said.insert(x.message.clone()) {
                        continue;
                    }
                    self.extra.rule_errors.insert(i);
                    let loc = self.value_loc(&f, e, x.start);
                    self.err(x.code, loc, format!("rule {}: {}", rule.id, x.message)).hint = x.hint;
                }
            }
        }
    }

    /// Whether an unknown-reference finding names something a lost entry may define.
    fn broken_name(&self, message: &str) -> bool {
        // Findings read `var["key"]: …`.
        let Some((var, rest)) = message.split_once("[\"") else { return false };
        let Some((key, _)) = rest.split_once("\"]") else { return false };
        let ns = match var {
            "skus" => "component",
            "tags" => "tag",
            "families" => "family",
            "fields" | "params" => "mount",
            _ => return false,
        };
        if ns == "mount" {
            return self.extra.broken.any("mount");
        }
        self.extra.broken.may_define(ns, key)
    }
}
