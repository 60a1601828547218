// The payment portal: link state -> PIN -> payment form (card fields hosted by the processor) ->
// confirmation. The link is /pay/<session>#<token>: the token stays in the fragment (never sent in
// a URL or a Referer) and travels only in request bodies. Whoever holds it is the customer, so the
// API tells this page the link's true state (paid, expired, locked, declined); without it, the API
// answers one refusal for every case.
"use strict";

(function () {
  const sessionId = location.pathname.split("/").pop();
  const linkToken = location.hash.replace(/^#/, "");
  const STEPS = ["loading-step", "problem-step", "pin-step", "pay-step", "done-step"];
  // What each state of a link tells its holder, and the way forward whether or not they are still
  // on the call (a caller who hung up is never told to go back to it).
  const STATES = {
    expired: {
      title: "This payment link has expired",
      message: "For your security, a payment link works for 10 minutes. No payment was taken.",
    },
    locked: {
      title: "This payment link is locked",
      message: "It was locked after 5 wrong PINs, and no payment was taken.",
    },
    declined: {
      title: "Your card was declined",
      message: "The cards tried on this link were declined, and no payment was taken.",
    },
  };
  const WAY_FORWARD = "If you're still on the call, ask the assistant for a new link or for an " +
    "agent. If not, call us and we'll send you a new link.";
  let apiToken = "";
  let apiBase = "/api";
  let cardOrigin = "";
  let cardFrame = null;
  let pendingTokenize = null;
  let frameReady = null;
  let markFrameReady = null;
  const problems = new Map(); // field name -> what is wrong, for the summary above the form

  const $ = (id) => document.getElementById(id);

  function headers(withAuth) {
    const h = { "X-Portal-Request": "1" };
    if (withAuth && apiToken) h.Authorization = "Bearer " + apiToken;
    return h;
  }

  function showOnly(id) {
    STEPS.forEach((step) => ivr.show(step, step === id));
  }

  function problem(title, message, next) {
    $("problem-title").textContent = title;
    $("problem-message").textContent = message;
    $("problem-next").textContent = next || "";
    ivr.show("problem-next", Boolean(next));
    showOnly("problem-step");
    $("main").focus();
  }

  function showError(id, message) {
    const box = $(id);
    box.textContent = message;
    box.classList.remove("hidden");
  }

  // The state a link's holder sees: the PIN, the receipt of a payment made, or why it is over.
  function showLink(link) {
    if (link.state === "open") {
      showOnly("pin-step");
      $("pin").focus();
    } else if (link.state === "paid") {
      receipt(link.receipt, "This payment was already made", false);
    } else {
      const shown = STATES[link.state] || STATES.expired;
      problem(shown.title, shown.message, WAY_FORWARD);
    }
  }

  async function openLink() {
    const answer = await ivr.request("POST", apiBase + "/sessions/" + sessionId + "/link",
      { token: linkToken }, headers(false));
    if (answer.status === 200) {
      showLink(answer.body);
    } else {
      refused(answer);
    }
  }

  function refused(answer) {
    problem("This payment link can't be used",
      answer.body.message || "We couldn't open this payment. Please try again.");
  }

  async function verify(event) {
    event.preventDefault();
    const pin = $("pin").value.replace(/\s+/g, "");
    if (!/^[0-9]{6}$/.test(pin)) {
      $("pin").setAttribute("aria-invalid", "true");
      showError("pin-error", "Enter the 6 digits of your PIN.");
      $("pin").focus();
      return;
    }
    $("pin").removeAttribute("aria-invalid");
    $("pin-submit").disabled = true;
    const answer = await ivr.request("POST", apiBase + "/sessions/" + sessionId + "/verify",
      { token: linkToken, pin: pin }, headers(false));
    $("pin-submit").disabled = false;
    if (answer.status === 200) {
      apiToken = answer.body.apiToken;
      showPayment(answer.body);
    } else if (answer.body.error === "wrong_pin") {
      const left = answer.body.pinTriesLeft;
      showError("pin-error", "That PIN isn't right. Check the 6-digit PIN you heard on the call. " +
        left + (left === 1 ? " try left." : " tries left."));
      $("pin").setAttribute("aria-invalid", "true");
      $("pin").value = "";
      $("pin").focus();
    } else if (answer.status === 409) {
      showLink(answer.body);
    } else {
      refused(answer);
    }
  }

  function showPayment(summary) {
    $("pay-amount").textContent = summary.amountDisplay;
    $("pay-name").textContent = summary.name ? " for " + summary.name : "";
    showOnly("pay-step");
    cardFrame = $("card-frame");
    frameReady = new Promise((resolve) => { markFrameReady = resolve; });
    cardFrame.src = cardOrigin + "/card-frame.html";
    $("pay-title").setAttribute("tabindex", "-1");
    $("pay-title").focus();
  }

  // The hosted card fields answer a "tokenize" message with a token, or with the fields missing
  // or invalid; they report fields fixed, and their height, so the frame fits with no gap.
  async function tokenize() {
    await frameReady;
    return new Promise((resolve) => {
      pendingTokenize = resolve;
      cardFrame.contentWindow.postMessage({ type: "tokenize" }, cardOrigin);
    });
  }

  window.addEventListener("message", (event) => {
    if (event.origin !== cardOrigin) return;
    const data = event.data || {};
    if (data.type === "ready" && markFrameReady) {
      markFrameReady();
    } else if (data.type === "height" && cardFrame) {
      cardFrame.style.height = Math.ceil(Number(data.height) || 0) + "px";
    } else if (data.type === "fixed") {
      fixed(String(data.field || ""));
    } else if (pendingTokenize && (data.type === "tokenized" || data.type === "invalid")) {
      const resolve = pendingTokenize;
      pendingTokenize = null;
      resolve(data);
    }
  });

  function fixed(field) {
    problems.delete(field);
    summarise();
  }

  // One line above the form naming every field still to fix; it goes when they are all fixed.
  function summarise() {
    if (!problems.size) {
      $("pay-error").classList.add("hidden");
      return;
    }
    const missing = [...problems].filter(([, why]) => why === "missing").map(([f]) => f);
    const invalid = [...problems].filter(([, why]) => why === "invalid").map(([f]) => f);
    const parts = [];
    if (missing.length) parts.push("Please complete the " + listed(missing) + ".");
    if (invalid.length) parts.push("Check the " + listed(invalid) + ".");
    showError("pay-error", parts.join(" "));
  }

  function listed(names) {
    return names.length < 2 ? names.join("") :
      names.slice(0, -1).join(", ") + " and " + names[names.length - 1];
  }

  async function pay(event) {
    event.preventDefault();
    ivr.show("pay-declined", false);
    const name = $("card-name").value.trim();
    $("pay-submit").disabled = true;
    const card = await tokenize();
    problems.clear();
    if (!name) problems.set("name on card", "missing");
    (card.missing || []).forEach((field) => problems.set(field, "missing"));
    (card.invalid || []).forEach((field) => problems.set(field, "invalid"));
    markName(!name);
    if (card.type === "invalid" && !(card.missing || []).length) {
      $("pay-submit").disabled = false;
      summarise();
      $("pay-error").focus();
      return;
    }
    // Incomplete submits are reported too: the assistant on the call asks to complete them.
    const body = { name: name };
    if (card.type === "tokenized") body.cardToken = card.cardToken;
    const answer = await ivr.request("POST", apiBase + "/sessions/" + sessionId + "/payment",
      body, headers(true));
    $("pay-submit").disabled = false;
    if (answer.status === 200) {
      done(answer.body);
    } else if (answer.status === 422) {
      summarise();
      $("pay-error").focus();
    } else if (answer.status === 402) {
      declined(answer.body);
    } else if (answer.status === 409 || answer.status === 403) {
      openLink(); // paid meanwhile, expired, or out of cards: show what the link is now
    } else {
      showError("pay-error", answer.body.message || "Something went wrong. Please try again.");
      $("pay-error").focus();
    }
  }

  function declined(result) {
    const left = result.cardTriesLeft || 0;
    if (!left) {
      problem(STATES.declined.title, STATES.declined.message, WAY_FORWARD);
      return;
    }
    $("pay-declined-message").textContent = "The card ending " + result.last4 +
      " was declined, and no payment was taken. You can try another card: " + left +
      (left === 1 ? " more try." : " more tries.");
    ivr.show("pay-declined", true);
    cardFrame.contentWindow.postMessage({ type: "reset" }, cardOrigin);
    $("pay-declined").focus();
  }

  function markName(missing) {
    const field = $("card-name");
    const error = $("card-name-error");
    if (missing) {
      field.setAttribute("aria-invalid", "true");
      error.textContent = "Enter the name on the card.";
      error.classList.remove("hidden");
    } else {
      field.removeAttribute("aria-invalid");
      error.classList.add("hidden");
    }
  }

  const BRANDS = { visa: "Visa", mastercard: "Mastercard", amex: "American Express" };

  function receipt(paid, title, justPaid) {
    $("done-title").textContent = title;
    $("done-next").textContent = justPaid
      ? "We'll send a confirmation by text message and email. You can close this page. " +
        "If you're still on the call, the assistant confirms the payment there too."
      : "We sent the confirmation by text message and email when it was paid. Nothing more " +
        "is needed: you can close this page.";
    $("done-amount").textContent = paid.amountDisplay;
    const brand = BRANDS[paid.brand] || "Card";
    $("done-card").textContent = brand + " ending " + paid.last4;
    $("done-reference").textContent = paid.reference;
    $("done-when").textContent = new Date(paid.paidAt).toLocaleString([], {
      dateStyle: "medium", timeStyle: "short",
    });
    $("done-message").textContent = paid.amountDisplay + " was paid with the card ending " +
      paid.last4 + ".";
    showOnly("done-step");
    $("main").focus();
  }

  function done(result) {
    receipt({
      amountDisplay: result.amountDisplay,
      brand: result.brand,
      last4: result.last4,
      reference: result.reference,
      paidAt: new Date().toISOString(),
    }, "Payment received", true);
  }

  document.addEventListener("DOMContentLoaded", async () => {
    const config = await ivr.config();
    apiBase = config.apiBase;
    cardOrigin = config.cardFrameOrigin;
    if (!/^[0-9a-fA-F-]{36}$/.test(sessionId) || !linkToken) {
      problem("This payment link can't be used",
        "This link is incomplete. Open the payment link from the text message we sent you.",
        WAY_FORWARD);
      return;
    }
    $("pin-form").addEventListener("submit", verify);
    $("pay-form").addEventListener("submit", pay);
    $("card-name").addEventListener("input", () => {
      if ($("card-name").value.trim() && problems.has("name on card")) {
        markName(false);
        fixed("name on card");
      }
    });
    $("pin").addEventListener("input", () => {
      if (/^[0-9]{6}$/.test($("pin").value.trim())) $("pin").removeAttribute("aria-invalid");
    });
    await openLink();
  });
})();
