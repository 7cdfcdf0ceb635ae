//! Deprecated topics in a crate that denies warnings: the code `#[channel]` generates for
//! them (the accessor, the topic key and every impl that names them) adds no deprecation
//! warning of its own, and each topic's spec carries its note.
#![deny(warnings, clippy::all, clippy::pedantic)]

use realtime::channel;
use realtime::TopicKey;
use serde::{Deserialize, Serialize};

/// One line of output.
#[derive(Debug, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Line {
    /// The text.
    pub text: String,
}

/// The output of one build.
#[channel(name = "build:<id>")]
pub struct Build {
    /// The build.
    pub id: String,
    /// Lines of output.
    #[topic]
    lines: Line,
    /// One line at a time, as before.
    #[topic(name = "line", deprecated = "use `lines` instead")]
    old_line: Line,
    /// Without a note.
    #[topic(deprecated, validate = false)]
    older_line: Line,
}

fn main() {
    let build = Build::new("b1");
    assert_eq!(build.lines().name(), "lines");
    let specs: Vec<_> = BuildTopic::all().iter().map(|key| key.spec()).collect();
    assert_eq!(specs[0].deprecated(), None);
    assert_eq!(specs[1].deprecated(), Some("use `lines` instead"));
    assert_eq!(specs[2].deprecated(), Some(""));
    // A subscriber still reads messages of a deprecated topic without a warning.
    let message = <Build as realtime::Channel>::decode("line", &serde_json::json!({"text": "hi"})).unwrap();
    match message {
        BuildMessage::OldLine(line) => assert_eq!(line.text, "hi"),
        other => panic!("{other:?}"),
    }
}
