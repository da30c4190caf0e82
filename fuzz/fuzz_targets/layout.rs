#![no_main]
//! The PDF layout engine: every document kind with texts of 0 to 100,000 characters.
libfuzzer_sys::fuzz_target!(|data: &[u8]| pingcha::fuzzing::layout(data));
