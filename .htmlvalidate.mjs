// html-validate's configuration, for tests/html.test.ts and for running
// `npx html-validate output/site` by hand. Written as a module, not JSON,
// so that every rule set differently from the presets says why. No rule is
// switched off because the pages break it.
export default {
  root: true,
  extends: ["html-validate:recommended", "html-validate:document"],
  rules: {
    // Both spellings are valid HTML; every page we write uses lower case.
    "doctype-style": ["error", { style: "lowercase" }],
    // Every stylesheet and script is our own, relative to the page (the
    // site works offline and from file://): a hash guards nothing there.
    // Anything loaded from another site still needs one.
    "require-sri": ["error", { target: "crossorigin" }],
    // Help-line links carry class "tel", which both stylesheets keep on one
    // line (white-space: nowrap). That keeps the number the region file
    // gives, character for character, in what a reader copies into a
    // phone, instead of non-breaking hyphens and spaces.
    "tel-non-breaking": ["error", { ignoreClasses: ["tel"] }],
    // Heading ids come from the heading's words, in the lesson's language.
    // The strict form allows only letters, digits, "_" and "-", so Tamil or
    // Hindi headings (vowel signs are marks, not letters) would fail it.
    // Relaxed is what HTML requires: not empty, no white space. no-dup-id
    // still makes ids unique per page.
    "valid-id": ["error", { relaxed: true }],
    // A booklet's cover, contents and each handout are top-level divisions,
    // each with its own <h1>: the PDF's bookmarks are built from them, and
    // a handout in the booklet is the very page printed on its own (same
    // headings, same page count, which numbers the contents). Within each
    // of them, the rule still holds: one <h1>, no skipped level.
    "heading-level": [
      "error",
      {
        sectioningRoots: ["dialog", '[role="dialog"]', '[role="alertdialog"]', ".booklet-cover", ".booklet-contents", ".booklet-section"],
      },
    ],
    // Page titles are lesson titles and handout names as the kit builder
    // and translators write them, and a print page's title is its PDF's
    // title. Their length is a writing choice (the rule is advice for search
    // result listings), not an error in the page.
    "long-title": "off",
  },
};
