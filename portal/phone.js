// The web phone: call the IVR, hear (read) its prompts, speak by typing, press keys, and read
// the SMS the contact center sends to the number, from which the payment link opens.
"use strict";

(function () {
  const $ = (id) => document.getElementById(id);
  const LOCAL = { "X-Local-Request": "1" };
  let number = "";
  let events = null;
  let listening = null;
  let keyBuffer = "";
  let keyTimer = null;
  let lastActivity = 0;

  const STATUS = {
    ringing: "Calling...",
    incoming: "Incoming call from Example Bank (your callback). Answer it?",
    ivr: "In a call with the IVR.",
    queued: "Waiting in the queue for an agent.",
    agent: "Connected to an agent.",
    ended: "The call has ended.",
  };

  function send(body) {
    return ivr.request("POST", "/phone/input", Object.assign({ number: number }, body), LOCAL);
  }

  function setStatus(status, ended) {
    let text = STATUS[status] || "Not in a call.";
    if (status === "ended" && ended && ended.startsWith("error")) text = "The call failed: " + ended;
    if (status === "ended" && ended === "missed") text = "You missed a call from Example Bank.";
    if (status === "ivr" && listening) {
      text += listening.kind === "speech" ? " The IVR is listening: say something." : " The IVR is waiting for keys.";
    }
    $("status").textContent = text;
    const inCall = ["ringing", "incoming", "ivr", "queued", "agent"].includes(status);
    $("hangup").disabled = !inCall;
    $("hangup").textContent = status === "incoming" ? "Decline" : "Hang up";
    $("call").disabled = inCall;
    $("answer").hidden = status !== "incoming";
  }

  let currentStatus = "";
  let currentEnded = "";

  function addLine(entry) {
    const who = entry.who === "ivr" ? "IVR" : "You";
    const item = ivr.el("li", { className: entry.who === "ivr" ? "ivr" : "caller" }, [
      ivr.el("span", { className: "who", text: who }),
      document.createTextNode(entry.text),
    ]);
    $("conversation").append(item);
    $("conversation").scrollTop = $("conversation").scrollHeight;
    if (entry.who === "ivr" && $("speak").checked && window.speechSynthesis) {
      window.speechSynthesis.speak(new SpeechSynthesisUtterance(entry.text));
    }
  }

  function sentTime(message) {
    if (!message.sentAt) return "";
    const at = new Date(message.sentAt);
    return isNaN(at) ? "" : at.toLocaleString([], { dateStyle: "short", timeStyle: "short" });
  }

  // Text messages and e-mails, in the order they were sent, each with its time.
  function addSms(message) {
    if (document.querySelector('[data-sms="' + CSS.escape(message.id) + '"]')) return;
    const email = message.channel === "email";
    const head = ivr.el("span", { className: "message-head" }, [
      ivr.el("strong", { text: email ? "E-mail" : "SMS" }),
      document.createTextNode(" " + sentTime(message) + (email ? " · " + message.to : "")),
    ]);
    const parts = [head];
    if (email && message.subject) parts.push(ivr.el("span", { className: "subject", text: message.subject }));
    const body = ivr.el("span", { className: "body" }, ivr.linkify(message.text));
    parts.push(body);
    const item = ivr.el("li", { "data-sms": message.id, className: email ? "email" : "sms" }, parts);
    $("inbox").append(item);
    $("inbox-empty").hidden = true;
  }

  function follow() {
    if (events) events.close();
    $("conversation").replaceChildren();
    $("inbox").replaceChildren();
    // holds=1: this page holds the line, so closing it hangs up the call.
    events = ivr.stream("/events/phone?holds=1&number=" + encodeURIComponent(number), {
      snapshot: (data) => {
        $("conversation").replaceChildren();
        $("inbox").replaceChildren();
        $("inbox-empty").hidden = data.inbox.length > 0;
        data.inbox.forEach(addSms);
        if (data.call) {
          data.call.transcript.forEach(addLine);
          listening = data.call.listening;
          currentStatus = data.call.status;
          currentEnded = data.call.ended;
        } else {
          currentStatus = "";
        }
        setStatus(currentStatus, currentEnded);
      },
      call: (data) => {
        $("conversation").replaceChildren();
        currentStatus = data.status || "ringing";
        currentEnded = "";
        setStatus(currentStatus);
      },
      said: addLine,
      listening: (data) => {
        listening = data.listening;
        setStatus(currentStatus, currentEnded);
      },
      status: (data) => {
        currentStatus = data.status;
        currentEnded = data.ended || "";
        setStatus(currentStatus, currentEnded);
      },
      sms: addSms,
    });
  }

  async function call(event) {
    event.preventDefault();
    const wanted = $("number").value.trim();
    if (wanted !== number) {
      number = wanted;
      follow();
    }
    const answer = await ivr.request("POST", "/phone/call",
      { number: number, voice: $("voice").value }, LOCAL);
    if (answer.status !== 201) {
      $("status").textContent = answer.body.message || "The call could not be placed.";
    }
  }

  async function say(event) {
    event.preventDefault();
    const text = $("speech").value.trim();
    if (!text) return;
    $("speech").value = "";
    const answer = await send({ type: "say", text: text });
    if (answer.status !== 202) $("status").textContent = answer.body.message;
  }

  function flushKeys() {
    clearTimeout(keyTimer);
    if (!keyBuffer) return;
    const digits = keyBuffer;
    keyBuffer = "";
    send({ type: "press", digits: digits });
  }

  function press(key) {
    keyBuffer += key;
    const menu = listening && listening.kind === "dtmf" && (listening.maxDigits || 1) === 1;
    if (menu || key === "#") {
      flushKeys();
      return;
    }
    activity();
    clearTimeout(keyTimer);
    keyTimer = setTimeout(flushKeys, 3000); // Connect's usual pause between digits
  }

  // While the person types or keys, the IVR keeps waiting (as it would for speech starting).
  function activity() {
    const now = Date.now();
    if (now - lastActivity < 1000) return;
    lastActivity = now;
    send({ type: "activity" });
  }

  function buildKeypad() {
    "123456789*0#".split("").forEach((key) => {
      const button = ivr.el("button", { type: "button", "aria-label": "key " + key, text: key });
      button.addEventListener("click", () => press(key));
      $("keypad").append(button);
    });
  }

  document.addEventListener("DOMContentLoaded", async () => {
    buildKeypad();
    const config = await ivr.config();
    config.callers.forEach((c) => $("callers").append(ivr.el("option", { value: c.number, text: c.name })));
    config.voiceOutcomes.forEach((v) => $("voice").append(ivr.el("option", { value: v, text: v.replace(/_/g, " ") })));
    const fromQuery = new URLSearchParams(location.search).get("from");
    if (fromQuery) $("number").value = fromQuery;
    number = $("number").value.trim();
    follow();
    $("number").addEventListener("change", () => {
      number = $("number").value.trim();
      follow();
    });
    $("dial-form").addEventListener("submit", call);
    $("say-form").addEventListener("submit", say);
    $("speech").addEventListener("input", activity);
    $("hangup").addEventListener("click", () => send({ type: "hangup" }));
    $("answer").addEventListener("click", async () => {
      const answer = await ivr.request("POST", "/phone/answer", { number: number }, LOCAL);
      if (answer.status !== 200) $("status").textContent = answer.body.message || "The call is gone.";
    });
    setStatus("");
  });
})();
