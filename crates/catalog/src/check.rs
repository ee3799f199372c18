//! Semantic checks over a resolved catalog: what parses but can never work.
//!
//! - `dead-option`: a component, metal or setting no design can ever use;
//! - `impossible-base`: a base, mount or size no design can satisfy;
//! - `contradictory-rules`: a component whose `requires` can never be met alongside the `excludes`;
//! - `rule-cycle`: `requires` rules that lead back to themselves;
//! - `unsatisfiable-rule`: a CEL rule no design of a base can meet, found by searching designs'
//!   values for one that meets it; `invalid-expression` when a rule fails to evaluate on one;
//! - `missing-price`, `invalid-value` (zero width) for components a mount can place;
//! - warnings: out of stock, unused materials, rules matching names by text, rules that never apply.

use crate::diag::Diagnostic;
use crate::load::Extra;
use crate::model::*;
use crate::units::Mm;

pub fn check(cat: &Catalog, extra: &Extra) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    bases(cat, extra, &mut out);
    let live = dead_components(cat, extra, &mut out);
    rules(cat, &live, &mut out);
    components(cat, extra, &mut out);
    misc(cat, extra, &mut out);
    crate::satisfy::check(cat, extra, &mut out);
    out
}

/// Whether some mount of some base can place `c` (as opposed to an option shipping it).
fn placeable(cat: &Catalog, c: &Component) -> bool {
    cat.bases.iter().flat_map(|b| b.mounts.iter()).any(|m| {
        cat.mount_takes(m, c).is_ok()
            || matches!(&m.spec, MountSpec::Strand(s) if s.stations > 0 && s.station_connectors.contains(&c.connector))
    })
}

/// Prices and widths: a component a mount places needs both; one only an option ships needs
/// neither (the option is priced, and it goes in the box, not on a strand).
fn components(cat: &Catalog, extra: &Extra, out: &mut Vec<Diagnostic>) {
    for (c, loc) in &extra.unpriced {
        let comp = cat.comp(*c);
        if extra.option_skus.contains(c) && !placeable(cat, comp) {
            continue;
        }
        out.push(
            Diagnostic::error(
                "missing-price",
                loc.clone(),
                format!("component {} has neither a price nor a weight-priced metal", comp.sku),
            )
            .hint("add price = \"…\" or metal = \"…\" (priced by weight)"),
        );
    }
    for (c, loc) in &extra.zero_width {
        let comp = cat.comp(*c);
        let strand = cat.bases.iter().find_map(|b| {
            b.mounts
                .iter()
                .find(|m| matches!(m.spec, MountSpec::Strand(_)) && cat.mount_takes(m, comp).is_ok())
                .map(|m| (b, m))
        });
        if let Some((b, m)) = strand {
            out.push(
                Diagnostic::error(
                    "invalid-value",
                    loc.clone(),
                    format!(
                        "component {} has no width, yet {} of {} places it along its length",
                        comp.sku, m.label, b.name
                    ),
                )
                .hint("give width_mm: the length it takes along the strand"),
            );
        }
    }
}

/// The widest section any size of the strand offers.
fn max_capacity(s: &StrandSpec, base: &Base) -> Mm {
    base.sizes.iter().map(|z| s.section_capacity(z)).max().unwrap_or(Mm::ZERO)
}

