//! Jobs: waiting for one to finish (`client.jobs().wait(id)`), and reading the file a
//! completed users export points to as a stream of typed users
//! (`client.jobs().users_exports().read(&job)`).

use std::io::Write as _;
use std::time::Duration;

use futures::stream::{self, BoxStream, StreamExt};
use serde::de::DeserializeOwned;

use crate::resources::{Jobs, JobsUsersExports};
use crate::{Client, Error, HttpError, types};

const EXPORT_OPERATION: &str = "jobs.users_exports.read";

/// How long reading an export file may take in all (it is read at the caller's pace).
const EXPORT_READ_TIMEOUT: Duration = Duration::from_secs(24 * 60 * 60);

impl<'a> Jobs<'a> {
    /// Waits for the job `id` (a users import or export, a verification email) to complete:
    /// asks `GET /jobs/{id}` after 1 s, then at doubling intervals up to 30 s, for at most an
    /// hour (see [`JobWait`]'s settings). A completed job is returned; a job that ends any
    /// other way (`failed`, …) is [`Error::Job`], one still running at the end of the wait
    /// [`Error::JobTimeout`].
    ///
    /// Scopes: `create:users` or `read:users` (those of `GET /jobs/{id}`).
    pub fn wait(&self, id: impl Into<String>) -> JobWait<'a> {
        JobWait {
            client: self.client,
            id: id.into(),
            interval: Duration::from_secs(1),
            max_interval: Duration::from_secs(30),
            timeout: Duration::from_secs(60 * 60),
        }
    }
}

/// Waits for a job to complete; finish with [`send`](Self::send).
#[derive(Clone, Debug)]
#[must_use = "a wait does nothing until `.send().await`"]
pub struct JobWait<'a> {
    client: &'a Client,
    id: String,
    interval: Duration,
    max_interval: Duration,
    timeout: Duration,
}

impl JobWait<'_> {
    /// The first pause between two looks at the job (1 s by default); each pause after is
    /// twice the one before, up to [`max_interval`](Self::max_interval).
    pub fn interval(mut self, first: Duration) -> Self {
        self.interval = first;
        self
    }

    /// The longest pause between two looks (30 s by default).
    pub fn max_interval(mut self, max: Duration) -> Self {
        self.max_interval = max;
        self
    }

    /// How long to wait in all (an hour by default).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Waits, and returns the completed job.
    pub async fn send(self) -> Result<types::GetJobResponseContent, Error> {
        let clock = std::sync::Arc::clone(&self.client.shared().clock);
        let started = clock.now();
        let mut pause = self.interval.max(Duration::from_millis(1));
        loop {
            let job = self.client.jobs().get(self.id.as_str()).send().await?;
            let status = job.status.as_deref().unwrap_or("pending");
            match status {
                "completed" => return Ok(job),
                "pending" | "processing" => {}
                other => {
                    return Err(Error::Job {
                        id: self.id,
                        status: other.to_owned(),
                        details: job.status_details,
                    });
                }
            }
            let waited = clock.now().saturating_duration_since(started);
            let Some(left) = self.timeout.checked_sub(waited).filter(|l| !l.is_zero()) else {
                return Err(Error::JobTimeout {
                    id: self.id,
                    status: status.to_owned(),
                    after: self.timeout,
                });
            };
            clock.sleep(pause.min(left)).await;
            pause = pause.saturating_mul(2).min(self.max_interval.max(pause));
        }
    }
}

impl<'a> JobsUsersExports<'a> {
    /// The users of a completed users export, one by one, read from the file its `location`
    /// names (gzip-compressed, one JSON object per line: create the export with
    /// `format: "json"`; Auth0's default is CSV). `T` is the type each line decodes into:
    /// `types::UserResponseSchema` (feature `users`), or a type of your own for the fields
    /// the export asked for.
    ///
    /// The file is fetched without the client's token (`location` is a pre-signed link of
    /// another host), over https (plain http only to a loopback address), never following a
    /// redirect, and read as the stream is polled: decompressed step by step as lines are
    /// read, so that what is held at once is about one line, whatever the file inflates to.
    /// A line longer than the client's
    /// [`max_body_size`](crate::ClientBuilder::max_body_size) ends the stream with
    /// [`Error::Stream`]. Errors name the link without its query (its signature).
    ///
    /// ```no_run
    /// # async fn run(mgmt: auth0_mgmt::Client, id: &str) -> Result<(), auth0_mgmt::Error> {
    /// use futures::TryStreamExt;
    ///
    /// let job = mgmt.jobs().wait(id).send().await?;
    /// let mut users = mgmt.jobs().users_exports().read::<serde_json::Value>(&job);
    /// while let Some(user) = users.try_next().await? {
    ///     println!("{}", user["email"]);
    /// }
    /// # Ok(()) }
    /// ```
    pub fn read<T: DeserializeOwned + Send + 'a>(
        &self,
        job: &types::GetJobResponseContent,
    ) -> BoxStream<'a, Result<T, Error>> {
        let client = self.client;
        let request = export_request(job);
        let line_limit = client.shared().max_body;
        stream::once(async move {
            let request = request?;
            let policy = &client.shared().retry;
            // The file's own read timeout bounds it (the request's, as the caller reads it).
            let (response, _) =
                crate::runtime::exchange(
                    EXPORT_OPERATION,
                    client,
                    policy,
                    crate::runtime::Requests::Kept(Some(request)),
                    None,
                    None,
                )
                    .await?;
            Ok(Lines::new(response, line_limit))
        })
        .flat_map(|lines| match lines {
            Err(e) => stream::once(std::future::ready(Err(e))).boxed(),
            Ok(lines) => stream::unfold(Some(lines), |lines| async move {
                let mut lines = lines?;
                match lines.next().await {
                    Ok(Some(line)) => {
                        let item = crate::runtime::decode::<T>(EXPORT_OPERATION, &line);
                        Some((item, Some(lines)))
                    }
                    Ok(None) => None,
                    Err(e) => Some((Err(e), None)),
                }
            })
            .boxed(),
        })
        .boxed()
    }
}

