// WhatsApp opens WhatsApp: the wa.me address is derived from the number as
// the source prints it and the region's calling code, never typed twice.
import { readFile, readdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, inject, it } from "vitest";
import { contactHref, escapeHtml, internationalDigits } from "../scripts/core/contacts.ts";
import type { Problem } from "../scripts/core/problems.ts";
import { translator } from "../scripts/core/strings.ts";
import { loadValidKit } from "../scripts/pipeline/build.ts";
import { loadKit } from "../scripts/pipeline/load.ts";
import { validate } from "../scripts/pipeline/validate.ts";
import { fixtureKit, PROJECT } from "./helpers.ts";

const MY = { callingCode: "+60", trunkPrefix: "0" };

describe("international numbers for wa.me", () => {
  it("drops the trunk prefix and adds the calling code", () => {
    expect(internationalDigits("019-261 5999", MY)).toBe("60192615999");
    expect(internationalDigits("019-26 15999", MY)).toBe("60192615999");
    expect(internationalDigits("011-1959 8214", MY)).toBe("601119598214");
    expect(internationalDigits("1-800-555-0100", { callingCode: "+1", trunkPrefix: "1" })).toBe("18005550100");
    expect(internationalDigits("20 7946 0958", { callingCode: "+44", trunkPrefix: "" })).toBe("442079460958");
  });

  it("keeps a number already written with its + code, whatever the region", () => {
    expect(internationalDigits("+44 20 7946 0958", MY)).toBe("442079460958");
    expect(internationalDigits("+44 20 7946 0958", undefined)).toBe("442079460958");
  });

  it("has no answer for a local number without a calling code", () => {
    expect(internationalDigits("019-261 5999", undefined)).toBeUndefined();
    expect(internationalDigits("019-261 5999", { trunkPrefix: "0" })).toBeUndefined();
  });

  it("links WhatsApp to wa.me and keeps tel: for calls", () => {
    expect(contactHref({ kind: "whatsapp", value: "019-261 5999" }, MY)).toBe("https://wa.me/60192615999");
    expect(contactHref({ kind: "phone", value: "019-261 5999" }, MY)).toBe("tel:0192615999");
    expect(contactHref({ kind: "sms", value: "019-266 5850" }, MY)).toBe("sms:0192665850");
  });
});

describe("a region with WhatsApp numbers and no calling code", () => {
  it("is reported with the region file and the callingCode field", async () => {
    const root = await fixtureKit();
    const file = path.join(root, "regions/XX.yaml");
    const yaml = await readFile(file, "utf8");
    await writeFile(file, yaml.replace('- { kind: phone, value: "0-000-00-0000" }', '- { kind: phone, value: "0-000-00-0000" }\n      - { kind: whatsapp, value: "011-000 0000" }'));
    const problems: Problem[] = [];
    validate(await loadKit(root, problems), problems);
    expect(problems).toEqual([expect.objectContaining({ file: expect.stringMatching(/regions[\\/]XX\.yaml$/), field: "callingCode", line: 15 })]);

    await writeFile(file, (await readFile(file, "utf8")).replace("paper: a4", 'paper: a4\ncallingCode: "+99"'));
    const fixed: Problem[] = [];
    validate(await loadKit(root, fixed), fixed);
    expect(fixed).toEqual([]);
  });
});

describe("WhatsApp links in the built site", () => {
  it("point at wa.me with the number printed beside them, made international with the locale's region", async () => {
    const site = path.join(inject("kitOut"), "site");
    const kit = await loadValidKit(PROJECT);
    let expected = 0;
    const links: string[] = [];
    for (const locale of kit.locales) {
      const dir = path.join(site, locale.code);
      const files = (await readdir(dir, { recursive: true })).filter((f) => f.endsWith(".html") && !f.includes("pagefind"));
      const label = escapeHtml(translator(locale.strings, locale.code)("contact.whatsapp"));
      const dialing = locale.region.meta;
      if ([...locale.lines.values()].some((line) => line.contacts.some((c) => c.kind === "whatsapp"))) expected++;
      for (const file of files) {
        const html = await readFile(path.join(dir, file), "utf8");
        // Each contact is printed as "<kind label>:</span> <a href>number</a>".
        for (const m of html.matchAll(new RegExp(`<span class="contact-kind">${label}:</span> <a href="([^"]*)">([^<]*)</a>`, "g"))) {
          links.push(m[1]!);
          expect(m[1], `${locale.code}/${file}: ${m[2]}`).toBe(`https://wa.me/${internationalDigits(m[2]!, dialing)}`);
          expect(m[1]).toMatch(/^https:\/\/wa\.me\/[1-9]\d{7,14}$/);
        }
      }
    }
    // Every locale whose region has a WhatsApp line shows at least one of them somewhere.
    expect(links.length).toBeGreaterThanOrEqual(expected);
  });
});
