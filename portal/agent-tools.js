// The agent's tools on the contact they hold (a new payment link, the keypad unlock, the
// caller's callback, a note) and the supervisors' callback backlog. agent.js tells this file
// what happens on the desk through DOM events: agent:desk (signed in), agent:contact (a
// timeline was shown), agent:ended; this file asks for a fresh timeline with agent:refresh.
// Each action carries an Idempotency-Key: one per action the agent starts, the same on a retry
// or a second click, so the API does it once. The API decides who may; the page only follows.
"use strict";

(function () {
  const $ = (id) => document.getElementById(id);
  let desk = null; // { token, config, groups }
  let contact = null; // the timeline on show
  let cursor = null;
  const keys = {};

  function newKey() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    const bytes = crypto.getRandomValues(new Uint8Array(16));
    return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  // The key of an action in progress: kept until the API gave a definitive answer.
  function keyFor(action) {
    if (!keys[action]) keys[action] = newKey();
    return keys[action];
  }

  function settled(action, status) {
    if (status !== 0 && status < 500) delete keys[action];
  }

  function headers(key) {
    const all = {};
    if (desk.token) all.Authorization = "Bearer " + desk.token;
    else if (desk.config.mode === "local") all["X-Local-Request"] = "1"; // the sign-in cookie
    if (key) all["Idempotency-Key"] = key;
    if (contact && contact.via && contact.via !== contact.contactId) all["X-Connect-Contact-Id"] = contact.via;
    return all;
  }

  function api(method, path, body, key) {
    return ivr.request(method, desk.config.agentApiBase + path, body, headers(key));
  }

  function say(id, text, ok) {
    const node = $(id);
    node.textContent = text;
    node.className = "notice " + (ok ? "ok" : "error");
  }

  const REFUSED = {
    401: "Your sign-in has expired or has no Connect user: sign in again.",
    403: "Not allowed: this contact is not yours (or ended too long ago).",
    404: "Nothing to do: nothing of that kind on this contact.",
    409: "It changed meanwhile (a callback being dialled?). Reload and try again.",
    422: "That time cannot be booked.",
  };

  function problem(answer) {
    if (answer.status === 422 && answer.body.message) return answer.body.message;
    if (answer.status === 409 && answer.body.error === "in_progress") return answer.body.message;
    return REFUSED[answer.status] || answer.body.message || "Please try again in a moment.";
  }

  // One click = one action: the button is off while its request runs; a retry reuses the key.
  async function act(button, action, path, body, done) {
    if (button.disabled || !contact) return;
    button.disabled = true;
    const contactPath = "/contacts/" + encodeURIComponent(contact.contactId) + path;
    const answer = await api("POST", contactPath, body, keyFor(contact.contactId + action));
    settled(contact.contactId + action, answer.status);
    button.disabled = false;
    if (answer.status === 200) done(answer.body);
    else say("tools-status", problem(answer), false);
    document.dispatchEvent(new CustomEvent("agent:refresh"));
  }

  function showContact(t) {
    const changed = !contact || contact.contactId !== t.contactId;
    contact = t;
    ivr.show("agent-tools", true);
    if (changed) {
      ivr.show("tools-status", false);
      ivr.show("link-pin", false);
    }
    const callback = t.pendingCallback;
    ivr.show("callback-tools", Boolean(callback));
    $("callback-when").textContent = callback ? callback.spoken + " (" + callback.kind + ")" : "";
    $("move-callback").disabled = !callback || callback.kind !== "scheduled";
  }

  function sendLink() {
    act($("send-link"), "link", "/portal-link", {}, (body) => {
      say("tools-status", "A new payment link for " + body.amount + " was texted to the caller.", true);
      const pin = $("link-pin");
      pin.textContent = "Read the PIN to the caller: " + body.pin.split("").join(" ");
      ivr.show("link-pin", true);
    });
  }

  function unlock() {
    act($("unlock-keypad"), "unlock", "/keypad-unlock", {}, () => {
      say("tools-status", "Keypad unlocked: the caller can use the keypad again.", true);
    });
  }

  function cancelCallback() {
    act($("cancel-callback"), "cancel", "/callback/cancel", {}, () => {
      say("tools-status", "Callback cancelled; the caller gets a text.", true);
    });
  }

  function moveCallback() {
    const time = $("callback-time").value;
    if (!time) {
      say("tools-status", "Choose the new time first.", false);
      $("callback-time").focus();
      return;
    }
    const body = { time: time, clock: $("callback-clock").value };
    act($("move-callback"), "move:" + time + body.clock, "/callback/move", body, (answer) => {
      say("tools-status", "Callback moved to " + answer.callback.spoken + "; the caller gets a text.", true);
    });
  }

  function addNote(event) {
    event.preventDefault();
    const text = $("note-text").value.trim();
    if (!text) return;
    const button = $("note-form").querySelector("button");
    act(button, "note:" + text, "/notes", { text: text }, () => {
      $("note-text").value = "";
      say("tools-status", "Note added to the timeline.", true);
    });
  }

  // --- the supervisors' backlog ------------------------------------------------------------------

  function clockCell(shown) {
    const local = shown.local.slice(0, 16).replace("T", " ");
    return ivr.el("td", {}, [document.createTextNode(local), ivr.el("span", { className: "zone", text: shown.zone })]);
  }

  function waited(seconds) {
    const minutes = Math.floor(seconds / 60);
    return minutes < 1 ? "under a minute" : minutes + " min";
  }

  async function backlogAction(button, path, body, label) {
    if (button.disabled) return;
    button.disabled = true;
    const answer = await api("POST", "/callbacks/" + path, body, keyFor(path));
    settled(path, answer.status);
    button.disabled = false;
    say("backlog-status", answer.status === 200 ? label : problem(answer), answer.status === 200);
    if (answer.status === 200) loadBacklog(false);
  }

  function scheduledRow(entry) {
    const id = encodeURIComponent(entry.callbackId);
    const row = ivr.el("tr", { "data-callback": entry.callbackId });
    const when = "callback for " + entry.phone + " at " + entry.callerTime.local.slice(11, 16);
    const cancel = ivr.el("button", { type: "button", className: "danger", text: "Cancel", "aria-label": "Cancel " + when });
    cancel.addEventListener("click", () => backlogAction(cancel, id + "/cancel", {}, "Callback cancelled; the caller gets a text."));
    const timeId = "reschedule-" + entry.callbackId;
    const input = ivr.el("input", { id: timeId, type: "datetime-local", value: entry.callerTime.local.slice(0, 16) });
    const clock = ivr.el("select", { "aria-label": "Clock for the new time of the " + when }, [
      ivr.el("option", { value: "caller", text: "caller's clock" }),
      ivr.el("option", { value: "center", text: "center's clock" }),
    ]);
    const move = ivr.el("button", { type: "button", className: "secondary", text: "Reschedule", "aria-label": "Reschedule " + when });
    move.addEventListener("click", () =>
      backlogAction(move, id + "/reschedule", { time: input.value, clock: clock.value }, "Callback rescheduled; the caller gets a text."));
    const label = ivr.el("label", { for: timeId, className: "inline", text: "New time of the " + when });
    label.classList.add("visually-hidden");
    row.append(
      ivr.el("td", { text: entry.queue }),
      clockCell(entry.callerTime),
      clockCell(entry.centerTime),
      ivr.el("td", { text: entry.phone }),
      ivr.el("td", { text: entry.status + (entry.attempts ? " (" + entry.attempts + " failed tries)" : "") }),
      ivr.el("td", {}, [ivr.el("div", { className: "row" }, [label, input, clock, move, cancel])]),
    );
    return row;
  }

  async function loadBacklog(more) {
    const params = new URLSearchParams({ limit: "20" });
    const queue = $("backlog-queue").value.trim();
    if (queue) params.set("queue", queue);
    if (more && cursor) params.set("cursor", cursor);
    const answer = await api("GET", "/callbacks/backlog?" + params.toString());
    if (answer.status !== 200) {
      say("backlog-status", problem(answer), false);
      if (answer.status === 403) ivr.show("backlog", false);
      return;
    }
    const body = answer.body;
    $("center-zone").textContent = body.centerZone;
    const rows = $("backlog-scheduled");
    if (!more) rows.replaceChildren();
    body.scheduled.forEach((entry) => rows.append(scheduledRow(entry)));
    cursor = body.cursor;
    ivr.show("backlog-more", Boolean(cursor));
    ivr.show("backlog-empty", rows.children.length === 0);
    if (!more) {
      const queued = $("backlog-queued");
      queued.replaceChildren();
      body.queued.forEach((entry) => {
        queued.append(ivr.el("li", { "data-callback": entry.callbackId }, [
          ivr.el("strong", { text: entry.phone }),
          document.createTextNode(" - queue " + entry.queue + " - waiting " + waited(entry.waitSeconds) +
            " (asked " + entry.callerTime.local.slice(11, 16) + " caller's clock, " +
            entry.centerTime.local.slice(11, 16) + " center's)"),
        ]));
      });
      ivr.show("queued-empty", body.queued.length === 0);
    }
  }

  document.addEventListener("DOMContentLoaded", () => {
    $("send-link").addEventListener("click", sendLink);
    $("unlock-keypad").addEventListener("click", unlock);
    $("cancel-callback").addEventListener("click", cancelCallback);
    $("move-callback").addEventListener("click", moveCallback);
    $("note-form").addEventListener("submit", addNote);
    $("backlog-refresh").addEventListener("click", () => loadBacklog(false));
    $("backlog-more").addEventListener("click", () => loadBacklog(true));
  });
  document.addEventListener("agent:desk", (event) => {
    desk = event.detail;
    if ((desk.groups || []).indexOf("supervisors") >= 0) {
      ivr.show("backlog", true);
      loadBacklog(false);
    }
  });
  document.addEventListener("agent:contact", (event) => {
    ivr.show("contact-refused", false);
    showContact(event.detail);
  });
  // Not this agent's contact (or ended too long ago): say so rather than show nothing.
  document.addEventListener("agent:refused", () => {
    $("contact-refused").textContent = REFUSED[403];
    ivr.show("contact-refused", true);
  });
  document.addEventListener("agent:ended", () => {
    contact = null;
    ivr.show("agent-tools", false);
  });
})();
