use serde_json::{Value, json};

use super::*;

/// A document with one operation and the given component schemas.
fn doc_with(op: Value, schemas: Value) -> Value {
    json!({
        "openapi": "3.1.0",
        "info": {"title": "t", "version": "2.0"},
        "paths": {"/things/{id}": {"post": op}},
        "components": {"schemas": schemas}
    })
}

fn schema_doc(schema: Value) -> Value {
    doc_with(json!({"responses": {}}), json!({"S": schema}))
}

fn run(pass: fn(&mut Value) -> usize, mut doc: Value) -> (usize, Value) {
    let n = pass(&mut doc);
    (n, doc)
}

#[test]
fn every_pass_has_a_unique_name_and_a_reason() {
    let mut names: Vec<&str> = PASSES.iter().map(|p| p.name).collect();
    names.sort();
    names.dedup();
    assert_eq!(names.len(), PASSES.len());
    assert!(PASSES.iter().all(|p| !p.why.is_empty()));
}

#[test]
fn openapi_30_declares_the_version_and_response_descriptions() {
    let doc = doc_with(
        json!({"responses": {"200": {}, "404": {"description": "x"}}}),
        json!({}),
    );
    let (n, doc) = run(openapi_30, doc);
    assert_eq!(n, 2);
    assert_eq!(doc["openapi"], "3.0.3");
    assert_eq!(
        doc["paths"]["/things/{id}"]["post"]["responses"]["200"]["description"],
        ""
    );
    assert_eq!(openapi_30(&mut doc.clone()), 0, "idempotent");
}

#[test]
fn handwritten_operations_removes_multipart_operations() {
    let mut doc = doc_with(
        json!({"operationId": "upload", "requestBody": {"content": {"multipart/form-data": {"schema": {}}}}}),
        json!({}),
    );
    doc["paths"]["/other"] = json!({"get": {"operationId": "keep"}});
    assert_eq!(
        multipart_operations(&doc).into_iter().collect::<Vec<_>>(),
        ["upload"]
    );
    let (n, doc) = run(handwritten_operations, doc);
    assert_eq!(n, 1);
    assert!(
        doc["paths"].get("/things/{id}").is_none(),
        "an emptied path goes too"
    );
    assert!(doc["paths"]["/other"]["get"].is_object());
}

#[test]
fn json_request_bodies_keeps_json_only() {
    let doc = doc_with(
        json!({"requestBody": {"content": {
            "application/json": {"schema": {"$ref": "#/components/schemas/B"}},
            "application/x-www-form-urlencoded": {"schema": {"$ref": "#/components/schemas/B"}}
        }}}),
        json!({}),
    );
    let (n, doc) = run(json_request_bodies, doc);
    assert_eq!(n, 1);
    let content = doc["paths"]["/things/{id}"]["post"]["requestBody"]["content"]
        .as_object()
        .unwrap();
    assert_eq!(content.keys().collect::<Vec<_>>(), ["application/json"]);
}

#[test]
fn raw_error_responses_keeps_success_answers_only() {
    let doc = doc_with(
        json!({"responses": {"200": {}, "400": {}, "429": {}, "default": {}}}),
        json!({}),
    );
    let (n, doc) = run(raw_error_responses, doc);
    assert_eq!(n, 3);
    let codes: Vec<&String> = doc["paths"]["/things/{id}"]["post"]["responses"]
        .as_object()
        .unwrap()
        .keys()
        .collect();
    assert_eq!(codes, ["200"]);
}

#[test]
fn stream_responses_become_octet_streams() {
    let doc = doc_with(
        json!({"responses": {"200": {"content": {"text/event-stream": {"schema": {"type": "string"}}}}}}),
        json!({}),
    );
    let (n, doc) = run(stream_responses, doc);
    assert_eq!(n, 1);
    assert!(
        doc.pointer("/paths/~1things~1{id}/post/responses/200/content/application~1octet-stream")
            .is_some()
    );
}

#[test]
fn undeclared_bodies_are_read_as_json_and_204_bodies_dropped() {
    let doc = doc_with(
        json!({"responses": {
            "201": {"description": ""},
            "204": {"content": {"application/json": {"schema": {"type": "object"}}}},
            "200": {"content": {"application/json": {"schema": {"type": "string"}}}}
        }}),
        json!({}),
    );
    let (n, doc) = run(undeclared_bodies, doc);
    assert_eq!(n, 2);
    let r = &doc["paths"]["/things/{id}"]["post"]["responses"];
    assert_eq!(r["201"]["content"]["application/json"]["schema"], json!({}));
    assert!(r["204"].get("content").is_none());
    assert_eq!(
        r["200"]["content"]["application/json"]["schema"]["type"],
        "string"
    );
}

