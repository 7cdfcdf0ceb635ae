//! The API that `#[channel]` generates: construction, names, parsing, topics, schemas,
//! decoding and formatting.

mod common;

use common::{status, token, Pipeline, PipelineMessage, PipelineTopic, Progress, Status, Token};
use realtime::{channel, Channel, ChannelNameError, DecodeError, TopicKey};
use serde::{Deserialize, Serialize};
use serde_json::json;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Tick {
    pub n: u64,
}

#[channel(name = "counter:<id>")]
pub struct Counter {
    pub id: u64,
    #[topic]
    tick: Tick,
}

#[channel(name = "run:<run_id>/step:<step>")]
pub struct StepRun {
    pub run_id: String,
    pub step: u32,
    #[topic]
    tick: Tick,
}

/// Declared with its fields in the reverse order of the placeholders.
#[channel(name = "tenant:<tenant>/job:<job>")]
pub struct TenantJob {
    pub job: u64,
    pub tenant: String,
    #[topic]
    tick: Tick,
}

#[channel(name = "announcements")]
pub struct Announcements {
    #[topic]
    notice: Status,
}

#[test]
fn new_and_struct_literal_build_the_same_channel() {
    let by_new = Pipeline::new("abc");
    let by_literal = Pipeline {
        run_id: "abc".to_owned(),
    };
    assert_eq!(by_new.run_id, "abc");
    assert_eq!(by_literal.run_id, "abc");
    assert_eq!(by_new.name(), by_literal.name());
    assert_eq!(Pipeline::new(String::from("abc")).name(), "pipeline:abc");
}

#[test]
fn name_and_display_give_the_concrete_name() {
    let ch = Pipeline::new("abc");
    assert_eq!(ch.name(), "pipeline:abc");
    assert_eq!(ch.to_string(), "pipeline:abc");
    assert_eq!(format!("<{ch}>"), "<pipeline:abc>");
    assert_eq!(<Pipeline as Channel>::name(&ch), "pipeline:abc");
}

#[test]
fn u64_parameter_formats_and_parses() {
    let ch = Counter::new(42u64);
    assert_eq!(ch.name(), "counter:42");
    let back = Counter::from_name("counter:18446744073709551615").unwrap();
    assert_eq!(back.id, u64::MAX);
    assert_eq!(Counter::PARAMS, ["id"]);
}

#[test]
fn two_parameter_pattern_formats_and_parses() {
    let ch = StepRun::new("r1", 3u32);
    assert_eq!(ch.name(), "run:r1/step:3");
    assert_eq!(StepRun::PATTERN, "run:<run_id>/step:<step>");
    assert_eq!(StepRun::PARAMS, ["run_id", "step"]);

    let back = StepRun::from_name("run:abc-9/step:12").unwrap();
    assert_eq!(back.run_id, "abc-9");
    assert_eq!(back.step, 12);
}

#[test]
fn params_follow_the_pattern_not_the_field_order() {
    assert_eq!(TenantJob::PARAMS, ["tenant", "job"]);
    let ch = TenantJob {
        job: 7,
        tenant: "acme".into(),
    };
    assert_eq!(ch.name(), "tenant:acme/job:7");
    let back: TenantJob = "tenant:umbrella/job:99".parse().unwrap();
    assert_eq!((back.tenant.as_str(), back.job), ("umbrella", 99));
}

