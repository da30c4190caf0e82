//! Units, the reviewer pool and the roles people hold in Pingcha.

use crate::domain::CaseType;
use crate::domain::ids::{LawFirmId, PersonId, UnitId, UserId};
use crate::domain::text_limits::{TextError, TextField};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::str::FromStr;

/// What a user account may do. Team leader (组长) is not a role: it is a per-round duty of a
/// reviewer, held by the assignment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// 管理员: the bureau's administrator; runs rounds.
    BureauAdmin,
    /// 评查员: scores the case files assigned to them.
    Reviewer,
    /// 中心负责人: sees and answers for one unit only.
    CenterManager,
    /// 领导: reads everything, changes nothing.
    Leader,
}

impl Role {
    pub const ALL: [Role; 4] = [
        Role::BureauAdmin,
        Role::Reviewer,
        Role::CenterManager,
        Role::Leader,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Role::BureauAdmin => "bureau_admin",
            Role::Reviewer => "reviewer",
            Role::CenterManager => "center_manager",
            Role::Leader => "leader",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Role::BureauAdmin => "管理员",
            Role::Reviewer => "评查员",
            Role::CenterManager => "中心负责人",
            Role::Leader => "领导",
        }
    }

    /// A center manager answers for exactly one unit, so the account must name it.
    pub fn requires_unit(self) -> bool {
        self == Role::CenterManager
    }
}

display_by_label!(Role);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown role: {0}")]
pub struct UnknownRole(pub String);

impl FromStr for Role {
    type Err = UnknownRole;
    /// Accepts the stored code or the Chinese label.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let text = text.trim();
        Role::ALL
            .into_iter()
            .find(|role| role.code() == text || role.label() == text)
            .ok_or_else(|| UnknownRole(text.to_string()))
    }
}

/// The kinds of unit in a bureau's hierarchy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UnitKind {
    /// 司法局
    JusticeBureau,
    /// 法律援助中心
    AidCenter,
    /// 司法所
    JusticeOffice,
}

impl UnitKind {
    pub const ALL: [UnitKind; 3] = [
        UnitKind::JusticeBureau,
        UnitKind::AidCenter,
        UnitKind::JusticeOffice,
    ];

    pub fn code(self) -> &'static str {
        match self {
            UnitKind::JusticeBureau => "justice_bureau",
            UnitKind::AidCenter => "aid_center",
            UnitKind::JusticeOffice => "justice_office",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            UnitKind::JusticeBureau => "司法局",
            UnitKind::AidCenter => "法律援助中心",
            UnitKind::JusticeOffice => "司法所",
        }
    }
}

impl UnitKind {
    /// Reads a kind from a label or from a unit name ending in one (…县法律援助中心, …司法所).
    pub fn recognise(text: &str) -> Option<UnitKind> {
        let text = text.trim();
        if text.contains("法律援助") || text.ends_with("中心") {
            Some(UnitKind::AidCenter)
        } else if text.ends_with("司法局") || text == "局" {
            Some(UnitKind::JusticeBureau)
        } else if text.ends_with("司法所") || text == "所" {
            Some(UnitKind::JusticeOffice)
        } else {
            None
        }
    }
}

impl FromStr for UnitKind {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let text = text.trim();
        UnitKind::ALL
            .into_iter()
            .find(|kind| kind.code() == text || kind.label() == text)
            .ok_or_else(|| text.to_string())
    }
}

/// A unit in the hierarchy (司法局 → 法律援助中心 → 司法所).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Unit {
    pub id: UnitId,
    pub code: String,
    pub name: String,
    pub kind: UnitKind,
    pub parent_id: Option<UnitId>,
}

/// A person in the reviewer pool (评查员库): whose unit and firm decide recusal, whose
/// expertise and seniority decide placement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Person {
    pub id: PersonId,
    pub name: String,
    pub unit_id: UnitId,
    pub law_firm_id: Option<LawFirmId>,
    pub expertise: BTreeSet<CaseType>,
    pub years_of_practice: u32,
    pub may_lead: bool,
    pub active: bool,
}

/// What a user may see of units: everything, or one unit only (a center manager).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnitScope {
    All,
    Unit(UnitId),
}

