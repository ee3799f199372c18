//! Open choices: for each place a shopper can act on, which candidates are feasible, why the others
//! are not, and the smallest repair that would admit them.
//!
//! Feasible means: making the choice makes no violation worse ([`crate::eval::worse`]): nothing
//! new is broken, and nothing already broken is broken by more (a fourth large clip where two
//! are allowed and three are there is not feasible). So from a valid design, a feasible candidate
//! always gives a valid design. Candidates a mount can never take are refused from the catalog's
//! static test without evaluating; the rest are decided by evaluating the changed design, which
//! keeps one source of truth for every rule.
//!
//! A repair is a list of edits applied before the choice ([`apply_repair`]); it is offered only
//! when the whole design it produces — the edits, then the candidate — has nothing worse than the
//! design had before.

use crate::design::{Design, ParamValue};
use crate::eval::{worse, Engine, Violation};
use orfevre_catalog::*;
use serde::{Deserialize, Serialize};

/// A place in the design where the shopper chooses.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case", deny_unknown_fields)]
pub enum Choice {
    /// Add a component to a strand section (or a container: section 0), at `index` (counted in
    /// the section; the end when larger). Without an index the engine picks the place the order
    /// rules allow: the end of the section, or just before a strand's fixed last piece (a spacer
    /// end, a clasp); its report gives the index it chose.
    Insert {
        mount: String,
        section: usize,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        index: Option<usize>,
    },
    /// Clip a component on a strand station.
    Station { mount: String, index: usize },
    /// Swap the link in a slot.
    Slot { mount: String, index: usize },
    /// Set a socket's insert.
    Socket { mount: String },
    /// A parametric mount's parameter.
    Param { mount: String, param: String },
    /// A choice or colour field.
    Field { field: String },
    /// The base's size.
    Size,
}

impl Choice {
    /// Adding to `mount`'s `section`, where the engine decides.
    pub fn insert(mount: impl Into<String>, section: usize) -> Choice {
        Choice::Insert { mount: mount.into(), section, index: None }
    }
}

