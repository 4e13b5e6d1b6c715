//! Prometheus metrics (`GET /metrics`, text exposition format): requests,
//! errors and latency per model, method and protocol; model load time and
//! reloads; with micro-batching, the requests and rows of each batch.

use std::sync::atomic::AtomicU64;
use std::sync::Mutex;

use prometheus_client::encoding::text::encode;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ReqLabels {
    pub model: String,
    pub method: String,
    pub protocol: String,
    pub code: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct LatLabels {
    pub model: String,
    pub method: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ModelLabels {
    pub model: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ReloadLabels {
    pub model: String,
    pub result: String,
}

pub struct Metrics {
    registry: Mutex<Registry>,
    requests: Family<ReqLabels, Counter>,
    latency: Family<LatLabels, Histogram>,
    rows: Family<LatLabels, Counter>,
    load_seconds: Family<ModelLabels, Gauge<f64, AtomicU64>>,
    reloads: Family<ReloadLabels, Counter>,
    batch_requests: Family<LatLabels, Histogram>,
    batch_rows: Family<LatLabels, Histogram>,
    batch_retries: Family<LatLabels, Counter>,
}

fn latency_histogram() -> Histogram {
    // 10 us .. ~10 s
    Histogram::new(prometheus_client::metrics::histogram::exponential_buckets(
        1e-5, 2.0, 21,
    ))
}

fn batch_histogram() -> Histogram {
    // 1 .. 2048
    Histogram::new(prometheus_client::metrics::histogram::exponential_buckets(
        1.0, 2.0, 12,
    ))
}

impl Metrics {
    pub fn new() -> Metrics {
        let mut registry = Registry::with_prefix("skseal");
        let requests = Family::<ReqLabels, Counter>::default();
        let latency = Family::<LatLabels, Histogram>::new_with_constructor(
            latency_histogram as fn() -> Histogram,
        );
        let rows = Family::<LatLabels, Counter>::default();
        let load_seconds = Family::<ModelLabels, Gauge<f64, AtomicU64>>::default();
        let reloads = Family::<ReloadLabels, Counter>::default();
        let batch_requests = Family::<LatLabels, Histogram>::new_with_constructor(
            batch_histogram as fn() -> Histogram,
        );
        let batch_rows = Family::<LatLabels, Histogram>::new_with_constructor(
            batch_histogram as fn() -> Histogram,
        );
        let batch_retries = Family::<LatLabels, Counter>::default();
        registry.register(
            "requests",
            "Requests answered, by model, method, protocol and HTTP status",
            requests.clone(),
        );
        registry.register(
            "request_duration_seconds",
            "Time from request to answer, by model and method",
            latency.clone(),
        );
        registry.register("rows", "Rows predicted, by model and method", rows.clone());
        registry.register(
            "model_load_seconds",
            "Seconds the last (re)load of the model took: read, checks, build, probe",
            load_seconds.clone(),
        );
        registry.register(
            "reloads",
            "Model reloads, by result (ok, refused)",
            reloads.clone(),
        );
        registry.register(
            "batch_requests",
            "Requests computed together in one batch (--batch-wait-us), by model and method",
            batch_requests.clone(),
        );
        registry.register(
            "batch_rows",
            "Rows computed together in one batch (--batch-wait-us), by model and method",
            batch_rows.clone(),
        );
        registry.register(
            "batch_retries",
            "Batches whose stacked computation failed (an input one request got wrong), \
             their requests then computed alone",
            batch_retries.clone(),
        );
        Metrics {
            registry: Mutex::new(registry),
            requests,
            latency,
            rows,
            load_seconds,
            reloads,
            batch_requests,
            batch_rows,
            batch_retries,
        }
    }

    /// A batch computed again request by request.
    pub fn batch_retried(&self, model: &str, method: &str) {
        self.batch_retries
            .get_or_create(&LatLabels {
                model: model.into(),
                method: method.into(),
            })
            .inc();
    }

    /// One computation of the micro-batcher: `requests` requests, `rows` rows.
    pub fn batch(&self, model: &str, method: &str, requests: usize, rows: usize) {
        let l = LatLabels {
            model: model.into(),
            method: method.into(),
        };
        self.batch_requests
            .get_or_create(&l)
            .observe(requests as f64);
        self.batch_rows.get_or_create(&l).observe(rows as f64);
    }

    pub fn request(
        &self,
        model: &str,
        method: &str,
        protocol: &str,
        code: u16,
        seconds: f64,
        rows: usize,
    ) {
        self.requests
            .get_or_create(&ReqLabels {
                model: model.into(),
                method: method.into(),
                protocol: protocol.into(),
                code: code.to_string(),
            })
            .inc();
        if code < 400 {
            let l = LatLabels {
                model: model.into(),
                method: method.into(),
            };
            self.latency.get_or_create(&l).observe(seconds);
            self.rows.get_or_create(&l).inc_by(rows as u64);
        }
    }

    pub fn loaded(&self, model: &str, seconds: f64) {
        self.load_seconds
            .get_or_create(&ModelLabels {
                model: model.into(),
            })
            .set(seconds);
    }

    pub fn reloaded(&self, model: &str, ok: bool) {
        self.reloads
            .get_or_create(&ReloadLabels {
                model: model.into(),
                result: if ok { "ok" } else { "refused" }.into(),
            })
            .inc();
    }

    /// The text exposition.
    pub fn encode(&self) -> String {
        let mut out = String::new();
        if let Ok(r) = self.registry.lock() {
            let _ = encode(&mut out, &r);
        }
        out
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}
