// `more_tokens` is renamed onto the wire name of `tokens`.
use realtime::channel;
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, schemars::JsonSchema)]
struct Token {
    text: String,
}

#[channel(name = "pipeline:<run_id>")]
struct Pipeline {
    run_id: String,
    #[topic]
    tokens: Token,
    #[topic(name = "tokens")]
    more_tokens: Token,
}

fn main() {}
