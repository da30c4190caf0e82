//! Pingcha (评查): quarterly cross-inspection of legal-aid case files for bureaus of justice.
//!
//! Map of the crate — dependencies point inward, towards `domain`:
//! - [`domain`]: the rules (roles, units, case types …) as pure code: no I/O, no clock.
//! - [`storage`]: diesel over SQLite or PostgreSQL; migrations, sessions, the audit log.
//! - [`security`]: password hashing, random tokens.
//! - [`documents`]: PDFs (score sheets, feedback, GB/T 9704 notices, bulletins) on printpdf.
//! - [`web`]: actix-web + handlebars; `web::routes` is the one route table, with the roles
//!   allowed on every route.
//! - [`demo`]: the demo data set (`pingcha demo`, `serve --demo`).
//! - [`cli`]: the clap command line; the only place besides `main.rs` that uses anyhow.

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
