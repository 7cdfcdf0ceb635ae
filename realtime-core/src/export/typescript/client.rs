//! Typed bindings to the TypeScript client (`client.ts`): the declarations of
//! `channels.ts`, and for each channel a subscribe function of the client
//! (`typed-realtime-client`) typed by the channel's topics.
//!
//! For a channel `Pipeline` (`pipeline:<run_id>`, topics `status` and `llm_tokens`) it adds,
//! after the declarations:
//!
//! - `PipelineChannelParams`, the parameters of `pipelineChannel` (`{ run_id: string }`);
//! - `PipelineValidators`, optional payload validators by topic;
//! - `PipelineSubscribeOptions<T, V>`, the client's options without `channel`;
//! - `subscribePipeline(channelOrParams, { topics: ["status"], token, ... })`, which takes a
//!   concrete name of the channel (`PipelineChannelName`) or its parameters, and returns the
//!   client's `Subscription<PipelineTopics, "status">`: items typed by the topics asked for.
//!
//! With `validate: { status: fn }` (a function `(data: unknown) => boolean` with ajv's
//! `errors`, e.g. ajv's standalone code from the JSON Schema export), every payload of a
//! validated topic is checked before it is yielded: a message that fails arrives as a
//! `ValidationErrorItem` (`{ kind: "error", source: "validation", topic, id, errors }`) and
//! never as data, and a data stream's chunk that fails ends the stream with a
//! `PayloadValidationError`. The subscription is then a `ValidatedSubscription`, whose
//! items (and `onItem`'s) include those errors.
//!
//! The client is imported as a namespace (`import * as realtimeClient from "..."`), so no
//! name of the client can collide with a generated one; its specifier is
//! [`ClientOptions::import`].

use std::fmt::Write;

use super::convert::json_string;
use super::{lower_camel, name_builder, render, GENERATED};
use crate::ChannelRegistry;

/// The module the bindings import the client from, unless told otherwise.
pub const DEFAULT_CLIENT_IMPORT: &str = "typed-realtime-client";

/// How the bindings are generated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientOptions {
    /// The import specifier of the TypeScript client: `typed-realtime-client` by default,
    /// or e.g. a path (`../client/index.js`) for a client vendored into the frontend.
    pub import: String,
}

impl Default for ClientOptions {
    fn default() -> Self {
        ClientOptions {
            import: DEFAULT_CLIENT_IMPORT.to_owned(),
        }
    }
}

