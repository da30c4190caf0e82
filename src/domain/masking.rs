//! Masking of personal data (DOMAIN §10), modelled on the Supreme People's Court rule for
//! publishing judgments: keep the surname and write 某 for the rest, keep only the ends of ID and
//! phone numbers. Masked text is a distinct type, so an export or page that asks for a
//! [`Masked`] value cannot be handed the raw one.

use std::fmt;

use serde::Serialize;

/// Text that has been through one of the masking functions of this module.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct Masked(String);

impl Masked {
    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

impl fmt::Display for Masked {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Two-character surnames common enough that 欧阳小明 should become 欧阳某某, not 欧某某某.
const COMPOUND_SURNAMES: [&str; 40] = [
    "欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "长孙", "宇文", "司徒",
    "夏侯", "轩辕", "令狐", "端木", "西门", "南宫", "独孤", "百里", "呼延", "万俟", "闻人", "澹台",
    "公羊", "太史", "申屠", "钟离", "濮阳", "赫连", "司空", "第五", "东郭", "仲孙", "子车", "谷梁",
    "拓跋", "左丘", "梁丘", "单于",
];

const MASK_CHAR: char = '某';

/// 张三 → 张某, 张三丰 → 张某某, 欧阳小明 → 欧阳某某; a minor (`is_minor`) → 某某 with no surname.
///
/// Names written with a middle dot (阿依古丽·买买提) or in Latin letters keep their first
/// character only, followed by 某某, so the length of a given name does not leak either.
pub fn mask_name(name: &str, is_minor: bool) -> Masked {
    let name = name.trim();
    if name.is_empty() {
        return Masked(String::new());
    }
    if is_minor {
        return Masked("某某".to_string());
    }
    let chars: Vec<char> = name.chars().collect();
    let all_han = chars.iter().all(|c| is_han(*c));
    if !all_han || chars.len() > 4 {
        let mut masked: String = chars.iter().take(1).collect();
        masked.push_str("某某");
        return Masked(masked);
    }
    let surname_len = if chars.len() > 2
        && COMPOUND_SURNAMES
            .iter()
            .any(|surname| name.starts_with(surname))
    {
        2
    } else {
        1
    };
    if chars.len() <= surname_len {
        return Masked(MASK_CHAR.to_string());
    }
    let mut masked: String = chars.iter().take(surname_len).collect();
    masked.extend(std::iter::repeat_n(MASK_CHAR, chars.len() - surname_len));
    Masked(masked)
}

/// `110105199001011234` → `110***********1234`: the first 3 and last 4 characters stay, every
/// other character becomes `*`. Input shorter than 8 characters is masked completely, so an
/// odd value never shows more than a well-formed one would.
pub fn mask_id_no(id_no: &str) -> Masked {
    Masked(keep_ends(id_no, 3, 4))
}

/// `13812341234` → `138****1234`, with the same rule and short-input guard as [`mask_id_no`].
pub fn mask_phone(phone: &str) -> Masked {
    Masked(keep_ends(phone, 3, 4))
}

fn keep_ends(text: &str, head: usize, tail: usize) -> String {
    let chars: Vec<char> = text.chars().filter(|c| !c.is_whitespace()).collect();
    let len = chars.len();
    if len <= head + tail {
        return "*".repeat(len);
    }
    chars
        .iter()
        .enumerate()
        .map(|(index, c)| {
            if index < head || index >= len - tail {
                *c
            } else {
                '*'
            }
        })
        .collect()
}

fn is_han(c: char) -> bool {
    matches!(c, '\u{3400}'..='\u{4DBF}' | '\u{4E00}'..='\u{9FFF}' | '\u{F900}'..='\u{FAFF}' | '\u{20000}'..='\u{3134F}')
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn names_keep_only_the_surname() {
        assert_eq!(mask_name("张三", false).as_str(), "张某");
        assert_eq!(mask_name("张三丰", false).as_str(), "张某某");
        assert_eq!(mask_name("欧阳小明", false).as_str(), "欧阳某某");
        assert_eq!(mask_name("欧阳", false).as_str(), "欧某");
        assert_eq!(mask_name("李", false).as_str(), "某");
        assert_eq!(mask_name("王小明", true).as_str(), "某某");
        assert_eq!(mask_name("阿依古丽·买买提", false).as_str(), "阿某某");
        assert_eq!(mask_name("John Smith", false).as_str(), "J某某");
        assert_eq!(mask_name("  ", false).as_str(), "");
    }

    #[test]
    fn id_and_phone_keep_the_ends() {
        assert_eq!(
            mask_id_no("110105199001011234").as_str(),
            "110***********1234"
        );
        assert_eq!(
            mask_id_no("11010519900101123X").as_str(),
            "110***********123X"
        );
        assert_eq!(mask_phone("13812341234").as_str(), "138****1234");
        assert_eq!(mask_phone("138 1234 1234").as_str(), "138****1234");
        assert_eq!(mask_phone("1234567").as_str(), "*******");
        assert_eq!(mask_phone("").as_str(), "");
        assert_eq!(
            mask_id_no("一二三四五六七八九").as_str(),
            "一二三**六七八九"
        );
    }

    proptest! {
        #[test]
        fn id_masking_never_reveals_the_middle(digits in "[0-9X]{0,24}") {
            let masked = mask_id_no(&digits);
            let original: Vec<char> = digits.chars().collect();
            let shown: Vec<char> = masked.as_str().chars().collect();
            prop_assert_eq!(shown.len(), original.len());
            for (index, c) in shown.iter().enumerate() {
                let is_end = original.len() > 7 && (index < 3 || index >= original.len() - 4);
                if is_end {
                    prop_assert_eq!(*c, original[index]);
                } else {
                    prop_assert_eq!(*c, '*');
                }
            }
        }

        #[test]
        fn phone_masking_never_reveals_the_middle(phone in "1[3-9][0-9]{9}") {
            let masked = mask_phone(&phone);
            prop_assert_eq!(&masked.as_str()[3..7], "****");
            prop_assert_eq!(&masked.as_str()[..3], &phone[..3]);
            prop_assert_eq!(&masked.as_str()[7..], &phone[7..]);
        }

        #[test]
        fn name_masking_keeps_at_most_the_surname(name in "\\PC{0,8}", minor in any::<bool>()) {
            let masked = mask_name(&name, minor);
            let original: Vec<char> = name.trim().chars().collect();
            let shown: Vec<char> = masked.as_str().chars().collect();
            // Only the surname (one character, or two for a listed compound surname) may show.
            prop_assert!(shown.iter().skip(2).all(|c| *c == MASK_CHAR));
            if let Some(first) = shown.first() {
                prop_assert!(*first == MASK_CHAR || Some(first) == original.first());
            }
            if let Some(second) = shown.get(1) {
                let compound = COMPOUND_SURNAMES.iter().any(|surname| name.trim().starts_with(surname));
                prop_assert!(*second == MASK_CHAR || compound);
            }
        }
    }
}
