// A channel without parameters: its name is the pattern itself.
use realtime::{channel, Channel};
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, schemars::JsonSchema)]
pub struct Announcement {
    pub text: String,
}

#[channel(name = "announcements")]
pub struct Announcements {
    #[topic]
    posted: Announcement,
}

fn main() {
    let ch = Announcements::new();
    assert_eq!(ch.name(), "announcements");
    assert!(Announcements::from_name("announcements").is_ok());
    assert!(Announcements::from_name("other").is_err());
    assert!(<Announcements as Channel>::PARAMS.is_empty());
    let _posted: realtime::Topic<Announcements, Announcement> = ch.posted();
}
