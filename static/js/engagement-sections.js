// Enhancement only: an old link to a panel of the engagement page (…/engagements/7#share-links,
// from before the page had sections) opens the section that now holds the panel. Without
// JavaScript such a link opens the overview, whose section links lead on.
(function () {
  "use strict";
  var nav = document.querySelector("nav.section-tabs[data-anchors]");
  var anchor = decodeURIComponent(window.location.hash.slice(1));
  if (!nav || !anchor || document.getElementById(anchor)) { return; }
  var anchors = JSON.parse(nav.getAttribute("data-anchors"));
  var section = anchors.exact[anchor];
  if (!section) {
    anchors.prefixes.forEach(function (pair) {
      if (!section && anchor.indexOf(pair[0]) === 0) { section = pair[1]; }
    });
  }
  var link = section && nav.querySelector('a[data-section="' + section + '"]');
  if (link && link.getAttribute("aria-current") !== "page") {
    window.location.replace(link.href + "#" + encodeURIComponent(anchor));
  }
})();
