// Builds a channel name with a parameter of the wrong type: `attempt` is a number. Must fail (TS2322).
import { jobChannel } from "./channels";

export const name = jobChannel({ job: "build", attempt: "2" });
