// A token for `Pipeline` can only grant `PipelineTopic`s.
use realtime::{channel, SigningKey, TokenAuthority};
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, schemars::JsonSchema)]
struct Status {
    message: String,
}

#[channel(name = "pipeline:<run_id>")]
struct Pipeline {
    run_id: String,
    #[topic]
    status: Status,
}

#[channel(name = "other")]
struct Other {
    #[topic]
    x: Status,
}

fn main() {
    let tokens = TokenAuthority::new(SigningKey::new("signkey-test-00"));
    let _token = tokens.mint(&Pipeline::new("abc123"), [OtherTopic::X]);
}
