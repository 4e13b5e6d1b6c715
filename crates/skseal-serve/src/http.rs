//! Routes and handlers. Every error is a JSON body `{"error": "..."}` with
//! the status that says whose fault it is: 400 malformed input, 404 unknown
//! model, 413 too large, 503 not ready, 504 too slow, 500 a bug (a panic
//! while computing is caught and answered, never a dropped connection).

use std::sync::Arc;
use std::time::Instant;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, Path, Query, State as AxState};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};
use skseal_native::{Data, Method, Output};

use crate::batch::{BatchError, Pending};
use crate::log::log_event;
use crate::protocol::{self, BadRequest};
use crate::registry::Loaded;
use crate::State;

type St = AxState<Arc<State>>;

/// Requests with at most this many rows are computed on the async worker
/// itself (a thread hop costs more than the inference); larger ones go to
/// the blocking pool, bounded by `--timeout-ms`.
const INLINE_ROWS: usize = 64;

/// An answer other than 200.
pub struct ApiError {
    status: StatusCode,
    msg: String,
}

impl ApiError {
    fn new(status: StatusCode, msg: impl Into<String>) -> Self {
        ApiError {
            status,
            msg: msg.into(),
        }
    }
}

impl From<BadRequest> for ApiError {
    fn from(e: BadRequest) -> Self {
        ApiError::new(StatusCode::BAD_REQUEST, e.0)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.status, Json(json!({ "error": self.msg }))).into_response()
    }
}

/// The app: every route, the body limit, the shared state.
pub fn router(state: Arc<State>, max_body: usize) -> Router {
    Router::new()
        .route("/v2/health/live", get(live))
        .route("/v2/health/ready", get(ready))
        .route("/v2", get(server_meta))
        .route("/v2/models/{name}", get(model_meta))
        .route("/v2/models/{name}/ready", get(model_ready))
        .route("/v2/models/{name}/infer", post(infer))
        .route("/invocations", post(invocations))
        .route("/models/{name}/invocations", post(invocations_named))
        .route("/ping", get(ping))
        .route("/health", get(ping))
        .route("/metrics", get(metrics))
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(max_body))
        .with_state(state)
}

async fn not_found() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "no such endpoint; see /v2/models/{name}/infer, /invocations, /metrics (docs/SERVING.md)",
    )
}

async fn live() -> Json<Value> {
    Json(json!({ "live": true }))
}

async fn ready(AxState(s): St) -> Response {
    let r = s.registry.ready();
    let code = if r {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (code, Json(json!({ "ready": r }))).into_response()
}

/// MLflow's `/ping` and `/health`: 200 once every model is loaded.
async fn ping(AxState(s): St) -> Response {
    if s.registry.ready() {
        (StatusCode::OK, "\n").into_response()
    } else {
        ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "models are still loading").into_response()
    }
}

async fn server_meta() -> Json<Value> {
    Json(json!({
        "name": "skseal",
        "version": env!("CARGO_PKG_VERSION"),
        "extensions": ["model_repository_metadata_none", "mlflow_invocations", "prometheus_metrics"],
    }))
}

fn loaded(s: &State, name: &str) -> Result<Arc<Loaded>, ApiError> {
    let slot = s.registry.get(name).ok_or_else(|| {
        let names: Vec<&str> = s.registry.slots.iter().map(|s| s.name.as_str()).collect();
        ApiError::new(
            StatusCode::NOT_FOUND,
            format!("no model named {name:?}; served: {}", names.join(", ")),
        )
    })?;
    slot.current.load_full().ok_or_else(|| {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            format!("model {name:?} is still loading"),
        )
    })
}

async fn model_ready(AxState(s): St, Path(name): Path<String>) -> Response {
    match loaded(&s, &name) {
        Ok(_) => Json(json!({ "name": name, "ready": true })).into_response(),
        Err(e) if e.status == StatusCode::NOT_FOUND => e.into_response(),
        Err(_) => (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({ "name": name, "ready": false })),
        )
            .into_response(),
    }
}

