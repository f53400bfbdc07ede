//! Mutual TLS (RFC 8705) end to end, with certificates made at test time (a CA, a server
//! certificate for 127.0.0.1, two client certificates) and a real TLS server on 127.0.0.1
//! that requires a client certificate: it plays the tenant's mTLS token endpoint (the client
//! authenticates by its certificate, `tls_client_auth`, and gets a token bound to it,
//! `cnf.x5t#S256`) and an API behind `auth0_verify::protect::AuthLayer`, which takes the bound
//! token only with the same certificate.

use std::net::SocketAddr;
use std::sync::Arc;

use auth0_auth::Client;
use auth0_auth::client_auth::ClientIdentity;
use auth0_verify::protect::{AuthLayer, Authenticated, ClientCertificate};
use auth0_verify::{AccessTokenVerifier, SymmetricSignatureVerifier};
use axum::Router;
use axum::extract::{ConnectInfo, Request};
use axum::routing::{get, post};
use axum::serve::{IncomingStream, Listener};
use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, ExtendedKeyUsagePurpose, IsCa, KeyPair,
};
use rustls::RootCertStore;
use rustls::pki_types::pem::PemObject as _;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::WebPkiClientVerifier;
use serde_json::{Value, json};
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::TlsAcceptor;
use tokio_rustls::server::TlsStream;

const ISS: &str = "https://tenant.example.test/";
const API: &str = "https://api.example.test";
const SECRET: &str = "a-signing-secret-used-only-in-these-tests";
const CLIENT_ID: &str = "mtls-client";

/// A certificate and its key, in PEM.
struct Pem {
    certificate: String,
    key: String,
}

/// The test's PKI: a CA, the server's certificate and two clients'.
struct Pki {
    ca: String,
    server: Pem,
    client_a: Pem,
    client_b: Pem,
}

impl Pki {
    fn new() -> Pki {
        let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
        ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        let ca = CertifiedIssuer::self_signed(ca, KeyPair::generate().unwrap()).unwrap();
        let leaf = |names: Vec<String>, purpose: ExtendedKeyUsagePurpose| {
            let key = KeyPair::generate().unwrap();
            let mut params = CertificateParams::new(names).unwrap();
            params.extended_key_usages = vec![purpose];
            let certificate = params.signed_by(&key, &ca).unwrap();
            Pem {
                certificate: certificate.pem(),
                key: key.serialize_pem(),
            }
        };
        Pki {
            ca: ca.pem(),
            server: leaf(
                vec!["127.0.0.1".to_owned()],
                ExtendedKeyUsagePurpose::ServerAuth,
            ),
            client_a: leaf(vec![], ExtendedKeyUsagePurpose::ClientAuth),
            client_b: leaf(vec![], ExtendedKeyUsagePurpose::ClientAuth),
        }
    }

    /// rustls' server settings: the server's certificate, and a client certificate issued by
    /// the CA required of every connection.
    fn acceptor(&self) -> TlsAcceptor {
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let mut roots = RootCertStore::empty();
        roots
            .add(CertificateDer::from_pem_slice(self.ca.as_bytes()).unwrap())
            .unwrap();
        let verifier = WebPkiClientVerifier::builder_with_provider(roots.into(), provider.clone())
            .build()
            .unwrap();
        let config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_client_cert_verifier(verifier)
            .with_single_cert(
                vec![CertificateDer::from_pem_slice(self.server.certificate.as_bytes()).unwrap()],
                PrivateKeyDer::from_pem_slice(self.server.key.as_bytes()).unwrap(),
            )
            .unwrap();
        TlsAcceptor::from(Arc::new(config))
    }
}

/// A TLS listener for `axum::serve`: connections whose handshake fails (no client
/// certificate, one from another CA) are dropped.
struct TlsListener {
    tcp: TcpListener,
    acceptor: TlsAcceptor,
}

impl Listener for TlsListener {
    type Io = TlsStream<TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            let Ok((stream, address)) = self.tcp.accept().await else {
                continue;
            };
            if let Ok(tls) = self.acceptor.accept(stream).await {
                return (tls, address);
            }
        }
    }

    fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.tcp.local_addr()
    }
}

/// The certificate the client of a connection presented (DER).
#[derive(Clone, Debug)]
struct Peer(Option<Vec<u8>>);

impl axum::extract::connect_info::Connected<IncomingStream<'_, TlsListener>> for Peer {
    fn connect_info(stream: IncomingStream<'_, TlsListener>) -> Peer {
        let (_, connection) = stream.io().get_ref();
        Peer(
            connection
                .peer_certificates()
                .and_then(|chain| chain.first())
                .map(|der| der.to_vec()),
        )
    }
}

