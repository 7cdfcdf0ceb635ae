//! A registry of channel types, for code that meets channels by name (the gateway).

use std::fmt;

use crate::{Channel, TopicSpec};

/// A channel type, without its type: its pattern, parameters and topics, and a test of
/// whether a concrete name belongs to it.
#[derive(Clone, Copy)]
pub struct ChannelDescriptor {
    /// The Rust type's name.
    pub type_name: &'static str,
    /// The name pattern, e.g. `pipeline:<run_id>`.
    pub pattern: &'static str,
    /// The parameter names.
    pub params: &'static [&'static str],
    /// The parameters' Rust types as written, in the same order.
    pub param_types: &'static [&'static str],
    /// The channel's doc comment.
    pub description: Option<&'static str>,
    topics: fn() -> &'static [TopicSpec],
    accepts: fn(&str) -> bool,
}

impl ChannelDescriptor {
    /// The descriptor of channel type `C`.
    pub fn of<C: Channel>() -> Self {
        ChannelDescriptor {
            type_name: std::any::type_name::<C>(),
            pattern: C::PATTERN,
            params: C::PARAMS,
            param_types: C::PARAM_TYPES,
            description: C::DESCRIPTION,
            topics: C::topics,
            accepts: |name| C::from_name(name).is_ok(),
        }
    }

    /// The channel's topics.
    pub fn topics(&self) -> &'static [TopicSpec] {
        (self.topics)()
    }

    /// The topic with this wire name.
    pub fn topic(&self, name: &str) -> Option<&'static TopicSpec> {
        self.topics().iter().find(|spec| spec.name() == name)
    }

    /// Whether `name` is a concrete name of this channel (it fits the pattern and every
    /// parameter parses).
    pub fn accepts(&self, name: &str) -> bool {
        (self.accepts)(name)
    }
}

impl fmt::Debug for ChannelDescriptor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ChannelDescriptor")
            .field("type_name", &self.type_name)
            .field("pattern", &self.pattern)
            .field(
                "topics",
                &self.topics().iter().map(TopicSpec::name).collect::<Vec<_>>(),
            )
            .finish()
    }
}

/// A channel type registered at compile time: `#[channel]` submits one per declaration,
/// so [`ChannelRegistry::discovered`] finds every channel linked into the binary.
#[derive(Debug)]
pub struct ChannelRegistration {
    descriptor: fn() -> ChannelDescriptor,
}

impl ChannelRegistration {
    /// A registration; submitted by generated code.
    #[doc(hidden)]
    pub const fn new(descriptor: fn() -> ChannelDescriptor) -> Self {
        ChannelRegistration { descriptor }
    }
}

inventory::collect!(ChannelRegistration);

/// The channel types a server knows, looked up by concrete name.
///
/// ```
/// use realtime_core::ChannelRegistry;
/// let registry = ChannelRegistry::new();
/// assert!(registry.find("pipeline:abc").is_none());
/// assert!(registry.is_empty());
/// ```
#[derive(Debug, Clone, Default)]
pub struct ChannelRegistry {
    channels: Vec<ChannelDescriptor>,
}

impl ChannelRegistry {
    /// An empty registry.
    pub fn new() -> Self {
        Self::default()
    }

    /// Every channel type declared with `#[channel]` in the binary, sorted by pattern.
    pub fn discovered() -> Self {
        let mut registry = ChannelRegistry::new();
        let mut all: Vec<ChannelDescriptor> = inventory::iter::<ChannelRegistration>
            .into_iter()
            .map(|r| (r.descriptor)())
            .collect();
        all.sort_by(|a, b| (a.pattern, a.type_name).cmp(&(b.pattern, b.type_name)));
        for descriptor in all {
            registry.add(descriptor);
        }
        registry
    }

    /// Adds channel type `C` (once; adding it again does nothing).
    pub fn register<C: Channel>(&mut self) -> &mut Self {
        self.add(ChannelDescriptor::of::<C>())
    }

    /// Adds a descriptor (once per pattern and type).
    pub fn add(&mut self, descriptor: ChannelDescriptor) -> &mut Self {
        if !self
            .channels
            .iter()
            .any(|d| d.type_name == descriptor.type_name && d.pattern == descriptor.pattern)
        {
            self.channels.push(descriptor);
        }
        self
    }

    /// The channel type a concrete name belongs to: the first registered that accepts it.
    pub fn find(&self, name: &str) -> Option<&ChannelDescriptor> {
        self.channels.iter().find(|d| d.accepts(name))
    }

    /// Every registered channel type.
    pub fn iter(&self) -> impl Iterator<Item = &ChannelDescriptor> {
        self.channels.iter()
    }

    /// How many channel types are registered.
    pub fn len(&self) -> usize {
        self.channels.len()
    }

    /// Whether none is.
    pub fn is_empty(&self) -> bool {
        self.channels.is_empty()
    }
}
