//! Pure domain code: the rules of legal-aid cross-inspection with no I/O, clock, database or
//! web. Everything else in the crate may use `domain`; `domain` uses nothing else in the crate.

/// Shows each listed enum by its Chinese label (`Display` writes `label()`), the way every
/// coded enum of the domain (stored by `code()`) is shown to users.
macro_rules! display_by_label {
    ($($coded:ty),+ $(,)?) => {$(
        impl std::fmt::Display for $coded {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.label())
            }
        }
    )+};
}

pub mod assignment;
pub mod case_type;
pub mod citation;
pub mod doc_number;
pub mod ecf;
pub mod evidence;
pub mod findings;
pub mod ids;
pub mod local_time;
pub mod masking;
pub mod notice_text;
pub mod objection;
pub mod offline;
pub mod people;
pub mod rectification;
pub mod registry;
pub mod round;
pub mod round_actions;
pub mod round_pages;
pub mod rubric;
pub mod sampling;
pub mod scoring;
pub mod summary;
pub mod text_limits;
pub mod throttle;
pub mod verification_code;

pub use case_type::CaseType;
pub use people::UnitScope;
