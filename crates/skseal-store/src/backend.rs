//! The object storage under a store: a folder or an S3-compatible bucket,
//! through `object_store`, used synchronously (a small runtime per store).
//!
//! The store needs four operations: read, create-if-absent (the only write
//! that decides anything), overwrite (hints and blobs, whose content is
//! checked by hash), list and delete.

use std::sync::Arc;

use futures::TryStreamExt;
use object_store::path::Path as ObjPath;
use object_store::{ObjectStore, PutMode, PutOptions, PutPayload};

use crate::StoreError;

pub struct Backend {
    store: Arc<dyn ObjectStore>,
    rt: tokio::runtime::Runtime,
    /// What the user gave (`/srv/models`, `s3://bucket/prefix`), for messages.
    pub uri: String,
}

fn err(uri: &str, what: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError::Backend {
        uri: uri.to_string(),
        what: what.to_string(),
        why: e.to_string(),
    }
}

/// Seconds since `timestamp` (Unix seconds), 0 for the future.
fn age_of(timestamp: i64) -> u64 {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    (now - timestamp).max(0) as u64
}

impl Backend {
    /// Open `uri`: `s3://bucket[/prefix]` (endpoint, region and credentials
    /// from the AWS_* environment variables; plain http allowed for
    /// `AWS_ENDPOINT=http://...`), `file:///path` or a folder path (created
    /// when missing).
    pub fn open(uri: &str) -> Result<Backend, StoreError> {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| err(uri, "start the I/O runtime", e))?;
        let store: Arc<dyn ObjectStore> = if let Some(rest) = uri.strip_prefix("s3://") {
            let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
            if bucket.is_empty() {
                return Err(StoreError::BadUri {
                    uri: uri.into(),
                    why: "no bucket: use s3://BUCKET[/PREFIX]".into(),
                });
            }
            let http = std::env::var("AWS_ENDPOINT")
                .or_else(|_| std::env::var("AWS_ENDPOINT_URL"))
                .map(|e| e.starts_with("http://"))
                .unwrap_or(false);
            let mut b = object_store::aws::AmazonS3Builder::from_env()
                .with_bucket_name(bucket)
                .with_allow_http(http)
                .with_conditional_put(object_store::aws::S3ConditionalPut::ETagMatch);
            if let Ok(e) = std::env::var("AWS_ENDPOINT_URL") {
                b = b.with_endpoint(e);
            }
            let s3 = b.build().map_err(|e| err(uri, "configure S3", e))?;
            let prefix = prefix.trim_matches('/');
            if prefix.is_empty() {
                Arc::new(s3)
            } else {
                Arc::new(object_store::prefix::PrefixStore::new(s3, prefix))
            }
        } else {
            let path = uri.strip_prefix("file://").unwrap_or(uri);
            if path.is_empty() || uri.contains("://") && !uri.starts_with("file://") {
                return Err(StoreError::BadUri {
                    uri: uri.into(),
                    why: "a store is a folder path, file:///PATH or s3://BUCKET[/PREFIX]".into(),
                });
            }
            std::fs::create_dir_all(path).map_err(|e| err(uri, "create the store folder", e))?;
            Arc::new(
                object_store::local::LocalFileSystem::new_with_prefix(path)
                    .map_err(|e| err(uri, "open the store folder", e))?,
            )
        };
        Ok(Backend {
            store,
            rt,
            uri: uri.to_string(),
        })
    }

    /// The object at `key`, or None when absent.
    pub fn get(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let p = ObjPath::from(key);
        self.rt.block_on(async {
            match self.store.get(&p).await {
                Ok(r) => r
                    .bytes()
                    .await
                    .map(|b| Some(b.to_vec()))
                    .map_err(|e| err(&self.uri, &format!("read {key}"), e)),
                Err(object_store::Error::NotFound { .. }) => Ok(None),
                Err(e) => Err(err(&self.uri, &format!("read {key}"), e)),
            }
        })
    }

    /// Whether `key` exists.
    pub fn exists(&self, key: &str) -> Result<bool, StoreError> {
        let p = ObjPath::from(key);
        self.rt.block_on(async {
            match self.store.head(&p).await {
                Ok(_) => Ok(true),
                Err(object_store::Error::NotFound { .. }) => Ok(false),
                Err(e) => Err(err(&self.uri, &format!("look up {key}"), e)),
            }
        })
    }

    /// Create `key` only if it does not exist: Ok(false) when it does. The
    /// object appears whole or not at all (a staged file hard-linked into
    /// place on a folder; `If-None-Match: *` on S3).
    pub fn create(&self, key: &str, data: Vec<u8>) -> Result<bool, StoreError> {
        let p = ObjPath::from(key);
        let opts = PutOptions {
            mode: PutMode::Create,
            ..Default::default()
        };
        self.rt.block_on(async {
            match self.store.put_opts(&p, PutPayload::from(data), opts).await {
                Ok(_) => Ok(true),
                Err(object_store::Error::AlreadyExists { .. })
                | Err(object_store::Error::Precondition { .. }) => Ok(false),
                Err(e) => Err(err(&self.uri, &format!("create {key}"), e)),
            }
        })
    }

    /// Write `key`, replacing it (atomically: readers see old or new bytes).
    pub fn put(&self, key: &str, data: Vec<u8>) -> Result<(), StoreError> {
        let p = ObjPath::from(key);
        self.rt.block_on(async {
            self.store
                .put(&p, PutPayload::from(data))
                .await
                .map(|_| ())
                .map_err(|e| err(&self.uri, &format!("write {key}"), e))
        })
    }

    /// Every key under `prefix` (recursively), sorted.
    pub fn list(&self, prefix: &str) -> Result<Vec<String>, StoreError> {
        let p = ObjPath::from(prefix);
        self.rt.block_on(async {
            let mut keys: Vec<String> = self
                .store
                .list(Some(&p))
                .map_ok(|m| m.location.to_string())
                .try_collect()
                .await
                .map_err(|e| err(&self.uri, &format!("list {prefix}"), e))?;
            keys.sort();
            Ok(keys)
        })
    }

    /// Every key under `prefix` with its age in seconds.
    pub fn list_ages(&self, prefix: &str) -> Result<Vec<(String, u64)>, StoreError> {
        let p = ObjPath::from(prefix);
        self.rt.block_on(async {
            self.store
                .list(Some(&p))
                .map_ok(|m| (m.location.to_string(), age_of(m.last_modified.timestamp())))
                .try_collect()
                .await
                .map_err(|e| err(&self.uri, &format!("list {prefix}"), e))
        })
    }

    /// The age in seconds of `key`, or None when absent.
    pub fn age(&self, key: &str) -> Result<Option<u64>, StoreError> {
        let p = ObjPath::from(key);
        self.rt.block_on(async {
            match self.store.head(&p).await {
                Ok(m) => Ok(Some(age_of(m.last_modified.timestamp()))),
                Err(object_store::Error::NotFound { .. }) => Ok(None),
                Err(e) => Err(err(&self.uri, &format!("look up {key}"), e)),
            }
        })
    }

    pub fn delete(&self, key: &str) -> Result<(), StoreError> {
        let p = ObjPath::from(key);
        self.rt.block_on(async {
            match self.store.delete(&p).await {
                Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
                Err(e) => Err(err(&self.uri, &format!("delete {key}"), e)),
            }
        })
    }
}
