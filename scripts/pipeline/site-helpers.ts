// Handlebars helpers for the templates. Templates hold no words of their
// own: every UI string comes through `t` from the locale's strings file.
import Handlebars from "handlebars";
import type { Strings } from "../core/schema.ts";
import { prefixIds } from "../core/ids.ts";
import { translator } from "../core/strings.ts";
import { escapeHtml } from "../core/contacts.ts";
import { STEP_ICONS, iconSvg, logoSvg } from "./icons.ts";

interface RootData {
  entry: { base: string; locale: string; strings: Strings };
}

function root(options: Handlebars.HelperOptions): RootData {
  return options.data.root as RootData;
}

/** A Handlebars instance of our own, so builds in one process never share helpers. */
export function createHandlebars(): typeof Handlebars {
  const hbs = Handlebars.create();
  hbs.registerHelper("t", function (key: string, options: Handlebars.HelperOptions) {
    const { entry } = root(options);
    return translator(entry.strings, entry.locale)(key, options.hash as Record<string, string>);
  });
  // Site-root-relative path to one relative to the current page.
  hbs.registerHelper("href", function (target: string, options: Handlebars.HelperOptions) {
    return root(options).entry.base + target;
  });
  // A decorative icon (hidden from assistive technology), the same markup as block labels.
  hbs.registerHelper("icon", (name: string) => new hbs.SafeString(iconSvg(name)));
  hbs.registerHelper("logo", () => new hbs.SafeString(logoSvg()));
  // The icon of one of the four steps, by its place in help.steps (none past the fourth).
  hbs.registerHelper("stepIcon", (index: number) => {
    const name = STEP_ICONS[index];
    return new hbs.SafeString(name ? iconSvg(name) : "");
  });
  // A QR code named on the <svg> itself: Chromium's tagged PDF makes it a
  // /Figure whose /Alt is the label, so a screen reader says where it leads.
  hbs.registerHelper("qr", function (link: { svg: string; short: string }, options: Handlebars.HelperOptions) {
    const { entry } = root(options);
    const label = translator(entry.strings, entry.locale)("qr.alt", { url: link.short });
    return new hbs.SafeString(link.svg.replace(/<svg\b/, `<svg role="img" aria-label="${escapeHtml(label)}"`));
  });
  hbs.registerHelper("eq", (a: unknown, b: unknown) => a === b);
  // One page holding several documents (the booklet): ids unique per page.
  hbs.registerHelper("prefixIds", function (this: unknown, prefix: string, options: Handlebars.HelperOptions) {
    return new hbs.SafeString(prefixIds(options.fn(this), prefix));
  });
  return hbs;
}
