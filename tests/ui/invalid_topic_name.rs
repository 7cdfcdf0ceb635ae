// A topic's wire name allows ASCII letters, digits and `_ - .`; a space is not allowed.
use realtime::channel;
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, schemars::JsonSchema)]
struct Token {
    text: String,
}

#[channel(name = "pipeline:<run_id>")]
struct Pipeline {
    run_id: String,
    #[topic(name = "llm tokens")]
    tokens: Token,
}

fn main() {}
