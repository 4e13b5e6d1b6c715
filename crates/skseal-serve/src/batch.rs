//! Opt-in micro-batching (`--batch-wait-us`, `--max-batch-rows`): small
//! concurrent requests for the same model and method are queued, and one
//! task per queue gathers them until `--max-batch-rows` rows or
//! `--batch-wait-us` after the first, stacks their rows, computes once on
//! the blocking pool (large batches on all cores through
//! [`skseal_native::Model::run`]) and splits the result back per request.
//! A queue whose last batch was a single request does not wait for the
//! next one (light load: no company to wait for), it takes only what is
//! already queued, and waits again once a batch had company.
//!
//! Rules that keep every answer the bits scikit-learn gives:
//! - only models whose rows are computed independently of each other
//!   ([`skseal_native::Model::batchable`], decided in the native crate:
//!   tree walks yes, BLAS matrix products no) are batched;
//! - a queue holds one input layout only: dense matrices of one width, or
//!   tables with the same column names (put in the model's order) and the
//!   same type in every column; nothing is converted when rows are stacked;
//! - requests are checked one by one before they are queued (width, column
//!   names), and when the stacked computation fails anyway (a NaN the
//!   model refuses, an unknown category, a panic) every request of the
//!   batch is computed again alone, so an error answers only the request
//!   that caused it;
//! - a batch computes on the model version its requests were given (a hot
//!   reload between two requests splits the batch in two).

use std::collections::HashMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use skseal_native::{Column, Data, Method, Output, Table};
use tokio::sync::{mpsc, oneshot};

use crate::metrics::Metrics;
use crate::registry::Loaded;

/// Requests with more rows than this are computed alone (they gain nothing
/// from company).
pub const MAX_REQUEST_ROWS: usize = 64;
/// Most queues (model x method x input layout) at once: beyond, requests
/// are computed alone, so clients cannot make the server grow without bound.
const MAX_QUEUES: usize = 256;
/// Requests waiting in one queue; a full queue computes the request alone.
const QUEUE_DEPTH: usize = 4096;

/// How to batch.
#[derive(Debug, Clone, Copy)]
pub struct BatchConfig {
    /// Longest a request waits for company after the first of its batch arrived.
    pub wait: Duration,
    /// A batch is computed as soon as it has this many rows.
    pub max_rows: usize,
}

/// Why a queued request got no output.
#[derive(Debug, thiserror::Error)]
pub enum BatchError {
    /// The model refused this request's input (answered 400).
    #[error("{0}")]
    Input(String),
    /// A panic while computing this request alone (answered 500).
    #[error("internal error while computing (a bug; please report it): a panic was caught")]
    Panic,
    /// The batch task ended without answering (answered 500).
    #[error("internal error: the request's batch was dropped before it was computed")]
    Dropped,
}

/// A batched request's output and how many requests shared its computation.
pub struct Answer {
    pub output: Output,
    pub batch: usize,
}

type Reply = oneshot::Sender<Result<Answer, BatchError>>;
/// Where a queued request's answer arrives.
pub type Pending = oneshot::Receiver<Result<Answer, BatchError>>;
/// A request given back to be computed alone.
pub type Refused = (Arc<Loaded>, Data);

/// One queued request.
struct Job {
    model: Arc<Loaded>,
    data: Data,
    reply: Reply,
}

/// The input layout a queue holds.
#[derive(Clone, PartialEq, Eq, Hash)]
enum Layout {
    Dense(usize),
    /// Column names and whether each holds strings.
    Table(Vec<(String, bool)>),
}

#[derive(Clone, PartialEq, Eq, Hash)]
struct Key {
    model: String,
    method: Method,
    layout: Layout,
}

/// The queues and their tasks.
pub struct Batcher {
    cfg: BatchConfig,
    metrics: Arc<Metrics>,
    queues: Mutex<HashMap<Key, mpsc::Sender<Job>>>,
}

impl Batcher {
    pub fn new(cfg: BatchConfig, metrics: Arc<Metrics>) -> Batcher {
        Batcher {
            cfg: BatchConfig {
                wait: cfg.wait,
                max_rows: cfg.max_rows.max(1),
            },
            metrics,
            queues: Mutex::new(HashMap::new()),
        }
    }