async fn model_meta(AxState(s): St, Path(name): Path<String>) -> Result<Json<Value>, ApiError> {
    let l = loaded(&s, &name)?;
    let m = &l.model;
    // the stored probe's rows tell which columns hold strings
    let probe_table = match m.probe() {
        Some(Ok(p)) => match &p.input {
            Data::Table(t) => Some(t),
            _ => None,
        },
        _ => None,
    };
    // without a probe, the model's own encoders tell (categories that are
    // strings, and the columns routed to them)
    let text = m.text_inputs();
    let inputs: Vec<Value> = match (m.feature_names_in(), m.n_features_in()) {
        (Some(names), _) => names
            .iter()
            .enumerate()
            .map(|(j, n)| match probe_table.and_then(|t| t.column(n)) {
                Some(c) => {
                    json!({ "name": n, "datatype": protocol::column_dtype(c), "shape": [-1] })
                }
                None if text.as_ref().is_some_and(|t| t.get(j) == Some(&true)) => {
                    json!({ "name": n, "datatype": "BYTES", "shape": [-1] })
                }
                None => json!({ "name": n, "datatype": "FP64", "shape": [-1] }),
            })
            .collect(),
        (None, Some(d)) => vec![json!({ "name": "input", "datatype": "FP64", "shape": [-1, d] })],
        (None, None) => {
            let probe_text = matches!(probe_table.map(|t| t.columns.as_slice()),
                Some([c]) if protocol::column_dtype(c) == "BYTES");
            if probe_text || text.as_deref() == Some(&[true][..]) {
                // a text pipeline: one string per row
                vec![
                    json!({ "name": protocol::TEXT_INPUT_NAME, "datatype": "BYTES", "shape": [-1] }),
                ]
            } else {
                vec![json!({ "name": "input", "datatype": "FP64", "shape": [-1, -1] })]
            }
        }
    };
    let methods = m.methods();
    let predict_dtype = match (m.classes(), m.output_classes().first().copied()) {
        (Some(c), _) | (None, Some(c)) => protocol::labels_dtype(c),
        (None, None) => "FP64",
    };
    let outputs: Vec<Value> = methods
        .iter()
        .map(|k| {
            let dt = if *k == Method::Predict {
                predict_dtype
            } else {
                "FP64"
            };
            json!({ "name": k.name(), "datatype": dt, "shape": [-1, -1] })
        })
        .collect();
    let exact: serde_json::Map<String, Value> = methods
        .iter()
        .map(|k| {
            (
                k.name().to_string(),
                Value::from(m.exactness(*k).describe()),
            )
        })
        .collect();
    let labels =
        |c: &skseal_native::Labels| match protocol::mlflow_response(&Output::Labels(c.clone())) {
            Value::Object(mut x) => match x.remove("predictions") {
                Some(Value::Array(v)) => v,
                _ => Vec::new(),
            },
            _ => Vec::new(),
        };
    // a classifier with several outputs: one list of classes per output
    let per_output = m.output_classes();
    let classes: Option<Value> = match m.classes() {
        Some(c) => Some(Value::Array(labels(c))),
        None if !per_output.is_empty() => Some(Value::Array(
            per_output.iter().map(|c| Value::Array(labels(c))).collect(),
        )),
        None => None,
    };
    Ok(Json(json!({
        "name": name,
        "versions": [],
        "platform": "skseal-native",
        "inputs": inputs,
        "outputs": outputs,
        "parameters": {
            "class": m.class(),
            "methods": methods.iter().map(|k| k.name()).collect::<Vec<_>>(),
            "classes": classes,
            "exactness": exact,
            "blas": { "core": m.blas().core.name(), "threads": m.blas().threads },
            "probe": l.probe,
            // rows computed independently of each other: small concurrent
            // requests may share one computation (--batch-wait-us)
            "batchable": m.batchable(),
            "load_ms": l.load_seconds * 1e3,
        },
    })))
}

async fn metrics(AxState(s): St) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        s.metrics.encode(),
    )
        .into_response()
}

fn body(b: Result<Bytes, BytesRejection>) -> Result<Bytes, ApiError> {
    b.map_err(|e| {
        let status = e.status();
        let msg = if status == StatusCode::PAYLOAD_TOO_LARGE {
            "the request body is larger than the server's limit (--max-body-bytes); send fewer rows per request".to_string()
        } else {
            format!("cannot read the request body: {e}")
        };
        ApiError::new(status, msg)
    })
}

