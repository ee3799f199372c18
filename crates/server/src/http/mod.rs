//! The HTTP kernel: what every route shares and nothing else — problem documents and the one
//! place each service error becomes one ([`problem`]), extractors that check a request's parts
//! ([`extract`]), who is asking and the role policies ([`auth`]), responses ([`respond`]) and
//! media served by range ([`ranges`]). It imports the services' error types and the state, never a
//! route module.

pub mod auth;
pub mod extract;
pub mod problem;
pub mod ranges;
pub mod respond;

pub use auth::Principal;
pub use extract::{DesignBody, DesignHash, Json, Query};
pub use problem::{ApiResult, Problem};

/// The state every handler reads.
pub type S = axum::extract::State<std::sync::Arc<crate::state::AppState>>;
