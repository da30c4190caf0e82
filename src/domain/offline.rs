//! Offline review packets (离线评查包): what a packet and its result hold, their one canonical
//! text form, and every check that needs no key, database or clock.
//!
//! A packet is one JSON file (`.pcpkt`): `{"format", "format_version", "payload", "signature"}`
//! with `signature` the lower-case hex HMAC-SHA256 of the payload's canonical JSON under a key
//! only the server holds. The file must be exactly the canonical text of what it parses to
//! (compact JSON, fields in declaration order), so changing any one byte either breaks the
//! structure, breaks the canonical form or changes a signed value.
//!
//! A result (`.pcres`) carries the original packet text verbatim plus each changed sheet's
//! answers, its base version (the version in the packet) and whether it was submitted. It is
//! not signed (the laptop holds no key): the server checks the packet inside it, and that
//! every sheet is still what the packet said.

use crate::domain::scoring::SheetAnswers;
use chrono::{NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeSet;

pub const PACKET_FORMAT: &str = "pingcha-offline-packet";
pub const RESULT_FORMAT: &str = "pingcha-offline-result";
pub const FORMAT_VERSION: u32 = 1;
/// How long a packet stays valid unless the server is configured otherwise.
pub const DEFAULT_VALID_DAYS: i64 = 7;

/// A signed packet as it is written to the file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Packet {
    pub format: String,
    pub format_version: u32,
    pub payload: Payload,
    pub signature: String,
}

/// Everything the signature covers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Payload {
    pub packet_id: String,
    pub round: PacketRound,
    pub reviewer: PacketReviewer,
    /// Login of who downloaded it (the reviewer or their team leader).
    pub issued_by: String,
    /// UTC.
    pub issued_at: NaiveDateTime,
    /// UTC.
    pub expires_at: NaiveDateTime,
    pub rubrics: Vec<PacketRubric>,
    pub files: Vec<PacketFile>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PacketRound {
    pub id: String,
    pub name: String,
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    pub review_deadline: Option<NaiveDate>,
    /// The reviewer's team number in the published assignment.
    pub team: i32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PacketReviewer {
    pub person_id: String,
    pub name: String,
    pub unit_id: String,
    pub unit_name: String,
}

/// A rubric snapshot: its exact text, so the laptop scores with the same rules.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PacketRubric {
    pub content_hash: String,
    pub file_name: String,
    pub source: String,
}

/// One file's header as the reviewer's pages show it (the recipient's name masked, no ID
/// number or phone) and the reviewer's sheet for it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PacketFile {
    pub sheet_id: String,
    pub file_id: String,
    pub case_no: String,
    pub unit_id: String,
    pub unit_name: String,
    /// `CaseType` code.
    pub case_type: String,
    /// The file is scored by two reviewers (双人评查).
    pub double_review: bool,
    pub sub_type: Option<String>,
    /// Masked as on the reviewer's pages.
    pub recipient: String,
    pub handler: String,
    pub firm: String,
    pub cause: String,
    pub assigned_at: Option<NaiveDate>,
    pub closed_at: NaiveDate,
    pub archived_at: Option<NaiveDate>,
    pub rubric_hash: String,
    /// `SheetStatus` code: draft, returned or reopened.
    pub state: String,
    /// The team leader's comment (returned) or the administrator's reason (reopened).
    pub note: Option<String>,
    /// The sheet's optimistic-concurrency version when the packet was made.
    pub version: i64,
    pub answers: SheetAnswers,
}

/// A result packet as written by `pingcha offline export`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResultPacket {
    pub format: String,
    pub format_version: u32,
    /// The original packet file, byte for byte.
    pub packet: String,
    pub exported_at: NaiveDateTime,
    pub sheets: Vec<ResultSheet>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResultSheet {
    pub sheet_id: String,
    pub case_no: String,
    /// The version the packet carried; the server's sheet must still be at it.
    pub base_version: i64,
    pub submitted: bool,
    pub answers: SheetAnswers,
}

