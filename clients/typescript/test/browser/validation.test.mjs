// Opt-in payload validation in real headless Chromium. The gateway here is an application's
// own command line (REALTIME_APP_BIN, realtime-cli/examples/app_cli.rs), whose only channel
// is `chat:<room>`: it cannot check what is published to `demo:*`, so a schema-violating
// status reaches subscribers. A page subscribed through the generated `subscribeDemo` with
// the generated ajv validators (`validate: Demo`) shows it as a validation error item, and
// never as data. No console error, page error or unhandled rejection is allowed.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";

import { KEY, mint, publish } from "../helpers.mjs";
import { bundle, generateBindings, openPage, servePage, startAppGateway } from "./harness.mjs";

const cleanups = [];
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

let script;
before(async () => {
  const bindings = await generateBindings({ validators: true });
  script = await bundle("validation.tsx", { bindings }); // type-checked first
});

const GOOD_1 = { stage: "Queued", percent: 0 };
const BAD = { stage: "x", percent: 150 };
const GOOD_2 = { stage: "Done", percent: 100 };

for (const transport of ["websocket", "sse"]) {
  test(`a schema-violating status published over HTTP arrives as a validation error, never as data (${transport})`, { timeout: 60_000 }, async () => {
    const config = { transport };
    const server = await servePage(script, config);
    cleanups.push(server.close);
    const gateway = await startAppGateway(["--signing-key", KEY, "--allowed-origin", server.origin]);
    cleanups.push(gateway.stop);
    const channel = "demo:v1";
    Object.assign(config, { url: gateway.url, run_id: "v1", token: await mint(gateway, channel, ["status"]) });

    const opened = await openPage(server.url);
    cleanups.push(opened.close);
    const { page } = opened;
    await page.waitForSelector("#connection:text-is('open')", { timeout: 20_000 });

    // The application's gateway takes all three (it has no schema for `demo:*`).
    const ids = [];
    for (const data of [GOOD_1, BAD, GOOD_2]) ids.push(await publish(gateway, channel, "status", data));
    await page.waitForFunction(
      () => document.querySelectorAll("#data li").length + document.querySelectorAll("#invalid li").length >= 3,
      null,
      { timeout: 15_000 },
    );
    await page.waitForTimeout(300); // anything more would have arrived by now

    const data = await page.$$eval("#data li", (els) => els.map((el) => ({ id: el.dataset.id, text: el.textContent })));
    assert.deepEqual(data, [
      { id: ids[0], text: JSON.stringify(GOOD_1) },
      { id: ids[2], text: JSON.stringify(GOOD_2) },
    ]);
    const invalid = await page.$$eval("#invalid li", (els) => els.map((el) => ({ ...el.dataset, text: el.textContent })));
    assert.equal(invalid.length, 1, JSON.stringify(invalid));
    assert.deepEqual(
      { id: invalid[0].id, source: invalid[0].source, topic: invalid[0].topic, code: invalid[0].code },
      { id: ids[1], source: "validation", topic: "status", code: "schema_violation" },
    );
    assert.match(invalid[0].text, new RegExp(`message ${ids[1]} on topic status does not match its schema`));
    // The bad payload is rendered nowhere as data.
    const shown = await text(page, "#data");
    assert.ok(!shown.includes('"x"') && !shown.includes("150"), `data shown: ${shown}`);
    assert.equal(await text(page, "#other-errors"), "");
    assert.equal(await text(page, "#connection"), "open");
    assert.deepEqual(await opened.problems(), []);

    await page.goto("about:blank");
    assert.deepEqual(await opened.problems(), []);
  });
}

const text = (page, selector) => page.textContent(selector);