fn json_body(b: &[u8]) -> Result<Value, ApiError> {
    serde_json::from_slice(b).map_err(|e| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            format!("the body is not valid JSON: {e}"),
        )
    })
}

/// A computed request: the output, the method's name, and how many
/// requests shared the computation (with micro-batching).
struct Computed {
    out: Output,
    method: String,
    batch: Option<usize>,
}

/// Run `method` of model `name` on `data` off the async threads, bounded in
/// time; small requests join a batch when micro-batching is on.
async fn compute(
    s: &Arc<State>,
    name: &str,
    method: Option<String>,
    data: Data,
) -> Result<Computed, ApiError> {
    let l = loaded(s, name)?;
    let method_name = method.unwrap_or_else(|| "predict".into());
    let m = Method::parse(&method_name).ok_or_else(|| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            format!(
                "unknown method {method_name:?}; use one of {}",
                Method::ALL.map(Method::name).join(", ")
            ),
        )
    })?;
    if !l.model.supports(m) {
        let have: Vec<&str> = l.model.methods().into_iter().map(Method::name).collect();
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            format!(
                "{} has no method {method_name}; it has: {}",
                l.model.class(),
                have.join(", ")
            ),
        ));
    }
    if data.rows() > s.max_rows {
        return Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!(
                "{} rows in one request; the limit is {} (--max-rows)",
                data.rows(),
                s.max_rows
            ),
        ));
    }
    // a table as the model takes it (`skseal predict`'s rule): one string
    // column for a text pipeline is its documents
    let data = match data {
        Data::Table(t) => {
            l.model
                .take_table(t, true)
                .map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, e.to_string()))?
                .0
        }
        d => d,
    };
    let (l, data) = match &s.batcher {
        Some(b) => match b.enqueue(name, l, m, data) {
            Ok(answer) => return batched(s, answer, method_name).await,
            Err(back) => back,
        },
        None => (l, data),
    };
    let alone = |out| Computed {
        out,
        method: method_name,
        batch: None,
    };
    if data.rows() <= INLINE_ROWS {
        // a few rows take microseconds: computed here, without a thread hop;
        // a panic is caught and answered as on the blocking pool
        let run = std::panic::AssertUnwindSafe(|| l.model.run(m, data));
        return match std::panic::catch_unwind(run) {
            Err(_) => Err(ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal error while computing (a bug; please report it): a panic was caught",
            )),
            Ok(Err(e)) => Err(ApiError::new(StatusCode::BAD_REQUEST, e.to_string())),
            Ok(Ok(out)) => Ok(alone(out)),
        };
    }
    let job = tokio::task::spawn_blocking(move || l.model.run(m, data));
    match tokio::time::timeout(s.timeout, job).await {
        Err(_) => Err(timed_out(s)),
        Ok(Err(e)) => Err(ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("internal error while computing (a bug; please report it): {e}"),
        )),
        Ok(Ok(Err(e))) => Err(ApiError::new(StatusCode::BAD_REQUEST, e.to_string())),
        Ok(Ok(Ok(out))) => Ok(alone(out)),
    }
}

/// The answer to a request that ran past `--timeout-ms`.
fn timed_out(s: &State) -> ApiError {
    ApiError::new(
        StatusCode::GATEWAY_TIMEOUT,
        format!(
            "the request took longer than {:?} (--timeout-ms)",
            s.timeout
        ),
    )
}

/// The answer of a request queued for a batch, bounded by `--timeout-ms`.
async fn batched(s: &State, answer: Pending, method: String) -> Result<Computed, ApiError> {
    match tokio::time::timeout(s.timeout, answer).await {
        Err(_) => Err(timed_out(s)),
        Ok(Err(_)) => Err(ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            BatchError::Dropped.to_string(),
        )),
        Ok(Ok(Err(e @ BatchError::Input(_)))) => {
            Err(ApiError::new(StatusCode::BAD_REQUEST, e.to_string()))
        }
        Ok(Ok(Err(e))) => Err(ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            e.to_string(),
        )),
        Ok(Ok(Ok(a))) => Ok(Computed {
            out: a.output,
            method,
            batch: Some(a.batch),
        }),
    }
}