/// Why a packet (or a result's packet) is refused as a whole.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PacketError {
    #[error("文件不是有效的评查离线包（{0}）")]
    Malformed(String),
    #[error("文件不是评查离线包（格式标识为“{0}”）")]
    WrongFormat(String),
    #[error("离线包格式版本 {0} 不受本版本支持")]
    UnsupportedVersion(u32),
    #[error("离线包的文本与签发时的格式不一致：文件在签发后被改动过")]
    NotCanonical,
    #[error("离线包内容不完整：{0}")]
    Inconsistent(String),
    #[error("离线包签名不符：包内容在签发后被改动过，或不是本系统签发的")]
    BadSignature,
    #[error("本系统没有签发过此离线包")]
    Unknown,
    #[error("离线包已于 {0} 过期，请重新下载离线包")]
    Expired(String),
    #[error("此离线包属于评查员{0}，只有本人或其所在组的组长可以导入")]
    WrongReviewer(String),
    #[error("此离线包的结果已于 {0} 导入，不能重复导入")]
    AlreadyApplied(String),
    #[error("结果包中没有修改过的评分表，无需导入")]
    NothingToApply,
}

/// Why one sheet of a result is refused (the whole result is then refused).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SheetRefusal {
    #[error("不在此离线包中")]
    NotInPacket,
    #[error("结果包中的基础版本与离线包不一致")]
    BaseVersionMismatch,
    #[error("评分表在服务器上已是“{0}”状态，不能再用离线结果修改")]
    NotOpen(&'static str),
    #[error(
        "离线包签发后评分表已在服务器上修改（离线包中为第 {packet} 版，服务器上为第 {server} 版）"
    )]
    Changed { packet: i64, server: i64 },
    #[error("{0}")]
    Rejected(String),
}

/// Whether `requester` may have `reviewer`'s packet, or apply its result: the reviewer
/// themselves, or the leader of the team of every one of the packet's `files`
/// ([`Assignment::leads_file`], the one definition of a file's leader). Every file, not any:
/// a leader never receives a sheet of a file another team reviews (an administrator's
/// override may place a member on such a file). Without files only the reviewer may.
pub fn may_handle_packet(
    assignment: &crate::domain::assignment::Assignment,
    requester: crate::domain::ids::PersonId,
    reviewer: crate::domain::ids::PersonId,
    files: &[crate::domain::ids::CaseFileId],
) -> bool {
    requester == reviewer
        || (!files.is_empty()
            && files
                .iter()
                .all(|file| assignment.leads_file(requester, *file)))
}

/// One refused file, named by its case number (案号).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{case_no}：{reason}")]
pub struct FileRefusal {
    pub case_no: String,
    pub reason: SheetRefusal,
}

/// The bytes the signature covers: the payload's canonical JSON.
pub fn signing_bytes(payload: &Payload) -> Vec<u8> {
    // Serialising plain structs, strings and integers cannot fail.
    serde_json::to_vec(payload).unwrap_or_default()
}

/// The packet file's text, given the payload and its signature.
pub fn encode(payload: Payload, signature: &[u8; 32]) -> String {
    let packet = Packet {
        format: PACKET_FORMAT.into(),
        format_version: FORMAT_VERSION,
        payload,
        signature: hex::encode(signature),
    };
    serde_json::to_string(&packet).unwrap_or_default()
}

/// Parses a packet file and checks everything that needs no key: format, canonical text,
/// signature shape, and that the payload holds together. The signature itself is checked by
/// whoever holds the key (the server).
pub fn decode(text: &str) -> Result<Packet, PacketError> {
    let packet: Packet = serde_json::from_str(text).map_err(|error| {
        // A wrong format tag should say so rather than list a missing field.
        match serde_json::from_str::<serde_json::Value>(text) {
            Ok(value) if value["format"].as_str() != Some(PACKET_FORMAT) => {
                PacketError::WrongFormat(value["format"].as_str().unwrap_or("无").to_string())
            }
            _ => PacketError::Malformed(error.to_string()),
        }
    })?;
    if packet.format != PACKET_FORMAT {
        return Err(PacketError::WrongFormat(packet.format));
    }
    if packet.format_version != FORMAT_VERSION {
        return Err(PacketError::UnsupportedVersion(packet.format_version));
    }
    if serde_json::to_string(&packet).ok().as_deref() != Some(text) {
        return Err(PacketError::NotCanonical);
    }
    let signature_ok = packet.signature.len() == 64
        && packet
            .signature
            .bytes()
            .all(|byte| byte.is_ascii_digit() || (b'a'..=b'f').contains(&byte));
    if !signature_ok {
        return Err(PacketError::Inconsistent("签名不是64位十六进制数".into()));
    }
    check_payload(&packet.payload)?;
    Ok(packet)
}

/// The signature's bytes (checked to be 64 hex digits by `decode`).
pub fn signature_bytes(packet: &Packet) -> Vec<u8> {
    hex::decode(&packet.signature).unwrap_or_default()
}