#[test]
fn static_channel_has_no_params() {
    let ch = Announcements::new();
    assert_eq!(ch.name(), "announcements");
    assert_eq!(Announcements::PATTERN, "announcements");
    assert!(Announcements::PARAMS.is_empty());
    assert_eq!(
        Announcements::from_name("announcements").unwrap().name(),
        "announcements"
    );
    assert!(matches!(
        Announcements::from_name("announcements2"),
        Err(ChannelNameError::NoMatch { .. })
    ));
    assert_eq!(format!("{ch:?}"), r#"Announcements("announcements")"#);
}

#[test]
fn from_name_and_from_str_round_trip() {
    for run_id in ["abc", "a:b", "run-1.2_x@y=z"] {
        let ch = Pipeline::new(run_id);
        let by_from_name = Pipeline::from_name(&ch.name()).unwrap();
        assert_eq!(by_from_name.run_id, run_id);
        let by_parse: Pipeline = ch.to_string().parse().unwrap();
        assert_eq!(by_parse.run_id, run_id);
        assert_eq!(by_parse.name(), ch.name());
    }
    let counter: Counter = Counter::new(5u64).to_string().parse().unwrap();
    assert_eq!(counter.id, 5);
}

#[test]
fn name_not_fitting_the_pattern_is_no_match() {
    for name in ["other:abc", "pipeline", "pipeline:", "pipelines:abc"] {
        match Pipeline::from_name(name) {
            Err(ChannelNameError::NoMatch { name: got, pattern }) => {
                assert_eq!(got, name);
                assert_eq!(pattern, "pipeline:<run_id>");
            }
            other => panic!("{name}: expected NoMatch, got {other:?}"),
        }
    }
    assert!(matches!(
        StepRun::from_name("run:r1/stage:2"),
        Err(ChannelNameError::NoMatch { .. })
    ));
    assert!(matches!(
        StepRun::from_name("run:r1"),
        Err(ChannelNameError::NoMatch { .. })
    ));
}

#[test]
fn parameter_that_does_not_parse_is_invalid_param() {
    let err = Counter::from_name("counter:notanumber").unwrap_err();
    match &err {
        ChannelNameError::InvalidParam {
            name,
            param,
            value,
            reason,
        } => {
            assert_eq!(name, "counter:notanumber");
            assert_eq!(*param, "id");
            assert_eq!(value, "notanumber");
            assert!(!reason.is_empty());
        }
        other => panic!("expected InvalidParam, got {other:?}"),
    }
    let text = err.to_string();
    assert!(text.contains("`id`") && text.contains("`notanumber`"), "{text}");

    let err: ChannelNameError = "run:r1/step:-1".parse::<StepRun>().unwrap_err();
    assert!(
        matches!(&err, ChannelNameError::InvalidParam { param: "step", value, .. } if value == "-1"),
        "{err:?}"
    );
}

#[test]
fn name_with_disallowed_characters_is_invalid_characters() {
    for name in ["pipeline:a b", "pipeline:ä", "pipeline:a\nb", ""] {
        match Pipeline::from_name(name) {
            Err(ChannelNameError::InvalidCharacters { name: got }) => assert_eq!(got, name),
            other => panic!("{name:?}: expected InvalidCharacters, got {other:?}"),
        }
    }
    assert!(matches!(
        Counter::from_name("counter:1 2"),
        Err(ChannelNameError::InvalidCharacters { .. })
    ));
}

#[test]
fn pattern_params_and_topics_in_declaration_order() {
    assert_eq!(Pipeline::PATTERN, "pipeline:<run_id>");
    assert_eq!(Pipeline::PARAMS, ["run_id"]);
    let names: Vec<&str> = Pipeline::topics().iter().map(|spec| spec.name()).collect();
    assert_eq!(names, ["status", "llm_tokens", "progress", "progress_unchecked"]);
    let fields: Vec<&str> = Pipeline::topics().iter().map(|spec| spec.field()).collect();
    assert_eq!(fields, ["status", "tokens", "progress", "progress_unchecked"]);
}

#[test]
fn renamed_topic_is_found_by_its_wire_name_only() {
    assert_eq!(
        Pipeline::topic("llm_tokens").map(|spec| spec.field()),
        Some("tokens")
    );
    assert!(Pipeline::topic("tokens").is_none());
    assert!(Pipeline::topic("nope").is_none());
}

#[test]
fn validate_false_turns_validation_off() {
    let validates: Vec<(&str, bool)> = Pipeline::topics()
        .iter()
        .map(|spec| (spec.name(), spec.validates()))
        .collect();
    assert_eq!(
        validates,
        [
            ("status", true),
            ("llm_tokens", true),
            ("progress", true),
            ("progress_unchecked", false)
        ]
    );
    let over = json!({ "percent": 150, "label": "ok" });
    assert!(Pipeline::topic("progress").unwrap().check(&over).is_err());
    assert!(Pipeline::topic("progress_unchecked")
        .unwrap()
        .check(&over)
        .is_ok());
}

#[test]
fn each_topic_schema_is_2020_12_with_properties() {
    for spec in Pipeline::topics() {
        let schema = spec.schema();
        assert_eq!(
            schema["$schema"],
            "https://json-schema.org/draft/2020-12/schema",
            "topic {}",
            spec.name()
        );
        assert!(
            schema["properties"].as_object().is_some_and(|p| !p.is_empty()),
            "topic {} has no properties: {schema}",
            spec.name()
        );
    }
    let status = Pipeline::topic("status").unwrap().schema();
    assert_eq!(status["properties"]["message"]["type"], "string");
    let tokens = Pipeline::topic("llm_tokens").unwrap().schema();
    assert_eq!(tokens["properties"]["text"]["type"], "string");
    let progress = Pipeline::topic("progress").unwrap().schema();
    assert_eq!(progress["properties"]["percent"]["maximum"], 100);
    assert_eq!(progress["properties"]["label"]["maxLength"], 5);
}

#[test]
fn doc_comment_is_the_schema_description() {
    // The field's doc comment wins over the payload type's own doc comment.
    let status = Pipeline::topic("status").unwrap();
    assert_eq!(status.description(), Some("Progress of the run."));
    assert_eq!(status.schema()["description"], "Progress of the run.");

    // Lines of a multi-line doc comment are kept, joined by newlines.
    let progress = Pipeline::topic("progress").unwrap();
    assert_eq!(
        progress.description(),
        Some("Percent done.\nChecked against its schema.")
    );
    assert_eq!(
        progress.schema()["description"],
        "Percent done.\nChecked against its schema."
    );

    // Neither the field nor the payload type has docs.
    let tokens = Pipeline::topic("llm_tokens").unwrap();
    assert_eq!(tokens.description(), None);
    assert!(
        tokens.schema().get("description").is_none(),
        "{}",
        tokens.schema()
    );
}

#[test]
fn topic_keys_list_all_topics_with_wire_names() {
    assert_eq!(
        PipelineTopic::all(),
        [
            PipelineTopic::Status,
            PipelineTopic::Tokens,
            PipelineTopic::Progress,
            PipelineTopic::ProgressUnchecked
        ]
    );
    let names: Vec<&str> = PipelineTopic::all().iter().map(|key| key.name()).collect();
    assert_eq!(names, ["status", "llm_tokens", "progress", "progress_unchecked"]);
    assert_eq!(TopicKey::name(PipelineTopic::Tokens), "llm_tokens");
    assert_eq!(PipelineTopic::Tokens.spec().field(), "tokens");
    assert!(!PipelineTopic::ProgressUnchecked.spec().validates());
}

#[test]
fn topic_accessors_carry_channel_and_key() {
    let ch = Pipeline::new("abc");
    let tokens = ch.tokens();
    assert_eq!(tokens.channel(), "pipeline:abc");
    assert_eq!(tokens.name(), "llm_tokens");
    assert_eq!(tokens.key(), PipelineTopic::Tokens);
    assert_eq!(ch.status().key(), PipelineTopic::Status);
    assert_eq!(ch.progress_unchecked().name(), "progress_unchecked");
}

#[test]
fn message_knows_its_topic() {
    assert_eq!(
        PipelineMessage::Status(status("hi")).topic(),
        Some(PipelineTopic::Status)
    );
    assert_eq!(
        PipelineMessage::Tokens(token("t")).topic(),
        Some(PipelineTopic::Tokens)
    );
    let progress = Progress {
        percent: 1,
        label: "a".into(),
    };
    assert_eq!(
        PipelineMessage::Progress(progress.clone()).topic(),
        Some(PipelineTopic::Progress)
    );
    assert_eq!(
        PipelineMessage::ProgressUnchecked(progress).topic(),
        Some(PipelineTopic::ProgressUnchecked)
    );
    let run = PipelineMessage::Run(realtime::RunUpdate::started());
    assert_eq!(run.topic(), None);
    assert_eq!(run.as_run(), Some(&realtime::RunUpdate::started()));
    assert_eq!(PipelineMessage::Tokens(token("t")).as_run(), None);
}

#[test]
fn decode_gives_run_updates_on_the_reserved_topic() {
    match Pipeline::decode(
        realtime::RUN_TOPIC,
        &json!({ "status": "failed", "error": "boom" }),
    )
    .unwrap()
    {
        PipelineMessage::Run(update) => assert_eq!(update, realtime::RunUpdate::failed("boom")),
        other => panic!("expected Run, got {other:?}"),
    }
    let message = Pipeline::decode("run", &json!({ "status": "completed", "output": 3 })).unwrap();
    assert_eq!(
        Pipeline::run_update(&message),
        Some(&realtime::RunUpdate::completed(json!(3)))
    );
    assert_eq!(
        format!("{message:?}"),
        r#"Run(RunUpdate { status: Completed, output: Some(Number(3)), error: None })"#
    );
    assert!(matches!(
        Pipeline::decode("run", &json!({ "status": "exploded" })),
        Err(realtime::DecodeError::Data { topic: "run", .. })
    ));
    assert!(
        Pipeline::topic("run").is_none(),
        "`run` is not a topic of the channel"
    );
}

#[test]
fn decode_gives_the_typed_message() {
    match Pipeline::decode("llm_tokens", &json!({ "text": "hi" })).unwrap() {
        PipelineMessage::Tokens(Token { text }) => assert_eq!(text, "hi"),
        other => panic!("expected Tokens, got {other:?}"),
    }
    match Pipeline::decode("status", &json!({ "message": "go", "step": "fetch" })).unwrap() {
        PipelineMessage::Status(s) => assert_eq!(
            s,
            Status {
                message: "go".into(),
                step: Some("fetch".into())
            }
        ),
        other => panic!("expected Status, got {other:?}"),
    }
}

#[test]
fn decode_of_an_unknown_topic_fails() {
    // The field name of a renamed topic is not its wire name.
    for topic in ["nope", "tokens", ""] {
        match Pipeline::decode(topic, &json!({ "text": "hi" })) {
            Err(DecodeError::UnknownTopic { topic: got }) => assert_eq!(got, topic),
            other => panic!("{topic:?}: expected UnknownTopic, got {other:?}"),
        }
    }
}

#[test]
fn decode_of_data_of_the_wrong_shape_fails() {
    match Pipeline::decode("status", &json!({ "message": 5 })) {
        Err(DecodeError::Data { topic, source }) => {
            assert_eq!(topic, "status");
            assert!(source.to_string().contains("string"), "{source}");
        }
        other => panic!("expected Data, got {other:?}"),
    }
    assert!(matches!(
        Pipeline::decode("llm_tokens", &json!("just a string")),
        Err(DecodeError::Data {
            topic: "llm_tokens",
            ..
        })
    ));
}

#[test]
fn debug_shows_the_channel_name_and_the_payload_json() {
    assert_eq!(
        format!("{:?}", Pipeline::new("abc")),
        r#"Pipeline("pipeline:abc")"#
    );
    assert_eq!(
        format!("{:?}", StepRun::new("r", 2u32)),
        r#"StepRun("run:r/step:2")"#
    );
    assert_eq!(
        format!("{:?}", PipelineMessage::Status(status("hi"))),
        r#"Status({"message":"hi","step":null})"#
    );
    assert_eq!(
        format!("{:?}", PipelineMessage::Tokens(token("x"))),
        r#"Tokens({"text":"x"})"#
    );
}

#[test]
fn every_declared_channel_is_discovered_without_a_list() {
    let registry = realtime::core::ChannelRegistry::discovered();
    let patterns: Vec<&str> = registry.iter().map(|d| d.pattern).collect();
    for pattern in ["counter:<id>", "pipeline:<run_id>", "run:<run_id>/step:<step>"] {
        assert!(patterns.contains(&pattern), "{pattern} missing from {patterns:?}");
    }
    let mut sorted = patterns.clone();
    sorted.sort_unstable();
    assert_eq!(patterns, sorted, "discovered channels are sorted by pattern");
    let counter = registry.find("counter:7").expect("counter:7 is a Counter");
    assert_eq!(counter.params, ["id"]);
    assert_eq!(counter.param_types, ["u64"]);
    let steps = registry.find("run:r1/step:3").expect("a StepRun");
    assert!(
        registry.find("run:r1/step:s1").is_none(),
        "the step parameter must parse as u32"
    );
    assert_eq!(steps.param_types, ["String", "u32"]);
    assert!(registry.find("nothing:here").is_none());
}

#[test]
fn inherent_from_name_is_the_trait_from_name() {
    // The inherent method needs no `Channel` import; both run the same implementation.
    let by_inherent = StepRun::from_name("run:r1/step:2").unwrap();
    let by_trait = <StepRun as Channel>::from_name("run:r1/step:2").unwrap();
    assert_eq!(by_inherent.name(), by_trait.name());
    assert_eq!((by_inherent.run_id.as_str(), by_inherent.step), ("r1", 2));
    let err = StepRun::from_name("run:r1/step:x").unwrap_err();
    assert!(matches!(
        err,
        ChannelNameError::InvalidParam { param: "step", .. }
    ));
    assert!(matches!(
        Announcements::from_name("announcements!"),
        Err(ChannelNameError::InvalidCharacters { .. })
    ));
    assert!(Announcements::from_name("announcements").is_ok());
}
