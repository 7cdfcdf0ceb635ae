// A frontend that still uses a deprecated topic: it type-checks, and the language service
// (what editors show, and what tsc-based linters read) reports each use as deprecated.
import { buildChannel, type BuildLine, type BuildTopics } from "./channels";

const line: BuildLine = "one line";
declare const payloads: BuildTopics;

export const used = [buildChannel({ id: "b1" }), line, payloads.line, payloads.lines, payloads.raw];
