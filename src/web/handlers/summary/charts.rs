//! The summary pages' SVG charts, placed here and drawn by the templates.

use crate::domain::summary::TrendLine;
use crate::export::summary::{self as tables, Table};
use serde::Serialize;

const CHART_WIDTH: f64 = 640.0;
const COLORS: [&str; 8] = [
    "#1f4e9c", "#c0392b", "#27ae60", "#8e44ad", "#d68910", "#16a085", "#7f8c8d", "#2c3e50",
];

fn round1(value: f64) -> f64 {
    (value * 10.0).round() / 10.0
}

/// One bar of a horizontal bar chart, placed.
#[derive(Serialize)]
struct Bar {
    label: String,
    text: String,
    own: bool,
    y: f64,
    text_y: f64,
    x: f64,
    width: f64,
    value_x: f64,
}

/// A horizontal bar chart, drawn as SVG by the template.
#[derive(Serialize)]
pub struct BarChart {
    title: &'static str,
    width: f64,
    height: f64,
    label_x: f64,
    bars: Vec<Bar>,
}

/// A horizontal bar chart: one bar per (label, value, shown value) against `max`.
pub fn bar_chart(title: &'static str, bars: &[(String, f64, String, bool)], max: f64) -> BarChart {
    let left = 170.0;
    let span = CHART_WIDTH - left - 70.0;
    let rows = bars
        .iter()
        .enumerate()
        .map(|(index, (label, value, text, own))| {
            let y = 10.0 + index as f64 * 26.0;
            let width = if max > 0.0 {
                (value / max * span).max(0.0)
            } else {
                0.0
            };
            Bar {
                label: label.clone(),
                text: text.clone(),
                own: *own,
                y,
                text_y: y + 14.0,
                x: left,
                width: round1(width),
                value_x: round1(left + width + 6.0),
            }
        })
        .collect();
    BarChart {
        title,
        width: CHART_WIDTH,
        height: 20.0 + bars.len() as f64 * 26.0,
        label_x: left - 8.0,
        bars: rows,
    }
}

/// A label on a line chart's axis.
#[derive(Serialize)]
struct Tick {
    y: f64,
    text_y: f64,
    label: String,
}

#[derive(Serialize)]
struct XLabel {
    x: f64,
    y: f64,
    label: String,
}

/// One point of a line, with its tooltip.
#[derive(Serialize)]
struct Dot {
    x: f64,
    y: f64,
    title: String,
}

/// One unit's line.
#[derive(Serialize)]
struct Series {
    name: String,
    color: &'static str,
    points: String,
    dots: Vec<Dot>,
    legend_x: f64,
    legend_y: f64,
    legend_text_x: f64,
    legend_text_y: f64,
}

/// A line chart, drawn as SVG by the template.
#[derive(Serialize)]
pub struct LineChart {
    title: &'static str,
    width: f64,
    height: f64,
    left: f64,
    right_edge: f64,
    axis_y: f64,
    ticks: Vec<Tick>,
    xlabels: Vec<XLabel>,
    series: Vec<Series>,
}

/// A line chart of one value per round and unit; `pick` gives the value in percent or points.
pub fn line_chart(
    title: &'static str,
    rounds: &[String],
    lines: &[TrendLine],
    pick: &dyn Fn(&crate::domain::summary::TrendPoint) -> Option<f64>,
    unit: &str,
) -> LineChart {
    let (left, right, top, bottom, height) = (50.0, 170.0, 15.0, 40.0, 280.0);
    // Room for the round names under the first and last points.
    let inset = 55.0;
    let plot_width = CHART_WIDTH - left - right - 2.0 * inset;
    let plot_height = height - top - bottom;
    let values: Vec<f64> = lines
        .iter()
        .flat_map(|line| line.points.iter().flatten().filter_map(pick))
        .collect();
    let low = values.iter().copied().fold(100.0_f64, f64::min).min(100.0);
    // Four steps of whole multiples of 5 from a round floor below the lowest value.
    let low = (((low - 5.0) / 20.0).floor() * 20.0).clamp(0.0, 80.0);
    let high = 100.0;
    let x_of = |index: usize| {
        if rounds.len() <= 1 {
            left + inset + plot_width / 2.0
        } else {
            left + inset + plot_width * index as f64 / (rounds.len() - 1) as f64
        }
    };
    let y_of = |value: f64| top + plot_height * (high - value) / (high - low).max(1.0);
    let ticks = (0..=4)
        .map(|step| {
            let value = low + (high - low) * f64::from(step) / 4.0;
            Tick {
                y: round1(y_of(value)),
                text_y: round1(y_of(value) + 4.0),
                label: format!("{value:.0}"),
            }
        })
        .collect();
    let xlabels = rounds
        .iter()
        .enumerate()
        // Staggered in two rows so long round names do not run into each other.
        .map(|(index, name)| XLabel {
            x: round1(x_of(index)),
            y: height - bottom + 16.0 + if index % 2 == 1 { 14.0 } else { 0.0 },
            label: name.clone(),
        })
        .collect();
    let series = lines
        .iter()
        .enumerate()
        .map(|(index, line)| {
            let color = COLORS[index % COLORS.len()];
            let dots: Vec<Dot> = line
                .points
                .iter()
                .enumerate()
                .filter_map(|(round, point)| {
                    let point = point.as_ref()?;
                    let value = pick(point)?;
                    Some(Dot {
                        x: round1(x_of(round)),
                        y: round1(y_of(value)),
                        title: format!("{} {}：{value:.1}{unit}", line.name, point.round),
                    })
                })
                .collect();
            let points: Vec<String> = dots
                .iter()
                .map(|dot| format!("{},{}", dot.x, dot.y))
                .collect();
            Series {
                name: line.name.clone(),
                color,
                points: points.join(" "),
                dots,
                legend_x: CHART_WIDTH - right + 15.0,
                legend_y: top + 10.0 + index as f64 * 18.0,
                legend_text_x: CHART_WIDTH - right + 35.0,
                legend_text_y: top + 14.0 + index as f64 * 18.0,
            }
        })
        .collect();
    LineChart {
        title,
        width: CHART_WIDTH,
        height,
        left,
        right_edge: CHART_WIDTH - right,
        axis_y: height - bottom,
        ticks,
        xlabels,
        series,
    }
}

/// A table of the page, numbered for its anchor.
#[derive(Serialize)]
pub struct NumberedTable {
    index: usize,
    table: tables::TableView,
}

pub fn views(tables: &[Table]) -> Vec<NumberedTable> {
    tables
        .iter()
        .enumerate()
        .map(|(index, table)| NumberedTable {
            index,
            table: table.view(),
        })
        .collect()
}
