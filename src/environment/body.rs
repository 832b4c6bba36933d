//! Reading an answer's body with a bound (SPEC §9): every read from a service — admin API
//! pages and banners, token answers, error bodies — stops at a limit, so a server that
//! sends gigabytes, or an endless chunked body, fails one request instead of growing memory
//! until the process dies. The body is kept as the chunks it arrived in (never copied
//! into one growing buffer, which would reallocate as it grows) and joined once, when
//! read, into one exactly sized buffer that is parsed as a slice (serde_json parses a
//! slice several times faster than a reader).

use bytes::Bytes;

/// The largest answer accepted: a page, a banner, a token answer (SPEC §9).
pub const MAX_ANSWER_BYTES: usize = 64 * 1024 * 1024;

/// How much of an error answer is read: enough for any error document; the rest is left
/// unread (the connection is dropped).
pub const MAX_ERROR_BODY_BYTES: usize = 1024 * 1024;

/// Why a body could not be read in full.
#[derive(Debug, thiserror::Error)]
pub enum BodyError {
    /// The body is longer than the limit (announced by `Content-Length` or seen while reading).
    #[error("the answer is larger than {}, the limit for one answer; not read further", human(*limit))]
    TooLarge { limit: usize },
    /// The connection failed while the body was read.
    #[error(transparent)]
    Read(#[from] reqwest::Error),
}

/// A body as received, in chunks.
#[derive(Debug, Default, Clone)]
pub struct Body {
    chunks: Vec<Bytes>,
    len: usize,
    /// More followed than was read (only for [`read_prefix`]).
    pub truncated: bool,
}

impl Body {
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The body in one buffer (one copy; a body of one chunk is not copied).
    pub fn to_bytes(&self) -> Bytes {
        self.clone().into_bytes()
    }

    /// The body in one buffer, its chunks freed as they are copied (a body of one chunk is
    /// not copied).
    pub fn into_bytes(self) -> Bytes {
        match <[Bytes; 1]>::try_from(self.chunks) {
            Ok([one]) => one,
            Err(chunks) => {
                let mut all = Vec::with_capacity(self.len);
                for c in chunks {
                    all.extend_from_slice(&c);
                }
                Bytes::from(all)
            }
        }
    }

    fn push(&mut self, chunk: Bytes) {
        self.len += chunk.len();
        if !chunk.is_empty() {
            self.chunks.push(chunk);
        }
    }
}

impl From<&[u8]> for Body {
    fn from(bytes: &[u8]) -> Self {
        let mut b = Body::default();
        b.push(Bytes::copy_from_slice(bytes));
        b
    }
}

/// Read the whole body, failing as soon as it is known to exceed `limit` bytes.
pub async fn read_bounded(mut response: reqwest::Response, limit: usize) -> Result<Body, BodyError> {
    if response.content_length().is_some_and(|n| n > limit as u64) {
        return Err(BodyError::TooLarge { limit });
    }
    let mut body = Body::default();
    while let Some(chunk) = response.chunk().await? {
        if body.len + chunk.len() > limit {
            return Err(BodyError::TooLarge { limit });
        }
        body.push(chunk);
    }
    Ok(body)
}

/// Read at most `limit` bytes of the body; [`Body::truncated`] says whether more followed.
pub async fn read_prefix(mut response: reqwest::Response, limit: usize) -> Result<Body, reqwest::Error> {
    let mut body = Body::default();
    while let Some(mut chunk) = response.chunk().await? {
        let room = limit - body.len;
        if chunk.len() > room {
            chunk.truncate(room);
            body.push(chunk);
            body.truncated = true;
            break;
        }
        body.push(chunk);
    }
    Ok(body)
}

/// `64 MiB`, `1 MiB`, `512 KiB`, `100 bytes`.
pub fn human(bytes: usize) -> String {
    const MIB: usize = 1024 * 1024;
    match bytes {
        b if b >= MIB && b % MIB == 0 => format!("{} MiB", b / MIB),
        b if b >= 1024 && b % 1024 == 0 => format!("{} KiB", b / 1024),
        b => format!("{b} bytes"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_read_back_in_order() {
        let mut b = Body::default();
        for c in ["{\"va", "", "lue\":", "[1,2]}"] {
            b.push(Bytes::from(c));
        }
        assert_eq!(b.len(), 15);
        assert_eq!(&b.to_bytes()[..], b"{\"value\":[1,2]}");
        assert_eq!(&b.into_bytes()[..], b"{\"value\":[1,2]}");
    }

    #[test]
    fn limits_read_as_units() {
        assert_eq!(human(MAX_ANSWER_BYTES), "64 MiB");
        assert_eq!(human(MAX_ERROR_BODY_BYTES), "1 MiB");
        assert_eq!(human(8 * 1024), "8 KiB");
        assert_eq!(human(1000), "1000 bytes");
        assert_eq!(
            BodyError::TooLarge { limit: MAX_ANSWER_BYTES }.to_string(),
            "the answer is larger than 64 MiB, the limit for one answer; not read further"
        );
    }
}