fn bases(cat: &Catalog, extra: &Extra, out: &mut Vec<Diagnostic>) {
    for base in &cat.bases {
        if base.mounts.is_empty() && base.fields.is_empty() && !extra.broken.may_define("mount", &base.id) {
            out.push(
                Diagnostic::warning(
                    "impossible-base",
                    base.loc.clone(),
                    format!("base {} has nothing to personalize", base.id),
                )
                .hint("add a mount (strand, slots, socket, container, parametric) or a field"),
            );
        }
        let sizeless = extra.broken.may_define("sizes", &base.id);
        for m in &base.mounts {
            let accepted: Vec<&Component> = cat.components.iter().filter(|c| cat.mount_takes(m, c).is_ok()).collect();
            match &m.spec {
                MountSpec::Strand(_) | MountSpec::Slots(_) if sizeless => {}
                MountSpec::Strand(s) => {
                    let cap = max_capacity(s, base);
                    if cap == Mm::ZERO {
                        out.push(
                            Diagnostic::error(
                                "impossible-base",
                                m.loc.clone(),
                                format!(
                                    "strand {} of base {} has no room at any size: reserve_mm takes the whole length",
                                    m.id, base.id
                                ),
                            )
                            .hint("lower reserve_mm or add longer sizes"),
                        );
                        continue;
                    }
                    if s.max_count == Some(0) {
                        out.push(Diagnostic::error(
                            "impossible-base",
                            m.loc.clone(),
                            format!("strand {} has max_count = 0", m.id),
                        ));
                    }
                    // Minimum counts: the narrowest accepted component of each kind must fit.
                    let mut need = Mm::ZERO;
                    for &(k, n) in &s.min {
                        let narrowest = accepted.iter().filter(|c| c.kind == k).map(|c| c.width).min();
                        match narrowest {
                            None if n > 0 => out.push(
                                Diagnostic::error(
                                    "impossible-base",
                                    m.loc.clone(),
                                    format!(
                                        "strand {} needs at least {n} {k} but takes no component of that kind",
                                        m.id
                                    ),
                                )
                                .hint("add such components in an accepted family, or lower the minimum"),
                            ),
                            Some(w) => need += Mm::from_um(w.um() * n as i64),
                            None => {}
                        }
                    }
                    let total = Mm::from_um(cap.um() * s.sections() as i64);
                    if need > total {
                        out.push(Diagnostic::error(
                            "impossible-base",
                            m.loc.clone(),
                            format!("strand {} needs {need} for its minimum counts but holds at most {total}", m.id),
                        ));
                    }
                    for (what, k) in [("first", s.first), ("last", s.last)] {
                        if let Some(k) = k {
                            if !accepted.iter().any(|c| c.kind == k) {
                                out.push(Diagnostic::error(
                                    "impossible-base",
                                    m.loc.clone(),
                                    format!("strand {} wants a {k} {what} but takes no component of that kind", m.id),
                                ));
                            }
                        }
                    }
                    if s.stations > 0 && !cat.components.iter().any(|c| s.station_connectors.contains(&c.connector)) {
                        out.push(Diagnostic::warning(
                            "dead-option",
                            m.loc.clone(),
                            format!("strand {} has {} stations but no component fits them", m.id, s.stations),
                        ));
                    }
                }
                MountSpec::Slots(s) => {
                    for z in &base.sizes {
                        if s.slot_count(z) == 0 {
                            out.push(Diagnostic::error(
                                "impossible-base",
                                m.loc.clone(),
                                format!("size {} of base {} holds no {} link", z.id, base.id, s.link_width),
                            ));
                        }
                    }
                    let def = cat.comp(s.default);
                    if let Err(u) = cat.mount_takes(m, def) {
                        out.push(
                            Diagnostic::error(
                                "impossible-base",
                                m.loc.clone(),
                                format!("the default link does not fit: {}", cat.unfit_text(m, def, u)),
                            )
                            .hint("the default fills every slot the shopper leaves plain, so it must fit the row"),
                        );
                    }
                }
                MountSpec::Socket(s) => {
                    if s.required && accepted.is_empty() {
                        out.push(Diagnostic::error(
                            "impossible-base",
                            m.loc.clone(),
                            format!("socket {} of base {} requires an insert but no component fits it", m.id, base.id),
                        ));
                    }
                }
                MountSpec::Container(_) => {
                    if accepted.is_empty() {
                        out.push(Diagnostic::warning(
                            "impossible-base",
                            m.loc.clone(),
                            format!("container {} of base {} takes no component of the catalog", m.id, base.id),
                        ));
                    }
                }
                MountSpec::Parametric(p) => parametric(cat, m, p, out),
            }
        }
    }
}

fn parametric(cat: &Catalog, m: &Mount, p: &ParametricSpec, out: &mut Vec<Diagnostic>) {
    if let Some(t) = &p.thickness {
        for &mi in &p.metals {
            let metal = &cat.metals[mi as usize];
            if let Some(w) = metal.min_wall {
                if w.as_decimal() > t.max {
                    out.push(
                        Diagnostic::error(
                            "dead-option",
                            m.loc.clone(),
                            format!(
                                "metal {} can never be chosen on {}: it needs walls of at least {w}, the band is at most {} mm thick",
                                metal.id, m.id, t.max
                            ),
                        )
                        .hint("raise thickness_mm.max or drop the metal from this mount"),
                    );
                }
            }
        }
    }
    if let Some(c) = &p.carat {
        for s in &p.settings {
            if let Some(max) = s.max_carat {
                if max < c.min {
                    out.push(Diagnostic::error(
                        "dead-option",
                        m.loc.clone(),
                        format!("setting {} holds at most {max} ct, below the smallest stone ({} ct)", s.id, c.min),
                    ));
                }
            }
        }
    }
}

