//! Library profiles: `trusted=["lightgbm"]` (CLI `--trust lightgbm`).
//!
//! A profile is an exact, generated list of (module, qualname, role) of one
//! third-party library, for a range of its versions
//! (`policy/profiles/<name>.tsv`, written by `scripts/gen_profiles.py`).
//! Naming it trusts those names in those roles and nothing else: there is no
//! prefix or wildcard trust, and the gadget lists still apply. Payloads the
//! library's compiled code parses (LightGBM's model text, XGBoost's model
//! bytes, CatBoost's model blob) are checked by `validate` through
//! [`crate::boosters`] before anything is built.

use std::sync::OnceLock;

use super::{parse_tsv, Role, Table};

/// One library profile.
#[derive(Debug)]
pub struct Profile {
    /// What a user writes in `trusted=` / `--trust`.
    pub name: &'static str,
    tsv: &'static str,
}

/// Every profile shipped with skseal, by name.
static PROFILES: &[Profile] = &[
    Profile {
        name: "catboost",
        tsv: include_str!("profiles/catboost.tsv"),
    },
    Profile {
        name: "category_encoders",
        tsv: include_str!("profiles/category_encoders.tsv"),
    },
    Profile {
        name: "feature_engine",
        tsv: include_str!("profiles/feature_engine.tsv"),
    },
    Profile {
        name: "imblearn",
        tsv: include_str!("profiles/imblearn.tsv"),
    },
    Profile {
        name: "lightgbm",
        tsv: include_str!("profiles/lightgbm.tsv"),
    },
    Profile {
        name: "xgboost",
        tsv: include_str!("profiles/xgboost.tsv"),
    },
];

impl Profile {
    /// A `#@ key value` line of the profile's header.
    pub fn meta(&self, key: &str) -> &'static str {
        self.tsv
            .lines()
            .filter_map(|l| l.strip_prefix("#@ "))
            .find_map(|l| {
                let (k, v) = l.split_once(' ')?;
                (k == key).then_some(v.trim())
            })
            .unwrap_or("")
    }
    /// The distribution (pip name) whose versions the profile covers.
    pub fn package(&self) -> &'static str {
        self.meta("package")
    }
    /// The import name of that package.
    pub fn module(&self) -> &'static str {
        self.meta("module")
    }
    /// The version range vetted, e.g. `>=4.0,<5`.
    pub fn versions(&self) -> &'static str {
        self.meta("versions")
    }
    /// The versions the list was generated from.
    pub fn generated(&self) -> &'static str {
        self.meta("generated")
    }
    /// What the validators check before the library sees its payloads.
    pub fn checks(&self) -> &'static str {
        self.meta("checks")
    }
    /// The names and their roles.
    pub fn table(&self) -> &'static Table {
        static TABLES: OnceLock<Vec<Table>> = OnceLock::new();
        let tables = TABLES.get_or_init(|| PROFILES.iter().map(|p| parse_tsv(p.tsv)).collect());
        let i = PROFILES
            .iter()
            .position(|p| p.name == self.name)
            .unwrap_or(0);
        &tables[i]
    }
    /// Roles this profile gives `module.qualname` (empty when it has none).
    pub fn roles(&self, module: &str, name: &str) -> &'static [Role] {
        self.table()
            .get(&(module.to_string(), name.to_string()))
            .map(|v| v.as_slice())
            .unwrap_or(&[])
    }
}

/// Every profile, sorted by name.
pub fn all() -> &'static [Profile] {
    PROFILES
}

/// The profile called `name`.
pub fn get(name: &str) -> Option<&'static Profile> {
    PROFILES.iter().find(|p| p.name == name)
}

/// The names of every profile, for messages.
pub fn names() -> Vec<&'static str> {
    PROFILES.iter().map(|p| p.name).collect()
}

/// The one rule for an entry of `trusted=` / `--trust`: an exact dotted
/// name (`module.qualname`) or the name of a profile. Anything else (a
/// module or package name, a wildcard, an unknown profile) is refused with
/// the list of profiles.
pub fn check_trust_entry(entry: &str) -> Result<(), String> {
    let e = entry.trim();
    if get(e).is_some() {
        return Ok(());
    }
    let known = names().join(", ");
    if e.contains('*') {
        return Err(format!(
            "trusted entry {entry:?}: wildcards are not accepted; name each class or function \
             exactly (module.qualname), or a library profile: {known}"
        ));
    }
    let dotted = e.contains('.')
        && !e.starts_with('.')
        && !e.ends_with('.')
        && !e.contains("..")
        && e.split('.').all(|p| !p.is_empty());
    if !dotted {
        return Err(format!(
            "trusted entry {entry:?} is neither an exact dotted name (module.qualname) nor a \
             library profile; known profiles: {known}. skseal never trusts a whole module or \
             package: name each class or function exactly, as untrusted_types() or the error \
             lists them"
        ));
    }
    let is_module = |t: &Table| t.keys().any(|(m, _)| m == e);
    if super::table().keys().any(|(m, _)| m == e) || PROFILES.iter().any(|p| is_module(p.table())) {
        return Err(format!(
            "trusted entry {entry:?} is a module, not a class or function: skseal never trusts \
             a whole module or package; name each class exactly (module.qualname), or a library \
             profile: {known}"
        ));
    }
    Ok(())
}

