//! A gRPC service, `greet.Greeter` with one unary method `SayHello`, written out by hand: its
//! protobuf messages are `prost` derives and its server and client call tonic's own unary
//! machinery, so no `.proto` file is compiled. (The tests include this file by path.)
//!
//! ```proto
//! package greet;
//! service Greeter { rpc SayHello (HelloRequest) returns (HelloReply); }
//! message HelloRequest { string name = 1; }
//! message HelloReply { string message = 1; string sub = 2; }
//! ```

use std::convert::Infallible;
use std::future::{Future, Ready, ready};
use std::pin::Pin;
use std::task::{Context, Poll};

use auth0_verify::protect::Authenticated;
use http::uri::PathAndQuery;
use tonic::body::Body;
use tonic::server::{Grpc, NamedService, UnaryService};
use tonic::transport::Channel;
use tonic::{Request, Response, Status};
use tonic_prost::ProstCodec;

/// The method's path.
pub const SAY_HELLO: &str = "/greet.Greeter/SayHello";

/// `HelloRequest`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct HelloRequest {
    /// Who to greet.
    #[prost(string, tag = "1")]
    pub name: String,
}

/// `HelloReply`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct HelloReply {
    /// The greeting.
    #[prost(string, tag = "1")]
    pub message: String,
    /// The `sub` of the caller's access token.
    #[prost(string, tag = "2")]
    pub sub: String,
}

/// The server: `SayHello` answers with the `sub` of the token `AuthLayer` verified (tonic's
/// request extensions are the HTTP request's).
#[derive(Clone, Debug, Default)]
pub struct GreeterServer;

impl NamedService for GreeterServer {
    const NAME: &'static str = "greet.Greeter";
}

struct SayHello;

impl UnaryService<HelloRequest> for SayHello {
    type Response = HelloReply;
    type Future = Ready<Result<Response<HelloReply>, Status>>;

    fn call(&mut self, request: Request<HelloRequest>) -> Self::Future {
        let Some(who) = request.extensions().get::<Authenticated>() else {
            return ready(Err(Status::unauthenticated("no verified access token")));
        };
        let sub = who.sub.clone().unwrap_or_default();
        let message = format!("hello, {}", request.get_ref().name);
        ready(Ok(Response::new(HelloReply { message, sub })))
    }
}

impl tower_service::Service<http::Request<Body>> for GreeterServer {
    type Response = http::Response<Body>;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<http::Response<Body>, Infallible>> + Send>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: http::Request<Body>) -> Self::Future {
        Box::pin(async move {
            if request.uri().path() != SAY_HELLO {
                return Ok(Status::unimplemented("no such method").into_http());
            }
            let mut grpc = Grpc::new(ProstCodec::<HelloReply, HelloRequest>::default());
            Ok(grpc.unary(SayHello, request).await)
        })
    }
}

/// Calls `SayHello` over `channel` (the request's metadata carries the `authorization`).
pub async fn say_hello(
    channel: Channel,
    request: Request<HelloRequest>,
) -> Result<Response<HelloReply>, Status> {
    let mut client = tonic::client::Grpc::new(channel);
    client
        .ready()
        .await
        .map_err(|e| Status::unavailable(e.to_string()))?;
    let codec = ProstCodec::<HelloRequest, HelloReply>::default();
    client
        .unary(request, PathAndQuery::from_static(SAY_HELLO), codec)
        .await
}
