//! Figures, their spread over runs, and the table and JSON they end up in.

use serde::Serialize;

use crate::Config;

/// One measured quantity over several runs.
#[derive(Debug, Clone, Serialize)]
pub struct Stat {
    pub median: f64,
    pub min: f64,
    pub max: f64,
    pub runs: Vec<f64>,
}

impl Stat {
    pub fn of(mut runs: Vec<f64>) -> Stat {
        runs.sort_by(f64::total_cmp);
        let median = if runs.is_empty() {
            f64::NAN
        } else if runs.len() % 2 == 1 {
            runs[runs.len() / 2]
        } else {
            (runs[runs.len() / 2 - 1] + runs[runs.len() / 2]) / 2.0
        };
        Stat {
            median,
            min: runs.first().copied().unwrap_or(f64::NAN),
            max: runs.last().copied().unwrap_or(f64::NAN),
            runs,
        }
    }

    fn cell(&self, unit: &str) -> String {
        if self.runs.len() > 1 {
            format!(
                "{} {unit} ({}–{})",
                short(self.median),
                short(self.min),
                short(self.max)
            )
        } else {
            format!("{} {unit}", short(self.median))
        }
    }
}

fn short(v: f64) -> String {
    if v >= 100.0 {
        format!("{v:.0}")
    } else if v >= 10.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    }
}

/// One line of the table: govwatch's figure and one comparison.
#[derive(Debug, Clone, Serialize)]
pub struct Row {
    pub scenario: String,
    pub metric: String,
    pub unit: String,
    pub better: Better,
    pub govwatch: Stat,
    /// What govwatch is compared with ("bare feed-rs", "SQLite FTS5"…).
    pub against: String,
    pub other: Option<Stat>,
    /// govwatch ÷ other for rates, other ÷ govwatch for times: above 1 means govwatch is
    /// faster.
    pub ratio: Option<f64>,
    /// Why there is no comparison, or what to know about it.
    pub note: String,
    /// The target, when it sets one, and whether it was met.
    pub target: Option<String>,
    pub met: Option<bool>,
}

#[derive(Debug, Serialize)]
pub struct Report {
    pub cpus: usize,
    pub quick: bool,
    pub rows: Vec<Row>,
}

/// Higher is better (a rate) or lower is better (a time).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Better {
    Higher,
    Lower,
}

impl Report {
    pub fn new(config: &Config) -> Report {
        Report {
            cpus: std::thread::available_parallelism().map_or(0, |n| n.get()),
            quick: config.quick,
            rows: Vec::new(),
        }
    }

    #[allow(clippy::too_many_arguments)] // one row's cells
    pub fn row(
        &mut self,
        scenario: &str,
        metric: &str,
        unit: &str,
        better: Better,
        govwatch: Stat,
        against: &str,
        other: Option<Stat>,
        note: &str,
    ) -> Option<f64> {
        let ratio = other.as_ref().map(|o| match better {
            Better::Higher => govwatch.median / o.median,
            Better::Lower => o.median / govwatch.median,
        });
        let line = format!(
            "{scenario:<8} {metric:<28} govwatch {:<28} {against:<22} {:<28} {}",
            govwatch.cell(unit),
            other
                .as_ref()
                .map_or_else(|| "-".to_owned(), |o| o.cell(unit)),
            ratio.map_or_else(|| note.to_owned(), |r| format!("{r:.2}x")),
        );
        println!("{line}");
        self.rows.push(Row {
            scenario: scenario.to_owned(),
            metric: metric.to_owned(),
            unit: unit.to_owned(),
            better,
            govwatch,
            against: against.to_owned(),
            other,
            ratio,
            note: note.to_owned(),
            target: None,
            met: None,
        });
        ratio
    }

    /// Records the target for the last row (not in quick mode, whose sizes and debug
    /// build say nothing about speed).
    pub fn target(&mut self, target: &str, met: bool) {
        if self.quick {
            return;
        }
        if let Some(row) = self.rows.last_mut() {
            row.target = Some(target.to_owned());
            row.met = Some(met);
        }
        println!(
            "         target: {target}: {}",
            if met { "met" } else { "MISSED" }
        );
    }

    /// Records the target for the row of `scenario` and `metric` (as `target`).
    pub fn target_on(&mut self, scenario: &str, metric: &str, target: &str, met: bool) {
        if self.quick {
            return;
        }
        if let Some(row) = self
            .rows
            .iter_mut()
            .find(|r| r.scenario == scenario && r.metric == metric)
        {
            row.target = Some(match row.target.take() {
                Some(t) => format!("{t}; {target}"),
                None => target.to_owned(),
            });
            row.met = Some(row.met.unwrap_or(true) && met);
        }
        println!(
            "         target ({scenario}, {metric}): {target}: {}",
            if met { "met" } else { "MISSED" }
        );
    }

    pub fn markdown(&self) -> String {
        let mut out = format!(
            "Machine: {} logical CPUs. Median of the runs, (min–max) when there were several; ratio above 1 means govwatch is faster.\n\n\
             | scenario | metric | govwatch | compared with | their figure | ratio | target |\n\
             |---|---|---|---|---|---|---|\n",
            self.cpus
        );
        for r in &self.rows {
            out.push_str(&format!(
                "| {} | {} | {} | {} | {} | {} | {} |\n",
                r.scenario,
                r.metric,
                r.govwatch.cell(&r.unit),
                r.against,
                r.other
                    .as_ref()
                    .map_or_else(|| "-".to_owned(), |o| o.cell(&r.unit)),
                r.ratio
                    .map_or_else(|| r.note.clone(), |x| format!("{x:.2}x")),
                match (&r.target, r.met) {
                    (Some(t), Some(true)) => format!("{t}: met"),
                    (Some(t), Some(false)) => format!("{t}: missed"),
                    _ => String::new(),
                }
            ));
        }
        out
    }

    /// Writes the table and the JSON; in quick mode, checks that every figure is sane.
    pub fn finish(&self, config: &Config) {
        let markdown = self.markdown();
        println!("\n{markdown}");
        if let Err(e) = std::fs::create_dir_all(&config.out).and_then(|()| {
            std::fs::write(config.out.join("e2e.md"), &markdown)?;
            let json = serde_json::to_string_pretty(self).map_err(std::io::Error::other)?;
            std::fs::write(config.out.join("e2e.json"), json)
        }) {
            eprintln!("cannot write results to {}: {e}", config.out.display());
            std::process::exit(1);
        }
        println!("results: {}", config.out.join("e2e.{md,json}").display());
        for scenario in ["parse", "poll", "ingest", "search", "digest", "daemon"] {
            if !config.wants(scenario) {
                continue;
            }
            assert!(
                self.rows.iter().any(|r| r.scenario.starts_with(scenario)),
                "scenario {scenario} produced no figures"
            );
        }
        for r in &self.rows {
            // A rate of zero means nothing ran; a time, a size or a CPU share may be zero.
            let sane = |s: &Stat| {
                s.median.is_finite()
                    && match r.better {
                        Better::Higher => s.median > 0.0,
                        Better::Lower => s.median >= 0.0,
                    }
            };
            assert!(
                sane(&r.govwatch),
                "{} {}: {:?}",
                r.scenario,
                r.metric,
                r.govwatch
            );
            if let Some(o) = &r.other {
                assert!(
                    sane(o),
                    "{} {} ({}): {o:?}",
                    r.scenario,
                    r.metric,
                    r.against
                );
            }
        }
    }
}

/// 10000 as "10,000", for scenario names.
pub fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}