/// For names a file needs trusted: the profiles that list some of them
/// (fewest first: one profile covering all names is the whole answer) and
/// the names no profile lists.
pub fn covering(names: &[String]) -> (Vec<&'static Profile>, Vec<String>) {
    let listed = |p: &Profile, n: &str| {
        n.rsplit_once('.')
            .is_some_and(|(m, q)| !p.roles(m, q).is_empty())
    };
    let mut chosen: Vec<&'static Profile> = Vec::new();
    let mut rest: Vec<String> = names.to_vec();
    while !rest.is_empty() {
        let best = PROFILES
            .iter()
            .filter(|p| !chosen.iter().any(|c| c.name == p.name))
            .map(|p| (p, rest.iter().filter(|n| listed(p, n)).count()))
            .filter(|&(_, k)| k > 0)
            .max_by_key(|&(_, k)| k);
        let Some((p, _)) = best else { break };
        rest.retain(|n| !listed(p, n));
        chosen.push(p);
    }
    (chosen, rest)
}

/// pandas' and pyarrow's own pickling helpers: trusting them by name is
/// possible but never suggested (skseal stores pandas values itself; see
/// docs/SECURITY.md §6.0).
pub fn is_pandas_internal(name: &str) -> bool {
    matches!(name.split('.').next(), Some("pandas" | "pyarrow"))
}

/// What to say instead of suggesting pandas' helpers.
pub const PANDAS_WAY_OUT: &str = "The pandas and pyarrow names are how pandas pickles its \
    values; skseal never trusts them. It reads DataFrame, Series, Index, Categorical and string \
    values from pickles without them, but not these (nullable integers, intervals, periods, \
    time zones, attrs): save the object with skseal.dump (not pickle or joblib), or keep the \
    frame's arrays and column names (df.to_numpy(), list(df.columns))";

/// What trust would accept a refusal: `names` and their `details` as
/// [`crate::UntrustedError`] holds them. Names no trust setting loads
/// ("never allowed") are left out; pandas' helpers are never suggested (the
/// caller adds [`PANDAS_WAY_OUT`] when `pandas` is set).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TrustHint {
    /// Profiles first (fewest covering the names), then exact names.
    pub entries: Vec<String>,
    /// Some names were pandas' or pyarrow's pickling helpers.
    pub pandas: bool,
    /// Every name was a gadget: no trust setting loads the file.
    pub hopeless: bool,
}

/// The one rule behind every "If you trust the source" message (Python's
/// `trusted=[...]` and the CLI's `--trust`).
pub fn trust_hint(names: &[String], details: &[String]) -> TrustHint {
    let trustable: Vec<String> = names
        .iter()
        .zip(details)
        .filter(|(_, d)| !d.contains("never allowed"))
        .map(|(n, _)| n.clone())
        .collect();
    let pandas = trustable.iter().any(|n| is_pandas_internal(n));
    let others: Vec<String> = trustable
        .iter()
        .filter(|n| !is_pandas_internal(n))
        .cloned()
        .collect();
    let (profs, rest) = covering(&others);
    TrustHint {
        entries: profs
            .iter()
            .map(|p| p.name.to_string())
            .chain(rest)
            .collect(),
        pandas,
        hopeless: trustable.is_empty(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_profile_has_its_header_and_names() {
        for p in all() {
            assert!(!p.package().is_empty(), "{}: no package", p.name);
            assert!(!p.module().is_empty(), "{}: no module", p.name);
            assert!(p.versions().starts_with(">="), "{}: versions", p.name);
            assert!(!p.generated().is_empty(), "{}: generated", p.name);
            assert!(!p.checks().is_empty(), "{}: checks", p.name);
            assert!(
                p.table().len() >= 2,
                "{}: {} names",
                p.name,
                p.table().len()
            );
            for (m, n) in p.table().keys() {
                let g = crate::ir::GlobalName::new(m.clone(), n.clone());
                assert!(
                    super::super::danger(&g).is_none(),
                    "{}: {m}.{n} is a gadget",
                    p.name
                );
            }
        }
        let mut sorted = names();
        sorted.sort();
        assert_eq!(sorted, names());
    }

    #[test]
    fn suggestions_prefer_one_profile() {
        let names = vec![
            "lightgbm.basic.Booster".to_string(),
            "lightgbm.sklearn.LGBMClassifier".to_string(),
            "mypkg.Thing".to_string(),
        ];
        let (p, rest) = covering(&names);
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].name, "lightgbm");
        assert_eq!(rest, vec!["mypkg.Thing".to_string()]);
        let details = vec!["not in the allow-list".to_string(); 3];
        let h = trust_hint(&names, &details);
        assert_eq!(
            h.entries,
            vec!["lightgbm".to_string(), "mypkg.Thing".to_string()]
        );
        assert!(!h.pandas && !h.hopeless);
        let gadget = vec!["os.system".to_string()];
        let h = trust_hint(&gadget, &["os.system is never allowed".to_string()]);
        assert!(h.hopeless && h.entries.is_empty());
        let h = trust_hint(&["pandas.DataFrame".to_string()], &["unknown".to_string()]);
        assert!(h.pandas && h.entries.is_empty() && !h.hopeless);
    }

    #[test]
    fn trust_entries() {
        assert!(check_trust_entry("lightgbm").is_ok());
        assert!(check_trust_entry("xgboost.sklearn.XGBClassifier").is_ok());
        for bad in [
            "xgboost_x",
            "sklearn",
            "lightgbm.*",
            "a..b",
            ".a",
            "a.",
            "",
            "lightgbm.sklearn",
            "sklearn.ensemble._forest",
        ] {
            let e = check_trust_entry(bad).unwrap_err();
            assert!(
                e.contains("lightgbm, xgboost") || e.contains("xgboost"),
                "{bad}: {e}"
            );
        }
    }
}
