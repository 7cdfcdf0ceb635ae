// The deprecation note is empty.
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
    #[topic(deprecated = "")]
    line: Line,
}

fn main() {}
