//! # orfevre-engine
//!
//! The configuration engine: a design ([`Design`], documented JSON, content-addressed) evaluated
//! against a resolved catalog into an [`Evaluation`] — valid or not with every violated rule in
//! plain words, an exact price breakdown, weight, lead time and bill of materials — and, for each
//! open choice, which candidates are feasible, why the others are not, and the smallest repair.
//! After the sale, [`Engine::alter`] checks a made piece's alterations (a charm added, a link
//! swapped, a bead taken off) against the piece's current state.
//!
//! Evaluation is a pure function: no I/O, no clock, no randomness, and it never fails.

pub mod alter;
pub mod choices;
pub mod design;
pub mod eval;
pub mod spell;
pub mod violation;

pub use alter::{Alteration, AlterationKind, Altered, Refusal};
pub use choices::{apply_choice, apply_edit, apply_repair, Candidate, Choice, ChoiceReport, Edit, Repair};
pub use design::{CatalogRef, Design, DesignError, FieldValue, MountDesign, ParamValue};
pub use eval::{worse, Engine, Evaluation, Excess, Geometry, Place, PriceBreakdown, Violation};
pub use spell::{Problem, SpellIssue, Spelling, WordProblem};
