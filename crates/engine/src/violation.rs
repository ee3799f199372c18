//! Violations: what a design breaks, where, in words, by how much ([`Excess`]), and the verified
//! repair where the fix is plain; and [`worse`], which compares two designs' violations — the
//! one definition of "feasible" and of a repair that keeps its promise.

use crate::choices::Repair;
use serde::Serialize;
use std::collections::HashMap;

/// Where in a design a violation sits.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Place {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mount: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub section: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub index: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

impl Place {
    pub(crate) fn mount(m: &str) -> Place {
        Place { mount: Some(m.into()), ..Place::default() }
    }
    pub(crate) fn at(m: &str, section: usize, index: Option<usize>) -> Place {
        Place { mount: Some(m.into()), section: Some(section), index, field: None }
    }
    pub(crate) fn field(f: &str) -> Place {
        Place { field: Some(f.into()), ..Place::default() }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Violation {
    /// The rule broken: a structural rule name (`capacity`, `family`…) or `rule:<id>` for catalog rules.
    pub rule: String,
    pub place: Place,
    pub message: String,
    /// The edits that fix it, verified, when the message names a fix.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub repair: Option<Repair>,
    /// How far the design is from meeting the rule, for rules that can be missed by more or less
    /// (see [`Excess`]); `None` for a rule that is simply broken at its place.
    #[serde(skip)]
    pub excess: Option<Excess>,
}

/// By how much a design misses a rule: the subject the rule counts (a section, a kind on a mount,
/// a SKU's stock, a catalog rule) and the amount over or under (µm, pieces, mm³ × 1000, or a CEL
/// rule's distance). Two violations with one subject are the same rule missed by different amounts.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Excess {
    pub subject: String,
    pub amount: u64,
}

impl Violation {
    /// What makes two violations "the same one" when comparing designs: the subject of a measured
    /// violation, else the rule, the place without its index (positions shift when a component is
    /// inserted) and the message.
    fn identity(&self) -> (String, String) {
        match &self.excess {
            Some(x) => (self.rule.clone(), x.subject.clone()),
            None => (
                self.rule.clone(),
                format!("{:?}|{:?}|{:?}|{}", self.place.mount, self.place.section, self.place.field, self.message),
            ),
        }
    }
}

/// The violations of `after` that are new or worse than in `before`: a measured violation is worse
/// when its amount grew, an unmeasured one is new when `after` has more of it than `before`.
/// "Feasible" is "nothing worse" (ARCHITECTURE.md): from a valid design it means valid, and on an
/// invalid one a candidate may leave what was broken as it was, never break it further.
pub fn worse<'a>(before: &[Violation], after: &'a [Violation]) -> Vec<&'a Violation> {
    let mut amounts: HashMap<(String, String), u64> = HashMap::new();
    let mut counts: HashMap<(String, String), usize> = HashMap::new();
    for v in before {
        match &v.excess {
            Some(x) => {
                let a = amounts.entry(v.identity()).or_default();
                *a = (*a).max(x.amount);
            }
            None => *counts.entry(v.identity()).or_default() += 1,
        }
    }
    let mut out = Vec::new();
    for v in after {
        match &v.excess {
            Some(x) => match amounts.get(&v.identity()) {
                Some(&a) if x.amount <= a => {}
                _ => out.push(v),
            },
            None => {
                let c = counts.entry(v.identity()).or_default();
                if *c > 0 {
                    *c -= 1;
                } else {
                    out.push(v);
                }
            }
        }
    }
    out
}
