//! Per-route requirements: scopes, permissions and claim rules, checked on the token the
//! layer verified.

use std::sync::Arc;

use http::request::Parts;
use tower_layer::Layer;

use super::{Authenticated, Check, Grpc, Json, Protected, Refusal, owned};
use crate::{AccessTokenClaims, ClaimRule};

/// What a route requires of the token: scopes, permissions, or a claim rule.
#[derive(Clone, Debug)]
enum Rule {
    AllScopes(Vec<String>),
    AnyScope(Vec<String>),
    AllPermissions(Vec<String>),
    AnyPermission(Vec<String>),
    Claim(ClaimRule),
}

impl Rule {
    /// `Ok`, or the refusal: 403 `insufficient_scope` for scopes and permissions, 401
    /// `invalid_token` for a claim rule (the reason to `tracing`).
    fn check(&self, claims: &AccessTokenClaims) -> Result<(), Refusal> {
        let allowed = match self {
            Rule::AllScopes(s) => s.iter().all(|s| claims.has_scope(s)),
            Rule::AnyScope(s) => s.iter().any(|s| claims.has_scope(s)),
            Rule::AllPermissions(p) => p.iter().all(|p| claims.has_permission(p)),
            Rule::AnyPermission(p) => p.iter().any(|p| claims.has_permission(p)),
            Rule::Claim(rule) => {
                return rule.test(claims).map_err(|why| {
                    tracing::debug!(%why, "access refused: claim rule");
                    Refusal::invalid("the access token is not valid")
                });
            }
        };
        if allowed {
            return Ok(());
        }
        let listed = self.listed();
        tracing::debug!(required = %listed, "access refused: insufficient scope");
        Err(Refusal::insufficient(listed))
    }

    fn listed(&self) -> String {
        match self {
            Rule::AllScopes(v)
            | Rule::AnyScope(v)
            | Rule::AllPermissions(v)
            | Rule::AnyPermission(v) => v.join(" "),
            Rule::Claim(_) => String::new(),
        }
    }
}

/// A layer for routes under [`AuthLayer`](super::AuthLayer) that need every one of these scopes.
pub fn require_scopes<I: IntoIterator<Item = S>, S: Into<String>>(scopes: I) -> Require {
    Require::new(Rule::AllScopes(owned(scopes)))
}

/// A layer for routes that need at least one of these scopes.
pub fn require_any_scope<I: IntoIterator<Item = S>, S: Into<String>>(scopes: I) -> Require {
    Require::new(Rule::AnyScope(owned(scopes)))
}

/// A layer for routes that need every one of these permissions (RBAC's `permissions` claim).
pub fn require_permissions<I: IntoIterator<Item = S>, S: Into<String>>(permissions: I) -> Require {
    Require::new(Rule::AllPermissions(owned(permissions)))
}

/// A layer for routes that need at least one of these permissions.
pub fn require_any_permission<I: IntoIterator<Item = S>, S: Into<String>>(
    permissions: I,
) -> Require {
    Require::new(Rule::AnyPermission(owned(permissions)))
}

/// A layer for routes whose tokens must pass `rule` (a claim equal to a value, including
/// values, present, or a check over the claims): 401 `invalid_token` when one does not, the
/// reason going to `tracing`, not to the caller.
pub fn require_claim(rule: ClaimRule) -> Require {
    Require::new(Rule::Claim(rule))
}

/// A route's requirement of scopes, permissions or claims ([`require_scopes`] and its
/// siblings, [`require_claim`]), as a `tower` layer placed inside an
/// [`AuthLayer`](super::AuthLayer): 401 without a verified token, 403 `insufficient_scope`
/// without a scope or permission it requires, 401 `invalid_token` when a claim rule fails.
/// Answers as JSON unless [`grpc`](Self::grpc) (or [`answer_with`](Self::answer_with)) says
/// otherwise: under an `AuthLayer` that answers as gRPC, so does this.
#[derive(Clone, Debug)]
pub struct Require<A = Json> {
    rule: Requirement,
    answer: A,
}

impl Require {
    fn new(rule: Rule) -> Self {
        Require {
            rule: Requirement(Arc::new(rule)),
            answer: Json,
        }
    }
}

impl<A> Require<A> {
    /// Refusals as gRPC statuses (`PERMISSION_DENIED` for a missing scope), for a tonic server.
    pub fn grpc(self) -> Require<Grpc> {
        self.answer_with(Grpc)
    }

    /// Refusals written by `answer`.
    pub fn answer_with<B>(self, answer: B) -> Require<B> {
        Require {
            rule: self.rule,
            answer,
        }
    }
}

impl<S, A: Clone> Layer<S> for Require<A> {
    type Service = RequireService<S, A>;

    fn layer(&self, inner: S) -> RequireService<S, A> {
        Protected::new(inner, self.rule.clone(), self.answer.clone())
    }
}

/// The check of [`Require`]: a verified token (put there by [`AuthLayer`](super::AuthLayer))
/// whose claims meet the route's rule.
#[derive(Clone, Debug)]
pub struct Requirement(Arc<Rule>);

impl Check for Requirement {
    async fn check(&self, request: &mut Parts) -> Result<(), Refusal> {
        let Some(who) = request.extensions.get::<Authenticated>() else {
            return Err(Refusal::missing());
        };
        self.0.check(who.claims())
    }
}

/// The service [`Require`] makes.
pub type RequireService<S, A = Json> = Protected<S, Requirement, A>;