impl UnitScope {
    /// The scope a user's role gives them. A center manager without a unit sees nothing,
    /// which the account rules make impossible, but the scope stays safe regardless.
    pub fn for_user(role: Role, unit_id: Option<UnitId>) -> Option<UnitScope> {
        match role {
            Role::CenterManager => unit_id.map(UnitScope::Unit),
            Role::BureauAdmin | Role::Reviewer | Role::Leader => Some(UnitScope::All),
        }
    }

    pub fn allows(self, unit: UnitId) -> bool {
        match self {
            UnitScope::All => true,
            UnitScope::Unit(own) => own == unit,
        }
    }
}

/// A signed-in account as the rest of the system sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Account {
    pub id: UserId,
    pub login: String,
    pub display_name: String,
    pub role: Role,
    pub unit_id: Option<UnitId>,
    pub person_id: Option<PersonId>,
    pub active: bool,
}

/// Why an account cannot be created as asked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AccountError {
    #[error("login must be 3–32 characters of letters, digits, '.', '_' or '-'")]
    BadLogin,
    #[error("display name must not be empty")]
    EmptyName,
    #[error("a center manager account must name its unit")]
    MissingUnit,
    #[error("password must be at least {0} characters")]
    WeakPassword(usize),
    /// A name or password over its limit or holding a control character.
    #[error("{0}")]
    Text(TextError),
}

pub const MIN_PASSWORD_LEN: usize = 8;

/// Checks the parts of a new account that do not need the database.
pub fn check_new_account(
    login: &str,
    display_name: &str,
    role: Role,
    unit_id: Option<UnitId>,
    password: &str,
) -> Result<(), AccountError> {
    let login_ok = (3..=32).contains(&login.chars().count())
        && login
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    if !login_ok {
        return Err(AccountError::BadLogin);
    }
    if display_name.trim().is_empty() {
        return Err(AccountError::EmptyName);
    }
    TextField::DisplayName
        .check(display_name)
        .map_err(AccountError::Text)?;
    if role.requires_unit() && unit_id.is_none() {
        return Err(AccountError::MissingUnit);
    }
    check_password(password)
}

pub fn check_password(password: &str) -> Result<(), AccountError> {
    if password.chars().count() < MIN_PASSWORD_LEN {
        return Err(AccountError::WeakPassword(MIN_PASSWORD_LEN));
    }
    TextField::Password
        .check(password)
        .map_err(AccountError::Text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    #[test]
    fn roles_round_trip_through_code_and_label() {
        for role in Role::ALL {
            assert_eq!(role.code().parse::<Role>(), Ok(role));
            assert_eq!(role.label().parse::<Role>(), Ok(role));
        }
    }

    #[test]
    fn center_manager_scope_is_their_unit_only() {
        let own = UnitId(Uuid::from_u128(1));
        let other = UnitId(Uuid::from_u128(2));
        let scope = UnitScope::for_user(Role::CenterManager, Some(own));
        assert_eq!(scope, Some(UnitScope::Unit(own)));
        assert!(scope.is_some_and(|s| s.allows(own) && !s.allows(other)));
        assert_eq!(UnitScope::for_user(Role::CenterManager, None), None);
        assert_eq!(
            UnitScope::for_user(Role::Leader, None),
            Some(UnitScope::All)
        );
    }

    #[test]
    fn account_rules() {
        let unit = Some(UnitId(Uuid::from_u128(1)));
        assert_eq!(
            check_new_account("ab", "张三", Role::Reviewer, None, "longenough"),
            Err(AccountError::BadLogin)
        );
        assert_eq!(
            check_new_account("zhang san", "张三", Role::Reviewer, None, "longenough"),
            Err(AccountError::BadLogin)
        );
        assert_eq!(
            check_new_account("mgr", "张三", Role::CenterManager, None, "longenough"),
            Err(AccountError::MissingUnit)
        );
        assert_eq!(
            check_new_account("mgr", "张三", Role::CenterManager, unit, "short"),
            Err(AccountError::WeakPassword(MIN_PASSWORD_LEN))
        );
        assert!(check_new_account("mgr", "张三", Role::CenterManager, unit, "longenough").is_ok());
    }
}