fn finish(
    s: &State,
    protocol: &str,
    name: &str,
    method: &str,
    t: Instant,
    batch: Option<usize>,
    res: Result<(Value, usize), ApiError>,
) -> Response {
    let secs = t.elapsed().as_secs_f64();
    let (code, rows, resp) = match res {
        Ok((v, rows)) => (StatusCode::OK, rows, Json(v).into_response()),
        Err(e) => (e.status, 0, e.into_response()),
    };
    s.metrics
        .request(name, method, protocol, code.as_u16(), secs, rows);
    let mut fields = vec![
        ("event", "request".into()),
        ("protocol", protocol.into()),
        ("model", name.into()),
        ("method", method.into()),
        ("status", code.as_u16().into()),
        ("rows", rows.into()),
        ("latency_us", ((secs * 1e6).round()).into()),
    ];
    if let Some(n) = batch {
        // requests computed together (micro-batching)
        fields.push(("batch", n.into()));
    }
    log_event(&fields);
    resp
}

async fn infer(
    AxState(s): St,
    Path(name): Path<String>,
    b: Result<Bytes, BytesRejection>,
) -> Response {
    let t = Instant::now();
    let mut method = String::from("?");
    let mut batch = None;
    let res = async {
        let b = body(b)?;
        let v = json_body(&b)?;
        let (data, m) = protocol::v2_infer(&v)?;
        method = m.clone().unwrap_or_else(|| "predict".into());
        let rows = data.rows();
        let c = compute(&s, &name, m, data).await?;
        batch = c.batch;
        let mut resp =
            json!({ "model_name": name, "outputs": protocol::v2_outputs(&c.method, &c.out) });
        if let Some(id) = v.get("id") {
            resp["id"] = id.clone();
        }
        Ok((resp, rows))
    }
    .await;
    finish(&s, "v2", &name, &method, t, batch, res)
}

async fn invocations(
    AxState(s): St,
    q: Query<MethodQueryMap>,
    headers: HeaderMap,
    b: Result<Bytes, BytesRejection>,
) -> Response {
    let name = match s.registry.slots.as_slice() {
        [one] => one.name.clone(),
        _ => {
            let t = Instant::now();
            let names: Vec<&str> = s.registry.slots.iter().map(|x| x.name.as_str()).collect();
            return finish(
                &s,
                "mlflow",
                "?",
                "?",
                t,
                None,
                Err(ApiError::new(
                    StatusCode::BAD_REQUEST,
                    format!(
                        "several models are served ({}); post to /models/{{name}}/invocations",
                        names.join(", ")
                    ),
                )),
            );
        }
    };
    mlflow(s, name, q.0, headers, b).await
}

async fn invocations_named(
    AxState(s): St,
    Path(name): Path<String>,
    q: Query<MethodQueryMap>,
    headers: HeaderMap,
    b: Result<Bytes, BytesRejection>,
) -> Response {
    mlflow(s, name, q.0, headers, b).await
}

/// `?method=...` on MLflow routes.
pub type MethodQueryMap = std::collections::HashMap<String, String>;

async fn mlflow(
    s: Arc<State>,
    name: String,
    q: MethodQueryMap,
    headers: HeaderMap,
    b: Result<Bytes, BytesRejection>,
) -> Response {
    let t = Instant::now();
    let mut method = String::from("?");
    let mut batch = None;
    let res = async {
        let b = body(b)?;
        let ctype = headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("application/json")
            .to_ascii_lowercase();
        let (data, m) = if ctype.starts_with("text/csv") {
            (protocol::csv_body(&b)?, None)
        } else if ctype.starts_with("application/json") || ctype.is_empty() {
            protocol::mlflow_json(&json_body(&b)?)?
        } else {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                format!("content type {ctype:?}: send application/json or text/csv"),
            ));
        };
        let m = q.get("method").cloned().or(m);
        method = m.clone().unwrap_or_else(|| "predict".into());
        let rows = data.rows();
        let c = compute(&s, &name, m, data).await?;
        batch = c.batch;
        Ok((protocol::mlflow_response(&c.out), rows))
    }
    .await;
    finish(&s, "mlflow", &name, &method, t, batch, res)
}
