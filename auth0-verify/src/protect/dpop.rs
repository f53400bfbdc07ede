//! The DPoP binding of a token (RFC 9449) as the layer checks it: a bound token only with the
//! `DPoP` scheme and a valid proof by its key, an unbound one never with it.

use http::HeaderMap;
use http::request::Parts;

use super::layer::Config;
use super::{Refusal, Scheme};
use crate::dpop::ProofRequest;
use crate::verifier::Verified;

/// `Ok` when the token's DPoP binding (or its lack of one) fits how it came (`dpop`: with the
/// `DPoP` scheme), and a bound token's proof is valid.
pub(super) async fn check_binding(
    config: &Config,
    parts: &Parts,
    token: &str,
    verified: &Verified,
    dpop: bool,
) -> Result<(), Refusal> {
    let refuse = |refusal: Refusal, why: &dyn std::fmt::Display| {
        tracing::debug!(%why, "access refused");
        refusal
    };
    match (verified.claims.jkt(), dpop) {
        (None, false) => {}
        (Some(_), false) => {
            let why = "the token is DPoP-bound and came as a bearer token";
            return Err(refuse(
                Refusal::invalid("the access token is bound to a key: send it with DPoP"),
                &why,
            ));
        }
        (None, true) => {
            let why = "a token without `cnf.jkt` came with the DPoP scheme";
            return Err(refuse(
                Refusal::invalid("the access token is not DPoP-bound").on(Scheme::Dpop),
                &why,
            ));
        }
        (Some(jkt), true) => {
            let headers = &parts.headers;
            let mut proofs = headers.get_all("dpop").iter();
            let proof = match (proofs.next().map(|p| p.to_str()), proofs.next()) {
                (Some(Ok(proof)), None) => proof,
                _ => {
                    let e = crate::dpop::DpopError::Proof("expected one DPoP header".to_owned());
                    return Err(refuse(Refusal::from_dpop(&e), &e));
                }
            };
            let htu = request_uri(headers, &parts.uri, config.dpop.origin.as_ref());
            let checked = config
                .dpop
                .verify_proof(ProofRequest {
                    proof,
                    method: parts.method.as_str(),
                    htu: &htu,
                    access_token: token,
                    jkt,
                })
                .await;
            if let Err(e) = checked {
                return Err(refuse(Refusal::from_dpop(&e), &e));
            }
        }
    }
    Ok(())
}

/// The URI the client called, for a proof's `htu`: the configured public origin, or the
/// request's scheme (http when the server does not say) and `Host`; then the path.
fn request_uri(headers: &HeaderMap, uri: &http::Uri, origin: Option<&url::Url>) -> String {
    let path = uri.path();
    if let Some(origin) = origin {
        let base = origin.as_str().trim_end_matches('/');
        return format!("{base}{path}");
    }
    let scheme = uri.scheme_str().unwrap_or("http");
    let host = headers
        .get(http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .or_else(|| uri.authority().map(|a| a.as_str()))
        .unwrap_or("");
    format!("{scheme}://{host}{path}")
}
