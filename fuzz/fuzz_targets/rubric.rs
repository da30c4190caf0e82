#![no_main]
//! The rubric parser (TOML rubric files, as in scoring-rubrics/).
libfuzzer_sys::fuzz_target!(|data: &[u8]| pingcha::fuzzing::rubric(data));
