// Settings → Satisfaction (templates/inbox/csat_settings.html): the live preview of the
// question as the customer will read it, in the chosen language and kind of channel. It
// mirrors inbox.actions.csat.csat_render_question: the brand's wording or Hovor's, {brand}
// filled in; by email {link} is the rating page (added at the end when missing), elsewhere
// it is left out. No inline script (the Content-Security-Policy forbids it).
(function () {
  "use strict";

  function replaceAll(text, what, by) {
    return text.split(what).join(by);
  }

  function setup() {
    var form = document.getElementById("csat-form");
    var bubble = document.getElementById("csat-preview-text");
    if (!form || !bubble) {
      return;
    }
    var language = document.getElementById("csat-preview-language");
    var channel = document.getElementById("csat-preview-channel");
    var length = document.getElementById("csat-preview-length");
    var tooLong = document.getElementById("csat-preview-too-long");
    var enabled = document.getElementById("csat-enabled");
    var off = document.getElementById("csat-preview-off");
    var reviewEnabled = document.getElementById("csat-review-enabled");
    var reviewBlock = document.getElementById("csat-preview-review-block");
    var review = document.getElementById("csat-preview-review");
    var brand = bubble.getAttribute("data-brand") || "";
    var link = bubble.getAttribute("data-link") || "";
    var limit = parseInt(bubble.getAttribute("data-limit") || "280", 10);

    function question(field, email) {
      var custom = field.value.trim();
      var template;
      if (email) {
        template = custom || field.getAttribute("data-email-default") || "";
        if (template.indexOf("{link}") < 0) {
          template = template + "\n{link}";
        }
        template = replaceAll(template, "{link}", link);
      } else {
        template = replaceAll(custom || field.getAttribute("data-default") || "", "{link}", "");
      }
      return replaceAll(template, "{brand}", brand).trim();
    }

    function render() {
      var field = document.getElementById("csat-text-" + language.value);
      if (!field) {
        return;
      }
      var email = channel.value === "email";
      var text = question(field, email);
      var count = Array.from(text).length;
      bubble.textContent = text;
      bubble.setAttribute("lang", language.value);
      bubble.classList.toggle("email", email);
      length.textContent = replaceAll(length.getAttribute("data-label") || "{n}", "{n}", String(count));
      tooLong.classList.toggle("hidden", email || count <= limit);
      off.classList.toggle("hidden", enabled.checked);
      bubble.classList.toggle("off", !enabled.checked);
      reviewBlock.classList.toggle("hidden", !reviewEnabled.checked);
      var invitation = field.getAttribute("data-review") || "";
      review.textContent = replaceAll(replaceAll(invitation, "{link}", review.getAttribute("data-link") || ""),
        "{brand}", brand).trim();
      review.setAttribute("lang", language.value);
    }

    form.addEventListener("input", render);
    form.addEventListener("change", render);
    // Writing in a language's field shows that language's question.
    form.addEventListener("focusin", function (event) {
      var target = event.target;
      var code = target && target.getAttribute ? target.getAttribute("data-language") : null;
      if (code && language.value !== code) {
        language.value = code;
        render();
      }
    });
    render();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setup);
  } else {
    setup();
  }
})();
