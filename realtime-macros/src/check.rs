//! Stage two: checks that the pieces of a [`ChannelDef`] fit together, one function per rule.
//!
//! Every rule reports into the [`Ctxt`] and goes on, so one compile shows every mistake.
//! The rules about generated names exist because a collision would otherwise surface as
//! rustc's "defined multiple times" inside generated code; here it is refused on the field.

use std::collections::{HashMap, HashSet};

use syn::punctuated::Punctuated;
use syn::Token;

use crate::ast::{ChannelDef, TopicField};
use crate::ctxt::Ctxt;
use crate::template::Template;

/// Names of methods `#[channel]` generates on the struct itself (`topics` is the
/// `Channel` trait's, which an inherent method would shadow); a topic accessor cannot take them.
const RESERVED_METHODS: &[&str] = &["new", "name", "from_name", "topics"];

/// The topic name of run lifecycle messages (`realtime_core::RUN_TOPIC`); no user topic takes it.
const RUN_TOPIC: &str = "run";

/// The message enum variant generated for run lifecycle updates.
const RUN_VARIANT: &str = "Run";

/// The message enum variant generated for data streams.
const STREAM_VARIANT: &str = "Stream";

/// Checks the declaration, reporting every mistake into `cx`.
pub fn check(cx: &Ctxt, def: &ChannelDef) {
    check_derives(cx, def);
    // Without named fields there are no parameters to match: the item's kind was reported.
    if let Some(template) = def.template.as_ref().filter(|_| def.named_fields) {
        check_placeholders(cx, def, template);
        check_params_in_name(cx, def, template);
    }
    check_has_topics(cx, def);
    for topic in &def.topics {
        check_topic_name(cx, topic);
        check_reserved_topic_name(cx, topic);
        check_variant_name(cx, topic);
        check_accessor_name(cx, topic);
    }
    check_duplicate_topic_names(cx, def);
    check_duplicate_variants(cx, def);
}

/// `#[derive(Debug)]` on the struct would conflict with the `Debug` that #[channel] writes.
fn check_derives(cx: &Ctxt, def: &ChannelDef) {
    for attr in def.attrs.iter().filter(|a| a.path().is_ident("derive")) {
        let Ok(paths) = attr.parse_args_with(Punctuated::<syn::Path, Token![,]>::parse_terminated) else {
            continue;
        };
        for path in paths
            .iter()
            .filter(|p| p.segments.last().is_some_and(|s| s.ident == "Debug"))
        {
            cx.error_spanned_by(
                path,
                format_args!(
                    "#[channel] already implements `Debug` for `{}` (it prints the channel's name): remove `Debug` from this derive",
                    def.ident
                ),
            );
        }
    }
}

/// Each placeholder appears once and names a parameter field.
fn check_placeholders(cx: &Ctxt, def: &ChannelDef, template: &Template) {
    let fields: HashSet<String> = def.params.iter().map(|p| p.ident.to_string()).collect();
    let topic_fields: HashSet<String> = def.topics.iter().map(|t| t.ident.to_string()).collect();
    let mut seen = HashSet::new();
    for (name, span) in template.params() {
        if !seen.insert(name) {
            cx.error_at(
                span,
                format_args!(
                    "placeholder `<{name}>` appears twice in the channel name: each parameter appears once"
                ),
            );
        } else if topic_fields.contains(name) {
            cx.error_at(
                span,
                format_args!(
                    "placeholder `<{name}>` names a #[topic] field: a parameter is a field without #[topic]"
                ),
            );
        } else if !fields.contains(name) {
            cx.error_at(
                span,
                format_args!(
                    "no field named `{name}` for placeholder `<{name}>`; add `{name}: String` to the struct"
                ),
            );
        }
    }
}

