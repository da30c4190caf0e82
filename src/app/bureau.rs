//! The bureau's name (发文机关), from one source for every document, `/verify` and the
//! notices.
//!
//! The rule: the name saved on the settings page (`/admin/bureau`, table `bureau_settings`)
//! when the bureau saved one; until then, the top-level 司法局 of the unit list (any 司法局
//! when none is top-level, 司法局 when the list has none).

use crate::domain::UnitScope;
use crate::domain::people::UnitKind;
use crate::storage::{self, DbConn, rectification, units};

/// The bureau's name by the rule of this module.
pub fn name(conn: &mut DbConn) -> Result<String, storage::Error> {
    if let Some(saved) = rectification::saved_bureau_name(conn)? {
        return Ok(saved);
    }
    let all = units::list(conn, UnitScope::All)?;
    Ok(all
        .iter()
        .find(|unit| unit.kind == UnitKind::JusticeBureau && unit.parent_id.is_none())
        .or_else(|| all.iter().find(|unit| unit.kind == UnitKind::JusticeBureau))
        .map_or_else(|| "司法局".to_string(), |unit| unit.name.clone()))
}
