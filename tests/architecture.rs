//! The layers' rules (see the crate map in `src/lib.rs` and the README's "Architecture"), read
//! from the source text so that breaking one fails the build's tests, not a review:
//! - `src/domain/` is pure: no database, web, file system, network, processes, async runtime,
//!   clock or randomness from the operating system. The caller passes the time and the seed.
//! - `src/storage/` holds queries, not prose: no Chinese text outside comments (what a user
//!   reads is in `app::messages`).
//! - Web handlers stay small and typed: no file of `src/web/handlers/` over 500 lines, and few
//!   `json!` literals in all of them (view structs instead).
//!
//! The `PENDING_*` lists name the files that broke a rule on the day the test was written,
//! while other branches were fixing them; the integrator empties them when merging. A file
//! that is not listed must keep the rule.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may unwrap, as clippy.toml allows in #[test] fns

use std::path::{Path, PathBuf};

/// PENDING: domain files that still do I/O (none today).
const PENDING_IMPURE_DOMAIN: &[&str] = &[];

/// PENDING: storage files with Chinese text in code or string literals, being moved into
/// `app::messages` on another branch.
const PENDING_CHINESE_STORAGE: &[&str] = &[];

/// PENDING: handler files over 500 lines, being split on other branches.
const PENDING_LONG_HANDLERS: &[&str] = &[];

/// PENDING: handler files whose `json!` literals are being replaced by view structs on other
/// branches; their literals are not counted yet.
const PENDING_JSON_HANDLERS: &[&str] = &[];

/// What a pure domain may not name: the database, the web, I/O, the clock, OS randomness.
const IMPURE: &[&str] = &[
    "diesel",
    "actix",
    "actix_web",
    "std::fs",
    "std::net",
    "std::process",
    "tokio",
    "SystemTime::now",
    "Utc::now",
    "Local::now",
    "Instant::now",
    "OsRng",
    "thread_rng",
    "rand::rng",
    "getrandom",
];

/// The most lines a handler file may have.
const MAX_HANDLER_LINES: usize = 500;
/// The most `json!` literals in all handlers together (from 224 lines of them).
const MAX_HANDLER_JSON: usize = 44;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The `.rs` files below `folder` (relative to the crate), as `src/…` paths, sorted.
fn rust_files(folder: &str) -> Vec<String> {
    fn walk(dir: &Path, found: &mut Vec<PathBuf>) {
        let entries = std::fs::read_dir(dir).unwrap_or_else(|error| panic!("{dir:?}: {error}"));
        for entry in entries {
            let path = entry.expect("directory entry").path();
            if path.is_dir() {
                walk(&path, found);
            } else if path.extension().is_some_and(|extension| extension == "rs") {
                found.push(path);
            }
        }
    }
    let mut found = Vec::new();
    walk(&root().join(folder), &mut found);
    let mut files: Vec<String> = found
        .iter()
        .map(|path| {
            path.strip_prefix(root())
                .expect("below the crate")
                .to_string_lossy()
                .replace('\\', "/")
        })
        .collect();
    files.sort();
    files
}

fn read(file: &str) -> String {
    std::fs::read_to_string(root().join(file)).unwrap_or_else(|error| panic!("{file}: {error}"))
}

/// The code of a Rust file without its comments (`//`, `///`, `//!`, `/* */`); string and
/// character literals are kept (a `//` inside a string is not a comment).
fn code_of(source: &str) -> String {
    let chars: Vec<char> = source.chars().collect();
    let mut code = String::with_capacity(source.len());
    let mut at = 0;
    while at < chars.len() {
        let peek = |at: usize| chars.get(at).copied();
        match chars[at] {
            '/' if peek(at + 1) == Some('/') => {
                while at < chars.len() && chars[at] != '\n' {
                    at += 1;
                }
            }
            '/' if peek(at + 1) == Some('*') => {
                let mut depth = 0;
                while at < chars.len() {
                    if chars[at] == '/' && peek(at + 1) == Some('*') {
                        depth += 1;
                        at += 2;
                    } else if chars[at] == '*' && peek(at + 1) == Some('/') {
                        depth -= 1;
                        at += 2;
                        if depth == 0 {
                            break;
                        }
                    } else {
                        at += 1;
                    }
                }
                code.push(' ');
            }
            'r' if matches!(peek(at + 1), Some('"' | '#'))
                && !chars
                    .get(at.wrapping_sub(1))
                    .is_some_and(|c| c.is_alphanumeric() || *c == '_') =>
            {
                // A raw string: r"…", r#"…"#.
                let mut hashes = 0;
                let mut end = at + 1;
                while chars.get(end) == Some(&'#') {
                    hashes += 1;
                    end += 1;
                }
                if chars.get(end) != Some(&'"') {
                    code.push(chars[at]);
                    at += 1;
                    continue;
                }
                let closing: String = std::iter::once('"')
                    .chain(std::iter::repeat_n('#', hashes))
                    .collect();
                let body_start = end + 1;
                let text: String = chars[body_start..].iter().collect();
                let length = text.find(&closing).map_or(text.len(), |found| found);
                let body_chars = text[..length].chars().count();
                code.extend(&chars[at..body_start + body_chars]);
                code.push_str(&closing);
                at = body_start + body_chars + closing.chars().count();
            }
            '"' => {
                code.push('"');
                at += 1;
                while at < chars.len() && chars[at] != '"' {
                    if chars[at] == '\\' {
                        code.push(chars[at]);
                        at += 1;
                    }
                    if at < chars.len() {
                        code.push(chars[at]);
                        at += 1;
                    }
                }
                code.push('"');
                at += 1;
            }
            '\'' if peek(at + 2) == Some('\'') || (peek(at + 1) == Some('\\')) => {
                // A character literal ('"', '\'', '\u{..}'); lifetimes pass through below.
                code.push('\'');
                at += 1;
                while at < chars.len() && chars[at] != '\'' {
                    if chars[at] == '\\' {
                        code.push(chars[at]);
                        at += 1;
                    }
                    if at < chars.len() {
                        code.push(chars[at]);
                        at += 1;
                    }
                }
                code.push('\'');
                at += 1;
            }
            other => {
                code.push(other);
                at += 1;
            }
        }
    }
    code
}

