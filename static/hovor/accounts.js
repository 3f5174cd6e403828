// Security keys (WebAuthn): adding one on the two-factor page and using one at login.
// The server's options are WebAuthn JSON (py_webauthn); binary fields travel as base64url.
(function () {
  "use strict";

  function fromB64url(s) {
    var b = atob(s.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((s.length + 3) % 4));
    var out = new Uint8Array(b.length);
    for (var i = 0; i < b.length; i++) out[i] = b.charCodeAt(i);
    return out.buffer;
  }
  function toB64url(buf) {
    var bytes = new Uint8Array(buf), s = "";
    for (var i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]);
    return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }
  function csrf() {
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }
  function post(url, body) {
    return fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRFToken": csrf()},
      body: body === undefined ? "{}" : JSON.stringify(body)
    }).then(function (r) { return r.json().then(function (data) { return {ok: r.ok, data: data}; }); });
  }
  function descriptors(list) {
    return (list || []).map(function (d) { return {type: d.type, id: fromB64url(d.id), transports: d.transports}; });
  }
  function creationOptions(o) {
    return {
      rp: o.rp, user: {id: fromB64url(o.user.id), name: o.user.name, displayName: o.user.displayName},
      challenge: fromB64url(o.challenge), pubKeyCredParams: o.pubKeyCredParams, timeout: o.timeout,
      excludeCredentials: descriptors(o.excludeCredentials), authenticatorSelection: o.authenticatorSelection,
      attestation: o.attestation
    };
  }
  function requestOptions(o) {
    return {
      challenge: fromB64url(o.challenge), timeout: o.timeout, rpId: o.rpId,
      allowCredentials: descriptors(o.allowCredentials), userVerification: o.userVerification
    };
  }
  function credentialJSON(c) {
    var r = c.response, json = {id: c.id, rawId: toB64url(c.rawId), type: c.type, clientExtensionResults: {}, response: {
      clientDataJSON: toB64url(r.clientDataJSON)
    }};
    if (r.attestationObject) {
      json.response.attestationObject = toB64url(r.attestationObject);
      json.response.transports = r.getTransports ? r.getTransports() : [];
    } else {
      json.response.authenticatorData = toB64url(r.authenticatorData);
      json.response.signature = toB64url(r.signature);
      json.response.userHandle = r.userHandle ? toB64url(r.userHandle) : null;
    }
    return json;
  }
  function showError(text) {
    var el = document.getElementById("key-error");
    if (!el) return;
    el.textContent = text;
    el.classList.remove("hidden");
  }

  var addForm = document.getElementById("key-new");
  if (addForm) {
    addForm.addEventListener("submit", function (event) {
      event.preventDefault();
      if (!window.PublicKeyCredential) { showError(addForm.dataset.unsupported); return; }
      post(addForm.dataset.optionsUrl).then(function (res) {
        return navigator.credentials.create({publicKey: creationOptions(res.data)});
      }).then(function (credential) {
        var name = document.getElementById("key-name").value;
        return post(addForm.dataset.addUrl, {name: name, credential: credentialJSON(credential)});
      }).then(function (res) {
        if (res.ok && res.data.redirect) { window.location.assign(res.data.redirect); }
        else { showError(res.data.error || addForm.dataset.failed); }
      }).catch(function () { showError(addForm.dataset.failed); });
    });
  }

  var useKey = document.getElementById("use-key");
  if (useKey) {
    useKey.addEventListener("click", function () {
      if (!window.PublicKeyCredential) { showError(useKey.dataset.failed); return; }
      post(useKey.dataset.optionsUrl).then(function (res) {
        return navigator.credentials.get({publicKey: requestOptions(res.data)});
      }).then(function (credential) {
        return post(useKey.dataset.verifyUrl, credentialJSON(credential));
      }).then(function (res) {
        if (res.ok && res.data.redirect) { window.location.assign(res.data.redirect); }
        else { showError(res.data.error || useKey.dataset.failed); }
      }).catch(function () { showError(useKey.dataset.failed); });
    });
  }
})();
