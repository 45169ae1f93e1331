//! API Gateway HTTP API (v2) events: the committed fixtures in `tests/events/`, and builders.

use lambda_http::Request;
use serde_json::{Value, json};

/// The fixtures, compiled in so a test never depends on its working directory.
const FIXTURES: [(&str, &str); 11] = [
    (
        "health_get",
        include_str!("../../../tests/events/health_get.json"),
    ),
    (
        "mcp_discover",
        include_str!("../../../tests/events/mcp_discover.json"),
    ),
    (
        "mcp_get",
        include_str!("../../../tests/events/mcp_get.json"),
    ),
    (
        "mcp_initialize",
        include_str!("../../../tests/events/mcp_initialize.json"),
    ),
    (
        "mcp_initialized_notification",
        include_str!("../../../tests/events/mcp_initialized_notification.json"),
    ),
    (
        "mcp_tools_call",
        include_str!("../../../tests/events/mcp_tools_call.json"),
    ),
    (
        "mcp_tools_call_2026",
        include_str!("../../../tests/events/mcp_tools_call_2026.json"),
    ),
    (
        "mcp_tools_list",
        include_str!("../../../tests/events/mcp_tools_list.json"),
    ),
    (
        "protected_resource_get",
        include_str!("../../../tests/events/protected_resource_get.json"),
    ),
    (
        "tool_call_post",
        include_str!("../../../tests/events/tool_call_post.json"),
    ),
    (
        "tools_list_get",
        include_str!("../../../tests/events/tools_list_get.json"),
    ),
];

/// An API Gateway v2 event under construction.
#[derive(Debug, Clone, PartialEq)]
pub struct Event(pub Value);

impl Event {
    /// The fixture `tests/events/<name>.json` (`.json` optional).
    pub fn fixture(name: &str) -> Self {
        let name = name.strip_suffix(".json").unwrap_or(name);
        let (_, text) = FIXTURES
            .iter()
            .find(|(fixture, _)| *fixture == name)
            .unwrap_or_else(|| panic!("no fixture tests/events/{name}.json"));
        Self(serde_json::from_str(text).unwrap())
    }

    /// Sets `Authorization: Bearer <token>`, or removes the header.
    pub fn token(self, token: Option<&str>) -> Self {
        let value = token.map(|t| format!("Bearer {t}"));
        self.header("authorization", value.as_deref())
    }

    /// Sets or removes a header.
    pub fn header(mut self, name: &str, value: Option<&str>) -> Self {
        let headers = self.0["headers"].as_object_mut().unwrap();
        match value {
            Some(v) => headers.insert(name.into(), json!(v)),
            None => headers.remove(name),
        };
        self
    }

    /// Sets the HTTP method.
    pub fn method(mut self, method: &str) -> Self {
        self.0["requestContext"]["http"]["method"] = json!(method);
        self
    }

    /// Sets the raw body.
    pub fn body(mut self, body: &str) -> Self {
        self.0["body"] = json!(body);
        self
    }

    /// Sets the body to a JSON document.
    pub fn json_body(self, body: &Value) -> Self {
        self.body(&body.to_string())
    }

    /// Sets the path.
    pub fn path(mut self, path: &str) -> Self {
        self.0["rawPath"] = json!(path);
        self.0["requestContext"]["http"]["path"] = json!(path);
        self
    }

    /// The event as `lambda_http` hands it to a handler.
    pub fn request(&self) -> Request {
        lambda_http::request::from_str(&self.0.to_string()).unwrap()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_fixture_parses_into_a_request() {
        for (name, _) in FIXTURES {
            let event = Event::fixture(name);
            let request = event.request();
            assert!(!request.uri().path().is_empty(), "{name}");
        }
    }
}
