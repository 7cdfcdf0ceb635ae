// A channel with a `String` and a `u64` parameter, a renamed topic, a topic that is not
// validated at run time, and a doc comment that becomes the topic's description.
use realtime::{channel, Channel, TopicKey};
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, schemars::JsonSchema)]
struct Status {
    message: String,
    step: Option<String>,
}

#[derive(Serialize, Deserialize, schemars::JsonSchema)]
struct Token {
    text: String,
}

#[derive(Serialize, Deserialize, schemars::JsonSchema)]
struct RawEvent {
    bytes: Vec<u8>,
}

#[channel(name = "org/<org>:run/<attempt>")]
struct Pipeline {
    org: String,
    attempt: u64,
    /// Progress of the run.
    #[topic]
    status: Status,
    #[topic(name = "llm_tokens")]
    tokens: Token,
    #[topic(validate = false)]
    raw: RawEvent,
}

fn main() {
    let ch = Pipeline::new("acme", 7u64);
    assert_eq!(ch.name(), "org/acme:run/7");
    assert_eq!(ch.to_string(), "org/acme:run/7");
    assert_eq!(<Pipeline as Channel>::PATTERN, "org/<org>:run/<attempt>");
    assert_eq!(<Pipeline as Channel>::PARAMS, ["org", "attempt"]);

    let parsed: Pipeline = "org/acme:run/7".parse().unwrap();
    assert_eq!(parsed.org, "acme");
    assert_eq!(parsed.attempt, 7);
    assert!(Pipeline::from_name("org/acme:run/seven").is_err());

    let topics = <Pipeline as Channel>::topics();
    assert_eq!(topics[0].description(), Some("Progress of the run."));
    assert_eq!(topics[1].name(), "llm_tokens");
    assert_eq!(topics[1].description(), None);
    assert_eq!(PipelineTopic::Tokens.name(), "llm_tokens");
    assert_eq!(
        PipelineTopic::all(),
        [PipelineTopic::Status, PipelineTopic::Tokens, PipelineTopic::Raw]
    );

    let _status: realtime::Topic<Pipeline, Status> = ch.status();
    let _tokens: realtime::Topic<Pipeline, Token> = ch.tokens();
    let _raw: realtime::Topic<Pipeline, RawEvent> = ch.raw();
}
