//! `GET /events` (`text/event-stream`) as a stream of typed events: the server-sent events
//! parsed as they arrive, reconnecting with `Last-Event-ID` after a dropped connection, an
//! idle timeout instead of the request timeout (for the answer's head and between pieces of
//! its body), each line and event capped by the client's `max_body_size`.

use std::collections::VecDeque;
use std::time::Duration;

use futures::StreamExt;
use futures::stream::{self, BoxStream};

use crate::resources::EventsSubscribeRequest;
use crate::{ByteStream, Error, HttpError, types};

const OPERATION: &str = "events.subscribe";

/// The time limit of one connection of the stream: none that matters (it lasts as long as it
/// is read; the idle timeout ends a silent one, before its answer's head or after).
const CONNECTION_TIMEOUT: Duration = Duration::from_secs(365 * 24 * 60 * 60);

/// The longest wait before reconnecting that the server's `retry:` can ask for.
const MAX_SERVER_RETRY: Duration = Duration::from_secs(30);

/// How an event stream is kept up ([`EventsSubscribeRequest::events_with`]): the defaults,
/// changed by the setters (`EventStreamSettings::default().idle_timeout(..)`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct EventStreamSettings {
    /// A connection silent this long is dropped and made again (5 minutes by default): one
    /// whose answer's head has not come this long after the request was made (a wait for
    /// the token included), or whose body has sent nothing for this long. A head that does
    /// not come is a failed connection, like one refused.
    pub idle_timeout: Duration,
    /// The first wait before reconnecting, unless the server sent `retry:` (1 s by default;
    /// the server's `retry:` is taken up to 30 s); doubled after each failed attempt, up to
    /// 30 s (or this delay, when it is longer).
    pub reconnect_delay: Duration,
    /// How many reconnections in a row may fail before the stream ends with the last error
    /// (5 by default).
    pub max_reconnects: u32,
}

impl Default for EventStreamSettings {
    fn default() -> Self {
        EventStreamSettings {
            idle_timeout: Duration::from_secs(5 * 60),
            reconnect_delay: Duration::from_secs(1),
            max_reconnects: 5,
        }
    }
}

impl EventStreamSettings {
    /// How long a connection may stay silent before it is made again (see
    /// [`idle_timeout`](Self#structfield.idle_timeout)).
    pub fn idle_timeout(mut self, timeout: Duration) -> Self {
        self.idle_timeout = timeout;
        self
    }

    /// The first wait before reconnecting (see
    /// [`reconnect_delay`](Self#structfield.reconnect_delay)).
    pub fn reconnect_delay(mut self, delay: Duration) -> Self {
        self.reconnect_delay = delay;
        self
    }

    /// How many reconnections in a row may fail (see
    /// [`max_reconnects`](Self#structfield.max_reconnects)).
    pub fn max_reconnects(mut self, reconnects: u32) -> Self {
        self.max_reconnects = reconnects;
        self
    }
}

