//! How the exports mark a deprecated topic's payload schema: `"deprecated": true` (a
//! JSON Schema 2020-12 annotation, also a field of AsyncAPI's Schema Object) and the note
//! as the last paragraph of its `description`, where people and documentation tools read
//! it. [`Lock::from_export`](crate::compat::Lock::from_export) takes both off again.

use serde_json::Value;

/// The paragraph the note becomes: `Deprecated: <note>`, or `Deprecated.` without one.
fn paragraph(note: &str) -> String {
    if note.is_empty() {
        "Deprecated.".to_owned()
    } else {
        format!("Deprecated: {note}")
    }
}

/// Marks `schema` deprecated with `note` (`""`: no note).
pub(crate) fn mark_deprecated(schema: &mut Value, note: &str) {
    let Some(object) = schema.as_object_mut() else {
        return;
    };
    object.insert("deprecated".into(), Value::Bool(true));
    let paragraph = paragraph(note);
    let description = match object.get("description").and_then(Value::as_str) {
        Some(text) if !text.is_empty() => format!("{text}\n\n{paragraph}"),
        _ => paragraph,
    };
    object.insert("description".into(), Value::String(description));
}

/// `description` without the paragraph [`mark_deprecated`] added for `note` (`""` when it
/// was the whole description).
pub(crate) fn without_deprecation_note(description: &str, note: &str) -> String {
    let paragraph = paragraph(note);
    if description == paragraph {
        return String::new();
    }
    description
        .strip_suffix(&paragraph)
        .and_then(|rest| rest.strip_suffix("\n\n"))
        .unwrap_or(description)
        .to_owned()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn the_note_is_the_last_paragraph_and_comes_off_again() {
        let mut schema = json!({"type": "object", "description": "One line."});
        mark_deprecated(&mut schema, "use `lines` instead");
        assert_eq!(schema["deprecated"], true);
        assert_eq!(
            schema["description"],
            "One line.\n\nDeprecated: use `lines` instead"
        );
        let text = schema["description"].as_str().unwrap();
        assert_eq!(without_deprecation_note(text, "use `lines` instead"), "One line.");
    }

    #[test]
    fn without_a_description_or_a_note() {
        let mut schema = json!({"type": "string"});
        mark_deprecated(&mut schema, "");
        assert_eq!(schema["description"], "Deprecated.");
        assert_eq!(without_deprecation_note("Deprecated.", ""), "");
        assert_eq!(without_deprecation_note("Other text.", "x"), "Other text.");
        let mut not_an_object = json!(true);
        mark_deprecated(&mut not_an_object, "x");
        assert_eq!(not_an_object, json!(true));
    }
}