/// Each parameter field appears in the name, else `from_name` could not fill it.
fn check_params_in_name(cx: &Ctxt, def: &ChannelDef, template: &Template) {
    // A malformed placeholder is most likely the one meant for the field: reported already.
    if template.has_malformed_placeholder {
        return;
    }
    let placeholders: HashSet<&str> = template.params().map(|(name, _)| name).collect();
    for param in &def.params {
        let name = param.ident.to_string();
        if !placeholders.contains(name.as_str()) {
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

/// A channel without topics carries nothing.
fn check_has_topics(cx: &Ctxt, def: &ChannelDef) {
    if def.topics.is_empty() && def.named_fields {
        cx.error_spanned_by(
            &def.ident,
            "a channel needs at least one topic: mark a field `#[topic]`, e.g. `#[topic] status: Status`",
        );
    }
}

/// A topic's wire name is non-empty and holds only the characters topic names allow.
fn check_topic_name(cx: &Ctxt, topic: &TopicField) {
    let name = topic.wire_name.as_str();
    let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.');
    if name.is_empty() || !name.chars().all(allowed) {
        cx.error_at(
            topic.wire_span,
            format_args!("topic name {name:?} is not allowed: use ASCII letters, digits and `_ - .`"),
        );
    }
}

/// The wire name `run` belongs to run lifecycle messages.
fn check_reserved_topic_name(cx: &Ctxt, topic: &TopicField) {
    // A field `run` is named `run` on the wire too; the error about its variant says both.
    if topic.wire_name == RUN_TOPIC && topic.variant_name() != RUN_VARIANT {
        cx.error_at(
            topic.wire_span,
            format_args!(
                "topic name `{RUN_TOPIC}` is reserved for run lifecycle messages: give the topic another name with #[topic(name = \"...\")]"
            ),
        );
    }
}

/// The field's UpperCamelCase variant is an identifier, and not one of the variants
/// #[channel] adds to the message enum.
fn check_variant_name(cx: &Ctxt, topic: &TopicField) {
    let (field, variant) = (topic.field_name(), topic.variant_name());
    let rule = "#[channel] names each topic's enum variant after its field in UpperCamelCase (`llm_tokens` becomes `LlmTokens`)";
    if variant.is_empty() {
        cx.error_spanned_by(
            &topic.ident,
            format_args!(
                "topic field `{field}` has no letters to make an enum variant of: {rule}; rename the field and keep the wire name with #[topic(name = \"{field}\")]"
            ),
        );
    } else if syn::parse_str::<syn::Ident>(&variant).is_err() {
        cx.error_spanned_by(
            &topic.ident,
            format_args!(
                "topic field `{field}` would turn into the enum variant `{variant}`, which is not allowed as a variant name: {rule}; rename the field and keep the wire name with #[topic(name = \"{field}\")]"
            ),
        );
    } else if variant == RUN_VARIANT {
        cx.error_spanned_by(
            &topic.ident,
            format_args!(
                "topic field `{field}` would turn into the enum variant `{RUN_VARIANT}`, which #[channel] generates for run lifecycle updates: rename the field (the topic's wire name cannot be `{RUN_TOPIC}` either)"
            ),
        );
    } else if variant == STREAM_VARIANT {
        cx.error_spanned_by(
            &topic.ident,
            format_args!(
                "topic field `{field}` would turn into the enum variant `{STREAM_VARIANT}`, which #[channel] generates for data streams: rename the field and keep the wire name with #[topic(name = \"{field}\")]"
            ),
        );
    }
}

/// The accessor of a topic (a method named after its field) is not a generated method.
fn check_accessor_name(cx: &Ctxt, topic: &TopicField) {
    let field = topic.field_name();
    if RESERVED_METHODS.contains(&field.as_str()) {
        cx.error_spanned_by(
            &topic.ident,
            format_args!(
                "a topic field cannot be named `{field}`: #[channel] generates a method of that name; rename the field and keep the wire name with #[topic(name = \"{field}\")]"
            ),
        );
    }
}

/// No two topics share a wire name.
fn check_duplicate_topic_names(cx: &Ctxt, def: &ChannelDef) {
    let mut wire_names: HashMap<&str, &syn::Ident> = HashMap::new();
    for topic in &def.topics {
        let name = topic.wire_name.as_str();
        if let Some(first) = wire_names.insert(name, &topic.ident) {
            cx.error_at(
                topic.wire_span,
                format_args!(
                    "two topics are named `{name}` (fields `{first}` and `{}`): give one another name with #[topic(name = \"...\")]",
                    topic.ident
                ),
            );
        }
    }
}

/// No two topic fields turn into the same enum variant (`foo_bar`, `foo__bar`, `fooBar`).
fn check_duplicate_variants(cx: &Ctxt, def: &ChannelDef) {
    let mut variants: HashMap<String, String> = HashMap::new();
    for topic in &def.topics {
        let (field, variant) = (topic.field_name(), topic.variant_name());
        // An invalid or reserved variant was reported on its own.
        if syn::parse_str::<syn::Ident>(&variant).is_err()
            || [RUN_VARIANT, STREAM_VARIANT].contains(&variant.as_str())
        {
            continue;
        }
        if let Some(first) = variants.insert(variant.clone(), field.clone()) {
            cx.error_spanned_by(
                &topic.ident,
                format_args!(
                    "topic fields `{first}` and `{field}` both turn into the enum variant `{variant}`: rename one field, and keep its wire name with #[topic(name = \"{field}\")]"
                ),
            );
        }
    }
}