/// Marks every component some design can use; reports the rest. Returns the live set.
fn dead_components(cat: &Catalog, extra: &Extra, out: &mut Vec<Diagnostic>) -> Vec<bool> {
    let n = cat.components.len();
    let mut live = vec![false; n];
    let mut why: Vec<Option<String>> = vec![None; n];
    for &s in &extra.option_skus {
        live[s as usize] = true;
    }
    for (ci, c) in cat.components.iter().enumerate() {
        // A mount that could not be read may have taken it: nothing to say either way.
        if extra.broken.may_define("family", cat.family_name(c.family)) || extra.broken.any("base") {
            live[ci] = true;
        }
        if live[ci] {
            continue;
        }
        for base in &cat.bases {
            for m in &base.mounts {
                let station = matches!(&m.spec, MountSpec::Strand(s) if s.stations > 0 && s.station_connectors.contains(&c.connector));
                match cat.mount_takes(m, c) {
                    Ok(()) => {
                        if let MountSpec::Strand(s) = &m.spec {
                            let cap = max_capacity(s, base);
                            if c.width > cap && !station && !extra.broken.may_define("sizes", &base.id) {
                                why[ci].get_or_insert_with(|| {
                                    format!("it is {} wide, wider than any section of {} ({cap})", c.width, base.name)
                                });
                                continue;
                            }
                            if s.max.iter().any(|&(k, n)| k == c.kind && n == 0) {
                                continue;
                            }
                        }
                        live[ci] = true;
                    }
                    Err(_) if station => live[ci] = true,
                    Err(u) => {
                        if why[ci].is_none() && !matches!(u, Unfit::Refused(_) | Unfit::NotPlaceable) {
                            why[ci] = Some(cat.unfit_text(m, c, u));
                        }
                    }
                }
            }
        }
    }
    // Families some mount takes: a component in none of them most likely has a misspelt family.
    let taken: Vec<&str> = cat
        .bases
        .iter()
        .flat_map(|b| b.mounts.iter())
        .filter_map(|m| m.spec.accept())
        .flat_map(|a| a.families.iter().map(|f| cat.family_name(*f)))
        .collect();
    for (ci, c) in cat.components.iter().enumerate() {
        if live[ci] {
            continue;
        }
        let family = cat.family_name(c.family);
        if why[ci].is_none() && !taken.contains(&family) {
            let loc = extra.family_locs.get(ci).cloned().unwrap_or_else(|| c.loc.clone());
            let hint = match crate::load::suggest(family, taken.iter().copied()) {
                Some(h) => format!("did you mean \"{h}\"?"),
                None => "no base's mount takes this family: add one, or fix the family".into(),
            };
            out.push(
                Diagnostic::error(
                    "dead-option",
                    loc,
                    format!("component {} can never be used: no base takes family \"{family}\"", c.sku),
                )
                .hint(hint),
            );
            continue;
        }
        let reason = why[ci]
            .clone()
            .unwrap_or_else(|| format!("no base takes family \"{family}\" with connector {}", c.connector));
        out.push(
            Diagnostic::error("dead-option", c.loc.clone(), format!("component {} can never be used: {reason}", c.sku))
                .hint("fix its family, connector or size, add a base that takes it, or remove it"),
        );
    }
    live
}