#[test]
fn one_success_shape_makes_mixed_answers_nullable() {
    let doc = doc_with(
        json!({"responses": {
            "200": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/A"}}}},
            "204": {"description": ""}
        }}),
        json!({}),
    );
    let (n, doc) = run(one_success_shape, doc);
    assert_eq!(n, 1);
    let r = &doc["paths"]["/things/{id}"]["post"]["responses"];
    let expected = json!({"allOf": [{"$ref": "#/components/schemas/A"}], "nullable": true});
    assert_eq!(r["200"]["content"]["application/json"]["schema"], expected);
    assert_eq!(r["204"]["content"]["application/json"]["schema"], expected);
}

#[test]
fn nullable_type_arrays_become_nullable() {
    let (n, doc) = run(
        nullable_type_arrays,
        schema_doc(json!({"type": "object", "properties": {
            "a": {"type": ["string", "null"]},
            "b": {"type": ["string", "integer"]},
            "c": {"type": "string"}
        }})),
    );
    assert_eq!(n, 2);
    let p = &doc["components"]["schemas"]["S"]["properties"];
    assert_eq!(p["a"], json!({"type": "string", "nullable": true}));
    assert_eq!(
        p["b"],
        json!({"oneOf": [{"type": "string"}, {"type": "integer"}]})
    );
    assert_eq!(p["c"], json!({"type": "string"}));
}

