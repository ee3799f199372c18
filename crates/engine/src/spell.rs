//! Spelling a word in letter beads: each character mapped to an in-stock letter bead the strand
//! takes; accented letters without their own bead are flagged with the plain letter as a fallback
//! the shopper must accept (the trade's "consented fallback"), never substituted silently. The
//! spelled design is then evaluated: it is valid, or the answer says why not in words — too many
//! letters for the strand, too long for the size (and which size takes it), too long for the
//! largest size and by how much, no letter at all.

use crate::design::{CatalogRef, Design, MountDesign};
use crate::eval::Engine;
use orfevre_catalog::{CompId, Kind, Mm, MountSpec};
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

/// Why the spelled word as a whole cannot be made as it is.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "problem", rename_all = "kebab-case")]
pub enum WordProblem {
    /// No letter to spell.
    Empty { message: String },
    /// Fewer letters than the strand needs.
    TooFew { letters: u32, min: u32, message: String },
    /// More beads than the strand holds (its count limits).
    TooMany { beads: u32, max: u32, message: String },
    /// Longer than the chosen size holds; `size` (an id) is the smallest that takes it.
    NeedsSize { size: String, label: String, message: String },
    /// Longer than the largest size holds, by `over`.
    TooLong { over: Mm, message: String },
    /// Another rule the spelled design breaks, in the engine's words.
    Other { rule: String, message: String },
}

#[derive(Clone, Debug, Serialize)]
pub struct Spelling {
    /// The beads in order, spacers at the ends when the strand asks for them (unresolved letters left out).
    pub skus: Vec<String>,
    /// Letters to resolve, one by one.
    pub issues: Vec<SpellIssue>,
    /// Why the word as a whole cannot be made as it is (empty when the design is valid or only
    /// letters are to resolve).
    pub problems: Vec<WordProblem>,
    /// A design holding the spelling: valid exactly when `issues` and `problems` are both empty.
    pub design: Option<Design>,
}

impl Engine {
    /// Spells `text` on the strand `mount` of `base`, at `size` (the base's default when `None`).
    pub fn spell(&self, base: &str, mount: &str, size: Option<&str>, text: &str) -> Spelling {
        let cat = &self.catalog;
        let mut out = Spelling { skus: Vec::new(), issues: Vec::new(), problems: Vec::new(), design: None };
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
        let design = Design {
            catalog: CatalogRef { id: cat.brand.id.clone(), version: cat.brand.version.clone() },
            base: base.to_string(),
            size: size.map(String::from),
            mounts,
            fields: Default::default(),
        };
        let letters = out.skus.iter().filter(|s| self.is_letter(s)).count() as u32;
        if letters == 0 && out.issues.is_empty() {
            out.problems.push(WordProblem::Empty { message: "type at least one letter".into() });
        }
        let unresolved = !out.issues.is_empty();
        out.problems.extend(self.word_problems(&design, b, m.id.as_str(), letters, unresolved, spec));
        out.design = Some(design);
        out
    }

    fn is_letter(&self, sku: &str) -> bool {
        self.catalog.component(sku).is_some_and(|c| self.catalog.comp(c).kind == Kind::LetterBead)
    }

    /// The spelled design's violations, as problems of the word.
    fn word_problems(
        &self,
        d: &Design,
        base: &orfevre_catalog::Base,
        mount: &str,
        letters: u32,
        unresolved: bool,
        spec: &orfevre_catalog::StrandSpec,
    ) -> Vec<WordProblem> {
        let mut out = Vec::new();
        let violations = self.violations(d);
        let beads = d.mounts.get(mount).and_then(|m| m.sections.as_ref()).map(|s| s.iter().flatten().count() as u32);
        let beads = beads.unwrap_or(0);
        let mut capacity = false;
        // A count by kind on the letters (its subject is `mount/letter-bead`).
        let on_letters =
            |v: &crate::eval::Violation| v.excess.as_ref().is_some_and(|x| x.subject.ends_with("/letter-bead"));
        for v in &violations {
            match v.rule.as_str() {
                // The strand's own count (a section's has its message).
                "count" if v.place.section.is_none() && spec.max_count.is_some() => {
                    let max = spec.max_count.unwrap_or(beads);
                    out.push(WordProblem::TooMany {
                        beads,
                        max,
                        message: format!(
                            "{} holds at most {max} beads, spacers included; this name takes {beads}",
                            base.name
                        ),
                    });
                }
                "max-kind" if on_letters(v) => {
                    let max = spec.max.iter().find(|(k, _)| *k == Kind::LetterBead).map(|x| x.1).unwrap_or(letters);
                    out.push(WordProblem::TooMany {
                        beads: letters,
                        max,
                        message: format!("{} takes at most {max} letters; this name has {letters}", base.name),
                    });
                }
                "min-kind" if on_letters(v) && (letters > 0 || unresolved) => {
                    let min = spec.min.iter().find(|(k, _)| *k == Kind::LetterBead).map(|x| x.1).unwrap_or(0);
                    out.push(WordProblem::TooFew {
                        letters,
                        min,
                        message: format!("{} needs at least {min} letters; this name has {letters}", base.name),
                    });
                }
                "min-kind" if on_letters(v) => {}
                "capacity" => capacity = true,
                rule => out.push(WordProblem::Other { rule: rule.to_string(), message: v.message.clone() }),
            }
        }
        if capacity {
            // The smallest size that holds it, or how much too long it is for the largest.
            let current = d.size.as_deref().and_then(|s| base.size(s)).unwrap_or(base.default_size);
            let fits = base.larger_sizes(current).into_iter().find(|z| {
                let mut nd = d.clone();
                nd.size = Some(z.id.clone());
                !self.violations(&nd).iter().any(|v| v.rule == "capacity")
            });
            match fits {
                Some(z) => out.push(WordProblem::NeedsSize {
                    size: z.id.clone(),
                    label: z.label.clone(),
                    message: format!("this name needs size {} or larger", z.label),
                }),
                None => {
                    let largest = base.sizes.iter().max_by_key(|z| z.length).unwrap_or(&base.sizes[0]);
                    let widths: i64 = d
                        .mounts
                        .get(mount)
                        .and_then(|m| m.sections.as_ref())
                        .into_iter()
                        .flatten()
                        .flatten()
                        .filter_map(|s| self.catalog.component(s))
                        .map(|c| self.catalog.comp(c).width.um())
                        .sum();
                    let room = spec.section_capacity(largest).um() * spec.sections() as i64;
                    // Rounded up to the tenth of a millimetre: a shopper reads "4.2 mm", not "4.183 mm".
                    let over = Mm::from_um(((widths - room).max(0) + 99) / 100 * 100);
                    out.push(WordProblem::TooLong {
                        over,
                        message: format!("this name is {over} too long for the largest size, {}", largest.label),
                    });
                }
            }
        }
        out
    }
}