impl<'a> EventsSubscribeRequest<'a> {
    /// The events, decoded as they arrive, for as long as the stream is polled (with the
    /// default [`EventStreamSettings`]). A dropped or silent connection is made again with
    /// `Last-Event-ID` (the last `id:` the server sent), after the server's `retry:` (up to
    /// 30 s) or a growing delay; an error answer (401, 403, 410 …) ends the stream with that
    /// error, as do too many failed reconnections. The request's own timeout is not used: a
    /// stream lasts as long as it is read, and the idle timeout bounds each wait for the
    /// server, its answer's head included.
    ///
    /// A line, or an event, longer than the client's
    /// [`max_body_size`](crate::ClientBuilder::max_body_size) ends the stream with
    /// [`Error::Stream`] (after the events before it): what is held at once stays bounded
    /// whatever the server sends.
    ///
    /// ```no_run
    /// # async fn run(mgmt: auth0_mgmt::Client) -> Result<(), auth0_mgmt::Error> {
    /// use futures::TryStreamExt;
    ///
    /// let mut events = mgmt.events().subscribe().events();
    /// while let Some(event) = events.try_next().await? {
    ///     println!("{event:?}");
    /// }
    /// # Ok(()) }
    /// ```
    pub fn events(
        self,
    ) -> BoxStream<'a, Result<types::EventStreamSubscribeEventsResponseContent, Error>> {
        self.events_with(EventStreamSettings::default())
    }

    /// As [`events`](Self::events), with other settings.
    pub fn events_with(
        self,
        settings: EventStreamSettings,
    ) -> BoxStream<'a, Result<types::EventStreamSubscribeEventsResponseContent, Error>> {
        let limit = self.client.shared().max_body;
        let subscription = Subscription {
            request: self.timeout(CONNECTION_TIMEOUT),
            settings,
            body: None,
            parser: Parser::new(limit),
            failures: 0,
            last_error: None,
        };
        stream::unfold(Some(subscription), |state| async move {
            let mut subscription = state?;
            match subscription.next().await {
                Ok(Some(data)) => {
                    let event = crate::runtime::decode(OPERATION, data.as_bytes());
                    Some((event, Some(subscription)))
                }
                Ok(None) => None,
                Err(e) => Some((Err(e), None)),
            }
        })
        .boxed()
    }
}

struct Subscription<'a> {
    request: EventsSubscribeRequest<'a>,
    settings: EventStreamSettings,
    body: Option<ByteStream>,
    parser: Parser,
    /// Connections in a row that failed or broke before an event came.
    failures: u32,
    last_error: Option<Error>,
}

impl Subscription<'_> {
    /// The data of the next event, or the error that ends the stream.
    async fn next(&mut self) -> Result<Option<String>, Error> {
        loop {
            if let Some(data) = self.parser.ready.pop_front() {
                self.failures = 0;
                // An event without data (a keep-alive) is no event to decode.
                if data.trim().is_empty() {
                    continue;
                }
                return Ok(Some(data));
            }
            if let Some(message) = self.parser.overflow.take() {
                self.body = None;
                return Err(Error::stream(OPERATION, message));
            }
            let Some(body) = &mut self.body else {
                self.connect().await?;
                continue;
            };
            match tokio::time::timeout(self.settings.idle_timeout, body.next()).await {
                Ok(Some(Ok(chunk))) => self.parser.feed(&chunk),
                Ok(Some(Err(e))) => self.dropped(HttpError::from_reqwest(OPERATION, e).into()),
                Ok(None) => self.dropped(Error::stream(OPERATION, "the server closed the stream")),
                Err(_) => self.dropped(Error::stream(OPERATION, format!(
                    "no data for {:?}",
                    self.settings.idle_timeout
                ))),
            }
        }
    }

    fn dropped(&mut self, why: Error) {
        tracing::debug!(error = %why, "event stream dropped; reconnecting");
        self.body = None;
        self.parser.interrupted();
        self.failures += 1;
        self.last_error = Some(why);
    }

    /// Opens a connection, after a pause when the last one failed.
    async fn connect(&mut self) -> Result<(), Error> {
        loop {
            if self.failures > self.settings.max_reconnects {
                return Err(self
                    .last_error
                    .take()
                    .unwrap_or_else(|| Error::stream(OPERATION, "the stream could not be kept up")));
            }
            if self.failures > 0 {
                let first = self.parser.retry.unwrap_or(self.settings.reconnect_delay);
                let pause = first
                    .saturating_mul(1u32 << (self.failures - 1).min(16))
                    .min(Duration::from_secs(30).max(first));
                let clock = std::sync::Arc::clone(&self.request.client.shared().clock);
                clock.sleep(pause).await;
            }
            let mut request = self.request.clone();
            if let Some(id) = &self.parser.last_id {
                request = request.header("Last-Event-ID", id);
            }
            // The idle timeout bounds the wait for the answer's head too: a server that
            // takes the request and says nothing holds no stream longer than one silent
            // after answering.
            let idle = self.settings.idle_timeout;
            let answer = tokio::time::timeout(idle, request.send())
                .await
                .unwrap_or_else(|_| {
                    Err(HttpError::Timeout {
                        operation: OPERATION,
                        source: auth0_http::TimedOut::Deadline { after: idle },
                    }
                    .into())
                });
            match answer {
                Ok(body) => {
                    self.body = Some(body);
                    return Ok(());
                }
                // Transport failures are tried again; what the API refuses is final.
                Err(
                    e @ Error::Http(
                        HttpError::Connection { .. }
                        | HttpError::Timeout { .. }
                        | HttpError::Transport { .. },
                    ),
                ) => {
                    tracing::debug!(error = %e, "event stream not answered; reconnecting");
                    self.failures += 1;
                    self.last_error = Some(e);
                }
                Err(e) => return Err(e),
            }
        }
    }
}