#[test]
fn null_branches_move_to_nullable() {
    let (n, doc) = run(
        null_branches,
        schema_doc(json!({"oneOf": [{"$ref": "#/components/schemas/A"}, {"type": "null"}]})),
    );
    assert_eq!(n, 1);
    assert_eq!(
        doc["components"]["schemas"]["S"],
        json!({"allOf": [{"$ref": "#/components/schemas/A"}], "nullable": true})
    );
    let (n, doc) = run(
        null_branches,
        schema_doc(json!({"anyOf": [{"type": "string"}, {"type": "integer"}, {"type": "null"}]})),
    );
    assert_eq!(n, 1);
    assert_eq!(
        doc["components"]["schemas"]["S"]["anyOf"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    assert_eq!(doc["components"]["schemas"]["S"]["nullable"], true);
}

#[test]
fn const_becomes_a_typed_one_value_enum() {
    let (n, doc) = run(
        const_to_enum,
        schema_doc(json!({"properties": {"kind": {"const": "user"}, "n": {"const": 3}}})),
    );
    assert_eq!(n, 2);
    let p = &doc["components"]["schemas"]["S"]["properties"];
    assert_eq!(p["kind"], json!({"type": "string", "enum": ["user"]}));
    assert_eq!(p["n"], json!({"type": "integer", "enum": [3]}));
}

#[test]
fn untyped_null_enums_get_a_type() {
    let (n, doc) = run(
        untyped_null_enums,
        schema_doc(json!({"enum": ["a", "b", null]})),
    );
    assert_eq!(n, 1);
    assert_eq!(
        doc["components"]["schemas"]["S"],
        json!({"enum": ["a", "b"], "type": "string", "nullable": true})
    );
}

#[test]
fn nullable_oneof_components_are_hoisted() {
    let doc = doc_with(
        json!({"responses": {}}),
        json!({"S": {"nullable": true, "oneOf": [{"type": "string"}, {"type": "object"}]}}),
    );
    let (n, doc) = run(hoist_nullable_oneof, doc);
    assert_eq!(n, 1);
    let s = &doc["components"]["schemas"];
    assert_eq!(
        s["S"],
        json!({"nullable": true, "allOf": [{"$ref": "#/components/schemas/SValue"}]})
    );
    assert_eq!(s["SValue"]["oneOf"].as_array().unwrap().len(), 2);
}

#[test]
fn drop_31_keywords_removes_them() {
    let (n, doc) = run(
        drop_31_keywords,
        schema_doc(
            json!({"type": "array", "contains": {"type": "string"}, "items": {"type": "string", "contentMediaType": "x"}}),
        ),
    );
    assert_eq!(n, 2);
    assert_eq!(
        doc["components"]["schemas"]["S"],
        json!({"type": "array", "items": {"type": "string"}})
    );
}

#[test]
fn open_objects_accept_unknown_fields() {
    let (n, doc) = run(
        open_objects,
        schema_doc(
            json!({"type": "object", "additionalProperties": false, "properties": {
                "m": {"type": "object", "additionalProperties": {"type": "string"}}
            }}),
        ),
    );
    assert_eq!(n, 1, "only `false` is removed");
    let s = &doc["components"]["schemas"]["S"];
    assert!(s.get("additionalProperties").is_none());
    assert_eq!(
        s["properties"]["m"]["additionalProperties"],
        json!({"type": "string"})
    );
}

#[test]
fn sample_defaults_are_dropped_but_a_property_named_default_is_kept() {
    let (n, doc) = run(
        drop_sample_defaults,
        schema_doc(json!({"properties": {
            "id": {"type": "string", "default": "con_0000000000000001"},
            "default": {"type": "boolean"}
        }})),
    );
    assert_eq!(n, 1);
    let p = &doc["components"]["schemas"]["S"]["properties"];
    assert_eq!(p["id"], json!({"type": "string"}));
    assert_eq!(p["default"], json!({"type": "boolean"}));
}

#[test]
fn validation_keywords_are_dropped() {
    let (n, doc) = run(
        drop_validation,
        schema_doc(
            json!({"type": "string", "minLength": 1, "maxLength": 5, "pattern": "^a$",
                          "properties": {"n": {"type": "integer", "minimum": 1}}}),
        ),
    );
    assert_eq!(n, 4);
    let s = &doc["components"]["schemas"]["S"];
    assert_eq!(s["properties"]["n"], json!({"type": "integer"}));
    assert!(s.get("pattern").is_none());
}

#[test]
fn typeless_formats_are_strings() {
    let (n, doc) = run(
        typeless_formats,
        schema_doc(json!({"allOf": [{"$ref": "#/components/schemas/A"}, {"format": "uuid"}]})),
    );
    assert_eq!(n, 1);
    assert_eq!(
        doc["components"]["schemas"]["S"]["allOf"][1],
        json!({"format": "uuid", "type": "string"})
    );
}

#[test]
fn string_formats_are_plain_strings_except_binary() {
    let (n, doc) = run(
        plain_string_formats,
        schema_doc(json!({"properties": {
            "at": {"type": "string", "format": "date-time"},
            "file": {"type": "string", "format": "binary"},
            "n": {"type": "integer", "format": "int32"}
        }})),
    );
    assert_eq!(n, 1);
    let p = &doc["components"]["schemas"]["S"]["properties"];
    assert_eq!(p["at"], json!({"type": "string"}));
    assert_eq!(p["file"]["format"], "binary");
    assert_eq!(p["n"]["format"], "int32");
}

#[test]
fn primitive_unions_collapse_or_become_oneof() {
    let (n, doc) = run(
        primitive_unions,
        schema_doc(json!({"properties": {
            "host": {"anyOf": [{"type": "string"}, {"type": "string"}]},
            "id": {"anyOf": [{"type": "string"}, {"type": "integer"}]},
            "ip": {"oneOf": [{"type": "string"}, {"type": "string"}]},
            "mixed": {"anyOf": [{"$ref": "#/components/schemas/A"}, {"type": "string"}]}
        }})),
    );
    assert_eq!(n, 3);
    let p = &doc["components"]["schemas"]["S"]["properties"];
    assert_eq!(p["host"], json!({"type": "string"}));
    assert_eq!(p["ip"], json!({"type": "string"}));
    assert_eq!(
        p["id"],
        json!({"oneOf": [{"type": "integer"}, {"type": "string"}]})
    );
    assert!(
        p["mixed"].get("anyOf").is_some(),
        "object branches are left alone"
    );
}

#[test]
fn tolerant_responses_relax_response_schemas_only() {
    let doc = doc_with(
        json!({
            "requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Req"}}}},
            "responses": {"200": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Res"}}}}}
        }),
        json!({
            "Req": {"type": "object", "required": ["name"], "properties": {"name": {"type": "string"}}},
            "Res": {"type": "object", "required": ["id"], "properties": {
                "id": {"type": "string"},
                "inner": {"$ref": "#/components/schemas/Inner"}
            }},
            "Inner": {"type": "object", "required": ["x"], "properties": {"x": {"type": "string"}}}
        }),
    );
    let (n, doc) = run(tolerant_responses, doc);
    assert_eq!(n, 2);
    let s = &doc["components"]["schemas"];
    assert_eq!(
        s["Req"]["required"],
        json!(["name"]),
        "requests keep required fields"
    );
    assert!(s["Res"].get("required").is_none());
    assert!(
        s["Inner"].get("required").is_none(),
        "reached through a response"
    );
}