/// The client bindings (`client.ts`) of every channel in `registry`: a self-contained
/// module with the declarations of [`declarations`](super::declarations) and a typed
/// subscribe function per channel.
///
/// ```
/// use realtime_core::ChannelRegistry;
/// use realtime_core::export::typescript::{bindings, ClientOptions};
///
/// let ts = bindings(&ChannelRegistry::new(), &ClientOptions::default());
/// assert!(ts.contains("import * as realtimeClient from \"typed-realtime-client\";"));
/// assert!(ts.contains("export type PayloadValidator = "));
/// ```
pub fn bindings(registry: &ChannelRegistry, options: &ClientOptions) -> String {
    let rendered = render(registry);
    let mut out = String::from(GENERATED);
    out.push_str(
        "// Regenerate with `realtime schema --format client`. Needs the TypeScript client,\n\
         // `typed-realtime-client`; `channels.ts` (`--format typescript`) is the same without it.\n\n",
    );
    let _ = writeln!(
        out,
        "import * as realtimeClient from {};",
        json_string(&options.import)
    );
    out.push_str(&rendered.text);
    out.push_str(BINDINGS);
    for (c, ident) in &rendered.channels {
        let lower = lower_camel(ident);
        let (_, _, params) = name_builder(c);
        let params_type = params.strip_prefix("params: ");
        let _ = write!(out, "\n// Subscriptions to `{ident}` (`{}`).\n\n", c.pattern);
        let (channel_arg, channel_doc, channel_expr) = match params_type {
            Some(fields) => {
                let _ = writeln!(
                    out,
                    "/** The parameters of a `{ident}` channel's name, as `{lower}Channel` takes them. */"
                );
                let _ = writeln!(out, "export type {ident}ChannelParams = {fields};");
                (
                    format!("channel: {ident}ChannelName | {ident}ChannelParams"),
                    format!("a concrete name of `{ident}` (`{lower}Channel(...)`) or the parameters that build it"),
                    format!("typeof channel === \"string\" ? channel : {lower}Channel(channel)"),
                )
            }
            None => (
                format!("channel: {ident}ChannelName = {lower}Channel()"),
                format!("the name of `{ident}` (`{lower}Channel()`, the default)"),
                "channel".to_owned(),
            ),
        };
        let _ = writeln!(
            out,
            "/** Validators of `{ident}`'s payloads, by topic; a topic without one is not checked. */"
        );
        let _ = writeln!(
            out,
            "export type {ident}Validators = TopicValidators<{ident}Topic>;"
        );
        let _ = writeln!(
            out,
            "/** The options of `subscribe{ident}`: the client's, without `channel`, and optional `validate`. */"
        );
        let _ = writeln!(
            out,
            "export type {ident}SubscribeOptions<T extends {ident}Topic, V extends {ident}Validators | undefined = undefined> = BindingOptions<{ident}Topics, T, V>;"
        );
        let _ = writeln!(
            out,
            "/**\n * Subscribes to `topics` of a `{ident}` channel, given {channel_doc}.\n * Items are typed by the topics asked for; with `validate`, a payload that fails its\n * validator arrives as a `ValidationErrorItem`, never as data.\n */"
        );
        let _ = writeln!(
            out,
            "export function subscribe{ident}<T extends {ident}Topic, V extends {ident}Validators | undefined = undefined>(\n  {channel_arg},\n  options: {ident}SubscribeOptions<T, V>,\n): BoundSubscription<{ident}Topics, T, V> {{\n  return bind<{ident}Topics, T, V>({channel_expr}, options);\n}}"
        );
    }
    out
}

/// The shared part of the bindings: validators, validation errors, the bound options and
/// subscription types, and `bind`, which subscribes with the client and checks payloads.
const BINDINGS: &str = r#"
// Typed subscriptions with the client (`subscribe<Channel>` below).

/**
 * Checks one payload: true if it is valid; when not, `errors` may say why. An ajv validate
 * function (e.g. ajv's standalone code generated from `channels.schema.json`) fits.
 */
export type PayloadValidator = ((data: unknown) => boolean) & { errors?: readonly unknown[] | null };

/** Validators by topic name: a topic without one is not checked. */
export type TopicValidators<Topic extends string> = { readonly [K in Topic]?: PayloadValidator };

/** A message whose payload failed its topic's validator: it arrives as this, never as data. */
export interface ValidationErrorItem {
  kind: "error";
  source: "validation";
  code: "schema_violation";
  message: string;
  /** The topic of the message. */
  topic: string;
  /** The message's id. */
  id: string;
  /** Why, as the validator said (ajv's `errors`). */
  errors: readonly unknown[];
}

/** Thrown by a validated data stream's iterator at a chunk that fails its validator. */
export class PayloadValidationError extends Error {
  override readonly name = "PayloadValidationError";
  constructor(
    readonly topic: string,
    readonly streamId: string,
    readonly errors: readonly unknown[],
  ) {
    super(`a chunk of data stream ${streamId} on topic ${topic} does not match its schema`);
  }
}

/** What a subscription with validators yields: the client's items and validation errors. */
export type ValidatedItem<Topics extends object, T extends keyof Topics & string> =
  | realtimeClient.Item<Topics, T>
  | ValidationErrorItem;

/** A subscription whose payloads are checked: like the client's, with validation errors among its items. */
export interface ValidatedSubscription<Topics extends object, T extends keyof Topics & string>
  extends Omit<realtimeClient.Subscription<Topics, T>, typeof Symbol.asyncIterator>,
    AsyncIterable<ValidatedItem<Topics, T>> {}

