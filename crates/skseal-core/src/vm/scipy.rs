//! scipy.stats frozen distributions (`scipy.stats.randint(1, 10)`, as held by
//! `RandomizedSearchCV.param_distributions`), lowered to a call of the
//! distribution object with the frozen arguments.
//!
//! A pickled frozen distribution carries its generator (`randint_gen`) with
//! a full state: scipy's `rv_generic.__setstate__` runs `exec` on the code
//! template in that state and its `vectorize` members are pickled through
//! `builtins.getattr`. None of it is kept: the BUILD of a
//! `rv_discrete_frozen`/`rv_continuous_frozen` becomes
//! `Call(scipy.stats.<module>.<name>, shapes..., loc[, scale])` where
//! `<name>` is the generator's `name`, which must be an allow-listed
//! distribution of exactly that class; the arguments must be numbers (the
//! policy checks them again as [`crate::policy::schema::Schema::Distribution`]).
//! The generator's random state is not carried over: a loaded frozen
//! distribution draws from numpy's global random state unless `rvs` is given
//! one, as `RandomizedSearchCV` does.

use super::*;
use crate::policy::schema::is_real_number;
use crate::policy::Schema;

const FROZEN: &[&str] = &["rv_discrete_frozen", "rv_continuous_frozen"];
const FROZEN_MODULE: &str = "scipy.stats._distn_infrastructure";

impl<'a> Vm<'a> {
    /// BUILD on a frozen distribution: lower it (`Ok(true)`), refuse it, or
    /// `Ok(false)` for any other object.
    pub(super) fn lower_frozen_distribution(
        &mut self,
        obj: NodeId,
        state: NodeId,
    ) -> Result<bool, PickleError> {
        let class = match self.node(obj) {
            Node::Object {
                class,
                args,
                state: None,
                items,
            } if class.module == FROZEN_MODULE
                && FROZEN.contains(&class.name.as_str())
                && args.is_empty()
                && items.is_empty() =>
            {
                class.clone()
            }
            _ => return Ok(false),
        };
        let bad = |why: String| {
            format!(
                "{class} is read only as scipy pickles it (args, kwds and an allowed \
                 distribution): {why}"
            )
        };
        let Node::Dict(kv) = self.node(state) else {
            return Err(self.refused(bad("its state is not a dict".into())));
        };
        let (mut args, mut kwds, mut dist) = (None, None, None);
        for &(k, v) in kv {
            match self.str_of(k) {
                Some("args") => args = Some(v),
                Some("kwds") => kwds = Some(v),
                Some("dist") => dist = Some(v),
                Some("a" | "b") => {} // the support, recomputed by scipy
                Some(other) => return Err(self.refused(bad(format!("unexpected key {other:?}")))),
                None => return Err(self.refused(bad("a state key is not a str".into()))),
            }
        }
        let (Some(args), Some(dist)) = (args, dist) else {
            return Err(self.refused(bad("args or dist is missing".into())));
        };
        // the distribution object this generator stands for
        let (dist_class, dist_state) = match self.node(dist) {
            Node::Object {
                class,
                state: Some(s),
                ..
            } => (class.clone(), *s),
            other => {
                let k = other.kind_name();
                return Err(self.refused(bad(format!("dist is a {k}, not a distribution"))));
            }
        };
        let name = match self.node(dist_state) {
            Node::Dict(kv) => kv
                .iter()
                .find(|&&(k, _)| self.str_of(k) == Some("name"))
                .and_then(|&(_, v)| self.str_of(v))
                .map(str::to_string),
            _ => None,
        }
        .ok_or_else(|| self.refused(bad("dist has no name".into())))?;
        let Some(Schema::Distribution { shapes, discrete }) =
            crate::policy::distribution(&dist_class.module, &name, &dist_class.name)
        else {
            return Err(self.refused(bad(format!(
                "{}.{name} of class {dist_class} is not a scipy.stats distribution skseal knows \
                 (no trust setting loads a custom one; for a search object, save its \
                 best_estimator_ instead)",
                dist_class.module
            ))));
        };
        // positional arguments: the frozen args, then loc (and scale) from kwds
        let mut pos = match self.node(args) {
            Node::Tuple(v) => v.clone(),
            _ => return Err(self.refused(bad("args is not a tuple".into()))),
        };
        let params: &[(&str, i64)] = if discrete {
            &[("loc", 0)]
        } else {
            &[("loc", 0), ("scale", 1)]
        };
        let kw: Vec<(String, NodeId)> = match kwds.map(|k| self.node(k)) {
            None => Vec::new(),
            Some(Node::Dict(kv)) => kv
                .iter()
                .map(|&(k, v)| self.str_of(k).map(|s| (s.to_string(), v)))
                .collect::<Option<_>>()
                .ok_or_else(|| self.refused(bad("a kwds key is not a str".into())))?,
            Some(_) => return Err(self.refused(bad("kwds is not a dict".into()))),
        };
        let shapes = usize::from(shapes);
        let mut last = pos.len();
        for (k, _) in &kw {
            let at = params
                .iter()
                .position(|(p, _)| p == k)
                .ok_or_else(|| self.refused(bad(format!("unexpected keyword {k:?}"))))?;
            if shapes + at < pos.len() {
                return Err(self.refused(bad(format!("{k} is given twice"))));
            }
            last = last.max(shapes + at + 1);
        }
        if !kw.is_empty() && pos.len() < shapes {
            return Err(self.refused(bad(format!(
                "{name} takes {shapes} shape parameters before loc/scale, got {}",
                pos.len()
            ))));
        }
        for at in pos.len()..last {
            let (p, default) = params[at - shapes];
            let v = match kw.iter().find(|(k, _)| k == p) {
                Some(&(_, v)) => v,
                None => self.add(Node::Int(default))?,
            };
            pos.push(v);
        }
        if let Some(&v) = pos.iter().find(|&&v| !is_real_number(self.node(v))) {
            let k = self.node(v).kind_name();
            return Err(self.refused(bad(format!("a parameter is a {k}, not a number"))));
        }
        self.charge_ids(pos.len(), "distribution arguments")?;
        let done = self.add(Node::Dict(Vec::new()))?; // a second BUILD is refused
        self.set_node(
            obj,
            Node::Call {
                func: GlobalName::new(dist_class.module, name),
                args: pos,
                state: Some(done),
            },
        );
        Ok(true)
    }
}
