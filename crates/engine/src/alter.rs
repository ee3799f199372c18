//! Alterations of a made piece: a module (charm, bead, link, clip, insert) added, swapped in or
//! taken off after the sale.
//!
//! A piece's current state is its design as made plus the alterations since; each new one is
//! checked against that state, not against the original design, with the same rule as the
//! configurator's choices: an alteration is accepted when it adds no violation. One difference:
//! the modules already on the piece were drawn from stock when it was made, so only a module being
//! added is checked against stock (the design's own stock rule counts every placement).

use crate::choices::{apply_choice, apply_edit, Choice, Edit, Repair};
use crate::design::Design;
use crate::eval::{worse, Engine, Violation};
use serde::{Deserialize, Serialize};

/// What the workshop does to a piece.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "kebab-case", deny_unknown_fields)]
pub enum Alteration {
    /// Put `sku` at a module choice: added to a strand section or a container, clipped on a
    /// station, or swapped into a slot or socket (a swap when the place was taken).
    Add { choice: Choice, sku: String },
    /// Take off the component at `index` of a strand section (or of a container: section 0).
    Remove { mount: String, section: usize, index: usize },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AlterationKind {
    ModuleAdded,
    ModuleSwapped,
    ModuleRemoved,
}

impl AlterationKind {
    /// The piece history's event kind.
    pub fn as_str(self) -> &'static str {
        match self {
            AlterationKind::ModuleAdded => "module_added",
            AlterationKind::ModuleSwapped => "module_swapped",
            AlterationKind::ModuleRemoved => "module_removed",
        }
    }
}

/// An accepted alteration: the piece's new design and what changed.
#[derive(Clone, Debug, Serialize)]
pub struct Altered {
    #[serde(skip)]
    pub design: Design,
    pub kind: AlterationKind,
    /// The SKU put on (added, swapped in) or taken off.
    pub sku: String,
    /// The SKU a swap took off.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replaced: Option<String>,
}

/// A refused alteration: why, in plain words, where the request points, and a verified repair
/// when one exists (for additions: a larger size, or removals from the same section).
#[derive(Clone, Debug, Serialize)]
pub struct Refusal {
    /// The part of the request at fault, as a JSON pointer (`/sku`, `/choice/kind`, `/index`…).
    pub pointer: String,
    pub reasons: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub repair: Option<Repair>,
}

impl Refusal {
    fn at(pointer: &str, reason: String) -> Refusal {
        Refusal { pointer: pointer.into(), reasons: vec![reason], repair: None }
    }
}

/// The messages of the violations of `after` that are new or worse than in `before` (see
/// [`worse`]), stock aside (see the module's docs).
fn new_violations(before: &[Violation], after: Vec<Violation>) -> Vec<String> {
    let before: Vec<Violation> = before.iter().filter(|v| v.rule != "stock").cloned().collect();
    let after: Vec<Violation> = after.into_iter().filter(|v| v.rule != "stock").collect();
    let mut out: Vec<String> = worse(&before, &after).into_iter().map(|v| v.message.clone()).collect();
    out.dedup();
    out
}

impl Engine {
    /// Checks `a` against the piece's current design `d` and answers the new design, or why not.
    pub fn alter(&self, d: &Design, a: &Alteration) -> Result<Altered, Refusal> {
        let cat = &self.catalog;
        let Some(b) = cat.base(&d.base) else {
            return Err(Refusal::at("", format!("the catalog {} no longer offers base {}", cat.brand.version, d.base)));
        };
        let base = &cat.bases[b as usize];
        let before = self.violations(d);
        match a {
            Alteration::Add { choice, sku } => {
                let replaced = match choice {
                    Choice::Insert { .. } => None,
                    Choice::Station { mount, index } => {
                        d.mounts.get(mount).and_then(|m| m.stations.as_ref()?.get(*index).cloned().flatten())
                    }
                    Choice::Slot { mount, index } => {
                        d.mounts.get(mount).and_then(|m| m.slots.as_ref()?.get(*index).cloned().flatten())
                    }
                    Choice::Socket { mount } => d.mounts.get(mount).and_then(|m| m.item.clone()),
                    Choice::Param { .. } | Choice::Field { .. } | Choice::Size => {
                        return Err(Refusal::at(
                            "/choice/kind",
                            "a piece is altered by its modules: insert, station, slot or socket".into(),
                        ))
                    }
                };
                let Some(id) = cat.component(sku) else {
                    return Err(Refusal::at(
                        "/sku",
                        format!("the catalog {} has no component {sku}", cat.brand.version),
                    ));
                };
                let comp = cat.comp(id);
                if comp.stock == Some(0) {
                    return Err(Refusal::at("/sku", format!("{} is out of stock", comp.name)));
                }
                if replaced.as_deref() == Some(sku.as_str()) {
                    return Err(Refusal::at("/sku", format!("{} is already there", comp.name)));
                }
                let choice = &self.resolve(d, choice);
                let mut nd = d.clone();
                apply_choice(&mut nd, choice, sku);
                let new = new_violations(&before, self.violations(&nd));
                if !new.is_empty() {
                    let repair = self.repair(d, choice, sku, base, &before, Some(&|v| v.rule != "stock"));
                    return Err(Refusal { pointer: "/sku".into(), reasons: new, repair });
                }
                let kind = if replaced.is_some() { AlterationKind::ModuleSwapped } else { AlterationKind::ModuleAdded };
                Ok(Altered { design: nd, kind, sku: sku.clone(), replaced })
            }
            Alteration::Remove { mount, section, index } => {
                let m = d.mounts.get(mount);
                let list = match m.map(|m| (&m.sections, &m.items)) {
                    Some((Some(s), _)) => s.get(*section),
                    Some((None, Some(items))) if *section == 0 => Some(items),
                    _ => None,
                };
                let Some(list) = list else {
                    return Err(Refusal::at("/section", format!("{mount} has no section {section} with components")));
                };
                let Some(sku) = list.get(*index).cloned() else {
                    return Err(Refusal::at(
                        "/index",
                        format!(
                            "section {section} of {mount} has {} component(s); there is no index {index}",
                            list.len()
                        ),
                    ));
                };
                let mut nd = d.clone();
                apply_edit(&mut nd, &Edit::Remove { mount: mount.clone(), section: *section, index: *index });
                let new = new_violations(&before, self.violations(&nd));
                if !new.is_empty() {
                    return Err(Refusal { pointer: "/index".into(), reasons: new, repair: None });
                }
                Ok(Altered { design: nd, kind: AlterationKind::ModuleRemoved, sku, replaced: None })
            }
        }
    }
}
