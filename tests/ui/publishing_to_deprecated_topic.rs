// Code that still publishes to a deprecated topic (or names its key) is warned by rustc,
// with the note; here the crate denies the warning.
#![deny(deprecated)]

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
    #[topic(deprecated = "use `lines` instead")]
    line: Line,
}

fn main() {
    let build = Build::new("b1");
    let _topic = build.line();
    let _key = BuildTopic::Line;
}