fn is_identifier(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Where `code` names `name` as a whole path or word (not `mydiesel`, `tokio_util`), also as
/// a member of a `use a::{b, …}` group (`use std::{fs, io}` names `std::fs`).
fn names(code: &str, name: &str) -> bool {
    let whole = |text: &str, word: &str| {
        text.match_indices(word).any(|(at, _)| {
            let before = text[..at].chars().next_back();
            let after = text[at + word.len()..].chars().next();
            !before.is_some_and(is_identifier) && !after.is_some_and(is_identifier)
        })
    };
    if whole(code, name) {
        return true;
    }
    let Some((head, last)) = name.rsplit_once("::") else {
        return false;
    };
    code.match_indices(&format!("{head}::{{"))
        .any(|(at, opening)| {
            let group = &code[at + opening.len()..];
            let group = &group[..group.find('}').unwrap_or(group.len())];
            whole(group, last)
        })
}

/// Chinese (CJK) characters: ideographs, CJK punctuation, full-width forms.
fn is_cjk(c: char) -> bool {
    matches!(c,
        '\u{3000}'..='\u{303F}'
        | '\u{3400}'..='\u{4DBF}'
        | '\u{4E00}'..='\u{9FFF}'
        | '\u{F900}'..='\u{FAFF}'
        | '\u{FF00}'..='\u{FFEF}'
        | '\u{20000}'..='\u{3134F}')
}

/// Fails listing the files that break a rule and are not pending; notes pending files that
/// keep it now (their entry can go).
fn check(rule: &str, offenders: Vec<(String, String)>, pending: &[&str], all: &[String]) {
    let new: Vec<String> = offenders
        .iter()
        .filter(|(file, _)| !pending.contains(&file.as_str()))
        .map(|(file, why)| format!("  {file}: {why}"))
        .collect();
    for file in pending {
        if all.contains(&file.to_string()) && !offenders.iter().any(|(found, _)| found == file) {
            eprintln!(
                "note: {file} now keeps the rule \"{rule}\": remove it from its PENDING list"
            );
        }
    }
    assert!(new.is_empty(), "{rule}:\n{}", new.join("\n"));
}

#[test]
fn the_domain_does_no_io_and_reads_no_clock_or_os_randomness() {
    let files = rust_files("src/domain");
    assert!(files.len() > 20, "{files:?}");
    let offenders = files
        .iter()
        .filter_map(|file| {
            let code = code_of(&read(file));
            let named: Vec<&str> = IMPURE
                .iter()
                .copied()
                .filter(|name| names(&code, name))
                .collect();
            (!named.is_empty()).then(|| (file.clone(), format!("uses {}", named.join(", "))))
        })
        .collect();
    check(
        "domain/ must not do I/O",
        offenders,
        PENDING_IMPURE_DOMAIN,
        &files,
    );
}

#[test]
fn storage_has_no_chinese_text_outside_comments() {
    let files = rust_files("src/storage");
    let offenders = files
        .iter()
        .filter_map(|file| {
            let code = code_of(&read(file));
            let lines: Vec<String> = code
                .lines()
                .enumerate()
                .filter(|(_, line)| line.chars().any(is_cjk))
                .map(|(index, _)| (index + 1).to_string())
                .collect();
            (!lines.is_empty()).then(|| (file.clone(), format!("lines {}", lines.join(", "))))
        })
        .collect();
    check(
        "storage/ must not hold Chinese text (put it in app::messages)",
        offenders,
        PENDING_CHINESE_STORAGE,
        &files,
    );
}

#[test]
fn no_handler_file_is_over_500_lines() {
    let files = rust_files("src/web/handlers");
    let offenders = files
        .iter()
        .filter_map(|file| {
            let lines = read(file).lines().count();
            (lines > MAX_HANDLER_LINES).then(|| (file.clone(), format!("{lines} lines")))
        })
        .collect();
    check(
        "a handler file has at most 500 lines (split it into a folder)",
        offenders,
        PENDING_LONG_HANDLERS,
        &files,
    );
}

/// PENDING: storage files still reading rows as positional tuples of more than four fields.
const PENDING_WIDE_TUPLES: &[&str] = &[];

/// The number of top-level elements of the tuple whose `(` is at `open` (a trailing comma
/// does not open another element).
fn tuple_width(code: &str, open: usize) -> usize {
    let mut depth = 0usize;
    let mut width = 0;
    let mut element = false;
    for c in code[open..].chars() {
        match c {
            '(' | '[' | '<' | '{' => {
                depth += 1;
                if depth > 1 {
                    element = true;
                }
            }
            ')' | ']' | '>' | '}' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    break;
                }
            }
            ',' if depth == 1 => {
                width += usize::from(element);
                element = false;
            }
            c if !c.is_whitespace() => element = true,
            _ => {}
        }
    }
    width + usize::from(element)
}