/** The item type of a subscription: validation errors too when validators (`V`) are given. */
export type BoundItem<Topics extends object, T extends keyof Topics & string, V> = [V] extends [undefined]
  ? realtimeClient.Item<Topics, T>
  : ValidatedItem<Topics, T>;

/** The client's `Subscription`, or a `ValidatedSubscription` when validators (`V`) are given. */
export type BoundSubscription<Topics extends object, T extends keyof Topics & string, V> = [V] extends [undefined]
  ? realtimeClient.Subscription<Topics, T>
  : ValidatedSubscription<Topics, T>;

/** The client's subscribe options without `channel` (the binding's first argument), with `validate`. */
export type BindingOptions<Topics extends object, T extends keyof Topics & string, V> = Omit<
  realtimeClient.SubscribeOptions<Topics, T>,
  "channel" | "onItem"
> & {
  /** Validators of the topics' payloads: a payload that fails arrives as a `ValidationErrorItem`. */
  validate?: V;
  /** Callback form: every item is given to this function, and the subscription is not iterable. */
  onItem?: (item: BoundItem<Topics, T, V>) => void;
};

type AnyItem = realtimeClient.Item<Record<string, unknown>, string>;

function checked(item: AnyItem, validate: TopicValidators<string>): AnyItem | ValidationErrorItem {
  if (item.kind !== "data" && item.kind !== "datastream") return item;
  const validator = Object.prototype.hasOwnProperty.call(validate, item.topic) ? validate[item.topic] : undefined;
  if (!validator) return item;
  if (item.kind === "data") {
    if (validator(item.data)) return item;
    return {
      kind: "error",
      source: "validation",
      code: "schema_violation",
      message: `message ${item.id} on topic ${item.topic} does not match its schema`,
      topic: item.topic,
      id: item.id,
      errors: validator.errors ?? [],
    };
  }
  const stream = item.stream;
  const chunks = async function* (): AsyncGenerator<unknown> {
    for await (const chunk of stream) {
      if (!validator(chunk)) throw new PayloadValidationError(item.topic, stream.id, validator.errors ?? []);
      yield chunk;
    }
  };
  const validated: realtimeClient.DataStream<unknown> = {
    id: stream.id,
    topic: stream.topic,
    get ended() {
      return stream.ended;
    },
    [Symbol.asyncIterator]: () => chunks(),
  };
  return { ...item, stream: validated };
}

class Validating implements ValidatedSubscription<Record<string, unknown>, string> {
  constructor(
    private readonly inner: realtimeClient.Subscription<Record<string, unknown>, string>,
    private readonly validate: TopicValidators<string>,
  ) {}
  get channel(): string {
    return this.inner.channel;
  }
  get topics(): readonly string[] {
    return this.inner.topics;
  }
  get status(): realtimeClient.ConnectionStatus {
    return this.inner.status;
  }
  get lastId(): string | undefined {
    return this.inner.lastId;
  }
  get connections(): number {
    return this.inner.connections;
  }
  get closed(): Promise<void> {
    return this.inner.closed;
  }
  close(): void {
    this.inner.close();
  }
  async *[Symbol.asyncIterator](): AsyncIterator<ValidatedItem<Record<string, unknown>, string>> {
    for await (const item of this.inner) yield checked(item, this.validate);
  }
}

function bind<Topics extends object, T extends keyof Topics & string, V>(
  channel: string,
  options: BindingOptions<Topics, T, V>,
): BoundSubscription<Topics, T, V> {
  // The generic types only say what the items are; at run time every topic map is alike.
  const { validate, onItem, ...rest } = options as BindingOptions<Record<string, unknown>, string, TopicValidators<string>>;
  const opts: realtimeClient.SubscribeOptions<Record<string, unknown>, string> = { ...rest, channel };
  if (validate === undefined) {
    if (onItem) opts.onItem = onItem;
    return realtimeClient.subscribe(opts) as unknown as BoundSubscription<Topics, T, V>;
  }
  if (onItem) opts.onItem = (item) => onItem(checked(item, validate));
  const inner = realtimeClient.subscribe(opts);
  return new Validating(inner, validate) as unknown as BoundSubscription<Topics, T, V>;
}
"#;
