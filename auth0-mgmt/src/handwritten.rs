//! Operations written by hand because the generator cannot express them.

use crate::runtime::{Build, RequestOptions, request_options};
use crate::{ApiResponse, Client, Error, types};

const IMPORT_OPERATION: &str = "jobs.users_imports.create";

/// Request builder for `jobs.users_imports.create` (`POST /jobs/users-imports`): a
/// `multipart/form-data` upload of a JSON file of users; finish with [`send`](Self::send).
#[derive(Debug, Clone)]
#[must_use = "a request does nothing until it is sent"]
pub struct JobsUsersImportsCreateRequest<'a, C = Client> {
    client: &'a C,
    users: Option<(Vec<u8>, String)>,
    connection_id: Option<String>,
    upsert: Option<bool>,
    external_id: Option<String>,
    send_completion_email: Option<bool>,
    options: RequestOptions,
}

request_options!(JobsUsersImportsCreateRequest);

impl<'a, C: crate::Mode> JobsUsersImportsCreateRequest<'a, C> {
    pub(crate) fn new(client: &'a C) -> Self {
        Self {
            client,
            users: None,
            connection_id: None,
            upsert: None,
            external_id: None,
            send_completion_email: None,
            options: RequestOptions::default(),
        }
    }

    /// The users file: a JSON array of users (required). `file_name` is sent as the part's
    /// file name (e.g. `users.json`).
    pub fn users(mut self, contents: impl Into<Vec<u8>>, file_name: impl Into<String>) -> Self {
        self.users = Some((contents.into(), file_name.into()));
        self
    }

    /// The database connection to import into (required).
    pub fn connection_id(mut self, value: impl Into<String>) -> Self {
        self.connection_id = Some(value.into());
        self
    }

    /// Whether existing users are updated (`true`) or left alone (`false`).
    pub fn upsert(mut self, value: bool) -> Self {
        self.upsert = Some(value);
        self
    }

    /// A caller-chosen id, reported back in the job.
    pub fn external_id(mut self, value: impl Into<String>) -> Self {
        self.external_id = Some(value.into());
        self
    }

    /// Whether tenant owners get an email when the job finishes.
    pub fn send_completion_email(mut self, value: bool) -> Self {
        self.send_completion_email = Some(value);
        self
    }

    /// Uploads the file and returns the created job (a future from a [`Client`], the job from
    /// a `blocking::Client`).
    pub fn send(
        self,
    ) -> C::Output<
        impl Future<Output = Result<types::CreateImportUsersResponseContent, Error>> + Send + 'a,
    > {
        let mode = self.client;
        mode.run(crate::runtime::body(crate::runtime::send_json(self.call())))
    }

    /// As [`send`](Self::send), with the answer's status, headers and rate limit.
    pub fn send_with_response(
        self,
    ) -> C::Output<
        impl Future<Output = Result<ApiResponse<types::CreateImportUsersResponseContent>, Error>>
        + Send
        + 'a,
    > {
        let mode = self.client;
        mode.run(crate::runtime::send_json(self.call()))
    }

    /// The upload, ready to send whatever the client.
    fn call(mut self) -> crate::runtime::Call<'a> {
        let client = crate::Mode::client(self.client);
        let options = std::mem::take(&mut self.options);
        // The body is made once; a rate-limited or token-refused upload is sent again as it was.
        let build: Build<'a> = match self.body() {
            Ok((content_type, body)) => Box::new(move || {
                let url = crate::runtime::endpoint(client, &["/jobs/users-imports"]);
                let request = client
                    .http()
                    .post(url)
                    .header(reqwest::header::CONTENT_TYPE, content_type.as_str())
                    // A body in memory, so that it can be sent again.
                    .body(body.clone());
                crate::runtime::finish(IMPORT_OPERATION, request)
            }),
            // No request to make: the first attempt's build reports why.
            Err(e) => {
                let why = std::sync::Mutex::new(Some(e));
                Box::new(move || {
                    Err(why
                        .lock()
                        .ok()
                        .and_then(|mut e| e.take())
                        .unwrap_or_else(|| Error::missing(IMPORT_OPERATION, "the upload")))
                })
            }
        };
        crate::runtime::Call::new(IMPORT_OPERATION, client, options, build)
    }

    /// The content type (with the boundary) and the multipart body, or why there is none.
    fn body(&self) -> Result<(String, bytes::Bytes), Error> {
        let (contents, file_name) = self
            .users
            .as_ref()
            .ok_or_else(|| Error::missing(IMPORT_OPERATION, "the `users` file"))?;
        let connection_id = self
            .connection_id
            .clone()
            .ok_or_else(|| Error::missing(IMPORT_OPERATION, "`connection_id`"))?;
        let mut fields = vec![("connection_id", connection_id)];
        if let Some(v) = self.upsert {
            fields.push(("upsert", v.to_string()));
        }
        if let Some(v) = &self.external_id {
            fields.push(("external_id", v.clone()));
        }
        if let Some(v) = self.send_completion_email {
            fields.push(("send_completion_email", v.to_string()));
        }
        let (content_type, body) = multipart(contents, file_name, &fields)?;
        Ok((content_type, bytes::Bytes::from(body)))
    }
}

/// A `multipart/form-data` body: the `users` file part, then the text fields. Returns the
/// content type (with the boundary) and the body.
fn multipart(
    file: &[u8],
    file_name: &str,
    fields: &[(&str, String)],
) -> Result<(String, Vec<u8>), Error> {
    // A random boundary (128 bits), checked once against the parts: a file cannot be made to
    // contain it, so no search is repeated (a fixed sequence of candidates could be put in a
    // hostile file one after the other).
    let boundary = (0..2)
        .find_map(|_| {
            let candidate = random_boundary()?;
            let needle = candidate.as_bytes();
            let clash = file.windows(needle.len()).any(|w| w == needle)
                || fields.iter().any(|(_, v)| v.contains(&candidate));
            (!clash).then_some(candidate)
        })
        .ok_or_else(|| {
            Error::invalid(
                IMPORT_OPERATION,
                "no multipart boundary could be made for this file",
            )
        })?;
    // Quotes and line breaks cannot stand in a quoted header parameter.
    let file_name: String = file_name
        .chars()
        .map(|c| match c {
            '"' => "%22".to_owned(),
            '\r' => "%0D".to_owned(),
            '\n' => "%0A".to_owned(),
            c => c.to_string(),
        })
        .collect();
    let mut body = Vec::with_capacity(file.len() + 512);
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"users\"; \
             filename=\"{file_name}\"\r\nContent-Type: application/json\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(file);
    for (name, value) in fields {
        body.extend_from_slice(
            format!(
                "\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}"
            )
            .as_bytes(),
        );
    }
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    Ok((format!("multipart/form-data; boundary={boundary}"), body))
}

/// `auth0-mgmt-` and 32 random hex digits, or `None` without a random source.
fn random_boundary() -> Option<String> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).ok()?;
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    Some(format!("auth0-mgmt-{hex}"))
}
