// UI strings: flat dotted keys with {placeholders}, never HTML.
import type { Strings } from "./schema.ts";

export type Translate = (key: string, vars?: Record<string, string | number>) => string;

export function translator(strings: Strings, locale: string): Translate {
  return (key, vars = {}) => {
    const value = strings[key];
    if (value === undefined) throw new Error(`${locale}: no UI string "${key}" in lessons/${locale}/strings.json`);
    const text = Array.isArray(value) ? value.join("\n") : value;
    return text.replace(/\{(\w+)\}/g, (m, name: string) => (name in vars ? String(vars[name]) : m));
  };
}

export function stringList(strings: Strings, key: string): string[] {
  const value = strings[key];
  return Array.isArray(value) ? value : value ? [value] : [];
}
