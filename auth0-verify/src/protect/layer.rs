//! [`AuthLayer`]: its settings, and the check it makes of every request (the token from its
//! source, the issuer the request names, verification, the token's binding).

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;

use http::request::Parts;
use tower_layer::Layer;

use super::mtls::CertificateSource;
use super::source::{Credentials, TokenFn, credentials};
use super::{
    Authenticated, Challenge, Check, Grpc, Json, Protected, Refusal, ResourceMetadata, Scheme,
    TokenSource, dpop, mtls,
};
use crate::dpop::{DpopMode, DpopOptions};
use crate::{AccessTokenVerifier, ClaimRule};

/// The function choosing the issuer a request's token must come from.
#[derive(Clone)]
struct IssuerFn(Arc<TokenFn>);

impl fmt::Debug for IssuerFn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("IssuerFn")
    }
}

/// A `tower` layer verifying the bearer access token of every request with an
/// [`AccessTokenVerifier`]; the claims go into the request's extensions as
/// [`Authenticated`]. Usable with any tower service: axum, tonic, hyper.
///
/// Refusals are answered as RFC 6750 JSON over HTTP, or as gRPC statuses after
/// [`grpc`](Self::grpc) (the type parameter is the [`Answer`](super::Answer)).
#[derive(Clone, Debug)]
pub struct AuthLayer<A = Json> {
    config: Arc<Config>,
    answer: A,
}

#[derive(Clone, Debug)]
pub(super) struct Config {
    pub(super) dpop: DpopOptions,
    verifier: AccessTokenVerifier,
    challenge: Challenge,
    optional: bool,
    source: TokenSource,
    issuer: Option<IssuerFn>,
    certificate: CertificateSource,
}

impl AuthLayer {
    /// Every request must carry a valid access token (see [`optional`](Self::optional)),
    /// as `Bearer` or, DPoP-bound, as `DPoP` with its proof ([`DpopOptions::default()`]:
    /// DPoP allowed). The realm is `api` until set.
    pub fn new(verifier: AccessTokenVerifier) -> Self {
        let dpop = DpopOptions::default();
        let mut challenge = Challenge::default_realm();
        challenge.change(|c| c.dpop_algs = Some(dpop.algs()));
        AuthLayer {
            config: Arc::new(Config {
                verifier,
                challenge,
                optional: false,
                dpop,
                source: TokenSource::default(),
                issuer: None,
                certificate: CertificateSource::Extension,
            }),
            answer: Json,
        }
    }
}

impl<A> AuthLayer<A> {
    /// Refusals as gRPC statuses ([`Grpc`]): `UNAUTHENTICATED` (16) for a missing or invalid
    /// token, `PERMISSION_DENIED` (7) for a missing scope, the RFC 6750 challenge in the
    /// `www-authenticate` metadata; for a tonic server.
    pub fn grpc(self) -> AuthLayer<Grpc> {
        self.answer_with(Grpc)
    }

    /// Refusals written by `answer` (an [`Answer`](super::Answer) of one's own).
    pub fn answer_with<B>(self, answer: B) -> AuthLayer<B> {
        AuthLayer {
            config: self.config,
            answer,
        }
    }

    /// How DPoP-bound tokens are taken ([`DpopMode`]: allowed,
    /// required or disabled) and their proofs checked.
    pub fn dpop(self, options: DpopOptions) -> Self {
        self.change(|c| {
            c.challenge.change(|challenge| {
                challenge.bearer = options.mode != DpopMode::Required;
                challenge.dpop_algs = (options.mode != DpopMode::Disabled).then(|| options.algs());
            });
            c.dpop = options;
        })
    }

    fn change(mut self, f: impl FnOnce(&mut Config)) -> Self {
        f(Arc::make_mut(&mut self.config));
        self
    }

    /// The realm named in challenges (`WWW-Authenticate: Bearer realm="…"`).
    pub fn realm(self, realm: impl Into<String>) -> Self {
        let realm = realm.into();
        self.change(|c| c.challenge.change(|challenge| challenge.realm = realm))
    }

    /// The URL of the API's protected-resource metadata (RFC 9728), named in challenges as
    /// `resource_metadata` so that clients (MCP clients among them) find the authorization
    /// server.
    pub fn resource_metadata(self, url: impl Into<String>) -> Self {
        let url = url.into();
        self.change(|c| {
            c.challenge
                .change(|challenge| challenge.resource_metadata = Some(url))
        })
    }

    /// Requests without credentials pass, unauthenticated (handlers take
    /// `Option<Authenticated>`); a token that is sent must still be valid.
    pub fn optional(self) -> Self {
        self.change(|c| c.optional = true)
    }

    /// Where the token is taken from ([`TokenSource::authorization`] by default): a cookie,
    /// another header, a function of the request, or several of them in order.
    pub fn token_from(self, source: TokenSource) -> Self {
        self.change(|c| c.source = source)
    }