/// The request for a completed export's file.
fn export_request(job: &types::GetJobResponseContent) -> Result<reqwest::Request, Error> {
    let invalid = |message: &str| Error::invalid(EXPORT_OPERATION, message);
    if job.format.as_ref().is_some_and(|f| f.as_str() != "json") {
        return Err(invalid(
            "the export is not `format: \"json\"`; its file is not one JSON user per line",
        ));
    }
    let location = job.location.as_deref().ok_or_else(|| {
        invalid("the job has no `location`: it is not a completed users export")
    })?;
    let url = reqwest::Url::parse(location)
        .map_err(|_| invalid("the job's `location` is not a URL"))?;
    let secure = url.scheme() == "https" || (url.scheme() == "http" && auth0_http::is_loopback(&url));
    if !secure {
        return Err(invalid(
            "the job's `location` is not https (plain http is read from loopback addresses only)",
        ));
    }
    let mut request = reqwest::Request::new(reqwest::Method::GET, url);
    *request.timeout_mut() = Some(EXPORT_READ_TIMEOUT);
    Ok(request)
}

/// The lines of a gzip-compressed body, decompressed as the body arrives and only as far as
/// the next line: what is held at once is the line being read (at most `limit` bytes) and one
/// step of the decompressor's output (32 KiB), whatever the file inflates to. Lines already
/// read, blank ones included, are dropped before more is decompressed.
struct Lines {
    response: reqwest::Response,
    /// The decompressor; its output (the `Vec`) holds the lines not yet read.
    decoder: flate2::write::GzDecoder<Vec<u8>>,
    /// The part of the last chunk received that the decompressor has not taken yet.
    pending: bytes::Bytes,
    /// Where the unread part of the decoder's output starts.
    start: usize,
    /// How far past `start` no newline was found.
    scanned: usize,
    finished: bool,
    limit: usize,
}

impl Lines {
    fn new(response: reqwest::Response, limit: usize) -> Self {
        Lines {
            response,
            decoder: flate2::write::GzDecoder::new(Vec::new()),
            pending: bytes::Bytes::new(),
            start: 0,
            scanned: 0,
            finished: false,
            limit,
        }
    }

    /// The next non-empty line (without its line ending), or `None` at the end.
    async fn next(&mut self) -> Result<Option<Vec<u8>>, Error> {
        loop {
            if let Some(line) = self.take_line() {
                return Ok(Some(line));
            }
            // No line ending in what is held: it is all one line, so far.
            let unread = self.decoder.get_ref().len() - self.start;
            if unread > self.limit {
                return Err(Error::stream(EXPORT_OPERATION, format!(
                    "a line is longer than {} bytes (the client's `max_body_size`)",
                    self.limit
                )));
            }
            if self.finished {
                let rest = self.decoder.get_ref()[self.start..].to_vec();
                self.start = self.decoder.get_ref().len();
                self.scanned = 0;
                return Ok((!rest.iter().all(u8::is_ascii_whitespace)).then_some(rest));
            }
            // Make room before more comes: drop what was read.
            if self.start > 0 {
                self.decoder.get_mut().drain(..self.start);
                self.start = 0;
            }
            if !self.pending.is_empty() {
                self.inflate()?;
                continue;
            }
            match self.response.chunk().await {
                Ok(Some(chunk)) => self.pending = chunk,
                Ok(None) => {
                    // What the decompressor holds back is at most its window.
                    self.decoder
                        .try_finish()
                        .map_err(|e| Error::stream(EXPORT_OPERATION, format!("the file ends early: {e}")))?;
                    self.finished = true;
                }
                Err(e) => return Err(HttpError::from_reqwest(EXPORT_OPERATION, e).into()),
            }
        }
    }

    /// One step of decompression: `write` (not `write_all`) takes as much of the pending
    /// input as makes one buffer of output, so a chunk that inflates to gigabytes is taken
    /// a step at a time, with the lines read between.
    fn inflate(&mut self) -> Result<(), Error> {
        let taken = self
            .decoder
            .write(&self.pending)
            .map_err(|e| Error::stream(EXPORT_OPERATION, format!("the file is not gzip: {e}")))?;
        if taken == 0 {
            return Err(Error::stream(
                EXPORT_OPERATION,
                "the file goes on after the end of its gzip data",
            ));
        }
        bytes::Buf::advance(&mut self.pending, taken);
        Ok(())
    }

    /// The next non-blank line held, copied out; blank lines before it are passed over
    /// (not copied).
    fn take_line(&mut self) -> Option<Vec<u8>> {
        let out = self.decoder.get_ref();
        loop {
            let from = (self.start + self.scanned).min(out.len());
            let Some(at) = out[from..].iter().position(|&b| b == b'\n') else {
                self.scanned = out.len() - self.start;
                return None;
            };
            let line = &out[self.start..from + at];
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            self.start = from + at + 1;
            self.scanned = 0;
            if !line.iter().all(u8::is_ascii_whitespace) {
                return Some(line.to_vec());
            }
        }
    }
}
