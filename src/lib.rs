//! Pingcha (评查): quarterly cross-inspection of legal-aid case files for bureaus of justice.
//!
//! Map of the crate, in layers; an arrow reads "calls", and nothing calls against them:
//!
//! ```text
//! web ─┐            ┌─> storage ──────────────────────┐
//!      ├─> app ─────┼─> documents, export, import ────┼─> domain
//! cli ─┘            └─────────────────────────────────┘
//! ```
//!
//! - [`domain`]: the rules as pure code: roles and scopes, the round's state machine and the
//!   actions each state allows, sampling, teams, scoring, final results, rectification,
//!   objections. No I/O, no clock, no OS randomness; it uses nothing else of the crate.
//! - [`storage`]: diesel queries over SQLite or PostgreSQL (one code path): row structs, typed
//!   ids mapped once into domain types, typed errors, no prose. Migrations, sessions, the
//!   audit log.
//! - [`app`]: the use cases, one module per family. Each takes the connection, the caller and
//!   the clock, loads through `storage`, decides through `domain` and writes in one
//!   transaction. [`app::messages`] is the one catalogue of what a user reads.
//! - [`web`]: actix-web + handlebars. Handlers parse, authorise, call `app` and render;
//!   `web::routes` is the one route table (access, body limit and round write of every
//!   route); `web::trace` gives each request a span.
//! - [`cli`]: the clap command line, the other way in; calls `app` as the pages do. The only
//!   place besides `main.rs` that uses anyhow.
//! - Adapters, called by `app`, never touching the database: [`documents`] (PDFs on
//!   printpdf: score sheets, feedback, GB/T 9704 notices, bulletins), [`export`] (XLSX),
//!   [`import`] (XLSX/CSV registries, pools and unit lists into domain values).
//! - Support: [`security`] (password hashing, random tokens, keyed hashes), [`telemetry`]
//!   (logging), [`demo`] (the demo data set: `pingcha demo`, `serve --demo`), `fuzzing`
//!   (entry points of the fuzz targets).
//!
//! `tests/architecture.rs` fails when `domain` names I/O, the clock or OS randomness, or
//! `storage` holds Chinese text.

pub mod app;
pub mod cli;
pub mod demo;
pub mod documents;
pub mod domain;
pub mod export;
pub mod fuzzing;
pub mod import;
pub mod security;
pub mod storage;
pub mod telemetry;
pub mod web;
