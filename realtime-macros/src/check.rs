//! Stage two: checks that the pieces of a [`ChannelDef`] fit together.

use std::collections::{HashMap, HashSet};

use syn::punctuated::Punctuated;
use syn::Token;

use crate::ast::ChannelDef;

/// Names of methods `#[channel]` generates on the struct itself; a topic cannot take them.
const RESERVED_METHODS: &[&str] = &["new", "name", "from_name", "topics"];

/// The topic name of run lifecycle messages (`realtime_core::RUN_TOPIC`); no user topic takes it.
const RUN_TOPIC: &str = "run";

/// The message enum variant generated for run lifecycle updates; no topic field turns into it.
const RUN_VARIANT: &str = "Run";

/// Checks the declaration; on success returns it for expansion, else every error found in
/// parsing and checking, together.
pub fn check(mut def: ChannelDef) -> syn::Result<ChannelDef> {
    let cx = &def.errors;

    check_derives(&def);

    // Without named fields there are no parameters to match: the item's kind was reported.
    if let Some(template) = def.template.as_ref().filter(|_| def.named_fields) {
        let fields: HashSet<String> = def.params.iter().map(|p| p.ident.to_string()).collect();
        let topic_fields: HashSet<String> = def.topics.iter().map(|t| t.ident.to_string()).collect();
        let mut seen = HashSet::new();
        for (name, span) in template.params() {
            if !seen.insert(name) {
                cx.error_at(span, format_args!("placeholder `<{name}>` appears twice in the channel name: each parameter appears once"));
            } else if topic_fields.contains(name) {
                cx.error_at(
                    span,
                    format_args!("placeholder `<{name}>` names a #[topic] field: a parameter is a field without #[topic]"),
                );
            } else if !fields.contains(name) {
                cx.error_at(
                    span,
                    format_args!("no field named `{name}` for placeholder `<{name}>`; add `{name}: String` to the struct"),
                );
            }
        }
        for param in &def.params {
            let name = param.ident.to_string();
            if !seen.contains(name.as_str()) && !template.has_malformed_placeholder {
                cx.error_spanned_by(
                    &param.ident,
                    format_args!(
                        "field `{name}` is not in the channel name `{}`: add `<{name}>` to the name, or mark the field #[topic]",
                        template.lit.value()
                    ),
                );
            }
        }
    }

    if def.topics.is_empty() && def.named_fields {
        cx.error_spanned_by(
            &def.ident,
            "a channel needs at least one topic: mark a field `#[topic]`, e.g. `#[topic] status: Status`",
        );
    }

    let mut wire_names: HashMap<&str, &syn::Ident> = HashMap::new();
    let mut variants = HashSet::new();
    for topic in &def.topics {
        let name = topic.wire_name.as_str();
        if name.is_empty()
            || !name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
        {
            cx.error_at(
                topic.wire_span,
                format_args!("topic name {name:?} is not allowed: use ASCII letters, digits and `_ - .`"),
            );
        }
        if let Some(first) = wire_names.insert(name, &topic.ident) {
            cx.error_at(
                topic.wire_span,
                format_args!(
                    "two topics are named `{name}` (fields `{first}` and `{}`): give one another name with #[topic(name = \"...\")]",
                    topic.ident
                ),
            );
        }
        if !variants.insert(topic.variant().to_string()) {
            cx.error_spanned_by(
                &topic.ident,
                format_args!(
                    "topic field `{}` turns into the same enum variant as another topic field: rename one",
                    topic.ident
                ),
            );
        }
        // A field `run` hits both rules; one error on the field says what to do.
        if topic.variant() == RUN_VARIANT {
            cx.error_spanned_by(
                &topic.ident,
                format_args!(
                    "topic field `{}` would turn into the enum variant `{RUN_VARIANT}`, which #[channel] generates for run lifecycle updates: rename the field (the topic's wire name cannot be `{RUN_TOPIC}` either)",
                    topic.ident
                ),
            );
        } else if name == RUN_TOPIC {
            cx.error_at(
                topic.wire_span,
                format_args!(
                    "topic name `{RUN_TOPIC}` is reserved for run lifecycle messages: give the topic another name with #[topic(name = \"...\")]"
                ),
            );
        }
        let field = topic.ident.to_string();
        if RESERVED_METHODS.contains(&field.as_str()) {
            cx.error_spanned_by(
                &topic.ident,
                format_args!(
                    "a topic field cannot be named `{field}`: #[channel] generates a method of that name; rename the field and keep the wire name with #[topic(name = \"{field}\")]"
                ),
            );
        }
    }

    let errors = std::mem::take(&mut def.errors);
    errors.finish()?;
    Ok(def)
}

/// `#[derive(Debug)]` on the struct would conflict with the `Debug` that #[channel] writes.
fn check_derives(def: &ChannelDef) {
    for attr in def.attrs.iter().filter(|a| a.path().is_ident("derive")) {
        let Ok(paths) = attr.parse_args_with(Punctuated::<syn::Path, Token![,]>::parse_terminated) else {
            continue;
        };
        for path in paths
            .iter()
            .filter(|p| p.segments.last().is_some_and(|s| s.ident == "Debug"))
        {
            def.errors.error_spanned_by(
                path,
                format_args!(
                    "#[channel] already implements `Debug` for `{}` (it prints the channel's name): remove `Debug` from this derive",
                    def.ident
                ),
            );
        }
    }
}
