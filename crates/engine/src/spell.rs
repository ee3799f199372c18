//! Spelling a word in letter beads: each character mapped to an in-stock letter bead the strand
//! takes; accented letters without their own bead are flagged with the plain letter as a fallback
//! the shopper must accept (the trade's "consented fallback"), never substituted silently.

use crate::design::{CatalogRef, Design, MountDesign};
use crate::eval::Engine;
use orfevre_catalog::{CompId, Kind, MountSpec};
use serde::Serialize;
use unicode_normalization::UnicodeNormalization;

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Problem {
    /// No bead shows this character; `alternatives` holds the plain letter's bead if there is one.
    Missing,
    /// The bead exists but there are not enough in stock for the word.
    OutOfStock,
}

#[derive(Clone, Debug, Serialize)]
pub struct SpellIssue {
    pub index: usize,
    pub character: char,
    pub problem: Problem,
    pub alternatives: Vec<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Spelling {
    /// The beads in order, spacers at the ends when the strand asks for them (unresolved letters left out).
    pub skus: Vec<String>,
    pub issues: Vec<SpellIssue>,
    /// A design holding the spelling (valid when `issues` is empty and the word fits).
    pub design: Option<Design>,
}

impl Engine {
    /// Spells `text` on the strand `mount` of `base`.
    pub fn spell(&self, base: &str, mount: &str, text: &str) -> Spelling {
        let cat = &self.catalog;
        let mut out = Spelling { skus: Vec::new(), issues: Vec::new(), design: None };
        let Some(b) = cat.base(base).map(|b| &cat.bases[b as usize]) else { return out };
        let Some(m) = b.mount(mount).map(|i| &b.mounts[i]) else { return out };
        let MountSpec::Strand(spec) = &m.spec else { return out };
        let usable = |c: CompId| cat.mount_takes(m, cat.comp(c)).is_ok();
        let bead_for = |ch: char| -> Option<CompId> {
            (0..cat.components.len() as CompId).find(|&c| {
                let comp = cat.comp(c);
                comp.kind == Kind::LetterBead
                    && comp.glyph.as_deref().and_then(|g| g.chars().next()) == Some(ch)
                    && usable(c)
            })
        };
        let mut used: std::collections::HashMap<CompId, u32> = std::collections::HashMap::new();
        let spacer = (0..cat.components.len() as CompId)
            .find(|&c| cat.comp(c).kind == Kind::Spacer && usable(c) && cat.comp(c).stock.is_none_or(|s| s >= 2));
        if spec.first == Some(Kind::Spacer) {
            if let Some(s) = spacer {
                out.skus.push(cat.comp(s).sku.clone());
            }
        }
        for (index, ch) in text.nfc().enumerate() {
            if ch.is_whitespace() {
                continue;
            }
            let upper = ch.to_uppercase().next().unwrap_or(ch);
            match bead_for(upper) {
                Some(c) => {
                    let n = used.entry(c).or_default();
                    *n += 1;
                    if cat.comp(c).stock.is_some_and(|s| *n > s) {
                        let plain = upper.to_string().nfd().next().and_then(bead_for).filter(|&p| p != c);
                        out.issues.push(SpellIssue {
                            index,
                            character: ch,
                            problem: Problem::OutOfStock,
                            alternatives: plain.map(|p| cat.comp(p).sku.clone()).into_iter().collect(),
                        });
                    } else {
                        out.skus.push(cat.comp(c).sku.clone());
                    }
                }
                None => {
                    let plain = upper.to_string().nfd().next().filter(|p| *p != upper).and_then(bead_for);
                    out.issues.push(SpellIssue {
                        index,
                        character: ch,
                        problem: Problem::Missing,
                        alternatives: plain.map(|p| cat.comp(p).sku.clone()).into_iter().collect(),
                    });
                }
            }
        }
        if spec.last == Some(Kind::Spacer) {
            if let Some(s) = spacer {
                out.skus.push(cat.comp(s).sku.clone());
            }
        }
        let mut mounts = std::collections::BTreeMap::new();
        mounts.insert(
            mount.to_string(),
            MountDesign { sections: Some(vec![out.skus.clone()]), ..MountDesign::default() },
        );
        out.design = Some(Design {
            catalog: CatalogRef { id: cat.brand.id.clone(), version: cat.brand.version.clone() },
            base: base.to_string(),
            size: None,
            mounts,
            fields: Default::default(),
        });
        out
    }
}
