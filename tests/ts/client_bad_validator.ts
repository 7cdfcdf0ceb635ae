// Gives a validator for a topic the channel does not have. Must fail (TS2353).
import { subscribeDemo, type PayloadValidator } from "./client";

export function sub(check: PayloadValidator) {
  return subscribeDemo("demo:r1", {
    url: "http://127.0.0.1:8288",
    topics: ["status"],
    token: "jwt",
    validate: { progress: check },
  });
}
