//! The document's unions, decoded by the JSON kind of the value (`auth0_mgmt::untagged`),
//! through the real generated types and `auth0_mgmt::from_json`, the client's own decoder.

use auth0_mgmt::types::{
    AculClientFilter, BrandingPageBackground, CreateFlowsVaultConnectionHubspot,
    EventStreamResponseContent, FormBlock, FormComponent, FormField, FormWidget,
    GetDefaultDomainResponseContent, ListUsersResponseContent, LogStreamResponseSchema,
    RateLimitPolicyConfiguration, RateLimitPolicyConfigurationVariant1, UserId,
};
use auth0_mgmt::{Error, HttpError, from_json};
use serde_json::{Value, json};

fn decode<T: serde::de::DeserializeOwned>(value: Value) -> Result<T, Error> {
    from_json(&serde_json::to_vec(&value).unwrap())
}

#[test]
fn a_list_answer_is_an_array_or_a_page_object() {
    let users = json!([{"user_id": "auth0|1"}, {"user_id": "auth0|2", "unknown": {"x": 1}}]);
    match decode::<ListUsersResponseContent>(users).unwrap() {
        ListUsersResponseContent::Array(users) => {
            assert_eq!(users.len(), 2);
            assert_eq!(users[1].user_id.as_deref(), Some("auth0|2"));
        }
        other => panic!("{other:?}"),
    }

    let page = json!({"start": 0, "limit": 50, "total": 1, "users": [{"email": "a@example.com"}]});
    match decode::<ListUsersResponseContent>(page).unwrap() {
        ListUsersResponseContent::ListUsersOffsetPaginatedResponseContent(p) => {
            assert_eq!(p.total, Some(1.0));
            assert_eq!(p.users.unwrap()[0].email.as_deref(), Some("a@example.com"));
        }
        other => panic!("{other:?}"),
    }

    // A kind no variant documents is kept as sent.
    match decode::<ListUsersResponseContent>(json!("maintenance")).unwrap() {
        ListUsersResponseContent::Other(v) => assert_eq!(v, "maintenance"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_mismatch_inside_the_one_variant_of_its_kind_is_an_error_naming_the_path() {
    let users = json!([{"user_id": "auth0|1"}, {"user_id": "auth0|2", "email_verified": "yes"}]);
    let bytes = serde_json::to_vec(&users).unwrap();
    match from_json::<ListUsersResponseContent>(&bytes) {
        Err(Error::Http(HttpError::Decode { path, body, .. })) => {
            assert_eq!(path, "[1].email_verified");
            assert_eq!(body.as_bytes(), bytes.as_slice(), "the body is kept");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn primitives_try_each_variant_of_their_kind_then_the_catch_all() {
    assert!(matches!(decode::<UserId>(json!("abc")).unwrap(), UserId::String(s) if s == "abc"));
    assert!(matches!(
        decode::<UserId>(json!(42)).unwrap(),
        UserId::Integer(42)
    ));
    assert!(matches!(
        decode::<UserId>(json!(-7)).unwrap(),
        UserId::Integer(-7)
    ));
    // Not an i64: kept as sent.
    assert!(matches!(decode::<UserId>(json!(1.5)).unwrap(), UserId::Other(v) if v == 1.5));
    assert!(
        matches!(decode::<UserId>(json!(u64::MAX)).unwrap(), UserId::Other(v) if v == u64::MAX)
    );
    assert!(matches!(decode::<UserId>(json!(true)).unwrap(), UserId::Other(v) if v == true));
    assert!(matches!(
        decode::<UserId>(json!(null)).unwrap(),
        UserId::Other(Value::Null)
    ));
    assert!(matches!(decode::<UserId>(json!([1])).unwrap(), UserId::Other(v) if v == json!([1])));
    // Escaped strings arrive owned.
    assert!(
        matches!(decode::<UserId>(json!("a\"b\u{e9}")).unwrap(), UserId::String(s) if s == "a\"b\u{e9}")
    );
}

#[test]
fn null_goes_to_the_first_variant_that_takes_it() {
    assert!(matches!(
        decode::<BrandingPageBackground>(json!(null)).unwrap(),
        BrandingPageBackground::Variant0(None)
    ));
    assert!(matches!(
        decode::<BrandingPageBackground>(json!("#fff")).unwrap(),
        BrandingPageBackground::Variant0(Some(s)) if s == "#fff"
    ));
    assert!(matches!(
        decode::<BrandingPageBackground>(json!({"type": "gradient"})).unwrap(),
        BrandingPageBackground::Variant1(Some(m)) if m["type"] == "gradient"
    ));
    assert!(matches!(
        decode::<BrandingPageBackground>(json!(5)).unwrap(),
        BrandingPageBackground::Other(v) if v == 5
    ));
}

#[test]
fn several_object_variants_are_tried_in_order() {
    match decode::<AculClientFilter>(json!({"id": "cli_1"})).unwrap() {
        AculClientFilter::Id(f) => assert_eq!(f.id.as_deref(), Some("cli_1")),
        other => panic!("{other:?}"),
    }
    // The first variant takes an object with a mistyped `id`? No: it fails, the next takes it.
    match decode::<AculClientFilter>(json!({"id": 7, "metadata": {"tier": "gold"}})).unwrap() {
        AculClientFilter::Metadata(f) => assert_eq!(f.metadata.unwrap()["tier"], "gold"),
        other => panic!("{other:?}"),
    }
    // None takes it: kept whole.
    let odd = json!({"id": 7, "metadata": "none"});
    match decode::<AculClientFilter>(odd.clone()).unwrap() {
        AculClientFilter::Other(v) => assert_eq!(v, odd),
        other => panic!("{other:?}"),
    }
}

#[test]
fn struct_like_variants_have_named_types_and_serialize_as_before() {
    let v1 = RateLimitPolicyConfiguration::Variant1(RateLimitPolicyConfigurationVariant1 {
        limit: 10.into(),
        ..Default::default()
    });
    assert_eq!(serde_json::to_value(&v1).unwrap(), json!({"limit": 10}));
    // The variant that knows every key, and no more.
    assert!(matches!(
        decode::<RateLimitPolicyConfiguration>(json!({"limit": 10})).unwrap(),
        RateLimitPolicyConfiguration::Variant1(v) if v.limit == auth0_mgmt::Nullable::Set(10)
    ));
    assert!(matches!(
        decode::<RateLimitPolicyConfiguration>(json!("x")).unwrap(),
        RateLimitPolicyConfiguration::Other(v) if v == "x"
    ));
}

#[test]
fn unions_serialize_as_their_variant() {
    assert_eq!(serde_json::to_value(UserId::Integer(3)).unwrap(), json!(3));
    assert_eq!(
        serde_json::to_value(UserId::String("x".into())).unwrap(),
        json!("x")
    );
    assert_eq!(
        serde_json::to_value(UserId::Other(json!({"k": 1}))).unwrap(),
        json!({"k": 1})
    );
}

#[test]
fn bodies_that_are_not_utf8_or_not_json_are_decode_errors() {
    for body in [&b"\xff\xfe"[..], b"[{\"user_id\": 1", b"", b"[] x"] {
        assert!(
            matches!(
                from_json::<ListUsersResponseContent>(body),
                Err(Error::Http(HttpError::Decode { .. }))
            ),
            "{body:?}"
        );
    }
}

#[test]
fn object_variants_are_told_apart_by_their_fixed_value_fields() {
    // Every field of every log-stream variant is optional: in declaration order the HTTP
    // variant would take this one and drop the Datadog sink.
    let datadog = json!({
        "id": "lst_1", "name": "dd", "type": "datadog", "status": "active",
        "sink": {"datadogApiKey": "k", "datadogRegion": "eu"},
    });
    match decode::<LogStreamResponseSchema>(datadog).unwrap() {
        LogStreamResponseSchema::DatadogResponseSchema(s) => {
            let sink = s.sink.unwrap();
            assert_eq!(sink.datadog_api_key.as_deref(), Some("k"));
            assert_eq!(serde_json::to_value(sink.datadog_region).unwrap(), "eu");
        }
        other => panic!("{other:?}"),
    }
    let splunk = json!({"type": "splunk", "sink": {"splunkDomain": "d"}});
    assert!(matches!(
        decode::<LogStreamResponseSchema>(splunk).unwrap(),
        LogStreamResponseSchema::SplunkResponseSchema(_)
    ));

    // A type no variant documents is kept whole rather than squeezed into one.
    let unknown = json!({"type": "newrelic", "sink": {"licenseKey": "x"}});
    match decode::<LogStreamResponseSchema>(unknown.clone()).unwrap() {
        LogStreamResponseSchema::Other(v) => assert_eq!(v, unknown),
        other => panic!("{other:?}"),
    }

    // A setup type no variant lists is not squeezed into the variant without a setup.
    let setup = json!({"app_id": "HUBSPOT", "name": "crm", "setup": {"type": "NEW_KIND"}});
    match decode::<CreateFlowsVaultConnectionHubspot>(setup.clone()).unwrap() {
        CreateFlowsVaultConnectionHubspot::Other(v) => assert_eq!(v, setup),
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        decode::<CreateFlowsVaultConnectionHubspot>(json!({"app_id": "HUBSPOT", "name": "crm"}))
            .unwrap(),
        CreateFlowsVaultConnectionHubspot::Uninitialized(_)
    ));

    // A tag one level down: the event stream's destination type.
    let action = json!({"id": "est_1", "destination": {"type": "action", "configuration": {"action_id": "a"}}});
    match decode::<EventStreamResponseContent>(action).unwrap() {
        EventStreamResponseContent::ActionResponseContent(s) => {
            assert_eq!(s.id.as_deref(), Some("est_1"));
            assert!(s.destination.unwrap().configuration.is_set());
        }
        other => panic!("{other:?}"),
    }
    let webhook = json!({"destination": {"type": "webhook"}});
    assert!(matches!(
        decode::<EventStreamResponseContent>(webhook).unwrap(),
        EventStreamResponseContent::WebhookResponseContent(_)
    ));
}

#[test]
fn unions_of_unions_pass_their_tags_up() {
    // A form component is a block, a widget or a field, each a union of its own.
    let email = json!({"id": "f1", "category": "FIELD", "type": "EMAIL", "config": {}});
    match decode::<FormComponent>(email).unwrap() {
        FormComponent::Field(FormField::Email(f)) => assert_eq!(f.id.as_deref(), Some("f1")),
        other => panic!("{other:?}"),
    }
    // Not the first block type, nor blocks the first component kind.
    let text = json!({"id": "b1", "category": "BLOCK", "type": "RICH_TEXT"});
    assert!(matches!(
        decode::<FormComponent>(text).unwrap(),
        FormComponent::Block(FormBlock::RichText(_))
    ));
    let captcha = json!({"id": "w1", "category": "WIDGET", "type": "RECAPTCHA"});
    assert!(matches!(
        decode::<FormComponent>(captcha).unwrap(),
        FormComponent::Widget(FormWidget::Recaptcha(_))
    ));
}

#[test]
fn without_tags_the_variant_that_knows_the_keys_wins() {
    match decode::<GetDefaultDomainResponseContent>(json!({"domain": "login.example.com"})).unwrap()
    {
        GetDefaultDomainResponseContent::CanonicalDomainResponseContent(d) => {
            assert_eq!(d.domain.as_deref(), Some("login.example.com"))
        }
        other => panic!("{other:?}"),
    }
    let custom = json!({"custom_domain_id": "cd_1", "domain": "id.example.com", "primary": true});
    match decode::<GetDefaultDomainResponseContent>(custom).unwrap() {
        GetDefaultDomainResponseContent::CustomDomainResponseContent(d) => {
            assert_eq!(d.custom_domain_id.as_deref(), Some("cd_1"))
        }
        other => panic!("{other:?}"),
    }
    match decode::<AculClientFilter>(json!({"metadata": {"tier": "gold"}})).unwrap() {
        AculClientFilter::Metadata(f) => assert_eq!(f.metadata.unwrap()["tier"], "gold"),
        other => panic!("{other:?}"),
    }
    for (body, variant) in [
        (json!({"action": "allow"}), 0),
        (json!({"action": "block", "limit": 5}), 1),
        (
            json!({"action": "redirect", "limit": 5, "redirect_uri": "https://x"}),
            2,
        ),
    ] {
        let got = match decode::<RateLimitPolicyConfiguration>(body.clone()).unwrap() {
            RateLimitPolicyConfiguration::Variant0(_) => 0,
            RateLimitPolicyConfiguration::Variant1(_) => 1,
            RateLimitPolicyConfiguration::Variant2(_) => 2,
            other => panic!("{other:?}"),
        };
        assert_eq!(got, variant, "{body}");
    }
}
