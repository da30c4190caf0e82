//! The one integration-test binary. Each test starts the real app on port 0 with a fresh
//! database: a temporary SQLite file, or — with `PINGCHA_TEST_BACKEND=postgres` — a randomly
//! named PostgreSQL database that is dropped afterwards. PostgreSQL is never skipped: when
//! it is selected and unreachable, the tests fail.
//!
//! Modules:
//! - `access`: the route table × roles matrix, anonymous redirects, 403s.
//! - `admin_place`: the teams and progress pages keep the administrator's place (settings kept,
//!   capacity explained, reassignment choices by the rules, refusals as the page).
//! - `auth`: sign-in, sign-out, throttling, CSRF, session fixation, cookies, audit of logins.
//! - `units`: unit scoping (a center manager sees only their own unit), the JSON API.
//! - `accounts`: creating and changing accounts through the pages and the API.
//! - `rounds`: rounds, registry import (XLSX, GBK CSV), preview, plan, freeze, verify, export.
//! - `sheets`: the score form: drafts, stale versions, running total, submit and lock.
//! - `reconciliation`: double review, 合议, approval, reassignment, autosave, calibration, blind.
//! - `teams`: cross-check teams generated, explained, changed, published, exported.
//! - `rectification`: findings, notices and their numbers (also issued in parallel), the
//!   state machine by role, own-unit 403s, checked evidence uploads, the whole flow by page.
//! - `migrations`: both migration folders apply on empty databases and every down reverses
//!   its up.
//! - `rubric_pages`: rubric pages for every role, validated uploads, snapshots.
//! - `rubrics`: every shipped rubric validates, each broken fixture gives its precise error,
//!   worked examples per rubric.
//! - `documents`: every PDF read back with poppler (text, fonts, pages, A4, 禁则).
//! - `gbt9704`: GB/T 9704-2012 measured from poppler's text boxes (a helper any official
//!   document can use); the notice passes, a form does not.
//! - `notice_documents`: the notice as issued through the app (title, 合议 sentence, 附件,
//!   版记, 核验码 in the text block) and its correction (更正) with `/verify` on both codes.
//! - `error_pages`: error answers keep the signed-in frame and carry no English (pages, API).
//! - `layout`: long texts split across pages and read back whole; rare name characters
//!   (Extensions A and B) in every document; missing characters named in Chinese; `.ttc` faces.
//! - `hostile`: hostile text in imports and answers, formula injection, zip bombs, traversal.
//! - `servers`: two `pingcha serve` processes on one database act as one system.
//! - `faults`: SIGKILL during a large import; PostgreSQL refusing connections (503, recovery).
//! - `cli`: the binary's commands and its one-line errors.
//! - `backup`: backup while serving, restore, every table compared row by row; bad restores.
//! - `audit_page`: the audit page in Beijing time, Chinese, with names, filters and paging.
//! - `audit_chain`: the audit log's hash chain: verify passes untouched, names an altered or
//!   deleted row, seals old entries, survives concurrent appends.
//! - `verify`: verifiable documents: byte-identical PDFs with a printed 核验码, `/verify`.
//! - `fuzz_corpus`: the committed fuzz corpus and crash regressions replayed (no fuzzer).
//! - `summary`: leadership summaries: figures against the stored sheets, unit isolation, XLSX.
//! - `text_limits`: length and character limits of stored texts on pages, API, imports, rubric
//!   files; NUL bytes on both backends; Excel's cell limit in exports.
//! - `throttling`: guesses never lock out another address; /verify apart from sign-in;
//!   parallel guesses counted exactly; forwarded addresses from trusted proxies (and nginx).
//! - `bodies`: per-route body limits (parts, total, streamed), long forms, CSRF never in the
//!   query string.
//! - `headers`: security headers on every kind of response, no inline script; readiness.
//! - `round_state`: the round's status governs every write: a closed round cannot be changed
//!   (pages, API, storage); the route table × round status matrix.
//! - `blind`: the unit of a blind round sees roles, never people, in everything it fetches.
//! - `seams_round`: a quarter's seams: withdrawn findings closed, one overdue rule told once,
//!   entering 反馈整改 with unfinished files confirmed.
//! - `citations`: page citations on deductions: normalised, refused naming the item, old
//!   single pages still read, printed on the score sheet, feedback report and notice.
//! - `confirmations`: irreversible steps refused without their confirmation; breaches listed
//!   and confirmed a second time before a version is published.
//! - `races`: the same record created at once by several requests: one stored, 409 or the
//!   winner's record for the others, never 500.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may unwrap, as clippy.toml allows in #[test] fns

mod access;
mod accounts;
mod admin_place;
mod audit_chain;
mod audit_page;
mod auth;
mod backup;
mod blind;
mod bodies;
mod citations;
mod clerk_documents;
mod cli;
mod confirmations;
mod document_samples;
mod documents;
mod ecf;
mod error_pages;
mod faults;
mod fuzz_corpus;
mod gbt9704;
mod headers;
mod helpers;
mod hostile;
mod issuing;
mod layout;
mod migrations;
mod notice_documents;
mod objections;
mod offline;
mod races;
mod reconciliation;
mod rectification;
mod review_seams;
mod round_documents;
mod round_state;
mod rounds;
mod rubric_pages;
mod rubrics;
mod seams_round;
mod servers;
mod sheets;
mod summary;
mod teams;
mod text_limits;
mod throttling;
mod units;
mod verify;