    /// Queue `data` for `method` of model `name`, or give it back (to be
    /// computed alone) when it cannot be batched: a model whose rows are not
    /// independent, a request too large, an input that fails the checks
    /// made before stacking, too many queues, a full queue.
    pub fn enqueue(
        &self,
        name: &str,
        model: Arc<Loaded>,
        method: Method,
        data: Data,
    ) -> Result<Pending, Refused> {
        let rows = data.rows();
        if rows == 0
            || rows > MAX_REQUEST_ROWS
            || rows > self.cfg.max_rows
            || !model.model.batchable()
        {
            return Err((model, data));
        }
        let (data, layout) = match admit(&model, data) {
            Ok(x) => x,
            Err(data) => return Err((model, data)),
        };
        let key = Key {
            model: name.to_string(),
            method,
            layout,
        };
        let tx = {
            let Ok(mut queues) = self.queues.lock() else {
                return Err((model, data));
            };
            match queues.get(&key) {
                Some(tx) => tx.clone(),
                None if queues.len() >= MAX_QUEUES => return Err((model, data)),
                None => {
                    let (tx, rx) = mpsc::channel(QUEUE_DEPTH);
                    tokio::spawn(gather(
                        rx,
                        self.cfg,
                        self.metrics.clone(),
                        name.to_string(),
                        method,
                    ));
                    queues.insert(key, tx.clone());
                    tx
                }
            }
        };
        let (reply, answer) = oneshot::channel();
        match tx.try_send(Job { model, data, reply }) {
            Ok(()) => Ok(answer),
            Err(mpsc::error::TrySendError::Full(j) | mpsc::error::TrySendError::Closed(j)) => {
                Err((j.model, j.data))
            }
        }
    }
}

/// The checks made before a request joins a batch, and its layout: a
/// dense matrix of the model's width; a table whose names are exactly the
/// model's fitted names (put in the fitted order) or, for a model fitted
/// without names, whose width is the model's.
fn admit(l: &Loaded, data: Data) -> Result<(Data, Layout), Data> {
    let m = &l.model;
    match data {
        Data::Dense(x) => match m.n_features_in() {
            Some(n) if n != x.cols => Err(Data::Dense(x)),
            _ => {
                let cols = x.cols;
                Ok((Data::Dense(x), Layout::Dense(cols)))
            }
        },
        Data::Table(t) => {
            let t = match m.feature_names_in() {
                Some(want) => match in_order(t, want) {
                    Ok(t) => t,
                    Err(t) => return Err(Data::Table(t)),
                },
                None => match m.n_features_in() {
                    Some(n) if n != t.columns.len() => return Err(Data::Table(t)),
                    _ => t,
                },
            };
            let layout = Layout::Table(
                t.names
                    .iter()
                    .zip(&t.columns)
                    .map(|(n, c)| (n.clone(), matches!(c, Column::Str(_))))
                    .collect(),
            );
            Ok((Data::Table(t), layout))
        }
        // requests are parsed as matrices or tables; anything else runs alone
        other @ Data::Csr(_) => Err(other),
    }
}

/// `t`'s columns in the order `want`, when its names are exactly those.
fn in_order(t: Table, want: &[String]) -> Result<Table, Table> {
    if t.names.as_slice() == want {
        return Ok(t);
    }
    if t.names.len() != want.len() {
        return Err(t);
    }
    let mut cols = Vec::with_capacity(want.len());
    for (k, n) in want.iter().enumerate() {
        match t.position(n) {
            Some(p) if !want[..k].contains(n) => match t.columns.get(p) {
                Some(c) => cols.push(c.clone()),
                None => return Err(t),
            },
            _ => return Err(t),
        }
    }
    Ok(Table {
        names: want.to_vec(),
        columns: cols,
        rows: t.rows,
    })
}

