//! The published schema (`docs/tenant.schema.json`) and the rules the functions apply agree: every
//! example both accept, every broken document both refuse.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::{Value, json};
use workplace_policy::ToolInfo;
use workplace_tenants::{SCHEMA, TenantDocument};

const TOOLS: [ToolInfo; 5] = [
    ToolInfo {
        name: "workplace_search",
        writes: false,
    },
    ToolInfo {
        name: "fetch",
        writes: false,
    },
    ToolInfo {
        name: "search",
        writes: false,
    },
    ToolInfo {
        name: "add_comment",
        writes: true,
    },
    ToolInfo {
        name: "list_events",
        writes: false,
    },
];

fn good() -> Value {
    json!({
        "id": "acme-eu", "name": "Acme Europe",
        "identity": {"issuer": "https://api.descope.com/v1/apps/agentic/P2x/M1", "descope_tenant": "T2acme"},
        "secret": "workplace-mcp/tenants/acme-eu",
        "policy": {"kill_switch": false, "tools": ["workplace_search", "fetch"], "read_only": true,
                   "ip_allowlist": ["203.0.113.0/24"], "trusted_proxies": ["10.0.0.0/8"]},
        "limits": {"user_rps": 5, "user_burst": 10}
    })
}

fn accepted_by_rules(doc: &Value) -> bool {
    TenantDocument::from_json(&doc.to_string()).is_ok_and(|d| d.validate(&TOOLS).is_empty())
}

#[test]
fn the_schema_and_the_rules_agree() {
    let schema: Value = serde_json::from_str(SCHEMA).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let mut minimal = good();
    minimal.as_object_mut().unwrap().remove("policy");
    minimal.as_object_mut().unwrap().remove("limits");
    let mut service = good();
    service["identity"] = json!({"issuer": "workplace-mcp"});
    let mut local = good();
    local["identity"] = json!({"issuer": "http://127.0.0.1:9120/v1/apps/agentic/P2demo/MSdemo"});
    for doc in [good(), minimal, service, local] {
        assert!(validator.is_valid(&doc), "schema refused {doc}");
        assert!(accepted_by_rules(&doc), "rules refused {doc}");
    }
    let broken: Vec<(&str, Value)> = vec![
        ("/id", json!("Acme")),
        ("/id", json!("-acme")),
        ("/name", json!("")),
        ("/secret", json!("prod/database")),
        ("/identity/descope_tenant", json!("T 2")),
        ("/policy/tools", json!(["drop_tables"])),
        ("/policy/tools", json!(["fetch", "fetch"])),
        ("/policy/kill_switch_message", json!("two\nlines")),
        ("/limits/user_burst", json!(0)),
        ("/policy/surprise", json!(true)),
        ("/identity/issuer", json!(7)),
        ("/identity/issuer", json!("http://evil.example.com/")),
        ("/identity/issuer", json!("has space")),
    ];
    for (pointer, value) in broken {
        let mut doc = good();
        let (parent, key) = pointer.rsplit_once('/').unwrap();
        doc.pointer_mut(if parent.is_empty() { "" } else { parent })
            .unwrap()
            .as_object_mut()
            .unwrap()
            .insert(key.to_owned(), value.clone());
        assert!(
            !validator.is_valid(&doc),
            "schema accepted {pointer} = {value}"
        );
        assert!(
            !accepted_by_rules(&doc),
            "rules accepted {pointer} = {value}"
        );
    }
}