/// `/oauth/token`: the client credentials grant of a client authenticated by its certificate
/// (its `client_id` and no secret), answered with a token bound to that certificate.
async fn token_endpoint(ConnectInfo(peer): ConnectInfo<Peer>, body: String) -> axum::Json<Value> {
    let form: Vec<(String, String)> = url::form_urlencoded::parse(body.as_bytes())
        .into_owned()
        .collect();
    let get = |name: &str| {
        form.iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    let Some(der) = peer.0 else {
        return axum::Json(json!({"error": "invalid_client"}));
    };
    if get("client_id") != Some(CLIENT_ID)
        || get("grant_type") != Some("client_credentials")
        || get("client_secret").is_some()
        || get("client_assertion").is_some()
    {
        return axum::Json(json!({"error": "invalid_request", "form": format!("{form:?}")}));
    }
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let claims = json!({
        "iss": ISS, "sub": format!("{CLIENT_ID}@clients"), "aud": get("audience"),
        "iat": now, "exp": now + 600, "azp": CLIENT_ID,
        "cnf": {"x5t#S256": ClientCertificate::from_der(der).thumbprint()},
    });
    let token = jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        &claims,
        &jsonwebtoken::EncodingKey::from_secret(SECRET.as_bytes()),
    )
    .unwrap();
    axum::Json(json!({"access_token": token, "token_type": "Bearer", "expires_in": 600}))
}

/// The server: the token endpoint, and `/api` behind `AuthLayer`, the connection's client
/// certificate put in each request's extensions as `ClientCertificate` (what a TLS layer
/// does). Answers its `https://127.0.0.1:PORT` base.
async fn serve(pki: &Pki) -> String {
    let verifier = AccessTokenVerifier::new(SymmetricSignatureVerifier::new(SECRET), ISS, API);
    let api = Router::new()
        .route(
            "/api",
            get(|who: Authenticated| async move { who.sub.clone().unwrap_or_default() }),
        )
        .layer(AuthLayer::new(verifier))
        .layer(axum::middleware::map_request(
            |ConnectInfo(peer): ConnectInfo<Peer>, mut request: Request| async move {
                if let Some(der) = peer.0 {
                    request
                        .extensions_mut()
                        .insert(ClientCertificate::from_der(der));
                }
                request
            },
        ));
    let app = Router::new()
        .route("/oauth/token", post(token_endpoint))
        .merge(api);
    let listener = TlsListener {
        tcp: TcpListener::bind("127.0.0.1:0").await.unwrap(),
        acceptor: pki.acceptor(),
    };
    let base = format!("https://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        axum::serve(listener, app.into_make_service_with_connect_info::<Peer>()).await
    });
    base
}

/// An HTTP client trusting the test CA, presenting `client` (if any).
fn https(pki: &Pki, client: Option<&Pem>) -> reqwest::Client {
    let mut builder = reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(pki.ca.as_bytes()).unwrap());
    if let Some(pem) = client {
        let identity = ClientIdentity::from_pem(&pem.certificate, &pem.key).unwrap();
        builder = builder.identity(identity.reqwest_identity());
    }
    builder.build().unwrap()
}

