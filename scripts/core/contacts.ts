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

export function contactHref(c: Contact): string | undefined {
  switch (c.kind) {
    case "phone":
      return `tel:${dialable(c.value)}`;
    case "sms":
      return `sms:${dialable(c.value)}`;
    case "email":
      return `mailto:${c.value}`;
    case "web":
      return c.value;
    // A WhatsApp number is dialled like a phone number; the app offers to
    // open the chat from the contact. No wa.me link: that needs the number
    // in international form, which our sources do not print.
    case "whatsapp":
      return `tel:${dialable(c.value)}`;
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
export function contactHtml(c: Contact, t: (key: string) => string): string {
  const text = escapeHtml(c.label ?? c.value);
  const href = contactHref(c);
  const link = href ? `<a${telClass(href)} href="${escapeHtml(href)}">${text}</a>` : text;
  const note = c.note ? ` <span class="contact-note">(${escapeHtml(c.note)})</span>` : "";
  return `<span class="contact-kind">${escapeHtml(t(`contact.${c.kind}`))}:</span> ${link}${note}`;
}

/** Plain text of a line's first contact, for footers. */
export function contactText(c: Contact | undefined): string {
  return c ? (c.label ?? c.value) : "";
}
