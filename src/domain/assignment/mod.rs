//! Automatic cross-check teams (issue 6): teams, teams to units, files to members, under hard
//! recusal rules, with a feasibility diagnosis, explanations, manual changes and quality figures.
//!
//! Entry points: [`solve`], [`diagnose`], [`check_assignment`], [`check_change`], [`diff`],
//! [`explain`], [`quality`]; [`synthetic_instance`] for benchmarks.

mod change;
mod columns;
mod diagnosis;
mod explain;
mod flow;
mod model;
mod quality;
mod random;
mod rules;
mod solver;
mod synthetic;
mod team_cost;

pub use change::{
    AssignmentDiff, Change, FileChange, TeamChange, add_reviewer, apply_change, check_change, diff,
};
pub use columns::{TeamColumn, single_unit_columns};
pub use diagnosis::{Infeasible, Reason, diagnose};
pub use explain::{Explanation, MemberLine, PlacementExplanation, TeamExplanation, explain};
pub use model::{
    Assignment, AssignmentConfig, CaseFileId, Conflict, ConflictWith, DoubleReview, InspectedUnit,
    Objection, PastRound, PastVisit, Placement, Problem, Reviewer, SampledFile, SearchEffort, Team,
    TeamSize, Weights, apply_double_review,
};
pub use quality::{ObjectiveParts, Quality, objective, quality};
pub use rules::{RecusalIndex, Rule, RuleBreach, check_assignment, same_person_name};
pub use solver::solve;
pub use synthetic::{Scale, Shape, synthetic_instance};

#[cfg(test)]
mod tests;
