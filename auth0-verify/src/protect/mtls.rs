//! Certificate-bound access tokens (RFC 8705): a token whose `cnf` holds `x5t#S256` is taken
//! only with the client certificate whose SHA-256 thumbprint that is, the certificate the TLS
//! layer put in the request's extensions ([`ClientCertificate`]) or the one a trusted proxy
//! forwards in a header.

use std::fmt;

use aws_lc_rs::digest::{SHA256, digest};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use http::HeaderName;
use http::request::Parts;

use crate::verifier::Verified;

/// The certificate (DER) the client presented in the TLS handshake: put in each request's
/// extensions by the server's TLS layer (from the connection's peer certificates: rustls'
/// `peer_certificates()`, the first one), it is what [`AuthLayer`](super::AuthLayer) checks a
/// certificate-bound token (`cnf.x5t#S256`) against.
///
/// `Debug` shows the thumbprint, not the bytes.
#[derive(Clone, PartialEq, Eq)]
pub struct ClientCertificate(Vec<u8>);

impl ClientCertificate {
    /// The certificate in DER.
    pub fn from_der(der: impl Into<Vec<u8>>) -> Self {
        ClientCertificate(der.into())
    }

    /// The first certificate of a PEM text (`-----BEGIN CERTIFICATE-----`), or `None`.
    pub fn from_pem(pem: &str) -> Option<Self> {
        pem::parse_many(pem)
            .ok()?
            .into_iter()
            .find(|p| p.tag() == "CERTIFICATE")
            .map(|p| ClientCertificate(p.into_contents()))
    }

    /// The DER bytes.
    pub fn der(&self) -> &[u8] {
        &self.0
    }

    /// The SHA-256 thumbprint as `cnf.x5t#S256` carries it: base64url of the digest of the
    /// DER, without padding.
    pub fn thumbprint(&self) -> String {
        URL_SAFE_NO_PAD.encode(digest(&SHA256, &self.0))
    }
}

impl fmt::Debug for ClientCertificate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("ClientCertificate")
            .field(&format_args!("x5t#S256={}", self.thumbprint()))
            .finish()
    }
}

/// Where the layer finds the client certificate.
#[derive(Clone, Debug)]
pub(super) enum CertificateSource {
    /// The [`ClientCertificate`] extension (the default).
    Extension,
    /// A header set by a trusted proxy: the URL-encoded PEM certificate.
    Header(HeaderName),
}

impl CertificateSource {
    fn find(&self, parts: &Parts) -> Result<ClientCertificate, &'static str> {
        match self {
            CertificateSource::Extension => {
                parts.extensions.get::<ClientCertificate>().cloned().ok_or(
                    "the token is certificate-bound and the request has no client certificate",
                )
            }
            CertificateSource::Header(name) => {
                let mut values = parts.headers.get_all(name).iter();
                let (Some(value), None) = (values.next(), values.next()) else {
                    return Err(
                        "the token is certificate-bound and the request has not one \
                                client certificate header",
                    );
                };
                let pem = percent_encoding::percent_decode(value.as_bytes())
                    .decode_utf8()
                    .map_err(|_| "the client certificate header is not URL-encoded UTF-8")?;
                ClientCertificate::from_pem(&pem)
                    .ok_or("the client certificate header holds no PEM certificate")
            }
        }
    }
}

/// `Ok` unless the token is bound to a certificate (`cnf.x5t#S256`) and the request's is
/// missing (none where `source` looks) or another one.
pub(super) fn check_binding(
    source: &CertificateSource,
    parts: &Parts,
    verified: &Verified,
) -> Result<(), &'static str> {
    let Some(bound) = verified.claims.x5t_s256() else {
        return Ok(());
    };
    let certificate = source.find(parts)?;
    if certificate.thumbprint() == bound {
        Ok(())
    } else {
        Err("the token is bound to another client certificate (`cnf.x5t#S256`)")
    }
}
