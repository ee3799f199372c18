//! Open choices: for each place a shopper can act on, which candidates are feasible, why the others
//! are not, and the smallest repair that would admit them.
//!
//! Feasible means: making the choice adds no violation to the design (every violation of the new
//! design, message included, was already there). So from a valid design, a feasible candidate
//! always gives a valid design. Candidates a mount can never take are refused from the catalog's
//! static test without evaluating; the rest are decided by evaluating the changed design, which
//! keeps one source of truth for every rule.

use crate::design::{Design, ParamValue};
use crate::eval::{Engine, Violation};
use orfevre_catalog::*;
use serde::{Deserialize, Serialize};
use std::collections::HashSet;

/// A place in the design where the shopper chooses.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case", deny_unknown_fields)]
pub enum Choice {
    /// Add a component to a strand section (or a container: section 0).
    Insert { mount: String, section: usize },
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

/// One edit of a design.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "kebab-case")]
pub enum Edit {
    SetSize { size: String },
    Remove { mount: String, section: usize, index: usize },
}

#[derive(Clone, Debug, Serialize)]
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
                }
            }
        }
    }
}

/// Makes choice `c` with `option` (a SKU, parameter value, size or field option).
pub fn apply_choice(d: &mut Design, c: &Choice, option: &str) {
    match c {
        Choice::Insert { mount, section } => {
            let m = d.mount_mut(mount);
            if let Some(items) = m.items.as_mut() {
                items.push(option.to_string());
                return;
            }
            let secs = m.sections.get_or_insert_with(Vec::new);
            while secs.len() <= *section {
                secs.push(Vec::new());
            }
            secs[*section].push(option.to_string());
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

type Key = (String, String);

/// A violation's identity for "no new violation": its rule, place and message.
pub(crate) fn key(v: &Violation) -> Key {
    (v.rule.clone(), format!("{:?}|{}", v.place, v.message))
}

fn keys(v: &[Violation]) -> HashSet<Key> {
    v.iter().map(key).collect()
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
                        out.push(Choice::Insert { mount: id.clone(), section });
                    }
                    for index in 0..s.stations as usize {
                        out.push(Choice::Station { mount: id.clone(), index });
                    }
                }
                MountSpec::Slots(_) => out.push(Choice::Slot { mount: id, index: 0 }),
                MountSpec::Socket(_) => out.push(Choice::Socket { mount: id }),
                MountSpec::Container(_) => out.push(Choice::Insert { mount: id, section: 0 }),
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

    fn choice_with(&self, d: &Design, c: &Choice, before: &[Violation]) -> ChoiceReport {
        let cat = &self.catalog;
        let before = keys(before);
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
            Choice::Insert { mount, section } => format!("add to {mount}, section {}", section + 1),
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
            Choice::Insert { mount, section } => self.insert_screen(d, mount, *section),
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
            let new: Vec<&Violation> = after.iter().filter(|v| !before.contains(&key(v))).collect();
            if new.is_empty() {
                cands.push(Candidate { option: opt, feasible: true, reasons: vec![], repair: None });
            } else {
                let reasons = new.iter().map(|v| v.message.clone()).collect();
                let repair = self.repair(d, c, &opt, base);
                cands.push(Candidate { option: opt, feasible: false, reasons, repair });
            }
        }
        cands.sort_by(|a, b| b.feasible.cmp(&a.feasible).then(a.option.cmp(&b.option)));
        ChoiceReport { choice: c.clone(), label, candidates: cands }
    }

    /// Whether `option` is feasible for `c` on `d`.
    pub fn feasible(&self, d: &Design, c: &Choice, option: &str) -> bool {
        let before = keys(&self.violations(d));
        let mut nd = d.clone();
        apply_choice(&mut nd, c, option);
        self.violations(&nd).iter().all(|v| before.contains(&key(v)))
    }

    /// The smallest repair admitting `option`: a larger size, else one removal from the same
    /// section, else two. Each proposal is verified before it is offered.
    pub(crate) fn repair(&self, d: &Design, c: &Choice, option: &str, base: &Base) -> Option<Repair> {
        if matches!(c, Choice::Size) {
            return None;
        }
        let current = d.size.as_ref().and_then(|s| base.size(s)).unwrap_or(base.default_size);
        for s in base.sizes.get(current + 1..).unwrap_or_default() {
            let edits = vec![Edit::SetSize { size: s.id.clone() }];
            if self.admits(d, &edits, c, option) {
                return Some(Repair { description: format!("choose size {}", s.label), edits });
            }
        }
        let (mount, section) = match c {
            Choice::Insert { mount, section } => (mount.clone(), *section),
            _ => return None,
        };
        let md = d.mounts.get(&mount)?;
        let items: Vec<String> = match (&md.sections, &md.items) {
            (Some(s), _) => s.get(section).cloned().unwrap_or_default(),
            (None, Some(items)) => items.clone(),
            _ => return None,
        };
        let name = |sku: &str| {
            self.catalog.component(sku).map(|c| self.catalog.comp(c).name.clone()).unwrap_or(sku.to_string())
        };
        let place = if md.items.is_some() { mount.clone() } else { format!("section {} of {mount}", section + 1) };
        for i in (0..items.len()).rev() {
            let edits = vec![Edit::Remove { mount: mount.clone(), section, index: i }];
            if self.admits(d, &edits, c, option) {
                return Some(Repair { description: format!("remove {} from {place}", name(&items[i])), edits });
            }
        }
        for i in (0..items.len()).rev() {
            for j in (0..i).rev() {
                let edits = vec![
                    Edit::Remove { mount: mount.clone(), section, index: i },
                    Edit::Remove { mount: mount.clone(), section, index: j },
                ];
                if self.admits(d, &edits, c, option) {
                    return Some(Repair {
                        description: format!("remove {} and {} from {place}", name(&items[i]), name(&items[j])),
                        edits,
                    });
                }
            }
        }
        None
    }

    fn admits(&self, d: &Design, edits: &[Edit], c: &Choice, option: &str) -> bool {
        let mut nd = d.clone();
        for e in edits {
            apply_edit(&mut nd, e);
        }
        self.feasible(&nd, c, option)
    }
}