async fn call_api(http: &reqwest::Client, base: &str, token: &str) -> (u16, String, String) {
    let response = http
        .get(format!("{base}/api"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let challenge = response
        .headers()
        .get("www-authenticate")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (status, challenge, response.text().await.unwrap())
}

#[tokio::test]
async fn a_certificate_bound_token_from_the_mtls_token_endpoint_works_only_with_its_certificate() {
    let pki = Pki::new();
    let base = serve(&pki).await;
    // The tenant's ordinary domain answers nothing here: only the mTLS alias may be called.
    let tenant = wiremock::MockServer::start().await;
    let identity = ClientIdentity::from_pem(&pki.client_a.certificate, &pki.client_a.key).unwrap();
    let thumbprint = identity.thumbprint().to_owned();
    let client = Client::builder(tenant.uri())
        .client_id(CLIENT_ID)
        .client_certificate(identity)
        .mtls_domain(&base)
        .tls_root_certificate(&pki.ca)
        .build()
        .unwrap();
    assert_eq!(client.mtls_base_url(), Some(format!("{base}/").as_str()));
    assert!(format!("{client:?}").contains(&thumbprint));

    let token = client
        .client_credentials()
        .audience(API)
        .send()
        .await
        .unwrap();
    let token = token.access_token.expose_secret().to_owned();
    assert!(tenant.received_requests().await.unwrap().is_empty());
    let payload: Value = serde_json::from_slice(
        &base64::Engine::decode(
            &base64::engine::general_purpose::URL_SAFE_NO_PAD,
            token.split('.').nth(1).unwrap(),
        )
        .unwrap(),
    )
    .unwrap();
    assert_eq!(payload["cnf"]["x5t#S256"], thumbprint.as_str());

    // The API takes the token over a connection with the same certificate...
    let (status, _, body) = call_api(&https(&pki, Some(&pki.client_a)), &base, &token).await;
    assert_eq!((status, body.as_str()), (200, "mtls-client@clients"));
    // ...and refuses it over one with another certificate of the same CA.
    let (status, challenge, _) = call_api(&https(&pki, Some(&pki.client_b)), &base, &token).await;
    assert_eq!(status, 401);
    assert!(challenge.contains("error=\"invalid_token\""), "{challenge}");
}

#[tokio::test]
async fn the_mtls_token_endpoint_refuses_a_client_without_its_certificate() {
    let pki = Pki::new();
    let base = serve(&pki).await;
    let client = Client::builder(&base)
        .client_id(CLIENT_ID)
        .http_client(https(&pki, None))
        .token_retry_policy(auth0_auth::http::RetryPolicy::default().max_retries(0))
        .build()
        .unwrap();
    let error = client
        .client_credentials()
        .audience(API)
        .send()
        .await
        .unwrap_err();
    // The TLS handshake fails: no answer at all.
    assert!(error.status().is_none(), "{error:?}");
}

#[test]
fn the_mtls_aliases_are_on_mtls_dot_the_domain_unless_named() {
    let pki = Pki::new();
    let identity = || ClientIdentity::from_pem(&pki.client_a.certificate, &pki.client_a.key);
    let client = Client::builder("login.example.com")
        .client_id(CLIENT_ID)
        .client_certificate(identity().unwrap())
        .build()
        .unwrap();
    assert_eq!(
        client.mtls_base_url(),
        Some("https://mtls.login.example.com/")
    );
    assert_eq!(
        client
            .authentication()
            .client_identity()
            .map(|i| i.thumbprint()),
        Some(identity().unwrap().thumbprint())
    );
    let named = Client::builder("login.example.com")
        .client_id(CLIENT_ID)
        .client_certificate(identity().unwrap())
        .mtls_domain("mtls-login.example.com")
        .build()
        .unwrap();
    assert_eq!(
        named.mtls_base_url(),
        Some("https://mtls-login.example.com/")
    );
    // A secret-authenticated client has none, and a certificate with a secret is refused.
    let secret = Client::builder("login.example.com")
        .client_id(CLIENT_ID)
        .client_secret("s")
        .build()
        .unwrap();
    assert_eq!(secret.mtls_base_url(), None);
    assert!(
        Client::builder("login.example.com")
            .client_id(CLIENT_ID)
            .client_secret("s")
            .client_certificate(identity().unwrap())
            .build()
            .is_err()
    );
    // Not PEM, or no certificate: a typed error.
    assert!(ClientIdentity::from_pem("not pem", &pki.client_a.key).is_err());
    assert!(ClientIdentity::from_pem(&pki.client_a.key, &pki.client_a.key).is_err());
}

#[tokio::test]
async fn the_mtls_domain_is_read_from_the_discovery_documents_aliases() {
    use wiremock::matchers::{method, path};
    use wiremock::{Mock, MockServer, ResponseTemplate};

    let tenant = MockServer::start().await;
    let client = Client::builder(tenant.uri())
        .client_id(CLIENT_ID)
        .build()
        .unwrap();
    let discovery = |aliases: Value| {
        Mock::given(method("GET"))
            .and(path("/.well-known/openid-configuration"))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({
                "issuer": "https://login.example.com/",
                "token_endpoint": "https://login.example.com/oauth/token",
                "mtls_endpoint_aliases": aliases,
            })))
    };
    let _guard = discovery(json!({
        "token_endpoint": "https://mtls.login.example.com/oauth/token",
        "userinfo_endpoint": "https://mtls.login.example.com/userinfo",
    }))
    .mount_as_scoped(&tenant)
    .await;
    assert_eq!(
        client.discover_mtls_domain().await.unwrap().as_deref(),
        Some("https://mtls.login.example.com/")
    );
    drop(_guard);
    let _guard = discovery(json!({})).mount_as_scoped(&tenant).await;
    assert_eq!(client.discover_mtls_domain().await.unwrap(), None);
    drop(_guard);
    let _guard = discovery(json!({"token_endpoint": "not a url"}))
        .mount_as_scoped(&tenant)
        .await;
    assert!(client.discover_mtls_domain().await.is_err());
}