/// A server-sent events parser (the WHATWG event-stream format): lines end with LF, CRLF or
/// CR; `data:` lines join with LF; a blank line dispatches; `id:` sets the last event id
/// (unless it holds NUL); `retry:` the reconnection time (up to [`MAX_SERVER_RETRY`]);
/// comments (`:`) and other fields are ignored. A line, or an event's data, longer than
/// `limit` stops it ([`overflow`](Self::overflow)).
struct Parser {
    line: Vec<u8>,
    /// A CR ended the last line: an LF right after it is part of that line ending.
    after_cr: bool,
    data: String,
    has_data: bool,
    last_id: Option<String>,
    retry: Option<Duration>,
    ready: VecDeque<String>,
    /// The longest line, and the longest event's data, in bytes.
    limit: usize,
    /// Why parsing stopped: a line or an event over the limit. Nothing more is read.
    overflow: Option<String>,
}

impl Parser {
    fn new(limit: usize) -> Self {
        Parser {
            line: Vec::new(),
            after_cr: false,
            data: String::new(),
            has_data: false,
            last_id: None,
            retry: None,
            ready: VecDeque::new(),
            limit,
            overflow: None,
        }
    }

    fn feed(&mut self, mut bytes: &[u8]) {
        while !bytes.is_empty() && self.overflow.is_none() {
            if self.after_cr && bytes[0] == b'\n' {
                self.after_cr = false;
                bytes = &bytes[1..];
                continue;
            }
            match bytes.iter().position(|&b| b == b'\n' || b == b'\r') {
                Some(at) => {
                    if !self.extend_line(&bytes[..at]) {
                        return;
                    }
                    self.after_cr = bytes[at] == b'\r';
                    let line = std::mem::take(&mut self.line);
                    self.line_done(&line);
                    // The line's room is kept for the next one.
                    self.line = line;
                    self.line.clear();
                    bytes = &bytes[at + 1..];
                }
                None => {
                    self.after_cr = false;
                    self.extend_line(bytes);
                    return;
                }
            }
        }
    }

    /// Adds to the line being read; `false` (and an overflow) when it grows past the limit.
    fn extend_line(&mut self, part: &[u8]) -> bool {
        if self.line.len() + part.len() > self.limit {
            self.stop(format!(
                "a line is longer than {} bytes (the client's `max_body_size`)",
                self.limit
            ));
            return false;
        }
        self.line.extend_from_slice(part);
        true
    }

    /// Stops parsing: nothing held is kept but the events already dispatched.
    fn stop(&mut self, why: String) {
        self.overflow = Some(why);
        self.line = Vec::new();
        self.data = String::new();
        self.has_data = false;
    }

    fn line_done(&mut self, line: &[u8]) {
        if line.is_empty() {
            if self.has_data {
                let mut data = std::mem::take(&mut self.data);
                data.pop(); // the LF after the last data line
                self.ready.push_back(data);
            }
            self.data.clear();
            self.has_data = false;
            return;
        }
        if line[0] == b':' {
            return;
        }
        let line = String::from_utf8_lossy(line);
        let (field, value) = match line.split_once(':') {
            Some((field, value)) => (field, value.strip_prefix(' ').unwrap_or(value)),
            None => (line.as_ref(), ""),
        };
        match field {
            "data" => {
                if self.data.len() + value.len() > self.limit {
                    self.stop(format!(
                        "an event is longer than {} bytes (the client's `max_body_size`)",
                        self.limit
                    ));
                    return;
                }
                self.data.push_str(value);
                self.data.push('\n');
                self.has_data = true;
            }
            "id" if !value.contains('\0') => self.last_id = Some(value.to_owned()),
            "retry" if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) => {
                // Digits past any `u64` are a wait past any cap too.
                let ms = value.parse().unwrap_or(u64::MAX);
                self.retry = Some(Duration::from_millis(ms).min(MAX_SERVER_RETRY));
            }
            _ => {}
        }
    }

    /// A connection ended: an event it did not finish is dropped.
    fn interrupted(&mut self) {
        self.line.clear();
        self.after_cr = false;
        self.data.clear();
        self.has_data = false;
    }
}

