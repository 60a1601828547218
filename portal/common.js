// Shared by the pages: config, JSON requests, a reconnecting event stream, safe DOM building.
"use strict";

window.ivr = (function () {
  let configPromise = null;

  function config() {
    if (!configPromise) {
      configPromise = fetch("/config.json", { cache: "no-store" }).then((r) => r.json());
    }
    return configPromise;
  }

  async function request(method, url, body, headers) {
    const options = { method: method, headers: Object.assign({}, headers || {}), cache: "no-store" };
    if (body !== undefined) {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    let response;
    try {
      response = await fetch(url, options);
    } catch (err) {
      return { status: 0, body: { message: "The connection failed. Check your network and try again." } };
    }
    let data = {};
    try {
      data = await response.json();
    } catch (err) {
      data = {};
    }
    return { status: response.status, body: data };
  }

  // EventSource reconnects by itself; on every (re)connection the server sends a snapshot first.
  function stream(url, handlers, onState) {
    let source = null;
    let retry = 1000;
    function open() {
      source = new EventSource(url);
      source.onopen = function () {
        retry = 1000;
        if (onState) onState("live");
      };
      source.onerror = function () {
        if (onState) onState("reconnecting");
        if (source.readyState === EventSource.CLOSED) {
          // The server refused (e.g. signed out) or went away: try again, more slowly.
          setTimeout(open, retry);
          retry = Math.min(retry * 2, 15000);
        }
      };
      Object.keys(handlers).forEach(function (name) {
        source.addEventListener(name, function (event) {
          handlers[name](JSON.parse(event.data));
        });
      });
    }
    open();
    return {
      close: function () {
        if (source) source.close();
      },
    };
  }

  function el(tag, attrs, children) {
    const node = document.createElement(tag);
    Object.entries(attrs || {}).forEach(function ([key, value]) {
      if (key === "text") node.textContent = value;
      else if (key === "className") node.className = value;
      else node.setAttribute(key, value);
    });
    (children || []).forEach(function (child) {
      node.append(child);
    });
    return node;
  }

  // Text with its links made clickable, built as DOM nodes (never as HTML).
  function linkify(text) {
    const parts = [];
    const pattern = /https?:\/\/[^\s]+/g;
    let last = 0;
    let match;
    while ((match = pattern.exec(text)) !== null) {
      parts.push(document.createTextNode(text.slice(last, match.index)));
      const url = match[0].replace(/[.,)]+$/, "");
      parts.push(el("a", { href: url, target: "_blank", rel: "noopener noreferrer", text: url }));
      last = match.index + url.length;
    }
    parts.push(document.createTextNode(text.slice(last)));
    return parts;
  }

  function show(id, visible) {
    document.getElementById(id).classList.toggle("hidden", !visible);
  }

  return { config: config, request: request, stream: stream, el: el, linkify: linkify, show: show };
})();
