//! `govwatch eval FILE [--json] [--misses] [--threshold X]`: precision, recall and F1 of
//! topics, document kinds and extraction, and cluster purity, on a labelled set.

use std::path::PathBuf;

use anyhow::Context as _;

use crate::config::Settings;
use crate::eval::{Report, Score, evaluate};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The labelled set (TOML: [[feed]] and [[item]] tables; see tests/eval/).
    file: PathBuf,
    /// One JSON object with every figure (and the misses).
    #[arg(long)]
    json: bool,
    /// Also list every wrong answer.
    #[arg(long)]
    misses: bool,
    /// Cluster at this cosine similarity instead of the built-in threshold.
    #[arg(long, value_name = "X")]
    threshold: Option<f32>,
}

pub fn run(settings: &Settings, args: Args) -> anyhow::Result<()> {
    let text = std::fs::read_to_string(&args.file)
        .with_context(|| format!("cannot read {}", args.file.display()))?;
    let report = evaluate(&text, &settings.topics, &settings.extractor, args.threshold)
        .with_context(|| format!("{}", args.file.display()))?;
    if args.json {
        let mut report = report;
        if !args.misses {
            report.misses.clear();
        }
        super::print_json_line(&report)?;
        return Ok(());
    }
    print(&report, args.misses);
    Ok(())
}

fn print(r: &Report, misses: bool) {
    println!("{} items", r.items);
    println!(
        "\n{:<24} {:>9} {:>9} {:>9} {:>5}",
        "topic", "precision", "recall", "F1", "n"
    );
    for (name, s) in &r.topics {
        row(name, s);
    }
    row("all topics (micro)", &r.topics_micro);
    println!(
        "\n{:<24} {:>9} {:>9} {:>9} {:>5}",
        "kind", "precision", "recall", "F1", "n"
    );
    for (name, s) in &r.kinds {
        row(name, s);
    }
    println!(
        "kind accuracy {:.3}, macro F1 {:.3}",
        r.kind_accuracy, r.kinds_macro_f1
    );
    println!(
        "\n{:<24} {:>9} {:>9} {:>9} {:>5}",
        "extraction", "precision", "recall", "F1", "n"
    );
    for (name, s) in &r.entities {
        row(name, s);
    }
    let c = &r.clusters;
    println!(
        "\nclusters (threshold {:.2}): purity {:.3}, inverse purity {:.3}, pairs P {:.3} R {:.3} F1 {:.3}",
        c.threshold, c.purity, c.inverse_purity, c.pairs.precision, c.pairs.recall, c.pairs.f1
    );
    println!(
        "threads (shared identifier vs labelled thread, over pairs): P {:.3} R {:.3} F1 {:.3}",
        r.threads.precision, r.threads.recall, r.threads.f1
    );
    if misses {
        println!("\nmisses:");
        for m in &r.misses {
            println!(
                "  #{} {}: expected [{}], got [{}] — {}",
                m.item, m.what, m.expected, m.got, m.title
            );
        }
    }
}

fn row(name: &str, s: &Score) {
    println!(
        "{name:<24} {:>9.3} {:>9.3} {:>9.3} {:>5}",
        s.precision,
        s.recall,
        s.f1,
        s.true_positives + s.false_negatives
    );
}