fn rules(cat: &Catalog, live: &[bool], out: &mut Vec<Diagnostic>) {
    let matching = |s: &Selector| -> Vec<CompId> {
        (0..cat.components.len() as CompId).filter(|&c| s.matches(c, cat.comp(c))).collect()
    };
    let excludes: Vec<(usize, Vec<CompId>, Vec<CompId>)> = cat
        .rules
        .iter()
        .enumerate()
        .filter_map(|(i, r)| match &r.spec {
            RuleSpec::Excludes { a, b } => Some((i, matching(a), matching(b))),
            _ => None,
        })
        .collect();
    let scopes_meet =
        |a: &Rule, b: &Rule| a.bases.is_empty() || b.bases.is_empty() || a.bases.iter().any(|x| b.bases.contains(x));
    // Contradictions: x triggers a requires rule whose every candidate is excluded alongside x.
    for r in &cat.rules {
        let RuleSpec::Requires { if_, then } = &r.spec else { continue };
        let targets: Vec<CompId> = matching(then).into_iter().filter(|&t| live[t as usize]).collect();
        let mut reported = false;
        for x in matching(if_) {
            if reported || !live[x as usize] || targets.contains(&x) {
                continue;
            }
            let mut blocking: Option<&Rule> = None;
            let all_blocked = targets.iter().all(|&t| {
                excludes.iter().any(|(ei, a, b)| {
                    let e = &cat.rules[*ei];
                    let hit =
                        scopes_meet(r, e) && ((a.contains(&x) && b.contains(&t)) || (b.contains(&x) && a.contains(&t)));
                    if hit {
                        blocking = Some(e);
                    }
                    hit
                })
            });
            if targets.is_empty() {
                out.push(
                    Diagnostic::error(
                        "contradictory-rules",
                        r.loc.clone(),
                        format!(
                            "rule {} makes {} require {}, which no usable component is",
                            r.id,
                            cat.comp(x).sku,
                            cat.selector_text(then)
                        ),
                    )
                    .hint("the required components are missing or can never be used"),
                );
                reported = true;
            } else if all_blocked {
                let e = blocking.map(|e| e.id.as_str()).unwrap_or("?");
                out.push(
                    Diagnostic::error(
                        "contradictory-rules",
                        r.loc.clone(),
                        format!(
                            "rules {} and {e} contradict: {} requires {} but {e} excludes it",
                            r.id,
                            cat.comp(x).sku,
                            cat.selector_text(then)
                        ),
                    )
                    .hint(format!("{} can never be in a valid design; change one of the two rules", cat.comp(x).sku)),
                );
                reported = true;
            }
        }
    }
    // Cycles among requires rules: r → s when something r requires triggers s.
    let req: Vec<(usize, Vec<CompId>, Vec<CompId>)> = cat
        .rules
        .iter()
        .enumerate()
        .filter_map(|(i, r)| match &r.spec {
            RuleSpec::Requires { if_, then } => Some((i, matching(if_), matching(then))),
            _ => None,
        })
        .collect();
    let n = req.len();
    let edges: Vec<Vec<usize>> =
        (0..n).map(|i| (0..n).filter(|&j| req[i].2.iter().any(|c| req[j].1.contains(c))).collect()).collect();
    let mut reported = vec![false; n];
    for start in 0..n {
        if reported[start] {
            continue;
        }
        // Shortest path from start back to start (BFS).
        let mut prev = vec![usize::MAX; n];
        let mut queue = std::collections::VecDeque::from([start]);
        let mut found = None;
        let mut seen = vec![false; n];
        while let Some(u) = queue.pop_front() {
            for &v in &edges[u] {
                if v == start {
                    found = Some(u);
                    break;
                }
                if !seen[v] {
                    seen[v] = true;
                    prev[v] = u;
                    queue.push_back(v);
                }
            }
            if found.is_some() {
                break;
            }
        }
        if let Some(last) = found {
            let mut path = vec![last];
            while *path.last().unwrap() != start {
                let p = prev[*path.last().unwrap()];
                path.push(p);
            }
            path.reverse();
            for &p in &path {
                reported[p] = true;
            }
            let names: Vec<&str> =
                path.iter().chain(std::iter::once(&start)).map(|&i| cat.rules[req[i].0].id.as_str()).collect();
            let r = &cat.rules[req[start].0];
            out.push(
                Diagnostic::error("rule-cycle", r.loc.clone(), format!("requires rules form a cycle: {}", names.join(" → ")))
                    .hint("a piece in the cycle can only be added with all the others at once; make it a bundle, or break the cycle"),
            );
        }
    }
}

fn misc(cat: &Catalog, extra: &Extra, out: &mut Vec<Diagnostic>) {
    for c in &cat.components {
        if c.stock == Some(0) {
            out.push(Diagnostic::warning(
                "out-of-stock",
                c.loc.clone(),
                format!("{} is out of stock: no design can use it until restocked", c.sku),
            ));
        }
    }
    for (i, m) in cat.metals.iter().enumerate() {
        if !extra.used_metals.get(i).copied().unwrap_or(true) {
            out.push(Diagnostic::warning("unused", m.loc.clone(), format!("metal {} is defined but never used", m.id)));
        }
    }
    for (i, m) in cat.materials.iter().enumerate() {
        if !extra.used_materials.get(i).copied().unwrap_or(true) {
            out.push(Diagnostic::warning(
                "unused",
                m.loc.clone(),
                format!("material {} is defined but never used", m.id),
            ));
        }
    }
    // Rules matching names by text break silently when SKUs are renamed.
    for (i, r) in cat.rules.iter().enumerate() {
        let RuleSpec::Expr { when, require } = &r.spec else { continue };
        let loc = extra.rule_expr_locs.get(&i).cloned().unwrap_or_else(|| r.loc.clone());
        for src in [when.as_deref(), Some(require.as_str())].into_iter().flatten() {
            let by_text =
                ["startsWith", "endsWith", "matches", "contains"].iter().any(|f| src.contains(&format!(".{f}(")));
            if by_text && src.contains("skus") {
                out.push(
                    Diagnostic::warning("rule-string-match", loc.clone(), format!("rule {} matches names by text", r.id))
                        .hint("name SKUs exactly or group them with tags: text matching breaks silently when SKUs are renamed"),
                );
            }
        }
    }
}
