//! Typed ids, so a unit id can never be passed where a user id is expected.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use uuid::Uuid;

macro_rules! typed_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub Uuid);

        impl $name {
            /// Wraps a freshly generated UUID; callers pass it in so domain code stays pure.
            pub fn from_uuid(uuid: Uuid) -> Self {
                Self(uuid)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.hyphenated().fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = uuid::Error;
            fn from_str(text: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(text).map(Self)
            }
        }
    };
}

typed_id!(
    /// A unit: 法律援助中心, 司法局 or 司法所.
    UnitId
);
typed_id!(
    /// A person in the reviewer pool (评查员库).
    PersonId
);
typed_id!(
    /// A law firm or legal-service office (承办机构).
    LawFirmId
);
typed_id!(
    /// A login account.
    UserId
);
typed_id!(
    /// A review round (评查轮次).
    RoundId
);
typed_id!(
    /// A case file (案卷) from a unit's registry.
    CaseFileId
);
typed_id!(
    /// An uploaded registry awaiting confirmation.
    ImportId
);
typed_id!(
    /// A finding (问题) from a deduction, a veto or added by hand.
    FindingId
);
typed_id!(
    /// A rectification notice (整改通知书).
    NoticeId
);
typed_id!(
    /// An objection (异议) to a deduction or veto.
    ObjectionId
);
typed_id!(
    /// A document of an electronic case file (电子卷宗): one PDF or page image.
    EcfDocumentId
);
