#![no_main]
//! The registry importer: XLSX or CSV bytes, header matching, row validation.
libfuzzer_sys::fuzz_target!(|data: &[u8]| pingcha::fuzzing::registry(data));
