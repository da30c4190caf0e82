//! Summaries (汇总分析) for leadership, administrators and center managers: a round at a
//! glance with the choices its page offers, and the trend over the last rounds. The figures
//! come from `storage::summary` over `domain::summary`; a center manager's scope limits them
//! to their own unit (other units anonymised in the ranking). The XLSX tables are built from
//! the same figures by `export::summary`, the leadership report's data by
//! `app::document_data::leadership_report`.

use crate::domain::UnitScope;
use crate::domain::ids::RoundId;
use crate::domain::people::Unit;
use crate::storage::rounds::Round;
use crate::storage::summary::{self, Filter, RoundSummary, TrendSummary};
use crate::storage::{DbConn, Pool, Result, units};
use chrono::NaiveDate;

/// Rounds offered in the round page's chooser.
const CHOOSABLE_ROUNDS: usize = 50;

/// A round's figures in the caller's scope; `None` when the round is not summarised for it.
pub fn round(
    conn: &mut DbConn,
    scope: UnitScope,
    round: RoundId,
    filter: Filter,
    today: NaiveDate,
) -> Result<Option<RoundSummary>> {
    summary::round_summary(conn, round, scope, filter, today)
}

/// What the round page shows: the figures, and the units and rounds it lets the caller
/// choose from.
pub struct RoundPage {
    pub summary: RoundSummary,
    pub units: Vec<Unit>,
    pub rounds: Vec<Round>,
}

/// The round page's data, read together.
pub fn round_page(
    conn: &mut DbConn,
    scope: UnitScope,
    round_id: RoundId,
    filter: Filter,
    today: NaiveDate,
) -> Result<Option<RoundPage>> {
    let Some(summary) = round(conn, scope, round_id, filter, today)? else {
        return Ok(None);
    };
    Ok(Some(RoundPage {
        summary,
        units: units::list(conn, scope)?,
        rounds: summary::summarised_rounds(conn, scope, CHOOSABLE_ROUNDS)?,
    }))
}

/// The trend over the last `last` rounds; the rounds are worked out side by side, each on a
/// connection of its own.
pub fn trend(pool: &Pool, scope: UnitScope, last: usize) -> Result<TrendSummary> {
    summary::trend_summary_in(pool, scope, last)
}
