// Turning region data into links that work on a phone. Numbers are printed
// exactly as the source gives them; only the link target is normalised.
import type { Contact } from "./schema.ts";

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** tel: and sms: targets keep only digits and a leading plus. */
export function dialable(value: string): string {
  return value.replace(/[^\d+]/g, "");
}

/** How a region's local numbers become international ones (regions/*.yaml). */
export interface Dialing {
  /** "+60": absent in a region whose numbers are never written locally for WhatsApp. */
  callingCode?: string;
  /** The digit a local number starts with that the international form drops ("0"). */
  trunkPrefix: string;
}

/**
 * A number in international form, digits only, as wa.me wants it: one
 * written with a plus already is; a local one loses its trunk prefix and
 * gains the region's calling code ("019-261 5999", +60, 0: 60192615999).
 * Undefined when a local number has no calling code to go with.
 */
export function internationalDigits(value: string, dialing: Dialing | undefined): string | undefined {
  const digits = dialable(value);
  if (digits.startsWith("+")) return digits.slice(1).replace(/\+/g, "");
  if (!dialing?.callingCode) return undefined;
  const trunk = dialing.trunkPrefix;
  const local = trunk && digits.startsWith(trunk) ? digits.slice(trunk.length) : digits;
  return `${dialing.callingCode.slice(1)}${local.replace(/\+/g, "")}`;
}

/** Whether a WhatsApp number can be linked as written in a region (validation names the region file if not). */
export function needsCallingCode(c: Pick<Contact, "kind" | "value">, dialing: Dialing): boolean {
  return c.kind === "whatsapp" && internationalDigits(c.value, dialing) === undefined;
}

export function contactHref(c: Contact, dialing?: Dialing): string | undefined {
  switch (c.kind) {
    case "phone":
      return `tel:${dialable(c.value)}`;
    case "sms":
      return `sms:${dialable(c.value)}`;
    case "email":
      return `mailto:${c.value}`;
    case "web":
      return c.value;
    // wa.me opens the chat in the app (or WhatsApp Web) and needs the
    // international number, which is derived, never typed a second time.
    // A number that cannot be made international (validation reports the
    // region's missing callingCode) stays callable rather than linking nowhere.
    case "whatsapp": {
      const digits = internationalDigits(c.value, dialing);
      return digits ? `https://wa.me/${digits}` : `tel:${dialable(c.value)}`;
    }
    default:
      return undefined;
  }
}

/**
 * Numbers stay on one line (the stylesheets' `.tel`), printed exactly as the
 * region file gives them: non-breaking hyphens would change what a reader
 * copies into a phone.
 */
export function telClass(href: string | undefined): string {
  return href && /^(tel|sms):/.test(href) ? ' class="tel"' : "";
}

/** One contact as "Call: <a>number</a> (note)". */
export function contactHtml(c: Contact, t: (key: string) => string, dialing?: Dialing): string {
  const text = escapeHtml(c.label ?? c.value);
  const href = contactHref(c, dialing);
  const link = href ? `<a${telClass(href)} href="${escapeHtml(href)}">${text}</a>` : text;
  const note = c.note ? ` <span class="contact-note">(${escapeHtml(c.note)})</span>` : "";
  return `<span class="contact-kind">${escapeHtml(t(`contact.${c.kind}`))}:</span> ${link}${note}`;
}

/** Plain text of a line's first contact, for footers. */
export function contactText(c: Contact | undefined): string {
  return c ? (c.label ?? c.value) : "";
}
