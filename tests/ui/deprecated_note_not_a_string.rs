// The deprecation note is a boolean, not a string.
use realtime::channel;
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, schemars::JsonSchema)]
struct Line {
    text: String,
}

#[channel(name = "build:<id>")]
struct Build {
    id: String,
    #[topic]
    lines: Line,
    #[topic(deprecated = true)]
    line: Line,
}

fn main() {}