    /// The issuer a request's token must come from, chosen per request by `issuer` (from the
    /// `Host` of a multi-tenant API whose tenants have their own domains, say): the token's
    /// `iss` must be what it returns, and that issuer one the verifier accepts (given to it,
    /// or accepted by its [`IssuerResolver`](crate::IssuerResolver)). A request for which it
    /// returns `None` is refused (401 `invalid_token`) when it carries a token.
    pub fn issuer_from(
        self,
        issuer: impl Fn(&Parts) -> Option<String> + Send + Sync + 'static,
    ) -> Self {
        let issuer = IssuerFn(Arc::new(issuer));
        self.change(|c| c.issuer = Some(issuer))
    }

    /// Certificate-bound tokens (RFC 8705, `cnf.x5t#S256`) are checked against the client
    /// certificate a trusted proxy forwards in the header `name`, URL-encoded PEM (nginx's
    /// `$ssl_client_escaped_cert`, an AWS load balancer's `X-Amzn-Mtls-Clientcert`), instead
    /// of the [`ClientCertificate`](super::ClientCertificate) the TLS layer puts in the
    /// request's extensions (the default). Only behind a proxy that sets the header itself and
    /// drops the caller's: whoever can set it can present any certificate.
    pub fn client_certificate_header(self, name: http::HeaderName) -> Self {
        self.change(|c| c.certificate = CertificateSource::Header(name))
    }

    /// Every token must also pass `rule` ([`AccessTokenVerifier::claim_rule`] on the layer's
    /// verifier): a token that fails is answered 401 `invalid_token`, the rule and what the
    /// token has going to `tracing`, not to the caller. For one route, see
    /// [`require_claim`](super::require_claim).
    pub fn claim_rule(self, rule: ClaimRule) -> Self {
        self.change(|c| c.verifier = c.verifier.clone().claim_rule(rule))
    }
}

impl<S, A: Clone> Layer<S> for AuthLayer<A> {
    type Service = Auth<S, A>;

    fn layer(&self, inner: S) -> Auth<S, A> {
        Protected::new(
            inner,
            Authenticate(Arc::clone(&self.config)),
            self.answer.clone(),
        )
    }
}

/// The service [`AuthLayer`] makes.
pub type Auth<S, A = Json> = Protected<S, Authenticate, A>;

/// The check of [`AuthLayer`]: the request's token verified (and its DPoP proof or client
/// certificate when it is bound to one), its claims put in the request's extensions as
/// [`Authenticated`], with the layer's [`Challenge`].
#[derive(Clone, Debug)]
pub struct Authenticate(Arc<Config>);

impl Check for Authenticate {
    async fn check(&self, request: &mut Parts) -> Result<(), Refusal> {
        let config = &self.0;
        request.extensions.insert(config.challenge.clone());
        if let Some(who) = authenticate(config, request).await? {
            request.extensions.insert(who);
        }
        Ok(())
    }
}

/// The verified token of a request (`None`: no credentials, authentication optional), or why
/// it is refused. Details go to `tracing`, not to the caller.
async fn authenticate(config: &Config, parts: &Parts) -> Result<Option<Authenticated>, Refusal> {
    let dpop_mode = config.dpop.mode;
    let refuse = |refusal: Refusal, why: &dyn std::fmt::Display| {
        tracing::debug!(%why, "access refused");
        refusal
    };
    let (token, dpop) = match credentials(parts, &config.source, dpop_mode != DpopMode::Disabled) {
        Credentials::None if config.optional => return Ok(None),
        Credentials::None => return Err(Refusal::missing()),
        Credentials::Malformed(why) => return Err(refuse(Refusal::malformed(why), &why)),
        Credentials::Bearer(_) if dpop_mode == DpopMode::Required => {
            let why = "a DPoP-bound token and its proof are required";
            return Err(refuse(Refusal::invalid(why).on(Scheme::Dpop), &why));
        }
        Credentials::Bearer(token) => (token, false),
        Credentials::Dpop(token) => (Cow::Borrowed(token), true),
    };
    let scheme = if dpop { Scheme::Dpop } else { Scheme::Bearer };
    let issuer = match &config.issuer {
        None => None,
        Some(IssuerFn(choose)) => match choose(parts) {
            Some(issuer) => Some(issuer),
            None => {
                let why = "the request names no issuer this API accepts";
                return Err(refuse(
                    Refusal::invalid("the access token is not valid").on(scheme),
                    &why,
                ));
            }
        },
    };
    let verified = match config
        .verifier
        .verify_shared(&token, issuer.as_deref())
        .await
    {
        Ok(verified) => verified,
        Err(e) => return Err(refuse(Refusal::from_error(&e).on(scheme), &e)),
    };
    dpop::check_binding(config, parts, &token, &verified, dpop).await?;
    if let Err(why) = mtls::check_binding(&config.certificate, parts, &verified) {
        return Err(refuse(
            Refusal::invalid(
                "the access token is bound to a client certificate it did not come with",
            ),
            &why,
        ));
    }
    Ok(Some(Authenticated::new(verified)))
}

impl<A> AuthLayer<A> {
    /// The protected-resource metadata of what this layer protects: `resource`, the
    /// verifier's issuers as authorization servers, and its DPoP settings.
    pub fn metadata(&self, resource: impl Into<String>) -> ResourceMetadata {
        ResourceMetadata::new(resource, self.config.verifier.issuers()).dpop(&self.config.dpop)
    }
}