#[test]
fn the_walker_never_treats_property_names_as_keywords() {
    // Properties called `default`, `pattern`, `required`, `format` must survive every pass.
    let mut doc = schema_doc(json!({"type": "object", "properties": {
        "default": {"type": "string"}, "pattern": {"type": "string"},
        "required": {"type": "boolean"}, "format": {"type": "string"}
    }}));
    run_all(&mut doc);
    let p = doc["components"]["schemas"]["S"]["properties"]
        .as_object()
        .unwrap();
    assert_eq!(p.len(), 4);
}

#[test]
fn optional_collections_become_nullable_so_empty_is_sent() {
    let (n, doc) = run(
        optional_collections,
        schema_doc(
            json!({"type": "object", "required": ["ids"], "properties": {
                "ids": {"type": "array", "items": {"type": "string"}},
                "callbacks": {"type": "array", "items": {"type": "string"}},
                "meta": {"type": "object", "additionalProperties": true},
                "name": {"type": "string"}
            }}),
        ),
    );
    assert_eq!(n, 2);
    let p = &doc["components"]["schemas"]["S"]["properties"];
    assert!(
        p["ids"].get("nullable").is_none(),
        "required arrays stay as they are"
    );
    assert_eq!(p["callbacks"]["nullable"], true);
    assert_eq!(p["meta"]["nullable"], true);
    assert!(p["name"].get("nullable").is_none());
}

#[test]
fn sibling_tagged_unions_give_used_schemas_the_per_tag_shapes() {
    let doc = json!({
        "openapi": "3.1.0",
        "info": {"title": "t", "version": "2.0"},
        "paths": {"/c": {"post": {
            "requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Create"}}}},
            "responses": {"200": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Update"}}}}}}}},
        "components": {"schemas": {
            "Create": {"type": "object", "properties": {"strategy": {"type": "string"}, "options": {"type": "object"}}},
            "Update": {"type": "object", "properties": {"options": {"type": "object"}}},
            "Unrelated": {"type": "object", "properties": {"strategy": {"type": "string"}, "options": {"type": "object"}}},
            "CreateA": {"allOf": [{"properties": {"strategy": {"const": "a"}, "options": {"$ref": "#/components/schemas/OptionsA"}}}]},
            "CreateB": {"allOf": [{"properties": {"strategy": {"enum": ["b"]}, "options": {"$ref": "#/components/schemas/OptionsB"}}}]},
            "CreateB2": {"allOf": [{"properties": {"strategy": {"const": "b2"}, "options": {"$ref": "#/components/schemas/OptionsB"}}}]},
            "UpdateA": {"allOf": [{"properties": {"options": {"$ref": "#/components/schemas/OptionsA"}}}]},
            "OptionsA": {"type": "object"},
            "OptionsB": {"type": "object"}}}
    });
    let (n, doc) = run(tagged::sibling_tagged_unions, doc);
    assert_eq!(
        n, 2,
        "Create (tagged) and Update (its family's), not the unused one"
    );
    let union = json!({"$ref": "#/components/schemas/OptionsByStrategy"});
    assert_eq!(
        doc["components"]["schemas"]["Create"]["properties"]["options"],
        union
    );
    assert_eq!(
        doc["components"]["schemas"]["Update"]["properties"]["options"],
        union
    );
    assert_eq!(
        doc["components"]["schemas"]["Unrelated"]["properties"]["options"],
        json!({"type": "object"})
    );
    assert_eq!(
        doc["components"]["schemas"]["OptionsByStrategy"]["oneOf"],
        json!([{"$ref": "#/components/schemas/OptionsA"}, {"$ref": "#/components/schemas/OptionsB"}])
    );
    let unions = tagged::tagged_unions(&doc);
    assert_eq!(unions.len(), 1);
    assert_eq!(unions[0].parents, ["Create"]);
    assert_eq!(unions[0].untagged_parents, ["Update"]);
    assert_eq!(
        unions[0].variants["OptionsB"].iter().collect::<Vec<_>>(),
        ["b", "b2"]
    );
    let (again, _) = run(tagged::sibling_tagged_unions, doc);
    assert_eq!(
        again, 2,
        "stable on a second run (the rewritten members are refs again)"
    );
}
