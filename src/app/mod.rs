//! The application layer: one module per family of use cases. A use case takes the
//! connection, the caller and the clock; it loads through [`crate::storage`], decides through
//! [`crate::domain`], and writes in one transaction, re-checking inside it what it decided on.
//! The pages ([`crate::web`]) and the command line ([`crate::cli`]) call these and otherwise
//! only parse, authorise and render, so the command line can do what the pages do. A use
//! case may call `storage`, `domain` and the adapters (`documents`, `export`, `import`); it
//! never calls `web` or `cli`, and what it tells a user is worded in [`messages`].
//!
//! [`messages`] is the one catalogue of what a user reads, shared by the pages and the
//! command line.

pub mod accounts;
pub mod audit;
pub mod bureau;
pub mod calibration;
pub mod document_data;
pub mod ecf;
pub mod ecf_bulk;
pub mod imports;
pub mod issuing;
pub mod messages;
pub mod objections;
pub mod offline;
pub mod reconciliation;
pub mod rectification;
pub mod review_messages;
pub mod rounds;
pub mod rubrics;
pub mod sampling;
pub mod score_forms;
pub mod summaries;
pub mod teams;