#[cfg(test)]
mod tests {
    use super::Parser;
    use std::time::Duration;

    fn parse(chunks: &[&str]) -> Parser {
        let mut p = Parser::new(1 << 20);
        for c in chunks {
            p.feed(c.as_bytes());
        }
        p
    }

    #[test]
    fn events_are_dispatched_by_blank_lines_whatever_the_line_endings() {
        let p = parse(&[
            "id: 1\ndata: {\"a\":\r\ndata: 1}\r\n\r\n",
            ": a comment\rid:2\rdata:x\r\r",
            "event: ignored\ndata",
            "\n\ndata: never finished",
        ]);
        let events: Vec<_> = p.ready.iter().map(String::as_str).collect();
        assert_eq!(events, ["{\"a\":\n1}", "x", ""]);
        assert_eq!(p.last_id.as_deref(), Some("2"));
    }

    #[test]
    fn a_crlf_split_across_chunks_is_one_line_ending() {
        let p = parse(&["data: a\r", "\n", "\r", "\n"]);
        assert_eq!(p.ready, ["a"]);
    }

    #[test]
    fn retry_and_id_follow_the_rules() {
        let p = parse(&["retry: 2500\nid: a\0b\nretry: soon\n\n"]);
        assert_eq!(p.retry, Some(Duration::from_millis(2500)));
        for long in ["86400000", "99999999999999999999999"] {
            let p = parse(&[&format!("retry: {long}\n")]);
            assert_eq!(p.retry, Some(Duration::from_secs(30)), "{long}");
        }
        assert_eq!(p.last_id, None, "an id with NUL is ignored");
        assert!(p.ready.is_empty(), "no data, no event");
    }

    #[test]
    fn an_interrupted_event_is_dropped() {
        let mut p = parse(&["id: 7\ndata: half"]);
        p.interrupted();
        p.feed(b"\n\ndata: whole\n\n");
        assert_eq!(p.ready, ["whole"]);
        assert_eq!(p.last_id.as_deref(), Some("7"));
    }

    #[test]
    fn lines_and_events_are_capped() {
        // A line as long as the cap is read; one byte more stops the parser, whichever way
        // it comes.
        let mut p = Parser::new(16);
        p.feed(b"data: 0123456789\n\n");
        assert_eq!(p.ready, ["0123456789"]);
        for chunks in [
            vec!["data: 01234567890"],
            vec!["data: 0123", "4567890", "\n\n"],
            vec![": a comment that goes on\n"],
        ] {
            let p = parse_capped(16, &chunks);
            assert!(p.overflow.as_deref().unwrap().contains("line"), "{chunks:?}");
        }
        // Short data lines that add up past the cap.
        let p = parse_capped(16, &["data: 012345\ndata: 012345\ndata: 012345\n"]);
        assert!(p.overflow.as_deref().unwrap().contains("event"));
        // Events before the overflow stay; nothing after it is read.
        let p = parse_capped(16, &["data: a\n\ndata: 01234567890123\n\ndata: b\n\n"]);
        assert_eq!(p.ready, ["a"]);
        assert!(p.line.is_empty() && p.data.is_empty());
    }

    fn parse_capped(limit: usize, chunks: &[&str]) -> Parser {
        let mut p = Parser::new(limit);
        for c in chunks {
            p.feed(c.as_bytes());
        }
        p
    }
}
