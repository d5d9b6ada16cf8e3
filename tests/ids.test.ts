// prefixIds, on small pieces of markup: what it renames, what it keeps.
import { describe, expect, it } from "vitest";
import { prefixIds } from "../scripts/core/ids.ts";

describe("prefixIds", () => {
  it("prefixes every id and the same-section links to it", () => {
    const html = `<h2 id="opening">Opening</h2>\n<p><a href="#opening">back</a></p>\n`;
    expect(prefixIds(html, "s-a")).toBe(`<h2 id="s-a__opening">Opening</h2>\n<p><a href="#s-a__opening">back</a></p>\n`);
  });

  it("keeps links to ids it does not define, and links that are not fragments", () => {
    const html = `<p id="x"><a href="#contents">c</a> <a href="page.html#x">p</a> <a href="#">top</a> <a href="https://example.org/#x">e</a></p>`;
    expect(prefixIds(html, "p")).toBe(html.replace(`id="x"`, `id="p__x"`));
  });

  it("follows id lists in aria and form attributes, one token at a time", () => {
    const html = `<h2 id="t">T</h2><section aria-labelledby="t outside"><label for="f">F</label><input id="f"></section>`;
    expect(prefixIds(html, "p")).toBe(`<h2 id="p__t">T</h2><section aria-labelledby="p__t outside"><label for="p__f">F</label><input id="p__f"></section>`);
  });

  it("changes nothing else: text that looks like an attribute, other quoting, entities", () => {
    const html = `<p class='a' id=one>id="one" &amp; href="#one"</p><p ID = 'two&amp;x' data-id="one"><a HREF="#two&amp;x">2</a></p>`;
    expect(prefixIds(html, "p")).toBe(
      `<p class='a' id="p__one">id="one" &amp; href="#one"</p><p ID="p__two&amp;x" data-id="one"><a HREF="#p__two&amp;x">2</a></p>`,
    );
  });

  it("matches a fragment as written or percent-decoded, as a browser does", () => {
    const html = `<h2 id="law%2C-terms">L</h2><h2 id="café">C</h2><a href="#law%2C-terms">1</a><a href="#caf%C3%A9">2</a>`;
    expect(prefixIds(html, "p")).toBe(`<h2 id="p__law%2C-terms">L</h2><h2 id="p__café">C</h2><a href="#p__law%2C-terms">1</a><a href="#p__caf%C3%A9">2</a>`);
  });

  it("reaches into inline SVG", () => {
    const html = `<svg><defs><path id="d"/></defs><use xlink:href="#d"/><use href="#d"/></svg>`;
    expect(prefixIds(html, "p")).toBe(`<svg><defs><path id="p__d"/></defs><use xlink:href="#p__d"/><use href="#p__d"/></svg>`);
  });

  it("returns markup without ids unchanged", () => {
    const html = `<div class="block"><p>Say: <strong>hello</strong></p></div>\n`;
    expect(prefixIds(html, "p")).toBe(html);
  });

  it("makes one section repeated under different prefixes free of duplicate ids", () => {
    const section = `<h2 id="opening">O</h2><h2 id="activity">A</h2>`;
    const page = ["s-one", "s-two", "s-three"].map((p) => prefixIds(section, p)).join("");
    const ids = [...page.matchAll(/id="([^"]+)"/g)].map((m) => m[1]);
    expect(ids).toHaveLength(6);
    expect(new Set(ids).size).toBe(6);
  });
});
