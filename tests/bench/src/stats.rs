//! Medians, and the one table every measurement ends up in.

use std::time::Duration;

/// The median of `values` (the lower middle one for an even count); zero when empty.
pub fn median<T: Copy + Ord + Default>(values: &mut [T]) -> T {
    values.sort_unstable();
    values
        .get(values.len().saturating_sub(1) / 2)
        .copied()
        .unwrap_or_default()
}

/// The median of `values`, which must not be NaN.
pub fn median_f64(values: &mut [f64]) -> f64 {
    values.sort_unstable_by(f64::total_cmp);
    values
        .get(values.len().saturating_sub(1) / 2)
        .copied()
        .unwrap_or(f64::NAN)
}

/// One line of the table: what was measured, its figure, what it is compared with, and the
/// goal the ratio is held to.
pub struct Row {
    pub measure: String,
    pub value: String,
    pub baseline: String,
    pub ratio: String,
    pub goal: String,
}

impl Row {
    pub fn new(measure: impl Into<String>, value: impl Into<String>) -> Self {
        Self {
            measure: measure.into(),
            value: value.into(),
            baseline: String::new(),
            ratio: String::new(),
            goal: String::new(),
        }
    }

    pub fn against(mut self, baseline: impl Into<String>, ratio: f64) -> Self {
        self.baseline = baseline.into();
        self.ratio = format!("{ratio:.3}x");
        self
    }

    /// A goal the ratio must meet: `met` says whether it did.
    pub fn goal(mut self, goal: &str, met: bool) -> Self {
        self.goal = format!("{goal} {}", if met { "met" } else { "MISSED" });
        self
    }
}

/// Prints rows as a Markdown table, so that it pastes into BENCHMARKS.md as it is.
pub fn print_table(rows: &[Row]) {
    let header = ["Measure", "Value", "Baseline", "Ratio", "Goal"];
    let cells: Vec<[&str; 5]> = rows
        .iter()
        .map(|row| {
            [
                row.measure.as_str(),
                row.value.as_str(),
                row.baseline.as_str(),
                row.ratio.as_str(),
                row.goal.as_str(),
            ]
        })
        .collect();
    let mut widths = header.map(str::len);
    for row in &cells {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let line = |cells: [&str; 5]| {
        let padded: Vec<String> = cells
            .iter()
            .zip(widths)
            .map(|(cell, width)| format!("{cell:<width$}"))
            .collect();
        println!("| {} |", padded.join(" | "));
    };
    line(header);
    let rules = widths.map(|width| "-".repeat(width));
    line([&rules[0], &rules[1], &rules[2], &rules[3], &rules[4]].map(String::as_str));
    for row in cells {
        line(row);
    }
}

/// `1.234 ms`, `56.7 µs` or `890 ns`.
pub fn duration(duration: Duration) -> String {
    let nanos = duration.as_nanos();
    if nanos >= 10_000_000_000 {
        format!("{:.1} s", duration.as_secs_f64())
    } else if nanos >= 1_000_000 {
        format!("{:.2} ms", duration.as_secs_f64() * 1e3)
    } else if nanos >= 10_000 {
        format!("{:.1} µs", duration.as_secs_f64() * 1e6)
    } else {
        format!("{nanos} ns")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_takes_the_middle_value_whatever_the_order() {
        assert_eq!(median(&mut [5, 1, 3]), 3);
        assert_eq!(median(&mut [4, 1, 3, 2]), 2);
        assert_eq!(median::<u32>(&mut []), 0);
        assert_eq!(median_f64(&mut [2.0, 9.0, 1.0]), 2.0);
    }
}
