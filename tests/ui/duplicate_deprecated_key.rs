// `deprecated` is given twice.
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
    #[topic(deprecated, validate = false, deprecated = "use `lines` instead")]
    line: Line,
}

fn main() {}
