// aria2.js, a real aria2 client, drives fetchd over its WebSocket and over
// HTTP. Run by go test ./engine/aria2/ with the daemon's address, its secret
// and two origin URLs in the environment; exits non-zero on any failure.
import assert from "node:assert/strict";
import Aria2 from "aria2";

const { FETCHD_HOST: host, FETCHD_PORT: port, FETCHD_SECRET: secret, SLOW_URL, FAST_URL } = process.env;
const options = { host, port: Number(port), secret, path: "/jsonrpc" };
const events = ["onDownloadStart", "onDownloadPause", "onDownloadStop", "onDownloadComplete", "onDownloadError"];
let checks = 0;
const check = (cond, what) => {
  assert.ok(cond, what);
  checks++;
};

// Every notification, in order, as {event, gid}.
const seen = [];
// until resolves once count notifications of event for gid have come.
async function until(event, gid, count = 1) {
  const deadline = Date.now() + 20000;
  while (seen.filter((n) => n.event === event && n.gid === gid).length < count) {
    if (Date.now() > deadline) throw new Error(`no ${event} #${count} for ${gid}; seen ${JSON.stringify(seen)}`);
    await new Promise((r) => setTimeout(r, 10));
  }
  checks++;
}

const ws = new Aria2(options);
for (const event of events) ws.on(event, ([{ gid }]) => seen.push({ event, gid }));
await ws.open();

const methods = await ws.listMethods();
check(methods.includes("addUri") && methods.includes("system.multicall"), "listMethods names addUri and system.multicall");
check((await ws.listNotifications()).includes("onDownloadComplete"), "listNotifications");

// Add, pause, resume and remove a slow download.
const slow = await ws.call("addUri", [SLOW_URL], { out: "slow.bin", "max-download-limit": "1M" });
check(/^[0-9a-f]{16}$/.test(slow), `gid ${slow} is 16 hex digits`);
await until("onDownloadStart", slow);
const st = await ws.call("tellStatus", slow);
check(st.status === "active" && typeof st.totalLength === "string" && st.files[0].path.endsWith("/slow.bin"), `tellStatus ${JSON.stringify(st)}`);
check((await ws.call("tellActive", ["gid"])).some((s) => s.gid === slow), "tellActive lists it");
check((await ws.call("pause", slow)) === slow, "pause answers the gid");
await until("onDownloadPause", slow);
const waiting = await ws.call("tellWaiting", 0, 10, ["gid", "status"]);
check(waiting.some((s) => s.gid === slow && s.status === "paused"), `tellWaiting ${JSON.stringify(waiting)}`);
await ws.call("unpause", slow);
await until("onDownloadStart", slow, 2);
await ws.call("remove", slow);
await until("onDownloadStop", slow);
const removed = await ws.call("tellStopped", 0, 10, ["gid", "status"]);
check(removed.some((s) => s.gid === slow && s.status === "removed"), `tellStopped ${JSON.stringify(removed)}`);

// A download that completes.
const fast = await ws.call("addUri", [FAST_URL]);
await until("onDownloadComplete", fast);

// system.multicall: each result a one-element array, each error in its place.
const multi = await ws.multicall([["tellStatus", fast, ["status"]], ["tellStatus", "0000000000000000"]]);
check(JSON.stringify(multi[0]) === JSON.stringify([{ status: "complete" }]), `multicall[0] ${JSON.stringify(multi[0])}`);
check(multi[1].code === 1 && /not found/.test(multi[1].message), `multicall[1] ${JSON.stringify(multi[1])}`);

// A JSON-RPC batch.
const [stat, missing] = await ws.batch([["getGlobalStat"], ["tellStatus", "0000000000000000"]]);
check(typeof (await stat).numStopped === "string", "batch: getGlobalStat");
await assert.rejects(missing, (err) => err.code === 1);
checks++;
await ws.close();

// The same client over HTTP.
const http = new Aria2(options);
check((await http.call("getVersion")).version.length > 0, "getVersion over HTTP");
const stopped = await http.call("tellStopped", 0, 10, ["gid", "status"]);
check(stopped.some((s) => s.gid === fast && s.status === "complete"), `tellStopped over HTTP ${JSON.stringify(stopped)}`);
check((await http.call("removeDownloadResult", fast)) === "OK", "removeDownloadResult");
await assert.rejects(http.call("tellStatus", fast), (err) => err.code === 1);
checks++;
await assert.rejects(new Aria2({ ...options, secret: "wrong" }).call("getVersion"), (err) => err.code === 1 && err.message === "Unauthorized");
checks++;
check((await http.call("purgeDownloadResult")) === "OK", "purgeDownloadResult");
check((await http.call("tellStopped", 0, 10)).length === 0, "nothing stopped after the purge");

console.log(`aria2.js: ${checks} checks passed`);
