//! Fields of one JSON secret, resolved the way one login resolves them (one resolution round:
//! one fetch of the secret for all its fields).

use bi_rest::credentials::{resolution_round, Credential, JsonField, SharedSecret};
use secrecy::ExposeSecret;
use std::sync::Arc;

/// Credentials for the fields `names` of the JSON secret `shared`.
pub fn fields(shared: &Arc<SharedSecret>, names: &[&str]) -> Vec<Credential> {
    names
        .iter()
        .map(|name| Credential::source(JsonField::field(shared.clone(), *name)))
        .collect()
}

/// Resolves `fields` in one round, as one login does, and returns their values (a failure
/// fails the test, naming the field).
pub async fn resolve_round(fields: &[Credential]) -> Vec<String> {
    resolution_round(async {
        let mut values = Vec::with_capacity(fields.len());
        for (i, field) in fields.iter().enumerate() {
            match field.resolve().await {
                Ok(value) => values.push(value.expose_secret().to_string()),
                Err(e) => panic!("field {i} did not resolve: {e}"),
            }
        }
        values
    })
    .await
}
