//! The one confirmation mechanism of irreversible steps (确定抽查清单, 进入下一阶段, 发布分组,
//! 下发整改通知书 …). A page renders the box with `templates/partials/confirm.hbs` from a
//! [`ConfirmView`]; the form (or the JSON body under /api) carries a [`Confirm`] field, and the
//! handler calls [`require`] before it changes anything, so a request without it is refused
//! with a Chinese message saying what cannot be undone, and nothing changes.
//!
//! A step that also overrides something (publishing a version that breaks hard rules) asks
//! for a second, separately named box (`confirm_breaches`), listed with its items.

use crate::app::messages::confirm::Irreversible;
use crate::web::error::WebError;
use serde::{Deserialize, Deserializer, Serialize};

/// The field of the first confirmation.
pub const FIELD: &str = "confirm";
/// The field of the second, named confirmation (hard-rule breaches).
pub const BREACHES_FIELD: &str = "confirm_breaches";

/// A ticked (or sent) confirmation. Absent means not confirmed. Accepts a checkbox's value
/// from a form ("yes", "on", "true", "1") and a boolean or such a string from JSON.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Confirm(pub bool);

impl<'de> Deserialize<'de> for Confirm {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'v> serde::de::Visitor<'v> for Visitor {
            type Value = Confirm;
            fn expecting(&self, formatter: &mut std::fmt::Formatter) -> std::fmt::Result {
                formatter.write_str("a confirmation: true or yes")
            }
            fn visit_bool<E: serde::de::Error>(self, value: bool) -> Result<Confirm, E> {
                Ok(Confirm(value))
            }
            fn visit_str<E: serde::de::Error>(self, value: &str) -> Result<Confirm, E> {
                Ok(Confirm(matches!(
                    value.trim().to_ascii_lowercase().as_str(),
                    "yes" | "on" | "true" | "1"
                )))
            }
            fn visit_unit<E: serde::de::Error>(self) -> Result<Confirm, E> {
                Ok(Confirm(false))
            }
            fn visit_none<E: serde::de::Error>(self) -> Result<Confirm, E> {
                Ok(Confirm(false))
            }
            fn visit_some<D: Deserializer<'v>>(self, inner: D) -> Result<Confirm, D::Error> {
                inner.deserialize_any(Visitor)
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

/// Refuses (400, nothing changed) unless `confirm` was given.
pub fn require(confirm: Confirm, step: &Irreversible) -> Result<(), WebError> {
    if confirm.0 {
        Ok(())
    } else {
        Err(WebError::BadRequest(step.refusal.clone()))
    }
}

/// What `partials/confirm` renders: the warning, the items it is about (breaches …), and the
/// box named `name`.
#[derive(Debug, Clone, Serialize)]
pub struct ConfirmView {
    pub name: &'static str,
    pub warning: String,
    pub label: String,
    pub items: Vec<String>,
}

impl ConfirmView {
    /// The first confirmation of a step.
    pub fn of(step: Irreversible) -> Self {
        ConfirmView {
            name: FIELD,
            warning: step.warning,
            label: step.label,
            items: Vec::new(),
        }
    }

    /// The second, named confirmation, listing what it accepts.
    pub fn second(step: Irreversible, items: Vec<String>) -> Self {
        ConfirmView {
            name: BREACHES_FIELD,
            warning: step.warning,
            label: step.label,
            items,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize)]
    struct Form {
        #[serde(default)]
        confirm: Confirm,
    }

    #[test]
    fn a_ticked_box_a_boolean_and_absence() {
        let ticked: Form = serde_urlencoded::from_str("confirm=yes").unwrap();
        assert!(ticked.confirm.0);
        let absent: Form = serde_urlencoded::from_str("").unwrap();
        assert!(!absent.confirm.0);
        let json: Form = serde_json::from_str(r#"{"confirm": true}"#).unwrap();
        assert!(json.confirm.0);
        let refused: Form = serde_json::from_str(r#"{"confirm": false}"#).unwrap();
        assert!(!refused.confirm.0);
        let null: Form = serde_json::from_str(r#"{"confirm": null}"#).unwrap();
        assert!(!null.confirm.0);
    }
}
