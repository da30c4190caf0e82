//! Prints the quality and speed figures of issue 6 for the three synthetic scales and writes each
//! instance with our assignment and objective as JSON, for `benches/highs_optimum.py`.
//!
//! cargo run --release --example assign_report -- OUT_DIR [city,province,nation] [SEED] [STEPS|-]
//!     [SOLVER_SEED]
//!
//! For the city, it also writes every single-unit team with its price to city.columns.bin
//! (little-endian i32 records: unit, four member indices or −1, price), from which
//! `benches/highs_optimum.py --stage columns` proves the optimum.
//!
//! STEPS overrides the search effort (steps per team plus unit) to study speed against quality;
//! SOLVER_SEED solves the same instance (drawn from SEED) with another search seed.

use pingcha::domain::assignment::{Scale, quality, single_unit_columns, solve, synthetic_instance};
use std::error::Error;
use std::time::Instant;

/// This process's CPU time (user + system) from /proc, in seconds: on a shared machine the wall
/// clock also counts other people's builds. `None` off Linux.
fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let after_name = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    let user: f64 = fields.get(11)?.parse().ok()?;
    let system: f64 = fields.get(12)?.parse().ok()?;
    Some((user + system) / 100.0)
}

fn main() -> Result<(), Box<dyn Error>> {
    let mut args = std::env::args().skip(1);
    let out_dir = args
        .next()
        .ok_or("usage: assign_report OUT_DIR [SCALES] [SEED]")?;
    let wanted = args
        .next()
        .unwrap_or_else(|| "city,province,nation".to_string());
    let seed: u64 = args.next().map_or(Ok(1), |s| s.parse())?;
    let steps_per_item: Option<u64> = args
        .next()
        .filter(|s| s != "-")
        .map(|s| s.parse())
        .transpose()?;
    let solver_seed: Option<u64> = args.next().map(|s| s.parse()).transpose()?;
    std::fs::create_dir_all(&out_dir)?;
    println!(
        "{:<9} {:>7} {:>7} {:>8} {:>5} {:>8} {:>9} {:>9} {:>12}",
        "scale", "wall_s", "cpu_s", "breaches", "teams", "load", "expert%", "repeat%", "objective"
    );
    for scale in Scale::ALL {
        if !wanted.split(',').any(|w| w == scale.code()) {
            continue;
        }
        let mut problem = synthetic_instance(scale, seed);
        if let Some(steps) = steps_per_item {
            problem.config.effort.steps_per_item = steps;
        }
        if let Some(seed) = solver_seed {
            problem.config.seed = seed;
        }
        let cpu_before = cpu_seconds();
        let started = Instant::now();
        let assignment = solve(&problem).map_err(|e| e.to_string())?;
        let seconds = started.elapsed().as_secs_f64();
        let cpu = cpu_seconds()
            .zip(cpu_before)
            .map_or(f64::NAN, |(after, before)| after - before);
        let figures = quality(&problem, &assignment);
        println!(
            "{:<9} {:>7.3} {:>7.2} {:>8} {:>5} {:>4}..{:<3} {:>8.1}% {:>8.1}% {:>12}",
            scale.code(),
            seconds,
            cpu,
            figures.hard_rule_breaches,
            assignment.teams.len(),
            figures.min_load,
            figures.max_load,
            figures.expertise_match_rate * 100.0,
            figures.repeat_pairing_rate * 100.0,
            figures.objective
        );
        println!("          parts: {:?}", figures.parts);
        let record = serde_json::json!({
            "scale": scale.code(),
            "seed": seed,
            "solve_seconds": seconds,
            "solve_cpu_seconds": cpu,
            "quality": figures,
            "problem": problem,
            "assignment": assignment,
        });
        let path = format!("{out_dir}/{}.json", scale.code());
        std::fs::write(&path, serde_json::to_vec(&record)?)?;
        if scale == Scale::City && problem.team_count() as usize == problem.units.len() {
            write_columns(&problem, &format!("{out_dir}/city.columns.bin"))?;
        }
    }
    Ok(())
}

/// Every rule-abiding single-unit team of the round with its exact price (see the module doc).
fn write_columns(
    problem: &pingcha::domain::assignment::Problem,
    path: &str,
) -> Result<(), Box<dyn Error>> {
    const LIMIT: usize = 2_000_000;
    let columns = single_unit_columns(problem, LIMIT).ok_or("too many teams to enumerate")?;
    let mut bytes = Vec::with_capacity(columns.len() * 24);
    for column in &columns {
        if column.members.len() > 4 {
            return Err("teams of more than four do not fit the record".into());
        }
        let mut record = [-1i32; 6];
        record[0] = i32::try_from(column.unit)?;
        for (slot, &member) in record[1..5].iter_mut().zip(&column.members) {
            *slot = i32::try_from(member)?;
        }
        record[5] = i32::try_from(column.cost)?;
        for value in record {
            bytes.extend_from_slice(&value.to_le_bytes());
        }
    }
    std::fs::write(path, bytes)?;
    println!(
        "          {} single-unit teams written to {path}",
        columns.len()
    );
    Ok(())
}
