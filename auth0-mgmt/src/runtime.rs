//! What every generated operation runs through: authentication, sending, and turning the
//! answer into the typed body or an [`Error`].

use std::sync::Arc;

use progenitor_client::{ClientHooks, ClientInfo, OperationInfo, ResponseValue};
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, HeaderValue};
use serde::de::DeserializeOwned;

use crate::Error;
use crate::generated::client::Client as Raw;

/// State shared by the raw client and every clone of [`crate::Client`].
#[derive(Clone)]
pub struct Inner {
    pub(crate) shared: Arc<Shared>,
}

impl std::fmt::Debug for Inner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Inner").finish_non_exhaustive()
    }
}

pub(crate) struct Shared {
    /// `Bearer <token>`, marked sensitive.
    pub(crate) authorization: HeaderValue,
}

impl ClientHooks<Inner> for Raw {
    async fn pre<E>(
        &self,
        request: &mut reqwest::Request,
        _info: &OperationInfo,
    ) -> Result<(), progenitor_client::Error<E>> {
        authorize(self.inner(), request);
        Ok(())
    }

    async fn exec(
        &self,
        request: reqwest::Request,
        _info: &OperationInfo,
    ) -> reqwest::Result<reqwest::Response> {
        let response = self.client().execute(request).await?;
        Ok(empty_as_null(response))
    }
}

/// Sets the `Authorization` header of a request.
pub(crate) fn authorize(inner: &Inner, request: &mut reqwest::Request) {
    request
        .headers_mut()
        .insert(AUTHORIZATION, inner.shared.authorization.clone());
}

/// A success answer without a body reads as JSON `null`, so that an operation whose answer
/// may or may not carry a body decodes either way (to `None` or `Value::Null`).
fn empty_as_null(response: reqwest::Response) -> reqwest::Response {
    let status = response.status();
    let empty = status == reqwest::StatusCode::NO_CONTENT
        || (status.is_success() && response.content_length() == Some(0));
    if !empty {
        return response;
    }
    let mut builder = http::Response::builder().status(status);
    if let Some(headers) = builder.headers_mut() {
        *headers = response.headers().clone();
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        headers.remove(reqwest::header::CONTENT_LENGTH);
    }
    match builder.body(reqwest::Body::from("null")) {
        Ok(r) => reqwest::Response::from(r),
        Err(_) => response,
    }
}

/// Turns a raw method's result into the typed body or an [`Error`].
pub async fn finish<T: DeserializeOwned>(
    operation: &'static str,
    result: Result<ResponseValue<T>, progenitor_client::Error<()>>,
) -> Result<T, Error> {
    match result {
        Ok(v) => Ok(v.into_inner()),
        Err(progenitor_client::Error::InvalidResponsePayload(body, source)) => {
            let path = decode_path::<T>(&body);
            Err(Error::Decode {
                operation,
                path,
                source,
                body,
            })
        }
        Err(e) => Err(convert(operation, e).await),
    }
}

/// As [`finish`], for answers handed over as a byte stream.
pub async fn finish_raw<T>(
    operation: &'static str,
    result: Result<ResponseValue<T>, progenitor_client::Error<()>>,
) -> Result<T, Error> {
    match result {
        Ok(v) => Ok(v.into_inner()),
        Err(e) => Err(convert(operation, e).await),
    }
}

/// The JSON path at which `body` stops matching `T`.
fn decode_path<T: DeserializeOwned>(body: &[u8]) -> String {
    let mut de = serde_json::Deserializer::from_slice(body);
    match serde_path_to_error::deserialize::<_, T>(&mut de) {
        Ok(_) => ".".to_string(),
        Err(e) => e.path().to_string(),
    }
}

async fn convert(operation: &'static str, e: progenitor_client::Error<()>) -> Error {
    use progenitor_client::Error as E;
    match e {
        E::UnexpectedResponse(response) => answer_error(operation, response).await,
        E::ErrorResponse(v) => Error::from_answer(
            operation,
            v.status(),
            v.headers().clone(),
            bytes::Bytes::new(),
        ),
        E::CommunicationError(source)
        | E::InvalidUpgrade(source)
        | E::ResponseBodyError(source) => Error::from_reqwest(operation, source),
        E::InvalidResponsePayload(body, source) => Error::Decode {
            operation,
            path: ".".into(),
            source,
            body,
        },
        E::InvalidRequest(message) | E::Custom(message) => {
            Error::InvalidRequest { operation, message }
        }
    }
}

/// Reads a non-success answer completely into an [`Error`].
pub(crate) async fn answer_error(operation: &'static str, response: reqwest::Response) -> Error {
    let status = response.status();
    let headers = response.headers().clone();
    match response.bytes().await {
        Ok(body) => Error::from_answer(operation, status, headers, body),
        Err(source) => Error::from_reqwest(operation, source),
    }
}

/// Decodes a success body, naming the JSON path of a mismatch.
pub(crate) fn decode<T: DeserializeOwned>(
    operation: &'static str,
    body: bytes::Bytes,
) -> Result<T, Error> {
    serde_json::from_slice(&body).map_err(|source| Error::Decode {
        operation,
        path: decode_path::<T>(&body),
        source,
        body,
    })
}
