//! The server's integration tests, in one binary (one link instead of one per file): the OpenAPI
//! document against its golden copy, handlers in process, services without HTTP, and the
//! layering rules read from the source.

mod handlers;
mod layering;
mod openapi;
mod production;
mod services;