/// One queue's task: gather a batch, hand it to the blocking pool, repeat.
/// Ends when the server drops its queues.
async fn gather(
    mut rx: mpsc::Receiver<Job>,
    cfg: BatchConfig,
    metrics: Arc<Metrics>,
    name: String,
    method: Method,
) {
    let mut carry: Option<Job> = None;
    // whether the last batch had company: a queue whose last batch was a
    // single request (light load) does not wait, it takes what is already
    // queued; it waits again as soon as a batch had more than one request
    let mut company = true;
    loop {
        let first = match carry.take() {
            Some(j) => j,
            None => match rx.recv().await {
                Some(j) => j,
                None => return,
            },
        };
        let wait = if company { cfg.wait } else { Duration::ZERO };
        let deadline = tokio::time::Instant::now() + wait;
        let mut rows = first.data.rows();
        let mut jobs = vec![first];
        while rows < cfg.max_rows {
            // a request already queued is taken without the timer: tokio
            // rounds every deadline up to its next millisecond tick, even
            // one already past
            let next = match rx.try_recv() {
                Ok(j) => j,
                Err(mpsc::error::TryRecvError::Disconnected) => break,
                Err(mpsc::error::TryRecvError::Empty) if wait.is_zero() => break,
                Err(mpsc::error::TryRecvError::Empty) => {
                    if tokio::time::Instant::now() >= deadline {
                        break;
                    }
                    match tokio::time::timeout_at(deadline, rx.recv()).await {
                        Ok(Some(j)) => j,
                        Ok(None) | Err(_) => break,
                    }
                }
            };
            if rows + next.data.rows() > cfg.max_rows {
                carry = Some(next);
                break;
            }
            rows += next.data.rows();
            jobs.push(next);
        }
        company = jobs.len() > 1;
        if !company && rows <= MAX_REQUEST_ROWS {
            // one small request: computed here, without a thread hop, as
            // the handler does without batching
            run_batch(jobs, method, &metrics, &name);
            continue;
        }
        let metrics = metrics.clone();
        let name = name.clone();
        // not awaited: the next batch gathers while this one computes, so
        // batches use every core
        tokio::task::spawn_blocking(move || run_batch(jobs, method, &metrics, &name));
    }
}

/// Compute a gathered batch: one computation per model version.
fn run_batch(jobs: Vec<Job>, m: Method, metrics: &Metrics, name: &str) {
    let mut groups: Vec<Vec<Job>> = Vec::new();
    for j in jobs {
        match groups
            .iter_mut()
            .find(|g| g.first().is_some_and(|f| Arc::ptr_eq(&f.model, &j.model)))
        {
            Some(g) => g.push(j),
            None => groups.push(vec![j]),
        }
    }
    for g in groups {
        run_group(g, m, metrics, name);
    }
}

fn run_group(g: Vec<Job>, m: Method, metrics: &Metrics, name: &str) {
    let n = g.len();
    if n > 1 {
        if let Some(outs) = stacked(&g, m) {
            let rows: usize = g.iter().map(|j| j.data.rows()).sum();
            metrics.batch(name, m.name(), n, rows);
            for (j, output) in g.into_iter().zip(outs) {
                let _ = j.reply.send(Ok(Answer { output, batch: n }));
            }
            return;
        }
        metrics.batch_retried(name, m.name());
    }
    // one request, or a batch whose stacked computation failed: every
    // request alone, so an error answers only the request that caused it
    for j in g {
        metrics.batch(name, m.name(), 1, j.data.rows());
        let r = alone(&j.model, m, j.data).map(|output| Answer { output, batch: 1 });
        let _ = j.reply.send(r);
    }
}

/// The stacked computation split per request, or `None` when any part of
/// it fails.
fn stacked(g: &[Job], m: Method) -> Option<Vec<Output>> {
    let first = g.first()?;
    let parts: Vec<&Data> = g.iter().map(|j| &j.data).collect();
    let x = Data::stack(&parts)?;
    let total = x.rows();
    let out = catch_unwind(AssertUnwindSafe(|| first.model.model.run(m, x)))
        .ok()?
        .ok()?;
    if out.rows() != total {
        return None;
    }
    let mut start = 0;
    let mut outs = Vec::with_capacity(g.len());
    for j in g {
        let len = j.data.rows();
        outs.push(out.slice_rows(start, len)?);
        start += len;
    }
    Some(outs)
}

fn alone(l: &Loaded, m: Method, data: Data) -> Result<Output, BatchError> {
    match catch_unwind(AssertUnwindSafe(|| l.model.run(m, data))) {
        Err(_) => Err(BatchError::Panic),
        Ok(Err(e)) => Err(BatchError::Input(e.to_string())),
        Ok(Ok(out)) => Ok(out),
    }
}
