//! `file://` feeds, for sites with no internet: the feed is a local file (carried in by hand
//! or through a one-way transfer). The same body cap applies, and the file's modification
//! time and size act as its ETag, so an unchanged file is "not modified" like a 304.

use std::time::UNIX_EPOCH;

use super::{FetchError, FetchMeta, FetchOutcome, FetchRequest};

pub(super) async fn fetch_file(
    req: &FetchRequest,
    max_body_bytes: u64,
) -> Result<FetchOutcome, FetchError> {
    let url = &req.url;
    let file_err = |detail: String| FetchError::File {
        url: url.clone(),
        detail,
    };
    let path = url.to_file_path().map_err(|()| FetchError::InvalidUrl {
        url: url.clone(),
        reason: "not a local file path".into(),
    })?;
    let meta = tokio::fs::metadata(&path)
        .await
        .map_err(|e| file_err(e.to_string()))?;
    if !meta.is_file() {
        return Err(file_err("not a regular file".into()));
    }
    if meta.len() > max_body_bytes {
        return Err(FetchError::TooLarge {
            url: url.clone(),
            limit: max_body_bytes,
        });
    }
    let modified = meta
        .modified()
        .ok()
        .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_nanos());
    let etag = format!("\"file-{modified}-{}\"", meta.len());
    let fetch_meta = FetchMeta {
        status: 200,
        final_url: url.clone(),
        permanent_url: None,
        etag: Some(etag.clone()),
        last_modified: None,
        content_type: None,
        charset: None,
        remote_addr: None,
        max_age: None,
    };
    if req.etag.as_deref() == Some(etag.as_str()) {
        return Ok(FetchOutcome::NotModified(FetchMeta {
            status: 304,
            ..fetch_meta
        }));
    }
    let body = tokio::fs::read(&path)
        .await
        .map_err(|e| file_err(e.to_string()))?;
    // The file may have grown since it was measured.
    if body.len() as u64 > max_body_bytes {
        return Err(FetchError::TooLarge {
            url: url.clone(),
            limit: max_body_bytes,
        });
    }
    Ok(FetchOutcome::Fetched(fetch_meta, body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_file_is_fetched_then_not_modified_until_it_changes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("feed.xml");
        std::fs::write(&path, "<rss/>").unwrap();
        let url = url::Url::from_file_path(&path).unwrap();
        let mut req = FetchRequest::new(url.clone());
        let FetchOutcome::Fetched(meta, body) = fetch_file(&req, 1024).await.unwrap() else {
            panic!("expected the body");
        };
        assert_eq!(body, b"<rss/>");
        req.etag = meta.etag.clone();
        assert!(matches!(
            fetch_file(&req, 1024).await.unwrap(),
            FetchOutcome::NotModified(_)
        ));
        std::fs::write(&path, "<rss version=\"2.0\"/>").unwrap();
        assert!(matches!(
            fetch_file(&req, 1024).await.unwrap(),
            FetchOutcome::Fetched(..)
        ));
        let err = fetch_file(&req, 4).await.unwrap_err();
        assert_eq!(err.kind(), "too-large");
        let missing = FetchRequest::new(url::Url::from_file_path(dir.path().join("no")).unwrap());
        let err = fetch_file(&missing, 1024).await.unwrap_err();
        assert_eq!(err.kind(), "file");
        assert!(err.to_string().contains("No such file"), "{err}");
    }
}