/// One edit of a design.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "kebab-case", deny_unknown_fields)]
pub enum Edit {
    SetSize {
        size: String,
    },
    /// Take off the component at `index` of a strand section, a container (section 0) or a slot
    /// row (section 0: the slot is dropped, the links after it move up).
    Remove {
        mount: String,
        section: usize,
        index: usize,
    },
    /// Make `choice` with `option`: put a component on, set a parameter.
    Add {
        choice: Choice,
        option: String,
    },
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Repair {
    pub description: String,
    pub edits: Vec<Edit>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Candidate {
    pub option: String,
    pub feasible: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub reasons: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub repair: Option<Repair>,
}

#[derive(Clone, Debug, Serialize)]
pub struct ChoiceReport {
    /// The choice, with the index the engine chose for an insert.
    pub choice: Choice,
    pub label: String,
    pub candidates: Vec<Candidate>,
}

/// Applies an edit; out-of-range positions are ignored.
pub fn apply_edit(d: &mut Design, e: &Edit) {
    match e {
        Edit::SetSize { size } => d.size = Some(size.clone()),
        Edit::Remove { mount, section, index } => {
            if let Some(m) = d.mounts.get_mut(mount) {
                if let Some(sec) = m.sections.as_mut().and_then(|s| s.get_mut(*section)) {
                    if *index < sec.len() {
                        sec.remove(*index);
                    }
                } else if let Some(items) = m.items.as_mut() {
                    if *index < items.len() {
                        items.remove(*index);
                    }
                } else if let Some(slots) = m.slots.as_mut() {
                    if *index < slots.len() {
                        slots.remove(*index);
                    }
                }
            }
        }
        Edit::Add { choice, option } => apply_choice(d, choice, option),
    }
}

/// Applies a repair's edits, then the choice. An insert's index counts the components before it
/// in the original design: each edit that takes one off before it, or puts one on at or before
/// it, in the same section, moves it.
pub fn apply_repair(d: &mut Design, edits: &[Edit], c: &Choice, option: &str) {
    let mut c = c.clone();
    for e in edits {
        apply_edit(d, e);
        if let Choice::Insert { mount, section, index: Some(i) } = &mut c {
            match e {
                Edit::Remove { mount: m, section: s, index: j } if m == mount && s == section && *j < *i => *i -= 1,
                Edit::Add { choice: Choice::Insert { mount: m, section: s, index: Some(j) }, .. }
                    if m == mount && s == section && *j <= *i =>
                {
                    *i = i.saturating_add(1)
                }
                _ => {}
            }
        }
    }
    apply_choice(d, &c, option);
}

/// Makes choice `c` with `option` (a SKU, parameter value, size or field option). A section,
/// station or slot beyond any design's reach (more than a design's placements) is ignored.
pub fn apply_choice(d: &mut Design, c: &Choice, option: &str) {
    let far = |i: usize| i > crate::design::MAX_PLACEMENTS;
    match c {
        Choice::Insert { section, .. }
        | Choice::Station { index: section, .. }
        | Choice::Slot { index: section, .. }
            if far(*section) =>
        {
            return;
        }
        _ => {}
    }
    match c {
        Choice::Insert { mount, section, index } => {
            let m = d.mount_mut(mount);
            let list = match m.items.as_mut() {
                Some(items) => items,
                None => {
                    let secs = m.sections.get_or_insert_with(Vec::new);
                    while secs.len() <= *section {
                        secs.push(Vec::new());
                    }
                    &mut secs[*section]
                }
            };
            let at = index.unwrap_or(list.len()).min(list.len());
            list.insert(at, option.to_string());
        }
        Choice::Station { mount, index } => {
            let st = d.mount_mut(mount).stations.get_or_insert_with(Vec::new);
            while st.len() <= *index {
                st.push(None);
            }
            st[*index] = Some(option.to_string());
        }
        Choice::Slot { mount, index } => {
            let sl = d.mount_mut(mount).slots.get_or_insert_with(Vec::new);
            while sl.len() <= *index {
                sl.push(None);
            }
            sl[*index] = Some(option.to_string());
        }
        Choice::Socket { mount } => d.mount_mut(mount).item = Some(option.to_string()),
        Choice::Param { mount, param } => {
            d.mount_mut(mount)
                .params
                .get_or_insert_with(Default::default)
                .insert(param.clone(), ParamValue(option.to_string()));
        }
        Choice::Field { field } => {
            let f = d.fields.entry(field.clone()).or_default();
            f.choice = Some(option.to_string());
        }
        Choice::Size => d.size = Some(option.to_string()),
    }
}

impl Engine {
    /// The open choices of a design: every strand section and station, the first slot, sockets,
    /// containers, parameters, choice fields and the size.
    pub fn open_choices(&self, d: &Design) -> Vec<Choice> {
        let mut out = Vec::new();
        let Some(b) = self.catalog.base(&d.base) else { return out };
        let base = &self.catalog.bases[b as usize];
        for m in &base.mounts {
            let id = m.id.clone();
            match &m.spec {
                MountSpec::Strand(s) => {
                    for section in 0..s.sections() {
                        out.push(Choice::insert(id.clone(), section));
                    }
                    for index in 0..s.stations as usize {
                        out.push(Choice::Station { mount: id.clone(), index });
                    }
                }
                MountSpec::Slots(_) => out.push(Choice::Slot { mount: id, index: 0 }),
                MountSpec::Socket(_) => out.push(Choice::Socket { mount: id }),
                MountSpec::Container(_) => out.push(Choice::insert(id, 0)),
                MountSpec::Parametric(p) => {
                    for n in p.param_names() {
                        out.push(Choice::Param { mount: id.clone(), param: n.to_string() });
                    }
                }
            }
        }
        for f in &base.fields {
            if matches!(f.spec, FieldSpec::Choice { .. } | FieldSpec::Colour { .. }) {
                out.push(Choice::Field { field: f.id.clone() });
            }
        }
        if base.sizes.len() > 1 {
            out.push(Choice::Size);
        }
        out
    }

    /// Candidates for every open choice.
    pub fn all_choices(&self, d: &Design) -> Vec<ChoiceReport> {
        let before = self.violations(d);
        self.open_choices(d).into_iter().map(|c| self.choice_with(d, &c, &before)).collect()
    }

    /// Candidates for one choice.
    pub fn choice(&self, d: &Design, c: &Choice) -> ChoiceReport {
        let before = self.violations(d);
        self.choice_with(d, c, &before)
    }

    /// Where an insert without an index goes: the end of its section, or just before the strand's
    /// last piece when the strand wants a fixed kind last and that piece ends this section (the
    /// spacer closing a name, a clasp) — and never before a fixed first piece that starts it.
    pub fn resolve(&self, d: &Design, c: &Choice) -> Choice {
        let Choice::Insert { mount, section, index: None } = c else { return c.clone() };
        let cat = &self.catalog;
        let md = d.mounts.get(mount);
        let list_len = md
            .and_then(|m| match (&m.sections, &m.items) {
                (Some(s), _) => s.get(*section).map(Vec::len),
                (None, Some(items)) => Some(items.len()),
                _ => None,
            })
            .unwrap_or(0);
        let strand = cat
            .base(&d.base)
            .map(|b| &cat.bases[b as usize])
            .and_then(|b| b.mount(mount).map(|i| &b.mounts[i]))
            .and_then(|m| match &m.spec {
                MountSpec::Strand(s) => Some(s),
                _ => None,
            });
        let mut at = list_len;
        if let (Some(s), Some(sections)) = (strand, md.and_then(|m| m.sections.as_ref())) {
            // The strand's last piece sits at the end of this section when every later one is empty.
            let later_empty =
                sections.get(section.saturating_add(1)..).unwrap_or_default().iter().all(|x| x.is_empty());
            let last_is_fixed = sections
                .get(*section)
                .and_then(|x| x.last())
                .is_some_and(|sku| cat.component(sku).is_some_and(|id| Some(cat.comp(id).kind) == s.last));
            if later_empty && last_is_fixed && list_len > 0 {
                at = list_len - 1;
            }
            let earlier_empty = sections.iter().take(*section).all(|x| x.is_empty());
            let first_is_fixed = sections
                .get(*section)
                .and_then(|x| x.first())
                .is_some_and(|sku| cat.component(sku).is_some_and(|id| Some(cat.comp(id).kind) == s.first));
            if earlier_empty && first_is_fixed {
                at = at.max(1);
            }
        }
        Choice::Insert { mount: mount.clone(), section: *section, index: Some(at) }
    }

    fn choice_with(&self, d: &Design, c: &Choice, before: &[Violation]) -> ChoiceReport {
        let cat = &self.catalog;
        let c = &self.resolve(d, c);
        let mut cands = Vec::new();
        let base = cat.base(&d.base).map(|b| &cat.bases[b as usize]);
        let Some(base) = base else {
            return ChoiceReport { choice: c.clone(), label: "unknown base".into(), candidates: cands };
        };
        let mount = match c {
            Choice::Insert { mount, .. }
            | Choice::Station { mount, .. }
            | Choice::Slot { mount, .. }
            | Choice::Socket { mount }
            | Choice::Param { mount, .. } => base.mount(mount).map(|i| &base.mounts[i]),
            _ => None,
        };
        let label = match c {
            Choice::Insert { mount, section, .. } => format!("add to {mount}, section {}", section + 1),
            Choice::Station { mount, index } => format!("clip on {mount}, station {}", index + 1),
            Choice::Slot { mount, index } => format!("swap link {} of {mount}", index + 1),
            Choice::Socket { mount } => format!("insert for {mount}"),
            Choice::Param { mount, param } => format!("{param} of {mount}"),
            Choice::Field { field } => field.clone(),
            Choice::Size => "size".into(),
        };
        let options: Vec<String> = match c {
            Choice::Insert { .. } | Choice::Slot { .. } | Choice::Socket { .. } => {
                let Some(m) = mount else { return ChoiceReport { choice: c.clone(), label, candidates: cands } };
                let mut opts = Vec::new();
                for comp in &cat.components {
                    match cat.mount_takes(m, comp) {
                        Ok(()) => opts.push(comp.sku.clone()),
                        // Refused on family, connector or kind: not a candidate at all here.
                        Err(Unfit::Refused(_)) | Err(Unfit::NotPlaceable) => {}
                        Err(u) => cands.push(Candidate {
                            option: comp.sku.clone(),
                            feasible: false,
                            reasons: vec![cat.unfit_text(m, comp, u)],
                            repair: None,
                        }),
                    }
                }
                opts
            }
            Choice::Station { .. } => {
                let Some(MountSpec::Strand(s)) = mount.map(|m| &m.spec) else {
                    return ChoiceReport { choice: c.clone(), label, candidates: cands };
                };
                cat.components
                    .iter()
                    .filter(|x| s.station_connectors.contains(&x.connector))
                    .map(|x| x.sku.clone())
                    .collect()
            }
            Choice::Param { param, .. } => match mount.map(|m| &m.spec) {
                Some(MountSpec::Parametric(p)) => match param.as_str() {
                    "metal" => p.metals.iter().map(|&i| cat.metals[i as usize].id.clone()).collect(),
                    "stone" => p.stones.iter().map(|&i| cat.stones[i as usize].id.clone()).collect(),
                    "profile" => p.profiles.iter().map(|x| x.as_str().to_string()).collect(),
                    "cut" => p.cuts.iter().map(|x| x.id.clone()).collect(),
                    "setting" => p.settings.iter().map(|x| x.id.clone()).collect(),
                    "width_mm" => p.width.iter().flat_map(|r| r.values(200)).map(|v| v.to_string()).collect(),
                    "thickness_mm" => p.thickness.iter().flat_map(|r| r.values(200)).map(|v| v.to_string()).collect(),
                    "carat" => p.carat.iter().flat_map(|r| r.values(200)).map(|v| v.to_string()).collect(),
                    _ => Vec::new(),
                },
                _ => Vec::new(),
            },
            Choice::Field { field } => match base.fields.iter().find(|f| &f.id == field).map(|f| &f.spec) {
                Some(FieldSpec::Choice { options, .. }) => options.iter().map(|o| o.id.clone()).collect(),
                Some(FieldSpec::Colour { colours, .. }) => {
                    colours.iter().map(|&i| cat.materials[i as usize].id.clone()).collect()
                }
                _ => Vec::new(),
            },
            Choice::Size => base.sizes.iter().map(|s| s.id.clone()).collect(),
        };
        // A valid strand design answers most "add to this section" candidates from counts.
        let mut screen = match c {
            Choice::Insert { mount, section, .. } => self.insert_screen(d, mount, *section),
            _ => None,
        };
        for opt in options {
            if let (Some(sc), Some(id)) = (screen.as_mut(), cat.component(&opt)) {
                if sc.certainly_feasible(id) {
                    cands.push(Candidate { option: opt, feasible: true, reasons: vec![], repair: None });
                    continue;
                }
            }
            let mut nd = d.clone();
            apply_choice(&mut nd, c, &opt);
            let after = self.violations(&nd);
            let new = worse(before, &after);
            if new.is_empty() {
                cands.push(Candidate { option: opt, feasible: true, reasons: vec![], repair: None });
            } else {
                let mut reasons: Vec<String> = new.iter().map(|v| v.message.clone()).collect();
                reasons.dedup();
                let repair = self.repair(d, c, &opt, base, before, None);
                cands.push(Candidate { option: opt, feasible: false, reasons, repair });
            }
        }
        cands.sort_by(|a, b| b.feasible.cmp(&a.feasible).then(a.option.cmp(&b.option)));
        ChoiceReport { choice: c.clone(), label, candidates: cands }
    }

    /// Whether `option` is feasible for `c` on `d`: the changed design has nothing worse.
    pub fn feasible(&self, d: &Design, c: &Choice, option: &str) -> bool {
        let c = self.resolve(d, c);
        let before = self.violations(d);
        let mut nd = d.clone();
        apply_choice(&mut nd, &c, option);
        worse(&before, &self.violations(&nd)).is_empty()
    }

    /// The smallest repair admitting `option`: a larger size, else one removal from the same
    /// section, else two, else the strand's fixed end pieces. Each proposal is verified on the
    /// whole design it produces before it is offered.
    /// With `keep`, only the violations it keeps are compared (an alteration leaves stock aside:
    /// the piece's own modules were drawn from stock when it was made).
    pub(crate) fn repair(
        &self,
        d: &Design,
        c: &Choice,
        option: &str,
        base: &Base,
        before: &[Violation],
        keep: Option<&dyn Fn(&Violation) -> bool>,
    ) -> Option<Repair> {
        if matches!(c, Choice::Size) {
            return None;
        }
        let admits = |edits: &[Edit]| self.admits(d, edits, c, option, before, keep);
        let current = d.size.as_ref().and_then(|s| base.size(s)).unwrap_or(base.default_size);
        for s in base.larger_sizes(current) {
            let edits = vec![Edit::SetSize { size: s.id.clone() }];
            if admits(&edits) {
                return Some(Repair { description: format!("choose size {}", s.label), edits });
            }
        }
        let (mount, section) = match c {
            Choice::Insert { mount, section, .. } => (mount.clone(), *section),
            _ => return None,
        };
        let md = d.mounts.get(&mount);
        let items: Vec<String> = match md.map(|m| (&m.sections, &m.items)) {
            Some((Some(s), _)) => s.get(section).cloned().unwrap_or_default(),
            Some((None, Some(items))) => items.clone(),
            _ => Vec::new(),
        };
        let name = |sku: &str| {
            self.catalog.component(sku).map(|c| self.catalog.comp(c).name.clone()).unwrap_or(sku.to_string())
        };
        let in_items = md.is_some_and(|m| m.items.is_some());
        let mount_label = base.mount(&mount).map(|i| base.mounts[i].label.clone()).unwrap_or_else(|| mount.clone());
        let place = if in_items { mount_label.clone() } else { format!("section {} of {mount_label}", section + 1) };
        for i in (0..items.len()).rev() {
            let edits = vec![Edit::Remove { mount: mount.clone(), section, index: i }];
            if admits(&edits) {
                return Some(Repair { description: format!("remove {} from {place}", name(&items[i])), edits });
            }
        }
        for i in (0..items.len()).rev() {
            for j in (0..i).rev() {
                let edits = vec![
                    Edit::Remove { mount: mount.clone(), section, index: i },
                    Edit::Remove { mount: mount.clone(), section, index: j },
                ];
                if admits(&edits) {
                    return Some(Repair {
                        description: format!("remove {} and {} from {place}", name(&items[i]), name(&items[j])),
                        edits,
                    });
                }
            }
        }
        self.end_pieces(d, &mount, &mount_label, base).filter(|r| admits(&r.edits))
    }

    /// For a strand that wants fixed kinds first and last (spacer ends, a clasp) and lacks them:
    /// the edits putting the first such component in stock at each missing end.
    fn end_pieces(&self, d: &Design, mount: &str, label: &str, base: &Base) -> Option<Repair> {
        let cat = &self.catalog;
        let m = &base.mounts[base.mount(mount)?];
        let MountSpec::Strand(s) = &m.spec else { return None };
        let sections = d.mounts.get(mount).and_then(|m| m.sections.clone()).unwrap_or_default();
        let flat: Vec<&String> = sections.iter().flatten().collect();
        let kind_of = |sku: &String| cat.component(sku).map(|c| cat.comp(c).kind);
        // One piece serves both ends when they want one kind: it needs that many in stock.
        let ends = |k: Kind| (s.first == Some(k)) as u32 + (s.last == Some(k)) as u32;
        let piece = |k: Kind| {
            let ends = ends(k);
            cat.components
                .iter()
                .find(|c| c.kind == k && c.stock.is_none_or(|n| n >= ends) && cat.mount_takes(m, c).is_ok())
        };
        let mut edits = Vec::new();
        let mut names = Vec::new();
        if let Some(k) = s.first {
            if flat.first().and_then(|x| kind_of(x)) != Some(k) {
                let c = piece(k)?;
                let at_start = Choice::Insert { mount: mount.into(), section: 0, index: Some(0) };
                edits.push(Edit::Add { choice: at_start, option: c.sku.clone() });
                names.push(format!("{} first", c.name));
            }
        }
        if let Some(k) = s.last {
            // One piece cannot close both ends once something goes between them.
            let shared = flat.len() == 1 && s.first.is_some();
            if flat.last().and_then(|x| kind_of(x)) != Some(k) || shared {
                let c = piece(k)?;
                let last = s.sections().saturating_sub(1);
                edits.push(Edit::Add { choice: Choice::insert(mount, last), option: c.sku.clone() });
                names.push(format!("{} last", c.name));
            }
        }
        if edits.is_empty() {
            return None;
        }
        Some(Repair { description: format!("put {} on {label}", names.join(" and ")), edits })
    }

    fn admits(
        &self,
        d: &Design,
        edits: &[Edit],
        c: &Choice,
        option: &str,
        before: &[Violation],
        keep: Option<&dyn Fn(&Violation) -> bool>,
    ) -> bool {
        let mut nd = d.clone();
        apply_repair(&mut nd, edits, c, option);
        let after = self.violations(&nd);
        match keep {
            None => worse(before, &after).is_empty(),
            Some(keep) => {
                let before: Vec<Violation> = before.iter().filter(|v| keep(v)).cloned().collect();
                let after: Vec<Violation> = after.into_iter().filter(|v| keep(v)).collect();
                worse(&before, &after).is_empty()
            }
        }
    }
}

impl Engine {
    /// Verified repairs for the violations with a plain fix: a size that holds the links, a carat
    /// the setting holds, a component a `requires` rule asks for. A repair is attached only when
    /// the design it gives no longer has that violation and has nothing worse than before.
    pub(crate) fn attach_repairs(&self, d: &Design, vs: &mut [Violation]) {
        let cat = &self.catalog;
        let Some(base) = cat.base(&d.base).map(|b| &cat.bases[b as usize]) else { return };
        let before = vs.to_vec();
        for v in vs.iter_mut() {
            let proposals: Vec<Repair> = match v.rule.as_str() {
                "slots" => {
                    let current = d.size.as_ref().and_then(|s| base.size(s)).unwrap_or(base.default_size);
                    base.larger_sizes(current)
                        .into_iter()
                        .map(|s| Repair {
                            description: format!("choose size {}", s.label),
                            edits: vec![Edit::SetSize { size: s.id.clone() }],
                        })
                        .collect()
                }
                "setting" => self.smaller_stones(d, base, v),
                rule => match rule.strip_prefix("rule:").and_then(|id| cat.rules.iter().find(|r| r.id == id)) {
                    Some(Rule { spec: RuleSpec::Requires { then, .. }, .. }) => self.required_pieces(d, then),
                    _ => continue,
                },
            };
            for r in proposals {
                let mut nd = d.clone();
                for e in &r.edits {
                    apply_edit(&mut nd, e);
                }
                // Compared as the evaluation's own list is: sorted, duplicates dropped.
                let mut after = self.violations(&nd);
                after.sort_by(|a, b| (&a.place, &a.rule).cmp(&(&b.place, &b.rule)));
                after.dedup();
                let fixed = !after.iter().any(|a| a.rule == v.rule && a.place.mount == v.place.mount);
                if fixed && worse(&before, &after).is_empty() {
                    v.repair = Some(r);
                    break;
                }
            }
        }
    }

    /// Carats of the range a setting holds, largest first.
    fn smaller_stones(&self, d: &Design, base: &Base, v: &Violation) -> Vec<Repair> {
        let Some(mid) = v.place.mount.as_deref() else { return Vec::new() };
        let Some(m) = base.mount(mid).map(|i| &base.mounts[i]) else { return Vec::new() };
        let MountSpec::Parametric(p) = &m.spec else { return Vec::new() };
        let chosen = d.mounts.get(mid).and_then(|md| md.params.as_ref()).and_then(|ps| ps.get("setting"));
        let setting = match chosen {
            Some(id) => p.settings.iter().find(|s| s.id == id.0),
            None => p.settings.first(),
        };
        let (Some(max), Some(range)) = (setting.and_then(|s| s.max_carat), p.carat.as_ref()) else {
            return Vec::new();
        };
        let mut values: Vec<_> = range.values(400).into_iter().filter(|c| *c <= max).collect();
        values.reverse();
        values
            .into_iter()
            .take(3)
            .map(|c| Repair {
                description: format!("choose a {c} ct stone"),
                edits: vec![Edit::Add {
                    choice: Choice::Param { mount: mid.to_string(), param: "carat".into() },
                    option: c.to_string(),
                }],
            })
            .collect()
    }

    /// Components a `requires` rule asks for, each at the first place of the design that takes it.
    fn required_pieces(&self, d: &Design, then: &Selector) -> Vec<Repair> {
        let cat = &self.catalog;
        let Some(base) = cat.base(&d.base).map(|b| &cat.bases[b as usize]) else { return Vec::new() };
        let takes = |c: &Choice, comp: &Component| {
            match c {
            Choice::Insert { mount, .. } => base.mount(mount).is_some_and(|i| cat.mount_takes(&base.mounts[i], comp).is_ok()),
            Choice::Station { mount, .. } => base.mount(mount).is_some_and(|i| {
                matches!(&base.mounts[i].spec, MountSpec::Strand(s) if s.station_connectors.contains(&comp.connector))
            }),
            _ => false,
        }
        };
        let places = self.open_choices(d);
        let mut out = Vec::new();
        for (ci, comp) in cat.components.iter().enumerate() {
            if out.len() >= 16 {
                break;
            }
            if !then.matches(ci as CompId, comp) || comp.stock == Some(0) {
                continue;
            }
            // An empty station first, else the first place that takes it.
            let free_station = |c: &&Choice| match c {
                Choice::Station { mount, index } => d
                    .mounts
                    .get(mount)
                    .and_then(|m| m.stations.as_ref())
                    .and_then(|s| s.get(*index).cloned().flatten())
                    .is_none(),
                _ => true,
            };
            if let Some(c) = places.iter().filter(free_station).find(|c| takes(c, comp)) {
                out.push(Repair {
                    description: format!("add {}", comp.name),
                    edits: vec![Edit::Add { choice: self.resolve(d, c), option: comp.sku.clone() }],
                });
            }
        }
        out
    }
}