#[test]
fn storage_reads_rows_into_structs_not_wide_tuples() {
    const MAX_WIDTH: usize = 4;
    let files = rust_files("src/storage");
    let openers = [
        ".select((",
        "load::<(",
        "get_result::<(",
        "get_results::<(",
        "first::<(",
    ];
    let offenders = files
        .iter()
        .filter_map(|file| {
            let code = code_of(&read(file));
            let mut wide: Vec<String> = Vec::new();
            for opener in openers {
                for (at, _) in code.match_indices(opener) {
                    let open = at + opener.len() - 1;
                    let width = tuple_width(&code, open);
                    if width > MAX_WIDTH {
                        let line = code[..at].lines().count();
                        wide.push(format!("line {line}: {width} fields"));
                    }
                }
            }
            for (at, _) in code.match_indices("type ") {
                let rest = &code[at..];
                let Some(eq) = rest.find('=') else { continue };
                let after = rest[eq + 1..].trim_start();
                if after.starts_with('(') && !rest[..eq].contains(';') {
                    let open = at + eq + 1 + (rest[eq + 1..].len() - after.len());
                    let width = tuple_width(&code, open);
                    if width > MAX_WIDTH {
                        let line = code[..at].lines().count();
                        wide.push(format!("line {line}: a row type of {width} fields"));
                    }
                }
            }
            (!wide.is_empty()).then(|| (file.clone(), wide.join(", ")))
        })
        .collect();
    check(
        "storage/ reads rows into derived structs, not tuples of more than four fields",
        offenders,
        PENDING_WIDE_TUPLES,
        &files,
    );
}

#[test]
fn tuple_widths_are_counted_at_the_top_level() {
    let code = "x.select((a, b, (c, d), e::f(g, h)))";
    assert_eq!(tuple_width(code, code.find("((").unwrap() + 1), 4);
    let code = "x.select((A::as_select(), b, c, D::as_select(),))";
    assert_eq!(tuple_width(code, code.find("((").unwrap() + 1), 4);
    let code = "type Row = (String, Option<(i32, i32)>, Vec<u8>, i64, bool,);";
    assert_eq!(tuple_width(code, code.find('(').unwrap()), 5);
}

#[test]
fn handlers_render_view_structs_not_json_literals() {
    let files = rust_files("src/web/handlers");
    let counted: Vec<(String, usize)> = files
        .iter()
        .filter(|file| !PENDING_JSON_HANDLERS.contains(&file.as_str()))
        .map(|file| (file.clone(), code_of(&read(file)).matches("json!").count()))
        .filter(|(_, count)| *count > 0)
        .collect();
    let total: usize = counted.iter().map(|(_, count)| count).sum();
    assert!(
        total <= MAX_HANDLER_JSON,
        "{total} json! literals in web/handlers (at most {MAX_HANDLER_JSON}): {counted:?}"
    );
}

#[test]
fn comments_and_strings_are_told_apart() {
    let code = code_of(
        "use a; // uses diesel\n/// 中文\nlet url = \"http://x\"; /* std::fs */ let c = '\"';\nr#\"中\"#",
    );
    assert!(
        !code.contains("diesel") && !code.contains("std::fs"),
        "{code}"
    );
    assert!(code.contains("\"http://x\""), "{code}");
    assert!(code.contains("r#\"中\"#"), "{code}");
    assert!(!code.contains("中文"), "{code}");
    assert!(names("use std::{fs, io};", "std::fs"));
    assert!(names("let now = chrono::Utc::now();", "Utc::now"));
    assert!(names("use diesel::prelude::*;", "diesel"));
    assert!(!names("let dieselish = 1; mod actix_like {}", "diesel"));
    assert!(!names("use tokio_util::x;", "tokio"));
    assert!(!names("fn now(clock: &Clock) {}", "Utc::now"));
}
