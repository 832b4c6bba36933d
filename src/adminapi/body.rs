//! The InvokeCommand request body: `{"CmdletInput":{"CmdletName":..,"Parameters":{..}}}`,
//! with hashtable-valued parameters typed as `#Exchange.GenericHashTable`.

use serde_json::{Map, Value};

/// The OData type the service expects on a hashtable parameter value.
pub const HASHTABLE_TYPE: &str = "#Exchange.GenericHashTable";

/// Build the body for `cmdlet` with `parameters` as written in the profile.
pub fn invoke_body(cmdlet: &str, parameters: &Map<String, Value>) -> Value {
    let typed: Map<String, Value> = parameters.iter().map(|(k, v)| (k.clone(), type_hashtables(v))).collect();
    serde_json::json!({ "CmdletInput": { "CmdletName": cmdlet, "Parameters": typed } })
}

/// Every JSON object in a parameter value is a PowerShell hashtable: tag it (nested
/// ones too, and those inside arrays), keeping an explicit `@odata.type` if present.
fn type_hashtables(value: &Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut out = Map::with_capacity(map.len() + 1);
            if !map.contains_key("@odata.type") {
                out.insert("@odata.type".into(), Value::String(HASHTABLE_TYPE.into()));
            }
            for (k, v) in map {
                out.insert(k.clone(), type_hashtables(v));
            }
            Value::Object(out)
        }
        Value::Array(items) => Value::Array(items.iter().map(type_hashtables).collect()),
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn scalars_pass_through_and_hashtables_are_typed() {
        let params = json!({
            "ResultSize": "Unlimited",
            "DistributionDetail": true,
            "Identity": {"Add": ["a"], "Remove": {"x": 1}},
            "List": [1, {"k": "v"}]
        });
        let Value::Object(params) = params else { unreachable!() };
        let body = invoke_body("Set-Thing", &params);
        assert_eq!(
            body,
            json!({"CmdletInput": {"CmdletName": "Set-Thing", "Parameters": {
                "ResultSize": "Unlimited",
                "DistributionDetail": true,
                "Identity": {"@odata.type": HASHTABLE_TYPE, "Add": ["a"], "Remove": {"@odata.type": HASHTABLE_TYPE, "x": 1}},
                "List": [1, {"@odata.type": HASHTABLE_TYPE, "k": "v"}]
            }}})
        );
        // Key order: the type annotation comes first.
        let text = serde_json::to_string(&body).unwrap();
        assert!(text.contains(r##""Identity":{"@odata.type":"#Exchange.GenericHashTable","Add""##), "{text}");
    }

    #[test]
    fn empty_parameters() {
        assert_eq!(
            invoke_body("Get-Label", &Map::new()),
            json!({"CmdletInput": {"CmdletName": "Get-Label", "Parameters": {}}})
        );
    }
}