fn check_payload(payload: &Payload) -> Result<(), PacketError> {
    let inconsistent = |what: String| Err(PacketError::Inconsistent(what));
    if payload.files.is_empty() {
        return inconsistent("没有案卷".into());
    }
    if payload.expires_at <= payload.issued_at {
        return inconsistent("有效期早于签发时间".into());
    }
    let mut hashes = BTreeSet::new();
    for rubric in &payload.rubrics {
        if hex::encode(Sha256::digest(rubric.source.as_bytes())) != rubric.content_hash {
            return inconsistent(format!("评分标准 {} 的内容与其摘要不符", rubric.file_name));
        }
        hashes.insert(rubric.content_hash.as_str());
    }
    let mut sheets = BTreeSet::new();
    for file in &payload.files {
        if !hashes.contains(file.rubric_hash.as_str()) {
            return inconsistent(format!("案卷 {} 的评分标准不在包中", file.case_no));
        }
        if !sheets.insert(file.sheet_id.as_str()) {
            return inconsistent(format!("案卷 {} 重复出现", file.case_no));
        }
        if file.version < 1 {
            return inconsistent(format!("案卷 {} 的评分表版本无效", file.case_no));
        }
    }
    Ok(())
}

/// Refuses a packet past its expiry (`now` in UTC); `shown` formats the time for the message.
pub fn check_not_expired(
    payload: &Payload,
    now: NaiveDateTime,
    shown: impl Fn(NaiveDateTime) -> String,
) -> Result<(), PacketError> {
    if now >= payload.expires_at {
        return Err(PacketError::Expired(shown(payload.expires_at)));
    }
    Ok(())
}

/// The result file's text.
pub fn encode_result(
    packet_text: &str,
    exported_at: NaiveDateTime,
    sheets: Vec<ResultSheet>,
) -> String {
    let result = ResultPacket {
        format: RESULT_FORMAT.into(),
        format_version: FORMAT_VERSION,
        packet: packet_text.to_string(),
        exported_at,
        sheets,
    };
    serde_json::to_string_pretty(&result).unwrap_or_default()
}

/// Parses a result file and the packet inside it (structure only), and checks that every
/// sheet of the result belongs to the packet, naming the file when one does not.
pub fn decode_result(text: &str) -> Result<(ResultPacket, Packet), PacketError> {
    let result: ResultPacket = serde_json::from_str(text).map_err(|error| {
        match serde_json::from_str::<serde_json::Value>(text) {
            Ok(value) if value["format"].as_str() != Some(RESULT_FORMAT) => {
                PacketError::WrongFormat(value["format"].as_str().unwrap_or("无").to_string())
            }
            _ => PacketError::Malformed(error.to_string()),
        }
    })?;
    if result.format != RESULT_FORMAT {
        return Err(PacketError::WrongFormat(result.format));
    }
    if result.format_version != FORMAT_VERSION {
        return Err(PacketError::UnsupportedVersion(result.format_version));
    }
    let packet = decode(&result.packet)?;
    if result.sheets.is_empty() {
        return Err(PacketError::NothingToApply);
    }
    let mut seen = BTreeSet::new();
    for sheet in &result.sheets {
        if !seen.insert(sheet.sheet_id.as_str()) {
            return Err(PacketError::Inconsistent(format!(
                "案卷 {} 在结果包中重复出现",
                sheet.case_no
            )));
        }
    }
    Ok((result, packet))
}

