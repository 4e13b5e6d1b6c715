//! `skseal card`: a model card (HTML, and Markdown with Hugging Face Hub
//! metadata) made by skseal-card, no Python.

use crate::out::outln;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {
    /// A .skseal, .pkl or .joblib model file.
    model: PathBuf,
    /// Labelled data to evaluate the model on: CSV, read as predict reads
    /// it (a header row naming the columns, or --no-header).
    #[arg(long, requires = "target")]
    data: Option<PathBuf>,
    /// The column of --data holding the true values: its name, or with
    /// --no-header its number (from 0).
    #[arg(long, requires = "data")]
    target: Option<String>,
    /// --data has no header row: its columns are numbered from 0, the
    /// model's own feature names (if any) are given to the others in order,
    /// and --target is a column number.
    #[arg(long, requires = "data")]
    no_header: bool,
    /// CSV field separator of --data (one character, or "tab"; default:
    /// ',' or tab for a .tsv file), as for predict.
    #[arg(long, requires = "data")]
    delimiter: Option<String>,
    /// The HTML page to write (default: MODEL's name with .card.html).
    #[arg(short, long)]
    output: Option<PathBuf>,
    /// Also write a Markdown card (e.g. README.md for the Hugging Face Hub).
    #[arg(long)]
    markdown: Option<PathBuf>,
    /// Exact names (module.qualname) or library profiles (lightgbm, xgboost,
    /// catboost, imblearn, category_encoders, feature_engine) to trust.
    #[arg(long = "trust", value_parser = crate::args::trust_entry)]
    trusted: Vec<String>,
}

pub fn run(a: Args) -> ExitCode {
    let res = (|| -> Result<PathBuf, String> {
        let opts = skseal_card::Options {
            data: a.data,
            target: a.target,
            trusted: a.trusted,
            max_decompressed: Some(
                skseal_core::resources::configured_max_decompressed().map_err(|e| e.to_string())?,
            ),
            data_name: None,
            delimiter: a
                .delimiter
                .as_deref()
                .map(skseal_native::input::parse_delimiter)
                .transpose()?,
            no_header: a.no_header,
        };
        let card = skseal_card::make(&a.model, &opts).map_err(|e| e.to_string())?;
        for w in &card.warnings {
            eprintln!("skseal: warning: {w}");
        }
        let html = a
            .output
            .unwrap_or_else(|| a.model.with_extension("card.html"));
        skseal_card::write_atomic(&html, &card.html)?;
        if let Some(md) = &a.markdown {
            skseal_card::write_atomic(md, &card.markdown)?;
            outln!("wrote {}", md.display());
        }
        Ok(html)
    })();
    match res {
        Ok(p) => {
            outln!("wrote {}", p.display());
            ExitCode::SUCCESS
        }
        Err(e) => {
            crate::report::error(e);
            ExitCode::from(2)
        }
    }
}
