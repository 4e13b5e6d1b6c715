//! The scikit-learn version policy of a load: what `on_version_mismatch`
//! does when a file was saved with another scikit-learn than the installed
//! one, and the words it says, for `.skseal` files (which may hold a probe)
//! and for pickles (which never do). Python's `load` and the PyO3 loaders
//! both ask here (`skseal._native.version_mismatch`).

use std::str::FromStr;

/// `on_version_mismatch`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnMismatch {
    Warn,
    Error,
    Ignore,
}

/// An `on_version_mismatch` value that is none of the three.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("on_version_mismatch must be 'warn', 'error' or 'ignore', not {0:?}")]
pub struct BadPolicy(pub String);

impl FromStr for OnMismatch {
    type Err = BadPolicy;
    fn from_str(s: &str) -> Result<Self, BadPolicy> {
        match s {
            "warn" => Ok(OnMismatch::Warn),
            "error" => Ok(OnMismatch::Error),
            "ignore" => Ok(OnMismatch::Ignore),
            other => Err(BadPolicy(other.to_string())),
        }
    }
}

/// Where the saved version comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// A `.skseal` file's metadata; `probe_checked` when its stored probe
    /// was re-checked after the objects were built.
    Skseal { probe_checked: bool },
    /// The version scikit-learn recorded in a pickle's estimators.
    Pickle,
}

/// What a load does about the versions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    Proceed,
    Warn(String),
    Refuse(String),
}

/// The decision for a file saved with `saved` and loaded with `installed`.
/// The refusal comes before anything is built, so a `.skseal` file's probe
/// has not been checked yet when it is refused.
pub fn decide(source: Source, saved: &str, installed: &str, on: OnMismatch) -> Action {
    if saved == installed || on == OnMismatch::Ignore {
        return Action::Proceed;
    }
    match (source, on) {
        (Source::Skseal { .. }, OnMismatch::Error) => Action::Refuse(format!(
            "this model was saved with scikit-learn {saved} but scikit-learn {installed} is \
             installed. Install scikit-learn=={saved}, or load with on_version_mismatch=\"warn\" \
             and verify=True to check the stored probe"
        )),
        (Source::Skseal { probe_checked }, _) => Action::Warn(format!(
            "this model was saved with scikit-learn {saved} and is loaded with {installed}; {}",
            if probe_checked {
                "its stored probe was re-checked and matches"
            } else {
                "save it with a probe and load with verify=True to check its predictions"
            }
        )),
        (Source::Pickle, OnMismatch::Error) => Action::Refuse(format!(
            "this model was pickled with scikit-learn {saved} and would be loaded with \
             {installed} (on_version_mismatch='error'); nothing from the file was run"
        )),
        (Source::Pickle, _) => Action::Warn(format!(
            "this model was pickled with scikit-learn {saved} and is loaded with {installed}; \
             a pickle has no probe to re-check its predictions: \
             skseal.convert(src, dst, probe=X_sample) stores one"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_policy() {
        let sk = Source::Skseal {
            probe_checked: false,
        };
        assert_eq!(
            decide(sk, "1.9.1", "1.9.1", OnMismatch::Error),
            Action::Proceed
        );
        assert_eq!(
            decide(sk, "1.5.0", "1.9.1", OnMismatch::Ignore),
            Action::Proceed
        );
        assert!(
            matches!(decide(sk, "1.5.0", "1.9.1", OnMismatch::Error), Action::Refuse(m) if m.contains("scikit-learn==1.5.0"))
        );
        assert!(
            matches!(decide(sk, "1.5.0", "1.9.1", OnMismatch::Warn), Action::Warn(m) if m.contains("verify=True"))
        );
        let checked = Source::Skseal {
            probe_checked: true,
        };
        assert!(
            matches!(decide(checked, "1.5.0", "1.9.1", OnMismatch::Warn), Action::Warn(m) if m.contains("re-checked and matches"))
        );
        assert!(
            matches!(decide(Source::Pickle, "1.1.3", "1.9.1", OnMismatch::Error), Action::Refuse(m) if m.contains("nothing from the file was run"))
        );
        assert!(
            matches!(decide(Source::Pickle, "1.1.3", "1.9.1", OnMismatch::Warn), Action::Warn(m) if m.contains("skseal.convert"))
        );
        assert_eq!(
            "panic".parse::<OnMismatch>(),
            Err(BadPolicy("panic".into()))
        );
    }
}