/// The packet's file for a result sheet, or the refusal naming it.
pub fn file_of<'a>(
    payload: &'a Payload,
    sheet: &ResultSheet,
) -> Result<&'a PacketFile, FileRefusal> {
    payload
        .files
        .iter()
        .find(|file| file.sheet_id == sheet.sheet_id)
        .ok_or_else(|| FileRefusal {
            case_no: sheet.case_no.clone(),
            reason: SheetRefusal::NotInPacket,
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn payload() -> Payload {
        let source = "id = \"x\"\n".to_string();
        let hash = hex::encode(Sha256::digest(source.as_bytes()));
        Payload {
            packet_id: "p1".into(),
            round: PacketRound {
                id: "r".into(),
                name: "2025年第三季度".into(),
                period_start: "2025-07-01".parse().unwrap(),
                period_end: "2025-09-30".parse().unwrap(),
                review_deadline: None,
                team: 1,
            },
            reviewer: PacketReviewer {
                person_id: "p".into(),
                name: "王律师".into(),
                unit_id: "u".into(),
                unit_name: "兴庆区".into(),
            },
            issued_by: "reviewer".into(),
            issued_at: "2025-10-01T08:00:00".parse().unwrap(),
            expires_at: "2025-10-08T08:00:00".parse().unwrap(),
            rubrics: vec![PacketRubric {
                content_hash: hash.clone(),
                file_name: "civil.toml".into(),
                source,
            }],
            files: vec![PacketFile {
                sheet_id: "s1".into(),
                file_id: "f1".into(),
                case_no: "（2025）宁援民字第1号".into(),
                unit_id: "u2".into(),
                unit_name: "金凤区".into(),
                case_type: "civil".into(),
                double_review: false,
                sub_type: None,
                recipient: "张某".into(),
                handler: "李四".into(),
                firm: "某律所".into(),
                cause: "劳动争议".into(),
                assigned_at: None,
                closed_at: "2025-08-01".parse().unwrap(),
                archived_at: None,
                rubric_hash: hash,
                state: "draft".into(),
                note: None,
                version: 1,
                answers: SheetAnswers::default(),
            }],
        }
    }

    #[test]
    fn a_packet_reads_back_as_written() {
        let text = encode(payload(), &[7; 32]);
        let packet = decode(&text).unwrap();
        assert_eq!(packet.payload, payload());
        assert_eq!(signature_bytes(&packet), vec![7; 32]);
        assert_eq!(signing_bytes(&packet.payload), signing_bytes(&payload()));
    }

    #[test]
    fn any_change_to_the_text_outside_signed_values_is_refused() {
        let text = encode(payload(), &[7; 32]);
        // Whitespace, an upper-case signature digit, an escaped character: all the same
        // values, none the canonical text.
        let spaced = text.replacen(",\"format_version\"", ", \"format_version\"", 1);
        assert_eq!(decode(&spaced), Err(PacketError::NotCanonical));
        let upper = text.replace("0707", "0A07");
        assert!(decode(&upper).is_err());
        let escaped = text.replacen("王", "\\u738b", 1);
        assert_eq!(decode(&escaped), Err(PacketError::NotCanonical));
        let extra = text.replacen("{\"format\"", "{\"x\":1,\"format\"", 1);
        assert!(matches!(decode(&extra), Err(PacketError::Malformed(_))));
    }

    #[test]
    fn every_single_byte_change_is_either_refused_or_changes_signed_bytes() {
        let text = encode(payload(), &[7; 32]);
        let original = signing_bytes(&payload());
        let bytes = text.as_bytes();
        for index in (0..bytes.len()).step_by(3) {
            let mut changed = bytes.to_vec();
            changed[index] = if changed[index] == b'1' { b'2' } else { b'1' };
            let Ok(changed) = String::from_utf8(changed) else {
                continue;
            };
            if let Ok(packet) = decode(&changed) {
                assert!(
                    signing_bytes(&packet.payload) != original
                        || signature_bytes(&packet) != vec![7; 32],
                    "byte {index} changed without effect"
                );
            }
        }
    }

    #[test]
    fn a_wrong_format_an_expired_packet_and_a_broken_payload_are_named() {
        let text = encode(payload(), &[7; 32]).replace(PACKET_FORMAT, "other");
        assert_eq!(decode(&text), Err(PacketError::WrongFormat("other".into())));
        let now: NaiveDateTime = "2025-10-09T00:00:00".parse().unwrap();
        let error = check_not_expired(&payload(), now, |at| at.to_string()).unwrap_err();
        assert_eq!(
            error.to_string(),
            "离线包已于 2025-10-08 08:00:00 过期，请重新下载离线包"
        );
        let mut broken = payload();
        broken.rubrics[0].source.push(' ');
        let text = encode(broken, &[7; 32]);
        assert!(matches!(decode(&text), Err(PacketError::Inconsistent(_))));
    }

    #[test]
    fn a_result_names_a_file_outside_its_packet() {
        let packet = encode(payload(), &[7; 32]);
        let sheet = ResultSheet {
            sheet_id: "other".into(),
            case_no: "（2025）宁援民字第9号".into(),
            base_version: 1,
            submitted: false,
            answers: SheetAnswers::default(),
        };
        let text = encode_result(&packet, "2025-10-02T00:00:00".parse().unwrap(), vec![sheet]);
        let (result, packet) = decode_result(&text).unwrap();
        let refusal = file_of(&packet.payload, &result.sheets[0]).unwrap_err();
        assert_eq!(refusal.to_string(), "（2025）宁援民字第9号：不在此离线包中");
        let empty = encode_result(&result.packet, result.exported_at, Vec::new());
        assert_eq!(
            decode_result(&empty).unwrap_err(),
            PacketError::NothingToApply
        );
    }
}
