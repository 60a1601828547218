// The agent dashboard. Cloud: the Amazon Connect softphone (amazon-connect-streams) beside the
// customer card and transcript; signed in with the agents' Cognito user pool. Local: the local
// contact center's queue replaces the softphone; signed in as the local agent.
"use strict";

(function () {
  const $ = (id) => document.getElementById(id);
  const LOCAL = { "X-Local-Request": "1" };
  let config = null;
  let token = "";
  let openContact = "";
  let refreshTimer = null;
  let refreshing = false;
  let mfaSession = null;
  let viaContact = "";

  const INTENTS = {
    CheckBalance: "Check balance",
    MakePayment: "Make a payment",
    TalkToAgent: "Talk to an agent",
    RequestCallback: "Request a callback",
    FallbackIntent: "Not understood",
  };

  // --- signing in ---------------------------------------------------------------------------------

  async function signInLocal(username, password) {
    const answer = await ivr.request("POST", "/agent/login", { username: username, password: password }, LOCAL);
    return answer.status === 200
      ? { token: answer.body.token, name: answer.body.username, groups: answer.body.groups || [] }
      : { error: answer.body.message };
  }

  // Cognito's InitiateAuth (USER_PASSWORD_AUTH) and, with MFA, RespondToAuthChallenge.
  async function cognito(target, body) {
    const response = await fetch("https://cognito-idp." + config.region + ".amazonaws.com/", {
      method: "POST",
      headers: {
        "Content-Type": "application/x-amz-json-1.1",
        "X-Amz-Target": "AWSCognitoIdentityProviderService." + target,
      },
      body: JSON.stringify(body),
    });
    return { ok: response.ok, body: await response.json() };
  }

  async function signInCognito(username, password) {
    let answer;
    if (mfaSession) {
      answer = await cognito("RespondToAuthChallenge", {
        ClientId: config.userPoolClientId,
        ChallengeName: "SOFTWARE_TOKEN_MFA",
        Session: mfaSession,
        ChallengeResponses: { USERNAME: username, SOFTWARE_TOKEN_MFA_CODE: $("mfa-code").value.trim() },
      });
    } else {
      answer = await cognito("InitiateAuth", {
        AuthFlow: "USER_PASSWORD_AUTH",
        ClientId: config.userPoolClientId,
        AuthParameters: { USERNAME: username, PASSWORD: password },
      });
    }
    if (!answer.ok) return { error: "Wrong name, password or code." };
    if (answer.body.ChallengeName === "SOFTWARE_TOKEN_MFA") {
      mfaSession = answer.body.Session;
      ivr.show("mfa-field", true);
      return { error: "Enter the code from your authenticator app." };
    }
    if (!answer.body.AuthenticationResult) return { error: "This sign-in needs the Cognito console (" + answer.body.ChallengeName + ")." };
    mfaSession = null;
    const idToken = answer.body.AuthenticationResult.IdToken;
    return { token: idToken, name: username, groups: tokenGroups(idToken) };
  }

  // The page only shows or hides the supervisors' panel by this; the API decides who may.
  function tokenGroups(idToken) {
    try {
      const payload = JSON.parse(atob(idToken.split(".")[1].replace(/-/g, "+").replace(/_/g, "/")));
      return payload["cognito:groups"] || [];
    } catch (err) {
      return [];
    }
  }

  async function signIn(event) {
    event.preventDefault();
    const username = $("username").value.trim();
    const password = $("password").value;
    const result = config.mode === "local" ? await signInLocal(username, password) : await signInCognito(username, password);
    if (result.error) {
      $("login-error").textContent = result.error;
      ivr.show("login-error", true);
      return;
    }
    token = result.token;
    sessionStorage.setItem("agentToken", token);
    sessionStorage.setItem("agentName", result.name);
    sessionStorage.setItem("agentGroups", JSON.stringify(result.groups || []));
    startDesk(result.name);
  }

  async function signOut() {
    sessionStorage.clear();
    if (config.mode === "local") await ivr.request("POST", "/agent/logout", {}, LOCAL);
    location.reload();
  }

  // --- the desk -------------------------------------------------------------------------------------

  function startDesk(name) {
    ivr.show("login", false);
    ivr.show("desk", true);
    ivr.show("sign-out", true);
    $("who").textContent = "Signed in as " + name;
    const groups = JSON.parse(sessionStorage.getItem("agentGroups") || "[]");
    document.dispatchEvent(new CustomEvent("agent:desk", { detail: { token: token, config: config, groups: groups } }));
    if (config.mode === "local") startLocalQueue();
    else startSoftphone();
    $("main").focus();
  }

  function startLocalQueue() {
    ivr.show("local-queue", true);
    ivr.stream("/events/agent", {
      queue: (data) => showQueue(data.contacts),
      activity: (data) => {
        if (openContact && (!data.contactId || data.contactId === openContact)) scheduleRefresh();
      },
    }, (state) => {
      $("stream-state").textContent = state === "live" ? "Live." : "Reconnecting...";
    });
  }

  function showQueue(contacts) {
    const list = $("queue");
    list.replaceChildren();
    ivr.show("queue-empty", contacts.length === 0);
    contacts.forEach((contact) => {
      const waiting = contact.status === "waiting";
      const button = ivr.el("button", { type: "button", text: waiting ? "Accept" : "Open" });
      button.addEventListener("click", () => (waiting ? accept(contact.contactId) : load(contact.contactId)));
      list.append(ivr.el("li", { "data-contact": contact.contactId }, [
        ivr.el("p", {}, [ivr.el("strong", { text: contact.number }), document.createTextNode(" - queue " + contact.queue)]),
        ivr.el("p", { className: "whisper", text: contact.whisper || "No whisper." }),
        ivr.el("p", { className: "muted", text: waiting ? "Waiting since " + new Date(contact.queuedAt).toLocaleTimeString() : "With " + contact.agent }),
        button,
      ]));
    });
  }

  async function accept(contactId) {
    const answer = await ivr.request("POST", "/agent/contacts/" + encodeURIComponent(contactId) + "/accept", {}, LOCAL);
    if (answer.status === 200) {
      load(contactId);
      ivr.show("contact-actions", true);
      if (answer.body.whisper && window.speechSynthesis) {
        window.speechSynthesis.speak(new SpeechSynthesisUtterance(answer.body.whisper));
      }
    }
  }

  async function endContact() {
    if (!openContact) return;
    await ivr.request("POST", "/agent/contacts/" + encodeURIComponent(openContact) + "/end", {}, LOCAL);
    openContact = "";
    document.dispatchEvent(new CustomEvent("agent:ended"));
    ivr.show("contact", false);
    ivr.show("no-contact", true);
  }

  function startSoftphone() {
    ivr.show("softphone", true);
    const script = document.createElement("script");
    script.src = "/vendor/connect-streams-min.js";
    script.onload = () => {
      /* global connect */
      connect.core.initCCP($("ccp"), {
        ccpUrl: config.ccpUrl,
        loginPopup: true,
        loginPopupAutoClose: true,
        region: config.region,
        softphone: { allowFramedSoftphone: true },
      });
      // The timeline is the initial contact's; a transferred call is a later contact of the
      // chain, which the API checks the agent holds (X-Connect-Contact-Id).
      const open = (contact) => {
        viaContact = contact.getContactId();
        load(contact.getInitialContactId() || contact.getContactId());
      };
      connect.contact((contact) => {
        contact.onConnecting(() => open(contact));
        contact.onConnected(() => open(contact));
      });
    };
    document.head.append(script);
  }

  // --- the customer card and transcript ------------------------------------------------------------

  function scheduleRefresh() {
    clearTimeout(refreshTimer);
    refreshTimer = setTimeout(() => load(openContact), 300);
  }

  async function load(contactId) {
    if (refreshing) {
      scheduleRefresh();
      return;
    }
    refreshing = true;
    openContact = contactId;
    const headers = token ? { Authorization: "Bearer " + token } : {};
    if (viaContact && viaContact !== contactId) headers["X-Connect-Contact-Id"] = viaContact;
    const answer = await ivr.request("GET", config.agentApiBase + "/contacts/" + encodeURIComponent(contactId) + "/timeline",
      undefined, headers);
    refreshing = false;
    if (answer.status === 401) {
      signOut();
      return;
    }
    if (answer.status === 403) document.dispatchEvent(new CustomEvent("agent:refused", { detail: contactId }));
    if (answer.status !== 200) return;
    showTimeline(answer.body);
  }

  function fact(list, term, value) {
    if (!value) return;
    list.append(ivr.el("dt", { text: term }), ivr.el("dd", { text: value }));
  }

  // A charge the processor left unanswered (README "Payments"): the agent must not take it again.
  const PAYMENT_STATUSES = { in_doubt: "in doubt (charge not confirmed yet - do not take it again)" };

  function payment(p) {
    const status = PAYMENT_STATUSES[p.status] || p.status;
    return [p.amount, status, p.card, p.at ? new Date(p.at).toLocaleString() : ""].filter(Boolean).join(" - ");
  }

  function showTimeline(t) {
    ivr.show("no-contact", false);
    ivr.show("contact", true);
    $("customer-title").textContent = t.customer.found ? t.customer.name : "Unknown caller";
    $("whisper").textContent = t.whisper;
    const facts = $("facts");
    facts.replaceChildren();
    fact(facts, "Account", t.customer.account);
    fact(facts, "Balance", t.customer.balance);
    fact(facts, "Authentication", t.authentication.summary);
    fact(facts, "Wanted", INTENTS[t.intent] || t.intent);
    if (t.openTransaction) fact(facts, "Open payment", payment(t.openTransaction));
    if (t.portal) fact(facts, "Portal", t.portal.amount + " - " + t.portal.status);
    t.recentPayments.forEach((p, i) => fact(facts, i === 0 ? "Recent payments" : "", payment(p)));
    if (t.pendingCallback) fact(facts, "Callback", t.pendingCallback.spoken);
    showTranscript(t.events);
    document.dispatchEvent(new CustomEvent("agent:contact", { detail: Object.assign({ via: viaContact }, t) }));
  }

  // --- the transcript: a conversation, with what happened between ---------------------------------
  // What the IVR said and what the caller said or pressed, in order, on the call's own clock; what
  // happened (a check's verdict, a wrong PIN, a decline, a lock, a transfer) as events between;
  // the Lambdas' answers are developer rows, shown with the toggle.

  const EVENT_OUTCOMES = /^(declined|locked|failed|wrong|invalid|expired|abandoned|not_?authenticated|notAllowed|error)$/i;

  function functionWords(name) {
    return name.replace(/Function$/, "").replace(/([a-z])([A-Z])/g, "$1 $2").toLowerCase();
  }

  // "KeypadAuthenticationFunction: status=failed" -> "keypad authentication: failed" when the
  // outcome is one the agent must see; otherwise null (a developer row only).
  function lambdaEvent(text) {
    const [name, outcome] = text.split(": ");
    if (!outcome) return null;
    const values = outcome.split(", ").map((pair) => pair.split("=")[1] || "");
    const notable = values.filter((v) => EVENT_OUTCOMES.test(v));
    return notable.length ? functionWords(name) + ": " + notable.join(", ").replace(/_/g, " ") : null;
  }

  function clockLabel(at, start) {
    const seconds = Math.max(0, Math.round((new Date(at) - start) / 1000));
    const elapsed = Math.floor(seconds / 60) + ":" + String(seconds % 60).padStart(2, "0");
    return new Date(at).toLocaleTimeString() + " (" + elapsed + ")";
  }

  function transcriptRow(e, start) {
    const when = clockLabel(e.at, start);
    if (e.who === "ivr" || e.who === "caller" || e.who === "agent") {
      const label = e.kind === "note" ? "Note" : { ivr: "IVR", caller: "Caller", agent: "Whisper" }[e.who];
      return ivr.el("li", { className: e.who }, [
        ivr.el("span", { className: "who", text: label + " · " + when }),
        document.createTextNode(e.text),
      ]);
    }
    if (e.kind === "lambda") {
      const happened = lambdaEvent(e.text);
      const rows = [ivr.el("li", { className: "developer" }, [
        ivr.el("span", { className: "who", text: "Lambda · " + when }),
        document.createTextNode(e.text),
      ])];
      if (happened) rows.unshift(ivr.el("li", { className: "event" }, [ivr.el("span", { className: "who", text: when }), document.createTextNode(happened)]));
      return rows;
    }
    const text = e.kind === "intent" ? "wants: " + (INTENTS[e.text] || e.text) : e.text;
    return ivr.el("li", { className: "event event-" + e.kind }, [
      ivr.el("span", { className: "who", text: when }),
      document.createTextNode(text),
    ]);
  }

  function showTranscript(events) {
    const list = $("transcript");
    list.replaceChildren();
    ivr.show("transcript-empty", events.length === 0);
    const start = events.length ? new Date(events[0].at) : new Date();
    events.forEach((e) => {
      const rows = transcriptRow(e, start);
      (Array.isArray(rows) ? rows : [rows]).forEach((row) => list.append(row));
    });
    list.scrollTop = list.scrollHeight;
  }

  function showDeveloperRows() {
    $("transcript").classList.toggle("hide-developer", !$("developer-rows").checked);
  }

  document.addEventListener("DOMContentLoaded", async () => {
    config = await ivr.config();
    $("login-form").addEventListener("submit", signIn);
    $("sign-out").addEventListener("click", signOut);
    $("end-contact").addEventListener("click", endContact);
    $("developer-rows").addEventListener("change", showDeveloperRows);
    showDeveloperRows();
    document.addEventListener("agent:refresh", () => {
      if (openContact) scheduleRefresh();
    });
    token = sessionStorage.getItem("agentToken") || "";
    let name = sessionStorage.getItem("agentName") || "";
    if (config.mode === "local" && !token) {
      // Still signed in by the local server's cookie (another tab signed in)?
      const session = await ivr.request("GET", "/agent/session");
      if (session.status === 200) {
        name = session.body.username;
        sessionStorage.setItem("agentGroups", JSON.stringify(session.body.groups || []));
      }
    }
    if (token || name) startDesk(name);
    else {
      ivr.show("login", true);
      $("username").focus();
    }
  });
})();
